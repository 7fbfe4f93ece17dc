package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"time"

	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	iltodhttp "github.com/iltod/iltod/internal/http"
	"github.com/iltod/iltod/internal/loadtest"
	"github.com/iltod/iltod/internal/simulate"
)

// runBench measures the public results page under concurrent clients on loopback while
// the demo ingests reports, against a static file of the same size served by the same
// server: the ratio says what rendering and caching cost over serving bytes.
func runBench(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("bench", stderr, "[flags]")
	clients := fs.Int("clients", 200, "concurrent clients")
	duration := fs.Duration("duration", 10*time.Second, "how long each measurement runs")
	warmup := fs.Duration("warmup", 2*time.Second, "load before each measurement, not counted")
	path := fs.String("path", "/e/"+demo.ElectionID+"/", "the page to measure")
	ingest := fs.Bool("ingest", true, "simulate election day against the server during the measurement")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *clients < 1 || *clients > 5000 || *duration <= 0 || *duration > 10*time.Minute {
		return usagef("-clients 1..5000 and -duration up to 10m")
	}
	dir, err := os.MkdirTemp("", "iltod-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	logger, err := newLogger(io.Discard, "error")
	if err != nil {
		return err
	}
	m := &Main{Config: ServeConfig{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Origin: DemoOrigin}, Logger: logger}
	defer m.Close()
	if err := m.Open(ctx); err != nil {
		return err
	}
	if _, err := loadDemo(ctx, m); err != nil {
		return err
	}
	if err := drawDemoSample(ctx, m.App, io.Discard); err != nil {
		return err
	}
	srv := iltodhttp.NewServer(m.App, logger)
	if m.Ledger != nil {
		srv.SetLog(m.Ledger.Handler())
	}
	// The static file is served by the same listener and server, beside the site.
	var static []byte
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bench/static", func(w http.ResponseWriter, r *http.Request) {
		http.ServeContent(w, r, "static.html", time.Time{}, bytes.NewReader(static))
	})
	mux.Handle("/", srv.Handler())
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	hs := &http.Server{Handler: mux, ReadHeaderTimeout: iltodhttp.ReadHeaderTimeout}
	go hs.Serve(ln)
	defer hs.Close()
	base := "http://" + ln.Addr().String()

	if *ingest {
		p, err := electionpkg.Read(demo.Package())
		if err != nil {
			return err
		}
		day, stop := context.WithCancel(ctx)
		defer stop()
		go simulate.Run(day, simulate.Config{
			BaseURL: base, Package: p, Duration: 2*(*duration+*warmup) + 30*time.Second,
			Issue: func(ctx context.Context, observer string) (string, error) {
				code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), demo.ElectionID, observer, 0)
				return code, err
			},
		})
		fmt.Fprintln(stdout, "simulated election day running against the server during the measurement")
	}
	resp, err := http.Get(base + *path)
	if err != nil {
		return err
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s", *path, resp.Status)
	}
	static = bytes.Repeat([]byte("x"), len(page))
	fmt.Fprintf(stdout, "page %s: %d bytes; static file of the same size at /bench/static\n", *path, len(page))
	cfg := func(u string) loadtest.Config {
		return loadtest.Config{URL: base + u, Clients: *clients, Duration: *duration, Warmup: *warmup}
	}
	rp, rs, err := loadtest.Compare(ctx, cfg(*path), cfg("/bench/static"))
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	fmt.Fprintf(stdout, "results page: %s\nstatic file:  %s\n", rp, rs)
	if rs.RPS > 0 {
		fmt.Fprintf(stdout, "ratio page/static: %.2f of the requests per second, p99 %s vs %s\n", rp.RPS/rs.RPS, rp.P99, rs.P99)
	}
	verdict := "met"
	if rp.RPS < 5000 || rp.P99 > 50*time.Millisecond {
		verdict = "NOT met"
	}
	fmt.Fprintf(stdout, "aim (≥ 5,000 requests/s, p99 ≤ 50 ms with %d clients): %s\n", *clients, verdict)
	return nil
}
