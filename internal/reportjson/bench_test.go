package reportjson

import (
	"bytes"
	"encoding/json"
	"testing"

	"github.com/iltod/iltod"
)

// ingestChecks is what the intake stores for each report of the ingest benchmark
// (cmd/iltod): the example election's results form at UB-001, with a position and the
// device's clock.
const ingestChecks = `[{"code":"over-voting","outcome":"pass","detail":"BI 900, BC 898 <= registered 1320 (answer RV) + allowance 0","msg":{"key":"qa.check.over_voting_pass","args":{"Allowance":"0","Figures":"BI 900, BC 898","Registered":"1320","Source":{"key":"qa.source.answer","args":{"Tag":"RV"}}}}},` +
	`{"code":"valid-sum","outcome":"pass","contest":"LIST","detail":"manual count: LV 870 = sum(PB, PR) 870","msg":{"key":"qa.check.tally_manual","args":{"Detail":{"list":["LV 870",{"list":[{"list":["sum(","PB, PR",")"],"sep":""}," 870"],"sep":""}],"sep":" = "}}}},` +
	`{"code":"reconciliation","outcome":"pass","detail":"BC 898 vs BI 900: difference 2, tolerance 3% of 900 = 27","msg":{"key":"qa.check.reconciliation","args":{"Allowed":"27","Base":"900","Cast":"BC 898","Difference":"2","Issued":"BI 900","Tolerance":"3%"}}},` +
	`{"code":"block-candidate-le-cast","outcome":"pass","contest":"C1","detail":"each of C1..C4 <= CV 880","msg":{"key":"qa.check.each_at_most","args":{"Bound":"CV 880","Tags":"C1..C4"}}},` +
	`{"code":"block-sum-le-seats-valid","outcome":"pass","contest":"C1","detail":"sum(C1..C4) 1610 \u003c= seats 3 × CV 880 = 2640","msg":{"key":"qa.check.block_sum_pass","args":{"Limit":"2640","Seats":"3","Sum":{"list":[{"list":["sum(","C1..C4",")"],"sep":""}," 1610"],"sep":""},"Valid":"CV 880"}}},` +
	`{"code":"cast-le-registered","outcome":"pass","detail":"BC <= RV holds with BC = 898, RV = 1320","msg":{"key":"qa.rule.holds_with","args":{"Rule":"BC <= RV","Values":{"list":[{"list":["BC = ","898"],"sep":""},{"list":["RV = ","1320"],"sep":""}],"sep":", "}}}},` +
	`{"code":"geofence","outcome":"pass","detail":"26 m from the station's location, within 1025 m (geofence 1000 m + accuracy 25 m)","msg":{"key":"qa.check.geofence.pass","args":{"Accuracy":{"key":"qa.check.geofence.metres","args":{"N":"25"}},"Distance":{"key":"qa.check.geofence.metres","args":{"N":"26"}},"Geofence":{"key":"qa.check.geofence.metres","args":{"N":"1000"}},"Limit":{"key":"qa.check.geofence.metres","args":{"N":"1025"}}}}},` +
	`{"code":"device-clock","outcome":"pass","detail":"the phone's clock is 2 seconds behind the server's, within the tolerance of 15 minutes","msg":{"key":"qa.check.device_clock.behind_pass","args":{"Skew":{"key":"qa.check.device_clock.seconds","n":2},"Tolerance":{"key":"qa.check.device_clock.minutes","n":15}}}}]`

// TestAppendIngestChecks: AppendChecks writes the checks as stored, byte for byte (a
// string with a character outside printable ASCII is written as encoding/json writes it).
func TestAppendIngestChecks(t *testing.T) {
	var cs []iltod.CheckResult
	if err := json.Unmarshal([]byte(ingestChecks), &cs); err != nil {
		t.Fatal(err)
	}
	if got := AppendChecks(nil, cs); !bytes.Equal(got, []byte(ingestChecks)) {
		t.Errorf("got  %s\nwant %s", got, ingestChecks)
	}
}

// BenchmarkAppendChecks encodes one report's checks for storage, into a reused buffer.
func BenchmarkAppendChecks(b *testing.B) {
	var cs []iltod.CheckResult
	if err := json.Unmarshal([]byte(ingestChecks), &cs); err != nil {
		b.Fatal(err)
	}
	buf := make([]byte, 0, 4096)
	b.ReportAllocs()
	for b.Loop() {
		buf = AppendChecks(buf[:0], cs)
	}
}
