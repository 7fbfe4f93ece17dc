package pvt_test

import (
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"slices"
	"strconv"
	"sync"
	"testing"

	"github.com/iltod/iltod/stats/pvt"
)

// ugandaPath is Uganda's 2016 presidential results by polling station (REFERENCE §8), in the
// shared/ directory that CI checks out beside the repository.
const ugandaPath = "../../../shared/data/uganda-2016/results-by-polling-station.csv.gz"

// uganda holds the file's stations, parsed once for all tests.
type uganda struct {
	candidates []string
	stations   []pvt.Station // Votes per candidate, Valid, Cast = T.Votes, Registered; Stratum = district
	museveni   int           // index of Y.K.Museveni in candidates
	besigye    int           // index of K.Besigye.K
	// Population totals.
	registered, valid, cast float64
	votes                   []float64
}

var (
	ugandaOnce sync.Once
	ugandaData *uganda
	ugandaErr  error
)

// loadUganda returns the parsed file, skipping the test if the file is absent — unless the
// environment variable CI is set, where its absence is a failure.
func loadUganda(t testing.TB) *uganda {
	t.Helper()
	ugandaOnce.Do(func() { ugandaData, ugandaErr = parseUganda(ugandaPath) })
	if os.IsNotExist(ugandaErr) {
		if os.Getenv("CI") != "" {
			t.Fatalf("Uganda 2016 data missing in CI: %v (shared/ must be checked out beside the repository)", ugandaErr)
		}
		t.Skipf("Uganda 2016 data not found (%v): put shared/ beside the repository to run the calibration tests", ugandaErr)
	}
	if ugandaErr != nil {
		t.Fatal(ugandaErr)
	}
	return ugandaData
}

func parseUganda(path string) (*uganda, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		return nil, fmt.Errorf("uganda: %w", err)
	}
	r := csv.NewReader(gz)
	header, err := r.Read()
	if err != nil {
		return nil, fmt.Errorf("uganda header: %w", err)
	}
	col := func(name string) int { return slices.Index(header, name) }
	reg, tv, vv, dist := col("Reg.Voters"), col("T.Votes"), col("V.Votes"), col("Dist_name_2016")
	if reg < 0 || tv < reg+3 || vv < 0 || dist < 0 {
		return nil, fmt.Errorf("uganda: unexpected header %q", header)
	}
	// The candidate columns lie between Reg.Voters and T.Votes (REFERENCE §8).
	u := &uganda{candidates: header[reg+1 : tv]}
	u.museveni, u.besigye = slices.Index(u.candidates, "Y.K.Museveni"), slices.Index(u.candidates, "K.Besigye.K")
	if u.museveni < 0 || u.besigye < 0 {
		return nil, fmt.Errorf("uganda: candidates %q", u.candidates)
	}
	u.votes = make([]float64, len(u.candidates))
	num := func(rec []string, i int) (float64, error) {
		v, err := strconv.Atoi(rec[i])
		if err != nil {
			return 0, fmt.Errorf("uganda line %d, %s: %w", len(u.stations)+2, header[i], err)
		}
		return float64(v), nil
	}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("uganda: %w", err)
		}
		s := pvt.Station{Stratum: rec[dist], Votes: make([]float64, len(u.candidates))}
		for j := range u.candidates {
			if s.Votes[j], err = num(rec, reg+1+j); err != nil {
				return nil, err
			}
			u.votes[j] += s.Votes[j]
		}
		if s.Registered, err = num(rec, reg); err != nil {
			return nil, err
		}
		if s.Cast, err = num(rec, tv); err != nil {
			return nil, err
		}
		if s.Valid, err = num(rec, vv); err != nil {
			return nil, err
		}
		u.registered += s.Registered
		u.valid += s.Valid
		u.cast += s.Cast
		u.stations = append(u.stations, s)
	}
	return u, nil
}

// TestUgandaPublishedSums checks the parse against the sums in REFERENCE §8.
func TestUgandaPublishedSums(t *testing.T) {
	u := loadUganda(t)
	if len(u.stations) != 28010 {
		t.Errorf("%d stations, want 28,010", len(u.stations))
	}
	if u.registered != 15277198 {
		t.Errorf("registered = %.0f, want 15,277,198", u.registered)
	}
	if u.valid != 9851812 || u.votes[u.museveni] != 5971872 {
		t.Errorf("Museveni %.0f of %.0f valid, want 5,971,872 of 9,851,812", u.votes[u.museveni], u.valid)
	}
	if got := math.Round(100000*u.votes[u.museveni]/u.valid) / 1000; got != 60.617 {
		t.Errorf("Museveni share = %.3f%%, want 60.617%%", got)
	}
}

