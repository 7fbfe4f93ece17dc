package http

import (
	"cmp"
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"sync"

	"github.com/iltod/iltod"
	demomaps "github.com/iltod/iltod/demo/maps"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/svgchart"
	"github.com/iltod/iltod/internal/topomap"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
)

// The overview (/e/{election}/) and area pages (/e/{election}/areas/{area}): election
// facts, reporting coverage, the PVT's estimates and calls beside the official figures for
// each contest, the seat projection and the sample's description.

// pubResults is what the public_results template reads.
type pubResults struct {
	pubCommon
	Heading string
	IsRoot  bool
	Area    string // the area's code
	Crumbs  []pubLink
	Facts   []pubFact
	Release *pubRelease

	Coverage     pubCoverage
	Map          template.HTML
	MapLegend    *pubLegend
	Children     []pubChild
	ChildrenHead string

	Picker   pubPicker
	Contests []pubContest
	Others   []pubOther
	Bodies   []pubBody
	Sample   *pubSample
}

type pubFact struct{ Label, Value string }

type pubRelease struct {
	Version                 int
	Source, Published, Note string
	Results, Totals         string
}

// pubCoverage is how far the stations of an area have reported.
type pubCoverage struct {
	Stations, Reporting, Results string
	ReportingPct, ResultsPct     string
}

// pubChild is one area below the page's area, with its coverage.
type pubChild struct {
	Code, Name, Href                  string
	Stations, Reporting, Results, Pct string
}

// pubPicker is a plain GET form choosing one value of a query parameter.
type pubPicker struct {
	Action, Name, ID, Label, Submit string
	Lang                            string
	Options                         []pubOption
}

type pubOption struct {
	Value, Label string
	Selected     bool
}

// pubContest is one contest shown in full.
type pubContest struct {
	Code, Name, Anchor  string
	Facts               []pubFact
	HasPVT, HasOfficial bool
	Chart               template.HTML
	Caption             string
	Rows                []pubChoiceRow
	Calls               []pubCall
	NoPVT, NoPVTDetail  string
	Compare             *pubCompare
}

type pubChoiceRow struct {
	Code, Name      string
	Est, CI95, CI99 string
	Official, Votes string
	Check           string
	Outside         bool
}

// pubCall is a sentence about what the PVT can say; Class is "yes", "no" or "info".
type pubCall struct{ Text, Class string }

type pubCompare struct {
	Stations, Exact, Flagged, Verdict string
	Inconsistent                      bool
	Href                              string
}

// pubOther is a contest listed in a table, with a link to show it in full.
type pubOther struct {
	Name, Href, Seats, Stations string
	Leader, PVT                 string
}

// pubBody is the seat projection of one body.
type pubBody struct {
	Name, Seats string
	Chart       template.HTML
	Rows        []pubSeatRow
	Notes       []string
}

type pubSeatRow struct{ Party, Official, PVT, Range string }

// pubSample describes the PVT sample without its stations or seed.
type pubSample struct{ Method, MethodID, StratifyBy, Size, Strata, Frame string }

func (ps *publicSite) overview(w http.ResponseWriter, r *http.Request) { ps.results(w, r, "") }

func (ps *publicSite) areaPage(w http.ResponseWriter, r *http.Request) {
	ps.results(w, r, r.PathValue("area"))
}

// results serves the overview (area "") or an area's page.
func (ps *publicSite) results(w http.ResponseWriter, r *http.Request, area string) {
	current := "overview"
	pe, p, ok := ps.start(w, r, current)
	if !ok {
		return
	}
	snap, err := ps.snapshot(r.Context(), pe.e.ID)
	if err != nil {
		ps.fail(w, r, &pe.e, err)
		return
	}
	if snap.root == nil {
		ps.notFound(w, r, &pe.e, "error.no_areas", locales.Args{"Election": pe.e.ID})
		return
	}
	if area == "" {
		area = snap.root.Code
	} else if _, ok := snap.pos[area]; !ok {
		ps.notFound(w, r, &pe.e, "error.no_area", locales.Args{"Election": pe.e.ID, "Area": strconv.Quote(area)})
		return
	}
	contest := queryValue(r, "contest")
	if contest != "" {
		if _, ok := pe.contest(contest); !ok {
			ps.notFound(w, r, &pe.e, "error.no_contest", locales.Args{"Election": pe.e.ID, "Contest": strconv.Quote(contest)})
			return
		}
	}
	isRoot := r.PathValue("area") == ""
	ps.s.renderCached(w, r, "public_results", p, func(ctx context.Context, p *page) error {
		d, err := ps.buildResults(ctx, pe, snap, p.Lang, area, contest, isRoot)
		if err != nil {
			return err
		}
		if !isRoot {
			p.Title = d.Heading + " · " + p.T(pe.e.Name)
		}
		p.Data = d
		return nil
	})
}

