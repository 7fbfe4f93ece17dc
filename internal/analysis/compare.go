package analysis

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
)

// Comparison sets observers' station results of one contest in one area against the
// official ones (REFERENCE §2).
type Comparison struct {
	// Match compares every station with both results, sampled or not.
	Match MatchSummary `json:"match"`
	// Critical is the |z| beyond which a test below is Inconsistent: the two-sided normal
	// quantile of Alpha shared among Tests tests, one per choice of the contest in each
	// area of this area's level (Bonferroni).
	Critical float64 `json:"critical"`
	Tests    int     `json:"tests"`
	// Choices holds the paired and collation tests of each choice's votes, in the
	// contest's order; empty without a sample.
	Choices []ChoiceTests `json:"choices,omitempty"`
	// Verdict is Inconsistent if any choice's diagnosis is, Undetermined if none could be
	// made, and Consistent otherwise.
	Verdict pvt.Verdict `json:"verdict"`
	Note    iltod.Text  `json:"note"`
}

// MatchSummary is pvt.MatchResult without the full list of discrepancies: only the
// largest few are listed.
type MatchSummary struct {
	Stations  int     `json:"stations"`
	Exact     int     `json:"exact"`
	ExactRate float64 `json:"exact_rate"`
	Flagged   int     `json:"flagged"`
	Tolerance float64 `json:"tolerance"`
	// Worst lists the flagged stations with the largest discrepancies, largest first.
	Worst []pvt.Discrepancy `json:"worst"`
	Note  iltod.Text        `json:"note"`
}

// ChoiceTests are the comparison tests of one choice.
type ChoiceTests struct {
	Choice    string     `json:"choice"`
	Paired    *pvt.Test  `json:"paired,omitempty"`
	Collation *pvt.Test  `json:"collation,omitempty"`
	Diagnosis *pvt.Call  `json:"diagnosis,omitempty"`
	Error     iltod.Text `json:"error,omitempty"`
}

// comparableFigures returns the ballot figures of o and s made comparable: where only one
// source counts blank ballots apart, its blank ballots are folded into its invalid ones
// (the other source's invalid ballots include them) and neither gives a blank figure.
func comparableFigures(o, s *tally) (of, sf [nFigures]int64) {
	of, sf = o.figures, s.figures
	if (of[fBlank] == absent) != (sf[fBlank] == absent) {
		for _, f := range []*[nFigures]int64{&of, &sf} {
			if f[fBlank] != absent && f[fInvalid] != absent {
				f[fInvalid] += f[fBlank]
			}
			f[fBlank] = absent
		}
	}
	return of, sf
}

// pairFields returns the fields both tallies give, as parallel vectors: the votes of each
// choice in contest order, then the ballot figures (comparableFigures). A choice one side
// leaves out is compared as missing on both.
func pairFields(o, s *tally) (obs, off []float64) {
	obs = make([]float64, 0, len(o.votes)+nFigures)
	off = make([]float64, 0, len(o.votes)+nFigures)
	for k := range o.votes {
		if o.votes[k] == absent || s.votes[k] == absent {
			obs, off = append(obs, 0), append(off, 0)
			continue
		}
		obs, off = append(obs, float64(o.votes[k])), append(off, float64(s.votes[k]))
	}
	of, sf := comparableFigures(o, s)
	for _, f := range []int{fRegistered, fIssued, fCast, fValid, fInvalid, fBlank} {
		if of[f] != absent && sf[f] != absent {
			obs, off = append(obs, float64(of[f])), append(off, float64(sf[f]))
		}
	}
	return obs, off
}

// pair returns the comparison pair of the station at position pos of contest c, which
// has both results.
func (x *Election) pair(c, pos int, observed, official *source) pvt.Pair {
	o, s := observed.at(c, pos), official.at(c, pos)
	obs, off := pairFields(o, s)
	return pvt.Pair{Station: x.Stations[x.voters[c][pos]].Code, Observed: obs, Official: off, Den: float64(o.valid())}
}

