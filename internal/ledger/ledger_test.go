package ledger

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/tessera/client"
)

const testOrigin = "test.iltod.example/log"

func testConfig(t *testing.T, dir string) Config {
	t.Helper()
	return Config{
		Dir:                filepath.Join(dir, "log"),
		KeyFile:            filepath.Join(dir, "log.key"),
		Origin:             testOrigin,
		CheckpointInterval: 200 * time.Millisecond,
		BatchMaxAge:        10 * time.Millisecond,
		PollInterval:       20 * time.Millisecond,
		ShutdownTimeout:    5 * time.Second,
		Logger:             slog.New(slog.NewTextHandler(io.Discard, nil)),
	}
}

func openLedger(t *testing.T, cfg Config, ev Events) *Ledger {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := Open(ctx, cfg, ev)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func testCtx(t *testing.T, d time.Duration) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), d)
	t.Cleanup(cancel)
	return ctx
}

// waitMarked waits until the store has a log index for every event up to seq.
func waitMarked(t *testing.T, ev *memEvents, seq uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for s := uint64(1); s <= seq; s++ {
		for {
			if _, ok := ev.mark(s); ok {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("event %d not marked logged within 10s", s)
			}
			time.Sleep(5 * time.Millisecond)
		}
	}
}

func envelope(i int) []byte {
	return fmt.Appendf(nil, `{"key":"k%d","payload":"p%d","sig":"s%d"}`, i, i, i)
}

