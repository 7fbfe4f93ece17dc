package official

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/storetest"
)

func TestSchemaFile(t *testing.T) {
	sum := sha256.Sum256(schemaJSON)
	if len(schemaJSON) != 58116 || hex.EncodeToString(sum[:]) != "55c1c6382bf5ba369ae05d58c3f4bab6b487a2e8c01720ee87209b9a85e5d3db" {
		t.Errorf("the embedded schema is %d bytes with SHA-256 %x; NIST_SCHEMA_SOURCE.md records 58116 bytes, 55c1c638…", len(schemaJSON), sum)
	}
	for name, get := range map[string]func() (any, error){
		"published":     func() (any, error) { return originalSchema() },
		"discriminated": func() (any, error) { return compiledSchema() },
	} {
		if _, err := get(); err != nil {
			t.Errorf("compile the %s schema: %v", name, err)
		}
	}
}

// nistResults are results of the fixture whose NIST report has predictable paths:
// Contest[0] is C01, Contest[1] C02, Contest[2] LIST (a PartyContest), Contest[3] PRES;
// GpUnit[0…9] are the areas, GpUnit[10] the constituency of C02, GpUnit[11] station 0101
// and GpUnit[12] station UB2.1.
func nistResults() []iltod.StationResult {
	return []iltod.StationResult{
		result("0101", "C01", counts{"registered": 1500, "cast": 900, "invalid": 10, "valid": 880}, votes{"C01-1": 400, "C01-2": 300, "C01-3": 180}),
		result("0101", "LIST", counts{"registered": 1500, "cast": 900, "invalid": 10}, votes{"L-MPP": 500, "L-DP": 390}),
		result("UB2.1", "C02", counts{"registered": 33}, votes{"C02-1": 12, "C02-2": 8}),
	}
}

var generated = time.Date(2024, 6, 29, 1, 2, 3, 0, time.UTC)

func writeNIST(t *testing.T, p *iltod.Package, rs []iltod.StationResult) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteNIST(&buf, p, rs, NISTOptions{Issuer: "Observers", Generated: generated, Status: "unofficial-complete"}); err != nil {
		t.Fatalf("WriteNIST: %v", err)
	}
	return buf.Bytes()
}

// decodeDoc decodes a JSON document into maps and slices, keeping numbers as written.
func decodeDoc(t *testing.T, data []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var doc map[string]any
	if err := dec.Decode(&doc); err != nil {
		t.Fatal(err)
	}
	return doc
}

// at returns the value at path within doc: keys of objects and indexes of arrays.
func at(doc any, path ...any) any {
	v := doc
	for _, p := range path {
		switch k := p.(type) {
		case string:
			v = v.(map[string]any)[k]
		case int:
			v = v.([]any)[k]
		}
	}
	return v
}

func obj(doc any, path ...any) map[string]any { return at(doc, path...).(map[string]any) }

