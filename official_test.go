package iltod_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
)

// codeRe is the definition of a code that ValidCode writes out as a loop.
var codeRe = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9.-]{0,63}$`)

func TestValidCode(t *testing.T) {
	for _, s := range []string{"", "a", "A-1.2", ".a", "-a", "a/b", "a b", "é", strings.Repeat("x", 64), strings.Repeat("x", 65), "0104", "a.", "a\n"} {
		if got, want := iltod.ValidCode(s), codeRe.MatchString(s); got != want {
			t.Errorf("ValidCode(%q) = %v, want %v", s, got, want)
		}
	}
}

func FuzzValidCode(f *testing.F) {
	f.Add("UB-BZD-12.02")
	f.Add("-x")
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := iltod.ValidCode(s), codeRe.MatchString(s); got != want {
			t.Errorf("ValidCode(%q) = %v, want %v", s, got, want)
		}
	})
}

// election is a small election: stations S1 and S2 in district D1 of region R1, S3 in
// region R2; contest C1 in R1 (choices A, B), contest L in the whole country (P, Q).
func election() *iltod.Package {
	return &iltod.Package{
		Areas: []iltod.Area{
			{Code: "ZZ", Level: iltod.LevelCountry}, {Code: "R1", Parent: "ZZ", Level: iltod.LevelRegion},
			{Code: "D1", Parent: "R1", Level: iltod.LevelDistrict}, {Code: "R2", Parent: "ZZ", Level: iltod.LevelRegion},
		},
		Stations: []iltod.Station{{Code: "S1", Area: "D1"}, {Code: "S2", Area: "D1"}, {Code: "S3", Area: "R2"}},
		Contests: []iltod.Contest{
			{Code: "C1", Areas: []string{"R1"}, Choices: []iltod.Choice{{Code: "A"}, {Code: "B"}}},
			{Code: "L", Areas: []string{"ZZ"}, Choices: []iltod.Choice{{Code: "P"}, {Code: "Q"}}},
		},
	}
}

func res(station, contest string, counts map[iltod.CountKind]int, votes map[string]int) iltod.StationResult {
	return iltod.StationResult{Station: station, Contest: contest, Counts: counts, Votes: votes}
}

func TestCheckResults(t *testing.T) {
	p := election()
	good := []iltod.StationResult{
		res("S1", "C1", map[iltod.CountKind]int{iltod.CountValid: 10}, map[string]int{"A": 6, "B": 4}),
		res("S3", "L", nil, map[string]int{"Q": 0}),
		res("S2", "L", map[iltod.CountKind]int{iltod.CountRegistered: 900}, nil),
	}
	if err := iltod.CheckResults(p, good); err != nil {
		t.Fatalf("good results: %v", err)
	}
	bad := append(good,
		res("S9", "C1", nil, map[string]int{"A": 1}),
		res("S3", "C1", nil, map[string]int{"A": 1}),
		res("S1", "L", nil, map[string]int{"P": 1, "A": 2, "B": 3}),
		res("S1", "C1", nil, map[string]int{"A": 1}),
		res("S2", "C1", map[iltod.CountKind]int{"spoilt": 1, iltod.CountCast: -1}, map[string]int{"A": iltod.MaxResultCount + 1, "x/y": 1}),
		res("S2", "C9", nil, nil),
	)
	err := iltod.CheckResults(p, bad)
	var ps iltod.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v, want Problems", err)
	}
	var got []string
	for _, pr := range ps {
		got = append(got, pr.Record+" "+pr.String())
	}
	want := []string{
		`result result 4: station: unknown station "S9"`,
		`result result 5: contest: station "S3" does not vote in contest "C1" (it votes in L)`,
		`result result 6: votes.A: contest "L" has no choice "A"`,
		`result result 6: votes.B: contest "L" has no choice "B"`,
		`result result 7: station "S1" and contest "C1" are given twice (first in result 1)`,
		`result result 8: counts.cast: -1 is negative`,
		`result result 8: counts.spoilt: "spoilt" is not one of registered, issued, cast, valid, invalid, blank`,
		`result result 8: votes.A: 100000001 is above the limit of 100000000`,
		`result result 8: votes: "x/y" is not a valid choice code`,
		`result result 9: the result gives no figure: neither counts nor votes`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
	e := ps.AsError("error.store.what_official_results")
	if e.Code != iltod.EInvalid || !strings.HasPrefix(e.Message, "the official results: 10 problems:\nresult 4: station: unknown station") {
		t.Errorf("AsError = %v %q", e.Code, e.Message)
	}
	if mn := iltod.ErrorMessageIn(e, "mn"); !strings.HasPrefix(mn, "албан ёсны дүн: ") || strings.Contains(mn, "the official results") {
		t.Errorf("AsError in Mongolian = %q", mn)
	}
	if !errors.As(error(e), &ps) || len(ps) != 10 {
		t.Error("AsError's error does not hold the Problems")
	}
}

func TestOfficialReleaseValidate(t *testing.T) {
	ok := iltod.OfficialRelease{Election: "mn-2024", Source: "GEC table 4", Published: time.Now(), Note: "corrected\n\tstation 12"}
	if err := ok.Validate(); err != nil {
		t.Errorf("a good release: %v", err)
	}
	bad := iltod.OfficialRelease{Election: "MN 2024", Source: "a\x00b", Version: -1, Note: strings.Repeat("n", iltod.MaxNoteLen+1)}
	err := bad.Validate()
	want := "5 problems:\nelection: \"MN 2024\" is not a valid election id\nversion: must not be negative\n" +
		"source: contains the control character U+0000\npublished: is required: when the authority published the figures\n" +
		"note: is 4001 characters long; at most 4000 are allowed"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
}

// TestMarshalOfficial checks the document that OfficialDigest hashes against canonjson,
// and that it does not depend on the order of the results.
func TestMarshalOfficial(t *testing.T) {
	r := iltod.OfficialRelease{Election: "mn-2024", Version: 3, Source: "Комисс <GEC> \"table\"",
		Published: time.Date(2024, 6, 29, 10, 0, 0, 500, time.FixedZone("ULAT", 8*3600)),
		Imported:  time.Date(2024, 6, 30, 1, 2, 3, 0, time.UTC), Note: "e\u0301\nline", Results: 3, Seq: 99, Hash: [32]byte{1}}
	results := []iltod.StationResult{
		res("S2", "L", map[iltod.CountKind]int{iltod.CountValid: 5, iltod.CountBlank: 0, iltod.CountCast: 7}, map[string]int{"Q": 1, "P": 4}),
		res("S1", "L", nil, map[string]int{"P": 3}),
		res("S1", "C1", map[iltod.CountKind]int{iltod.CountRegistered: 900}, nil),
	}
	got, err := iltod.MarshalOfficial(r, results)
	if err != nil {
		t.Fatal(err)
	}
	// The same document built the slow way: encoding/json, then canonjson.
	type doc struct {
		Election  string                `json:"election"`
		Imported  string                `json:"imported"`
		Note      string                `json:"note"`
		Published string                `json:"published"`
		Results   []iltod.StationResult `json:"results"`
		Source    string                `json:"source"`
		Version   int                   `json:"version"`
	}
	sorted := []iltod.StationResult{results[2], results[1], results[0]}
	sorted[0].Votes = map[string]int{}
	sorted[1].Counts = map[iltod.CountKind]int{}
	raw, err := json.Marshal(doc{r.Election, "2024-06-30T01:02:03Z", r.Note, "2024-06-29T02:00:00.0000005Z", sorted, r.Source, 3})
	if err != nil {
		t.Fatal(err)
	}
	want, err := canonjson.Canonicalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalOfficial\n got %s\nwant %s", got, want)
	}
	if !canonjson.IsCanonical(got) {
		t.Error("the document is not canonical")
	}
	digest, err := iltod.OfficialDigest(r, []iltod.StationResult{results[1], results[2], results[0]})
	if err != nil || digest != sha256.Sum256(want) {
		t.Errorf("OfficialDigest = %x, %v; want the SHA-256 of the document, whatever the order of the results", digest, err)
	}
	r2 := r
	r2.Version = 4
	if d2, _ := iltod.OfficialDigest(r2, results); d2 == digest {
		t.Error("the digest does not cover the version")
	}
	if _, err := iltod.MarshalOfficial(r, []iltod.StationResult{res("S1", "L", nil, nil)}); err == nil {
		t.Error("MarshalOfficial of an invalid result succeeded")
	}
}

// TestAppendResultJSONInvalid checks that even a result that fails Validate is written
// as valid JSON.
func TestAppendResultJSONInvalid(t *testing.T) {
	for _, s := range []string{"a\xffb", "é/ü", "\x00", `"`} {
		b := iltod.AppendResultJSON(nil, &iltod.StationResult{Station: s, Contest: "C", Votes: map[string]int{s: 1}})
		if !json.Valid(b) {
			t.Errorf("%q gives %s", s, b)
		}
		b = iltod.AppendResultJSON(nil, &iltod.StationResult{Station: s, Area: s, Contest: "C", Votes: map[string]int{s: 1}})
		if !json.Valid(b) {
			t.Errorf("%q as station and area gives %s", s, b)
		}
	}
}

