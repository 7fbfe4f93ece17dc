package plaincsv

import (
	"context"
	"fmt"

	"github.com/iltod/iltod/stats/forensics"

	"github.com/iltod/iltod/locales"
)

// ForensicsOptions asks Forensics to screen the station results of a file.
type ForensicsOptions struct {
	// In holds the results of every station, one per row.
	In string
	// Columns names registered voters, ballots found (Cast) and the leader's votes
	// (required); ballots issued (taken to be the ballots found without it); station codes
	// (stations are named by their line without them); areas whose stations are compared
	// with each other; and Choices, the counts for the digit tests (the leader's votes
	// without them).
	Columns
	// MonteCarlo, if above 0, adds the integer-percentage test with a Monte Carlo null of
	// that many replications (at most 100,000), drawn from Seed.
	MonteCarlo int
	Seed       uint64
	// Progress, if not nil, is called when a long step starts, with its name (a message of
	// the catalogue, for the caller to write in its language), and returns
	// the function to call when it ends.
	Progress func(step locales.Message) (done func())
}

// Forensics runs every screen of package forensics on the stations of a file: integer
// percentages, the turnout × leader's share fingerprint and its cumulative curve, second-
// and last-digit tests, and flags. Screens point at numbers worth a closer look; they are
// never verdicts.
func Forensics(ctx context.Context, opt ForensicsOptions) (*ForensicsResult, error) {
	if err := need(
		want{opt.In, "-in FILE", "cli.want.every_station"},
		want{opt.Registered, "-registered COL", "cli.want.registered"},
		want{opt.Cast, "-cast COL", "cli.want.cast"},
		want{opt.Leader, "-leader COL", "cli.want.leader"},
	); err != nil {
		return nil, err
	}
	if opt.MonteCarlo < 0 || opt.MonteCarlo > 100000 {
		return nil, usage("cli.opt.mc", locales.Args{"Value": opt.MonteCarlo})
	}
	digitColumns := []string{opt.Leader}
	if len(opt.Choices) > 0 {
		var err error
		if digitColumns, err = names("choices", opt.Choices); err != nil {
			return nil, err
		}
	}

	out := &ForensicsResult{In: opt.In, Leader: opt.Leader, DigitColumns: digitColumns, area: opt.Area != ""}
	stations, digits, err := readForensics(ctx, &opt.Columns, out)
	if err != nil {
		return nil, err
	}
	out.Integer = forensics.IntegerPercentages(stations)
	if opt.MonteCarlo > 0 {
		done := func() {}
		if opt.Progress != nil {
			done = opt.Progress(locales.Message{Key: "cli.progress.monte_carlo", Args: locales.Args{"N": opt.MonteCarlo}})
		}
		r := forensics.IntegerPercentagesMC(stations, opt.MonteCarlo, opt.Seed)
		done()
		out.IntegerMC = &r
	}
	out.Fingerprint = forensics.TurnoutShare(stations)
	out.Digits = []forensics.DigitTest{forensics.SecondDigit(digits), forensics.LastDigit(digits), forensics.ZeroFive(digits)}
	out.Flags = forensics.FlagStations(stations, forensics.FlagOptions{})
	return out, nil
}

// ForensicsResult is what Forensics finds.
type ForensicsResult struct {
	In     string `json:"in"`
	Leader string `json:"leader"`
	Rows   int    `json:"rows"`
	// Stations counts the rows screened; Skipped the rows without registered voters,
	// ballots found, ballots issued or the leader's votes.
	Stations     int                   `json:"stations"`
	Skipped      int                   `json:"skipped"`
	Integer      forensics.IntegerTest `json:"integer"`
	IntegerMC    *forensics.IntegerMC  `json:"integer_mc,omitempty"`
	Fingerprint  forensics.Fingerprint `json:"fingerprint"`
	DigitColumns []string              `json:"digit_columns"`
	Digits       []forensics.DigitTest `json:"digits"`
	Flags        forensics.Flags       `json:"flags"`

	area bool // whether stations were compared within their areas
}

// readForensics reads the stations of out.In, and the counts in out.DigitColumns for
// the digit tests, counting on out the rows read, screened and skipped. A station is
// named by its code, or without -station by its line. It fails if no row has registered
// voters, ballots found and the leader's votes all given.
func readForensics(ctx context.Context, cols *Columns, out *ForensicsResult) (stations []forensics.Station, digits []int, err error) {
	in, l, err := openLayout(out.In, cols, out.DigitColumns, "registered", "cast", "leader", "issued", "station", "area", "choices")
	if err != nil {
		return nil, nil, err
	}
	defer in.close()
	idx := []int{l.registered, l.cast, l.leader}
	if l.issued >= 0 {
		idx = append(idx, l.issued)
	}
	seen := codes{}
	err = in.each(ctx, func() error {
		code, err := seen.add(in, l.station)
		if err != nil {
			return err
		}
		if code == "" {
			code = fmt.Sprintf("line %d", in.line(0))
		}
		s := forensics.Station{Code: code}
		if l.area >= 0 {
			s.Area = in.text(l.area)
		}
		v, all, err := in.counts(idx)
		if err != nil {
			return err
		}
		for _, c := range l.choices {
			n, given, err := in.count(c)
			if err != nil {
				return err
			}
			if given {
				digits = append(digits, int(n))
			}
		}
		if !all {
			out.Skipped++
			return nil
		}
		s.Registered, s.Found, s.Leader, s.Issued = int(v[0]), int(v[1]), int(v[2]), int(v[1])
		if l.issued >= 0 {
			s.Issued = int(v[3])
		}
		stations = append(stations, s)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out.Rows, out.Stations = in.rows, len(stations)
	if len(stations) == 0 {
		return nil, nil, fail("cli.csv.no_forensics", locales.Args{"In": out.In, "Rows": in.rows})
	}
	return stations, digits, nil
}
