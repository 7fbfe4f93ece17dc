package mirror

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	f_note "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/internal/ledger/ledgertest"
	"github.com/iltod/iltod/tlog"
)

// testEvents is the ledger's in-memory event source with report events tagged, so that
// two sources give two different trees.
type testEvents struct {
	ledgertest.Events
	tag string
}

func (e *testEvents) add(n int) {
	for range n {
		seq, _ := e.LastSeq(context.Background())
		seq++
		e.Append(iltod.Event{Election: "e", Kind: iltod.EventReport, Subject: fmt.Sprintf("%s-%d", e.tag, seq),
			Hash: sha256.Sum256([]byte(fmt.Sprint(e.tag, seq))), Time: time.Date(2024, 6, 28, 12, 0, 0, int(seq), time.UTC)})
	}
}

// origin is a real ledger served over HTTP as the server serves it.
type origin struct {
	l   *ledger.Ledger
	ev  *testEvents
	dir string
	url string
}

// startOrigin runs a log in dir, signed with the key in dir/log.key (made if absent).
func startOrigin(t *testing.T, dir, tag string) *origin {
	t.Helper()
	ev := &testEvents{tag: tag}
	l, err := ledger.Open(context.Background(), ledger.Config{Dir: filepath.Join(dir, "log"), KeyFile: filepath.Join(dir, "log.key"),
		Origin: "mirror.test/log", CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond,
		PollInterval: 10 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	mux := http.NewServeMux()
	mux.Handle("/log/", l.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return &origin{l: l, ev: ev, dir: dir, url: srv.URL + "/"}
}

// grow adds n events and waits for a checkpoint that covers them all.
func (o *origin) grow(t *testing.T, n int) uint64 {
	t.Helper()
	o.ev.add(n)
	o.l.Notify()
	want, _ := o.ev.LastSeq(context.Background())
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		cp, err := o.l.Checkpoint(context.Background())
		if err == nil && strings.Split(string(cp), "\n")[1] == strconv.FormatUint(want, 10) {
			return want
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("the origin did not reach size %d", want)
	return 0
}

func verifier(t *testing.T, o *origin, policy *tlog.Policy) *tlog.Verifier {
	t.Helper()
	v, err := tlog.NewVerifier(o.l.VerifierKey(), policy)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// sameAsOrigin checks that every file of the mirror's copy is the origin's, byte for
// byte, and that the copy's tiles give its checkpoint's root. It returns how many files
// it compared.
func sameAsOrigin(t *testing.T, m *Mirror, o *origin) int {
	t.Helper()
	n := 0
	root := filepath.Join(m.cfg.Dir, LogDir)
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(root, p)
		if rel == "checkpoint" {
			return nil
		}
		mine, _ := os.ReadFile(p)
		theirs, err := os.ReadFile(filepath.Join(o.dir, "log", rel))
		if errors.Is(err, fs.ErrNotExist) && strings.Contains(rel, ".p") {
			return nil // a partial tile the origin has since replaced
		}
		if !bytes.Equal(mine, theirs) {
			t.Errorf("the mirror's %s differs from the origin's (%d and %d bytes; %v)", rel, len(mine), len(theirs), err)
		}
		n++
		return nil
	})
	held := m.Held()
	got, err := tlog.TreeRoot(context.Background(), localTiles{root}, held.Size)
	if err != nil || got != held.Hash {
		t.Errorf("the copy's tiles give root %x (%v); its checkpoint says %x", got, err, held.Hash)
	}
	return n
}

// TestFollow follows a log across tile boundaries (full tiles, a second level) and
// checks the copy against the origin's files at every step.
func TestFollow(t *testing.T) {
	o := startOrigin(t, t.TempDir(), "a")
	m, err := Open(Config{Origin: o.url, Dir: t.TempDir(), Verifier: verifier(t, o, nil)})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for _, n := range []int{100, 250, 300, 66000 - 650} {
		size := o.grow(t, n)
		if err := m.Sync(ctx); err != nil {
			t.Fatalf("sync to %d: %v", size, err)
		}
		if st := m.Status(); st.Size != size || st.LastError != "" || len(st.Forks) != 0 {
			t.Fatalf("status at %d: %+v", size, st)
		}
		files := sameAsOrigin(t, m, o)
		t.Logf("size %d: %d files equal to the origin's", size, files)
	}
	// Nothing new: the same checkpoint, no change.
	if err := m.Sync(ctx); err != nil {
		t.Fatal(err)
	}
	// A new Mirror on the same directory holds the same.
	m2, err := Open(Config{Origin: o.url, Dir: m.cfg.Dir, Verifier: verifier(t, o, nil)})
	if err != nil || m2.Held().Size != m.Held().Size {
		t.Fatalf("reopened: %v", err)
	}
}

// TestPolicy: a checkpoint without the quorum's cosignatures is not taken; one with them
// is, and the mirror serves it with them.
func TestPolicy(t *testing.T) {
	o := startOrigin(t, t.TempDir(), "a")
	o.grow(t, 5)
	skey, vkey, err := note.GenerateKey(rand.Reader, "witness.test")
	if err != nil {
		t.Fatal(err)
	}
	cvkey, err := f_note.VKeyToCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	p, err := tlog.ParsePolicy([]byte("witness w " + cvkey + "\nquorum w\n"))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Open(Config{Origin: o.url, Dir: t.TempDir(), Verifier: verifier(t, o, p)})
	if err != nil {
		t.Fatal(err)
	}
	err = m.Sync(context.Background())
	var te *tlog.Error
	if !errors.As(err, &te) || te.Failure != tlog.FailQuorum || m.Held() != nil {
		t.Fatalf("sync without the quorum's cosignature: %v, held %v", err, m.Held())
	}
	if st := m.Status(); st.Size != 0 || !strings.Contains(st.LastError, "quorum") {
		t.Errorf("status: %+v", st)
	}

	// The same log behind a front that adds the witness's cosignature.
	cosigner, err := f_note.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	logV, err := note.NewVerifier(o.l.VerifierKey())
	if err != nil {
		t.Fatal(err)
	}
	u, _ := url.Parse(o.url)
	proxy := httputil.NewSingleHostReverseProxy(u)
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/log/checkpoint" {
			proxy.ServeHTTP(w, r)
			return
		}
		cp, err := o.l.Checkpoint(r.Context())
		if err == nil {
			var n *note.Note
			if n, err = note.Open(cp, note.VerifierList(logV)); err == nil {
				cp, err = note.Sign(n, cosigner)
			}
		}
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		w.Write(cp)
	}))
	defer front.Close()
	m, err = Open(Config{Origin: front.URL + "/", Dir: m.cfg.Dir, Verifier: verifier(t, o, p)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(context.Background()); err != nil {
		t.Fatalf("sync with the quorum's cosignature: %v", err)
	}
	if h := m.Held(); h == nil || h.Size != 5 || len(h.Cosigners) != 1 || h.Cosigners[0] != "w" {
		t.Fatalf("held %+v", h)
	}
	served, _ := os.ReadFile(filepath.Join(m.cfg.Dir, LogDir, "checkpoint"))
	if !bytes.Contains(served, []byte("\n— witness.test ")) {
		t.Errorf("the mirror's checkpoint lacks the cosignature:\n%s", served)
	}
}

// TestForkSmaller: a smaller tree, signed with the same key, that is not a prefix of the
// held one is a fork; the held tree stays.
func TestForkSmaller(t *testing.T) {
	dir := t.TempDir()
	o := startOrigin(t, dir, "a")
	size := o.grow(t, 300)
	mdir := t.TempDir()
	m, err := Open(Config{Origin: o.url, Dir: mdir, Verifier: verifier(t, o, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	fdir := t.TempDir()
	key, _ := os.ReadFile(filepath.Join(dir, "log.key"))
	os.WriteFile(filepath.Join(fdir, "log.key"), key, 0o600)
	f := startOrigin(t, fdir, "b")
	f.grow(t, 10)
	m2, err := Open(Config{Origin: f.url, Dir: mdir, Verifier: verifier(t, o, nil)})
	if err != nil {
		t.Fatal(err)
	}
	if err := m2.Sync(context.Background()); !errors.Is(err, errFork) {
		t.Fatalf("sync to a smaller forked tree: %v; want a fork", err)
	}
	forks := m2.Forks()
	if len(forks) != 1 || forks[0].HeldSize != size || forks[0].SeenSize != 10 || m2.Held().Size != size {
		t.Fatalf("forks %+v, held %d", forks, m2.Held().Size)
	}
	if err := m2.Sync(context.Background()); !errors.Is(err, errFork) || len(m2.Forks()) != 1 {
		t.Fatalf("the same fork again: %v, %d records", err, len(m2.Forks()))
	}
	m3, err := Open(Config{Origin: f.url, Dir: mdir, Verifier: verifier(t, o, nil)})
	if err != nil || len(m3.Forks()) != 1 || m3.Forks()[0].SeenSize != 10 {
		t.Fatalf("reopened: %v %+v", err, m3.Forks())
	}
}
