package tlog

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/iltod/iltod"
	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"github.com/transparency-dev/tessera/client"
)

// The files of a dataset folder (see docs/log.md).
const (
	DatasetCheckpoint = "checkpoint"      // the signed checkpoint the dataset is verified against
	DatasetVKey       = "log.vkey"        // the log's verifier key
	DatasetPolicy     = "policy"          // optional: the witness policy
	DatasetElections  = "elections"       // optional: the elections whose reports the dataset holds, one per line
	DatasetLog        = "log"             // the tiles and entry bundles up to the checkpoint
	DatasetEnvelopes  = "envelopes.jsonl" // one line per report: {"seq": n, "envelope": base64}
)

// maxEnvelopeLine bounds one line of envelopes.jsonl: a 64 KiB envelope in base64 and
// some room.
const maxEnvelopeLine = 1 << 20

// DatasetEnvelope is one accepted report's envelope: the exact bytes the server stored
// and the sequence number of its acceptance event.
type DatasetEnvelope struct {
	Seq      uint64 `json:"seq"`
	Envelope []byte `json:"envelope"`
}

// DatasetSummary says what a dataset holds.
type DatasetSummary struct {
	Checkpoint *Checkpoint
	// Elections are the elections in scope; nil means all.
	Elections []string
	// Leaves is the number of leaves (the checkpoint's size); Reports the report leaves
	// in scope; Envelopes the envelopes, one per report leaf in scope.
	Leaves    uint64
	Reports   int
	Envelopes int
	// Omitted counts the envelopes WriteDataset left out because the checkpoint does
	// not cover them yet.
	Omitted int
}

// DatasetSource is where WriteDataset takes the log from.
type DatasetSource struct {
	// LogDir is the log's tlog-tiles directory (the ledger's directory).
	LogDir string
	// VKey is the log's verifier key; Policy, if not nil, the witness policy text.
	VKey   string
	Policy []byte
	// Elections, if not empty, limits the dataset to these elections' reports.
	Elections []string
}

