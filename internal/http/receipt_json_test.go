package http

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// TestReceiptJSON checks the hand-written receipt encoding against encoding/json: with
// every check it means what json.Marshal of the receipt means; by default it leaves out
// the passed checks and counts them.
func TestReceiptJSON(t *testing.T) {
	msg := iltod.Msg("qa.check.over_voting_pass", iltod.Lits("Figures", "BI 900, BC 898", "Registered", "1320", "Source", "RV", "Allowance", "0"))
	rc := &app.Receipt{
		Election: "example-2024", ID: "r-1 \"quoted\" <tag> & Мөнх", Seq: 42,
		Hash:     "a12701bf5d6c6815e27437fb929264d1b2001255804584e8b9fc0fb50200b951",
		Received: time.Date(2024, 6, 28, 22, 0, 1, 257_000_000, time.UTC),
		Checks: []iltod.CheckResult{
			{Code: "over-voting", Outcome: iltod.CheckPass, Msg: &msg},
			{Code: "valid-sum", Outcome: iltod.CheckFail, Contest: "LIST", Msg: &msg},
			// A result stored before QA spoke the catalogue: its English only.
			{Code: "geofence", Outcome: iltod.CheckSkipped, Detail: "the report carries no position\n"},
		},
		Flagged: true,
		Promise: "iltod receipt promise v2\norigin o\n\n— o abc=\n",
	}
	decode := func(b []byte) map[string]any {
		t.Helper()
		var m map[string]any
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("%v: %s", err, b)
		}
		return m
	}
	// What encoding/json writes of rc with its checks' details written in lang.
	marshalIn := func(rc *app.Receipt, lang string) []byte {
		in := *rc
		in.Checks = checksIn(rc.Checks, lang)
		b, _ := json.Marshal(in)
		return b
	}
	for _, dup := range []bool{false, true} {
		rc.Duplicate = dup
		for _, lang := range []string{"en", "mn"} {
			want := marshalIn(rc, lang)
			got := appendReceipt(nil, rc, lang, true)
			if !reflect.DeepEqual(decode(got), decode(want)) {
				t.Errorf("all checks in %s:\n got %s\nwant %s", lang, got, want)
			}
		}
	}
	en, mn := msg.In("en"), msg.In("mn")
	inMN, _ := decode(appendReceipt(nil, rc, "mn", false))["checks"].([]any)
	if en == mn || len(inMN) == 0 || inMN[0].(map[string]any)["detail"] != mn {
		t.Errorf("the failed check's detail is not written in Mongolian (%q): %v", mn, inMN)
	}
	short := decode(appendReceipt(nil, rc, "en", false))
	cs, _ := short["checks"].([]any)
	if len(cs) != 2 || cs[0].(map[string]any)["code"] != "valid-sum" || cs[1].(map[string]any)["code"] != "geofence" {
		t.Errorf("default receipt's checks: %v, want valid-sum and geofence", short["checks"])
	}
	if short["checks_passed"] != 1.0 {
		t.Errorf("checks_passed %v, want 1", short["checks_passed"])
	}
	rc.Checks = rc.Checks[:1]
	short = decode(appendReceipt(nil, rc, "en", false))
	if _, ok := short["checks"]; ok || short["checks_passed"] != 1.0 {
		t.Errorf("all passed: %v", short)
	}
	rc.Checks, rc.Promise = nil, ""
	want := marshalIn(rc, "en")
	if got := appendReceipt(nil, rc, "en", true); !reflect.DeepEqual(decode(got), decode(want)) {
		t.Errorf("no checks, no promise:\n got %s\nwant %s", got, want)
	}
}
