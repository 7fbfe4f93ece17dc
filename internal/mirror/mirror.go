// Package mirror keeps a verified, read-only copy of an iltod log and relays observers'
// reports to its origin: what "iltod mirror" runs (docs/mirror.md).
//
// The mirror follows the origin's tlog-tiles log: it reads the origin's checkpoint,
// verifies its signature and witness cosignatures (a tlog.Verifier), fetches the new
// entry bundles, recomputes the tree from their leaves, and accepts the checkpoint only
// if the root matches and extends the one it holds. It writes the hash tiles it computed
// and the entry bundles it checked into its own directory, then the checkpoint, so the
// copy on disk is always a complete, verified tree; it serves it read-only at the same
// paths as the origin. A checkpoint signed by the origin's key that is not consistent
// with the one held is proof of a fork: the mirror keeps it beside the held one, with
// the consistency proof, logs it at error level on every poll, and lists it on its
// status page; it goes on serving the branch it holds.
//
// The mirror is also a relay (relay.go): it takes observers' signed envelopes at the
// origin's API path, queues them durably, and forwards them until the origin answers.
package mirror

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/iltod/iltod/internal/durable"
	"github.com/iltod/iltod/tlog"
)

// Config configures a Mirror. Origin, Dir and Verifier are required.
type Config struct {
	// Origin is the origin server's base URL, such as https://observers.example.mn/;
	// its log is under log/ and its API under api/v1/.
	Origin string
	// Dir is the mirror's own directory: the copy of the log (log/), the fork records
	// (forks/) and the relay's queue (relay/). Only one mirror may use it.
	Dir string
	// Verifier holds the origin's verifier key and the witness policy every
	// checkpoint must satisfy.
	Verifier *tlog.Verifier
	// Client makes the requests to the origin; a client with a 30 s timeout if nil.
	Client *http.Client
	// Logger receives the mirror's log; nothing if nil.
	Logger *slog.Logger
	// Interval is how often the origin's checkpoint is read: default 2 s.
	Interval time.Duration
	// MaxQueue bounds the envelopes waiting in the relay: default 100 000.
	MaxQueue int
	// MaxBackoff bounds the wait between two failed forwards: default 1 minute.
	MaxBackoff time.Duration
}

// Subdirectories of Config.Dir.
const (
	LogDir   = "log"
	ForksDir = "forks"
	RelayDir = "relay"
	stageDir = "staging"
)

// Limits on what the origin sends.
const (
	maxCheckpoint = 64 << 10
	maxTile       = 256 * 32
)

// Mirror follows one origin. Its methods are safe for concurrent use.
type Mirror struct {
	cfg    Config
	base   *url.URL
	v      *tlog.Verifier
	client *http.Client
	log    *slog.Logger
	local  localTiles

	syncMu sync.Mutex // one Sync at a time

	mu       sync.Mutex
	held     *tlog.Checkpoint // nil while the copy is empty
	lastSync time.Time        // the last successful poll
	lastErr  error            // the last poll's failure, nil after a success
	forks    []Fork

	relay *relay
}

// Fork is a checkpoint the origin signed that is not consistent with the one the
// mirror held when it saw it.
type Fork struct {
	// ID names the record: the first 16 hex digits of the SHA-256 of the checkpoint.
	ID       string    `json:"id"`
	Detected time.Time `json:"detected"`
	// HeldSize and SeenSize are the sizes of the held and the inconsistent checkpoint.
	HeldSize uint64 `json:"held_size"`
	SeenSize uint64 `json:"seen_size"`
}

// Open opens (or creates) the mirror's directory and checks the copy it holds: its
// checkpoint must verify under cfg.Verifier. It returns an error if the directory
// cannot be used or the copy does not verify.
func Open(cfg Config) (*Mirror, error) {
	if cfg.Origin == "" || cfg.Dir == "" || cfg.Verifier == nil {
		return nil, errors.New("mirror: Origin, Dir and Verifier are required")
	}
	base, err := originURL(cfg.Origin)
	if err != nil {
		return nil, err
	}
	if cfg.Client == nil {
		cfg.Client = &http.Client{Timeout: 30 * time.Second}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Interval <= 0 {
		cfg.Interval = 2 * time.Second
	}
	if cfg.MaxQueue <= 0 {
		cfg.MaxQueue = 100_000
	}
	if cfg.MaxBackoff <= 0 {
		cfg.MaxBackoff = time.Minute
	}
	for _, d := range []string{LogDir, ForksDir, RelayDir} {
		if err := os.MkdirAll(filepath.Join(cfg.Dir, d), 0o755); err != nil {
			return nil, err
		}
	}
	if err := os.RemoveAll(filepath.Join(cfg.Dir, stageDir)); err != nil {
		return nil, err
	}
	m := &Mirror{cfg: cfg, base: base, v: cfg.Verifier, client: cfg.Client, log: cfg.Logger,
		local: localTiles{filepath.Join(cfg.Dir, LogDir)}}
	raw, err := m.local.ReadCheckpoint(context.Background())
	switch {
	case err == nil:
		cp, err := m.v.VerifyCheckpoint(raw)
		if err != nil {
			return nil, fmt.Errorf("the checkpoint the mirror holds: %w", err)
		}
		m.held = cp
	case !errors.Is(err, os.ErrNotExist):
		return nil, err
	}
	if m.forks, err = readForks(filepath.Join(cfg.Dir, ForksDir)); err != nil {
		return nil, err
	}
	if m.relay, err = openRelay(m); err != nil {
		return nil, err
	}
	return m, nil
}

// originURL parses the origin's base URL; a URL of its log (…/log/) is taken to mean
// the server's.
func originURL(s string) (*url.URL, error) {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return nil, fmt.Errorf("origin URL %q: want http(s)://host[/path]/", s)
	}
	u.Path = strings.TrimSuffix(strings.TrimSuffix(u.Path, "/"), "/log") + "/"
	return u, nil
}

