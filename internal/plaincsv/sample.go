package plaincsv

import (
	"context"
	"fmt"
	"strings"

	"github.com/iltod/iltod/stats/pvt"

	"github.com/iltod/iltod/locales"
)

// SampleOptions asks Sample for a stratified PVT sample.
type SampleOptions struct {
	// In is the sampling frame: every station, one per row. Its order is part of the draw.
	In string
	// Columns names the station codes (required) and the strata (optional).
	Columns
	Size          int    // stations to draw over all strata, from 1 to the stations in In
	Seed          uint64 // other than 0, fixed in public before the draw; it makes the sample reproducible
	Reserves      int    // replacement stations listed per stratum
	MinPerStratum int    // the fewest stations drawn per stratum; 0 means 2
}

// SampleResult is a drawn sample. Its JSON form is Sample alone, which
// pvt.Sample.Verify redraws from the same file.
type SampleResult struct {
	In       string
	Stations int // in the frame
	Sample   pvt.Sample
}

// Sample draws a stratified PVT sample from the stations of opt.In, in file order, with
// pvt.Draw.
func Sample(ctx context.Context, opt SampleOptions) (*SampleResult, error) {
	if err := need(
		want{opt.In, "-in FILE", "cli.want.stations"},
		want{opt.Station, "-station COL", "cli.want.station"},
	); err != nil {
		return nil, err
	}
	if opt.Size == 0 {
		return nil, usage("cli.opt.size", nil)
	}
	if opt.Seed == 0 {
		return nil, usage("cli.opt.seed", nil)
	}
	frame, err := readFrame(ctx, opt.In, &opt.Columns)
	if err != nil {
		return nil, err
	}
	if opt.Size < 1 || opt.Size > len(frame) {
		return nil, usage("cli.opt.size_range", locales.Args{"Value": opt.Size, "N": len(frame), "In": opt.In})
	}
	s, err := pvt.Draw(frame, pvt.DrawOptions{Size: opt.Size, Seed: opt.Seed, Reserves: opt.Reserves, MinPerStratum: opt.MinPerStratum})
	if err != nil {
		return nil, fail("cli.csv.draw", locales.Args{"In": opt.In, "Err": err})
	}
	return &SampleResult{In: opt.In, Stations: len(frame), Sample: s}, nil
}

// readFrame reads the sampling frame: the stations of file in, in file order, each with
// its stratum if cols names one. It fails on a file without stations.
func readFrame(ctx context.Context, name string, cols *Columns) ([]pvt.FrameStation, error) {
	in, l, err := openLayout(name, cols, nil, "station", "stratum")
	if err != nil {
		return nil, err
	}
	defer in.close()
	var frame []pvt.FrameStation
	seen := codes{}
	err = in.each(ctx, func() error {
		code, err := seen.add(in, l.station)
		if err != nil {
			return err
		}
		stratum, err := in.stratum(l.stratum)
		if err != nil {
			return err
		}
		frame = append(frame, pvt.FrameStation{Code: code, Stratum: stratum})
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(frame) == 0 {
		return nil, fail("cli.csv.no_stations", locales.Args{"File": name})
	}
	return frame, nil
}

// PlanOptions asks Plan for the size of a simple random sample of stations.
type PlanOptions struct {
	// In is a previous election's results, a station per row.
	In string
	// Columns names the votes of the choice that matters (Choices, one column) or of two
	// choices for their margin (two columns), and the valid votes (required); station
	// codes, if named, must be unique.
	Columns
	MOE        float64 // the margin of error wanted, as a fraction: 0.01 is ±1 point
	Confidence float64 // the confidence level of the margin of error, e.g. 0.95
	ReportRate float64 // the share of sampled stations expected to report in time
}

// PlanResult is Plan's finding.
type PlanResult struct {
	In         string       `json:"in"`
	Choices    []string     `json:"choices"` // one choice, or two for their margin
	MOE        float64      `json:"moe"`
	Confidence float64      `json:"confidence"`
	Z          float64      `json:"z"`
	Skipped    int          `json:"skipped"` // rows without the valid votes or a choice's votes
	Plan       pvt.SizePlan `json:"plan"`
}

// Plan sizes a PVT sample from a previous election's results with pvt.PlanSize: the
// units are the choice's votes (or the difference of two choices' votes) over the valid
// votes of every station with both given.
func Plan(ctx context.Context, opt PlanOptions) (*PlanResult, error) {
	if err := need(
		want{opt.In, "-in FILE", "cli.want.stations"},
		want{strings.Join(opt.Choices, ","), "-choices COL", "cli.want.plan_choices"},
		want{opt.Valid, "-valid COL", "cli.want.valid"},
	); err != nil {
		return nil, err
	}
	choices, err := names("choices", opt.Choices)
	if err != nil {
		return nil, err
	}
	switch {
	case len(choices) > 2:
		return nil, usage("cli.opt.plan_choices", locales.Args{"N": len(choices)})
	case !(opt.MOE > 0 && opt.MOE < 1):
		return nil, usage("cli.opt.moe", locales.Args{"Value": fmt.Sprint(opt.MOE)})
	case !(opt.Confidence > 0 && opt.Confidence < 1):
		return nil, usage("cli.opt.confidence", locales.Args{"Value": fmt.Sprint(opt.Confidence)})
	case !(opt.ReportRate > 0 && opt.ReportRate <= 1):
		return nil, usage("cli.opt.report_rate", locales.Args{"Value": fmt.Sprint(opt.ReportRate)})
	}
	units, skipped, err := readPlanUnits(ctx, opt.In, &opt.Columns, choices)
	if err != nil {
		return nil, err
	}
	z := pvt.Z(opt.Confidence)
	plan, err := pvt.PlanSize(units, opt.MOE, z, opt.ReportRate)
	if err != nil {
		return nil, fail("cli.csv.plan", locales.Args{"In": opt.In, "Err": err})
	}
	return &PlanResult{In: opt.In, Choices: choices, MOE: opt.MOE, Confidence: opt.Confidence, Z: z, Skipped: skipped, Plan: plan}, nil
}

// readPlanUnits reads Plan's units from file name: per station, the votes of choice
// choices[0] (less those of choices[1], if given) over the valid votes. It skips and
// counts the rows without all of those counts; station codes, if cols names them, must
// be unique.
func readPlanUnits(ctx context.Context, name string, cols *Columns, choices []string) (units []pvt.Unit, skipped int, err error) {
	in, l, err := openLayout(name, cols, choices, "choices", "valid", "station")
	if err != nil {
		return nil, 0, err
	}
	defer in.close()
	seen := codes{}
	err = in.each(ctx, func() error {
		if _, err := seen.add(in, l.station); err != nil {
			return err
		}
		votes, valid, all, err := in.results(&l)
		if err != nil {
			return err
		}
		if !all {
			skipped++
			return nil
		}
		a := float64(votes[0])
		if len(votes) == 2 {
			a -= float64(votes[1])
		}
		units = append(units, pvt.Unit{Num: a, Den: float64(valid)})
		return nil
	})
	if err != nil {
		return nil, 0, err
	}
	return units, skipped, nil
}
