package ledger

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/witnesstest"
	"github.com/iltod/iltod/tlog"
	"golang.org/x/mod/sumdb/note"
)

// writeKey creates a log key file for origin, as Open would on first start.
func writeKey(t *testing.T, path, origin string) string {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(skey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return vkey
}

// TestWitness runs the log against a real, independent witness (litewitness): every
// published checkpoint carries its cosignature, receipts verify under a policy with
// quorum 1, and a rewritten log — the same key and origin, other entries — is refused,
// so its checkpoint is never published.
func TestWitness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs litewitness")
	}
	w := witnesstest.Start(t, "witness.test/w1")
	dirA := t.TempDir()
	cfgA := testConfig(t, dirA)
	vkey := writeKey(t, cfgA.KeyFile, testOrigin)
	w.AddLog(t, testOrigin, vkey)
	policy := fmt.Appendf(nil, "# test policy\nlog %s\nwitness w1 %s %s\nquorum w1\n", vkey, w.VKey, w.URL)
	cfgA.Policy = policy

	evA := newMemEvents()
	a := openLedger(t, cfgA, evA)

	// The rewritten log: a copy of the key, another directory, other entries. It opens
	// while the witness has seen only the empty tree, which both logs share.
	dirB := t.TempDir()
	cfgB := testConfig(t, dirB)
	key, _ := os.ReadFile(cfgA.KeyFile)
	if err := os.WriteFile(cfgB.KeyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	cfgB.Policy = policy
	cfgB.ShutdownTimeout = 300 * time.Millisecond
	evB := newMemEvents()
	b := openLedger(t, cfgB, evB)

	pol, err := tlog.ParsePolicy(policy)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier(vkey, pol)
	if err != nil {
		t.Fatal(err)
	}
	vNoPolicy, _ := tlog.NewVerifier(vkey, nil)

	// Watch every checkpoint the honest log publishes while the test runs: each must
	// carry the witness's cosignature.
	ctx := testCtx(t, 30*time.Second)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan []string)
	go func() {
		var bad []string
		seen := map[string]bool{}
		for watchCtx.Err() == nil {
			if cp, err := os.ReadFile(filepath.Join(cfgA.Dir, "checkpoint")); err == nil && !seen[string(cp)] {
				seen[string(cp)] = true
				if _, err := v.VerifyCheckpoint(cp); err != nil {
					bad = append(bad, fmt.Sprintf("%v\n%s", err, cp))
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		watched <- append(bad, fmt.Sprintf("%d checkpoints seen", len(seen)))
	}()
	for i := 1; i <= 6; i++ {
		evA.addReport("mn-2024", envelope(i))
	}
	a.Notify()
	receipt, err := a.AwaitProof(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.VerifyEnvelope(envelope(6), receipt)
	if err != nil {
		t.Fatalf("receipt under the policy: %v\n%s", err, receipt)
	}
	if len(got.Checkpoint.Cosigners) != 1 || got.Checkpoint.Cosigners[0] != "w1" {
		t.Errorf("cosigners %v, want [w1]", got.Checkpoint.Cosigners)
	}
	if n := w.TreeSize(t, testOrigin); n < 6 {
		t.Errorf("the witness has cosigned size %d, want at least 6", n)
	}
	// Without the cosignature the receipt fails the policy.
	stripped := stripSignature(receipt, "witness.test/w1")
	if _, err := v.VerifyReceipt(stripped); !isFailure(err, tlog.FailQuorum) {
		t.Errorf("receipt without the cosignature: %v, want a quorum failure", err)
	}
	if _, err := vNoPolicy.VerifyReceipt(stripped); err != nil {
		t.Errorf("receipt without the cosignature, no policy: %v", err)
	}

	// The rewritten log grows past what the witness saw and asks it to cosign: the
	// consistency proof from its tiles cannot hold, the witness refuses (422), and the
	// checkpoint is never published.
	for i := 1; i <= 9; i++ {
		evB.addReport("mn-2024", []byte(fmt.Sprintf("forged envelope %d", i)))
	}
	b.Notify()
	waitMarked(t, evB, 9)
	for i := 7; i <= 8; i++ {
		evA.addReport("mn-2024", envelope(i))
	}
	a.Notify()
	if _, err := a.AwaitProof(ctx, 7); err != nil {
		t.Fatalf("the honest log after the rewrite attempt: %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // several publication rounds of B
	if _, err := b.Proof(ctx, 0); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Fatalf("the rewritten log gave a receipt: %v", err)
	}
	cpB, err := b.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.VerifyCheckpoint(cpB); err != nil || c.Size != 0 {
		t.Fatalf("the rewritten log published %q (%v); want only its empty, cosigned checkpoint", cpB, err)
	}
	if n := w.TreeSize(t, testOrigin); n != 8 {
		t.Errorf("the witness holds size %d, want the honest log's 8", n)
	}
	if err := b.Close(); err == nil {
		t.Error("closing the rewritten log reported no unpublished entries")
	}

	// Every checkpoint the honest log publishes carries the cosignature.
	cpA, err := a.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.VerifyCheckpoint(cpA); err != nil || c.Size != 8 {
		t.Fatalf("honest checkpoint %q: %v", cpA, err)
	}
	stopWatch()
	res := <-watched
	for _, b := range res[:len(res)-1] {
		t.Errorf("a published checkpoint fails the policy: %s", b)
	}
	t.Log(res[len(res)-1], "on the honest log, all cosigned")
}

func stripSignature(b []byte, name string) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("— "+name+" ")) {
			continue
		}
		out = append(out, line...)
	}
	return out
}

func isFailure(err error, f tlog.Failure) bool {
	var e *tlog.Error
	return errors.As(err, &e) && e.Failure == f
}