// stationMatch is the comparison of every station of a contest with both results.
type stationMatch struct {
	err error
	// pairs and disc are indexed by position among the contest's voters; a
	// discrepancy's Station is "" where the station lacks either result. pairs may be
	// nil (Live keeps only the discrepancies): pair then makes a station's pair.
	pairs  []pvt.Pair
	disc   []pvt.Discrepancy
	tol    float64
	pairOf func(pos int) pvt.Pair
}

// pair returns the comparison pair of the station at pos, which has both results.
func (m *stationMatch) pair(pos int) pvt.Pair {
	if m.pairs != nil {
		return m.pairs[pos]
	}
	return m.pairOf(pos)
}

// matchStations compares observers' and official results at every station of contest c
// among members (pvt.Match).
func (x *Election) matchStations(c int, members []int, observed, official *source, tol float64) (*stationMatch, error) {
	m := &stationMatch{pairs: make([]pvt.Pair, len(x.voters[c])), disc: make([]pvt.Discrepancy, len(x.voters[c])), tol: tol}
	var both []pvt.Pair
	var at []int
	for _, pos := range members {
		if observed.at(c, pos) != nil && official.at(c, pos) != nil {
			m.pairs[pos] = x.pair(c, pos, observed, official)
			both = append(both, m.pairs[pos])
			at = append(at, pos)
		}
	}
	r, err := pvt.Match(both, tol)
	if err != nil {
		return nil, err
	}
	for i, d := range r.Discrepancies {
		m.disc[at[i]] = d
	}
	return m, nil
}

// summary sums up the station comparison over members, listing the worst few.
func (m *stationMatch) summary(members []int, worst int) MatchSummary {
	s := MatchSummary{Tolerance: m.tol, Worst: []pvt.Discrepancy{}}
	for _, pos := range members {
		if m.disc[pos].Station == "" {
			continue
		}
		s.Stations++
		d := m.disc[pos]
		if d.D == 0 {
			s.Exact++
		}
		if d.Flagged {
			s.Flagged++
			s.Worst = append(s.Worst, d)
		}
	}
	slices.SortStableFunc(s.Worst, func(a, b pvt.Discrepancy) int { return cmp.Compare(b.D, a.D) })
	if len(s.Worst) > worst {
		s.Worst = s.Worst[:worst]
	}
	if s.Stations > 0 {
		s.ExactRate = float64(s.Exact) / float64(s.Stations)
	}
	s.Note = s.note()
	return s
}

// note says how many stations match and how many are flagged, in every language.
func (s *MatchSummary) note() iltod.Text {
	k := matchNoteKey{s.Exact, s.Stations, s.Flagged, s.ExactRate, s.Tolerance}
	if t, ok := matchNotes.Load(k); ok {
		return maps.Clone(t.(iltod.Text))
	}
	t := note("stats.pvt.match", locales.Args{"Exact": s.Exact, "Stations": s.Stations, "Rate": percent{s.ExactRate, 1},
		"Flagged": s.Flagged, "Tolerance": strconv.FormatFloat(s.Tolerance, 'g', -1, 64)})
	if matchNotesN.Add(1) <= maxMatchNotes {
		matchNotes.Store(k, maps.Clone(t))
	}
	return t
}

// The notes of match summaries, by what they say: the small areas of an election repeat
// the same few counts, and a note costs a template per language. At most maxMatchNotes
// are kept.
var (
	matchNotes  sync.Map // matchNoteKey → iltod.Text
	matchNotesN atomic.Int64
)

const maxMatchNotes = 1 << 16

type matchNoteKey struct {
	exact, stations, flagged int
	rate, tolerance          float64
}

