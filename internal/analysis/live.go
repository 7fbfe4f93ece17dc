package analysis

import (
	"cmp"
	"fmt"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/forensics"
	"github.com/iltod/iltod/stats/pvt"
	"github.com/iltod/iltod/stats/seats"
)

// Live keeps analyses of one election current as station results arrive, are corrected
// and are withdrawn, and as official releases replace each other, at a cost that follows
// what changed rather than the size of the election. It holds the results; each View
// (one set of Options) holds what its analysis sums.
//
// A View keeps running sums per area of what Run sums over every station (reports,
// official figures, the station comparison's counts and flagged stations, seat totals),
// each station's integer-test term, the fingerprint's and the digit tests' counts, and
// the last report of every area. A change subtracts the station's old contribution and
// adds the new one, and marks the areas that contain it; Report re-analyses an area only
// when one of its sampled stations or its official results changed, refreshes the counts
// and station comparison of an area where only other stations changed, and reuses the
// rest. Its Report equals Run's on the same data exactly, field by field.
//
// Two parts still read every station of the area analysed, in cheap passes: the sum of
// the integer-test terms (it adds them in Run's fixed blocks, so that the floating-point
// sums agree to the bit) and, when the leader changes or the screens change source, a
// rebuild of the screens. A Monte Carlo integer test (Options.MonteCarlo) is run afresh.
//
// A Live and its Views are not safe for concurrent use; the reports a View returns share
// their unchanged parts with later reports and must not be modified.
type Live struct {
	x        *Election
	sample   *Sample
	observed *source
	official *source // nil without a release
	release  *iltod.OfficialRelease
	views    map[Options]*View
}

// View is one analysis (one Options) of a Live's results.
type View struct {
	l        *Live
	opt      Options
	set      *setup
	contests []*liveContest
	byIndex  map[int]*liveContest
}

// liveContest is the state of one contest analysed.
type liveContest struct {
	c       int
	members [][]int       // per area slot: positions among the contest's voters
	slot    map[int32]int // area → slot
	peers   []int
	doms    []*domain // nil without a sample
	inArea  []bool    // per position: within the area analysed (slot 0)

	observed, official []int        // per slot: stations with results
	figures            []figureSums // per slot: official station results
	matches            []matchSums  // per slot
	match              *stationMatch
	pairs              map[int]pvt.Pair // the pairs match has made, by position
	all                figureSums       // official results over every voter, for seats

	// reports holds per slot the last report, nil when it must be redone; stale marks
	// those whose counts and station comparison changed but whose sampled stations and
	// official results did not, so that only those parts are redone.
	reports []*AreaReport
	stale   []bool
	screens liveScreens
}

// matchSums are the running counts of the station comparison over one area.
type matchSums struct {
	stations, exact int
	flagged         map[int]struct{} // positions
}

// liveScreens are the forensic screens' running state over the area analysed.
type liveScreens struct {
	official bool // whether built from official results
	built    bool
	// last is the screens as last reported, current while nothing has changed since.
	last    *Forensics
	current bool
	leader  int
	sums    []int64 // votes per choice over the stations with results
	n       int
	terms   []forensics.IntegerTerm // per position
	print   forensics.FingerprintTally
	digits  forensics.DigitTally
	// byLeaf holds the positions of the stations of each leaf area (the flags' groups),
	// and flags their last flags.
	byLeaf map[int32][]int
	flags  map[int32]*leafFlags
	// changed holds, per position changed since the last report, its tally before.
	changed map[int]*tally
}

type leafFlags struct {
	f   forensics.Flags
	pos map[string]int // station code → position, for the order of the merged lists
}

