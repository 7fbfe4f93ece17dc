package analysis

import (
	"fmt"
	"runtime"
	"sort"
	"sync"
	"sync/atomic"

	"github.com/iltod/iltod"
)

// The ballot figures of a station result, in iltod.ResultCounts order.
const (
	fRegistered = iota
	fIssued
	fCast
	fValid
	fInvalid
	fBlank
	nFigures
)

// absent marks a figure the source does not give.
const absent = -1

// tally is one source's figures for one contest at one station: the ballot figures by
// the f… constants and the votes per choice in contest order, absent where not given.
type tally struct {
	ok      bool
	figures [nFigures]int64
	votes   []int64
}

func (t *tally) figure(f int) (int64, bool) { v := t.figures[f]; return v, v != absent }

// valid returns the valid votes: the Valid figure, else the sum of the votes.
func (t *tally) valid() int64 {
	if v, ok := t.figure(fValid); ok {
		return v
	}
	var s int64
	for _, v := range t.votes {
		if v > 0 {
			s += v
		}
	}
	return s
}

// cast returns the ballots found in the box: Cast, else Valid + Invalid + Blank as far as
// they are given.
func (t *tally) cast() int64 {
	if v, ok := t.figure(fCast); ok {
		return v
	}
	s := t.valid()
	for _, f := range []int{fInvalid, fBlank} {
		if v, ok := t.figure(f); ok {
			s += v
		}
	}
	return s
}

// source holds one source's results for every contest, each slice parallel to the
// contest's voters, and area totals where the source publishes them.
type source struct {
	byContest [][]tally
	totals    []map[int32]*tally // per contest: area index → published total
	stations  int                // station results read
}

// newSource spreads results over the election's contests. Results for stations, contests
// or choices the election does not have, for a station outside a contest, or for a station
// or area given twice in a contest, are errors, the one of the lowest index reported:
// callers pass results that passed iltod.CheckResults. Contests are indexed side by side.
func (x *Election) newSource(results []iltod.StationResult) (*source, error) {
	src := &source{byContest: make([][]tally, len(x.Contests)), totals: make([]map[int32]*tally, len(x.Contests))}
	contest := make(map[string]int, len(x.Contests))
	for c := range x.Contests {
		contest[x.Contests[c].Code] = c
	}
	byContest := make([][]int32, len(x.Contests))
	for i := range results {
		c, ok := contest[results[i].Contest]
		if !ok {
			return nil, fmt.Errorf("analysis: result %d: unknown contest %q", i, results[i].Contest)
		}
		byContest[c] = append(byContest[c], int32(i))
	}
	type outcome struct {
		stations int
		errAt    int
		err      error
	}
	outcomes := make([]outcome, len(x.Contests))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(x.Contests)) {
		wg.Go(func() {
			for c := int(next.Add(1) - 1); c < len(x.Contests); c = int(next.Add(1) - 1) {
				if len(byContest[c]) > 0 {
					n, at, err := x.fillContest(src, c, results, byContest[c])
					outcomes[c] = outcome{n, at, err}
				}
			}
		})
	}
	wg.Wait()
	var first *outcome
	for c := range outcomes {
		o := &outcomes[c]
		src.stations += o.stations
		if o.err != nil && (first == nil || o.errAt < first.errAt) {
			first = o
		}
	}
	if first != nil {
		return nil, first.err
	}
	return src, nil
}

