package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/cputime"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/internal/synth"
)

// ed25519Rate measures how many Ed25519 signatures this machine verifies per second on
// all its cores, for d: the ceiling for any ingest that verifies every report.
func ed25519Rate(d time.Duration) float64 {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	msg := bytes.Repeat([]byte("x"), 600)
	sig := ed25519.Sign(priv, msg)
	var n atomic.Int64
	var wg sync.WaitGroup
	stop := time.Now().Add(d)
	for w := 0; w < runtime.GOMAXPROCS(0); w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(stop) {
				for i := 0; i < 100; i++ {
					ed25519.Verify(pub, msg, sig)
				}
				n.Add(100)
			}
		}()
	}
	wg.Wait()
	return float64(n.Load()) / d.Seconds()
}

// ingestServer is a served instance with the example election loaded and devices
// enrolled, and every report of the run signed before the clock starts: the devices'
// work is not the server's.
type ingestServer struct {
	m      *Main
	base   string
	bodies [][]byte // one request each
	ids    []string // the first report id of each request
}

func newIngestServer(b *testing.B, reports, batch int) *ingestServer {
	const devices = 16
	ctx := context.Background()
	b.Cleanup(tuneServerGC()) // the server as iltod serve runs it
	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: b.TempDir()}, Addr: "127.0.0.1:0", Origin: "bench.test/log"}}
	b.Cleanup(func() { m.Close() })
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	p, err := electionpkg.ReadDir(exampleDir)
	if err != nil {
		b.Fatal(err)
	}
	if err := m.App.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
		b.Fatal(err)
	}
	keys := make([]ed25519.PrivateKey, devices)
	for i := range keys {
		code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), "example-2024", "1001", time.Hour)
		if err != nil {
			b.Fatal(err)
		}
		pub, priv, _ := ed25519.GenerateKey(rand.Reader)
		if _, err := m.App.Enroll(ctx, code, pub); err != nil {
			b.Fatal(err)
		}
		keys[i] = priv
	}
	if err := m.Serve(ctx); err != nil {
		b.Fatal(err)
	}
	s := &ingestServer{m: m, base: m.URL()}
	requests := (reports + batch - 1) / batch
	s.bodies = make([][]byte, requests)
	s.ids = make([]string, requests)
	for r := range s.bodies {
		var envs []json.RawMessage
		for k := 0; k < batch; k++ {
			rep := iltod.Report{ID: fmt.Sprintf("bench-%08d-%02d", r, k), Election: "example-2024",
				Station: "UB-001", Form: "results", FormVersion: 1, DeviceTime: "2024-06-28T22:00:00+08:00", Answers: goodAnswersFor(r*batch + k)}
			env, err := iltod.SignReport(rep, keys[(r*batch+k)%devices])
			if err != nil {
				b.Fatal(err)
			}
			envs = append(envs, env.Bytes())
		}
		if batch == 1 {
			s.bodies[r] = envs[0] // one report per request: the envelope is the body
		} else {
			s.bodies[r], _ = json.Marshal(map[string]any{"envelopes": envs})
		}
		s.ids[r] = fmt.Sprintf("bench-%08d-%02d", r, 0)
	}
	return s
}

// ingestRun is what one run of clients against a server measured.
type ingestRun struct {
	elapsed   time.Duration
	latencies []time.Duration // acknowledgement latency of each request, sorted
	delays    []time.Duration // acknowledgement to full receipt, for a sample, sorted
}

func (r ingestRun) p(q int) float64 {
	return float64(r.latencies[len(r.latencies)*q/100].Microseconds()) / 1000
}

// receiptPoll is how often a sampled request asks for its full receipt. A phone asks
// every few seconds; polling every 10 ms, the few hundred sampled requests of a run
// cost the server 5% of its CPU (pprof), which the ingest it measures paid for.
const receiptPoll = 50 * time.Millisecond