// NewLive sets up a live analysis of in's results; Input.Election is required, as in
// Run. It keeps its own copies: in's Results are not modified.
func NewLive(in Input) (*Live, error) {
	x := in.Election
	if x == nil {
		return nil, fmt.Errorf("analysis: no election")
	}
	if in.Sample != nil && in.Sample.x != x {
		return nil, fmt.Errorf("analysis: the sample was placed on another election")
	}
	for _, res := range []*Results{in.Observed, in.Official} {
		if res != nil && res.x != x {
			return nil, fmt.Errorf("analysis: results were prepared for another election")
		}
	}
	l := &Live{x: x, sample: in.Sample, release: in.Release, views: map[Options]*View{}}
	l.observed = copySource(x, in.Observed.source())
	if in.Official != nil {
		l.official = copySource(x, in.Official.source())
	}
	return l, nil
}

// View returns the view of the analysis that opt asks for, set up on first use (which
// reads every result once), with the errors of Run.
func (l *Live) View(opt Options) (*View, error) {
	if v := l.views[opt]; v != nil {
		return v, nil
	}
	x := l.x
	set, err := setUp(Input{Election: x, Sample: l.sample, Release: l.release}, opt)
	if err != nil {
		return nil, err
	}
	v := &View{l: l, opt: opt, set: set, byIndex: map[int]*liveContest{}}
	for _, c := range set.todo {
		lc := &liveContest{c: c}
		lc.members, lc.slot = x.group(c, set.areas)
		v.contests = append(v.contests, lc)
		v.byIndex[c] = lc
		if len(lc.members[0]) == 0 {
			continue
		}
		lc.inArea = make([]bool, len(x.voters[c]))
		for _, pos := range lc.members[0] {
			lc.inArea[pos] = true
		}
		perDepth := map[int8]int{}
		for i, a := range set.areas {
			if len(lc.members[i]) > 0 {
				perDepth[x.depth[a]]++
			}
		}
		lc.peers = make([]int, len(set.areas))
		lc.doms = make([]*domain, len(set.areas))
		for i, a := range set.areas {
			lc.peers[i] = perDepth[x.depth[a]]
			if set.sample != nil && len(lc.members[i]) > 0 {
				lc.doms[i] = x.newDomain(c, lc.members[i], set.sample)
			}
		}
		v.rebuild(lc)
	}
	l.views[opt] = v
	return v, nil
}

// Forget drops the view of opt, if any, and what it keeps.
func (l *Live) Forget(opt Options) { delete(l.views, opt) }

// Views returns the number of views kept.
func (l *Live) Views() int { return len(l.views) }

// copySource returns a copy of src that Live may change: the tallies are copied, their
// votes shared (Live replaces a tally, never changes its votes).
func copySource(x *Election, src *source) *source {
	out := x.emptySource()
	if src == nil {
		return out
	}
	out.stations = src.stations
	for c := range src.byContest {
		if src.byContest[c] != nil {
			out.byContest[c] = slices.Clone(src.byContest[c])
		}
		if src.totals[c] != nil {
			out.totals[c] = make(map[int32]*tally, len(src.totals[c]))
			for a, t := range src.totals[c] {
				out.totals[c][a] = t
			}
		}
	}
	return out
}

// rebuild computes every running sum of contest lc from the sources.
func (v *View) rebuild(lc *liveContest) {
	l := v.l
	x, c, n := l.x, lc.c, len(v.set.areas)
	lc.observed, lc.official = make([]int, n), make([]int, n)
	lc.figures, lc.matches = make([]figureSums, n), make([]matchSums, n)
	lc.reports = make([]*AreaReport, n)
	lc.stale = make([]bool, n)
	lc.all = figureSums{}
	lc.match = nil
	k := len(x.Contests[c].Choices)
	if l.official != nil {
		var err error
		if lc.match, err = x.matchStations(c, lc.members[0], l.observed, l.official, v.opt.Tolerance); err != nil {
			lc.match = &stationMatch{err: err}
		}
		// Keep the discrepancies only; a pair is made when a test needs it, and kept until
		// the station changes: the tests read the sampled stations only.
		lc.match.pairs = nil
		lc.pairs = map[int]pvt.Pair{}
		lc.match.pairOf = func(pos int) pvt.Pair {
			p, ok := lc.pairs[pos]
			if !ok {
				p = x.pair(c, pos, l.observed, l.official)
				lc.pairs[pos] = p
			}
			return p
		}
		for pos := range x.voters[c] {
			if t := l.official.at(c, pos); t != nil {
				lc.all.add(t, k, 1)
			}
		}
	}
	for i := range lc.members {
		lc.matches[i].flagged = map[int]struct{}{}
		for _, pos := range lc.members[i] {
			if l.observed.at(c, pos) != nil {
				lc.observed[i]++
			}
			if t := l.official.at(c, pos); t != nil {
				lc.official[i]++
				lc.figures[i].add(t, k, 1)
			}
			if lc.match != nil && lc.match.err == nil && lc.match.disc[pos].Station != "" {
				lc.matches[i].addPair(lc.match, pos, 1)
			}
		}
	}
	lc.screens = liveScreens{}
}

