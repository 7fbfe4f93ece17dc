// Package plaincsv runs iltod's analyses on plain CSV files of station results, from any
// country, without loading an election: drawing and sizing a PVT sample (Sample, Plan),
// estimating from it (PVT), comparing observers' results with official ones (Compare),
// screening results (Forensics) and allocating seats (Seats). The arithmetic is the public
// packages stats/pvt, stats/forensics and stats/seats; this package reads the files,
// checks them at the edge, and prints what they show.
//
// A file is CSV with a header row naming its columns, gzip-compressed if its name ends in
// ".gz". Columns are named in [Columns], never found by position. A count is a whole number
// from 0 to 10^12; an empty cell means "not given", and the row is left out (and counted)
// wherever that count is needed. A file may hold at most 1 GiB of data after decompression
// and 5,000,000 rows.
//
// Each analysis returns a result that prints itself (its Print method): as a table with
// sentences for people, as its main table in CSV, or as JSON, which is the result itself
// (for Sample, the pvt.Sample drawn). The words it prints stand in print.go: the headings
// of every table, and the sentences around them.
//
// Errors: an error about the data names the file, the line (counting the header as line
// 1) and the column, as in `stations.csv:5: column "A": -220 is negative`. Options that
// are missing, out of range or inconsistent give a *[UsageError]. Options are named after
// the command line's flags (Columns.Valid is -valid), and errors name an option by its
// flag, since that is how people set it. Cancelling the context stops a read between rows.
//
// The package keeps no state: analyses may run concurrently.
package plaincsv

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod/locales"
)

// Limits on an input file, so that a wrong file name cannot exhaust memory.
const (
	maxBytes = 1 << 30   // 1 GiB, counted after decompression
	maxRows  = 5_000_000 // data rows, not counting the header
	// maxCount is the largest count a cell may hold: no polling station or country comes
	// near it, and every count below it is exact in a float64.
	maxCount = 1_000_000_000_000
	// top is how many stations a table for people lists; CSV and JSON list them all.
	top = 20
)

// UsageError reports options that are missing, out of range or inconsistent: the fault is
// in how an analysis was asked for, not in the files it reads. Its message names the
// option by its flag ("give -valid COL …"); In writes it in a language.
type UsageError struct{ err *locales.Error }

func (e *UsageError) Error() string { return e.err.Error() }

// In writes the error in p's language.
func (e *UsageError) In(p *locales.Printer) string { return e.err.In(p) }

// usage returns the *UsageError of the message key filled with args.
func usage(key string, args locales.Args) error {
	return &UsageError{locales.NewError(key, args)}
}

// fail returns the error of the message key filled with args: a problem with the data.
func fail(key string, args locales.Args) error { return locales.NewError(key, args) }

// Columns names the columns of a file that hold each figure, by their header. An empty
// name means the file has no such column; an analysis says which it needs. Each is set on
// the command line by the flag of the same name in lower case (-station, -valid …).
type Columns struct {
	Station     string // station codes, unique in a file
	Stratum     string // stratum labels; without it the stations form one stratum
	Registered  string // registered voters
	Cast        string // ballots found in the box, valid and invalid
	Issued      string // ballots issued to voters
	Valid       string // valid votes
	Area        string // areas whose stations are compared with each other (forensics flags)
	Leader      string // the leader's votes (the national winner)
	Choice      string // the name of a choice, in a file with a row per choice
	Votes       string // a choice's votes, in a file with a row per choice
	Party       string // a choice's party, in a file with a row per choice
	Won         string // the constituency seats a list's party won, in a file with a row per list
	Region      string // the region of a row, where each region allocates its own seats
	RegionSeats string // the seats of a row's region, the same on all its rows

	// Choices are the columns of votes, one per choice; a choice is named by its column.
	Choices []string
}

