package tlog_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"os"
	"strings"
	"testing"

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
