// Package qa decides how far an observer's answers can be trusted: it expands a form for
// one polling station (Expand), validates answers against it (Sheet.ValidateAnswers), and
// runs the built-in results checks and the rules written in the form (Sheet.Check). Two
// more checks judge where and when a device made a report, whatever its form:
// CheckGeofence and CheckDeviceClock.
//
// Everything here is a pure function of its arguments: no I/O, no clock, no globals that
// change. A Sheet is never changed after Expand returns it, so it is safe for concurrent
// use by any number of goroutines.
//
// A check never drops a report and never reads a missing or "not applicable" answer as
// zero: a check that needs an answer it does not have is skipped. docs/qa.md describes
// every check and the rule language for the coordinators who write forms.
package qa

import "github.com/iltod/iltod"

// The codes of the built-in checks. They are part of the contract: reports store them,
// and a form's checks.disable names them.
const (
	// OverVoting: ballots issued and ballots in the box are at most the registered voters
	// plus the form's allowance.
	OverVoting = "over-voting"
	// ValidSum: valid ballots equal the sum of the choices' votes, in single-choice
	// contests (fptp, two_round, list_pr) only.
	ValidSum = "valid-sum"
	// CastSum: ballots in the box equal valid plus invalid ballots, plus blank ballots
	// where the form counts them apart.
	CastSum = "cast-sum"
	// Reconciliation: ballots in the box are within the form's tolerance of the ballots
	// issued.
	Reconciliation = "reconciliation"
	// BlockCandidateLECast: in a block vote, no candidate has more votes than there are
	// ballots in the box.
	BlockCandidateLECast = "block-candidate-le-cast"
	// BlockSumLESeatsValid: in a block vote, the candidates' votes add up to at most seats
	// times the valid ballots.
	BlockSumLESeatsValid = "block-sum-le-seats-valid"
	// MachineManual: the machine and the manual count of each choice differ by at most the
	// form's tolerance.
	MachineManual = "machine-manual"
)

// builtinOrder lists the codes of the built-in checks in the order Check runs them.
var builtinOrder = []string{
	OverVoting, ValidSum, CastSum, Reconciliation,
	BlockCandidateLECast, BlockSumLESeatsValid, MachineManual,
}

// Builtins returns the codes of the built-in checks in the order Check runs them. The
// slice is a fresh copy on each call.
func Builtins() []string { return append([]string(nil), builtinOrder...) }

// config is a form's ResultChecks with the defaults filled in; shares are held in parts
// per million so that every comparison is exact integer arithmetic.
type config struct {
	overVoteBallots int64
	overVotePPM     int64
	reconcilePPM    int64
	machineManual   int64
	disabled        map[string]bool
}

const million = 1_000_000

func ppm(share float64) int64 {
	if !(share > 0) {
		return 0
	}
	if share >= 1 {
		return million
	}
	return int64(share*million + 0.5)
}

func newConfig(c *iltod.ResultChecks) config {
	cfg := config{reconcilePPM: ppm(iltod.DefaultReconciliationTolerance), disabled: map[string]bool{}}
	if c == nil {
		return cfg
	}
	cfg.overVoteBallots = max(c.OverVoteBallots, 0)
	cfg.overVotePPM = ppm(c.OverVoteShare)
	if c.ReconciliationTolerance != nil {
		cfg.reconcilePPM = ppm(*c.ReconciliationTolerance)
	}
	cfg.machineManual = max(c.MachineManualTolerance, 0)
	for _, d := range c.Disable {
		cfg.disabled[d] = true
	}
	return cfg
}
