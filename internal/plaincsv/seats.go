package plaincsv

import (
	"context"
	"fmt"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"

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
	// Party, Won and Region (optional), or Choices (a column of votes per choice), not
	// both. Neither given means the columns "choice" and "votes". Won holds the
	// constituency seats each list's party won; Region splits the rows into regions that
	// each allocate Seats seats, or the seats in column RegionSeats (then Seats is 0).
	Columns
	// Seats is the number of seats to fill (for mmp, the seats of the whole body);
	// System the electoral system, checked as iltod.Contest.Validate checks a contest's.
	// System.Kind may also be "mmp" or "ams", a list_pr contest with System.Mixed set.
	Seats  int
	System iltod.System
	// Exempt names the lists, as In names them, that are exempt from the threshold, and
	// Alliances the groups of lists that count as one (System.Alliances).
	// Coalitions names the lists that need System.CoalitionThreshold.
	Exempt     []string
	Coalitions []string
	Alliances  [][]string
	// Totals holds the valid ballots (blank ones not included; -1 stands for the sum of
	// the votes, and a block vote needs them), the blank ballots, and the ballots cast
	// and registered voters for System.MinTurnout. Its Votes are read from In.
	Totals seats.Totals
	// Lot, if not empty, is the public seed of the lot that breaks ties (seats.DrawLot).
	Lot string
	// Round is, for two rounds, 1 for the first round or 2 for the runoff.
	Round int
}

