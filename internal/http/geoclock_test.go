package http

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/qa"
)

// postWith posts body to path with extra headers (name, value, …).
func (env *testEnv) postWith(path string, body []byte, header ...string) (*http.Response, []byte) {
	env.t.Helper()
	req, err := http.NewRequest(http.MethodPost, env.base+path, bytes.NewReader(body))
	if err != nil {
		env.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := env.client.Do(req)
	if err != nil {
		env.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

// checkOf returns the result of the check code in a receipt.
func checkOf(t *testing.T, rc *app.Receipt, code string) iltod.CheckResult {
	t.Helper()
	var found []iltod.CheckResult
	for _, c := range rc.Checks {
		if c.Code == code {
			found = append(found, c)
		}
	}
	if len(found) != 1 {
		t.Fatalf("receipt %s has %d %s checks: %+v", rc.ID, len(found), code, rc.Checks)
	}
	return found[0]
}

// TestGeofenceAndDeviceClock sends reports through the real server on SQLite: the checks
// of place and time run on every form, appear in the receipt in the reader's language,
// flag the report when they fail, and put it in the review queue.
func TestGeofenceAndDeviceClock(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	bold := env.enroll("example-2024", "1001") // static at UB-001, at 47.91, 106.88
	// metresNorth is the position d metres due north of UB-001.
	metresNorth := func(d float64, acc int64) *iltod.Position {
		dlat := d / (2 * math.Pi * qa.EarthRadius / 360)
		return &iltod.Position{LatE6: int64(math.Round((47.91 + dlat) * 1e6)), LonE6: 106880000, AccuracyM: acc}
	}
	seq := 0
	newReport := func(form string, deviceTime time.Time, pos *iltod.Position) iltod.Report {
		seq++
		r := iltod.Report{ID: fmt.Sprintf("geoclock-%04d", seq), Election: "example-2024", Station: "UB-001",
			Form: form, FormVersion: 1, DeviceTime: deviceTime.Format(time.RFC3339), Position: pos}
		if form == "results" {
			r.Answers = goodAnswers()
		} else {
			r.Answers = map[string]iltod.Value{"AA": iltod.StrValue("07:00"), "AB": iltod.BoolValue(true)}
		}
		return r
	}
	send := func(r iltod.Report, header ...string) *app.Receipt {
		t.Helper()
		resp, out := env.postWith("/api/v1/reports?checks=all", bold.sign(t, r), header...)
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("report %s: %s %s", r.ID, resp.Status, out)
		}
		var body resultBody
		if err := json.Unmarshal(out, &body); err != nil || body.Receipt == nil {
			t.Fatalf("report %s: %s", r.ID, out)
		}
		return body.Receipt
	}
	now := func() time.Time { return time.Now().UTC() }
	clock := func(d time.Duration) string { return now().Add(d).Format(time.RFC3339) }

	// 50 m from the station with a right clock: both checks pass, on a checklist too.
	for _, form := range []string{"results", "opening"} {
		rc := send(newReport(form, now().Add(-time.Minute), metresNorth(50, 10)), qa.DeviceTimeHeader, clock(0))
		if g, c := checkOf(t, rc, qa.Geofence), checkOf(t, rc, qa.DeviceClock); g.Outcome != iltod.CheckPass || c.Outcome != iltod.CheckPass || rc.Flagged {
			t.Errorf("%s 50 m away, clock right: geofence %s (%s), device-clock %s (%s), flagged %v", form, g.Outcome, g.Detail, c.Outcome, c.Detail, rc.Flagged)
		}
	}

	// 5 km away: flagged by the geofence, in the language asked for.
	far := newReport("opening", now(), metresNorth(5000, 20))
	rc := send(far, qa.DeviceTimeHeader, clock(0), "Accept-Language", "mn")
	g := checkOf(t, rc, qa.Geofence)
	if g.Outcome != iltod.CheckFail || !rc.Flagged || !strings.Contains(g.Detail, "5000 м") || !strings.Contains(g.Detail, "хэтэрсэн") {
		t.Errorf("5 km away: %s %q, flagged %v", g.Outcome, g.Detail, rc.Flagged)
	}
	if g.Msg == nil || g.Msg.In("en") != "5000 m from the station's location, beyond 1020 m (geofence 1000 m + accuracy 20 m)" {
		t.Errorf("5 km away, in English: %+v", g.Msg)
	}

	// A phone whose clock is two hours fast: flagged by device-clock, geofence skipped.
	fast := newReport("results", now().Add(2*time.Hour-time.Minute), nil)
	fast.DeviceTime = now().Add(-time.Minute).Format(time.RFC3339) // its own time is right: only the header is off
	rc = send(fast, qa.DeviceTimeHeader, clock(2*time.Hour))
	c := checkOf(t, rc, qa.DeviceClock)
	if c.Outcome != iltod.CheckFail || !rc.Flagged || !strings.Contains(c.Detail, "ahead of the server's, beyond the tolerance of 15 minutes") {
		t.Errorf("clock two hours fast: %s %q, flagged %v", c.Outcome, c.Detail, rc.Flagged)
	}
	if g := checkOf(t, rc, qa.Geofence); g.Outcome != iltod.CheckSkipped || g.Detail != "the report carries no position" {
		t.Errorf("no position: geofence %s %q", g.Outcome, g.Detail)
	}

	// Made three hours ago and queued offline, sent with a right clock: not flagged.
	queued := newReport("results", now().Add(-3*time.Hour), metresNorth(30, 15))
	rc = send(queued, qa.DeviceTimeHeader, clock(0))
	if c := checkOf(t, rc, qa.DeviceClock); c.Outcome != iltod.CheckPass || rc.Flagged {
		t.Errorf("queued offline for 3 h: %s %q, flagged %v", c.Outcome, c.Detail, rc.Flagged)
	}

	// Without the header the clock cannot be judged: skipped, with the reason.
	rc = send(newReport("opening", now().Add(-time.Hour), nil))
	if c := checkOf(t, rc, qa.DeviceClock); c.Outcome != iltod.CheckSkipped || !strings.Contains(c.Detail, "Iltod-Device-Time") || rc.Flagged {
		t.Errorf("no header: %s %q, flagged %v", c.Outcome, c.Detail, rc.Flagged)
	}

	// A batch shares the request's header.
	batch := fmt.Appendf(nil, `{"envelopes":[%s,%s]}`, bold.sign(t, newReport("opening", now(), nil)), bold.sign(t, newReport("opening", now(), nil)))
	resp, out := env.postWith("/api/v1/reports", batch, qa.DeviceTimeHeader, clock(-2*time.Hour))
	var results struct{ Results []resultBody }
	if err := json.Unmarshal(out, &results); resp.StatusCode != http.StatusOK || err != nil || len(results.Results) != 2 {
		t.Fatalf("batch: %s %s", resp.Status, out)
	}
	for _, res := range results.Results {
		if res.Receipt == nil || checkOf(t, res.Receipt, qa.DeviceClock).Outcome != iltod.CheckFail {
			t.Errorf("batch with a clock two hours slow: %+v", res)
		}
	}

	// The stored report keeps its position, and the review queue shows the failed checks.
	ctx := app.SystemContext(context.Background())
	sub, err := env.app.Store().Submission(ctx, "example-2024", far.ID)
	if err != nil || sub.Report.Position == nil || *sub.Report.Position != *far.Position {
		t.Fatalf("stored report: %+v, %v", sub.Report.Position, err)
	}
	queue, err := env.app.ReviewQueue(ctx, "example-2024")
	if err != nil {
		t.Fatal(err)
	}
	inQueue := map[string]string{}
	for _, it := range queue {
		for _, c := range it.Checks {
			inQueue[it.Report] += c.Code + " "
		}
	}
	if !strings.Contains(inQueue[far.ID], qa.Geofence) || !strings.Contains(inQueue[fast.ID], qa.DeviceClock) || inQueue[queued.ID] != "" {
		t.Errorf("review queue: %v", inQueue)
	}
}

// TestBadPositionRefused: a report whose position is out of range is refused 400 invalid,
// naming the field, and nothing is stored.
func TestBadPositionRefused(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	bold := env.enroll("example-2024", "1001")
	r := bold.report("UB-001", goodAnswers())
	r.Position = &iltod.Position{LatE6: 47910000, LonE6: 181000000, AccuracyM: 10}
	seq0, n0 := env.state()
	resp, out := env.post("/api/v1/reports", bold.sign(t, r))
	var body struct {
		Error errorDetail `json:"error"`
	}
	json.Unmarshal(out, &body)
	if resp.StatusCode != http.StatusBadRequest || body.Error.Code != iltod.EInvalid ||
		!strings.Contains(body.Error.Message, "position.lon_e6") || !strings.Contains(body.Error.Message, "181000000") {
		t.Errorf("bad position: %s %s", resp.Status, out)
	}
	if seq, n := env.state(); seq != seq0 || n != n0 {
		t.Errorf("a refused report changed the store")
	}
}
