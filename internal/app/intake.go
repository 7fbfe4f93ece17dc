package app

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"runtime"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/locales"
)

// Log is what the app needs from the transparency log: a signed promise at once, and the
// full inclusion proof once a checkpoint covers the event. internal/ledger provides it.
type Log interface {
	// Promises returns a signed promise for each of evs that it will be in the log, in
	// order; one signature may serve them all (internal/ledger signs batch promises).
	Promises(evs []iltod.Event) ([][]byte, error)
	// Proof returns the tlog-proof of the leaf at index, or ENotFound while no published
	// checkpoint covers it.
	Proof(ctx context.Context, index uint64) ([]byte, error)
	// Notify tells the log that the store has new events, so it need not wait to poll.
	Notify()
}

// MaxBatch bounds the envelopes of one submission request.
const MaxBatch = 1000

// Receipt is what an observer's device gets back for an accepted report.
type Receipt struct {
	Election string `json:"election"`
	ID       string `json:"id"`
	// Duplicate is true when the same report had already been accepted; the receipt is
	// the one given then.
	Duplicate bool                `json:"duplicate,omitempty"`
	Seq       uint64              `json:"seq"`
	Hash      string              `json:"envelope_sha256"`
	Received  time.Time           `json:"received"`
	Checks    []iltod.CheckResult `json:"checks,omitempty"`
	Flagged   bool                `json:"flagged"`
	// Promise is the log's signed promise to include the report (a signed note), if the
	// app has a log.
	Promise string `json:"promise,omitempty"`
}

// SubmitResult is the outcome for one envelope: a Receipt or an error.
type SubmitResult struct {
	Receipt *Receipt
	Err     error
}

// SubmitOption sets what a request says about its envelopes besides the envelopes.
type SubmitOption func(*submitOptions)

type submitOptions struct {
	sent string
}

// DeviceClock gives the device's clock when it sent the envelopes: the value of the
// request's Iltod-Device-Time header (RFC 3339), as it came; "" when absent. The
// device-clock check compares it with the time the server received them.
func DeviceClock(header string) SubmitOption {
	return func(o *submitOptions) { o.sent = header }
}

// Submit checks and accepts envelopes, each on its own: one bad envelope does not stop
// the others. For each it parses the envelope, finds the enrolled device by its key
// (EUnknownKey, ERevokedKey), verifies the signature (EBadSignature), checks that the
// report's election is the device's (EForbidden) and that the device's observer may
// report for the station (ENotAssigned), checks the answers against the form version
// (EInvalid), runs the QA checks — the form's, then those of place and time (qa.Geofence,
// and qa.DeviceClock with the clock that opts give, see DeviceClock); a failed check flags
// the report but never refuses it — and stores the accepted reports durably before
// returning. A report id seen before with the same envelope gets the earlier receipt,
// whatever its request's clock; with another envelope, EConflict. Nothing is stored for
// an envelope that fails. Submit needs no signed-in actor: the device key is
// the authentication.
func (a *App) Submit(ctx context.Context, envelopes [][]byte, opts ...SubmitOption) ([]SubmitResult, error) {
	if len(envelopes) > MaxBatch {
		return nil, iltod.E(iltod.ETooLarge, "error.app.batch_too_large", locales.Args{"Count": len(envelopes), "Max": MaxBatch})
	}
	var o submitOptions
	for _, opt := range opts {
		opt(&o)
	}
	a.preparing.Add(1)
	prepared := sync.OnceFunc(func() { a.preparing.Add(-1) })
	defer prepared()
	received := a.now().UTC().Truncate(time.Millisecond)
	subs := make([]*iltod.Submission, len(envelopes))
	results := make([]SubmitResult, len(envelopes))
	a.parallel(len(envelopes), func(i int) {
		subs[i], results[i].Err = a.prepare(ctx, envelopes[i], received, o.sent)
	})
	var batch []iltod.Submission
	var index []int
	for i, s := range subs {
		if results[i].Err == nil {
			batch = append(batch, *s)
			index = append(index, i)
		}
	}
	if len(batch) == 0 {
		return results, nil
	}
	accepted, promises, err := a.commit(ctx, batch, prepared)
	if err != nil {
		return nil, err
	}
	for j, ar := range accepted {
		i := index[j]
		switch ar.Outcome {
		case iltod.Accepted, iltod.Duplicate:
			results[i].Receipt, results[i].Err = a.receipt(ar.Stored, ar.Outcome == iltod.Duplicate, promises[j])
		case iltod.Conflicting:
			results[i].Err = iltod.E(iltod.EConflict, "error.app.accepted_twice", locales.Args{"ID": batch[j].Report.ID})
		default:
			results[i].Err = fmt.Errorf("store returned outcome %d", ar.Outcome)
		}
	}
	return results, nil
}

