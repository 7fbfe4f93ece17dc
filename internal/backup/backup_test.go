package backup

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"crypto/rand"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"golang.org/x/mod/sumdb/note"
)

func TestValidMember(t *testing.T) {
	for name, want := range map[string]bool{
		"MANIFEST.json": true, "log.vkey": true, "log.key": true, "store/iltod.db": true,
		"log/checkpoint": true, "log/tile/0/x001/234": true, "log/.state/treeState": true,
		"store/postgres/events.copy": true,
		"":                           false, "/etc/passwd": false, "../x": false, "log/../../x": false,
		"log/./x": false, "log//x": false, "store/postgres/a/b.copy": false, "store/postgres/events": false,
		"other": false, "store/other.db": false, `log\x`: false, "log/": false,
	} {
		if got := validMember(name); got != want {
			t.Errorf("validMember(%q) = %v, want %v", name, got, want)
		}
	}
}

func TestVerifierKey(t *testing.T) {
	skey, vkey, err := note.GenerateKey(rand.Reader, "example.org/log")
	if err != nil {
		t.Fatal(err)
	}
	got, err := verifierKey(skey)
	if err != nil || got != vkey {
		t.Fatalf("verifierKey = %q, %v; want %q", got, err, vkey)
	}
	for _, bad := range []string{"", vkey, "PRIVATE+KEY+x+1+AAAA", strings.Replace(skey, "PRIVATE", "PUBLIC", 1)} {
		if _, err := verifierKey(bad); err == nil {
			t.Errorf("verifierKey(%q) succeeded", bad)
		}
	}
}

// backupFile writes a tar.gz of members (name, content), in order.
func backupFile(t testing.TB, members ...[2]string) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(zw)
	for _, m := range members {
		tw.WriteHeader(&tar.Header{Name: m[0], Mode: 0o600, Size: int64(len(m[1])), Typeflag: tar.TypeReg})
		tw.Write([]byte(m[1]))
	}
	tw.Close()
	zw.Close()
	return buf.Bytes()
}

func TestUnpackRefuses(t *testing.T) {
	manifest := func(files map[string]string) string {
		b, _ := json.Marshal(Manifest{Format: Format, Files: files})
		return string(b)
	}
	sum := "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824" // "hello"
	for name, c := range map[string]struct {
		file []byte
		want string
	}{
		"not gzip":         {[]byte("hello"), "not an iltod backup"},
		"no manifest":      {backupFile(t, [2]string{"log.vkey", "hello"}), "no manifest"},
		"traversal":        {backupFile(t, [2]string{"../evil", "hello"}), "unexpected member"},
		"after manifest":   {backupFile(t, [2]string{ManifestName, manifest(nil)}, [2]string{"log.vkey", "x"}), "after the manifest"},
		"twice":            {backupFile(t, [2]string{"log.vkey", "hello"}, [2]string{"log.vkey", "hello"}), "twice"},
		"damaged":          {backupFile(t, [2]string{"log.vkey", "hellO"}, [2]string{ManifestName, manifest(map[string]string{"log.vkey": sum})}), "damaged or missing"},
		"missing":          {backupFile(t, [2]string{ManifestName, manifest(map[string]string{"log.vkey": sum})}), "members, the manifest lists"},
		"another format":   {backupFile(t, [2]string{ManifestName, `{"format":"x"}`}), "format"},
		"manifest no json": {backupFile(t, [2]string{ManifestName, `{`}), "manifest"},
	} {
		in := filepath.Join(t.TempDir(), "b")
		os.WriteFile(in, c.file, 0o600)
		dir := t.TempDir()
		_, err := unpack(in, dir)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: unpack: %v; want an error with %q", name, err, c.want)
		}
	}
	// A good one.
	in := filepath.Join(t.TempDir(), "b")
	os.WriteFile(in, backupFile(t, [2]string{"log.vkey", "hello"}, [2]string{ManifestName, manifest(map[string]string{"log.vkey": sum})}), 0o600)
	if _, err := unpack(in, t.TempDir()); err != nil {
		t.Fatalf("unpack of a good file: %v", err)
	}
}

// FuzzUnpack reads arbitrary files as backups: unpack never panics, and writes nothing
// outside its directory.
func FuzzUnpack(f *testing.F) {
	f.Add(backupFile(f, [2]string{"log.vkey", "hello"}, [2]string{ManifestName, `{"format":"iltod-backup/1","files":{"log.vkey":"2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824"}}`}))
	f.Add(backupFile(f, [2]string{"log/tile/0/000", "x"}, [2]string{"../x", "y"}))
	f.Add([]byte("not a backup"))
	f.Fuzz(func(t *testing.T, data []byte) {
		root := t.TempDir()
		in := filepath.Join(root, "in")
		os.WriteFile(in, data, 0o600)
		dir := filepath.Join(root, "out")
		os.Mkdir(dir, 0o700)
		unpack(in, dir)
		ents, _ := os.ReadDir(root)
		if len(ents) != 2 {
			t.Fatalf("unpack wrote outside its directory: %v", ents)
		}
	})
}
