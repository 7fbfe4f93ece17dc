// Package analysis runs iltod's results verification over one election: the parallel vote
// tabulation for every contest and area, the comparison of observers' and official
// station results, the forensic screens and the seat projection. It turns stored records
// (stations, station results, a sample) into the inputs of the pure stats packages
// (stats/pvt, stats/forensics, stats/seats) and gathers their answers in one Report.
//
// It does no I/O: internal/app reads the data and authorises; the HTTP API, the pages and
// the command line present the Report.
package analysis

import (
	"fmt"
	"math"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/forensics"
	"github.com/iltod/iltod/stats/pvt"
)

// Input is the data one analysis reads, prepared for the Election (Prepare, Place) so that
// many analyses of the same data share that work. Only the Election is required: without
// a Sample there is no PVT, without Observed no comparison, and without Official no
// comparison, no official figures and no forensic screens of official results.
type Input struct {
	Election *Election
	// Sample is the PVT sample stored with the election.
	Sample *Sample
	// Observed are the observers' station results.
	Observed *Results
	// Official are the station results and area totals of one official release, and
	// Release describes it.
	Official *Results
	Release  *iltod.OfficialRelease
}

// Options say what to analyse. The zero value analyses every contest over the whole
// country and one level of areas below it.
type Options struct {
	// Area is the area to analyse, "" meaning the whole election (its root area).
	Area string
	// Contest limits the analysis to one contest; "" means every contest with stations in
	// Area.
	Contest string
	// Levels is how many levels of areas below Area get their own figures: 0 means one
	// level (Area's children), a negative number every level.
	Levels int
	// Tolerance is the discrepancy D_i above which a station is flagged in the comparison;
	// 0 flags any difference.
	Tolerance float64
	// Alpha is the family-wise false-alarm rate of the comparison tests of one contest over
	// the areas of one level, shared (Bonferroni) among its choices and those areas; 0
	// means 0.05.
	Alpha float64
	// MonteCarlo, if positive, adds a Monte Carlo integer-percentage test with this many
	// replications, seeded by Seed.
	MonteCarlo int
	Seed       uint64
	// Worst is how many of the largest discrepancies a comparison lists; 0 means 20.
	Worst int
	// MinSampled is the fewest reporting sampled stations an area needs for a PVT
	// estimate and for the paired and collation tests; 0 means 10. Fewer cannot estimate
	// their own standard error well enough for the intervals to hold (and 2 is the least
	// the formulas accept).
	MinSampled int
	// Forensics can be switched off when only estimates are wanted.
	NoForensics bool
}

func (o *Options) worst() int {
	if o.Worst <= 0 {
		return 20
	}
	return o.Worst
}

func (o *Options) minSampled() int {
	if o.MinSampled <= 0 {
		return 10
	}
	return max(o.MinSampled, 2)
}

// Report is the outcome of Run.
type Report struct {
	Election string `json:"election"`
	Demo     bool   `json:"demo,omitempty"`
	// Area is the area analysed.
	Area string `json:"area"`
	// Sample describes the PVT sample, if one is stored.
	Sample *SampleInfo `json:"sample,omitempty"`
	// Official is the release compared with, if any.
	Official *iltod.OfficialRelease `json:"official,omitempty"`
	Contests []ContestReport        `json:"contests"`
	// Bodies projects seats of each elected body; only when Area is the whole election.
	Bodies []BodyReport `json:"bodies,omitempty"`
}

// SampleInfo describes the stored PVT sample without naming its stations or its seed,
// which would name them: it is fit for the public before the polls close.
type SampleInfo struct {
	Method     string `json:"method"`
	StratifyBy string `json:"stratify_by"`
	Size       int    `json:"size"`
	Strata     int    `json:"strata"`
	Frame      string `json:"frame"`
}

// ContestReport is the analysis of one contest.
type ContestReport struct {
	Contest string           `json:"contest"`
	Name    iltod.Text       `json:"name"`
	System  iltod.SystemKind `json:"system"`
	Seats   int              `json:"seats"`
	// Choices are the contest's choice codes: every per-choice slice below is in this order.
	Choices []string `json:"choices"`
	// Areas holds the figures for Options.Area first, then for the areas below it, by
	// depth and then in package order.
	Areas     []AreaReport `json:"areas"`
	Forensics *Forensics   `json:"forensics,omitempty"`
}