func encodeDoc(t *testing.T, doc any) []byte {
	t.Helper()
	b, err := json.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestNISTRoundTrip(t *testing.T) {
	p := fixture()
	t.Run("profile", func(t *testing.T) {
		// Results that fit what NIST carries come back unchanged.
		rs := nistResults()
		data := writeNIST(t, p, rs)
		if err := ValidateNIST("x.json", data); err != nil {
			t.Fatalf("the report does not validate: %v", err)
		}
		got, info, err := ReadNIST(bytes.NewReader(data), "x.json", p, Mapping{})
		if err != nil {
			t.Fatal(err)
		}
		want := []iltod.StationResult{
			result("0101", "C01", counts{"registered": 1500, "cast": 900, "invalid": 10}, votes{"C01-1": 400, "C01-2": 300, "C01-3": 180}),
			result("0101", "LIST", counts{"registered": 1500, "cast": 900, "invalid": 10}, votes{"L-MPP": 500, "L-DP": 390}),
			result("UB2.1", "C02", counts{"registered": 33}, votes{"C02-1": 12, "C02-2": 8}),
		}
		iltod.SortResults(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n got %v\nwant %v", got, want)
		}
		if !reflect.DeepEqual(NISTProfile(rs), want) {
			t.Errorf("NISTProfile = %v", NISTProfile(rs))
		}
		wantInfo := NISTInfo{Issuer: "Observers", IssuerAbbreviation: "iltod", Status: "unofficial-complete", Generated: generated}
		if !reflect.DeepEqual(info, wantInfo) {
			t.Errorf("info %+v, want %+v", info, wantInfo)
		}
	})
	t.Run("any results", func(t *testing.T) {
		// Seeded results of every station, and totals of every area: what comes back is
		// NISTProfile of them.
		rs := storetest.StationResults(p, 11)
		rs = append(rs, storetest.AreaTotals(p, rs, 11)...)
		data := writeNIST(t, p, rs)
		if err := ValidateNIST("x.json", data); err != nil {
			t.Fatalf("the report does not validate: %v", err)
		}
		got, _, err := ReadNIST(bytes.NewReader(data), "x.json", p, Mapping{})
		if err != nil {
			t.Fatal(err)
		}
		iltod.SortResults(got)
		if want := NISTProfile(rs); !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n got %v\nwant %v", got, want)
		}
	})
	t.Run("ids", func(t *testing.T) {
		doc := decodeDoc(t, writeNIST(t, p, nistResults()))
		for _, c := range []struct {
			path []any
			want string
		}{
			{[]any{"GpUnit", 0, "@id"}, "ocd-division/country:mn"},
			{[]any{"GpUnit", 1, "@id"}, "ocd-division/country:mn/iltod-area:UB"},
			{[]any{"GpUnit", 10, "@id"}, "ocd-division/country:mn/iltod-constituency:C02"},
			{[]any{"GpUnit", 11, "@id"}, "ocd-division/country:mn/iltod-station:0101"},
			{[]any{"GpUnit", 11, "Type"}, "polling-place"},
			{[]any{"GpUnit", 11, "VotersRegistered"}, "1500"},
			{[]any{"Election", 0, "ElectionScopeId"}, "ocd-division/country:mn"},
			{[]any{"Election", 0, "Contest", 1, "ElectionDistrictId"}, "ocd-division/country:mn/iltod-constituency:C02"},
			{[]any{"Election", 0, "Contest", 2, "@type"}, "ElectionResults.PartyContest"},
			{[]any{"Election", 0, "Contest", 0, "ContestSelection", 0, "@id"}, "iltod-choice:C01/C01-1"},
			{[]any{"Election", 0, "Contest", 0, "ContestSelection", 0, "VoteCounts", 0, "Count"}, "400"},
			{[]any{"Election", 0, "BallotCounts", 0, "BallotsRejected"}, "10"},
		} {
			if got := at(doc, c.path...); got != c.want && got != json.Number(c.want) {
				t.Errorf("%v = %v, want %s", c.path, got, c.want)
			}
		}
	})
}

// nistTotals are area totals of the fixture. UB's totals agree on the registered voters
// but not on the ballots cast; MN's disagree on the registered voters.
func nistTotals() []iltod.StationResult {
	return []iltod.StationResult{
		total("UB", "C01", counts{"registered": 4000, "cast": 2500, "invalid": 20, "valid": 2480}, votes{"C01-1": 1200, "C01-2": 900, "C01-3": 380}),
		total("UB", "LIST", counts{"registered": 4000, "invalid": 20}, votes{"L-MPP": 1300, "L-DP": 1180}),
		total("MN", "PRES", nil, votes{"P1": 9000, "P2": 8000}),
		total("MN", "C02", counts{"registered": 900}, votes{"C02-1": 40, "C02-2": 30}),
		total("UB2", "LIST", counts{"blank": 3}, nil), // no votes: not carried
	}
}

