package http

import (
	"context"
	"html/template"
	"math"
	"net/http"
	"strconv"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/svgchart"
	"github.com/iltod/iltod/stats/forensics"
)

// The forensic screens (/e/{election}/forensics?contest=): the turnout × leader's-share
// fingerprint, stations by turnout and the integer-percentage test, the cumulative vote
// curve, the digit tests and the flags, each with its note. Screens, never verdicts.

type pubForensics struct {
	pubCommon
	Picker                pubPicker
	Contest               string
	Facts                 []pubFact
	None                  string
	Fingerprint           template.HTML
	FingerprintFacts      []pubFact
	FingerprintNote       string
	Turnout               template.HTML
	TurnoutRows           []pubBin
	Integer               []pubCountRow
	IntegerNote           string
	Curve                 template.HTML
	CurveRows             []pubCurveRow
	Digits                []pubDigits
	Flags                 []pubFlag
	FlagsNote, Unscreened string
}

type pubBin struct{ Label, Count string }

type pubCountRow struct {
	Label, Observed, Expected, Range, Z string
	High                                bool
}

type pubCurveRow struct{ Turnout, Stations, Leader, Others string }

type pubDigits struct {
	Anchor, Heading string
	Chart           template.HTML
	Rows            []pubDigitRow
	Facts           []pubFact
	Note            string
}

type pubDigitRow struct{ Digit, Observed, Expected string }

type pubFlag struct {
	Rule, Count, Note string
	Stations          []string
	More              string
}

func (ps *publicSite) forensics(w http.ResponseWriter, r *http.Request) {
	pe, p, ok := ps.start(w, r, "forensics")
	if !ok {
		return
	}
	e := &pe.e
	contest := r.URL.Query().Get("contest")
	if contest != "" {
		if _, ok := pe.contest(contest); !ok {
			ps.notFound(w, r, e, "election %s has no contest %q", e.ID, contest)
			return
		}
	} else if cs := byRank(pe.contests); len(cs) > 0 {
		// The first national list or presidential-type contest, else the first contest.
		contest = cs[0].Code
	}
	ps.s.renderCached(w, r, "public_forensics", p, func(ctx context.Context, p *page) error {
		d := &pubForensics{pubCommon: common(e, p.Lang, "forensics")}
		d.Picker = pubPicker{
			Action: d.Base + "/forensics", Name: "contest", ID: "pick-contest", Lang: p.Lang,
			Label: pubLabel(p.Lang, "pub_pick_contest"), Submit: pubLabel(p.Lang, "pub_show"),
		}
		for _, c := range byRank(pe.contests) {
			d.Picker.Options = append(d.Picker.Options, pubOption{Value: c.Code, Label: c.Name.In(p.Lang), Selected: c.Code == contest})
		}
		p.Data = d
		if contest == "" {
			d.None = pubLabel(p.Lang, "pub_forensics_none")
			return nil
		}
		rep, err := ps.s.app.Analyze(ctx, e.ID, analysis.Options{Contest: contest})
		if err != nil {
			return err
		}
		c, _ := pe.contest(contest)
		d.Contest = c.Name.In(p.Lang)
		if len(rep.Contests) == 0 || rep.Contests[0].Forensics == nil {
			d.None = pubLabel(p.Lang, "pub_forensics_none")
			return nil
		}
		names := choiceNames(p.Lang, e, pe.contests)[contest]
		buildForensics(p.Lang, d, rep.Contests[0].Forensics, names)
		return nil
	})
}

