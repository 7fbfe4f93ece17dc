package pvt_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"hash/fnv"
	"maps"
	"math"
	"math/bits"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/iltod/iltod/stats/pvt"
)

func TestAllocate(t *testing.T) {
	tests := []struct {
		name    string
		pop     map[string]int
		size    int
		minimum int
		want    map[string]int
	}{
		// Quotas 5, 3, 1.5, 0.5: floors 5, 3, 1, 0; the one left over goes to the largest
		// remainder, c and d tie (50 each, scaled by N = 100), c comes first: 5, 3, 2, 0.
		{"largest remainder", map[string]int{"a": 50, "b": 30, "c": 15, "d": 5}, 10, 0,
			map[string]int{"a": 5, "b": 3, "c": 2, "d": 0}},
		// With minimum 2, d is raised to 2 (total 12); c is at its minimum; a and b both
		// have surplus 0, a comes first and gives one (surplus now −1), then b gives one.
		{"minimum", map[string]int{"a": 50, "b": 30, "c": 15, "d": 5}, 10, 2,
			map[string]int{"a": 4, "b": 2, "c": 2, "d": 2}},
		// A stratum smaller than the minimum is taken whole.
		{"small stratum", map[string]int{"big": 1000, "one": 1}, 10, 2,
			map[string]int{"big": 9, "one": 1}},
		{"census", map[string]int{"x": 3, "y": 4}, 7, 2, map[string]int{"x": 3, "y": 4}},
		{"empty stratum", map[string]int{"x": 30, "y": 0}, 3, 2, map[string]int{"x": 3, "y": 0}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := pvt.Allocate(tt.pop, tt.size, tt.minimum)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.Equal(got, tt.want) {
				t.Errorf("Allocate = %v, want %v", got, tt.want)
			}
		})
	}
	for _, bad := range []struct {
		pop     map[string]int
		size, m int
	}{
		{map[string]int{"a": 5}, 0, 2},
		{map[string]int{"a": 5}, 6, 2},
		{map[string]int{"a": 5, "b": 5, "c": 5}, 5, 2},
		{map[string]int{"a": -1, "b": 5}, 2, 0},
	} {
		if _, err := pvt.Allocate(bad.pop, bad.size, bad.m); !errors.Is(err, pvt.ErrInvalid) {
			t.Errorf("Allocate(%v, %d, %d) error = %v, want ErrInvalid", bad.pop, bad.size, bad.m, err)
		}
	}
}

func smallFrame() []pvt.FrameStation {
	var f []pvt.FrameStation
	for i := range 30 {
		stratum := []string{"north", "south", "west"}[i%3]
		if i >= 24 {
			stratum = "capital"
		}
		f = append(f, pvt.FrameStation{Code: fmt.Sprintf("S%02d", i), Stratum: stratum})
	}
	return f
}

// TestDrawGolden pins the draw for one frame and seed. If it changes, every stored sample
// would redraw differently: change MethodStratifiedV1 instead of this test. The expected
// value was computed by testdata/draw_reference.py, an independent Python implementation of
// the documented algorithm (run it with no arguments); the frame hash is SHA-256 of the 30
// lines "stratum\tcode\n" as computed by Python's hashlib. (The reference script also
// reproduces the Uganda draw of TestDrawUgandaFrame byte for byte.)
func TestDrawGolden(t *testing.T) {
	s, err := pvt.Draw(smallFrame(), pvt.DrawOptions{Size: 10, Seed: 20250628, Reserves: 2})
	if err != nil {
		t.Fatal(err)
	}
	got, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	const want = `{"method":"iltod/pvt/stratified-proportional-pcg-v1","seed":"20250628","size":10,"reserves":2,"min_per_stratum":2,` +
		`"frame":"sha256:1f077ad1be3c33d5faf342783b8316222823d1607ab5f2a3ee655a68e55a0fa4","strata":[` +
		`{"stratum":"capital","population":6,"stations":["S27","S26"],"reserves":["S25","S29"]},` +
		`{"stratum":"north","population":8,"stations":["S03","S09","S12"],"reserves":["S06","S15"]},` +
		`{"stratum":"south","population":8,"stations":["S04","S07","S16"],"reserves":["S01","S13"]},` +
		`{"stratum":"west","population":8,"stations":["S20","S02"],"reserves":["S14","S08"]}]}`
	if string(got) != want {
		t.Errorf("draw changed:\n got %s\nwant %s", got, want)
	}
}

