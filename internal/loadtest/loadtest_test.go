package loadtest

import (
	"context"
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

const body = "<!doctype html><title>page</title><p>hello</p>\n"

// counting is a test server on loopback that counts the requests its handler
// served and the connections it accepted.
type counting struct {
	*httptest.Server
	requests, conns atomic.Int64
	mu              sync.Mutex
	headers         http.Header // of the last request
}

func newCounting(t *testing.T, h http.HandlerFunc) *counting {
	t.Helper()
	c := &counting{}
	c.Server = httptest.NewUnstartedServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c.requests.Add(1)
		c.mu.Lock()
		c.headers = r.Header.Clone()
		c.mu.Unlock()
		h(w, r)
	}))
	c.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			c.conns.Add(1)
		}
	}
	c.Start() // on 127.0.0.1
	t.Cleanup(c.Close)
	return c
}

func page(w http.ResponseWriter, r *http.Request) { w.Write([]byte(body)) }

func TestCountsAddUp(t *testing.T) {
	srv := newCounting(t, page)
	r, err := Run(context.Background(), Config{
		URL:      srv.URL + "/",
		Clients:  4,
		Duration: 300 * time.Millisecond,
		Header:   http.Header{"X-Test": {"yes"}},
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	if r.Requests == 0 || r.Errors != 0 || r.Non2xx != 0 {
		t.Fatalf("result %v: want requests and no errors", r)
	}
	if got := srv.requests.Load(); got != int64(r.Requests) {
		t.Errorf("the server served %d requests, the result counts %d", got, r.Requests)
	}
	if want := int64(r.Requests * len(body)); r.Bytes != want {
		t.Errorf("Bytes = %d, want %d", r.Bytes, want)
	}
	if got := srv.conns.Load(); got > 4 {
		t.Errorf("%d connections for 4 clients: keep-alive is not working", got)
	}
	srv.mu.Lock()
	h := srv.headers
	srv.mu.Unlock()
	if h.Get("Accept-Encoding") != "gzip" || h.Get("X-Test") != "yes" || h.Get("User-Agent") != "iltod-loadtest" {
		t.Errorf("request headers = %v", h)
	}
	if r.RPS <= 0 || r.P50 <= 0 || r.P50 > r.P90 || r.P90 > r.P99 || r.P99 > r.Max {
		t.Errorf("figures out of order: %v", r)
	}
	if s := r.String(); !strings.Contains(s, "requests in") || strings.Contains(s, "\n") {
		t.Errorf("String() = %q", s)
	}
}

func TestLatency(t *testing.T) {
	srv := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(5 * time.Millisecond)
		page(w, r)
	})
	r, err := Run(context.Background(), Config{URL: srv.URL, Clients: 2, Duration: 300 * time.Millisecond, Warmup: 50 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	t.Log(r)
	if r.P50 < 5*time.Millisecond {
		t.Errorf("P50 = %v for a handler that sleeps 5ms", r.P50)
	}
	// Two clients in a closed loop of requests of at least 5 ms.
	if r.RPS > 2*1000/5 {
		t.Errorf("RPS = %.1f, more than two clients can do", r.RPS)
	}
}

func TestNon2xx(t *testing.T) {
	srv := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "broken", http.StatusInternalServerError)
	})
	r, err := Run(context.Background(), Config{URL: srv.URL, Clients: 2, Duration: 300 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Requests == 0 || r.Non2xx != r.Requests || r.Errors != 0 {
		t.Errorf("result %v: want every request non-2xx", r)
	}
}

func TestErrors(t *testing.T) {
	// A port on loopback where nothing listens.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	r, err := Run(context.Background(), Config{URL: "http://" + addr + "/", Clients: 1, Duration: 100 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors == 0 || r.Errors != r.Requests || r.FirstError == "" {
		t.Errorf("result %v: want every request an error", r)
	}
}

