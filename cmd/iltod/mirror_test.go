package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/internal/ledger/ledgertest"
	"github.com/iltod/iltod/internal/mirror"
	"github.com/iltod/iltod/tlog"
)

// mirrorFixture is an origin server (a separate process) with the example election and
// one enrolled device, and what a partner needs to mirror it.
type mirrorFixture struct {
	bin, data, addr string
	origin          *serverProcess
	key             ed25519.PrivateKey
	vkeyFile        string
	verifier        *tlog.Verifier
}

func newMirrorFixture(t *testing.T) *mirrorFixture {
	t.Helper()
	if testing.Short() {
		t.Skip("the mirror tests build and run iltod as separate processes")
	}
	f := &mirrorFixture{bin: buildIltod(t), data: t.TempDir(), addr: freePort(t)}
	if out, err := exec.Command(f.bin, "load", "-data", f.data, exampleDir).CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	out, err := exec.Command(f.bin, "enroll", "-lang", "en", "-data", f.data, "-election", "example-2024", "-observer", "1001").CombinedOutput()
	m := codeRe.FindSubmatch(out)
	if err != nil || m == nil {
		t.Fatalf("enroll: %v\n%s", err, out)
	}
	f.origin = startServer(t, f.bin, f.data, f.addr)
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	body, _ := json.Marshal(map[string]string{"code": string(m[1]), "key": base64.StdEncoding.EncodeToString(pub)})
	resp, err := http.Post(f.origin.base+"/api/v1/devices", "application/json", bytes.NewReader(body))
	if err != nil || resp.StatusCode != http.StatusCreated {
		t.Fatalf("enroll device: %v %v", err, resp)
	}
	resp.Body.Close()
	f.key = priv
	f.vkeyFile = filepath.Join(f.data, "log.vkey")
	vkey, err := os.ReadFile(f.vkeyFile)
	if err != nil {
		t.Fatal(err)
	}
	if f.verifier, err = tlog.NewVerifier(string(vkey), nil); err != nil {
		t.Fatal(err)
	}
	return f
}

// envelope signs a report with the fixture's device.
func (f *mirrorFixture) envelope(t *testing.T, id string) []byte {
	t.Helper()
	r := iltod.Report{ID: id, Election: "example-2024", Station: "UB-001", Form: "results", FormVersion: 1,
		DeviceTime: "2024-06-28T22:00:00+08:00", Answers: goodAnswersFor(0)}
	env, err := iltod.SignReport(r, f.key)
	if err != nil {
		t.Fatal(err)
	}
	return env.Bytes()
}

// stopOrigin stops the origin server as an operator would.
func (f *mirrorFixture) stopOrigin(t *testing.T) {
	t.Helper()
	f.origin.cmd.Process.Signal(syscall.SIGTERM)
	f.origin.cmd.Wait()
	if resp, err := http.Get(f.origin.base + "/healthz"); err == nil {
		resp.Body.Close()
		t.Fatal("the origin still answers after it was stopped")
	}
}

// mirrorProcess is "iltod mirror" running as a separate process.
type mirrorProcess struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	base string
}

func startMirror(t *testing.T, f *mirrorFixture, dir, addr, origin string) *mirrorProcess {
	t.Helper()
	cmd := exec.Command(f.bin, "mirror", "-lang", "en", "-vkey", f.vkeyFile, "-dir", dir, "-addr", addr,
		"-interval", "100ms", "-max-backoff", "500ms", origin)
	logs := &syncBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &mirrorProcess{cmd: cmd, logs: logs, base: "http://" + addr + "/"}
	t.Cleanup(p.stop)
	waitFor(t, "the mirror to start", 20*time.Second, func() bool {
		resp, err := http.Get(p.base + "healthz")
		if err == nil {
			resp.Body.Close()
		}
		return err == nil
	})
	return p
}

func (p *mirrorProcess) stop() {
	if p.cmd.ProcessState == nil {
		p.cmd.Process.Signal(syscall.SIGTERM)
		p.cmd.Wait()
	}
}

