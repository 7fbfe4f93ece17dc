package plaincsv

// Every word the Print methods write stands in this file: the headings of the tables (the
// table below), the labels of their rows and the sentences around them. The messages of
// errors stand where each error is found; the notes of stats/pvt and stats/forensics, and
// ChoiceTests.NationalSource, come with the results.

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/stats/forensics"
	"github.com/iltod/iltod/stats/pvt"
)

// headings holds the header row of every table this package prints, by table.
var headings = struct {
	sample, figures, pvt, pvtCSV, coverage, flaggedPairs, choiceTests []string
	flaggedStations, integer, integerMC, curve, digits, seats         []string
}{
	sample:          []string{"stratum", "station", "role"},
	figures:         []string{"figure", "value"},
	pvt:             []string{"figure", "estimate", "SE", "95% interval", "99% interval", "reported"},
	pvtCSV:          []string{"figure", "estimate", "se", "low95", "high95", "low99", "high99", "reported"},
	coverage:        []string{"stratum", "population", "sampled", "reported"},
	flaggedPairs:    []string{"station", "stratum", "D", "differences (observed → official)"},
	choiceTests:     []string{"choice", "paired D̂", "SE", "z", "verdict", "stations' p̂", "national", "z", "verdict", "diagnosis"},
	flaggedStations: []string{"rule", "station", "area", "turnout", "share", "registered", "z"},
	integer:         []string{"stations with", "observed", "expected", "SD", "excess", "z"},
	integerMC:       []string{"stations with", "observed", "mean", "SD", "excess", "z", "p"},
	curve:           []string{"turnout up to", "stations", "leader's votes", "others' votes"},
	digits:          []string{"test", "counts", "skipped", "χ²", "df", "p", "mean", "expected", "mean z"},
	seats:           []string{"choice", "party", "votes", "share", "seats", "note"},
}

// table returns an empty table under header.
func table(header []string) *tabular.Table { return &tabular.Table{Header: header} }

// machine prints v as JSON (t's rows if v is nil) or t as CSV when f asks for either, and
// reports whether it did; for people it prints nothing, and the caller prints its own
// text around t.
func machine(w io.Writer, f tabular.Format, t *tabular.Table, v any) (bool, error) {
	if !f.Machine() {
		return false, nil
	}
	return true, tabular.Print(w, f, t, v)
}

// first returns the first top of list for a table people read, and all of it for CSV and
// JSON.
func first[T any](f tabular.Format, list []T) []T {
	if f.Machine() || len(list) <= top {
		return list
	}
	return list[:top]
}

// plural returns "1 seat" or "n seats".
func plural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

// zText writes a test statistic, which may be ±math.MaxFloat64 when the SE is 0.
func zText(z float64) string {
	if math.Abs(z) == math.MaxFloat64 {
		if z > 0 {
			return "+inf"
		}
		return "-inf"
	}
	return fmt.Sprintf("%+.2f", z)
}

// SampleTable lists a drawn sample, a row per station: its stratum, its code, and its
// role: "sample", or "reserve 1", "reserve 2" … in the order reserves are used. It is
// the table of `iltod sample` for a loaded election as for a plain file.
func SampleTable(s pvt.Sample) *tabular.Table {
	t := table(headings.sample)
	for _, h := range s.Strata {
		for _, c := range h.Stations {
			t.Add(h.Stratum, c, "sample")
		}
		for i, c := range h.Reserves {
			t.Add(h.Stratum, c, fmt.Sprintf("reserve %d", i+1))
		}
	}
	return t
}

// Print writes the sample to w in format f: for JSON the pvt.Sample.
func (r *SampleResult) Print(w io.Writer, f tabular.Format) error {
	t := SampleTable(r.Sample)
	if done, err := machine(w, f, t, r.Sample); done {
		return err
	}
	s, reserves := r.Sample, 0
	for _, h := range s.Strata {
		reserves += len(h.Reserves)
	}
	fmt.Fprintf(w, "Drew %d stations and %d reserves from the %d stations of %s in %d strata, seed %d (%s).\n",
		s.Size, reserves, r.Stations, r.In, len(s.Strata), s.Seed, s.Method)
	fmt.Fprintf(w, "Frame %s: keep the -json form of this sample; anyone can redraw it from the same file.\n\n", s.Frame)
	return tabular.Print(w, f, t, nil)
}