// TestNISTTotals writes area totals with station results, and reads them back.
func TestNISTTotals(t *testing.T) {
	p := fixture()
	rs := append(nistTotals(), nistResults()...)
	data := writeNIST(t, p, rs)
	if err := ValidateNIST("x.json", data); err != nil {
		t.Fatalf("the report does not validate: %v", err)
	}
	got, info, err := ReadNIST(bytes.NewReader(data), "x.json", p, Mapping{})
	if err != nil {
		t.Fatal(err)
	}
	want := []iltod.StationResult{
		result("0101", "C01", counts{"registered": 1500, "cast": 900, "invalid": 10}, votes{"C01-1": 400, "C01-2": 300, "C01-3": 180}),
		result("0101", "LIST", counts{"registered": 1500, "cast": 900, "invalid": 10}, votes{"L-MPP": 500, "L-DP": 390}),
		result("UB2.1", "C02", counts{"registered": 33}, votes{"C02-1": 12, "C02-2": 8}),
		total("MN", "C02", nil, votes{"C02-1": 40, "C02-2": 30}),
		total("MN", "PRES", nil, votes{"P1": 9000, "P2": 8000}),
		total("UB", "C01", counts{"registered": 4000, "invalid": 20}, votes{"C01-1": 1200, "C01-2": 900, "C01-3": 380}),
		total("UB", "LIST", counts{"registered": 4000, "invalid": 20}, votes{"L-MPP": 1300, "L-DP": 1180}),
	}
	iltod.SortResults(got)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("read back\n got %v\nwant %v", got, want)
	}
	if !reflect.DeepEqual(NISTProfile(rs), want) {
		t.Errorf("NISTProfile = %v", NISTProfile(rs))
	}
	if info.Skipped != 0 {
		t.Errorf("%d vote counts skipped", info.Skipped)
	}
	doc := decodeDoc(t, data)
	for _, c := range []struct {
		path []any
		want string
	}{
		{[]any{"GpUnit", 1, "@id"}, "ocd-division/country:mn/iltod-area:UB"},
		{[]any{"GpUnit", 1, "VotersRegistered"}, "4000"},
		{[]any{"Election", 0, "BallotCounts", 1, "GpUnitId"}, "ocd-division/country:mn/iltod-area:UB"},
		{[]any{"Election", 0, "BallotCounts", 1, "BallotsRejected"}, "20"},
		{[]any{"Election", 0, "Contest", 0, "ContestSelection", 0, "VoteCounts", 1, "GpUnitId"}, "ocd-division/country:mn/iltod-area:UB"},
		{[]any{"Election", 0, "Contest", 0, "ContestSelection", 0, "VoteCounts", 1, "Count"}, "1200"},
	} {
		if got := at(doc, c.path...); got != c.want && got != json.Number(c.want) {
			t.Errorf("%v = %v, want %s", c.path, got, c.want)
		}
	}
	if _, ok := obj(doc, "GpUnit", 0)["VotersRegistered"]; ok {
		t.Error("MN's totals disagree on the registered voters, but its unit gives them")
	}

	t.Run("areas by id", func(t *testing.T) {
		// Without their ExternalIdentifiers, the areas' units are known by the ids
		// AreaGpUnitID gives them.
		doc := decodeDoc(t, data)
		for _, u := range at(doc, "GpUnit").([]any) {
			if strings.Contains(u.(map[string]any)["@id"].(string), "iltod-area:") || u.(map[string]any)["Type"] == "country" {
				delete(u.(map[string]any), "ExternalIdentifier")
			}
		}
		got, _, err := ReadNIST(bytes.NewReader(encodeDoc(t, doc)), "x.json", p, Mapping{})
		if err != nil {
			t.Fatal(err)
		}
		iltod.SortResults(got)
		if !reflect.DeepEqual(got, want) {
			t.Errorf("read back\n got %v\nwant %v", got, want)
		}
	})
	t.Run("areas skipped", func(t *testing.T) {
		// Areas mapped to Skip are aggregates again, whose counts are skipped.
		m := Mapping{Areas: map[string]string{"ocd-division/country:mn": Skip, "ocd-division/country:mn/iltod-area:UB": Skip}}
		got, info, err := ReadNIST(bytes.NewReader(data), "x.json", p, m)
		if err != nil {
			t.Fatal(err)
		}
		iltod.SortResults(got)
		if want := NISTProfile(nistResults()); !reflect.DeepEqual(got, want) || info.Skipped != 9 {
			t.Errorf("read back, %d skipped\n got %v\nwant %v, 9 skipped (the totals' votes)", info.Skipped, got, want)
		}
	})
}

