package official

import (
	"bytes"
	"errors"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"

	"github.com/iltod/iltod"
)

// Format is the layout of a CSV file of results.
type Format string

// The CSV layouts.
const (
	// Long has one row per figure: a station, a contest, a choice (or a count such as
	// "registered") and its number, as OpenElections files do.
	Long Format = "long"
	// Wide has one row per station and contest, and a column per choice and per count.
	Wide Format = "wide"
)

// Skip, as the target of an alias, skips the value: the rows of a station, area or
// contest mapped to it (aggregate rows such as "TOTAL", or contests iltod does not
// track), or the rows (long) or counts (NIST) of a choice mapped to it.
const Skip = "-"

// Columns names one or more CSV columns. The values of several columns are joined with
// '|' before they are looked up, so that a station named by county and precinct reads
// "Arkhangai|Erdenebulgan 1". In a mapping file it is a column name or a list of them.
type Columns []string

// UnmarshalYAML reads a single column name or a list of them.
func (c *Columns) UnmarshalYAML(n *yaml.Node) error {
	if n.Kind == yaml.ScalarNode {
		*c = Columns{n.Value}
		return nil
	}
	var list []string
	if err := n.Decode(&list); err != nil {
		return err
	}
	*c = list
	return nil
}

// String returns the column names joined with '|', as problems name them.
func (c Columns) String() string { return strings.Join(c, "|") }

// Mapping says how a file's columns, or a NIST document's ids, map to an election's
// codes. The zero Mapping is the default long layout: columns station, contest, choice
// and votes, and area if the file has it, with the count names of iltod.ResultCounts in
// the choice column. It is documented, with examples, in docs/official-results.md.
type Mapping struct {
	// Format is Long (the default) or Wide. NIST documents ignore it.
	Format Format `yaml:"format"`
	// Station names the column(s) holding the station; default "station". A file with
	// Area columns and no Station given needs no station column: then every row is an
	// area's total.
	Station Columns `yaml:"station"`
	// Area names the column(s) holding the area of a row that is the collated total the
	// authority published for that area (see iltod.StationResult), rather than a station's
	// result; default "area", if the file has a column of that name that no other key
	// claims. Every row names either a station or an area: a row with both is a problem,
	// unless one of them is mapped to Skip, which skips the row.
	Area Columns `yaml:"area"`
	// Contest names the column(s) holding the contest; default "contest". ContestCode
	// instead names the one contest of every row of a file that has no contest column.
	Contest     Columns `yaml:"contest"`
	ContestCode string  `yaml:"contest_code"`
	// Choice (long only) names the column(s) holding the choice, or the name of a count;
	// default "choice". Votes (long only) names the column holding the number; default
	// "votes".
	Choice Columns `yaml:"choice"`
	Votes  string  `yaml:"votes"`
	// Counts maps to the kinds of iltod.ResultCounts: in a long file, the values of the
	// choice column that are counts (e.g. "Registered Voters": registered); in a wide file,
	// the columns that are counts (e.g. "Reg.Voters": registered). When it is empty, the
	// kinds' own names (registered, issued, cast, valid, invalid, blank) are the counts.
	Counts map[string]iltod.CountKind `yaml:"counts"`
	// Choices maps to choice codes: in a long file, values of the choice column; in a
	// wide file, columns. In a NIST document it maps ContestSelection ids. A value not
	// listed is taken as a choice code itself, except that a wide file with Choices
	// given has no other choice columns. Skip skips a choice.
	Choices map[string]string `yaml:"choices"`
	// Stations, Areas and Contests map values (CSV) or GpUnit and Contest ids (NIST) to
	// station, area and contest codes; a value not listed is taken as a code itself
	// (except that a NIST GpUnit is an area only as ReadNIST describes). Skip skips it.
	Stations map[string]string `yaml:"stations"`
	Areas    map[string]string `yaml:"areas"`
	Contests map[string]string `yaml:"contests"`
	// Ignore lists the columns of a wide file that are neither choices nor counts, such as
	// a total or a name. A long file may have any other columns.
	Ignore []string `yaml:"ignore"`
}