// AreaReport holds one contest's figures over the stations of one area.
type AreaReport struct {
	Area  string      `json:"area"`
	Level iltod.Level `json:"level"`
	// Stations is the number of the area's stations that vote in the contest.
	Stations int `json:"stations"`
	// Observed and OfficialStations count the stations with observers' results and with
	// official results.
	Observed         int `json:"observed"`
	OfficialStations int `json:"official_stations"`

	// PVT is the estimate from the sampled stations that reported; PVTError says why
	// there is none (no sample, too few reporting stations), in every language.
	PVT      *pvt.Result `json:"pvt,omitempty"`
	PVTError iltod.Text  `json:"pvt_error,omitempty"`
	// Pooled lists strata with fewer than two reporting stations in this area, pooled
	// into one stratum so that the variance can be estimated.
	Pooled []string `json:"pooled_strata,omitempty"`

	// Official are the official figures for the area; Checks says, choice by choice,
	// whether each official share lies within the PVT's interval.
	Official *Figures   `json:"official,omitempty"`
	Checks   []pvt.Call `json:"checks,omitempty"`
	// Comparison sets observers' station results against the official ones.
	Comparison *Comparison `json:"comparison,omitempty"`
}

// Figures are official totals for a contest over an area.
type Figures struct {
	// Source is "published" for a total the authority published for the area, or
	// "stations" for the sum of its official station results.
	Source string `json:"source"`
	// Stations is the number of station results summed (0 for a published total).
	Stations   int       `json:"stations"`
	Registered int64     `json:"registered,omitempty"`
	Cast       int64     `json:"cast"`
	Valid      int64     `json:"valid"`
	Blank      int64     `json:"blank,omitempty"`
	Votes      []int64   `json:"votes"`
	Shares     []float64 `json:"shares"`
	Turnout    *float64  `json:"turnout,omitempty"`
}

// Forensics are the screens of one contest's station results over the area analysed.
type Forensics struct {
	// Source is "official" or, when no official results are loaded, "observed".
	Source string `json:"source"`
	// Leader is the choice whose share the screens read: the one with most votes.
	Leader      string                `json:"leader"`
	Stations    int                   `json:"stations"`
	Integer     forensics.IntegerTest `json:"integer"`
	IntegerMC   *forensics.IntegerMC  `json:"integer_mc,omitempty"`
	Fingerprint forensics.Fingerprint `json:"fingerprint"`
	SecondDigit forensics.DigitTest   `json:"second_digit"`
	LastDigit   forensics.DigitTest   `json:"last_digit"`
	Flags       forensics.Flags       `json:"flags"`
}

// Run analyses in as opt says. It returns an *iltod.Error with code ENotFound for an
// unknown area or contest, and EInvalid for a sample that does not fit the election.
func Run(in Input, opt Options) (*Report, error) {
	r, err := setUp(in, opt)
	if err != nil {
		return nil, err
	}
	x, rep := in.Election, r.rep
	observed := r.observed
	if observed == nil {
		observed = x.emptySource()
	}
	// Contests are independent: analyse them side by side, keeping package order.
	todo := r.todo
	done := make([]ContestReport, len(todo))
	found := make([]bool, len(todo))
	next := atomic.Int64{}
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(todo)) {
		wg.Go(func() {
			for i := int(next.Add(1) - 1); i < len(todo); i = int(next.Add(1) - 1) {
				done[i], found[i] = x.contest(todo[i], r.areas, r.sample, observed, r.official, opt)
			}
		})
	}
	wg.Wait()
	for i := range todo {
		if found[i] {
			rep.Contests = append(rep.Contests, done[i])
		}
	}
	if r.whole {
		rep.Bodies = x.bodies(rep, r.official)
	}
	return rep, nil
}

