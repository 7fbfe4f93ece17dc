package plaincsv

// The Print methods. Their words are the catalogue's (locales, keys cli.*): the headings
// of the tables' columns (package tabular names them), the labels of their rows and the
// sentences around them, in the language of the Printer given. What CSV and JSON print is
// the same in every language: column names, codes and plain numbers. The messages of
// errors are named where each error is found; the notes of stats/forensics come in every
// language with the results, and those of stats/pvt as the package writes them.

import (
	"fmt"
	"io"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/forensics"
	"github.com/iltod/iltod/stats/pvt"
)

// headings holds the columns of every table this package prints, by table.
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

// line prints the message key, filled with args, on a line of its own.
func line(w io.Writer, p *locales.Printer, key string, args ...locales.Args) {
	fmt.Fprintln(w, p.T(key, args...))
}

// num writes x with d decimals as p's language does.
func num(p *locales.Printer, x float64, d int) string { return p.Number(x, d) }

// signed writes x with d decimals and its sign, as a test statistic is written.
func signed(p *locales.Printer, x float64, d int) string {
	if x > 0 {
		return "+" + p.Number(x, d)
	}
	return p.Number(x, d)
}

// zText writes a test statistic, which may be ±math.MaxFloat64 when the SE is 0.
func zText(p *locales.Printer, z float64) string {
	if math.Abs(z) == math.MaxFloat64 {
		if z > 0 {
			return "+inf"
		}
		return "-inf"
	}
	return signed(p, z, 2)
}

// points writes a fraction as percentage points: 0.0123 is "1.23 pts".
func points(p *locales.Printer, x float64) string {
	return p.T("cli.points", locales.Args{"N": p.Number(100*x, 2)})
}

// note returns a note of stats/forensics in p's language, or in English if it has none
// in that language.
func note(p *locales.Printer, t map[string]string) string {
	if v := t[p.Lang()]; v != "" {
		return v
	}
	return t[locales.Fallback]
}

// SampleTable lists a drawn sample, a row per station: its stratum, its code, and its
// role: "sample", or "reserve 1", "reserve 2" … in the order reserves are used (for
// people, in p's language). It is the table of `iltod sample` for a loaded election as
// for a plain file.
func SampleTable(p *locales.Printer, s pvt.Sample) *tabular.Table {
	t := tabular.New(p, headings.sample...)
	for _, h := range s.Strata {
		for _, c := range h.Stations {
			t.Add(h.Stratum, c, tabular.Word{Code: "sample", Key: "cli.sample.role_sample"})
		}
		for i, c := range h.Reserves {
			t.Add(h.Stratum, c, tabular.Word{Code: "reserve " + strconv.Itoa(i+1), Key: "cli.sample.role_reserve", Args: locales.Args{"N": i + 1}})
		}
	}
	return t
}

// Print writes the sample to w in format f, for people in p's language: for JSON the
// pvt.Sample.
func (r *SampleResult) Print(w io.Writer, f tabular.Format, p *locales.Printer) error {
	t := SampleTable(p, r.Sample)
	if done, err := machine(w, f, t, r.Sample); done {
		return err
	}
	s, reserves := r.Sample, 0
	for _, h := range s.Strata {
		reserves += len(h.Reserves)
	}
	line(w, p, "cli.sample.drew", locales.Args{"Size": p.Int(int64(s.Size)), "Reserves": p.Int(int64(reserves)),
		"Stations": p.Int(int64(r.Stations)), "In": r.In, "Strata": p.Int(int64(len(s.Strata))), "Seed": s.Seed, "Method": s.Method})
	line(w, p, "cli.sample.frame", locales.Args{"Frame": s.Frame})
	fmt.Fprintln(w)
	return tabular.Print(w, f, t, nil)
}

