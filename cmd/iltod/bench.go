package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	iltodhttp "github.com/iltod/iltod/internal/http"
	"github.com/iltod/iltod/internal/loadtest"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/locales"
)

// runBench measures the public results page under concurrent clients on loopback while
// the demo ingests reports, against the ceiling of a static server or a CDN: the same
// bytes, gzipped once, with their ETag and conditional GET, served beside the site by the
// same listener. The ratio says what finding and caching the page cost over serving
// bytes; the readers run in another process of this program (interleaveApart). With
// -surge it then measures ingest's acknowledgement latency while the page is read by
// -clients readers and then by ten times as many, each for -surge-for.
func runBench(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "bench", stderr, "[flags]", "")
	clients := fs.Int("clients", 200, "cli.flag.clients")
	duration := fs.Duration("duration", 30*time.Second, "cli.flag.bench_duration")
	warmup := fs.Duration("warmup", 2*time.Second, "cli.flag.warmup")
	path := fs.String("path", "/e/"+demo.ElectionID+"/", "cli.flag.path")
	ingest := fs.Bool("ingest", true, "cli.flag.ingest")
	surge := fs.Bool("surge", false, "cli.bench_cdn.flag_surge")
	surgeFor := fs.Duration("surge-for", 10*time.Second, "cli.bench_cdn.flag_surge_for")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *clients < 1 || *clients > 5000 || *duration <= 0 || *duration > 10*time.Minute || *surgeFor <= 0 || *surgeFor > 10*time.Minute {
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
	defer tuneServerGC()() // the server as iltod serve runs it
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
	var static atomic.Pointer[http.Handler]
	mux := http.NewServeMux()
	mux.HandleFunc("GET /bench/static", func(w http.ResponseWriter, r *http.Request) {
		(*static.Load()).ServeHTTP(w, r)
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

	pkg, err := electionpkg.Read(demo.Package())
	if err != nil {
		return err
	}
	if *ingest {
		day, stop := context.WithCancel(ctx)
		defer stop()
		dayLength := 2*(*duration+*warmup) + 30*time.Second
		if *surge {
			dayLength += 4 * *surgeFor
		}
		// The day begins with every device enrolling at once, seconds of work that is
		// not election night's steady ingest: the readers start once reports flow.
		begun := make(chan struct{})
		var beginOnce sync.Once
		go simulate.Run(day, simulate.Config{
			BaseURL: base, Package: pkg, Duration: dayLength,
			Issue: func(ctx context.Context, observer string) (string, error) {
				code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), demo.ElectionID, observer, 0)
				return code, err
			},
			Progress: func(phase string, done, total int) {
				if phase == simulate.PhaseReports && done > 0 {
					beginOnce.Do(func() { close(begun) })
				}
			},
		})
		fmt.Fprintln(stdout, p.T("cli.bench.ingesting"))
		select {
		case <-begun:
		case <-time.After(time.Minute): // measure anyway: ingest is what it is
		case <-ctx.Done():
			return ctx.Err()
		}
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
	ceiling := iltodhttp.StaticPage(page, resp.Header)
	static.Store(&ceiling)
	fmt.Fprintln(stdout, p.T("cli.bench_cdn.page", locales.Args{"Path": *path, "Bytes": p.Int(int64(len(page))), "Static": "/bench/static"}))
	cfg := func(u string) loadtest.Config {
		return loadtest.Config{URL: base + u, Clients: *clients, Duration: *duration, Warmup: *warmup}
	}
	both, err := interleaveApart(ctx, loadtest.CompareRounds, cfg(*path), cfg("/bench/static"))
	if errors.Is(err, context.Canceled) {
		return nil
	} else if err != nil {
		return err
	}
	rp, rs := both[0], both[1]
	fmt.Fprintln(stdout, p.T("cli.bench.results_page", locales.Args{"Result": rp.String()}))
	fmt.Fprintln(stdout, p.T("cli.bench.static_file", locales.Args{"Result": rs.String()}))
	if rs.RPS > 0 {
		fmt.Fprintln(stdout, p.T("cli.bench.ratio", locales.Args{"Ratio": p.Number(rp.RPS/rs.RPS, 2), "Page": rp.P99.String(), "Static": rs.P99.String()}))
	}
	if rs.P99 > 0 {
		fmt.Fprintln(stdout, p.T("cli.bench_cdn.p99_ratio", locales.Args{"Ratio": p.Number(float64(rp.P99)/float64(rs.P99), 2)}))
	}
	verdict := "cli.bench.met"
	if rp.RPS < 5000 || rp.P99 > 50*time.Millisecond {
		verdict = "cli.bench.not_met"
	}
	fmt.Fprintln(stdout, p.T("cli.bench.aim", locales.Args{"Clients": p.Int(int64(*clients)), "Verdict": locales.Key(verdict)}))
	if *surge {
		return benchSurge(ctx, p, stdout, m, pkg, base, cfg(*path), *surgeFor)
	}
	return nil
}

// surgeFactor is how many times the quiet phase's readers a surge brings.
const surgeFactor = 10

// surgeRounds is how many turns each phase of a surge run takes, and surgeWarmup the
// warm-up of its first turn (a fifth of it before each other turn), in which the
// readers connect and send their first requests all at once, and which is not measured.
const (
	surgeRounds = 5
	surgeWarmup = time.Second
)

// probeInterval is how often the surge run's probe sends a report, each on its own
// (at most probeInFlight at once), so that a slow acknowledgement does not thin the
// sample.
const (
	probeInterval = 20 * time.Millisecond
	probeInFlight = 64
)

// enrollDemoPhone enrolls a new device key for the demo's phone observer (see
// demoPhoneObserver), as a phone would, and returns the key, the observer's station and
// the demo's opening checklist, which it may report with probeAnswers.
func enrollDemoPhone(ctx context.Context, m *Main, pkg *iltod.Package) (ed25519.PrivateKey, string, *iltod.Form, error) {
	observer, station := demoPhoneObserver(pkg)
	var form *iltod.Form
	for i := range pkg.Forms {
		if pkg.Forms[i].Code == "opening" {
			form = &pkg.Forms[i]
		}
	}
	if observer == "" || form == nil {
		return nil, "", nil, fail("cli.bench_cdn.no_probe", nil)
	}
	code, _, err := m.App.IssueEnrollment(app.SystemContext(ctx), demo.ElectionID, observer, time.Hour)
	if err != nil {
		return nil, "", nil, err
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, "", nil, err
	}
	if _, err := m.App.Enroll(ctx, code, pub); err != nil {
		return nil, "", nil, err
	}
	return priv, station, form, nil
}

// benchSurge reads the page with cfg's readers for d and with ten times as many for d, in
// turns, while a probe device sends one report every probeInterval and times each
// acknowledgement; it prints each phase and the acknowledgements' p99 in each.
func benchSurge(ctx context.Context, p *locales.Printer, stdout io.Writer, m *Main, pkg *iltod.Package, base string, cfg loadtest.Config, d time.Duration) error {
	priv, station, form, err := enrollDemoPhone(ctx, m, pkg)
	if err != nil {
		return err
	}
	// sink is where an acknowledgement goes: that of the phase measuring when its
	// report was sent, none between rounds.
	var mu sync.Mutex
	var sink *[]time.Duration
	var quiet, surged []time.Duration
	var failed int
	probe, stop := context.WithCancel(ctx)
	defer stop()
	done := make(chan struct{})
	var sending sync.WaitGroup
	slots := make(chan struct{}, probeInFlight)
	client := &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: probeInFlight}}
	send := func(n int) {
		defer func() { <-slots }()
		{
			rep := iltod.Report{ID: fmt.Sprintf("bench-probe-%d-%d", time.Now().UnixNano(), n), Election: demo.ElectionID, Station: station,
				Form: form.Code, FormVersion: form.Version, DeviceTime: time.Now().Format(time.RFC3339), Answers: probeAnswers(form)}
			env, err := iltod.SignReport(rep, priv)
			if err != nil {
				return
			}
			mu.Lock()
			acks := sink
			mu.Unlock()
			t0 := time.Now()
			resp, err := client.Post(base+"/api/v1/reports", "application/json", bytes.NewReader(env.Bytes()))
			if err == nil {
				io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			mu.Lock()
			if err != nil || resp.StatusCode != http.StatusCreated {
				failed++
			} else if acks != nil {
				*acks = append(*acks, time.Since(t0))
			}
			mu.Unlock()
		}
	}
	go func() {
		defer close(done)
		tick := time.NewTicker(probeInterval)
		defer tick.Stop()
		for n := 0; ; n++ {
			select {
			case <-probe.Done():
				sending.Wait()
				return
			case <-tick.C:
			}
			select {
			case slots <- struct{}{}:
				sending.Add(1)
				go func() { defer sending.Done(); send(n) }()
			default: // all slots busy: this tick is skipped
			}
		}
	}()
	// The phases take turns, surgeRounds rounds of each, so that both share alike
	// whatever else the machine does meanwhile and the day's ingest as it changes.
	phase := func(readers int, acks *[]time.Duration) loadtest.Config {
		c := cfg
		c.Clients, c.Duration, c.Warmup = readers, d, surgeWarmup
		c.Measuring = func(on bool) {
			mu.Lock()
			defer mu.Unlock()
			sink = nil
			if on {
				sink = acks
			}
		}
		return c
	}
	rs, err := interleaveApart(ctx, surgeRounds, phase(cfg.Clients, &quiet), phase(surgeFactor*cfg.Clients, &surged))
	if err != nil {
		return err
	}
	stop()
	<-done
	mu.Lock() // the probe has stopped; this orders its last appends before the reads
	slices.Sort(quiet)
	slices.Sort(surged)
	mu.Unlock()
	rq := rs[0]
	fmt.Fprintln(stdout, p.T("cli.bench_cdn.quiet", locales.Args{"Readers": p.Int(int64(cfg.Clients)), "Duration": d.String(), "Result": rq.String()}))
	fmt.Fprintln(stdout, p.T("cli.bench_cdn.surge", locales.Args{"Readers": p.Int(int64(surgeFactor * cfg.Clients)), "Duration": d.String(), "Result": rs[1].String()}))
	if len(quiet) == 0 || len(surged) == 0 || failed > 0 {
		fmt.Fprintln(stdout, p.T("cli.bench_cdn.no_acks", locales.Args{"Failed": p.Int(int64(failed))}))
		return nil
	}
	q99, s99 := quiet[len(quiet)*99/100], surged[len(surged)*99/100]
	fmt.Fprintln(stdout, p.T("cli.bench_cdn.ack", locales.Args{"Quiet": q99.Round(10 * time.Microsecond).String(), "QuietN": p.Int(int64(len(quiet))),
		"Surge": s99.Round(10 * time.Microsecond).String(), "SurgeN": p.Int(int64(len(surged))), "Ratio": p.Number(float64(s99)/float64(q99), 2)}))
	return nil
}

// probeAnswers answers every required question of f with a valid value: the probe's
// reports are accepted, whatever they say.
func probeAnswers(f *iltod.Form) map[string]iltod.Value {
	m := map[string]iltod.Value{}
	for _, q := range f.Questions {
		if !q.Required {
			continue
		}
		switch q.Type {
		case iltod.Integer:
			v := int64(0)
			if q.Min != nil {
				v = *q.Min
			}
			m[q.Tag] = iltod.IntValue(v)
		case iltod.YesNo:
			m[q.Tag] = iltod.BoolValue(true)
		case iltod.SelectOne:
			m[q.Tag] = iltod.StrValue(q.Options[0].Code)
		case iltod.SelectMultiple:
			m[q.Tag] = iltod.ListValue([]string{q.Options[0].Code})
		case iltod.TimeOfDay:
			m[q.Tag] = iltod.StrValue("07:30")
		case iltod.TextAnswer:
			m[q.Tag] = iltod.StrValue("seen")
		}
	}
	return m
}
