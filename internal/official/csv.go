package official

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/iltod/iltod"
)

// MaxFileSize bounds a file to import.
const MaxFileSize = 512 << 20

// ReadCSV reads official results from a CSV file laid out as m describes, and checks
// every row against the election p, which passed Package.Validate. A row that names a
// station is that station's result; a row that names an area (m.Area) instead is the
// area's collated total, an iltod.StationResult with Area set; a row that names both is a
// problem. ReadCSV checks that the station or area and the contest exist (after m's
// aliases), that the station votes in the contest (iltod.ResultIndex.VotesIn) or the
// contest is voted in the area (AreaVotesIn), that the choice is one of the contest's,
// and that the numbers are whole numbers from 0 to iltod.MaxResultCount; and that no
// figure, and in a wide file no station or area and contest, is given twice. name names
// the file in problems.
//
// On any problem ReadCSV returns nil and an *Error listing every problem found (up to
// MaxProblems), each as "file:line: column: message"; it never returns part of a file. A
// CSV syntax error stops the reading. Results come in the order of their first row, and
// pass iltod.CheckResults against p.
func ReadCSV(r io.Reader, name string, p *iltod.Package, m Mapping) ([]iltod.StationResult, error) {
	if err := m.Validate(); err != nil {
		return nil, err
	}
	rd := &csvReader{ps: &problems{file: name}, m: m.normal(), ix: iltod.NewResultIndex(p), p: p,
		index: map[resultKey]int{}, stationGiven: len(m.Station) > 0, areaGiven: len(m.Area) > 0}
	data, ok := readAll(r, rd.ps)
	if !ok {
		return nil, rd.ps.err()
	}
	rd.read(data)
	if err := rd.ps.err(); err != nil {
		return nil, err
	}
	if len(rd.results) == 0 {
		rd.ps.msg(1, "", "error.official.no_results")
		return nil, rd.ps.err()
	}
	// Every row was checked as it was read; this is the domain's own check, which must
	// agree.
	if err := rd.ix.Check(rd.results); err != nil {
		var list iltod.Problems
		errors.As(err, &list)
		for _, pr := range list {
			rd.ps.domain(rd.lines[pr.Index], pr.Field, pr)
		}
		return nil, rd.ps.err()
	}
	return rd.results, nil
}

// readAll reads r up to MaxFileSize, drops a byte-order mark, and checks that it is
// UTF-8, reporting the first line that is not.
func readAll(r io.Reader, ps *problems) ([]byte, bool) {
	data, err := io.ReadAll(io.LimitReader(r, MaxFileSize+1))
	if err != nil {
		ps.msg(0, "", "error.package.cannot_read", "Err", err)
		return nil, false
	}
	if len(data) > MaxFileSize {
		ps.msg(0, "", "error.package.file_too_large", "Max", MaxFileSize>>20)
		return nil, false
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	if !utf8.Valid(data) {
		line := 1
		for len(data) > 0 {
			r, size := utf8.DecodeRune(data)
			if r == utf8.RuneError && size <= 1 {
				ps.msg(line, "", "error.package.utf8_byte", "Byte", fmt.Sprintf("0x%02x", data[0]))
				return nil, false
			}
			if r == '\n' {
				line++
			}
			data = data[size:]
		}
	}
	return data, true
}

// resultKey is the station or, for an area total, the area of a result, and its contest.
type resultKey struct{ station, area, contest string }

// at describes where the result's figures were counted or collated, for messages.
func (k resultKey) at() iltod.Message {
	if k.area != "" {
		return iltod.Msg("error.official.at_area", iltod.Lits("Area", k.area))
	}
	return iltod.Msg("error.official.at_station", iltod.Lits("Station", k.station))
}

// name names the station or area, for messages.
func (k resultKey) name() iltod.Message {
	if k.area != "" {
		return iltod.Msg("error.official.name_area", iltod.Lits("Area", k.area))
	}
	return iltod.Msg("error.official.name_station", iltod.Lits("Station", k.station))
}

// figureKey is one figure of a result: a count ('c' and its kind) or votes ('v' and the
// choice).
type figureKey struct {
	station, area, contest string
	kind                   byte
	item                   string
}

// column roles in a wide file.
const (
	roleOther = iota
	roleCount
	roleChoice
	roleIgnore
)

type csvReader struct {
	ps *problems
	m  Mapping
	ix *iltod.ResultIndex
	p  *iltod.Package

	// Whether the mapping named the station and area columns itself.
	stationGiven, areaGiven bool

	header []string
	cols   map[string]int
	// In a wide file, the role of each column, and its count or choice code.
	roles   []int
	targets []string

	results []iltod.StationResult
	lines   []int        // the first line of each result
	figures [][]figureAt // the figures of each result and their lines (long)
	index   map[resultKey]int
	votesIn map[resultKey]bool

	// The previous row's station, area and contest cells and where they led, since a long
	// file gives a result's figures on consecutive rows.
	prevStation, prevArea, prevContest string
	prevKey                            resultKey
	prevOK                             bool
}

// figureAt is a figure of a result, a count ('c' and its kind) or votes ('v' and the
// choice), and the line that gave it.
type figureAt struct {
	kind byte
	item string
	line int
}

func (rd *csvReader) read(data []byte) {
	cr := csv.NewReader(bytes.NewReader(data))
	cr.ReuseRecord = true
	header, err := cr.Read()
	switch {
	case err == io.EOF:
		rd.ps.msg(1, "", "error.official.empty_file")
		return
	case err != nil:
		rd.csvError(err)
		return
	}
	if !rd.readHeader(header) {
		return
	}
	if rd.m.ContestCode != "" && !rd.ix.HasContest(rd.m.ContestCode) {
		rd.ps.msg(0, "contest_code", "error.package.unknown_contest", "Contest", strconv.Quote(rd.m.ContestCode))
		return
	}
	rd.votesIn = map[resultKey]bool{}
	cells := make([]string, len(rd.header))
	for !rd.ps.full() {
		rec, err := cr.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			rd.csvError(err)
			return
		}
		line, _ := cr.FieldPos(0)
		for i, c := range rec {
			cells[i] = norm.NFC.String(strings.TrimSpace(c))
		}
		if rd.m.Format == Wide {
			rd.wideRow(line, cells)
		} else {
			rd.longRow(line, cells)
		}
	}
}