// addPair adds (n = 1) or removes (n = -1) the comparison of the station at pos.
func (s *matchSums) addPair(m *stationMatch, pos, n int) {
	s.stations += n
	d := m.disc[pos]
	if d.D == 0 {
		s.exact += n
	}
	if d.Flagged {
		if n > 0 {
			s.flagged[pos] = struct{}{}
		} else {
			delete(s.flagged, pos)
		}
	}
}

// summary is stationMatch.summary of the area whose sums s are.
func (s *matchSums) summary(m *stationMatch, worst int) MatchSummary {
	out := MatchSummary{Tolerance: m.tol, Worst: []pvt.Discrepancy{}, Stations: s.stations, Exact: s.exact, Flagged: len(s.flagged)}
	at := make([]int, 0, len(s.flagged))
	for pos := range s.flagged {
		at = append(at, pos)
	}
	// Run sorts the flagged stations by discrepancy, largest first, stably in the order
	// of the stations: by position among equal discrepancies.
	slices.SortFunc(at, func(a, b int) int {
		if c := cmp.Compare(m.disc[b].D, m.disc[a].D); c != 0 {
			return c
		}
		return a - b
	})
	for _, pos := range at[:min(len(at), worst)] {
		out.Worst = append(out.Worst, m.disc[pos])
	}
	if out.Stations > 0 {
		out.ExactRate = float64(out.Exact) / float64(out.Stations)
	}
	out.Note = out.note()
	return out
}

// SetObserved replaces the observers' results of one station: results are its results
// in every contest, each for that station; a contest without one is cleared. Nothing
// changes if any result is invalid (an unknown contest or choice, another station, a
// contest the station does not vote in, a contest given twice).
func (l *Live) SetObserved(station string, results []iltod.StationResult) error {
	return l.setStation(l.observed, false, station, results)
}

// SetOfficial replaces one station's results in the official release, as SetObserved
// does for observers' results. Without a release it is an error; a new release is
// SetRelease.
func (l *Live) SetOfficial(station string, results []iltod.StationResult) error {
	if l.official == nil {
		return fmt.Errorf("analysis: no official release to change")
	}
	return l.setStation(l.official, true, station, results)
}

func (l *Live) setStation(src *source, official bool, station string, results []iltod.StationResult) error {
	x := l.x
	s, ok := x.station[station]
	if !ok {
		return fmt.Errorf("analysis: unknown station %q", station)
	}
	next := make(map[int]*tally, len(results))
	for i := range results {
		r := &results[i]
		if r.Station != station || r.Area != "" {
			return fmt.Errorf("analysis: result %d is not of station %q", i, station)
		}
		c := x.contestIndex(r.Contest)
		if c < 0 {
			return fmt.Errorf("analysis: result %d: unknown contest %q", i, r.Contest)
		}
		if _, ok := x.position(c, s); !ok {
			return fmt.Errorf("analysis: result %d: station %q does not vote in contest %q", i, station, r.Contest)
		}
		if next[c] != nil {
			return fmt.Errorf("analysis: result %d: station %q is given twice in contest %q", i, station, r.Contest)
		}
		t, err := x.tallyOf(c, r, make([]int64, len(x.Contests[c].Choices)))
		if err != nil {
			return fmt.Errorf("analysis: result %d: contest %q has no choice %q", i, r.Contest, err.(*noChoice).choice)
		}
		next[c] = &t
	}
	for c := range x.Contests {
		pos, ok := x.position(c, s)
		if !ok {
			continue
		}
		l.put(src, official, c, pos, next[c])
	}
	return nil
}

