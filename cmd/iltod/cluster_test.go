package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"filippo.io/age"
	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/witnesstest"
	"github.com/iltod/iltod/tlog"
	"github.com/transparency-dev/tessera/api/layout"
	"golang.org/x/mod/sumdb/note"
)

// clusterPostgres returns the DSN of a fresh schema of the test database, dropped when
// the test ends. Without ILTOD_TEST_POSTGRES it skips the test, except under CI.
func clusterPostgres(t *testing.T) string {
	t.Helper()
	dsn := os.Getenv("ILTOD_TEST_POSTGRES")
	if dsn == "" {
		if os.Getenv("CI") != "" {
			t.Fatal("ILTOD_TEST_POSTGRES is not set in CI: the cluster test needs PostgreSQL")
		}
		t.Skip("ILTOD_TEST_POSTGRES is not set: the cluster test needs PostgreSQL (CI sets it)")
	}
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "iltod_cluster_" + hex.EncodeToString(b)
	if _, err := db.Exec(`CREATE SCHEMA ` + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		defer db.Close()
		if _, err := db.Exec(`DROP SCHEMA ` + schema + ` CASCADE`); err != nil {
			t.Errorf("drop schema %s: %v", schema, err)
		}
	})
	if strings.HasPrefix(dsn, "postgres://") || strings.HasPrefix(dsn, "postgresql://") {
		u, err := url.Parse(dsn)
		if err != nil {
			t.Fatal("ILTOD_TEST_POSTGRES is not a valid URL")
		}
		q := u.Query()
		q.Set("search_path", schema)
		u.RawQuery = q.Encode()
		return u.String()
	}
	return dsn + " search_path=" + schema
}

// clusterNode is one iltod serve process of the cluster.
type clusterNode struct {
	data string
	addr string
	proc *serverProcess
	dead bool
}

