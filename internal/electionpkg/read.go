// Package electionpkg reads and writes election packages: a folder with a manifest
// (election.yaml), CSV files for areas, stations and observers, and YAML or JSON files for
// contests and forms. The format is documented in docs/package-format.md.
//
// Read checks everything a package says, down to the references between its records, and
// reports each problem with its file, line and field; Write produces a package that Read
// turns back into the same election.
package electionpkg

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"

	"github.com/iltod/iltod"
)

// Format is the value of the manifest's format field that this package reads and writes.
const Format = "iltod-package/1"

// MaxFileSize bounds each file of a package.
const MaxFileSize = 512 << 20

// ManifestNames are the names Read looks for, in order.
var ManifestNames = []string{"election.yaml", "election.yml", "election.json"}

// manifest is the top of election.yaml.
type manifest struct {
	Format   string        `json:"format"`
	Election electionHead  `json:"election"`
	Parties  []iltod.Party `json:"parties"`
	Bodies   []iltod.Body  `json:"bodies"`
	Files    manifestFiles `json:"files"`
}

type electionHead struct {
	ID        string     `json:"id"`
	Name      iltod.Text `json:"name"`
	Date      string     `json:"date"`
	Kind      string     `json:"kind"`
	Country   string     `json:"country"`
	Languages []string   `json:"languages"`
	Demo      bool       `json:"demo"`
	// Observation is election.observation: pointers, so that a tolerance written as 0,
	// which iltod.ObservationSettings would read as "the default", is refused instead.
	Observation *observationHead `json:"observation,omitempty"`
}

type observationHead struct {
	GeofenceM  *int `json:"geofence_m,omitempty"`
	ClockSkewS *int `json:"clock_skew_s,omitempty"`
}

type manifestFiles struct {
	Areas     string   `json:"areas"`
	Stations  string   `json:"stations"`
	Observers string   `json:"observers"`
	Contests  []string `json:"contests"`
	Forms     []string `json:"forms"`
}

type contestsFile struct {
	Contests []iltod.Contest `json:"contests"`
}

// origin is where a record came from: a CSV line, or a YAML node.
type origin struct {
	file string
	line int
	node *yaml.Node // nil for CSV records
	base string     // path of the record within node's document, e.g. "contests[2]"
}

// reader holds the state of one Read.
type reader struct {
	fsys fs.FS
	ps   problems
	pkg  iltod.Package

	manifestFile string
	manifestNode *yaml.Node
	files        manifestFiles
	areas        []origin
	stations     []origin
	contests     []origin
	observers    []origin
	forms        []origin
}

// Check is a further check of a package that passed Package.Validate, such as
// qa.ValidateForms. It returns nil or iltod.Problems with Record and Index set.
type Check func(*iltod.Package) error

// Read reads the package rooted at fsys and validates it with Package.Validate and then
// with each of checks. On any problem it returns nil and an *Error listing every problem
// found with its file and line; it never returns a partly read package.
func Read(fsys fs.FS, checks ...Check) (*iltod.Package, error) {
	r := &reader{fsys: fsys}
	if !r.readManifest() {
		return nil, r.ps.err()
	}
	r.readAll()
	if err := r.ps.err(); err != nil {
		return nil, err
	}
	if err := r.validate(checks); err != nil {
		var list iltod.Problems
		if !errors.As(err, &list) {
			return nil, err
		}
		for _, p := range list {
			r.locate(p)
		}
		return nil, r.ps.err()
	}
	return &r.pkg, nil
}

func (r *reader) readFile(name string) ([]byte, bool) {
	if !fs.ValidPath(name) {
		r.ps.msg(r.manifestFile, lineOf(r.manifestNode, "files"), "files", "error.package.not_relative", "Value", strconv.Quote(trunc(name)))
		return nil, false
	}
	f, err := r.fsys.Open(name)
	if err != nil {
		r.ps.msg(name, 0, "", "error.package.cannot_open", "Err", unwrapPathError(err))
		return nil, false
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, MaxFileSize+1))
	if err != nil {
		r.ps.msg(name, 0, "", "error.package.cannot_read", "Err", unwrapPathError(err))
		return nil, false
	}
	if len(data) > MaxFileSize {
		r.ps.msg(name, 0, "", "error.package.file_too_large", "Max", MaxFileSize>>20)
		return nil, false
	}
	return data, true
}

func unwrapPathError(err error) error {
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err
	}
	return err
}

