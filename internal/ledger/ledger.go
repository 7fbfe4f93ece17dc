// Package ledger is iltod's transparency log: the sequencer that commits the store's
// events to a C2SP tlog-tiles log (written by Tessera's POSIX driver), the signed
// promises and full receipts given to observers, and the HTTP handler that serves the
// tiles to partners and mirrors.
//
// The sequencer follows the store. Every event is durable in the store before the log
// sees it; the ledger appends, in Seq order, the events the store reports as unlogged,
// and records each one's index back (MarkLogged). The leaf of the event with sequence
// number n is at index n-1, always: the log's leaves are numbered 1, 2, 3 … without a
// gap, so that anyone can check that no stored event was kept out of it.
//
// Crash recovery needs no journal. Before each append the sequencer compares the
// store's first unlogged events with the log's integrated size: an event whose index is
// already in the log (appended before a crash, not yet marked) is read back from the
// entry bundles, checked leaf for leaf, and marked; only the events beyond the log's
// end are appended. Tessera makes a batch part of the log atomically (its tree state is
// the commit point; entry bundles written past it by a killed batch are overwritten), so
// after a SIGKILL at any moment no event enters the log twice and none is missing.
//
// Several instances can share one store, each with a log directory of its own, one of
// them signing at a time: see Config.Cluster and cluster.go.
//
// Package tlog holds the formats and the verification that partners use.
package ledger

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/tessera"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/client"
	"github.com/transparency-dev/tessera/storage/posix"
	"golang.org/x/mod/sumdb/note"
)

// Events is what the ledger needs from the store: a subset of iltod.IntakeStore.
// Implementations MUST return Unlogged events in Seq order, Seq being gapless and in
// commit order (a caller that sees event n sees every event below n), and MUST make
// MarkLogged all-or-nothing.
type Events interface {
	// Unlogged returns up to limit events that have no log index, in Seq order.
	Unlogged(ctx context.Context, limit int) ([]iltod.Event, error)
	// MarkLogged records log indexes. Marking an event twice with the same index is a
	// no-op; with another index it is EConflict.
	MarkLogged(ctx context.Context, marks []iltod.LogMark) error
	// LastSeq returns the highest event sequence number, 0 if there is none.
	LastSeq(ctx context.Context) (uint64, error)
}

// Config configures a Ledger. Dir, KeyFile and Origin are required.
type Config struct {
	// Dir is the log's directory: the tlog-tiles tree (checkpoint, tile/…) and
	// Tessera's private state. Only the ledger may write to it.
	Dir string
	// KeyFile holds the log's Ed25519 signing key in signed-note form. It is created
	// with mode 0600 on first start; a file that others may read is refused. The
	// verifier key is written beside it as log.vkey. Keep it outside Dir.
	KeyFile string
	// Origin names the log, e.g. "observers.example.mn/log". It is the key's name and
	// the first line of every checkpoint, and never changes.
	Origin string
	// Policy, if not nil, is a tlog-policy text (see tlog.Policy) naming the witnesses,
	// each with its URL, and the quorum that must cosign a checkpoint before it is
	// published.
	Policy []byte

	// CheckpointInterval is how often a checkpoint is published while the log grows:
	// default 250 ms, between 100 ms and 1 s.
	CheckpointInterval time.Duration
	// BatchMaxAge is how long Tessera gathers entries before writing a batch: default
	// 50 ms.
	BatchMaxAge time.Duration
	// PollInterval is how often the sequencer asks the store for unlogged events when
	// nobody calls Notify: default 100 ms.
	PollInterval time.Duration
	// WitnessTimeout bounds one round of cosigning: default 5 s.
	WitnessTimeout time.Duration
	// ShutdownTimeout bounds Close's wait for a checkpoint covering every appended
	// event: default 10 s.
	ShutdownTimeout time.Duration
	// Cluster, if not nil, is the store several instances share (docs/cluster.md): the
	// ledger then appends every event the store holds to its own tiles, signs and
	// stores checkpoints only while it holds Cluster's signer lock, and serves (and
	// writes into Dir) the latest stored checkpoint once its tiles reach it and give
	// its root, never one of its own (see cluster.go). Without it the ledger publishes
	// its own checkpoints, as one instance.
	Cluster iltod.ClusterStore
	// Instance names this instance in the checkpoints it stores: default host/pid.
	Instance string
	// SignerPoll is how often an instance that does not sign tries the signer lock:
	// default 500 ms.
	SignerPoll time.Duration
	// StartTimeout bounds Open's wait, in cluster mode, for its tiles to reach the
	// latest stored checkpoint: default 2 minutes.
	StartTimeout time.Duration

	// HTTPClient talks to the witnesses; default a client with a 10 s timeout.
	HTTPClient *http.Client
	// Logger receives the ledger's messages; default slog.Default().
	Logger *slog.Logger
}