func total(area, contest string, counts map[iltod.CountKind]int, votes map[string]int) iltod.StationResult {
	return iltod.StationResult{Area: area, Contest: contest, Counts: counts, Votes: votes}
}

// TestCheckResultsTotals checks area totals: the area must exist and the contest be voted
// in it (the area at, below or above one of the contest's areas), and an area and contest
// may be given once.
func TestCheckResultsTotals(t *testing.T) {
	p := election()
	good := []iltod.StationResult{
		res("S1", "C1", nil, map[string]int{"A": 6}),
		total("R1", "C1", map[iltod.CountKind]int{iltod.CountValid: 10}, map[string]int{"A": 6, "B": 4}),
		total("D1", "C1", nil, map[string]int{"A": 6}), // below the contest's area
		total("ZZ", "C1", nil, map[string]int{"B": 4}), // above it: the country's total of a regional contest
		total("R2", "L", nil, map[string]int{"P": 1}),  // a region's total of a national contest
		total("ZZ", "L", map[iltod.CountKind]int{iltod.CountRegistered: 2000}, nil),
	}
	if err := iltod.CheckResults(p, good); err != nil {
		t.Fatalf("good results: %v", err)
	}
	bad := append(slices.Clone(good),
		total("R2", "C1", nil, map[string]int{"A": 1}),
		total("R9", "L", nil, map[string]int{"P": 1}),
		total("R1", "C1", nil, map[string]int{"A": 1}),
		total("D1", "L", nil, map[string]int{"A": 1}),
		iltod.StationResult{Station: "S2", Area: "D1", Contest: "C1", Votes: map[string]int{"A": 1}},
		iltod.StationResult{Contest: "C1", Votes: map[string]int{"A": 1}},
		total("x/y", "C1", nil, map[string]int{"A": 1}),
		total("S1", "C1", nil, map[string]int{"A": 1}), // a station's code is not an area's
	)
	err := iltod.CheckResults(p, bad)
	var ps iltod.Problems
	if !errors.As(err, &ps) {
		t.Fatalf("got %v, want Problems", err)
	}
	var got []string
	for _, pr := range ps {
		got = append(got, pr.String())
	}
	want := []string{
		`result 7: contest: contest "C1" is not voted in area "R2": the area is neither within nor above the contest's areas (R1)`,
		`result 8: area: unknown area "R9"`,
		`result 9: area "R1" and contest "C1" are given twice (first in result 2)`,
		`result 10: votes.A: contest "L" has no choice "A"`,
		`result 11: area: a result is a station's or an area's total, not both: give either station or area`,
		`result 12: station: is required: give a station, or an area for the area's collated total`,
		`result 13: area: "x/y" is not a valid code (1-64 letters, digits, '.' or '-', starting with a letter or digit)`,
		`result 14: area: unknown area "S1"`,
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got\n\t%s\nwant\n\t%s", strings.Join(got, "\n\t"), strings.Join(want, "\n\t"))
	}
}