// setup is what Run and NewLive check and work out before analysing.
type setup struct {
	// rep is the report without contests or bodies.
	rep                *Report
	sample             *drawn
	observed, official *source
	// areas are the areas analysed (areasBelow), todo the contests (indexes), and whole
	// says whether the run is of the whole election, with seat projections.
	areas []int32
	todo  []int
	whole bool
}

// setUp checks in and opt as Run documents.
func setUp(in Input, opt Options) (*setup, error) {
	x := in.Election
	if x == nil {
		return nil, fmt.Errorf("analysis: no election")
	}
	rep := &Report{Election: x.Election.ID, Demo: x.Election.Demo, Official: in.Release, Contests: []ContestReport{}}
	area := opt.Area
	if area == "" {
		area = x.Root()
	}
	a, ok := x.area[area]
	if !ok {
		return nil, iltod.E(iltod.ENotFound, "error.no_area", locales.Args{"Election": x.Election.ID, "Area": strconv.Quote(area)})
	}
	rep.Area = area
	if opt.Contest != "" && x.contestIndex(opt.Contest) < 0 {
		return nil, iltod.E(iltod.ENotFound, "error.no_contest", locales.Args{"Election": x.Election.ID, "Contest": strconv.Quote(opt.Contest)})
	}
	r := &setup{rep: rep}
	if in.Sample != nil {
		if in.Sample.x != x {
			return nil, fmt.Errorf("analysis: the sample was placed on another election")
		}
		r.sample = in.Sample.d
		s := r.sample.doc.Sample
		rep.Sample = &SampleInfo{Method: s.Method, StratifyBy: r.sample.doc.StratifyBy, Size: s.Size, Strata: len(s.Strata), Frame: s.Frame}
	}
	r.observed, r.official = in.Observed.source(), in.Official.source()
	for _, res := range []*Results{in.Observed, in.Official} {
		if res != nil && res.x != x {
			return nil, fmt.Errorf("analysis: results were prepared for another election")
		}
	}
	r.areas = x.areasBelow(a, opt.Levels)
	for c := range x.Contests {
		if opt.Contest == "" || x.Contests[c].Code == opt.Contest {
			r.todo = append(r.todo, c)
		}
	}
	r.whole = a == x.area[x.Root()] && opt.Contest == ""
	return r, nil
}

// areasBelow returns a and the areas below it down to the given number of levels, by
// depth and then in package order.
func (x *Election) areasBelow(a int32, levels int) []int32 {
	out := []int32{a}
	top := int(x.depth[a])
	maxDepth := top + 1
	if levels > 0 {
		maxDepth = top + levels
	} else if levels < 0 {
		maxDepth = math.MaxInt
	}
	for d := top + 1; d <= maxDepth; d++ {
		n := len(out)
		for i := range x.Areas {
			if int(x.depth[i]) == d && x.areaWithin(int32(i), a) {
				out = append(out, int32(i))
			}
		}
		if len(out) == n {
			break
		}
	}
	return out
}

// areaWithin reports whether area i lies at or below area a.
func (x *Election) areaWithin(i, a int32) bool {
	for i >= 0 {
		if i == a {
			return true
		}
		p := x.Areas[i].Parent
		if p == "" {
			return false
		}
		i = x.area[p]
	}
	return false
}

// contest analyses contest c over the given areas; ok is false if none of its stations
// lies in the first.
func (x *Election) contest(c int, areas []int32, sample *drawn, observed, official *source, opt Options) (ContestReport, bool) {
	con := &x.Contests[c]
	cr := ContestReport{Contest: con.Code, Name: con.Name, System: con.System.Kind, Seats: con.Seats, Areas: []AreaReport{}}
	for _, ch := range con.Choices {
		cr.Choices = append(cr.Choices, ch.Code)
	}
	members, _ := x.group(c, areas)
	if len(members[0]) == 0 {
		return cr, false
	}
	// The comparison pairs and each station's discrepancy are the same for every area:
	// compute them once.
	var cmpAll *stationMatch
	if official != nil {
		var err error
		if cmpAll, err = x.matchStations(c, members[0], observed, official, opt.Tolerance); err != nil {
			cmpAll = &stationMatch{err: err}
		}
	}
	// The comparison tests of one level share the false-alarm rate: with 22 regions and 7
	// choices at 5% each, some region would fire by chance in most honest elections.
	perDepth := map[int8]int{}
	for i, a := range areas {
		if len(members[i]) > 0 {
			perDepth[x.depth[a]]++
		}
	}
	for i, a := range areas {
		if len(members[i]) == 0 {
			continue
		}
		cr.Areas = append(cr.Areas, x.areaReport(c, a, members[i], sample, observed, official, cmpAll, perDepth[x.depth[a]], opt))
	}
	if !opt.NoForensics {
		cr.Forensics = x.forensics(c, members[0], observed, official, opt)
	}
	return cr, true
}