// spread accumulates repeated estimates of one true value.
type spread struct {
	truth        float64
	sum, sum2    float64
	seSum        float64
	cover95      int
	cover99      int
	n            int
	naiveSE      float64 // Σ of the "independent voters" standard error
	stationBound float64 // Σ of the per-station bound 0.5/√k
}

func (s *spread) add(e pvt.Estimate) {
	s.n++
	s.sum += e.Value
	s.sum2 += e.Value * e.Value
	s.seSum += e.SE
	if e.Low95 <= s.truth && s.truth <= e.High95 {
		s.cover95++
	}
	if e.Low99 <= s.truth && s.truth <= e.High99 {
		s.cover99++
	}
}

func (s *spread) sd() float64 {
	m := s.sum / float64(s.n)
	return math.Sqrt((s.sum2 - float64(s.n)*m*m) / float64(s.n-1))
}
func (s *spread) meanSE() float64   { return s.seSum / float64(s.n) }
func (s *spread) coverage() float64 { return float64(s.cover95) / float64(s.n) }
func (s *spread) bias() float64     { return s.sum/float64(s.n) - s.truth }

// check asserts REFERENCE §1's calibration claim for one quantity: 95% intervals cover the
// truth 93–97% of the time, and the mean standard error is within 10% of the spread (the
// standard deviation of the estimates over the repeated samples).
func (s *spread) check(t *testing.T, what string) {
	t.Helper()
	ratio := s.meanSE() / s.sd()
	t.Logf("%s: truth %.5f, bias %+.5f, mean SE %.5f, SD of estimates %.5f (ratio %.3f), coverage 95%%: %.1f%%, 99%%: %.1f%%",
		what, s.truth, s.bias(), s.meanSE(), s.sd(), ratio, 100*s.coverage(), 100*float64(s.cover99)/float64(s.n))
	if c := s.coverage(); c < 0.93 || c > 0.97 {
		t.Errorf("%s: 95%% intervals cover the truth %.1f%% of the time, want 93–97%%", what, 100*c)
	}
	if ratio < 0.9 || ratio > 1.1 {
		t.Errorf("%s: mean SE %.5f is not within 10%% of the SD of the estimates %.5f", what, s.meanSE(), s.sd())
	}
}

// partialShuffle moves a uniform random sample of k of a's elements to a[:k] (partial
// Fisher–Yates; a need not be in any particular order).
func partialShuffle(rng *rand.Rand, a []int, k int) {
	for i := range k {
		j := i + rng.IntN(len(a)-i)
		a[i], a[j] = a[j], a[i]
	}
}

const (
	reps       = 1000 // repeated samples per design
	sampleSize = 1000 // stations per sample
)

