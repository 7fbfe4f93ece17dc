package plaincsv

import (
	"context"
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/iltod/iltod/stats/pvt"

	"github.com/iltod/iltod/locales"
)

// CompareOptions asks Compare to compare observers' station results with official ones.
type CompareOptions struct {
	// In holds the observers' results of the sampled stations; Official the official
	// results of every station, with the same column names. Stations are paired by code.
	In, Official string
	// Columns names the station codes, the Choices and the valid votes (required), and
	// the strata (optional, read from Official).
	Columns
	// Tolerance flags the stations whose discrepancy D = Σ|observed − official| is above
	// it; 0 flags any difference.
	Tolerance float64
	// OfficialShare holds the published national shares by choice, where they differ
	// from the totals of the file Official.
	OfficialShare map[string]float64
}

// Compare compares observers' results with official ones station by station (pvt.Match)
// and per choice (pvt.Paired, pvt.Collation, pvt.Diagnose). The official file's stations
// are the population, by stratum if Columns.Stratum is given.
func Compare(ctx context.Context, opt CompareOptions) (*CompareResult, error) {
	if err := need(
		want{opt.In, "-in FILE", "cli.want.observed_file"},
		want{opt.Official, "-official FILE", "cli.want.official_file"},
		want{opt.Station, "-station COL", "cli.want.station_both"},
		want{strings.Join(opt.Choices, ","), "-choices COL,COL,…", "cli.want.choices_both"},
		want{opt.Valid, "-valid COL", "cli.want.valid_both"},
	); err != nil {
		return nil, err
	}
	if !(opt.Tolerance >= 0) || math.IsInf(opt.Tolerance, 0) {
		return nil, usage("cli.opt.tolerance", locales.Args{"Value": fmt.Sprint(opt.Tolerance)})
	}
	choices, err := names("choices", opt.Choices)
	if err != nil {
		return nil, err
	}
	published, err := shares("official-share", opt.OfficialShare, choices)
	if err != nil {
		return nil, err
	}

	off, err := readOfficial(ctx, opt.Official, &opt.Columns, choices)
	if err != nil {
		return nil, err
	}
	out := &CompareResult{In: opt.In, Official: opt.Official, Choices: choices, officialStations: len(off.rows)}
	pairs, err := readPairs(ctx, &opt.Columns, off, out)
	if err != nil {
		return nil, err
	}
	if out.Match, err = pvt.Match(pairs, opt.Tolerance); err != nil {
		return nil, fail("cli.csv.match", locales.Args{"Err": err})
	}
	for i, di := range out.Match.Discrepancies {
		if di.Flagged {
			out.Flagged = append(out.Flagged, Flagged{Station: di.Station, Stratum: pairs[i].Stratum, D: di.D, Observed: pairs[i].Observed, Official: pairs[i].Official})
		}
	}
	sort.SliceStable(out.Flagged, func(i, j int) bool { return out.Flagged[i].D > out.Flagged[j].D })
	if out.Tests, err = choiceTests(pairs, off, out.Design, choices, published); err != nil {
		return nil, err
	}
	return out, nil
}

// CompareResult is what Compare finds.
type CompareResult struct {
	In       string   `json:"in"`
	Official string   `json:"official"`
	Choices  []string `json:"choices"`
	// Observed counts the observed rows; Compared those compared; SkippedObserved and
	// SkippedOfficial the rows left out because the observers' or the official counts are
	// not all given.
	Observed        int             `json:"observed"`
	Compared        int             `json:"compared"`
	SkippedObserved int             `json:"skipped_observed"`
	SkippedOfficial int             `json:"skipped_official"`
	Design          pvt.Design      `json:"design"`
	Match           pvt.MatchResult `json:"match"`
	// Flagged holds the flagged stations, largest discrepancy first.
	Flagged []Flagged     `json:"flagged"`
	Tests   []ChoiceTests `json:"tests"`

	officialStations int // in the file Official
}

// Flagged is one flagged station with its counts.
type Flagged struct {
	Station  string    `json:"station"`
	Stratum  string    `json:"stratum,omitempty"`
	D        float64   `json:"d"`
	Observed []float64 `json:"observed"`
	Official []float64 `json:"official"`
}

// nationalTotals is the NationalSource of a national share computed from the official
// file: a stable value of the JSON output, which predates the message catalogue.
const nationalTotals = "the official file's totals"

// ChoiceTests are Compare's tests of one choice.
type ChoiceTests struct {
	Choice string `json:"choice"`
	// NationalSource says where the national share came from: "the official file's totals"
	// or "-official-share". It is a value for programs, the same in every language; Print
	// writes it in the reader's.
	NationalSource string   `json:"national_source"`
	Paired         pvt.Test `json:"paired"`
	Collation      pvt.Test `json:"collation"`
	Diagnosis      pvt.Call `json:"diagnosis"`
}

// officialRow is one station of the official file.
type officialRow struct {
	stratum string
	votes   []int64
	valid   int64
	given   bool // every count given
}

