package topomap

import (
	"fmt"
	"math"
)

// ylGnBu is ColorBrewer's sequential YlGnBu scheme (9 classes) without its palest
// class, which is hard to tell from a white page. It is colour-blind safe and reads
// light to dark as little to much.
var ylGnBu = [8][3]uint8{
	{0xed, 0xf8, 0xb1}, {0xc7, 0xe9, 0xb4}, {0x7f, 0xcd, 0xbb}, {0x41, 0xb6, 0xc4},
	{0x1d, 0x91, 0xc0}, {0x22, 0x5e, 0xa8}, {0x25, 0x34, 0x94}, {0x08, 0x1d, 0x58},
}

// Sequential returns the colour of v on a light-to-dark sequential scale from lo to hi,
// as "#rrggbb": pale yellow at lo, green-blue in the middle and dark blue at hi. Values
// outside [lo, hi] are clamped. It returns "" if v is NaN, which Render draws as no
// data; if hi ≤ lo every value gets the middle colour.
func Sequential(v, lo, hi float64) string {
	if math.IsNaN(v) {
		return ""
	}
	t := 0.5
	if hi > lo {
		t = (v - lo) / (hi - lo)
	}
	t = math.Min(math.Max(t, 0), 1) * float64(len(ylGnBu)-1)
	i := min(int(t), len(ylGnBu)-2)
	f := t - float64(i)
	a, b := ylGnBu[i], ylGnBu[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return fmt.Sprintf("#%02x%02x%02x", mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2]))
}

// SequentialLegend returns steps legend entries (at least 2) for the Sequential scale
// from lo to hi: the colours at evenly spaced values from lo to hi, each labelled with
// format(value), e.g. "0%", "25%", … "100%".
func SequentialLegend(lo, hi float64, steps int, format func(v float64) string) []LegendEntry {
	steps = max(steps, 2)
	out := make([]LegendEntry, steps)
	for i := range out {
		v := lo + (hi-lo)*float64(i)/float64(steps-1)
		out[i] = LegendEntry{Fill: Sequential(v, lo, hi), Label: format(v)}
	}
	return out
}