func (r *reader) readManifest() bool {
	for _, name := range ManifestNames {
		if _, err := fs.Stat(r.fsys, name); err == nil {
			r.manifestFile = name
			break
		}
	}
	if r.manifestFile == "" {
		r.ps.msg(ManifestNames[0], 0, "", "error.package.no_manifest")
		return false
	}
	data, ok := r.readFile(r.manifestFile)
	if !ok {
		return false
	}
	if !validUTF8(r.manifestFile, data, &r.ps) {
		return false
	}
	n := parseYAML(r.manifestFile, data, &r.ps)
	if n == nil {
		return false
	}
	r.manifestNode = n
	var m manifest
	if !decodeNode(r.manifestFile, n, &m, "", &r.ps) {
		return false
	}
	if m.Format != Format {
		r.ps.msg(r.manifestFile, lineOf(n, "format"), "format", "error.package.bad_format", "Value", strconv.Quote(trunc(m.Format)), "Want", strconv.Quote(Format))
		return false
	}
	h := m.Election
	r.pkg.Election = iltod.Election{ID: h.ID, Name: h.Name, Date: h.Date, Kind: h.Kind, Country: h.Country,
		Languages: h.Languages, Demo: h.Demo, Parties: m.Parties, Bodies: m.Bodies}
	if o := h.Observation; o != nil {
		// Election.Validate checks the ranges; only an explicit 0 is lost in the int
		// fields, so it is refused here with the same message.
		set := &iltod.ObservationSettings{}
		for _, f := range []struct {
			name, key string
			src       *int
			dst       *int
			max       int
		}{
			{"geofence_m", "error.observation.geofence", o.GeofenceM, &set.GeofenceMetres, iltod.MaxGeofenceMetres},
			{"clock_skew_s", "error.observation.clock_skew", o.ClockSkewS, &set.ClockSkewSeconds, iltod.MaxClockSkewSeconds},
		} {
			if f.src == nil {
				continue
			}
			if *f.src == 0 {
				field := "observation." + f.name
				r.ps.msg(r.manifestFile, r.electionLine(field), field, f.key, "Value", 0, "Max", f.max)
			}
			*f.dst = *f.src
		}
		r.pkg.Election.Observation = set
	}
	f := m.Files
	if f.Areas == "" {
		r.ps.msg(r.manifestFile, lineOf(n, "files"), "files.areas", "error.package.required")
	}
	if f.Stations == "" {
		r.ps.msg(r.manifestFile, lineOf(n, "files"), "files.stations", "error.package.required")
	}
	r.files = f
	return len(r.ps.list) == 0
}

func (r *reader) readAll() {
	f := r.files
	r.readAreas(f.Areas)
	r.readStations(f.Stations)
	if f.Observers != "" {
		r.readObservers(f.Observers)
	}
	for _, name := range f.Contests {
		r.readContests(name)
	}
	for _, name := range f.Forms {
		r.readForm(name)
	}
	r.readTaxonomy()
}

func (r *reader) readYAMLFile(name string) *yaml.Node {
	data, ok := r.readFile(name)
	if !ok || !validUTF8(name, data, &r.ps) {
		return nil
	}
	return parseYAML(name, data, &r.ps)
}

func (r *reader) readContests(name string) {
	n := r.readYAMLFile(name)
	if n == nil {
		return
	}
	var cf contestsFile
	if !decodeNode(name, n, &cf, "", &r.ps) {
		return
	}
	for i, c := range cf.Contests {
		base := fmt.Sprintf("contests[%d]", i)
		r.pkg.Contests = append(r.pkg.Contests, c)
		r.contests = append(r.contests, origin{file: name, line: lineOf(n, base), node: n, base: base})
	}
}

func (r *reader) readForm(name string) {
	n := r.readYAMLFile(name)
	if n == nil {
		return
	}
	var f iltod.Form
	if !decodeNode(name, n, &f, "", &r.ps) {
		return
	}
	r.pkg.Forms = append(r.pkg.Forms, f)
	r.forms = append(r.forms, origin{file: name, line: n.Line, node: n})
}

// locate turns a domain Problem into a located one.
func (r *reader) locate(p iltod.Problem) {
	var list []origin
	switch p.Record {
	case iltod.RecordElection:
		r.ps.domain(r.manifestFile, r.electionLine(p.Field), p.Field, p)
		return
	case iltod.RecordArea:
		list = r.areas
	case iltod.RecordStation:
		list = r.stations
	case iltod.RecordContest:
		list = r.contests
	case iltod.RecordObserver:
		list = r.observers
	case iltod.RecordForm:
		list = r.forms
	}
	if p.Index < 0 || p.Index >= len(list) {
		r.ps.domain(r.manifestFile, 0, p.Field, p)
		return
	}
	o := list[p.Index]
	if o.node == nil {
		r.ps.domain(o.file, o.line, csvField(p.Field), p)
		return
	}
	r.ps.domain(o.file, lineOf(o.node, join(o.base, p.Field)), p.Field, p)
}

