package plaincsv

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"

	"github.com/iltod/iltod/locales"
)

// SeatsOptions asks Seats to allocate seats from the votes of a file.
type SeatsOptions struct {
	// In holds the votes: a row per choice, or a column of votes per choice. Votes are
	// added up over the rows, so In may hold votes by station or district.
	In string
	// Columns names either Choice and Votes (a row per choice: its name and votes) with
	// Party (optional), or Choices (a column of votes per choice), not both.
	Columns
	// Seats is the number of seats to fill; System the electoral system, checked as
	// iltod.Contest.Validate checks a contest's.
	Seats  int
	System iltod.System
	// Totals holds the valid ballots (blank ones not included; -1 stands for the sum of
	// the votes, and a block vote needs them), the blank ballots, and the ballots cast
	// and registered voters for System.MinTurnout. Its Votes are read from In.
	Totals seats.Totals
	// Lot, if not empty, is the public seed of the lot that breaks ties (seats.DrawLot).
	Lot string
	// Round is, for two rounds, 1 for the first round or 2 for the runoff.
	Round int
}

// Seats builds an iltod.Contest from opt and allocates its seats from the votes of a file
// with seats.Allocate.
func Seats(ctx context.Context, opt SeatsOptions) (*SeatsResult, error) {
	if err := need(want{opt.In, "-in FILE", "cli.want.votes"}); err != nil {
		return nil, err
	}
	wide := len(opt.Choices) > 0
	switch {
	case wide && (opt.Choice != "" || opt.Votes != "" || opt.Party != ""):
		return nil, usage("cli.opt.wide_and_long", nil)
	case !wide && (opt.Choice == "" || opt.Votes == ""):
		return nil, usage("cli.opt.wide_or_long", nil)
	}
	if err := need(want{string(opt.System.Kind), "-system", "cli.want.system"}); err != nil {
		return nil, err
	}
	if opt.Seats < 1 {
		return nil, usage("cli.opt.seats", nil)
	}
	totals := opt.Totals
	if totals.Valid < -1 || totals.Blank < 0 || totals.Cast < 0 || totals.Registered < 0 {
		return nil, usage("cli.opt.totals", nil)
	}
	if opt.System.Kind == iltod.BlockVote && totals.Valid < 0 {
		return nil, usage("cli.opt.block_valid", locales.Args{"Seats": opt.Seats})
	}
	var choices []string
	if wide {
		var err error
		if choices, err = names("choices", opt.Choices); err != nil {
			return nil, err
		}
	}

	list, skipped, err := readVotes(ctx, opt.In, &opt.Columns, choices)
	if err != nil {
		return nil, err
	}
	contest := seatsContest(opt.In, list, opt.System, opt.Seats)
	totals.Votes = map[string]int64{}
	var sum int64
	for _, c := range list {
		totals.Votes[c.Code] = c.Votes
		sum += c.Votes
	}
	if totals.Valid < 0 {
		totals.Valid = sum
	}
	if err := contest.Validate(); err != nil {
		return nil, usage("cli.opt.contest", locales.Args{"Problems": flagNames(err)})
	}
	allocOpt := seats.Options{Round: opt.Round}
	if opt.Lot != "" {
		codes := make([]string, len(list))
		for i, c := range list {
			codes[i] = c.Code
		}
		allocOpt.Lot = seats.DrawLot(opt.Lot, codes)
	}
	res, err := seats.Allocate(contest, totals, allocOpt)
	if err != nil {
		return nil, fail("cli.csv.allocate", locales.Args{"Err": err})
	}
	for i := range list {
		list[i].Seats, list[i].Share = res.Seats[list[i].Code], res.Shares[list[i].Code]
	}
	return &SeatsResult{In: opt.In, Contest: contest, Totals: totals, Result: res, Choices: list, sum: sum, skipped: skipped, wide: wide}, nil
}

// SeatsResult is Seats' allocation.
type SeatsResult struct {
	In      string         `json:"in"`
	Contest *iltod.Contest `json:"contest"`
	Totals  seats.Totals   `json:"totals"`
	Result  seats.Result   `json:"result"`
	Choices []Seat         `json:"choices"`

	sum     int64 // the votes over all the choices
	skipped int   // rows (with Columns.Choices, empty cells) without votes
	wide    bool  // whether the file has a column per choice
}

// Seat is one choice's votes and seats.
type Seat struct {
	Name  string  `json:"name"`
	Code  string  `json:"code"`
	Party string  `json:"party,omitempty"`
	Votes int64   `json:"votes"`
	Share float64 `json:"share"`
	Seats int     `json:"seats"`
}

