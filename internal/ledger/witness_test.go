package ledger

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/merkle/rfc6962"
	"golang.org/x/mod/sumdb/note"
	_ "modernc.org/sqlite"
)

// litewitnessModule is the independent witness the test runs: filippo.io/torchwood's
// litewitness, a tlog-witness implementation that shares no code with Tessera.
const litewitnessModule = "filippo.io/torchwood/cmd/litewitness@v0.9.0"

// buildLitewitness builds the witness into dir. It skips the test when the module
// cannot be fetched (no module proxy), except under CI, where it fails.
func buildLitewitness(t *testing.T, dir string) string {
	t.Helper()
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skipf("no go command to build litewitness: %v", err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 3*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, goBin, "install", litewitnessModule)
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOBIN="+dir, "GOFLAGS=-mod=mod", "GOWORK=off")
	out, err := cmd.CombinedOutput()
	if err != nil {
		msg := fmt.Sprintf("cannot build %s: %v\n%s", litewitnessModule, err, out)
		network := regexp.MustCompile(`dial tcp|no such host|connection refused|i/o timeout|TLS handshake|proxy|network is unreachable`)
		if os.Getenv("CI") == "" && network.Match(out) {
			t.Skip("the module proxy is unreachable; " + msg)
		}
		t.Fatal(msg)
	}
	return filepath.Join(dir, "litewitness")
}

// startProcess starts cmd and stops it (by its pid) when the test ends.
func startProcess(t *testing.T, cmd *exec.Cmd) {
	t.Helper()
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", cmd.Path, err)
	}
	t.Cleanup(func() {
		cmd.Process.Kill()
		cmd.Wait()
	})
}

type witness struct {
	name, vkey, url, db string
}

// startWitness runs litewitness with a fresh Ed25519 key held in its own ssh-agent.
func startWitness(t *testing.T, name string) witness {
	t.Helper()
	for _, tool := range []string{"ssh-agent", "ssh-keygen", "ssh-add"} {
		if _, err := exec.LookPath(tool); err != nil {
			t.Fatalf("%s is missing: install the Debian package openssh-client", tool)
		}
	}
	dir := t.TempDir()
	bin := buildLitewitness(t, dir)

	sock := filepath.Join(dir, "agent.sock")
	startProcess(t, exec.Command("ssh-agent", "-D", "-a", sock))
	key := filepath.Join(dir, "witness_key")
	if out, err := exec.Command("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", "witness", "-f", key).CombinedOutput(); err != nil {
		t.Fatalf("ssh-keygen: %v\n%s", err, out)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
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
	fingerprint := fields[1]

	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	db := filepath.Join(dir, "litewitness.db")
	cmd := exec.Command(bin, "-name", name, "-listen", addr, "-db", db, "-ssh-agent", sock, "-key", fingerprint)
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
	w := witness{name: name, url: "http://" + addr, db: db}
	vkeyRe := regexp.MustCompile(`vkey=(\S+)`)
	timeout := time.After(15 * time.Second)
	for listening := false; w.vkey == "" || !listening; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("litewitness exited")
			}
			if m := vkeyRe.FindStringSubmatch(l); m != nil && strings.Contains(l, "verifier key") {
				w.vkey = strings.Trim(m[1], `"`)
			}
			if strings.Contains(l, "listening") {
				listening = true
			}
		case <-timeout:
			t.Fatal("litewitness did not start within 15s")
		}
	}
	// Wait until it answers HTTP.
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

