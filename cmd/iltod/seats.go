package main

import (
	"context"
	"fmt"
	"io"
	"maps"
	"slices"

	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/plaincsv"
	"github.com/iltod/iltod/internal/tabular"
	"github.com/iltod/iltod/locales"
)

func runSeats(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	fs := newFlagSet(p, "seats", stderr, "-election ID [flags]", "")
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
		t := tabular.New(p, "body", "party", "official", "projected", "range")
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
			for _, party := range slices.Sorted(maps.Keys(parties)) {
				var off, proj, rng any = "-", "-", ""
				if b.Official != nil {
					off = b.Official.Parties[party]
				}
				if b.PVT != nil {
					proj = b.PVT.Parties[party]
					rng = fmt.Sprintf("%d–%d", b.PVT.Low[party], b.PVT.High[party])
				}
				var name any = party
				if party == "" {
					name = tabular.Word{Code: "(independents)", Key: "cli.seats.independents"}
				}
				t.Add(b.Body, name, off, proj, rng)
			}
			if b.OfficialError != nil {
				t.Add(b.Body, "-", tabular.Word{Code: "no_seats: " + b.OfficialError.In(locales.Fallback), Key: "cli.seats.no_seats",
					Args: locales.Args{"Reason": b.OfficialError.In(p.Lang(), locales.Fallback)}}, "", "")
			}
			if b.PVTError != nil {
				t.Add(b.Body, "-", "", tabular.Word{Code: "no_projection: " + b.PVTError.In(locales.Fallback), Key: "cli.seats.no_projection",
					Args: locales.Args{"Reason": b.PVTError.In(p.Lang(), locales.Fallback)}}, "")
			}
		}
		if err := f.out.print(stdout, t, rep.Bodies); err != nil {
			return err
		}
		if !f.out.json && !f.out.csv {
			for _, b := range rep.Bodies {
				if b.PVT != nil {
					fmt.Fprintf(stdout, "\n%s: %s\n", b.Body, b.PVT.Note.In(p.Lang(), locales.Fallback))
				}
			}
		}
		return nil
	})
}

// plainSeats allocates seats from the votes of a file.
func plainSeats(ctx context.Context, p *locales.Printer, args []string, stdout, stderr io.Writer) error {
	var pf plainFlags
	fs := newFlagSet(p, "seats", stderr, `-in FILE (-choice COL -votes COL [-party COL] [-won COL] [-region COL] | -choices COL,COL,…) -seats N
       -system list_pr|fptp|block|two_round|mmp|ams
       [-method dhondt|sainte_lague|modified_sainte_lague|huntington_hill|hare|droop]
       [-threshold T -threshold-base valid|list_valid|valid_and_blank] [-threshold-scope contest|tier]
       [-exempt LIST,LIST] [-alliance A+B,C+D] [-qualify-won N] [-coalition LIST,LIST -coalition-threshold T]
       [-majority M -majority-base valid|valid_and_blank]
       [-min-share S] [-min-turnout T -cast N -registered N] [-valid N] [-blank N] [-ties lot|most_votes|ballot_order]
       [-lot SEED] [-round 1|2] [-json|-csv]`, "cli.about.seats")
	pf.register(fs, "in", "choices", "choice", "votes", "party", "won", "region")
	var opt plaincsv.SeatsOptions
	sys := &opt.System
	fs.IntVar(&opt.Seats, "seats", 0, "cli.flag.seats")
	fs.StringVar((*string)(&sys.Kind), "system", "", "cli.flag.system")
	fs.StringVar(&sys.Method, "method", "", "cli.flag.method")
	fs.Float64Var(&sys.Threshold, "threshold", 0, "cli.flag.threshold")
	fs.StringVar(&sys.ThresholdBase, "threshold-base", "", "cli.flag.threshold_base")
	fs.StringVar(&sys.ThresholdScope, "threshold-scope", "", "cli.seat_rules.flag_threshold_scope")
	fs.IntVar(&sys.QualifyWon, "qualify-won", 0, "cli.seat_rules.flag_qualify_won")
	fs.Float64Var(&sys.CoalitionThreshold, "coalition-threshold", 0, "cli.seat_rules.flag_coalition_threshold")
	exempt := fs.String("exempt", "", "cli.seat_rules.flag_exempt")
	coalition := fs.String("coalition", "", "cli.seat_rules.flag_coalition")
	alliance := fs.String("alliance", "", "cli.seat_rules.flag_alliance")
	pf.after = append(pf.after, func() (err error) {
		if opt.Exempt, err = plaincsv.ParseLists("exempt", *exempt); err != nil {
			return err
		}
		if opt.Coalitions, err = plaincsv.ParseLists("coalition", *coalition); err != nil {
			return err
		}
		opt.Alliances, err = plaincsv.ParseAlliances(*alliance)
		return err
	})
	fs.Float64Var(&sys.Majority, "majority", 0, "cli.flag.majority")
	fs.StringVar(&sys.MajorityBase, "majority-base", "", "cli.flag.majority_base")
	fs.Float64Var(&sys.MinShare, "min-share", 0, "cli.flag.min_share")
	fs.Float64Var(&sys.MinTurnout, "min-turnout", 0, "cli.flag.min_turnout")
	fs.StringVar(&sys.Ties, "ties", "", "cli.flag.ties")
	fs.Int64Var(&opt.Totals.Valid, "valid", -1, "cli.flag.valid_total")
	fs.Int64Var(&opt.Totals.Blank, "blank", 0, "cli.flag.blank")
	fs.Int64Var(&opt.Totals.Cast, "cast", 0, "cli.flag.cast_total")
	fs.Int64Var(&opt.Totals.Registered, "registered", 0, "cli.flag.registered_total")
	fs.StringVar(&opt.Lot, "lot", "", "cli.flag.lot")
	fs.IntVar(&opt.Round, "round", 0, "cli.flag.round")
	if _, err := pf.parse(fs, args); err != nil {
		return err
	}
	opt.In, opt.Columns = pf.in, pf.cols
	res, err := plaincsv.Seats(ctx, opt)
	return pf.print(p, stdout, res, err)
}
