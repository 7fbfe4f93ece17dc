package iltod

// CanonicalWire exposes canonicalWire to the external tests: the key, payload and sig
// it read, and whether the data was in the canonical form.
func CanonicalWire(data []byte) ([3]string, bool) {
	f, ok := canonicalWire(data)
	return [3]string{string(f[0]), string(f[1]), string(f[2])}, ok
}