// buildResults gathers the results page of area (contest "" meaning every contest).
func (ps *publicSite) buildResults(ctx context.Context, pe *publicElection, snap *areaSnapshot, lang, area, contest string, isRoot bool) (*pubResults, error) {
	rep, err := ps.s.app.Analyze(ctx, pe.e.ID, analysis.Options{Area: area, Contest: contest, NoForensics: true})
	if err != nil {
		return nil, err
	}
	list, err := ps.s.app.Coverage(ctx, pe.e.ID)
	if err != nil {
		return nil, err
	}
	cov := make(map[string]app.AreaCoverage, len(list))
	for _, c := range list {
		cov[c.Area] = c
	}
	return assembleResults(lang, pe, snap, rep, cov, area, contest, isRoot), nil
}

// assembleResults gathers the results page of area from an analysis of it and the
// election's reporting coverage by area.
func assembleResults(lang string, pe *publicElection, snap *areaSnapshot, rep *analysis.Report, cov map[string]app.AreaCoverage, area, contest string, isRoot bool) *pubResults {
	e := &pe.e
	current := "overview"
	if !isRoot {
		current = "area"
	}
	d := &pubResults{pubCommon: common(e, lang, current), IsRoot: isRoot, Area: area}
	i := snap.pos[area]
	ar := &snap.areas[i]
	if isRoot {
		d.Heading = e.Name.In(lang)
	} else {
		d.Heading = ar.Name.In(lang)
		for _, code := range snap.index.Path(area) {
			if code == area {
				break
			}
			if j, ok := snap.pos[code]; ok {
				href := d.href("areas/" + code)
				if j == snap.pos[snap.root.Code] {
					href = d.href("")
				}
				d.Crumbs = append(d.Crumbs, pubLink{Href: href, Label: snap.areas[j].Name.In(lang)})
			}
		}
	}

	// Facts.
	n := func(v int64) string { return formatCount(lang, v) }
	if isRoot {
		d.Facts = append(d.Facts,
			pubFact{tr(lang, "public.fact_date"), fmtDate(lang, e.Date)},
			pubFact{tr(lang, "public.fact_kind"), e.Kind},
			pubFact{tr(lang, "public.fact_country"), e.Country},
		)
		for _, b := range e.Bodies {
			d.Facts = append(d.Facts, pubFact{tr(lang, "public.fact_seats", locales.Args{"Body": b.Name.In(lang)}), n(int64(b.Seats))})
		}
		d.Facts = append(d.Facts, pubFact{tr(lang, "public.fact_contests"), n(int64(len(pe.contests)))})
	} else {
		d.Facts = append(d.Facts, pubFact{tr(lang, "public.fact_level"), levelLabel(lang, ar.Level)})
	}
	d.Facts = append(d.Facts,
		pubFact{tr(lang, "public.fact_stations"), n(int64(snap.stations[i]))},
		pubFact{tr(lang, "public.fact_registered"), n(snap.registered[i])},
	)
	if rel := rep.Official; rel != nil {
		d.Release = &pubRelease{
			Version: rel.Version, Source: rel.Source, Note: rel.Note,
			Published: rel.Published.UTC().Format("2006-01-02 15:04 UTC"),
			Results:   n(int64(rel.Results)), Totals: n(int64(rel.Totals)),
		}
	}

	// Coverage, the map and the areas below.
	c := cov[area]
	d.Coverage = pubCoverage{
		Stations: n(int64(c.Stations)), Reporting: n(int64(c.Reporting)), Results: n(int64(c.Results)),
		ReportingPct: fmtPct1(lang, ratio(c.Reporting, c.Stations)), ResultsPct: fmtPct1(lang, ratio(c.Results, c.Stations)),
	}
	children := snap.index.Children(area)
	if len(children) > 0 {
		d.ChildrenHead = tr(lang, "public.children_head", locales.Args{"Level": levelPlural(lang, snap.areas[snap.pos[children[0]]].Level)})
	}
	for _, code := range children {
		j, ok := snap.pos[code]
		if !ok {
			continue
		}
		cc := cov[code]
		d.Children = append(d.Children, pubChild{
			Code: code, Name: snap.areas[j].Name.In(lang), Href: d.href("areas/" + code),
			Stations: n(int64(cc.Stations)), Reporting: n(int64(cc.Reporting)), Results: n(int64(cc.Results)),
			Pct: fmtPct1(lang, ratio(cc.Results, cc.Stations)),
		})
	}
	if isRoot && e.Country == "MN" {
		d.Map = coverageMap(lang, d, cov)
		d.MapLegend = coverageLegend(lang, cov)
	}

	// Contests.
	d.Picker = contestPicker(lang, pe, snap, d, area, contest)
	names := choiceNames(lang, e, pe.contests)
	total := snap.stations[i]
	var full, others []*analysis.ContestReport
	for k := range rep.Contests {
		cr := &rep.Contests[k]
		if len(cr.Areas) == 0 {
			continue
		}
		if contest != "" || cr.Areas[0].Stations == total {
			full = append(full, cr)
		} else {
			others = append(others, cr)
		}
	}
	if len(full) == 0 && len(others) <= 3 {
		full, others = others, nil
	}
	// National list and presidential-type contests first, then package order.
	slices.SortStableFunc(full, func(x, y *analysis.ContestReport) int {
		return cmp.Compare(systemRank(x.System), systemRank(y.System))
	})
	for _, cr := range full {
		d.Contests = append(d.Contests, buildContest(lang, d, cr, names[cr.Contest], area))
	}
	for _, cr := range others {
		d.Others = append(d.Others, buildOther(lang, d, cr, names[cr.Contest], area, isRoot))
	}

	// Seats and the sample.
	for _, b := range rep.Bodies {
		d.Bodies = append(d.Bodies, buildBody(lang, e, b))
	}
	if s := rep.Sample; s != nil {
		d.Sample = &pubSample{
			Method: tr(lang, "public.sample_method_stratified"), MethodID: s.Method,
			StratifyBy: stratifyLabel(lang, s.StratifyBy),
			Size:       n(int64(s.Size)), Strata: n(int64(s.Strata)), Frame: s.Frame,
		}
		if s.Method != pvt.MethodStratifiedV1 {
			d.Sample.Method = s.Method
		}
	}
	return d
}

