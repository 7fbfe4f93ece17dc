package forensics

import (
	"math"
	"slices"

	"github.com/iltod/iltod"
)

// Flags lists stations that simple rules single out for a closer look.
type Flags struct {
	// OverRegistered lists stations with turnout above 100% (G > V).
	OverRegistered Flag `json:"over_registered"`
	// NearUnanimous lists stations with turnout ≥ 99% and leader's share ≥ 99%.
	NearUnanimous Flag `json:"near_unanimous"`
	// AreaOutliers lists stations whose turnout is far outside their area's distribution.
	AreaOutliers Flag `json:"area_outliers"`
	// Unscreened is the number of stations that the area-outlier rule could not judge:
	// too few registered voters, inconsistent counts, or an area with fewer than
	// FlagOptions.MinAreaStations such stations or a median absolute deviation of 0.
	Unscreened int `json:"unscreened"`
	// Note says what the flags can and cannot show.
	Note iltod.Text `json:"note"`
}

// Flag is one rule's list of stations, in the order they were given.
type Flag struct {
	// Rule names the rule: "over-registered", "near-unanimous" or "area-outlier".
	Rule     string           `json:"rule"`
	Stations []FlaggedStation `json:"stations"`
	// Note says what the rule can and cannot show.
	Note iltod.Text `json:"note"`
}

// FlaggedStation is a station on a Flag's list, with the numbers that put it there.
type FlaggedStation struct {
	Code string `json:"code"`
	Area string `json:"area,omitempty"`
	// Turnout is 100·G/V; it is +Inf for G > 0 = V, which JSON cannot carry, so such a
	// station has Turnout 0 and Registered 0 to tell it.
	Turnout float64 `json:"turnout"`
	// Share is 100·L/R, or 0 when R = 0.
	Share float64 `json:"share"`
	// Registered is V, so that a reader can tell a tiny station.
	Registered int `json:"registered"`
	// Z is the robust z of the station's turnout within its area (area-outlier only),
	// and Median and MAD the area's turnout median and median absolute deviation, in
	// percentage points.
	Z      float64 `json:"z,omitempty"`
	Median float64 `json:"median,omitempty"`
	MAD    float64 `json:"mad,omitempty"`
}

// FlagOptions tunes FlagStations. The zero value selects the defaults.
type FlagOptions struct {
	// OutlierZ is the robust z beyond which a station's turnout is an area outlier; 0 means 4.
	OutlierZ float64
	// MinAreaStations is the fewest stations an area needs for its median and MAD to be
	// used; 0 means 10.
	MinAreaStations int
}

// FlagStations applies three simple rules (REFERENCE §4) to stations and lists the stations
// each rule singles out:
//
//   - over-registered: G > V, turnout above 100%, for any station with consistent
//     counts (V = 0 with G > 0 included);
//   - near-unanimous: 100·G ≥ 99·V and 100·L ≥ 99·R with V > 0 and R > 0, that is
//     turnout ≥ 99% and leader's share ≥ 99%, computed exactly;
//   - area-outlier: among stations with consistent counts and V ≥ MinRegistered, grouped
//     by Area, turnout x = 100·G/V with |x − median| / (1.4826·MAD) > OutlierZ, where
//     median and MAD (median absolute deviation) are those of the station's area. Areas
//     with fewer than MinAreaStations such stations, or with MAD = 0, are not judged.
//     1.4826·MAD estimates the standard deviation of normal data, so z reads like a
//     z-score that a few wild stations cannot inflate.
//
// Stations with inconsistent counts (negative, or L > R) are on no list.
func FlagStations(stations []Station, opt FlagOptions) Flags {
	if opt.OutlierZ <= 0 {
		opt.OutlierZ = 4
	}
	if opt.MinAreaStations <= 0 {
		opt.MinAreaStations = 10
	}
	f := Flags{
		OverRegistered: Flag{Rule: "over-registered", Note: note(overRegisteredNote)},
		NearUnanimous:  Flag{Rule: "near-unanimous", Note: note(nearUnanimousNote)},
		AreaOutliers:   Flag{Rule: "area-outlier", Note: note(areaOutlierNote)},
		Note:           note(flagsNote),
	}
	byArea := map[string][]int{}
	for i := range stations {
		s := &stations[i]
		if s.inconsistent() {
			f.Unscreened++
			continue
		}
		if s.Issued > s.Registered {
			f.OverRegistered.Stations = append(f.OverRegistered.Stations, flagged(s))
		}
		if s.Registered > 0 && s.Found > 0 && 100*s.Issued >= 99*s.Registered && 100*s.Leader >= 99*s.Found {
			f.NearUnanimous.Stations = append(f.NearUnanimous.Stations, flagged(s))
		}
		if s.Registered < MinRegistered {
			f.Unscreened++
			continue
		}
		byArea[s.Area] = append(byArea[s.Area], i)
	}
	type outlier struct {
		i  int
		fs FlaggedStation
	}
	var outliers []outlier
	var turnout, dev []float64
	for _, idx := range byArea {
		if len(idx) < opt.MinAreaStations {
			f.Unscreened += len(idx)
			continue
		}
		turnout = turnout[:0]
		for _, i := range idx {
			turnout = append(turnout, pct(stations[i].Issued, stations[i].Registered))
		}
		med := median(append(dev[:0], turnout...))
		dev = dev[:0]
		for _, x := range turnout {
			dev = append(dev, math.Abs(x-med))
		}
		mad := median(dev)
		if mad == 0 {
			f.Unscreened += len(idx)
			continue
		}
		for j, i := range idx {
			if z := (turnout[j] - med) / (1.4826 * mad); math.Abs(z) > opt.OutlierZ {
				fs := flagged(&stations[i])
				fs.Z, fs.Median, fs.MAD = z, med, mad
				outliers = append(outliers, outlier{i, fs})
			}
		}
	}
	// Map iteration order is random: restore the order the stations were given in.
	slices.SortFunc(outliers, func(a, b outlier) int { return a.i - b.i })
	for _, o := range outliers {
		f.AreaOutliers.Stations = append(f.AreaOutliers.Stations, o.fs)
	}
	return f
}

func flagged(s *Station) FlaggedStation {
	fs := FlaggedStation{Code: s.Code, Area: s.Area, Registered: s.Registered}
	if s.Registered > 0 {
		fs.Turnout = pct(s.Issued, s.Registered)
	}
	if s.Found > 0 {
		fs.Share = pct(s.Leader, s.Found)
	}
	return fs
}

func pct(k, n int) float64 { return 100 * float64(k) / float64(n) }

// median returns the median of xs, reordering xs.
func median(xs []float64) float64 {
	slices.Sort(xs)
	n := len(xs)
	if n%2 == 1 {
		return xs[n/2]
	}
	return (xs[n/2-1] + xs[n/2]) / 2
}
