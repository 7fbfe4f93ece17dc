// Package loadtest measures how a page of iltod holds up under many
// concurrent clients: throughput and latency percentiles of GET requests to
// one URL, from a closed loop of clients with keep-alive connections.
//
// It talks only to loopback (127.0.0.0/8, ::1, localhost): [Run] refuses any
// other host, and its connections refuse any other address, so a load test
// can never send traffic off the machine. Its runs are bounded in time.
//
// The numbers are as good as the machine: the client and the server share
// its cores, so compare runs made on one machine in one process, in turns
// ([Interleave]), not figures from different days.
package loadtest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"syscall"
	"time"
)

// Config is one load test: Clients goroutines request URL, each as soon as
// its previous response was read in full, for Warmup and then Duration.
type Config struct {
	// URL is fetched with GET. Its scheme must be http and its host
	// loopback: 127.0.0.0/8, ::1 or localhost.
	URL string
	// Clients is the number of concurrent clients, at least 1. Each keeps
	// its own connection alive between requests.
	Clients int
	// Duration is how long requests are measured, more than 0.
	Duration time.Duration
	// Warmup is how long clients run before the measurement starts, to fill
	// caches and open connections; its requests are not counted.
	Warmup time.Duration
	// Measuring, if set, is called with true when the measurement starts
	// (after the warm-up) and with false when it ends, before the results are
	// counted: for a caller that samples something else in the same window.
	// It is not part of the config's JSON, which another process may run.
	Measuring func(on bool) `json:"-"`
	// Header is added to every request. Unless it says otherwise, requests
	// send "Accept-Encoding: gzip", as browsers do, and "User-Agent:
	// iltod-loadtest".
	Header http.Header
}

// Result is what a run measured. Requests counts the requests started during
// the measurement (after the warm-up) and finished, however they ended:
// Errors of them got no response (a refused connection, a reset, a time-out),
// Non2xx got a status outside 200–299. Latency runs from sending a request to
// reading the last byte of its response; the percentiles are of the requests
// that got a response, read from a log-bucket histogram (see below).
type Result struct {
	Requests int
	Errors   int
	Non2xx   int
	// Bytes counts the bytes of the response bodies as they came over the
	// wire: compressed, when the server compressed them.
	Bytes int64
	// Elapsed runs from the end of the warm-up to the end of the last
	// request counted: Duration and up to one latency more.
	Elapsed time.Duration
	// RPS is Requests per second of Elapsed.
	RPS float64
	// P50, P90 and P99 are latency percentiles. Each is the upper bound of
	// a histogram bucket at most 0.78% wide: never below the true value,
	// and at most 0.78% above it. Max is exact.
	P50, P90, P99, Max time.Duration
	// FirstError is the first error that a request got, "" when Errors is 0.
	FirstError string
}

// String summarises r on one line.
func (r Result) String() string {
	s := fmt.Sprintf("%d requests in %v (%.1f/s), %d errors, %d non-2xx, %s; latency p50 %v p90 %v p99 %v max %v",
		r.Requests, r.Elapsed.Round(time.Millisecond), r.RPS, r.Errors, r.Non2xx, sizeString(r.Bytes),
		roundLatency(r.P50), roundLatency(r.P90), roundLatency(r.P99), roundLatency(r.Max))
	if r.FirstError != "" {
		s += "; first error: " + r.FirstError
	}
	return s
}

func roundLatency(d time.Duration) time.Duration {
	switch {
	case d >= time.Second:
		return d.Round(time.Millisecond)
	case d >= time.Millisecond:
		return d.Round(10 * time.Microsecond)
	default:
		return d.Round(time.Microsecond)
	}
}

func sizeString(n int64) string {
	switch {
	case n >= 1<<30:
		return fmt.Sprintf("%.1f GiB", float64(n)/(1<<30))
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	default:
		return fmt.Sprintf("%d B", n)
	}
}

// grace is how long requests still in flight at the end of the measurement
// may take to finish; after it they are cancelled and count as errors.
const grace = 2 * time.Second

// Run runs the load test cfg and returns what it measured. It returns an
// error, and sends no request, when cfg is not valid or its URL is not on
// loopback. It returns ctx.Err() when ctx ends before the run does. A run
// takes cfg.Warmup + cfg.Duration, plus the time that the requests in flight
// then take to finish, at most 2 seconds.
//
// Redirects are not followed: a 3xx counts as non-2xx. Run may be called from
// several goroutines, though runs at the same time measure each other.
func Run(ctx context.Context, cfg Config) (Result, error) {
	rs, err := Interleave(ctx, 1, cfg)
	if err != nil {
		return Result{}, err
	}
	return rs[0], nil
}

