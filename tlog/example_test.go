package tlog_test

import (
	"context"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/iltod/iltod/tlog"
)

var update = flag.Bool("update", false, "rewrite the example log in testdata/example")

// TestUpdateExample writes testdata/example from a real log: its verifier key, one
// report's envelope with its promise and full receipt, and a dataset. Run with -update.
func TestUpdateExample(t *testing.T) {
	if !*update {
		t.Skip("run with -update to rewrite testdata/example")
	}
	dir := filepath.Join("testdata", "example")
	os.RemoveAll(dir)
	tl := newTestLog(t, "")
	var envs []tlog.DatasetEnvelope
	for i := 1; i <= 3; i++ {
		env := []byte(fmt.Sprintf(`{"key":"IhHJ6kFXgYuLz7qR2VdHqV0R1ULGGMqWbXh4Oc8XBAc=","payload":"eyJpZCI6InIwMDAwMDAwJWQifQ==","sig":"c2lnbmF0dXJlICVk%d"}`, i))
		seq := tl.report("mn-2024", env)
		envs = append(envs, tlog.DatasetEnvelope{Seq: seq, Envelope: env})
	}
	tl.staff("mn-2024")
	cpOfSize(t, tl, 4)
	files := map[string][]byte{
		"log.vkey":           []byte(tl.vkey + "\n"),
		"envelope.json":      envs[1].Envelope,
		"promise.txt":        tl.promise(2),
		"receipt.tlog-proof": tl.receipt(2),
	}
	os.MkdirAll(dir, 0o755)
	for name, b := range files {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := tlog.WriteDataset(context.Background(), filepath.Join(dir, "dataset"),
		tlog.DatasetSource{LogDir: tl.dir, VKey: tl.vkey, Elections: []string{"mn-2024"}}, envs); err != nil {
		t.Fatal(err)
	}
}

func ExampleVerifier_VerifyEnvelope() {
	vkey, _ := os.ReadFile("testdata/example/log.vkey")
	envelope, _ := os.ReadFile("testdata/example/envelope.json")
	receipt, _ := os.ReadFile("testdata/example/receipt.tlog-proof")

	v, err := tlog.NewVerifier(string(vkey), nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	got, err := v.VerifyEnvelope(envelope, receipt)
	if err != nil {
		// An *tlog.Error: its Report() shows the evidence.
		fmt.Println("FAILED:", err)
		return
	}
	fmt.Printf("report %d of election %s is leaf %d of the log %s at size %d\n",
		got.Leaf.Seq, got.Leaf.Election, got.Index, got.Checkpoint.Origin, got.Checkpoint.Size)

	envelope[0] = '['
	_, err = v.VerifyEnvelope(envelope, receipt)
	fmt.Println(err.(*tlog.Error).Failure)
	// Output:
	// report 2 of election mn-2024 is leaf 1 of the log test.iltod.example/log at size 4
	// leaf
}

func ExampleVerifier_VerifyReceipt() {
	vkey, _ := os.ReadFile("testdata/example/log.vkey")
	promise, _ := os.ReadFile("testdata/example/promise.txt")

	v, _ := tlog.NewVerifier(string(vkey), nil)
	got, err := v.VerifyReceipt(promise)
	if err != nil {
		fmt.Println("FAILED:", err)
		return
	}
	fmt.Printf("promised: leaf %d (report %d), received %s, included yet: %v\n",
		got.Index, got.Leaf.Seq, got.Promise.Received.Format("2006-01-02 15:04:05"), got.Included)
	// Output:
	// promised: leaf 1 (report 2), received 2024-06-28 14:00:01, included yet: false
}

func ExampleVerifyDataset() {
	sum, err := tlog.VerifyDataset(context.Background(), "testdata/example/dataset")
	if err != nil {
		fmt.Println("FAILED:", err)
		return
	}
	fmt.Printf("%d leaves, %d reports of %v, %d envelopes: all match the log\n",
		sum.Leaves, sum.Reports, sum.Elections, sum.Envelopes)
	// Output:
	// 4 leaves, 3 reports of [mn-2024], 3 envelopes: all match the log
}

func ExampleParseLeaf() {
	l, err := tlog.ParseLeaf([]byte(`{"e":"mn-2024","h":"3d4f2bf07dc1be38b20cd6e46949a1071f9d0e3d2b1f0e2c3d4e5f60718293a4","n":17,"t":"report"}`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(l.Election, l.Seq, l.Kind)
	// Output:
	// mn-2024 17 report
}

func ExampleParsePolicy() {
	p, err := tlog.ParsePolicy([]byte(`# two partners; either may cosign
witness partner-a partner-a.example/witness+b78265bb+BBi9l8kXZPNhJtVciYWf9mw96+QzDF8xLbW5n6wpWtk/ https://partner-a.example/witness
witness partner-b partner-b.example/witness+171e8f96+BAWft898Tm/sKIUzBQiEuTrEEmTUpFzmb+VI0d73OOxy https://partner-b.example/witness
group partners any partner-a partner-b
quorum partners
`))
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(p.Satisfied([]string{"partner-b"}), p.Satisfied(nil))
	// Output:
	// true false
}