func TestRefusesOtherHosts(t *testing.T) {
	for _, u := range []string{
		"http://example.com/",
		"http://10.0.0.1/",
		"http://192.168.1.10:8080/",
		"http://[2001:db8::1]/",
		"http://localhost.example.com/",
		"https://127.0.0.1/", // http only
		"127.0.0.1:8080",
	} {
		_, err := Run(context.Background(), Config{URL: u, Clients: 1, Duration: time.Second})
		if err == nil {
			t.Errorf("Run(%q) did not refuse", u)
		}
	}
	srv := newCounting(t, page)
	for _, cfg := range []Config{
		{URL: srv.URL, Clients: 0, Duration: time.Second},
		{URL: srv.URL, Clients: 1, Duration: 0},
		{URL: srv.URL, Clients: 1, Duration: time.Second, Warmup: -time.Second},
	} {
		if _, err := Run(context.Background(), cfg); err == nil {
			t.Errorf("Run(%+v) did not refuse", cfg)
		}
	}
	if n := srv.requests.Load(); n != 0 {
		t.Errorf("refused runs sent %d requests", n)
	}
	for _, h := range []string{"localhost", "LocalHost", "127.0.0.1", "127.1.2.3", "::1"} {
		if !loopbackHost(h) {
			t.Errorf("loopbackHost(%q) = false", h)
		}
	}
}

func TestDialerRefusesOtherAddresses(t *testing.T) {
	// A name that passes the check of the URL but resolves elsewhere must
	// still not be reached: the dialer checks the address before it
	// connects. (Tested without dialing, so a bug sends nothing.)
	for _, addr := range []string{"192.0.2.1:80", "[2001:db8::1]:80", "10.1.2.3:8080"} {
		if err := loopbackOnly("tcp", addr, nil); !errors.Is(err, errNotLoopback) {
			t.Errorf("loopbackOnly(%s) = %v, want errNotLoopback", addr, err)
		}
	}
	for _, addr := range []string{"127.0.0.1:80", "127.3.2.1:8080", "[::1]:80"} {
		if err := loopbackOnly("tcp", addr, nil); err != nil {
			t.Errorf("loopbackOnly(%s) = %v, want nil", addr, err)
		}
	}
}

func TestStopsAtDuration(t *testing.T) {
	srv := newCounting(t, page)
	start := time.Now()
	r, err := Run(context.Background(), Config{URL: srv.URL, Clients: 3, Duration: 300 * time.Millisecond, Warmup: 100 * time.Millisecond})
	took := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if took < 400*time.Millisecond || took > 1500*time.Millisecond {
		t.Errorf("the run took %v, want about 400ms", took)
	}
	if r.Elapsed < 300*time.Millisecond || r.Elapsed > 800*time.Millisecond {
		t.Errorf("Elapsed = %v, want about 300ms", r.Elapsed)
	}
	// The warm-up requests reached the server but are not counted.
	if n := srv.requests.Load(); n <= int64(r.Requests) {
		t.Errorf("the server served %d requests, the result counts %d: no warm-up?", n, r.Requests)
	}
}

func TestContextCancelled(t *testing.T) {
	srv := newCounting(t, page)
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := Run(ctx, Config{URL: srv.URL, Clients: 2, Duration: 10 * time.Second})
	if err == nil || time.Since(start) > 2*time.Second {
		t.Errorf("Run with a cancelled context: %v after %v", err, time.Since(start))
	}
}

// TestCompareRounds: in CompareRounds turns, a slow page's throughput comes out below a
// fast one's.
func TestCompareRounds(t *testing.T) {
	fast := newCounting(t, page)
	slow := newCounting(t, func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(2 * time.Millisecond)
		page(w, r)
	})
	cfg := Config{Clients: 2, Duration: 250 * time.Millisecond, Warmup: 50 * time.Millisecond}
	a, b := cfg, cfg
	a.URL, b.URL = fast.URL, slow.URL
	rs, err := Interleave(context.Background(), CompareRounds, a, b)
	if err != nil {
		t.Fatal(err)
	}
	ra, rb := rs[0], rs[1]
	t.Logf("fast: %v\nslow: %v\nslow/fast: %.2f", ra, rb, rb.RPS/ra.RPS)
	if ra.RPS == 0 || rb.RPS <= 0 || rb.RPS >= ra.RPS {
		t.Errorf("slow %.1f/s against fast %.1f/s, want slower but not nothing", rb.RPS, ra.RPS)
	}
}

