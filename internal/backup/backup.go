// Package backup writes a whole iltod installation — its store (SQLite or PostgreSQL)
// and its transparency log — to one file while the server runs, and restores it into a
// fresh place only after proving the copy against the log's signed checkpoints.
//
// A backup is a gzip-compressed tar file (see Manifest for its members). It is taken
// online, without stopping the server, in this order:
//
//  1. the log is frozen: the backup takes the lock Tessera's POSIX driver holds while it
//     integrates entries (an open-file-description lock on the log's
//     .state/treeState.lock), so the log's tree state and tiles stand still; the server
//     keeps accepting reports, and the sequencer waits;
//  2. the store's snapshot is taken (SQLite: VACUUM INTO; PostgreSQL: a REPEATABLE READ
//     transaction). Since every event is in the store before the log sees it, and is
//     marked logged only after the log holds it, the snapshot holds every leaf of the
//     frozen log, and marks no event the frozen log lacks;
//  3. the log's files are copied, and the log is released;
//  4. the rest of the store is written (PostgreSQL's tables are read in the snapshot).
//
// Restore refuses what it cannot prove. It checks that the log's checkpoint is signed
// by the log's key (and cosigned by a quorum of witnesses when a policy is given), that
// the log's tiles and entry bundles hold that tree, that the store's events are the
// log's leaves, one for one, and — given a checkpoint witnessed later, from a witness or
// a mirror — that the store holds that tree too. Anything else leaves nothing behind.
package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"time"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/sys/unix"

	"github.com/iltod/iltod/locales"
)

// Format names the layout of a backup; Restore refuses any other.
const Format = "iltod-backup/1"

// Names of the members of a backup, and of files in a data directory.
const (
	ManifestName = "MANIFEST.json"
	SQLiteFile   = "iltod.db"
	LogDir       = "log"
	KeyFile      = "log.key"
	VKeyFile     = "log.vkey"
	storeSQLite  = "store/" + SQLiteFile
	storePG      = "store/postgres/"
)

// Store kinds in a Manifest.
const (
	KindSQLite   = "sqlite"
	KindPostgres = "postgres"
)

// Manifest describes a backup. It is the tar file's last member.
type Manifest struct {
	Format  string    `json:"format"`
	Created time.Time `json:"created"`
	// Store is "sqlite" (member store/iltod.db) or "postgres" (members
	// store/postgres/TABLE.copy in PostgreSQL's COPY text format; Tables lists them
	// with their columns).
	Store  string  `json:"store"`
	Tables []Table `json:"tables,omitempty"`
	// Migration is the store's newest schema migration.
	Migration int `json:"migration"`
	// VKey is the log's verifier key, also member log.vkey. Key says whether the log's
	// private key, member log.key, is included (iltod backup -include-key).
	VKey string `json:"vkey"`
	Key  bool   `json:"key"`
	// Checkpoint is the log's published checkpoint, with its cosignatures, as copied.
	Checkpoint string `json:"checkpoint"`
	// LogSize is the size of the copied log's tree (its integrated size, at least the
	// checkpoint's); LogRoot is that tree's root hash.
	LogSize uint64 `json:"log_size"`
	LogRoot []byte `json:"log_root"`
	// Events is the store's last event sequence number: at least LogSize.
	Events uint64 `json:"events"`
	// Files maps every other member's name to the SHA-256 of its content, in hex. It
	// catches damage; tampering is caught by the checks against the log.
	Files map[string]string `json:"files"`
}

// Table is one table of a PostgreSQL backup.
type Table struct {
	Name    string   `json:"name"`
	Columns []string `json:"columns"`
	Rows    int64    `json:"rows"`
}

// WriteConfig says what to back up, and where.
type WriteConfig struct {
	// DataDir holds the log (DataDir/log, log.key, log.vkey) and, without DSN, the
	// SQLite store.
	DataDir string
	// DSN, if set, is the PostgreSQL store's.
	DSN string
	// Out is the backup file to create; it must not exist. It appears only when
	// complete.
	Out string
	// IncludeKey puts the log's private key in the backup.
	IncludeKey bool
	// FreezeTimeout bounds the wait for the log's lock: default 30 s.
	FreezeTimeout time.Duration
}

