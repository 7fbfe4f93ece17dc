package pvt

import "math"

// SizePlan is a sample size worked out by [PlanSize], with the intermediate figures so that
// the plan can be checked by hand.
type SizePlan struct {
	Population int     `json:"population"`  // K, stations in the previous election
	P          float64 `json:"p"`           // P = Σa/Σm over all K stations
	MeanDen    float64 `json:"mean_den"`    // m̄ = Σm/K
	Sd2        float64 `json:"sd2"`         // S_d² = Σ(a_i − P m_i)² / (K − 1)
	K0         float64 `json:"k0"`          // z² S_d² / (E² m̄²), before the fpc
	K          float64 `json:"k"`           // k0 / (1 + k0/K): reporting stations needed
	ReportRate float64 `json:"report_rate"` // expected share of sampled stations that report
	// Draw is ⌈K / ReportRate⌉, at most Population: the number of stations to draw.
	Draw int `json:"draw"`
}

// PlanSize works out how many stations a simple random sample needs for a margin of error E
// (half-width of the interval, as a fraction: 0.01 for ±1 point) at normal quantile z, from a
// previous election's results at all K stations (REFERENCE §1):
//
//	P = Σa_i/Σm_i   m̄ = Σm_i/K   S_d² = Σ (a_i − P m_i)² / (K − 1)
//	k0 = z² S_d² / (E² m̄²)      k = k0 / (1 + k0/K)      draw = ⌈k / reportRate⌉
//
// Each unit is one station of the previous election (Stratum is ignored), with a_i the votes
// for the choice that matters (usually the expected leader, or a margin) and m_i the valid
// votes. reportRate in (0, 1] is the share of sampled stations expected to report in time.
// Stratifying usually needs fewer stations than this plan; the plan is the safe side.
//
// PlanSize returns an error wrapping [ErrInvalid] for fewer than two units, non-finite
// values, a zero total denominator, E or z not positive, or reportRate outside (0, 1].
func PlanSize(previous []Unit, E, z, reportRate float64) (SizePlan, error) {
	K := len(previous)
	if K < 2 {
		return SizePlan{}, invalid("size_stations", "Stations", K)
	}
	if !(E > 0) || !(z > 0) || math.IsInf(E, 1) || math.IsInf(z, 1) {
		return SizePlan{}, invalid("size_margin", "Margin", E, "Z", z)
	}
	if !(reportRate > 0 && reportRate <= 1) {
		return SizePlan{}, invalid("report_rate", "Rate", reportRate)
	}
	var sa, sm float64
	for i, u := range previous {
		if !finite(u.Num) || !count(u.Den) {
			return SizePlan{}, invalid("unit_values", "Unit", i, "Num", u.Num, "Den", u.Den)
		}
		sa += u.Num
		sm += u.Den
	}
	if sm == 0 {
		return SizePlan{}, invalid("denominators_zero")
	}
	p := SizePlan{Population: K, P: sa / sm, MeanDen: sm / float64(K), ReportRate: reportRate}
	var ss float64
	for _, u := range previous {
		d := u.Num - p.P*u.Den
		ss += d * d
	}
	p.Sd2 = ss / float64(K-1)
	p.K0 = z * z * p.Sd2 / (E * E * p.MeanDen * p.MeanDen)
	p.K = p.K0 / (1 + p.K0/float64(K))
	p.Draw = int(math.Ceil(p.K/reportRate - 1e-9))
	if p.Draw > K {
		p.Draw = K
	}
	return p, nil
}

// VoterSampleSize is the NDI handbook's sample size in voters for estimating a proportion p
// within ±E at normal quantile z among N voters (REFERENCE §1):
//
//	n = p(1−p) / (E²/z² + p(1−p)/N)
//
// It returns n unrounded. Peru 2001 (N = 14,570,774, p = 0.5, E = 0.0032, z = 2.58) gives
// 160,717.26 — 160,717 voters, not the handbook's printed 163,185. The formula treats voters
// as drawn independently; a PVT samples stations, whose voters are alike, so use [PlanSize]
// for a PVT and this only to compare with published plans.
func VoterSampleSize(N, p, E, z float64) float64 {
	q := p * (1 - p)
	return q / (E*E/(z*z) + q/N)
}