// Print writes the plan to w in format f.
func (r *PlanResult) Print(w io.Writer, f tabular.Format) error {
	plan := r.Plan
	what := r.Choices[0] + "'s share"
	if len(r.Choices) == 2 {
		what = "margin " + r.Choices[0] + " − " + r.Choices[1]
	}
	t := table(headings.figures)
	t.Add("stations in the previous election (K)", plan.Population)
	t.Add("rows skipped (a count not given)", r.Skipped)
	t.Add(what+" (P)", f.Fraction(plan.P))
	t.Add("mean valid votes per station (m̄)", fmt.Sprintf("%.1f", plan.MeanDen))
	t.Add("S_d²", fmt.Sprintf("%.1f", plan.Sd2))
	t.Add("k0: reporting stations, before the finite-population correction", fmt.Sprintf("%.1f", plan.K0))
	t.Add("k: reporting stations needed", fmt.Sprintf("%.1f", plan.K))
	t.Add("expected report rate", f.Fraction(plan.ReportRate))
	t.Add("stations to draw (k / report rate)", plan.Draw)
	if done, err := machine(w, f, t, r); done {
		return err
	}
	fmt.Fprintf(w, "Sample size for ±%s at %s confidence (z = %.3f) for %s, simple random sample of stations:\n\n",
		tabular.Percent(r.MOE), tabular.Percent(r.Confidence), r.Z, what)
	if err := tabular.Print(w, f, t, nil); err != nil {
		return err
	}
	fmt.Fprintln(w, "\nA stratified sample usually needs fewer stations than this plan; the plan is the safe side.")
	return nil
}

// Print writes the estimates to w in format f.
func (r *PVTResult) Print(w io.Writer, f tabular.Format) error {
	res, choices := r.Result, r.Choices
	t := table(headings.pvt)
	if f == tabular.CSV {
		t = table(headings.pvtCSV)
	}
	row := func(figure string, e pvt.Estimate) {
		if f == tabular.CSV {
			t.Add(figure, f.Fraction(e.Value), f.Fraction(e.SE), f.Fraction(e.Low95), f.Fraction(e.High95), f.Fraction(e.Low99), f.Fraction(e.High99), e.Reported)
			return
		}
		t.Add(figure, tabular.Percent(e.Value), fmt.Sprintf("%.2f pts", 100*e.SE), tabular.Interval(e.Low95, e.High95), tabular.Interval(e.Low99, e.High99), e.Reported)
	}
	for c, e := range res.Shares {
		row("share "+choices[c], e)
	}
	row("margin "+choices[res.Leader]+" − "+choices[res.RunnerUp], res.Margin)
	if res.Turnout != nil {
		row("turnout", *res.Turnout)
	}
	if res.Runoff != nil {
		row(fmt.Sprintf("%s's share against the %s majority", choices[res.Leader], tabular.Percent(res.Runoff.Majority)), res.Runoff.Share)
	}
	if done, err := machine(w, f, t, r); done {
		return err
	}
	fmt.Fprintf(w, "PVT estimate from %s: %d sampled stations, %d reporting, %d skipped (valid votes or a choice's votes not given).\n\n",
		r.In, r.Rows, r.Reporting, r.Skipped)
	if err := tabular.Print(w, f, t, nil); err != nil {
		return err
	}
	named := choiceNames(choices)
	fmt.Fprintf(w, "\nWinner: %s. %s\n", verdict(res.Winner, choices), named(res.Winner.Note))
	if res.Runoff != nil {
		fmt.Fprintf(w, "Runoff: %s. %s\n", res.Runoff.Call.Verdict, named(res.Runoff.Call.Note))
	}
	switch {
	case !r.turnout:
	case res.Turnout == nil:
		fmt.Fprintf(w, "Turnout: not estimated: %s\n", r.TurnoutError)
	case r.TurnoutSkipped > 0:
		fmt.Fprintf(w, "Turnout: %d rows without ballots cast or registered voters are left out of it.\n", r.TurnoutSkipped)
	}
	for _, ch := range r.Official {
		fmt.Fprintf(w, "Official %s %s: %s. %s\n", ch.Choice, tabular.Percent(ch.Share), ch.Call.Verdict, ch.Call.Note)
	}
	cov := table(headings.coverage)
	if r.stratified {
		for _, s := range res.Coverage.Strata {
			cov.Add(s.Stratum, s.Population, s.Sampled, s.Reported)
		}
	}
	cov.Add("(all)", res.Coverage.Population, res.Coverage.Sampled, res.Coverage.Reported)
	return tabular.Section(w, fmt.Sprintf("Coverage: %s of sampled stations reported.", tabular.Percent(res.Coverage.Rate())), cov)
}

