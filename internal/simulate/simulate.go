// Package simulate plays an election day against a running iltod server, over real HTTP,
// in about two minutes: the observers' phones enroll their keys, send opening checklists
// around 07:00, incidents during the day, closing checklists and results late in the
// evening, each report signed on the "device" and posted as a phone would post it.
//
// It has three parts, each usable alone:
//
//   - Truth draws deterministic "true" results for every station and contest of a
//     package (Results), for the observers to report and for later analyses (PVT,
//     official results, forensics) to be measured against.
//   - Answers fills a form as it applies at one station (a qa.Sheet) from the truth and
//     what the observer saw; Plan builds a whole day (Scenario) from a seed, with stated
//     Rates of silence, disagreement, broken arithmetic, resending, correction and
//     incidents, and records what the server should make of every report.
//   - Run plays a Scenario against a server's base URL on an accelerated clock, and
//     returns Stats: what it planned, and what the server's receipts said.
//
// Everything is deterministic from the seed except the devices' keys, which each device
// makes for itself as a phone does, and the order in which concurrent requests reach
// the server.
//
// The simulator never prints or logs observers' names or phone numbers; it knows them
// only as the package holds them and refers to observers by code.
package simulate

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/iltod/iltod"
)

// Defaults of Config.
const (
	DefaultDuration    = 2 * time.Minute
	DefaultConcurrency = 32
	// DefaultSeed is the seed `iltod demo` uses unless told otherwise.
	DefaultSeed = 2024
)

// Retrying: a request that meets a network error, a 5xx or a 429 is sent again, the same
// bytes, after a backoff that doubles from retryBase up to retryCap, at most maxAttempts
// times in all.
const (
	maxAttempts = 8
	retryBase   = 100 * time.Millisecond
	retryCap    = 3 * time.Second
	// requestTimeout bounds one request of the default client.
	requestTimeout = 30 * time.Second
)

// The phases Run reports progress in.
const (
	PhaseCodes   = "codes"   // the coordinator issues enrollment codes, before the day
	PhaseEnroll  = "enroll"  // devices enroll their keys
	PhaseReports = "reports" // envelopes sent, resends included
)

// Config is what Run needs.
type Config struct {
	// BaseURL is the server's address, such as "http://127.0.0.1:8080".
	BaseURL string
	// Package is the election the server has loaded.
	Package *iltod.Package
	// Issue returns a one-time enrollment code for an observer: the coordinator's act,
	// which `iltod demo` does in-process (the app's IssueEnrollment as the system). Run calls it
	// for every device before the day starts, from up to Concurrency goroutines at once,
	// so it MUST be safe for concurrent use.
	Issue func(ctx context.Context, observer string) (code string, err error)
	// Seed determines the truth and the scenario; 0 means DefaultSeed. Run twice against
	// one election, a seed gives the same report ids with new signatures, which the
	// server refuses as conflicts: use a fresh election or another seed.
	Seed int64
	// Rates of the scenario; nil means DefaultRates.
	Rates *Rates
	// Zone is the election's time zone; nil means Mongolia (UTC+08:00).
	Zone *time.Location
	// Duration is the real time onto which the day from 07:00 to 24:00 is mapped; 0
	// means DefaultDuration. If the server falls behind, Run takes longer: it sends every
	// planned report.
	Duration time.Duration
	// Concurrency bounds the requests in flight (codes issued included); 0 means
	// DefaultConcurrency.
	Concurrency int
	// Progress, if not nil, is told of progress in each phase (PhaseCodes, PhaseEnroll,
	// PhaseReports): done of total. Calls never overlap; the phases' calls interleave.
	// It MUST return quickly.
	Progress func(phase string, done, total int)
	// Client sends the requests; nil means a client with a 30-second timeout that keeps
	// Concurrency connections open.
	Client *http.Client
}

