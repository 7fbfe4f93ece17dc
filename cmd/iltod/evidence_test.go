package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvidenceCLIRoundTrip(t *testing.T) {
	dir := t.TempDir()
	id := filepath.Join(dir, "reviewer.key")
	code, stdout, stderr := iltodCmd(t, "evidence", "keygen", "-out", id)
	if code != 0 {
		t.Fatalf("keygen: %d %s", code, stderr)
	}
	recipient := strings.TrimSpace(stdout)
	if !strings.HasPrefix(recipient, "age1") || strings.Contains(stdout, "AGE-SECRET-KEY") {
		t.Fatalf("keygen printed %q", stdout)
	}
	fi, err := os.Stat(id)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o600 {
		t.Errorf("identity file mode %v", fi.Mode().Perm())
	}
	key, _ := os.ReadFile(id)
	if !strings.Contains(string(key), "AGE-SECRET-KEY-1") || !strings.Contains(string(key), recipient) {
		t.Errorf("identity file:\n%s", key)
	}
	// keygen never overwrites an identity.
	if code, _, _ := iltodCmd(t, "evidence", "keygen", "-out", id); code != 1 {
		t.Errorf("keygen over an existing file: exit %d", code)
	}
	if after, _ := os.ReadFile(id); !bytes.Equal(after, key) {
		t.Error("keygen changed an existing identity file")
	}

	recipients := filepath.Join(dir, "recipients.txt")
	os.WriteFile(recipients, []byte("# reviewers\n"+recipient+"\n"), 0o644)
	const marker = "WITNESS-Dorj-88110022"
	plain := filepath.Join(dir, "statement.pdf")
	os.WriteFile(plain, []byte("%PDF-1.4\n"+marker+"\n"), 0o644)
	sealed := filepath.Join(dir, "statement.age")
	code, stdout, stderr = iltodCmd(t, "evidence", "seal", "-recipients", recipients, "-in", plain, "-out", sealed)
	if code != 0 {
		t.Fatalf("seal: %d %s", code, stderr)
	}
	if !strings.Contains(stdout, "application/pdf") {
		t.Errorf("seal printed %q", stdout)
	}
	ct, _ := os.ReadFile(sealed)
	if len(ct) == 0 || bytes.Contains(ct, []byte(marker)) {
		t.Fatal("the sealed file is empty or holds the plaintext")
	}
	out := filepath.Join(dir, "opened.pdf")
	code, stdout, stderr = iltodCmd(t, "evidence", "decrypt", "-identity", id, "-in", sealed, "-out", out)
	if code != 0 {
		t.Fatalf("decrypt: %d %s", code, stderr)
	}
	if got, _ := os.ReadFile(out); !bytes.Equal(got, []byte("%PDF-1.4\n"+marker+"\n")) {
		t.Errorf("decrypted %q", got)
	}
	if !strings.Contains(stdout, "opened application/pdf") {
		t.Errorf("decrypt printed %q", stdout)
	}

	// Another identity cannot open it, and nothing is written.
	other := filepath.Join(dir, "other.key")
	if code, _, stderr := iltodCmd(t, "evidence", "keygen", "-out", other); code != 0 {
		t.Fatal(stderr)
	}
	out2 := filepath.Join(dir, "opened2.pdf")
	code, _, stderr = iltodCmd(t, "evidence", "decrypt", "-identity", other, "-in", sealed, "-out", out2)
	if code != 1 || !strings.Contains(stderr, "none of the identities given can open this evidence") {
		t.Errorf("decrypt with another identity: %d %s", code, stderr)
	}
	if _, err := os.Stat(out2); err == nil {
		t.Error("a failed decrypt wrote a file")
	}
	// In Mongolian.
	code, _, stderr = iltodCmd(t, "evidence", "decrypt", "-lang", "mn", "-identity", other, "-in", sealed, "-out", out2)
	if code != 1 || !strings.Contains(stderr, "таних түлхүүрүүдийн аль нь ч") {
		t.Errorf("decrypt in Mongolian: %d %s", code, stderr)
	}
	// A recipients file with a bad line.
	os.WriteFile(recipients, []byte(recipient+"\nnot-a-key\n"), 0o644)
	code, _, stderr = iltodCmd(t, "evidence", "seal", "-recipients", recipients, "-in", plain, "-out", filepath.Join(dir, "x.age"))
	if code != 1 || !strings.Contains(stderr, "line 2 is not an age recipient") {
		t.Errorf("seal with a bad recipient: %d %s", code, stderr)
	}
}

func TestEvidenceCLIUsage(t *testing.T) {
	for _, args := range [][]string{
		{"evidence"},
		{"evidence", "frobnicate"},
		{"evidence", "keygen"},
		{"evidence", "seal", "-in", "x"},
		{"evidence", "decrypt", "-out", "x", "extra"},
	} {
		if code, _, stderr := iltodCmd(t, args...); code != 2 || stderr == "" {
			t.Errorf("%q: exit %d, %q", args, code, stderr)
		}
	}
	code, _, stderr := iltodCmd(t, "evidence", "seal", "-h")
	if code != 0 || !strings.Contains(stderr, "file of age recipients") {
		t.Errorf("seal -h: %d %s", code, stderr)
	}
}
