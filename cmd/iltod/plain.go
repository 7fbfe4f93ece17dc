package main

// The analysis commands on plain CSV files: sample, pvt, compare, forensics and seats run
// on any country's station results, named column by column on the command line, without
// loading an election. The arithmetic is the public packages stats/pvt, stats/forensics
// and stats/seats; this file reads the files, checks them at the edge and prints.

import (
	"compress/gzip"
	"context"
	"encoding/csv"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/forensics"
	"github.com/iltod/iltod/stats/pvt"
	"github.com/iltod/iltod/stats/seats"
)

// Limits on a plain input file, so that a wrong file name cannot exhaust memory.
const (
	plainMaxBytes = 1 << 30   // 1 GiB, counted after decompression
	plainMaxRows  = 5_000_000 // data rows, not counting the header
	// plainMaxCount is the largest count a cell may hold: no polling station or country
	// comes near it, and every count below it is exact in a float64.
	plainMaxCount = 1_000_000_000_000
	// plainTop is how many stations a table lists; -csv and -json list them all.
	plainTop = 20
)

// runPlain runs analysis command cmd ("sample", "pvt", "compare", "forensics" or "seats") on
// plain CSV files named by its flags instead of a loaded election.
func runPlain(ctx context.Context, cmd string, args []string, stdout, stderr io.Writer) error {
	switch cmd {
	case "sample":
		return plainSample(ctx, args, stdout, stderr)
	case "pvt":
		return plainPVT(ctx, args, stdout, stderr)
	case "compare":
		return plainCompare(ctx, args, stdout, stderr)
	case "forensics":
		return plainForensics(ctx, args, stdout, stderr)
	case "seats":
		return plainSeats(ctx, args, stdout, stderr)
	}
	return usagef("%q does not read plain files; sample, pvt, compare, forensics and seats do (-in FILE)", cmd)
}

// plainFlags are the flags shared by the plain-file commands: the input file and the
// columns that hold each figure. A command registers only those it reads.
type plainFlags struct {
	// in is the -in file; each of the others names a column, its field by its flag.
	in, station, stratum, registered, cast, issued, valid, choices, area string
	leader, choice, votes, party                                         string

	out output
}

// plainFlagUsage describes each shared flag.
var plainFlagUsage = map[string]string{
	"in":         "the input CSV `FILE` (gzip if it ends in .gz); its first row names the columns",
	"station":    "`COL`: the column of station codes (unique)",
	"stratum":    "`COL`: the column of stratum labels; without it the stations form one stratum",
	"registered": "`COL`: the column of registered voters",
	"cast":       "`COL`: the column of ballots found in the box (valid and invalid)",
	"issued":     "`COL`: the column of ballots issued to voters",
	"valid":      "`COL`: the column of valid votes",
	"choices":    "`COL,COL,…`: the columns of votes, one per choice; a choice's name is its column's",
	"area":       "`COL`: the column of areas whose stations are compared with each other (flags)",
	"leader":     "`COL`: the column of the leader's votes (the national winner)",
	"choice":     "`COL`: the column naming the choice (candidate or list)",
	"votes":      "`COL`: the column of votes",
	"party":      "`COL`: the column of the choice's party (optional)",
}

// field returns the field that holds the value of the shared flag name, or nil if there
// is no such flag.
func (p *plainFlags) field(name string) *string {
	return map[string]*string{
		"in": &p.in, "station": &p.station, "stratum": &p.stratum, "registered": &p.registered,
		"cast": &p.cast, "issued": &p.issued, "valid": &p.valid, "choices": &p.choices,
		"area": &p.area, "leader": &p.leader, "choice": &p.choice, "votes": &p.votes, "party": &p.party,
	}[name]
}

// register adds the shared flags names to fs, with the output flags. It panics on a name
// that is not a shared flag: that is a programming error.
func (p *plainFlags) register(fs *flag.FlagSet, names ...string) {
	for _, n := range names {
		v := p.field(n)
		if v == nil {
			panic("plainFlags: unknown flag " + n)
		}
		fs.StringVar(v, n, "", plainFlagUsage[n])
	}
	p.out.register(fs)
}

// plainParse parses args, refuses positional arguments and checks the output flags.
// It returns the names of the flags given.
func plainParse(fs *flag.FlagSet, args []string, out *output) (map[string]bool, error) {
	if err := parse(fs, args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, usagef("unexpected argument %q: every input is named by a flag (-in FILE)", fs.Arg(0))
	}
	if err := out.check(); err != nil {
		return nil, err
	}
	set := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { set[f.Name] = true })
	return set, nil
}

// plainWant is a flag a command requires: its value v, the flag as usage names it
// ("-in FILE") and what it holds.
type plainWant struct{ v, flag, what string }

// plainNeed returns a usage error asking for the first of wants whose value is empty, or
// nil if every one is set.
func plainNeed(wants ...plainWant) error {
	for _, w := range wants {
		if w.v == "" {
			return usagef("give %s %s", w.flag, w.what)
		}
	}
	return nil
}

// plainNames splits a comma-separated list of column names from flag.
func plainNames(flag, s string) ([]string, error) {
	var names []string
	for _, n := range strings.Split(s, ",") {
		n = strings.TrimSpace(n)
		if n == "" {
			return nil, usagef("-%s %q: an empty column name", flag, s)
		}
		if slices.Contains(names, n) {
			return nil, usagef("-%s: column %q is named twice", flag, n)
		}
		names = append(names, n)
	}
	return names, nil
}

// plainShares reads CHOICE=SHARE,… for flag: every CHOICE one of choices, every SHARE a
// fraction (0.52) or a percentage (52%). It returns the shares by choice index, and nil
// if s is empty (the flag was not given).
func plainShares(flag, s string, choices []string) (map[int]float64, error) {
	if s == "" {
		return nil, nil
	}
	out := map[int]float64{}
	for _, item := range strings.Split(s, ",") {
		i := strings.LastIndex(item, "=")
		if i < 0 {
			return nil, usagef("-%s: %q is not CHOICE=SHARE", flag, item)
		}
		name, val := strings.TrimSpace(item[:i]), strings.TrimSpace(item[i+1:])
		c := slices.Index(choices, name)
		if c < 0 {
			return nil, usagef("-%s: %q is not one of the choices (%s)", flag, name, strings.Join(choices, ", "))
		}
		if _, dup := out[c]; dup {
			return nil, usagef("-%s: %q is given twice", flag, name)
		}
		scale := 1.0
		if strings.HasSuffix(val, "%") {
			val, scale = strings.TrimSuffix(val, "%"), 100
		}
		x, err := strconv.ParseFloat(val, 64)
		if err != nil || !(x/scale >= 0 && x/scale <= 1) {
			return nil, usagef("-%s: %s=%q is not a share: give a fraction from 0 to 1 (0.52) or a percentage (52%%)", flag, name, item[i+1:])
		}
		out[c] = x / scale
	}
	return out, nil
}

// plainCSV reads one CSV input row by row. Every error it returns names the file, the line
// and, for a cell, the column.
type plainCSV struct {
	name    string
	closers []io.Closer
	r       *csv.Reader
	header  []string
	cols    map[string]int // column name → index; -1 for a name the header repeats
	rec     []string
	rows    int
}

// openPlainCSV opens name and reads its header row.
func openPlainCSV(name string) (*plainCSV, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	c := &plainCSV{name: name, closers: []io.Closer{f}, cols: map[string]int{}}
	if st, err := f.Stat(); err == nil && st.Size() > plainMaxBytes {
		c.close()
		return nil, fmt.Errorf("%s: %d bytes, more than the limit of 1 GiB", name, st.Size())
	}
	var src io.Reader = f
	if strings.HasSuffix(name, ".gz") {
		gz, err := gzip.NewReader(f)
		if err != nil {
			c.close()
			return nil, fmt.Errorf("%s: not a gzip file: %w", name, err)
		}
		c.closers = append(c.closers, gz)
		src = gz
	}
	c.r = csv.NewReader(&plainCapReader{r: src, left: plainMaxBytes})
	c.r.ReuseRecord = true
	header, err := c.r.Read()
	if err == io.EOF {
		c.close()
		return nil, fmt.Errorf("%s: empty: want a header row naming the columns", name)
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

// openPlainLayout opens file name as openPlainCSV does and finds in it the columns that
// p's flags name, as plainCSV.layout does. The caller MUST close the file it returns.
func openPlainLayout(name string, p *plainFlags, choices []string, flags ...string) (*plainCSV, plainLayout, error) {
	in, err := openPlainCSV(name)
	if err != nil {
		return nil, plainLayout{}, err
	}
	l, err := in.layout(p, choices, flags...)
	if err != nil {
		in.close()
		return nil, plainLayout{}, err
	}
	return in, l, nil
}

// close closes the file; it may be called more than once.
func (c *plainCSV) close() {
	for i := len(c.closers) - 1; i >= 0; i-- {
		c.closers[i].Close()
	}
	c.closers = nil
}

// errPlainTooLarge is returned by plainCapReader past plainMaxBytes.
var errPlainTooLarge = errors.New("more than 1 GiB of data, the limit")

// plainCapReader fails once more than left bytes have been read.
type plainCapReader struct {
	r    io.Reader
	left int64
}

func (r *plainCapReader) Read(p []byte) (int, error) {
	if r.left <= 0 {
		return 0, errPlainTooLarge
	}
	if int64(len(p)) > r.left {
		p = p[:r.left]
	}
	n, err := r.r.Read(p)
	r.left -= int64(n)
	return n, err
}

func (c *plainCSV) readError(err error) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return fmt.Errorf("%s:%d: %v", c.name, pe.Line, pe.Err)
	}
	return fmt.Errorf("%s: %w", c.name, err)
}

// column returns the index of the column name, given by flag.
func (c *plainCSV) column(flag, name string) (int, error) {
	i, ok := c.cols[name]
	switch {
	case !ok:
		cols := c.header
		more := ""
		if len(cols) > 40 {
			cols, more = cols[:40], ", …"
		}
		return 0, fmt.Errorf("%s: no column %q (named by -%s); the header has: %s%s", c.name, name, flag, strings.Join(cols, ", "), more)
	case i < 0:
		return 0, fmt.Errorf("%s: the header names column %q more than once (named by -%s)", c.name, name, flag)
	}
	return i, nil
}