// redraw is an independent implementation of the algorithm in Draw's doc comment, for a
// given allocation, written from the comment alone.
func redraw(frame []pvt.FrameStation, alloc map[string]int, seed uint64, reserves int) map[string][2][]string {
	groups := map[string][]string{}
	for _, f := range frame {
		groups[f.Stratum] = append(groups[f.Stratum], f.Code)
	}
	out := map[string][2][]string{}
	for name, a := range groups {
		h := fnv.New64a()
		h.Write([]byte(name))
		src := rand.NewPCG(seed, h.Sum64())
		U := func(m uint64) uint64 {
			for {
				hi, lo := bits.Mul64(src.Uint64(), m)
				if lo >= -m%m {
					return hi
				}
			}
		}
		n := alloc[name]
		m := min(n+reserves, len(a))
		for i := range m {
			j := i + int(U(uint64(len(a)-i)))
			a[i], a[j] = a[j], a[i]
		}
		out[name] = [2][]string{a[:n], a[n:m]}
	}
	return out
}

// TestDrawUgandaFrame draws from Uganda's 28,010 stations stratified by district and checks
// the result against the independent implementation of the documented algorithm.
func TestDrawUgandaFrame(t *testing.T) {
	u := loadUganda(t)
	frame := make([]pvt.FrameStation, len(u.stations))
	pop := map[string]int{}
	for i, s := range u.stations {
		frame[i] = pvt.FrameStation{Code: fmt.Sprintf("UG-%05d", i), Stratum: s.Stratum}
		pop[s.Stratum]++
	}
	opt := pvt.DrawOptions{Size: 1000, Seed: 0x5eed, Reserves: 3}
	s, err := pvt.Draw(frame, opt)
	if err != nil {
		t.Fatal(err)
	}
	alloc, err := pvt.Allocate(pop, 1000, 2)
	if err != nil {
		t.Fatal(err)
	}
	want := redraw(frame, alloc, opt.Seed, opt.Reserves)
	if len(s.Strata) != 112 {
		t.Errorf("%d strata, want Uganda's 112 districts", len(s.Strata))
	}
	total := 0
	for _, st := range s.Strata {
		w := want[st.Stratum]
		if !slices.Equal(st.Stations, w[0]) || !slices.Equal(st.Reserves, w[1]) || st.Population != pop[st.Stratum] {
			t.Errorf("stratum %q differs from the documented algorithm", st.Stratum)
		}
		total += len(st.Stations)
	}
	if total != 1000 {
		t.Errorf("drew %d stations, want 1000", total)
	}
	if err := s.Verify(frame); err != nil {
		t.Errorf("Verify: %v", err)
	}
	d := s.Design()
	if !maps.Equal(d.Strata, pop) || !maps.Equal(d.Sampled, alloc) {
		t.Error("Design does not give the populations and allocation")
	}
}

func TestDrawDeterministicAndFair(t *testing.T) {
	frame := smallFrame()
	a, err := pvt.Draw(frame, pvt.DrawOptions{Size: 10, Seed: 1, Reserves: 3})
	if err != nil {
		t.Fatal(err)
	}
	b, _ := pvt.Draw(frame, pvt.DrawOptions{Size: 10, Seed: 1, Reserves: 3})
	c, _ := pvt.Draw(frame, pvt.DrawOptions{Size: 10, Seed: 2, Reserves: 3})
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	jc, _ := json.Marshal(c)
	if string(ja) != string(jb) {
		t.Error("same seed, different samples")
	}
	if string(ja) == string(jc) {
		t.Error("different seeds, same sample")
	}
	stratumOf := map[string]string{}
	for _, f := range frame {
		stratumOf[f.Code] = f.Stratum
	}
	for _, st := range a.Strata {
		seen := map[string]bool{}
		for _, code := range append(slices.Clone(st.Stations), st.Reserves...) {
			if seen[code] || stratumOf[code] != st.Stratum {
				t.Errorf("stratum %q: code %q repeated or from another stratum", st.Stratum, code)
			}
			seen[code] = true
		}
		if len(st.Reserves) != min(3, st.Population-len(st.Stations)) {
			t.Errorf("stratum %q: %d reserves", st.Stratum, len(st.Reserves))
		}
	}

	// Every station of a stratum is drawn with probability n_h/N_h: over 20,000 seeds each
	// of the 8 "north" stations (3 drawn) must be in about 3/8 of the samples; the binomial
	// SD is 0.34 points, so 1.5 points is over 4 SD. The first reserve is likewise uniform
	// over the stations not drawn: each station 1/8 of the time.
	const seeds = 20000
	drawn, first := map[string]int{}, map[string]int{}
	for seed := range uint64(seeds) {
		s, err := pvt.Draw(frame, pvt.DrawOptions{Size: 10, Seed: seed, Reserves: 1})
		if err != nil {
			t.Fatal(err)
		}
		for _, code := range s.Strata[1].Stations {
			drawn[code]++
		}
		first[s.Strata[1].Reserves[0]]++
	}
	for _, f := range frame {
		if f.Stratum != "north" {
			continue
		}
		if p := float64(drawn[f.Code]) / seeds; math.Abs(p-3.0/8) > 0.015 {
			t.Errorf("%s drawn in %.3f of samples, want 0.375", f.Code, p)
		}
		if p := float64(first[f.Code]) / seeds; math.Abs(p-1.0/8) > 0.012 {
			t.Errorf("%s first reserve in %.3f of samples, want 0.125", f.Code, p)
		}
	}
}

