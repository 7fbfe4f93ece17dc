// Package forensics computes statistical screens of polling-station results: the
// integer-percentage test, the turnout × vote-share fingerprint with its cumulative curve,
// digit tests and simple flags.
//
// Every function is pure: it reads its arguments, performs no I/O, keeps no state between
// calls and is safe for concurrent use. The integer-percentage functions may run several
// goroutines internally (up to runtime.GOMAXPROCS); their results do not depend on how many.
//
// # Screens, never verdicts
//
// Each result carries a Note, in English ("en") and Mongolian ("mn"), that says what the
// screen can and cannot show. A screen points at numbers worth a closer look; it does not
// prove that a result was falsified, and a clean screen does not prove that it was not.
// Pages that show a result must show its Note with it.
//
// # Input
//
// The unit is a Station: its registered voters V, ballots issued G, ballots found in the
// box R (valid plus invalid) and the votes L of the leader — the national winner, chosen by
// the caller and the same for every station. Where a source has no separate count of
// ballots issued (Uganda 2016, for example), callers set Issued = Found and turnout becomes
// ballots found over registered voters.
//
// # References
//
//   - D. Kobak, S. Shpilkin, M. S. Pshenichnikov (2016), "Integer percentages as electoral
//     falsification fingerprints", Annals of Applied Statistics 10(1), 54–73.
//   - P. Klimek, Y. Yegorov, R. Hanel, S. Thurner (2012), "Statistical detection of
//     systematic election irregularities", PNAS 109(41), 16469–16473.
//   - J. Deckert, M. Myagkov, P. C. Ordeshook (2011), "Benford's Law and the detection of
//     election fraud", Political Analysis 19(3), 245–268.
//   - W. Hörmann (1993), "The generation of binomial random variates", Journal of
//     Statistical Computation and Simulation 46, 101–110 (the BTRS sampler of the Monte
//     Carlo null).
package forensics