// buildForensics fills d from the screens f of one contest.
func buildForensics(lang string, d *pubForensics, f *analysis.Forensics, names map[string]string) {
	n := func(v int) string { return formatCount(lang, int64(v)) }
	leader := names[f.Leader]
	if leader == "" {
		leader = f.Leader
	}
	d.Facts = []pubFact{
		{pubLabel(lang, "pub_forensics_source"), pubLabel(lang, "pub_source_"+f.Source)},
		{pubLabel(lang, "pub_forensics_leader"), leader},
		{pubLabel(lang, "pub_forensics_stations"), n(f.Stations)},
	}
	pctAxis := func(label string) svgchart.Axis {
		return svgchart.Axis{Label: label, Min: -0.5, Max: 100.5, Unit: "%", Ticks: []float64{0, 20, 40, 60, 80, 100}}
	}

	// The fingerprint.
	fp := &f.Fingerprint
	d.FingerprintNote = fp.Note.In(lang)
	turnoutLabel, shareLabel := pubLabel(lang, "pub_axis_turnout"), pubFormat(lang, "pub_axis_leader_share", "leader", leader)
	d.Fingerprint = svgchart.Heatmap{
		ID: "fingerprint", Title: pubLabel(lang, "pub_fingerprint_title"),
		Desc: pubFormat(lang, "pub_fingerprint_desc", "leader", leader),
		X:    pctAxis(turnoutLabel), Y: pctAxis(shareLabel), Counts: fp.Counts, Log: true,
		LegendLabel: pubLabel(lang, "pub_stations_word"),
	}.SVG()
	peakT, peakS, peak, high := 0, 0, 0, 0
	byTurnout := make([]float64, len(fp.Counts))
	for t, row := range fp.Counts {
		for s, c := range row {
			byTurnout[t] += float64(c)
			if c > peak {
				peakT, peakS, peak = t, s, c
			}
			if t >= 95 && s >= 95 {
				high += c
			}
		}
	}
	d.FingerprintFacts = []pubFact{
		{pubLabel(lang, "pub_fp_included"), n(fp.Stations)},
		{pubLabel(lang, "pub_fp_excluded"), n(fp.Excluded.Total())},
		{pubLabel(lang, "pub_fp_peak"), pubFormat(lang, "pub_fp_peak_value", "turnout", strconv.Itoa(peakT)+"%", "share", strconv.Itoa(peakS)+"%", "n", n(peak))},
		{pubLabel(lang, "pub_fp_high"), n(high)},
	}

	// Stations by turnout, and the integer-percentage test.
	labels := make([]string, len(byTurnout))
	for t := range labels {
		labels[t] = strconv.Itoa(t) + "%"
		if byTurnout[t] > 0 {
			d.TurnoutRows = append(d.TurnoutRows, pubBin{labels[t], n(int(byTurnout[t]))})
		}
	}
	d.Turnout = svgchart.Histogram{
		ID: "turnout", Title: pubLabel(lang, "pub_turnout_title"), Desc: pubLabel(lang, "pub_turnout_desc"),
		XLabel: turnoutLabel, Y: svgchart.Axis{Label: pubLabel(lang, "pub_stations_word")},
		Counts: byTurnout, Labels: labels,
		Highlight:      func(bin int) bool { return bin%5 == 0 },
		SeriesLabel:    pubLabel(lang, "pub_stations_word"),
		HighlightLabel: pubLabel(lang, "pub_multiple_of_5"),
	}.SVG()
	it := &f.Integer
	d.IntegerNote = it.Note.In(lang)
	for _, c := range []struct {
		key string
		c   forensics.Count
	}{{"pub_integer_turnout", it.Turnout}, {"pub_integer_result", it.Result}, {"pub_integer_either", it.Either}} {
		d.Integer = append(d.Integer, pubCountRow{
			Label: pubLabel(lang, c.key), Observed: n(c.c.Observed), Expected: fmtFloat(c.c.Expected, 1),
			Range: fmtFloat(math.Max(c.c.Expected-2*c.c.SD, 0), 1) + " – " + fmtFloat(c.c.Expected+2*c.c.SD, 1),
			Z:     fmtFloat(c.c.Z, 2), High: c.c.Z > 3,
		})
	}

	// The cumulative curve of the leader's votes and everyone else's, by turnout.
	if len(fp.Curve) > 0 {
		last := fp.Curve[len(fp.Curve)-1]
		lead, rest := float64(last.Leader), float64(last.Found-last.Leader)
		var ls, os []svgchart.Point
		prev := -1
		for _, pt := range fp.Curve {
			if pt.Turnout%10 == 0 {
				d.CurveRows = append(d.CurveRows, pubCurveRow{
					Turnout: strconv.Itoa(pt.Turnout) + "%", Stations: n(pt.Stations),
					Leader: fmtPct1(frac(float64(pt.Leader), lead)), Others: fmtPct1(frac(float64(pt.Found-pt.Leader), rest)),
				})
			}
			// Points where no station was added draw nothing new; the last is kept.
			if pt.Stations == prev && pt.Turnout != 100 {
				continue
			}
			prev = pt.Stations
			x := float64(pt.Turnout)
			ls = append(ls, svgchart.Point{X: x, Y: frac(float64(pt.Leader), lead)})
			os = append(os, svgchart.Point{X: x, Y: frac(float64(pt.Found-pt.Leader), rest)})
		}
		d.Curve = svgchart.Lines{
			ID: "curve", Title: pubLabel(lang, "pub_curve_title"), Desc: pubFormat(lang, "pub_curve_desc", "leader", leader),
			X: svgchart.Axis{Label: turnoutLabel, Min: 0, Max: 100, Unit: "%"},
			Y: svgchart.Axis{Label: pubLabel(lang, "pub_curve_axis"), Min: 0, Max: 1,
				Format: func(v float64) string { return strconv.Itoa(int(math.Round(100*v))) + "%" }},
			Series: []svgchart.Series{{Name: leader, Points: ls}, {Name: pubLabel(lang, "pub_curve_others"), Points: os}},
		}.SVG()
	}

	// The digit tests.
	for _, dt := range []struct {
		anchor string
		t      *forensics.DigitTest
	}{{"second-digit", &f.SecondDigit}, {"last-digit", &f.LastDigit}} {
		pd := pubDigits{Anchor: dt.anchor, Heading: pubLabel(lang, "pub_digits_"+dt.anchor), Note: dt.t.Note.In(lang)}
		total := float64(dt.t.Counts)
		counts := make([]float64, len(dt.t.Observed))
		exp := make([]float64, len(dt.t.Expected))
		sd := make([]float64, len(dt.t.Expected))
		for i, o := range dt.t.Observed {
			counts[i] = float64(o)
		}
		for i, q := range dt.t.Expected {
			exp[i], sd[i] = total*q, math.Sqrt(total*q*(1-q))
		}
		for i := range counts {
			row := pubDigitRow{Digit: strconv.Itoa(i), Observed: n(int(counts[i]))}
			if i < len(exp) {
				row.Expected = fmtFloat(exp[i], 1)
			}
			pd.Rows = append(pd.Rows, row)
		}
		pd.Chart = svgchart.Histogram{
			ID: dt.anchor, Title: pd.Heading, Desc: pubFormat(lang, "pub_digits_desc", "n", n(dt.t.Counts)),
			XLabel: pubLabel(lang, "pub_digit"), Y: svgchart.Axis{Label: pubLabel(lang, "pub_counts_word")},
			Counts: counts, Expected: exp, SD: sd,
			SeriesLabel: pubLabel(lang, "pub_observed"), ExpectedLabel: pubLabel(lang, "pub_expected_2sd"),
		}.SVG()
		pd.Facts = []pubFact{
			{pubLabel(lang, "pub_digits_counts"), n(dt.t.Counts)},
			{pubLabel(lang, "pub_digits_skipped"), n(dt.t.Skipped)},
			{pubLabel(lang, "pub_digits_chi2"), fmtFloat(dt.t.ChiSquare, 2) + " (df " + strconv.Itoa(dt.t.DF) + ")"},
			{pubLabel(lang, "pub_digits_p"), fmtP(dt.t.P)},
			{pubLabel(lang, "pub_digits_mean"), fmtFloat(dt.t.Mean, 3) + " / " + fmtFloat(dt.t.ExpectedMean, 3) + " (z " + fmtFloat(dt.t.MeanZ, 2) + ")"},
		}
		d.Digits = append(d.Digits, pd)
	}

	// The flags.
	d.FlagsNote = f.Flags.Note.In(lang)
	d.Unscreened = pubFormat(lang, "pub_flags_unscreened", "n", n(f.Flags.Unscreened))
	for _, fl := range []forensics.Flag{f.Flags.OverRegistered, f.Flags.NearUnanimous, f.Flags.AreaOutliers} {
		pf := pubFlag{Rule: pubLabel(lang, "pub_flag_"+fl.Rule), Count: n(len(fl.Stations)), Note: fl.Note.In(lang)}
		for i, st := range fl.Stations {
			if i == maxFlagged {
				pf.More = pubFormat(lang, "pub_and_more", "n", n(len(fl.Stations)-maxFlagged))
				break
			}
			pf.Stations = append(pf.Stations, st.Code)
		}
		d.Flags = append(d.Flags, pf)
	}
}

// maxFlagged is the most flagged stations a flag lists by code.
const maxFlagged = 30

// frac returns a/b, or 0 when b is 0.
func frac(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}

// fmtP formats a p-value.
func fmtP(p float64) string {
	if p < 0.0001 {
		return "< 0.0001"
	}
	return strconv.FormatFloat(p, 'f', 4, 64)
}
