// Package tabular prints what iltod's analysis commands find: a table in aligned columns
// for people, the same table as CSV, or a value as JSON for programs. It is the one path
// by which the command line prints a table, whether the figures come from a loaded
// election or from plain CSV files, and the one place where shares are written as
// percentages.
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
	Header []string
	Rows   [][]string
}

// Add appends a row of cells: a string as it is, a float64 with four decimals, anything
// else as fmt.Sprint writes it.
func (t *Table) Add(cells ...any) {
	row := make([]string, len(cells))
	for i, c := range cells {
		switch v := c.(type) {
		case string:
			row[i] = v
		case float64:
			row[i] = fmt.Sprintf("%.4f", v)
		default:
			row[i] = fmt.Sprint(v)
		}
	}
	t.Rows = append(t.Rows, row)
}

// Print writes t to w in format f. For JSON it writes v, indented, or when v is nil the
// rows as objects keyed by the header. It returns the first error from writing.
func Print(w io.Writer, f Format, t *Table, v any) error {
	switch f {
	case JSON:
		if v == nil {
			objs := make([]map[string]string, len(t.Rows))
			for i, r := range t.Rows {
				objs[i] = map[string]string{}
				for j, h := range t.Header {
					objs[i][h] = r[j]
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
		cw.WriteAll(t.Rows)
		return cw.Error()
	}
	tw := tabwriter.NewWriter(w, 2, 8, 2, ' ', 0)
	fmt.Fprintln(tw, strings.Join(t.Header, "\t"))
	for _, r := range t.Rows {
		fmt.Fprintln(tw, strings.Join(r, "\t"))
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

// Percent writes a fraction as a percentage with two decimals: 0.5234 is "52.34%".
func Percent(x float64) string { return fmt.Sprintf("%.2f%%", 100*x) }

// Interval writes a fractional interval as percentages: "51.10–53.58%".
func Interval(lo, hi float64) string { return fmt.Sprintf("%.2f–%.2f%%", 100*lo, 100*hi) }

// Fraction writes a fraction for a table cell: for CSV the number itself (eight
// significant digits), which programs read back; otherwise a percentage.
func (f Format) Fraction(x float64) string {
	if f == CSV {
		return strconv.FormatFloat(x, 'g', 8, 64)
	}
	return Percent(x)
}