// SetRelease replaces the official release and its results (nil for none), changing
// only the stations whose results differ.
func (l *Live) SetRelease(release *iltod.OfficialRelease, results *Results) error {
	if results != nil && results.x != l.x {
		return fmt.Errorf("analysis: results were prepared for another election")
	}
	l.release = release
	if results == nil || l.official == nil {
		// Comparisons appear or disappear, and the screens change source: start again.
		l.official = nil
		if results != nil {
			l.official = copySource(l.x, results.source())
		}
		for _, v := range l.views {
			for _, lc := range v.contests {
				if len(lc.members[0]) > 0 {
					v.rebuild(lc)
				}
			}
		}
		return nil
	}
	src := results.source()
	for c := range l.x.Contests {
		for pos := range l.x.voters[c] {
			if !sameTally(l.official.at(c, pos), src.at(c, pos)) {
				l.put(l.official, true, c, pos, src.at(c, pos))
			}
		}
		if !sameTotals(l.official.totals[c], src.totals[c]) {
			l.official.totals[c] = src.totals[c]
			for _, v := range l.views {
				if lc := v.byIndex[c]; lc != nil {
					clear(lc.reports)
				}
			}
		}
	}
	l.official.stations = src.stations
	return nil
}

func sameTally(a, b *tally) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.figures == b.figures && slices.Equal(a.votes, b.votes)
}

func sameTotals(a, b map[int32]*tally) bool {
	if len(a) != len(b) {
		return false
	}
	for k, t := range a {
		if !sameTally(t, b[k]) {
			return false
		}
	}
	return true
}

// put sets the tally of source src at position pos of contest c (nil to clear it) and
// updates every view's running sums.
func (l *Live) put(src *source, official bool, c, pos int, t *tally) {
	x := l.x
	var old *tally
	if o := src.at(c, pos); o != nil {
		v := *o
		old = &v
	}
	if sameTally(old, t) {
		return
	}
	if src.byContest[c] == nil {
		src.byContest[c] = make([]tally, len(x.voters[c]))
	}
	switch {
	case t != nil && old == nil:
		src.stations++
	case t == nil && old != nil:
		src.stations--
	}
	if t == nil {
		src.byContest[c][pos] = tally{}
	} else {
		src.byContest[c][pos] = *t
	}
	for _, v := range l.views {
		v.update(official, c, pos, old, t)
	}
}

