package http

import (
	"context"
	"html/template"
	"math"
	"net/http"
	"strconv"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/svgchart"
	"github.com/iltod/iltod/locales"
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
			ps.notFound(w, r, e, "error.no_contest", locales.Args{"Election": e.ID, "Contest": strconv.Quote(contest)})
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
			Label: tr(p.Lang, "public.pick_contest"), Submit: tr(p.Lang, "public.show"),
		}
		for _, c := range byRank(pe.contests) {
			d.Picker.Options = append(d.Picker.Options, pubOption{Value: c.Code, Label: c.Name.In(p.Lang), Selected: c.Code == contest})
		}
		p.Data = d
		if contest == "" {
			d.None = tr(p.Lang, "public.forensics_none")
			return nil
		}
		rep, err := ps.s.app.Analyze(ctx, e.ID, analysis.Options{Contest: contest})
		if err != nil {
			return err
		}
		c, _ := pe.contest(contest)
		d.Contest = c.Name.In(p.Lang)
		if len(rep.Contests) == 0 || rep.Contests[0].Forensics == nil {
			d.None = tr(p.Lang, "public.forensics_none")
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
		{tr(lang, "public.forensics_source"), tr(lang, "public.source_"+f.Source)},
		{tr(lang, "public.forensics_leader"), leader},
		{tr(lang, "public.forensics_stations"), n(f.Stations)},
	}
	pctAxis := func(label string) svgchart.Axis {
		return svgchart.Axis{Label: label, Min: -0.5, Max: 100.5, Unit: "%", Ticks: []float64{0, 20, 40, 60, 80, 100}}
	}

	// The fingerprint.
	fp := &f.Fingerprint
	d.FingerprintNote = fp.Note.In(lang)
	turnoutLabel, shareLabel := tr(lang, "public.axis_turnout"), tr(lang, "public.axis_leader_share", locales.Args{"Leader": leader})
	d.Fingerprint = svgchart.Heatmap{
		ID: "fingerprint", Title: tr(lang, "public.fingerprint_title"),
		Desc: tr(lang, "public.fingerprint_desc", locales.Args{"Leader": leader}),
		X:    pctAxis(turnoutLabel), Y: pctAxis(shareLabel), Counts: fp.Counts, Log: true,
		LegendLabel: tr(lang, "public.stations_word"),
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
		{tr(lang, "public.fp_included"), n(fp.Stations)},
		{tr(lang, "public.fp_excluded"), n(fp.Excluded.Total())},
		{tr(lang, "public.fp_peak"), tr(lang, "public.fp_peak_value", locales.Args{"Turnout": strconv.Itoa(peakT) + "%", "Share": strconv.Itoa(peakS) + "%", "N": n(peak)})},
		{tr(lang, "public.fp_high"), n(high)},
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
		ID: "turnout", Title: tr(lang, "public.turnout_title"), Desc: tr(lang, "public.turnout_desc"),
		XLabel: turnoutLabel, Y: svgchart.Axis{Label: tr(lang, "public.stations_word")},
		Counts: byTurnout, Labels: labels,
		Highlight:      func(bin int) bool { return bin%5 == 0 },
		SeriesLabel:    tr(lang, "public.stations_word"),
		HighlightLabel: tr(lang, "public.multiple_of_5"),
	}.SVG()
	it := &f.Integer
	d.IntegerNote = it.Note.In(lang)
	for _, c := range []struct {
		key string
		c   forensics.Count
	}{{"public.integer_turnout", it.Turnout}, {"public.integer_result", it.Result}, {"public.integer_either", it.Either}} {
		d.Integer = append(d.Integer, pubCountRow{
			Label: tr(lang, c.key), Observed: n(c.c.Observed), Expected: fmtFloat(lang, c.c.Expected, 1),
			Range: fmtFloat(lang, math.Max(c.c.Expected-2*c.c.SD, 0), 1) + " – " + fmtFloat(lang, c.c.Expected+2*c.c.SD, 1),
			Z:     fmtFloat(lang, c.c.Z, 2), High: c.c.Z > 3,
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
					Leader: fmtPct1(lang, frac(float64(pt.Leader), lead)), Others: fmtPct1(lang, frac(float64(pt.Found-pt.Leader), rest)),
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
			ID: "curve", Title: tr(lang, "public.curve_title"), Desc: tr(lang, "public.curve_desc", locales.Args{"Leader": leader}),
			X: svgchart.Axis{Label: turnoutLabel, Min: 0, Max: 100, Unit: "%"},
			Y: svgchart.Axis{Label: tr(lang, "public.curve_axis"), Min: 0, Max: 1,
				Format: func(v float64) string { return strconv.Itoa(int(math.Round(100*v))) + "%" }},
			Series: []svgchart.Series{{Name: leader, Points: ls}, {Name: tr(lang, "public.curve_others"), Points: os}},
		}.SVG()
	}

	// The digit tests.
	for _, dt := range []struct {
		anchor string
		t      *forensics.DigitTest
	}{{"second-digit", &f.SecondDigit}, {"last-digit", &f.LastDigit}} {
		pd := pubDigits{Anchor: dt.anchor, Heading: tr(lang, "public.digits_"+dt.anchor), Note: dt.t.Note.In(lang)}
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
				row.Expected = fmtFloat(lang, exp[i], 1)
			}
			pd.Rows = append(pd.Rows, row)
		}
		pd.Chart = svgchart.Histogram{
			ID: dt.anchor, Title: pd.Heading, Desc: tr(lang, "public.digits_desc", locales.Args{"N": n(dt.t.Counts)}),
			XLabel: tr(lang, "public.digit"), Y: svgchart.Axis{Label: tr(lang, "public.counts_word")},
			Counts: counts, Expected: exp, SD: sd,
			SeriesLabel: tr(lang, "public.observed"), ExpectedLabel: tr(lang, "public.expected_2sd"),
		}.SVG()
		pd.Facts = []pubFact{
			{tr(lang, "public.digits_counts"), n(dt.t.Counts)},
			{tr(lang, "public.digits_skipped"), n(dt.t.Skipped)},
			{tr(lang, "public.digits_chi2"), fmtFloat(lang, dt.t.ChiSquare, 2) + " (df " + strconv.Itoa(dt.t.DF) + ")"},
			{tr(lang, "public.digits_p"), fmtP(dt.t.P)},
			{tr(lang, "public.digits_mean"), fmtFloat(lang, dt.t.Mean, 3) + " / " + fmtFloat(lang, dt.t.ExpectedMean, 3) + " (z " + fmtFloat(lang, dt.t.MeanZ, 2) + ")"},
		}
		d.Digits = append(d.Digits, pd)
	}

	// The flags.
	d.FlagsNote = f.Flags.Note.In(lang)
	d.Unscreened = locales.For(lang).N("public.flags_unscreened", f.Flags.Unscreened)
	for _, fl := range []forensics.Flag{f.Flags.OverRegistered, f.Flags.NearUnanimous, f.Flags.AreaOutliers} {
		pf := pubFlag{Rule: tr(lang, "public.flag_"+fl.Rule), Count: n(len(fl.Stations)), Note: fl.Note.In(lang)}
		for i, st := range fl.Stations {
			if i == maxFlagged {
				pf.More = tr(lang, "public.and_more", locales.Args{"N": n(len(fl.Stations) - maxFlagged)})
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