// parallel runs fn(0..n-1) on up to GOMAXPROCS goroutines.
func (a *App) parallel(n int, fn func(i int)) {
	workers := min(runtime.GOMAXPROCS(0), n)
	if workers <= 1 {
		for i := 0; i < n; i++ {
			fn(i)
		}
		return
	}
	var wg sync.WaitGroup
	next := make(chan int)
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				fn(i)
			}
		}()
	}
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
}

// prepare runs every check on one envelope and returns the submission to store. sent is
// the device's clock when it sent the request (the Iltod-Device-Time header, or "").
func (a *App) prepare(ctx context.Context, raw []byte, received time.Time, sent string) (*iltod.Submission, error) {
	env, dev, err := a.signedBy(ctx, raw, (*iltod.Envelope).Verify)
	if err != nil {
		return nil, err
	}
	r, err := env.Report()
	if err != nil {
		return nil, err
	}
	if r.Election != dev.Election {
		return nil, iltod.E(iltod.EForbidden, "error.app.other_election", locales.Args{"Election": dev.Election})
	}
	el, err := a.election(ctx, r.Election)
	if err != nil {
		return nil, err
	}
	obs, ok := el.observers[dev.Observer]
	if !ok {
		return nil, iltod.E(iltod.EForbidden, "error.app.observer_gone", nil)
	}
	st, ok := el.stations[r.Station]
	if !ok {
		return nil, iltod.E(iltod.EInvalid, "error.app.unknown_station", locales.Args{"Station": r.Station})
	}
	if !el.mayReport(obs, st.Code) {
		return nil, errNotAssigned(obs.Code, st.Code)
	}
	f, ok := el.forms[formKey{r.Form, r.FormVersion}]
	if !ok {
		return nil, iltod.E(iltod.EInvalid, "error.app.unknown_form", locales.Args{"Form": r.Form, "Version": r.FormVersion})
	}
	if _, err := time.Parse(time.RFC3339, r.DeviceTime); err != nil {
		return nil, iltod.E(iltod.EInvalid, "error.app.device_time", locales.Args{"Time": r.DeviceTime})
	}
	sheet, err := el.sheet(f, st)
	if err != nil {
		return nil, err
	}
	if ps := sheet.ValidateAnswers(r.Answers); len(ps) > 0 {
		return nil, ps
	}
	checks := append(sheet.Check(r.Answers),
		qa.CheckGeofence(*st, r.Position, el.e.GeofenceMetres()),
		qa.CheckDeviceClock(r.DeviceTime, sent, received, el.e.ClockSkew()))
	return &iltod.Submission{
		Report:       r,
		Observer:     obs.Code,
		Channel:      iltod.ChannelApp,
		Envelope:     env.Bytes(),
		EnvelopeHash: sha256.Sum256(env.Bytes()),
		DeviceKey:    dev.KeyID,
		Received:     received,
		Checks:       checks,
		Status:       iltod.Unreviewed,
	}, nil
}

// signedBy parses an envelope, finds the enrolled device whose key it names and checks
// the signature with verify: (*iltod.Envelope).Verify for a report, VerifyRequest for a
// device request. It returns EInvalid or ETooLarge for a malformed envelope, EUnknownKey
// for a key no device enrolled, ERevokedKey for a revoked device, and EBadSignature.
func (a *App) signedBy(ctx context.Context, raw []byte, verify func(*iltod.Envelope) error) (*iltod.Envelope, iltod.Device, error) {
	env, err := iltod.ParseEnvelope(raw)
	if err != nil {
		return nil, iltod.Device{}, err
	}
	dev, err := a.device(ctx, iltod.KeyID(env.Key))
	switch {
	case iltod.ErrorCodeOf(err) == iltod.ENotFound:
		return nil, dev, iltod.E(iltod.EUnknownKey, "error.app.unknown_key", nil)
	case err != nil:
		return nil, dev, err
	case dev.Revoked != nil:
		return nil, dev, iltod.E(iltod.ERevokedKey, "error.app.revoked_key", locales.Args{"Time": dev.Revoked.UTC().Format(time.RFC3339)})
	}
	if err := verify(env); err != nil {
		return nil, dev, err
	}
	return env, dev, nil
}