// compare sets observers' against official results of contest c over one area: dom is
// the sample within it (nil without a sample), summary sums up its station comparison;
// peers is the number of areas of this area's level that share the false-alarm rate.
func (x *Election) compare(c int, dom *domain, sample *drawn, observed, official *source, m *stationMatch, summary func(int) MatchSummary, figures *Figures, peers int, opt Options) *Comparison {
	con := &x.Contests[c]
	alpha := opt.Alpha
	if alpha <= 0 || alpha >= 1 {
		alpha = 0.05
	}
	worst := opt.worst()
	tests := max(len(con.Choices), 1) * max(peers, 1)
	cmpn := &Comparison{Critical: pvt.Z(1 - alpha/float64(tests)), Tests: tests, Verdict: pvt.Undetermined}
	if m.err != nil {
		cmpn.Note = textOf(m.err)
		return cmpn
	}
	cmpn.Match = summary(worst)
	minimum := opt.minSampled()
	sampled := 0
	if dom != nil {
		sampled = len(dom.sampled)
	}
	switch {
	case sample == nil:
		cmpn.Note = note("stats.analysis.compare_no_sample", nil)
		return cmpn
	case sampled < minimum:
		cmpn.Note = note("stats.analysis.compare_few_sampled", locales.Args{"Sampled": sampled, "Minimum": minimum})
		return cmpn
	}
	// The paired test: observers' minus official votes, per choice, over the sampled
	// stations with both results.
	pairDesign, units, labels, _ := x.domainDesign(c, dom, sample, func(pos int) bool {
		return observed.at(c, pos) != nil && official.at(c, pos) != nil
	})
	pairs := make([]pvt.Pair, len(units))
	for i, pos := range units {
		pairs[i] = m.pair(pos)
		pairs[i].Stratum = labels[i]
	}
	// The collation test: the official results of the sampled stations against the
	// official figure for the area.
	offStations, offDesign, _, offErr := x.pvtInput(c, dom, sample, official, minimum)
	var offShares []pvt.Estimate
	if offErr == nil {
		r, err := pvt.Analyze(offStations, offDesign, pvt.Options{})
		if err == nil {
			offShares = r.Shares
		} else {
			offErr = err
		}
	}
	inconsistent, determined := 0, 0
	for k, ch := range con.Choices {
		ct := ChoiceTests{Choice: ch.Code}
		if len(pairs) >= minimum {
			t, err := pvt.Paired(pairs, k, pairDesign, cmpn.Critical)
			if err == nil {
				ct.Paired = &t
			} else {
				ct.Error = note("stats.analysis.paired_error", locales.Args{"Reason": textOf(err)})
			}
		} else {
			ct.Error = note("stats.analysis.paired_few", locales.Args{"Pairs": len(pairs), "Minimum": minimum})
		}
		if offShares != nil && figures != nil {
			t := pvt.Collation(offShares[k], figures.Shares[k], cmpn.Critical)
			ct.Collation = &t
		} else if offErr != nil {
			ct.Error = joinText(ct.Error, note("stats.analysis.collation_error", locales.Args{"Reason": textOf(offErr)}))
		}
		if ct.Paired != nil && ct.Collation != nil {
			d := pvt.Diagnose(*ct.Paired, *ct.Collation)
			ct.Diagnosis = &d
			if d.Verdict != pvt.Undetermined {
				determined++
			}
			if d.Verdict == pvt.Inconsistent {
				inconsistent++
			}
		}
		cmpn.Choices = append(cmpn.Choices, ct)
	}
	switch {
	case inconsistent > 0:
		cmpn.Verdict = pvt.Inconsistent
		cmpn.Note = note("stats.analysis.compare_inconsistent", locales.Args{"Failed": inconsistent, "Choices": len(con.Choices), "Z": decimal{cmpn.Critical, 2}})
	case determined > 0:
		cmpn.Verdict = pvt.Consistent
		cmpn.Note = note("stats.analysis.compare_consistent", locales.Args{"Z": decimal{cmpn.Critical, 2}, "Alpha": percent{alpha, 0}, "Tests": tests})
	default:
		cmpn.Note = note("stats.analysis.compare_none", nil)
	}
	return cmpn
}
