package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
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

// BenchmarkIngest measures end-to-end ingest over loopback HTTP: signed envelopes in
// batches from concurrent clients, every signature verified, every acknowledgement
// durable (SQLite, synchronous=FULL), the log following. It reports reports/s, the p50
// and p99 of acknowledgement latency per request, the p50 time from acknowledgement to a
// full receipt, and the machine's Ed25519 verification rate measured in the same run.
// Run it with: go test -run XXX -bench Ingest -benchtime 40000x ./cmd/iltod
func BenchmarkIngest(b *testing.B) {
	const (
		clients = 32
		batch   = 50
		devices = 16
	)
	ctx := context.Background()
	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: b.TempDir()}, Addr: "127.0.0.1:0", Origin: "bench.test/log"}}
	defer m.Close()
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
	base := m.URL()

	// Sign every report before the clock starts: the devices' work is not the server's.
	requests := (b.N + batch - 1) / batch
	bodies := make([][]byte, requests)
	ids := make([][]string, requests)
	for r := range bodies {
		var envs []json.RawMessage
		for k := 0; k < batch; k++ {
			r := iltod.Report{ID: fmt.Sprintf("bench-%08d-%02d", r, k), Election: "example-2024",
				Station: "UB-001", Form: "results", FormVersion: 1, DeviceTime: "2024-06-28T22:00:00+08:00", Answers: goodAnswersFor(k)}
			env, err := iltod.SignReport(r, keys[k%devices])
			if err != nil {
				b.Fatal(err)
			}
			envs = append(envs, env.Bytes())
		}
		bodies[r], _ = json.Marshal(map[string]any{"envelopes": envs})
		ids[r] = []string{fmt.Sprintf("bench-%08d-%02d", r, 0)}
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}}
	latencies := make([]time.Duration, requests)
	acked := make([]time.Time, requests)
	var next atomic.Int64
	var failed atomic.Int64
	// Receipt delay: for a sample of requests, how long after the acknowledgement the
	// full receipt is available, polled every 10 ms from the moment of the acknowledgement.
	step := max(1, requests/100)
	var polls sync.WaitGroup
	var delayMu sync.Mutex
	var delays []time.Duration
	pollReceipt := func(r int) {
		defer polls.Done()
		for {
			resp, err := http.Get(base + "api/v1/reports/" + ids[r][0] + "/receipt")
			if err == nil {
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
			time.Sleep(10 * time.Millisecond)
		}
	}
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for c := 0; c < clients; c++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				r := int(next.Add(1) - 1)
				if r >= requests {
					return
				}
				t0 := time.Now()
				resp, err := client.Post(base+"api/v1/reports", "application/json", bytes.NewReader(bodies[r]))
				if err != nil {
					failed.Add(1)
					continue
				}
				var out struct {
					Results []struct {
						Receipt *app.Receipt `json:"receipt"`
					} `json:"results"`
				}
				err = json.NewDecoder(resp.Body).Decode(&out)
				resp.Body.Close()
				if err != nil || len(out.Results) != batch || out.Results[0].Receipt == nil {
					failed.Add(1)
					continue
				}
				acked[r] = time.Now()
				latencies[r] = acked[r].Sub(t0)
				if r%step == 0 {
					polls.Add(1)
					go pollReceipt(r)
				}
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	polls.Wait()
	b.StopTimer()
	if failed.Load() > 0 {
		b.Fatalf("%d requests failed", failed.Load())
	}
	slices.Sort(latencies)
	slices.Sort(delays)
	rate := float64(requests*batch) / elapsed.Seconds()
	verify := ed25519Rate(time.Second)
	b.ReportMetric(rate, "reports/s")
	b.ReportMetric(float64(latencies[len(latencies)/2].Microseconds())/1000, "p50-ack-ms")
	b.ReportMetric(float64(latencies[len(latencies)*99/100].Microseconds())/1000, "p99-ack-ms")
	b.ReportMetric(float64(delays[len(delays)/2].Microseconds())/1000, "p50-receipt-ms")
	b.ReportMetric(verify, "ed25519-verify/s")
	b.ReportMetric(rate/verify, "ingest/verify")
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
