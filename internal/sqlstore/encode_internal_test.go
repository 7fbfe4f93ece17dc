package sqlstore

import (
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/reportjson"
)

// TestEncodeSubmissionsInParallel checks that a large commit group, encoded on several
// goroutines, gives each row what encoding it alone gives, and that an unencodable
// report fails the group naming the first such report.
func TestEncodeSubmissionsInParallel(t *testing.T) {
	subs := make([]iltod.Submission, 1000)
	for i := range subs {
		subs[i] = iltod.Submission{
			Report: iltod.Report{ID: fmt.Sprintf("r-%04d", i), Election: "e", Station: "s", Form: "f", FormVersion: 1,
				Answers: map[string]iltod.Value{"A": iltod.IntValue(int64(i)), "B": iltod.StrValue(strings.Repeat("x", i%7))}},
			Checks:   []iltod.CheckResult{{Code: "c", Outcome: iltod.CheckPass, Detail: fmt.Sprint(i)}},
			Received: time.Date(2024, 6, 28, 22, 0, 0, i*1000, time.UTC),
		}
	}
	rows, err := encodeSubmissions(subs)
	if err != nil {
		t.Fatal(err)
	}
	for i := range subs {
		report, _ := reportjson.AppendReport(nil, &subs[i].Report)
		checks := reportjson.AppendChecks(nil, subs[i].Checks)
		if !sameJSON(rows[i].report, string(report)) || rows[i].checks != string(checks) || rows[i].received != formatTime(subs[i].Received) {
			t.Fatalf("row %d: %+v", i, rows[i])
		}
	}
	bad := iltod.Value{Kind: 99}
	subs[700].Report.Answers["Z"] = bad
	subs[300].Report.Answers["Z"] = bad
	_, err = encodeSubmissions(subs)
	if iltod.ErrorCodeOf(err) != iltod.EInvalid || !strings.Contains(err.Error(), "r-0300") || strings.Contains(err.Error(), "r-0700") {
		t.Fatalf("unencodable reports: %v, want EInvalid naming r-0300", err)
	}
}

// sameJSON reports whether a and b are the same JSON value (answers are written in the
// map's order).
func sameJSON(a, b string) bool {
	var x, y any
	return json.Unmarshal([]byte(a), &x) == nil && json.Unmarshal([]byte(b), &y) == nil && reflect.DeepEqual(x, y)
}