// tally is what one or more runs of a config counted.
type tally struct {
	requests, errors, non2xx int
	bytes                    int64
	firstErr                 string
	hist                     histogram
	elapsed                  time.Duration
}

// run runs cfg once over tr, whose connections it leaves open, and adds what it
// counted to t.
func (t *tally) run(ctx context.Context, cfg Config, url string, tr *http.Transport) error {
	client := &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
	header := cfg.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	if _, ok := header["Accept-Encoding"]; !ok {
		header.Set("Accept-Encoding", "gzip")
	}
	if _, ok := header["User-Agent"]; !ok {
		header.Set("User-Agent", "iltod-loadtest")
	}

	start := time.Now()
	measured := start.Add(cfg.Warmup)
	end := measured.Add(cfg.Duration)
	runCtx, cancel := context.WithDeadline(ctx, end.Add(grace))
	defer cancel()

	// on is closed once Measuring(true) has been called, if it is.
	on := make(chan struct{})
	var onWait sync.WaitGroup
	if cfg.Measuring != nil {
		onWait.Go(func() {
			wait := time.NewTimer(time.Until(measured))
			defer wait.Stop()
			select {
			case <-wait.C:
				cfg.Measuring(true)
				close(on)
			case <-runCtx.Done():
			}
		})
	}
	clients := make([]clientStats, cfg.Clients)
	var wg sync.WaitGroup
	for i := range clients {
		c := &clients[i]
		wg.Go(func() {
			c.loop(runCtx, client, url, header, measured, end)
		})
	}
	wg.Wait()
	cancel()
	onWait.Wait()
	select {
	case <-on:
		cfg.Measuring(false)
	default:
	}
	if err := ctx.Err(); err != nil {
		return err
	}

	var last time.Time
	for i := range clients {
		c := &clients[i]
		t.requests += c.requests
		t.errors += c.errors
		t.non2xx += c.non2xx
		t.bytes += c.bytes
		if t.firstErr == "" && c.firstErr != nil {
			t.firstErr = c.firstErr.Error()
		}
		if c.last.After(last) {
			last = c.last
		}
		t.hist.merge(&c.hist)
	}
	elapsed := cfg.Duration
	if last.After(measured) {
		elapsed = last.Sub(measured)
	}
	t.elapsed += elapsed
	return nil
}

// result returns what t counted as a Result.
func (t *tally) result() Result {
	r := Result{Requests: t.requests, Errors: t.errors, Non2xx: t.non2xx, Bytes: t.bytes,
		Elapsed: t.elapsed, FirstError: t.firstErr}
	r.RPS = float64(r.Requests) / r.Elapsed.Seconds()
	r.P50, r.P90, r.P99, r.Max = t.hist.quantile(0.50), t.hist.quantile(0.90), t.hist.quantile(0.99), t.hist.max
	return r
}

// CompareRounds is how many rounds two configs to be compared take in Interleave. Many
// short turns share a load that comes in bursts (a garbage collection, a burst of
// reports) more alike than a few long ones: with five turns of each side, the same
// build's p99 ratio ranged from 0.9 to 1.4.
const CompareRounds = 20

// Interleave runs each of cfgs in turn for 1/rounds of its Duration, round after round,
// and returns each one's Result over all its rounds. Runs in turn share alike whatever
// else the machine does meanwhile, which a run after another does not: on a shared
// machine, or beside a load that changes over time, only runs interleaved can be
// compared. A config's Warmup is spent before its first round, and 1/rounds of it
// before each other round (its clients start at once, which the warm-up keeps out of
// the measurement); it keeps its connections from one round to the next. Measuring, if set, is called around each
// round. It sends no request unless every config is valid, and stops at the first error.
func Interleave(ctx context.Context, rounds int, cfgs ...Config) ([]Result, error) {
	if rounds < 1 {
		return nil, fmt.Errorf("loadtest: %d rounds: need at least 1", rounds)
	}
	urls := make([]string, len(cfgs))
	for i, cfg := range cfgs {
		u, err := check(cfg)
		if err != nil {
			return nil, err
		}
		urls[i] = u.String()
	}
	trs := make([]*http.Transport, len(cfgs))
	for i, cfg := range cfgs {
		trs[i] = newTransport(cfg.Clients)
		defer trs[i].CloseIdleConnections()
	}
	tallies := make([]tally, len(cfgs))
	for round := range rounds {
		for i, cfg := range cfgs {
			c := cfg
			c.Duration = cfg.Duration / time.Duration(rounds)
			if round == rounds-1 { // the rounds add up to Duration
				c.Duration = cfg.Duration - time.Duration(rounds-1)*(cfg.Duration/time.Duration(rounds))
			}
			if round > 0 {
				c.Warmup = cfg.Warmup / time.Duration(rounds)
			}
			if err := tallies[i].run(ctx, c, urls[i], trs[i]); err != nil {
				return nil, err
			}
		}
	}
	out := make([]Result, len(cfgs))
	for i := range tallies {
		out[i] = tallies[i].result()
	}
	return out, nil
}

