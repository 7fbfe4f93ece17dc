package app

import (
	"context"
	"crypto/sha256"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/stats/pvt"
)

// analysisTTL bounds how stale the inputs of an analysis may be: observers' results, the
// latest official release and the sample are read again after it.
const analysisTTL = 2 * time.Second

// ImportOfficial stores a release of official results with its import event. It checks the
// results against the election again in the store's transaction; on any problem nothing is
// stored and the error (EInvalid) carries the problems. detail says where the file came
// from (its name, format and mapping) and goes into the event, which names the actor.
func (a *App) ImportOfficial(ctx context.Context, r iltod.OfficialRelease, results []iltod.StationResult, detail map[string]any) (iltod.OfficialRelease, error) {
	if err := authorize(ctx, actionImportOfficial); err != nil {
		return iltod.OfficialRelease{}, err
	}
	if detail == nil {
		detail = map[string]any{}
	}
	detail["source"] = r.Source
	detail["results"] = len(results)
	ev, err := a.staffEvent(ctx, r.Election, iltod.EventImport, "official", detail)
	if err != nil {
		return iltod.OfficialRelease{}, err
	}
	r.Imported = ev.Time
	out, err := a.store.ImportOfficial(ctx, r, results, ev)
	if err != nil {
		return iltod.OfficialRelease{}, err
	}
	a.dropInputs(r.Election)
	a.log.Info("official results imported", "election", out.Election, "version", out.Version, "results", out.Results, "actor", actorName(ctx))
	a.notifyLog()
	return out, nil
}

// OfficialReleases lists an election's official releases. Official results are public.
func (a *App) OfficialReleases(ctx context.Context, election string) ([]iltod.OfficialRelease, error) {
	return a.store.OfficialReleases(ctx, election)
}

// OfficialResults returns the results of one release (version 0: the latest). Public.
func (a *App) OfficialResults(ctx context.Context, election string, version int, q iltod.OfficialQuery) ([]iltod.StationResult, error) {
	return a.store.OfficialResults(ctx, election, version, q)
}

// DrawSample draws a PVT sample from the election's stations stratified by `by` (see
// analysis.SampleDoc) and saves it with its event, which the log commits to: the record
// shows the sample was fixed before any result was known.
func (a *App) DrawSample(ctx context.Context, election, by string, opt pvt.DrawOptions, note string) (iltod.SampleRecord, analysis.SampleDoc, error) {
	if err := authorize(ctx, actionDrawSample); err != nil {
		return iltod.SampleRecord{}, analysis.SampleDoc{}, err
	}
	x, err := a.analysisElection(ctx, election)
	if err != nil {
		return iltod.SampleRecord{}, analysis.SampleDoc{}, err
	}
	doc, err := x.Draw(by, opt)
	if err != nil {
		return iltod.SampleRecord{}, analysis.SampleDoc{}, err
	}
	data, err := doc.Marshal()
	if err != nil {
		return iltod.SampleRecord{}, analysis.SampleDoc{}, err
	}
	n := 0
	for _, st := range doc.Sample.Strata {
		n += len(st.Stations) + len(st.Reserves)
	}
	sum := sha256.Sum256(data)
	ev, err := a.staffEvent(ctx, election, iltod.EventSample, "sample", map[string]any{
		"stratify_by": by, "size": opt.Size, "reserves": opt.Reserves, "frame": doc.Sample.Frame,
		"sample_sha256": fmt.Sprintf("%x", sum),
	})
	if err != nil {
		return iltod.SampleRecord{}, analysis.SampleDoc{}, err
	}
	rec, err := a.store.SaveSample(ctx, iltod.SampleRecord{Election: election, Note: note, Sample: data, Stations: n}, ev)
	if err != nil {
		return iltod.SampleRecord{}, analysis.SampleDoc{}, err
	}
	a.dropInputs(election)
	a.log.Info("PVT sample drawn", "election", election, "version", rec.Version, "stations", n, "actor", actorName(ctx))
	a.notifyLog()
	return rec, doc, nil
}

// Sample returns a stored sample (version 0: the latest). Staff only: until the polls
// close, knowing which stations are sampled would tell a fraudster where not to cheat.
func (a *App) Sample(ctx context.Context, election string, version int) (iltod.SampleRecord, analysis.SampleDoc, error) {
	if err := authorize(ctx, actionReadSample); err != nil {
		return iltod.SampleRecord{}, analysis.SampleDoc{}, err
	}
	rec, err := a.store.Sample(ctx, election, version)
	if err != nil {
		return iltod.SampleRecord{}, analysis.SampleDoc{}, err
	}
	doc, err := analysis.ParseSample(rec.Sample)
	return rec, doc, err
}

