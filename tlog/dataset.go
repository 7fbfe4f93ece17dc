package tlog

import (
	"bufio"
	"bytes"
	"cmp"
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
	DatasetEnvelopes  = "envelopes.jsonl" // one line per report: {"seq": n, "envelope": base64} or {"seq": n, "withheld": reason}
)

// maxEnvelopeLine bounds one line of envelopes.jsonl: a 64 KiB envelope in base64 and
// some room. A withheld line is far shorter.
const maxEnvelopeLine = 1 << 20

// WithheldTestimony is the reason a dataset gives for a report whose envelope it does not
// publish because the report carries testimony: a free-text answer, or an incident
// report, which describes people and events (see docs/log.md).
const WithheldTestimony = "testimony"

// withheldReasons is the fixed set of reasons a withheld line may give.
var withheldReasons = []string{WithheldTestimony}

// DatasetEnvelope is what a dataset says of one accepted report: the sequence number of
// its acceptance event and either its envelope, the exact bytes the server stored, or
// why the envelope is withheld. Exactly one of Envelope and Withheld is set; Withheld is
// one of a fixed set of reasons (WithheldTestimony). The leaf of a withheld report still
// commits to its envelope's hash, so the organisation can show the envelope to a partner
// privately, who checks it against the leaf.
type DatasetEnvelope struct {
	Seq      uint64 `json:"seq"`
	Envelope []byte `json:"envelope,omitempty"`
	Withheld string `json:"withheld,omitempty"`
}

// check reports whether e is a well-formed line: a sequence number, and either a
// non-empty envelope or a known reason, not both.
func (e DatasetEnvelope) check() error {
	switch {
	case e.Seq == 0:
		return errors.New("sequence number 0: sequence numbers start at 1")
	case len(e.Envelope) > 0 && e.Withheld != "":
		return fmt.Errorf("sequence number %d has both an envelope and a reason to withhold it", e.Seq)
	case len(e.Envelope) == 0 && e.Withheld == "":
		return fmt.Errorf("sequence number %d has neither an envelope nor a reason to withhold it", e.Seq)
	case e.Withheld != "" && !slices.Contains(withheldReasons, e.Withheld):
		return fmt.Errorf("sequence number %d is withheld for %q, not one of %s", e.Seq,
			truncate([]byte(e.Withheld), 40), strings.Join(withheldReasons, ", "))
	}
	return nil
}

// MarshalLine returns e as one line of envelopes.jsonl, with its newline, exactly as
// WriteDataset writes it: {"seq":N,"envelope":"BASE64"} or {"seq":N,"withheld":"REASON"}.
// It returns an error if Seq is 0, if e has both an envelope and a reason or neither, or
// if the reason is not one of the fixed set.
func (e DatasetEnvelope) MarshalLine() ([]byte, error) {
	if err := e.check(); err != nil {
		return nil, err
	}
	b, err := json.Marshal(e)
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}

// ParseDatasetEnvelope parses one line of envelopes.jsonl, without its newline: a JSON
// object with "seq" and exactly one of "envelope" (standard base64) and "withheld" (a
// reason of the fixed set), and no other member. Lines longer than 1 MiB are refused.
func ParseDatasetEnvelope(line []byte) (DatasetEnvelope, error) {
	var e DatasetEnvelope
	if len(line) > maxEnvelopeLine {
		return e, fmt.Errorf("line longer than %d bytes", maxEnvelopeLine)
	}
	dec := json.NewDecoder(bytes.NewReader(line))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&e); err != nil {
		return DatasetEnvelope{}, fmt.Errorf(`want {"seq": N, "envelope": BASE64} or {"seq": N, "withheld": REASON}: %w`, err)
	}
	if dec.More() {
		return DatasetEnvelope{}, errors.New("more than one JSON value on the line")
	}
	if err := e.check(); err != nil {
		return DatasetEnvelope{}, err
	}
	return e, nil
}