// Print writes the plan to w in format f, for people in p's language.
func (r *PlanResult) Print(w io.Writer, f tabular.Format, p *locales.Printer) error {
	plan := r.Plan
	what := p.T("cli.plan.share_of", locales.Args{"Choice": r.Choices[0]})
	if len(r.Choices) == 2 {
		what = p.T("cli.plan.margin", locales.Args{"A": r.Choices[0], "B": r.Choices[1]})
	}
	t := tabular.New(p, headings.figures...)
	row := func(code, key string, v any) {
		t.Add(tabular.Word{Code: code, Key: key, Args: locales.Args{"What": what}}, v)
	}
	row("K", "cli.plan.population", plan.Population)
	row("skipped", "cli.plan.skipped", r.Skipped)
	row("P", "cli.plan.p", tabular.Share(plan.P))
	row("mean_valid", "cli.plan.mean_valid", tabular.Number{X: plan.MeanDen, Decimals: 1})
	row("S_d2", "cli.plan.sd2", tabular.Number{X: plan.Sd2, Decimals: 1})
	row("k0", "cli.plan.k0", tabular.Number{X: plan.K0, Decimals: 1})
	row("k", "cli.plan.k", tabular.Number{X: plan.K, Decimals: 1})
	row("report_rate", "cli.plan.report_rate", tabular.Share(plan.ReportRate))
	row("draw", "cli.plan.draw", plan.Draw)
	if done, err := machine(w, f, t, r); done {
		return err
	}
	line(w, p, "cli.plan.head", locales.Args{"MOE": tabular.Percent(p, r.MOE), "Confidence": tabular.Percent(p, r.Confidence),
		"Z": num(p, r.Z, 3), "What": what})
	fmt.Fprintln(w)
	if err := tabular.Print(w, f, t, nil); err != nil {
		return err
	}
	fmt.Fprintln(w)
	line(w, p, "cli.plan.stratified")
	return nil
}

// Print writes the estimates to w in format f, for people in p's language.
func (r *PVTResult) Print(w io.Writer, f tabular.Format, p *locales.Printer) error {
	res, choices := r.Result, r.Choices
	t := tabular.New(p, headings.pvt...)
	if f == tabular.CSV {
		t = &tabular.Table{Header: headings.pvtCSV}
	}
	row := func(figure tabular.Word, e pvt.Estimate) {
		if f == tabular.CSV {
			t.Add(figure, tabular.Share(e.Value), tabular.Share(e.SE), tabular.Share(e.Low95), tabular.Share(e.High95), tabular.Share(e.Low99), tabular.Share(e.High99), e.Reported)
			return
		}
		t.Add(figure, tabular.Share(e.Value), points(p, e.SE), tabular.Interval(p, e.Low95, e.High95), tabular.Interval(p, e.Low99, e.High99), e.Reported)
	}
	for c, e := range res.Shares {
		row(tabular.Word{Code: "share " + choices[c], Key: "cli.pvt.row_share", Args: locales.Args{"Choice": choices[c]}}, e)
	}
	lead, second := choices[res.Leader], choices[res.RunnerUp]
	row(tabular.Word{Code: "margin " + lead + " − " + second, Key: "cli.pvt.row_margin", Args: locales.Args{"A": lead, "B": second}}, res.Margin)
	if res.Turnout != nil {
		row(tabular.Word{Code: "turnout", Key: "cli.pvt.row_turnout"}, *res.Turnout)
	}
	if res.Runoff != nil {
		row(tabular.Word{Code: "runoff " + lead, Key: "cli.pvt.row_runoff", Args: locales.Args{"Choice": lead, "Majority": tabular.Percent(p, res.Runoff.Majority)}}, res.Runoff.Share)
	}
	if done, err := machine(w, f, t, r); done {
		return err
	}
	line(w, p, "cli.pvt.head", locales.Args{"In": r.In, "Rows": p.Int(int64(r.Rows)), "Reporting": p.Int(int64(r.Reporting)), "Skipped": p.Int(int64(r.Skipped))})
	fmt.Fprintln(w)
	if err := tabular.Print(w, f, t, nil); err != nil {
		return err
	}
	named := choiceNames(choices)
	fmt.Fprintln(w)
	line(w, p, "cli.pvt.winner", locales.Args{"Verdict": verdict(p, res.Winner, choices), "Note": named(res.Winner.Note.In(p.Lang()))})
	if res.Runoff != nil {
		line(w, p, "cli.pvt.runoff", locales.Args{"Verdict": tabular.Code(res.Runoff.Call.Verdict).Text(p), "Note": named(res.Runoff.Call.Note.In(p.Lang()))})
	}
	switch {
	case !r.turnout:
	case res.Turnout == nil:
		line(w, p, "cli.pvt.turnout_none", locales.Args{"Reason": r.TurnoutError})
	case r.TurnoutSkipped > 0:
		fmt.Fprintln(w, p.N("cli.pvt.turnout_skipped", r.TurnoutSkipped))
	}
	for _, ch := range r.Official {
		line(w, p, "cli.pvt.official", locales.Args{"Choice": ch.Choice, "Share": tabular.Percent(p, ch.Share),
			"Verdict": tabular.Code(ch.Call.Verdict).Text(p), "Note": ch.Call.Note.In(p.Lang())})
	}
	cov := tabular.New(p, headings.coverage...)
	if r.stratified {
		for _, s := range res.Coverage.Strata {
			cov.Add(s.Stratum, s.Population, s.Sampled, s.Reported)
		}
	}
	cov.Add(p.T("cli.pvt.all_strata"), res.Coverage.Population, res.Coverage.Sampled, res.Coverage.Reported)
	return tabular.Section(w, p.T("cli.pvt.coverage", locales.Args{"Rate": tabular.Percent(p, res.Coverage.Rate())}), cov)
}