// ingestClients posts bodies to url from clients concurrent clients and checks each
// answer with ok, which gets the response body. If receipt is not nil, it is polled for
// a sample of requests until the full receipt is there.
func ingestClients(b *testing.B, clients int, url string, bodies [][]byte, ok func(status int, body []byte) bool, receipt func(r int) string) ingestRun {
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	defer client.CloseIdleConnections()
	requests := len(bodies)
	latencies := make([]time.Duration, requests)
	acked := make([]time.Time, requests)
	var next, failed atomic.Int64
	step := max(1, requests/100)
	var polls sync.WaitGroup
	var delayMu sync.Mutex
	var delays []time.Duration
	pollReceipt := func(r int) {
		defer polls.Done()
		for {
			resp, err := client.Get(receipt(r))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode == 200 {
					delayMu.Lock()
					delays = append(delays, time.Since(acked[r]))
					delayMu.Unlock()
					return
				}
			}
			if time.Since(acked[r]) > 30*time.Second {
				failed.Add(1)
				return
			}
			time.Sleep(receiptPoll)
		}
	}
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var buf bytes.Buffer
			for {
				r := int(next.Add(1) - 1)
				if r >= requests {
					return
				}
				t0 := time.Now()
				req, _ := http.NewRequest(http.MethodPost, url, bytes.NewReader(bodies[r]))
				req.Header.Set("Content-Type", "application/json")
				// The observer app sends its clock with every request (qa.DeviceTimeHeader).
				req.Header.Set(qa.DeviceTimeHeader, t0.Format(time.RFC3339))
				resp, err := client.Do(req)
				if err != nil {
					failed.Add(1)
					continue
				}
				buf.Reset()
				_, err = buf.ReadFrom(resp.Body)
				resp.Body.Close()
				if err != nil || !ok(resp.StatusCode, buf.Bytes()) {
					failed.Add(1)
					continue
				}
				acked[r] = time.Now()
				latencies[r] = acked[r].Sub(t0)
				if receipt != nil && r%step == 0 {
					polls.Add(1)
					go pollReceipt(r)
				}
			}
		}()
	}
	wg.Wait()
	run := ingestRun{elapsed: time.Since(start)}
	polls.Wait()
	if failed.Load() > 0 {
		b.Fatalf("%d requests failed", failed.Load())
	}
	slices.Sort(latencies)
	slices.Sort(delays)
	run.latencies, run.delays = latencies, delays
	return run
}

// receiptsOK returns a check of an answer to a batch of n: each result a receipt with a
// sequence number and the log's promise. A device keeps those; it reads the checks'
// details only to show them, so the benchmark's clients, which share the server's
// cores, do not parse them. Every answer is checked to hold n receipts, n promises and
// no error; one in fullEvery is also decoded, and each of its receipts checked. Decoding
// every answer cost the clients 6% of the run's CPU (pprof), which ingest paid for.
func receiptsOK(n int) func(int, []byte) bool {
	const fullEvery = 16
	var calls atomic.Int64
	receipts, promises, errs := []byte(`"receipt":{`), []byte(`,"promise":"`), []byte(`{"error":{`)
	if n == 1 { // the answer is the receipt itself
		receipts = []byte(`{"election":`)
	}
	return func(status int, body []byte) bool {
		if status/100 != 2 || bytes.Count(body, receipts) != n || bytes.Count(body, promises) != n || bytes.Contains(body, errs) {
			return false
		}
		if calls.Add(1)%fullEvery != 0 {
			return true
		}
		var out struct {
			Results []struct {
				Receipt *struct {
					Seq     uint64 `json:"seq"`
					Promise string `json:"promise"`
				} `json:"receipt"`
			} `json:"results"`
			Receipt *struct {
				Seq     uint64 `json:"seq"`
				Promise string `json:"promise"`
			} `json:"receipt"`
		}
		if status/100 != 2 || json.Unmarshal(body, &out) != nil {
			return false
		}
		if n == 1 && out.Receipt != nil {
			return out.Receipt.Seq > 0 && out.Receipt.Promise != ""
		}
		if len(out.Results) != n {
			return false
		}
		for _, r := range out.Results {
			if r.Receipt == nil || r.Receipt.Seq == 0 || r.Receipt.Promise == "" {
				return false
			}
		}
		return true
	}
}

// BenchmarkIngest measures end-to-end ingest over loopback HTTP: signed envelopes in
// batches of 50 from 32 concurrent clients, every signature verified, every
// acknowledgement durable (SQLite, synchronous=FULL) with the log's promise, the log
// following. It reports reports/s, the p50 and p99 of acknowledgement latency per
// request, the p50 time from acknowledgement to a full receipt, and the machine's
// Ed25519 verification rate on all cores measured in the same run (before and after
// the load, averaged), ingest/verify, their ratio, and cores-used, the CPU time of the
// server and its clients over the run's length.
// Run it with: go test -run XXX -bench 'Ingest$' -benchtime 40000x ./cmd/iltod
func BenchmarkIngest(b *testing.B) {
	const clients, batch = 32, 50
	s := newIngestServer(b, b.N, batch)
	before := ed25519Rate(time.Second)
	// CPU time over wall time: how many cores the server and its clients kept busy.
	cpu0, wall0 := cputime.Process(), time.Now()
	b.ResetTimer()
	run := ingestClients(b, clients, s.base+"api/v1/reports", s.bodies, receiptsOK(batch),
		func(r int) string { return s.base + "api/v1/reports/" + s.ids[r] + "/receipt" })
	b.StopTimer()
	// Over the whole call, the wait for the sampled receipts included, as CPU time is.
	b.ReportMetric((cputime.Process()-cpu0).Seconds()/time.Since(wall0).Seconds(), "cores-used")
	verify := (before + ed25519Rate(time.Second)) / 2
	rate := float64(len(s.bodies)*batch) / run.elapsed.Seconds()
	b.ReportMetric(rate, "reports/s")
	b.ReportMetric(run.p(50), "p50-ack-ms")
	b.ReportMetric(run.p(99), "p99-ack-ms")
	b.ReportMetric(float64(run.delays[len(run.delays)/2].Microseconds())/1000, "p50-receipt-ms")
	b.ReportMetric(verify, "ed25519-verify/s")
	b.ReportMetric(rate/verify, "ingest/verify")
}