// TestWriteNISTObserverResults writes results of the kind observers' station records
// give, partial and with no ballot figures, of a demonstration election.
func TestWriteNISTObserverResults(t *testing.T) {
	p := fixture()
	p.Election.Demo = true
	rs := []iltod.StationResult{result("9-SEOUL", "PRES", nil, votes{"P1": 3})}
	data := writeNIST(t, p, rs)
	if err := ValidateNIST("obs.json", data); err != nil {
		t.Fatal(err)
	}
	doc := decodeDoc(t, data)
	if doc["IsTest"] != true || doc["TestType"] != "demonstration data" {
		t.Errorf("a demonstration election's report is not marked a test: %v %v", doc["IsTest"], doc["TestType"])
	}
	var buf bytes.Buffer
	if err := WriteNIST(&buf, p, []iltod.StationResult{result("UB2.1", "C01", nil, votes{"C01-1": 1})}, NISTOptions{}); err == nil || buf.Len() > 0 {
		t.Errorf("WriteNIST of a station outside its contest: %v, %d bytes written", err, buf.Len())
	}
	if err := WriteNIST(&buf, p, rs, NISTOptions{Status: "final"}); err == nil {
		t.Error("WriteNIST accepted an unknown status")
	}
}

// TestSchemaRejects checks that the schema refuses documents that break it, with the
// path of the fault.
func TestSchemaRejects(t *testing.T) {
	p := fixture()
	data := writeNIST(t, p, nistResults())
	vc := []any{"Election", 0, "Contest", 0, "ContestSelection", 0, "VoteCounts", 0}
	for _, tc := range []struct {
		name   string
		change func(doc map[string]any)
		want   []string
	}{
		{"a vote count without its count", func(doc map[string]any) { delete(obj(doc, vc...), "Count") },
			[]string{`x.json: Election[0].Contest[0].ContestSelection[0].VoteCounts[0]: missing property 'Count'`}},
		{"a report without its issuer", func(doc map[string]any) { delete(doc, "Issuer") },
			[]string{`x.json: missing property 'Issuer'`}},
		{"a candidate contest without VotesAllowed", func(doc map[string]any) { delete(obj(doc, "Election", 0, "Contest", 0), "VotesAllowed") },
			[]string{`x.json: Election[0].Contest[0]: missing property 'VotesAllowed'`}},
		{"a contest of no class", func(doc map[string]any) { obj(doc, "Election", 0, "Contest", 1)["@type"] = "ElectionResults.Contest" },
			[]string{`x.json: Election[0].Contest[1].@type: value must be one of 'ElectionResults.PartyContest', 'ElectionResults.BallotMeasureContest', 'ElectionResults.CandidateContest', 'ElectionResults.RetentionContest'`}},
		{"a property the class does not have", func(doc map[string]any) { obj(doc, vc...)["Votes"] = 3 },
			[]string{`x.json: Election[0].Contest[0].ContestSelection[0].VoteCounts[0]: additional properties 'Votes' not allowed`}},
		{"a count that is text", func(doc map[string]any) { obj(doc, vc...)["Count"] = "400" },
			[]string{`x.json: Election[0].Contest[0].ContestSelection[0].VoteCounts[0].Count: got string, want number`}},
		{"a date that is not a date", func(doc map[string]any) { obj(doc, "Election", 0)["StartDate"] = "28 June 2024" },
			[]string{`x.json: Election[0].StartDate: '28 June 2024' is not valid date: parsing time "28 June 2024" as "2006-01-02": cannot parse "28 June 2024" as "2006"`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := decodeDoc(t, data)
			tc.change(doc)
			err := ValidateNIST("x.json", encodeDoc(t, doc))
			if err == nil {
				t.Fatal("the schema accepted it")
			}
			if lines := problemLines(t, err); !reflect.DeepEqual(lines, tc.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(lines, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
			if _, _, err := ReadNIST(bytes.NewReader(encodeDoc(t, doc)), "x.json", p, Mapping{}); err == nil {
				t.Error("ReadNIST accepted it")
			}
			// The schema as NIST publishes it refuses it too.
			orig, err := originalSchema()
			if err != nil {
				t.Fatal(err)
			}
			if err := orig.Validate(decodeAny(t, encodeDoc(t, doc))); err == nil {
				t.Error("the published schema accepts it: the discriminated one must not differ")
			}
		})
	}
	if err := ValidateNIST("x.json", []byte(`{"@type": "ElectionResults.ElectionReport",`)); err == nil ||
		!reflect.DeepEqual(problemLines(t, err), []string{"x.json:1: not valid JSON: the document ends early"}) {
		t.Errorf("a truncated document: %v", err)
	}
}

// TestReadNISTProblems checks each kind of bad report that the schema admits, and that
// ReadNIST refuses with the JSON path of the fault.
func TestReadNISTProblems(t *testing.T) {
	p := fixture()
	data := writeNIST(t, p, nistResults())
	vc := []any{"Election", 0, "Contest", 0, "ContestSelection", 0, "VoteCounts"}
	const vc0 = "x.json: Election[0].Contest[0].ContestSelection[0].VoteCounts[0]"
	for _, tc := range []struct {
		name   string
		change func(doc map[string]any)
		want   []string
	}{
		{"unknown contest", func(doc map[string]any) {
			obj(doc, "Election", 0, "Contest", 1, "ExternalIdentifier", 0)["Value"] = "C99"
		}, []string{`x.json: Election[0].Contest[1].@id: unknown contest "C99" (mapped from "iltod-contest:C02")`}},
		{"unknown choice", func(doc map[string]any) {
			obj(doc, "Election", 0, "Contest", 0, "ContestSelection", 1)["@id"] = "iltod-choice:C01/C01-9"
		}, []string{`x.json: Election[0].Contest[0].ContestSelection[1].@id: contest "C01" has no choice "C01-9" (mapped from "iltod-choice:C01/C01-9")`}},
		{"undeclared unit", func(doc map[string]any) { obj(doc, append(vc, 0)...)["GpUnitId"] = "nowhere" },
			[]string{vc0 + `.GpUnitId: GpUnit "nowhere" is not declared in the report's GpUnit`}},
		{"unknown station", func(doc map[string]any) { obj(doc, "GpUnit", 12, "ExternalIdentifier", 0)["Value"] = "XX" },
			[]string{`x.json: GpUnit[12].@id: unknown station "XX": the polling-place is not a station of the election (map it under stations)`}},
		{"station outside the contest", func(doc map[string]any) {
			obj(doc, append(vc, 0)...)["GpUnitId"] = "ocd-division/country:mn/iltod-station:UB2.1"
		}, []string{vc0 + `.GpUnitId: station "UB2.1" does not vote in contest "C01" (it votes in C02, LIST, PRES)`}},
		{"negative", func(doc map[string]any) { obj(doc, append(vc, 0)...)["Count"] = -3 },
			[]string{vc0 + `.Count: -3 is negative`}},
		{"not whole", func(doc map[string]any) { obj(doc, append(vc, 0)...)["Count"] = 1.5 },
			[]string{vc0 + `.Count: 1.5 is not a whole number`}},
		{"too large", func(doc map[string]any) { obj(doc, append(vc, 0)...)["Count"] = json.Number("1e9") },
			[]string{vc0 + `.Count: 1e9 is above the limit of 100000000`}},
		{"not whole, with an exponent", func(doc map[string]any) { obj(doc, append(vc, 0)...)["Count"] = json.Number("15e-1") },
			[]string{vc0 + `.Count: 15e-1 is not a whole number`}},
		{"given twice", func(doc map[string]any) {
			s := obj(doc, "Election", 0, "Contest", 0, "ContestSelection", 0)
			s["VoteCounts"] = append(s["VoteCounts"].([]any), at(doc, append(vc, 0)...))
		}, []string{`x.json: Election[0].Contest[0].ContestSelection[0].VoteCounts[1]: a total for choice C01-1 at station 0101 is given twice (first at Election[0].Contest[0].ContestSelection[0].VoteCounts[0])`}},
		{"a later round", func(doc map[string]any) { obj(doc, append(vc, 0)...)["Round"] = 2 },
			[]string{vc0 + `.Round: iltod reads the first round's counts; round 2 belongs to a separate import`}},
		{"registered voters negative", func(doc map[string]any) { obj(doc, "GpUnit", 11)["VotersRegistered"] = -1 },
			[]string{`x.json: GpUnit[11].VotersRegistered: -1 is negative`}},
		{"two elections", func(doc map[string]any) { doc["Election"] = append(doc["Election"].([]any), at(doc, "Election", 0)) },
			[]string{`x.json: Election: the report holds 2 elections; iltod reads a report of one election`}},
		{"a ballot measure", func(doc map[string]any) {
			at(doc, "Election", 0, "Contest").([]any)[3] = map[string]any{"@type": "ElectionResults.BallotMeasureContest",
				"@id": "bm-1", "Name": "Referendum", "ElectionDistrictId": "ocd-division/country:mn"}
		}, []string{`x.json: Election[0].Contest[3].@type: iltod reads candidate and party contests, not BallotMeasureContest (map its id to - under contests to skip it)`}},
		{"unit declared twice", func(doc map[string]any) { doc["GpUnit"] = append(doc["GpUnit"].([]any), at(doc, "GpUnit", 11)) },
			[]string{`x.json: GpUnit[13].@id: GpUnit "ocd-division/country:mn/iltod-station:0101" is declared twice`}},
		{"area outside the contest", func(doc map[string]any) {
			obj(doc, append(vc, 0)...)["GpUnitId"] = "ocd-division/country:mn/iltod-area:UB2"
		}, []string{vc0 + `.GpUnitId: contest "C01" is not voted in area "UB2": the area is neither within nor above the contest's areas (UB)`}},
		{"area total given twice", func(doc map[string]any) {
			s := obj(doc, "Election", 0, "Contest", 0, "ContestSelection", 0)
			total := map[string]any{"@type": "ElectionResults.VoteCounts", "GpUnitId": "ocd-division/country:mn/iltod-area:UB", "Type": "total", "Count": 5}
			s["VoteCounts"] = append(s["VoteCounts"].([]any), total, total)
		}, []string{`x.json: Election[0].Contest[0].ContestSelection[0].VoteCounts[2]: a total for choice C01-1 for area UB is given twice (first at Election[0].Contest[0].ContestSelection[0].VoteCounts[1])`}},
		{"unknown area", func(doc map[string]any) { obj(doc, "GpUnit", 2, "ExternalIdentifier", 0)["Value"] = "UB-XX" },
			[]string{`x.json: GpUnit[2].@id: unknown area "UB-XX" (mapped from "ocd-division/country:mn/iltod-area:UB-BZD"): the unit is not an area of the election (map it under areas, or to - to skip it)`}},
		{"area's registered voters negative", func(doc map[string]any) { obj(doc, "GpUnit", 1)["VotersRegistered"] = -1 },
			[]string{`x.json: GpUnit[1].VotersRegistered: -1 is negative`}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			doc := decodeDoc(t, data)
			tc.change(doc)
			bad := encodeDoc(t, doc)
			if err := ValidateNIST("x.json", bad); err != nil {
				t.Fatalf("the schema refuses the test document: %v", err)
			}
			got, _, err := ReadNIST(bytes.NewReader(bad), "x.json", p, Mapping{})
			if got != nil {
				t.Errorf("got %d results with the error", len(got))
			}
			if err == nil {
				t.Fatal("no error")
			}
			if lines := problemLines(t, err); !reflect.DeepEqual(lines, tc.want) {
				t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(lines, "\n\t"), strings.Join(tc.want, "\n\t"))
			}
		})
	}
}