// verdict names a call's verdict in p's language, with the winner's name.
func verdict(p *locales.Printer, c pvt.Call, choices []string) string {
	if c.Verdict == pvt.Winner && c.Choice >= 0 && c.Choice < len(choices) {
		return choices[c.Choice]
	}
	return tabular.Code(c.Verdict).Text(p)
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

// Print writes the comparison to w in format f, for people in p's language: for CSV the
// flagged stations.
func (r *CompareResult) Print(w io.Writer, f tabular.Format, p *locales.Printer) error {
	flagged := tabular.New(p, headings.flaggedPairs...)
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
	line(w, p, "cli.compare.head", locales.Args{"Compared": p.Int(int64(r.Compared)), "Observed": p.Int(int64(r.Observed)), "In": r.In,
		"Stations": p.Int(int64(r.officialStations)), "Official": r.Official,
		"SkippedObserved": p.Int(int64(r.SkippedObserved)), "SkippedOfficial": p.Int(int64(r.SkippedOfficial))})
	fmt.Fprintln(w)
	line(w, p, "cli.compare.match", locales.Args{"Note": r.Match.Note.In(p.Lang())})
	if len(r.Flagged) > 0 {
		title := p.T("cli.compare.flagged_all", locales.Args{"N": p.Int(int64(len(r.Flagged)))})
		if len(r.Flagged) > top {
			title = p.T("cli.compare.flagged_top", locales.Args{"Top": top, "N": p.Int(int64(len(r.Flagged)))})
		}
		if err := tabular.Section(w, title, flagged); err != nil {
			return err
		}
	}
	tests := tabular.New(p, headings.choiceTests...)
	for _, t := range r.Tests {
		tests.Add(t.Choice, tabular.Share(t.Paired.Estimate.Value), points(p, t.Paired.Estimate.SE), zText(p, t.Paired.Z), tabular.Code(t.Paired.Verdict),
			tabular.Share(t.Collation.Estimate.Value), tabular.Share(t.Collation.Official), zText(p, t.Collation.Z), tabular.Code(t.Collation.Verdict), tabular.Code(t.Diagnosis.Verdict))
	}
	if err := tabular.Section(w, p.T("cli.compare.tests_title"), tests); err != nil {
		return err
	}
	printTestNotes(w, p, r.Tests)
	return nil
}

// printTestNotes prints the tests' notes: once for the choices where both tests are
// consistent, in full for the others.
func printTestNotes(w io.Writer, p *locales.Printer, tests []ChoiceTests) {
	var clean []string
	for _, t := range tests {
		if t.Diagnosis.Verdict == pvt.Consistent {
			clean = append(clean, t.Choice)
			continue
		}
		source := t.NationalSource
		if source == nationalTotals {
			source = p.T("cli.compare.source_totals")
		}
		fmt.Fprintln(w)
		line(w, p, "cli.compare.test_notes", locales.Args{"Choice": t.Choice, "Source": source,
			"Paired": t.Paired.Note.In(p.Lang()), "Collation": t.Collation.Note.In(p.Lang()), "Diagnosis": t.Diagnosis.Note.In(p.Lang())})
	}
	if len(clean) > 0 {
		i := slices.IndexFunc(tests, func(t ChoiceTests) bool { return t.Diagnosis.Verdict == pvt.Consistent })
		fmt.Fprintf(w, "\n%s: %s\n", strings.Join(clean, ", "), tests[i].Diagnosis.Note.In(p.Lang()))
	}
	if len(tests) > 1 {
		fmt.Fprintln(w)
		line(w, p, "cli.compare.false_alarm", locales.Args{"N": len(tests)})
	}
}

// Print writes the screens to w in format f, for people in p's language: for CSV the
// flagged stations.
func (r *ForensicsResult) Print(w io.Writer, f tabular.Format, p *locales.Printer) error {
	fl := r.Flags
	rules := []forensics.Flag{fl.OverRegistered, fl.NearUnanimous, fl.AreaOutliers}
	flagged := tabular.New(p, headings.flaggedStations...)
	for _, rule := range rules {
		for _, s := range first(f, rule.Stations) {
			var z any = ""
			if rule.Rule == "area-outlier" {
				z = tabular.Number{X: s.Z, Decimals: 1, Sign: true}
			}
			flagged.Add(tabular.Code(rule.Rule), s.Code, s.Area, tabular.Share(s.Turnout/100), tabular.Share(s.Share/100), s.Registered, z)
		}
	}
	if done, err := machine(w, f, flagged, r); done {
		return err
	}
	line(w, p, "cli.forensics.head", locales.Args{"In": r.In, "Stations": p.Int(int64(r.Stations)), "Skipped": p.Int(int64(r.Skipped)), "Leader": r.Leader})
	for _, show := range []func(io.Writer, *locales.Printer) error{r.printInteger, r.printFingerprint, r.printDigits} {
		if err := show(w, p); err != nil {
			return err
		}
	}
	fmt.Fprintln(w)
	line(w, p, "cli.forensics.flags", locales.Args{"Over": p.Int(int64(len(fl.OverRegistered.Stations))), "Unanimous": p.Int(int64(len(fl.NearUnanimous.Stations))),
		"Outliers": p.Int(int64(len(fl.AreaOutliers.Stations))), "Unscreened": p.Int(int64(fl.Unscreened))})
	if !r.area {
		line(w, p, "cli.forensics.no_area")
	}
	if len(flagged.Rows) > 0 {
		if err := tabular.Section(w, p.T("cli.forensics.flagged", locales.Args{"Top": top}), flagged); err != nil {
			return err
		}
	}
	fmt.Fprintln(w, note(p, fl.Note))
	for _, rule := range rules {
		fmt.Fprintf(w, "%s: %s\n", tabular.Code(rule.Rule).Text(p), note(p, rule.Note))
	}
	return nil
}

// printInteger prints, for people, the integer-percentage test, and its Monte Carlo form
// if it ran.
func (r *ForensicsResult) printInteger(w io.Writer, p *locales.Printer) error {
	it := r.Integer
	names := []string{p.T("cli.forensics.integer_turnout"), p.T("cli.forensics.integer_result"), p.T("cli.forensics.integer_either")}
	counts := tabular.New(p, headings.integer...)
	for i, c := range []forensics.Count{it.Turnout, it.Result, it.Either} {
		counts.Add(names[i], c.Observed, tabular.Number{X: c.Expected, Decimals: 1}, tabular.Number{X: c.SD, Decimals: 1},
			tabular.Number{X: c.Excess, Decimals: 1, Sign: true}, tabular.Number{X: c.Z, Decimals: 2, Sign: true})
	}
	title := p.T("cli.forensics.integer_title", locales.Args{"Stations": p.Int(int64(it.Stations)), "Excluded": p.Int(int64(it.Excluded.Total()))})
	if err := tabular.Section(w, title, counts); err != nil {
		return err
	}
	fmt.Fprintln(w, note(p, it.Note))
	m := r.IntegerMC
	if m == nil {
		return nil
	}
	mt := tabular.New(p, headings.integerMC...)
	for i, c := range []forensics.MCCount{m.Turnout, m.Result, m.Either} {
		mt.Add(names[i], c.Observed, num(p, c.Mean, 1)+" ± "+num(p, c.MeanSE, 1), tabular.Number{X: c.SD, Decimals: 1},
			tabular.Number{X: c.Excess, Decimals: 1, Sign: true}, tabular.Number{X: c.Z, Decimals: 2, Sign: true}, fmt.Sprintf("%.3g", c.P))
	}
	title = p.T("cli.forensics.mc_title", locales.Args{"Replications": p.Int(int64(m.Replications)), "Seed": m.Seed})
	if err := tabular.Section(w, title, mt); err != nil {
		return err
	}
	fmt.Fprintln(w, note(p, m.Note))
	return nil
}

// printFingerprint prints, for people, the turnout × leader's share fingerprint and its
// cumulative curve.
func (r *ForensicsResult) printFingerprint(w io.Writer, p *locales.Printer) error {
	fp := r.Fingerprint
	last := fp.Curve[len(fp.Curve)-1]
	var meanT, meanS float64
	for t, row := range fp.Counts {
		for s, n := range row {
			meanT += float64(t * n)
			meanS += float64(s * n)
		}
	}
	ts := tabular.New(p, headings.figures...)
	frac := func(a, b int64) string {
		if b == 0 {
			return "–"
		}
		return tabular.Percent(p, float64(a)/float64(b))
	}
	pct := func(x float64) string { return p.Percent(x/100, 1) }
	ts.Add(p.T("cli.forensics.fp_stations"), p.T("cli.forensics.included", locales.Args{"N": p.Int(int64(fp.Stations)), "Excluded": p.Int(int64(fp.Excluded.Total()))}))
	if fp.Stations > 0 {
		ts.Add(p.T("cli.forensics.fp_mean_turnout"), pct(meanT/float64(fp.Stations)))
		ts.Add(p.T("cli.forensics.fp_mean_share"), pct(meanS/float64(fp.Stations)))
		ts.Add(p.T("cli.forensics.fp_turnout"), frac(last.Issued, last.Registered))
		ts.Add(p.T("cli.forensics.fp_share"), frac(last.Leader, last.Found))
		ts.Add(p.T("cli.forensics.fp_high"), frac(int64(last.Stations-fp.Curve[95].Stations), int64(last.Stations)))
	}
	if err := tabular.Section(w, p.T("cli.forensics.fp_title"), ts); err != nil {
		return err
	}
	curve := tabular.New(p, headings.curve...)
	for _, t := range []int{50, 60, 70, 80, 90, 95, 100} {
		c := fp.Curve[t]
		curve.Add(p.Percent(float64(t)/100, 0), frac(int64(c.Stations), int64(last.Stations)), frac(c.Leader, last.Leader), frac(c.Found-c.Leader, last.Found-last.Leader))
	}
	if err := tabular.Section(w, p.T("cli.forensics.curve_title"), curve); err != nil {
		return err
	}
	fmt.Fprintln(w, note(p, fp.Note))
	return nil
}

// printDigits prints, for people, the digit tests.
func (r *ForensicsResult) printDigits(w io.Writer, p *locales.Printer) error {
	dt := tabular.New(p, headings.digits...)
	for _, d := range r.Digits {
		dt.Add(tabular.Code(d.Test), d.Counts, d.Skipped, tabular.Number{X: d.ChiSquare, Decimals: 1}, d.DF, fmt.Sprintf("%.3g", d.P),
			tabular.Number{X: d.Mean, Decimals: 4}, tabular.Number{X: d.ExpectedMean, Decimals: 4}, tabular.Number{X: d.MeanZ, Decimals: 2, Sign: true})
	}
	if err := tabular.Section(w, p.T("cli.forensics.digits_title", locales.Args{"Columns": strings.Join(r.DigitColumns, ", ")}), dt); err != nil {
		return err
	}
	for _, d := range r.Digits {
		fmt.Fprintf(w, "%s: %s\n", tabular.Code(d.Test).Text(p), note(p, d.Note))
	}
	return nil
}

// Print writes the allocation to w in format f, for people in p's language.
func (r *SeatsResult) Print(w io.Writer, f tabular.Format, p *locales.Printer) error {
	regions := r.Regions
	if regions == nil {
		regions = []RegionSeats{{Contest: r.Contest, Totals: r.Totals, Result: r.Result}}
	}
	sys := regions[0].Contest.System
	cols := slices.Clone(headings.seats)
	switch sys.Mixed {
	case iltod.MixedMMP:
		cols = slices.Insert(cols, 4, "won", "list", "overhang")
	case iltod.MixedAMS:
		cols = slices.Insert(cols, 4, "won")
	}
	if r.Regions != nil {
		cols = slices.Insert(cols, 0, "region")
	}
	t := tabular.New(p, cols...)
	k := 0
	for _, c := range r.Choices {
		for k < len(regions)-1 && regions[k].Region != c.Region {
			k++
		}
		res := regions[k].Result
		var notes tabular.Words
		for _, n := range []struct {
			in   []string
			code string
		}{{res.Excluded, "below_threshold"}, {res.Runoff, "in_runoff"}, {res.Tied, "tied"}} {
			if slices.Contains(n.in, c.Code) {
				notes = append(notes, tabular.Code(n.code))
			}
		}
		if ch, _ := regions[k].Contest.Choice(c.Code); ch.ThresholdExempt {
			notes = append(notes, tabular.Word{Code: "threshold_exempt", Key: "cli.seat_rules.note_exempt"})
		}
		for _, a := range res.Lapsed {
			if slices.Contains(strings.Split(a, "+"), c.Code) {
				notes = append(notes, tabular.Word{Code: "alliance_lapsed", Key: "cli.seat_rules.note_lapsed"})
			}
		}
		row := []any{c.Name, c.Party, c.Votes, tabular.Share(c.Share)}
		switch sys.Mixed {
		case iltod.MixedMMP:
			row = append(row, c.Won, c.List, c.Overhang)
		case iltod.MixedAMS:
			row = append(row, c.Won)
		}
		row = append(row, c.Seats, notes)
		if r.Regions != nil {
			row = slices.Insert(row, 0, any(c.Region))
		}
		t.Add(row...)
	}
	if done, err := machine(w, f, t, r); done {
		return err
	}
	system := string(sys.Kind)
	if sys.Mixed != "" {
		system = sys.Mixed
	}
	if sys.Method != "" {
		system += " (" + sys.Method + ")"
	}
	var baseVotes int64
	nseats := 0
	for _, reg := range regions {
		baseVotes += reg.Result.BaseVotes
		nseats += reg.Contest.Seats
		if sys.Mixed == iltod.MixedMMP {
			nseats += sumOf(reg.Result.Won)
		}
	}
	head := p.N("cli.seats.head", nseats, locales.Args{"System": system, "In": r.In, "Choices": p.Int(int64(len(r.Choices))),
		"Votes": p.Int(r.sum), "Base": tabular.Code(regions[0].Result.Base).Text(p), "BaseVotes": p.Int(baseVotes)})
	if r.skipped > 0 {
		key := "cli.seats.skipped_rows"
		if r.wide {
			key = "cli.seats.skipped_cells"
		}
		head += " " + p.N(key, r.skipped)
	}
	fmt.Fprintln(w, head)
	fmt.Fprintln(w)
	if err := tabular.Print(w, f, t, nil); err != nil {
		return err
	}
	fmt.Fprintln(w)
	for _, reg := range regions {
		res := reg.Result
		outcome := p.T("cli.seats.outcome", locales.Args{"Outcome": tabular.Code(res.Outcome).Text(p)})
		if reason := res.Reason.In(p.Lang()); reason != "" {
			outcome += " " + strings.TrimSuffix(reason, ".") + "."
		}
		if res.Unfilled > 0 {
			outcome += " " + p.N("cli.seats.unfilled", res.Unfilled)
		}
		if len(res.Lapsed) > 0 {
			outcome += " " + p.T("cli.seat_rules.lapsed", locales.Args{"Alliances": strings.Join(res.Lapsed, ", ")})
		}
		if n := sumOf(res.Overhang); n > 0 {
			outcome += " " + p.N("cli.seat_rules.overhang", n)
		}
		if reg.Region != "" {
			outcome = reg.Region + ": " + outcome
		}
		fmt.Fprintln(w, outcome)
	}
	return nil
}

// sumOf adds up the values of m.
func sumOf(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}
