package ledger

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlstore"
	"github.com/iltod/iltod/internal/storetest"
	"github.com/transparency-dev/tessera/api"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// TestClusterSQLite runs several ledgers in cluster mode on one SQLite store, as
// instances with log directories of their own: one signs and the others serve the same
// stored checkpoint and prove from their own tiles; when the signer closes another takes
// over; an instance on an empty directory rebuilds identical tiles; and one whose tiles
// disagree with a stored checkpoint refuses to start.
func TestClusterSQLite(t *testing.T) {
	ctx := testCtx(t, 60*time.Second)
	root := t.TempDir()
	store, err := sqlstore.OpenSQLite(ctx, filepath.Join(root, "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer store.Close()
	if err := store.CreateElection(ctx, storetest.Fixture("mn-2024"), false); err != nil {
		t.Fatal(err)
	}
	add := func(n int) uint64 {
		t.Helper()
		var last iltod.Event
		for i := range n {
			detail := fmt.Appendf(nil, `{"action":"test","n":%d}`, i)
			if last, err = store.AddEvent(ctx, iltod.Event{Election: "mn-2024", Kind: iltod.EventStaff, Subject: "test",
				Hash: sha256.Sum256(detail), Time: time.Now().UTC().Truncate(time.Millisecond), Detail: detail}); err != nil {
				t.Fatal(err)
			}
		}
		return last.Seq
	}
	add(300)
	var key []byte
	cfg := func(name string) Config {
		c := testConfig(t, filepath.Join(root, name))
		c.Cluster, c.Instance, c.SignerPoll = store, name, 50*time.Millisecond
		if key == nil {
			key = []byte(mustKey(t, c.KeyFile))
		} else {
			os.MkdirAll(filepath.Dir(c.KeyFile), 0o700)
			if err := os.WriteFile(c.KeyFile, key, 0o600); err != nil {
				t.Fatal(err)
			}
		}
		return c
	}
	stored := func(size uint64, signer string) iltod.StoredCheckpoint {
		t.Helper()
		for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			cp, err := store.LatestCheckpoint(ctx)
			if err == nil && cp.Size >= size && (signer == "" || cp.Signer == signer) {
				return cp
			}
			if time.Now().After(deadline) {
				t.Fatalf("no checkpoint of size %d by %q stored within 10s (latest %+v, %v)", size, signer, cp, err)
			}
		}
	}

	a := openLedger(t, cfg("a"), store)
	cp := stored(300, "a")
	b := openLedger(t, cfg("b"), store)
	if got, err := b.Checkpoint(ctx); err != nil || !bytes.Equal(got, cp.Note) {
		t.Fatalf("the second instance serves %q (%v), want the stored %q", got, err, cp.Note)
	}
	if !a.Signing() || b.Signing() {
		t.Errorf("Signing: a %v, b %v; want only a", a.Signing(), b.Signing())
	}
	last := add(57)
	cp = stored(last, "a")
	if _, err := b.AwaitProof(ctx, last-1); err != nil {
		t.Fatalf("a receipt from the instance that does not sign: %v", err)
	}
	if got, _ := b.Checkpoint(ctx); !bytes.Equal(got, cp.Note) {
		t.Errorf("the second instance serves %q, want %q", got, cp.Note)
	}

	// The signer goes; the other takes over and continues from the stored checkpoint.
	if err := a.Close(); err != nil {
		t.Fatal(err)
	}
	last = add(3)
	cp = stored(last, "b")
	if !b.Signing() {
		t.Error("the second instance does not say it signs")
	}
	if un, _ := store.Unlogged(ctx, 10); len(un) != 0 {
		t.Errorf("%d events left unmarked after the takeover", len(un))
	}

	// Each log directory is a complete tlog-tiles log with the served checkpoint.
	eventually(t, "the checkpoint file is the stored one", func() bool {
		got, err := os.ReadFile(filepath.Join(b.cfg.Dir, "checkpoint"))
		return err == nil && bytes.Equal(got, cp.Note)
	})

	// A new instance on an empty directory rebuilds the same tiles.
	c := openLedger(t, cfg("c"), store)
	if got, err := c.Checkpoint(ctx); err != nil || !bytes.Equal(got, cp.Note) {
		t.Fatalf("the rebuilt instance serves %q (%v), want %q", got, err, cp.Note)
	}
	for _, p := range treePaths(cp.Size) {
		want, err := b.readResource(p)
		if err != nil {
			t.Fatalf("%s: %v", p, err)
		}
		if got, err := c.readResource(p); err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the rebuilt instance has other bytes (%v)", p, err)
		}
	}
	// The instance that does not sign closes once a stored checkpoint covers it.
	last = add(2)
	c.Notify()
	eventually(t, "the instance appends the new events", func() bool {
		n, err := c.reader.IntegratedSize(ctx)
		return err == nil && n >= last
	})
	if err := c.Close(); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile(filepath.Join(c.cfg.Dir, "checkpoint")); err != nil || checkpointSizeOf(got) < last {
		t.Errorf("the closed instance's checkpoint file %q (%v) does not cover event %d", got, err, last)
	}
	if err := b.Close(); err != nil {
		t.Fatal(err)
	}

	// A stored checkpoint that the tiles built from the store contradict: a new
	// instance refuses to start, with the evidence.
	last = add(1)
	lock, err := store.TrySigner(ctx)
	if err != nil || lock == nil {
		t.Fatalf("TrySigner: %v %v", lock, err)
	}
	signer, err := note.NewSigner(string(bytes.TrimSpace(key)))
	if err != nil {
		t.Fatal(err)
	}
	bogus, err := note.Sign(&note.Note{Text: fmt.Sprintf("%s\n%d\n%s\n", testOrigin, last, base64.StdEncoding.EncodeToString(make([]byte, 32)))}, signer)
	if err != nil {
		t.Fatal(err)
	}
	if err := lock.AddCheckpoint(ctx, iltod.StoredCheckpoint{Size: last, Note: bogus, Signer: "forger", Time: time.Now()}); err != nil {
		t.Fatal(err)
	}
	lock.Release()
	_, err = Open(ctx, cfg("d"), store)
	var ie *IntegrityError
	if !errors.As(err, &ie) || len(ie.Evidence) != 2 {
		t.Fatalf("Open against a contradicting stored checkpoint: %v, want an integrity error with both checkpoints", err)
	}
}