// receipt builds the receipt of a stored submission, with the log's promise for it (or
// the error that kept the log from giving one).
func (a *App) receipt(s iltod.Submission, dup bool, promise signedPromise) (*Receipt, error) {
	r := &Receipt{
		Election:  s.Report.Election,
		ID:        s.Report.ID,
		Duplicate: dup,
		Seq:       s.Seq,
		Hash:      hex.EncodeToString(s.EnvelopeHash[:]),
		Received:  s.Received,
		Checks:    s.Checks,
		Flagged:   iltod.Flagged(s.Checks),
	}
	if a.tlog != nil {
		if promise.err != nil {
			return nil, fmt.Errorf("sign the receipt promise: %w", promise.err)
		}
		r.Promise = string(promise.p)
	}
	return r, nil
}

// submissionEvent is the acceptance event of a stored submission, as the store wrote it.
func submissionEvent(s iltod.Submission) iltod.Event {
	return iltod.Event{Seq: s.Seq, Election: s.Report.Election, Kind: iltod.EventReport,
		Subject: s.Report.ID, Hash: s.EnvelopeHash, Time: s.Received}
}

// ReceiptProof returns the full receipt (a tlog-proof) of an accepted report, or
// ENotFound while the log has not yet published a checkpoint that covers it. Public: it
// reveals only what the log already publishes.
func (a *App) ReceiptProof(ctx context.Context, election, id string) ([]byte, error) {
	if a.tlog == nil {
		return nil, iltod.E(iltod.ENotFound, "error.no_log", nil)
	}
	index, err := a.store.SubmissionLogIndex(ctx, election, id)
	if err != nil {
		return nil, err
	}
	if index == nil {
		return nil, iltod.E(iltod.ENotFound, "error.app.not_yet_logged", locales.Args{"ID": id})
	}
	return a.tlog.Proof(ctx, *index)
}

// committer groups concurrent submissions into one store transaction, so that many
// devices' reports share one durable commit. Each of its workers (committers of them)
// commits one group at a time: while one group's commit is made durable (an fsync,
// milliseconds, which SQLite waits for outside its write lock), the next group's
// transaction runs.
type committer struct {
	in   chan *pendingBatch
	stop chan struct{}
	done chan struct{}
}

type pendingBatch struct {
	subs     []iltod.Submission
	out      []iltod.AcceptResult
	promises []signedPromise
	err      error
	done     chan struct{}
}

// signedPromise is the log's promise for one stored submission, or why there is none.
type signedPromise struct {
	p   []byte
	err error
}

// committers is how many commit groups may be under way at once: one in a transaction,
// the other being made durable (pprof of BenchmarkIngest: with one, the transactions of
// the next group waited a quarter of the time for the last one's fsync).
const committers = 2

// maxCommit bounds the submissions in one store transaction.
const maxCommit = 2000

// Before a commit of fewer than minGroup submissions, the committer waits for
// submissions that are still being checked (App.preparing) to join it, for as long as
// its last commit took, within [minGroupWait, maxGroupWait]. Every commit costs a
// durable write (an fsync, milliseconds); without the wait, a commit of reports sent one
// per request starts with whatever request came first, and the others, a moment later,
// each wait for a commit of their own. Waiting as long as a commit takes costs a report
// no more than the commit it would otherwise have waited behind.
const (
	minGroupWait = time.Millisecond
	maxGroupWait = 20 * time.Millisecond
)

// minGroup is the size of a commit group from which the committer does not wait.
const minGroup = 64

// groupPoll is how often the committer looks again at App.preparing while it waits.
const groupPoll = 200 * time.Microsecond

// commit hands subs to the committer and waits until they are durable. It returns the
// store's result for each and, when the app has a log, the log's promise for each
// stored one (Accepted or Duplicate), signed once for the whole commit group.
//
// queued, if not nil, is called once subs are queued or have failed to be: the
// submissions are no longer being prepared.
func (a *App) commit(ctx context.Context, subs []iltod.Submission, queued func()) ([]iltod.AcceptResult, []signedPromise, error) {
	if queued != nil {
		defer queued()
	}
	p := &pendingBatch{subs: subs, done: make(chan struct{})}
	a.commitMu.RLock()
	if a.closed {
		a.commitMu.RUnlock()
		return nil, nil, iltod.E(iltod.EInternal, "error.app.shutting_down", nil)
	}
	a.startOnce.Do(a.startCommitter)
	select {
	case a.committer.in <- p:
	case <-ctx.Done():
		a.commitMu.RUnlock()
		return nil, nil, ctx.Err()
	}
	a.commitMu.RUnlock()
	if queued != nil {
		queued()
	}
	<-p.done // once queued, wait for the outcome whatever ctx does: it may be on disk
	return p.out, p.promises, p.err
}

