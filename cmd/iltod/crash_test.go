package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// buildIltod compiles the command once per test binary run.
var buildOnce struct {
	sync.Once
	path string
	err  error
}

func buildIltod(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "iltod-bin")
		if err != nil {
			buildOnce.err = err
			return
		}
		buildOnce.path = filepath.Join(dir, "iltod")
		out, err := exec.Command("go", "build", "-o", buildOnce.path, ".").CombinedOutput()
		if err != nil {
			buildOnce.err = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildOnce.err != nil {
		t.Fatal(buildOnce.err)
	}
	return buildOnce.path
}

func freePort(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().String()
}

// serverProcess is iltod serve running as a separate process.
type serverProcess struct {
	cmd  *exec.Cmd
	logs *bytes.Buffer
	base string
}

func startServer(t *testing.T, bin, data, addr string) *serverProcess {
	t.Helper()
	cmd := exec.Command(bin, "serve", "-data", data, "-addr", addr, "-origin", "crash.test/log", "-log-level", "warn")
	logs := &bytes.Buffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, logs: logs, base: "http://" + addr}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("the server did not start:\n%s", logs)
	return nil
}

var codeRe = regexp.MustCompile(`: ([A-Z0-9]{5}-[A-Z0-9]{5}) `)

// TestCrashLosesNoAcknowledgedReport sends signed reports concurrently to a server in
// another process, kills it with SIGKILL mid-stream, restarts it, and checks that every
// report it acknowledged is kept and reaches the log with a valid proof, and that the
// log after the restart extends every checkpoint published before the crash. (TestSoak
// repeats this under more faults, with the helpers of faults_test.go.)
func TestCrashLosesNoAcknowledgedReport(t *testing.T) {
	if testing.Short() {
		t.Skip("the crash test builds and runs the server as a separate process")
	}
	bin := buildIltod(t)
	in := newInstallation(t, bin, []string{"-data", t.TempDir()}, 8)
	srv := serve(t, bin, in.store)
	in.claim(t, srv)

	// Watch the checkpoints published before the crash.
	var mu sync.Mutex
	var checkpoints [][]byte
	stopWatch := make(chan struct{})
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		for {
			select {
			case <-stopWatch:
				return
			case <-time.After(50 * time.Millisecond):
			}
			resp, err := http.Get(srv.base + "/log/checkpoint")
			if err != nil {
				continue
			}
			cp, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			mu.Lock()
			if resp.StatusCode == 200 && (len(checkpoints) == 0 || !bytes.Equal(cp, checkpoints[len(checkpoints)-1])) {
				checkpoints = append(checkpoints, cp)
			}
			mu.Unlock()
		}
	}()

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	var l load
	stop := l.start(ctx, srv.base, in.keys, "crash", true)
	time.Sleep(1500 * time.Millisecond)
	srv.kill()
	close(stopWatch)
	watch.Wait()
	stop()
	acks := l.acked()
	if len(acks) < 100 {
		t.Fatalf("only %d reports were acknowledged before the crash; the test proves little\n%s", len(acks), srv.logs)
	}
	if len(checkpoints) < 2 {
		t.Fatalf("only %d checkpoints seen before the crash", len(checkpoints))
	}

	srv2 := serve(t, bin, in.store)
	checkAcked(t, in.verifier(t), srv2, acks, checkpoints...)
	t.Logf("%d reports acknowledged before SIGKILL, all kept and proved in the log; %d pre-crash checkpoints consistent with the new one", len(acks), len(checkpoints))

	checkDataset(t, bin, in.data, len(acks))
}

// checkDataset exports the election's public dataset beside the running server, checks
// that it verifies and names no observer, and that altering, removing or adding a single
// envelope makes "iltod verify dataset" fail.
func checkDataset(t *testing.T, bin, data string, atLeast int) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "dataset")
	if b, err := exec.Command(bin, "export", "dataset", "-data", data, "-election", "example-2024", "-out", out).CombinedOutput(); err != nil {
		t.Fatalf("export dataset: %v\n%s", err, b)
	}
	verify := func() (bool, string) {
		b, err := exec.Command(bin, "verify", "dataset", "-lang", "en", out).CombinedOutput()
		return err == nil, string(b)
	}
	if ok, msg := verify(); !ok {
		t.Fatalf("the exported dataset does not verify:\n%s", msg)
	}
	path := filepath.Join(out, "envelopes.jsonl")
	orig, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSuffix(string(orig), "\n"), "\n")
	if len(lines) < atLeast {
		t.Fatalf("the dataset holds %d envelopes; %d reports were acknowledged", len(lines), atLeast)
	}
	// The public envelopes name no observer: not as a field, not by code.
	for _, l := range lines[:50] {
		var e struct{ Envelope []byte }
		json.Unmarshal([]byte(l), &e)
		env, err := iltod.ParseEnvelope(e.Envelope)
		if err != nil {
			t.Fatal(err)
		}
		if bytes.Contains(env.Payload, []byte(`"observer"`)) || bytes.Contains(env.Payload, []byte(`"1001"`)) {
			t.Fatalf("a public envelope names its observer: %s", env.Payload)
		}
	}
	var one struct {
		Seq      uint64 `json:"seq"`
		Envelope []byte `json:"envelope"`
	}
	json.Unmarshal([]byte(lines[1]), &one)
	env, err := iltod.ParseEnvelope(one.Envelope)
	if err != nil {
		t.Fatal(err)
	}
	changed := &iltod.Envelope{Payload: bytes.Replace(env.Payload, []byte(`"C2":420`), []byte(`"C2":421`), 1), Key: env.Key, Sig: env.Sig}
	if bytes.Equal(changed.Payload, env.Payload) {
		t.Fatal("the test's alteration did not apply")
	}
	one.Envelope = changed.Bytes()
	altered, _ := json.Marshal(one)
	one.Seq = 1 << 40
	added, _ := json.Marshal(one)
	for name, edit := range map[string][]string{
		"altered": append([]string{lines[0], string(altered)}, lines[2:]...),
		"removed": append([]string{lines[0]}, lines[2:]...),
		"added":   append(append([]string(nil), lines...), string(added)),
	} {
		os.WriteFile(path, []byte(strings.Join(edit, "\n")+"\n"), 0o644)
		if ok, msg := verify(); ok || !strings.Contains(msg, "FAILED") {
			t.Errorf("a dataset with one envelope %s verified:\n%s", name, msg)
		}
	}
	os.WriteFile(path, orig, 0o644)
	if ok, msg := verify(); !ok {
		t.Fatalf("the restored dataset does not verify:\n%s", msg)
	}
}

func goodAnswersFor(n int) map[string]iltod.Value {
	i := iltod.IntValue
	return map[string]iltod.Value{"RV": i(1320), "BI": i(900), "BC": i(898), "CV": i(880), "CI": i(18),
		"C1": i(500 + int64(n%7)), "C2": i(420), "C3": i(390), "C4": i(300), "LV": i(870), "PB": i(500), "PR": i(370)}
}
