package plaincsv

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/iltod/iltod/stats/pvt"

	"github.com/iltod/iltod/locales"
)

// PVTOptions asks PVT for estimates from the sampled stations of a file.
type PVTOptions struct {
	// In holds the sampled stations' results, one per row. A row whose valid votes or a
	// choice's votes are empty has not reported: it is skipped and counted.
	In string
	// Columns names the station codes, at least two Choices and the valid votes
	// (required); the strata (with Strata); and ballots cast with registered voters, both
	// or neither, for turnout.
	Columns
	// The population is Population stations, for a simple random sample; or, with
	// Columns.Stratum, the file Strata, with the columns stratum and population (the
	// stations in each stratum). Give one of them.
	Population int
	Strata     string
	// Majority is the share of valid votes the leader must exceed to win in one round
	// (0.5): with it, PVT calls whether a runoff is needed. 0 means no such call.
	Majority float64
	// Official holds official shares to check against the estimates, by choice.
	Official map[string]float64
}

// PVTResult is PVT's estimate.
type PVTResult struct {
	In        string   `json:"in"`
	Choices   []string `json:"choices"`
	Rows      int      `json:"rows"`      // sampled stations in the file
	Reporting int      `json:"reporting"` // rows with the valid votes and every choice's votes
	Skipped   int      `json:"skipped"`   // the other rows
	// TurnoutSkipped counts rows without ballots cast or registered voters, left out of
	// the turnout estimate.
	TurnoutSkipped int        `json:"turnout_skipped,omitempty"`
	TurnoutError   string     `json:"turnout_error,omitempty"`
	Design         pvt.Design `json:"design"`
	Result         pvt.Result `json:"result"`
	Official       []Check    `json:"official,omitempty"`

	turnout, stratified bool // whether the options asked for turnout and strata
}

// Check is pvt.CheckOfficial's call on one choice's official share.
type Check struct {
	Choice string   `json:"choice"`
	Share  float64  `json:"share"`
	Call   pvt.Call `json:"call"`
}

// PVT estimates a contest from the sampled stations of a file with pvt.Analyze: every
// choice's share of valid votes, the margin between the top two and the calls they
// support; and turnout with pvt.Ratio over the rows that give ballots cast and registered
// voters. When too few stations of a stratum report, its error lists those strata.
func PVT(ctx context.Context, opt PVTOptions) (*PVTResult, error) {
	if err := need(
		want{opt.In, "-in FILE", "cli.want.sampled"},
		want{opt.Station, "-station COL", "cli.want.station"},
		want{strings.Join(opt.Choices, ","), "-choices COL,COL,…", "cli.want.choices"},
		want{opt.Valid, "-valid COL", "cli.want.valid"},
	); err != nil {
		return nil, err
	}
	if (opt.Cast == "") != (opt.Registered == "") {
		return nil, usage("cli.opt.cast_registered", nil)
	}
	switch {
	case (opt.Population != 0) == (opt.Strata != ""):
		return nil, usage("cli.opt.population_or_strata", nil)
	case opt.Stratum != "" && opt.Strata == "":
		return nil, usage("cli.opt.stratum_needs_strata", nil)
	case opt.Stratum == "" && opt.Strata != "":
		return nil, usage("cli.opt.strata_needs_stratum", nil)
	case opt.Population < 0:
		return nil, usage("cli.opt.population", locales.Args{"Value": opt.Population})
	case !(opt.Majority >= 0 && opt.Majority < 1):
		return nil, usage("cli.opt.majority", locales.Args{"Value": fmt.Sprint(opt.Majority)})
	}
	choices, err := names("choices", opt.Choices)
	if err != nil {
		return nil, err
	}
	if len(choices) < 2 {
		return nil, usage("cli.opt.pvt_choices", nil)
	}
	checks, err := shares("official", opt.Official, choices)
	if err != nil {
		return nil, err
	}

	out := &PVTResult{In: opt.In, Choices: choices, turnout: opt.Cast != "", stratified: opt.Stratum != ""}
	rows, err := readPVT(ctx, opt.In, &opt.Columns, out)
	if err != nil {
		return nil, err
	}
	if out.Design, err = design(ctx, &opt, rows); err != nil {
		return nil, err
	}
	if out.Result, err = estimate(rows, out.Design, opt.Majority, opt.In); err != nil {
		return nil, err
	}
	if out.turnout {
		// Turnout needs only cast and registered: its own rows, the same estimator.
		e, err := pvt.Ratio(rows.turnout, out.Design)
		if err != nil {
			out.TurnoutError = err.Error()
		} else {
			out.Result.Turnout = &e
		}
	}
	for c := range choices {
		if share, ok := checks[c]; ok {
			out.Official = append(out.Official, Check{Choice: choices[c], Share: share, Call: pvt.CheckOfficial(out.Result.Shares[c], share, 0)})
		}
	}
	return out, nil
}

// pvtRows are the sampled stations that PVT reads from its input file.
type pvtRows struct {
	stations  []pvt.Station  // the stations that report every choice's votes and the valid votes
	turnout   []pvt.Unit     // ballots cast over registered voters, where both are given
	sampled   map[string]int // the sampled stations by stratum, reporting or not
	firstLine map[string]int // the line on which each stratum first appears
}

