package official

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/storetest"
)

// fixture is the conformance suite's small election: contests C01 (in UB: C01-1 …
// C01-3), C02 (in UB2 and OCV: C02-1, C02-2), LIST (L-MPP, L-DP, L-HUN) and PRES (P1,
// P2), and stations such as 0101 (in UB), UB2.1 (in UB2) and 9-SEOUL (abroad).
func fixture() *iltod.Package { return storetest.Fixture("mn") }

type counts = map[iltod.CountKind]int
type votes = map[string]int

func result(station, contest string, c counts, v votes) iltod.StationResult {
	if c == nil {
		c = counts{}
	}
	if v == nil {
		v = votes{}
	}
	return iltod.StationResult{Station: station, Contest: contest, Counts: c, Votes: v}
}

// total returns the collated total of area in contest.
func total(area, contest string, c counts, v votes) iltod.StationResult {
	r := result("", contest, c, v)
	r.Area = area
	return r
}

func readCSV(t *testing.T, text string, m Mapping) ([]iltod.StationResult, error) {
	t.Helper()
	return ReadCSV(strings.NewReader(text), "r.csv", fixture(), m)
}

// problemLines returns the problems of err, which must be an *Error in the domain's
// EInvalid, as file:line: field: message lines.
func problemLines(t *testing.T, err error) []string {
	t.Helper()
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("got %T %v, want an *official.Error", err, err)
	}
	if iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("the error's code is %s, want invalid", iltod.ErrorCodeOf(err))
	}
	var out []string
	for _, p := range e.Problems {
		out = append(out, p.String())
	}
	return out
}

