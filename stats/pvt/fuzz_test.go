package pvt_test

import (
	"encoding/json"
	"math"
	"strconv"
	"testing"

	"github.com/iltod/iltod/stats/pvt"
)

// FuzzAllocate checks Allocate's contract on arbitrary strata: the allocation sums to the
// size, never exceeds a stratum, honours the minimum, and stays within one station of the
// proportional quota wherever no minimum intervened.
func FuzzAllocate(f *testing.F) {
	f.Add([]byte{50, 30, 15, 5}, 10, 2)
	f.Add([]byte{1, 0, 200, 3}, 7, 1)
	f.Add([]byte{255}, 255, 0)
	f.Fuzz(func(t *testing.T, sizes []byte, size, minimum int) {
		if len(sizes) > 64 {
			return
		}
		pop := map[string]int{}
		N := 0
		for i, b := range sizes {
			pop[strconv.Itoa(i)] = int(b)
			N += int(b)
		}
		got, err := pvt.Allocate(pop, size, minimum)
		if err != nil {
			return
		}
		total, raised := 0, false
		for h, n := range got {
			floor := min(minimum, pop[h])
			if n < floor || n > pop[h] {
				t.Fatalf("stratum %s: %d of %d (minimum %d)", h, n, pop[h], minimum)
			}
			total += n
			q := float64(size) * float64(pop[h]) / float64(N)
			raised = raised || q < float64(floor)
		}
		if total != size {
			t.Fatalf("allocated %d, want %d", total, size)
		}
		if !raised {
			for h, n := range got {
				if q := float64(size) * float64(pop[h]) / float64(N); math.Abs(float64(n)-q) >= 1 {
					t.Fatalf("stratum %s: %d, quota %.3f", h, n, q)
				}
			}
		}
	})
}

// FuzzRatio feeds arbitrary counts to Ratio: it must return an error or a finite estimate
// with a non-negative SE, never panic.
func FuzzRatio(f *testing.F) {
	f.Add([]byte{3, 10, 5, 10, 2, 4, 1, 4, 3, 8}, uint8(10), uint8(6))
	f.Add([]byte{0, 0, 0, 0}, uint8(2), uint8(2))
	f.Fuzz(func(t *testing.T, data []byte, na, nb uint8) {
		var units []pvt.Unit
		for i := 0; i+1 < len(data); i += 2 {
			units = append(units, pvt.Unit{Stratum: []string{"a", "b"}[i/2%2], Num: float64(int8(data[i])), Den: float64(data[i+1])})
		}
		e, err := pvt.Ratio(units, pvt.Design{Strata: map[string]int{"a": int(na), "b": int(nb)}})
		if err != nil {
			return
		}
		if math.IsNaN(e.Value) || math.IsInf(e.Value, 0) || !(e.SE >= 0) || math.IsInf(e.SE, 0) || e.Low95 > e.Value || e.High99 < e.High95 {
			t.Fatalf("estimate %+v from %v", e, units)
		}
	})
}

// FuzzSampleVerify reads arbitrary JSON as a stored Sample: decoding, Design and Verify must
// never panic, and Verify must accept only the sample Draw gives.
func FuzzSampleVerify(f *testing.F) {
	frame := smallFrame()
	good, err := pvt.Draw(frame, pvt.DrawOptions{Size: 10, Seed: 3, Reserves: 1})
	if err != nil {
		f.Fatal(err)
	}
	b, _ := json.Marshal(good)
	f.Add(b)
	f.Add([]byte(`{"method":"iltod/pvt/stratified-proportional-pcg-v1","seed":"1","size":99,"strata":[{"stratum":"x"}]}`))
	f.Add([]byte(`{"seed":"-1","strata":null}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		var s pvt.Sample
		if json.Unmarshal(data, &s) != nil {
			return
		}
		_ = s.Design()
		if s.Verify(frame) != nil {
			return
		}
		again, err := pvt.Draw(frame, pvt.DrawOptions{Size: s.Size, Seed: s.Seed, Reserves: s.Reserves, MinPerStratum: s.MinPerStratum})
		if err != nil {
			t.Fatalf("verified sample cannot be redrawn: %v", err)
		}
		x, _ := json.Marshal(again)
		y, _ := json.Marshal(s)
		if string(x) != string(y) {
			t.Fatalf("verified sample\n%s\ndiffers from the draw\n%s", y, x)
		}
	})
}
