package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path"
	"path/filepath"
	"strings"

	"github.com/transparency-dev/merkle/compact"
	"github.com/transparency-dev/merkle/rfc6962"
	"github.com/transparency-dev/tessera/client"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/tlog"
)

// RestoreConfig says what to restore, where, and what to trust.
type RestoreConfig struct {
	// In is the backup file.
	In string
	// DataDir is the new data directory: it must not exist, or be empty. It receives
	// the log, its keys and, without DSN, the SQLite store.
	DataDir string
	// DSN, if set, is the PostgreSQL database (its search_path's first schema) that
	// receives the store: iltod migrates it, and it must hold no data. Required for a
	// PostgreSQL backup, refused for a SQLite one.
	DSN string
	// VKey, if not "", is the log's verifier key as its partners know it; the backup's
	// must be the same. Without it, the backup's own is trusted.
	VKey string
	// Key, if not nil, is the log's private key (log.key), for a backup made without it.
	Key []byte
	// Policy, if not nil, is the witness policy: the backup's checkpoint, and Witnessed,
	// must then carry a quorum of cosignatures.
	Policy []byte
	// Witnessed, if not nil, is the latest checkpoint the log's witnesses (or a mirror)
	// hold. The restored store must hold its whole tree: a backup older than it has lost
	// events that observers were given receipts for.
	Witnessed []byte
}

// Restored is what Restore proved.
type Restored struct {
	Manifest *Manifest
	// Checkpoint is the size of the backup's checkpoint, and Witnessed that of
	// RestoreConfig.Witnessed (0 without one); the restored store holds both trees.
	Checkpoint, Witnessed uint64
}

// maxMember bounds one member of a backup (a table or the SQLite file: 64 GiB), and
// maxManifest the manifest.
const (
	maxMember   = 64 << 30
	maxManifest = 64 << 20
)

// Restore restores the backup cfg.In into cfg.DataDir (and cfg.DSN), after the checks
// of the package documentation. On any failure it leaves cfg.DataDir and the database as
// they were (but for iltod's migrations), and returns a catalogue error saying why.
func Restore(ctx context.Context, cfg RestoreConfig) (*Restored, error) {
	if cfg.In == "" || cfg.DataDir == "" {
		return nil, locales.NewError("cli.restore.need_in_data", nil)
	}
	if ents, err := os.ReadDir(cfg.DataDir); err == nil && len(ents) > 0 {
		return nil, locales.NewError("cli.restore.not_empty_dir", locales.Args{"Dir": cfg.DataDir})
	} else if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
	}
	parent := filepath.Dir(filepath.Clean(cfg.DataDir))
	if err := os.MkdirAll(parent, 0o755); err != nil {
		return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
	}
	b := make([]byte, 6)
	rand.Read(b)
	stage := filepath.Join(parent, "."+filepath.Base(cfg.DataDir)+".restore-"+hex.EncodeToString(b))
	if err := os.Mkdir(stage, 0o700); err != nil {
		return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
	}
	defer os.RemoveAll(stage)

	m, err := unpack(cfg.In, stage)
	if err != nil {
		return nil, err
	}
	switch {
	case m.Store == KindPostgres && cfg.DSN == "":
		return nil, locales.NewError("cli.restore.need_postgres", nil)
	case m.Store == KindSQLite && cfg.DSN != "":
		return nil, locales.NewError("cli.restore.sqlite_backup", nil)
	case m.Store != KindSQLite && m.Store != KindPostgres:
		return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("unknown store %q", m.Store)})
	}

	// The keys: the verifier key partners know, and the private key it belongs to.
	vkey := m.VKey
	if file, err := os.ReadFile(filepath.Join(stage, VKeyFile)); err != nil || strings.TrimSpace(string(file)) != vkey {
		return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": errors.New("log.vkey differs from the manifest's verifier key")})
	}
	if cfg.VKey != "" && strings.TrimSpace(cfg.VKey) != vkey {
		return nil, locales.NewError("cli.restore.vkey_mismatch", nil)
	}
	keyPath := filepath.Join(stage, KeyFile)
	key, err := os.ReadFile(keyPath)
	switch {
	case err == nil && cfg.Key != nil && !bytes.Equal(bytes.TrimSpace(key), bytes.TrimSpace(cfg.Key)):
		return nil, locales.NewError("cli.restore.key_mismatch", nil)
	case err != nil && cfg.Key == nil:
		return nil, locales.NewError("cli.restore.need_key", nil)
	case err != nil:
		key = cfg.Key
	}
	if v, err := verifierKey(strings.TrimSpace(string(key))); err != nil || v != vkey {
		return nil, locales.NewError("cli.restore.key_mismatch", nil)
	}
	if err := os.WriteFile(keyPath, append(bytes.TrimSpace(key), '\n'), 0o600); err != nil {
		return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
	}
	if err := os.Chmod(keyPath, 0o600); err != nil {
		return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
	}

	var policy *tlog.Policy
	if cfg.Policy != nil {
		if policy, err = tlog.ParsePolicy(cfg.Policy); err != nil {
			return nil, locales.NewError("cli.restore.policy", locales.Args{"Err": err})
		}
	}
	v, err := tlog.NewVerifier(vkey, policy)
	if err != nil {
		return nil, locales.NewError("cli.restore.policy", locales.Args{"Err": err})
	}
	res := &Restored{Manifest: m}
	if err := checkLog(ctx, v, m, filepath.Join(stage, LogDir), cfg.Witnessed, res); err != nil {
		return nil, err
	}

	// The store.
	var store *sqlstore.Store
	load := func() error { return nil }
	if m.Store == KindSQLite {
		if err := os.Rename(filepath.Join(stage, filepath.FromSlash(storeSQLite)), filepath.Join(stage, SQLiteFile)); err != nil {
			return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": err})
		}
		if store, err = sqlstore.OpenSQLite(ctx, filepath.Join(stage, SQLiteFile)); err != nil {
			return nil, locales.NewError("cli.restore.store", locales.Args{"Err": err})
		}
	} else {
		// Migrate the target and check it is empty; prove the backup in a scratch schema
		// (events, once stored, cannot be removed); then copy it into the target.
		if store, err = sqlstore.OpenPostgres(ctx, cfg.DSN); err != nil {
			return nil, locales.NewError("cli.restore.store", locales.Args{"Err": err})
		}
		store.Close()
		order, err := pgTarget(ctx, cfg.DSN, m)
		if err != nil {
			return nil, err
		}
		scratch, drop, err := pgScratch(ctx, cfg.DSN)
		if err != nil {
			return nil, err
		}
		defer drop()
		if store, err = sqlstore.OpenPostgres(ctx, scratch); err != nil {
			return nil, locales.NewError("cli.restore.store", locales.Args{"Err": err})
		}
		if err := pgLoad(ctx, scratch, order, stage); err != nil {
			store.Close()
			return nil, err
		}
		load = func() error { return pgLoad(ctx, cfg.DSN, order, stage) }
	}
	err = checkStore(ctx, store, v, m, filepath.Join(stage, LogDir), cfg.Witnessed, res)
	store.Close()
	if err == nil {
		err = load()
	}
	if err == nil {
		os.RemoveAll(filepath.Join(stage, "store"))
		os.Remove(cfg.DataDir) // empty, or absent
		if err = os.Rename(stage, cfg.DataDir); err != nil {
			err = locales.NewError("cli.restore.write", locales.Args{"Err": err})
		}
	}
	if err != nil {
		return nil, err
	}
	return res, nil
}

