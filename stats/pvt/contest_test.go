package pvt_test

import (
	"encoding/json"
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/iltod/iltod/stats/pvt"
)

// synthetic returns k reporting stations of a C-choice contest in H strata, with the design
// they were drawn under (each stratum ten times larger than its sample).
func synthetic(seed uint64, k, C, H int) ([]pvt.Station, pvt.Design) {
	rng := rand.New(rand.NewPCG(seed, 99))
	d := pvt.Design{Strata: map[string]int{}}
	labels := make([]string, H)
	for h := range labels {
		labels[h] = string(rune('A'+h%26)) + string(rune('a'+h/26))
	}
	stations := make([]pvt.Station, k)
	for i := range stations {
		h := labels[i%H]
		d.Strata[h] += 10
		reg := float64(200 + rng.IntN(800))
		cast := math.Floor(reg * (0.4 + 0.5*rng.Float64()))
		invalid := math.Floor(cast * 0.03 * rng.Float64())
		blank := math.Floor(cast * 0.02 * rng.Float64())
		valid := cast - invalid - blank
		votes := make([]float64, C)
		left := valid
		for j := range C - 1 {
			// Choice j takes a falling share of what is left, varying by stratum.
			v := math.Floor(left * (0.25 + 0.2*rng.Float64() + 0.02*float64(i%H)) / (1 + 0.3*float64(j)))
			votes[j] = v
			left -= v
		}
		votes[C-1] = left
		stations[i] = pvt.Station{Stratum: h, Votes: votes, Valid: valid, Cast: cast, Registered: reg, MajorityBase: valid + blank}
	}
	return stations, d
}

