package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/gateway"
)

// smsBenchMessages is the issue's load: 10,000 SMS, as in a minute of election night.
// ILTOD_BENCH_SMS changes it, for a quicker look.
var smsBenchMessages = envInt("ILTOD_BENCH_SMS", 10000)

func envInt(name string, def int) int {
	if n, err := strconv.Atoi(os.Getenv(name)); err == nil && n > 0 {
		return n
	}
	return def
}

// BenchmarkSMSWebhook sends 10,000 SMS through the generic HMAC webhook over loopback,
// each request signed and each answered with its reply, from 32 concurrent clients, and
// then, in the same run on the same server, 10,000 signed reports to POST
// /api/v1/reports one per request: the API ingest the SMS path is compared with. It
// reports messages/s and the p99 time to a reply for SMS, reports/s and the p99 time to
// an acknowledgement for the API, and their ratio. Each phase is bounded to 2 minutes.
// Run it with: go test -run XXX -bench SMSWebhook -benchtime 1x ./cmd/iltod
func BenchmarkSMSWebhook(b *testing.B) {
	const clients = 32
	ctx := context.Background()
	dir := b.TempDir()
	secret := "bench-hmac-secret-0123456789"
	cfgFile := filepath.Join(dir, "gateways.json")
	os.WriteFile(cfgFile, []byte(`{"hmac":{"secret":"`+secret+`"}}`), 0o600)
	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: filepath.Join(dir, "data")}, Addr: "127.0.0.1:0",
		Origin: "bench.test/log", GatewaysFile: cfgFile}}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		b.Fatal(err)
	}
	p, err := electionpkg.ReadDir(exampleDir)
	if err != nil {
		b.Fatal(err)
	}
	// Many observers, each sending a few messages, as on election night: one observer
	// sending thousands would measure the duplicate check's reading of their history.
	const benchObservers = 1000
	phones := make([]string, benchObservers)
	observers := make([]string, benchObservers)
	for i := range benchObservers {
		observers[i], phones[i] = strconv.Itoa(500000+i), fmt.Sprintf("+9768%07d", i)
		p.Observers = append(p.Observers, iltod.Observer{Code: observers[i], Name: "bench", Phones: []string{phones[i]},
			Stations: []string{"UB-001"}, Role: iltod.Static})
	}
	if err := m.App.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
		b.Fatal(err)
	}
	priv := enrollBenchDevice(b, m)
	if err := m.Serve(ctx); err != nil {
		b.Fatal(err)
	}
	base := m.URL()

	// Build every request before the clock starts: the senders' work is not the server's.
	smsBodies := make([][]byte, smsBenchMessages)
	for i := range smsBodies {
		o := i % benchObservers
		text := fmt.Sprintf("OP %s AA08%02d AB1 AC%d", observers[o], i%60, i%21)
		smsBodies[i], _ = json.Marshal(gateway.HMACMessage{ID: fmt.Sprintf("bench-%06d", i), From: phones[o], Text: text,
			Received: "2024-06-28T08:00:00+08:00"})
	}
	apiBodies := make([][]byte, smsBenchMessages)
	for i := range apiBodies {
		r := iltod.Report{ID: fmt.Sprintf("bench-api-%06d", i), Election: "example-2024", Station: "UB-001", Form: "results",
			FormVersion: 1, DeviceTime: "2024-06-28T22:00:00+08:00", Answers: goodAnswersFor(i)}
		env, err := iltod.SignReport(r, priv)
		if err != nil {
			b.Fatal(err)
		}
		apiBodies[i] = env.Bytes()
	}
	client := &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: clients}, Timeout: 30 * time.Second}

	var sample sync.Once
	var statusMu sync.Mutex
	statuses := map[string]int{}
	count := func(k string) {
		statusMu.Lock()
		statuses[k]++
		statusMu.Unlock()
	}
	b.ResetTimer()
	smsRate, smsP99, smsFailed := hammer(clients, smsBodies, func(body []byte) bool {
		req, _ := http.NewRequest(http.MethodPost, base+"sms/example-2024/webhook", bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set(gateway.SignatureHeader, gateway.Sign(secret, body))
		resp, err := client.Do(req)
		if err != nil {
			count("transport error")
			return false
		}
		defer resp.Body.Close()
		var reply struct{ To, Text string }
		ok := resp.StatusCode == 200 && json.NewDecoder(resp.Body).Decode(&reply) == nil && reply.Text != "" && reply.To != ""
		if !ok {
			count(fmt.Sprintf("status %d", resp.StatusCode))
		}
		sample.Do(func() { b.Logf("a reply: %q", reply.Text) })
		return ok
	})
	apiRate, apiP99, apiFailed := hammer(clients, apiBodies, func(body []byte) bool {
		resp, err := client.Post(base+"api/v1/reports", "application/json", bytes.NewReader(body))
		if err != nil {
			return false
		}
		defer resp.Body.Close()
		var out struct {
			Receipt *app.Receipt `json:"receipt"`
		}
		return resp.StatusCode/100 == 2 && json.NewDecoder(resp.Body).Decode(&out) == nil && out.Receipt != nil
	})
	b.StopTimer()
	if smsFailed > 0 || apiFailed > 0 {
		b.Fatalf("failed: %d SMS (%v; the rest not sent within the bound), %d API reports", smsFailed, statuses, apiFailed)
	}
	b.ReportMetric(smsRate, "sms/s")
	b.ReportMetric(float64(smsP99.Microseconds())/1000, "sms-p99-reply-ms")
	b.ReportMetric(apiRate, "api-reports/s")
	b.ReportMetric(float64(apiP99.Microseconds())/1000, "api-p99-ack-ms")
	b.ReportMetric(smsRate/apiRate, "sms/api")
	b.ReportMetric(smsRate*60, "sms/min")
}

// hammer sends every body with send from clients goroutines, for at most 2 minutes, and
// returns the rate of successful sends per second, the p99 latency and the failures.
func hammer(clients int, bodies [][]byte, send func([]byte) bool) (float64, time.Duration, int64) {
	lat := make([]time.Duration, len(bodies))
	var next, failed atomic.Int64
	deadline := time.Now().Add(2 * time.Minute)
	start := time.Now()
	var wg sync.WaitGroup
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for time.Now().Before(deadline) {
				i := int(next.Add(1) - 1)
				if i >= len(bodies) {
					return
				}
				t0 := time.Now()
				if !send(bodies[i]) {
					failed.Add(1)
				}
				lat[i] = time.Since(t0)
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	n := min(int(next.Load()), len(bodies))
	done := lat[:n]
	slices.Sort(done)
	if n < len(bodies) {
		failed.Add(int64(len(bodies) - n))
	}
	return float64(n-int(failed.Load())) / elapsed.Seconds(), done[max(0, n*99/100-1)], failed.Load()
}

// enrollBenchDevice enrolls one device for observer 1001 and returns its key.
func enrollBenchDevice(b *testing.B, m *Main) ed25519.PrivateKey {
	ctx := context.Background()
	code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), "example-2024", "1001", time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := m.App.Enroll(ctx, code, pub); err != nil {
		b.Fatal(err)
	}
	return priv
}