// systemRank orders contests on a page: list and two-round contests (national lists,
// presidential elections) first.
func systemRank(k iltod.SystemKind) int {
	switch k {
	case iltod.ListPR, iltod.TwoRound:
		return 0
	}
	return 1
}

// contestPicker is the form choosing a contest among those with stations in area.
func contestPicker(lang string, pe *publicElection, snap *areaSnapshot, d *pubResults, area, contest string) pubPicker {
	action := d.Base + "/"
	if !d.IsRoot {
		action = d.Base + "/areas/" + area
	}
	pk := pubPicker{
		Action: action, Name: "contest", ID: "pick-contest", Lang: d.Lang,
		Label: tr(d.Lang, "public.pick_contest"), Submit: tr(d.Lang, "public.show"),
		Options: []pubOption{{Value: "", Label: tr(d.Lang, "public.all_contests"), Selected: contest == ""}},
	}
	for _, c := range byRank(pe.contests) {
		if !contestTouches(snap, c, area) {
			continue
		}
		pk.Options = append(pk.Options, pubOption{Value: c.Code, Label: c.Name.In(lang), Selected: c.Code == contest})
	}
	return pk
}

// byRank returns the contests with list and two-round contests first (systemRank), the
// others after them, each in package order.
func byRank(cs []iltod.Contest) []*iltod.Contest {
	out := make([]*iltod.Contest, len(cs))
	for i := range cs {
		out[i] = &cs[i]
	}
	slices.SortStableFunc(out, func(x, y *iltod.Contest) int {
		return cmp.Compare(systemRank(x.System.Kind), systemRank(y.System.Kind))
	})
	return out
}

// contestTouches reports whether contest c has stations in area: one of its areas lies
// at or above area, or within it.
func contestTouches(snap *areaSnapshot, c *iltod.Contest, area string) bool {
	for _, ca := range c.Areas {
		if snap.index.Within(area, ca) || snap.index.Within(ca, area) {
			return true
		}
	}
	return false
}