// TestClusterFailover runs three iltod serve processes on one PostgreSQL database, with
// a litewitness, sends signed reports to all three, and kills the one that signs
// checkpoints with SIGKILL. Another instance signs within 10 s; every acknowledged report
// is kept and its receipt, cosigned by the witness, verifies; every instance serves the
// same checkpoint for each size; every checkpoint seen is cosigned and consistent with
// the last (the witness saw no fork); the killed instance, restarted with an empty log
// directory, rebuilds its tiles from the store and serves the same bytes, and a dataset
// exported from its directory verifies under the witness policy; and a citizen's form
// given by one instance is taken by another and refused, as sent already, by a third.
func TestClusterFailover(t *testing.T) {
	dsn := clusterPostgres(t)
	if testing.Short() {
		t.Skip("the cluster test runs four server processes and a witness")
	}
	bin := buildIltod(t)
	const origin = "cluster.test/log"

	// One log key, copied to every instance, as docs/cluster.md says.
	skey, vkey, err := note.GenerateKey(rand.Reader, origin)
	if err != nil {
		t.Fatal(err)
	}
	w := witnesstest.Start(t, "witness.test/w1")
	w.AddLog(t, origin, vkey)
	policyText := fmt.Sprintf("log %s\nwitness w1 %s %s\nquorum w1\n", vkey, w.VKey, w.URL)
	policyFile := filepath.Join(t.TempDir(), "policy")
	if err := os.WriteFile(policyFile, []byte(policyText), 0o644); err != nil {
		t.Fatal(err)
	}
	// Evidence recipients, so that the anonymous form is open.
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	recipients := filepath.Join(t.TempDir(), "recipients.txt")
	if err := os.WriteFile(recipients, []byte(id.Recipient().String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	policy, err := tlog.ParsePolicy([]byte(policyText))
	if err != nil {
		t.Fatal(err)
	}
	v, err := tlog.NewVerifier(vkey, policy)
	if err != nil {
		t.Fatal(err)
	}

	run := func(args ...string) string {
		t.Helper()
		out, err := exec.Command(bin, append([]string{args[0], "-postgres", dsn}, args[1:]...)...).CombinedOutput()
		if err != nil {
			t.Fatalf("iltod %s: %v\n%s", args[0], err, out)
		}
		return string(out)
	}
	run("load", "-data", t.TempDir(), exampleDir)
	const devices = 6
	var codes []string
	for range devices {
		m := codeRe.FindStringSubmatch(run("enroll", "-lang", "en", "-data", t.TempDir(), "-election", "example-2024", "-observer", "1001"))
		if m == nil {
			t.Fatal("enroll printed no code")
		}
		codes = append(codes, m[1])
	}

	start := func(n *clusterNode) {
		t.Helper()
		if err := os.MkdirAll(n.data, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(n.data, "log.key"), []byte(skey+"\n"), 0o600); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "serve", "-postgres", dsn, "-data", n.data, "-addr", n.addr, "-origin", origin,
			"-witness-policy", policyFile, "-evidence-recipients", recipients, "-log-level", "info")
		n.proc = startCmd(t, cmd, n.addr)
		n.dead = false
	}
	nodes := make([]*clusterNode, 3)
	for i := range nodes {
		nodes[i] = &clusterNode{data: filepath.Join(t.TempDir(), fmt.Sprint("node", i)), addr: freePort(t)}
		start(nodes[i])
	}
	defer func() {
		if t.Failed() {
			for i, n := range nodes {
				t.Logf("instance %d:\n%s", i, n.proc.logs)
			}
		}
	}()

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	type storedCP struct {
		size   int64
		signer string
		at     time.Time
	}
	latest := func() (storedCP, bool) {
		var c storedCP
		var at string
		err := db.QueryRow(`SELECT size, signer, time FROM checkpoints ORDER BY size DESC LIMIT 1`).Scan(&c.size, &c.signer, &at)
		if err != nil {
			return c, false
		}
		c.at, _ = time.Parse(time.RFC3339Nano, at)
		return c, true
	}
	waitFor := func(what string, d time.Duration, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(d); !ok(); time.Sleep(50 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("%s: not within %v", what, d)
			}
		}
	}
	waitFor("a first stored checkpoint", 15*time.Second, func() bool { _, ok := latest(); return ok })

	keys := make([]ed25519.PrivateKey, devices)
	for i, code := range codes {
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		body, _ := json.Marshal(map[string]string{"code": code, "key": base64.StdEncoding.EncodeToString(pub)})
		resp, err := http.Post("http://"+nodes[i%3].addr+"/api/v1/devices", "application/json", bytes.NewReader(body))
		if err != nil || resp.StatusCode != http.StatusCreated {
			t.Fatalf("enroll device: %v %v", err, resp)
		}
		resp.Body.Close()
		keys[i] = priv
	}

	// Watch every instance's checkpoint: for each size, every instance must serve the
	// same bytes.
	var mu sync.Mutex
	bySize := map[uint64][][]byte{}
	alive := func() []*clusterNode {
		mu.Lock()
		defer mu.Unlock()
		var out []*clusterNode
		for _, n := range nodes {
			if !n.dead {
				out = append(out, n)
			}
		}
		return out
	}
	watchCtx, stopWatch := context.WithCancel(context.Background())
	var watch sync.WaitGroup
	watch.Add(1)
	go func() {
		defer watch.Done()
		for watchCtx.Err() == nil {
			for _, n := range alive() {
				cp, err := getOK("http://" + n.addr + "/log/checkpoint")
				if err != nil {
					continue
				}
				size := checkpointSize(cp)
				mu.Lock()
				seen := false
				for _, b := range bySize[size] {
					seen = seen || bytes.Equal(b, cp)
				}
				if !seen {
					bySize[size] = append(bySize[size], cp)
				}
				mu.Unlock()
			}
			time.Sleep(30 * time.Millisecond)
		}
	}()

	// Send reports to all three, as a load balancer would, moving on to the next
	// instance when one does not answer.
	var acks []ackedReport
	sent := 0
	sendCtx, stopSend := context.WithCancel(context.Background())
	var send sync.WaitGroup
	client := &http.Client{Timeout: 5 * time.Second}
	for d := range devices {
		send.Add(1)
		go func() {
			defer send.Done()
			for n := 0; sendCtx.Err() == nil; n++ {
				mu.Lock()
				sent += 5
				mu.Unlock()
				got, err := postReports(client, "http://"+nodes[(d+n)%3].addr, fmt.Sprintf("cl-%d", d), keys[d], n, 5)
				if err != nil {
					continue // that instance is gone: nothing acknowledged; try the next
				}
				mu.Lock()
				acks = append(acks, got...)
				mu.Unlock()
			}
		}()
	}

	time.Sleep(2 * time.Second)
	before, _ := latest()
	victim := -1
	for i, n := range nodes {
		if strings.HasSuffix(before.signer, "/"+strconv.Itoa(n.proc.cmd.Process.Pid)) {
			victim = i
		}
	}
	if victim < 0 {
		t.Fatalf("the latest checkpoint's signer %q is none of the instances", before.signer)
	}
	mu.Lock()
	nodes[victim].dead = true
	mu.Unlock()
	killed := time.Now()
	if err := nodes[victim].proc.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	nodes[victim].proc.cmd.Wait()
	var takeover storedCP
	waitFor("another instance signing", 10*time.Second, func() bool {
		c, ok := latest()
		takeover = c
		return ok && c.signer != before.signer
	})
	took := time.Since(killed)
	time.Sleep(2 * time.Second) // reports go on to the two left
	stopSend()
	send.Wait()

	// The log catches up with every stored event, on a checkpoint the others serve.
	var lastSeq int64
	if err := db.QueryRow(`SELECT max(seq) FROM events`).Scan(&lastSeq); err != nil {
		t.Fatal(err)
	}
	waitFor("a checkpoint covering every event", 15*time.Second, func() bool {
		c, ok := latest()
		return ok && c.size >= lastSeq
	})
	final, _ := latest()
	for _, n := range alive() {
		waitFor("every instance serving the final checkpoint", 10*time.Second, func() bool {
			cp, err := getOK("http://" + n.addr + "/log/checkpoint")
			return err == nil && checkpointSize(cp) == uint64(final.size)
		})
	}
	stopWatch()
	watch.Wait()

	if len(acks) < 100 {
		t.Fatalf("only %d reports acknowledged; the test proves little", len(acks))
	}
	// Every acknowledged report is kept, and its receipt, from either instance left,
	// verifies under the witness policy.
	lost := 0
	live := alive()
	for i, a := range acks {
		receipt, err := getOK("http://" + live[i%len(live)].addr + "/api/v1/reports/" + a.id + "/receipt")
		if err != nil {
			lost++
			t.Errorf("acknowledged report %s: %v", a.id, err)
			continue
		}
		if _, err := v.VerifyEnvelope(a.envelope, receipt); err != nil {
			t.Errorf("report %s: the receipt does not verify: %v", a.id, err)
		}
	}

	// One checkpoint per size across instances; each cosigned and consistent with the
	// final one, so the witness cosigned a single history across the failover.
	finalNote, err := getOK("http://" + live[0].addr + "/log/checkpoint")
	if err != nil {
		t.Fatal(err)
	}
	tiles, err := tlog.OpenTiles("http://"+live[1].addr+"/log/", nil)
	if err != nil {
		t.Fatal(err)
	}
	for size, cps := range bySize {
		if len(cps) != 1 {
			t.Errorf("size %d: the instances served %d different checkpoints:\n%s", size, len(cps), bytes.Join(cps, []byte("\n")))
		}
		for _, cp := range cps {
			if _, err := v.VerifyCheckpoint(cp); err != nil {
				t.Errorf("a served checkpoint fails the witness policy: %v\n%s", err, cp)
			}
			if _, err := v.VerifyConsistency(context.Background(), cp, finalNote, tiles); err != nil {
				t.Errorf("the checkpoint of size %d is not consistent with the final one: %v", size, err)
			}
		}
	}
	if n := w.TreeSize(t, origin); n != final.size {
		t.Errorf("the witness last cosigned size %d, want the final %d", n, final.size)
	}

	// The killed instance comes back with an empty log directory: it rebuilds its tiles
	// from the store, checks them against the last witnessed checkpoint, and serves the
	// same bytes as the others.
	rebuilt := nodes[victim]
	if err := os.RemoveAll(filepath.Join(rebuilt.data, LogDir)); err != nil {
		t.Fatal(err)
	}
	rebuildStart := time.Now()
	start(rebuilt)
	rebuildTook := time.Since(rebuildStart)
	got, err := getOK("http://" + rebuilt.addr + "/log/checkpoint")
	if err != nil || !bytes.Equal(got, finalNote) {
		t.Fatalf("the rebuilt instance serves %q (%v), want the final checkpoint", got, err)
	}
	// Its log directory is a complete log with the witnessed checkpoint, from which the
	// public dataset exports and verifies under the witness policy.
	if cp, err := os.ReadFile(filepath.Join(rebuilt.data, LogDir, "checkpoint")); err != nil || !bytes.Equal(cp, finalNote) {
		t.Errorf("the rebuilt instance's checkpoint file is %q (%v), want the final checkpoint", cp, err)
	}
	dataset := filepath.Join(t.TempDir(), "dataset")
	if out, err := exec.Command(bin, "export", "dataset", "-postgres", dsn, "-data", rebuilt.data, "-election", "example-2024",
		"-witness-policy", policyFile, "-out", dataset).CombinedOutput(); err != nil {
		t.Fatalf("export dataset: %v\n%s", err, out)
	}
	if out, err := exec.Command(bin, "verify", "dataset", "-lang", "en", dataset).CombinedOutput(); err != nil {
		t.Errorf("the dataset exported from a cluster instance does not verify: %v\n%s", err, out)
	}
	paths := tilePaths(uint64(final.size))
	for _, p := range paths {
		want, err := getOK("http://" + live[0].addr + "/log/" + p)
		if err != nil {
			t.Fatalf("%s from a running instance: %v", p, err)
		}
		got, err := getOK("http://" + rebuilt.addr + "/log/" + p)
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s: the rebuilt instance serves other bytes (%v)", p, err)
		}
	}
	// A citizen's form given by one instance is taken by another, and the same form sent
	// again to a third files nothing: the form's key and spent tokens are in the store.
	all := []*clusterNode{live[0], live[1], rebuilt}
	form, err := getOK("http://" + all[0].addr + "/e/example-2024/report?lang=en")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`name="token" value="([^"]+)"`).FindSubmatch(form)
	if m == nil {
		t.Fatalf("the report form has no token:\n%s", form)
	}
	citizen := map[string]string{"token": string(m[1]), "category": "freedoms.journalist_attacked", "date": "2024-06-27",
		"time": "18:30", "area": "", "station": "UB-001", "text": "Two men pushed the reporter Dolgor into a car near the school."}
	if status, body := postForm(t, "http://"+all[1].addr+"/e/example-2024/report?lang=en", citizen); status != http.StatusOK ||
		!strings.Contains(body, "data-followup-code") {
		t.Errorf("a form from one instance, sent to another: %d\n%s", status, body)
	}
	if status, _ := postForm(t, "http://"+all[2].addr+"/e/example-2024/report?lang=en", citizen); status != http.StatusConflict {
		t.Errorf("the same form sent again to a third instance: %d, want 409", status)
	}

	t.Logf("takeover: instance %d (signer %s) killed; %s signed size %d after %v (stored %v after the kill)",
		victim, before.signer, takeover.signer, takeover.size, took.Round(time.Millisecond), takeover.at.Sub(killed).Round(time.Millisecond))
	t.Logf("reports: %d sent, %d acknowledged, %d lost; final checkpoint size %d; %d sizes watched, one checkpoint each",
		sent, len(acks), lost, final.size, len(bySize))
	t.Logf("rebuild: %d events in %v; %d tile paths byte-identical", final.size, rebuildTook.Round(time.Millisecond), len(paths))
}

