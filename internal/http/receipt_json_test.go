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
	msg := iltod.Msg("qa.check.over_voting_pass", map[string]iltod.Message{"Figures": {Text: "BI 900, BC 898"}, "Registered": {Text: "1320"}})
	rc := &app.Receipt{
		Election: "example-2024", ID: "r-1 \"quoted\" <tag> & Мөнх", Seq: 42,
		Hash:     "a12701bf5d6c6815e27437fb929264d1b2001255804584e8b9fc0fb50200b951",
		Received: time.Date(2024, 6, 28, 22, 0, 1, 257_000_000, time.UTC),
		Checks: []iltod.CheckResult{
			{Code: "over-voting", Outcome: iltod.CheckPass, Detail: "BI 900, BC 898 <= registered 1320", Msg: &msg},
			{Code: "valid-sum", Outcome: iltod.CheckFail, Contest: "LIST", Detail: "LV 870 ≠ 869\n", Msg: &msg},
			{Code: "geofence", Outcome: iltod.CheckSkipped, Detail: "the report carries no position"},
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
	for _, dup := range []bool{false, true} {
		rc.Duplicate = dup
		want, _ := json.Marshal(rc)
		got := appendReceipt(nil, rc, true)
		if !reflect.DeepEqual(decode(got), decode(want)) {
			t.Errorf("all checks:\n got %s\nwant %s", got, want)
		}
	}
	short := decode(appendReceipt(nil, rc, false))
	cs, _ := short["checks"].([]any)
	if len(cs) != 2 || cs[0].(map[string]any)["code"] != "valid-sum" || cs[1].(map[string]any)["code"] != "geofence" {
		t.Errorf("default receipt's checks: %v, want valid-sum and geofence", short["checks"])
	}
	if short["checks_passed"] != 1.0 {
		t.Errorf("checks_passed %v, want 1", short["checks_passed"])
	}
	rc.Checks = rc.Checks[:1]
	short = decode(appendReceipt(nil, rc, false))
	if _, ok := short["checks"]; ok || short["checks_passed"] != 1.0 {
		t.Errorf("all passed: %v", short)
	}
	rc.Checks, rc.Promise = nil, ""
	want, _ := json.Marshal(rc)
	if got := appendReceipt(nil, rc, true); !reflect.DeepEqual(decode(got), decode(want)) {
		t.Errorf("no checks, no promise:\n got %s\nwant %s", got, want)
	}
}