// Seats builds an iltod.Contest from opt, one for each region with Columns.Region, and
// allocates its seats from the votes of a file with seats.Allocate. With regions and a
// threshold over the tier (iltod.ScopeTier), which lists take part is decided over the
// whole file (seats.TierQualified).
func Seats(ctx context.Context, opt SeatsOptions) (*SeatsResult, error) {
	if err := need(want{opt.In, "-in FILE", "cli.want.votes"}); err != nil {
		return nil, err
	}
	wide := len(opt.Choices) > 0
	if !wide && opt.Choice == "" && opt.Votes == "" && opt.Party == "" {
		opt.Choice, opt.Votes = "choice", "votes"
	}
	switch {
	case wide && (opt.Choice != "" || opt.Votes != "" || opt.Party != "" || opt.Won != "" || opt.Region != ""):
		return nil, usage("cli.opt.wide_and_long", nil)
	case !wide && (opt.Choice == "" || opt.Votes == ""):
		return nil, usage("cli.opt.wide_or_long", nil)
	}
	if err := need(want{string(opt.System.Kind), "-system", "cli.want.system"}); err != nil {
		return nil, err
	}
	if opt.RegionSeats != "" && (opt.Region == "" || opt.Seats != 0) {
		return nil, usage("cli.seat_rules.region_seats_flags", nil)
	}
	if opt.Seats < 1 && opt.RegionSeats == "" {
		return nil, usage("cli.opt.seats", nil)
	}
	sys := opt.System
	switch sys.Kind {
	case iltod.MixedMMP, iltod.MixedAMS:
		sys.Kind, sys.Mixed = iltod.ListPR, string(sys.Kind)
		if opt.Won == "" {
			return nil, usage("cli.seat_rules.mixed_won", locales.Args{"System": sys.Mixed})
		}
	}
	if opt.Region != "" && (sys.Kind != iltod.ListPR || sys.Mixed == iltod.MixedMMP) {
		return nil, usage("cli.seat_rules.region_kind", nil)
	}
	if sys.ThresholdScope == iltod.ScopeTier && opt.Region == "" {
		return nil, usage("cli.seat_rules.scope_region", nil)
	}
	totals := opt.Totals
	if totals.Valid < -1 || totals.Blank < 0 || totals.Cast < 0 || totals.Registered < 0 {
		return nil, usage("cli.opt.totals", nil)
	}
	if opt.Region != "" && (totals.Valid >= 0 || totals.Blank > 0 || totals.Cast > 0 || totals.Registered > 0) {
		return nil, usage("cli.seat_rules.region_totals", nil)
	}
	if sys.Kind == iltod.BlockVote && totals.Valid < 0 {
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
	codeSeats(list)
	regions := byRegion(list)
	out := &SeatsResult{In: opt.In, Choices: list, skipped: skipped, wide: wide}
	var cts []seats.ContestTotals
	wonBy := map[string]int{} // constituency seats by party, over the file
	for _, reg := range regions {
		rows := reg.rows
		n := opt.Seats
		if opt.RegionSeats != "" {
			for _, i := range rows {
				n = max(n, list[i].regionSeats)
			}
			if n < 1 {
				return nil, fail("cli.seat_rules.region_no_seats", locales.Args{"Region": strconv.Quote(reg.name)})
			}
		}
		var won int
		for _, i := range rows {
			won += list[i].Won
			wonBy[list[i].Party] += list[i].Won
		}
		if sys.Mixed == iltod.MixedMMP {
			if n -= won; n < 1 {
				return nil, usage("cli.seat_rules.mmp_seats", locales.Args{"Seats": opt.Seats, "Won": won})
			}
		}
		contest := seatsContest(opt.In, list, rows, sys, n)
		if reg.name != "" {
			contest.Code = "r" + strconv.Itoa(len(cts)+1)
		}
		if err := rules(contest, list, rows, opt); err != nil {
			return nil, err
		}
		t := totals
		t.Votes = map[string]int64{}
		var sum int64
		for _, i := range rows {
			t.Votes[list[i].Code] += list[i].Votes
			sum += list[i].Votes
		}
		if t.Valid < 0 {
			t.Valid = sum
		}
		out.sum += sum
		if err := contest.Validate(); err != nil {
			return nil, usage("cli.opt.contest", locales.Args{"Problems": flagNames(err)})
		}
		cts = append(cts, seats.ContestTotals{Contest: contest, Totals: t})
	}
	var qualified []map[string]bool
	if sys.ThresholdScope == iltod.ScopeTier {
		if qualified, err = seats.TierQualified(cts, wonBy); err != nil {
			return nil, fail("cli.csv.allocate", locales.Args{"Err": err})
		}
	}
	for k, ct := range cts {
		allocOpt := seats.Options{Round: opt.Round}
		if opt.Won != "" {
			allocOpt.Won = map[string]int{}
			for _, i := range regions[k].rows {
				allocOpt.Won[list[i].Code] += list[i].Won
			}
		}
		if qualified != nil {
			allocOpt.Qualified = qualified[k]
		}
		if opt.Lot != "" {
			codes := make([]string, len(ct.Contest.Choices))
			for i, c := range ct.Contest.Choices {
				codes[i] = c.Code
			}
			allocOpt.Lot = seats.DrawLot(opt.Lot, codes)
		}
		res, err := seats.Allocate(ct.Contest, ct.Totals, allocOpt)
		if err != nil {
			return nil, fail("cli.csv.allocate", locales.Args{"Err": err})
		}
		for _, i := range regions[k].rows {
			c := &list[i]
			c.Seats, c.Share = res.Seats[c.Code], res.Shares[c.Code]
			if sys.Mixed == iltod.MixedMMP {
				c.List, c.Overhang = c.Seats, res.Overhang[c.Code]
				c.Seats = c.Won + c.List
			}
		}
		out.Regions = append(out.Regions, RegionSeats{Region: regions[k].name, Contest: ct.Contest, Totals: ct.Totals, Result: res})
	}
	if opt.Region == "" {
		r := out.Regions[0]
		out.Contest, out.Totals, out.Result, out.Regions = r.Contest, r.Totals, r.Result, nil
	}
	return out, nil
}

// rules sets on contest, whose lists are rows of list, the lists exempt from the
// threshold and the alliances that opt names; a name that is not one of its lists is an
// error, unless regions are read, where a list may stand in some regions only.
func rules(contest *iltod.Contest, list []Seat, rows []int, opt SeatsOptions) error {
	byName := map[string]int{} // name → index in contest.Choices
	for j, i := range rows {
		byName[list[i].Name] = j
	}
	known := map[string]bool{}
	for _, c := range list {
		known[c.Name] = true
	}
	check := func(flag, name string) (int, bool, error) {
		if !known[name] {
			return 0, false, usage("cli.seat_rules.unknown_list", locales.Args{"Flag": flag, "List": strconv.Quote(name)})
		}
		j, ok := byName[name]
		return j, ok, nil
	}
	for _, mark := range []struct {
		flag  string
		names []string
		set   func(*iltod.Choice)
	}{
		{"-exempt", opt.Exempt, func(c *iltod.Choice) { c.ThresholdExempt = true }},
		{"-coalition", opt.Coalitions, func(c *iltod.Choice) { c.Coalition = true }},
	} {
		for _, name := range mark.names {
			j, ok, err := check(mark.flag, name)
			if err != nil {
				return err
			}
			if ok {
				mark.set(&contest.Choices[j])
			}
		}
	}
	for _, group := range opt.Alliances {
		var codes []string
		for _, name := range group {
			j, ok, err := check("-alliance", name)
			if err != nil {
				return err
			}
			if ok {
				codes = append(codes, contest.Choices[j].Code)
			}
		}
		if len(codes) >= 2 {
			contest.System.Alliances = append(contest.System.Alliances, codes)
		}
	}
	return nil
}

// region is the rows of list in one region, in order of first appearance.
type region struct {
	name string
	rows []int
}

// byRegion groups the rows of list by region, in order of first appearance.
func byRegion(list []Seat) []region {
	var out []region
	at := map[string]int{}
	for i, c := range list {
		k, ok := at[c.Region]
		if !ok {
			k = len(out)
			at[c.Region] = k
			out = append(out, region{name: c.Region})
		}
		out[k].rows = append(out[k].rows, i)
	}
	return out
}

// SeatsResult is Seats' allocation: its Contest, Totals and Result, or, with regions,
// each region's in Regions.
type SeatsResult struct {
	In      string         `json:"in"`
	Contest *iltod.Contest `json:"contest,omitempty"`
	Totals  seats.Totals   `json:"totals"`
	Result  seats.Result   `json:"result"`
	Regions []RegionSeats  `json:"regions,omitempty"`
	Choices []Seat         `json:"choices"`

	sum     int64 // the votes over all the choices
	skipped int   // rows (with Columns.Choices, empty cells) without votes
	wide    bool  // whether the file has a column per choice
}

// RegionSeats is one region's contest and allocation.
type RegionSeats struct {
	Region  string         `json:"region"`
	Contest *iltod.Contest `json:"contest"`
	Totals  seats.Totals   `json:"totals"`
	Result  seats.Result   `json:"result"`
}

// Seat is one choice's votes and seats. Under mmp Seats is the party's seats in all
// (Won + List) and Overhang the constituency seats beyond its share; under ams Seats is
// its additional (list) seats.
type Seat struct {
	Region   string  `json:"region,omitempty"`
	Name     string  `json:"name"`
	Code     string  `json:"code"`
	Party    string  `json:"party,omitempty"`
	Votes    int64   `json:"votes"`
	Share    float64 `json:"share"`
	Won      int     `json:"won,omitempty"`
	List     int     `json:"list,omitempty"`
	Overhang int     `json:"overhang,omitempty"`
	Seats    int     `json:"seats"`

	regionSeats int // the seats of its region (Columns.RegionSeats), 0 if not given
}

// codeSeats codes the choices of list by their names if all of them make valid codes,
// else c1, c2, … by name, the same name having the same code in every region.
func codeSeats(list []Seat) {
	useNames := true
	for _, c := range list {
		useNames = useNames && iltod.ValidCode(c.Name)
	}
	codes := map[string]string{}
	for i := range list {
		c := &list[i]
		if useNames {
			c.Code = c.Name
			continue
		}
		if _, ok := codes[c.Name]; !ok {
			codes[c.Name] = fmt.Sprintf("c%d", len(codes)+1)
		}
		c.Code = codes[c.Name]
	}
}

// seatsContest returns the contest for seats of the rows of list, read from file in.
// Under list PR every choice is a party list, a list without a party its own party;
// otherwise every choice is a candidate.
func seatsContest(in string, list []Seat, rows []int, sys iltod.System, nseats int) *iltod.Contest {
	kind := iltod.Candidate
	if sys.Kind == iltod.ListPR {
		kind = iltod.PartyList
	}
	contest := &iltod.Contest{
		Code: "plain", Name: iltod.Text{"en": trunc(filepath.Base(in), iltod.MaxTextLen)},
		Areas: []string{"all"}, Seats: nseats, System: sys,
	}
	for _, i := range rows {
		c := &list[i]
		party := c.Party
		if kind == iltod.PartyList && party == "" {
			party = c.Code
		}
		c.Party = party
		contest.Choices = append(contest.Choices, iltod.Choice{Code: c.Code, Kind: kind, Name: iltod.Text{"en": c.Name}, Party: party})
	}
	return contest
}

// readVotes adds up the votes of file name: with choices (Columns.Choices), a column per choice;
// else a row per choice. It returns the choices and the number of rows (or empty cells)
// without votes. It fails on a file without choices.
func readVotes(ctx context.Context, name string, cols *Columns, choices []string) ([]Seat, int, error) {
	wide, flags := choices != nil, []string{"choice", "votes", "party", "won", "region", "region-seats"}
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

// maxSeatRows bounds the lists (or lists by region) a file may hold for Seats, and
// maxWon the constituency seats a list may have won: far beyond any parliament.
const (
	maxSeatRows = 100_000
	maxWon      = 100_000
)

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
	seats := map[string]int{} // region → its seats (l.regionSeats)
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
		var reg string
		if l.region >= 0 {
			if reg, err = in.label(l.region, "cli.seat_rules.what_region"); err != nil {
				return err
			}
		}
		key := reg + "\x00" + name
		i, seen := index[key]
		if !seen {
			if len(list) >= maxSeatRows {
				return fail("cli.seat_rules.too_many_lists", locales.Args{"File": in.name, "Max": maxSeatRows})
			}
			i = len(list)
			index[key] = i
			list = append(list, Seat{Name: name, Region: reg})
		}
		if l.regionSeats >= 0 {
			n, given, err := in.count(l.regionSeats)
			switch {
			case err != nil:
				return err
			case !given:
			case n < 1 || n > maxWon:
				return fail("cli.seat_rules.region_seats_range", locales.Args{"At": in.at(l.regionSeats), "Max": maxWon})
			case seats[reg] != 0 && seats[reg] != int(n):
				return fail("cli.seat_rules.region_seats_differ", locales.Args{"At": in.at(l.regionSeats), "Region": strconv.Quote(reg),
					"Seats": n, "Before": seats[reg]})
			default:
				seats[reg] = int(n)
			}
			list[i].regionSeats = seats[reg]
		}
		if l.won >= 0 {
			w, _, err := in.count(l.won)
			if err != nil {
				return err
			}
			if w > maxWon-int64(list[i].Won) {
				return fail("cli.seat_rules.won_too_many", locales.Args{"At": in.at(l.won), "Max": maxWon})
			}
			list[i].Won += int(w)
		}
		if l.party >= 0 {
			party := in.text(l.party)
			switch {
			case !seen:
				list[i].Party, partyLine[key] = party, in.line(l.party)
			case party != list[i].Party:
				return fail("cli.csv.party_differs", locales.Args{"At": in.at(l.party), "Choice": strconv.Quote(name), "Party": strconv.Quote(party),
					"Before": strconv.Quote(list[i].Party), "Line": partyLine[key]})
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
		"system.qualify_won": "-qualify-won", "system.alliances": "-alliance", "system.threshold_scope": "-threshold-scope",
	} {
		s = regexp.MustCompile(`\b`+regexp.QuoteMeta(field)+`\b`).ReplaceAllString(s, flag)
	}
	return s
}

// maxListNames bounds the names a flag such as -exempt or -alliance may give.
const maxListNames = 1000

// ParseLists reads the value of the flag (-exempt, -coalition): list names separated by
// commas, as the file names them. An empty value gives none. It returns a usage error
// for an empty name, a name given twice, or more than maxListNames names.
func ParseLists(flag, s string) ([]string, error) {
	if s == "" {
		return nil, nil
	}
	items := strings.Split(s, ",")
	if len(items) > maxListNames {
		return nil, usage("cli.seat_rules.too_many_names", locales.Args{"Flag": "-" + flag, "Max": maxListNames})
	}
	var out []string
	for _, n := range items {
		n = strings.TrimSpace(n)
		switch {
		case n == "":
			return nil, usage("cli.seat_rules.empty_name", locales.Args{"Flag": "-" + flag, "Value": strconv.Quote(trunc(s, 70))})
		case slices.Contains(out, n):
			return nil, usage("cli.seat_rules.name_twice", locales.Args{"Flag": "-" + flag, "List": strconv.Quote(trunc(n, 70))})
		}
		out = append(out, n)
	}
	return out, nil
}

// ParseAlliances reads the value of -alliance: alliances separated by commas, each two
// or more list names joined by "+" (A+B,C+D). An empty value gives none. It returns a
// usage error for an empty name, an alliance of one list, a list in two alliances or
// named twice, or more than maxListNames names.
func ParseAlliances(s string) ([][]string, error) {
	if s == "" {
		return nil, nil
	}
	if strings.Count(s, ",")+strings.Count(s, "+") >= maxListNames {
		return nil, usage("cli.seat_rules.too_many_names", locales.Args{"Flag": "-alliance", "Max": maxListNames})
	}
	var out [][]string
	seen := map[string]bool{}
	for _, item := range strings.Split(s, ",") {
		var group []string
		for _, n := range strings.Split(item, "+") {
			n = strings.TrimSpace(n)
			switch {
			case n == "":
				return nil, usage("cli.seat_rules.empty_name", locales.Args{"Flag": "-alliance", "Value": strconv.Quote(trunc(s, 70))})
			case seen[n]:
				return nil, usage("cli.seat_rules.name_twice", locales.Args{"Flag": "-alliance", "List": strconv.Quote(trunc(n, 70))})
			}
			seen[n] = true
			group = append(group, n)
		}
		if len(group) < 2 {
			return nil, usage("cli.seat_rules.alliance_one", locales.Args{"Item": strconv.Quote(trunc(item, 70))})
		}
		out = append(out, group)
	}
	return out, nil
}