// DatasetSummary says what a dataset holds.
type DatasetSummary struct {
	Checkpoint *Checkpoint
	// Elections are the elections in scope; nil means all.
	Elections []string
	// Leaves is the number of leaves (the checkpoint's size); Reports the report leaves
	// in scope; Envelopes the lines that give an envelope and Withheld those that say it
	// is withheld: together, one per report leaf in scope.
	Leaves    uint64
	Reports   int
	Envelopes int
	Withheld  int
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
// lines of envs whose Seq the checkpoint covers, in Seq order, each an envelope or a
// withheld line as MarshalLine writes it. Lines not yet covered are left out and counted
// in Omitted. An element of envs that MarshalLine refuses is an error, before anything
// is written. WriteDataset then verifies the folder with VerifyDataset and returns that
// result: an envelope that does not match the log is an error, and the folder is left
// as written for inspection. WriteDataset reads the log while it grows; it is safe to
// run beside the server.
func WriteDataset(ctx context.Context, out string, src DatasetSource, envs []DatasetEnvelope) (*DatasetSummary, error) {
	if ents, err := os.ReadDir(out); err == nil && len(ents) > 0 {
		return nil, fmt.Errorf("dataset folder %s exists and is not empty", out)
	}
	for _, e := range envs {
		if err := e.check(); err != nil {
			return nil, fmt.Errorf("dataset envelopes: %w", err)
		}
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
	var buf bytes.Buffer
	omitted, err := WriteDatasetEnvelopes(&buf, envs, cp.Size)
	if err != nil {
		return nil, err
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

// WriteDatasetEnvelopes writes the file envelopes.jsonl of a dataset whose checkpoint
// has size leaves to w, as WriteDataset writes it: the lines of envs whose Seq is at
// most size, in Seq order (envs need not be sorted), each as MarshalLine writes it. It
// returns how many elements of envs it left out because size does not cover them. An
// element that MarshalLine refuses is an error, before anything is written.
func WriteDatasetEnvelopes(w io.Writer, envs []DatasetEnvelope, size uint64) (omitted int, err error) {
	sorted := make([]DatasetEnvelope, 0, len(envs))
	for _, e := range envs {
		if err := e.check(); err != nil {
			return 0, fmt.Errorf("dataset envelopes: %w", err)
		}
		if e.Seq > size {
			omitted++
			continue
		}
		sorted = append(sorted, e)
	}
	slices.SortStableFunc(sorted, func(a, b DatasetEnvelope) int { return cmp.Compare(a.Seq, b.Seq) })
	bw := bufio.NewWriterSize(w, 64<<10)
	for _, e := range sorted {
		line, err := e.MarshalLine()
		if err != nil {
			return 0, err
		}
		if _, err := bw.Write(line); err != nil {
			return 0, err
		}
	}
	return omitted, bw.Flush()
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
// elections in scope) and the lines of envelopes.jsonl correspond one to one: every
// envelope's SHA-256 is the hash in the report leaf of its seq; a withheld line, whose
// envelope cannot be checked, names a report leaf in scope; every such leaf has its
// envelope or withheld line; and no seq is given twice. The summary counts the
// envelopes and the withheld lines. On failure the *Error names every problem found (up
// to 20): the envelope altered, removed or added, or the withheld line added, with the
// envelope's hash and the leaf as evidence.
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
		e, err := ParseDatasetEnvelope(line)
		if err != nil {
			return nil, failf(FailMalformed, "envelopes.jsonl line %d is malformed", ln).wrap(err)
		}
		if e.Withheld != "" {
			sum.Withheld++
		} else {
			sum.Envelopes++
		}
		if seen[e.Seq] {
			problem("envelope %d (line %d) is given twice", e.Seq, ln)
			if len(problems) >= maxDatasetProblems {
				break
			}
			continue
		}
		seen[e.Seq] = true
		want, ok := reports[e.Seq]
		if !ok {
			what := "beyond the checkpoint"
			if l, ok := kinds[e.Seq]; ok {
				what = fmt.Sprintf("a %s event of election %s", l.Kind, l.Election)
				if l.Election == "" {
					what = fmt.Sprintf("a %s event of the installation", l.Kind)
				}
				fail.with(fmt.Sprintf("leaf %d", e.Seq), l.Marshal())
			}
			if e.Withheld != "" {
				problem("withheld envelope %d (line %d) was added: sequence number %d is %s, not a report in the log", e.Seq, ln, e.Seq, what)
			} else {
				fail.with(fmt.Sprintf("envelope %d SHA-256", e.Seq), fmt.Appendf(nil, "%x", sha256.Sum256(e.Envelope)))
				problem("envelope %d (line %d) was added: sequence number %d is %s, not a report in the log", e.Seq, ln, e.Seq, what)
			}
			if len(problems) >= maxDatasetProblems {
				break
			}
			continue
		}
		if e.Withheld != "" {
			continue // the leaf commits to the envelope; the dataset cannot show it
		}
		h := sha256.Sum256(e.Envelope)
		switch {
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
			problem("envelope %d was removed: the log holds a report with sequence number %d and the dataset has neither its envelope nor a withheld line for it", seq, seq)
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