func TestReadCSVLong(t *testing.T) {
	got, err := readCSV(t, "\xef\xbb\xbfstation,contest,choice,votes,note\n"+
		"0101,C01,registered,1500,\n"+
		"0101,C01,cast, 900 ,\n"+
		"0101,C01,C01-1,400,a comment\n"+
		"0101,C01,C01-2,0,\n"+
		"0101,LIST,L-MPP,500,\n"+
		"UB2.1,C02,C02-1,10,\n"+
		"0101,C01,blank,3,\n", Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	want := []iltod.StationResult{
		result("0101", "C01", counts{"registered": 1500, "cast": 900, "blank": 3}, votes{"C01-1": 400, "C01-2": 0}),
		result("0101", "LIST", nil, votes{"L-MPP": 500}),
		result("UB2.1", "C02", nil, votes{"C02-1": 10}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// TestReadCSVOpenElections reads a file in the OpenElections layout, with a mapping that
// names stations by county and precinct, contests by office and district, and the counts
// by OpenElections' own labels, and skips the county's total rows.
func TestReadCSVOpenElections(t *testing.T) {
	const mapping = `
format: long
station: [county, precinct]
contest: [office, district]
choice: candidate
votes: votes
counts:
  Registered Voters: registered
  Ballots Cast: cast
stations:
  "Bayanzürkh|Khoroo 1 station 1": "0101"
  "Bayanzürkh|Khoroo 1 station 4": "0104"
  "Bayanzürkh|TOTAL": "-"
contests:
  "State Great Khural|1": C01
  "Party list|": LIST
choices:
  Bat: C01-1
  Bold: C01-2
  Over Votes: "-"
  Mongolian People's Party: L-MPP
`
	m, err := ParseMapping("m.yaml", []byte(mapping))
	if err != nil {
		t.Fatal(err)
	}
	// The station's name is decomposed (NFD) here, and composed in the mapping: cells and
	// keys are compared in NFC.
	got, err := ReadCSV(strings.NewReader(`county,precinct,office,district,party,candidate,votes
Bayanzu`+"\u0308"+`rkh,Khoroo 1 station 1,State Great Khural,1,MPP,Bat,400
Bayanzürkh,Khoroo 1 station 1,State Great Khural,1,DP,Bold,300
Bayanzürkh,Khoroo 1 station 1,State Great Khural,1,,Over Votes,2
Bayanzürkh,Khoroo 1 station 1,State Great Khural,1,,Registered Voters,1500
Bayanzürkh,Khoroo 1 station 1,State Great Khural,1,,Ballots Cast,702
Bayanzürkh,TOTAL,State Great Khural,1,MPP,Bat,99999
"Bayanzürkh","Khoroo 1 station 4","Party list",,MPP,"Mongolian People's Party",812
`), "oe.csv", fixture(), m)
	if err != nil {
		t.Fatal(err)
	}
	want := []iltod.StationResult{
		result("0101", "C01", counts{"registered": 1500, "cast": 702}, votes{"C01-1": 400, "C01-2": 300}),
		result("0104", "LIST", nil, votes{"L-MPP": 812}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

func TestReadCSVWide(t *testing.T) {
	got, err := readCSV(t, "station,contest,registered,valid,C01-1,C01-2,C01-3,C02-1,C02-2\n"+
		"0101,C01,1500,800,400,,0,,\n"+
		"UB2.1,C02,33,20,,,,12,8\n"+
		"9-SEOUL,C02,,,,,,1,\n", Mapping{Format: Wide})
	if err != nil {
		t.Fatal(err)
	}
	want := []iltod.StationResult{
		result("0101", "C01", counts{"registered": 1500, "valid": 800}, votes{"C01-1": 400, "C01-3": 0}),
		result("UB2.1", "C02", counts{"registered": 33, "valid": 20}, votes{"C02-1": 12, "C02-2": 8}),
		result("9-SEOUL", "C02", nil, votes{"C02-1": 1}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}

	// The Uganda layout: one contest, named by the mapping; the candidates' columns,
	// the registered voters and the counts mapped; totals ignored.
	m, err := ParseMapping("uganda.yaml", []byte(`{"format": "wide", "station": "Station", "contest_code": "PRES",
		"counts": {"Reg.Voters": "registered", "V.Votes": "valid", "Inv.Votes": "invalid"},
		"choices": {"Candidate One": "P1", "Candidate Two": "P2"},
		"ignore": ["District", "T.Votes"]}`))
	if err != nil {
		t.Fatal(err)
	}
	got, err = ReadCSV(strings.NewReader("District,Station,Reg.Voters,Candidate One,Candidate Two,T.Votes,V.Votes,Inv.Votes\n"+
		"Kampala,X1,1000,300,200,510,500,10\n"), "ug.csv", fixture(), m)
	if err != nil {
		t.Fatal(err)
	}
	want = []iltod.StationResult{result("X1", "PRES", counts{"registered": 1000, "valid": 500, "invalid": 10}, votes{"P1": 300, "P2": 200})}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
}

// TestReadCSVProblems checks that each kind of bad input gives its exact message, at its
// line and column, and no results.
func TestReadCSVProblems(t *testing.T) {
	for _, tc := range badCSV {
		t.Run(tc.name, func(t *testing.T) {
			got, err := readCSV(t, tc.text, tc.m)
			if got != nil {
				t.Errorf("got %d results with the error", len(got))
			}
			if err == nil {
				t.Fatal("no error")
			}
			lines := problemLines(t, err)
			if !reflect.DeepEqual(lines, tc.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(lines, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

const longHeader = "station,contest,choice,votes\n"

var badCSV = []struct {
	name string
	m    Mapping
	text string
	want []string
}{
	{"unknown station", Mapping{}, longHeader + "0101,C01,C01-1,4\nXX-99,C01,C01-1,4\n",
		[]string{`r.csv:3: station: unknown station "XX-99"`}},
	{"unknown contest", Mapping{}, longHeader + "0101,C09,C01-1,4\n",
		[]string{`r.csv:2: contest: unknown contest "C09"`}},
	{"choice of another contest", Mapping{}, longHeader + "0101,C01,C02-1,4\n",
		[]string{`r.csv:2: choice: contest "C01" has no choice "C02-1", and it is not a count (registered, issued, cast, valid, invalid, blank)`}},
	{"station outside the contest", Mapping{}, longHeader + "UB2.1,C01,C01-1,4\n",
		[]string{`r.csv:2: contest: station "UB2.1" does not vote in contest "C01" (it votes in C02, LIST, PRES)`}},
	{"negative", Mapping{}, longHeader + "0101,C01,C01-1,-5\n",
		[]string{`r.csv:2: votes: -5 is negative`}},
	{"not a number", Mapping{}, longHeader + "0101,C01,C01-1,12a\n0101,C01,C01-2,1.5\n0101,C01,C01-3,1e3\n",
		[]string{`r.csv:2: votes: "12a" is not a whole number`, `r.csv:3: votes: "1.5" is not a whole number`,
			`r.csv:4: votes: "1e3" is not a whole number`}},
	{"too large", Mapping{}, longHeader + "0101,C01,C01-1,100000001\n",
		[]string{`r.csv:2: votes: 100000001 is above the limit of 100000000`}},
	{"empty votes", Mapping{}, longHeader + "0101,C01,C01-1,\n",
		[]string{`r.csv:2: votes: is empty; give a whole number`}},
	{"empty station", Mapping{}, longHeader + ",C01,C01-1,3\n",
		[]string{`r.csv:2: station: is empty; every row names a station`}},
	{"duplicate votes", Mapping{}, longHeader + "0101,C01,C01-1,4\n0101,LIST,L-DP,1\n0101,C01,C01-1,5\n",
		[]string{`r.csv:4: choice: the votes for C01-1 at station 0101 in contest C01 are given twice (first on line 2)`}},
	{"duplicate count", Mapping{}, longHeader + "0101,C01,valid,4\n0101,C01,valid,4\n",
		[]string{`r.csv:3: choice: the valid count at station 0101 in contest C01 is given twice (first on line 2)`}},
	{"several problems", Mapping{}, longHeader + "0101,C01,C01-1,x\nnope,C01,C01-1,1\n0101,C01,C01-1,2\n",
		[]string{`r.csv:2: votes: "x" is not a whole number`, `r.csv:3: station: unknown station "nope"`}},
	{"missing column", Mapping{}, "station,contest,choice\n0101,C01,C01-1\n",
		[]string{`r.csv:1: votes: the column is missing (columns: station, contest, choice)`}},
	{"column twice", Mapping{}, "station,contest,choice,votes,station\n",
		[]string{`r.csv:1: station: the column is given twice`}},
	{"empty file", Mapping{}, "",
		[]string{`r.csv:1: the file is empty; it needs a header row`}},
	{"header only", Mapping{}, longHeader,
		[]string{`r.csv:1: the file holds no results`}},
	{"only skipped rows", Mapping{Stations: map[string]string{"TOTAL": Skip}}, longHeader + "TOTAL,C01,C01-1,5\n",
		[]string{`r.csv:1: the file holds no results`}},
	{"bad quote", Mapping{}, longHeader + "0101,C01,C01-1,4\n0101,C01,C\"01-2,4\n",
		[]string{`r.csv:3: not valid CSV: bare " in non-quoted-field`}},
	{"unterminated quote", Mapping{}, longHeader + "0101,C01,\"C01-1,4\n0101,C01,C01-2,4\n",
		[]string{`r.csv:2: not valid CSV: extraneous or missing " in quoted-field (the record ends on line 3)`}},
	{"wrong number of fields", Mapping{}, longHeader + "0101,C01,C01-1,4,9\n",
		[]string{`r.csv:2: not valid CSV: wrong number of fields`}},
	{"not UTF-8", Mapping{}, longHeader + "0101,C01,C01-1,4\n0101,C01,C01-\xff,4\n",
		[]string{`r.csv:3: is not valid UTF-8 (byte 0xff)`}},
	{"alias to an unknown station", Mapping{Stations: map[string]string{"Station 1": "S-1"}}, longHeader + "Station 1,C01,C01-1,4\n",
		[]string{`r.csv:2: station: unknown station "S-1" (mapped from "Station 1")`}},
	{"unknown fixed contest", Mapping{ContestCode: "C77"}, "station,choice,votes\n0101,C01-1,4\n",
		[]string{`r.csv: contest_code: unknown contest "C77"`}},
	{"fixed contest, station outside it", Mapping{ContestCode: "C02"}, "station,choice,votes\n0101,C02-1,4\n",
		[]string{`r.csv:2: station: station "0101" does not vote in contest "C02" (it votes in C01, LIST, PRES)`}},
	{"wide: unknown column", Mapping{Format: Wide}, "station,contest,valid,C01-1,Z9\n0101,C01,1,1,1\n",
		[]string{`r.csv:1: Z9: the column is neither a count (registered, issued, cast, valid, invalid, blank) nor a choice of any contest`}},
	{"wide: choice of another contest", Mapping{Format: Wide}, "station,contest,C01-1,C02-1\n0101,C01,1,\n0104,C01,1,7\n",
		[]string{`r.csv:3: C02-1: contest C01 has no choice C02-1; leave the cell empty`}},
	{"wide: bad numbers", Mapping{Format: Wide}, "station,contest,cast,C01-1\n0101,C01,-1,x\n",
		[]string{`r.csv:2: cast: -1 is negative`, `r.csv:2: C01-1: "x" is not a whole number`}},
	{"wide: station twice", Mapping{Format: Wide}, "station,contest,C01-1\n0101,C01,1\n0104,C01,1\n0101,C01,2\n",
		[]string{`r.csv:4: station: station 0101 and contest C01 are given twice (first on line 2)`}},
	{"wide: no figure", Mapping{Format: Wide}, "station,contest,valid,C01-1\n0101,C01,,\n",
		[]string{`r.csv:2: station: the row gives no figure: every count and choice cell is empty`}},
	{"wide: unmapped column", Mapping{Format: Wide, Choices: map[string]string{"Bat": "C01-1"}}, "station,contest,Bat,Bold\n0101,C01,1,2\n",
		[]string{`r.csv:1: Bold: the column is not mapped: list it under choices, counts or ignore`}},
	{"wide: mapped column missing", Mapping{Format: Wide, Choices: map[string]string{"Bat": "C01-1"}}, "station,contest,C01-1\n0101,C01,1\n",
		[]string{`r.csv:1: Bat: the column is missing (columns: station, contest, C01-1)`,
			`r.csv:1: C01-1: the column is not mapped: list it under choices, counts or ignore`}},
	{"bad mapping", Mapping{Format: "tall", Counts: map[string]iltod.CountKind{"Reg": "regstered"}}, longHeader,
		[]string{`mapping: format: "tall" is not one of long, wide`,
			`mapping: counts.Reg: "regstered" is not one of registered, issued, cast, valid, invalid, blank`}},

	// Area totals.
	{"station and area", Mapping{}, areaHeader + "0101,UB,C01,C01-1,4\n",
		[]string{`r.csv:2: area: the row names station "0101" and area "UB": a row is a station's result or an area's total, not both; leave one empty`}},
	{"neither station nor area", Mapping{}, areaHeader + ",,C01,C01-1,4\n",
		[]string{`r.csv:2: station: is empty, and so is area; every row names a station, or an area for the area's total`}},
	{"empty area", Mapping{}, "area,contest,choice,votes\n,C01,C01-1,4\n",
		[]string{`r.csv:2: area: is empty; every row names an area`}},
	{"unknown area", Mapping{}, areaHeader + ",UB,C01,C01-1,4\n,XX,C01,C01-1,4\n",
		[]string{`r.csv:3: area: unknown area "XX"`}},
	{"area outside the contest", Mapping{}, areaHeader + ",UB2,C01,C01-1,4\n",
		[]string{`r.csv:2: contest: contest "C01" is not voted in area "UB2": the area is neither within nor above the contest's areas (UB)`}},
	{"duplicate total", Mapping{}, areaHeader + ",UB,C01,C01-1,4\n0101,,C01,C01-1,4\n,UB,C01,C01-1,5\n",
		[]string{`r.csv:4: choice: the votes for C01-1 for area UB in contest C01 are given twice (first on line 2)`}},
	{"a station's code as area", Mapping{}, areaHeader + ",0101,C01,C01-1,4\n",
		[]string{`r.csv:2: area: unknown area "0101"`}},
	{"alias to an unknown area", Mapping{Areas: map[string]string{"Ulaanbaatar": "UBX"}}, areaHeader + ",Ulaanbaatar,C01,C01-1,4\n",
		[]string{`r.csv:2: area: unknown area "UBX" (mapped from "Ulaanbaatar")`}},
	{"area column missing", Mapping{Area: Columns{"region"}}, longHeader + "0101,C01,C01-1,4\n",
		[]string{`r.csv:1: region: the column is missing (columns: station, contest, choice, votes)`}},
	{"fixed contest, area outside it", Mapping{ContestCode: "C02"}, "area,choice,votes\nUB,C02-1,4\n",
		[]string{`r.csv:2: area: contest "C02" is not voted in area "UB": the area is neither within nor above the contest's areas (UB2, OCV)`}},
	{"an area column on a station's row", Mapping{}, "station,contest,choice,votes,area\n0101,C01,C01-1,4,Bayanzürkh\n",
		[]string{`r.csv:2: area: the row names station "0101" and area "Bayanzürkh": a row is a station's result or an area's total, not both; leave one empty`}},
	{"wide: area twice", Mapping{Format: Wide}, "station,area,contest,C01-1\n,UB,C01,1\n0101,,C01,1\n,UB,C01,2\n",
		[]string{`r.csv:4: area: area UB and contest C01 are given twice (first on line 2)`}},
	{"wide: total with no figure", Mapping{Format: Wide}, "area,contest,valid,C01-1\nUB,C01,,\n",
		[]string{`r.csv:2: area: the row gives no figure: every count and choice cell is empty`}},
	{"area and station in one column", Mapping{Station: Columns{"place"}, Area: Columns{"place"}}, longHeader,
		[]string{`mapping: area: column "place" names both the station and the area; a row gives one or the other`}},
}

const areaHeader = "station,area,contest,choice,votes\n"

// TestReadCSVTotals reads area totals, the collated figures an authority publishes for
// districts, regions and the country, beside station results and on their own.
func TestReadCSVTotals(t *testing.T) {
	got, err := readCSV(t, areaHeader+
		"0101,,C01,registered,1500\n"+
		"0101,,C01,C01-1,400\n"+
		",UB,C01,registered,4000\n"+
		",UB,C01,C01-1,1200\n"+
		",MN,PRES,P1,9000\n"+
		",MN,C02,C02-1,40\n"+ // the country holds the constituency's areas
		",UB2,LIST,L-MPP,30\n"+ // a region's total of the national list
		",UB-BZD.1,C01,C01-2,7\n"+ // a subdistrict's total of a regional contest
		",UB,C01,cast,2500\n", Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	want := []iltod.StationResult{
		result("0101", "C01", counts{"registered": 1500}, votes{"C01-1": 400}),
		total("UB", "C01", counts{"registered": 4000, "cast": 2500}, votes{"C01-1": 1200}),
		total("MN", "PRES", nil, votes{"P1": 9000}),
		total("MN", "C02", nil, votes{"C02-1": 40}),
		total("UB2", "LIST", nil, votes{"L-MPP": 30}),
		total("UB-BZD.1", "C01", nil, votes{"C01-2": 7}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("long:\n got  %v\nwant %v", got, want)
	}

	got, err = readCSV(t, "station,area,contest,registered,C01-1,C01-2,P1\n"+
		"0101,,C01,1500,400,300,\n"+
		",UB,C01,4000,1200,,\n"+
		",MN,PRES,,,,9000\n", Mapping{Format: Wide})
	if err != nil {
		t.Fatal(err)
	}
	want = []iltod.StationResult{
		result("0101", "C01", counts{"registered": 1500}, votes{"C01-1": 400, "C01-2": 300}),
		total("UB", "C01", counts{"registered": 4000}, votes{"C01-1": 1200}),
		total("MN", "PRES", nil, votes{"P1": 9000}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("wide:\n got  %v\nwant %v", got, want)
	}

	// A file of regional totals only: areas named by aimag and district, mapped to
	// codes; no station column; the grand total's rows skipped.
	m, err := ParseMapping("m.yaml", []byte(`
area: [aimag, district]
contest_code: PRES
choice: candidate
areas:
  "Ulaanbaatar|": UB
  "Ulaanbaatar|Bayanzürkh": UB-BZD
  "Total|": "-"
`))
	if err != nil {
		t.Fatal(err)
	}
	got, err = ReadCSV(strings.NewReader("aimag,district,candidate,votes\n"+
		"Ulaanbaatar,,P1,5000\n"+
		"Ulaanbaatar,Bayanzürkh,P1,1200\n"+
		"Total,,P1,99999\n"+
		"Ulaanbaatar,,P2,4000\n"), "regions.csv", fixture(), m)
	if err != nil {
		t.Fatal(err)
	}
	want = []iltod.StationResult{
		total("UB", "PRES", nil, votes{"P1": 5000, "P2": 4000}),
		total("UB-BZD", "PRES", nil, votes{"P1": 1200}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("regions:\n got  %v\nwant %v", got, want)
	}

	// A station mapped to Skip skips its row, whatever the area cell holds.
	got, err = readCSV(t, areaHeader+"TOTAL,UB,C01,C01-1,9\n0101,,C01,C01-1,4\n", Mapping{Stations: map[string]string{"TOTAL": Skip}})
	if err != nil {
		t.Fatal(err)
	}
	if want := []iltod.StationResult{result("0101", "C01", nil, votes{"C01-1": 4})}; !reflect.DeepEqual(got, want) {
		t.Errorf("skipped rows:\n got  %v\nwant %v", got, want)
	}

	// A column named area that the mapping gives another role is not the area.
	got, err = readCSV(t, "station,contest,area,C01-1\n0101,C01,Bayanzürkh,4\n", Mapping{Format: Wide, Ignore: []string{"area"}})
	if err != nil {
		t.Fatalf("a wide file that ignores its area column: %v", err)
	}
	if want := []iltod.StationResult{result("0101", "C01", nil, votes{"C01-1": 4})}; !reflect.DeepEqual(got, want) {
		t.Errorf("ignored area column:\n got  %v\nwant %v", got, want)
	}
}

func TestParseMapping(t *testing.T) {
	m, err := ParseMapping("m.yaml", []byte("format: wide\nstation: [aimag, soum, station]\ncontest_code: LIST\n"+
		"counts: {Reg: registered}\nignore: [Total]\nchoices: {MPP: L-MPP, Other: '-'}\n"+
		"area: region\nareas: {Ulaanbaatar: UB, All: '-'}\n"))
	if err != nil {
		t.Fatal(err)
	}
	want := Mapping{Format: Wide, Station: Columns{"aimag", "soum", "station"}, ContestCode: "LIST",
		Counts: map[string]iltod.CountKind{"Reg": "registered"}, Ignore: []string{"Total"},
		Choices: map[string]string{"MPP": "L-MPP", "Other": Skip},
		Area:    Columns{"region"}, Areas: map[string]string{"Ulaanbaatar": "UB", "All": Skip}}
	if !reflect.DeepEqual(m, want) {
		t.Errorf("got  %+v\nwant %+v", m, want)
	}
	if m, err := ParseMapping("empty.yaml", nil); err != nil || !reflect.DeepEqual(m, Mapping{}) {
		t.Errorf("an empty mapping file: %+v, %v; want the zero Mapping", m, err)
	}
	for _, tc := range []struct {
		name, text string
		want       []string
	}{
		{"unknown key", "format: long\ncolour: red\n", []string{`m.yaml:2: field colour not found in type official.Mapping`}},
		{"not YAML", "format: [long\n", []string{`m.yaml:1: did not find expected ',' or ']'`}},
		{"bad values", "format: tall\ncounts:\n  Reg: regstered\nstations:\n  A: 'no/slash'\n",
			[]string{`m.yaml:1: format: "tall" is not one of long, wide`,
				`m.yaml:3: counts.Reg: "regstered" is not one of registered, issued, cast, valid, invalid, blank`,
				`m.yaml:5: stations.A: "no/slash" is not a valid station code, nor - to skip it`}},
		{"contest twice", "contest: office\ncontest_code: C01\n",
			[]string{`m.yaml:2: contest_code: give either contest (a column) or contest_code (one contest for every row), not both`}},
		{"wide with votes", "format: wide\nvotes: n\nchoice: c\n",
			[]string{`m.yaml:3: choice: a wide file has a column per choice: map them under choices`,
				`m.yaml:2: votes: a wide file has no votes column: the votes are in the choices' columns`}},
		{"long with ignore", "ignore: [x]\n", []string{`m.yaml:1: ignore: a long file may have any other columns; ignore applies to wide files`}},
		{"column twice", "format: wide\ncounts: {X: valid}\nchoices: {X: C01-1}\n", []string{`m.yaml: column "X" is mapped both as a count and as a choice`}},
		{"bad area", "area: ['']\nareas:\n  UB: 'U B'\n",
			[]string{`m.yaml:1: area: a column name is empty`, `m.yaml:3: areas.UB: "U B" is not a valid area code, nor - to skip it`}},
		{"wide: area as a choice", "format: wide\narea: X\nchoices: {X: C01-1}\n", []string{`m.yaml: column "X" is mapped both as the area and as a choice`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := ParseMapping("m.yaml", []byte(tc.text))
			if err == nil {
				t.Fatal("no error")
			}
			if lines := problemLines(t, err); !reflect.DeepEqual(lines, tc.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(lines, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

// TestCSVRoundTrip writes results and reads them back: the same results.
func TestCSVRoundTrip(t *testing.T) {
	p := fixture()
	rs := storetest.StationResults(p, 7)
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rs); err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(buf.String(), "station,area,contest,choice,votes\n0101,,C01,") {
		t.Errorf("the file begins %q", buf.String()[:60])
	}
	got, err := ReadCSV(bytes.NewReader(buf.Bytes()), "out.csv", p, Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	want := clones(rs)
	iltod.SortResults(want)
	iltod.SortResults(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("the results read back differ")
	}

	bad := []iltod.StationResult{result("0101", "C01", nil, votes{"valid": 1})}
	if err := WriteCSV(&buf, bad); err == nil {
		t.Error("WriteCSV wrote a choice named like a count")
	}

	t.Run("totals", func(t *testing.T) {
		stations := storetest.StationResults(p, 8)
		rs := append(storetest.AreaTotals(p, stations, 8), stations...)
		var buf bytes.Buffer
		if err := WriteCSV(&buf, rs); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), "\n,MN,C01,registered,") {
			t.Errorf("the file holds no total of MN for C01 as expected:\n%s", buf.String())
		}
		got, err := ReadCSV(bytes.NewReader(buf.Bytes()), "out.csv", p, Mapping{})
		if err != nil {
			t.Fatal(err)
		}
		want := clones(rs)
		iltod.SortResults(want)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("the results read back differ")
		}
		var again bytes.Buffer
		if err := WriteCSV(&again, got); err != nil || !bytes.Equal(again.Bytes(), buf.Bytes()) {
			t.Errorf("writing the results read back gives another file (%v)", err)
		}
	})
}

func clones(rs []iltod.StationResult) []iltod.StationResult {
	out := make([]iltod.StationResult, len(rs))
	for i := range rs {
		out[i] = rs[i].Clone()
	}
	return out
}