// update brings the view's sums up to date with a change of the station at pos of
// contest c from tally old to t (nil for none) in one source.
func (v *View) update(official bool, c, pos int, old, t *tally) {
	l, x := v.l, v.l.x
	lc := v.byIndex[c]
	if lc == nil || len(lc.members[0]) == 0 {
		return
	}
	k := len(x.Contests[c].Choices)
	s := x.voters[c][pos]
	// The areas that hold the station: its ancestors among those analysed.
	var slots []int
	for _, a := range x.anc[s] {
		if i, ok := lc.slot[a]; ok {
			slots = append(slots, i)
		}
	}
	m := lc.match
	pairs := m != nil && m.err == nil && lc.inArea[pos]
	if pairs && m.disc[pos].Station != "" {
		for _, i := range slots {
			lc.matches[i].addPair(m, pos, -1)
		}
		m.disc[pos] = pvt.Discrepancy{}
		delete(lc.pairs, pos)
	}
	n := 0 // +1 for a new result, -1 for one withdrawn
	if t != nil && old == nil {
		n = 1
	} else if t == nil && old != nil {
		n = -1
	}
	// What an area's report reads of its sampled stations and official results is redone;
	// a change elsewhere moves only its counts and its station comparison.
	deep := official || v.set.sample != nil && v.set.sample.sampled[s]
	for _, i := range slots {
		if deep {
			lc.reports[i] = nil
		} else {
			lc.stale[i] = true
		}
		if official {
			lc.official[i] += n
			if old != nil {
				lc.figures[i].add(old, k, -1)
			}
			if t != nil {
				lc.figures[i].add(t, k, 1)
			}
		} else {
			lc.observed[i] += n
		}
	}
	if official {
		if old != nil {
			lc.all.add(old, k, -1)
		}
		if t != nil {
			lc.all.add(t, k, 1)
		}
	}
	if pairs && l.observed.at(c, pos) != nil && l.official.at(c, pos) != nil {
		p := x.pair(c, pos, l.observed, l.official)
		// D as pvt.Match computes it, without its note.
		var D float64
		for j, o := range p.Observed {
			D += math.Abs(o - p.Official[j])
		}
		m.disc[pos] = pvt.Discrepancy{Station: p.Station, D: D, Flagged: D > m.tol}
		for _, i := range slots {
			lc.matches[i].addPair(m, pos, 1)
		}
	}
	// The screens read the official results, or the observers' without a release.
	if sc := &lc.screens; sc.built && lc.inArea[pos] && official == (l.official != nil) {
		if _, seen := sc.changed[pos]; !seen {
			sc.changed[pos] = old
		}
	}
}

// Report returns the analysis of the results as they stand: equal to Run's on the same
// data.
func (v *View) Report() (*Report, error) {
	l := v.l
	x, set := l.x, v.set
	rep := *set.rep
	rep.Official = l.release
	rep.Contests = []ContestReport{}
	// Contests are independent, as in Run: bring them up to date side by side.
	done := make([]ContestReport, len(v.contests))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(v.contests)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(v.contests); i = int(next.Add(1) - 1) {
				if lc := v.contests[i]; len(lc.members[0]) > 0 {
					done[i] = v.contest(lc)
				}
			}
		})
	}
	wg.Wait()
	for i, lc := range v.contests {
		if len(lc.members[0]) > 0 {
			rep.Contests = append(rep.Contests, done[i])
		}
	}
	if set.whole {
		var totals func(c int) (seats.Totals, bool)
		if l.official != nil {
			totals = func(c int) (seats.Totals, bool) {
				if s, ok := x.publishedTotals(c, l.official); ok {
					return s.totals(&x.Contests[c])
				}
				if lc := v.byIndex[c]; lc != nil && len(lc.members[0]) > 0 {
					return lc.all.totals(&x.Contests[c])
				}
				return x.contestTotals(c, l.official)
			}
		}
		rep.Bodies = x.bodiesFrom(&rep, totals)
	}
	return &rep, nil
}

// contest returns the report of contest lc, re-analysing the areas that need it.
func (v *View) contest(lc *liveContest) ContestReport {
	x, set := v.l.x, v.set
	con := &x.Contests[lc.c]
	cr := ContestReport{Contest: con.Code, Name: con.Name, System: con.System.Kind, Seats: con.Seats, Areas: []AreaReport{}}
	for _, ch := range con.Choices {
		cr.Choices = append(cr.Choices, ch.Code)
	}
	for i, a := range set.areas {
		if len(lc.members[i]) == 0 {
			continue
		}
		if r := lc.reports[i]; r != nil && lc.stale[i] {
			lc.reports[i] = v.refresh(lc, i, r)
		}
		lc.stale[i] = false
		if lc.reports[i] == nil {
			ar := v.areaReport(lc, i, a)
			lc.reports[i] = &ar
		}
		cr.Areas = append(cr.Areas, *lc.reports[i])
	}
	if !v.opt.NoForensics {
		cr.Forensics = v.screens(lc)
	}
	return cr
}

