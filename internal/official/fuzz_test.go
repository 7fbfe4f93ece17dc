package official

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// checkResults fails t unless results read without error pass the domain's check and
// survive a CSV round trip.
func checkResults(t *testing.T, p *iltod.Package, rs []iltod.StationResult) {
	if len(rs) == 0 {
		t.Fatal("no error and no results")
	}
	if err := iltod.CheckResults(p, rs); err != nil {
		t.Fatalf("results read without error fail CheckResults: %v", err)
	}
	var buf bytes.Buffer
	if err := WriteCSV(&buf, rs); err != nil {
		// A choice named like a count can be read from a wide file but not written long.
		for _, r := range rs {
			for c := range r.Votes {
				if iltod.IsResultCount(iltod.CountKind(c)) {
					return
				}
			}
		}
		t.Fatalf("WriteCSV: %v", err)
	}
	again, err := ReadCSV(&buf, "again.csv", p, Mapping{})
	if err != nil {
		t.Fatalf("the results written do not read back: %v\n%s", err, buf.String())
	}
	want := clones(rs)
	iltod.SortResults(want)
	iltod.SortResults(again)
	if !reflect.DeepEqual(again, want) {
		t.Fatalf("the round trip differs:\n got %v\nwant %v", again, want)
	}
}

// checkError fails t unless err is an *Error whose every problem names the file.
func checkError(t *testing.T, err error, rs []iltod.StationResult, file string) {
	if rs != nil {
		t.Fatalf("results with an error: %v", err)
	}
	e, ok := err.(*Error)
	if !ok {
		if _, isMapping := err.(interface{ Unwrap() error }); !isMapping {
			t.Fatalf("the error is a %T: %v", err, err)
		}
		return
	}
	if len(e.Problems) == 0 {
		t.Fatal("an *Error without problems")
	}
	for _, p := range e.Problems {
		if p.File != file || p.Message == "" {
			t.Fatalf("problem %+v does not name %s or says nothing", p, file)
		}
	}
}

func FuzzReadCSV(f *testing.F) {
	for _, tc := range badCSV {
		if tc.m.Validate() == nil {
			f.Add(tc.text, string(tc.m.Format))
		}
	}
	f.Add(longHeader+"0101,C01,registered,1500\n0101,C01,C01-1,3\nUB2.1,C02,C02-2,0\n", "long")
	f.Add("station,contest,valid,C01-1,C02-1\n0101,C01,5,4,\nUB2.1,C02,,,3\n", "wide")
	f.Add("station,contest,choice,votes\n\"01\"\"01\",C01,\"C01-1\",\"7\"\n", "long")
	f.Add(areaHeader+"0101,,C01,C01-1,4\n,UB,C01,registered,4000\n,UB,C01,C01-1,1200\n,MN,PRES,P1,9\n", "long")
	f.Add("station,area,contest,valid,C01-1,P1\n0101,,C01,5,4,\n,UB,C01,9,8,\n,MN,PRES,,,3\n", "wide")
	f.Add("area,contest,choice,votes\nUB2,LIST,L-DP,1\nMN,C02,C02-1,2\n", "long")
	p := fixture()
	f.Fuzz(func(t *testing.T, text, format string) {
		m := Mapping{Format: Format(format)}
		if m.Validate() != nil {
			return
		}
		rs, err := ReadCSV(strings.NewReader(text), "f.csv", p, m)
		if err != nil {
			checkError(t, err, rs, "f.csv")
			return
		}
		checkResults(t, p, rs)
	})
}

func FuzzParseMapping(f *testing.F) {
	f.Add("format: wide\nstation: [a, b]\ncontest_code: LIST\ncounts: {R: registered}\nchoices: {M: L-MPP, O: '-'}\nignore: [T]\n")
	f.Add("station: precinct\ncontest: [office, district]\ncontests: {'x|1': C01}\nstations: {TOTAL: '-'}\n")
	f.Add(`{"format": "long", "votes": "n", "choice": ["candidate"]}`)
	f.Add("area: [a, b]\nareas: {'x|y': UB, 'T|': '-'}\nstation: station\n")
	f.Add("format: [long\n")
	p := fixture()
	f.Fuzz(func(t *testing.T, text string) {
		m, err := ParseMapping("m.yaml", []byte(text))
		if err != nil {
			checkError(t, err, nil, "m.yaml")
			return
		}
		if err := m.Validate(); err != nil {
			t.Fatalf("a parsed mapping does not validate: %v", err)
		}
		// Any valid mapping reads a file without panicking.
		rs, err := ReadCSV(strings.NewReader("station,contest,choice,votes,a,b\n0101,C01,C01-1,4,x,y\n"), "f.csv", p, m)
		if err == nil {
			checkResults(t, p, rs)
		}
	})
}

func FuzzReadNIST(f *testing.F) {
	p := fixture()
	var buf bytes.Buffer
	if err := WriteNIST(&buf, p, nistResults(), NISTOptions{Generated: generated}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	buf.Reset()
	if err := WriteNIST(&buf, p, append(nistTotals(), nistResults()...), NISTOptions{Generated: generated}); err != nil {
		f.Fatal(err)
	}
	f.Add(buf.Bytes())
	f.Add([]byte(foreignReport))
	f.Add([]byte(`{"@type":"ElectionResults.ElectionReport"}`))
	f.Add([]byte(`[1, 2`))
	f.Fuzz(func(t *testing.T, data []byte) {
		rs, _, err := ReadNIST(bytes.NewReader(data), "f.json", p, Mapping{})
		if err != nil {
			checkError(t, err, rs, "f.json")
			return
		}
		if err := ValidateNIST("f.json", data); err != nil {
			t.Fatalf("ReadNIST accepted a document the schema refuses: %v", err)
		}
		checkResults(t, p, rs)
	})
}
