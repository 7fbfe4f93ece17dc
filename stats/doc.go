// Package stats is the root of iltod's statistics: public packages of pure functions (no
// I/O, no clocks, no global state) that independent verifiers can run to recompute every
// number iltod publishes. [github.com/iltod/iltod/stats/pvt] estimates results from a sample
// of polling stations, plans and draws that sample, and compares observers' counts with
// official ones; stats/forensics holds statistical screens of station results (screens,
// never verdicts); stats/seats allocates seats. The formulas and their sources are in the
// design notes' REFERENCE; each package's tests check them against published figures and
// real data.
package stats
