package svgchart

import (
	"fmt"
	"math"
)

// viridisStops are matplotlib's viridis colour map at t = 0, 0.1, …, 1.
var viridisStops = [11][3]uint8{
	{0x44, 0x01, 0x54}, {0x48, 0x24, 0x75}, {0x41, 0x44, 0x87}, {0x35, 0x5f, 0x8d},
	{0x2a, 0x78, 0x8e}, {0x21, 0x91, 0x8c}, {0x22, 0xa8, 0x84}, {0x44, 0xbf, 0x70},
	{0x7a, 0xd1, 0x51}, {0xbd, 0xdf, 0x26}, {0xfd, 0xe7, 0x25},
}

// Viridis returns the colour of the viridis map at t as "#rrggbb": dark purple at 0,
// teal at 0.5 and yellow at 1. It is perceptually uniform and readable with the common
// colour-vision deficiencies. t is clamped to [0, 1]; NaN gives the colour at 0.
func Viridis(t float64) string {
	if !(t > 0) {
		t = 0
	}
	t = math.Min(t, 1) * 10
	i := int(t)
	if i >= 10 {
		i = 9
	}
	f := t - float64(i)
	a, b := viridisStops[i], viridisStops[i+1]
	mix := func(x, y uint8) uint8 { return uint8(math.Round(float64(x) + f*(float64(y)-float64(x)))) }
	return fmt.Sprintf("#%02x%02x%02x", mix(a[0], b[0]), mix(a[1], b[1]), mix(a[2], b[2]))
}