func (rd *csvReader) csvError(err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		end := iltod.Lit("")
		if pe.Line != pe.StartLine {
			end = iltod.Msg("error.official.record_ends", iltod.Lits("Line", pe.Line))
		}
		rd.ps.msg(pe.StartLine, "", "error.official.not_csv_end", "Err", pe.Err, "End", end)
		return
	}
	rd.ps.msg(0, "", "error.official.not_csv", "Err", err)
}

// readHeader records the columns and checks that those the mapping names are present.
func (rd *csvReader) readHeader(header []string) bool {
	m := &rd.m
	rd.header = make([]string, len(header))
	rd.cols = map[string]int{}
	ok := true
	for i, h := range header {
		h = norm.NFC.String(strings.TrimSpace(h))
		rd.header[i] = h
		if _, dup := rd.cols[h]; dup {
			rd.ps.msg(1, h, "error.official.column_twice")
			ok = false
		}
		rd.cols[h] = i
	}
	rd.areaColumns()
	need := func(cols ...string) {
		for _, c := range cols {
			if _, found := rd.cols[c]; !found {
				rd.ps.msg(1, c, "error.official.column_missing", "Columns", trunc(strings.Join(rd.header, ", ")))
				ok = false
			}
		}
	}
	need(m.Station...)
	need(m.Area...)
	need(m.Contest...)
	if m.Format == Long {
		need(m.Choice...)
		need(m.Votes)
		return ok
	}
	// Wide: every column is the station, the contest, a count, a choice, or ignored.
	need(m.Ignore...)
	for _, c := range sortedKeys(m.Counts) {
		need(c)
	}
	for _, c := range sortedKeys(m.Choices) {
		need(c)
	}
	own := map[string]bool{}
	for _, c := range m.Station {
		own[c] = true
	}
	for _, c := range m.Area {
		own[c] = true
	}
	for _, c := range m.Contest {
		own[c] = true
	}
	ignored := map[string]bool{}
	for _, c := range m.Ignore {
		ignored[c] = true
	}
	choices := map[string]bool{} // every choice code of the election
	for _, c := range rd.p.Contests {
		for _, ch := range c.Choices {
			choices[ch.Code] = true
		}
	}
	rd.roles, rd.targets = make([]int, len(rd.header)), make([]string, len(rd.header))
	for i, h := range rd.header {
		switch {
		case own[h]:
			rd.roles[i] = roleOther
		case ignored[h]:
			rd.roles[i] = roleIgnore
		case h == "":
			rd.ps.msg(1, fmt.Sprintf("column %d", i+1), "error.official.column_unnamed")
			ok = false
		default:
			if k, isCount := m.countOf(h); isCount {
				rd.roles[i], rd.targets[i] = roleCount, string(k)
				continue
			}
			if len(m.Choices) > 0 {
				code, mapped := m.Choices[h]
				switch {
				case !mapped:
					rd.ps.msg(1, h, "error.official.column_unmapped")
					ok = false
				case code == Skip:
					rd.roles[i] = roleIgnore
				default:
					rd.roles[i], rd.targets[i] = roleChoice, code
				}
				continue
			}
			if !choices[h] {
				rd.ps.msg(1, h, "error.official.column_unknown")
				ok = false
				continue
			}
			rd.roles[i], rd.targets[i] = roleChoice, h
		}
	}
	return ok
}