// verdict names a call's verdict, with the winner's name.
func verdict(c pvt.Call, choices []string) string {
	if c.Verdict == pvt.Winner && c.Choice >= 0 && c.Choice < len(choices) {
		return choices[c.Choice]
	}
	return string(c.Verdict)
}

var choiceRe = regexp.MustCompile(`\b[Cc]hoice (\d+)\b`)

// choiceNames returns a function that writes choices' names for the numbers ("choice 7")
// in the notes of package pvt.
func choiceNames(choices []string) func(string) string {
	return func(note string) string {
		return choiceRe.ReplaceAllStringFunc(note, func(m string) string {
			i, err := strconv.Atoi(choiceRe.FindStringSubmatch(m)[1])
			if err != nil || i < 0 || i >= len(choices) {
				return m
			}
			return choices[i]
		})
	}
}

// Print writes the comparison to w in format f: for CSV the flagged stations.
func (r *CompareResult) Print(w io.Writer, f tabular.Format) error {
	flagged := table(headings.flaggedPairs)
	for _, fl := range first(f, r.Flagged) {
		var diffs []string
		for c, name := range r.Choices {
			if fl.Observed[c] != fl.Official[c] {
				diffs = append(diffs, fmt.Sprintf("%s %g → %g", name, fl.Observed[c], fl.Official[c]))
			}
		}
		flagged.Add(fl.Station, fl.Stratum, fmt.Sprintf("%g", fl.D), strings.Join(diffs, "; "))
	}
	if done, err := machine(w, f, flagged, r); done {
		return err
	}
	fmt.Fprintf(w, "Compared %d of %d observed stations (%s) with the official results of %d stations (%s); skipped %d without the observers' counts and %d without the official ones.\n",
		r.Compared, r.Observed, r.In, r.officialStations, r.Official, r.SkippedObserved, r.SkippedOfficial)
	fmt.Fprintf(w, "\nStation match: %s\n", r.Match.Note)
	if len(r.Flagged) > 0 {
		title := fmt.Sprintf("Flagged stations, largest discrepancy first (%d; -csv lists all):", len(r.Flagged))
		if len(r.Flagged) > top {
			title = fmt.Sprintf("Flagged stations, largest discrepancy first (the first %d of %d; -csv lists all):", top, len(r.Flagged))
		}
		if err := tabular.Section(w, title, flagged); err != nil {
			return err
		}
	}
	tests := table(headings.choiceTests)
	for _, t := range r.Tests {
		tests.Add(t.Choice, tabular.Percent(t.Paired.Estimate.Value), fmt.Sprintf("%.2f pts", 100*t.Paired.Estimate.SE), zText(t.Paired.Z), string(t.Paired.Verdict),
			tabular.Percent(t.Collation.Estimate.Value), tabular.Percent(t.Collation.Official), zText(t.Collation.Z), string(t.Collation.Verdict), string(t.Diagnosis.Verdict))
	}
	if err := tabular.Section(w, "Paired test (observed − official, share of valid votes) and collation test (official stations vs national share), per choice:", tests); err != nil {
		return err
	}
	printTestNotes(w, r.Tests)
	return nil
}

// printTestNotes prints the tests' notes: once for the choices where both tests are
// consistent, in full for the others.
func printTestNotes(w io.Writer, tests []ChoiceTests) {
	var clean []string
	for _, t := range tests {
		if t.Diagnosis.Verdict == pvt.Consistent {
			clean = append(clean, t.Choice)
			continue
		}
		fmt.Fprintf(w, "\n%s (national share from %s):\n  paired: %s\n  collation: %s\n  diagnosis: %s\n", t.Choice, t.NationalSource, t.Paired.Note, t.Collation.Note, t.Diagnosis.Note)
	}
	if len(clean) > 0 {
		i := slices.IndexFunc(tests, func(t ChoiceTests) bool { return t.Diagnosis.Verdict == pvt.Consistent })
		fmt.Fprintf(w, "\n%s: %s\n", strings.Join(clean, ", "), tests[i].Diagnosis.Note)
	}
	if len(tests) > 1 {
		fmt.Fprintf(w, "\nEach test flags a correct figure about one time in twenty; with %d choices, read first the choices that decide the outcome.\n", len(tests))
	}
}

