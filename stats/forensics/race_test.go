//go:build race

package forensics

// raceEnabled is true when the tests run under the race detector, which slows the
// numerical loops several-fold; tests that only log extra figures skip them then.
const raceEnabled = true
