//go:build !race

package storetest

// raceEnabled reports whether the race detector is on, which slows the stores tenfold
// or more.
const raceEnabled = false