// choiceNames returns, for each contest, its choices' display names in lang: a
// candidate's name with the short name of the party, a list's name.
func choiceNames(lang string, e *iltod.Election, cs []iltod.Contest) map[string]map[string]string {
	party := map[string]string{}
	for _, p := range e.Parties {
		s := p.Short.In(lang)
		if s == "" {
			s = p.Name.In(lang)
		}
		party[p.Code] = s
	}
	out := make(map[string]map[string]string, len(cs))
	for _, c := range cs {
		m := make(map[string]string, len(c.Choices))
		for _, ch := range c.Choices {
			name := ch.Name.In(lang)
			if ch.Kind == iltod.Candidate {
				if s, ok := party[ch.Party]; ok && ch.Party != "" {
					name += " (" + s + ")"
				}
			}
			m[ch.Code] = name
		}
		out[c.Code] = m
	}
	return out
}

// buildContest gathers a contest shown in full: its figures over the page's area.
func buildContest(lang string, d *pubResults, cr *analysis.ContestReport, names map[string]string, area string) pubContest {
	n := func(v int) string { return formatCount(lang, int64(v)) }
	top := &cr.Areas[0]
	pc := pubContest{Code: cr.Contest, Name: cr.Name.In(lang), Anchor: "contest-" + cr.Contest}
	pc.Facts = []pubFact{
		{tr(lang, "public.contest_system"), systemLabel(lang, cr.System)},
		{tr(lang, "public.contest_seats"), n(cr.Seats)},
		{tr(lang, "public.contest_stations"), n(top.Stations)},
		{tr(lang, "public.contest_observed"), n(top.Observed)},
		{tr(lang, "public.contest_official_stations"), n(top.OfficialStations)},
	}
	res, off := top.PVT, top.Official
	pc.HasPVT, pc.HasOfficial = res != nil, off != nil
	if res != nil {
		pc.Facts = append(pc.Facts, pubFact{tr(lang, "public.contest_sample_reported"),
			tr(lang, "public.of", locales.Args{"K": n(res.Coverage.Reported), "N": n(res.Coverage.Sampled)})})
		if t := res.Turnout; t != nil {
			pc.Facts = append(pc.Facts, pubFact{tr(lang, "public.contest_turnout_pvt"), fmtPct(lang, t.Value) + " (" + fmtRange(lang, t.Low95, t.High95) + ")"})
		}
	}
	if off != nil {
		src := tr(lang, "public.official_published")
		if off.Source == "stations" {
			src = locales.For(lang).N("public.official_sum", off.Stations)
		}
		pc.Facts = append(pc.Facts, pubFact{tr(lang, "public.contest_official_source"), src})
		if off.Turnout != nil {
			pc.Facts = append(pc.Facts, pubFact{tr(lang, "public.contest_turnout_official"), fmtPct(lang, *off.Turnout)})
		}
	}

	// Rows, largest first.
	order := make([]int, len(cr.Choices))
	for k := range order {
		order[k] = k
	}
	key := func(k int) float64 {
		switch {
		case res != nil:
			return res.Shares[k].Value
		case off != nil:
			return off.Shares[k]
		}
		return 0
	}
	slices.SortStableFunc(order, func(x, y int) int { return cmp.Compare(key(y), key(x)) })
	name := func(k int) string {
		if v := names[cr.Choices[k]]; v != "" {
			return v
		}
		return cr.Choices[k]
	}
	var ivs []svgchart.Interval
	var bars []svgchart.BarRow
	for _, k := range order {
		row := pubChoiceRow{Code: cr.Choices[k], Name: name(k)}
		iv := svgchart.Interval{Label: row.Name}
		if res != nil {
			s := res.Shares[k]
			row.Est, row.CI95, row.CI99 = fmtPct(lang, s.Value), fmtRange(lang, s.Low95, s.High95), fmtRange(lang, s.Low99, s.High99)
			iv.Value, iv.Low95, iv.High95, iv.Low99, iv.High99 = 100*s.Value, 100*s.Low95, 100*s.High95, 100*s.Low99, 100*s.High99
		}
		if off != nil {
			row.Official, row.Votes = fmtPct(lang, off.Shares[k]), formatCount(lang, off.Votes[k])
			iv.Official, iv.HasOfficial = 100*off.Shares[k], true
			bars = append(bars, svgchart.BarRow{Label: row.Name, Values: []float64{100 * off.Shares[k]}})
		}
		if k < len(top.Checks) {
			if top.Checks[k].Verdict == pvt.Inconsistent {
				row.Check, row.Outside = tr(lang, "public.check_outside"), true
			} else {
				row.Check = tr(lang, "public.check_within")
			}
		}
		pc.Rows = append(pc.Rows, row)
		ivs = append(ivs, iv)
	}
	pct := svgchart.Axis{Label: tr(lang, "public.axis_share"), Unit: "%"}
	switch {
	case res != nil:
		pc.Caption = tr(lang, "public.pvt_caption", locales.Args{"Contest": pc.Name})
		pc.Chart = svgchart.Intervals{
			ID: "pvt-" + cr.Contest, Title: pc.Caption,
			Desc: tr(lang, "public.pvt_chart_desc"),
			Axis: pct, Rows: ivs,
			EstimateLabel: tr(lang, "public.estimate"), Interval95Label: tr(lang, "public.ci95"),
			Interval99Label: tr(lang, "public.ci99"), OfficialLabel: tr(lang, "public.official"),
		}.SVG()
	case off != nil:
		pc.Caption = tr(lang, "public.official_caption", locales.Args{"Contest": pc.Name})
		pct.Min = 0
		pc.Chart = svgchart.Bars{
			ID: "official-" + cr.Contest, Title: pc.Caption, Desc: tr(lang, "public.official_chart_desc"),
			Axis: pct, Rows: bars,
		}.SVG()
	}
	if res == nil {
		pc.NoPVT = tr(lang, "public.no_pvt")
		pc.NoPVTDetail = top.PVTError.In(lang, locales.Fallback)
	} else {
		pc.Calls = pvtCalls(lang, cr, res, top, name)
	}
	if c := top.Comparison; c != nil {
		pc.Compare = &pubCompare{
			Stations: n(c.Match.Stations), Exact: n(c.Match.Exact), Flagged: n(c.Match.Flagged),
			Verdict:      verdictLabel(lang, c.Verdict),
			Inconsistent: c.Verdict == pvt.Inconsistent,
			Href:         d.href("stations", "contest", cr.Contest, "area", area, "differ", "1"),
		}
	}
	return pc
}

