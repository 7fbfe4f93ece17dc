package pvt

import (
	"fmt"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Verdict names the outcome of a call or test. The values are stable strings, fit for JSON
// and for keys of translated messages.
type Verdict string

// The verdicts.
const (
	// Undetermined: the interval is too wide for the claim either way.
	Undetermined Verdict = "undetermined"
	// Winner: the interval of the margin excludes 0; Call.Choice is the winner.
	Winner Verdict = "winner"
	// RunoffNeeded: the leader's whole interval lies below the majority.
	RunoffNeeded Verdict = "runoff_needed"
	// RunoffNotNeeded: the leader's whole interval lies above the majority.
	RunoffNotNeeded Verdict = "runoff_not_needed"
	// Consistent: the figure tested lies within what sampling error explains.
	Consistent Verdict = "consistent"
	// Inconsistent: the figure tested lies beyond what sampling error explains at the
	// chosen level.
	Inconsistent Verdict = "inconsistent"
)

// Call is a claim a PVT can support, with a note in plain language of what it means and
// what it cannot mean, in every language of the message catalogue (stats.pvt.*).
type Call struct {
	Verdict Verdict `json:"verdict"`
	// Choice is the index of the called winner for a Winner verdict, and -1 otherwise.
	Choice int `json:"choice"`
	// Critical is the normal quantile z the interval was built with (1.96 for 95%).
	Critical float64    `json:"critical"`
	Note     iltod.Text `json:"note"`
}

// note returns the catalogue's note stats.pvt.<name> with args in every language.
func note(name string, args locales.Args) iltod.Text {
	return locales.Text("stats.pvt."+name, args)
}

// choice writes a choice's index for a note.
func choice(i int) string { return strconv.Itoa(i) }

func zOr95(z float64) float64 {
	if z > 0 {
		return z
	}
	return Z95
}

// CallWinner calls the winner between choices first and second from margin, the estimate of
// (votes[first] − votes[second]) / valid made with a_i = v_first,i − v_second,i
// (REFERENCE §1). A winner is called only if the interval margin ∓ z·SE excludes 0: first if
// it lies above 0, second if below; otherwise the verdict is Undetermined. z ≤ 0 means
// [Z95].
func CallWinner(margin Estimate, first, second int, z float64) Call {
	z = zOr95(z)
	lo, hi := margin.Interval(z)
	c := Call{Verdict: Undetermined, Choice: -1, Critical: z}
	switch {
	case lo > 0:
		c.Verdict, c.Choice = Winner, first
		c.Note = note("winner", locales.Args{"Winner": choice(first), "Other": choice(second), "Low": pct(lo), "High": pct(hi)})
	case hi < 0:
		c.Verdict, c.Choice = Winner, second
		c.Note = note("winner", locales.Args{"Winner": choice(second), "Other": choice(first), "Low": pct(-hi), "High": pct(-lo)})
	default:
		c.Note = note("too_close", locales.Args{"Low": pct(lo), "High": pct(hi)})
	}
	return c
}

// CallRunoff says whether a runoff is needed from share, the leading choice's share of the
// base the law names (valid votes, or valid votes and blank ballots …), and majority, the
// share that must be exceeded (0.5 for "more than half"). Not needed if the interval
// share ∓ z·SE lies wholly above majority; needed if wholly below; otherwise Undetermined
// (REFERENCE §1). z ≤ 0 means [Z95].
func CallRunoff(share Estimate, majority, z float64) Call {
	z = zOr95(z)
	lo, hi := share.Interval(z)
	c := Call{Verdict: Undetermined, Choice: -1, Critical: z}
	args := locales.Args{"Low": pct(lo), "High": pct(hi), "Majority": pct(majority)}
	switch {
	case lo > majority:
		c.Verdict = RunoffNotNeeded
		c.Note = note("runoff_not_needed", args)
	case hi < majority:
		c.Verdict = RunoffNeeded
		c.Note = note("runoff_needed", args)
	default:
		c.Note = note("runoff_undetermined", args)
	}
	return c
}

// CheckOfficial says whether an official figure (a share, turnout or margin, as a fraction)
// is consistent with the estimate e: Consistent if it lies within e.Value ∓ z·SE, else
// Inconsistent (REFERENCE §1). z ≤ 0 means [Z95]. Choice is always -1.
func CheckOfficial(e Estimate, official, z float64) Call {
	z = zOr95(z)
	lo, hi := e.Interval(z)
	c := Call{Verdict: Consistent, Choice: -1, Critical: z}
	args := locales.Args{"Official": pct(official), "Low": pct(lo), "High": pct(hi)}
	if official >= lo && official <= hi {
		c.Note = note("official_consistent", args)
		return c
	}
	c.Verdict = Inconsistent
	args["Chance"] = pctSmall(2 * normalTail(z))
	c.Note = note("official_inconsistent", args)
	return c
}

// pct formats a fraction as a percentage with two decimals.
func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

func pctSmall(x float64) string { return fmt.Sprintf("%.2g%%", 100*x) }