// ParseMapping reads a mapping file, YAML or JSON, named name in problems. Unknown keys,
// unknown formats, counts that are not one of iltod.ResultCounts, targets that are not
// codes, and options that do not fit the format are problems, each with its line; it
// returns an *Error listing them.
func ParseMapping(name string, data []byte) (Mapping, error) {
	ps := &problems{file: name}
	var root yaml.Node
	if err := yaml.Unmarshal(data, &root); err != nil {
		yamlProblems(ps, err)
		return Mapping{}, ps.err()
	}
	var m Mapping
	if len(root.Content) == 0 {
		return m, nil
	}
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&m); err != nil {
		yamlProblems(ps, err)
		return Mapping{}, ps.err()
	}
	m.check(ps, root.Content[0])
	if err := ps.err(); err != nil {
		return Mapping{}, err
	}
	return m, nil
}

var yamlLineRe = regexp.MustCompile(`^(?:yaml: )?line (\d+): (.*)$`)

// yamlProblems turns a YAML error into problems, with the line it names.
func yamlProblems(ps *problems, err error) {
	var te *yaml.TypeError
	msgs := []string{err.Error()}
	if errors.As(err, &te) {
		msgs = te.Errors
	}
	for _, msg := range msgs {
		if m := yamlLineRe.FindStringSubmatch(msg); m != nil {
			line, _ := strconv.Atoi(m[1])
			ps.add(line, "", "%s", m[2])
			continue
		}
		ps.add(0, "", "%s", strings.TrimPrefix(msg, "yaml: "))
	}
}

// keyLine returns the line of the key path in the YAML mapping n, or of the closest
// key found, or 0.
func keyLine(n *yaml.Node, path ...string) int {
	line := 0
	for _, key := range path {
		if n == nil || n.Kind != yaml.MappingNode {
			return line
		}
		var next *yaml.Node
		for i := 0; i+1 < len(n.Content); i += 2 {
			if n.Content[i].Value == key {
				line, next = n.Content[i].Line, n.Content[i+1]
				break
			}
		}
		n = next
	}
	return line
}

// Validate checks a Mapping built in code, as ParseMapping checks a file; problems name
// the file "mapping" and have no line.
func (m Mapping) Validate() error {
	ps := &problems{file: "mapping"}
	m.check(ps, nil)
	return ps.err()
}

