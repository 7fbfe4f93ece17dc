package tlog_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
)

// exampleBundle is a bundle of the example log's one report with its full receipt.
func exampleBundle(t testing.TB) []byte {
	env, err := os.ReadFile("testdata/example/envelope.json")
	if err != nil {
		t.Fatal(err)
	}
	proof, err := os.ReadFile("testdata/example/receipt.tlog-proof")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := json.Marshal(map[string]any{"format": tlog.ReceiptBundleFormat, "receipts": []map[string]string{
		{"election": "mn-2024", "id": "r0000000%d", "envelope": base64.StdEncoding.EncodeToString(env), "proof": string(proof)}}})
	return b
}

func TestParseReceiptBundle(t *testing.T) {
	good := exampleBundle(t)
	rb, err := tlog.ParseReceiptBundle(good)
	if err != nil {
		t.Fatal(err)
	}
	env, _ := os.ReadFile("testdata/example/envelope.json")
	if len(rb.Receipts) != 1 || !bytes.Equal(rb.Receipts[0].Envelope, env) || rb.Receipts[0].ID != "r0000000%d" {
		t.Fatalf("parsed %+v", rb)
	}
	for _, c := range []struct{ name, bundle, want string }{
		{"not JSON", "receipts", "want {"},
		{"unknown field", `{"format":"iltod-receipts/1","receipts":[],"extra":1}`, "unknown field"},
		{"unknown receipt field", `{"format":"iltod-receipts/1","receipts":[{"election":"e","id":"i","envelope":"eA==","proof":"p","seq":1}]}`, "unknown field"},
		{"other format", `{"format":"iltod-receipts/2","receipts":[]}`, "format"},
		{"trailing value", `{"format":"iltod-receipts/1","receipts":[]} {}`, "more than one"},
		{"bad base64", `{"format":"iltod-receipts/1","receipts":[{"election":"e","id":"i","envelope":"!!","proof":"p"}]}`, "want {"},
		{"no id", `{"format":"iltod-receipts/1","receipts":[{"election":"e","id":"i","envelope":"eA==","proof":"p"},{"election":"e","envelope":"eA==","proof":"p"}]}`, "receipt 2: the id"},
		{"no proof", `{"format":"iltod-receipts/1","receipts":[{"election":"e","id":"i","envelope":"eA=="}]}`, "receipt 1: the proof"},
		{"no envelope", `{"format":"iltod-receipts/1","receipts":[{"election":"e","id":"i","proof":"p"}]}`, "receipt 1: the envelope"},
		{"too large", `{"format":"iltod-receipts/1","receipts":[]}` + strings.Repeat(" ", tlog.MaxReceiptBundleSize), "at most"},
	} {
		_, err := tlog.ParseReceiptBundle([]byte(c.bundle))
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
	if rb, err := tlog.ParseReceiptBundle([]byte(`{"format":"iltod-receipts/1","receipts":[]}` + "\n")); err != nil || len(rb.Receipts) != 0 {
		t.Errorf("empty bundle: %v, %v", rb, err)
	}
}

func FuzzParseReceiptBundle(f *testing.F) {
	f.Add(exampleBundle(f))
	f.Add([]byte(`{"format":"iltod-receipts/1","receipts":[]}`))
	f.Add([]byte(`{"format":"iltod-receipts/1","receipts":[{"election":"e","id":"i","envelope":"eA==","proof":"p"}]}`))
	f.Add([]byte(`{"format":"iltod-receipts/1","receipts":null}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		rb, err := tlog.ParseReceiptBundle(b)
		if err != nil {
			return
		}
		if rb.Format != tlog.ReceiptBundleFormat {
			t.Fatalf("accepted format %q", rb.Format)
		}
		for _, r := range rb.Receipts {
			if r.Election == "" || r.ID == "" || len(r.Envelope) == 0 || r.Proof == "" {
				t.Fatalf("accepted an incomplete receipt %+v", r)
			}
		}
		// What parses re-encodes to a bundle that parses to the same.
		out, err := json.Marshal(rb)
		if err != nil {
			t.Fatal(err)
		}
		again, err := tlog.ParseReceiptBundle(out)
		if err != nil || len(again.Receipts) != len(rb.Receipts) {
			t.Fatalf("re-encoded bundle: %v", err)
		}
	})
}

// TestVerifyBundled checks what VerifyBundled adds to VerifyEnvelope: the device's
// signature, and that the report and its leaf are the ones the bundle names.
func TestVerifyBundled(t *testing.T) {
	tl := newTestLog(t, "")
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	signed := func(id string) []byte {
		env, err := iltod.SignReport(iltod.Report{ID: id, Election: "mn-2024", Station: "S1", Form: "opening", FormVersion: 1,
			DeviceTime: "2024-06-28T07:00:00+08:00", Answers: map[string]iltod.Value{}}, priv)
		if err != nil {
			t.Fatal(err)
		}
		return env.Bytes()
	}
	good := signed("r-1")
	// r-2's envelope with r-1's signature: well formed, but not signed by the device.
	e1, _ := iltod.ParseEnvelope(good)
	e2, _ := iltod.ParseEnvelope(signed("r-2"))
	forged := (&iltod.Envelope{Payload: e2.Payload, Key: e2.Key, Sig: e1.Sig}).Bytes()
	other := signed("r-3")
	seqs := []uint64{tl.report("mn-2024", good), tl.report("mn-2024", forged), tl.report("mn-2020", other)}
	v := mustVerifier(t, tl.vkey, nil)
	proof := func(i int) string { return string(tl.receipt(seqs[i])) }

	res, err := v.VerifyBundled(tlog.BundledReceipt{Election: "mn-2024", ID: "r-1", Envelope: good, Proof: proof(0)})
	if err != nil || !res.Included || res.Index != seqs[0]-1 {
		t.Fatalf("a good receipt: %+v, %v", res, err)
	}
	for _, c := range []struct {
		name string
		r    tlog.BundledReceipt
		want tlog.Failure
	}{
		{"forged signature the log holds", tlog.BundledReceipt{Election: "mn-2024", ID: "r-2", Envelope: forged, Proof: proof(1)}, tlog.FailSignature},
		{"another id", tlog.BundledReceipt{Election: "mn-2024", ID: "r-9", Envelope: good, Proof: proof(0)}, tlog.FailLeaf},
		{"another election", tlog.BundledReceipt{Election: "mn-2028", ID: "r-1", Envelope: good, Proof: proof(0)}, tlog.FailLeaf},
		{"leaf of another election", tlog.BundledReceipt{Election: "mn-2024", ID: "r-3", Envelope: other, Proof: proof(2)}, tlog.FailLeaf},
		{"another report's proof", tlog.BundledReceipt{Election: "mn-2024", ID: "r-1", Envelope: good, Proof: proof(1)}, tlog.FailLeaf},
	} {
		_, err := v.VerifyBundled(c.r)
		if got := failure(err); got != c.want {
			t.Errorf("%s: failure %q (%v), want %q", c.name, got, err, c.want)
		}
	}
}