// BenchmarkIngestSingle is BenchmarkIngest with one report per request, as a phone on a
// poor connection sends them, against its own baseline measured in the same run: the
// same clients posting the same bodies to a bare net/http handler on loopback that reads
// the body and answers a fixed receipt of the real answer's size (the cost of HTTP
// alone). It reports reports/s for both, single/http, their ratio, cores-used as
// BenchmarkIngest does, and
// single/http+verify, the ratio to the rate that HTTP plus one Ed25519 verification per
// request allows on this machine (1/(1/http + 1/verify)).
// Run it with: go test -run XXX -bench 'IngestSingle' -benchtime 10000x ./cmd/iltod
func BenchmarkIngestSingle(b *testing.B) {
	const clients = 32
	s := newIngestServer(b, b.N+1, 1)
	// The bare server's answer: a real receipt's bytes, taken from a first request that
	// is not timed (and not in the run: its report id is another).
	sample := s.bodies[0]
	resp, err := http.Post(s.base+"api/v1/reports", "application/json", bytes.NewReader(sample))
	if err != nil {
		b.Fatal(err)
	}
	answer, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	bare := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.Copy(io.Discard, r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		w.Write(answer)
	}))
	defer bare.Close()
	bodies := s.bodies[1:]
	ok := receiptsOK(1)
	baseRun := ingestClients(b, clients, bare.URL, bodies, ok, nil)
	verify := ed25519Rate(time.Second)
	cpu0, wall0 := cputime.Process(), time.Now()
	b.ResetTimer()
	run := ingestClients(b, clients, s.base+"api/v1/reports", bodies, ok,
		func(r int) string { return s.base + "api/v1/reports/" + s.ids[r+1] + "/receipt" })
	b.StopTimer()
	b.ReportMetric((cputime.Process()-cpu0).Seconds()/time.Since(wall0).Seconds(), "cores-used")
	baseRun2 := ingestClients(b, clients, bare.URL, bodies, ok, nil)
	httpRate := float64(len(bodies)) / ((baseRun.elapsed + baseRun2.elapsed).Seconds() / 2)
	rate := float64(len(bodies)) / run.elapsed.Seconds()
	b.ReportMetric(rate, "reports/s")
	b.ReportMetric(httpRate, "bare-http-req/s")
	b.ReportMetric(run.p(50), "p50-ack-ms")
	b.ReportMetric(run.p(99), "p99-ack-ms")
	b.ReportMetric(verify, "ed25519-verify/s")
	b.ReportMetric(rate/httpRate, "single/http")
	b.ReportMetric(rate*(1/httpRate+1/verify), "single/http+verify")
}

// BenchmarkLoad100k runs "iltod load" on a generated package of 100,000 stations written
// to disk, into each store: reading, validating and storing in one transaction. It
// reports stations per second. PostgreSQL runs when ILTOD_TEST_POSTGRES is set.
func BenchmarkLoad100k(b *testing.B) {
	p := synth.Package(100_000, 1)
	dir := b.TempDir()
	if err := electionpkg.Write(dir, p); err != nil {
		b.Fatal(err)
	}
	for name, flags := range storeArgsB(b) {
		b.Run(name, func(b *testing.B) {
			for i := 0; b.Loop(); i++ {
				args := append(append([]string{"load", "-replace"}, flags...), dir)
				var out, errOut bytes.Buffer
				if code := run(context.Background(), args, englishEnv, &out, &errOut); code != 0 {
					b.Fatalf("load: %s", errOut.String())
				}
			}
			b.ReportMetric(float64(b.N*100_000)/b.Elapsed().Seconds(), "stations/s")
		})
	}
}