// areaReport analyses the area in slot i of contest lc from its running sums.
func (v *View) areaReport(lc *liveContest, i int, a int32) AreaReport {
	l, c := v.l, lc.c
	f := areaFacts{stations: len(lc.members[i]), observed: lc.observed[i], official: lc.official[i], dom: lc.doms[i]}
	if l.official != nil {
		if t := l.official.total(c, a); t != nil {
			var s figureSums
			s.add(t, len(l.x.Contests[c].Choices), 1)
			f.figures = s.figures("published")
		} else {
			f.figures = lc.figures[i].figures("stations")
		}
		if m := lc.match; m != nil && m.err == nil {
			f.summary = func(worst int) MatchSummary { return lc.matches[i].summary(m, worst) }
		}
	}
	return l.x.areaReportFrom(c, a, &f, v.set.sample, l.observed, l.official, lc.match, lc.peers[i], v.opt)
}

// refresh returns the report r of the area in slot i with its counts and its station
// comparison brought up to date, or nil if more changed and the area must be analysed
// again: only its sampled stations and official results feed its estimates and tests.
func (v *View) refresh(lc *liveContest, i int, r *AreaReport) *AreaReport {
	l := v.l
	ar := *r
	ar.Observed, ar.OfficialStations = lc.observed[i], lc.official[i]
	if (l.official != nil && ar.Observed > 0 && ar.OfficialStations > 0) != (ar.Comparison != nil) {
		return nil
	}
	if ar.Comparison != nil && lc.match != nil && lc.match.err == nil {
		cmpn := *ar.Comparison
		cmpn.Match = lc.matches[i].summary(lc.match, v.opt.worst())
		ar.Comparison = &cmpn
	}
	return &ar
}

// screens returns the forensic screens of contest lc over the area analysed, as
// Election.forensics does, from the running state, which it first brings up to date.
func (v *View) screens(lc *liveContest) *Forensics {
	l := v.l
	x, c := l.x, lc.c
	sc := &lc.screens
	src, name := l.official, "official"
	if src == nil {
		src, name = l.observed, "observed"
	}
	con := &x.Contests[c]
	if sc.built && sc.official == (l.official != nil) && len(sc.changed) == 0 && sc.current {
		return sc.last
	}
	if !sc.built || sc.official != (l.official != nil) {
		v.buildScreens(lc, src)
	} else if len(sc.changed) > 0 {
		// Votes per choice first: they name the leader, which every station's screens read.
		for pos, old := range sc.changed {
			if old != nil {
				sc.count(old, -1)
			}
			if t := src.at(c, pos); t != nil {
				sc.count(t, 1)
			}
		}
		if leaderOf(sc.sums) != sc.leader {
			v.buildScreens(lc, src)
		} else {
			for pos, old := range sc.changed {
				if old != nil {
					v.screenStation(lc, pos, old, -1)
				}
				sc.terms[pos] = forensics.IntegerTerm{}
				if t := src.at(c, pos); t != nil {
					v.screenStation(lc, pos, t, 1)
				}
				delete(sc.flags, x.anc[x.voters[c][pos]][len(x.anc[x.voters[c][pos]])-1])
			}
			clear(sc.changed)
		}
	}
	sc.last, sc.current = nil, true
	if sc.n == 0 {
		return nil
	}
	fl := forensics.FlagStations(nil, forensics.FlagOptions{})
	type at struct {
		pos int
		fs  forensics.FlaggedStation
	}
	var over, near, outliers []at
	for leaf, members := range sc.byLeaf {
		lf := sc.flags[leaf]
		if lf == nil {
			var stations []forensics.Station
			lf = &leafFlags{pos: map[string]int{}}
			for _, pos := range members {
				if t := src.at(c, pos); t != nil {
					fs := x.forensicStation(c, pos, t, sc.leader)
					stations = append(stations, fs)
					lf.pos[fs.Code] = pos
				}
			}
			lf.f = forensics.FlagStations(stations, forensics.FlagOptions{})
			sc.flags[leaf] = lf
		}
		fl.Unscreened += lf.f.Unscreened
		for _, fs := range lf.f.OverRegistered.Stations {
			over = append(over, at{lf.pos[fs.Code], fs})
		}
		for _, fs := range lf.f.NearUnanimous.Stations {
			near = append(near, at{lf.pos[fs.Code], fs})
		}
		for _, fs := range lf.f.AreaOutliers.Stations {
			outliers = append(outliers, at{lf.pos[fs.Code], fs})
		}
	}
	list := func(xs []at) []forensics.FlaggedStation {
		slices.SortFunc(xs, func(a, b at) int { return a.pos - b.pos })
		var out []forensics.FlaggedStation
		for _, a := range xs {
			out = append(out, a.fs)
		}
		return out
	}
	fl.OverRegistered.Stations = list(over)
	fl.NearUnanimous.Stations = list(near)
	fl.AreaOutliers.Stations = list(outliers)
	f := &Forensics{
		Source:      name,
		Leader:      con.Choices[sc.leader].Code,
		Stations:    sc.n,
		Integer:     forensics.SumIntegerTerms(sc.terms),
		Fingerprint: sc.print.Fingerprint(),
		SecondDigit: sc.digits.SecondDigit(),
		LastDigit:   sc.digits.LastDigit(),
		Flags:       fl,
	}
	if v.opt.MonteCarlo > 0 {
		var stations []forensics.Station
		for _, pos := range lc.members[0] {
			if t := src.at(c, pos); t != nil {
				stations = append(stations, x.forensicStation(c, pos, t, sc.leader))
			}
		}
		mc := forensics.IntegerPercentagesMC(stations, v.opt.MonteCarlo, v.opt.Seed)
		f.IntegerMC = &mc
	}
	sc.last = f
	return f
}

