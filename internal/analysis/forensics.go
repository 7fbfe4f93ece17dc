package analysis

import (
	"github.com/iltod/iltod/stats/forensics"
)

// forensics screens the station results of contest c among members: the official ones if
// any are loaded, else the observers'. It returns nil if no station has a result.
func (x *Election) forensics(c int, members []int, observed, official *source, opt Options) *Forensics {
	src, name := official, "official"
	if official == nil {
		src, name = observed, "observed"
	}
	con := &x.Contests[c]
	sums := make([]int64, len(con.Choices))
	n := 0
	for _, pos := range members {
		if t := src.at(c, pos); t != nil {
			n++
			for k, v := range t.votes {
				sums[k] += max(v, 0)
			}
		}
	}
	if n == 0 {
		return nil
	}
	leader := 0
	for k, v := range sums {
		if v > sums[leader] {
			leader = k
		}
	}
	stations := make([]forensics.Station, 0, n)
	counts := make([]int, 0, n*len(con.Choices))
	for _, pos := range members {
		t := src.at(c, pos)
		if t == nil {
			continue
		}
		stations = append(stations, x.forensicStation(c, pos, t, leader))
		for _, v := range t.votes {
			if v != absent {
				counts = append(counts, int(v))
			}
		}
	}
	f := &Forensics{
		Source:      name,
		Leader:      con.Choices[leader].Code,
		Stations:    len(stations),
		Integer:     forensics.IntegerPercentages(stations),
		Fingerprint: forensics.TurnoutShare(stations),
		SecondDigit: forensics.SecondDigit(counts),
		LastDigit:   forensics.LastDigit(counts),
		Flags:       forensics.FlagStations(stations, forensics.FlagOptions{}),
	}
	if opt.MonteCarlo > 0 {
		mc := forensics.IntegerPercentagesMC(stations, opt.MonteCarlo, opt.Seed)
		f.IntegerMC = &mc
	}
	return f
}

// forensicStation is the station at position pos of contest c, with tally t, as the
// screens read it; leader is the choice whose votes they read.
func (x *Election) forensicStation(c, pos int, t *tally, leader int) forensics.Station {
	st := &x.Stations[x.voters[c][pos]]
	fs := forensics.Station{Code: st.Code, Area: st.Area, Registered: st.Registered, Found: int(t.cast()), Leader: int(max(t.votes[leader], 0))}
	if v, ok := t.figure(fRegistered); ok {
		fs.Registered = int(v)
	}
	fs.Issued = fs.Found
	if v, ok := t.figure(fIssued); ok {
		fs.Issued = int(v)
	}
	return fs
}
