package pvt

import (
	"math"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// zText writes a z statistic for a note, with two decimals.
func zText(z float64) string { return strconv.FormatFloat(z, 'f', 2, 64) }

// Pair is one sampled station's counts as the observers recorded them and as the officials
// published them, for one contest (REFERENCE §2). Observed and Official hold the same
// fields in the same order: usually the votes per choice, and optionally further counts
// such as valid and invalid ballots, which then also take part in the exact match.
type Pair struct {
	Station  string
	Stratum  string
	Observed []float64 // o_ic
	Official []float64 // s_ic
	// Den is m_i, the base of the paired test: the valid votes the observers recorded.
	Den float64
}

// Discrepancy is one station's total absolute difference D_i = Σ_c |o_ic − s_ic|.
type Discrepancy struct {
	Station string  `json:"station"`
	D       float64 `json:"d"`
	Flagged bool    `json:"flagged"` // D_i above the tolerance
}

// MatchResult summarises how often observers and officials agree station by station.
type MatchResult struct {
	Stations  int     `json:"stations"`
	Exact     int     `json:"exact"`      // stations whose counts are all equal
	ExactRate float64 `json:"exact_rate"` // Exact / Stations
	Flagged   int     `json:"flagged"`    // stations with D_i above the tolerance
	Tolerance float64 `json:"tolerance"`
	// Discrepancies holds each pair's D_i, in the order given.
	Discrepancies []Discrepancy `json:"discrepancies"`
	Note          iltod.Text    `json:"note"`
}

// Match compares observer and official counts station by station (REFERENCE §2): a station
// matches exactly when all its counts are equal; its discrepancy is D_i = Σ_c |o_ic − s_ic|,
// flagged when above tolerance (0 flags any difference). Arithmetic checks of one form
// (valid = Σ choices …) belong to the QA rules, not here.
//
// Match returns an error wrapping [ErrInvalid] if a pair's two vectors differ in length or
// hold a non-finite count, or the tolerance is negative.
func Match(pairs []Pair, tolerance float64) (MatchResult, error) {
	if !(tolerance >= 0) {
		return MatchResult{}, invalid("tolerance", "Tolerance", tolerance)
	}
	r := MatchResult{Stations: len(pairs), Tolerance: tolerance, Discrepancies: make([]Discrepancy, len(pairs))}
	for i, p := range pairs {
		if len(p.Observed) != len(p.Official) {
			return MatchResult{}, invalid("pair_lengths", "Pair", i, "Station", q(p.Station), "Observed", len(p.Observed), "Official", len(p.Official))
		}
		var D float64
		for c, o := range p.Observed {
			s := p.Official[c]
			if !finite(o) || !finite(s) {
				return MatchResult{}, invalid("pair_not_finite", "Pair", i, "Station", q(p.Station), "Count", c)
			}
			D += math.Abs(o - s)
		}
		r.Discrepancies[i] = Discrepancy{Station: p.Station, D: D, Flagged: D > tolerance}
		if D == 0 {
			r.Exact++
		}
		if D > tolerance {
			r.Flagged++
		}
	}
	if r.Stations > 0 {
		r.ExactRate = float64(r.Exact) / float64(r.Stations)
	}
	r.Note = note("match", locales.Args{"Exact": choice(r.Exact), "Stations": choice(r.Stations), "Rate": pct(r.ExactRate),
		"Flagged": choice(r.Flagged), "Tolerance": strconv.FormatFloat(tolerance, 'g', -1, 64)})
	return r, nil
}

// Test is the outcome of a comparison test: an estimate, its z statistic, a verdict at the
// critical value, and a note in plain language.
type Test struct {
	// Estimate is D̂ for the paired test and p̂ for the collation test.
	Estimate Estimate `json:"estimate"`
	// Official is the official national figure the collation test compares with; 0 for
	// the paired test.
	Official float64 `json:"official,omitempty"`
	// Z is the test statistic: D̂/SE, or (official − p̂)/SE.
	Z float64 `json:"z"`
	// Critical is the |Z| beyond which the verdict is Inconsistent.
	Critical float64    `json:"critical"`
	Verdict  Verdict    `json:"verdict"`
	Note     iltod.Text `json:"note"`
}

// Paired tests whether official station results differ systematically from the observers'
// for one field (REFERENCE §2): with d_i = o_ic − s_ic over the sampled stations,
//
//	D̂ = Σ d_i / Σ m_i,  z = D̂ / SE(D̂)
//
// where SE is [Ratio]'s standard error under design d (a_i = d_i, m_i = Pair.Den). |z| above
// critical (≤ 0 means [Z95]) is Inconsistent. D̂ < 0 means the officials gave the field more
// votes than the observers saw, as a share of valid votes. If every d_i is 0, z is 0; if
// SE is 0 but D̂ is not (every stratum reported in full, or every station changed in exact
// proportion), z is ±math.MaxFloat64 (not ±Inf, which JSON cannot carry).
//
// Paired returns [Ratio]'s errors, and one wrapping [ErrInvalid] if field is out of range
// for a pair.
func Paired(pairs []Pair, field int, d Design, critical float64) (Test, error) {
	units := make([]Unit, len(pairs))
	for i, p := range pairs {
		if field < 0 || field >= len(p.Observed) || field >= len(p.Official) {
			return Test{}, invalid("pair_no_field", "Pair", i, "Station", q(p.Station), "Field", field)
		}
		units[i] = Unit{Stratum: p.Stratum, Num: p.Observed[field] - p.Official[field], Den: p.Den}
	}
	e, err := Ratio(units, d)
	if err != nil {
		return Test{}, err
	}
	t := Test{Estimate: e, Z: zstat(e.Value, e.SE), Critical: zOr95(critical)}
	if math.Abs(t.Z) <= t.Critical {
		t.Verdict = Consistent
		t.Note = note("paired_consistent", locales.Args{"Difference": pct(e.Value), "Z": zText(t.Z)})
	} else {
		t.Verdict = Inconsistent
		t.Note = note("paired_inconsistent", locales.Args{"Difference": pct(e.Value), "Z": zText(t.Z)})
	}
	return t, nil
}

// Collation tests whether the official national figure is consistent with the official
// results of the sampled stations (REFERENCE §2). stations is p̂, the estimate of the figure
// from the official results of the sampled stations — [Ratio] over one unit per sampled
// station, or a share from [Analyze] run on the official station results — and national is
// the official national figure as a fraction (e.g. the leader's share of valid votes):
//
//	z = (national − p̂) / SE(p̂)
//
// |z| above critical (≤ 0 means [Z95]) is Inconsistent; z > 0 means the national figure is
// higher than the stations' own results imply. If SE is 0 (every stratum published in full)
// any difference gives z = ±math.MaxFloat64. The test needs no observers' counts: anyone can
// run it on published station results. A non-finite national or estimate gives z = 0 and
// the verdict Undetermined.
func Collation(stations Estimate, national, critical float64) Test {
	e := stations
	t := Test{Estimate: e, Critical: zOr95(critical), Verdict: Undetermined}
	if !finite(national) || !finite(e.Value) || !finite(e.SE) {
		t.Note = note("collation_none", nil)
		return t
	}
	t.Official, t.Z = national, zstat(national-e.Value, e.SE)
	if math.Abs(t.Z) <= t.Critical {
		t.Verdict = Consistent
		t.Note = note("collation_consistent", locales.Args{"National": pct(national), "Stations": pct(e.Value), "Z": zText(t.Z),
			"Smallest": pct(t.Critical * e.SE)})
	} else {
		t.Verdict = Inconsistent
		t.Note = note("collation_inconsistent", locales.Args{"National": pct(national), "Stations": pct(e.Value), "Z": zText(t.Z)})
	}
	return t
}

// Diagnose reads a paired test and a collation test of the same field together and says
// where a problem, if any, lies. The returned Call's Verdict is Undetermined if either test
// is, Consistent if both tests are, and Inconsistent otherwise; Choice is -1; Critical is
// the larger of the two.
func Diagnose(paired, collation Test) Call {
	c := Call{Verdict: Inconsistent, Choice: -1, Critical: max(paired.Critical, collation.Critical)}
	switch {
	case paired.Verdict == Undetermined || collation.Verdict == Undetermined:
		c.Verdict = Undetermined
		c.Note = note("diagnose_none", nil)
	case paired.Verdict == Consistent && collation.Verdict == Consistent:
		c.Verdict = Consistent
		c.Note = note("diagnose_consistent", nil)
	case paired.Verdict == Consistent:
		c.Note = note("diagnose_collation", nil)
	case collation.Verdict == Consistent:
		c.Note = note("diagnose_station", nil)
	default:
		c.Note = note("diagnose_both", nil)
	}
	return c
}

// zstat returns x/se, 0 for 0/0, and ±math.MaxFloat64 for x/0.
func zstat(x, se float64) float64 {
	if se == 0 {
		if x == 0 {
			return 0
		}
		return math.Copysign(math.MaxFloat64, x)
	}
	return x / se
}
