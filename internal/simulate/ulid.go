package simulate

import (
	"math/rand/v2"
	"time"
)

// crockford is the alphabet of ULIDs: Crockford's base 32, without I, L, O and U.
const crockford = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"

// ulid returns a ULID (26 characters of Crockford base 32) whose 48-bit time is t in
// milliseconds and whose 80 random bits come from g, so that a seeded generator gives
// the same ids every time.
func ulid(t time.Time, g *rand.Rand) string {
	var b [16]byte
	ms := uint64(t.UnixMilli())
	for i := 5; i >= 0; i-- {
		b[i] = byte(ms)
		ms >>= 8
	}
	hi, lo := g.Uint64(), g.Uint64()
	for i := range 8 {
		b[6+i] = byte(hi >> (8 * i))
	}
	b[14], b[15] = byte(lo), byte(lo>>8)
	// 128 bits, read as 130 with two leading zero bits, in 26 groups of five.
	var out [26]byte
	for i := range 26 {
		bit := i*5 - 2 // position of the group's first bit in b; negative for the leading pad
		v := 0
		for k := range 5 {
			p := bit + k
			v <<= 1
			if p >= 0 && b[p/8]&(0x80>>(p%8)) != 0 {
				v |= 1
			}
		}
		out[i] = crockford[v]
	}
	return string(out[:])
}