// addLog registers a log with the witness, as witnessctl would: the log at size 0 and
// its verifier key.
func (w witness) addLog(t *testing.T, origin, vkey string) {
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

// treeSize returns the size of the log the witness has cosigned last.
func (w witness) treeSize(t *testing.T, origin string) int64 {
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

// writeKey creates a log key file for origin, as Open would on first start.
func writeKey(t *testing.T, path, origin string) string {
	t.Helper()
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(skey+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return vkey
}

// TestWitness runs the log against a real, independent witness (litewitness): every
// published checkpoint carries its cosignature, receipts verify under a policy with
// quorum 1, and a rewritten log — the same key and origin, other entries — is refused,
// so its checkpoint is never published.
func TestWitness(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs litewitness")
	}
	w := startWitness(t, "witness.test/w1")
	dirA := t.TempDir()
	cfgA := testConfig(t, dirA)
	vkey := writeKey(t, cfgA.KeyFile, testOrigin)
	w.addLog(t, testOrigin, vkey)
	policy := fmt.Appendf(nil, "# test policy\nlog %s\nwitness w1 %s %s\nquorum w1\n", vkey, w.vkey, w.url)
	cfgA.Policy = policy

	evA := newMemEvents()
	a := openLedger(t, cfgA, evA)

	// The rewritten log: a copy of the key, another directory, other entries. It opens
	// while the witness has seen only the empty tree, which both logs share.
	dirB := t.TempDir()
	cfgB := testConfig(t, dirB)
	key, _ := os.ReadFile(cfgA.KeyFile)
	if err := os.WriteFile(cfgB.KeyFile, key, 0o600); err != nil {
		t.Fatal(err)
	}
	cfgB.Policy = policy
	cfgB.ShutdownTimeout = 300 * time.Millisecond
	evB := newMemEvents()
	b := openLedger(t, cfgB, evB)

	pol, err := tlog.ParsePolicy(policy)
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier(vkey, pol)
	if err != nil {
		t.Fatal(err)
	}
	vNoPolicy, _ := tlog.NewVerifier(vkey, nil)

	// Watch every checkpoint the honest log publishes while the test runs: each must
	// carry the witness's cosignature.
	ctx := testCtx(t, 30*time.Second)
	watchCtx, stopWatch := context.WithCancel(ctx)
	watched := make(chan []string)
	go func() {
		var bad []string
		seen := map[string]bool{}
		for watchCtx.Err() == nil {
			if cp, err := os.ReadFile(filepath.Join(cfgA.Dir, "checkpoint")); err == nil && !seen[string(cp)] {
				seen[string(cp)] = true
				if _, err := v.VerifyCheckpoint(cp); err != nil {
					bad = append(bad, fmt.Sprintf("%v\n%s", err, cp))
				}
			}
			time.Sleep(5 * time.Millisecond)
		}
		watched <- append(bad, fmt.Sprintf("%d checkpoints seen", len(seen)))
	}()
	for i := 1; i <= 6; i++ {
		evA.addReport("mn-2024", envelope(i))
	}
	a.Notify()
	receipt, err := a.AwaitProof(ctx, 5)
	if err != nil {
		t.Fatal(err)
	}
	got, err := v.VerifyEnvelope(envelope(6), receipt)
	if err != nil {
		t.Fatalf("receipt under the policy: %v\n%s", err, receipt)
	}
	if len(got.Checkpoint.Cosigners) != 1 || got.Checkpoint.Cosigners[0] != "w1" {
		t.Errorf("cosigners %v, want [w1]", got.Checkpoint.Cosigners)
	}
	if n := w.treeSize(t, testOrigin); n < 6 {
		t.Errorf("the witness has cosigned size %d, want at least 6", n)
	}
	// Without the cosignature the receipt fails the policy.
	stripped := stripSignature(receipt, "witness.test/w1")
	if _, err := v.VerifyReceipt(stripped); !isFailure(err, tlog.FailQuorum) {
		t.Errorf("receipt without the cosignature: %v, want a quorum failure", err)
	}
	if _, err := vNoPolicy.VerifyReceipt(stripped); err != nil {
		t.Errorf("receipt without the cosignature, no policy: %v", err)
	}

	// The rewritten log grows past what the witness saw and asks it to cosign: the
	// consistency proof from its tiles cannot hold, the witness refuses (422), and the
	// checkpoint is never published.
	for i := 1; i <= 9; i++ {
		evB.addReport("mn-2024", []byte(fmt.Sprintf("forged envelope %d", i)))
	}
	b.Notify()
	waitMarked(t, evB, 9)
	for i := 7; i <= 8; i++ {
		evA.addReport("mn-2024", envelope(i))
	}
	a.Notify()
	if _, err := a.AwaitProof(ctx, 7); err != nil {
		t.Fatalf("the honest log after the rewrite attempt: %v", err)
	}
	time.Sleep(1500 * time.Millisecond) // several publication rounds of B
	if _, err := b.Proof(ctx, 0); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Fatalf("the rewritten log gave a receipt: %v", err)
	}
	cpB, err := b.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.VerifyCheckpoint(cpB); err != nil || c.Size != 0 {
		t.Fatalf("the rewritten log published %q (%v); want only its empty, cosigned checkpoint", cpB, err)
	}
	if n := w.treeSize(t, testOrigin); n != 8 {
		t.Errorf("the witness holds size %d, want the honest log's 8", n)
	}
	if err := b.Close(); err == nil {
		t.Error("closing the rewritten log reported no unpublished entries")
	}

	// Every checkpoint the honest log publishes carries the cosignature.
	cpA, err := a.Checkpoint(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if c, err := v.VerifyCheckpoint(cpA); err != nil || c.Size != 8 {
		t.Fatalf("honest checkpoint %q: %v", cpA, err)
	}
	stopWatch()
	res := <-watched
	for _, b := range res[:len(res)-1] {
		t.Errorf("a published checkpoint fails the policy: %s", b)
	}
	t.Log(res[len(res)-1], "on the honest log, all cosigned")
}

func stripSignature(b []byte, name string) []byte {
	var out []byte
	for _, line := range bytes.SplitAfter(b, []byte("\n")) {
		if bytes.HasPrefix(line, []byte("— "+name+" ")) {
			continue
		}
		out = append(out, line...)
	}
	return out
}

func isFailure(err error, f tlog.Failure) bool {
	var e *tlog.Error
	return errors.As(err, &e) && e.Failure == f
}