func TestSampleJSONAndVerify(t *testing.T) {
	frame := smallFrame()
	s, err := pvt.Draw(frame, pvt.DrawOptions{Size: 12, Seed: math.MaxUint64, Reserves: 1})
	if err != nil {
		t.Fatal(err)
	}
	b, err := json.Marshal(s)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), `"seed":"18446744073709551615"`) {
		t.Errorf("seed is not a JSON string: %s", b)
	}
	var back pvt.Sample
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if err := back.Verify(frame); err != nil {
		t.Errorf("round-tripped sample does not verify: %v", err)
	}

	reordered := slices.Clone(frame)
	reordered[0], reordered[1] = reordered[1], reordered[0]
	if err := s.Verify(reordered); err == nil || !strings.Contains(err.Error(), "not the frame") {
		t.Errorf("reordered frame: %v", err)
	}
	forged := back
	forged.Strata = slices.Clone(back.Strata)
	forged.Strata[0].Stations = slices.Clone(back.Strata[0].Stations)
	forged.Strata[0].Stations[0], forged.Strata[0].Reserves[0] = back.Strata[0].Reserves[0], back.Strata[0].Stations[0]
	if err := forged.Verify(frame); err == nil {
		t.Error("a sample with a swapped station verifies")
	}
	forged = back
	forged.Seed++
	if err := forged.Verify(frame); err == nil {
		t.Error("a sample with another seed verifies")
	}
	forged = back
	forged.Method = "other"
	if err := forged.Verify(frame); err == nil {
		t.Error("a sample with an unknown method verifies")
	}
}

func TestDrawErrors(t *testing.T) {
	frame := smallFrame()
	dup := append(slices.Clone(frame), pvt.FrameStation{Code: "S01", Stratum: "west"})
	tab := append(slices.Clone(frame), pvt.FrameStation{Code: "S\t99"})
	for _, c := range []struct {
		name  string
		frame []pvt.FrameStation
		opt   pvt.DrawOptions
	}{
		{"zero size", frame, pvt.DrawOptions{}},
		{"too big", frame, pvt.DrawOptions{Size: 31}},
		{"duplicate code", dup, pvt.DrawOptions{Size: 5}},
		{"tab in code", tab, pvt.DrawOptions{Size: 5}},
		{"negative reserves", frame, pvt.DrawOptions{Size: 5, Reserves: -1}},
		{"below minimums", frame, pvt.DrawOptions{Size: 7}},
	} {
		if _, err := pvt.Draw(c.frame, c.opt); !errors.Is(err, pvt.ErrInvalid) {
			t.Errorf("%s: error %v, want ErrInvalid", c.name, err)
		}
	}
}

// TestVoterSampleSizePeru checks REFERENCE §1's worked example: Peru 2001, N = 14,570,774,
// p = 0.5, E = 0.0032, z = 2.58 gives exactly 160,717 voters (the NDI handbook prints
// 163,185, an arithmetic slip).
func TestVoterSampleSizePeru(t *testing.T) {
	n := pvt.VoterSampleSize(14570774, 0.5, 0.0032, 2.58)
	if int(n) != 160717 {
		t.Errorf("n = %.4f, want 160,717", n)
	}
}

// TestPlanSizeUganda inverts REFERENCE §1's calibration figure: if 1,000 stations give a
// standard error of ≈0.0066 for Museveni's share, a plan for a margin of error of
// 1.96 × 0.0066 at z = 1.96 must ask for about 1,000 stations.
func TestPlanSizeUganda(t *testing.T) {
	u := loadUganda(t)
	units := make([]pvt.Unit, len(u.stations))
	for i, s := range u.stations {
		units[i] = pvt.Unit{Num: s.Votes[u.museveni], Den: s.Valid}
	}
	p, err := pvt.PlanSize(units, 1.96*0.0066, 1.96, 0.8)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("plan: %+v", p)
	if p.K < 950 || p.K > 1070 {
		t.Errorf("k = %.1f stations, want ≈ 1,000", p.K)
	}
	if p.Draw != int(math.Ceil(p.K/0.8)) || p.Population != 28010 || math.Abs(p.P-0.60617) > 5e-6 {
		t.Errorf("plan %+v", p)
	}
	if !(p.K < p.K0) {
		t.Error("the finite-population correction did not reduce k")
	}
	for _, bad := range [][3]float64{{0, 1.96, 1}, {0.01, 0, 1}, {0.01, 1.96, 0}, {0.01, 1.96, 1.1}} {
		if _, err := pvt.PlanSize(units, bad[0], bad[1], bad[2]); !errors.Is(err, pvt.ErrInvalid) {
			t.Errorf("PlanSize(E, z, rate = %v): %v, want ErrInvalid", bad, err)
		}
	}
}
