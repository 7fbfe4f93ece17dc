package tlog_test

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
	"golang.org/x/mod/sumdb/note"
)

// batchKeys returns a signer and a verifier of a fresh log key for origin.
func batchKeys(t testing.TB) (note.Signer, *tlog.Verifier) {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	s, err := note.NewSigner(skey)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier(vkey, nil)
	if err != nil {
		t.Fatal(err)
	}
	return s, v
}

func batchPromises(t testing.TB, s note.Signer, n int) ([]tlog.Promise, [][]byte) {
	t.Helper()
	ps := make([]tlog.Promise, n)
	for i := range ps {
		ev := iltod.Event{Seq: uint64(100 + i), Election: "mn-2024", Kind: iltod.EventReport,
			Hash: sha256.Sum256(fmt.Appendf(nil, "envelope %d", i)), Time: time.Date(2024, 6, 28, 14, 0, i, 0, time.UTC)}
		ps[i] = tlog.NewPromise(origin, ev)
	}
	signed, err := tlog.SignPromises(ps, s)
	if err != nil {
		t.Fatal(err)
	}
	return ps, signed
}

// TestBatchPromises signs batches of every size up to 33 and some larger ones with one
// signature each, and checks that every promise verifies as the promise of its own
// leaf, and as the same receipt a version 1 promise gives.
func TestBatchPromises(t *testing.T) {
	s, v := batchKeys(t)
	for _, n := range append([]int{64, 100, 1000}, func() (ns []int) {
		for n := 1; n <= 33; n++ {
			ns = append(ns, n)
		}
		return
	}()...) {
		ps, signed := batchPromises(t, s, n)
		if len(signed) != n {
			t.Fatalf("n=%d: %d promises", n, len(signed))
		}
		for i, b := range signed {
			got, err := v.VerifyPromise(b)
			if err != nil {
				t.Fatalf("n=%d, promise %d: %v\n%s", n, i, err, b)
			}
			if got.Seq != ps[i].Seq || !bytes.Equal(got.Leaf, ps[i].Leaf) || !got.Received.Equal(ps[i].Received) || got.Origin != origin {
				t.Fatalf("n=%d, promise %d = %+v, want %+v", n, i, got, ps[i])
			}
			res, err := v.VerifyReceipt(b)
			if err != nil || res.Included || res.Index != ps[i].Seq-1 || res.Promise == nil {
				t.Fatalf("n=%d, VerifyReceipt(promise %d) = %+v, %v", n, i, res, err)
			}
			bp, err := tlog.ParseBatchPromise(b)
			if err != nil || bp.Index != uint64(i) || bp.Size != uint64(n) {
				t.Fatalf("n=%d, ParseBatchPromise(%d) = %+v, %v", n, i, bp, err)
			}
			if i > 0 && !bytes.Equal(bp.Note, mustParse(t, signed[0]).Note) {
				t.Fatalf("n=%d: promise %d has another batch note than promise 0", n, i)
			}
		}
	}
	if got := bytes.Count(signedNote(t, s), []byte("\n— ")); got != 1 {
		t.Errorf("a batch note has %d signatures, want 1", got)
	}
}

func signedNote(t *testing.T, s note.Signer) []byte {
	_, signed := batchPromises(t, s, 5)
	return mustParse(t, signed[3]).Note
}

func mustParse(t testing.TB, b []byte) *tlog.BatchPromise {
	t.Helper()
	bp, err := tlog.ParseBatchPromise(b)
	if err != nil {
		t.Fatal(err)
	}
	return bp
}

// TestBatchPromiseTampered alters a batch promise in each of its parts and checks that
// each alteration fails with the right failure, while the original verifies.
func TestBatchPromiseTampered(t *testing.T) {
	s, v := batchKeys(t)
	other, _ := batchKeys(t)
	_, signed := batchPromises(t, s, 13)
	_, foreign := batchPromises(t, other, 13)
	b := signed[6]
	bp := mustParse(t, b)
	swapProof := mustParse(t, b)
	swapProof.Proof[0], swapProof.Proof[1] = swapProof.Proof[1], swapProof.Proof[0]
	otherIndex := mustParse(t, signed[7])
	otherIndex.Promise = bp.Promise // promise 6's statement at promise 7's place
	otherNote := mustParse(t, b)
	otherNote.Note = mustParse(t, foreign[6]).Note
	for _, c := range []struct {
		name string
		b    []byte
		want tlog.Failure
	}{
		{"received altered", bytes.Replace(b, []byte("received 2024-06-28T14:00:06Z"), []byte("received 2024-06-28T14:00:07Z"), 1), tlog.FailInclusion},
		{"proof hashes swapped", swapProof.Marshal(), tlog.FailInclusion},
		{"statement moved to another index", otherIndex.Marshal(), tlog.FailInclusion},
		{"batch note of another key", otherNote.Marshal(), tlog.FailSignature},
		{"promise of another key", foreign[6], tlog.FailSignature},
		{"size altered", bytes.Replace(b, []byte("batch 6 13\n"), []byte("batch 6 14\n"), 1), tlog.FailMalformed},
		{"proof hash dropped", bytes.Replace(b, []byte(fmt.Sprintf("%s\n\n", b64(bp.Proof[len(bp.Proof)-1]))), []byte("\n"), 1), tlog.FailMalformed},
		{"not canonical", bytes.Replace(b, []byte("batch 6 13"), []byte("batch 06 13"), 1), tlog.FailMalformed},
	} {
		_, err := v.VerifyPromise(c.b)
		var te *tlog.Error
		if !errors.As(err, &te) || te.Failure != c.want {
			t.Errorf("%s: err = %v, want failure %q", c.name, err, c.want)
		}
	}
	if _, err := v.VerifyPromise(b); err != nil {
		t.Fatalf("the original: %v", err)
	}
}

func b64(h [32]byte) string { return base64.StdEncoding.EncodeToString(h[:]) }

func FuzzParseBatchPromise(f *testing.F) {
	s, _ := batchKeys(f)
	_, signed := batchPromises(f, s, 5)
	for _, b := range signed {
		f.Add(b)
	}
	f.Add([]byte("iltod receipt promise v2\n\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		bp, err := tlog.ParseBatchPromise(b)
		if err != nil {
			return
		}
		if out := bp.Marshal(); !bytes.Equal(out, b) {
			t.Fatalf("ParseBatchPromise(%q).Marshal() = %q", b, out)
		}
		if bp.Index >= bp.Size {
			t.Fatalf("index %d of %d", bp.Index, bp.Size)
		}
	})
}