// check validates cfg and returns its URL.
func check(cfg Config) (*url.URL, error) {
	u, err := url.Parse(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("loadtest: %w", err)
	}
	if u.Scheme != "http" {
		return nil, fmt.Errorf("loadtest: %q: the scheme must be http", cfg.URL)
	}
	if !loopbackHost(u.Hostname()) {
		return nil, fmt.Errorf("loadtest: refusing %q: load tests talk only to loopback (127.0.0.0/8, ::1, localhost)", cfg.URL)
	}
	if cfg.Clients < 1 {
		return nil, fmt.Errorf("loadtest: %d clients: need at least 1", cfg.Clients)
	}
	if cfg.Duration <= 0 {
		return nil, fmt.Errorf("loadtest: duration %v: must be more than 0", cfg.Duration)
	}
	if cfg.Warmup < 0 {
		return nil, fmt.Errorf("loadtest: warm-up %v: must not be negative", cfg.Warmup)
	}
	return u, nil
}

// loopbackHost reports whether host is localhost or a loopback IP address.
func loopbackHost(host string) bool {
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}

// errNotLoopback is returned by a dial to an address that is not loopback,
// which a name that resolves elsewhere could otherwise reach.
var errNotLoopback = errors.New("loadtest: refusing to connect to an address that is not loopback")

// newTransport returns a transport for n clients: up to n connections, all
// kept alive, no proxy, no transparent decompression (bodies are counted as
// sent), and a dialer that connects only to loopback addresses.
func newTransport(n int) *http.Transport {
	d := &net.Dialer{Timeout: 5 * time.Second, Control: loopbackOnly}
	return &http.Transport{
		Proxy:               nil,
		DialContext:         d.DialContext,
		DisableCompression:  true,
		MaxIdleConns:        n,
		MaxIdleConnsPerHost: n,
		MaxConnsPerHost:     n,
		IdleConnTimeout:     90 * time.Second,
	}
}

// loopbackOnly is the Control function of the dialer: it runs before the
// socket connects, and refuses any address that is not loopback.
func loopbackOnly(network, address string, _ syscall.RawConn) error {
	host, _, err := net.SplitHostPort(address)
	if err != nil {
		return err
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		return fmt.Errorf("%w: %s", errNotLoopback, address)
	}
	return nil
}

// clientStats is what one client counted.
type clientStats struct {
	requests, errors, non2xx int
	bytes                    int64
	firstErr                 error
	last                     time.Time // when the last counted request ended
	hist                     histogram
}

// loop requests url until end, and counts the requests started at or after
// measured.
func (c *clientStats) loop(ctx context.Context, client *http.Client, url string, header http.Header, measured, end time.Time) {
	for {
		t0 := time.Now()
		if !t0.Before(end) || ctx.Err() != nil {
			return
		}
		status, n, err := get(ctx, client, url, header)
		t1 := time.Now()
		if t0.Before(measured) {
			continue
		}
		c.requests++
		c.last = t1
		if err != nil {
			c.errors++
			if c.firstErr == nil {
				c.firstErr = err
			}
			continue
		}
		c.bytes += n
		if status < 200 || status > 299 {
			c.non2xx++
		}
		c.hist.record(t1.Sub(t0))
	}
}

// get requests url and reads the whole response body. It returns the status
// and the number of body bytes.
func get(ctx context.Context, client *http.Client, url string, header http.Header) (int, int64, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, 0, err
	}
	req.Header = header // read only, shared by the clients
	resp, err := client.Do(req)
	if err != nil {
		return 0, 0, err
	}
	defer resp.Body.Close()
	n, err := io.Copy(io.Discard, resp.Body)
	if err != nil {
		return 0, n, fmt.Errorf("reading the body: %w", err)
	}
	return resp.StatusCode, n, nil
}