// foreignReport is a report as another system writes it: its own ids, a county-level
// aggregate, vote counts by type as well as totals, and a write-in.
const foreignReport = `{
  "@type": "ElectionResults.ElectionReport",
  "Format": "precinct-level",
  "GeneratedDate": "2024-06-29T08:00:00+08:00",
  "Issuer": "General Election Commission",
  "IssuerAbbreviation": "GEC",
  "SequenceStart": 1, "SequenceEnd": 1,
  "Status": "certified",
  "VendorApplicationId": "gec-results 2.1",
  "GpUnit": [
    {"@type": "ElectionResults.ReportingUnit", "@id": "ru-ub", "Type": "county", "ComposingGpUnitIds": ["ru-p1", "ru-p2"]},
    {"@type": "ElectionResults.ReportingUnit", "@id": "ru-p1", "Type": "precinct", "VotersRegistered": 1500},
    {"@type": "ElectionResults.ReportingUnit", "@id": "ru-p2", "Type": "precinct"}
  ],
  "Election": [{
    "@type": "ElectionResults.Election",
    "Name": {"@type": "ElectionResults.InternationalizedText", "Text": [{"@type": "ElectionResults.LanguageString", "Content": "Presidential election", "Language": "en"}]},
    "StartDate": "2024-06-28", "EndDate": "2024-06-28", "Type": "general", "ElectionScopeId": "ru-ub",
    "BallotCounts": [{"@type": "ElectionResults.BallotCounts", "GpUnitId": "ru-p1", "Type": "total", "BallotsCast": 903}],
    "Contest": [{
      "@type": "ElectionResults.CandidateContest", "@id": "c-pres", "Name": "President", "ElectionDistrictId": "ru-ub", "VotesAllowed": 1,
      "ContestSelection": [
        {"@type": "ElectionResults.CandidateSelection", "@id": "s-1", "VoteCounts": [
          {"@type": "ElectionResults.VoteCounts", "GpUnitId": "ru-p1", "Type": "election-day", "Count": 390},
          {"@type": "ElectionResults.VoteCounts", "GpUnitId": "ru-p1", "Type": "total", "Count": 400},
          {"@type": "ElectionResults.VoteCounts", "GpUnitId": "ru-p2", "Type": "total", "Count": 250},
          {"@type": "ElectionResults.VoteCounts", "GpUnitId": "ru-ub", "Type": "total", "Count": 650}]},
        {"@type": "ElectionResults.CandidateSelection", "@id": "s-2", "VoteCounts": [
          {"@type": "ElectionResults.VoteCounts", "GpUnitId": "ru-p1", "Type": "total", "Count": 500}]},
        {"@type": "ElectionResults.CandidateSelection", "@id": "s-w", "IsWriteIn": true, "VoteCounts": [
          {"@type": "ElectionResults.VoteCounts", "GpUnitId": "ru-p1", "Type": "total", "Count": 3}]}
      ]
    }, {
      "@type": "ElectionResults.CandidateContest", "@id": "c-mayor", "Name": "Mayor", "ElectionDistrictId": "ru-ub", "VotesAllowed": 1
    }]
  }]
}`