func TestAppendPromiseProof(t *testing.T) {
	dir := t.TempDir()
	ev := newMemEvents()
	l := openLedger(t, testConfig(t, dir), ev)
	vkey, err := os.ReadFile(filepath.Join(dir, VKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier(string(vkey), nil)
	if err != nil {
		t.Fatal(err)
	}
	if strings.TrimSpace(string(vkey)) != l.VerifierKey() {
		t.Errorf("log.vkey %q, VerifierKey %q", vkey, l.VerifierKey())
	}

	const n = 40
	var promises [][]byte
	for i := 1; i <= n; i++ {
		var e iltod.Event
		if i%10 == 0 {
			e = ev.addStaff("mn-2024", fmt.Sprint("decision ", i))
		} else {
			e = ev.addReport("mn-2024", envelope(i))
		}
		p, err := l.Promise(e)
		if err != nil {
			t.Fatalf("Promise(%d): %v", i, err)
		}
		promises = append(promises, p)
		l.Notify()
	}
	ctx := testCtx(t, 15*time.Second)
	for i := 1; i <= n; i++ {
		seq := uint64(i)
		pr, err := v.VerifyPromise(promises[i-1])
		if err != nil {
			t.Fatalf("promise %d: %v", i, err)
		}
		if pr.Seq != seq || pr.Origin != testOrigin || !pr.Received.Equal(ev.event(seq).Time) {
			t.Errorf("promise %d = %+v", i, pr)
		}
		receipt, err := l.AwaitProof(ctx, seq-1)
		if err != nil {
			t.Fatalf("AwaitProof(%d): %v", seq-1, err)
		}
		if i%10 == 0 {
			if _, err := v.VerifyReceipt(receipt); err != nil {
				t.Errorf("receipt %d: %v", i, err)
			}
			continue
		}
		got, err := v.VerifyEnvelope(envelope(i), receipt)
		if err != nil {
			t.Fatalf("VerifyEnvelope(%d): %v\n%s", i, err, receipt)
		}
		if !got.Included || got.Index != seq-1 || got.Leaf.Seq != seq {
			t.Errorf("receipt %d verified as %+v", i, got)
		}
		if _, err := v.VerifyEnvelope(envelope(i), promises[i-1]); err != nil {
			t.Errorf("VerifyEnvelope(promise %d): %v", i, err)
		}
		if idx, ok := ev.mark(seq); !ok || idx != seq-1 {
			t.Errorf("event %d marked at %d, %v; want %d", seq, idx, ok, seq-1)
		}
	}
	if _, err := l.Proof(ctx, n+5); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("Proof beyond the log: %v, want ENotFound", err)
	}
}

// TestReceiptLatency checks that with the default intervals a report's full receipt is
// there within about a second.
func TestReceiptLatency(t *testing.T) {
	dir := t.TempDir()
	ev := newMemEvents()
	cfg := testConfig(t, dir)
	cfg.CheckpointInterval, cfg.BatchMaxAge, cfg.PollInterval = 0, 0, 0 // the defaults
	l := openLedger(t, cfg, ev)
	if l.cfg.CheckpointInterval > time.Second {
		t.Fatalf("default checkpoint interval %v > 1s", l.cfg.CheckpointInterval)
	}
	ctx := testCtx(t, 20*time.Second)
	var lat []time.Duration
	for i := 1; i <= 5; i++ {
		start := time.Now()
		e := ev.addReport("mn-2024", envelope(i))
		l.Notify()
		if _, err := l.AwaitProof(ctx, e.Seq-1); err != nil {
			t.Fatal(err)
		}
		lat = append(lat, time.Since(start))
		time.Sleep(time.Duration(i*37) * time.Millisecond) // land at different points of the interval
	}
	slices.Sort(lat)
	p50 := lat[len(lat)/2]
	t.Logf("receipt latency: p50 %v, max %v", p50, lat[len(lat)-1])
	if p50 > 1200*time.Millisecond {
		t.Errorf("receipt latency p50 %v, want about 1s or less", p50)
	}

	for _, bad := range []time.Duration{50 * time.Millisecond, 2 * time.Second} {
		c := testConfig(t, t.TempDir())
		c.CheckpointInterval = bad
		if _, err := Open(ctx, c, newMemEvents()); err == nil {
			t.Errorf("Open with checkpoint interval %v succeeded", bad)
		}
	}
}

// TestRestartRecovery simulates a crash after Tessera appended events and before the
// store recorded it: reopening marks them from the log and does not append them again.
func TestRestartRecovery(t *testing.T) {
	dir := t.TempDir()
	ev := newMemEvents()
	cfg := testConfig(t, dir)
	l := openLedger(t, cfg, ev)
	for i := 1; i <= 12; i++ {
		ev.addReport("mn-2024", envelope(i))
	}
	l.Notify()
	waitMarked(t, ev, 12)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ev.dropMarks(5) // events 5 to 12 are in the log, and the store does not know it

	l = openLedger(t, cfg, ev)
	// Open recovers before it returns.
	for s := uint64(1); s <= 12; s++ {
		if idx, ok := ev.mark(s); !ok || idx != s-1 {
			t.Errorf("after reopening, event %d is marked at %d (%v), want %d", s, idx, ok, s-1)
		}
	}
	ctx := testCtx(t, 10*time.Second)
	size, err := l.reader.IntegratedSize(ctx)
	if err != nil || size != 12 {
		t.Fatalf("log size %d (%v) after recovery, want 12: events were appended twice", size, err)
	}
	e := ev.addReport("mn-2024", envelope(13))
	l.Notify()
	if _, err := l.AwaitProof(ctx, e.Seq-1); err != nil {
		t.Fatal(err)
	}
	checkLeaves(t, cfg.Dir, l.VerifierKey(), 13)
}

// checkLeaves reads the published log in dir and checks that it holds exactly the
// leaves numbered 1 to n.
func checkLeaves(t *testing.T, dir, vkey string, n uint64) {
	t.Helper()
	ctx := testCtx(t, 10*time.Second)
	v, err := tlog.NewVerifier(vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	tiles := client.FileFetcher{Root: dir}
	var cp *tlog.Checkpoint
	for deadline := time.Now().Add(5 * time.Second); ; {
		raw, err := tiles.ReadCheckpoint(ctx)
		if err == nil {
			if cp, err = v.VerifyCheckpoint(raw); err != nil {
				t.Fatal(err)
			}
			if cp.Size >= n {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("no checkpoint of size %d", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if cp.Size != n {
		t.Fatalf("checkpoint size %d, want %d", cp.Size, n)
	}
	size := func(context.Context) (uint64, error) { return cp.Size, nil }
	i := uint64(0)
	for b, err := range client.EntryBundles(ctx, 1, size, tiles.ReadEntryBundle, 0, cp.Size) {
		if err != nil {
			t.Fatal(err)
		}
		bundle, err := client.GetEntryBundle(ctx, tiles.ReadEntryBundle, b.RangeInfo.Index, cp.Size)
		if err != nil {
			t.Fatal(err)
		}
		for _, leaf := range bundle.Entries[b.RangeInfo.First : b.RangeInfo.First+b.RangeInfo.N] {
			l, err := tlog.ParseLeaf(leaf)
			if err != nil {
				t.Fatalf("leaf %d: %v", i, err)
			}
			if l.Seq != i+1 {
				t.Fatalf("leaf %d has seq %d", i, l.Seq)
			}
			i++
		}
	}
	if i != n {
		t.Fatalf("read %d leaves, want %d", i, n)
	}
	root, err := tlog.TreeRoot(ctx, tiles, cp.Size)
	if err != nil || root != cp.Hash {
		t.Fatalf("tiles root %x (%v), checkpoint %x", root, err, cp.Hash)
	}
}

func TestStoreAndLogDisagree(t *testing.T) {
	dir := t.TempDir()
	ev := newMemEvents()
	cfg := testConfig(t, dir)
	l := openLedger(t, cfg, ev)
	for i := 1; i <= 5; i++ {
		ev.addReport("mn-2024", envelope(i))
	}
	l.Notify()
	waitMarked(t, ev, 5)
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	ctx := testCtx(t, 10*time.Second)

	// A store that lost events 4 and 5 (an older backup).
	lost := newMemEvents()
	for i := 1; i <= 3; i++ {
		lost.addReport("mn-2024", envelope(i))
	}
	_, err := Open(ctx, cfg, lost)
	var ie *IntegrityError
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "lost events") || len(ie.Evidence) == 0 {
		t.Fatalf("Open with a store that lost events: %v", err)
	}

	// A store whose event 4 is another report than the log's leaf 3.
	other := newMemEvents()
	for i := 1; i <= 6; i++ {
		if i == 4 {
			other.addReport("mn-2024", []byte("another envelope"))
			continue
		}
		other.addReport("mn-2024", envelope(i))
	}
	other.MarkLogged(ctx, []iltod.LogMark{{Seq: 1, Index: 0}, {Seq: 2, Index: 1}, {Seq: 3, Index: 2}})
	_, err = Open(ctx, cfg, other)
	if !errors.As(err, &ie) || !strings.Contains(err.Error(), "not the store's event 4") || len(ie.Evidence) != 2 {
		t.Fatalf("Open with a store whose event differs: %v", err)
	}
	if _, ok := other.mark(5); ok {
		t.Error("event 5 was marked although the sequencer stopped")
	}

	// The log is unharmed: the right store still opens it.
	l = openLedger(t, cfg, ev)
	checkLeaves(t, cfg.Dir, l.VerifierKey(), 5)
}

func TestOneSequencerPerLog(t *testing.T) {
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	openLedger(t, cfg, newMemEvents())
	ctx := testCtx(t, 5*time.Second)
	if _, err := Open(ctx, cfg, newMemEvents()); err == nil || !strings.Contains(err.Error(), "another sequencer") {
		t.Fatalf("second Open on the same log: %v", err)
	}
}

func TestKeyFile(t *testing.T) {
	ctx := testCtx(t, 10*time.Second)
	dir := t.TempDir()
	cfg := testConfig(t, dir)
	l, err := Open(ctx, cfg, newMemEvents())
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
	fi, err := os.Stat(cfg.KeyFile)
	if err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("key file mode %v (%v), want 0600", fi.Mode(), err)
	}
	key, _ := os.ReadFile(cfg.KeyFile)
	if !strings.HasPrefix(string(key), "PRIVATE+KEY+"+testOrigin+"+") {
		t.Fatalf("key file does not hold a signed-note key for the origin")
	}

	// A key file others can read is refused, and the key is not in the error.
	if err := os.Chmod(cfg.KeyFile, 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = Open(ctx, cfg, newMemEvents())
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("Open with a key file of mode 0644: %v", err)
	}
	if strings.Contains(err.Error(), strings.TrimSpace(string(key))[20:]) {
		t.Fatal("the error shows the key")
	}
	os.Chmod(cfg.KeyFile, 0o600)

	// Another origin is refused: a log's origin never changes.
	c2 := cfg
	c2.Origin = "other.example/log"
	if _, err := Open(ctx, c2, newMemEvents()); err == nil || !strings.Contains(err.Error(), "origin") {
		t.Fatalf("Open with another origin: %v", err)
	}
	// Bad origins.
	for _, o := range []string{"", "has space", "has+plus"} {
		c := testConfig(t, t.TempDir())
		c.Origin = o
		if _, err := Open(ctx, c, newMemEvents()); err == nil {
			t.Errorf("Open with origin %q succeeded", o)
		}
	}
	// The same key opens again.
	l, err = Open(ctx, cfg, newMemEvents())
	if err != nil {
		t.Fatal(err)
	}
	l.Close()
}