// Stats are what a run planned (Counts) and what the server said.
type Stats struct {
	Counts
	// Enrolled devices.
	Enrolled int
	// Sent is the envelopes sent, resends included, retries not.
	Sent int
	// Accepted is the distinct reports the server gave a receipt for.
	Accepted int
	// Duplicate is the receipts that said the report had already been accepted: the
	// planned resends, and any retry of a request whose answer was lost.
	Duplicate int
	// Flagged is the distinct reports whose receipt lists a failed check.
	Flagged int
	// Refused is the enrollments and envelopes the server refused with a 4xx other than
	// 429 (or answered with no receipt). Each is a bug in the simulator or the server: it
	// should be 0.
	Refused int
	// Failed is the envelopes never delivered: retries ran out, the device could not
	// enroll, or the report could not be signed. It should be 0.
	Failed int
	// Problems describes the first few refusals and failures, naming reports by id and
	// observers by code.
	Problems []string
	// Retries is the requests sent again after a network error, a 5xx or a 429.
	Retries int
	// MaxBehind is the most that a device's step started later than planned because the
	// server, or the simulator, could not keep up with the accelerated clock.
	MaxBehind time.Duration
	// Elapsed is the real time of the run, codes included.
	Elapsed time.Duration
}

// maxProblems bounds Stats.Problems.
const maxProblems = 10

// Run plans the day for cfg.Package from cfg.Seed and plays it against the server at
// cfg.BaseURL: it has the coordinator issue a code for each device (cfg.Issue), then
// starts the clock at 07:00 and, as simulated time passes, each device makes its own
// Ed25519 key, enrolls it (POST /api/v1/devices) and sends its reports, signed with
// iltod.SignReport, to POST /api/v1/reports — one envelope per request, except a device
// back from being offline, which sends its queue as one batch. A request that fails on
// the network, with a 5xx or with a 429 is retried with backoff, with the same bytes, so
// the server's idempotency by report id is what keeps it from counting twice.
//
// Run returns when every planned request has been answered or given up, or ctx ends. It
// returns an error if cfg is incomplete, the day cannot be planned, or a code cannot be
// issued; and ctx's error if ctx ends first, with the Stats so far. Requests the server
// refused and envelopes it never received are not errors of Run: they are counted in
// Stats.Refused and Stats.Failed, and described in Stats.Problems, which the caller
// should check.
func Run(ctx context.Context, cfg Config) (Stats, error) {
	began := time.Now()
	if cfg.BaseURL == "" || cfg.Package == nil || cfg.Issue == nil {
		return Stats{}, errors.New("simulate: BaseURL, Package and Issue are required")
	}
	if cfg.Seed == 0 {
		cfg.Seed = DefaultSeed
	}
	rates := DefaultRates
	if cfg.Rates != nil {
		rates = *cfg.Rates
	}
	if cfg.Duration <= 0 {
		cfg.Duration = DefaultDuration
	}
	if cfg.Concurrency <= 0 {
		cfg.Concurrency = DefaultConcurrency
	}
	if cfg.Client == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConns = cfg.Concurrency * 2
		tr.MaxIdleConnsPerHost = cfg.Concurrency
		defer tr.CloseIdleConnections()
		cfg.Client = &http.Client{Timeout: requestTimeout, Transport: tr}
	}
	sc, err := Plan(cfg.Package, Truth(cfg.Package, cfg.Seed), cfg.Seed, rates, cfg.Zone)
	if err != nil {
		return Stats{}, fmt.Errorf("simulate: plan the day: %w", err)
	}
	r := &runner{cfg: cfg, sc: sc, base: strings.TrimRight(cfg.BaseURL, "/"),
		sem: make(chan struct{}, cfg.Concurrency), seen: map[string]bool{}, done: map[string]int{}}
	r.stats.Counts = sc.Counts
	r.totals = map[string]int{PhaseCodes: len(sc.Devices), PhaseEnroll: len(sc.Devices), PhaseReports: sc.Counts.Reports + sc.Counts.Resends}
	err = r.run(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Elapsed = time.Since(began)
	return r.stats, err
}