func (p *mirrorProcess) status(t *testing.T) mirror.Status {
	t.Helper()
	var st mirror.Status
	if err := json.Unmarshal(httpGet(t, p.base+"mirror/status"), &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// post sends body to url and returns the status and the answer.
func post(t *testing.T, url string, body []byte) (int, []byte) {
	t.Helper()
	resp, err := http.Post(url, "application/json", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, b
}

// fullReceipt waits for the report's full receipt (a tlog-proof) from base.
func fullReceipt(t *testing.T, base, id string) []byte {
	t.Helper()
	var proof []byte
	waitFor(t, "the receipt of "+id, 20*time.Second, func() bool {
		resp, err := http.Get(base + "api/v1/reports/" + id + "/receipt?election=example-2024")
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		proof, _ = io.ReadAll(resp.Body)
		return resp.StatusCode == http.StatusOK
	})
	return proof
}

func verifyCmd(t *testing.T, bin string, args ...string) (bool, string) {
	t.Helper()
	out, err := exec.Command(bin, append([]string{"verify", args[0], "-lang", "en"}, args[1:]...)...).CombinedOutput()
	return err == nil, string(out)
}

// TestMirror runs a server and a mirror that follows it, stops the server, and verifies
// a receipt and a dataset from the mirror alone; then shows the mirror a checkpoint made
// with the server's key on a diverging tree, which it keeps as proof of a fork while it
// goes on serving the tree it holds.
func TestMirror(t *testing.T) {
	f := newMirrorFixture(t)
	env := f.envelope(t, "mirror-1")
	code, answer := post(t, f.origin.base+"/api/v1/reports", env)
	if code != http.StatusCreated {
		t.Fatalf("report: %d %s", code, answer)
	}
	promise := filepath.Join(t.TempDir(), "receipt.json")
	os.WriteFile(promise, answer, 0o644)
	var rc struct {
		Receipt struct{ Seq uint64 } `json:"receipt"`
	}
	json.Unmarshal(answer, &rc)
	proof := fullReceipt(t, f.origin.base+"/", "mirror-1")
	proofFile := filepath.Join(t.TempDir(), "receipt.proof")
	os.WriteFile(proofFile, proof, 0o644)
	envFile := filepath.Join(t.TempDir(), "envelope.json")
	os.WriteFile(envFile, env, 0o644)

	mdir := t.TempDir()
	maddr := freePort(t)
	m := startMirror(t, f, mdir, maddr, f.origin.base+"/")
	waitFor(t, "the mirror to hold the report", 20*time.Second, func() bool { return m.status(t).Size >= rc.Receipt.Seq })
	held := httpGet(t, m.base+"log/checkpoint")
	if !bytes.Equal(held, httpGet(t, f.origin.base+"/log/checkpoint")) {
		t.Fatal("the mirror serves another checkpoint than the origin's")
	}
	// The mirror serves the same tiles as the origin, byte for byte.
	size := m.status(t).Size
	for _, p := range []string{"tile/0/000.p/" + strconv.FormatUint(size%256, 10), "tile/entries/000.p/" + strconv.FormatUint(size%256, 10)} {
		if !bytes.Equal(httpGet(t, m.base+"log/"+p), httpGet(t, f.origin.base+"/log/"+p)) {
			t.Errorf("the mirror's %s differs from the origin's", p)
		}
	}
	f.stopOrigin(t)

	// From the mirror alone: the promise, the full receipt, the envelope's receipt.
	for _, args := range [][]string{
		{"receipt", "-vkey", f.vkeyFile, "-log", m.base, promise},
		{"receipt", "-vkey", f.vkeyFile, "-log", m.base, proofFile},
		{"envelope", "-vkey", f.vkeyFile, "-log", m.base, envFile, proofFile},
		{"receipt", "-vkey", f.vkeyFile, "-log", filepath.Join(mdir, mirror.LogDir), promise},
	} {
		ok, out := verifyCmd(t, f.bin, args...)
		if !ok || !strings.Contains(out, "OK: ") || !strings.Contains(out, "the copy of the log at") {
			t.Errorf("verify %v against the mirror:\n%s", args, out)
		}
	}
	// A copy whose entry for the report was altered does not verify the promise.
	bad := copyDir(t, filepath.Join(mdir, mirror.LogDir))
	bundle := filepath.Join(bad, "tile", "entries", "000.p", strconv.FormatUint(size%256, 10))
	b, err := os.ReadFile(bundle)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := tlog.SplitEntryBundle(b)
	leaf := entries[rc.Receipt.Seq-1]
	i := bytes.Index(b, leaf) + len(leaf) - 3
	b[i] ^= 1
	os.WriteFile(bundle, b, 0o644)
	if ok, out := verifyCmd(t, f.bin, "receipt", "-vkey", f.vkeyFile, "-log", bad, promise); ok || !strings.Contains(out, "FAILED") {
		t.Errorf("a promise verified against a copy with its leaf altered:\n%s", out)
	}
	// A dataset exported from the server's data is consistent with the mirror.
	ds := filepath.Join(t.TempDir(), "dataset")
	if out, err := exec.Command(f.bin, "export", "dataset", "-data", f.data, "-election", "example-2024", "-out", ds).CombinedOutput(); err != nil {
		t.Fatalf("export dataset: %v\n%s", err, out)
	}
	if ok, out := verifyCmd(t, f.bin, "dataset", "-log", m.base, ds); !ok || !strings.Contains(out, "consistent with the copy of the log") {
		t.Errorf("verify dataset -log MIRROR:\n%s", out)
	}

	// A fork: the origin's key signs a tree that does not extend the one the mirror holds.
	m.stop()
	forkURL, forkCP := forkedLog(t, f.data, size+3)
	if _, err := f.verifier.VerifyCheckpoint(forkCP); err != nil {
		t.Fatalf("the forked checkpoint is not signed by the origin's key, so the test proves nothing: %v", err)
	}
	m = startMirror(t, f, mdir, maddr, forkURL)
	waitFor(t, "the mirror to detect the fork", 20*time.Second, func() bool { return len(m.status(t).Forks) > 0 })
	st := m.status(t)
	fk := st.Forks[0]
	if st.Size != size || fk.HeldSize != size || fk.SeenSize != size+3 {
		t.Errorf("after the fork the mirror holds size %d, fork %+v; want the held size %d kept and the fork of size %d", st.Size, fk, size, size+3)
	}
	if got := httpGet(t, m.base+"log/checkpoint"); !bytes.Equal(got, held) {
		t.Errorf("the mirror serves another checkpoint after the fork:\n%s", got)
	}
	kept := httpGet(t, m.base+"mirror/forks/"+fk.ID+".checkpoint")
	if !bytes.Equal(kept, forkCP) {
		t.Errorf("the fork record keeps another checkpoint:\n%s", kept)
	}
	if !bytes.Equal(httpGet(t, m.base+"mirror/forks/"+fk.ID+".held"), held) {
		t.Error("the fork record does not keep the held checkpoint")
	}
	record := string(httpGet(t, m.base+"mirror/forks/"+fk.ID+".txt"))
	for _, want := range []string{"the log forked", string(held), string(forkCP), "consistency proof"} {
		if !strings.Contains(record, want) {
			t.Errorf("the fork record lacks %q:\n%s", want, record)
		}
	}
	if !strings.Contains(m.logs.String(), "FORK") {
		t.Errorf("the mirror did not say FORK in its log:\n%s", m.logs)
	}
	// Anyone can check the record: both checkpoints verify, and the forked tree is not an
	// extension of the held one.
	ft, _ := tlog.OpenTiles(forkURL+"log/", nil)
	if _, err := f.verifier.VerifyConsistency(context.Background(), held, forkCP, ft); !isFailure(err, tlog.FailConsistency) {
		t.Errorf("the held and the forked checkpoints: %v; want a consistency failure", err)
	}
	// It survives a restart, and the same fork is recorded once.
	m.stop()
	m = startMirror(t, f, mdir, maddr, forkURL)
	time.Sleep(500 * time.Millisecond)
	if st := m.status(t); len(st.Forks) != 1 || st.Forks[0].ID != fk.ID || st.Size != size {
		t.Errorf("after a restart: %+v", st)
	}
	t.Logf("mirror held size %d; fork of size %d detected and kept as %s", size, size+3, fk.ID)
}

func isFailure(err error, f tlog.Failure) bool {
	te, ok := err.(*tlog.Error)
	return ok && te.Failure == f
}

// forkedLog makes a log of n leaves that are not the server's, signed with the server's
// key (taken from its data directory), and serves it; it returns its base URL and its
// checkpoint.
func forkedLog(t *testing.T, data string, n uint64) (string, []byte) {
	t.Helper()
	dir := t.TempDir()
	key, err := os.ReadFile(filepath.Join(data, "log.key"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "log.key"), key, 0o600); err != nil {
		t.Fatal(err)
	}
	// The forked log's events: n report events that the real store never had.
	ev := &ledgertest.Events{}
	for i := uint64(1); i <= n; i++ {
		ev.Append(iltod.Event{Election: "example-2024", Kind: iltod.EventReport,
			Subject: fmt.Sprintf("fork-%d", i), Hash: sha256.Sum256([]byte(fmt.Sprint("fork", i))),
			Time: time.Date(2024, 6, 28, 23, 0, int(i), 0, time.UTC)})
	}
	ctx := context.Background()
	l, err := ledger.Open(ctx, ledger.Config{Dir: filepath.Join(dir, "log"), KeyFile: filepath.Join(dir, "log.key"), Origin: "crash.test/log"}, ev)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	var cp []byte
	waitFor(t, "the forked log's checkpoint", 20*time.Second, func() bool {
		cp, err = l.Checkpoint(ctx)
		return err == nil && strings.Split(string(cp), "\n")[1] == strconv.FormatUint(n, 10)
	})
	mux := http.NewServeMux()
	mux.Handle("/log/", l.Handler())
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv.URL + "/", cp
}

// TestRelay stops the origin, sends a signed report to the mirror, which accepts it for
// relay, starts the origin again, and checks that the report reaches it exactly once and
// that its receipt verifies; and that an envelope altered in the relay's queue is
// refused by the origin.
func TestRelay(t *testing.T) {
	f := newMirrorFixture(t)
	f.stopOrigin(t)
	mdir := t.TempDir()
	m := startMirror(t, f, mdir, freePort(t), f.origin.base+"/")

	env := f.envelope(t, "relayed-1")
	code, answer := post(t, m.base+"api/v1/reports", env)
	var relayed struct {
		Relay mirror.RelayReceipt `json:"relay"`
	}
	json.Unmarshal(answer, &relayed)
	if code != http.StatusAccepted || relayed.Relay.State != "relayed" || relayed.Relay.ID != "relayed-1" {
		t.Fatalf("the mirror answered %d %s; want 202 accepted for relay", code, answer)
	}
	// Sent again (the phone retries): still one in the queue.
	if code, answer := post(t, m.base+"api/v1/reports", env); code != http.StatusAccepted {
		t.Fatalf("the same envelope again: %d %s", code, answer)
	}
	// The relay checks what it can: a broken signature is refused at once.
	parsed, _ := iltod.ParseEnvelope(env)
	forged := (&iltod.Envelope{Payload: bytes.Replace(parsed.Payload, []byte(`"C2":420`), []byte(`"C2":421`), 1), Key: parsed.Key, Sig: parsed.Sig}).Bytes()
	if code, answer := post(t, m.base+"api/v1/reports", forged); code != http.StatusUnauthorized || !strings.Contains(string(answer), "bad_signature") {
		t.Errorf("a forged envelope sent to the relay: %d %s; want 401 bad_signature", code, answer)
	}
	// An envelope altered inside the relay, after it was checked.
	env2 := f.envelope(t, "relayed-2")
	if code, answer := post(t, m.base+"api/v1/reports", env2); code != http.StatusAccepted {
		t.Fatalf("second envelope: %d %s", code, answer)
	}
	sum2 := sha256.Sum256(env2)
	queued2 := filepath.Join(mdir, mirror.RelayDir, "queue", hex.EncodeToString(sum2[:])+".env")
	p2, _ := iltod.ParseEnvelope(env2)
	altered := (&iltod.Envelope{Payload: bytes.Replace(p2.Payload, []byte(`"C2":420`), []byte(`"C2":421`), 1), Key: p2.Key, Sig: p2.Sig}).Bytes()
	if bytes.Equal(altered, env2) {
		t.Fatal("the test's alteration did not apply")
	}
	tmp := queued2 + ".tmp"
	os.WriteFile(tmp, altered, 0o644)
	if err := os.Rename(tmp, queued2); err != nil {
		t.Fatal(err)
	}
	if st := m.status(t); st.Relay.Queued != 2 || st.Relay.Sent != 0 {
		t.Fatalf("relay before the origin is back: %+v", st.Relay)
	}

	// The origin comes back; the relay forwards.
	f.origin = startServer(t, f.bin, f.data, f.addr)
	waitFor(t, "the relay to forward", 30*time.Second, func() bool {
		st := m.status(t).Relay
		return st.Queued == 0 && st.Sent == 1 && st.Refused == 1
	})
	proof := fullReceipt(t, f.origin.base+"/", "relayed-1")
	if _, err := f.verifier.VerifyEnvelope(env, proof); err != nil {
		t.Fatalf("the relayed report's receipt does not verify against the envelope the phone signed: %v", err)
	}
	// The phone asking the mirror again gets the origin's receipt, and its full
	// receipt through the mirror.
	code, answer = post(t, m.base+"api/v1/reports", env)
	var got struct {
		Receipt app.Receipt `json:"receipt"`
	}
	json.Unmarshal(answer, &got)
	if code != http.StatusOK || got.Receipt.ID != "relayed-1" || got.Receipt.Promise == "" {
		t.Errorf("the relayed envelope sent again to the mirror: %d %s; want 200 with the origin's receipt", code, answer)
	}
	if v, err := f.verifier.VerifyEnvelope(env, []byte(got.Receipt.Promise)); err != nil || v.Index != got.Receipt.Seq-1 {
		t.Errorf("the origin's promise, through the relay: %v", err)
	}
	if via := fullReceipt(t, m.base, "relayed-1"); !bytes.Equal(via, proof) {
		t.Error("the mirror's proxied receipt differs from the origin's")
	}
	refused, err := os.ReadFile(filepath.Join(mdir, mirror.RelayDir, "refused", hex.EncodeToString(sum2[:])+".json"))
	if err != nil || !strings.Contains(string(refused), "bad_signature") {
		t.Errorf("the altered envelope's refusal: %v %s; want the origin's bad_signature", err, refused)
	}
	// The phone, told of the refusal, gets it from the mirror too.
	if code, answer := post(t, m.base+"api/v1/reports", env2); code != http.StatusUnauthorized {
		t.Errorf("the envelope whose altered copy the origin refused: %d %s", code, answer)
	}

	// A crash of the relay between the origin's answer and the queue's cleanup sends
	// the envelope twice: the origin keeps it once.
	sum := sha256.Sum256(env)
	os.WriteFile(filepath.Join(mdir, mirror.RelayDir, "queue", hex.EncodeToString(sum[:])+".env"), env, 0o644)
	m.stop()
	m = startMirror(t, f, mdir, m.base[len("http://"):len(m.base)-1], f.origin.base+"/")
	waitFor(t, "the relay to forward again", 30*time.Second, func() bool { return m.status(t).Relay.Queued == 0 })
	code, answer = post(t, f.origin.base+"/api/v1/reports", env)
	json.Unmarshal(answer, &got)
	if code != http.StatusOK || !got.Receipt.Duplicate {
		t.Errorf("the report sent to the origin directly: %d %s; want 200, a duplicate", code, answer)
	}
	ds := filepath.Join(t.TempDir(), "dataset")
	if out, err := exec.Command(f.bin, "export", "dataset", "-data", f.data, "-election", "example-2024", "-out", ds).CombinedOutput(); err != nil {
		t.Fatalf("export dataset: %v\n%s", err, out)
	}
	lines, err := os.ReadFile(filepath.Join(ds, tlog.DatasetEnvelopes))
	if err != nil {
		t.Fatal(err)
	}
	n, n2 := 0, 0
	for _, l := range strings.Split(strings.TrimSpace(string(lines)), "\n") {
		var e struct{ Envelope []byte }
		json.Unmarshal([]byte(l), &e)
		if bytes.Equal(e.Envelope, env) {
			n++
		}
		if bytes.Contains(e.Envelope, []byte(base64.StdEncoding.EncodeToString(p2.Key))) && !bytes.Equal(e.Envelope, env) {
			n2++
		}
	}
	if n != 1 || n2 != 0 {
		t.Errorf("the origin's log holds the relayed report %d times and another of the device's reports %d times; want once and never", n, n2)
	}
}