// columns returns the indices of names, given by flag.
func (c *plainCSV) columns(flag string, names []string) ([]int, error) {
	idx := make([]int, len(names))
	for i, n := range names {
		var err error
		if idx[i], err = c.column(flag, n); err != nil {
			return nil, err
		}
	}
	return idx, nil
}

// plainLayout is where a file holds the figures a command reads: the index of each
// column, or -1 for a column that the command's flags do not name.
type plainLayout struct {
	station, stratum, registered, cast, issued, valid, area, leader, choice, votes, party int

	// choices are the columns of the choices' votes, in the order of their names.
	choices []int
}

// fields returns the index fields of l by the name of the flag that names their column.
func (l *plainLayout) fields() map[string]*int {
	return map[string]*int{
		"station": &l.station, "stratum": &l.stratum, "registered": &l.registered, "cast": &l.cast,
		"issued": &l.issued, "valid": &l.valid, "area": &l.area, "leader": &l.leader,
		"choice": &l.choice, "votes": &l.votes, "party": &l.party,
	}
}

// layout finds the columns that p's flags name, flag by flag in the order of flags, so
// that an error is about the first flag whose column is missing. The flag "choices"
// stands for the columns choices (the names from -choices, or others a command reads in
// their place). A flag not in flags, or not given, gets -1. It panics on a flag that does
// not name a column: that is a programming error.
func (c *plainCSV) layout(p *plainFlags, choices []string, flags ...string) (plainLayout, error) {
	var l plainLayout
	fields := l.fields()
	for _, at := range fields {
		*at = -1
	}
	for _, f := range flags {
		var err error
		switch at := fields[f]; {
		case f == "choices":
			l.choices, err = c.columns(f, choices)
		case at == nil:
			panic("plainCSV.layout: no column flag " + f)
		case *p.field(f) != "":
			*at, err = c.column(f, *p.field(f))
		}
		if err != nil {
			return plainLayout{}, err
		}
	}
	return l, nil
}

// each calls row for every data row of c in turn (the current row while it runs) until
// the end of the file. It returns the first error from reading or from row.
func (c *plainCSV) each(ctx context.Context, row func() error) error {
	for {
		ok, err := c.next(ctx)
		if err != nil || !ok {
			return err
		}
		if err := row(); err != nil {
			return err
		}
	}
}

// next reads the next row; it returns false at the end of the file.
func (c *plainCSV) next(ctx context.Context) (bool, error) {
	if c.rows%10000 == 0 {
		if err := ctx.Err(); err != nil {
			return false, err
		}
	}
	rec, err := c.r.Read()
	if err == io.EOF {
		return false, nil
	}
	if err != nil {
		return false, c.readError(err)
	}
	c.rows++
	if c.rows > plainMaxRows {
		return false, fmt.Errorf("%s: more than %d rows, the limit", c.name, plainMaxRows)
	}
	c.rec = rec
	return true, nil
}

// line returns the line on which column col of the current row starts.
func (c *plainCSV) line(col int) int {
	l, _ := c.r.FieldPos(col)
	return l
}

// at names the current row's cell in column col: "FILE:LINE: column "NAME"".
func (c *plainCSV) at(col int) string {
	return fmt.Sprintf("%s:%d: column %q", c.name, c.line(col), c.header[col])
}

// text returns the current row's cell in column col, trimmed.
func (c *plainCSV) text(col int) string { return strings.TrimSpace(c.rec[col]) }

// count reads the current row's cell in column col as a count: a whole number from 0 to
// plainMaxCount. An empty cell is not given: it returns given false and no error.
func (c *plainCSV) count(col int) (v int64, given bool, err error) {
	s := c.text(col)
	if s == "" {
		return 0, false, nil
	}
	v, err = strconv.ParseInt(s, 10, 64)
	switch {
	case err != nil:
		return 0, false, fmt.Errorf("%s: %q is not a whole number (leave the cell empty if the count is not known)", c.at(col), plainTrunc(s, 30))
	case v < 0:
		return 0, false, fmt.Errorf("%s: %d is negative; a count is a whole number from 0 (leave the cell empty if it is not known)", c.at(col), v)
	case v > plainMaxCount:
		return 0, false, fmt.Errorf("%s: %d is not a plausible count", c.at(col), v)
	}
	return v, true, nil
}

// counts reads the cells in cols as counts; all is false if any is not given.
func (c *plainCSV) counts(cols []int) (vs []int64, all bool, err error) {
	vs, all = make([]int64, len(cols)), true
	for i, col := range cols {
		var given bool
		if vs[i], given, err = c.count(col); err != nil {
			return nil, false, err
		}
		all = all && given
	}
	return vs, all, nil
}

// results reads the current row's votes in the columns l.choices and its valid votes in
// column l.valid; all is false unless every one of them is given.
func (c *plainCSV) results(l *plainLayout) (votes []int64, valid int64, all bool, err error) {
	if votes, all, err = c.counts(l.choices); err != nil {
		return nil, 0, false, err
	}
	valid, given, err := c.count(l.valid)
	if err != nil {
		return nil, 0, false, err
	}
	return votes, valid, all && given, nil
}

// stratum reads the current row's stratum, a required label, from column col; with col
// -1 (no -stratum) every row is in the one stratum "".
func (c *plainCSV) stratum(col int) (string, error) {
	if col < 0 {
		return "", nil
	}
	return c.label(col, "a stratum")
}

// label reads the current row's cell in column col as a required label (a station code,
// a stratum, a choice).
func (c *plainCSV) label(col int, what string) (string, error) {
	s := c.text(col)
	if s == "" {
		return "", fmt.Errorf("%s: empty; every row needs %s", c.at(col), what)
	}
	if len(s) > 200 || strings.ContainsAny(s, "\t\n\r") {
		return "", fmt.Errorf("%s: %q is not a usable %s (a tab or line break, or over 200 bytes)", c.at(col), plainTrunc(s, 30), what)
	}
	return s, nil
}

// plainPlural returns "1 seat" or "n seats".
func plainPlural(n int, noun string) string {
	if n == 1 {
		return "1 " + noun
	}
	return fmt.Sprintf("%d %ss", n, noun)
}

func plainTrunc(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n]) + "…"
	}
	return s
}

// plainCodes checks that station codes are unique across rows.
type plainCodes map[string]int // code → line

// add reads the current row's station code from column col and fails if an earlier row
// has it. With col -1 (no -station) it returns "" and no error.
func (p plainCodes) add(c *plainCSV, col int) (string, error) {
	if col < 0 {
		return "", nil
	}
	code, err := c.label(col, "a station code")
	if err != nil {
		return "", err
	}
	if prev, dup := p[code]; dup {
		return "", fmt.Errorf("%s: station %q is also on line %d; station codes must be unique", c.at(col), code, prev)
	}
	p[code] = c.line(col)
	return code, nil
}

// plainF formats a fraction for a table: a percentage for people, the number for CSV.
func (o *output) plainF(x float64) string {
	if o.csv {
		return strconv.FormatFloat(x, 'g', 8, 64)
	}
	return pct(x)
}

// plainZ formats a test statistic, which may be ±math.MaxFloat64 when the SE is 0.
func plainZ(z float64) string {
	if math.Abs(z) == math.MaxFloat64 {
		if z > 0 {
			return "+inf"
		}
		return "-inf"
	}
	return fmt.Sprintf("%+.2f", z)
}

// plainMachine prints v as JSON (t's rows if v is nil) or t as CSV when the output asks
// for either, and reports whether it did; for people it prints nothing, and the caller
// prints its own text around t.
func (o *output) plainMachine(w io.Writer, t *table, v any) (bool, error) {
	if !o.json && !o.csv {
		return false, nil
	}
	return true, o.print(w, t, v)
}

// section prints a titled table for people; for -csv and -json the caller prints once.
func (o *output) section(w io.Writer, title string, t *table) error {
	fmt.Fprintf(w, "\n%s\n", title)
	return o.print(w, t, nil)
}

// -------------------------------------------------------------------------------- sample

const plainSampleUsage = `-in FILE -station COL [-stratum COL] -size N -seed S [-reserves R] [-min-per-stratum M] [-json|-csv]
   or: iltod sample -plan -in FILE -choices COL[,COL] -valid COL [-moe E] [-confidence C] [-report-rate R] [-json|-csv]

Draws a stratified PVT sample from the stations of FILE, in file order (the frame), with
pvt.Draw; -json prints the pvt.Sample, which pvt.Sample.Verify redraws from the same file.
With -plan, sizes a simple random sample from a previous election's results instead
(pvt.PlanSize): -choices names the choice that matters, or two choices for their margin.`

