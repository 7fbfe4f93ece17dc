package main

import (
	"context"
	"fmt"
	"io"
	"slices"
	"strconv"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
)

func runSeats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet("seats", stderr, "-election ID [flags]")
	var f electionFlags
	f.register(fs)
	if err := f.parse(fs, args); err != nil {
		return err
	}
	return withApp(ctx, f.sc, func(ctx context.Context, a *app.App) error {
		rep, err := a.Analyze(ctx, f.election, analysis.Options{NoForensics: true})
		if err != nil {
			return err
		}
		t := &tabular.Table{Header: []string{"body", "party", "official", "projected", "range"}}
		for _, b := range rep.Bodies {
			parties := map[string]bool{}
			for _, o := range []*analysis.SeatOutcome{b.Official, b.PVT} {
				if o != nil {
					for p := range o.Parties {
						parties[p] = true
					}
					for p := range o.Low {
						parties[p] = true
					}
				}
			}
			for _, p := range slices.Sorted(func(yield func(string) bool) {
				for p := range parties {
					if !yield(p) {
						return
					}
				}
			}) {
				off, proj, rng := "-", "-", ""
				if b.Official != nil {
					off = strconv.Itoa(b.Official.Parties[p])
				}
				if b.PVT != nil {
					proj = strconv.Itoa(b.PVT.Parties[p])
					rng = fmt.Sprintf("%d–%d", b.PVT.Low[p], b.PVT.High[p])
				}
				name := p
				if name == "" {
					name = "(independents)"
				}
				t.Add(b.Body, name, off, proj, rng)
			}
			if b.OfficialError != "" {
				t.Add(b.Body, "-", "no seats: "+b.OfficialError, "", "")
			}
			if b.PVTError != "" {
				t.Add(b.Body, "-", "", "no projection: "+b.PVTError, "")
			}
		}
		if err := f.out.print(stdout, t, rep.Bodies); err != nil {
			return err
		}
		if !f.out.json && !f.out.csv {
			for _, b := range rep.Bodies {
				if b.PVT != nil {
					fmt.Fprintf(stdout, "\n%s: %s\n", b.Body, b.PVT.Note)
				}
			}
		}
		return nil
	})
}

const plainSeatsUsage = `-in FILE (-choice COL -votes COL [-party COL] | -choices COL,COL,…) -seats N -system list_pr|fptp|block|two_round
       [-method dhondt|sainte_lague|modified_sainte_lague|huntington_hill|hare|droop]
       [-threshold T -threshold-base valid|list_valid|valid_and_blank] [-majority M -majority-base valid|valid_and_blank]
       [-min-share S] [-min-turnout T -cast N -registered N] [-valid N] [-blank N] [-ties lot|most_votes|ballot_order]
       [-lot SEED] [-round 1|2] [-json|-csv]

Allocates seats from the votes in FILE (package seats). FILE has a row per choice, named in
-choice with its votes in -votes, or a column of votes per choice, named by -choices. Votes
are added up over the rows, so FILE may hold votes by station or district. -valid defaults
to the sum of the votes.`

// plainSeats allocates seats from the votes of a file.
func plainSeats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("seats", stderr, plainSeatsUsage)
	p.register(fs, "in", "choices", "choice", "votes", "party")
	var opt plaincsv.SeatsOptions
	sys := &opt.System
	fs.IntVar(&opt.Seats, "seats", 0, "the number of seats to fill")
	fs.StringVar((*string)(&sys.Kind), "system", "", "the electoral system: list_pr, fptp, block or two_round")
	fs.StringVar(&sys.Method, "method", "", "list_pr: dhondt, sainte_lague, modified_sainte_lague, huntington_hill, hare or droop")
	fs.Float64Var(&sys.Threshold, "threshold", 0, "list_pr: the least share a list needs to win seats (0.05)")
	fs.StringVar(&sys.ThresholdBase, "threshold-base", "", "list_pr: what the threshold is a share of: valid, list_valid or valid_and_blank")
	fs.Float64Var(&sys.Majority, "majority", 0, "two_round: the share that must be exceeded (0.5)")
	fs.StringVar(&sys.MajorityBase, "majority-base", "", "two_round: what the majority is a share of: valid or valid_and_blank")
	fs.Float64Var(&sys.MinShare, "min-share", 0, "fptp: the least share of valid votes the winner needs")
	fs.Float64Var(&sys.MinTurnout, "min-turnout", 0, "fptp: the least turnout (-cast over -registered) for the election to stand")
	fs.StringVar(&sys.Ties, "ties", "", "the tie rule: lot, most_votes or ballot_order (default lot)")
	fs.Int64Var(&opt.Totals.Valid, "valid", -1, "valid ballots, blank ones not included (default: the sum of the votes; required for block)")
	fs.Int64Var(&opt.Totals.Blank, "blank", 0, "blank ballots, counted apart from valid ones")
	fs.Int64Var(&opt.Totals.Cast, "cast", 0, "ballots cast (for -min-turnout)")
	fs.Int64Var(&opt.Totals.Registered, "registered", 0, "registered voters (for -min-turnout)")
	fs.StringVar(&opt.Lot, "lot", "", "a public `SEED` to draw the lot that breaks ties (seats.DrawLot)")
	fs.IntVar(&opt.Round, "round", 0, "two_round: 1 for the first round, 2 for the runoff")
	if _, err := p.parse(fs, args); err != nil {
		return err
	}
	opt.In, opt.Columns = p.in, p.cols
	res, err := plaincsv.Seats(ctx, opt)
	return p.print(stdout, res, err)
}