// ObservedResults returns the observers' station results: for every station, the figures
// of its merged results records (iltod.MergeRecord) that observers agree on or a reviewer
// resolved, as station results. Fields in conflict, not applicable, or counted by machine
// where a manual count is the count of record, are left out; rejected and quarantined
// reports take no part. Public: it names stations, never observers.
func (a *App) ObservedResults(ctx context.Context, election string) ([]iltod.StationResult, error) {
	in, err := a.inputs(ctx, election)
	if err != nil {
		return nil, err
	}
	return in.observedRaw, nil
}

// Analyze runs the results verification (package analysis) over an election: the PVT
// estimates, the comparison with the latest official release, the forensic screens and the
// seat projection. Public: the report names stations but not observers, and its sample
// description leaves out the seed. Inputs are at most analysisTTL old.
//
// The analysis is kept current from what changed (analysis.Live), and reports share
// their unchanged parts: a caller may set the fields of a report, of its contests and of
// their areas, which are its own, but must change nothing they point to.
func (a *App) Analyze(ctx context.Context, election string, opt analysis.Options) (*analysis.Report, error) {
	in, err := a.inputs(ctx, election)
	if err != nil {
		return nil, err
	}
	if rep, ok, err := in.live.report(opt); ok || err != nil {
		return rep, err
	}
	observed, err := in.observedResults()
	if err != nil {
		return nil, err
	}
	return analysis.Run(analysis.Input{Election: in.x, Sample: in.sample, Observed: observed, Official: in.official, Release: in.release}, opt)
}

// inputs are what analyses of one election read, prepared and cached for analysisTTL.
type inputs struct {
	// subs are every submission of the election, in Seq order.
	subs        []iltod.Submission
	coverage    []AreaCoverage
	incidents   []IncidentSummary
	x           *analysis.Election
	sample      *analysis.Sample
	observedRaw []iltod.StationResult
	// observed is observedRaw prepared for analysis, on first use.
	observed *prepared
	// live keeps the analyses current as reports arrive (liveAnalyses); shared by the
	// inputs refreshed from these. byStation indexes subs by station, for refreshing.
	live      *liveAnalyses
	byStation map[string][]int
	official  *analysis.Results // nil without a release
	release   *iltod.OfficialRelease
	loaded    time.Time
	// seq is the store's last event when the load began: while it stays the same, no
	// report, review, resolution or release has changed what the inputs were built from.
	seq uint64
}

type inputCache struct {
	mu sync.Mutex
	m  map[string]*inputs
	// building serialises rebuilding per election so that a burst of requests reads the
	// store once.
	building map[string]*sync.Mutex
}

func (a *App) dropInputs(election string) {
	a.inputsCache.mu.Lock()
	delete(a.inputsCache.m, election)
	a.inputsCache.mu.Unlock()
}

// inputs returns the election's analysis inputs, loaded at most analysisTTL ago, or
// older but still current: once they are analysisTTL old, the store's last event is
// compared with the one they were loaded at, and only a change reloads them. Loading
// reads every submission, which is what election night must not do on every page view;
// a new event costs one reload, however many pages are read after it.
func (a *App) inputs(ctx context.Context, election string) (*inputs, error) {
	c := &a.inputsCache
	c.mu.Lock()
	in := c.m[election]
	if in != nil && a.now().Sub(in.loaded) < analysisTTL {
		c.mu.Unlock()
		return in, nil
	}
	c.mu.Unlock()
	if in != nil {
		seq, err := a.store.LastSeq(ctx)
		if err != nil {
			return nil, err
		}
		if seq == in.seq {
			fresh := *in
			fresh.loaded = a.now()
			c.mu.Lock()
			if c.m[election] == in {
				c.m[election] = &fresh
			}
			c.mu.Unlock()
			return &fresh, nil
		}
	}
	c.mu.Lock()
	if c.building == nil {
		c.building, c.m = map[string]*sync.Mutex{}, map[string]*inputs{}
	}
	b := c.building[election]
	if b == nil {
		b = &sync.Mutex{}
		c.building[election] = b
	}
	c.mu.Unlock()
	b.Lock()
	defer b.Unlock()
	c.mu.Lock()
	in = c.m[election]
	c.mu.Unlock()
	if in != nil && a.now().Sub(in.loaded) < analysisTTL {
		return in, nil
	}
	if in != nil {
		// Read only what changed since; a new release or sample loads everything again.
		fresh, err := a.refreshInputs(ctx, election, in)
		if err != nil {
			a.dropInputs(election) // the live analysis may hold part of the change
			return nil, err
		}
		if fresh != nil {
			c.mu.Lock()
			c.m[election] = fresh
			c.mu.Unlock()
			return fresh, nil
		}
	}
	in, err := a.loadInputs(ctx, election)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.m[election] = in
	c.mu.Unlock()
	return in, nil
}

