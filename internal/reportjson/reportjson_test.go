package reportjson

import (
	"encoding/json"
	"reflect"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/storetest"
)

// checkReportJSON fails t unless appendReport and appendChecks write JSON from which
// json.Unmarshal reads what it reads from json.Marshal's.
func checkReportJSON(t *testing.T, sub iltod.Submission) {
	t.Helper()
	got, err := AppendReport(nil, &sub.Report)
	if err != nil {
		t.Fatalf("appendReport: %v", err)
	}
	want, err := json.Marshal(&sub.Report)
	if err != nil {
		t.Fatal(err)
	}
	var a, b iltod.Report
	if err := json.Unmarshal(got, &a); err != nil {
		t.Fatalf("the JSON of appendReport does not decode: %v\n%s", err, got)
	}
	if err := json.Unmarshal(want, &b); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(a, b) {
		t.Errorf("appendReport and json.Marshal differ:\n%s\n%s", got, want)
	}
	gotChecks, wantChecks := AppendChecks(nil, sub.Checks), must(json.Marshal(sub.Checks))
	var c, d []iltod.CheckResult
	if err := json.Unmarshal(gotChecks, &c); err != nil {
		t.Fatalf("the JSON of appendChecks does not decode: %v\n%s", err, gotChecks)
	}
	if err := json.Unmarshal(wantChecks, &d); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(c, d) {
		t.Errorf("appendChecks and json.Marshal differ:\n%s\n%s", gotChecks, wantChecks)
	}
}

func must[T any](v T, err error) T {
	if err != nil {
		panic(err)
	}
	return v
}

func TestReportJSON(t *testing.T) {
	for _, sub := range storetest.Submissions(storetest.Fixture("mn"), 20, 1) {
		checkReportJSON(t, sub)
	}
	odd := []string{"", " ", `"`, `\`, "<>&", "\x00\x01\x1f\x7f", "\u2028\u2029", "Сүхбаатар 😀", "\xff\xfe invalid", "tab\there\nnewline"}
	for _, s := range odd {
		checkReportJSON(t, iltod.Submission{
			Report: iltod.Report{ID: s, Election: s, Station: s, Form: s, FormVersion: -3, DeviceTime: s,
				Answers: map[string]iltod.Value{s: iltod.StrValue(s), "L": iltod.ListValue([]string{s, s}), "N": iltod.ListValue(nil),
					"I": iltod.IntValue(-iltod.MaxSafeInt), "B": iltod.BoolValue(false), "X": {}}},
			Checks: []iltod.CheckResult{{Code: s, Outcome: iltod.CheckOutcome(s), Contest: s, Detail: s}, {}},
		})
	}
	checkReportJSON(t, iltod.Submission{Checks: []iltod.CheckResult{}})
	// A check's message of the catalogue, nested, with a plural count and a rule's own words.
	m := iltod.MsgN("qa.check.and_more", 3, map[string]iltod.Message{
		"List": iltod.Join("; ", iltod.Lit("CB 1021"), iltod.Lit("<\"é\">")),
		"Rule": {Texts: iltod.Text{"en": "Too many", "mn": "Хэт олон"}},
	})
	checkReportJSON(t, iltod.Submission{Checks: []iltod.CheckResult{{Code: "c", Outcome: iltod.CheckFail, Detail: m.English(), Msg: &m}}})
	if _, err := AppendReport(nil, &iltod.Report{Answers: map[string]iltod.Value{"K": {Kind: 99}}}); err == nil {
		t.Error("appendReport encoded a value of an unknown kind")
	}
}

func FuzzReportJSON(f *testing.F) {
	f.Add("id", "text", "tag", int64(5), "detail")
	f.Add("", "\x00\xff\"\\", "\u2028", int64(-1), "<b>")
	f.Fuzz(func(t *testing.T, id, text, tag string, n int64, detail string) {
		checkReportJSON(t, iltod.Submission{
			Report: iltod.Report{ID: id, Answers: map[string]iltod.Value{tag: iltod.StrValue(text), tag + "n": iltod.IntValue(n),
				tag + "l": iltod.ListValue([]string{text, id})}, DeviceTime: detail},
			Checks: []iltod.CheckResult{{Code: tag, Detail: detail}},
		})
	})
}