// runner plays a scenario.
type runner struct {
	cfg  Config
	sc   *Scenario
	base string
	sem  chan struct{}
	// start is the real time of 07:00; scale the real duration of a simulated one.
	start time.Time
	scale float64

	mu     sync.Mutex // guards what follows, and serialises Progress
	stats  Stats
	seen   map[string]bool // report ids with a receipt
	done   map[string]int
	totals map[string]int
}

func (r *runner) run(ctx context.Context) error {
	codes, err := r.issue(ctx)
	if err != nil {
		return err
	}
	r.start = time.Now()
	r.scale = float64(r.cfg.Duration) / float64(r.sc.End.Sub(r.sc.Start))
	var wg sync.WaitGroup
	for i := range r.sc.Devices {
		wg.Go(func() { r.device(ctx, &r.sc.Devices[i], codes[i]) })
	}
	wg.Wait()
	return ctx.Err()
}

// real returns the real time at which simulated time t comes.
func (r *runner) real(t time.Time) time.Time {
	return r.start.Add(time.Duration(float64(t.Sub(r.sc.Start)) * r.scale))
}

// issue has the coordinator issue a code for each device, before the day.
func (r *runner) issue(ctx context.Context) ([]string, error) {
	codes := make([]string, len(r.sc.Devices))
	errs := make([]error, len(r.sc.Devices))
	var wg sync.WaitGroup
	next := make(chan int)
	for range r.cfg.Concurrency {
		wg.Go(func() {
			for i := range next {
				codes[i], errs[i] = r.cfg.Issue(ctx, r.sc.Devices[i].Observer)
				r.progress(PhaseCodes)
			}
		})
	}
feed:
	for i := range r.sc.Devices {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	for i, err := range errs {
		if err != nil {
			return nil, fmt.Errorf("simulate: issue an enrollment code for observer %s: %w", r.sc.Devices[i].Observer, err)
		}
	}
	return codes, nil
}

func (r *runner) progress(phase string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.done[phase]++
	if r.cfg.Progress != nil {
		r.cfg.Progress(phase, r.done[phase], r.totals[phase])
	}
}

// wait sleeps until simulated time t comes, and notes how far behind the plan it is.
func (r *runner) wait(ctx context.Context, t time.Time) error {
	at := r.real(t)
	d := time.Until(at)
	if d <= 0 {
		r.mu.Lock()
		r.stats.MaxBehind = max(r.stats.MaxBehind, -d)
		r.mu.Unlock()
		return ctx.Err()
	}
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-timer.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// device plays one phone: it makes a key, enrolls it with code, then makes its sends.
func (r *runner) device(ctx context.Context, d *DevicePlan, code string) {
	envelopes := 0
	for _, s := range d.Sends {
		envelopes += len(s.Reports)
	}
	if r.wait(ctx, d.Enroll) != nil {
		return
	}
	pub, priv, err := ed25519.GenerateKey(rand.Reader)
	if err == nil {
		err = r.enroll(ctx, code, pub)
	}
	if ctx.Err() != nil {
		return
	}
	if err == nil {
		r.note(func(s *Stats) { s.Enrolled++ })
	}
	r.progress(PhaseEnroll)
	if err != nil {
		r.fail(envelopes, fmt.Sprintf("observer %s: %d reports not sent: %v", d.Observer, envelopes, err))
		for range envelopes {
			r.progress(PhaseReports)
		}
		return
	}
	signed := map[*PlannedReport][]byte{}
	for _, s := range d.Sends {
		if r.wait(ctx, s.At) != nil {
			return
		}
		var batch [][]byte
		var ids []string
		for _, p := range s.Reports {
			b, ok := signed[p]
			if !ok {
				env, err := iltod.SignReport(p.Report, priv)
				if err != nil {
					r.fail(1, fmt.Sprintf("report %s: sign: %v", p.Report.ID, err))
					r.progress(PhaseReports)
					continue
				}
				b = env.Bytes()
				signed[p] = b
			}
			batch = append(batch, b)
			ids = append(ids, p.Report.ID)
		}
		if s.Batch {
			r.sendBatch(ctx, ids, batch)
		} else {
			for i := range batch {
				r.sendOne(ctx, ids[i], batch[i])
			}
		}
	}
}

// errorBody is the API's error format.
type errorBody struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

func describe(status int, body []byte) string {
	var e errorBody
	if json.Unmarshal(body, &e) == nil && e.Error.Code != "" {
		return fmt.Sprintf("%d %s: %s", status, e.Error.Code, e.Error.Message)
	}
	return fmt.Sprintf("%d %.200s", status, body)
}

// enroll enrolls key with code. A 409 on a retry means the first attempt went through
// and its answer was lost: the code is used, by this key.
func (r *runner) enroll(ctx context.Context, code string, key ed25519.PublicKey) error {
	body, _ := json.Marshal(map[string]string{"code": code, "key": base64.StdEncoding.EncodeToString(key)})
	status, resp, attempts, err := r.post(ctx, "/api/v1/devices", body)
	switch {
	case err != nil:
		return err
	case status == http.StatusCreated, status == http.StatusConflict && attempts > 1:
		return nil
	}
	r.refuse(1, "enroll: "+describe(status, resp))
	return fmt.Errorf("enrollment refused with %d", status)
}

// refuse counts n refusals, described by what.
func (r *runner) refuse(n int, what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Refused += n
	r.problem(what)
}

// fail counts n envelopes not delivered, described by what.
func (r *runner) fail(n int, what string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.stats.Failed += n
	r.problem(what)
}

// problem notes what went wrong, if the list is not full. r.mu must be held.
func (r *runner) problem(what string) {
	if len(r.stats.Problems) < maxProblems {
		r.stats.Problems = append(r.stats.Problems, what)
	}
}

// receipt is the part of the server's receipt (app.Receipt) the simulator reads. The
// simulator speaks to the server over HTTP only, as a phone does, and so does not import
// the server's packages.
type receipt struct {
	ID        string `json:"id"`
	Duplicate bool   `json:"duplicate"`
	Flagged   bool   `json:"flagged"`
}

// receipt notes a receipt the server gave.
func (r *runner) receipt(rc *receipt) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if rc.Duplicate {
		r.stats.Duplicate++
	}
	if !r.seen[rc.ID] {
		r.seen[rc.ID] = true
		r.stats.Accepted++
		if rc.Flagged {
			r.stats.Flagged++
		}
	}
}

func (r *runner) sent(n int) {
	r.mu.Lock()
	r.stats.Sent += n
	r.mu.Unlock()
}

// sendOne posts one envelope.
func (r *runner) sendOne(ctx context.Context, id string, env []byte) {
	r.sent(1)
	defer r.progress(PhaseReports)
	status, body, _, err := r.post(ctx, "/api/v1/reports", env)
	if err != nil {
		if ctx.Err() == nil {
			r.fail(1, fmt.Sprintf("report %s: %v", id, err))
		}
		return
	}
	if status != http.StatusCreated && status != http.StatusOK {
		r.refuse(1, fmt.Sprintf("report %s: %s", id, describe(status, body)))
		return
	}
	var out struct {
		Receipt *receipt `json:"receipt"`
	}
	if err := json.Unmarshal(body, &out); err != nil || out.Receipt == nil || out.Receipt.ID != id {
		r.refuse(1, fmt.Sprintf("report %s: %d with no receipt for it", id, status))
		return
	}
	r.receipt(out.Receipt)
}

// sendBatch posts envelopes as {"envelopes": […]}. Envelopes that meet a server error
// are sent again in a smaller batch, with backoff.
func (r *runner) sendBatch(ctx context.Context, ids []string, envs [][]byte) {
	r.sent(len(envs))
	pending := make([]int, len(envs))
	for i := range pending {
		pending[i] = i
	}
	defer func() {
		for range envs {
			r.progress(PhaseReports)
		}
	}()
	for attempt := 0; len(pending) > 0; attempt++ {
		if attempt >= maxAttempts {
			r.fail(len(pending), fmt.Sprintf("batch of %d: server errors on %d after %d attempts", len(envs), len(pending), attempt))
			return
		}
		if attempt > 0 {
			r.note(func(s *Stats) { s.Retries++ })
			if backoff(ctx, attempt) != nil {
				return
			}
		}
		raw := make([]json.RawMessage, len(pending))
		for k, i := range pending {
			raw[k] = envs[i]
		}
		body, _ := json.Marshal(map[string][]json.RawMessage{"envelopes": raw})
		status, resp, _, err := r.post(ctx, "/api/v1/reports", body)
		if err != nil {
			if ctx.Err() == nil {
				r.fail(len(pending), fmt.Sprintf("batch of %d: %v", len(pending), err))
			}
			return
		}
		if status != http.StatusOK {
			r.refuse(len(pending), fmt.Sprintf("batch of %d: %s", len(pending), describe(status, resp)))
			return
		}
		var out struct {
			Results []struct {
				Receipt *receipt `json:"receipt"`
				Error   *struct {
					Code    string `json:"code"`
					Message string `json:"message"`
				} `json:"error"`
			} `json:"results"`
		}
		if err := json.Unmarshal(resp, &out); err != nil || len(out.Results) != len(pending) {
			r.refuse(len(pending), fmt.Sprintf("batch: %d results for %d envelopes", len(out.Results), len(pending)))
			return
		}
		var again []int
		for k, res := range out.Results {
			i := pending[k]
			switch {
			case res.Receipt != nil && res.Receipt.ID == ids[i]:
				r.receipt(res.Receipt)
			case res.Error != nil && (res.Error.Code == string(iltod.EInternal) || res.Error.Code == string(iltod.EUnavailable) || res.Error.Code == string(iltod.ERateLimited)):
				again = append(again, i)
			case res.Error != nil:
				r.refuse(1, fmt.Sprintf("report %s (batch): %s: %s", ids[i], res.Error.Code, res.Error.Message))
			default:
				r.refuse(1, fmt.Sprintf("report %s (batch): no receipt for it", ids[i]))
			}
		}
		pending = again
	}
}

func (r *runner) note(f func(*Stats)) {
	r.mu.Lock()
	f(&r.stats)
	r.mu.Unlock()
}

// backoff sleeps before attempt (1, 2, …): retryBase doubled each time up to retryCap,
// with jitter, so that devices that failed together do not retry together.
func backoff(ctx context.Context, attempt int) error {
	d := retryBase << min(attempt-1, 10)
	d = min(d, retryCap)
	d = d/2 + time.Duration(mrand.Int64N(int64(d)))
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// post sends body to path, retrying on network errors, 5xx and 429. It returns the last
// answer's status and body and the number of attempts, or an error if no attempt got an
// answer that should not be retried.
func (r *runner) post(ctx context.Context, path string, body []byte) (int, []byte, int, error) {
	var last error
	for attempt := 1; attempt <= maxAttempts; attempt++ {
		if attempt > 1 {
			r.note(func(s *Stats) { s.Retries++ })
			if err := backoff(ctx, attempt-1); err != nil {
				return 0, nil, attempt, err
			}
		}
		status, resp, err := r.once(ctx, path, body)
		switch {
		case ctx.Err() != nil:
			return 0, nil, attempt, ctx.Err()
		case err != nil:
			last = err
			continue
		case status >= 500 || status == http.StatusTooManyRequests:
			last = fmt.Errorf("POST %s: %s", path, describe(status, resp))
			continue
		}
		return status, resp, attempt, nil
	}
	return 0, nil, maxAttempts, fmt.Errorf("gave up after %d attempts: %w", maxAttempts, last)
}

// once makes one request, holding one of the Concurrency slots while it is in flight.
func (r *runner) once(ctx context.Context, path string, body []byte) (int, []byte, error) {
	select {
	case r.sem <- struct{}{}:
	case <-ctx.Done():
		return 0, nil, ctx.Err()
	}
	defer func() { <-r.sem }()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, r.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "iltod-simulate")
	resp, err := r.cfg.Client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 16<<20))
	if err != nil {
		return 0, nil, err
	}
	return resp.StatusCode, b, nil
}