func eventually(t *testing.T, what string, ok func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !ok(); time.Sleep(10 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 10s", what)
		}
	}
}

func checkpointSizeOf(cp []byte) uint64 {
	var origin string
	var size uint64
	fmt.Sscanf(string(cp), "%s\n%d", &origin, &size)
	return size
}

func mustKey(t *testing.T, path string) string {
	t.Helper()
	os.MkdirAll(filepath.Dir(path), 0o700)
	writeKey(t, path, testOrigin)
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// treePaths lists every hash tile and entry bundle of a tree of size n, as a client
// reading it fetches them.
func treePaths(n uint64) []string {
	var out []string
	for i := uint64(0); i*256 < n; i++ {
		out = append(out, layout.EntriesPath(i, layout.PartialTileSize(0, i, n)))
	}
	for level := uint64(0); n>>(8*level) > 0; level++ {
		for i := uint64(0); i*256 < n>>(8*level); i++ {
			out = append(out, layout.TilePath(level, i, layout.PartialTileSize(level, i, n)))
		}
	}
	return out
}

// TestCutTile checks that a partial tile or bundle cut from a wider one is its prefix,
// and that a short one is refused.
func TestCutTile(t *testing.T) {
	hashes := bytes.Repeat([]byte{7}, 32*10)
	if got, err := cutTile(hashes, false, 3); err != nil || len(got) != 96 {
		t.Errorf("cut 3 hashes: %d bytes, %v", len(got), err)
	}
	if _, err := cutTile(hashes, false, 11); err == nil {
		t.Error("cut 11 hashes from 10: no error")
	}
	var bundle []byte
	for i := range 5 {
		e := bytes.Repeat([]byte{byte(i)}, i*100)
		bundle = append(bundle, byte(len(e)>>8), byte(len(e)))
		bundle = append(bundle, e...)
	}
	got, err := cutTile(bundle, true, 4)
	if err != nil {
		t.Fatal(err)
	}
	var eb api.EntryBundle
	if err := eb.UnmarshalText(got); err != nil || len(eb.Entries) != 4 || len(eb.Entries[3]) != 300 {
		t.Errorf("cut 4 entries: %d entries, %v", len(eb.Entries), err)
	}
	if _, err := cutTile(bundle, true, 6); err == nil {
		t.Error("cut 6 entries from 5: no error")
	}
}

// FuzzCutTile checks that cutting w entries from any bundle gives a bundle of exactly
// w entries, each as in the whole, or an error.
func FuzzCutTile(f *testing.F) {
	f.Add([]byte{0, 1, 'a', 0, 2, 'b', 'c'}, uint8(1))
	f.Add([]byte{0, 0, 0, 0}, uint8(2))
	f.Add([]byte{1, 0}, uint8(1))
	f.Fuzz(func(t *testing.T, b []byte, w uint8) {
		got, err := cutTile(b, true, int(w))
		if err != nil {
			return
		}
		var whole, cut api.EntryBundle
		if err := cut.UnmarshalText(got); err != nil {
			t.Fatalf("the cut bundle does not parse: %v", err)
		}
		if len(cut.Entries) != int(w) {
			t.Fatalf("%d entries cut, want %d", len(cut.Entries), w)
		}
		if whole.UnmarshalText(b) == nil {
			for i := range cut.Entries {
				if !bytes.Equal(cut.Entries[i], whole.Entries[i]) {
					t.Fatalf("entry %d differs", i)
				}
			}
		}
	})
}