func TestReadNISTForeign(t *testing.T) {
	p := fixture()
	data := []byte(foreignReport)
	if err := ValidateNIST("gec.json", data); err != nil {
		t.Fatalf("the test report does not validate: %v", err)
	}
	m := Mapping{
		Stations: map[string]string{"ru-p1": "0101", "ru-p2": "UB-R"},
		Contests: map[string]string{"c-pres": "PRES", "c-mayor": Skip},
		Choices:  map[string]string{"s-1": "P1", "s-2": "P2", "s-w": Skip},
	}
	got, info, err := ReadNIST(bytes.NewReader(data), "gec.json", p, m)
	if err != nil {
		t.Fatal(err)
	}
	want := []iltod.StationResult{
		result("0101", "PRES", counts{"registered": 1500, "cast": 903}, votes{"P1": 400, "P2": 500}),
		result("UB-R", "PRES", nil, votes{"P1": 250}),
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %v\nwant %v", got, want)
	}
	// Skipped: the election-day count and the county's aggregate.
	wantInfo := NISTInfo{Issuer: "General Election Commission", IssuerAbbreviation: "GEC", Status: "certified",
		Generated: time.Date(2024, 6, 29, 0, 0, 0, 0, time.UTC), Skipped: 2}
	if !info.Generated.Equal(wantInfo.Generated) {
		t.Errorf("generated %v, want %v", info.Generated, wantInfo.Generated)
	}
	info.Generated = wantInfo.Generated
	if !reflect.DeepEqual(info, wantInfo) {
		t.Errorf("info %+v, want %+v", info, wantInfo)
	}
	// With the county mapped to an area, its aggregate is the area's total.
	m.Areas = map[string]string{"ru-ub": "UB"}
	got, info, err = ReadNIST(bytes.NewReader(data), "gec.json", p, m)
	if err != nil {
		t.Fatal(err)
	}
	want = append(want, total("UB", "PRES", nil, votes{"P1": 650}))
	if !reflect.DeepEqual(got, want) || info.Skipped != 1 {
		t.Errorf("with the county an area: %d skipped\n got  %v\nwant %v, 1 skipped", info.Skipped, got, want)
	}
	m.Areas = map[string]string{"ru-ub": "nope"}
	_, _, err = ReadNIST(bytes.NewReader(data), "gec.json", p, m)
	if err == nil {
		t.Fatal("read with the county mapped to an unknown area")
	}
	if lines, want := problemLines(t, err), []string{`gec.json: GpUnit[0].@id: unknown area "nope" (mapped from "ru-ub"): the unit is not an area of the election (map it under areas, or to - to skip it)`}; !reflect.DeepEqual(lines, want) {
		t.Errorf("got %q, want %q", lines, want)
	}
	// Without the mapping, the precincts are unknown stations.
	_, _, err = ReadNIST(bytes.NewReader(data), "gec.json", p, Mapping{})
	if err == nil {
		t.Fatal("read without a mapping")
	}
	lines := problemLines(t, err)
	want0 := `gec.json: GpUnit[1].@id: unknown station "ru-p1": the precinct is not a station of the election (map it under stations)`
	if len(lines) == 0 || lines[0] != want0 {
		t.Errorf("got %q…, want %q first", lines, want0)
	}
}