// batchLimit is the most events the sequencer appends at once. It is below Tessera's
// batch size, so that Tessera cuts batches only by age, one at a time, and the order of
// the appends is the order of the log.
const batchLimit = 2000

// Ledger is the log of one iltod installation. Its methods are safe for concurrent
// use. Exactly one Ledger may run on a log directory: Open takes an exclusive lock.
type Ledger struct {
	cfg      Config
	log      *slog.Logger
	events   Events
	signer   note.Signer
	vkey     string
	verifier *tlog.Verifier

	appender *tessera.Appender
	reader   tessera.LogReader
	shutdown func(context.Context) error
	stopLog  context.CancelFunc
	lock     *os.File
	root     *os.Root

	wake     chan struct{}
	stopSeq  context.CancelFunc
	seqDone  chan struct{}
	closeMu  sync.Mutex
	closed   bool
	errMu    sync.Mutex
	fatalErr error

	pbMu   sync.Mutex
	pbSize uint64
	pb     *client.ProofBuilder

	// cpMu guards the last checkpoint that Proof verified, which it does not verify
	// again while the log publishes the same bytes: devices poll for their receipts.
	cpMu     sync.Mutex
	cpRaw    []byte
	cpParsed *tlog.Checkpoint

	// Cluster mode (cluster.go).
	logOnly  *tlog.Verifier // the log's key, no witness policy
	publish  func(ctx context.Context, size uint64, root []byte) ([]byte, error)
	signing  atomic.Bool
	served   atomic.Pointer[servedCheckpoint]
	stopLead context.CancelFunc
	leadDone chan struct{}
}

// IntegrityError is a disagreement between the store and the log that the ledger
// cannot resolve: appending more could break the log's numbering or put an event in it
// twice, so the sequencer stops. Its Evidence holds what it saw.
type IntegrityError struct {
	Msg      string
	Evidence []tlog.Evidence
}

func (e *IntegrityError) Error() string { return "log integrity: " + e.Msg }

func integrityf(format string, args ...any) *IntegrityError {
	return &IntegrityError{Msg: fmt.Sprintf(format, args...)}
}

func (e *IntegrityError) with(name string, data []byte) *IntegrityError {
	e.Evidence = append(e.Evidence, tlog.Evidence{Name: name, Data: data})
	return e
}