// Origin returns the origin's base URL.
func (m *Mirror) Origin() string { return m.base.String() }

// Held returns the checkpoint the mirror holds and serves, nil while it holds none.
func (m *Mirror) Held() *tlog.Checkpoint {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held
}

// Forks returns the forks the mirror has seen, oldest first.
func (m *Mirror) Forks() []Fork {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]Fork(nil), m.forks...)
}

// Run follows the origin and forwards the relay's queue until ctx is done.
func (m *Mirror) Run(ctx context.Context) {
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		m.relay.run(ctx)
	}()
	var last string // the last failure logged, so that a long outage is one line
	for {
		err := m.Sync(ctx)
		if ctx.Err() != nil {
			break
		}
		switch {
		case err == nil:
			if last != "" {
				m.log.Info("following the origin again", "origin", m.Origin())
			}
			last = ""
		case errors.Is(err, errFork):
			// Said loudly by fork, on every poll.
		case err.Error() != last:
			last = err.Error()
			m.log.Warn("follow the origin", "origin", m.Origin(), "err", err)
		}
		select {
		case <-ctx.Done():
		case <-time.After(m.cfg.Interval):
		}
		if ctx.Err() != nil {
			break
		}
	}
	wg.Wait()
}

// errFork is returned by Sync when the origin's checkpoint forks from the one held.
var errFork = errors.New("the origin's checkpoint is not consistent with the one the mirror holds")

// Sync reads the origin's checkpoint once and brings the copy up to it. It returns
// nil when the copy holds the checkpoint (or a newer one consistent with it), an error
// wrapping errFork when the checkpoint proves a fork (it is then recorded), and another
// error when the origin cannot be read or serves what does not verify; the copy is then
// unchanged.
func (m *Mirror) Sync(ctx context.Context) error {
	m.syncMu.Lock()
	defer m.syncMu.Unlock()
	err := m.sync(ctx)
	m.mu.Lock()
	m.lastErr = err
	if err == nil {
		m.lastSync = time.Now().UTC()
	}
	m.mu.Unlock()
	return err
}

func (m *Mirror) sync(ctx context.Context) error {
	raw, err := m.get(ctx, m.base.JoinPath("log", "checkpoint").String(), maxCheckpoint)
	if err != nil {
		return fmt.Errorf("read the origin's checkpoint: %w", err)
	}
	cp, err := m.v.VerifyCheckpoint(raw)
	if err != nil {
		return fmt.Errorf("the origin's checkpoint: %w", err)
	}
	held := m.Held()
	var from uint64
	if held != nil {
		from = held.Size
		if cp.Size <= held.Size {
			root, err := tlog.TreeRoot(ctx, m.local, cp.Size)
			if err != nil {
				return err
			}
			if root != cp.Hash {
				return m.fork(held, cp, fmt.Sprintf("the root of the held tree at size %d is %x; the origin's checkpoint of that size says %x",
					cp.Size, root, cp.Hash), nil)
			}
			return nil // the same tree, or an older view of it
		}
	}
	err = m.grow(ctx, from, cp)
	if !errors.Is(err, errMismatch) {
		return err
	}
	return m.checkFork(ctx, held, cp, err)
}

// errMismatch: what the origin served does not build the tree its checkpoint names
// from the tree the mirror holds.
var errMismatch = errors.New("the origin's entries do not extend the held tree to its checkpoint")