// electionLine finds the manifest line of a field of the election record. The election's
// own fields sit under "election:", parties and bodies at the top, and the lists of
// records under "files:".
func (r *reader) electionLine(field string) int {
	switch {
	case strings.HasPrefix(field, "parties"), strings.HasPrefix(field, "bodies"):
		return lineOf(r.manifestNode, field)
	case field == "areas" || field == "stations":
		return lineOf(r.manifestNode, "files."+field)
	}
	return lineOf(r.manifestNode, join("election", field))
}

// csvField names the CSV column that holds a record's field: "name.mn" is in name_mn,
// "location.lat" in lat, and "phones[1]" in phones.
func csvField(field string) string {
	head, rest, _ := strings.Cut(field, ".")
	head, _, _ = strings.Cut(head, "[")
	switch head {
	case "name":
		if rest != "" {
			return "name_" + rest
		}
	case "location":
		if rest != "" {
			return rest
		}
	}
	return head
}

// validUTF8 reports the first line of data that is not valid UTF-8.
func validUTF8(file string, data []byte, ps *problems) bool {
	if utf8.Valid(data) {
		return true
	}
	line := 1
	for len(data) > 0 {
		r, size := utf8.DecodeRune(data)
		if r == utf8.RuneError && size <= 1 {
			ps.msg(file, line, "", "error.package.utf8_byte", "Byte", fmt.Sprintf("0x%02x", data[0]))
			return false
		}
		if r == '\n' {
			line++
		}
		data = data[size:]
	}
	return true
}

func trunc(s string) string {
	if utf8.RuneCountInString(s) <= 60 {
		return s
	}
	return string([]rune(s)[:60]) + "…"
}

// table is a CSV file being read: its header and the position of each column.
type table struct {
	file string
	ps   *problems
	r    *csv.Reader
	cols map[string]int
	// langs maps each name_<lang> column's language to its position.
	langs  map[string]int
	header []string
}

// openCSV reads the header of a CSV file and checks it against the known columns and the
// required ones. Columns named name_<lang> are always allowed.
func (r *reader) openCSV(name string, known, required []string) *table {
	data, ok := r.readFile(name)
	if !ok {
		return nil
	}
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	cr := csv.NewReader(bytes.NewReader(data))
	cr.ReuseRecord = true
	header, err := cr.Read()
	if err == io.EOF {
		r.ps.msg(name, 1, "", "error.official.empty_file")
		return nil
	}
	if err != nil {
		r.csvError(name, err)
		return nil
	}
	t := &table{file: name, ps: &r.ps, r: cr, cols: map[string]int{}, langs: map[string]int{}}
	t.header = append([]string(nil), header...)
	isKnown := map[string]bool{}
	for _, k := range known {
		isKnown[k] = true
	}
	bad := false
	for i, h := range t.header {
		h = strings.TrimSpace(h)
		if _, dup := t.cols[h]; dup {
			r.ps.msg(name, 1, h, "error.official.column_twice")
			bad = true
		}
		t.cols[h] = i
		if lang, ok := strings.CutPrefix(h, "name_"); ok && isKnown["name_*"] {
			t.langs[lang] = i
			continue
		}
		if !isKnown[h] {
			r.ps.msg(name, 1, h, "error.package.unknown_column", "Known", strings.Join(known, ", "))
			bad = true
		}
	}
	for _, req := range required {
		if req == "name_*" {
			if len(t.langs) == 0 {
				r.ps.msg(name, 1, "name", "error.package.name_column")
				bad = true
			}
			continue
		}
		if _, ok := t.cols[req]; !ok {
			r.ps.msg(name, 1, req, "error.package.column_required")
			bad = true
		}
	}
	if bad {
		return nil
	}
	return t
}

func (r *reader) csvError(name string, err error) {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		r.ps.add(name, pe.StartLine, "", "not valid CSV: %v%s", pe.Err, endsOn(pe))
		return
	}
	r.ps.add(name, 0, "", "not valid CSV: %v", err)
}

// rows calls fn for each data row with its line number and a getter for columns; it
// reports invalid UTF-8 in any cell and stops at a CSV syntax error.
func (t *table) rows(fn func(line int, get func(col string) string)) {
	for {
		rec, err := t.r.Read()
		if err == io.EOF {
			return
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				t.ps.add(t.file, pe.StartLine, "", "not valid CSV: %v%s", pe.Err, endsOn(pe))
			} else {
				t.ps.add(t.file, 0, "", "not valid CSV: %v", err)
			}
			return
		}
		line, _ := t.r.FieldPos(0)
		ok := true
		for i, cell := range rec {
			if !utf8.ValidString(cell) {
				t.ps.msg(t.file, line, strings.TrimSpace(t.header[i]), "error.package.not_utf8")
				ok = false
			}
		}
		if !ok {
			continue
		}
		fn(line, func(col string) string {
			i, ok := t.cols[col]
			if !ok {
				return ""
			}
			return norm.NFC.String(strings.TrimSpace(rec[i]))
		})
	}
}

