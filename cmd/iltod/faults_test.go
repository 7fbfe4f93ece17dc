package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/tlog"
)

// This file holds what the backup, crash and soak tests share: an installation with
// enrolled devices, an iltod serve subprocess on it, a load of signed reports, and the
// check that every acknowledged report is kept and proved in the log.

const faultOrigin = "faults.test/log"

// installation is a data directory (and PostgreSQL database) with an election loaded
// and devices enrolled.
type installation struct {
	bin   string
	store []string // -data DIR [-postgres DSN]
	data  string
	codes []string // enrollment codes, claimed by the first server
	keys  []ed25519.PrivateKey
}

// newInstallation loads the example election into store (as storeArgs gives it; a
// data directory is added for PostgreSQL's log) and enrolls devices.
func newInstallation(t testing.TB, bin string, store []string, devices int) *installation {
	t.Helper()
	in := &installation{bin: bin, store: store}
	if store[0] == "-data" {
		in.data = store[1]
	} else {
		in.data = t.TempDir()
		in.store = append([]string{"-data", in.data}, store...)
	}
	if out, err := exec.Command(bin, append(append([]string{"load"}, in.store...), exampleDir)...).CombinedOutput(); err != nil {
		t.Fatalf("load: %v\n%s", err, out)
	}
	for i := 0; i < devices; i++ {
		out, err := exec.Command(bin, append(append([]string{"enroll", "-lang", "en"}, in.store...), "-election", "example-2024", "-observer", "1001")...).CombinedOutput()
		m := codeRe.FindSubmatch(out)
		if err != nil || m == nil {
			t.Fatalf("enroll: %v\n%s", err, out)
		}
		in.codes = append(in.codes, string(m[1]))
	}
	return in
}

// server is iltod serve as a subprocess.
type server struct {
	cmd  *exec.Cmd
	logs *syncBuffer
	base string
	done chan struct{}
}

// serve starts iltod serve on the installation's store (or the given one) and waits
// until it answers, or fails the test.
func serve(t testing.TB, bin string, store []string) *server {
	t.Helper()
	s, err := tryServe(bin, store, 20*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { s.kill() })
	return s
}

// tryServe starts iltod serve and waits up to wait for it to answer; it returns the
// server's output when the server exits or does not answer.
func tryServe(bin string, store []string, wait time.Duration) (*server, error) {
	addr, err := freeAddr()
	if err != nil {
		return nil, err
	}
	cmd := exec.Command(bin, append(append([]string{"serve", "-lang", "en"}, store...), "-addr", addr, "-origin", faultOrigin, "-log-level", "warn")...)
	s := &server{cmd: cmd, logs: &syncBuffer{}, base: "http://" + addr, done: make(chan struct{})}
	cmd.Stdout, cmd.Stderr = s.logs, s.logs
	if err := cmd.Start(); err != nil {
		return nil, err
	}
	go func() { cmd.Wait(); close(s.done) }()
	deadline := time.Now().Add(wait)
	for time.Now().Before(deadline) {
		select {
		case <-s.done:
			return nil, fmt.Errorf("iltod serve exited: %s\n%s", cmd.ProcessState, s.logs)
		default:
		}
		if resp, err := http.Get(s.base + "/healthz"); err == nil {
			resp.Body.Close()
			return s, nil
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.kill()
	return nil, fmt.Errorf("iltod serve did not answer within %v:\n%s", wait, s.logs)
}

// kill ends the server with SIGKILL and waits for it.
func (s *server) kill() {
	s.cmd.Process.Signal(syscall.SIGKILL)
	<-s.done
}

// stop ends the server with SIGTERM, as an operator would, and waits for it.
func (s *server) stop() {
	s.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-s.done:
	case <-time.After(20 * time.Second):
		s.kill()
	}
}

func freeAddr() (string, error) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", err
	}
	defer l.Close()
	return l.Addr().String(), nil
}

// claim enrolls a fresh key for each of the installation's codes on srv.
func (in *installation) claim(t testing.TB, srv *server) {
	t.Helper()
	in.keys = nil
	for _, code := range in.codes {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		body, _ := json.Marshal(map[string]string{"code": code, "key": base64.StdEncoding.EncodeToString(pub)})
		resp, err := http.Post(srv.base+"/api/v1/devices", "application/json", bytes.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("enroll device: %v %v", err, resp)
		}
		resp.Body.Close()
		in.keys = append(in.keys, priv)
	}
}

// acked is a report the server acknowledged with a receipt (its promise).
type acked struct {
	id       string
	envelope []byte
	at       time.Time
}

// load sends signed reports from every device, in batches of ten, until ctx ends or
// the server stops answering; it keeps what the server acknowledged.
type load struct {
	mu       sync.Mutex
	acks     []acked
	refused  atomic.Int64   // batches answered with an error status
	failures atomic.Int64   // requests that got no answer
	lastErr  atomic.Value   // the body of the last error answer
	seen     map[string]int // every distinct error answer, with its count
	next     atomic.Int64
	// max, if not 0, is the most batches to send.
	max int64
}

// start runs l.run in the background until ctx ends or stop is called; stop ends the
// run and waits for it, and may be called more than once.
func (l *load) start(ctx context.Context, base string, keys []ed25519.PrivateKey, tag string, stopOnFailure bool) (stop func()) {
	ctx, cancel := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { l.run(ctx, base, keys, tag, stopOnFailure); close(done) }()
	return func() { cancel(); <-done }
}

