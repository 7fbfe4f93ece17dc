package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/electionpkg"
)

const exampleLog = "../../tlog/testdata/example"

func TestVerify(t *testing.T) {
	ex := func(name string) string { return filepath.Join(exampleLog, name) }
	tmp := t.TempDir()
	env, err := os.ReadFile(ex("envelope.json"))
	if err != nil {
		t.Fatal(err)
	}
	altered := filepath.Join(tmp, "altered.json")
	os.WriteFile(altered, bytes.Replace(env, []byte("key"), []byte("kex"), 1), 0o644)
	promise, _ := os.ReadFile(ex("promise.txt"))
	jsonReceipt := filepath.Join(tmp, "receipt.json")
	os.WriteFile(jsonReceipt, []byte(`{"receipt":{"seq":2,"promise":`+quoteJSON(string(promise))+`}}`), 0o644)
	cp, _ := os.ReadFile(ex("dataset/checkpoint"))
	cpFile := filepath.Join(tmp, "checkpoint")
	os.WriteFile(cpFile, cp, 0o644)
	brokenDataset := filepath.Join(tmp, "dataset")
	if err := os.CopyFS(brokenDataset, os.DirFS(ex("dataset"))); err != nil {
		t.Fatal(err)
	}
	lines, _ := os.ReadFile(filepath.Join(brokenDataset, "envelopes.jsonl"))
	first, rest, _ := bytes.Cut(lines, []byte("\n"))
	_ = first
	os.WriteFile(filepath.Join(brokenDataset, "envelopes.jsonl"), rest, 0o644)

	for _, c := range []struct {
		args []string
		code int
		want []string
	}{
		{[]string{"verify", "receipt", "-vkey", ex("log.vkey"), ex("receipt.tlog-proof")}, 0,
			[]string{"OK: report event 2 of election mn-2024", "leaf 1 of the log test.iltod.example/log", "size 4"}},
		{[]string{"verify", "receipt", "-vkey", ex("log.vkey"), ex("promise.txt")}, 0, []string{"OK: the log test.iltod.example/log promised"}},
		{[]string{"verify", "receipt", "-vkey", ex("log.vkey"), jsonReceipt}, 0, []string{"OK: the log test.iltod.example/log promised"}},
		{[]string{"verify", "envelope", "-vkey", ex("log.vkey"), ex("envelope.json"), ex("receipt.tlog-proof")}, 0, []string{"OK: the envelope (SHA-256"}},
		{[]string{"verify", "envelope", "-vkey", ex("log.vkey"), altered, ex("receipt.tlog-proof")}, 1,
			[]string{"FAILED: leaf: the envelope's SHA-256 is", "Evidence:", "--- leaf ---", `"n":2`}},
		{[]string{"verify", "receipt", "-vkey", ex("envelope.json"), ex("receipt.tlog-proof")}, 1, nil},
		{[]string{"verify", "dataset", ex("dataset")}, 0, []string{"OK: dataset", "the 3 envelopes match the 3 reports of election mn-2024"}},
		{[]string{"verify", "dataset", brokenDataset}, 1, []string{"FAILED: dataset: envelope 1 was removed", "--- leaf 1 ---"}},
		{[]string{"verify", "consistency", "-vkey", ex("log.vkey"), "-log", ex("dataset/log"), cpFile, cpFile}, 0, []string{"OK: the log test.iltod.example/log grew from size 4 to size 4"}},
		{[]string{"verify", "receipt", ex("receipt.tlog-proof")}, 2, nil},
		{[]string{"verify", "nothing"}, 2, nil},
	} {
		code, stdout, stderr := iltodCmd(t, c.args...)
		if code != c.code {
			t.Errorf("iltod %s: exit %d, want %d\nstdout: %s\nstderr: %s", strings.Join(c.args, " "), code, c.code, stdout, stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("iltod %s: stdout does not say %q:\n%s", strings.Join(c.args, " "), w, stdout)
			}
		}
	}
}

func quoteJSON(s string) string {
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('"')
	return b.String()
}