// plainSample draws a PVT sample from a frame file with pvt.Draw, or with -plan sizes one
// from a previous election's results with pvt.PlanSize.
func plainSample(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("sample", stderr, plainSampleUsage)
	p.register(fs, "in", "station", "stratum", "choices", "valid")
	plan := fs.Bool("plan", false, "size a sample from a previous election's results (FILE) instead of drawing one")
	size := fs.Int("size", 0, "the number of stations to draw, over all strata")
	seed := fs.Uint64("seed", 0, "the seed of the draw: a number fixed in public beforehand (dice, a lottery draw); it is recorded with the sample")
	reserves := fs.Int("reserves", 0, "replacement stations to list per stratum")
	minPer := fs.Int("min-per-stratum", 0, "the fewest stations drawn per stratum (0 means 2, the least that gives a variance)")
	moe := fs.Float64("moe", 0.01, "-plan: the margin of error wanted, as a fraction (0.01 is ±1 point)")
	conf := fs.Float64("confidence", 0.95, "-plan: the confidence level of the margin of error")
	rate := fs.Float64("report-rate", 0.9, "-plan: the share of sampled stations expected to report in time")
	set, err := plainParse(fs, args, &p.out)
	if err != nil {
		return err
	}
	if err := plainNeed(plainWant{p.in, "-in FILE", "(the stations, one per row)"}); err != nil {
		return err
	}
	if *plan {
		for _, f := range []string{"size", "seed", "reserves", "min-per-stratum", "stratum"} {
			if set[f] {
				return usagef("-%s draws a sample; -plan only sizes one", f)
			}
		}
		return plainPlan(ctx, &p, *moe, *conf, *rate, stdout)
	}
	for _, f := range []string{"choices", "valid", "moe", "confidence", "report-rate"} {
		if set[f] {
			return usagef("-%s applies only with -plan", f)
		}
	}
	if err := plainNeed(plainWant{p.station, "-station COL", "(the column of station codes)"}); err != nil {
		return err
	}
	if !set["size"] {
		return usagef("give -size N, the number of stations to draw")
	}
	if !set["seed"] {
		return usagef("give -seed S: a number fixed in public before the draw (dice, a lottery draw); it makes the sample reproducible")
	}

	frame, err := plainFrame(ctx, &p)
	if err != nil {
		return err
	}
	if *size < 1 || *size > len(frame) {
		return usagef("-size %d: give a number of stations from 1 to %d, the stations in %s", *size, len(frame), p.in)
	}
	s, err := pvt.Draw(frame, pvt.DrawOptions{Size: *size, Seed: *seed, Reserves: *reserves, MinPerStratum: *minPer})
	if err != nil {
		return fmt.Errorf("draw from %s: %w", p.in, err)
	}
	t := &table{header: []string{"stratum", "station", "role"}}
	nres := 0
	for _, h := range s.Strata {
		for _, c := range h.Stations {
			t.add(h.Stratum, c, "sample")
		}
		for i, c := range h.Reserves {
			t.add(h.Stratum, c, fmt.Sprintf("reserve %d", i+1))
		}
		nres += len(h.Reserves)
	}
	if done, err := p.out.plainMachine(stdout, t, s); done {
		return err
	}
	fmt.Fprintf(stdout, "Drew %d stations and %d reserves from the %d stations of %s in %d strata, seed %d (%s).\n",
		s.Size, nres, len(frame), p.in, len(s.Strata), s.Seed, s.Method)
	fmt.Fprintf(stdout, "Frame %s: keep the -json form of this sample; anyone can redraw it from the same file.\n\n", s.Frame)
	return p.out.print(stdout, t, nil)
}

