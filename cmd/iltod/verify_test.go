package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
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