// unpack extracts the backup in into dir, checking every member's name and hash
// against the manifest, and returns the manifest.
func unpack(in, dir string) (*Manifest, error) {
	f, err := os.Open(in)
	if err != nil {
		return nil, locales.NewError("cli.restore.read", locales.Args{"Err": err})
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": err})
	}
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
	}
	defer root.Close()
	tr := tar.NewReader(gz)
	sums := map[string]string{}
	var m *Manifest
	for {
		hdr, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": err})
		}
		if m != nil {
			return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": errors.New("members after the manifest")})
		}
		name := hdr.Name
		if hdr.Typeflag != tar.TypeReg || !validMember(name) {
			return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("unexpected member %q", name)})
		}
		if _, dup := sums[name]; dup {
			return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("member %q twice", name)})
		}
		if name == ManifestName {
			b, err := io.ReadAll(io.LimitReader(tr, maxManifest+1))
			if err != nil || len(b) > maxManifest {
				return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("manifest: %v", err)})
			}
			m = new(Manifest)
			if err := json.Unmarshal(b, m); err != nil {
				return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("manifest: %w", err)})
			}
			continue
		}
		if hdr.Size > maxMember {
			return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("member %q is too large", name)})
		}
		if d := path.Dir(name); d != "." {
			if err := root.MkdirAll(d, 0o755); err != nil {
				return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
			}
		}
		out, err := root.OpenFile(name, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
		if err != nil {
			return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
		}
		h := sha256.New()
		_, err = io.Copy(io.MultiWriter(out, h), tr)
		if err == nil {
			err = out.Sync()
		}
		if cerr := out.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return nil, locales.NewError("cli.restore.write", locales.Args{"Err": err})
		}
		sums[name] = hex.EncodeToString(h.Sum(nil))
	}
	if m == nil {
		return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": errors.New("no manifest: the backup is incomplete")})
	}
	if m.Format != Format {
		return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("format %q, not %q", m.Format, Format)})
	}
	if len(sums) != len(m.Files) {
		return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("%d members, the manifest lists %d", len(sums), len(m.Files))})
	}
	for name, sum := range m.Files {
		if sums[name] != sum {
			return nil, locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("member %s is damaged or missing", name)})
		}
	}
	return m, nil
}