// TestUgandaCalibrationSRS draws simple random samples of 1,000 of Uganda's 28,010 stations
// and checks that the estimator's intervals and standard errors are honest for Museveni's
// share, his margin over Besigye (a_i = v_M − v_B) and turnout. It also measures the two
// shortcuts REFERENCE §1 calls wrong, against the observed spread of the estimates.
func TestUgandaCalibrationSRS(t *testing.T) {
	u := loadUganda(t)
	K := len(u.stations)
	M, B := u.museveni, u.besigye
	share := &spread{truth: u.votes[M] / u.valid}
	margin := &spread{truth: (u.votes[M] - u.votes[B]) / u.valid}
	turnout := &spread{truth: u.cast / u.registered}
	design := pvt.SRS(K, sampleSize)
	rng := rand.New(rand.NewPCG(2016, 1))
	idx := make([]int, K)
	for i := range idx {
		idx[i] = i
	}
	units := make([]pvt.Unit, sampleSize)
	for range reps {
		partialShuffle(rng, idx, sampleSize)
		var voters float64
		for i, s := range idx[:sampleSize] {
			st := &u.stations[s]
			units[i] = pvt.Unit{Num: st.Votes[M], Den: st.Valid}
			voters += st.Valid
		}
		e, err := pvt.Ratio(units, design)
		if err != nil {
			t.Fatal(err)
		}
		share.add(e)
		// Shortcut 1: the sample's voters taken as independent draws, SE = √(p̂(1−p̂)/Σm).
		share.naiveSE += math.Sqrt(e.Value * (1 - e.Value) / voters)
		// Shortcut 2: the per-station bound 0.5·z/√k, as a standard error 0.5/√k.
		share.stationBound += 0.5 / math.Sqrt(sampleSize)

		for i, s := range idx[:sampleSize] {
			st := &u.stations[s]
			units[i] = pvt.Unit{Num: st.Votes[M] - st.Votes[B], Den: st.Valid}
		}
		if e, err = pvt.Ratio(units, design); err != nil {
			t.Fatal(err)
		}
		margin.add(e)

		for i, s := range idx[:sampleSize] {
			st := &u.stations[s]
			units[i] = pvt.Unit{Num: st.Cast, Den: st.Registered}
		}
		if e, err = pvt.Ratio(units, design); err != nil {
			t.Fatal(err)
		}
		turnout.add(e)
	}
	share.check(t, "SRS Museveni share")
	margin.check(t, "SRS Museveni−Besigye margin")
	turnout.check(t, "SRS turnout")

	// REFERENCE §1 [checked]: SRS of 1,000 stations gives SE ≈ 0.0066 for the leader's share.
	if se := share.meanSE(); se < 0.0063 || se > 0.0069 {
		t.Errorf("mean SE of Museveni's share = %.5f, REFERENCE §1 says ≈ 0.0066", se)
	}
	// REFERENCE §1: treating voters as independent understates the error about 8×
	// (design effect ≈ 65); the per-station bound 0.5·z/√k overstates it about 2.4×.
	// Both are measured here against the observed spread of the estimates.
	under := share.sd() / (share.naiveSE / float64(share.n))
	over := (share.stationBound / float64(share.n)) / share.sd()
	t.Logf("independent-voters SE understates the spread %.2f× (design effect %.1f); 0.5/√k overstates it %.2f×", under, under*under, over)
	if under < 7.2 || under > 8.8 || under*under < 52 || under*under > 78 {
		t.Errorf("independent-voters shortcut understates %.2f× (design effect %.1f), REFERENCE says ≈ 8× (≈ 65)", under, under*under)
	}
	if over < 2.2 || over > 2.6 {
		t.Errorf("per-station bound overstates %.2f×, REFERENCE says ≈ 2.4×", over)
	}
}

// ugandaStrata returns Uganda's districts as strata: their labels in order, the station
// indices per district in file order, and the design for a proportional allocation of size
// stations with at least 2 per district.
func ugandaStrata(t *testing.T, u *uganda, size int) (names []string, members map[string][]int, design pvt.Design) {
	t.Helper()
	members = map[string][]int{}
	pop := map[string]int{}
	for i, s := range u.stations {
		members[s.Stratum] = append(members[s.Stratum], i)
		pop[s.Stratum]++
	}
	alloc, err := pvt.Allocate(pop, size, 2)
	if err != nil {
		t.Fatal(err)
	}
	for name := range pop {
		names = append(names, name)
	}
	slices.Sort(names)
	return names, members, pvt.Design{Strata: pop, Sampled: alloc}
}

// drawStratified returns the indices of a fresh stratified sample under design, reusing buf.
func drawStratified(rng *rand.Rand, names []string, members map[string][]int, design pvt.Design, buf []int) []int {
	buf = buf[:0]
	for _, h := range names {
		partialShuffle(rng, members[h], design.Sampled[h])
		buf = append(buf, members[h][:design.Sampled[h]]...)
	}
	return buf
}

