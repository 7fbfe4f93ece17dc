//go:build !race

package forensics

// raceEnabled is true when the tests run under the race detector.
const raceEnabled = false