// validMember says whether name may be a member of a backup: a clean relative path
// under one of the backup's own names.
func validMember(name string) bool {
	if name == "" || strings.HasPrefix(name, "/") || path.Clean(name) != name || strings.Contains(name, "\\") {
		return false
	}
	for _, part := range strings.Split(name, "/") {
		if part == ".." || part == "." {
			return false
		}
	}
	switch {
	case name == ManifestName, name == VKeyFile, name == KeyFile, name == storeSQLite:
		return true
	case strings.HasPrefix(name, LogDir+"/"):
		return true
	case strings.HasPrefix(name, storePG) && strings.HasSuffix(name, ".copy") && !strings.Contains(name[len(storePG):], "/"):
		return true
	}
	return false
}

// checkLog checks the restored log in dir: the backup's checkpoint and witnessed verify
// with v, the tree state is the manifest's, and the tiles hold the checkpoint's tree
// and the tree state's.
func checkLog(ctx context.Context, v *tlog.Verifier, m *Manifest, dir string, witnessed []byte, res *Restored) error {
	cp, err := v.VerifyCheckpoint([]byte(m.Checkpoint))
	if err != nil {
		return locales.NewError("cli.restore.checkpoint", locales.Args{"Err": err})
	}
	res.Checkpoint = cp.Size
	if witnessed != nil {
		w, err := v.VerifyCheckpoint(witnessed)
		if err != nil {
			return locales.NewError("cli.restore.witnessed", locales.Args{"Err": err})
		}
		res.Witnessed = w.Size
	}
	if file, err := os.ReadFile(filepath.Join(dir, "checkpoint")); err != nil || string(file) != m.Checkpoint {
		return locales.NewError("cli.restore.bad", locales.Args{"Err": errors.New("the log's checkpoint differs from the manifest's")})
	}
	ts, err := os.ReadFile(filepath.Join(dir, ".state", "treeState"))
	if err != nil {
		return locales.NewError("cli.restore.bad", locales.Args{"Err": err})
	}
	var st struct {
		Size uint64 `json:"size"`
		Root []byte `json:"root"`
	}
	if err := json.Unmarshal(ts, &st); err != nil || st.Size != m.LogSize || !bytes.Equal(st.Root, m.LogRoot) {
		return locales.NewError("cli.restore.bad", locales.Args{"Err": errors.New("the log's tree state differs from the manifest's")})
	}
	if cp.Size > st.Size {
		return locales.NewError("cli.restore.log_mismatch", locales.Args{"Err": fmt.Errorf("the checkpoint's tree (%d leaves) is larger than the log's (%d)", cp.Size, st.Size)})
	}
	tiles, _ := tlog.OpenTiles(dir, nil)
	for _, t := range []struct {
		size uint64
		root []byte
	}{{cp.Size, cp.Hash[:]}, {st.Size, st.Root}} {
		root, err := tlog.TreeRoot(ctx, tiles, t.size)
		if err != nil {
			return locales.NewError("cli.restore.log_mismatch", locales.Args{"Err": err})
		}
		if !bytes.Equal(root[:], t.root) {
			return locales.NewError("cli.restore.log_mismatch", locales.Args{"Err": fmt.Errorf("the tiles' tree of %d leaves has root %x, not %x", t.size, root, t.root)})
		}
	}
	return nil
}