// TestAnalyzeMatchesRatio checks that Analyze's two-pass, many-ratio computation gives what
// Ratio gives for each quantity separately.
func TestAnalyzeMatchesRatio(t *testing.T) {
	stations, d := synthetic(1, 600, 6, 7)
	r, err := pvt.Analyze(stations, d, pvt.Options{Majority: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	ratio := func(num, den func(s pvt.Station) float64) pvt.Estimate {
		units := make([]pvt.Unit, len(stations))
		for i, s := range stations {
			units[i] = pvt.Unit{Stratum: s.Stratum, Num: num(s), Den: den(s)}
		}
		e, err := pvt.Ratio(units, d)
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	same := func(what string, got, want pvt.Estimate) {
		t.Helper()
		if !near(got.Value, want.Value, 1e-13) || !near(got.SE, want.SE, 1e-13) || got.Reported != want.Reported {
			t.Errorf("%s: Analyze %+v, Ratio %+v", what, got, want)
		}
	}
	valid := func(s pvt.Station) float64 { return s.Valid }
	best := 0
	for j := range r.Shares {
		same("share", r.Shares[j], ratio(func(s pvt.Station) float64 { return s.Votes[j] }, valid))
		if r.Shares[j].Value > r.Shares[best].Value {
			best = j
		}
	}
	if r.Leader != best || r.RunnerUp == best {
		t.Errorf("leader %d, runner-up %d; largest share is %d", r.Leader, r.RunnerUp, best)
	}
	L, U := r.Leader, r.RunnerUp
	same("margin", r.Margin, ratio(func(s pvt.Station) float64 { return s.Votes[L] - s.Votes[U] }, valid))
	same("turnout", *r.Turnout, ratio(func(s pvt.Station) float64 { return s.Cast }, func(s pvt.Station) float64 { return s.Registered }))
	same("runoff share", r.Runoff.Share, ratio(func(s pvt.Station) float64 { return s.Votes[L] }, func(s pvt.Station) float64 { return s.MajorityBase }))
	if r.Coverage.Reported != 600 || r.Coverage.Population != 6000 || len(r.Coverage.Strata) != 7 {
		t.Errorf("coverage %+v", r.Coverage)
	}
	if _, err := json.Marshal(r); err != nil {
		t.Errorf("Result does not encode as JSON: %v", err)
	}
}

func TestAnalyzeErrors(t *testing.T) {
	stations, d := synthetic(2, 20, 3, 2)
	short := append([]pvt.Station(nil), stations...)
	short[3].Votes = short[3].Votes[:2]
	neg := append([]pvt.Station(nil), stations...)
	neg[4].Cast = -1
	one := []pvt.Station{{Votes: []float64{5}, Valid: 5}, {Votes: []float64{3}, Valid: 3}}
	for _, c := range []struct {
		name     string
		stations []pvt.Station
		d        pvt.Design
	}{
		{"ragged", short, d},
		{"negative", neg, d},
		{"one choice", one, pvt.SRS(10, 2)},
		{"unknown stratum", stations, pvt.SRS(100, 20)},
	} {
		if _, err := pvt.Analyze(c.stations, c.d, pvt.Options{}); !errors.Is(err, pvt.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", c.name, err)
		}
	}
	// A thin stratum: refusal, with the coverage still reported.
	d.Strata["empty"] = 50
	r, err := pvt.Analyze(stations, d, pvt.Options{})
	if !errors.Is(err, pvt.ErrThinStratum) || r.Coverage.Reported != 20 || len(r.Coverage.Strata) != 3 {
		t.Errorf("thin stratum: error %v, coverage %+v", err, r.Coverage)
	}
	// No registered voters at all: no turnout, no error.
	for i := range stations {
		stations[i].Registered = 0
	}
	delete(d.Strata, "empty")
	if r, err := pvt.Analyze(stations, d, pvt.Options{}); err != nil || r.Turnout != nil {
		t.Errorf("no register: turnout %v, error %v", r.Turnout, err)
	}
}

// estimateFrom builds an Estimate from a published point estimate and 95% margin of error.
func estimateFrom(value, moe95 float64) pvt.Estimate {
	se := moe95 / pvt.Z95
	return pvt.Estimate{Value: value, SE: se, Low95: value - moe95, High95: value + moe95}
}

// TestCallsPublishedPVTs replays the published PVTs of REFERENCE §1 [reported] against the
// official results and the 50% rule: each official figure lay inside the PVT's interval, and
// none of those intervals could exclude a runoff on its own.
func TestCallsPublishedPVTs(t *testing.T) {
	for _, c := range []struct {
		name       string
		pvt        pvt.Estimate
		official   float64
		consistent bool
		runoff     pvt.Verdict
	}{
		// Ghana 2020, CODEO, 1,502 stations: 50.98% ± 1.20 vs official 51.302%.
		{"Ghana 2020", estimateFrom(0.5098, 0.0120), 0.51302, true, pvt.Undetermined},
		// Zimbabwe 2018, ZESN, 750 stations: 50.7% ± 2 vs official 50.8%.
		{"Zimbabwe 2018", estimateFrom(0.507, 0.02), 0.508, true, pvt.Undetermined},
		// Nigeria 2019, Yiaga, 1,515 units: 50.0–55.8% vs official 55.60%.
		{"Nigeria 2019", estimateFrom(0.529, 0.029), 0.5560, true, pvt.Undetermined},
		// Not published: the official figure 1 point beyond Ghana's interval.
		{"outside", estimateFrom(0.5098, 0.0120), 0.5318, false, pvt.Undetermined},
	} {
		t.Run(c.name, func(t *testing.T) {
			got := pvt.CheckOfficial(c.pvt, c.official, pvt.Z95)
			if (got.Verdict == pvt.Consistent) != c.consistent || got.Note["en"] == "" || got.Choice != -1 {
				t.Errorf("CheckOfficial = %+v", got)
			}
			if r := pvt.CallRunoff(c.pvt, 0.5, 0); r.Verdict != c.runoff {
				t.Errorf("CallRunoff = %+v", r)
			}
		})
	}
}

func TestCalls(t *testing.T) {
	est := func(v, se float64) pvt.Estimate { return pvt.Estimate{Value: v, SE: se} }
	for _, c := range []struct {
		margin pvt.Estimate
		want   pvt.Verdict
		choice int
	}{
		{est(0.05, 0.02), pvt.Winner, 3},        // 0.0108 … 0.0892
		{est(0.03, 0.02), pvt.Undetermined, -1}, // −0.0092 … 0.0692
		{est(-0.05, 0.02), pvt.Winner, 5},       // the second choice leads
		{est(0, 0), pvt.Undetermined, -1},       // a tie known exactly is no call
	} {
		got := pvt.CallWinner(c.margin, 3, 5, 0)
		if got.Verdict != c.want || got.Choice != c.choice || got.Critical != pvt.Z95 || got.Note["en"] == "" {
			t.Errorf("CallWinner(%+v) = %+v", c.margin, got)
		}
	}
	// At 99% the first margin is still a call; a margin of 0.045 ± 0.02 is not.
	if got := pvt.CallWinner(est(0.045, 0.02), 0, 1, pvt.Z99); got.Verdict != pvt.Undetermined {
		t.Errorf("99%%: %+v", got)
	}
	for _, c := range []struct {
		share pvt.Estimate
		want  pvt.Verdict
	}{
		{est(0.55, 0.02), pvt.RunoffNotNeeded},
		{est(0.45, 0.02), pvt.RunoffNeeded},
		{est(0.51, 0.02), pvt.Undetermined},
	} {
		if got := pvt.CallRunoff(c.share, 0.5, 0); got.Verdict != c.want {
			t.Errorf("CallRunoff(%+v) = %+v", c.share, got)
		}
	}
	if got := pvt.CheckOfficial(est(0.5, 0.01), 0.53, pvt.Z99); got.Verdict != pvt.Inconsistent || !strings.Contains(got.Note["en"], "not by itself proof") {
		t.Errorf("CheckOfficial = %+v", got)
	}
}