// Write makes a backup as the package documentation describes, and returns its
// manifest.
func Write(ctx context.Context, cfg WriteConfig) (*Manifest, error) {
	if cfg.DataDir == "" || cfg.Out == "" {
		return nil, locales.NewError("cli.backup.need_data_out", nil)
	}
	if cfg.FreezeTimeout <= 0 {
		cfg.FreezeTimeout = 30 * time.Second
	}
	logDir := filepath.Join(cfg.DataDir, LogDir)
	if _, err := os.Stat(filepath.Join(logDir, ".state", "treeState")); err != nil {
		return nil, locales.NewError("cli.backup.no_log", locales.Args{"Dir": cfg.DataDir})
	}
	if _, err := os.Stat(cfg.Out); err == nil {
		return nil, locales.NewError("cli.backup.out_exists", locales.Args{"File": cfg.Out})
	}
	vkey, err := os.ReadFile(filepath.Join(cfg.DataDir, VKeyFile))
	if err != nil {
		return nil, locales.NewError("cli.backup.read", locales.Args{"Err": err})
	}
	m := &Manifest{Format: Format, Created: time.Now().UTC(), VKey: strings.TrimSpace(string(vkey)), Files: map[string]string{}}
	var key []byte
	if cfg.IncludeKey {
		if key, err = os.ReadFile(filepath.Join(cfg.DataDir, KeyFile)); err != nil {
			return nil, locales.NewError("cli.backup.read", locales.Args{"Err": err})
		}
		if v, err := verifierKey(strings.TrimSpace(string(key))); err != nil || v != m.VKey {
			return nil, locales.NewError("cli.backup.key_mismatch", nil)
		}
		m.Key = true
	}

	f, err := os.CreateTemp(filepath.Dir(cfg.Out), "."+filepath.Base(cfg.Out)+"-*")
	if err != nil {
		return nil, locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	tmp := f.Name()
	defer os.Remove(tmp)
	defer f.Close()
	gz := gzip.NewWriter(f)
	w := &archive{tw: tar.NewWriter(gz), m: m}

	var store snapshot
	if cfg.DSN != "" {
		m.Store = KindPostgres
		store = &pgSnapshot{dsn: cfg.DSN, tmpDir: filepath.Dir(cfg.Out)}
	} else {
		m.Store = KindSQLite
		store = &sqliteSnapshot{path: filepath.Join(cfg.DataDir, SQLiteFile), tmpDir: filepath.Dir(cfg.Out)}
	}
	defer store.close()

	fctx, cancel := context.WithTimeout(ctx, cfg.FreezeTimeout)
	unfreeze, err := freeze(fctx, logDir)
	cancel()
	if err != nil {
		return nil, err
	}
	files, err := readLog(logDir, m)
	if err == nil {
		err = store.begin(ctx, m)
	}
	unfreeze()
	if err != nil {
		return nil, err
	}
	if m.Events < m.LogSize {
		return nil, locales.NewError("cli.backup.store_behind", locales.Args{"Events": m.Events, "Size": m.LogSize})
	}
	for _, lf := range files {
		if err := w.add("log/"+lf.name, lf.data); err != nil {
			return nil, err
		}
	}
	if err := w.add(VKeyFile, vkey); err != nil {
		return nil, err
	}
	if key != nil {
		if err := w.add(KeyFile, key); err != nil {
			return nil, err
		}
	}
	if err := store.write(ctx, w); err != nil {
		return nil, err
	}
	mb, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := w.addRaw(ManifestName, mb); err != nil {
		return nil, err
	}
	if err := w.tw.Close(); err != nil {
		return nil, locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	if err := gz.Close(); err != nil {
		return nil, locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	if err := f.Sync(); err != nil {
		return nil, locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	if err := f.Close(); err != nil {
		return nil, locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	// Link, not rename: an Out created meanwhile is not replaced.
	if err := os.Link(tmp, cfg.Out); err != nil {
		return nil, locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	return m, nil
}

// snapshot is a store's copy in a backup: begin takes the snapshot (while the log is
// frozen) and sets m.Events and m.Migration; write adds the store's members.
type snapshot interface {
	begin(ctx context.Context, m *Manifest) error
	write(ctx context.Context, w *archive) error
	close()
}

// archive writes members into a backup, recording their hashes.
type archive struct {
	tw *tar.Writer
	m  *Manifest
}

func (a *archive) add(name string, data []byte) error {
	sum := sha256.Sum256(data)
	a.m.Files[name] = hex.EncodeToString(sum[:])
	return a.addRaw(name, data)
}

func (a *archive) addRaw(name string, data []byte) error {
	return a.addReader(name, int64(len(data)), bytes.NewReader(data))
}

// addFile adds the file at path as name.
func (a *archive) addFile(name, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return locales.NewError("cli.backup.read", locales.Args{"Err": err})
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return locales.NewError("cli.backup.read", locales.Args{"Err": err})
	}
	h := sha256.New()
	if err := a.addReader(name, fi.Size(), io.TeeReader(f, h)); err != nil {
		return err
	}
	a.m.Files[name] = hex.EncodeToString(h.Sum(nil))
	return nil
}

func (a *archive) addReader(name string, size int64, r io.Reader) error {
	hdr := &tar.Header{Name: name, Mode: 0o600, Size: size, ModTime: a.m.Created, Typeflag: tar.TypeReg, Format: tar.FormatPAX}
	if err := a.tw.WriteHeader(hdr); err != nil {
		return locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	if n, err := io.Copy(a.tw, r); err != nil || n != size {
		if err == nil {
			err = fmt.Errorf("%s changed while it was copied", name)
		}
		return locales.NewError("cli.backup.write", locales.Args{"Err": err})
	}
	return nil
}

// freeze takes the lock Tessera's POSIX driver holds while it integrates entries into
// the log in dir, and returns its release. It uses an open-file-description lock, which
// conflicts with Tessera's process-associated lock even inside one process, and whose
// release leaves Tessera's own lock alone.
func freeze(ctx context.Context, dir string) (func(), error) {
	f, err := os.OpenFile(filepath.Join(dir, ".state", "treeState.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, locales.NewError("cli.backup.freeze", locales.Args{"Err": err})
	}
	lk := unix.Flock_t{Type: unix.F_WRLCK, Whence: io.SeekStart}
	for {
		err := unix.FcntlFlock(f.Fd(), unix.F_OFD_SETLK, &lk)
		if err == nil {
			return func() { f.Close() }, nil
		}
		if !errors.Is(err, unix.EAGAIN) && !errors.Is(err, unix.EACCES) && !errors.Is(err, unix.EINTR) {
			f.Close()
			return nil, locales.NewError("cli.backup.freeze", locales.Args{"Err": err})
		}
		select {
		case <-ctx.Done():
			f.Close()
			return nil, locales.NewError("cli.backup.freeze", locales.Args{"Err": ctx.Err()})
		case <-time.After(5 * time.Millisecond):
		}
	}
}

type logFile struct {
	name string
	data []byte
}

// readLog reads the frozen log in dir: its tree state (setting m.LogSize and m.LogRoot),
// its checkpoint, and every file but locks.
func readLog(dir string, m *Manifest) ([]logFile, error) {
	ts, err := os.ReadFile(filepath.Join(dir, ".state", "treeState"))
	if err != nil {
		return nil, locales.NewError("cli.backup.read", locales.Args{"Err": err})
	}
	var st struct {
		Size uint64 `json:"size"`
		Root []byte `json:"root"`
	}
	if err := json.Unmarshal(ts, &st); err != nil {
		return nil, locales.NewError("cli.backup.read", locales.Args{"Err": fmt.Errorf("the log's tree state: %w", err)})
	}
	m.LogSize, m.LogRoot = st.Size, st.Root
	cp, err := os.ReadFile(filepath.Join(dir, "checkpoint"))
	if err != nil {
		return nil, locales.NewError("cli.backup.read", locales.Args{"Err": err})
	}
	m.Checkpoint = string(cp)
	var out []logFile
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil // removed meanwhile: an obsolete partial tile
			}
			return err
		}
		if !d.Type().IsRegular() || strings.HasSuffix(d.Name(), ".lock") {
			return nil
		}
		rel, err := filepath.Rel(dir, path)
		if err != nil {
			return err
		}
		data, err := os.ReadFile(path)
		if errors.Is(err, fs.ErrNotExist) {
			return nil
		}
		if err != nil {
			return err
		}
		if rel == "checkpoint" {
			data = cp
		}
		if filepath.ToSlash(rel) == ".state/treeState" {
			data = ts
		}
		out = append(out, logFile{filepath.ToSlash(rel), data})
		return nil
	})
	if err != nil {
		return nil, locales.NewError("cli.backup.read", locales.Args{"Err": err})
	}
	return out, nil
}

// verifierKey derives the verifier key of an Ed25519 signed-note private key.
func verifierKey(skey string) (string, error) {
	parts := strings.SplitN(skey, "+", 5)
	if len(parts) != 5 || parts[0] != "PRIVATE" || parts[1] != "KEY" {
		return "", errors.New("not a signed-note private key")
	}
	raw, err := base64.StdEncoding.DecodeString(parts[4])
	if err != nil || len(raw) != 1+ed25519.SeedSize || raw[0] != 1 {
		return "", errors.New("not an Ed25519 signed-note private key")
	}
	pub := ed25519.NewKeyFromSeed(raw[1:]).Public().(ed25519.PublicKey)
	return note.NewEd25519VerifierKey(parts[2], pub)
}