// WriteDataset writes a dataset folder out (which must not exist, or be empty) from the
// log in src and the envelopes envs: the log's current checkpoint, which must verify
// under src.VKey and src.Policy; a copy of the tiles and entry bundles up to it; and the
// envelopes whose Seq the checkpoint covers, in Seq order. Envelopes not yet covered
// are left out and counted in Omitted. It then verifies the folder with VerifyDataset
// and returns that result: an envelope that does not match the log is an error, and
// the folder is left as written for inspection. WriteDataset reads the log while it
// grows; it is safe to run beside the server.
func WriteDataset(ctx context.Context, out string, src DatasetSource, envs []DatasetEnvelope) (*DatasetSummary, error) {
	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("dataset folder %s exists and is not empty", out)
	}
	var pol *Policy
	if src.Policy != nil {
		var err error
		if pol, err = ParsePolicy(src.Policy); err != nil {
			return nil, err
		}
	}
	v, err := NewVerifier(src.VKey, pol)
	if err != nil {
		return nil, err
	}
	tiles := client.FileFetcher{Root: src.LogDir}
	cpRaw, err := tiles.ReadCheckpoint(ctx)
	if err != nil {
		return nil, fmt.Errorf("read the log's checkpoint: %w", err)
	}
	cp, err := v.VerifyCheckpoint(cpRaw)
	if err != nil {
		return nil, fmt.Errorf("the log's checkpoint: %w", err)
	}
	write := func(name string, data []byte) error {
		p := filepath.Join(out, filepath.FromSlash(name))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			return err
		}
		return os.WriteFile(p, data, 0o644)
	}
	for ri := range layout.Range(0, cp.Size, cp.Size) {
		b, err := tiles.ReadEntryBundle(ctx, ri.Index, ri.Partial)
		if err != nil {
			return nil, fmt.Errorf("read entry bundle %d: %w", ri.Index, err)
		}
		if b, err = trimBundle(b, ri.Partial); err != nil {
			return nil, fmt.Errorf("entry bundle %d: %w", ri.Index, err)
		}
		if err := write(DatasetLog+"/"+layout.EntriesPath(ri.Index, ri.Partial), b); err != nil {
			return nil, err
		}
	}
	for level := uint64(0); level < 64 && cp.Size>>(layout.TileHeight*level) > 0; level++ {
		nodes := cp.Size >> (layout.TileHeight * level)
		for idx := uint64(0); idx*layout.TileWidth < nodes; idx++ {
			p := layout.PartialTileSize(level, idx, cp.Size)
			t, err := tiles.ReadTile(ctx, level, idx, p)
			if err != nil {
				return nil, fmt.Errorf("read tile %d/%d: %w", level, idx, err)
			}
			if p > 0 && len(t) > int(p)*32 {
				t = t[:int(p)*32] // the full tile replaced the partial one; keep its prefix
			}
			if err := write(DatasetLog+"/"+layout.TilePath(level, idx, p), t); err != nil {
				return nil, err
			}
		}
	}
	if err := write(DatasetCheckpoint, cpRaw); err != nil {
		return nil, err
	}
	if err := write(DatasetVKey, []byte(strings.TrimSpace(src.VKey)+"\n")); err != nil {
		return nil, err
	}
	if src.Policy != nil {
		if err := write(DatasetPolicy, src.Policy); err != nil {
			return nil, err
		}
	}
	if len(src.Elections) > 0 {
		if err := write(DatasetElections, []byte(strings.Join(src.Elections, "\n")+"\n")); err != nil {
			return nil, err
		}
	}
	sorted := slices.Clone(envs)
	slices.SortStableFunc(sorted, func(a, b DatasetEnvelope) int {
		switch {
		case a.Seq < b.Seq:
			return -1
		case a.Seq > b.Seq:
			return 1
		}
		return 0
	})
	var buf bytes.Buffer
	omitted := 0
	for _, e := range sorted {
		if e.Seq > cp.Size {
			omitted++
			continue
		}
		line, err := json.Marshal(e)
		if err != nil {
			return nil, err
		}
		buf.Write(line)
		buf.WriteByte('\n')
	}
	if err := write(DatasetEnvelopes, buf.Bytes()); err != nil {
		return nil, err
	}
	sum, err := VerifyDataset(ctx, out)
	if sum != nil {
		sum.Omitted = omitted
	}
	return sum, err
}