// group returns the stations of contest c (as positions among its voters, ascending) in
// each of the areas, and the index of each area in areas.
func (x *Election) group(c int, areas []int32) ([][]int, map[int32]int) {
	slot := make(map[int32]int, len(areas))
	for i, a := range areas {
		slot[a] = i
	}
	members := make([][]int, len(areas))
	for pos, s := range x.voters[c] {
		for _, a := range x.anc[s] {
			if i, ok := slot[a]; ok {
				members[i] = append(members[i], pos)
			}
		}
	}
	return members, slot
}

// areaReport analyses contest c over the stations of area a (members, as positions among
// the contest's voters); m holds every station's comparison, nil without official results.
func (x *Election) areaReport(c int, a int32, members []int, sample *drawn, observed, official *source, m *stationMatch, peers int, opt Options) AreaReport {
	f := areaFacts{stations: len(members)}
	for _, pos := range members {
		if observed.at(c, pos) != nil {
			f.observed++
		}
		if official.at(c, pos) != nil {
			f.official++
		}
	}
	if sample != nil {
		f.dom = x.newDomain(c, members, sample)
	}
	if official != nil {
		f.figures = x.officialFigures(c, a, members, official)
		if m != nil && m.err == nil {
			f.summary = func(worst int) MatchSummary { return m.summary(members, worst) }
		}
	}
	return x.areaReportFrom(c, a, &f, sample, observed, official, m, peers, opt)
}

// areaFacts are what the report of one area reads of all its stations, beyond the
// sampled ones: Run counts them over the area's stations, Live keeps them as running
// sums.
type areaFacts struct {
	// stations, observed and official count the area's stations in the contest and
	// those with each source's results.
	stations, observed, official int
	// dom is the sample's design within the area; nil without a sample.
	dom *domain
	// figures are the official figures of the area (officialFigures), nil without
	// official results.
	figures *Figures
	// summary sums up the station comparison over the area (stationMatch.summary); nil
	// where the comparison failed.
	summary func(worst int) MatchSummary
}

// areaReportFrom analyses contest c over area a from its facts and its sampled stations.
func (x *Election) areaReportFrom(c int, a int32, f *areaFacts, sample *drawn, observed, official *source, m *stationMatch, peers int, opt Options) AreaReport {
	con := &x.Contests[c]
	ar := AreaReport{Area: x.Areas[a].Code, Level: x.Areas[a].Level, Stations: f.stations, Observed: f.observed, OfficialStations: f.official}
	sampled := 0
	if sample != nil {
		sampled = len(f.dom.sampled)
	}
	switch {
	case sample == nil:
		ar.PVTError = note("stats.analysis.no_sample", nil)
	case sampled < opt.minSampled():
		ar.PVTError = note("stats.analysis.few_sampled", locales.Args{"Sampled": sampled, "Minimum": opt.minSampled()})
	default:
		stations, design, pooled, err := x.pvtInput(c, f.dom, sample, observed, opt.minSampled())
		ar.Pooled = pooled
		if err == nil {
			var r pvt.Result
			r, err = pvt.Analyze(stations, design, pvtOptions(con))
			if err == nil {
				ar.PVT = &r
			}
		}
		if err != nil {
			ar.PVTError = textOf(err)
		}
	}
	if official != nil {
		ar.Official = f.figures
		if ar.PVT != nil && ar.Official != nil {
			for k := range con.Choices {
				ar.Checks = append(ar.Checks, pvt.CheckOfficial(ar.PVT.Shares[k], ar.Official.Shares[k], pvt.Z95))
			}
		}
		if ar.Observed > 0 && ar.OfficialStations > 0 {
			ar.Comparison = x.compare(c, f.dom, sample, observed, official, m, f.summary, ar.Official, peers, opt)
		}
	}
	return ar
}