func (a *App) startCommitter() {
	c := &committer{in: make(chan *pendingBatch, 256), stop: make(chan struct{}), done: make(chan struct{})}
	a.committer = c
	var workers sync.WaitGroup
	for range committers {
		workers.Go(func() { a.commitGroups(c) })
	}
	go func() {
		workers.Wait()
		close(c.done)
	}()
}

// commitGroups takes groups of batches from c and commits each, until c stops.
func (a *App) commitGroups(c *committer) {
	poll := time.NewTimer(groupPoll)
	defer poll.Stop()
	var lastCommit time.Duration
	for {
		var first *pendingBatch
		select {
		case first = <-c.in:
		case <-c.stop:
			// Close holds off new senders; commit what is queued, then stop.
			for {
				select {
				case p := <-c.in:
					a.commitGroup([]*pendingBatch{p}, len(p.subs))
				default:
					return
				}
			}
		}
		group := []*pendingBatch{first}
		n := len(first.subs)
		deadline := time.Now().Add(min(max(lastCommit, minGroupWait), maxGroupWait))
	drain:
		for n < maxCommit {
			select {
			case p := <-c.in:
				group = append(group, p)
				n += len(p.subs)
				continue
			default:
			}
			if n >= minGroup || a.preparing.Load() == 0 || !time.Now().Before(deadline) {
				break drain
			}
			poll.Reset(groupPoll)
			select {
			case p := <-c.in:
				group = append(group, p)
				n += len(p.subs)
			case <-poll.C:
			}
		}
		t0 := time.Now()
		a.commitGroup(group, n)
		lastCommit = time.Since(t0)
	}
}

func (a *App) commitGroup(group []*pendingBatch, n int) {
	all := make([]iltod.Submission, 0, n)
	for _, p := range group {
		all = append(all, p.subs...)
	}
	// The commit must finish even if the request that queued it has gone.
	out, err := a.store.AcceptReports(context.Background(), all)
	if err == nil && len(out) != len(all) {
		err = fmt.Errorf("store returned %d results for %d submissions", len(out), len(all))
	}
	if err != nil {
		a.log.Error("accept reports", "reports", len(all), "err", err)
	} else if a.tlog != nil {
		a.tlog.Notify()
	}
	promises := make([]signedPromise, len(all))
	if err == nil {
		a.promise(out, promises)
	}
	off := 0
	for _, p := range group {
		if err != nil {
			p.err = err
		} else {
			p.out = out[off : off+len(p.subs)]
			p.promises = promises[off : off+len(p.subs)]
		}
		off += len(p.subs)
		close(p.done)
	}
}

// promise fills promises[i] with the log's promise for out[i] when the store kept it
// (Accepted or Duplicate): one signature for the whole commit group, which costs the
// log about half a report's signature check instead of that for every report.
func (a *App) promise(out []iltod.AcceptResult, promises []signedPromise) {
	if a.tlog == nil {
		return
	}
	var evs []iltod.Event
	var at []int
	for i, ar := range out {
		if ar.Outcome == iltod.Accepted || ar.Outcome == iltod.Duplicate {
			evs = append(evs, submissionEvent(ar.Stored))
			at = append(at, i)
		}
	}
	if len(evs) == 0 {
		return
	}
	signed, err := a.tlog.Promises(evs)
	if err == nil && len(signed) != len(evs) {
		err = fmt.Errorf("log returned %d promises for %d events", len(signed), len(evs))
	}
	for j, i := range at {
		if err != nil {
			promises[i].err = err
		} else {
			promises[i].p = signed[j]
		}
	}
}

// Close commits the batches already queued and stops the committer; Submit fails after
// it. It does not close the store.
func (a *App) Close() error {
	a.commitMu.Lock()
	a.closed = true
	a.commitMu.Unlock()
	if a.committer != nil {
		close(a.committer.stop)
		<-a.committer.done
	}
	return nil
}

// deviceTTL bounds how long an enrolled device is cached for intake. A revocation on this
// instance takes effect at once; one made on another instance within deviceTTL.
const deviceTTL = 2 * time.Second

type cachedDevice struct {
	d  iltod.Device
	at time.Time
}

// device returns the enrolled device with the given key id, from a short-lived cache:
// every report names its device, and most devices send several reports.
func (a *App) device(ctx context.Context, keyID string) (iltod.Device, error) {
	now := a.now()
	if c, ok := a.devices.Load(keyID); ok && now.Sub(c.(cachedDevice).at) < deviceTTL {
		return c.(cachedDevice).d, nil
	}
	d, err := a.store.Device(ctx, keyID)
	if err != nil {
		return d, err
	}
	a.devices.Store(keyID, cachedDevice{d, now})
	return d, nil
}