// plainFrame reads the sampling frame: the stations of p.in, in file order, each with its
// stratum if -stratum is given. It fails on a file without stations.
func plainFrame(ctx context.Context, p *plainFlags) ([]pvt.FrameStation, error) {
	in, l, err := openPlainLayout(p.in, p, nil, "station", "stratum")
	if err != nil {
		return nil, err
	}
	defer in.close()
	var frame []pvt.FrameStation
	codes := plainCodes{}
	err = in.each(ctx, func() error {
		code, err := codes.add(in, l.station)
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
		return nil, fmt.Errorf("%s: no stations", p.in)
	}
	return frame, nil
}

// plainPlanOut is sample -plan's JSON.
type plainPlanOut struct {
	In         string       `json:"in"`
	Choices    []string     `json:"choices"` // one choice, or two for their margin
	MOE        float64      `json:"moe"`
	Confidence float64      `json:"confidence"`
	Z          float64      `json:"z"`
	Skipped    int          `json:"skipped"` // rows without the valid votes or a choice's votes
	Plan       pvt.SizePlan `json:"plan"`
}

// plainPlan is sample -plan: the units are the choice's votes (or the difference of two
// choices' votes) over the valid votes of every station with both given.
func plainPlan(ctx context.Context, p *plainFlags, moe, conf, rate float64, stdout io.Writer) error {
	if err := plainNeed(
		plainWant{p.choices, "-choices COL", "(the votes of the choice that matters, or two columns for their margin)"},
		plainWant{p.valid, "-valid COL", "(the column of valid votes)"},
	); err != nil {
		return err
	}
	names, err := plainNames("choices", p.choices)
	if err != nil {
		return err
	}
	if len(names) > 2 {
		return usagef("-plan -choices: give one column (a choice's votes) or two (their margin), not %d", len(names))
	}
	if !(moe > 0 && moe < 1) {
		return usagef("-moe %v: give the margin of error as a fraction, e.g. 0.01 for ±1 point", moe)
	}
	if !(conf > 0 && conf < 1) {
		return usagef("-confidence %v: give a level between 0 and 1, e.g. 0.95", conf)
	}
	if !(rate > 0 && rate <= 1) {
		return usagef("-report-rate %v: give the share of sampled stations expected to report, above 0 and at most 1", rate)
	}
	units, skipped, err := plainPlanUnits(ctx, p, names)
	if err != nil {
		return err
	}
	z := pvt.Z(conf)
	plan, err := pvt.PlanSize(units, moe, z, rate)
	if err != nil {
		return fmt.Errorf("plan from %s: %w", p.in, err)
	}
	what := names[0] + "'s share"
	if len(names) == 2 {
		what = "margin " + names[0] + " − " + names[1]
	}
	f := p.out.plainF
	t := &table{header: []string{"figure", "value"}}
	t.add("stations in the previous election (K)", plan.Population)
	t.add("rows skipped (a count not given)", skipped)
	t.add(what+" (P)", f(plan.P))
	t.add("mean valid votes per station (m̄)", fmt.Sprintf("%.1f", plan.MeanDen))
	t.add("S_d²", fmt.Sprintf("%.1f", plan.Sd2))
	t.add("k0: reporting stations, before the finite-population correction", fmt.Sprintf("%.1f", plan.K0))
	t.add("k: reporting stations needed", fmt.Sprintf("%.1f", plan.K))
	t.add("expected report rate", f(plan.ReportRate))
	t.add("stations to draw (k / report rate)", plan.Draw)
	out := plainPlanOut{In: p.in, Choices: names, MOE: moe, Confidence: conf, Z: z, Skipped: skipped, Plan: plan}
	if done, err := p.out.plainMachine(stdout, t, out); done {
		return err
	}
	fmt.Fprintf(stdout, "Sample size for ±%s at %s confidence (z = %.3f) for %s, simple random sample of stations:\n\n", pct(moe), pct(conf), z, what)
	if err := p.out.print(stdout, t, nil); err != nil {
		return err
	}
	fmt.Fprintln(stdout, "\nA stratified sample usually needs fewer stations than this plan; the plan is the safe side.")
	return nil
}

// plainPlanUnits reads sample -plan's units from p.in: per station, the votes of choice
// names[0] (less those of names[1], if given) over the valid votes. It skips and counts
// the rows without all of those counts; station codes, if -station is given, must be
// unique.
func plainPlanUnits(ctx context.Context, p *plainFlags, names []string) (units []pvt.Unit, skipped int, err error) {
	in, l, err := openPlainLayout(p.in, p, names, "choices", "valid", "station")
	if err != nil {
		return nil, 0, err
	}
	defer in.close()
	codes := plainCodes{}
	err = in.each(ctx, func() error {
		if _, err := codes.add(in, l.station); err != nil {
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

// -------------------------------------------------------------------------------- pvt

const plainPVTUsage = `-in FILE -station COL [-stratum COL] -choices COL,COL,… -valid COL [-cast COL -registered COL]
       (-population N | -strata FILE) [-majority 0.5] [-official CHOICE=SHARE,…] [-json|-csv]

Estimates every choice's share of valid votes, the margin between the top two, turnout and
the calls a PVT supports, from the sampled stations in FILE (pvt.Analyze). A row whose valid
votes or a choice's votes are empty has not reported: it is skipped and counted. -strata
FILE has the columns stratum,population (the number of stations in each stratum).`

// plainPVTOut is pvt's JSON.
type plainPVTOut struct {
	In        string   `json:"in"`
	Choices   []string `json:"choices"`
	Rows      int      `json:"rows"`      // sampled stations in the file
	Reporting int      `json:"reporting"` // rows with the valid votes and every choice's votes
	Skipped   int      `json:"skipped"`   // the other rows
	// TurnoutSkipped counts rows without ballots cast or registered voters, left out of
	// the turnout estimate.
	TurnoutSkipped int          `json:"turnout_skipped,omitempty"`
	TurnoutError   string       `json:"turnout_error,omitempty"`
	Design         pvt.Design   `json:"design"`
	Result         pvt.Result   `json:"result"`
	Official       []plainCheck `json:"official,omitempty"`
}

// plainCheck is pvt.CheckOfficial's call on one choice's official share.
type plainCheck struct {
	Choice string   `json:"choice"`
	Share  float64  `json:"share"`
	Call   pvt.Call `json:"call"`
}

// plainPVT estimates a contest from the sampled stations of a file with pvt.Analyze, and
// turnout with pvt.Ratio over the rows that give ballots cast and registered voters.
func plainPVT(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("pvt", stderr, plainPVTUsage)
	p.register(fs, "in", "station", "stratum", "choices", "valid", "cast", "registered")
	population := fs.Int("population", 0, "the number of stations in the country, for a simple random sample")
	strataFile := fs.String("strata", "", "a CSV `FILE` with columns stratum,population: the stations in each stratum")
	majority := fs.Float64("majority", 0, "the share of valid votes the leader must exceed to win in one round (0.5); calls whether a runoff is needed")
	official := fs.String("official", "", "official shares to check, `CHOICE=SHARE,…` (0.52 or 52%)")
	set, err := plainParse(fs, args, &p.out)
	if err != nil {
		return err
	}
	if err := plainNeed(
		plainWant{p.in, "-in FILE", "(the sampled stations' results, one per row)"},
		plainWant{p.station, "-station COL", "(the column of station codes)"},
		plainWant{p.choices, "-choices COL,COL,…", "(the columns of votes, one per choice)"},
		plainWant{p.valid, "-valid COL", "(the column of valid votes)"},
	); err != nil {
		return err
	}
	if (p.cast == "") != (p.registered == "") {
		return usagef("give -cast COL and -registered COL together (turnout is ballots cast over registered voters), or neither")
	}
	switch {
	case set["population"] == (*strataFile != ""):
		return usagef("give the size of the population: -population N (simple random sample) or -strata FILE (stratified)")
	case p.stratum != "" && *strataFile == "":
		return usagef("-stratum needs -strata FILE with the number of stations in each stratum (columns stratum,population)")
	case p.stratum == "" && *strataFile != "":
		return usagef("-strata FILE needs -stratum COL, the column of each station's stratum")
	case set["population"] && *population < 1:
		return usagef("-population %d: give the number of stations in the country", *population)
	case !(*majority >= 0 && *majority < 1):
		return usagef("-majority %v: give a share between 0 and 1, e.g. 0.5", *majority)
	}
	names, err := plainNames("choices", p.choices)
	if err != nil {
		return err
	}
	if len(names) < 2 {
		return usagef("-choices: give at least two columns of votes; a PVT estimates shares and the margin between the top two")
	}
	checks, err := plainShares("official", *official, names)
	if err != nil {
		return err
	}

	out := plainPVTOut{In: p.in, Choices: names}
	rows, err := plainPVTRead(ctx, &p, names, &out)
	if err != nil {
		return err
	}
	if out.Design, err = plainDesign(ctx, &p, rows, *population, *strataFile); err != nil {
		return err
	}
	if out.Result, err = plainEstimate(rows, out.Design, *majority, p.in, stderr); err != nil {
		return err
	}
	if p.cast != "" {
		// Turnout needs only cast and registered: its own rows, the same estimator.
		e, err := pvt.Ratio(rows.turnout, out.Design)
		if err != nil {
			out.TurnoutError = err.Error()
		} else {
			out.Result.Turnout = &e
		}
	}
	for c := range names {
		if share, ok := checks[c]; ok {
			out.Official = append(out.Official, plainCheck{Choice: names[c], Share: share, Call: pvt.CheckOfficial(out.Result.Shares[c], share, 0)})
		}
	}
	return plainPVTPrint(stdout, &p, &out)
}

// plainPVTRows are the sampled stations that pvt reads from its input file.
type plainPVTRows struct {
	stations  []pvt.Station  // the stations that report every choice's votes and the valid votes
	turnout   []pvt.Unit     // ballots cast over registered voters, where both are given
	sampled   map[string]int // the sampled stations by stratum, reporting or not
	firstLine map[string]int // the line on which each stratum first appears
}

// plainPVTRead reads the sampled stations of p.in, with choices names, and counts on out
// the rows it reads and those it skips. It fails on a file without stations.
func plainPVTRead(ctx context.Context, p *plainFlags, names []string, out *plainPVTOut) (*plainPVTRows, error) {
	in, l, err := openPlainLayout(p.in, p, names, "station", "choices", "valid", "stratum", "cast", "registered")
	if err != nil {
		return nil, err
	}
	defer in.close()
	rows := &plainPVTRows{sampled: map[string]int{}, firstLine: map[string]int{}}
	codes := plainCodes{}
	err = in.each(ctx, func() error {
		if _, err := codes.add(in, l.station); err != nil {
			return err
		}
		stratum, err := in.stratum(l.stratum)
		if err != nil {
			return err
		}
		if _, seen := rows.firstLine[stratum]; !seen {
			rows.firstLine[stratum] = in.line(0)
		}
		rows.sampled[stratum]++
		votes, valid, all, err := in.results(&l)
		if err != nil {
			return err
		}
		if l.cast >= 0 {
			t, given, err := in.counts([]int{l.cast, l.registered})
			if err != nil {
				return err
			}
			if given {
				rows.turnout = append(rows.turnout, pvt.Unit{Stratum: stratum, Num: float64(t[0]), Den: float64(t[1])})
			} else {
				out.TurnoutSkipped++
			}
		}
		if !all {
			out.Skipped++
			return nil
		}
		st := pvt.Station{Stratum: stratum, Votes: make([]float64, len(votes)), Valid: float64(valid)}
		for i, v := range votes {
			st.Votes[i] = float64(v)
		}
		rows.stations = append(rows.stations, st)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Rows, out.Reporting = in.rows, len(rows.stations)
	if out.Rows == 0 {
		return nil, fmt.Errorf("%s: no stations", p.in)
	}
	return rows, nil
}

// plainDesign returns the sample design of rows: one stratum of population stations
// without -stratum, else the strata of strataFile, which must hold every sampled stratum
// with at least its sampled stations.
func plainDesign(ctx context.Context, p *plainFlags, rows *plainPVTRows, population int, strataFile string) (pvt.Design, error) {
	d := pvt.Design{Strata: map[string]int{}, Sampled: rows.sampled}
	if p.stratum == "" {
		if n := rows.sampled[""]; population < n {
			return d, usagef("-population %d is fewer than the %d sampled stations in %s", population, n, p.in)
		}
		d.Strata[""] = population
		return d, nil
	}
	var err error
	if d.Strata, err = plainStrata(ctx, strataFile); err != nil {
		return d, err
	}
	for h, n := range rows.sampled {
		N, ok := d.Strata[h]
		switch {
		case !ok:
			return d, fmt.Errorf("%s:%d: stratum %q is not in %s", p.in, rows.firstLine[h], h, strataFile)
		case N < n:
			return d, fmt.Errorf("%s: stratum %q has %d sampled stations but %s gives it a population of %d", p.in, h, n, strataFile, N)
		}
	}
	return d, nil
}

// plainEstimate runs pvt.Analyze on the stations of rows, read from file in. When too few
// stations of a stratum report, it lists those strata on stderr and says how to merge them.
func plainEstimate(rows *plainPVTRows, d pvt.Design, majority float64, in string, stderr io.Writer) (pvt.Result, error) {
	res, err := pvt.Analyze(rows.stations, d, pvt.Options{Majority: majority})
	var ce *pvt.CoverageError
	switch {
	case errors.As(err, &ce):
		for _, s := range ce.Thin {
			fmt.Fprintf(stderr, "stratum %q: %d of %d sampled stations reported (%d in the population)\n", s.Stratum, s.Reported, s.Sampled, s.Population)
		}
		return res, fmt.Errorf("estimate from %s: %w (merge a stratum by giving its stations one label in -in and adding up its population in -strata)", in, err)
	case err != nil:
		return res, fmt.Errorf("estimate from %s: %w", in, err)
	}
	return res, nil
}

// plainPVTPrint prints pvt's estimates in out as p's output flags ask.
func plainPVTPrint(stdout io.Writer, p *plainFlags, out *plainPVTOut) error {
	o, res, names := &p.out, out.Result, out.Choices
	t := &table{header: []string{"figure", "estimate", "SE", "95% interval", "99% interval", "reported"}}
	if o.csv {
		t.header = []string{"figure", "estimate", "se", "low95", "high95", "low99", "high99", "reported"}
	}
	row := func(figure string, e pvt.Estimate) {
		if o.csv {
			t.add(figure, o.plainF(e.Value), o.plainF(e.SE), o.plainF(e.Low95), o.plainF(e.High95), o.plainF(e.Low99), o.plainF(e.High99), e.Reported)
			return
		}
		t.add(figure, pct(e.Value), fmt.Sprintf("%.2f pts", 100*e.SE), interval(e.Low95, e.High95), interval(e.Low99, e.High99), e.Reported)
	}
	for c, e := range res.Shares {
		row("share "+names[c], e)
	}
	row("margin "+names[res.Leader]+" − "+names[res.RunnerUp], res.Margin)
	if res.Turnout != nil {
		row("turnout", *res.Turnout)
	}
	if res.Runoff != nil {
		row(fmt.Sprintf("%s's share against the %s majority", names[res.Leader], pct(res.Runoff.Majority)), res.Runoff.Share)
	}
	if done, err := o.plainMachine(stdout, t, out); done {
		return err
	}
	fmt.Fprintf(stdout, "PVT estimate from %s: %d sampled stations, %d reporting, %d skipped (valid votes or a choice's votes not given).\n\n",
		p.in, out.Rows, out.Reporting, out.Skipped)
	if err := o.print(stdout, t, nil); err != nil {
		return err
	}
	named := plainChoiceNames(names)
	fmt.Fprintf(stdout, "\nWinner: %s. %s\n", plainVerdict(res.Winner, names), named(res.Winner.Note["en"]))
	if res.Runoff != nil {
		fmt.Fprintf(stdout, "Runoff: %s. %s\n", res.Runoff.Call.Verdict, named(res.Runoff.Call.Note["en"]))
	}
	switch {
	case p.cast == "":
	case res.Turnout == nil:
		fmt.Fprintf(stdout, "Turnout: not estimated: %s\n", out.TurnoutError)
	case out.TurnoutSkipped > 0:
		fmt.Fprintf(stdout, "Turnout: %d rows without ballots cast or registered voters are left out of it.\n", out.TurnoutSkipped)
	}
	for _, ch := range out.Official {
		fmt.Fprintf(stdout, "Official %s %s: %s. %s\n", ch.Choice, pct(ch.Share), ch.Call.Verdict, ch.Call.Note["en"])
	}
	cov := &table{header: []string{"stratum", "population", "sampled", "reported"}}
	if p.stratum != "" {
		for _, s := range res.Coverage.Strata {
			cov.add(s.Stratum, s.Population, s.Sampled, s.Reported)
		}
	}
	cov.add("(all)", res.Coverage.Population, res.Coverage.Sampled, res.Coverage.Reported)
	return o.section(stdout, fmt.Sprintf("Coverage: %s of sampled stations reported.", pct(res.Coverage.Rate())), cov)
}

// plainStrata reads a strata file: columns stratum and population.
func plainStrata(ctx context.Context, name string) (map[string]int, error) {
	in, err := openPlainCSV(name)
	if err != nil {
		return nil, err
	}
	defer in.close()
	sCol, err := in.column("strata", "stratum")
	if err != nil {
		return nil, err
	}
	nCol, err := in.column("strata", "population")
	if err != nil {
		return nil, err
	}
	strata, lines := map[string]int{}, map[string]int{}
	err = in.each(ctx, func() error {
		h, err := in.stratum(sCol)
		if err != nil {
			return err
		}
		if prev, dup := lines[h]; dup {
			return fmt.Errorf("%s: stratum %q is also on line %d", in.at(sCol), h, prev)
		}
		n, given, err := in.count(nCol)
		if err != nil {
			return err
		}
		if !given {
			return fmt.Errorf("%s: empty; give the number of stations in the stratum", in.at(nCol))
		}
		strata[h], lines[h] = int(n), in.line(sCol)
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(strata) == 0 {
		return nil, fmt.Errorf("%s: no strata", name)
	}
	return strata, nil
}

// plainVerdict names a call's verdict, with the winner's name.
func plainVerdict(c pvt.Call, names []string) string {
	if c.Verdict == pvt.Winner && c.Choice >= 0 && c.Choice < len(names) {
		return names[c.Choice]
	}
	return string(c.Verdict)
}

var plainChoiceRe = regexp.MustCompile(`\b[Cc]hoice (\d+)\b`)

// plainChoiceNames returns a function that writes choices' names for the numbers
// ("choice 7") in the notes of package pvt.
func plainChoiceNames(names []string) func(string) string {
	return func(note string) string {
		return plainChoiceRe.ReplaceAllStringFunc(note, func(m string) string {
			i, err := strconv.Atoi(plainChoiceRe.FindStringSubmatch(m)[1])
			if err != nil || i < 0 || i >= len(names) {
				return m
			}
			return names[i]
		})
	}
}

// -------------------------------------------------------------------------------- compare

const plainCompareUsage = `-in OBSERVED -official OFFICIAL -station COL -choices COL,COL,… -valid COL [-stratum COL]
       [-tolerance T] [-official-share CHOICE=SHARE,…] [-json|-csv]

Compares observers' station results (OBSERVED, the sampled stations) with the official ones
(OFFICIAL, every station), paired by station code, with the same column names in both:
exact matches and discrepancies (pvt.Match), the paired and the collation test per choice
and where a difference lies (pvt.Diagnose). The official file's stations are the
population, by stratum (read from OFFICIAL) if -stratum is given. The official national
share is OFFICIAL's own total unless -official-share gives the published one. -csv prints
every flagged station; the table shows the first 20.`

// plainCompareOut is compare's JSON.
type plainCompareOut struct {
	In       string   `json:"in"`
	Official string   `json:"official"`
	Choices  []string `json:"choices"`
	// Observed counts the observed rows; Compared those compared; SkippedObserved and
	// SkippedOfficial the rows left out because the observers' or the official counts are
	// not all given.
	Observed        int             `json:"observed"`
	Compared        int             `json:"compared"`
	SkippedObserved int             `json:"skipped_observed"`
	SkippedOfficial int             `json:"skipped_official"`
	Design          pvt.Design      `json:"design"`
	Match           pvt.MatchResult `json:"match"`
	// Flagged holds the flagged stations, largest discrepancy first.
	Flagged []plainFlagged `json:"flagged"`
	Tests   []plainTests   `json:"tests"`
}

// plainFlagged is one flagged station with its counts.
type plainFlagged struct {
	Station  string    `json:"station"`
	Stratum  string    `json:"stratum,omitempty"`
	D        float64   `json:"d"`
	Observed []float64 `json:"observed"`
	Official []float64 `json:"official"`
}

// plainTests are the tests of one choice.
type plainTests struct {
	Choice string `json:"choice"`
	// NationalSource says where the national share came from: "the official file's totals"
	// or "-official-share".
	NationalSource string   `json:"national_source"`
	Paired         pvt.Test `json:"paired"`
	Collation      pvt.Test `json:"collation"`
	Diagnosis      pvt.Call `json:"diagnosis"`
}

// plainOfficialRow is one station of the official file.
type plainOfficialRow struct {
	stratum string
	votes   []int64
	valid   int64
	given   bool // every count given
}

// plainOfficial is compare's official file: its stations by code, the number of them in
// each stratum (the population), and the national totals over the stations with every
// count given.
type plainOfficial struct {
	rows       map[string]*plainOfficialRow
	population map[string]int
	totals     []float64 // by choice
	totalValid float64
}

// plainCompare compares observers' results with official ones station by station
// (pvt.Match) and per choice (pvt.Paired, pvt.Collation, pvt.Diagnose).
func plainCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("compare", stderr, plainCompareUsage)
	p.register(fs, "in", "station", "stratum", "choices", "valid")
	officialFile := fs.String("official", "", "the official results `FILE`, every station, with the same columns as -in")
	tolerance := fs.Float64("tolerance", 0, "flag stations whose discrepancy D = Σ|observed − official| is above this (0 flags any difference)")
	shares := fs.String("official-share", "", "the published national shares, `CHOICE=SHARE,…`, when they differ from the official file's totals")
	if _, err := plainParse(fs, args, &p.out); err != nil {
		return err
	}
	if err := plainNeed(
		plainWant{p.in, "-in FILE", "(the observers' results of the sampled stations)"},
		plainWant{*officialFile, "-official FILE", "(the official results of every station)"},
		plainWant{p.station, "-station COL", "(the column of station codes, in both files)"},
		plainWant{p.choices, "-choices COL,COL,…", "(the columns of votes, in both files)"},
		plainWant{p.valid, "-valid COL", "(the column of valid votes, in both files)"},
	); err != nil {
		return err
	}
	if !(*tolerance >= 0) || math.IsInf(*tolerance, 0) {
		return usagef("-tolerance %v: give a number of votes from 0", *tolerance)
	}
	names, err := plainNames("choices", p.choices)
	if err != nil {
		return err
	}
	published, err := plainShares("official-share", *shares, names)
	if err != nil {
		return err
	}

	off, err := plainOfficialRead(ctx, &p, *officialFile, names)
	if err != nil {
		return err
	}
	out := plainCompareOut{In: p.in, Official: *officialFile, Choices: names}
	pairs, err := plainPairs(ctx, &p, off, &out)
	if err != nil {
		return err
	}
	if out.Match, err = pvt.Match(pairs, *tolerance); err != nil {
		return fmt.Errorf("match: %w", err)
	}
	for i, di := range out.Match.Discrepancies {
		if di.Flagged {
			out.Flagged = append(out.Flagged, plainFlagged{Station: di.Station, Stratum: pairs[i].Stratum, D: di.D, Observed: pairs[i].Observed, Official: pairs[i].Official})
		}
	}
	sort.SliceStable(out.Flagged, func(i, j int) bool { return out.Flagged[i].D > out.Flagged[j].D })
	if out.Tests, err = plainCompareTests(pairs, off, out.Design, names, published); err != nil {
		return err
	}
	return plainComparePrint(stdout, &p, &out, len(off.rows))
}

// plainOfficialRead reads compare's official file, name, with the columns p names and
// choices names. It fails on a file without stations.
func plainOfficialRead(ctx context.Context, p *plainFlags, name string, names []string) (*plainOfficial, error) {
	in, l, err := openPlainLayout(name, p, names, "station", "choices", "valid", "stratum")
	if err != nil {
		return nil, err
	}
	defer in.close()
	off := &plainOfficial{rows: map[string]*plainOfficialRow{}, population: map[string]int{}, totals: make([]float64, len(names))}
	codes := plainCodes{}
	err = in.each(ctx, func() error {
		code, err := codes.add(in, l.station)
		if err != nil {
			return err
		}
		r := &plainOfficialRow{}
		if r.stratum, err = in.stratum(l.stratum); err != nil {
			return err
		}
		if r.votes, r.valid, r.given, err = in.results(&l); err != nil {
			return err
		}
		if r.given {
			for c, v := range r.votes {
				off.totals[c] += float64(v)
			}
			off.totalValid += float64(r.valid)
		}
		off.rows[code] = r
		off.population[r.stratum]++
		return nil
	})
	if err != nil {
		return nil, err
	}
	if len(off.rows) == 0 {
		return nil, fmt.Errorf("%s: no stations", name)
	}
	return off, nil
}

// plainPairs reads the observed file, p.in, and pairs each station with its official
// row, counting on out the rows read, compared and skipped, and setting out's design: the
// official stations are the population, the observed ones the sample. It fails if a
// station is not in the official file, or if no station has every count in both.
func plainPairs(ctx context.Context, p *plainFlags, off *plainOfficial, out *plainCompareOut) ([]pvt.Pair, error) {
	names := out.Choices
	in, l, err := openPlainLayout(p.in, p, names, "station", "choices", "valid")
	if err != nil {
		return nil, err
	}
	defer in.close()
	sampled := map[string]int{}
	var pairs []pvt.Pair
	var missing []string
	codes := plainCodes{}
	err = in.each(ctx, func() error {
		code, err := codes.add(in, l.station)
		if err != nil {
			return err
		}
		votes, valid, all, err := in.results(&l)
		if err != nil {
			return err
		}
		r, ok := off.rows[code]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q (line %d)", code, in.line(l.station)))
			return nil
		}
		sampled[r.stratum]++
		switch {
		case !all:
			out.SkippedObserved++
			return nil
		case !r.given:
			out.SkippedOfficial++
			return nil
		}
		pr := pvt.Pair{Station: code, Stratum: r.stratum, Observed: make([]float64, len(names)), Official: make([]float64, len(names)), Den: float64(valid)}
		for c := range names {
			pr.Observed[c], pr.Official[c] = float64(votes[c]), float64(r.votes[c])
		}
		pairs = append(pairs, pr)
		return nil
	})
	if err != nil {
		return nil, err
	}
	out.Observed = in.rows
	if n := len(missing); n > 0 {
		what, more := "stations", ""
		if n == 1 {
			what = "station"
		}
		if n > plainTop {
			missing, more = missing[:plainTop], fmt.Sprintf(" and %d more", n-plainTop)
		}
		return nil, fmt.Errorf("%s: %d observed %s not in %s: %s%s", p.in, n, what, out.Official, strings.Join(missing, ", "), more)
	}
	if len(pairs) == 0 {
		return nil, fmt.Errorf("%s: no station to compare (%d rows, %d without the observers' counts, %d without the official ones)", p.in, out.Observed, out.SkippedObserved, out.SkippedOfficial)
	}
	out.Compared = len(pairs)
	out.Design = pvt.Design{Strata: off.population, Sampled: sampled}
	return pairs, nil
}

// plainCompareTests runs, for each choice in names, the paired test on pairs and the
// collation test of their official shares against the national share: published's if it
// has the choice, else the official file's totals.
func plainCompareTests(pairs []pvt.Pair, off *plainOfficial, d pvt.Design, names []string, published map[int]float64) ([]plainTests, error) {
	var tests []plainTests
	for c, name := range names {
		paired, err := pvt.Paired(pairs, c, d, 0)
		if err != nil {
			return nil, fmt.Errorf("paired test of %s: %w", name, err)
		}
		units := make([]pvt.Unit, len(pairs))
		for i, pr := range pairs {
			units[i] = pvt.Unit{Stratum: pr.Stratum, Num: pr.Official[c], Den: float64(off.rows[pr.Station].valid)}
		}
		est, err := pvt.Ratio(units, d)
		if err != nil {
			return nil, fmt.Errorf("collation test of %s: %w", name, err)
		}
		national, source := off.totals[c]/off.totalValid, "the official file's totals"
		if s, ok := published[c]; ok {
			national, source = s, "-official-share"
		}
		coll := pvt.Collation(est, national, 0)
		tests = append(tests, plainTests{Choice: name, NationalSource: source, Paired: paired, Collation: coll, Diagnosis: pvt.Diagnose(paired, coll)})
	}
	return tests, nil
}

// plainComparePrint prints compare's findings in out as p's output flags ask; official is
// the number of stations in the official file.
func plainComparePrint(stdout io.Writer, p *plainFlags, out *plainCompareOut, official int) error {
	o, names := &p.out, out.Choices
	flagged := &table{header: []string{"station", "stratum", "D", "differences (observed → official)"}}
	for _, f := range plainFirst(o, out.Flagged) {
		var diffs []string
		for c := range names {
			if f.Observed[c] != f.Official[c] {
				diffs = append(diffs, fmt.Sprintf("%s %g → %g", names[c], f.Observed[c], f.Official[c]))
			}
		}
		flagged.add(f.Station, f.Stratum, fmt.Sprintf("%g", f.D), strings.Join(diffs, "; "))
	}
	if done, err := o.plainMachine(stdout, flagged, out); done {
		return err
	}
	fmt.Fprintf(stdout, "Compared %d of %d observed stations (%s) with the official results of %d stations (%s); skipped %d without the observers' counts and %d without the official ones.\n",
		out.Compared, out.Observed, p.in, official, out.Official, out.SkippedObserved, out.SkippedOfficial)
	fmt.Fprintf(stdout, "\nStation match: %s\n", out.Match.Note["en"])
	if len(out.Flagged) > 0 {
		title := fmt.Sprintf("Flagged stations, largest discrepancy first (%d; -csv lists all):", len(out.Flagged))
		if len(out.Flagged) > plainTop {
			title = fmt.Sprintf("Flagged stations, largest discrepancy first (the first %d of %d; -csv lists all):", plainTop, len(out.Flagged))
		}
		if err := o.section(stdout, title, flagged); err != nil {
			return err
		}
	}
	tests := &table{header: []string{"choice", "paired D̂", "SE", "z", "verdict", "stations' p̂", "national", "z", "verdict", "diagnosis"}}
	for _, t := range out.Tests {
		tests.add(t.Choice, pct(t.Paired.Estimate.Value), fmt.Sprintf("%.2f pts", 100*t.Paired.Estimate.SE), plainZ(t.Paired.Z), string(t.Paired.Verdict),
			pct(t.Collation.Estimate.Value), pct(t.Collation.Official), plainZ(t.Collation.Z), string(t.Collation.Verdict), string(t.Diagnosis.Verdict))
	}
	if err := o.section(stdout, "Paired test (observed − official, share of valid votes) and collation test (official stations vs national share), per choice:", tests); err != nil {
		return err
	}
	plainCompareNotes(stdout, out.Tests)
	return nil
}

// plainCompareNotes prints the tests' notes: once for the choices where both tests are
// consistent, in full for the others.
func plainCompareNotes(stdout io.Writer, tests []plainTests) {
	var clean []string
	for _, t := range tests {
		if t.Diagnosis.Verdict == pvt.Consistent {
			clean = append(clean, t.Choice)
			continue
		}
		fmt.Fprintf(stdout, "\n%s (national share from %s):\n  paired: %s\n  collation: %s\n  diagnosis: %s\n", t.Choice, t.NationalSource, t.Paired.Note["en"], t.Collation.Note["en"], t.Diagnosis.Note["en"])
	}
	if len(clean) > 0 {
		i := slices.IndexFunc(tests, func(t plainTests) bool { return t.Diagnosis.Verdict == pvt.Consistent })
		fmt.Fprintf(stdout, "\n%s: %s\n", strings.Join(clean, ", "), tests[i].Diagnosis.Note["en"])
	}
	if len(tests) > 1 {
		fmt.Fprintf(stdout, "\nEach test flags a correct figure about one time in twenty; with %d choices, read first the choices that decide the outcome.\n", len(tests))
	}
}

// plainFirst returns the first plainTop of list for a table people read, and all of it
// for -csv (and -json).
func plainFirst[T any](o *output, list []T) []T {
	if o.csv || o.json || len(list) <= plainTop {
		return list
	}
	return list[:plainTop]
}

// -------------------------------------------------------------------------------- forensics

const plainForensicsUsage = `-in FILE -registered COL -cast COL -leader COL [-issued COL] [-station COL] [-area COL]
       [-choices COL,COL,…] [-mc N -seed S] [-json|-csv]

Screens station results (package forensics): integer percentages, the turnout × leader's
share fingerprint and its cumulative curve, second- and last-digit tests, and flags.
Without -issued, ballots issued are taken to be the ballots found (-cast). Screens point at
numbers worth a closer look; they are never verdicts. -csv prints the flagged stations.`

// plainForensicsOut is forensics' JSON.
type plainForensicsOut struct {
	In     string `json:"in"`
	Leader string `json:"leader"`
	Rows   int    `json:"rows"`
	// Stations counts the rows screened; Skipped the rows without registered voters,
	// ballots found, ballots issued or the leader's votes.
	Stations     int                   `json:"stations"`
	Skipped      int                   `json:"skipped"`
	Integer      forensics.IntegerTest `json:"integer"`
	IntegerMC    *forensics.IntegerMC  `json:"integer_mc,omitempty"`
	Fingerprint  forensics.Fingerprint `json:"fingerprint"`
	DigitColumns []string              `json:"digit_columns"`
	Digits       []forensics.DigitTest `json:"digits"`
	Flags        forensics.Flags       `json:"flags"`
}

// plainForensics runs every screen of package forensics on the stations of a file.
func plainForensics(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("forensics", stderr, plainForensicsUsage)
	p.register(fs, "in", "station", "area", "registered", "cast", "issued", "choices", "leader")
	mc := fs.Int("mc", 0, "also run the integer-percentage test with a Monte Carlo null of `N` replications")
	seed := fs.Uint64("seed", 1, "the seed of the Monte Carlo replications")
	set, err := plainParse(fs, args, &p.out)
	if err != nil {
		return err
	}
	if err := plainNeed(
		plainWant{p.in, "-in FILE", "(the results of every station, one per row)"},
		plainWant{p.registered, "-registered COL", "(the column of registered voters)"},
		plainWant{p.cast, "-cast COL", "(the column of ballots found in the box, valid and invalid)"},
		plainWant{p.leader, "-leader COL", "(the column of the national winner's votes)"},
	); err != nil {
		return err
	}
	if *mc < 0 || *mc > 100000 {
		return usagef("-mc %d: give a number of replications from 1 to 100000", *mc)
	}
	if set["seed"] && *mc == 0 {
		return usagef("-seed applies only with -mc N")
	}
	digitNames := []string{p.leader}
	if p.choices != "" {
		if digitNames, err = plainNames("choices", p.choices); err != nil {
			return err
		}
	}

	out := plainForensicsOut{In: p.in, Leader: p.leader, DigitColumns: digitNames}
	stations, digits, err := plainForensicsRead(ctx, &p, &out)
	if err != nil {
		return err
	}
	out.Integer = forensics.IntegerPercentages(stations)
	if *mc > 0 {
		pr := startProgress(stderr, fmt.Sprintf("integer percentages, %d Monte Carlo replications", *mc))
		r := forensics.IntegerPercentagesMC(stations, *mc, *seed)
		pr.stop()
		out.IntegerMC = &r
	}
	out.Fingerprint = forensics.TurnoutShare(stations)
	out.Digits = []forensics.DigitTest{forensics.SecondDigit(digits), forensics.LastDigit(digits), forensics.ZeroFive(digits)}
	out.Flags = forensics.FlagStations(stations, forensics.FlagOptions{})
	return plainForensicsPrint(stdout, &p, &out)
}

// plainForensicsRead reads the stations of p.in, and the counts in out.DigitColumns for
// the digit tests, counting on out the rows read, screened and skipped. A station is
// named by its code, or without -station by its line. It fails if no row has registered
// voters, ballots found and the leader's votes all given.
func plainForensicsRead(ctx context.Context, p *plainFlags, out *plainForensicsOut) (stations []forensics.Station, digits []int, err error) {
	in, l, err := openPlainLayout(p.in, p, out.DigitColumns, "registered", "cast", "leader", "issued", "station", "area", "choices")
	if err != nil {
		return nil, nil, err
	}
	defer in.close()
	idx := []int{l.registered, l.cast, l.leader}
	if l.issued >= 0 {
		idx = append(idx, l.issued)
	}
	codes := plainCodes{}
	err = in.each(ctx, func() error {
		code, err := codes.add(in, l.station)
		if err != nil {
			return err
		}
		if code == "" {
			code = fmt.Sprintf("line %d", in.line(0))
		}
		s := forensics.Station{Code: code}
		if l.area >= 0 {
			s.Area = in.text(l.area)
		}
		v, all, err := in.counts(idx)
		if err != nil {
			return err
		}
		for _, c := range l.choices {
			n, given, err := in.count(c)
			if err != nil {
				return err
			}
			if given {
				digits = append(digits, int(n))
			}
		}
		if !all {
			out.Skipped++
			return nil
		}
		s.Registered, s.Found, s.Leader, s.Issued = int(v[0]), int(v[1]), int(v[2]), int(v[1])
		if l.issued >= 0 {
			s.Issued = int(v[3])
		}
		stations = append(stations, s)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	out.Rows, out.Stations = in.rows, len(stations)
	if len(stations) == 0 {
		return nil, nil, fmt.Errorf("%s: no station with registered voters, ballots found and the leader's votes all given (%d rows)", p.in, in.rows)
	}
	return stations, digits, nil
}

// plainForensicsPrint prints the screens in out as p's output flags ask.
func plainForensicsPrint(stdout io.Writer, p *plainFlags, out *plainForensicsOut) error {
	o, fl := &p.out, out.Flags
	flagged := &table{header: []string{"rule", "station", "area", "turnout", "share", "registered", "z"}}
	for _, f := range []forensics.Flag{fl.OverRegistered, fl.NearUnanimous, fl.AreaOutliers} {
		for _, s := range plainFirst(o, f.Stations) {
			z := ""
			if f.Rule == "area-outlier" {
				z = fmt.Sprintf("%+.1f", s.Z)
			}
			flagged.add(f.Rule, s.Code, s.Area, fmt.Sprintf("%.1f%%", s.Turnout), fmt.Sprintf("%.1f%%", s.Share), s.Registered, z)
		}
	}
	if done, err := o.plainMachine(stdout, flagged, out); done {
		return err
	}
	fmt.Fprintf(stdout, "Forensic screens of %s: %d stations screened, %d rows skipped (a count not given). Leader: %s.\n", p.in, out.Stations, out.Skipped, out.Leader)
	for _, show := range []func(io.Writer, *output, *plainForensicsOut) error{plainIntegerPrint, plainFingerprintPrint, plainDigitsPrint} {
		if err := show(stdout, o, out); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "\nFlags: %d over-registered, %d near-unanimous, %d area outliers; %d stations could not be judged against their area.\n",
		len(fl.OverRegistered.Stations), len(fl.NearUnanimous.Stations), len(fl.AreaOutliers.Stations), fl.Unscreened)
	if p.area == "" {
		fmt.Fprintln(stdout, "Without -area, every station is compared with all the others.")
	}
	if len(flagged.rows) > 0 {
		if err := o.section(stdout, fmt.Sprintf("Flagged stations (the first %d of each rule; -csv lists all):", plainTop), flagged); err != nil {
			return err
		}
	}
	fmt.Fprintf(stdout, "%s\n", fl.Note["en"])
	for _, f := range []forensics.Flag{fl.OverRegistered, fl.NearUnanimous, fl.AreaOutliers} {
		fmt.Fprintf(stdout, "%s: %s\n", f.Rule, f.Note["en"])
	}
	return nil
}

// plainIntegerPrint prints, for people, the integer-percentage test of out, and its Monte
// Carlo form if it ran.
func plainIntegerPrint(stdout io.Writer, o *output, out *plainForensicsOut) error {
	it := out.Integer
	counts := &table{header: []string{"stations with", "observed", "expected", "SD", "excess", "z"}}
	for _, c := range []struct {
		name string
		c    forensics.Count
	}{{"integer turnout", it.Turnout}, {"integer result", it.Result}, {"either (X)", it.Either}} {
		counts.add(c.name, c.c.Observed, fmt.Sprintf("%.1f", c.c.Expected), fmt.Sprintf("%.1f", c.c.SD), fmt.Sprintf("%+.1f", c.c.Excess), fmt.Sprintf("%+.2f", c.c.Z))
	}
	if err := o.section(stdout, fmt.Sprintf("Integer percentages (Kobak et al. 2016), exact binomial null: %d stations included, %d excluded.", it.Stations, it.Excluded.Total()), counts); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", it.Note["en"])
	m := out.IntegerMC
	if m == nil {
		return nil
	}
	mt := &table{header: []string{"stations with", "observed", "mean", "SD", "excess", "z", "p"}}
	for _, c := range []struct {
		name string
		c    forensics.MCCount
	}{{"integer turnout", m.Turnout}, {"integer result", m.Result}, {"either (X)", m.Either}} {
		mt.add(c.name, c.c.Observed, fmt.Sprintf("%.1f ± %.1f", c.c.Mean, c.c.MeanSE), fmt.Sprintf("%.1f", c.c.SD), fmt.Sprintf("%+.1f", c.c.Excess), fmt.Sprintf("%+.2f", c.c.Z), fmt.Sprintf("%.3g", c.c.P))
	}
	if err := o.section(stdout, fmt.Sprintf("Integer percentages, Monte Carlo null: %d replications, seed %d.", m.Replications, m.Seed), mt); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", m.Note["en"])
	return nil
}

// plainFingerprintPrint prints, for people, the turnout × leader's share fingerprint of
// out and its cumulative curve.
func plainFingerprintPrint(stdout io.Writer, o *output, out *plainForensicsOut) error {
	fp := out.Fingerprint
	last := fp.Curve[len(fp.Curve)-1]
	var meanT, meanS float64
	for t, row := range fp.Counts {
		for s, n := range row {
			meanT += float64(t * n)
			meanS += float64(s * n)
		}
	}
	ts := &table{header: []string{"figure", "value"}}
	frac := func(a, b int64) string {
		if b == 0 {
			return "–"
		}
		return pct(float64(a) / float64(b))
	}
	ts.add("stations included", fmt.Sprintf("%d (%d excluded)", fp.Stations, fp.Excluded.Total()))
	if fp.Stations > 0 {
		ts.add("mean station turnout (1% bins)", fmt.Sprintf("%.1f%%", meanT/float64(fp.Stations)))
		ts.add("mean station share of the leader (1% bins)", fmt.Sprintf("%.1f%%", meanS/float64(fp.Stations)))
		ts.add("overall turnout (issued / registered)", frac(last.Issued, last.Registered))
		ts.add("leader's overall share (leader / found)", frac(last.Leader, last.Found))
		ts.add("stations with turnout ≥ 95.5% (bins 96–100)", frac(int64(last.Stations-fp.Curve[95].Stations), int64(last.Stations)))
	}
	if err := o.section(stdout, "Turnout × leader's share (Klimek et al. 2012):", ts); err != nil {
		return err
	}
	curve := &table{header: []string{"turnout up to", "stations", "leader's votes", "others' votes"}}
	for _, t := range []int{50, 60, 70, 80, 90, 95, 100} {
		c := fp.Curve[t]
		curve.add(fmt.Sprintf("%d%%", t), frac(int64(c.Stations), int64(last.Stations)), frac(c.Leader, last.Leader), frac(c.Found-c.Leader, last.Found-last.Leader))
	}
	if err := o.section(stdout, "Cumulative curve: the share of all stations and votes at or below each turnout (leader's votes gathering at high turnout shows as a gap):", curve); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "%s\n", fp.Note["en"])
	return nil
}

// plainDigitsPrint prints, for people, the digit tests of out.
func plainDigitsPrint(stdout io.Writer, o *output, out *plainForensicsOut) error {
	dt := &table{header: []string{"test", "counts", "skipped", "χ²", "df", "p", "mean", "expected", "mean z"}}
	for _, d := range out.Digits {
		dt.add(d.Test, d.Counts, d.Skipped, fmt.Sprintf("%.1f", d.ChiSquare), d.DF, fmt.Sprintf("%.3g", d.P), fmt.Sprintf("%.4f", d.Mean), fmt.Sprintf("%.4f", d.ExpectedMean), fmt.Sprintf("%+.2f", d.MeanZ))
	}
	if err := o.section(stdout, "Digit tests over "+strings.Join(out.DigitColumns, ", ")+":", dt); err != nil {
		return err
	}
	for _, d := range out.Digits {
		fmt.Fprintf(stdout, "%s: %s\n", d.Test, d.Note["en"])
	}
	return nil
}

// -------------------------------------------------------------------------------- seats

const plainSeatsUsage = `-in FILE (-choice COL -votes COL [-party COL] | -choices COL,COL,…) -seats N -system list_pr|fptp|block|two_round
       [-method dhondt|sainte_lague|modified_sainte_lague|huntington_hill|hare|droop]
       [-threshold T -threshold-base valid|list_valid|valid_and_blank] [-majority M -majority-base valid|valid_and_blank]
       [-min-share S] [-min-turnout T -cast N -registered N] [-valid N] [-blank N] [-ties lot|most_votes|ballot_order]
       [-lot SEED] [-round 1|2] [-json|-csv]

Allocates seats from the votes in FILE (package seats). FILE has a row per choice, named in
-choice with its votes in -votes, or a column of votes per choice, named by -choices. Votes
are added up over the rows, so FILE may hold votes by station or district. -valid defaults
to the sum of the votes.`

// plainSeatsOut is seats' JSON.
type plainSeatsOut struct {
	In      string         `json:"in"`
	Contest *iltod.Contest `json:"contest"`
	Totals  seats.Totals   `json:"totals"`
	Result  seats.Result   `json:"result"`
	Choices []plainSeat    `json:"choices"`
}

// plainSeat is one choice's votes and seats.
type plainSeat struct {
	Name  string  `json:"name"`
	Code  string  `json:"code"`
	Party string  `json:"party,omitempty"`
	Votes int64   `json:"votes"`
	Share float64 `json:"share"`
	Seats int     `json:"seats"`
}

// plainSeats builds an iltod.Contest from its flags and allocates its seats from the votes
// of a file with seats.Allocate.
func plainSeats(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("seats", stderr, plainSeatsUsage)
	p.register(fs, "in", "choices", "choice", "votes", "party")
	nseats := fs.Int("seats", 0, "the number of seats to fill")
	var sys iltod.System
	fs.StringVar((*string)(&sys.Kind), "system", "", "the electoral system: list_pr, fptp, block or two_round")
	fs.StringVar(&sys.Method, "method", "", "list_pr: dhondt, sainte_lague, modified_sainte_lague, huntington_hill, hare or droop")
	fs.Float64Var(&sys.Threshold, "threshold", 0, "list_pr: the least share a list needs to win seats (0.05)")
	fs.StringVar(&sys.ThresholdBase, "threshold-base", "", "list_pr: what the threshold is a share of: valid, list_valid or valid_and_blank")
	fs.Float64Var(&sys.Majority, "majority", 0, "two_round: the share that must be exceeded (0.5)")
	fs.StringVar(&sys.MajorityBase, "majority-base", "", "two_round: what the majority is a share of: valid or valid_and_blank")
	fs.Float64Var(&sys.MinShare, "min-share", 0, "fptp: the least share of valid votes the winner needs")
	fs.Float64Var(&sys.MinTurnout, "min-turnout", 0, "fptp: the least turnout (-cast over -registered) for the election to stand")
	fs.StringVar(&sys.Ties, "ties", "", "the tie rule: lot, most_votes or ballot_order (default lot)")
	totals := seats.Totals{Votes: map[string]int64{}}
	fs.Int64Var(&totals.Valid, "valid", -1, "valid ballots, blank ones not included (default: the sum of the votes; required for block)")
	fs.Int64Var(&totals.Blank, "blank", 0, "blank ballots, counted apart from valid ones")
	fs.Int64Var(&totals.Cast, "cast", 0, "ballots cast (for -min-turnout)")
	fs.Int64Var(&totals.Registered, "registered", 0, "registered voters (for -min-turnout)")
	lot := fs.String("lot", "", "a public `SEED` to draw the lot that breaks ties (seats.DrawLot)")
	round := fs.Int("round", 0, "two_round: 1 for the first round, 2 for the runoff")
	if _, err := plainParse(fs, args, &p.out); err != nil {
		return err
	}
	if err := plainNeed(plainWant{p.in, "-in FILE", "(the votes: a row per choice with -choice and -votes, or a column per choice with -choices)"}); err != nil {
		return err
	}
	wide := p.choices != ""
	switch {
	case wide && (p.choice != "" || p.votes != "" || p.party != ""):
		return usagef("give -choices COL,COL,… (a column per choice) or -choice COL -votes COL (a row per choice), not both")
	case !wide && (p.choice == "" || p.votes == ""):
		return usagef("give -choice COL and -votes COL (a row per choice: its name and votes), or -choices COL,COL,… (a column of votes per choice)")
	}
	if err := plainNeed(plainWant{string(sys.Kind), "-system", "list_pr, fptp, block or two_round"}); err != nil {
		return err
	}
	if *nseats < 1 {
		return usagef("give -seats N, the number of seats to fill")
	}
	if totals.Valid < -1 || totals.Blank < 0 || totals.Cast < 0 || totals.Registered < 0 {
		return usagef("-valid, -blank, -cast and -registered are counts: give whole numbers from 0")
	}
	if sys.Kind == iltod.BlockVote && totals.Valid < 0 {
		return usagef("a block vote needs -valid N, the number of valid ballots (each marks up to %d candidates)", *nseats)
	}
	var names []string
	if wide {
		var err error
		if names, err = plainNames("choices", p.choices); err != nil {
			return err
		}
	}

	list, skipped, err := plainVotes(ctx, &p, names)
	if err != nil {
		return err
	}
	contest := plainContest(p.in, list, sys, *nseats)
	var sum int64
	for _, c := range list {
		totals.Votes[c.Code] = c.Votes
		sum += c.Votes
	}
	if totals.Valid < 0 {
		totals.Valid = sum
	}
	if err := contest.Validate(); err != nil {
		return usagef("the flags do not describe a valid contest: %v", plainFlagNames(err))
	}
	var opt seats.Options
	opt.Round = *round
	if *lot != "" {
		codes := make([]string, len(list))
		for i, c := range list {
			codes[i] = c.Code
		}
		opt.Lot = seats.DrawLot(*lot, codes)
	}
	res, err := seats.Allocate(contest, totals, opt)
	if err != nil {
		return fmt.Errorf("allocate: %w", err)
	}
	for i := range list {
		list[i].Seats, list[i].Share = res.Seats[list[i].Code], res.Shares[list[i].Code]
	}
	out := plainSeatsOut{In: p.in, Contest: contest, Totals: totals, Result: res, Choices: list}
	skipWhat := "row"
	if wide {
		skipWhat = "empty cell"
	}
	return plainSeatsPrint(stdout, &p.out, &out, sum, skipped, skipWhat)
}

// plainContest returns the contest for seats from file in: its choices are list's, coded
// by their names if all of them make valid codes, else c1, c2, …; it sets the codes in
// list. Under list PR every choice is a party list, a list without a party its own party;
// otherwise every choice is a candidate.
func plainContest(in string, list []plainSeat, sys iltod.System, nseats int) *iltod.Contest {
	useNames := true
	for _, c := range list {
		useNames = useNames && iltod.ValidCode(c.Name)
	}
	kind := iltod.Candidate
	if sys.Kind == iltod.ListPR {
		kind = iltod.PartyList
	}
	contest := &iltod.Contest{
		Code: "plain", Name: iltod.Text{"en": plainTrunc(filepath.Base(in), iltod.MaxTextLen)},
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

// plainSeatsPrint prints the allocation in out as o asks; sum is the votes over all the
// choices, skipped the number of skipWhat ("row", or "empty cell" with -choices) without
// votes.
func plainSeatsPrint(stdout io.Writer, o *output, out *plainSeatsOut, sum int64, skipped int, skipWhat string) error {
	res, sys := out.Result, out.Contest.System
	t := &table{header: []string{"choice", "party", "votes", "share", "seats", "note"}}
	for _, c := range out.Choices {
		var note []string
		if slices.Contains(res.Excluded, c.Code) {
			note = append(note, "below the threshold")
		}
		if slices.Contains(res.Runoff, c.Code) {
			note = append(note, "in the runoff")
		}
		if slices.Contains(res.Tied, c.Code) {
			note = append(note, "tied")
		}
		t.add(c.Name, c.Party, c.Votes, o.plainF(c.Share), c.Seats, strings.Join(note, ", "))
	}
	if done, err := o.plainMachine(stdout, t, out); done {
		return err
	}
	fmt.Fprintf(stdout, "%s by %s", plainPlural(out.Contest.Seats, "seat"), sys.Kind)
	if sys.Method != "" {
		fmt.Fprintf(stdout, " (%s)", sys.Method)
	}
	fmt.Fprintf(stdout, " from %s: %d choices, %d votes; shares of %s (%d).", out.In, len(out.Choices), sum, res.Base, res.BaseVotes)
	if skipped > 0 {
		fmt.Fprintf(stdout, " Skipped %s without votes.", plainPlural(skipped, skipWhat))
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout)
	if err := o.print(stdout, t, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nOutcome: %s.", res.Outcome)
	if res.Reason["en"] != "" {
		fmt.Fprintf(stdout, " %s.", strings.TrimSuffix(res.Reason["en"], "."))
	}
	if res.Unfilled > 0 {
		fmt.Fprintf(stdout, " %s unfilled.", plainPlural(res.Unfilled, "seat"))
	}
	fmt.Fprintln(stdout)
	return nil
}

// plainVotes adds up the votes of p.in: with names (from -choices), a column per choice;
// else a row per choice. It returns the choices and the number of rows (or empty cells)
// without votes. It fails on a file without choices.
func plainVotes(ctx context.Context, p *plainFlags, names []string) ([]plainSeat, int, error) {
	wide, flags := names != nil, []string{"choice", "votes", "party"}
	if wide {
		flags = []string{"choices"}
	}
	in, l, err := openPlainLayout(p.in, p, names, flags...)
	if err != nil {
		return nil, 0, err
	}
	defer in.close()
	var list []plainSeat
	var skipped int
	if wide {
		list, skipped, err = plainVotesWide(ctx, in, &l, names)
	} else {
		list, skipped, err = plainVotesLong(ctx, in, &l)
	}
	if err != nil {
		return nil, 0, err
	}
	if len(list) == 0 {
		return nil, 0, fmt.Errorf("%s: no choices", p.in)
	}
	return list, skipped, nil
}

// add adds v, read from in's column col, to s's votes; it fails past plainMaxCount.
func (s *plainSeat) add(in *plainCSV, col int, v int64) error {
	if s.Votes += v; s.Votes > plainMaxCount {
		return fmt.Errorf("%s: %q has more than %d votes", in.at(col), s.Name, int64(plainMaxCount))
	}
	return nil
}

// plainVotesLong adds up the votes of in, a row per choice (or per choice and station):
// the choice's name in column l.choice, its votes in l.votes and, unless l.party is -1,
// its party in l.party. It returns the choices in order of first appearance and the
// number of rows without votes.
func plainVotesLong(ctx context.Context, in *plainCSV, l *plainLayout) ([]plainSeat, int, error) {
	var list []plainSeat
	index, partyLine := map[string]int{}, map[string]int{}
	skipped := 0
	err := in.each(ctx, func() error {
		name, err := in.label(l.choice, "a choice")
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
			list = append(list, plainSeat{Name: name})
		}
		if l.party >= 0 {
			party := in.text(l.party)
			switch {
			case !seen:
				list[i].Party, partyLine[name] = party, in.line(l.party)
			case party != list[i].Party:
				return fmt.Errorf("%s: %q is %q here but %q on line %d", in.at(l.party), name, party, list[i].Party, partyLine[name])
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

// plainVotesWide adds up the votes of in, a column per choice: names in columns
// l.choices (station results, say). It returns the choices in the order of names and the
// number of empty cells.
func plainVotesWide(ctx context.Context, in *plainCSV, l *plainLayout, names []string) ([]plainSeat, int, error) {
	list := make([]plainSeat, len(names))
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

// plainFlagNames rewrites the field names of a contest's validation problems as the flags
// that set them.
func plainFlagNames(err error) string {
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