// TestInterleave: the configs take turns, each measured in every round, with Measuring
// around each round's measurement and never two at once; each keeps its connections;
// the rounds' durations add up to Duration.
func TestInterleave(t *testing.T) {
	a, b := newCounting(t, page), newCounting(t, page)
	var mu sync.Mutex
	var log []string
	var measuring atomic.Int32
	measure := func(name string) func(bool) {
		return func(on bool) {
			mu.Lock()
			defer mu.Unlock()
			log = append(log, fmt.Sprint(name, on))
			if on && measuring.Add(1) != 1 || !on && measuring.Add(-1) != 0 {
				t.Errorf("%s %v: another config is measuring", name, on)
			}
		}
	}
	ca := Config{URL: a.URL, Clients: 2, Duration: 300 * time.Millisecond, Warmup: 90 * time.Millisecond, Measuring: measure("a")}
	cb := Config{URL: b.URL, Clients: 3, Duration: 150 * time.Millisecond, Warmup: 30 * time.Millisecond, Measuring: measure("b")}
	start := time.Now()
	rs, err := Interleave(context.Background(), 3, ca, cb)
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	want := strings.Repeat("atrue afalse btrue bfalse ", 3)
	if got := strings.Join(log, " ") + " "; got != want {
		t.Errorf("Measuring calls: %s, want %s", got, want)
	}
	// Warm-ups: 90+30 ms first, then a third of each in each of two rounds.
	if min := 450*time.Millisecond + 120*time.Millisecond + 2*40*time.Millisecond; took < min {
		t.Errorf("took %v, less than the rounds and warm-ups (%v)", took, min)
	}
	for i, c := range []struct {
		srv     *counting
		cfg     Config
		clients int64
	}{{a, ca, 2}, {b, cb, 3}} {
		r := rs[i]
		if r.Requests == 0 || r.Errors != 0 || r.Non2xx != 0 || r.Requests >= int(c.srv.requests.Load()) {
			t.Errorf("config %d: %v, of %d requests served with the warm-ups", i, r, c.srv.requests.Load())
		}
		if r.Elapsed < c.cfg.Duration || r.Elapsed > c.cfg.Duration+200*time.Millisecond {
			t.Errorf("config %d: elapsed %v for a duration of %v", i, r.Elapsed, c.cfg.Duration)
		}
		if n := c.srv.conns.Load(); n > c.clients {
			t.Errorf("config %d: %d connections for %d clients: not kept from round to round", i, n, c.clients)
		}
	}
	if _, err := Interleave(context.Background(), 0, ca, cb); err == nil {
		t.Error("Interleave ran 0 rounds")
	}
	before := a.requests.Load()
	if _, err := Interleave(context.Background(), 2, ca, Config{URL: "http://example.com/", Clients: 1, Duration: time.Second}); err == nil {
		t.Error("Interleave ran with a host that is not loopback")
	}
	if a.requests.Load() != before {
		t.Error("Interleave sent requests before refusing a config")
	}
}

func TestHistogram(t *testing.T) {
	var h histogram
	if h.quantile(0.5) != 0 {
		t.Error("empty histogram: quantile not 0")
	}
	// Latencies from 1µs to 10s, spread over the decades.
	rng := rand.New(rand.NewPCG(1, 2))
	vals := make([]time.Duration, 100_000)
	for i := range vals {
		vals[i] = time.Duration(1000 * math.Pow(10, rng.Float64()*7))
		h.record(vals[i])
	}
	slices.Sort(vals)
	for _, q := range []float64{0.01, 0.5, 0.9, 0.99, 0.999, 1} {
		want := vals[int(q*float64(len(vals))+0.5)-1]
		got := h.quantile(q)
		if got < want || float64(got-want) > 0.01*float64(want) {
			t.Errorf("quantile(%v) = %v, want %v to within +1%%", q, got, want)
		}
	}
	if h.max != vals[len(vals)-1] {
		t.Errorf("max = %v, want %v", h.max, vals[len(vals)-1])
	}
	// Every value falls in a bucket whose upper bound is at or above it and
	// less than 1% above it.
	for _, v := range []uint64{0, 1, 127, 128, 129, 255, 256, 1000, 999_999, 1 << 40, 1<<63 - 1} {
		i := bucket(v)
		if i < 0 || i >= numBuckets || upper(i) < v || float64(upper(i)-v) > 0.0079*float64(v) {
			t.Errorf("value %d: bucket %d, upper %d", v, i, upper(i))
		}
		if i > 0 && upper(i-1) >= v {
			t.Errorf("value %d: bucket %d, but the bucket below ends at %d", v, i, upper(i-1))
		}
	}
}