// TestVerifyReceiptsBundle checks `iltod verify receipts` on a bundle made as the phone
// makes it, from reports the server accepted and the receipts it served for them: it
// passes; with one envelope tampered with it fails and names that receipt; an empty
// bundle and a malformed one fail too.
func TestVerifyReceiptsBundle(t *testing.T) {
	m := startDemo(t, TLSConfig{})
	ctx := context.Background()
	pkg, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatal(err)
	}
	priv, station, opening, err := enrollDemoPhone(ctx, m, pkg)
	if err != nil {
		t.Fatal(err)
	}
	type receipt struct {
		Election string `json:"election"`
		ID       string `json:"id"`
		Envelope []byte `json:"envelope"`
		Proof    string `json:"proof"`
	}
	var receipts []receipt
	var envs [][]byte
	for k := range 3 {
		rep := iltod.Report{ID: fmt.Sprintf("bundle-test-%d", k), Election: demo.ElectionID, Station: station,
			Form: opening.Code, FormVersion: opening.Version, DeviceTime: fmt.Sprintf("2024-06-28T07:0%d:00+08:00", k), Answers: probeAnswers(opening)}
		env, err := iltod.SignReport(rep, priv)
		if err != nil {
			t.Fatal(err)
		}
		envs = append(envs, env.Bytes())
		receipts = append(receipts, receipt{Election: demo.ElectionID, ID: rep.ID, Envelope: env.Bytes()})
	}
	// One request, one commit: the three promises share one batch signature.
	res, err := m.App.Submit(ctx, envs)
	if err != nil {
		t.Fatal(err)
	}
	promised := slices.Clone(receipts)
	for i, r := range res {
		if r.Err != nil {
			t.Fatalf("submit %s: %v", receipts[i].ID, r.Err)
		}
		if !strings.HasPrefix(r.Receipt.Promise, "iltod receipt promise v2\n") || !strings.Contains(r.Receipt.Promise, fmt.Sprintf("\nbatch %d 3\n", i)) {
			t.Fatalf("promise %d is not at its place in a batch promise of 3:\n%s", i, r.Receipt.Promise)
		}
		promised[i].Proof = r.Receipt.Promise
	}
	deadline := time.Now().Add(20 * time.Second)
	for i := range receipts {
		for {
			resp, err := http.Get(m.URL() + "api/v1/reports/" + receipts[i].ID + "/receipt?election=" + demo.ElectionID)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				receipts[i].Proof = string(b)
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("report %s did not reach the log: %s", receipts[i].ID, resp.Status)
			}
			time.Sleep(50 * time.Millisecond)
		}
	}
	dir := t.TempDir()
	vkey := filepath.Join(m.Config.Store.DataDir, "log.vkey")
	write := func(name string, rs []receipt) string {
		b, err := json.Marshal(map[string]any{"format": "iltod-receipts/1", "receipts": rs})
		if err != nil {
			t.Fatal(err)
		}
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	good := write("good.json", receipts)
	tampered := slices.Clone(receipts)
	tampered[1].Envelope = bytes.Replace(receipts[1].Envelope, []byte(`"sig":"`), []byte(`"sig":"A`), 1)
	tampered[1].Envelope = bytes.Replace(tampered[1].Envelope, []byte(`=="}`), []byte(`="}`), 1)
	relabelled := slices.Clone(receipts)
	relabelled[2].ID = "someone-else"

	for _, c := range []struct {
		name   string
		args   []string
		code   int
		want   []string
		unwant []string
	}{
		{"good", []string{good}, 0, []string{"bundle-test-0  election " + demo.ElectionID + "  leaf", "bundle-test-2", ": ok, included in the checkpoint of size", "OK: all 3 receipts of the bundle match their envelopes"}, []string{"FAILED"}},
		{"tampered", []string{write("tampered.json", tampered)}, 1, []string{"bundle-test-1  election " + demo.ElectionID + "  leaf", "bundle-test-1  election " + demo.ElectionID + "  leaf ", ": FAILED: leaf: the envelope's SHA-256", "FAILED: 1 of 3 receipts do not verify; 2 do", "Evidence for bundle-test-1:"}, []string{"bundle-test-0  election " + demo.ElectionID + "  leaf 0: FAILED"}},
		{"relabelled", []string{write("relabelled.json", relabelled)}, 1, []string{`someone-else  election ` + demo.ElectionID, `the bundle names report "someone-else"`}, nil},
		{"promised", []string{write("promised.json", promised)}, 0, []string{"bundle-test-1  election " + demo.ElectionID + "  leaf", "OK: all 3 receipts of the bundle match their envelopes"}, []string{"FAILED", "included in the checkpoint"}},
		{"promise of another report", []string{write("swapped.json", append(promised[:2:2], receipt{promised[2].Election, promised[2].ID, promised[2].Envelope, promised[0].Proof}))}, 1, []string{"FAILED: 1 of 3 receipts do not verify; 2 do"}, nil},
		{"empty", []string{write("empty.json", nil)}, 1, []string{"FAILED: ", "holds no receipts"}, nil},
	} {
		args := append([]string{"verify", "receipts", "-vkey", vkey}, c.args...)
		code, stdout, stderr := iltodCmd(t, args...)
		if code != c.code {
			t.Errorf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", c.name, code, c.code, stdout, stderr)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(stdout, w) {
				t.Errorf("%s: stdout does not say %q:\n%s", c.name, w, stdout)
			}
		}
		for _, w := range c.unwant {
			if strings.Contains(stdout, w) {
				t.Errorf("%s: stdout says %q:\n%s", c.name, w, stdout)
			}
		}
		if c.name == "tampered" {
			t.Logf("iltod verify receipts on a tampered bundle:\n%s", stdout)
		}
	}
	// The same in Mongolian.
	status, stdout, _ := iltodCmd(t, "verify", "receipts", "-lang", "mn", "-vkey", vkey, good)
	if status != 0 || !strings.Contains(stdout, "ЗӨВ") {
		t.Errorf("in Mongolian: exit %d\n%s", status, stdout)
	}
	// Malformed bundles and a missing argument are refused before anything is verified.
	bad := filepath.Join(dir, "bad.json")
	os.WriteFile(bad, []byte(`{"format":"iltod-receipts/1","receipts":[],"more":1}`), 0o644)
	if code, _, stderr := iltodCmd(t, "verify", "receipts", "-vkey", vkey, bad); code != 1 || !strings.Contains(stderr, "not a receipts bundle") {
		t.Errorf("malformed bundle: exit %d\n%s", code, stderr)
	}
	if code, _, _ := iltodCmd(t, "verify", "receipts", "-vkey", vkey); code != 2 {
		t.Errorf("no bundle: exit %d, want 2", code)
	}
}