// Print writes the screens to w in format f: for CSV the flagged stations.
func (r *ForensicsResult) Print(w io.Writer, f tabular.Format) error {
	fl := r.Flags
	flagged := table(headings.flaggedStations)
	for _, rule := range []forensics.Flag{fl.OverRegistered, fl.NearUnanimous, fl.AreaOutliers} {
		for _, s := range first(f, rule.Stations) {
			z := ""
			if rule.Rule == "area-outlier" {
				z = fmt.Sprintf("%+.1f", s.Z)
			}
			flagged.Add(rule.Rule, s.Code, s.Area, fmt.Sprintf("%.1f%%", s.Turnout), fmt.Sprintf("%.1f%%", s.Share), s.Registered, z)
		}
	}
	if done, err := machine(w, f, flagged, r); done {
		return err
	}
	fmt.Fprintf(w, "Forensic screens of %s: %d stations screened, %d rows skipped (a count not given). Leader: %s.\n", r.In, r.Stations, r.Skipped, r.Leader)
	for _, show := range []func(io.Writer) error{r.printInteger, r.printFingerprint, r.printDigits} {
		if err := show(w); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "\nFlags: %d over-registered, %d near-unanimous, %d area outliers; %d stations could not be judged against their area.\n",
		len(fl.OverRegistered.Stations), len(fl.NearUnanimous.Stations), len(fl.AreaOutliers.Stations), fl.Unscreened)
	if !r.area {
		fmt.Fprintln(w, "Without -area, every station is compared with all the others.")
	}
	if len(flagged.Rows) > 0 {
		if err := tabular.Section(w, fmt.Sprintf("Flagged stations (the first %d of each rule; -csv lists all):", top), flagged); err != nil {
			return err
		}
	}
	fmt.Fprintf(w, "%s\n", fl.Note["en"])
	for _, rule := range []forensics.Flag{fl.OverRegistered, fl.NearUnanimous, fl.AreaOutliers} {
		fmt.Fprintf(w, "%s: %s\n", rule.Rule, rule.Note["en"])
	}
	return nil
}

// printInteger prints, for people, the integer-percentage test, and its Monte Carlo form
// if it ran.
func (r *ForensicsResult) printInteger(w io.Writer) error {
	it := r.Integer
	counts := table(headings.integer)
	for _, c := range []struct {
		name string
		c    forensics.Count
	}{{"integer turnout", it.Turnout}, {"integer result", it.Result}, {"either (X)", it.Either}} {
		counts.Add(c.name, c.c.Observed, fmt.Sprintf("%.1f", c.c.Expected), fmt.Sprintf("%.1f", c.c.SD), fmt.Sprintf("%+.1f", c.c.Excess), fmt.Sprintf("%+.2f", c.c.Z))
	}
	if err := tabular.Section(w, fmt.Sprintf("Integer percentages (Kobak et al. 2016), exact binomial null: %d stations included, %d excluded.", it.Stations, it.Excluded.Total()), counts); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", it.Note["en"])
	m := r.IntegerMC
	if m == nil {
		return nil
	}
	mt := table(headings.integerMC)
	for _, c := range []struct {
		name string
		c    forensics.MCCount
	}{{"integer turnout", m.Turnout}, {"integer result", m.Result}, {"either (X)", m.Either}} {
		mt.Add(c.name, c.c.Observed, fmt.Sprintf("%.1f ± %.1f", c.c.Mean, c.c.MeanSE), fmt.Sprintf("%.1f", c.c.SD), fmt.Sprintf("%+.1f", c.c.Excess), fmt.Sprintf("%+.2f", c.c.Z), fmt.Sprintf("%.3g", c.c.P))
	}
	if err := tabular.Section(w, fmt.Sprintf("Integer percentages, Monte Carlo null: %d replications, seed %d.", m.Replications, m.Seed), mt); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", m.Note["en"])
	return nil
}

