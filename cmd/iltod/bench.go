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
	"github.com/iltod/iltod/locales"
)

// runBench measures the public results page under concurrent clients on loopback while
// the demo ingests reports, against a static file of the same size served by the same
// server: the ratio says what rendering and caching cost over serving bytes.
func runBench(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "bench", stderr, "[flags]", "")
	clients := fs.Int("clients", 200, "cli.flag.clients")
	duration := fs.Duration("duration", 10*time.Second, "cli.flag.bench_duration")
	warmup := fs.Duration("warmup", 2*time.Second, "cli.flag.warmup")
	path := fs.String("path", "/e/"+demo.ElectionID+"/", "cli.flag.path")
	ingest := fs.Bool("ingest", true, "cli.flag.ingest")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *clients < 1 || *clients > 5000 || *duration <= 0 || *duration > 10*time.Minute {
		return usageErr("cli.error.bench_limits", nil)
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
	if err := drawDemoSample(ctx, p, m.App, io.Discard); err != nil {
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
		pkg, err := electionpkg.Read(demo.Package())
		if err != nil {
			return err
		}
		day, stop := context.WithCancel(ctx)
		defer stop()
		go simulate.Run(day, simulate.Config{
			BaseURL: base, Package: pkg, Duration: 2*(*duration+*warmup) + 30*time.Second,
			Issue: func(ctx context.Context, observer string) (string, error) {
				code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), demo.ElectionID, observer, 0)
				return code, err
			},
		})
		fmt.Fprintln(stdout, p.T("cli.bench.ingesting"))
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
	fmt.Fprintln(stdout, p.T("cli.bench.page", locales.Args{"Path": *path, "Bytes": p.Int(int64(len(page))), "Static": "/bench/static"}))
	cfg := func(u string) loadtest.Config {
		return loadtest.Config{URL: base + u, Clients: *clients, Duration: *duration, Warmup: *warmup}
	}
	rp, rs, err := loadtest.Compare(ctx, cfg(*path), cfg("/bench/static"))
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	fmt.Fprintln(stdout, p.T("cli.bench.results_page", locales.Args{"Result": rp.String()}))
	fmt.Fprintln(stdout, p.T("cli.bench.static_file", locales.Args{"Result": rs.String()}))
	if rs.RPS > 0 {
		fmt.Fprintln(stdout, p.T("cli.bench.ratio", locales.Args{"Ratio": p.Number(rp.RPS/rs.RPS, 2), "Page": rp.P99.String(), "Static": rs.P99.String()}))
	}
	verdict := "cli.bench.met"
	if rp.RPS < 5000 || rp.P99 > 50*time.Millisecond {
		verdict = "cli.bench.not_met"
	}
	fmt.Fprintln(stdout, p.T("cli.bench.aim", locales.Args{"Clients": p.Int(int64(*clients)), "Verdict": locales.Key(verdict)}))
	return nil
}