// ackedReport is a report a server acknowledged, with its signed envelope.
type ackedReport struct {
	id       string
	envelope []byte
}

// postReports signs batch reports, of ids prefix-n-k, with key, posts them in one
// request to the report API at base, and returns those the server acknowledged. An error
// means that none was: the server did not answer, or not with 200 and a whole body.
func postReports(client *http.Client, base, prefix string, key ed25519.PrivateKey, n, batch int) ([]ackedReport, error) {
	envs := make([]json.RawMessage, batch)
	ids := make([]string, batch)
	for k := range batch {
		r := iltod.Report{ID: fmt.Sprintf("%s-%06d-%d", prefix, n, k), Election: "example-2024",
			Station: "UB-001", Form: "results", FormVersion: 1, DeviceTime: "2024-06-28T22:00:00+08:00",
			Answers: goodAnswersFor(n)}
		env, err := iltod.SignReport(r, key)
		if err != nil {
			return nil, err
		}
		envs[k], ids[k] = env.Bytes(), r.ID
	}
	body, _ := json.Marshal(map[string]any{"envelopes": envs})
	resp, err := client.Post(base+"/api/v1/reports", "application/json", bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Results []struct {
			Receipt *struct{ ID string } `json:"receipt"`
		} `json:"results"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("POST reports: %s", resp.Status)
	}
	var acked []ackedReport
	for i, res := range out.Results {
		if res.Receipt != nil && i < batch {
			acked = append(acked, ackedReport{ids[i], envs[i]})
		}
	}
	return acked, nil
}

// postForm POSTs fields as a multipart form and returns the status and body.
func postForm(t *testing.T, u string, fields map[string]string) (int, string) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		mw.WriteField(k, v)
	}
	mw.Close()
	resp, err := http.Post(u, mw.FormDataContentType(), &buf)
	if err != nil {
		t.Fatalf("POST %s: %v", u, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// startCmd starts an iltod serve command and waits until it answers on addr.
func startCmd(t *testing.T, cmd *exec.Cmd, addr string) *serverProcess {
	t.Helper()
	logs := &lockedBuffer{}
	cmd.Stdout, cmd.Stderr = logs, logs
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	p := &serverProcess{cmd: cmd, logs: &logs.buf, base: "http://" + addr}
	t.Cleanup(func() { cmd.Process.Kill(); cmd.Wait() })
	for deadline := time.Now().Add(60 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		if resp, err := http.Get(p.base + "/healthz"); err == nil {
			resp.Body.Close()
			return p
		}
		if cmd.ProcessState != nil {
			break
		}
	}
	t.Fatalf("the server did not start:\n%s", logs.String())
	return nil
}

// lockedBuffer is a buffer a process writes to while the test reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// getOK returns the body of a GET that answered 200.
func getOK(u string) ([]byte, error) {
	resp, err := http.Get(u)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err == nil && resp.StatusCode != http.StatusOK {
		err = fmt.Errorf("%s: %s", resp.Status, b)
	}
	return b, err
}

// checkpointSize reads the size line of a checkpoint, 0 if it has none.
func checkpointSize(cp []byte) uint64 {
	lines := strings.SplitN(string(cp), "\n", 3)
	if len(lines) < 3 {
		return 0
	}
	n, _ := strconv.ParseUint(lines[1], 10, 64)
	return n
}

// tilePaths lists the paths of every hash tile and entry bundle of a tree of size n, as
// a client reading that tree fetches them.
func tilePaths(n uint64) []string {
	var out []string
	for i := uint64(0); i*256 < n; i++ {
		out = append(out, layout.EntriesPath(i, layout.PartialTileSize(0, i, n)))
	}
	for level := uint64(0); n>>(8*level) > 0; level++ {
		nodes := n >> (8 * level)
		for i := uint64(0); i*256 < nodes; i++ {
			out = append(out, layout.TilePath(level, i, layout.PartialTileSize(level, i, n)))
		}
	}
	return out
}