// names reads the name_<lang> columns of the current row into a Text.
func (t *table) names(get func(string) string) iltod.Text {
	txt := iltod.Text{}
	for lang := range t.langs {
		if v := get("name_" + lang); v != "" {
			txt[lang] = v
		}
	}
	return txt
}

func (t *table) integer(line int, col, s string) (int, bool) {
	n, err := strconv.Atoi(s)
	if err != nil {
		t.ps.msg(t.file, line, col, "error.official.not_whole", "Value", strconv.Quote(trunc(s)))
		return 0, false
	}
	return n, true
}

// point reads optional lat and lon columns: both or neither.
func (t *table) point(line int, get func(string) string) (*iltod.Point, bool) {
	lat, lon := get("lat"), get("lon")
	if lat == "" && lon == "" {
		return nil, true
	}
	if lat == "" || lon == "" {
		t.ps.msg(t.file, line, "lat", "error.package.lat_lon")
		return nil, false
	}
	la, err1 := strconv.ParseFloat(lat, 64)
	lo, err2 := strconv.ParseFloat(lon, 64)
	if err1 != nil {
		t.ps.msg(t.file, line, "lat", "error.package.not_number", "Value", strconv.Quote(trunc(lat)))
	}
	if err2 != nil {
		t.ps.msg(t.file, line, "lon", "error.package.not_number", "Value", strconv.Quote(trunc(lon)))
	}
	if err1 != nil || err2 != nil {
		return nil, false
	}
	return &iltod.Point{Lat: la, Lon: lo}, true
}

func splitList(s string) []string {
	if s == "" {
		return nil
	}
	parts := strings.Split(s, ";")
	out := make([]string, 0, len(parts))
	for _, p := range parts {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func (r *reader) readAreas(name string) {
	t := r.openCSV(name, []string{"code", "parent", "level", "name_*", "lat", "lon"}, []string{"code", "level", "name_*"})
	if t == nil {
		return
	}
	t.rows(func(line int, get func(string) string) {
		loc, ok := t.point(line, get)
		if !ok {
			return
		}
		r.pkg.Areas = append(r.pkg.Areas, iltod.Area{Code: get("code"), Parent: get("parent"),
			Level: iltod.Level(get("level")), Name: t.names(get), Location: loc})
		r.areas = append(r.areas, origin{file: name, line: line})
	})
}

func (r *reader) readStations(name string) {
	t := r.openCSV(name, []string{"code", "area", "name_*", "registered", "stratum", "lat", "lon"},
		[]string{"code", "area", "name_*", "registered"})
	if t == nil {
		return
	}
	t.rows(func(line int, get func(string) string) {
		loc, ok := t.point(line, get)
		reg, ok2 := t.integer(line, "registered", get("registered"))
		if !ok || !ok2 {
			return
		}
		r.pkg.Stations = append(r.pkg.Stations, iltod.Station{Code: get("code"), Area: get("area"),
			Name: t.names(get), Location: loc, Registered: reg, Stratum: get("stratum")})
		r.stations = append(r.stations, origin{file: name, line: line})
	})
}

func (r *reader) readObservers(name string) {
	t := r.openCSV(name, []string{"code", "name", "phones", "stations", "role", "supervisor", "lang", "pin"},
		[]string{"code", "name", "role"})
	if t == nil {
		return
	}
	t.rows(func(line int, get func(string) string) {
		r.pkg.Observers = append(r.pkg.Observers, iltod.Observer{Code: get("code"), Name: get("name"),
			Phones: splitList(get("phones")), Stations: splitList(get("stations")),
			Role: iltod.ObserverRole(get("role")), Supervisor: get("supervisor"), Lang: get("lang"), PIN: get("pin")})
		r.observers = append(r.observers, origin{file: name, line: line})
	})
}

// ReadDir reads the package in the folder dir, as Read does.
func ReadDir(dir string, checks ...Check) (*iltod.Package, error) {
	return Read(os.DirFS(dir), checks...)
}

// validate runs Package.Validate, then each check while none fails.
func (r *reader) validate(checks []Check) error {
	if err := r.pkg.Validate(); err != nil {
		return err
	}
	for _, c := range checks {
		if err := c(&r.pkg); err != nil {
			return err
		}
	}
	return nil
}

// endsOn notes where a CSV record that spans lines ends, since the fault may lie there.
func endsOn(pe *csv.ParseError) string {
	if pe.Line == pe.StartLine {
		return ""
	}
	return fmt.Sprintf(" (the field ends on line %d)", pe.Line)
}
