package app

import (
	"cmp"
	"context"
	"slices"
	"strings"
	"sync"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/analysis"
)

// maxLiveViews bounds the analyses (sets of Options) kept current per election: each
// keeps per-station sums, so that a million-station election costs some hundreds of
// megabytes a view. The least recently used is dropped; asking for it again rebuilds it
// from the results in memory, which costs about one full analysis.
const maxLiveViews = 8

// maxRefreshEvents bounds the events a refresh reads one by one (reviews, and events of
// other elections); beyond it, loading everything again costs less.
const maxRefreshEvents = 5000

// liveAnalyses keeps an election's analyses current (analysis.Live) as its inputs are
// refreshed. It is shared by the successive inputs of an election: readers of older
// inputs get the newer analysis.
type liveAnalyses struct {
	mu   sync.Mutex
	l    *analysis.Live
	used map[analysis.Options]uint64 // view → when last used (a counter)
	tick uint64
}

// report returns the live analysis for opt; ok is false when there is none (l is nil).
func (la *liveAnalyses) report(opt analysis.Options) (*analysis.Report, bool, error) {
	if la == nil {
		return nil, false, nil
	}
	la.mu.Lock()
	defer la.mu.Unlock()
	v, err := la.l.View(opt)
	if err != nil {
		return nil, true, err
	}
	la.tick++
	la.used[opt] = la.tick
	if len(la.used) > maxLiveViews {
		oldest, at := analysis.Options{}, uint64(0)
		for o, t := range la.used {
			if at == 0 || t < at {
				oldest, at = o, t
			}
		}
		la.l.Forget(oldest)
		delete(la.used, oldest)
	}
	rep, err := v.Report()
	return rep, true, err
}

// prepared is an inputs' observers' results prepared for analysis on first use: the live
// analysis does not need them, only CompareStations and a fallback to Run.
type prepared struct {
	x    *analysis.Election
	raw  []iltod.StationResult
	once sync.Once
	r    *analysis.Results
	err  error
}

// observedResults returns the observers' results prepared for analysis.
func (in *inputs) observedResults() (*analysis.Results, error) {
	p := in.observed
	p.once.Do(func() { p.r, p.err = p.x.Prepare(p.raw) })
	return p.r, p.err
}

// refreshInputs brings in up to the store's last event without reading every
// submission: it reads the submissions accepted after in.seq and the other events since
// one by one, merges again the records of the stations they touch, and passes their new
// results to the live analysis. It returns nil, nil when only a full load will do: a new
// official release or sample, or too many events to read one by one. On an error the
// caller must load in full, since the live analysis may have taken part of the change.
func (a *App) refreshInputs(ctx context.Context, election string, in *inputs) (*inputs, error) {
	if in.live == nil {
		return nil, nil
	}
	last, err := a.store.LastSeq(ctx)
	if err != nil {
		return nil, err
	}
	fresh := *in
	fresh.loaded, fresh.seq = a.now(), last
	if last == in.seq {
		return &fresh, nil
	}
	subs, err := a.allSubmissions(ctx, election, iltod.SubmissionQuery{AfterSeq: in.seq})
	if err != nil {
		return nil, err
	}
	subs = slices.DeleteFunc(subs, func(s iltod.Submission) bool { return s.Seq > last })
	if int(last-in.seq)-len(subs) > maxRefreshEvents {
		return nil, nil
	}
	accepted := make(map[uint64]bool, len(subs))
	touched := map[string]bool{}
	for _, s := range subs {
		accepted[s.Seq] = true
		touched[s.Report.Station] = true
	}
	reviewed := map[string]bool{} // report ids whose status changed
	for seq := in.seq + 1; seq <= last; seq++ {
		if accepted[seq] {
			continue
		}
		ev, err := a.store.Event(ctx, seq)
		if err != nil {
			return nil, err
		}
		if ev.Election != election {
			continue
		}
		switch ev.Kind {
		case iltod.EventReview:
			// A decision on a report (its id) or a resolution of a record (STATION/FORM).
			if station, _, ok := strings.Cut(ev.Subject, "/"); ok {
				touched[station] = true
			}
			reviewed[ev.Subject] = true
		case iltod.EventReport, iltod.EventImport, iltod.EventSample:
			// A report not among those read, a new release or a new sample.
			return nil, nil
		}
		// Other kinds (devices, incidents, staff actions, messages) change no input.
	}
	// The submissions: the old ones, with the statuses reviews changed, then the new.
	fresh.subs = in.subs
	if len(reviewed) > 0 {
		fresh.subs = slices.Clone(in.subs)
		for i := range fresh.subs {
			s := &fresh.subs[i]
			if reviewed[s.Report.ID] {
				now, err := a.store.Submission(ctx, election, s.Report.ID)
				if err != nil {
					return nil, err
				}
				s.Status = now.Status
				touched[s.Report.Station] = true
			}
		}
	}
	// Appending shares the array with in.subs, which reads only its own length; refreshes
	// of an election are serialised, and the index is only theirs, so both grow in place.
	fresh.subs = append(fresh.subs, subs...)
	for i := len(in.subs); i < len(fresh.subs); i++ {
		st := fresh.subs[i].Report.Station
		fresh.byStation[st] = append(fresh.byStation[st], i)
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	var changed []iltod.StationResult
	if len(touched) > 0 {
		resolutions, err := a.resolutionsByRecord(ctx, election)
		if err != nil {
			return nil, err
		}
		stations := slices.Sorted(func(yield func(string) bool) {
			for st := range touched {
				if !yield(st) {
					return
				}
			}
		})
		in.live.mu.Lock()
		for _, st := range stations {
			var ss []iltod.Submission
			for _, i := range fresh.byStation[st] {
				ss = append(ss, fresh.subs[i])
			}
			rs, err := el.stationResults(st, ss, resolutions)
			if err == nil {
				if _, known := el.stations[st]; known {
					err = in.live.l.SetObserved(st, rs)
				}
			}
			if err != nil {
				in.live.mu.Unlock()
				return nil, err
			}
			changed = append(changed, rs...)
		}
		in.live.mu.Unlock()
	}
	if len(touched) == 0 && len(subs) == 0 {
		return &fresh, nil // events that change no input
	}
	fresh.observedRaw = mergeResults(in.observedRaw, touched, changed)
	fresh.observed = &prepared{x: in.x, raw: fresh.observedRaw}
	fresh.summarise(el, fresh.subs)
	return &fresh, nil
}

// mergeResults returns old (sorted by station and contest) without the results of the
// touched stations, merged with changed (their new results, sorted likewise).
func mergeResults(old []iltod.StationResult, touched map[string]bool, changed []iltod.StationResult) []iltod.StationResult {
	out := make([]iltod.StationResult, 0, len(old)+len(changed))
	less := func(a, b *iltod.StationResult) bool {
		return cmp.Or(strings.Compare(a.Station, b.Station), strings.Compare(a.Contest, b.Contest)) < 0
	}
	j := 0
	for i := range old {
		if touched[old[i].Station] {
			continue
		}
		for j < len(changed) && less(&changed[j], &old[i]) {
			out = append(out, changed[j])
			j++
		}
		out = append(out, old[i])
	}
	return append(out, changed[j:]...)
}