// pvtCalls says, in lang, what the PVT can and cannot call in a contest.
func pvtCalls(lang string, cr *analysis.ContestReport, res *pvt.Result, top *analysis.AreaReport, name func(int) string) []pubCall {
	var calls []pubCall
	if len(cr.Choices) >= 2 {
		first, second := name(res.Leader), name(res.RunnerUp)
		lo, hi := res.Margin.Low95, res.Margin.High95
		switch {
		case res.Winner.Verdict == pvt.Winner && res.Winner.Choice == res.Leader:
			calls = append(calls, pubCall{tr(lang, "public.call_ahead", locales.Args{"First": first, "Second": second, "Lo": fmtPct(lang, lo), "Hi": fmtPct(lang, hi)}), "yes"})
		case res.Winner.Verdict == pvt.Winner:
			calls = append(calls, pubCall{tr(lang, "public.call_ahead", locales.Args{"First": second, "Second": first, "Lo": fmtPct(lang, -hi), "Hi": fmtPct(lang, -lo)}), "yes"})
		default:
			calls = append(calls, pubCall{tr(lang, "public.call_close", locales.Args{"First": first, "Second": second, "Lo": fmtPct(lang, lo), "Hi": fmtPct(lang, hi)}), "no"})
		}
		if cr.Seats > 1 {
			calls = append(calls, pubCall{tr(lang, "public.call_multiseat", locales.Args{"Seats": strconv.Itoa(cr.Seats)}), "info"})
		}
	}
	if ro := res.Runoff; ro != nil {
		args := locales.Args{"Leader": name(res.Leader), "Range": fmtRange(lang, ro.Share.Low95, ro.Share.High95), "Majority": fmtPct(lang, ro.Majority)}
		switch ro.Call.Verdict {
		case pvt.RunoffNotNeeded:
			calls = append(calls, pubCall{tr(lang, "public.call_runoff_not_needed", args), "yes"})
		case pvt.RunoffNeeded:
			calls = append(calls, pubCall{tr(lang, "public.call_runoff_needed", args), "yes"})
		default:
			calls = append(calls, pubCall{tr(lang, "public.call_runoff_unknown", args), "no"})
		}
	}
	if len(top.Checks) > 0 {
		var outside []string
		for k, c := range top.Checks {
			if c.Verdict == pvt.Inconsistent {
				outside = append(outside, name(k))
			}
		}
		if len(outside) == 0 {
			calls = append(calls, pubCall{tr(lang, "public.call_checks_ok"), "yes"})
		} else {
			calls = append(calls, pubCall{tr(lang, "public.call_checks_bad", locales.Args{"Choices": joinList(lang, outside)}), "no"})
		}
	} else {
		calls = append(calls, pubCall{tr(lang, "public.call_no_official"), "info"})
	}
	return calls
}

