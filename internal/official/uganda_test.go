package official

import (
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// ugandaPath is Uganda's 2016 presidential results by polling station (REFERENCE §8), in
// the shared/ directory beside the repository: a real wide file, with 40 station names
// that span two lines.
const ugandaPath = "../../../shared/data/uganda-2016/results-by-polling-station.csv.gz"

// ugandaMapping reads it: the candidates' columns are named by codes that the election
// below uses as its choices' codes, so only the rest needs mapping.
const ugandaMapping = `
format: wide
station: Original_Station_ID_2016
contest_code: PRES
counts: {Reg.Voters: registered, T.Votes: cast, V.Votes: valid, Inv.Votes: invalid}
ignore: [Dist_no_2016, Dist_name_2016, Const_no_2016, Const_name_2016, Sbty_no_2016, Sbty_name_2016,
  Par_no_2016, Par_name_2016, Stn_no_2016, Station_string_2016, NON_REP]
`

// ugandaElection builds an election of the file's districts and stations, with the
// presidential contest and its candidates.
func ugandaElection(t *testing.T, data []byte) *iltod.Package {
	t.Helper()
	r := csv.NewReader(bytes.NewReader(data))
	header, err := r.Read()
	if err != nil {
		t.Fatal(err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[h] = i
	}
	p := &iltod.Package{
		Election: iltod.Election{ID: "ug-2016", Name: iltod.Text{"en": "Uganda 2016"}, Date: "2016-02-18", Country: "UG", Languages: []string{"en"}},
		Areas:    []iltod.Area{{Code: "UG", Level: iltod.LevelCountry, Name: iltod.Text{"en": "Uganda"}}},
	}
	pres := iltod.Contest{Code: "PRES", Name: iltod.Text{"en": "President"}, Areas: []string{"UG"}, Seats: 1,
		System: iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: iltod.BaseValid}}
	for i := col["Reg.Voters"] + 1; i < col["T.Votes"]; i++ {
		pres.Choices = append(pres.Choices, iltod.Choice{Code: header[i], Kind: iltod.Candidate, Name: iltod.Text{"en": header[i]}})
	}
	p.Contests = []iltod.Contest{pres}
	districts := map[string]bool{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		d := "UG-" + rec[col["Dist_no_2016"]]
		if !districts[d] {
			districts[d] = true
			p.Areas = append(p.Areas, iltod.Area{Code: d, Parent: "UG", Level: iltod.LevelRegion, Name: iltod.Text{"en": rec[col["Dist_name_2016"]]}})
		}
		reg, _ := strconv.Atoi(rec[col["Reg.Voters"]])
		p.Stations = append(p.Stations, iltod.Station{Code: rec[col["Original_Station_ID_2016"]], Area: d, Registered: reg,
			Name: iltod.Text{"en": strings.Join(strings.Fields(rec[col["Station_string_2016"]]), " ")}})
	}
	if err := p.Validate(); err != nil {
		t.Fatalf("the election built from the file is invalid: %v", err)
	}
	return p
}

func readUganda(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open(ugandaPath)
	if os.IsNotExist(err) {
		if os.Getenv("CI") != "" {
			t.Fatalf("Uganda 2016 data missing in CI: %v", err)
		}
		t.Skipf("Uganda 2016 data not found (%v): put shared/ beside the repository to run this test", err)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	data, err := io.ReadAll(gz)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// TestReadUganda reads the real file and checks its totals against those recomputed in
// REFERENCE §8: 28,010 stations, 15,277,198 registered voters, and Y.K. Museveni's
// 5,971,872 votes of 9,851,812 valid.
func TestReadUganda(t *testing.T) {
	data := readUganda(t)
	p := ugandaElection(t, data)
	m, err := ParseMapping("uganda.yaml", []byte(ugandaMapping))
	if err != nil {
		t.Fatal(err)
	}
	rs, err := ReadCSV(bytes.NewReader(data), "uganda.csv", p, m)
	if err != nil {
		t.Fatal(err)
	}
	var registered, valid, museveni int
	for _, r := range rs {
		registered += r.Counts[iltod.CountRegistered]
		valid += r.Counts[iltod.CountValid]
		museveni += r.Votes["Y.K.Museveni"]
	}
	if got := fmt.Sprint(len(rs), registered, museveni, valid); got != "28010 15277198 5971872 9851812" {
		t.Errorf("stations, registered, Museveni, valid = %s; REFERENCE §8 says 28010 15277198 5971872 9851812", got)
	}

	// A fault in the last row, after the names that span two lines, is reported at its
	// own line of the file.
	lines := bytes.Count(data, []byte("\n"))
	last := bytes.LastIndexByte(data[:len(data)-1], '\n') + 1
	row := strings.Split(string(data[last:len(data)-1]), ",")
	row[18] = "x" // Y.K.Museveni
	bad := append(bytes.Clone(data[:last]), strings.Join(row, ",")+"\n"...)
	_, err = ReadCSV(bytes.NewReader(bad), "uganda.csv", p, m)
	want := fmt.Sprintf(`uganda.csv:%d: Y.K.Museveni: "x" is not a whole number`, lines)
	if err == nil || len(problemLines(t, err)) != 1 || problemLines(t, err)[0] != want {
		t.Errorf("got %v, want %s", err, want)
	}
}
