package simulate

import (
	"cmp"
	"fmt"
	"math"
	"slices"

	"github.com/iltod/iltod"
)

// StationResults returns the truth as iltod station results, one per station and contest
// in package order, every figure given: what an honest authority would publish and what
// faithful observers would record.
func (r *Results) StationResults() []iltod.StationResult {
	var out []iltod.StationResult
	for i := range r.Stations {
		s := &r.Stations[i]
		for j := range s.Contests {
			out = append(out, s.result(&s.Contests[j]))
		}
	}
	return out
}

func (s *StationResult) result(c *ContestResult) iltod.StationResult {
	return iltod.StationResult{
		Station: s.Station,
		Contest: c.Contest,
		Counts: map[iltod.CountKind]int{
			iltod.CountRegistered: s.Registered,
			iltod.CountIssued:     s.Issued,
			iltod.CountCast:       c.Cast,
			iltod.CountValid:      c.Valid,
			iltod.CountInvalid:    c.Invalid,
			iltod.CountBlank:      c.Blank,
		},
		Votes: cloneVotes(c.Votes),
	}
}

func cloneVotes(m map[string]int) map[string]int {
	out := make(map[string]int, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// Tampering says how simulated official results depart from the truth, for demonstrations
// and tests that the analysis finds it.
type Tampering struct {
	// Contest is the contest tampered with.
	Contest string
	// Stations are stations whose published result moves Moved votes from the contest's
	// runner-up to its leader (or all the runner-up has, if fewer): changes made at or
	// after the count, before publication.
	Stations []string
	Moved    int
	// Region is an area whose published total moves Share of its valid votes from the
	// runner-up to the leader while its station results stay true: a change in collation.
	// The totals of every area above it include the change.
	Region string
	Share  float64
}

// Official returns simulated official results of p: station results, changed at the
// stations t names, and the collated totals of every area of levels region and country
// for every contest whose stations lie in them, changed as t says in collation. Leader and
// runner-up are those of the true national totals of t.Contest.
func Official(p *iltod.Package, truth *Results, t Tampering) ([]iltod.StationResult, error) {
	stations := truth.StationResults()
	var leader, runnerUp string
	if t.Contest != "" {
		tot := truth.Total(t.Contest)
		if len(tot.Votes) < 2 {
			return nil, fmt.Errorf("simulate: contest %q has fewer than two choices with votes", t.Contest)
		}
		codes := make([]string, 0, len(tot.Votes))
		for c := range tot.Votes {
			codes = append(codes, c)
		}
		slices.SortFunc(codes, func(a, b string) int {
			return cmp.Or(cmp.Compare(tot.Votes[b], tot.Votes[a]), cmp.Compare(a, b))
		})
		leader, runnerUp = codes[0], codes[1]
	}
	tamper := make(map[string]bool, len(t.Stations))
	for _, s := range t.Stations {
		if _, ok := truth.Station(s); !ok {
			return nil, fmt.Errorf("simulate: no station %q to tamper with", s)
		}
		tamper[s] = true
	}
	for i := range stations {
		r := &stations[i]
		if r.Contest == t.Contest && tamper[r.Station] {
			n := min(t.Moved, r.Votes[runnerUp])
			r.Votes[runnerUp] -= n
			r.Votes[leader] += n
		}
	}
	ix := iltod.NewAreaIndex(p.Areas)
	type key struct{ area, contest string }
	totals := map[key]*iltod.StationResult{}
	var order []key
	stationArea := make(map[string]string, len(p.Stations))
	for _, s := range p.Stations {
		stationArea[s.Code] = s.Area
	}
	for i := range stations {
		r := &stations[i]
		for _, a := range ix.Path(stationArea[r.Station]) {
			area, _ := ix.Area(a)
			if area.Level != iltod.LevelCountry && area.Level != iltod.LevelRegion {
				continue
			}
			k := key{a, r.Contest}
			tot, ok := totals[k]
			if !ok {
				tot = &iltod.StationResult{Area: a, Contest: r.Contest, Counts: map[iltod.CountKind]int{}, Votes: map[string]int{}}
				totals[k] = tot
				order = append(order, k)
			}
			for c, v := range r.Counts {
				tot.Counts[c] += v
			}
			for c, v := range r.Votes {
				tot.Votes[c] += v
			}
		}
	}
	if t.Region != "" {
		reg, ok := totals[key{t.Region, t.Contest}]
		if !ok {
			return nil, fmt.Errorf("simulate: area %q has no total for contest %q", t.Region, t.Contest)
		}
		n := min(int(math.Round(t.Share*float64(reg.Counts[iltod.CountValid]))), reg.Votes[runnerUp])
		for _, a := range ix.Path(t.Region) {
			if tot, ok := totals[key{a, t.Contest}]; ok {
				tot.Votes[runnerUp] -= n
				tot.Votes[leader] += n
			}
		}
	}
	for _, k := range order {
		stations = append(stations, *totals[k])
	}
	return stations, nil
}
