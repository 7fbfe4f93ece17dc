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
		t := tabular.New(p, "body", "tier", "party", "official", "projected", "range")
		for _, b := range rep.Bodies {
			seatRows(t, b)
			if b.OfficialError != nil {
				t.Add(b.Body, "", "-", tabular.Word{Code: "no_seats: " + b.OfficialError.In(locales.Fallback), Key: "cli.seats.no_seats",
					Args: locales.Args{"Reason": b.OfficialError.In(p.Lang(), locales.Fallback)}}, "", "")
			}
			if b.PVTError != nil {
				t.Add(b.Body, "", "-", "", tabular.Word{Code: "no_projection: " + b.PVTError.In(locales.Fallback), Key: "cli.seats.no_projection",
					Args: locales.Args{"Reason": b.PVTError.In(p.Lang(), locales.Fallback)}}, "")
			}
		}
		if err := f.out.print(stdout, t, rep.Bodies); err != nil {
			return err
		}
		if !f.out.json && !f.out.csv {
			for _, b := range rep.Bodies {
				for _, o := range []*analysis.SeatOutcome{b.Official, b.PVT} {
					if o != nil && o.Size > b.Seats {
						fmt.Fprintf(stdout, "\n%s: %s", b.Body, p.T("cli.seat_rules.size", locales.Args{"Size": o.Size, "Seats": b.Seats, "Overhang": o.Size - b.Seats}))
						break
					}
				}
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
	fs := newFlagSet(p, "seats", stderr, `-in FILE (-choice COL -votes COL [-party COL] [-won COL] [-region COL [-region-seats COL]] | -choices COL,COL,…) -seats N
       -system list_pr|fptp|block|two_round|mmp|ams
       [-method dhondt|sainte_lague|modified_sainte_lague|huntington_hill|hare|droop]
       [-threshold T -threshold-base valid|list_valid|valid_and_blank] [-threshold-scope contest|tier]
       [-exempt LIST,LIST] [-alliance A+B,C+D] [-qualify-won N] [-coalition LIST,LIST -coalition-threshold T]
       [-majority M -majority-base valid|valid_and_blank]
       [-min-share S] [-min-turnout T -cast N -registered N] [-valid N] [-blank N] [-ties lot|most_votes|ballot_order]
       [-lot SEED] [-round 1|2] [-json|-csv]`, "cli.about.seats")
	pf.register(fs, "in", "choices", "choice", "votes", "party")
	fs.StringVar(&pf.cols.Won, "won", "", "cli.seat_rules.flag_won")
	fs.StringVar(&pf.cols.Region, "region", "", "cli.seat_rules.flag_region")
	fs.StringVar(&pf.cols.RegionSeats, "region-seats", "", "cli.seat_rules.flag_region_seats")
	var opt plaincsv.SeatsOptions
	sys := &opt.System
	fs.IntVar(&opt.Seats, "seats", 0, "cli.flag.seats")
	fs.StringVar((*string)(&sys.Kind), "system", "", "cli.seat_rules.flag_system")
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

// seatRows adds body b's seats to t: a row per tier and party, then each party's total
// (tier "total") and, in a mixed-member proportional body, its overhang (tier
// "overhang"), for the official allocation and the projection side by side. The range is
// the projection's, on the total rows.
func seatRows(t *tabular.Table, b analysis.BodyReport) {
	outcomes := []*analysis.SeatOutcome{b.Official, b.PVT}
	party := func(code string) any {
		if code == "" {
			return tabular.Word{Code: "(independents)", Key: "cli.seats.independents"}
		}
		return code
	}
	cell := func(o *analysis.SeatOutcome, m func(*analysis.SeatOutcome) map[string]int, code string) any {
		if o == nil {
			return "-"
		}
		return m(o)[code]
	}
	add := func(tier any, m func(*analysis.SeatOutcome) map[string]int, total bool) {
		parties := map[string]bool{}
		for _, o := range outcomes {
			if o == nil {
				continue
			}
			for code, n := range m(o) {
				parties[code] = parties[code] || n > 0 || total
			}
			if total {
				for code := range o.Low {
					parties[code] = true
				}
			}
		}
		for _, code := range slices.Sorted(maps.Keys(parties)) {
			if !parties[code] {
				continue
			}
			var rng any = ""
			if total && b.PVT != nil {
				rng = fmt.Sprintf("%d–%d", b.PVT.Low[code], b.PVT.High[code])
			}
			t.Add(b.Body, tier, party(code), cell(b.Official, m, code), cell(b.PVT, m, code), rng)
		}
	}
	var tiers []string
	for _, o := range outcomes {
		if o != nil {
			for tier := range o.Tiers {
				if !slices.Contains(tiers, tier) {
					tiers = append(tiers, tier)
				}
			}
		}
	}
	slices.Sort(tiers)
	for _, tier := range tiers {
		add(tier, func(o *analysis.SeatOutcome) map[string]int { return o.Tiers[tier] }, false)
	}
	add(tabular.Word{Code: "total", Key: "cli.seat_rules.total"}, func(o *analysis.SeatOutcome) map[string]int { return o.Parties }, true)
	add(tabular.Word{Code: "overhang", Key: "cli.seat_rules.overhang_row"}, func(o *analysis.SeatOutcome) map[string]int { return o.Overhang }, false)
}