// TestSortResults checks the canonical order: station results by station and contest,
// then area totals by area and contest, codes compared byte by byte.
func TestSortResults(t *testing.T) {
	v := map[string]int{"A": 1}
	rs := []iltod.StationResult{
		total("ZZ", "C1", nil, v), res("b", "C1", nil, v), total("R1", "L", nil, v), res("S1", "L", nil, v),
		total("R1", "C1", nil, v), res("S1", "C1", nil, v), total("D1", "C1", nil, v),
	}
	iltod.SortResults(rs)
	var got []string
	for _, r := range rs {
		got = append(got, r.Station+"/"+r.Area+"/"+r.Contest)
	}
	want := []string{"S1//C1", "S1//L", "b//C1", "/D1/C1", "/R1/C1", "/R1/L", "/ZZ/C1"}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got %v, want %v", got, want)
	}
}

// TestMarshalOfficialTotals checks the document of a release with area totals against
// canonjson: the totals come after the station results, with "area" and no "station".
func TestMarshalOfficialTotals(t *testing.T) {
	r := iltod.OfficialRelease{Election: "mn-2024", Version: 2, Source: "GEC, table 5",
		Published: time.Date(2024, 6, 29, 10, 0, 0, 0, time.UTC), Imported: time.Date(2024, 6, 30, 1, 2, 3, 0, time.UTC)}
	results := []iltod.StationResult{
		total("ZZ", "L", map[iltod.CountKind]int{iltod.CountCast: 7000}, map[string]int{"P": 4000, "Q": 2900}),
		res("S1", "L", nil, map[string]int{"P": 3}),
		total("R1", "C1", nil, map[string]int{"A": 12}),
	}
	got, err := iltod.MarshalOfficial(r, results)
	if err != nil {
		t.Fatal(err)
	}
	sorted := []iltod.StationResult{results[1], results[2], results[0]}
	sorted[0].Counts = map[iltod.CountKind]int{}
	sorted[1].Counts = map[iltod.CountKind]int{}
	raw, err := json.Marshal(map[string]any{"election": r.Election, "imported": "2024-06-30T01:02:03Z", "note": "",
		"published": "2024-06-29T10:00:00Z", "results": sorted, "source": r.Source, "version": 2})
	if err != nil {
		t.Fatal(err)
	}
	want, err := canonjson.Canonicalize(raw)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("MarshalOfficial\n got %s\nwant %s", got, want)
	}
	if !bytes.Contains(got, []byte(`{"area":"R1","contest":"C1","counts":{},"votes":{"A":12}}`)) {
		t.Errorf("the document does not hold the total as expected: %s", got)
	}
	// The digest covers the totals.
	d1, _ := iltod.OfficialDigest(r, results)
	changed := slices.Clone(results)
	changed[2] = total("R1", "C1", nil, map[string]int{"A": 13})
	if d2, _ := iltod.OfficialDigest(r, changed); d1 == d2 {
		t.Error("the digest does not cover the area totals")
	}
	// A total read back from its JSON is the same total.
	var back iltod.StationResult
	if err := json.Unmarshal(iltod.AppendResultJSON(nil, &results[2]), &back); err != nil || !reflect.DeepEqual(back, sorted[1]) {
		t.Errorf("a total read back from its JSON: %+v, %v", back, err)
	}
}