// TestSchemaEquivalence checks that the discriminated schema decides as the published
// one does, on valid reports and on reports broken in many ways.
func TestSchemaEquivalence(t *testing.T) {
	orig, err := originalSchema()
	if err != nil {
		t.Fatal(err)
	}
	disc, err := compiledSchema()
	if err != nil {
		t.Fatal(err)
	}
	p := fixture()
	docs := [][]byte{writeNIST(t, p, nistResults()), writeNIST(t, p, storetest.StationResults(p, 2)), []byte(foreignReport),
		writeNIST(t, p, append(nistTotals(), nistResults()...))}
	// Every way of breaking a report at the first object of each class: drop a
	// property, set @type to another class, add a property, change a value's type.
	var variants []any
	for _, data := range docs {
		variants = append(variants, decodeAny(t, data))
		var walk func(v any)
		root := decodeAny(t, data)
		seen := map[any]bool{}
		walk = func(v any) {
			switch x := v.(type) {
			case map[string]any:
				if seen[x["@type"]] {
					for _, e := range x {
						walk(e)
					}
					return
				}
				seen[x["@type"]] = true
				for k, old := range x {
					delete(x, k)
					variants = append(variants, clone(root))
					x[k] = "x"
					variants = append(variants, clone(root))
					x[k] = old
				}
				if t, ok := x["@type"]; ok {
					for _, other := range []string{"ElectionResults.CandidateContest", "ElectionResults.PartySelection", "ElectionResults.Nothing"} {
						x["@type"] = other
						variants = append(variants, clone(root))
					}
					x["@type"] = t
				}
				x["Extra"] = 1
				variants = append(variants, clone(root))
				delete(x, "Extra")
				for _, e := range x {
					walk(e)
				}
			case []any:
				for _, e := range x {
					walk(e)
				}
			}
		}
		if len(data) < 20_000 {
			walk(root)
		}
	}
	accepted, refused := 0, 0
	for i, v := range variants {
		eo, ed := orig.Validate(v), disc.Validate(v)
		switch {
		case (eo == nil) != (ed == nil):
			t.Errorf("variant %d: the published schema says %v, the discriminated one %v", i, eo, ed)
		case eo == nil:
			accepted++
		default:
			refused++
		}
	}
	t.Logf("%d documents judged alike: %d accepted, %d refused", accepted+refused, accepted, refused)
	if accepted < 10 || refused < 100 {
		t.Errorf("too few variants of either kind to compare the schemas")
	}
}

func decodeAny(t *testing.T, data []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func clone(v any) any {
	switch x := v.(type) {
	case map[string]any:
		m := make(map[string]any, len(x))
		for k, e := range x {
			m[k] = clone(e)
		}
		return m
	case []any:
		s := make([]any, len(x))
		for i, e := range x {
			s[i] = clone(e)
		}
		return s
	}
	return v
}