// TestUgandaCalibrationStratified draws stratified samples of 1,000 stations, the strata
// being Uganda's 112 districts with proportional allocation (at least 2 per district), and
// checks the combined ratio estimator through Analyze: every quantity's interval covers
// the truth 93–97% of the time and its mean SE is within 10% of the spread.
func TestUgandaCalibrationStratified(t *testing.T) {
	u := loadUganda(t)
	names, members, design := ugandaStrata(t, u, sampleSize)
	M, B := u.museveni, u.besigye
	share := &spread{truth: u.votes[M] / u.valid}
	besigye := &spread{truth: u.votes[B] / u.valid}
	margin := &spread{truth: (u.votes[M] - u.votes[B]) / u.valid}
	turnout := &spread{truth: u.cast / u.registered}
	rng := rand.New(rand.NewPCG(2016, 2))
	var idx []int
	sample := make([]pvt.Station, sampleSize)
	var runoffNotNeeded, winnerCalled int
	for range reps {
		idx = drawStratified(rng, names, members, design, idx)
		for i, s := range idx {
			sample[i] = u.stations[s]
		}
		r, err := pvt.Analyze(sample, design, pvt.Options{Majority: 0.5})
		if err != nil {
			t.Fatal(err)
		}
		if r.Leader != M || r.RunnerUp != B {
			t.Fatalf("leader %d, runner-up %d, want Museveni %d and Besigye %d", r.Leader, r.RunnerUp, M, B)
		}
		share.add(r.Shares[M])
		besigye.add(r.Shares[B])
		margin.add(r.Margin)
		turnout.add(*r.Turnout)
		if r.Runoff.Call.Verdict == pvt.RunoffNotNeeded {
			runoffNotNeeded++
		}
		if r.Winner.Verdict == pvt.Winner && r.Winner.Choice == M {
			winnerCalled++
		}
	}
	share.check(t, "stratified Museveni share")
	besigye.check(t, "stratified Besigye share")
	margin.check(t, "stratified Museveni−Besigye margin")
	turnout.check(t, "stratified turnout")
	// Museveni won with 60.6% and a 25-point margin: every sample must say so.
	if runoffNotNeeded != reps || winnerCalled != reps {
		t.Errorf("runoff not needed in %d and winner called in %d of %d samples, want all", runoffNotNeeded, winnerCalled, reps)
	}
}

// TestUgandaCollation checks the collation test (REFERENCE §2) on the real official station
// results. The national total is either as published, or tampered by moving 1% of all valid
// votes (98,518) from Besigye to Museveni in the national total only, the stations' results
// unchanged. Untampered, |z| ≤ 1.96 must hold in 93–97% of samples. Tampered, the test's power
// depends on the sample size: the shift is 1 point of the share, and the test flags it
// reliably only when 1.96 + 1.64 standard errors fit within that point (95% power). With
// district strata the SE of the share is ≈0.0042 at 1,000 stations — so about two thirds of
// samples flag it — and ≈0.0023 at 3,000 stations, where nearly all must.
func TestUgandaCollation(t *testing.T) {
	u := loadUganda(t)
	M, B := u.museveni, u.besigye
	moved := math.Round(0.01 * u.valid)
	fields := []struct {
		name          string
		num           func(s *pvt.Station) float64
		honest, fixed float64 // official national figure without and with the tampering
	}{
		{"Museveni share", func(s *pvt.Station) float64 { return s.Votes[M] },
			u.votes[M] / u.valid, (u.votes[M] + moved) / u.valid},
		{"Museveni−Besigye margin", func(s *pvt.Station) float64 { return s.Votes[M] - s.Votes[B] },
			(u.votes[M] - u.votes[B]) / u.valid, (u.votes[M] - u.votes[B] + 2*moved) / u.valid},
	}
	type tally struct {
		quiet, flagged         int
		zHonest, zFixed, power float64
	}
	for _, run := range []struct{ size, reps int }{{1000, reps}, {3000, reps / 2}} {
		size, reps := run.size, run.reps
		names, members, design := ugandaStrata(t, u, size)
		rng := rand.New(rand.NewPCG(2016, uint64(size)))
		var idx []int
		units := make([]pvt.Unit, size)
		tallies := make([]tally, len(fields))
		for range reps {
			idx = drawStratified(rng, names, members, design, idx)
			for k, f := range fields {
				for i, s := range idx {
					st := &u.stations[s]
					units[i] = pvt.Unit{Stratum: st.Stratum, Num: f.num(st), Den: st.Valid}
				}
				p, err := pvt.Ratio(units, design)
				if err != nil {
					t.Fatal(err)
				}
				honest, fixed := pvt.Collation(p, f.honest, pvt.Z95), pvt.Collation(p, f.fixed, pvt.Z95)
				tl := &tallies[k]
				if honest.Verdict == pvt.Consistent {
					tl.quiet++
				}
				if fixed.Verdict == pvt.Inconsistent {
					tl.flagged++
				}
				tl.zHonest += math.Abs(honest.Z)
				tl.zFixed += fixed.Z
				// Normal-theory power of this sample's test against the shift it faces.
				shift := (f.fixed - f.honest) / fixed.Estimate.SE
				tl.power += normalCDF(shift-pvt.Z95) + normalCDF(-shift-pvt.Z95)
			}
		}
		for k, f := range fields {
			tl := tallies[k]
			q, fl, power := float64(tl.quiet)/float64(reps), float64(tl.flagged)/float64(reps), tl.power/float64(reps)
			t.Logf("collation, %s, stratified n=%d, %d samples: untampered |z| ≤ 1.96 in %.1f%% (mean |z| %.2f); 1%% of votes moved at collation: flagged in %.1f%% (normal theory %.1f%%), mean z %.2f",
				f.name, size, reps, 100*q, tl.zHonest/float64(reps), 100*fl, 100*power, tl.zFixed/float64(reps))
			if q < 0.93 || q > 0.97 {
				t.Errorf("%s, n=%d: untampered total judged consistent in %.1f%% of samples, want 93–97%%", f.name, size, 100*q)
			}
			// The flag rate must be the power the standard errors promise (binomial
			// SD ≤ 1.6 points over 1,000 samples, ≤ 2.3 over 500).
			if math.Abs(fl-power) > 0.05 {
				t.Errorf("%s, n=%d: tampering flagged in %.1f%% of samples, normal theory says %.1f%%", f.name, size, 100*fl, 100*power)
			}
			if size == 3000 && (fl < 0.95 || tl.zFixed/float64(reps) < 3.5) {
				t.Errorf("%s, n=%d: tampering flagged in only %.1f%% of samples (mean z %.2f), want ≥ 95%% and mean z ≥ 3.5", f.name, size, 100*fl, tl.zFixed/float64(reps))
			}
		}
	}
}