// run sends until ctx ends. With stopOnFailure, each device stops at its first request
// without an answer (the server is gone); otherwise it retries after a pause.
func (l *load) run(ctx context.Context, base string, keys []ed25519.PrivateKey, tag string, stopOnFailure bool) {
	client := &http.Client{Timeout: 5 * time.Second}
	var wg sync.WaitGroup
	for d := range keys {
		wg.Add(1)
		go func(d int) {
			defer wg.Done()
			for ctx.Err() == nil {
				n := l.next.Add(1)
				if l.max > 0 && n > l.max {
					return
				}
				var envs []json.RawMessage
				var ids []string
				for k := 0; k < 10; k++ {
					r := iltod.Report{ID: fmt.Sprintf("%s-%d-%07d-%d", tag, d, n, k), Election: "example-2024",
						Station: "UB-001", Form: "results", FormVersion: 1, DeviceTime: "2024-06-28T22:00:00+08:00",
						Answers: goodAnswersFor(int(n))}
					env, err := iltod.SignReport(r, keys[d])
					if err != nil {
						panic(err)
					}
					envs = append(envs, env.Bytes())
					ids = append(ids, r.ID)
				}
				body, _ := json.Marshal(map[string]any{"envelopes": envs})
				req, _ := http.NewRequestWithContext(ctx, http.MethodPost, base+"/api/v1/reports", bytes.NewReader(body))
				req.Header.Set("Content-Type", "application/json")
				resp, err := client.Do(req)
				if err != nil {
					l.failures.Add(1)
					if stopOnFailure {
						return
					}
					sleepCtx(ctx, 50*time.Millisecond)
					continue
				}
				b, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				var out struct {
					Results []struct {
						Receipt *struct{ ID string } `json:"receipt"`
					} `json:"results"`
				}
				if err != nil || resp.StatusCode != 200 || json.Unmarshal(b, &out) != nil {
					// Cut off mid-response, or refused: nothing acknowledged.
					if resp.StatusCode != 200 {
						msg := fmt.Sprintf("%d %.300s", resp.StatusCode, b)
						l.refused.Add(1)
						l.lastErr.Store(msg)
						l.mu.Lock()
						if l.seen == nil {
							l.seen = map[string]int{}
						}
						if len(l.seen) < 100 {
							l.seen[msg]++
						}
						l.mu.Unlock()
					}
					if stopOnFailure && err != nil {
						return
					}
					sleepCtx(ctx, 50*time.Millisecond)
					continue
				}
				now := time.Now()
				l.mu.Lock()
				for i, res := range out.Results {
					if res.Receipt != nil && i < len(ids) {
						l.acks = append(l.acks, acked{ids[i], envs[i], now})
					}
				}
				l.mu.Unlock()
			}
		}(d)
	}
	wg.Wait()
}

// refusals returns every distinct error answer the load got, with its count.
func (l *load) refusals() map[string]int {
	l.mu.Lock()
	defer l.mu.Unlock()
	out := map[string]int{}
	for k, v := range l.seen {
		out[k] = v
	}
	return out
}

func (l *load) acked() []acked {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]acked(nil), l.acks...)
}

func sleepCtx(ctx context.Context, d time.Duration) {
	select {
	case <-ctx.Done():
	case <-time.After(d):
	}
}

// verifier returns the verifier of the installation's log.
func (in *installation) verifier(t testing.TB) *tlog.Verifier {
	t.Helper()
	vkey, err := os.ReadFile(filepath.Join(in.data, "log.vkey"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier(strings.TrimSpace(string(vkey)), nil)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// receiptDelay is how long an acknowledged report may take to be in the log: the
// checkpoint interval and a batch, with room for a loaded machine.
const receiptDelay = 15 * time.Second

// checkAcked checks that srv holds every report of acks, each with a receipt (within
// receiptDelay of the first ask) that verifies against its envelope, and that its log
// extends every checkpoint of earlier. It returns the server's checkpoint.
func checkAcked(t testing.TB, v *tlog.Verifier, srv *server, acks []acked, earlier ...[]byte) []byte {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	deadline := time.Now().Add(receiptDelay)
	for _, a := range acks {
		var receipt []byte
		for {
			resp, err := client.Get(srv.base + "/api/v1/reports/" + a.id + "/receipt")
			if err == nil {
				receipt, _ = io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					break
				}
				if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(receipt), " yet") {
					t.Fatalf("acknowledged report %s lost: %s %s", a.id, resp.Status, receipt)
				}
			}
			if time.Now().After(deadline) {
				t.Fatalf("acknowledged report %s is not in the log within %v\n%s", a.id, receiptDelay, srv.logs)
			}
			time.Sleep(50 * time.Millisecond)
		}
		if _, err := v.VerifyEnvelope(a.envelope, receipt); err != nil {
			t.Fatalf("report %s: the receipt does not verify against its envelope: %v", a.id, err)
		}
	}
	resp, err := client.Get(srv.base + "/log/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	latest, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	tiles, err := tlog.OpenTiles(srv.base+"/log/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, cp := range earlier {
		if cp == nil {
			continue
		}
		if _, err := v.VerifyConsistency(context.Background(), cp, latest, tiles); err != nil {
			t.Fatalf("the log does not extend an earlier checkpoint: %v", err)
		}
	}
	return latest
}

// checkpoint returns srv's published checkpoint.
func checkpoint(t testing.TB, srv *server) []byte {
	t.Helper()
	resp, err := http.Get(srv.base + "/log/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		t.Fatalf("checkpoint: %s %s", resp.Status, b)
	}
	return b
}