// count adds tally t's votes n times to the sums that name the leader.
func (sc *liveScreens) count(t *tally, n int) {
	for k, v := range t.votes {
		sc.sums[k] += int64(n) * max(v, 0)
	}
	sc.n += n
}

// leaderOf returns the choice with the most votes, the first on a tie.
func leaderOf(sums []int64) int {
	leader := 0
	for k, v := range sums {
		if v > sums[leader] {
			leader = k
		}
	}
	return leader
}

// buildScreens computes the screens' state of contest lc from src.
func (v *View) buildScreens(lc *liveContest, src *source) {
	l := v.l
	x, c := l.x, lc.c
	sc := &lc.screens
	*sc = liveScreens{
		official: l.official != nil, built: true,
		sums:    make([]int64, len(x.Contests[c].Choices)),
		terms:   make([]forensics.IntegerTerm, len(x.voters[c])),
		byLeaf:  map[int32][]int{},
		flags:   map[int32]*leafFlags{},
		changed: map[int]*tally{},
	}
	for _, pos := range lc.members[0] {
		anc := x.anc[x.voters[c][pos]]
		leaf := anc[len(anc)-1]
		sc.byLeaf[leaf] = append(sc.byLeaf[leaf], pos)
		if t := src.at(c, pos); t != nil {
			sc.count(t, 1)
		}
	}
	sc.leader = leaderOf(sc.sums)
	for _, pos := range lc.members[0] {
		if t := src.at(c, pos); t != nil {
			v.screenStation(lc, pos, t, 1)
		}
	}
}

// screenStation adds (n = 1) or removes (n = -1) the station at pos, with tally t, from
// the screens' tallies; adding also sets its integer-test term.
func (v *View) screenStation(lc *liveContest, pos int, t *tally, n int) {
	sc := &lc.screens
	fs := v.l.x.forensicStation(lc.c, pos, t, sc.leader)
	if n > 0 {
		sc.terms[pos] = forensics.NewIntegerTerm(&fs)
	}
	sc.print.Add(&fs, n)
	for _, v := range t.votes {
		if v != absent {
			sc.digits.Add(int(v), n)
		}
	}
}
