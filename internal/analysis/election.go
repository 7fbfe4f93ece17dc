package analysis

import (
	"fmt"
	"slices"

	"github.com/iltod/iltod"
)

// Election indexes what an analysis needs of one election: its area tree, its stations and
// which contests each station votes in. Build it once with NewElection and share it: it is
// read-only afterwards and safe for concurrent use.
type Election struct {
	Election iltod.Election
	Areas    []iltod.Area
	Stations []iltod.Station
	Contests []iltod.Contest

	area    map[string]int32 // area code → index in Areas
	station map[string]int32 // station code → index in Stations
	depth   []int8           // per area: 0 for the root
	// anc holds each station's ancestor areas, root first, ending with the station's own
	// area: the station is within every one of them.
	anc [][]int32
	// voters holds, per contest, the indexes of the stations that vote in it, ascending.
	voters [][]int32
	choice []map[string]int // per contest: choice code → index
}

// NewElection indexes an election whose package passed iltod.Package.Validate. It returns
// an error if a station names an unknown area, which a validated package never does.
func NewElection(e iltod.Election, areas []iltod.Area, stations []iltod.Station, contests []iltod.Contest) (*Election, error) {
	x := &Election{
		Election: e, Areas: areas, Stations: stations, Contests: contests,
		area:    make(map[string]int32, len(areas)),
		station: make(map[string]int32, len(stations)),
		depth:   make([]int8, len(areas)),
		anc:     make([][]int32, len(stations)),
		voters:  make([][]int32, len(contests)),
		choice:  make([]map[string]int, len(contests)),
	}
	for i, a := range areas {
		x.area[a.Code] = int32(i)
	}
	// paths[a] is the path of area a from the root, computed once per area.
	paths := make([][]int32, len(areas))
	var path func(i int32, seen int) ([]int32, error)
	path = func(i int32, seen int) ([]int32, error) {
		if paths[i] != nil {
			return paths[i], nil
		}
		if seen > len(areas) {
			return nil, fmt.Errorf("analysis: area %q is in a cycle", areas[i].Code)
		}
		p := []int32{i}
		if parent := areas[i].Parent; parent != "" {
			j, ok := x.area[parent]
			if !ok {
				return nil, fmt.Errorf("analysis: area %q has unknown parent %q", areas[i].Code, parent)
			}
			pp, err := path(j, seen+1)
			if err != nil {
				return nil, err
			}
			p = append(slices.Clip(pp), i)
		}
		paths[i] = p
		x.depth[i] = int8(len(p) - 1)
		return p, nil
	}
	for i := range areas {
		if _, err := path(int32(i), 0); err != nil {
			return nil, err
		}
	}
	for i, s := range stations {
		a, ok := x.area[s.Area]
		if !ok {
			return nil, fmt.Errorf("analysis: station %q is in unknown area %q", s.Code, s.Area)
		}
		x.station[s.Code] = int32(i)
		x.anc[i] = paths[a]
	}
	// A station votes in a contest when one of its ancestors is one of the contest's areas.
	inContest := make([]bool, len(areas))
	for c := range contests {
		clear(inContest)
		for _, code := range contests[c].Areas {
			if i, ok := x.area[code]; ok {
				inContest[i] = true
			}
		}
		for i := range stations {
			for _, a := range x.anc[i] {
				if inContest[a] {
					x.voters[c] = append(x.voters[c], int32(i))
					break
				}
			}
		}
		x.choice[c] = make(map[string]int, len(contests[c].Choices))
		for k, ch := range contests[c].Choices {
			x.choice[c][ch.Code] = k
		}
	}
	return x, nil
}

// contestIndex returns the index of a contest, or -1.
func (x *Election) contestIndex(code string) int {
	return slices.IndexFunc(x.Contests, func(c iltod.Contest) bool { return c.Code == code })
}

// within reports whether station s lies at or below area a.
func (x *Election) within(s, a int32) bool {
	d := int(x.depth[a])
	anc := x.anc[s]
	return d < len(anc) && anc[d] == a
}

// Root returns the code of the election's root area (level country), or "" if none.
func (x *Election) Root() string {
	for _, a := range x.Areas {
		if a.Parent == "" {
			return a.Code
		}
	}
	return ""
}