func normalCDF(x float64) float64 { return 0.5 * math.Erfc(-x/math.Sqrt2) }

// TestUgandaPaired checks the paired test (REFERENCE §2) with simulated observers on the
// real station results. Observers copy the official count at 95% of sampled stations and
// misread Museveni's count by 1–5 votes either way at the other 5% (Besigye's by 0–5):
// honest transcription noise, which the test must not flag beyond its 5% false-alarm rate.
// Then the official results of the sampled stations are tampered with by moving votes from
// Besigye to Museveni: 1% of each station's valid votes at every station ("spread"), or 10%
// at one station in ten ("concentrated"); both must be flagged in every sample.
func TestUgandaPaired(t *testing.T) {
	u := loadUganda(t)
	const reps = 600 // enough for a 92–98% band (binomial SD 0.9 points); keeps the race-detector run short
	names, members, design := ugandaStrata(t, u, sampleSize)
	M, B := u.museveni, u.besigye
	rng := rand.New(rand.NewPCG(2016, 4))
	var idx []int
	pairs := make([]pvt.Pair, sampleSize)
	for i := range pairs {
		pairs[i].Observed, pairs[i].Official = make([]float64, 2), make([]float64, 2)
	}
	// tamper returns the official counts of station st when a fraction of its valid votes
	// is moved from Besigye to Museveni.
	tamper := func(st *pvt.Station, fraction float64) (m, b float64) {
		moved := min(math.Round(fraction*st.Valid), st.Votes[B])
		return st.Votes[M] + moved, st.Votes[B] - moved
	}
	var quiet, spreadFlagged, concFlagged, exactOK int
	var zHonest, zSpread, zConc, dSpread float64
	for range reps {
		idx = drawStratified(rng, names, members, design, idx)
		noisy := 0
		for i, s := range idx {
			st := &u.stations[s]
			p := &pairs[i]
			p.Station, p.Stratum, p.Den = strconv.Itoa(s), st.Stratum, st.Valid
			p.Observed[0], p.Observed[1] = st.Votes[M], st.Votes[B]
			if rng.Float64() < 0.05 {
				e := float64(1 + rng.IntN(5))
				if rng.IntN(2) == 0 {
					e = -e
				}
				p.Observed[0] = max(0, p.Observed[0]+e)
				p.Observed[1] = max(0, p.Observed[1]+float64(rng.IntN(11)-5))
			}
			p.Official[0], p.Official[1] = st.Votes[M], st.Votes[B]
			if p.Observed[0] != p.Official[0] || p.Observed[1] != p.Official[1] {
				noisy++ // clipping at 0 can undo a misreading
			}
		}
		honest, err := pvt.Paired(pairs, 0, design, pvt.Z95)
		if err != nil {
			t.Fatal(err)
		}
		if honest.Verdict == pvt.Consistent {
			quiet++
		}
		zHonest += math.Abs(honest.Z)
		m, err := pvt.Match(pairs, 0)
		if err != nil {
			t.Fatal(err)
		}
		if m.Exact == sampleSize-noisy && m.Flagged == noisy {
			exactOK++
		}

		for i, s := range idx {
			pairs[i].Official[0], pairs[i].Official[1] = tamper(&u.stations[s], 0.01)
		}
		spread, err := pvt.Paired(pairs, 0, design, pvt.Z95)
		if err != nil {
			t.Fatal(err)
		}
		if spread.Verdict == pvt.Inconsistent && spread.Z < 0 {
			spreadFlagged++
		}
		zSpread += spread.Z
		dSpread += spread.Estimate.Value

		for i, s := range idx {
			st := &u.stations[s]
			pairs[i].Official[0], pairs[i].Official[1] = st.Votes[M], st.Votes[B]
			if rng.IntN(10) == 0 {
				pairs[i].Official[0], pairs[i].Official[1] = tamper(st, 0.10)
			}
		}
		conc, err := pvt.Paired(pairs, 0, design, pvt.Z95)
		if err != nil {
			t.Fatal(err)
		}
		if conc.Verdict == pvt.Inconsistent && conc.Z < 0 {
			concFlagged++
		}
		zConc += conc.Z
	}
	q := float64(quiet) / reps
	t.Logf("paired test, stratified n=%d, %d samples: honest (5%% of stations misread) |z| ≤ 1.96 in %.1f%% (mean |z| %.2f); 1%% moved at every station: flagged in %.1f%%, mean D̂ %.4f, mean z %.1f; 10%% moved at 1 station in 10: flagged in %.1f%%, mean z %.1f",
		sampleSize, reps, 100*q, zHonest/reps, 100*float64(spreadFlagged)/reps, dSpread/reps, zSpread/reps, 100*float64(concFlagged)/reps, zConc/reps)
	if q < 0.92 || q > 0.98 {
		t.Errorf("honest observers judged consistent in %.1f%% of samples, want 92–98%%", 100*q)
	}
	if spreadFlagged != reps || concFlagged != reps {
		t.Errorf("tampering flagged in %d (spread) and %d (concentrated) of %d samples, want all", spreadFlagged, concFlagged, reps)
	}
	if exactOK != reps {
		t.Errorf("exact-match count off the simulated count in %d of %d samples", reps-exactOK, reps)
	}
}