// joinList joins names with commas and a final "and".
func joinList(lang string, xs []string) string {
	switch len(xs) {
	case 0:
		return ""
	case 1:
		return xs[0]
	}
	out := ""
	for i, x := range xs[:len(xs)-1] {
		if i > 0 {
			out += ", "
		}
		out += x
	}
	return out + " " + tr(lang, "public.and") + " " + xs[len(xs)-1]
}

// buildOther gathers a contest listed in the table of other contests.
func buildOther(lang string, d *pubResults, cr *analysis.ContestReport, names map[string]string, area string, isRoot bool) pubOther {
	top := &cr.Areas[0]
	o := pubOther{
		Name: cr.Name.In(lang), Seats: formatCount(lang, int64(cr.Seats)), Stations: formatCount(lang, int64(top.Stations)),
		Leader: "—", PVT: tr(lang, "public.other_no_pvt"),
	}
	if isRoot {
		o.Href = d.href("", "contest", cr.Contest) + "#contest-" + cr.Contest
	} else {
		o.Href = d.href("areas/"+area, "contest", cr.Contest) + "#contest-" + cr.Contest
	}
	if off := top.Official; off != nil && len(off.Shares) > 0 {
		k := 0
		for j, v := range off.Votes {
			if v > off.Votes[k] {
				k = j
			}
		}
		o.Leader = names[cr.Choices[k]] + " — " + fmtPct(lang, off.Shares[k])
	}
	if top.PVT != nil {
		o.PVT = tr(lang, "public.other_pvt")
	}
	return o
}

