// Package witnesstest runs a real, independent tlog witness for tests: filippo.io/
// torchwood's litewitness, built from its module, with a fresh Ed25519 key held in its
// own ssh-agent. The ledger's, the cluster's and the backup's tests all use it.
package witnesstest

import (
	"bufio"
	"context"
	"database/sql"
	"encoding/base64"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/transparency-dev/merkle/rfc6962"

	_ "modernc.org/sqlite" // litewitness's database, read and written directly
)

// Module is the witness the tests run: a tlog-witness implementation that shares no
// code with Tessera.
const Module = "filippo.io/torchwood/cmd/litewitness@v0.9.0"

// Witness is a running litewitness.
type Witness struct {
	// Name is its name in a policy, VKey its verifier key, URL its address.
	Name, VKey, URL string
	db              string
}

// build builds litewitness into dir. It skips the test when the module cannot be
// fetched (no module proxy), except under CI, where it fails.
func build(t testing.TB, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build litewitness: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "install", Module)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("cannot build %s: %v\n%s", Module, err, out)
		network := regexp.MustCompile(`dial tcp|no such host|connection refused|i/o timeout|TLS handshake|proxy|network is unreachable`)
		if os.Getenv("CI") == "" && network.Match(out) {
			t.Skip("the module proxy is unreachable; " + msg)
		}
		t.Fatal(msg)
	}
	return filepath.Join(dir, "litewitness")
}

func startProcess(t testing.TB, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

// Start runs a litewitness named name until the test ends.
func Start(t testing.TB, name string) Witness {
	t.Helper()
	for _, tool := range []string{"ssh-agent", "ssh-keygen", "ssh-add"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install the Debian package openssh-client", tool)
		}
	}
	dir := t.TempDir()
	bin := build(t, dir)
	sock := filepath.Join(dir, "agent.sock")
	startProcess(t, exec.Command("ssh-agent", "-D", "-a", sock))
	key := filepath.Join(dir, "witness_key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "witness", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		add := exec.Command("ssh-add", key)
		add.Env = append(os.Environ(), "SSH_AUTH_SOCK="+sock)
		out, err := add.CombinedOutput()
		if err == nil {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("ssh-add: %v\n%s", err, out)
		}
		time.Sleep(20 * time.Millisecond)
	}
	out, err := exec.Command("ssh-keygen", "-l", "-E", "sha256", "-f", key+".pub").Output()
	if err != nil {
		t.Fatalf("ssh-keygen -l: %v", err)
	}
	fields := strings.Fields(string(out))
	if len(fields) < 2 || !strings.HasPrefix(fields[1], "SHA256:") {
		t.Fatalf("ssh-keygen -l printed %q", out)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db := filepath.Join(dir, "litewitness.db")
	cmd := exec.Command(bin, "-name", name, "-listen", addr, "-db", db, "-ssh-agent", sock, "-key", fields[1])
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	startProcess(t, cmd)
	lines := make(chan string, 100)
	go func() {
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		close(lines)
	}()
	w := Witness{Name: name, URL: "http://" + addr, db: db}
	vkeyRe := regexp.MustCompile(`vkey=(\S+)`)
	timeout := time.After(15 * time.Second)
	for listening := false; w.VKey == "" || !listening; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("litewitness exited")
			}
			if m := vkeyRe.FindStringSubmatch(l); m != nil && strings.Contains(l, "verifier key") {
				w.VKey = strings.Trim(m[1], `"`)
			}
			if strings.Contains(l, "listening") {
				listening = true
			}
		case <-timeout:
			t.Fatal("litewitness did not start within 15s")
		}
	}
	for deadline := time.Now().Add(5 * time.Second); ; {
		c, err := net.Dial("tcp", addr)
		if err == nil {
			c.Close()
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("litewitness does not listen on %s", addr)
		}
		time.Sleep(10 * time.Millisecond)
	}
	return w
}

// AddLog registers a log with the witness, as witnessctl would: the log at size 0 and
// its verifier key.
func (w Witness) AddLog(t testing.TB, origin, vkey string) {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+w.db+"?_pragma=busy_timeout(5000)")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	empty := base64.StdEncoding.EncodeToString(rfc6962.DefaultHasher.EmptyRoot())
	if _, err := db.Exec(`INSERT INTO log (origin, tree_size, tree_hash) VALUES (?, 0, ?)`, origin, empty); err != nil {
		t.Fatalf("register the log with the witness: %v", err)
	}
	if _, err := db.Exec(`INSERT INTO key (origin, key) VALUES (?, ?)`, origin, vkey); err != nil {
		t.Fatalf("register the log key with the witness: %v", err)
	}
}

// TreeSize returns the size of the log the witness has cosigned last.
func (w Witness) TreeSize(t testing.TB, origin string) int64 {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+w.db+"?_pragma=busy_timeout(5000)&mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int64
	if err := db.QueryRow(`SELECT tree_size FROM log WHERE origin = ?`, origin).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// Policy returns a tlog-policy for the log vkey whose quorum is the witness w.
func Policy(vkey string, w Witness) []byte {
	return fmt.Appendf(nil, "log %s\nwitness w1 %s %s\nquorum w1\n", vkey, w.VKey, w.URL)
}