// official is Compare's official file: its stations by code, the number of them in
// each stratum (the population), and the national totals over the stations with every
// count given.
type official struct {
	rows       map[string]*officialRow
	population map[string]int
	totals     []float64 // by choice
	totalValid float64
}

// readOfficial reads Compare's official file, name, with the columns cols names and
// choices. It fails on a file without stations.
func readOfficial(ctx context.Context, name string, cols *Columns, choices []string) (*official, error) {
	in, l, err := openLayout(name, cols, choices, "station", "choices", "valid", "stratum")
	if err != nil {
		return nil, err
	}
	defer in.close()
	off := &official{rows: map[string]*officialRow{}, population: map[string]int{}, totals: make([]float64, len(choices))}
	seen := codes{}
	err = in.each(ctx, func() error {
		code, err := seen.add(in, l.station)
		if err != nil {
			return err
		}
		r := &officialRow{}
		if r.stratum, err = in.stratum(l.stratum); err != nil {
			return err
		}
		if r.votes, r.valid, r.given, err = in.results(&l); err != nil {
			return err
		}
		if r.given {
			for c, v := range r.votes {
				off.totals[c] += float64(v)
			}
			off.totalValid += float64(r.valid)
		}
		off.rows[code] = r
		off.population[r.stratum]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(off.rows) == 0 {
		return nil, fail("cli.csv.no_stations", locales.Args{"File": name})
	}
	return off, nil
}

// readPairs reads the observed file, out.In, and pairs each station with its official
// row, counting on out the rows read, compared and skipped, and setting out's design: the
// official stations are the population, the observed ones the sample. It fails if a
// station is not in the official file, or if no station has every count in both.
func readPairs(ctx context.Context, cols *Columns, off *official, out *CompareResult) ([]pvt.Pair, error) {
	choices := out.Choices
	in, l, err := openLayout(out.In, cols, choices, "station", "choices", "valid")
	if err != nil {
		return nil, err
	}
	defer in.close()
	sampled := map[string]int{}
	var pairs []pvt.Pair
	var missing []string
	seen := codes{}
	err = in.each(ctx, func() error {
		code, err := seen.add(in, l.station)
		if err != nil {
			return err
		}
		votes, valid, all, err := in.results(&l)
		if err != nil {
			return err
		}
		r, ok := off.rows[code]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q (%s:%d)", code, out.In, in.line(l.station)))
			return nil
		}
		sampled[r.stratum]++
		switch {
		case !all:
			out.SkippedObserved++
			return nil
		case !r.given:
			out.SkippedOfficial++
			return nil
		}
		pr := pvt.Pair{Station: code, Stratum: r.stratum, Observed: make([]float64, len(choices)), Official: make([]float64, len(choices)), Den: float64(valid)}
		for c := range choices {
			pr.Observed[c], pr.Official[c] = float64(votes[c]), float64(r.votes[c])
		}
		pairs = append(pairs, pr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Observed = in.rows
	if n := len(missing); n > 0 {
		var list any = strings.Join(missing, ", ")
		if n > top {
			list = locales.Message{Key: "cli.csv.and_more", Args: locales.Args{"List": strings.Join(missing[:top], ", "), "N": n - top}}
		}
		return nil, fail("cli.csv.not_official", locales.Args{"In": out.In, "N": n, "Official": out.Official, "List": list})
	}
	if len(pairs) == 0 {
		return nil, fail("cli.csv.none_to_compare", locales.Args{"In": out.In, "Rows": out.Observed, "Observed": out.SkippedObserved, "Official": out.SkippedOfficial})
	}
	out.Compared = len(pairs)
	out.Design = pvt.Design{Strata: off.population, Sampled: sampled}
	return pairs, nil
}

// choiceTests runs, for each choice in choices, the paired test on pairs and the
// collation test of their official shares against the national share: published's if it
// has the choice, else the official file's totals.
func choiceTests(pairs []pvt.Pair, off *official, d pvt.Design, choices []string, published map[int]float64) ([]ChoiceTests, error) {
	var tests []ChoiceTests
	for c, name := range choices {
		paired, err := pvt.Paired(pairs, c, d, 0)
		if err != nil {
			return nil, fail("cli.csv.paired", locales.Args{"Choice": name, "Err": err})
		}
		units := make([]pvt.Unit, len(pairs))
		for i, pr := range pairs {
			units[i] = pvt.Unit{Stratum: pr.Stratum, Num: pr.Official[c], Den: float64(off.rows[pr.Station].valid)}
		}
		est, err := pvt.Ratio(units, d)
		if err != nil {
			return nil, fail("cli.csv.collation", locales.Args{"Choice": name, "Err": err})
		}
		national, source := off.totals[c]/off.totalValid, nationalTotals
		if s, ok := published[c]; ok {
			national, source = s, "-official-share"
		}
		coll := pvt.Collation(est, national, 0)
		tests = append(tests, ChoiceTests{Choice: name, NationalSource: source, Paired: paired, Collation: coll, Diagnosis: pvt.Diagnose(paired, coll)})
	}
	return tests, nil
}