// TestOfficialDigestVector checks the digest of a release of station results only
// against the value that the code computed before releases could hold area totals:
// adding them must not change any digest already in a log.
func TestOfficialDigestVector(t *testing.T) {
	r := iltod.OfficialRelease{Election: "mn-2024", Version: 1, Source: "GEC, table 4",
		Published: time.Date(2024, 6, 29, 10, 0, 0, 0, time.UTC), Imported: time.Date(2024, 6, 30, 1, 2, 3, 0, time.UTC)}
	rs := []iltod.StationResult{
		res("S2", "L", nil, map[string]int{"P": 3}),
		res("S1", "C1", map[iltod.CountKind]int{iltod.CountRegistered: 900, iltod.CountCast: 610}, map[string]int{"A": 400, "B": 200}),
	}
	const doc = `{"election":"mn-2024","imported":"2024-06-30T01:02:03Z","note":"","published":"2024-06-29T10:00:00Z",` +
		`"results":[{"contest":"C1","counts":{"cast":610,"registered":900},"station":"S1","votes":{"A":400,"B":200}},` +
		`{"contest":"L","counts":{},"station":"S2","votes":{"P":3}}],"source":"GEC, table 4","version":1}`
	got, err := iltod.MarshalOfficial(r, rs)
	if err != nil || string(got) != doc {
		t.Errorf("MarshalOfficial = %s, %v\nwant %s", got, err, doc)
	}
	d, err := iltod.OfficialDigest(r, rs)
	if want := "5ff23e86661a4c9e7c85ef63cdbb3edb7f7d92979a4d3f48efc74bcb0076d22f"; err != nil || hex.EncodeToString(d[:]) != want {
		t.Errorf("OfficialDigest = %x, %v; want %s", d, err, want)
	}
}