// printFingerprint prints, for people, the turnout × leader's share fingerprint and its
// cumulative curve.
func (r *ForensicsResult) printFingerprint(w io.Writer) error {
	fp := r.Fingerprint
	last := fp.Curve[len(fp.Curve)-1]
	var meanT, meanS float64
	for t, row := range fp.Counts {
		for s, n := range row {
			meanT += float64(t * n)
			meanS += float64(s * n)
		}
	}
	ts := table(headings.figures)
	frac := func(a, b int64) string {
		if b == 0 {
			return "–"
		}
		return tabular.Percent(float64(a) / float64(b))
	}
	ts.Add("stations included", fmt.Sprintf("%d (%d excluded)", fp.Stations, fp.Excluded.Total()))
	if fp.Stations > 0 {
		ts.Add("mean station turnout (1% bins)", fmt.Sprintf("%.1f%%", meanT/float64(fp.Stations)))
		ts.Add("mean station share of the leader (1% bins)", fmt.Sprintf("%.1f%%", meanS/float64(fp.Stations)))
		ts.Add("overall turnout (issued / registered)", frac(last.Issued, last.Registered))
		ts.Add("leader's overall share (leader / found)", frac(last.Leader, last.Found))
		ts.Add("stations with turnout ≥ 95.5% (bins 96–100)", frac(int64(last.Stations-fp.Curve[95].Stations), int64(last.Stations)))
	}
	if err := tabular.Section(w, "Turnout × leader's share (Klimek et al. 2012):", ts); err != nil {
		return err
	}
	curve := table(headings.curve)
	for _, t := range []int{50, 60, 70, 80, 90, 95, 100} {
		c := fp.Curve[t]
		curve.Add(fmt.Sprintf("%d%%", t), frac(int64(c.Stations), int64(last.Stations)), frac(c.Leader, last.Leader), frac(c.Found-c.Leader, last.Found-last.Leader))
	}
	if err := tabular.Section(w, "Cumulative curve: the share of all stations and votes at or below each turnout (leader's votes gathering at high turnout shows as a gap):", curve); err != nil {
		return err
	}
	fmt.Fprintf(w, "%s\n", fp.Note["en"])
	return nil
}

// printDigits prints, for people, the digit tests.
func (r *ForensicsResult) printDigits(w io.Writer) error {
	dt := table(headings.digits)
	for _, d := range r.Digits {
		dt.Add(d.Test, d.Counts, d.Skipped, fmt.Sprintf("%.1f", d.ChiSquare), d.DF, fmt.Sprintf("%.3g", d.P), fmt.Sprintf("%.4f", d.Mean), fmt.Sprintf("%.4f", d.ExpectedMean), fmt.Sprintf("%+.2f", d.MeanZ))
	}
	if err := tabular.Section(w, "Digit tests over "+strings.Join(r.DigitColumns, ", ")+":", dt); err != nil {
		return err
	}
	for _, d := range r.Digits {
		fmt.Fprintf(w, "%s: %s\n", d.Test, d.Note["en"])
	}
	return nil
}

// Print writes the allocation to w in format f.
func (r *SeatsResult) Print(w io.Writer, f tabular.Format) error {
	res, sys := r.Result, r.Contest.System
	t := table(headings.seats)
	for _, c := range r.Choices {
		var note []string
		if slices.Contains(res.Excluded, c.Code) {
			note = append(note, "below the threshold")
		}
		if slices.Contains(res.Runoff, c.Code) {
			note = append(note, "in the runoff")
		}
		if slices.Contains(res.Tied, c.Code) {
			note = append(note, "tied")
		}
		t.Add(c.Name, c.Party, c.Votes, f.Fraction(c.Share), c.Seats, strings.Join(note, ", "))
	}
	if done, err := machine(w, f, t, r); done {
		return err
	}
	fmt.Fprintf(w, "%s by %s", plural(r.Contest.Seats, "seat"), sys.Kind)
	if sys.Method != "" {
		fmt.Fprintf(w, " (%s)", sys.Method)
	}
	fmt.Fprintf(w, " from %s: %d choices, %d votes; shares of %s (%d).", r.In, len(r.Choices), r.sum, res.Base, res.BaseVotes)
	if r.skipped > 0 {
		skipWhat := "row"
		if r.wide {
			skipWhat = "empty cell"
		}
		fmt.Fprintf(w, " Skipped %s without votes.", plural(r.skipped, skipWhat))
	}
	fmt.Fprintln(w)
	fmt.Fprintln(w)
	if err := tabular.Print(w, f, t, nil); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nOutcome: %s.", res.Outcome)
	if res.Reason != "" {
		fmt.Fprintf(w, " %s.", strings.TrimSuffix(res.Reason, "."))
	}
	if res.Unfilled > 0 {
		fmt.Fprintf(w, " %s unfilled.", plural(res.Unfilled, "seat"))
	}
	fmt.Fprintln(w)
	return nil
}
