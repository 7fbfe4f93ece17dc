// Package tabular prints what iltod's analysis commands find: a table in aligned columns
// for people, the same table as CSV, or a value as JSON for programs. It is the one path
// by which the command line prints a table, whether the figures come from a loaded
// election or from plain CSV files, and the one place where shares are written as
// percentages.
//
// What programs read is the same in every language: a table's column names (its Header),
// and its cells as plain numbers (never grouped: 1234567, 0.58064516) and codes. What
// people read follows the language of the table's Printer (see New): the columns'
// headings, the numbers grouped and written as the language writes them, and words
// (Word) from the message catalogue.
//
// Nothing here holds state; every function may be called from any goroutine.
package tabular

import (
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strconv"
	"strings"
	"text/tabwriter"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Format is how a command prints.
type Format int

const (
	// Text is aligned columns, with sentences around them, for people.
	Text Format = iota
	// JSON is one JSON value: the full result, fit for scripts.
	JSON
	// CSV is the command's main table, with fractions as numbers.
	CSV
)

// Machine reports whether f is for programs (JSON or CSV): they get the data alone, without
// the titles and sentences printed around a table for people.
func (f Format) Machine() bool { return f == JSON || f == CSV }

// Table is rows of cells under a header row. Every row MUST have as many cells as the
// header.
type Table struct {
	// Header names the columns for CSV and JSON: the same in every language.
	Header []string
	// Labels head the columns of the text table, in a person's language; nil means Header.
	Labels []string
	// Rows are the cells, as Add was given them.
	Rows [][]any
	// p writes the cells of the text table; nil writes them as for programs.
	p *locales.Printer
}

// New returns an empty table with the columns names, headed for people by their headings
// in p's language (see Heading), and whose cells the text table writes in that language.
func New(p *locales.Printer, names ...string) *Table {
	t := &Table{Header: names, Labels: make([]string, len(names)), p: p}
	for i, n := range names {
		t.Labels[i] = Heading(p, n)
	}
	return t
}

// Add appends a row of cells. A cell is written, for people and for programs:
//
//   - a string as it is;
//   - an int or int64 as a whole number, its digits grouped for people (1,234);
//   - a float64 with four decimals;
//   - a Number, Share or Word as its documentation says;
//   - anything else as fmt.Sprint writes it.
func (t *Table) Add(cells ...any) {
	t.Rows = append(t.Rows, cells)
}

// Number is a cell holding X with Decimals digits after the point; with Sign, a positive
// X is written with a plus sign, as a test statistic is.
type Number struct {
	X        float64
	Decimals int
	Sign     bool
}

// Share is a cell holding a fraction: a percentage with two decimals for people, the
// number itself (eight significant digits) for programs.
type Share float64

// Word is a cell holding a word: the catalogue's message Key, filled with Args, for
// people, or Code if the catalogue has no such message; Code, the same in every
// language, for programs.
type Word struct {
	Code string
	Key  string
	Args locales.Args
}

// Code returns the Word of a code of iltod's data (a verdict, a rule, an outcome): for
// people the message "cli.code." followed by the code, hyphens written as underscores.
func Code[S ~string](code S) Word {
	return Word{Code: string(code), Key: "cli.code." + strings.ReplaceAll(string(code), "-", "_")}
}

// Text returns w for people in p's language.
func (w Word) Text(p *locales.Printer) string { return cell(w, p) }

// Words is a cell holding a list of words, joined by commas.
type Words []Word

// cell writes c for people in p's language, or for programs if p is nil.
func cell(c any, p *locales.Printer) string {
	switch v := c.(type) {
	case string:
		return v
	case int:
		return integer(int64(v), p)
	case int64:
		return integer(v, p)
	case float64:
		return number(v, 4, p)
	case Number:
		s := number(v.X, v.Decimals, p)
		if v.Sign && v.X > 0 {
			s = "+" + s
		}
		return s
	case Share:
		if p == nil {
			return strconv.FormatFloat(float64(v), 'g', 8, 64)
		}
		return Percent(p, float64(v))
	case Word:
		if p == nil || !locales.Has(v.Key) {
			return v.Code
		}
		return p.T(v.Key, v.Args)
	case iltod.Text:
		if p == nil {
			return v.In(locales.Fallback)
		}
		return v.In(p.Lang(), locales.Fallback)
	case Words:
		out := make([]string, len(v))
		for i, w := range v {
			out[i] = cell(w, p)
		}
		sep := ","
		if p != nil {
			sep = ", "
		}
		return strings.Join(out, sep)
	}
	return fmt.Sprint(c)
}

func integer(n int64, p *locales.Printer) string {
	if p == nil {
		return strconv.FormatInt(n, 10)
	}
	return p.Int(n)
}

func number(x float64, decimals int, p *locales.Printer) string {
	if p == nil {
		return strconv.FormatFloat(x, 'f', decimals, 64)
	}
	return p.Number(x, decimals)
}

// row returns the cells of row i, written for people in p's language or for programs.
func (t *Table) row(i int, p *locales.Printer) []string {
	out := make([]string, len(t.Rows[i]))
	for j, c := range t.Rows[i] {
		out[j] = cell(c, p)
	}
	return out
}

// Print writes t to w in format f. For JSON it writes v, indented, or when v is nil the
// rows as objects keyed by the header. It returns the first error from writing.
func Print(w io.Writer, f Format, t *Table, v any) error {
	switch f {
	case JSON:
		if v == nil {
			objs := make([]map[string]string, len(t.Rows))
			for i := range t.Rows {
				objs[i] = map[string]string{}
				for j, c := range t.row(i, nil) {
					objs[i][t.Header[j]] = c
				}
			}
			v = objs
		}
		enc := json.NewEncoder(w)
		enc.SetIndent("", "  ")
		return enc.Encode(v)
	case CSV:
		cw := csv.NewWriter(w)
		cw.Write(t.Header)
		for i := range t.Rows {
			cw.Write(t.row(i, nil))
		}
		cw.Flush()
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	labels := t.Labels
	if labels == nil {
		labels = t.Header
	}
	fmt.Fprintln(tw, strings.Join(labels, "\t"))
	for i := range t.Rows {
		fmt.Fprintln(tw, strings.Join(t.row(i, t.p), "\t"))
	}
	return tw.Flush()
}

// Section writes a titled table for people: a blank line, the title on a line of its own,
// then t in columns.
func Section(w io.Writer, title string, t *Table) error {
	fmt.Fprintf(w, "\n%s\n", title)
	return Print(w, Text, t, nil)
}

// Notes writes plain-language notes under a table for people, after a blank line and an
// optional heading. For JSON and CSV it writes nothing: their data carries the notes.
func Notes(w io.Writer, f Format, heading string, notes []string) {
	if f.Machine() || len(notes) == 0 {
		return
	}
	fmt.Fprintln(w)
	if heading != "" {
		fmt.Fprintln(w, heading)
	}
	for _, n := range notes {
		fmt.Fprintln(w, n)
	}
}

// Percent writes a fraction as a percentage with two decimals, as p's language does:
// 0.5234 is "52.34%".
func Percent(p *locales.Printer, x float64) string { return p.Percent(x, 2) }

// Interval writes a fractional interval as percentages with two decimals, as p's
// language does: "51.10–53.58%".
func Interval(p *locales.Printer, lo, hi float64) string {
	return p.T("cli.interval", locales.Args{"Low": p.Number(100*lo, 2), "High": p.Percent(hi, 2)})
}
