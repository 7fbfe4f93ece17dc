package pvt

import "fmt"

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
// what it cannot mean.
type Call struct {
	Verdict Verdict `json:"verdict"`
	// Choice is the index of the called winner for a Winner verdict, and -1 otherwise.
	Choice int `json:"choice"`
	// Critical is the normal quantile z the interval was built with (1.96 for 95%).
	Critical float64 `json:"critical"`
	Note     string  `json:"note"`
}

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
		c.Note = fmt.Sprintf("Choice %d leads choice %d by %s to %s of valid votes: the PVT supports calling choice %d the winner. The claim holds only if observers' counts are themselves correct and the missing reports are like the received ones.", first, second, pct(lo), pct(hi), first)
	case hi < 0:
		c.Verdict, c.Choice = Winner, second
		c.Note = fmt.Sprintf("Choice %d leads choice %d by %s to %s of valid votes: the PVT supports calling choice %d the winner. The claim holds only if observers' counts are themselves correct and the missing reports are like the received ones.", second, first, pct(-hi), pct(-lo), second)
	default:
		c.Note = fmt.Sprintf("Too close to call: the margin lies between %s and %s, an interval that includes 0. This says nothing against the official result; it only means the sample cannot tell who won.", pct(lo), pct(hi))
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
	switch {
	case lo > majority:
		c.Verdict = RunoffNotNeeded
		c.Note = fmt.Sprintf("The leader's share, %s to %s, lies wholly above %s: no runoff is needed.", pct(lo), pct(hi), pct(majority))
	case hi < majority:
		c.Verdict = RunoffNeeded
		c.Note = fmt.Sprintf("The leader's share, %s to %s, lies wholly below %s: a runoff is needed.", pct(lo), pct(hi), pct(majority))
	default:
		c.Note = fmt.Sprintf("The leader's share, %s to %s, includes %s: the sample cannot tell whether a runoff is needed.", pct(lo), pct(hi), pct(majority))
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
	if official >= lo && official <= hi {
		c.Note = fmt.Sprintf("The official figure %s lies within the PVT's interval %s to %s. This cannot rule out changes smaller than the margin of error, nor errors shared by observers and officials.", pct(official), pct(lo), pct(hi))
		return c
	}
	c.Verdict = Inconsistent
	c.Note = fmt.Sprintf("The official figure %s lies outside the PVT's interval %s to %s. Sampling error alone would put a correct figure this far out rarely (about %s of the time), so it calls for an explanation — collation, changed station results, or reports missing unevenly from the sample — but it is not by itself proof of fraud, and it does not say where the difference arose.", pct(official), pct(lo), pct(hi), pctSmall(2*normalTail(z)))
	return c
}

// pct formats a fraction as a percentage with two decimals.
func pct(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

func pctSmall(x float64) string { return fmt.Sprintf("%.2g%%", 100*x) }
