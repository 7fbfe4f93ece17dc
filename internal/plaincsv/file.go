package plaincsv

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"io"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod/locales"
)

// file reads one CSV input row by row. Every error it returns names the file, the line
// and, for a cell, the column.
type file struct {
	name    string
	closers []io.Closer
	r       *csv.Reader
	header  []string
	cols    map[string]int // column name → index; -1 for a name the header repeats
	rec     []string
	rows    int
}

// openFile opens name and reads its header row.
func openFile(name string) (*file, error) {
	osf, err := os.Open(name)
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return nil, fail("cli.csv.not_found", locales.Args{"File": name})
	case errors.Is(err, fs.ErrPermission):
		return nil, fail("cli.csv.no_permission", locales.Args{"File": name})
	case err != nil:
		return nil, fail("cli.csv.read", locales.Args{"File": name, "Err": err})
	}
	c := &file{name: name, closers: []io.Closer{osf}, cols: map[string]int{}}
	if st, err := osf.Stat(); err == nil && st.Size() > maxBytes {
		c.close()
		return nil, fail("cli.csv.too_large", locales.Args{"File": name, "Bytes": st.Size()})
	}
	var src io.Reader = osf
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(osf)
		if err != nil {
			c.close()
			return nil, fail("cli.csv.not_gzip", locales.Args{"File": name, "Err": err})
		}
		c.closers = append(c.closers, gz)
		src = gz
	}
	c.r = csv.NewReader(&capReader{r: src, left: maxBytes})
	c.r.ReuseRecord = true
	header, err := c.r.Read()
	if err == io.EOF {
		c.close()
		return nil, fail("cli.csv.empty", locales.Args{"File": name})
	}
	if err != nil {
		c.close()
		return nil, c.readError(err)
	}
	c.header = slices.Clone(header)
	for i, h := range c.header {
		if i == 0 {
			h = strings.TrimPrefix(h, "\uFEFF")
		}
		h = strings.TrimSpace(h)
		c.header[i] = h
		if _, dup := c.cols[h]; dup {
			c.cols[h] = -1
		} else {
			c.cols[h] = i
		}
	}
	return c, nil
}

// openLayout opens file name as openFile does and finds in it the columns that
// cols names, as file.layout does. The caller MUST close the file it returns.
func openLayout(name string, cols *Columns, choices []string, flags ...string) (*file, layout, error) {
	in, err := openFile(name)
	if err != nil {
		return nil, layout{}, err
	}
	l, err := in.layout(cols, choices, flags...)
	if err != nil {
		in.close()
		return nil, layout{}, err
	}
	return in, l, nil
}

// close closes the file; it may be called more than once.
func (f *file) close() {
	for i := len(f.closers) - 1; i >= 0; i-- {
		f.closers[i].Close()
	}
	f.closers = nil
}

// errTooLarge is returned by capReader past maxBytes.
var errTooLarge = fail("cli.csv.over_limit", nil)

// capReader fails once more than left bytes have been read.
type capReader struct {
	r    io.Reader
	left int64
}

func (r *capReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, errTooLarge
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= int64(n)
	return n, err
}

func (f *file) readError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fail("cli.csv.parse", locales.Args{"File": f.name, "Line": pe.Line, "Err": pe.Err})
	}
	return fail("cli.csv.read", locales.Args{"File": f.name, "Err": err})
}

// column returns the index of the column name, given by flag.
func (f *file) column(flag, name string) (int, error) {
	i, ok := f.cols[name]
	switch {
	case !ok:
		cols := f.header
		more := ""
		if len(cols) > 40 {
			cols, more = cols[:40], ", …"
		}
		return 0, fail("cli.csv.no_column", locales.Args{"File": f.name, "Column": strconv.Quote(name), "Flag": flag, "Header": strings.Join(cols, ", ") + more})
	case i < 0:
		return 0, fail("cli.csv.column_twice", locales.Args{"File": f.name, "Column": strconv.Quote(name), "Flag": flag})
	}
	return i, nil
}

// columns returns the indices of names, given by flag.
func (f *file) columns(flag string, names []string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		var err error
		if idx[i], err = f.column(flag, n); err != nil {
			return nil, err
		}
	}
	return idx, nil
}

// layout is where a file holds the figures an analysis reads: the index of each
// column, or -1 for a column that its Columns do not name.
type layout struct {
	station, stratum, registered, cast, issued, valid, area, leader, choice, votes, party, won, region, regionSeats int

	// choices are the columns of the choices' votes, in the order of their names.
	choices []int
}

// fields returns the index fields of l by the name of the flag that names their column.
func (l *layout) fields() map[string]*int {
	return map[string]*int{
		"station": &l.station, "stratum": &l.stratum, "registered": &l.registered, "cast": &l.cast,
		"issued": &l.issued, "valid": &l.valid, "area": &l.area, "leader": &l.leader,
		"choice": &l.choice, "votes": &l.votes, "party": &l.party, "won": &l.won, "region": &l.region,
		"region-seats": &l.regionSeats,
	}
}

