// Package seats turns vote totals into seats: list proportional representation by divisor
// and quota methods, first past the post, block vote, two-round majority, and bodies whose
// tiers are added up (parallel systems). It is a set of pure functions: no I/O, no clock,
// no randomness that is not given as an argument, safe for concurrent use. Independent
// verifiers can recompute iltod's seat figures with it.
//
// # Two levels
//
// Apportion is the arithmetic: votes per list by index, a number of seats, a method and a
// tie rule. Allocate applies an iltod.Contest's System to its Totals (votes per choice
// code and the ballot counts the system needs) and says what happened: who is elected,
// who goes to a runoff, whether the election is void, or why a seat stays unfilled.
// AllocateBody does that for every contest of an iltod.Body and adds the seats up by
// party, tier by tier: in parallel, or with the list seats compensating for the
// constituency seats (mixed-member proportional, additional members).
//
// # Rules of particular laws
//
// A list_pr contest's iltod.System and choices can carry rules that real elections use;
// docs/seats.md names the law each follows and the published result that tests it:
// threshold exemptions (Choice.ThresholdExempt), a coalition threshold, a threshold over
// the tier that decides which lists take part in each district (AllocateBody),
// qualification by constituency seats won (System.QualifyWon), list alliances
// (System.Alliances), and compensation (System.Mixed: iltod.MixedMMP with overhang kept,
// iltod.MixedAMS with divisors starting from the constituency seats, ApportionFrom).
//
// # Exact arithmetic
//
// No comparison that decides a seat is made in floating point. Divisor quotients v/d(s)
// are compared by cross-multiplication in 128-bit or arbitrary-precision integers;
// Huntington–Hill's √(s(s+1)) is compared by squaring. The Hare quota V/S is kept as the
// fraction it is: a list's quotient v·S/V has integer part ⌊v·S/V⌋ and remainder
// (v·S mod V)/V. A share given as a float64 (a threshold, a majority, a minimum share or
// turnout) is read as the shortest decimal that prints as the same float64, so 0.04 is
// exactly 4/100 and a list with exactly 4% of the base passes a 4% threshold. The float64
// shares in a Result are for display only.
//
// # Bases
//
// A share is a share of a base, named by the iltod.Base… constants:
//
//	iltod.BaseValid          Totals.Valid: valid ballots, blank ones not included
//	iltod.BaseValidAndBlank  Totals.Valid + Totals.Blank (Mongolia's presidential rule)
//	iltod.BaseListValid      the sum of the votes for the contest's lists
//
// iltod counts blank ballots apart from valid ones (cast = valid + invalid + blank), so a
// law that counts blank ballots as valid, as Mongolia's presidential law does, is written
// with the base valid_and_blank.
//
// # Ties
//
// A tie is two or more choices with the same claim to the last seats to be given: equal
// quotients, equal remainders, equal votes. Ties.Rule breaks it (iltod.TieLot,
// iltod.TieMostVotes, iltod.TieBallotOrder), and a lot, once drawn, breaks what the rule
// leaves. A tie nothing breaks is not an error: the seats not in dispute are given, and
// the result names the tied choices and the seats among them (Apportionment.Tie,
// Result.Tied). A lot is drawn outside the system; DrawLot gives a reproducible order
// from a public seed.
package seats
