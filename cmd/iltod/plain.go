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
	in, station, stratum, registered, cast, issued, valid, choices, area string
	out                                                                  output
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
}

func (p *plainFlags) register(fs *flag.FlagSet, names ...string) {
	for _, n := range names {
		var v *string
		switch n {
		case "in":
			v = &p.in
		case "station":
			v = &p.station
		case "stratum":
			v = &p.stratum
		case "registered":
			v = &p.registered
		case "cast":
			v = &p.cast
		case "issued":
			v = &p.issued
		case "valid":
			v = &p.valid
		case "choices":
			v = &p.choices
		case "area":
			v = &p.area
		default:
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

// plainNeed returns a usage error asking for flag unless v is set.
func plainNeed(v, flag, what string) error {
	if v == "" {
		return usagef("give %s %s", flag, what)
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
// fraction (0.52) or a percentage (52%). It returns the shares by choice index.
func plainShares(flag, s string, choices []string) (map[int]float64, error) {
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

// add reads the current row's station code from column col.
func (p plainCodes) add(c *plainCSV, col int) (string, error) {
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
	if err := plainNeed(p.in, "-in FILE", "(the stations, one per row)"); err != nil {
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
	if err := plainNeed(p.station, "-station COL", "(the column of station codes)"); err != nil {
		return err
	}
	if !set["size"] {
		return usagef("give -size N, the number of stations to draw")
	}
	if !set["seed"] {
		return usagef("give -seed S: a number fixed in public before the draw (dice, a lottery draw); it makes the sample reproducible")
	}

	in, err := openPlainCSV(p.in)
	if err != nil {
		return err
	}
	defer in.close()
	stCol, err := in.column("station", p.station)
	if err != nil {
		return err
	}
	sCol := -1
	if p.stratum != "" {
		if sCol, err = in.column("stratum", p.stratum); err != nil {
			return err
		}
	}
	var frame []pvt.FrameStation
	codes := plainCodes{}
	for {
		ok, err := in.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		code, err := codes.add(in, stCol)
		if err != nil {
			return err
		}
		fsn := pvt.FrameStation{Code: code}
		if sCol >= 0 {
			if fsn.Stratum, err = in.label(sCol, "a stratum"); err != nil {
				return err
			}
		}
		frame = append(frame, fsn)
	}
	if len(frame) == 0 {
		return fmt.Errorf("%s: no stations", p.in)
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
	if p.out.json {
		return p.out.print(stdout, t, s)
	}
	if !p.out.csv {
		fmt.Fprintf(stdout, "Drew %d stations and %d reserves from the %d stations of %s in %d strata, seed %d (%s).\n",
			s.Size, nres, len(frame), p.in, len(s.Strata), s.Seed, s.Method)
		fmt.Fprintf(stdout, "Frame %s: keep the -json form of this sample; anyone can redraw it from the same file.\n\n", s.Frame)
	}
	return p.out.print(stdout, t, nil)
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
	if err := plainNeed(p.choices, "-choices COL", "(the votes of the choice that matters, or two columns for their margin)"); err != nil {
		return err
	}
	if err := plainNeed(p.valid, "-valid COL", "(the column of valid votes)"); err != nil {
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
	in, err := openPlainCSV(p.in)
	if err != nil {
		return err
	}
	defer in.close()
	cols, err := in.columns("choices", names)
	if err != nil {
		return err
	}
	vCol, err := in.column("valid", p.valid)
	if err != nil {
		return err
	}
	stCol := -1
	if p.station != "" {
		if stCol, err = in.column("station", p.station); err != nil {
			return err
		}
	}
	codes := plainCodes{}
	var units []pvt.Unit
	skipped := 0
	for {
		ok, err := in.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if stCol >= 0 {
			if _, err := codes.add(in, stCol); err != nil {
				return err
			}
		}
		votes, all, err := in.counts(cols)
		if err != nil {
			return err
		}
		valid, given, err := in.count(vCol)
		if err != nil {
			return err
		}
		if !all || !given {
			skipped++
			continue
		}
		a := float64(votes[0])
		if len(votes) == 2 {
			a -= float64(votes[1])
		}
		units = append(units, pvt.Unit{Num: a, Den: float64(valid)})
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
	if p.out.json {
		return p.out.print(stdout, t, plainPlanOut{In: p.in, Choices: names, MOE: moe, Confidence: conf, Z: z, Skipped: skipped, Plan: plan})
	}
	if !p.out.csv {
		fmt.Fprintf(stdout, "Sample size for ±%s at %s confidence (z = %.3f) for %s, simple random sample of stations:\n\n", pct(moe), pct(conf), z, what)
	}
	if err := p.out.print(stdout, t, nil); err != nil {
		return err
	}
	if !p.out.csv {
		fmt.Fprintln(stdout, "\nA stratified sample usually needs fewer stations than this plan; the plan is the safe side.")
	}
	return nil
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
	for _, c := range []struct{ v, flag, what string }{
		{p.in, "-in FILE", "(the sampled stations' results, one per row)"},
		{p.station, "-station COL", "(the column of station codes)"},
		{p.choices, "-choices COL,COL,…", "(the columns of votes, one per choice)"},
		{p.valid, "-valid COL", "(the column of valid votes)"},
	} {
		if err := plainNeed(c.v, c.flag, c.what); err != nil {
			return err
		}
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
	var checks map[int]float64
	if *official != "" {
		if checks, err = plainShares("official", *official, names); err != nil {
			return err
		}
	}

	in, err := openPlainCSV(p.in)
	if err != nil {
		return err
	}
	defer in.close()
	stCol, err := in.column("station", p.station)
	if err != nil {
		return err
	}
	cols, err := in.columns("choices", names)
	if err != nil {
		return err
	}
	vCol, err := in.column("valid", p.valid)
	if err != nil {
		return err
	}
	sCol, cCol, rCol := -1, -1, -1
	if p.stratum != "" {
		if sCol, err = in.column("stratum", p.stratum); err != nil {
			return err
		}
	}
	if p.cast != "" {
		if cCol, err = in.column("cast", p.cast); err != nil {
			return err
		}
		if rCol, err = in.column("registered", p.registered); err != nil {
			return err
		}
	}
	out := plainPVTOut{In: p.in, Choices: names}
	sampled := map[string]int{}
	firstLine := map[string]int{}
	var stations []pvt.Station
	var turnout []pvt.Unit
	codes := plainCodes{}
	for {
		ok, err := in.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		if _, err := codes.add(in, stCol); err != nil {
			return err
		}
		stratum := ""
		if sCol >= 0 {
			if stratum, err = in.label(sCol, "a stratum"); err != nil {
				return err
			}
		}
		if _, seen := firstLine[stratum]; !seen {
			firstLine[stratum] = in.line(0)
		}
		sampled[stratum]++
		votes, all, err := in.counts(cols)
		if err != nil {
			return err
		}
		valid, vGiven, err := in.count(vCol)
		if err != nil {
			return err
		}
		if cCol >= 0 {
			cast, cGiven, err := in.count(cCol)
			if err != nil {
				return err
			}
			reg, rGiven, err := in.count(rCol)
			if err != nil {
				return err
			}
			if cGiven && rGiven {
				turnout = append(turnout, pvt.Unit{Stratum: stratum, Num: float64(cast), Den: float64(reg)})
			} else {
				out.TurnoutSkipped++
			}
		}
		if !all || !vGiven {
			out.Skipped++
			continue
		}
		st := pvt.Station{Stratum: stratum, Votes: make([]float64, len(votes)), Valid: float64(valid)}
		for i, v := range votes {
			st.Votes[i] = float64(v)
		}
		stations = append(stations, st)
	}
	out.Rows, out.Reporting = in.rows, len(stations)
	if out.Rows == 0 {
		return fmt.Errorf("%s: no stations", p.in)
	}

	d := pvt.Design{Strata: map[string]int{}, Sampled: sampled}
	if sCol < 0 {
		if *population < out.Rows {
			return usagef("-population %d is fewer than the %d sampled stations in %s", *population, out.Rows, p.in)
		}
		d.Strata[""] = *population
	} else {
		if d.Strata, err = plainStrata(ctx, *strataFile); err != nil {
			return err
		}
		for h, n := range sampled {
			N, ok := d.Strata[h]
			switch {
			case !ok:
				return fmt.Errorf("%s:%d: stratum %q is not in %s", p.in, firstLine[h], h, *strataFile)
			case N < n:
				return fmt.Errorf("%s: stratum %q has %d sampled stations but %s gives it a population of %d", p.in, h, n, *strataFile, N)
			}
		}
	}
	out.Design = d

	res, err := pvt.Analyze(stations, d, pvt.Options{Majority: *majority})
	if err != nil {
		var ce *pvt.CoverageError
		if errors.As(err, &ce) {
			for _, s := range ce.Thin {
				fmt.Fprintf(stderr, "stratum %q: %d of %d sampled stations reported (%d in the population)\n", s.Stratum, s.Reported, s.Sampled, s.Population)
			}
			return fmt.Errorf("estimate from %s: %w (merge a stratum by giving its stations one label in -in and adding up its population in -strata)", p.in, err)
		}
		return fmt.Errorf("estimate from %s: %w", p.in, err)
	}
	if cCol >= 0 {
		// Turnout needs only cast and registered: its own rows, the same estimator.
		e, err := pvt.Ratio(turnout, d)
		if err != nil {
			out.TurnoutError = err.Error()
		} else {
			res.Turnout = &e
		}
	}
	out.Result = res
	for c := range names {
		if share, ok := checks[c]; ok {
			out.Official = append(out.Official, plainCheck{Choice: names[c], Share: share, Call: pvt.CheckOfficial(res.Shares[c], share, 0)})
		}
	}
	if p.out.json {
		return p.out.print(stdout, nil, out)
	}

	o := &p.out
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
	if o.csv {
		return o.print(stdout, t, nil)
	}
	fmt.Fprintf(stdout, "PVT estimate from %s: %d sampled stations, %d reporting, %d skipped (valid votes or a choice's votes not given).\n\n",
		p.in, out.Rows, out.Reporting, out.Skipped)
	if err := o.print(stdout, t, nil); err != nil {
		return err
	}
	named := plainChoiceNames(names)
	fmt.Fprintf(stdout, "\nWinner: %s. %s\n", plainVerdict(res.Winner, names), named(res.Winner.Note))
	if res.Runoff != nil {
		fmt.Fprintf(stdout, "Runoff: %s. %s\n", res.Runoff.Call.Verdict, named(res.Runoff.Call.Note))
	}
	switch {
	case cCol < 0:
	case res.Turnout == nil:
		fmt.Fprintf(stdout, "Turnout: not estimated: %s\n", out.TurnoutError)
	case out.TurnoutSkipped > 0:
		fmt.Fprintf(stdout, "Turnout: %d rows without ballots cast or registered voters are left out of it.\n", out.TurnoutSkipped)
	}
	for _, ch := range out.Official {
		fmt.Fprintf(stdout, "Official %s %s: %s. %s\n", ch.Choice, pct(ch.Share), ch.Call.Verdict, ch.Call.Note)
	}
	cov := &table{header: []string{"stratum", "population", "sampled", "reported"}}
	if sCol >= 0 {
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
	for {
		ok, err := in.next(ctx)
		if err != nil {
			return nil, err
		}
		if !ok {
			break
		}
		h, err := in.label(sCol, "a stratum")
		if err != nil {
			return nil, err
		}
		if prev, dup := lines[h]; dup {
			return nil, fmt.Errorf("%s: stratum %q is also on line %d", in.at(sCol), h, prev)
		}
		n, given, err := in.count(nCol)
		if err != nil {
			return nil, err
		}
		if !given {
			return nil, fmt.Errorf("%s: empty; give the number of stations in the stratum", in.at(nCol))
		}
		strata[h], lines[h] = int(n), in.line(sCol)
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

// plainCompare compares observers' results with official ones station by station
// (pvt.Match) and per choice (pvt.Paired, pvt.Collation, pvt.Diagnose).
func plainCompare(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	var p plainFlags
	fs := newFlagSet("compare", stderr, plainCompareUsage)
	p.register(fs, "in", "station", "stratum", "choices", "valid")
	officialFile := fs.String("official", "", "the official results `FILE`, every station, with the same columns as -in")
	tolerance := fs.Float64("tolerance", 0, "flag stations whose discrepancy D = Σ|observed − official| is above this (0 flags any difference)")
	shares := fs.String("official-share", "", "the published national shares, `CHOICE=SHARE,…`, when they differ from the official file's totals")
	_, err := plainParse(fs, args, &p.out)
	if err != nil {
		return err
	}
	for _, c := range []struct{ v, flag, what string }{
		{p.in, "-in FILE", "(the observers' results of the sampled stations)"},
		{*officialFile, "-official FILE", "(the official results of every station)"},
		{p.station, "-station COL", "(the column of station codes, in both files)"},
		{p.choices, "-choices COL,COL,…", "(the columns of votes, in both files)"},
		{p.valid, "-valid COL", "(the column of valid votes, in both files)"},
	} {
		if err := plainNeed(c.v, c.flag, c.what); err != nil {
			return err
		}
	}
	if !(*tolerance >= 0) || math.IsInf(*tolerance, 0) {
		return usagef("-tolerance %v: give a number of votes from 0", *tolerance)
	}
	names, err := plainNames("choices", p.choices)
	if err != nil {
		return err
	}
	var published map[int]float64
	if *shares != "" {
		if published, err = plainShares("official-share", *shares, names); err != nil {
			return err
		}
	}

	// The official file: every station, the population and the national totals.
	off, err := openPlainCSV(*officialFile)
	if err != nil {
		return err
	}
	defer off.close()
	oSt, err := off.column("station", p.station)
	if err != nil {
		return err
	}
	oCols, err := off.columns("choices", names)
	if err != nil {
		return err
	}
	oValid, err := off.column("valid", p.valid)
	if err != nil {
		return err
	}
	oStratum := -1
	if p.stratum != "" {
		if oStratum, err = off.column("stratum", p.stratum); err != nil {
			return err
		}
	}
	official := map[string]*plainOfficialRow{}
	population := map[string]int{}
	totals, totalValid := make([]float64, len(names)), 0.0
	codes := plainCodes{}
	for {
		ok, err := off.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		code, err := codes.add(off, oSt)
		if err != nil {
			return err
		}
		r := &plainOfficialRow{}
		if oStratum >= 0 {
			if r.stratum, err = off.label(oStratum, "a stratum"); err != nil {
				return err
			}
		}
		var vGiven bool
		if r.votes, r.given, err = off.counts(oCols); err != nil {
			return err
		}
		if r.valid, vGiven, err = off.count(oValid); err != nil {
			return err
		}
		r.given = r.given && vGiven
		if r.given {
			for c, v := range r.votes {
				totals[c] += float64(v)
			}
			totalValid += float64(r.valid)
		}
		official[code] = r
		population[r.stratum]++
	}
	if len(official) == 0 {
		return fmt.Errorf("%s: no stations", *officialFile)
	}
	off.close()

	// The observed file: the sample.
	in, err := openPlainCSV(p.in)
	if err != nil {
		return err
	}
	defer in.close()
	iSt, err := in.column("station", p.station)
	if err != nil {
		return err
	}
	iCols, err := in.columns("choices", names)
	if err != nil {
		return err
	}
	iValid, err := in.column("valid", p.valid)
	if err != nil {
		return err
	}
	out := plainCompareOut{In: p.in, Official: *officialFile, Choices: names}
	sampled := map[string]int{}
	var pairs []pvt.Pair
	var missing []string
	codes = plainCodes{}
	for {
		ok, err := in.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		code, err := codes.add(in, iSt)
		if err != nil {
			return err
		}
		votes, all, err := in.counts(iCols)
		if err != nil {
			return err
		}
		valid, vGiven, err := in.count(iValid)
		if err != nil {
			return err
		}
		r, ok := official[code]
		if !ok {
			missing = append(missing, fmt.Sprintf("%q (line %d)", code, in.line(iSt)))
			continue
		}
		sampled[r.stratum]++
		switch {
		case !all || !vGiven:
			out.SkippedObserved++
			continue
		case !r.given:
			out.SkippedOfficial++
			continue
		}
		pr := pvt.Pair{Station: code, Stratum: r.stratum, Observed: make([]float64, len(names)), Official: make([]float64, len(names)), Den: float64(valid)}
		for c := range names {
			pr.Observed[c], pr.Official[c] = float64(votes[c]), float64(r.votes[c])
		}
		pairs = append(pairs, pr)
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
		return fmt.Errorf("%s: %d observed %s not in %s: %s%s", p.in, n, what, *officialFile, strings.Join(missing, ", "), more)
	}
	if len(pairs) == 0 {
		return fmt.Errorf("%s: no station to compare (%d rows, %d without the observers' counts, %d without the official ones)", p.in, out.Observed, out.SkippedObserved, out.SkippedOfficial)
	}
	out.Compared = len(pairs)
	d := pvt.Design{Strata: population, Sampled: sampled}
	out.Design = d

	if out.Match, err = pvt.Match(pairs, *tolerance); err != nil {
		return fmt.Errorf("match: %w", err)
	}
	for i, di := range out.Match.Discrepancies {
		if di.Flagged {
			out.Flagged = append(out.Flagged, plainFlagged{Station: di.Station, Stratum: pairs[i].Stratum, D: di.D, Observed: pairs[i].Observed, Official: pairs[i].Official})
		}
	}
	sort.SliceStable(out.Flagged, func(i, j int) bool { return out.Flagged[i].D > out.Flagged[j].D })

	for c, name := range names {
		paired, err := pvt.Paired(pairs, c, d, 0)
		if err != nil {
			return fmt.Errorf("paired test of %s: %w", name, err)
		}
		units := make([]pvt.Unit, len(pairs))
		for i, pr := range pairs {
			units[i] = pvt.Unit{Stratum: pr.Stratum, Num: pr.Official[c], Den: float64(official[pr.Station].valid)}
		}
		est, err := pvt.Ratio(units, d)
		if err != nil {
			return fmt.Errorf("collation test of %s: %w", name, err)
		}
		national, source := totals[c]/totalValid, "the official file's totals"
		if s, ok := published[c]; ok {
			national, source = s, "-official-share"
		}
		coll := pvt.Collation(est, national, 0)
		out.Tests = append(out.Tests, plainTests{Choice: name, NationalSource: source, Paired: paired, Collation: coll, Diagnosis: pvt.Diagnose(paired, coll)})
	}
	if p.out.json {
		return p.out.print(stdout, nil, out)
	}

	o := &p.out
	flagged := &table{header: []string{"station", "stratum", "D", "differences (observed → official)"}}
	for i, f := range out.Flagged {
		if i == plainTop && !o.csv {
			break
		}
		var diffs []string
		for c := range names {
			if f.Observed[c] != f.Official[c] {
				diffs = append(diffs, fmt.Sprintf("%s %g → %g", names[c], f.Observed[c], f.Official[c]))
			}
		}
		flagged.add(f.Station, f.Stratum, fmt.Sprintf("%g", f.D), strings.Join(diffs, "; "))
	}
	if o.csv {
		return o.print(stdout, flagged, nil)
	}
	fmt.Fprintf(stdout, "Compared %d of %d observed stations (%s) with the official results of %d stations (%s); skipped %d without the observers' counts and %d without the official ones.\n",
		out.Compared, out.Observed, p.in, len(official), *officialFile, out.SkippedObserved, out.SkippedOfficial)
	fmt.Fprintf(stdout, "\nStation match: %s\n", out.Match.Note)
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
	// The notes: once for the choices where both tests are consistent, in full for the others.
	var clean []string
	for _, t := range out.Tests {
		if t.Diagnosis.Verdict == pvt.Consistent {
			clean = append(clean, t.Choice)
			continue
		}
		fmt.Fprintf(stdout, "\n%s (national share from %s):\n  paired: %s\n  collation: %s\n  diagnosis: %s\n", t.Choice, t.NationalSource, t.Paired.Note, t.Collation.Note, t.Diagnosis.Note)
	}
	if len(clean) > 0 {
		i := slices.IndexFunc(out.Tests, func(t plainTests) bool { return t.Diagnosis.Verdict == pvt.Consistent })
		fmt.Fprintf(stdout, "\n%s: %s\n", strings.Join(clean, ", "), out.Tests[i].Diagnosis.Note)
	}
	if len(out.Tests) > 1 {
		fmt.Fprintf(stdout, "\nEach test flags a correct figure about one time in twenty; with %d choices, read first the choices that decide the outcome.\n", len(out.Tests))
	}
	return nil
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
	p.register(fs, "in", "station", "area", "registered", "cast", "issued", "choices")
	leader := fs.String("leader", "", "`COL`: the column of the leader's votes (the national winner)")
	mc := fs.Int("mc", 0, "also run the integer-percentage test with a Monte Carlo null of `N` replications")
	seed := fs.Uint64("seed", 1, "the seed of the Monte Carlo replications")
	set, err := plainParse(fs, args, &p.out)
	if err != nil {
		return err
	}
	for _, c := range []struct{ v, flag, what string }{
		{p.in, "-in FILE", "(the results of every station, one per row)"},
		{p.registered, "-registered COL", "(the column of registered voters)"},
		{p.cast, "-cast COL", "(the column of ballots found in the box, valid and invalid)"},
		{*leader, "-leader COL", "(the column of the national winner's votes)"},
	} {
		if err := plainNeed(c.v, c.flag, c.what); err != nil {
			return err
		}
	}
	if *mc < 0 || *mc > 100000 {
		return usagef("-mc %d: give a number of replications from 1 to 100000", *mc)
	}
	if set["seed"] && *mc == 0 {
		return usagef("-seed applies only with -mc N")
	}
	var digitNames []string
	if p.choices != "" {
		if digitNames, err = plainNames("choices", p.choices); err != nil {
			return err
		}
	} else {
		digitNames = []string{*leader}
	}

	in, err := openPlainCSV(p.in)
	if err != nil {
		return err
	}
	defer in.close()
	col := func(flag, name string) (int, error) {
		if name == "" {
			return -1, nil
		}
		return in.column(flag, name)
	}
	var cols [6]int
	for i, c := range []struct{ flag, name string }{
		{"registered", p.registered}, {"cast", p.cast}, {"leader", *leader},
		{"issued", p.issued}, {"station", p.station}, {"area", p.area},
	} {
		if cols[i], err = col(c.flag, c.name); err != nil {
			return err
		}
	}
	rCol, fCol, lCol, iCol, stCol, aCol := cols[0], cols[1], cols[2], cols[3], cols[4], cols[5]
	dCols, err := in.columns("choices", digitNames)
	if err != nil {
		return err
	}
	out := plainForensicsOut{In: p.in, Leader: *leader, DigitColumns: digitNames}
	var stations []forensics.Station
	var digits []int
	codes := plainCodes{}
	for {
		ok, err := in.next(ctx)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		s := forensics.Station{Code: fmt.Sprintf("line %d", in.line(0))}
		if stCol >= 0 {
			if s.Code, err = codes.add(in, stCol); err != nil {
				return err
			}
		}
		if aCol >= 0 {
			s.Area = in.text(aCol)
		}
		idx := []int{rCol, fCol, lCol}
		if iCol >= 0 {
			idx = append(idx, iCol)
		}
		v, all, err := in.counts(idx)
		if err != nil {
			return err
		}
		for _, c := range dCols {
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
			continue
		}
		s.Registered, s.Found, s.Leader, s.Issued = int(v[0]), int(v[1]), int(v[2]), int(v[1])
		if iCol >= 0 {
			s.Issued = int(v[3])
		}
		stations = append(stations, s)
	}
	out.Rows, out.Stations = in.rows, len(stations)
	if len(stations) == 0 {
		return fmt.Errorf("%s: no station with registered voters, ballots found and the leader's votes all given (%d rows)", p.in, in.rows)
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
	if p.out.json {
		return p.out.print(stdout, nil, out)
	}

	o := &p.out
	fl := out.Flags
	flagged := &table{header: []string{"rule", "station", "area", "turnout", "share", "registered", "z"}}
	for _, f := range []forensics.Flag{fl.OverRegistered, fl.NearUnanimous, fl.AreaOutliers} {
		for i, s := range f.Stations {
			if i == plainTop && !o.csv {
				break
			}
			z := ""
			if f.Rule == "area-outlier" {
				z = fmt.Sprintf("%+.1f", s.Z)
			}
			flagged.add(f.Rule, s.Code, s.Area, fmt.Sprintf("%.1f%%", s.Turnout), fmt.Sprintf("%.1f%%", s.Share), s.Registered, z)
		}
	}
	if o.csv {
		return o.print(stdout, flagged, nil)
	}

	fmt.Fprintf(stdout, "Forensic screens of %s: %d stations screened, %d rows skipped (a count not given). Leader: %s.\n", p.in, out.Stations, out.Skipped, *leader)
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
	if m := out.IntegerMC; m != nil {
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
	}

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

	dt := &table{header: []string{"test", "counts", "skipped", "χ²", "df", "p", "mean", "expected", "mean z"}}
	for _, d := range out.Digits {
		dt.add(d.Test, d.Counts, d.Skipped, fmt.Sprintf("%.1f", d.ChiSquare), d.DF, fmt.Sprintf("%.3g", d.P), fmt.Sprintf("%.4f", d.Mean), fmt.Sprintf("%.4f", d.ExpectedMean), fmt.Sprintf("%+.2f", d.MeanZ))
	}
	if err := o.section(stdout, "Digit tests over "+strings.Join(digitNames, ", ")+":", dt); err != nil {
		return err
	}
	for _, d := range out.Digits {
		fmt.Fprintf(stdout, "%s: %s\n", d.Test, d.Note["en"])
	}

	fmt.Fprintf(stdout, "\nFlags: %d over-registered, %d near-unanimous, %d area outliers; %d stations could not be judged against their area.\n",
		len(fl.OverRegistered.Stations), len(fl.NearUnanimous.Stations), len(fl.AreaOutliers.Stations), fl.Unscreened)
	if aCol < 0 {
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
	p.register(fs, "in", "choices")
	choiceCol := fs.String("choice", "", "`COL`: the column naming the choice (candidate or list)")
	votesCol := fs.String("votes", "", "`COL`: the column of votes")
	partyCol := fs.String("party", "", "`COL`: the column of the choice's party (optional)")
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
	valid := fs.Int64("valid", -1, "valid ballots, blank ones not included (default: the sum of the votes; required for block)")
	blank := fs.Int64("blank", 0, "blank ballots, counted apart from valid ones")
	cast := fs.Int64("cast", 0, "ballots cast (for -min-turnout)")
	registered := fs.Int64("registered", 0, "registered voters (for -min-turnout)")
	lot := fs.String("lot", "", "a public `SEED` to draw the lot that breaks ties (seats.DrawLot)")
	round := fs.Int("round", 0, "two_round: 1 for the first round, 2 for the runoff")
	if _, err := plainParse(fs, args, &p.out); err != nil {
		return err
	}
	if err := plainNeed(p.in, "-in FILE", "(the votes: a row per choice with -choice and -votes, or a column per choice with -choices)"); err != nil {
		return err
	}
	wide := p.choices != ""
	switch {
	case wide && (*choiceCol != "" || *votesCol != "" || *partyCol != ""):
		return usagef("give -choices COL,COL,… (a column per choice) or -choice COL -votes COL (a row per choice), not both")
	case !wide && (*choiceCol == "" || *votesCol == ""):
		return usagef("give -choice COL and -votes COL (a row per choice: its name and votes), or -choices COL,COL,… (a column of votes per choice)")
	}
	if err := plainNeed(string(sys.Kind), "-system", "list_pr, fptp, block or two_round"); err != nil {
		return err
	}
	if *nseats < 1 {
		return usagef("give -seats N, the number of seats to fill")
	}
	if *valid < -1 || *blank < 0 || *cast < 0 || *registered < 0 {
		return usagef("-valid, -blank, -cast and -registered are counts: give whole numbers from 0")
	}
	if sys.Kind == iltod.BlockVote && *valid < 0 {
		return usagef("a block vote needs -valid N, the number of valid ballots (each marks up to %d candidates)", *nseats)
	}
	var names []string
	if wide {
		var err error
		if names, err = plainNames("choices", p.choices); err != nil {
			return err
		}
	}

	in, err := openPlainCSV(p.in)
	if err != nil {
		return err
	}
	defer in.close()
	var list []plainSeat
	var skipped int
	skipWhat := "row"
	if wide {
		list, skipped, err = plainVotesWide(ctx, in, names)
		skipWhat = "empty cell"
	} else {
		list, skipped, err = plainVotesLong(ctx, in, *choiceCol, *votesCol, *partyCol)
	}
	if err != nil {
		return err
	}
	if len(list) == 0 {
		return fmt.Errorf("%s: no choices", p.in)
	}

	// Choice codes: the names if they all make valid codes, else c1, c2, …
	useNames := true
	for _, c := range list {
		useNames = useNames && iltod.ValidCode(c.Name)
	}
	kind := iltod.Candidate
	if sys.Kind == iltod.ListPR {
		kind = iltod.PartyList
	}
	contest := &iltod.Contest{
		Code: "plain", Name: iltod.Text{"en": plainTrunc(filepath.Base(p.in), iltod.MaxTextLen)},
		Areas: []string{"all"}, Seats: *nseats, System: sys,
	}
	totals := seats.Totals{Votes: map[string]int64{}, Valid: *valid, Blank: *blank, Cast: *cast, Registered: *registered}
	var sum int64
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
	if p.out.json {
		return p.out.print(stdout, nil, plainSeatsOut{In: p.in, Contest: contest, Totals: totals, Result: res, Choices: list})
	}
	o := &p.out
	t := &table{header: []string{"choice", "party", "votes", "share", "seats", "note"}}
	for _, c := range list {
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
	if o.csv {
		return o.print(stdout, t, nil)
	}
	fmt.Fprintf(stdout, "%s by %s", plainPlural(*nseats, "seat"), sys.Kind)
	if sys.Method != "" {
		fmt.Fprintf(stdout, " (%s)", sys.Method)
	}
	fmt.Fprintf(stdout, " from %s: %d choices, %d votes; shares of %s (%d).", p.in, len(list), sum, res.Base, res.BaseVotes)
	if skipped > 0 {
		fmt.Fprintf(stdout, " Skipped %s without votes.", plainPlural(skipped, skipWhat))
	}
	fmt.Fprintln(stdout)
	fmt.Fprintln(stdout)
	if err := o.print(stdout, t, nil); err != nil {
		return err
	}
	fmt.Fprintf(stdout, "\nOutcome: %s.", res.Outcome)
	if res.Reason != "" {
		fmt.Fprintf(stdout, " %s.", strings.TrimSuffix(res.Reason, "."))
	}
	if res.Unfilled > 0 {
		fmt.Fprintf(stdout, " %s unfilled.", plainPlural(res.Unfilled, "seat"))
	}
	fmt.Fprintln(stdout)
	return nil
}

// plainVotesLong adds up the votes of in, a row per choice (or per choice and station):
// the choice's name in column choiceCol, its votes in votesCol and optionally its party in
// partyCol. It returns the choices in order of first appearance and the number of rows
// without votes.
func plainVotesLong(ctx context.Context, in *plainCSV, choiceCol, votesCol, partyCol string) ([]plainSeat, int, error) {
	cCol, err := in.column("choice", choiceCol)
	if err != nil {
		return nil, 0, err
	}
	vCol, err := in.column("votes", votesCol)
	if err != nil {
		return nil, 0, err
	}
	pCol := -1
	if partyCol != "" {
		if pCol, err = in.column("party", partyCol); err != nil {
			return nil, 0, err
		}
	}
	var list []plainSeat
	index, partyLine := map[string]int{}, map[string]int{}
	skipped := 0
	for {
		ok, err := in.next(ctx)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			return list, skipped, nil
		}
		name, err := in.label(cCol, "a choice")
		if err != nil {
			return nil, 0, err
		}
		v, given, err := in.count(vCol)
		if err != nil {
			return nil, 0, err
		}
		i, seen := index[name]
		if !seen {
			i = len(list)
			index[name] = i
			list = append(list, plainSeat{Name: name})
		}
		if pCol >= 0 {
			party := in.text(pCol)
			switch {
			case !seen:
				list[i].Party, partyLine[name] = party, in.line(pCol)
			case party != list[i].Party:
				return nil, 0, fmt.Errorf("%s: %q is %q here but %q on line %d", in.at(pCol), name, party, list[i].Party, partyLine[name])
			}
		}
		if !given {
			skipped++
			continue
		}
		if list[i].Votes += v; list[i].Votes > plainMaxCount {
			return nil, 0, fmt.Errorf("%s: %q has more than %d votes", in.at(vCol), name, int64(plainMaxCount))
		}
	}
}

// plainVotesWide adds up the votes of in, a column per choice named by names (station
// results, say). It returns the choices in the order of names and the number of empty
// cells.
func plainVotesWide(ctx context.Context, in *plainCSV, names []string) ([]plainSeat, int, error) {
	cols, err := in.columns("choices", names)
	if err != nil {
		return nil, 0, err
	}
	list := make([]plainSeat, len(names))
	for i, n := range names {
		list[i].Name = n
	}
	skipped := 0
	for {
		ok, err := in.next(ctx)
		if err != nil {
			return nil, 0, err
		}
		if !ok {
			return list, skipped, nil
		}
		for i, col := range cols {
			v, given, err := in.count(col)
			if err != nil {
				return nil, 0, err
			}
			if !given {
				skipped++
				continue
			}
			if list[i].Votes += v; list[i].Votes > plainMaxCount {
				return nil, 0, fmt.Errorf("%s: %q has more than %d votes", in.at(col), names[i], int64(plainMaxCount))
			}
		}
	}
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