// readPVT reads the sampled stations of file name, with choices out.Choices, and counts
// on out the rows it reads and those it skips. It fails on a file without stations.
func readPVT(ctx context.Context, name string, cols *Columns, out *PVTResult) (*pvtRows, error) {
	in, l, err := openLayout(name, cols, out.Choices, "station", "choices", "valid", "stratum", "cast", "registered")
	if err != nil {
		return nil, err
	}
	defer in.close()
	rows := &pvtRows{sampled: map[string]int{}, firstLine: map[string]int{}}
	seen := codes{}
	err = in.each(ctx, func() error {
		if _, err := seen.add(in, l.station); err != nil {
			return err
		}
		stratum, err := in.stratum(l.stratum)
		if err != nil {
			return err
		}
		if _, seen := rows.firstLine[stratum]; !seen {
			rows.firstLine[stratum] = in.line(0)
		}
		rows.sampled[stratum]++
		votes, valid, all, err := in.results(&l)
		if err != nil {
			return err
		}
		if l.cast >= 0 {
			t, given, err := in.counts([]int{l.cast, l.registered})
			if err != nil {
				return err
			}
			if given {
				rows.turnout = append(rows.turnout, pvt.Unit{Stratum: stratum, Num: float64(t[0]), Den: float64(t[1])})
			} else {
				out.TurnoutSkipped++
			}
		}
		if !all {
			out.Skipped++
			return nil
		}
		st := pvt.Station{Stratum: stratum, Votes: make([]float64, len(votes)), Valid: float64(valid)}
		for i, v := range votes {
			st.Votes[i] = float64(v)
		}
		rows.stations = append(rows.stations, st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Rows, out.Reporting = in.rows, len(rows.stations)
	if out.Rows == 0 {
		return nil, fail("cli.csv.no_stations", locales.Args{"File": name})
	}
	return rows, nil
}

// design returns the sample design of rows: one stratum of opt.Population stations
// without a stratum column, else the strata of the file opt.Strata, which must hold every
// sampled stratum with at least its sampled stations.
func design(ctx context.Context, opt *PVTOptions, rows *pvtRows) (pvt.Design, error) {
	d := pvt.Design{Strata: map[string]int{}, Sampled: rows.sampled}
	if opt.Stratum == "" {
		if n := rows.sampled[""]; opt.Population < n {
			return d, usage("cli.opt.population_small", locales.Args{"Value": opt.Population, "N": n, "In": opt.In})
		}
		d.Strata[""] = opt.Population
		return d, nil
	}
	var err error
	if d.Strata, err = readStrata(ctx, opt.Strata); err != nil {
		return d, err
	}
	for h, n := range rows.sampled {
		N, ok := d.Strata[h]
		switch {
		case !ok:
			return d, fail("cli.csv.stratum_missing", locales.Args{"In": opt.In, "Line": rows.firstLine[h], "Stratum": strconv.Quote(h), "Strata": opt.Strata})
		case N < n:
			return d, fail("cli.csv.stratum_small", locales.Args{"In": opt.In, "Stratum": strconv.Quote(h), "N": n, "Strata": opt.Strata, "Population": N})
		}
	}
	return d, nil
}

// estimate runs pvt.Analyze on the stations of rows, read from file in. When too few
// stations of a stratum report, its error lists those strata, a line each, and says how
// to merge them.
func estimate(rows *pvtRows, d pvt.Design, majority float64, in string) (pvt.Result, error) {
	res, err := pvt.Analyze(rows.stations, d, pvt.Options{Majority: majority})
	var ce *pvt.CoverageError
	switch {
	case errors.As(err, &ce):
		thin := thinStrata(ce.Thin)
		return res, fail("cli.csv.estimate_thin", locales.Args{"In": in, "Err": err, "Thin": thin})
	case err != nil:
		return res, fail("cli.csv.estimate", locales.Args{"In": in, "Err": err})
	}
	return res, nil
}

// thinStrata lists strata where too few sampled stations reported, a line each.
type thinStrata []pvt.StratumCoverage

// In writes the list in p's language.
func (t thinStrata) In(p *locales.Printer) string {
	var b strings.Builder
	for _, s := range t {
		b.WriteString("\n")
		b.WriteString(p.T("cli.csv.thin_stratum", locales.Args{"Stratum": strconv.Quote(s.Stratum),
			"Reported": p.Int(int64(s.Reported)), "Sampled": p.Int(int64(s.Sampled)), "Population": p.Int(int64(s.Population))}))
	}
	return b.String()
}

// readStrata reads a strata file: columns stratum and population.
func readStrata(ctx context.Context, name string) (map[string]int, error) {
	in, err := openFile(name)
	if err != nil {
		return nil, err
	}
	defer in.close()
	sCol, err := in.column("strata", "stratum")
	if err != nil {
		return nil, err
	}
	nCol, err := in.column("strata", "population")
	if err != nil {
		return nil, err
	}
	strata, lines := map[string]int{}, map[string]int{}
	err = in.each(ctx, func() error {
		h, err := in.stratum(sCol)
		if err != nil {
			return err
		}
		if prev, dup := lines[h]; dup {
			return fail("cli.csv.stratum_twice", locales.Args{"At": in.at(sCol), "Stratum": strconv.Quote(h), "Line": prev})
		}
		n, given, err := in.count(nCol)
		if err != nil {
			return err
		}
		if !given {
			return fail("cli.csv.population_empty", locales.Args{"At": in.at(nCol)})
		}
		strata[h], lines[h] = int(n), in.line(sCol)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(strata) == 0 {
		return nil, fail("cli.csv.no_strata", locales.Args{"File": name})
	}
	return strata, nil
}