// layout finds the columns that cols names, flag by flag in the order of flags, so
// that an error is about the first flag whose column is missing. The flag "choices"
// stands for the columns choices (Columns.Choices, or others an analysis reads in their
// place). A flag not in flags, or not given, gets -1. It panics on a flag that does
// not name a column: that is a programming error.
func (f *file) layout(cols *Columns, choices []string, flags ...string) (layout, error) {
	var l layout
	fields := l.fields()
	for _, at := range fields {
		*at = -1
	}
	for _, flag := range flags {
		var err error
		switch at := fields[flag]; {
		case flag == "choices":
			l.choices, err = f.columns(flag, choices)
		case at == nil:
			panic("plaincsv: no column flag " + flag)
		case *cols.Field(flag) != "":
			*at, err = f.column(flag, *cols.Field(flag))
		}
		if err != nil {
			return layout{}, err
		}
	}
	return l, nil
}

// each calls row for every data row of f in turn (the current row while it runs) until
// the end of the file. It returns the first error from reading or from row.
func (f *file) each(ctx context.Context, row func() error) error {
	for {
		ok, err := f.next(ctx)
		if err != nil || !ok {
			return err
		}
		if err := row(); err != nil {
			return err
		}
	}
}

// next reads the next row; it returns false at the end of the file.
func (f *file) next(ctx context.Context) (bool, error) {
	if f.rows%10000 == 0 {
		if err := ctx.Err(); err != nil {
			return false, err
		}
	}
	rec, err := f.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, f.readError(err)
	}
	f.rows++
	if f.rows > maxRows {
		return false, fail("cli.csv.too_many_rows", locales.Args{"File": f.name, "Max": maxRows})
	}
	f.rec = rec
	return true, nil
}

// line returns the line on which column col of the current row starts.
func (f *file) line(col int) int {
	l, _ := f.r.FieldPos(col)
	return l
}

// at names the current row's cell in column col: "FILE:LINE: column "NAME"", as a
// message to be written in the reader's language.
func (f *file) at(col int) locales.Message {
	return locales.Message{Key: "cli.csv.at", Args: locales.Args{"File": f.name, "Line": f.line(col), "Column": strconv.Quote(f.header[col])}}
}

// text returns the current row's cell in column col, trimmed.
func (f *file) text(col int) string { return strings.TrimSpace(f.rec[col]) }

// count reads the current row's cell in column col as a count: a whole number from 0 to
// maxCount. An empty cell is not given: it returns given false and no error.
func (f *file) count(col int) (v int64, given bool, err error) {
	s := f.text(col)
	if s == "" {
		return 0, false, nil
	}
	v, err = strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return 0, false, fail("cli.csv.not_whole", locales.Args{"At": f.at(col), "Value": strconv.Quote(trunc(s, 30))})
	case v < 0:
		return 0, false, fail("cli.csv.negative", locales.Args{"At": f.at(col), "Value": v})
	case v > maxCount:
		return 0, false, fail("cli.csv.implausible", locales.Args{"At": f.at(col), "Value": v})
	}
	return v, true, nil
}

// counts reads the cells in cols as counts; all is false if any is not given.
func (f *file) counts(cols []int) (vs []int64, all bool, err error) {
	vs, all = make([]int64, len(cols)), true
	for i, col := range cols {
		var given bool
		if vs[i], given, err = f.count(col); err != nil {
			return nil, false, err
		}
		all = all && given
	}
	return vs, all, nil
}

// results reads the current row's votes in the columns l.choices and its valid votes in
// column l.valid; all is false unless every one of them is given.
func (f *file) results(l *layout) (votes []int64, valid int64, all bool, err error) {
	if votes, all, err = f.counts(l.choices); err != nil {
		return nil, 0, false, err
	}
	valid, given, err := f.count(l.valid)
	if err != nil {
		return nil, 0, false, err
	}
	return votes, valid, all && given, nil
}

// stratum reads the current row's stratum, a required label, from column col; with col
// -1 (no -stratum) every row is in the one stratum "".
func (f *file) stratum(col int) (string, error) {
	if col < 0 {
		return "", nil
	}
	return f.label(col, "cli.csv.what_stratum")
}

// label reads the current row's cell in column col as a required label (a station code,
// a stratum, a choice); what is the key of the message naming it.
func (f *file) label(col int, what string) (string, error) {
	s := f.text(col)
	if s == "" {
		return "", fail("cli.csv.label_empty", locales.Args{"At": f.at(col), "What": locales.Key(what)})
	}
	if len(s) > 200 || strings.ContainsAny(s, "\t\n\r") {
		return "", fail("cli.csv.label_unusable", locales.Args{"At": f.at(col), "Value": strconv.Quote(trunc(s, 30)), "What": locales.Key(what)})
	}
	return s, nil
}

// codes checks that station codes are unique across rows.
type codes map[string]int // code → line

// add reads the current row's station code from column col and fails if an earlier row
// has it. With col -1 (no -station) it returns "" and no error.
func (p codes) add(in *file, col int) (string, error) {
	if col < 0 {
		return "", nil
	}
	code, err := in.label(col, "cli.csv.what_station")
	if err != nil {
		return "", err
	}
	if prev, dup := p[code]; dup {
		return "", fail("cli.csv.station_twice", locales.Args{"At": in.at(col), "Station": strconv.Quote(code), "Line": prev})
	}
	p[code] = in.line(col)
	return code, nil
}