// pvtOptions sets the runoff rule of a two-round contest.
func pvtOptions(con *iltod.Contest) pvt.Options {
	if con.System.Kind == iltod.TwoRound && con.System.Majority > 0 {
		return pvt.Options{Majority: con.System.Majority}
	}
	return pvt.Options{}
}

// pvtStation turns a tally into the stats/pvt view of one station.
func pvtStation(con *iltod.Contest, t *tally) pvt.Station {
	s := pvt.Station{Votes: make([]float64, len(t.votes)), Valid: float64(t.valid()), Cast: float64(t.cast())}
	for k, v := range t.votes {
		s.Votes[k] = float64(max(v, 0))
	}
	if v, ok := t.figure(fRegistered); ok {
		s.Registered = float64(v)
	}
	if con.System.MajorityBase == iltod.BaseValidAndBlank {
		blank, _ := t.figure(fBlank)
		s.MajorityBase = s.Valid + float64(max(blank, 0))
	}
	return s
}

// domain is the part of a PVT sample within one area of one contest: how many of the
// area's stations each stratum holds and how many were drawn, and the drawn ones.
type domain struct {
	population, drawn []int // per stratum id
	// sampled holds the positions among the contest's voters of the area's sampled
	// stations, ascending.
	sampled []int
}

// newDomain places the sample on the stations of contest c among members (positions
// among the contest's voters, ascending).
func (x *Election) newDomain(c int, members []int, sample *drawn) *domain {
	d := &domain{population: make([]int, len(sample.strata)), drawn: make([]int, len(sample.strata))}
	for _, pos := range members {
		s := x.voters[c][pos]
		h := sample.stratum[s]
		d.population[h]++
		if sample.sampled[s] {
			d.drawn[h]++
			d.sampled = append(d.sampled, pos)
		}
	}
	return d
}

// domainDesign is the design of the sampled stations of contest c in domain dom that
// have a result (has): N_h is the number of the domain's stations in stratum h, so that
// the sampled stations of a domain are read as a stratified sample of the domain. Strata
// with fewer than two reporting stations are pooled (poolLabels). It returns the design,
// the positions of the reporting sampled stations and their stratum labels, and the names
// of the pooled strata.
func (x *Election) domainDesign(c int, dom *domain, sample *drawn, has func(pos int) bool) (d pvt.Design, units []int, labels []string, pooled []string) {
	nStrata := len(sample.strata)
	reporting := make([]int, nStrata)
	for _, pos := range dom.sampled {
		if has(pos) {
			reporting[sample.stratum[x.voters[c][pos]]]++
			units = append(units, pos)
		}
	}
	population, drawnN := dom.population, dom.drawn
	label := poolLabels(sample.strata, drawnN, reporting)
	d = pvt.Design{Strata: map[string]int{}, Sampled: map[string]int{}}
	for h := range nStrata {
		if label[h] != sample.strata[h] {
			pooled = append(pooled, sample.strata[h])
		}
		// A stratum none of whose stations was drawn in this domain tells nothing about
		// it; its stations are left out of N, and the coverage figures show it.
		if population[h] == 0 || drawnN[h] == 0 {
			continue
		}
		d.Strata[label[h]] += population[h]
		d.Sampled[label[h]] += drawnN[h]
	}
	labels = make([]string, len(units))
	for i, pos := range units {
		labels[i] = label[sample.stratum[x.voters[c][pos]]]
	}
	return d, units, labels, pooled
}