// seatsContest returns the contest for seats from file in: its choices are list's, coded
// by their names if all of them make valid codes, else c1, c2, …; it sets the codes in
// list. Under list PR every choice is a party list, a list without a party its own party;
// otherwise every choice is a candidate.
func seatsContest(in string, list []Seat, sys iltod.System, nseats int) *iltod.Contest {
	useNames := true
	for _, c := range list {
		useNames = useNames && iltod.ValidCode(c.Name)
	}
	kind := iltod.Candidate
	if sys.Kind == iltod.ListPR {
		kind = iltod.PartyList
	}
	contest := &iltod.Contest{
		Code: "plain", Name: iltod.Text{"en": trunc(filepath.Base(in), iltod.MaxTextLen)},
		Areas: []string{"all"}, Seats: nseats, System: sys,
	}
	for i := range list {
		c := &list[i]
		c.Code = c.Name
		if !useNames {
			c.Code = fmt.Sprintf("c%d", i+1)
		}
		party := c.Party
		if kind == iltod.PartyList && party == "" {
			party = c.Code
		}
		contest.Choices = append(contest.Choices, iltod.Choice{Code: c.Code, Kind: kind, Name: iltod.Text{"en": c.Name}, Party: party})
	}
	return contest
}

// readVotes adds up the votes of file name: with choices (Columns.Choices), a column per choice;
// else a row per choice. It returns the choices and the number of rows (or empty cells)
// without votes. It fails on a file without choices.
func readVotes(ctx context.Context, name string, cols *Columns, choices []string) ([]Seat, int, error) {
	wide, flags := choices != nil, []string{"choice", "votes", "party"}
	if wide {
		flags = []string{"choices"}
	}
	in, l, err := openLayout(name, cols, choices, flags...)
	if err != nil {
		return nil, 0, err
	}
	defer in.close()
	var list []Seat
	var skipped int
	if wide {
		list, skipped, err = readVotesWide(ctx, in, &l, choices)
	} else {
		list, skipped, err = readVotesLong(ctx, in, &l)
	}
	if err != nil {
		return nil, 0, err
	}
	if len(list) == 0 {
		return nil, 0, fail("cli.csv.no_choices", locales.Args{"File": name})
	}
	return list, skipped, nil
}

// add adds v, read from in's column col, to s's votes; it fails past maxCount.
func (s *Seat) add(in *file, col int, v int64) error {
	if s.Votes += v; s.Votes > maxCount {
		return fail("cli.csv.votes_too_many", locales.Args{"At": in.at(col), "Choice": strconv.Quote(s.Name), "Max": int64(maxCount)})
	}
	return nil
}

// readVotesLong adds up the votes of in, a row per choice (or per choice and station):
// the choice's name in column l.choice, its votes in l.votes and, unless l.party is -1,
// its party in l.party. It returns the choices in order of first appearance and the
// number of rows without votes.
func readVotesLong(ctx context.Context, in *file, l *layout) ([]Seat, int, error) {
	var list []Seat
	index, partyLine := map[string]int{}, map[string]int{}
	skipped := 0
	err := in.each(ctx, func() error {
		name, err := in.label(l.choice, "cli.csv.what_choice")
		if err != nil {
			return err
		}
		v, given, err := in.count(l.votes)
		if err != nil {
			return err
		}
		i, seen := index[name]
		if !seen {
			i = len(list)
			index[name] = i
			list = append(list, Seat{Name: name})
		}
		if l.party >= 0 {
			party := in.text(l.party)
			switch {
			case !seen:
				list[i].Party, partyLine[name] = party, in.line(l.party)
			case party != list[i].Party:
				return fail("cli.csv.party_differs", locales.Args{"At": in.at(l.party), "Choice": strconv.Quote(name), "Party": strconv.Quote(party),
					"Before": strconv.Quote(list[i].Party), "Line": partyLine[name]})
			}
		}
		if !given {
			skipped++
			return nil
		}
		return list[i].add(in, l.votes, v)
	})
	return list, skipped, err
}

// readVotesWide adds up the votes of in, a column per choice: names in columns
// l.choices (station results, say). It returns the choices in the order of names and the
// number of empty cells.
func readVotesWide(ctx context.Context, in *file, l *layout, names []string) ([]Seat, int, error) {
	list := make([]Seat, len(names))
	for i, n := range names {
		list[i].Name = n
	}
	skipped := 0
	err := in.each(ctx, func() error {
		for i, col := range l.choices {
			v, given, err := in.count(col)
			if err != nil {
				return err
			}
			if !given {
				skipped++
				continue
			}
			if err := list[i].add(in, col, v); err != nil {
				return err
			}
		}
		return nil
	})
	return list, skipped, err
}

// flagNames rewrites the field names of a contest's validation problems as the flags
// that set them.
func flagNames(err error) string {
	s := err.Error()
	for field, flag := range map[string]string{
		"system.threshold_base": "-threshold-base", "system.majority_base": "-majority-base",
		"system.min_share": "-min-share", "system.min_turnout": "-min-turnout",
		"system.threshold": "-threshold", "system.majority": "-majority",
		"system.method": "-method", "system.kind": "-system", "system.ties": "-ties", "seats": "-seats",
	} {
		s = regexp.MustCompile(`\b`+regexp.QuoteMeta(field)+`\b`).ReplaceAllString(s, flag)
	}
	return s
}
