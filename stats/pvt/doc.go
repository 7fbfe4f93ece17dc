// Package pvt estimates election results from a sample of polling stations (a parallel vote
// tabulation), plans and draws that sample, and compares observers' station results with
// official ones. It holds pure functions only: no I/O, no clocks, no global state; every
// function is safe for concurrent use.
//
// The polling station is the sampling unit: a cluster of voters, not a voter. Every estimate is
// a ratio estimator (REFERENCE §1 of the iltod design notes): for each reporting sampled
// station a numerator a_i (votes for a choice, or a difference of votes) and a denominator m_i
// (valid votes for a share, registered voters for turnout), and
//
//	R̂ = Ŷ / X̂,  Ŷ = Σ_h (N_h/n_h) Σ_i a_hi,  X̂ = Σ_h (N_h/n_h) Σ_i m_hi
//	Var(R̂) = (1/X̂²) Σ_h N_h² (1 − n_h/N_h) s²_dh / n_h,  d_hi = a_hi − R̂ m_hi
//
// over strata h with N_h stations of which n_h reported (the combined ratio estimator). A
// simple random sample is the same formula with one stratum, where it reduces to
//
//	Var(p̂) = (1 − f) / (k m̄²) · Σ (a_i − p̂ m_i)² / (k − 1),  f = k/K.
//
// Two shortcuts printed in the NDI handbook are wrong and are not offered here: treating
// sampled voters as independent understates the error about 8× (the design effect of
// station clustering is about 65 on Uganda 2016), and the per-station bound 0.5·z/√k
// overstates it about 2.4×. The tests measure both on real data.
//
// What is here:
//
//   - [Ratio] estimates one ratio from units ([Unit]) under a [Design]; [Analyze] estimates a whole
//     contest (every share, turnout, the leader's margin over the runner-up) in two passes.
//   - [CallWinner], [CallRunoff] and [CheckOfficial] turn estimates into the only claims a
//     PVT can support, each with a plain-language note.
//   - [CheckCoverage] counts reporting stations per stratum and refuses estimates from
//     strata with fewer than two ([ErrThinStratum]).
//   - [PlanSize] and [VoterSampleSize] size a sample; [Allocate] and [Draw] draw a
//     stratified sample with reserves from a recorded seed, reproducibly ([Sample.Verify]).
//   - [Match], [Paired], [Collation] and [Diagnose] compare observer and official results
//     (REFERENCE §2).
//
// Intervals use z = 1.96 (95%) and z = 2.576 (99%), the rounded constants of REFERENCE §1
// ([Z95], [Z99]); [Z] gives the exact normal quantile for any other level.
package pvt