// trimBundle returns the first p entries of the entry bundle b when b holds more (the
// full bundle replaced the partial one), or b itself.
func trimBundle(b []byte, p uint8) ([]byte, error) {
	if p == 0 {
		return b, nil
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(b); err != nil {
		return nil, err
	}
	if len(eb.Entries) <= int(p) {
		return b, nil
	}
	var out []byte
	for i, e := range eb.Entries[:p] {
		out = append(out, tessera.NewEntry(e).MarshalBundleData(uint64(i))...)
	}
	return out, nil
}

// maxDatasetProblems bounds the problems VerifyDataset lists in one error.
const maxDatasetProblems = 20

// VerifyDataset checks the dataset folder dir (see WriteDataset and docs/log.md): that
// the checkpoint verifies under log.vkey and the policy, if any; that the leaves in the
// entry bundles hash to the checkpoint's root, and so do the tiles; that the leaves are
// well formed and numbered 1, 2, 3 … without a gap; and that the report leaves (of the
// elections in scope) and the envelopes correspond one to one: every envelope's SHA-256
// is the hash in the report leaf of its seq, and every such leaf has its envelope. On
// failure the *Error names every problem found (up to 20): the envelope altered,
// removed or added, with the envelope's hash and the leaf as evidence.
func VerifyDataset(ctx context.Context, dir string) (*DatasetSummary, error) {
	vkey, err := os.ReadFile(filepath.Join(dir, DatasetVKey))
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	var pol *Policy
	if p, err := os.ReadFile(filepath.Join(dir, DatasetPolicy)); err == nil {
		if pol, err = ParsePolicy(p); err != nil {
			return nil, fmt.Errorf("dataset policy: %w", err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	v, err := NewVerifier(string(vkey), pol)
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	cpRaw, err := os.ReadFile(filepath.Join(dir, DatasetCheckpoint))
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	cp, err := v.VerifyCheckpoint(cpRaw)
	if err != nil {
		return nil, err
	}
	sum := &DatasetSummary{Checkpoint: cp, Leaves: cp.Size}
	var scope map[string]bool
	if b, err := os.ReadFile(filepath.Join(dir, DatasetElections)); err == nil {
		scope = map[string]bool{}
		for _, e := range strings.Fields(string(b)) {
			scope[e] = true
			sum.Elections = append(sum.Elections, e)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("dataset: %w", err)
	}

	// The leaves: recompute the root, check their form and numbering, and collect the
	// report leaves in scope.
	tiles := client.FileFetcher{Root: filepath.Join(dir, DatasetLog)}
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	cr := rf.NewEmptyRange(0)
	reports := map[uint64]LeafData{}
	kinds := map[uint64]LeafData{}
	index := uint64(0)
	size := func(context.Context) (uint64, error) { return cp.Size, nil }
	for b, err := range client.EntryBundles(ctx, 1, size, tiles.ReadEntryBundle, 0, cp.Size) {
		if err != nil {
			return nil, failf(FailDataset, "the log copy lacks entry bundles up to the checkpoint").wrap(err)
		}
		var eb api.EntryBundle
		if err := eb.UnmarshalText(b.Data); err != nil || uint(len(eb.Entries)) < b.RangeInfo.First+b.RangeInfo.N {
			return nil, failf(FailDataset, "entry bundle %d is malformed", b.RangeInfo.Index).wrap(err)
		}
		for _, leaf := range eb.Entries[b.RangeInfo.First : b.RangeInfo.First+b.RangeInfo.N] {
			lh := LeafHash(leaf)
			if err := cr.Append(lh[:], nil); err != nil {
				return nil, err
			}
			l, err := ParseLeaf(leaf)
			if err != nil {
				return nil, failf(FailDataset, "the leaf at index %d is malformed", index).wrap(err).with("leaf", leaf)
			}
			if l.Seq != index+1 {
				return nil, failf(FailDataset, "the leaf at index %d has sequence number %d, not %d: the log skips or repeats events", index, l.Seq, index+1).
					with("leaf", leaf).with("checkpoint", cpRaw)
			}
			if l.Kind == iltod.EventReport && (scope == nil || scope[l.Election]) {
				reports[l.Seq] = l
			} else {
				kinds[l.Seq] = l
			}
			index++
		}
	}
	if index != cp.Size {
		return nil, failf(FailDataset, "the log copy holds %d leaves; the checkpoint has %d", index, cp.Size).with("checkpoint", cpRaw)
	}
	root, err := cr.GetRootHash(nil)
	if err != nil {
		return nil, err
	}
	if cp.Size == 0 {
		root = rfc6962.DefaultHasher.EmptyRoot()
	}
	if !bytes.Equal(root, cp.Hash[:]) {
		return nil, failf(FailDataset, "the leaves hash to root %x, not the checkpoint's %x", root, cp.Hash).with("checkpoint", cpRaw)
	}
	if troot, err := TreeRoot(ctx, tiles, cp.Size); err != nil {
		return nil, failf(FailDataset, "the log copy lacks tiles up to the checkpoint").wrap(err)
	} else if troot != cp.Hash {
		return nil, failf(FailDataset, "the tiles hash to root %x, not the checkpoint's %x", troot, cp.Hash).with("checkpoint", cpRaw)
	}
	sum.Reports = len(reports)

	// The envelopes.
	f, err := os.Open(filepath.Join(dir, DatasetEnvelopes))
	if err != nil {
		return nil, fmt.Errorf("dataset: %w", err)
	}
	defer f.Close()
	fail := &Error{Failure: FailDataset}
	var problems []string
	problem := func(format string, args ...any) {
		problems = append(problems, fmt.Sprintf(format, args...))
	}
	seen := map[uint64]bool{}
	r := bufio.NewReaderSize(f, 64<<10)
	for ln := 1; ; ln++ {
		line, err := readLine(r, maxEnvelopeLine)
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, failf(FailDataset, "envelopes.jsonl line %d", ln).wrap(err)
		}
		var e DatasetEnvelope
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&e); err != nil || e.Seq == 0 || dec.More() {
			if err == nil {
				err = errors.New(`want {"seq": N, "envelope": BASE64}`)
			}
			return nil, failf(FailMalformed, "envelopes.jsonl line %d is malformed", ln).wrap(err)
		}
		sum.Envelopes++
		if seen[e.Seq] {
			problem("envelope %d (line %d) is given twice", e.Seq, ln)
			if len(problems) >= maxDatasetProblems {
				break
			}
			continue
		}
		seen[e.Seq] = true
		h := sha256.Sum256(e.Envelope)
		want, ok := reports[e.Seq]
		switch {
		case !ok:
			what := "beyond the checkpoint"
			if l, ok := kinds[e.Seq]; ok {
				what = fmt.Sprintf("a %s event of election %s", l.Kind, l.Election)
				if l.Election == "" {
					what = fmt.Sprintf("a %s event of the installation", l.Kind)
				}
				fail.with(fmt.Sprintf("leaf %d", e.Seq), l.Marshal())
			}
			fail.with(fmt.Sprintf("envelope %d SHA-256", e.Seq), fmt.Appendf(nil, "%x", h))
			problem("envelope %d (line %d) was added: sequence number %d is %s, not a report in the log", e.Seq, ln, e.Seq, what)
		case h != want.Hash:
			fail.with(fmt.Sprintf("envelope %d SHA-256", e.Seq), fmt.Appendf(nil, "%x", h)).
				with(fmt.Sprintf("leaf %d", e.Seq), want.Marshal())
			problem("envelope %d (line %d) was altered: its SHA-256 is %x; the log committed to %x", e.Seq, ln, h, want.Hash)
		}
		if len(problems) >= maxDatasetProblems {
			break
		}
	}
	if len(problems) < maxDatasetProblems {
		missing := make([]uint64, 0)
		for seq := range reports {
			if !seen[seq] {
				missing = append(missing, seq)
			}
		}
		slices.Sort(missing)
		for _, seq := range missing {
			fail.with(fmt.Sprintf("leaf %d", seq), reports[seq].Marshal())
			problem("envelope %d was removed: the log holds a report with sequence number %d and the dataset has no envelope for it", seq, seq)
			if len(problems) >= maxDatasetProblems {
				break
			}
		}
	}
	if len(problems) > 0 {
		fail.Msg = strings.Join(problems, "; ")
		if len(problems) > 1 {
			fail.Msg = fmt.Sprintf("%d problems: %s", len(problems), fail.Msg)
		}
		fail.with("checkpoint", cpRaw)
		return sum, fail
	}
	return sum, nil
}

// readLine reads one line of at most max bytes without its newline; io.EOF at the end.
func readLine(r *bufio.Reader, max int) ([]byte, error) {
	var line []byte
	for {
		chunk, isPrefix, err := r.ReadLine()
		if err != nil {
			if err == io.EOF && len(line) > 0 {
				return line, nil
			}
			return nil, err
		}
		line = append(line, chunk...)
		if len(line) > max {
			return nil, fmt.Errorf("line longer than %d bytes", max)
		}
		if !isPrefix {
			return line, nil
		}
	}
}