// Field returns the field that holds the column named by the flag name ("station" gives
// &c.Station), or nil if no string field has that flag (Choices is a list).
func (c *Columns) Field(name string) *string {
	return map[string]*string{
		"station": &c.Station, "stratum": &c.Stratum, "registered": &c.Registered, "cast": &c.Cast,
		"issued": &c.Issued, "valid": &c.Valid, "area": &c.Area, "leader": &c.Leader,
		"choice": &c.Choice, "votes": &c.Votes, "party": &c.Party, "won": &c.Won, "region": &c.Region,
		"region-seats": &c.RegionSeats,
	}[name]
}

// want is an option an analysis requires: its value v, the flag as usage names it
// ("-in FILE") and the key of the message saying what it holds.
type want struct{ v, flag, what string }

// need returns a usage error asking for the first of wants whose value is empty, or nil
// if every one is set.
func need(wants ...want) error {
	for _, w := range wants {
		if w.v == "" {
			return usage("cli.opt.give", locales.Args{"Flag": w.flag, "What": locales.Key(w.what)})
		}
	}
	return nil
}

// names checks a list of column names from flag: it returns them trimmed, and a usage
// error for an empty name or a name given twice.
func names(flag string, list []string) ([]string, error) {
	var out []string
	for _, n := range list {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, usage("cli.opt.empty_column", locales.Args{"Flag": flag, "List": strconv.Quote(strings.Join(list, ","))})
		}
		if slices.Contains(out, n) {
			return nil, usage("cli.opt.column_twice", locales.Args{"Flag": flag, "Column": strconv.Quote(n)})
		}
		out = append(out, n)
	}
	return out, nil
}

// ParseShares reads shares written CHOICE=SHARE,…, each SHARE a fraction (0.52) or a
// percentage (52%), as the flag named flag (-official, -official-share) takes them. It
// returns a *UsageError for an item that is not CHOICE=SHARE, a share outside 0…1, or a
// choice given twice. An empty s gives no shares.
func ParseShares(flag, s string) (map[string]float64, error) {
	if s == "" {
		return nil, nil
	}
	out := map[string]float64{}
	for _, item := range strings.Split(s, ",") {
		i := strings.LastIndex(item, "=")
		if i < 0 {
			return nil, usage("cli.opt.share_syntax", locales.Args{"Flag": flag, "Item": strconv.Quote(item)})
		}
		name, val := strings.TrimSpace(item[:i]), strings.TrimSpace(item[i+1:])
		if _, dup := out[name]; dup {
			return nil, usage("cli.opt.share_twice", locales.Args{"Flag": flag, "Choice": strconv.Quote(name)})
		}
		scale := 1.0
		if strings.HasSuffix(val, "%") {
			val, scale = strings.TrimSuffix(val, "%"), 100
		}
		x, err := strconv.ParseFloat(val, 64)
		if err != nil || !(x/scale >= 0 && x/scale <= 1) {
			return nil, usage("cli.opt.share_value", locales.Args{"Flag": flag, "Choice": name, "Value": strconv.Quote(item[i+1:])})
		}
		out[name] = x / scale
	}
	return out, nil
}

// shares returns shares (from flag) by the index of their choice in choices. It returns
// a usage error for a choice that is not one of choices, or a share outside 0…1.
func shares(flag string, shares map[string]float64, choices []string) (map[int]float64, error) {
	out := map[int]float64{}
	for _, name := range slices.Sorted(maps.Keys(shares)) {
		x := shares[name]
		c := slices.Index(choices, name)
		if c < 0 {
			return nil, usage("cli.opt.share_choice", locales.Args{"Flag": flag, "Choice": strconv.Quote(name), "Choices": strings.Join(choices, ", ")})
		}
		if !(x >= 0 && x <= 1) {
			return nil, usage("cli.opt.share_range", locales.Args{"Flag": flag, "Choice": name, "Value": strconv.FormatFloat(x, 'g', -1, 64)})
		}
		out[c] = x
	}
	return out, nil
}

// trunc shortens s to n runes, marking the cut with an ellipsis.
func trunc(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}
