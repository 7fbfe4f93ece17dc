package seats

import (
	"bytes"
	"crypto/sha256"
	"slices"
	"strings"
)

// DrawLot returns codes in an order drawn by lot from seed, for Options.Lot. The order is
// codes sorted by the SHA-256 digest of seed, one zero byte and the code, digests compared
// as bytes (then by code, should two digests be equal); anyone can recompute it, for
// example with printf '%s\0%s' "$seed" "$code" | sha256sum. The seed should be fixed in
// public before the votes are known and be unpredictable until then, for example the
// output of a public randomness beacon at an announced time. codes is not modified.
func DrawLot(seed string, codes []string) []string {
	type drawn struct {
		code   string
		digest [sha256.Size]byte
	}
	d := make([]drawn, len(codes))
	for i, c := range codes {
		d[i] = drawn{c, sha256.Sum256([]byte(seed + "\x00" + c))}
	}
	slices.SortFunc(d, func(a, b drawn) int {
		if c := bytes.Compare(a.digest[:], b.digest[:]); c != 0 {
			return c
		}
		return strings.Compare(a.code, b.code)
	})
	out := make([]string, len(d))
	for i := range d {
		out[i] = d[i].code
	}
	return out
}