// checkStore checks that the store's events are the log's leaves: event n is the leaf
// at n-1 of the entry bundles; the tree of the first cp.Size, LogSize and witnessed size
// events has those checkpoints' roots; every event marked logged is in the log at its
// own index.
func checkStore(ctx context.Context, s *sqlstore.Store, v *tlog.Verifier, m *Manifest, dir string, witnessed []byte, res *Restored) error {
	last, err := s.LastSeq(ctx)
	if err != nil {
		return locales.NewError("cli.restore.store", locales.Args{"Err": err})
	}
	if last != m.Events {
		return locales.NewError("cli.restore.bad", locales.Args{"Err": fmt.Errorf("the store's last event is %d, the manifest says %d", last, m.Events)})
	}
	want := map[uint64][]byte{}
	cp, _ := v.VerifyCheckpoint([]byte(m.Checkpoint))
	want[cp.Size] = cp.Hash[:]
	if prev, ok := want[m.LogSize]; ok && !bytes.Equal(prev, m.LogRoot) {
		return locales.NewError("cli.restore.log_mismatch", locales.Args{"Err": errors.New("the checkpoint and the tree state disagree")})
	}
	want[m.LogSize] = m.LogRoot
	if witnessed != nil {
		w, _ := v.VerifyCheckpoint(witnessed)
		if w.Size > last {
			return locales.NewError("cli.restore.older", locales.Args{"Size": w.Size, "Events": last})
		}
		if prev, ok := want[w.Size]; ok && !bytes.Equal(prev, w.Hash[:]) {
			return locales.NewError("cli.restore.witnessed_fork", locales.Args{"Size": w.Size})
		}
		want[w.Size] = w.Hash[:]
	}
	if m.LogSize > last {
		return locales.NewError("cli.restore.store_mismatch", locales.Args{"Err": fmt.Errorf("the log holds %d leaves but the store only %d events", m.LogSize, last)})
	}
	tiles, _ := tlog.OpenTiles(dir, nil)
	rf := compact.RangeFactory{Hash: rfc6962.DefaultHasher.HashChildren}
	r := rf.NewEmptyRange(0)
	check := func(size uint64) error {
		root, ok := want[size]
		if !ok {
			return nil
		}
		got := rfc6962.DefaultHasher.EmptyRoot()
		if size > 0 {
			var err error
			if got, err = r.GetRootHash(nil); err != nil {
				return err
			}
		}
		if !bytes.Equal(got, root) {
			if witnessed != nil && size == res.Witnessed {
				return locales.NewError("cli.restore.witnessed_fork", locales.Args{"Size": size})
			}
			return locales.NewError("cli.restore.store_mismatch", locales.Args{"Err": fmt.Errorf("the store's first %d events make the root %x, the log's is %x", size, got, root)})
		}
		return nil
	}
	if err := check(0); err != nil {
		return err
	}
	var entries [][]byte
	for seq := uint64(1); seq <= last; seq++ {
		ev, err := s.Event(ctx, seq)
		if err != nil {
			return locales.NewError("cli.restore.store_mismatch", locales.Args{"Err": err})
		}
		if err := checkContent(ctx, s, ev); err != nil {
			return err
		}
		leaf := tlog.Leaf(ev)
		idx := seq - 1
		if ev.LogIndex != nil && (*ev.LogIndex != idx || idx >= m.LogSize) {
			return locales.NewError("cli.restore.store_mismatch", locales.Args{"Err": fmt.Errorf("event %d is marked logged at %d; the log holds %d leaves", seq, *ev.LogIndex, m.LogSize)})
		}
		if idx < m.LogSize {
			if idx%256 == 0 || entries == nil {
				b, err := client.GetEntryBundle(ctx, tiles.ReadEntryBundle, idx/256, m.LogSize)
				if err != nil {
					return locales.NewError("cli.restore.log_mismatch", locales.Args{"Err": err})
				}
				entries = b.Entries
			}
			if int(idx%256) >= len(entries) || !bytes.Equal(entries[idx%256], leaf) {
				return locales.NewError("cli.restore.store_mismatch", locales.Args{"Err": fmt.Errorf("event %d is not the log's leaf %d", seq, idx)})
			}
		}
		h := tlog.LeafHash(leaf)
		if err := r.Append(h[:], nil); err != nil {
			return err
		}
		if err := check(seq); err != nil {
			return err
		}
	}
	return nil
}

// checkContent checks that what ev's hash commits to is in the store: a report's
// envelope, or the detail of a review, device or staff event.
func checkContent(ctx context.Context, s *sqlstore.Store, ev iltod.Event) error {
	var content []byte
	switch ev.Kind {
	case iltod.EventReport:
		sub, err := s.Submission(ctx, ev.Election, ev.Subject)
		if err != nil {
			return locales.NewError("cli.restore.store_mismatch", locales.Args{"Err": fmt.Errorf("event %d: report %s: %w", ev.Seq, ev.Subject, err)})
		}
		if sub.Seq != ev.Seq {
			return locales.NewError("cli.restore.store_mismatch", locales.Args{"Err": fmt.Errorf("event %d: report %s belongs to event %d", ev.Seq, ev.Subject, sub.Seq)})
		}
		content = sub.Envelope
	case iltod.EventReview, iltod.EventDevice, iltod.EventStaff:
		content = ev.Detail
	default:
		return nil
	}
	if sha256.Sum256(content) != ev.Hash {
		return locales.NewError("cli.restore.store_mismatch", locales.Args{"Err": fmt.Errorf("event %d (%s %s): the stored content is not what the log's hash commits to", ev.Seq, ev.Kind, ev.Subject)})
	}
	return nil
}

// events is a check that sqlstore.Store gives what checkStore reads.
var _ interface {
	LastSeq(context.Context) (uint64, error)
	Event(context.Context, uint64) (iltod.Event, error)
} = (*sqlstore.Store)(nil)
