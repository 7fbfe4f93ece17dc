package tlog_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/internal/ledger/ledgertest"
	"github.com/iltod/iltod/tlog"
	f_note "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

const origin = "test.iltod.example/log"

// events is the ledger's in-memory event source, with events made from content.
type events struct{ ledgertest.Events }

// add appends an event whose hash is that of content, a second after the one before.
func (e *events) add(election string, kind iltod.EventKind, content []byte) iltod.Event {
	n, _ := e.LastSeq(context.Background())
	return e.Append(iltod.Event{Election: election, Kind: kind,
		Hash: sha256.Sum256(content), Time: time.Date(2024, 6, 28, 14, 0, int(n), 0, time.UTC)})
}

// testLog is a real log (internal/ledger on Tessera) in a temporary directory.
type testLog struct {
	t    *testing.T
	dir  string
	l    *ledger.Ledger
	ev   *events
	vkey string
	envs map[uint64][]byte
}

func newTestLog(t *testing.T, keyFile string) *testLog {
	t.Helper()
	dir := t.TempDir()
	if keyFile == "" {
		keyFile = filepath.Join(dir, "log.key")
	}
	tl := &testLog{t: t, dir: filepath.Join(dir, "log"), ev: &events{}, envs: map[uint64][]byte{}}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	l, err := ledger.Open(ctx, ledger.Config{
		Dir: tl.dir, KeyFile: keyFile, Origin: origin,
		CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond, PollInterval: 10 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, tl.ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	tl.l, tl.vkey = l, l.VerifierKey()
	return tl
}

func envelopeBytes(i int) []byte {
	return fmt.Appendf(nil, `{"key":"a2V5","payload":"cmVwb3J0IDxd","sig":"c2lnIDxd%d"}`, i)
}

// report adds an accepted report and returns its seq.
func (tl *testLog) report(election string, env []byte) uint64 {
	ev := tl.ev.add(election, iltod.EventReport, env)
	tl.envs[ev.Seq] = env
	tl.l.Notify()
	return ev.Seq
}

func (tl *testLog) staff(election string) uint64 {
	ev := tl.ev.add(election, iltod.EventStaff, []byte("staff action"))
	tl.l.Notify()
	return ev.Seq
}

// receipt waits for and returns the full receipt of seq.
func (tl *testLog) receipt(seq uint64) []byte {
	tl.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	r, err := tl.l.AwaitProof(ctx, seq-1)
	if err != nil {
		tl.t.Fatal(err)
	}
	return r
}

func (tl *testLog) promise(seq uint64) []byte {
	tl.t.Helper()
	ev := tl.ev.All()[seq-1]
	p, err := tl.l.Promise(ev)
	if err != nil {
		tl.t.Fatal(err)
	}
	return p
}

func (tl *testLog) checkpoint() []byte {
	tl.t.Helper()
	cp, err := tl.l.Checkpoint(context.Background())
	if err != nil {
		tl.t.Fatal(err)
	}
	return cp
}

// cosigner is a witness key for tests: a tlog-cosignature/v1 signer.
type cosigner struct {
	name string
	s    note.Signer
	vkey string
}

func newCosigner(t *testing.T, name string) cosigner {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, name)
	if err != nil {
		t.Fatal(err)
	}
	s, err := f_note.NewSignerForCosignatureV1(skey)
	if err != nil {
		t.Fatal(err)
	}
	cvkey, err := f_note.VKeyToCosignatureV1(vkey)
	if err != nil {
		t.Fatal(err)
	}
	return cosigner{name: name, s: s, vkey: cvkey}
}

// cosign adds the cosigners' signatures to the signed note msg.
func cosign(t *testing.T, msg []byte, vkey string, cs ...cosigner) []byte {
	t.Helper()
	v, err := note.NewVerifier(vkey)
	if err != nil {
		t.Fatal(err)
	}
	n, err := note.Open(msg, note.VerifierList(v))
	if err != nil {
		t.Fatal(err)
	}
	var signers []note.Signer
	for _, c := range cs {
		signers = append(signers, c.s)
	}
	out, err := note.Sign(n, signers...)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func mustVerifier(t *testing.T, vkey string, policy []byte) *tlog.Verifier {
	t.Helper()
	var p *tlog.Policy
	if policy != nil {
		var err error
		if p, err = tlog.ParsePolicy(policy); err != nil {
			t.Fatal(err)
		}
	}
	v, err := tlog.NewVerifier(vkey, p)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

var _ = os.ReadFile