// areaColumns settles the station and area columns once the header is known: the default
// area column is "area" if the file has one that no other key of the mapping claims; and
// a file with area columns whose mapping does not name the station needs no station
// column, every row then being an area's total.
func (rd *csvReader) areaColumns() {
	m := &rd.m
	has := func(c string) bool { _, ok := rd.cols[c]; return ok }
	if !rd.areaGiven && has("area") && !rd.claims("area") {
		m.Area = Columns{"area"}
	}
	if !rd.stationGiven && len(m.Area) > 0 && !has("station") {
		m.Station = nil
	}
}

// claims reports whether the mapping gives column c a role other than the area.
func (rd *csvReader) claims(c string) bool {
	m := &rd.m
	_, count := m.Counts[c]
	_, choice := m.Choices[c]
	return slices.Contains(m.Station, c) || slices.Contains(m.Contest, c) || slices.Contains(m.Choice, c) ||
		m.Votes == c || slices.Contains(m.Ignore, c) || (m.Format == Wide && (count || choice))
}

// get returns the value of cols in the current row: the cells joined with '|', or "" if
// every one is empty or there are no such columns.
func (rd *csvReader) get(cells []string, cols Columns) string {
	if len(cols) == 0 {
		return ""
	}
	if len(cols) == 1 {
		return cells[rd.cols[cols[0]]]
	}
	empty := true
	parts := make([]string, len(cols))
	for i, c := range cols {
		parts[i] = cells[rd.cols[c]]
		empty = empty && parts[i] == ""
	}
	if empty {
		return ""
	}
	return strings.Join(parts, "|")
}

// place resolves the station or area, and the contest, of a row. skip is set for a row
// whose station, area or contest is mapped to Skip; ok is false after a problem.
func (rd *csvReader) place(line int, cells []string) (k resultKey, skip, ok bool) {
	m := &rd.m
	rawStation, rawArea, rawContest := rd.get(cells, m.Station), rd.get(cells, m.Area), ""
	if m.ContestCode == "" {
		rawContest = rd.get(cells, m.Contest)
	}
	if rd.prevOK && rawStation == rd.prevStation && rawArea == rd.prevArea && rawContest == rd.prevContest {
		return rd.prevKey, false, true
	}
	k, skip, ok = rd.resolve(line, rawStation, rawArea, rawContest)
	rd.prevStation, rd.prevArea, rd.prevContest, rd.prevKey, rd.prevOK = rawStation, rawArea, rawContest, k, ok && !skip
	return k, skip, ok
}

// placeCol returns the column(s) that name the station, or for an area total the area.
func (rd *csvReader) placeCol(k resultKey) string {
	if k.area != "" {
		return rd.m.Area.String()
	}
	return rd.m.Station.String()
}