// fillContest indexes the results of contest c (their indexes, ascending) into src. It
// returns the number of station results, or the first error and the index of its result.
func (x *Election) fillContest(src *source, c int, results []iltod.StationResult, idx []int32) (int, int, error) {
	k := len(x.Contests[c].Choices)
	// One slab holds every result's votes: a million small slices would cost more in
	// allocation and garbage collection than the analysis itself.
	slab := make([]int64, len(idx)*k)
	stations := 0
	for _, i := range idx {
		r := &results[i]
		t, err := x.tallyOf(c, r, slab[:k:k])
		slab = slab[k:]
		if err != nil {
			return 0, int(i), fmt.Errorf("analysis: result %d: contest %q has no choice %q", i, r.Contest, err.(*noChoice).choice)
		}
		if r.Area != "" {
			a, ok := x.area[r.Area]
			if !ok {
				return 0, int(i), fmt.Errorf("analysis: result %d: unknown area %q", i, r.Area)
			}
			if src.totals[c] == nil {
				src.totals[c] = map[int32]*tally{}
			}
			if src.totals[c][a] != nil {
				return 0, int(i), fmt.Errorf("analysis: result %d: area %q is given twice in contest %q", i, r.Area, r.Contest)
			}
			src.totals[c][a] = &t
			continue
		}
		s, ok := x.station[r.Station]
		if !ok {
			return 0, int(i), fmt.Errorf("analysis: result %d: unknown station %q", i, r.Station)
		}
		pos, ok := x.position(c, s)
		if !ok {
			return 0, int(i), fmt.Errorf("analysis: result %d: station %q does not vote in contest %q", i, r.Station, r.Contest)
		}
		if src.byContest[c] == nil {
			src.byContest[c] = make([]tally, len(x.voters[c]))
		}
		if src.byContest[c][pos].ok {
			return 0, int(i), fmt.Errorf("analysis: result %d: station %q is given twice in contest %q", i, r.Station, r.Contest)
		}
		src.byContest[c][pos] = t
		stations++
	}
	return stations, 0, nil
}

// tallyOf reads result r of contest c into a tally whose votes are the slice given, of
// the contest's number of choices.
func (x *Election) tallyOf(c int, r *iltod.StationResult, votes []int64) (tally, error) {
	t := tally{ok: true, votes: votes}
	for f := range t.figures {
		t.figures[f] = absent
	}
	for j := range t.votes {
		t.votes[j] = absent
	}
	for f, kind := range iltod.ResultCounts {
		if v, ok := r.Counts[kind]; ok {
			t.figures[f] = int64(v)
		}
	}
	for code, v := range r.Votes {
		j, ok := x.choice[c][code]
		if !ok {
			return tally{}, &noChoice{r.Contest, code}
		}
		t.votes[j] = int64(v)
	}
	return t, nil
}

// noChoice is tallyOf's error: a result names a choice its contest does not have.
type noChoice struct{ contest, choice string }

func (e *noChoice) Error() string {
	return fmt.Sprintf("analysis: contest %q has no choice %q", e.contest, e.choice)
}

// position returns the index of station s among the voters of contest c.
func (x *Election) position(c int, s int32) (int, bool) {
	v := x.voters[c]
	i := sort.Search(len(v), func(i int) bool { return v[i] >= s })
	return i, i < len(v) && v[i] == s
}

// at returns the tally of the station at position pos of contest c, or nil.
func (src *source) at(c, pos int) *tally {
	if src == nil || src.byContest[c] == nil || !src.byContest[c][pos].ok {
		return nil
	}
	return &src.byContest[c][pos]
}

// total returns the published total of area a in contest c, or nil.
func (src *source) total(c int, a int32) *tally {
	if src == nil || src.totals[c] == nil {
		return nil
	}
	return src.totals[c][a]
}

// Results are station results and area totals from one source, prepared for analysis by
// Election.Prepare. They are read-only and safe for concurrent use.
type Results struct {
	x   *Election
	src *source
}

// Prepare checks results against the election and indexes them for Run and
// CompareStations: results for stations, areas, contests or choices the election does not
// have, or for a station outside a contest, are errors (callers pass results that passed
// iltod.CheckResults). A nil or empty slice gives empty Results.
func (x *Election) Prepare(results []iltod.StationResult) (*Results, error) {
	src, err := x.newSource(results)
	if err != nil {
		return nil, err
	}
	return &Results{x: x, src: src}, nil
}

// Len returns the number of station results (not area totals) prepared.
func (r *Results) Len() int {
	if r == nil {
		return 0
	}
	return r.src.stations
}

func (r *Results) source() *source {
	if r == nil {
		return nil
	}
	return r.src
}

func (x *Election) emptySource() *source {
	return &source{byContest: make([][]tally, len(x.Contests)), totals: make([]map[int32]*tally, len(x.Contests))}
}