// checkFork finds out why the origin's entries did not extend the held tree to cp:
// a fork (cp is the root of the origin's own tiles, and not consistent with held), or
// an origin that serves tiles that do not match its own checkpoint.
func (m *Mirror) checkFork(ctx context.Context, held, cp *tlog.Checkpoint, why error) error {
	if held == nil {
		return why
	}
	ot, err := tlog.OpenTiles(m.base.JoinPath("log").String()+"/", m.client)
	if err != nil {
		return err
	}
	root, err := tlog.TreeRoot(ctx, ot, cp.Size)
	if err != nil {
		return fmt.Errorf("%w; and reading the origin's tiles: %v", why, err)
	}
	if root != cp.Hash {
		return fmt.Errorf("%w: the origin's tiles hold root %x, not its checkpoint's %x", why, root, cp.Hash)
	}
	_, err = m.v.VerifyConsistency(ctx, held.Note, cp.Note, ot)
	var te *tlog.Error
	if errors.As(err, &te) && te.Failure == tlog.FailConsistency {
		return m.fork(held, cp, te.Error(), te)
	}
	if err != nil {
		return err
	}
	return fmt.Errorf("%w: the origin's entry bundles do not match its own tiles", why)
}

// fork records cp as proof that the origin forked from held, once per checkpoint, and
// says so loudly every time it is seen.
func (m *Mirror) fork(held, cp *tlog.Checkpoint, why string, te *tlog.Error) error {
	sum := sha256.Sum256(cp.Note)
	id := hex.EncodeToString(sum[:8])
	m.log.Error("FORK: the origin signed a checkpoint inconsistent with the one this mirror holds; both are kept as proof",
		"origin", m.Origin(), "held_size", held.Size, "seen_size", cp.Size, "record", ForksDir+"/"+id+".txt")
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, f := range m.forks {
		if f.ID == id {
			return fmt.Errorf("%w (%s)", errFork, id)
		}
	}
	var b strings.Builder
	fmt.Fprintf(&b, "iltod mirror fork record\norigin %s\ndetected %s\n\n%s\n", m.Origin(), time.Now().UTC().Format(time.RFC3339), why)
	if te != nil {
		b.WriteString(strings.TrimPrefix(te.Report(), te.Error()+"\n"))
	} else {
		fmt.Fprintf(&b, "\nheld checkpoint:\n%s\nseen checkpoint:\n%s", held.Note, cp.Note)
	}
	dir := filepath.Join(m.cfg.Dir, ForksDir)
	if err := writeFileAtomic(filepath.Join(dir, id+".checkpoint"), cp.Note); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, id+".held"), held.Note); err != nil {
		return err
	}
	if err := writeFileAtomic(filepath.Join(dir, id+".txt"), []byte(b.String())); err != nil {
		return err
	}
	m.forks = append(m.forks, Fork{ID: id, Detected: time.Now().UTC(), HeldSize: held.Size, SeenSize: cp.Size})
	return fmt.Errorf("%w (%s)", errFork, id)
}

// readForks lists the fork records in dir, oldest first.
func readForks(dir string) ([]Fork, error) {
	names, err := filepath.Glob(filepath.Join(dir, "*.checkpoint"))
	if err != nil {
		return nil, err
	}
	var out []Fork
	for _, n := range names {
		id := strings.TrimSuffix(filepath.Base(n), ".checkpoint")
		if !isHexID(id) {
			continue
		}
		f := Fork{ID: id}
		if fi, err := os.Stat(n); err == nil {
			f.Detected = fi.ModTime().UTC()
		}
		f.SeenSize = noteSize(n)
		f.HeldSize = noteSize(filepath.Join(dir, id+".held"))
		out = append(out, f)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Detected.Before(out[j].Detected) })
	return out, nil
}

// noteSize reads the tree size on the second line of the checkpoint in file, 0 if none.
func noteSize(file string) uint64 {
	b, err := os.ReadFile(file)
	if err != nil {
		return 0
	}
	lines := strings.SplitN(string(b), "\n", 3)
	var n uint64
	if len(lines) > 1 {
		fmt.Sscanf(lines[1], "%d", &n)
	}
	return n
}

func isHexID(s string) bool {
	if len(s) != 16 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
}

// get reads url, at most max bytes; a 404 wraps os.ErrNotExist.
func (m *Mirror) get(ctx context.Context, url string, max int64) ([]byte, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	resp, err := m.client.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusNotFound:
		return nil, fmt.Errorf("GET %s: %w", url, os.ErrNotExist)
	case resp.StatusCode != http.StatusOK:
		return nil, fmt.Errorf("GET %s: %s", url, resp.Status)
	}
	b, err := io.ReadAll(io.LimitReader(resp.Body, max+1))
	if err != nil {
		return nil, fmt.Errorf("GET %s: %w", url, err)
	}
	if int64(len(b)) > max {
		return nil, fmt.Errorf("GET %s: more than %d bytes", url, max)
	}
	return b, nil
}

// jitter returns d scaled by a random factor in [0.5, 1).
func jitter(d time.Duration) time.Duration {
	return time.Duration(float64(d) * (0.5 + rand.Float64()/2))
}

// writeFileAtomic writes data to path durably (durable.WriteFile), readable by all: the
// mirror serves what it writes.
func writeFileAtomic(path string, data []byte) error { return durable.WriteFile(path, data, 0o644) }
