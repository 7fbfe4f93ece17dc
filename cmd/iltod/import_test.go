package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestImportOfficial runs `iltod import` on the documented example: bad files are refused
// with their problems located by line and column and change nothing; good ones become
// releases 1 and 2, the first kept; then the analysis commands read them.
func TestImportOfficial(t *testing.T) {
	dir := t.TempDir()
	data := []string{"-data", filepath.Join(dir, "data")}
	if code, _, stderr := iltodCmd(t, append([]string{"load"}, append(data, "../../docs/example")...)...); code != 0 {
		t.Fatalf("load: %s", stderr)
	}
	write := func(name, body string) string {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	imp := func(file string, extra ...string) (int, string, string) {
		args := append([]string{"import"}, data...)
		args = append(args, "-election", "example-2024", "-file", file, "-source", "test commission", "-published", "2024-06-29")
		return iltodCmd(t, append(args, extra...)...)
	}
	releases := func() string {
		code, out, stderr := iltodCmd(t, append([]string{"compare"}, append(data, "-election", "example-2024", "-json")...)...)
		if code != 0 {
			return stderr
		}
		return out
	}

	bad := map[string]struct{ body, want string }{
		"missing column": {"station,contest,choice\nUB-001,C1,C1-1\n", "votes"},
		"negative":       {"station,contest,choice,votes\nUB-001,C1,C1-1,-5\n", "bad.csv:2"},
		"not a number":   {"station,contest,choice,votes\nUB-001,C1,C1-1,many\n", "bad.csv:2"},
		"unknown station": {"station,contest,choice,votes\nUB-001,C1,C1-1,5\nXX-999,C1,C1-1,5\n",
			"bad.csv:3"},
		"unknown choice": {"station,contest,choice,votes\nUB-001,C1,C9-9,5\n", "bad.csv:2"},
		"outside the contest": {"station,contest,choice,votes\nDA-001,C1,C1-1,5\n",
			"bad.csv:2"},
	}
	for name, c := range bad {
		code, stdout, stderr := imp(write("bad.csv", c.body))
		if code != 1 || stdout != "" || !strings.Contains(stderr, c.want) || !strings.Contains(stderr, "nothing imported") {
			t.Errorf("%s: exit %d, stdout %q, stderr %q; want exit 1 naming %q", name, code, stdout, stderr, c.want)
		}
	}
	if out := releases(); !strings.Contains(out, "no official results") {
		t.Fatalf("a refused file left a release: %s", out)
	}

	good := "station,contest,choice,votes\nUB-001,C1,C1-1,300\nUB-001,C1,C1-2,200\nUB-001,C1,valid,500\n"
	for v := 1; v <= 2; v++ {
		code, stdout, stderr := imp(write("good.csv", good), "-note", "release")
		if code != 0 || !strings.Contains(stdout, "imported official release "+string(rune('0'+v))) {
			t.Fatalf("import %d: exit %d: %s%s", v, code, stdout, stderr)
		}
	}
	code, out, stderr := iltodCmd(t, append([]string{"seats"}, append(data, "-election", "example-2024")...)...)
	if code != 0 {
		t.Fatalf("seats: %s", stderr)
	}
	// Only C1 has official results: the body cannot be allocated from them, and says why.
	if !strings.Contains(out, "no seats: contest C2 has no official results") {
		t.Errorf("seats table: %s", out)
	}
	if code, _, stderr := iltodCmd(t, append([]string{"pvt"}, append(data, "-election", "example-2024")...)...); code != 0 {
		t.Fatalf("pvt without a sample: %s", stderr)
	}
	if code, _, _ := iltodCmd(t, append([]string{"sample"}, append(data, "-election", "example-2024", "-size", "3")...)...); code != 2 {
		t.Errorf("sample without a seed: exit %d, want 2", code)
	}
	code, out, stderr = iltodCmd(t, append([]string{"sample"}, append(data, "-election", "example-2024", "-size", "3", "-seed", "7", "-by", "none", "-csv")...)...)
	if code != 0 || strings.Count(out, ",sample") != 3 {
		t.Fatalf("sample: exit %d: %s%s", code, out, stderr)
	}
}