func (a *App) loadInputs(ctx context.Context, election string) (*inputs, error) {
	x, err := a.analysisElection(ctx, election)
	if err != nil {
		return nil, err
	}
	seq, err := a.store.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	in := &inputs{x: x, loaded: a.now(), seq: seq}
	if rec, err := a.store.Sample(ctx, election, 0); err == nil {
		doc, err := analysis.ParseSample(rec.Sample)
		if err != nil {
			return nil, err
		}
		if in.sample, err = x.Place(doc); err != nil {
			return nil, err
		}
	} else if iltod.ErrorCodeOf(err) != iltod.ENotFound {
		return nil, err
	}
	releases, err := a.store.OfficialReleases(ctx, election)
	if err != nil {
		return nil, err
	}
	if len(releases) > 0 {
		r := releases[len(releases)-1]
		in.release = &r
		stations, err := a.store.OfficialResults(ctx, election, r.Version, iltod.OfficialQuery{})
		if err != nil {
			return nil, err
		}
		totals, err := a.store.OfficialResults(ctx, election, r.Version, iltod.OfficialQuery{Totals: true})
		if err != nil {
			return nil, err
		}
		if in.official, err = x.Prepare(append(stations, totals...)); err != nil {
			return nil, err
		}
	}
	if in.subs, err = a.allSubmissions(ctx, election, iltod.SubmissionQuery{}); err != nil {
		return nil, err
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	if in.observedRaw, err = a.observedResults(ctx, el, in.subs); err != nil {
		return nil, err
	}
	in.summarise(el, in.subs)
	in.observed = &prepared{x: x, raw: in.observedRaw}
	observed, err := in.observedResults()
	if err != nil {
		return nil, err
	}
	in.byStation = make(map[string][]int)
	for i := range in.subs {
		st := in.subs[i].Report.Station
		in.byStation[st] = append(in.byStation[st], i)
	}
	live, err := analysis.NewLive(analysis.Input{Election: x, Sample: in.sample, Observed: observed, Official: in.official, Release: in.release})
	if err != nil {
		return nil, err
	}
	in.live = &liveAnalyses{l: live, used: map[analysis.Options]uint64{}}
	return in, nil
}

// analysisElection returns the election indexed for analysis, built once per cached
// election.
func (a *App) analysisElection(ctx context.Context, election string) (*analysis.Election, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	el.analysisOnce.Do(func() {
		stations := make([]iltod.Station, 0, len(el.stations))
		for _, s := range el.stationOrder {
			stations = append(stations, *el.stations[s])
		}
		el.analysis, el.analysisErr = analysis.NewElection(el.e, el.areaList, stations, el.contests)
	})
	return el.analysis, el.analysisErr
}

// observedResults merges every results record of an election, from its submissions
// subs, into station results.
func (a *App) observedResults(ctx context.Context, el *election, subs []iltod.Submission) ([]iltod.StationResult, error) {
	// Every resolution of the election in one query, by station and form.
	resolutions, err := a.resolutionsByRecord(ctx, el.e.ID)
	if err != nil {
		return nil, err
	}
	byStation := map[string][]iltod.Submission{}
	for _, s := range subs {
		byStation[s.Report.Station] = append(byStation[s.Report.Station], s)
	}
	var out []iltod.StationResult
	for code, subs := range byStation {
		rs, err := el.stationResults(code, subs, resolutions)
		if err != nil {
			return nil, err
		}
		out = append(out, rs...)
	}
	iltod.SortResults(out)
	return out, nil
}

// recKey names a station record: a station and a form.
type recKey struct{ station, form string }

// resolutionsByRecord returns every resolution of an election by station record.
func (a *App) resolutionsByRecord(ctx context.Context, election string) (map[recKey][]iltod.Resolution, error) {
	all, err := a.store.Resolutions(ctx, election, "", "")
	if err != nil {
		return nil, err
	}
	out := map[recKey][]iltod.Resolution{}
	for _, r := range all {
		k := recKey{r.Station, r.Form}
		out[k] = append(out[k], r)
	}
	return out, nil
}

// stationResults merges the results records of station code, from its submissions subs
// (in Seq order) and the election's resolutions, into station results, one per contest,
// sorted by contest; none for a station the election does not have.
func (el *election) stationResults(code string, subs []iltod.Submission, resolutions map[recKey][]iltod.Resolution) ([]iltod.StationResult, error) {
	election := el.e.ID
	st, ok := el.stations[code]
	if !ok {
		return nil, nil
	}
	results := map[string]*iltod.StationResult{}
	for _, fc := range el.resultsForms() {
		form, _ := el.latestForm(fc)
		var forForm []iltod.Submission
		for _, s := range subs {
			if s.Report.Form == fc {
				forForm = append(forForm, s)
			}
		}
		if len(forForm) == 0 {
			continue
		}
		rec := iltod.MergeRecord(election, code, form.Code, forForm, resolutions[recKey{code, form.Code}])
		sheet, err := el.sheet(form, st)
		if err != nil {
			return nil, err
		}
		contests := sheetContests(sheet.Questions)
		for _, item := range sheet.Questions {
			b := item.Binding
			if b.Count == "" || b.Tally == iltod.TallyMachine {
				continue
			}
			f, ok := rec.Fields[item.Tag]
			if !ok || f.Conflict || f.Value.Kind != iltod.Int || f.Value.Int < 0 || f.Value.Int > iltod.MaxResultCount {
				continue
			}
			v := int(f.Value.Int)
			targets := []string{b.Contest}
			if b.Contest == "" {
				targets = contests // a station-wide figure belongs to every contest
			}
			for _, c := range targets {
				r := results[c]
				if r == nil {
					r = &iltod.StationResult{Station: code, Contest: c, Counts: map[iltod.CountKind]int{}, Votes: map[string]int{}}
					results[c] = r
				}
				if b.Count == iltod.CountChoice {
					r.Votes[b.Choice] = v
				} else if _, set := r.Counts[b.Count]; !set || b.Contest != "" {
					r.Counts[b.Count] = v
				}
			}
		}
	}
	out := make([]iltod.StationResult, 0, len(results))
	for _, r := range results {
		if len(r.Votes) > 0 || len(r.Counts) > 0 {
			out = append(out, *r)
		}
	}
	iltod.SortResults(out)
	return out, nil
}

// sheetContests lists the contests a sheet's questions count, in order of appearance.
func sheetContests(items []qa.Item) []string {
	var out []string
	for _, it := range items {
		if c := it.Binding.Contest; c != "" && !slices.Contains(out, c) {
			out = append(out, c)
		}
	}
	return out
}

// notifyLog tells the log that the store has a new event.
func (a *App) notifyLog() {
	if a.tlog != nil {
		a.tlog.Notify()
	}
}

// PublicPackage returns the public part of an election package: everything but the
// observers, as exports of results need it (NIST reports name the election's areas,
// contests and stations).
func (a *App) PublicPackage(ctx context.Context, election string) (*iltod.Package, error) {
	x, err := a.analysisElection(ctx, election)
	if err != nil {
		return nil, err
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	p := &iltod.Package{Election: x.Election, Areas: x.Areas, Stations: x.Stations, Contests: x.Contests}
	for _, f := range el.forms {
		p.Forms = append(p.Forms, *f)
	}
	slices.SortFunc(p.Forms, func(a, b iltod.Form) int {
		if a.Code != b.Code {
			return strings.Compare(a.Code, b.Code)
		}
		return a.Version - b.Version
	})
	return p, nil
}

// Comparison returns, station by station, the observers' and the latest official results
// side by side (see analysis.CompareStations). Public.
func (a *App) Comparison(ctx context.Context, election string) ([]analysis.StationComparison, error) {
	in, err := a.inputs(ctx, election)
	if err != nil {
		return nil, err
	}
	observed, err := in.observedResults()
	if err != nil {
		return nil, err
	}
	return in.x.CompareStations(observed, in.official)
}