// resolve maps a row's station, area and contest cells to codes, and checks them.
func (rd *csvReader) resolve(line int, rawStation, rawArea, rawContest string) (k resultKey, skip, ok bool) {
	m := &rd.m
	stationCol, areaCol := m.Station.String(), m.Area.String()
	if rawStation != "" {
		if k.station = alias(m.Stations, rawStation); k.station == Skip {
			return k, true, true
		}
	}
	if rawArea != "" {
		if k.area = alias(m.Areas, rawArea); k.area == Skip {
			return k, true, true
		}
	}
	switch {
	case rawStation != "" && rawArea != "":
		rd.ps.msg(line, areaCol, "error.official.row_both", "Station", strconv.Quote(trunc(rawStation)), "Area", strconv.Quote(trunc(rawArea)))
		return k, false, false
	case rawStation == "" && rawArea == "":
		switch {
		case len(m.Area) == 0:
			rd.ps.msg(line, stationCol, "error.official.empty_station")
		case len(m.Station) == 0:
			rd.ps.msg(line, areaCol, "error.official.empty_area")
		default:
			rd.ps.msg(line, stationCol, "error.official.empty_both", "Column", areaCol)
		}
		return k, false, false
	case rawArea != "":
		if !rd.ix.HasArea(k.area) {
			rd.ps.msg(line, areaCol, "error.official.unknown_area", "Area", strconv.Quote(trunc(k.area)), "Mapped", mappedFrom(rawArea, k.area))
			return k, false, false
		}
	default:
		if !rd.ix.HasStation(k.station) {
			rd.ps.msg(line, stationCol, "error.official.unknown_station", "Station", strconv.Quote(trunc(k.station)), "Mapped", mappedFrom(rawStation, k.station))
			return k, false, false
		}
	}
	contestCol := m.Contest.String()
	if m.ContestCode != "" {
		k.contest, contestCol = m.ContestCode, rd.placeCol(k)
	} else {
		raw := rawContest
		if raw == "" {
			rd.ps.msg(line, contestCol, "error.official.empty_contest")
			return k, false, false
		}
		k.contest = alias(m.Contests, raw)
		if k.contest == Skip {
			return k, true, true
		}
		if !rd.ix.HasContest(k.contest) {
			rd.ps.msg(line, contestCol, "error.official.unknown_contest", "Contest", strconv.Quote(trunc(k.contest)), "Mapped", mappedFrom(raw, k.contest))
			return k, false, false
		}
	}
	in, seen := rd.votesIn[k]
	if !seen {
		if k.area != "" {
			in = rd.ix.AreaVotesIn(k.area, k.contest)
		} else {
			in = rd.ix.VotesIn(k.station, k.contest)
		}
		rd.votesIn[k] = in
	}
	if !in {
		if k.area != "" {
			rd.ps.put(line, contestCol, rd.ix.NotVotedInArea(k.area, k.contest))
		} else {
			rd.ps.put(line, contestCol, rd.ix.NotVotingIn(k.station, k.contest))
		}
		return k, false, false
	}
	return k, false, true
}

func mappedFrom(raw, code string) iltod.Message {
	if raw == code {
		return iltod.Lit("")
	}
	return iltod.Msg("error.official.mapped_from", iltod.Lits("Raw", strconv.Quote(trunc(raw))))
}

// result returns the index of the result of k, adding it, first seen on line, if it is
// new.
func (rd *csvReader) result(k resultKey, line int) int {
	if n := len(rd.results); n > 0 {
		if r := &rd.results[n-1]; r.Station == k.station && r.Area == k.area && r.Contest == k.contest {
			return n - 1
		}
	}
	i, ok := rd.index[k]
	if !ok {
		i = len(rd.results)
		rd.index[k] = i
		rd.results = append(rd.results, iltod.StationResult{Station: k.station, Area: k.area, Contest: k.contest,
			Counts: map[iltod.CountKind]int{}, Votes: map[string]int{}})
		rd.lines = append(rd.lines, line)
		rd.figures = append(rd.figures, nil)
	}
	return i
}

func (rd *csvReader) longRow(line int, cells []string) {
	m := &rd.m
	k, skip, ok := rd.place(line, cells)
	if skip || !ok {
		return
	}
	choiceCol := m.Choice.String()
	item := rd.get(cells, m.Choice)
	if item == "" {
		rd.ps.msg(line, choiceCol, "error.official.empty_choice")
		return
	}
	var fig figureAt
	if kind, isCount := m.countOf(item); isCount {
		fig.kind, fig.item = 'c', string(kind)
	} else {
		code := alias(m.Choices, item)
		if code == Skip {
			return
		}
		if !rd.ix.HasChoice(k.contest, code) {
			rd.ps.msg(line, choiceCol, "error.official.no_choice_count", "Contest", strconv.Quote(k.contest),
				"Choice", strconv.Quote(trunc(code)), "Mapped", mappedFrom(item, code), "Counts", rd.countNames())
			return
		}
		fig.kind, fig.item = 'v', code
	}
	n, ok := rd.number(line, m.Votes, cells[rd.cols[m.Votes]], true)
	if !ok {
		return
	}
	i := rd.result(k, line)
	r := &rd.results[i]
	var dup bool
	if fig.kind == 'c' {
		_, dup = r.Counts[iltod.CountKind(fig.item)]
	} else {
		_, dup = r.Votes[fig.item]
	}
	if dup {
		for _, f := range rd.figures[i] {
			if f.kind == fig.kind && f.item == fig.item {
				key := "error.official.votes_twice"
				if fig.kind == 'c' {
					key = "error.official.count_twice"
				}
				rd.ps.msg(line, choiceCol, key, "Item", fig.item, "At", k.at(), "Contest", k.contest, "Line", f.line)
			}
		}
		return
	}
	fig.line = line
	rd.figures[i] = append(rd.figures[i], fig)
	if fig.kind == 'c' {
		r.Counts[iltod.CountKind(fig.item)] = n
	} else {
		r.Votes[fig.item] = n
	}
}