// pvtInput gathers the PVT stations of contest c in domain dom from src, with their
// design (see domainDesign), or an error if fewer than minimum sampled stations have a
// result.
func (x *Election) pvtInput(c int, dom *domain, sample *drawn, src *source, minimum int) ([]pvt.Station, pvt.Design, []string, error) {
	con := &x.Contests[c]
	d, units, labels, pooled := x.domainDesign(c, dom, sample, func(pos int) bool { return src.at(c, pos) != nil })
	if len(units) < minimum {
		return nil, pvt.Design{}, pooled, &noteError{"stats.analysis.few_reported", locales.Args{"Reported": len(units), "Minimum": minimum}}
	}
	out := make([]pvt.Station, len(units))
	for i, pos := range units {
		out[i] = pvtStation(con, src.at(c, pos))
		out[i].Stratum = labels[i]
	}
	return out, d, pooled, nil
}

// officialFigures returns the official totals of contest c over area a: the published
// total when there is one, else the sum of the area's official station results.
func (x *Election) officialFigures(c int, a int32, members []int, src *source) *Figures {
	k := len(x.Contests[c].Choices)
	if t := src.total(c, a); t != nil {
		var s figureSums
		s.add(t, k, 1)
		return s.figures("published")
	}
	var s figureSums
	for _, pos := range members {
		if t := src.at(c, pos); t != nil {
			s.add(t, k, 1)
		}
	}
	return s.figures("stations")
}

// figureSums are the running sums of official results that Figures (figures) and the
// seat rules' seats.Totals (totals, seats.go) are made of.
type figureSums struct {
	stations                       int
	votes                          []int64
	valid, cast, blank, registered int64
	// castGiven sums the ballots cast only where a result gives them: seats.Totals
	// leaves turnout out unless every result does.
	castGiven int64
}

// add adds tally t (of a contest with k choices) n times; n = -1 removes it.
func (s *figureSums) add(t *tally, k, n int) {
	if s.votes == nil {
		s.votes = make([]int64, k)
	}
	m := int64(n)
	for i, v := range t.votes {
		s.votes[i] += m * max(v, 0)
	}
	s.valid += m * t.valid()
	s.cast += m * t.cast()
	if v, ok := t.figure(fCast); ok {
		s.castGiven += m * v
	}
	if v, ok := t.figure(fBlank); ok {
		s.blank += m * v
	}
	if v, ok := t.figure(fRegistered); ok {
		s.registered += m * v
	}
	s.stations += n
}

// figures returns the Figures of the sums: nil for station sums of no station.
func (s *figureSums) figures(source string) *Figures {
	f := &Figures{Source: source, Votes: slices.Clone(s.votes), Shares: make([]float64, len(s.votes)),
		Valid: s.valid, Cast: s.cast, Blank: s.blank, Registered: s.registered}
	if source == "stations" {
		if s.stations == 0 {
			return nil
		}
		f.Stations = s.stations
	}
	if f.Valid > 0 {
		for i, v := range f.Votes {
			f.Shares[i] = float64(v) / float64(f.Valid)
		}
	}
	if f.Registered > 0 {
		t := float64(f.Cast) / float64(f.Registered)
		f.Turnout = &t
	}
	return f
}

// pooledStratum labels the stratum that pools strata with too few reports.
const pooledStratum = "(pooled)"

// poolLabels returns the stratum label each stratum is estimated under: its own, or
// pooledStratum for a stratum with stations drawn but fewer than two reporting. If the
// pool itself has fewer than two reports it is folded into the stratum with the most.
func poolLabels(strata []string, drawnN, reporting []int) []string {
	label := slices.Clone(strata)
	poolReports, pooled := 0, false
	for h := range strata {
		if drawnN[h] > 0 && reporting[h] < 2 {
			label[h], pooled = pooledStratum, true
			poolReports += reporting[h]
		}
	}
	if pooled && poolReports < 2 {
		best := -1
		for h := range strata {
			if label[h] != pooledStratum && (best < 0 || reporting[h] > reporting[best]) {
				best = h
			}
		}
		if best >= 0 {
			for h := range strata {
				if label[h] == pooledStratum {
					label[h] = strata[best]
				}
			}
		}
	}
	return label
}