// check adds m's problems to ps, locating them in the YAML node n if it is not nil.
func (m Mapping) check(ps *problems, n *yaml.Node) {
	at := func(path ...string) int { return keyLine(n, path...) }
	switch m.Format {
	case "", Long, Wide:
	default:
		ps.msg(at("format"), "format", "error.package.one_of", "Value", strconv.Quote(trunc(string(m.Format))), "Options", iltod.Lit("long, wide"))
	}
	cols := func(key string, c Columns) {
		for _, name := range c {
			if strings.TrimSpace(name) == "" {
				ps.msg(at(key), key, "error.official.column_name_empty")
			}
		}
	}
	cols("station", m.Station)
	cols("area", m.Area)
	cols("contest", m.Contest)
	for _, c := range m.Area {
		if slices.Contains(m.Station, c) {
			ps.msg(at("area"), "area", "error.official.station_area_column", "Column", strconv.Quote(trunc(c)))
		}
	}
	cols("choice", m.Choice)
	if m.ContestCode != "" {
		if !iltod.ValidCode(m.ContestCode) {
			ps.msg(at("contest_code"), "contest_code", "error.official.bad_contest_code", "Value", strconv.Quote(trunc(m.ContestCode)))
		}
		if len(m.Contest) > 0 {
			ps.msg(at("contest_code"), "contest_code", "error.official.contest_either")
		}
	}
	if m.Format == Wide {
		if len(m.Choice) > 0 {
			ps.msg(at("choice"), "choice", "error.official.wide_choice")
		}
		if m.Votes != "" {
			ps.msg(at("votes"), "votes", "error.official.wide_votes")
		}
	} else if len(m.Ignore) > 0 {
		ps.msg(at("ignore"), "ignore", "error.official.long_ignore")
	}
	for _, k := range sortedKeys(m.Counts) {
		if v := m.Counts[k]; !iltod.IsResultCount(v) {
			ps.msg(at("counts", k), "counts."+k, "error.package.one_of", "Value", strconv.Quote(trunc(string(v))), "Options", iltod.Lit("registered, issued, cast, valid, invalid, blank"))
		}
	}
	targets := func(key, what string, aliases map[string]string) {
		for _, k := range sortedKeys(aliases) {
			if v := aliases[k]; v != Skip && !iltod.ValidCode(v) {
				ps.msg(at(key, k), key+"."+k, "error.official.bad_mapped_code", "Value", strconv.Quote(trunc(v)),
					"What", iltod.Msg("error.official.what_"+what, nil), "Skip", Skip)
			}
		}
	}
	targets("choices", "choice", m.Choices)
	targets("stations", "station", m.Stations)
	targets("areas", "area", m.Areas)
	targets("contests", "contest", m.Contests)
	if m.Format == Wide {
		seen := map[string]string{}
		claim := func(col, as string) {
			if other, ok := seen[col]; ok && other != as {
				ps.msg(at(), "", "error.official.mapped_twice", "Column", strconv.Quote(trunc(col)),
					"A", iltod.Msg("error.official.as_"+other, nil), "B", iltod.Msg("error.official.as_"+as, nil))
			}
			seen[col] = as
		}
		for _, c := range m.Station {
			claim(c, "station")
		}
		for _, c := range m.Area {
			if !slices.Contains(m.Station, c) { // reported above
				claim(c, "area")
			}
		}
		for _, c := range m.Contest {
			claim(c, "contest")
		}
		for _, c := range sortedKeys(m.Counts) {
			claim(c, "count")
		}
		for _, c := range sortedKeys(m.Choices) {
			claim(c, "choice")
		}
		for _, c := range m.Ignore {
			claim(c, "ignored")
		}
	}
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// normal returns m with its defaults filled in, and the keys of its maps trimmed and in
// NFC, as cells are compared.
func (m Mapping) normal() Mapping {
	if m.Format == "" {
		m.Format = Long
	}
	if len(m.Station) == 0 {
		m.Station = Columns{"station"}
	}
	if len(m.Contest) == 0 && m.ContestCode == "" {
		m.Contest = Columns{"contest"}
	}
	if m.Format == Long {
		if len(m.Choice) == 0 {
			m.Choice = Columns{"choice"}
		}
		if m.Votes == "" {
			m.Votes = "votes"
		}
	}
	trimCols := func(c Columns) Columns {
		if c == nil {
			return nil
		}
		out := make(Columns, len(c))
		for i, s := range c {
			out[i] = strings.TrimSpace(s)
		}
		return out
	}
	m.Station, m.Area, m.Contest, m.Choice = trimCols(m.Station), trimCols(m.Area), trimCols(m.Contest), trimCols(m.Choice)
	m.Votes = strings.TrimSpace(m.Votes)
	m.Ignore = trimCols(m.Ignore)
	m.Counts = normalKeys(m.Counts)
	m.Choices = normalKeys(m.Choices)
	m.Stations = normalKeys(m.Stations)
	m.Areas = normalKeys(m.Areas)
	m.Contests = normalKeys(m.Contests)
	return m
}

func normalKeys[V any](m map[string]V) map[string]V {
	if m == nil {
		return nil
	}
	out := make(map[string]V, len(m))
	for k, v := range m {
		out[norm.NFC.String(strings.TrimSpace(k))] = v
	}
	return out
}

// countOf returns the count a value (long) or column (wide) names, if any.
func (m *Mapping) countOf(s string) (iltod.CountKind, bool) {
	if len(m.Counts) > 0 {
		k, ok := m.Counts[s]
		return k, ok
	}
	k := iltod.CountKind(s)
	return k, iltod.IsResultCount(k)
}

// alias looks s up in aliases: the code it maps to, or s itself.
func alias(aliases map[string]string, s string) string {
	if v, ok := aliases[s]; ok {
		return v
	}
	return s
}