// TestUgandaDiagnose runs both comparison tests on one sample of 3,000 stations whose
// national total was tampered with at collation while the stations agree with observers, and
// checks that Diagnose places the problem in collation.
func TestUgandaDiagnose(t *testing.T) {
	u := loadUganda(t)
	names, members, design := ugandaStrata(t, u, 3000)
	M, B := u.museveni, u.besigye
	idx := drawStratified(rand.New(rand.NewPCG(2016, 5)), names, members, design, nil)
	var pairs []pvt.Pair
	var official []pvt.Unit
	for _, s := range idx {
		st := &u.stations[s]
		counts := []float64{st.Votes[M], st.Votes[B]}
		pairs = append(pairs, pvt.Pair{Station: strconv.Itoa(s), Stratum: st.Stratum, Observed: counts, Official: counts, Den: st.Valid})
		official = append(official, pvt.Unit{Stratum: st.Stratum, Num: st.Votes[M], Den: st.Valid})
	}
	paired, err := pvt.Paired(pairs, 0, design, 0)
	if err != nil {
		t.Fatal(err)
	}
	national := (u.votes[M] + math.Round(0.01*u.valid)) / u.valid
	p, err := pvt.Ratio(official, design)
	if err != nil {
		t.Fatal(err)
	}
	collation := pvt.Collation(p, national, 0)
	d := pvt.Diagnose(paired, collation)
	t.Logf("paired z = %.2f, collation z = %.2f: %s", paired.Z, collation.Z, d.Note["en"])
	if paired.Z != 0 || collation.Verdict != pvt.Inconsistent || d.Verdict != pvt.Inconsistent ||
		d.Note["en"] != "Stations agree with observers but the national total does not: the problem is in collation, not at the station." {
		t.Errorf("paired %+v, collation %+v, diagnosis %+v", paired, collation, d)
	}
}