// countNames lists the names that are counts in the choice column.
func (rd *csvReader) countNames() iltod.Message {
	if len(rd.m.Counts) > 0 {
		return iltod.Msg("error.official.counts_mapped", iltod.Lits("Names", trunc(strings.Join(sortedKeys(rd.m.Counts), ", "))))
	}
	return iltod.Lit("registered, issued, cast, valid, invalid, blank")
}

func (rd *csvReader) wideRow(line int, cells []string) {
	k, skip, ok := rd.place(line, cells)
	if skip || !ok {
		return
	}
	if i, dup := rd.index[k]; dup {
		rd.ps.msg(line, rd.placeCol(k), "error.official.place_twice", "Place", k.name(), "Contest", k.contest, "Line", rd.lines[i])
		return
	}
	r := iltod.StationResult{Station: k.station, Area: k.area, Contest: k.contest, Counts: map[iltod.CountKind]int{}, Votes: map[string]int{}}
	good := true
	for i, role := range rd.roles {
		if role != roleCount && role != roleChoice {
			continue
		}
		cell := cells[i]
		if cell == "" {
			continue // not given
		}
		if role == roleChoice && !rd.ix.HasChoice(k.contest, rd.targets[i]) {
			rd.ps.msg(line, rd.header[i], "error.official.no_choice_cell", "Contest", k.contest, "Choice", rd.targets[i])
			good = false
			continue
		}
		n, ok := rd.number(line, rd.header[i], cell, false)
		if !ok {
			good = false
			continue
		}
		if role == roleCount {
			if _, dup := r.Counts[iltod.CountKind(rd.targets[i])]; dup {
				rd.ps.msg(line, rd.header[i], "error.official.count_two_columns", "Count", rd.targets[i])
				good = false
			}
			r.Counts[iltod.CountKind(rd.targets[i])] = n
		} else {
			if _, dup := r.Votes[rd.targets[i]]; dup {
				rd.ps.msg(line, rd.header[i], "error.official.votes_two_columns", "Choice", rd.targets[i])
				good = false
			}
			r.Votes[rd.targets[i]] = n
		}
	}
	if !good {
		return
	}
	if len(r.Counts) == 0 && len(r.Votes) == 0 {
		rd.ps.msg(line, rd.placeCol(k), "error.official.row_no_figure")
		return
	}
	rd.results[rd.result(k, line)] = r
}

// number parses a figure: a whole number from 0 to iltod.MaxResultCount, digits only.
func (rd *csvReader) number(line int, col, s string, required bool) (int, bool) {
	msg := numberProblem(s)
	if msg.Key == "" {
		n, _ := strconv.Atoi(s)
		return n, true
	}
	if s == "" && !required {
		return 0, false
	}
	rd.ps.put(line, col, msg)
	return 0, false
}

// numberProblem says why s is not a figure, or returns "".
func numberProblem(s string) iltod.Message {
	if s == "" {
		return iltod.Msg("error.official.number_empty", nil)
	}
	digits := strings.TrimPrefix(s, "-")
	for i := 0; i < len(digits); i++ {
		if digits[i] < '0' || digits[i] > '9' {
			return iltod.Msg("error.official.not_whole", iltod.Lits("Value", strconv.Quote(trunc(s))))
		}
	}
	if digits == "" {
		return iltod.Msg("error.official.not_whole", iltod.Lits("Value", strconv.Quote(trunc(s))))
	}
	if len(digits) < len(s) {
		return iltod.Msg("error.package.is_negative", iltod.Lits("Value", trunc(s)))
	}
	n, err := strconv.Atoi(digits)
	if err != nil || n > iltod.MaxResultCount {
		return iltod.Msg("error.package.above_limit", iltod.Lits("Value", trunc(s), "Max", iltod.MaxResultCount))
	}
	return iltod.Message{}
}