// Open opens (or creates) the log in cfg.Dir, recovers from a crash (see the package
// documentation) before appending anything, and starts the sequencer, which appends the
// store's unlogged events until Close. ctx bounds the start only. Open fails if another
// process holds the log, if the key file is unsafe or for another origin, if the policy
// is invalid, if the store and the log disagree (an *IntegrityError), or if Tessera
// cannot start — for a new log with witnesses, that includes the witnesses refusing to
// cosign its first, empty checkpoint. In cluster mode Open also appends every stored
// event its directory lacks (rebuilding an empty one) and returns only once it serves
// the latest stored checkpoint, its tiles giving that checkpoint's root (an
// *IntegrityError if they do not; an error after StartTimeout if they never reach it);
// witnesses that refuse are then the signer's to retry, not Open's to fail.
func Open(ctx context.Context, cfg Config, events Events) (*Ledger, error) {
	if err := cfg.setDefaults(); err != nil {
		return nil, err
	}
	l := &Ledger{cfg: cfg, log: cfg.Logger, events: events, wake: make(chan struct{}, 1)}
	ok := false
	defer func() {
		if !ok {
			l.release()
		}
	}()
	if err := os.MkdirAll(cfg.Dir, 0o755); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	lock, err := os.OpenFile(filepath.Join(cfg.Dir, ".sequencer.lock"), os.O_CREATE|os.O_RDWR, 0o644)
	if err != nil {
		return nil, fmt.Errorf("log lock: %w", err)
	}
	l.lock = lock
	if err := syscall.Flock(int(lock.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil, fmt.Errorf("the log in %s is held by another sequencer: %w", cfg.Dir, err)
	}
	if l.root, err = os.OpenRoot(cfg.Dir); err != nil {
		return nil, fmt.Errorf("log directory: %w", err)
	}
	if l.signer, l.vkey, err = loadKey(cfg.KeyFile, cfg.Origin); err != nil {
		return nil, err
	}
	var policy *tlog.Policy
	opts := tessera.NewAppendOptions().
		WithCheckpointSigner(l.signer).
		WithCheckpointInterval(cfg.CheckpointInterval).
		WithBatching(batchLimit+6, cfg.BatchMaxAge).
		WithShutdownTimeout(cfg.ShutdownTimeout)
	// In cluster mode Tessera publishes no checkpoint (but the empty one of a new
	// directory); the signer has the witnesses cosign what it publishes (publishOpts).
	publishOpts := tessera.NewAppendOptions().WithCheckpointSigner(l.signer)
	if cfg.Cluster != nil {
		opts.WithCheckpointInterval(never).WithCheckpointRepublishInterval(0)
	}
	if cfg.Policy != nil {
		if policy, err = witnessPolicy(cfg.Policy); err != nil {
			return nil, err
		}
		group, err := tessera.NewWitnessGroupFromPolicy(policy.Marshal())
		if err != nil {
			return nil, fmt.Errorf("witness policy: %w", err)
		}
		wopts := &tessera.WitnessOptions{Timeout: cfg.WitnessTimeout}
		if cfg.Cluster != nil {
			publishOpts.WithWitnesses(group, wopts)
		} else {
			opts.WithWitnesses(group, wopts)
		}
	}
	if l.verifier, err = tlog.NewVerifier(l.vkey, policy); err != nil {
		return nil, fmt.Errorf("witness policy: %w", err)
	}
	if l.logOnly, err = tlog.NewVerifier(l.vkey, nil); err != nil {
		return nil, fmt.Errorf("log key: %w", err)
	}
	driver, err := posix.New(ctx, posix.Config{Path: cfg.Dir, HTTPClient: cfg.HTTPClient})
	if err != nil {
		return nil, fmt.Errorf("open the log: %w", err)
	}
	logCtx, stopLog := context.WithCancel(context.Background())
	l.stopLog = stopLog
	l.appender, l.shutdown, l.reader, err = tessera.NewAppender(logCtx, driver, opts)
	if err != nil {
		return nil, fmt.Errorf("open the log: %w", err)
	}
	if err := l.checkStore(ctx); err != nil {
		return nil, err
	}
	if _, err := l.step(ctx); err != nil {
		return nil, err
	}
	if cfg.Cluster != nil {
		l.publish = publishOpts.CheckpointPublisher(storeReader{LogReader: l.reader, l: l}, cfg.HTTPClient)
		sctx, cancel := context.WithTimeout(ctx, cfg.StartTimeout)
		err := l.awaitServed(sctx, 0)
		cancel()
		if err != nil {
			return nil, err
		}
	}
	seqCtx, stopSeq := context.WithCancel(context.Background())
	l.stopSeq, l.seqDone = stopSeq, make(chan struct{})
	go l.run(seqCtx)
	if cfg.Cluster != nil {
		leadCtx, stopLead := context.WithCancel(context.Background())
		l.stopLead, l.leadDone = stopLead, make(chan struct{})
		go l.lead(leadCtx)
	}
	ok = true
	l.log.Info("log open", "origin", cfg.Origin, "dir", cfg.Dir, "witnesses", policyWitnesses(policy))
	return l, nil
}

func (c *Config) setDefaults() error {
	if c.Dir == "" || c.KeyFile == "" {
		return errors.New("ledger: Dir and KeyFile are required")
	}
	if msg := validOrigin(c.Origin); msg != "" {
		return errors.New(msg)
	}
	if c.CheckpointInterval == 0 {
		c.CheckpointInterval = 250 * time.Millisecond
	}
	if c.CheckpointInterval < 100*time.Millisecond || c.CheckpointInterval > time.Second {
		return fmt.Errorf("checkpoint interval %v is not between 100ms and 1s", c.CheckpointInterval)
	}
	if c.BatchMaxAge <= 0 {
		c.BatchMaxAge = 50 * time.Millisecond
	}
	if c.PollInterval <= 0 {
		c.PollInterval = 100 * time.Millisecond
	}
	if c.WitnessTimeout <= 0 {
		c.WitnessTimeout = tessera.DefaultWitnessTimeout
	}
	if c.SignerPoll <= 0 {
		c.SignerPoll = 500 * time.Millisecond
	}
	if c.StartTimeout <= 0 {
		c.StartTimeout = 2 * time.Minute
	}
	if c.Instance == "" {
		host, _ := os.Hostname()
		c.Instance = fmt.Sprintf("%s/%d", host, os.Getpid())
	}
	if c.ShutdownTimeout <= 0 {
		c.ShutdownTimeout = 10 * time.Second
	}
	if c.HTTPClient == nil {
		c.HTTPClient = &http.Client{Timeout: 10 * time.Second}
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	return nil
}

// witnessPolicy parses a policy for the log's own use: every witness needs a URL, and
// names and URLs must read the same to Tessera's simpler parser.
func witnessPolicy(text []byte) (*tlog.Policy, error) {
	p, err := tlog.ParsePolicy(text)
	if err != nil {
		return nil, fmt.Errorf("witness policy: %w", err)
	}
	for _, w := range p.Witnesses {
		if w.URL == "" {
			return nil, fmt.Errorf("witness policy: witness %s has no URL", w.Name)
		}
	}
	plain := func(s string) bool {
		for i := 0; i < len(s); i++ {
			if s[i] <= ' ' || s[i] >= 0x7f || s[i] == '#' {
				return false
			}
		}
		return true
	}
	for _, w := range p.Witnesses {
		if !plain(w.Name) {
			return nil, fmt.Errorf("witness policy: witness name %q: use printable ASCII without '#'", w.Name)
		}
	}
	for _, g := range p.Groups {
		if !plain(g.Name) {
			return nil, fmt.Errorf("witness policy: group name %q: use printable ASCII without '#'", g.Name)
		}
	}
	return p, nil
}

func policyWitnesses(p *tlog.Policy) int {
	if p == nil {
		return 0
	}
	return len(p.Witnesses)
}

// Origin returns the log's origin.
func (l *Ledger) Origin() string { return l.cfg.Origin }

// VerifierKey returns the log's verifier key, as in log.vkey.
func (l *Ledger) VerifierKey() string { return l.vkey }

// Verifier returns a verifier for this log and its witness policy.
func (l *Ledger) Verifier() *tlog.Verifier { return l.verifier }

// Notify tells the sequencer that the store has new events, so that it appends them now
// rather than at its next poll. It never blocks.
func (l *Ledger) Notify() {
	select {
	case l.wake <- struct{}{}:
	default:
	}
}

// Err returns the error that stopped the sequencer (an *IntegrityError), or nil while
// it runs. A server should report it on its health check.
func (l *Ledger) Err() error {
	l.errMu.Lock()
	defer l.errMu.Unlock()
	return l.fatalErr
}

// Close stops the sequencer, waits (up to the shutdown timeout) until a published
// checkpoint covers every event it appended, stops the log and releases the directory.
// In cluster mode the checkpoint waited for is a stored one, published by the signer
// (perhaps this instance), and an instance that signs then gives the signer lock up. It
// returns the error of that wait, if any; calling it again returns nil.
func (l *Ledger) Close() error {
	l.closeMu.Lock()
	defer l.closeMu.Unlock()
	if l.closed {
		return nil
	}
	l.closed = true
	l.stopSeq()
	<-l.seqDone
	ctx, cancel := context.WithTimeout(context.Background(), l.cfg.ShutdownTimeout)
	defer cancel()
	if l.cfg.Cluster != nil && l.Err() == nil {
		// Tessera waits for the checkpoint file to cover what it appended: here that
		// is the stored checkpoint, which the signer (perhaps this instance) publishes.
		if size, err := l.reader.IntegratedSize(ctx); err == nil {
			if err := l.awaitServed(ctx, size); err != nil {
				l.log.Warn("closing before a stored checkpoint covers the log", "err", err)
			}
		}
	}
	err := l.shutdown(ctx)
	if l.stopLead != nil {
		l.stopLead() // it publishes a last checkpoint if it signs
		<-l.leadDone
	}
	l.release()
	if err != nil {
		return fmt.Errorf("close the log: %w", err)
	}
	return nil
}

func (l *Ledger) release() {
	if l.stopLog != nil {
		l.stopLog()
	}
	if l.root != nil {
		l.root.Close()
	}
	if l.lock != nil {
		l.lock.Close()
	}
}

// run is the sequencer: it appends unlogged events whenever woken and at every poll
// interval, until ctx ends or an integrity error stops it.
func (l *Ledger) run(ctx context.Context) {
	defer close(l.seqDone)
	t := time.NewTicker(l.cfg.PollInterval)
	defer t.Stop()
	failing := false
	for {
		select {
		case <-ctx.Done():
			return
		case <-l.wake:
		case <-t.C:
		}
		n, err := l.step(ctx)
		if err == nil && l.cfg.Cluster != nil {
			err = l.refresh(ctx)
		}
		var ie *IntegrityError
		switch {
		case errors.As(err, &ie):
			l.setFatal(err)
			return
		case err != nil && ctx.Err() == nil:
			if !failing {
				l.log.Warn("log sequencer: will retry", "err", err)
			}
			failing = true
		case err == nil:
			if failing {
				l.log.Info("log sequencer recovered")
			}
			failing = false
			if n > 0 {
				l.log.Debug("logged events", "count", n)
			}
		}
	}
}

// setFatal records the integrity error that stops the log.
func (l *Ledger) setFatal(err error) {
	l.errMu.Lock()
	if l.fatalErr == nil {
		l.fatalErr = err
	}
	l.errMu.Unlock()
	l.log.Error("log stopped: the store and the log disagree", "err", err)
}

// step appends the store's unlogged events, after reconciling those the log already
// holds, and returns how many it marked. In cluster mode it first appends every event
// beyond its tiles, whoever marked it, and marks only while it signs. It is only ever
// run by one goroutine at a time (Open, then run).
func (l *Ledger) step(ctx context.Context) (int, error) {
	if l.cfg.Cluster != nil {
		if err := l.follow(ctx); err != nil {
			return 0, err
		}
		if !l.signing.Load() {
			return 0, nil
		}
	}
	total := 0
	for {
		evs, err := l.events.Unlogged(ctx, batchLimit)
		if err != nil {
			return total, fmt.Errorf("read unlogged events: %w", err)
		}
		if len(evs) == 0 {
			return total, nil
		}
		size, err := l.reader.IntegratedSize(ctx)
		if err != nil {
			return total, fmt.Errorf("read the log's size: %w", err)
		}
		bundles := map[uint64]api.EntryBundle{}
		var marks []iltod.LogMark
		var appends []iltod.Event
		for i, ev := range evs {
			if ev.Seq == 0 || i > 0 && ev.Seq <= evs[i-1].Seq {
				return total, integrityf("the store returned unlogged events out of order (%d after %d)", ev.Seq, evs[max(i-1, 0)].Seq)
			}
			leaf := tlog.Leaf(ev)
			if _, err := tlog.ParseLeaf(leaf); err != nil {
				return total, integrityf("event %d cannot be a log leaf: %v", ev.Seq, err)
			}
			idx := ev.Seq - 1
			if idx >= size {
				appends = append(appends, ev)
				continue
			}
			// Appended before a crash but not marked: check that it is this event.
			have, err := l.readLeaf(ctx, bundles, idx, size)
			if err != nil {
				return total, err
			}
			if !bytes.Equal(have, leaf) {
				return total, integrityf("the log's leaf %d is not the store's event %d", idx, ev.Seq).
					with("leaf in the log", have).with("leaf of the store's event", leaf)
			}
			marks = append(marks, iltod.LogMark{Seq: ev.Seq, Index: idx})
		}
		if len(marks) > 0 {
			if err := l.events.MarkLogged(ctx, marks); err != nil {
				return total, fmt.Errorf("mark logged events: %w", err)
			}
			total += len(marks)
			if l.cfg.Cluster == nil {
				l.log.Info("log recovery: marked events the log already held", "count", len(marks), "first", marks[0].Seq)
			}
		}
		if len(appends) > 0 {
			if appends[0].Seq-1 != size {
				return total, integrityf("the store's first unlogged event is %d, but the log holds %d leaves: events %d to %d are marked logged and are not in the log", appends[0].Seq, size, size+1, appends[0].Seq-1)
			}
			marks, addErr := l.appendEvents(ctx, appends)
			var ie *IntegrityError
			if errors.As(addErr, &ie) {
				return total, addErr
			}
			if len(marks) > 0 {
				if err := l.events.MarkLogged(ctx, marks); err != nil {
					return total, fmt.Errorf("mark logged events: %w", err)
				}
				total += len(marks)
			}
			if addErr != nil {
				return total, addErr
			}
		}
		if len(evs) < batchLimit {
			return total, nil
		}
	}
}

// follow appends the store's events beyond the log's end, in Seq order, whether or not
// they are marked logged.
func (l *Ledger) follow(ctx context.Context) error {
	for {
		size, err := l.reader.IntegratedSize(ctx)
		if err != nil {
			return fmt.Errorf("read the log's size: %w", err)
		}
		evs, err := l.cfg.Cluster.EventsFrom(ctx, size+1, batchLimit)
		if err != nil {
			return fmt.Errorf("read events from %d: %w", size+1, err)
		}
		if len(evs) == 0 {
			return nil
		}
		if evs[0].Seq != size+1 {
			return integrityf("the log holds %d leaves, but the store's next event is %d", size, evs[0].Seq)
		}
		for _, ev := range evs {
			if _, err := tlog.ParseLeaf(tlog.Leaf(ev)); err != nil {
				return integrityf("event %d cannot be a log leaf: %v", ev.Seq, err)
			}
		}
		if _, err := l.appendEvents(ctx, evs); err != nil {
			return err
		}
		if len(evs) < batchLimit {
			return nil
		}
	}
}

// appendEvents appends evs, whose Seqs follow each other, and returns the marks of the
// ones the log took, in order, with the error that stopped it (an *IntegrityError if the
// log put an event elsewhere than at its Seq-1).
func (l *Ledger) appendEvents(ctx context.Context, evs []iltod.Event) ([]iltod.LogMark, error) {
	futures := make([]tessera.IndexFuture, len(evs))
	for i, ev := range evs {
		if ev.Seq != evs[0].Seq+uint64(i) {
			return nil, integrityf("the store's events skip from %d to %d", evs[i-1].Seq, ev.Seq)
		}
		futures[i] = l.appender.Add(ctx, tessera.NewEntry(tlog.Leaf(ev)))
	}
	var marks []iltod.LogMark
	for i, f := range futures {
		idx, err := f()
		if err != nil {
			return marks, fmt.Errorf("append to the log: %w", err)
		}
		if want := evs[i].Seq - 1; idx.Index != want {
			return marks, integrityf("the log put event %d at index %d, not %d", evs[i].Seq, idx.Index, want)
		}
		marks = append(marks, iltod.LogMark{Seq: evs[i].Seq, Index: idx.Index})
	}
	return marks, nil
}

// readLeaf returns the leaf at idx of the log of the given size, reading entry bundles
// through the cache bundles.
func (l *Ledger) readLeaf(ctx context.Context, bundles map[uint64]api.EntryBundle, idx, size uint64) ([]byte, error) {
	bi := idx / 256
	b, ok := bundles[bi]
	if !ok {
		var err error
		if b, err = client.GetEntryBundle(ctx, l.readEntryBundle, bi, size); err != nil {
			return nil, fmt.Errorf("read the log's entry bundle %d: %w", bi, err)
		}
		bundles[bi] = b
	}
	if int(idx%256) >= len(b.Entries) {
		return nil, integrityf("the log's entry bundle %d has %d entries; leaf %d is missing", bi, len(b.Entries), idx)
	}
	return b.Entries[idx%256], nil
}

// checkStore refuses a log that holds more leaves than the store has events: the store
// has lost events (restored from an older backup?), and the next events it stores would
// take sequence numbers the log has already given to others.
func (l *Ledger) checkStore(ctx context.Context) error {
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil {
		return fmt.Errorf("read the log's size: %w", err)
	}
	last, err := l.events.LastSeq(ctx)
	if err != nil {
		return fmt.Errorf("read the store's last event: %w", err)
	}
	if size <= last {
		return nil
	}
	e := integrityf("the log holds %d leaves but the store's last event is %d: the store has lost events", size, last)
	if leaf, err := l.readLeaf(ctx, map[uint64]api.EntryBundle{}, last, size); err == nil {
		e.with(fmt.Sprintf("leaf %d, the first the store lacks", last), leaf)
	}
	return e
}

// Promise returns the log's signed promise to include ev (see tlog.Promise): a signed
// note, given at once, without waiting for the log. ev is the event as stored: its Seq
// fixes the leaf's index, and its Time is the received time. It fails only for an
// event that cannot be a leaf.
func (l *Ledger) Promise(ev iltod.Event) ([]byte, error) {
	p := tlog.NewPromise(l.cfg.Origin, ev)
	if _, err := tlog.ParseLeaf(p.Leaf); err != nil {
		return nil, fmt.Errorf("promise for event %d: %w", ev.Seq, err)
	}
	return tlog.SignPromise(p, l.signer)
}

// Promises returns the log's promises to include each of evs, signed once for them all:
// batch promises (see tlog.BatchPromise), in the order of evs. Each event is as stored,
// as Promise says. It fails if any event cannot be a leaf.
func (l *Ledger) Promises(evs []iltod.Event) ([][]byte, error) {
	ps := make([]tlog.Promise, len(evs))
	for i, ev := range evs {
		ps[i] = tlog.NewPromise(l.cfg.Origin, ev)
		if _, err := tlog.ParseLeaf(ps[i].Leaf); err != nil {
			return nil, fmt.Errorf("promise for event %d: %w", ev.Seq, err)
		}
	}
	return tlog.SignPromises(ps, l.signer)
}

// Checkpoint returns the latest published checkpoint, with its cosignatures, or
// ENotFound before the first.
func (l *Ledger) Checkpoint(ctx context.Context) ([]byte, error) {
	if l.cfg.Cluster != nil {
		if cur := l.served.Load(); cur != nil {
			return cur.note, nil
		}
		return nil, iltod.E(iltod.ENotFound, "error.no_checkpoint", nil)
	}
	cp, err := l.reader.ReadCheckpoint(ctx)
	if errors.Is(err, os.ErrNotExist) {
		return nil, iltod.E(iltod.ENotFound, "error.no_checkpoint", nil)
	}
	if err != nil {
		return nil, fmt.Errorf("read the checkpoint: %w", err)
	}
	return cp, nil
}

// Proof returns the full receipt of the leaf at index: a tlog-proof (see tlog.Receipt)
// holding the leaf, the inclusion proof and the latest published checkpoint with its
// cosignatures. It returns an error with code ENotFound while no published checkpoint
// (satisfying the witness policy) covers index. Every proof is verified before it is
// returned.
func (l *Ledger) Proof(ctx context.Context, index uint64) ([]byte, error) {
	raw, err := l.Checkpoint(ctx)
	if err != nil {
		return nil, err
	}
	cp, err := l.verifiedCheckpoint(raw)
	if err != nil {
		var te *tlog.Error
		if errors.As(err, &te) && te.Failure == tlog.FailQuorum {
			return nil, iltod.E(iltod.ENotFound, "error.ledger.not_cosigned", map[string]any{"Leaf": index})
		}
		return nil, fmt.Errorf("the published checkpoint: %w", err)
	}
	if index >= cp.Size {
		return nil, iltod.E(iltod.ENotFound, "error.ledger.not_covered", map[string]any{"Size": cp.Size, "Leaf": index})
	}
	hashes, err := l.inclusionProof(ctx, index, cp.Size)
	if err != nil {
		return nil, err
	}
	b, err := client.GetEntryBundle(ctx, l.readEntryBundle, index/256, cp.Size)
	if err != nil {
		return nil, fmt.Errorf("read the log's entry bundle %d: %w", index/256, err)
	}
	if int(index%256) >= len(b.Entries) {
		return nil, fmt.Errorf("the log's entry bundle %d lacks leaf %d", index/256, index)
	}
	r := tlog.Receipt{Index: index, Leaf: b.Entries[index%256], Checkpoint: raw}
	for _, h := range hashes {
		if len(h) != 32 {
			return nil, fmt.Errorf("inclusion proof of leaf %d: a hash of %d bytes", index, len(h))
		}
		r.Proof = append(r.Proof, [32]byte(h))
	}
	out := r.Marshal()
	if _, err := l.verifier.VerifyReceipt(out); err != nil {
		return nil, fmt.Errorf("the receipt of leaf %d does not verify: %w", index, err)
	}
	return out, nil
}

// verifiedCheckpoint returns raw verified (tlog.Verifier.VerifyCheckpoint), from the
// last call's result when raw is the same bytes.
func (l *Ledger) verifiedCheckpoint(raw []byte) (*tlog.Checkpoint, error) {
	l.cpMu.Lock()
	defer l.cpMu.Unlock()
	if l.cpParsed != nil && bytes.Equal(raw, l.cpRaw) {
		return l.cpParsed, nil
	}
	cp, err := l.verifier.VerifyCheckpoint(raw)
	if err != nil {
		return nil, err
	}
	l.cpRaw, l.cpParsed = slices.Clone(raw), cp
	return cp, nil
}

func (l *Ledger) inclusionProof(ctx context.Context, index, size uint64) ([][]byte, error) {
	l.pbMu.Lock()
	defer l.pbMu.Unlock()
	if l.pb == nil || l.pbSize != size {
		pb, err := client.NewProofBuilder(ctx, size, l.readTile)
		if err != nil {
			return nil, fmt.Errorf("read the log's tiles: %w", err)
		}
		l.pb, l.pbSize = pb, size
	}
	p, err := l.pb.InclusionProof(ctx, index)
	if err != nil {
		l.pb = nil
		return nil, fmt.Errorf("inclusion proof of leaf %d: %w", index, err)
	}
	return p, nil
}

// AwaitProof waits until a published checkpoint covers the leaf at index and returns
// its full receipt (see Proof), or returns when ctx ends or Proof fails otherwise than
// with ENotFound.
func (l *Ledger) AwaitProof(ctx context.Context, index uint64) ([]byte, error) {
	t := time.NewTicker(50 * time.Millisecond)
	defer t.Stop()
	for {
		p, err := l.Proof(ctx, index)
		if err == nil || iltod.ErrorCodeOf(err) != iltod.ENotFound {
			return p, err
		}
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("wait for the receipt of leaf %d: %w (%v)", index, ctx.Err(), err)
		case <-t.C:
		}
	}
}