// buildBody gathers the seat projection of one body.
func buildBody(lang string, e *iltod.Election, b analysis.BodyReport) pubBody {
	pb := pubBody{Name: b.Name.In(lang), Seats: formatCount(lang, int64(b.Seats))}
	for _, o := range []*analysis.SeatOutcome{b.Official, b.PVT} {
		if o != nil && o.Size > b.Seats {
			// A mixed-member proportional body grows by its overhang seats.
			pb.Seats = tr(lang, "public.seat_rules.seats_overhang", locales.Args{"Size": formatCount(lang, int64(o.Size)),
				"Seats": formatCount(lang, int64(b.Seats)), "Overhang": formatCount(lang, int64(o.Size-b.Seats))})
			break
		}
	}
	partyName := map[string]string{"": tr(lang, "public.independents")}
	for _, p := range e.Parties {
		partyName[p.Code] = p.Name.In(lang)
	}
	codes := map[string]bool{}
	if b.Official != nil {
		for c := range b.Official.Parties {
			codes[c] = true
		}
	}
	if b.PVT != nil {
		for c := range b.PVT.Parties {
			codes[c] = true
		}
	}
	seats := func(o *analysis.SeatOutcome, c string) int {
		if o == nil {
			return -1
		}
		return o.Parties[c]
	}
	order := make([]string, 0, len(codes))
	for c := range codes {
		order = append(order, c)
	}
	slices.SortFunc(order, func(x, y string) int {
		if v := cmp.Compare(max(seats(b.Official, y), seats(b.PVT, y)), max(seats(b.Official, x), seats(b.PVT, x))); v != 0 {
			return v
		}
		return cmp.Compare(x, y)
	})
	official, projection := tr(lang, "public.seats_official"), tr(lang, "public.seats_pvt")
	var rows []svgchart.BarRow
	for _, c := range order {
		name := partyName[c]
		if name == "" {
			name = c
		}
		row := pubSeatRow{Party: name, Official: "—", PVT: "—", Range: "—"}
		if b.Official != nil {
			v := b.Official.Parties[c]
			row.Official = strconv.Itoa(v)
			rows = append(rows, svgchart.BarRow{Label: name + " — " + official, Values: []float64{float64(v)}})
		}
		if b.PVT != nil {
			v := b.PVT.Parties[c]
			row.PVT = strconv.Itoa(v)
			lo, hi := v, v
			if x, ok := b.PVT.Low[c]; ok {
				lo = x
			}
			if x, ok := b.PVT.High[c]; ok {
				hi = x
			}
			row.Range = strconv.Itoa(lo) + "–" + strconv.Itoa(hi)
			rows = append(rows, svgchart.BarRow{Label: name + " — " + projection, Values: []float64{float64(v)}})
		}
		pb.Rows = append(pb.Rows, row)
	}
	if len(rows) > 0 {
		pb.Chart = svgchart.Bars{
			ID: "seats-" + b.Body, Title: tr(lang, "public.seats_chart_title", locales.Args{"Body": pb.Name}),
			Desc: tr(lang, "public.seats_chart_desc"),
			Axis: svgchart.Axis{Label: tr(lang, "public.seats_axis"), Min: 0}, Rows: rows,
		}.SVG()
	}
	if b.Official == nil {
		pb.Notes = append(pb.Notes, tr(lang, "public.seats_no_official"))
	} else if b.Official.Unfilled > 0 {
		pb.Notes = append(pb.Notes, locales.For(lang).N("public.seats_unfilled", b.Official.Unfilled))
	}
	if b.PVT == nil {
		pb.Notes = append(pb.Notes, tr(lang, "public.seats_no_pvt"))
	} else {
		pb.Notes = append(pb.Notes, tr(lang, "public.seats_range_note"))
	}
	for _, t := range []iltod.Text{b.OfficialError, b.PVTError} {
		if s := t.In(lang, locales.Fallback); s != "" {
			pb.Notes = append(pb.Notes, s)
		}
	}
	return pb
}

// mongoliaMap is the decoded outline of Mongolia's aimags, decoded once.
var mongoliaMap = sync.OnceValues(func() ([]topomap.Feature, error) {
	t, err := topomap.Decode(demomaps.Mongolia)
	if err != nil {
		return nil, err
	}
	return t.Features("mng"), nil
})

// coverageMap draws the aimags coloured by the share of their stations with observers'
// results, each linking to its area page; "" if the map cannot be drawn.
func coverageMap(lang string, d *pubResults, cov map[string]app.AreaCoverage) template.HTML {
	fs, err := mongoliaMap()
	if err != nil || len(fs) == 0 {
		return ""
	}
	known := map[string]bool{}
	for _, c := range d.Children {
		known[c.Code] = true
	}
	svg := topomap.Render(fs, topomap.Options{
		ID:    "coverage-map",
		Title: tr(lang, "public.map_title"),
		Desc:  tr(lang, "public.map_desc"),
		Code:  topomap.ISOCode,
		Fill:  coverageFill(cov),
		Label: func(code string) string {
			c, ok := cov[code]
			if !ok {
				return code
			}
			return tr(lang, "public.map_label", locales.Args{"Name": c.Name.In(lang), "Pct": fmtPct1(lang, ratio(c.Results, c.Stations)), "K": formatCount(lang, int64(c.Results)), "N": formatCount(lang, int64(c.Stations))})
		},
		Link: func(code string) string {
			if !known[code] {
				return ""
			}
			return d.href("areas/" + code)
		},
		// The legend is HTML, below the map (coverageLegend): inside the SVG it would
		// shrink with the map, to 4 pixels high on a phone.
	})
	return template.HTML(svg)
}

// Localised names of the domain's codes.

func levelLabel(lang string, l iltod.Level) string {
	return trOr(lang, "public.level_"+string(l), string(l))
}

func levelPlural(lang string, l iltod.Level) string {
	return trOr(lang, "public.levels_"+string(l), string(l))
}

func systemLabel(lang string, k iltod.SystemKind) string {
	return trOr(lang, "public.system_"+string(k), string(k))
}

func stratifyLabel(lang, by string) string {
	return trOr(lang, "public.stratify_"+by, by)
}

func verdictLabel(lang string, v pvt.Verdict) string {
	return trOr(lang, "public.verdict_"+string(v), string(v))
}
