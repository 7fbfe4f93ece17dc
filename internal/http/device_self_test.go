package http

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/internal/qa"
)

// request signs a device request as the phone does.
func (d device) request(t *testing.T, op string, ids ...string) []byte {
	t.Helper()
	env, err := iltod.SignRequest(iltod.DeviceRequest{Op: op, Time: "2024-06-28T21:00:00+08:00", IDs: ids}, d.priv)
	if err != nil {
		t.Fatal(err)
	}
	return env.Bytes()
}

// gatedEvents hands the ledger the store's events only once opened, so that a test sees
// a report accepted before it is logged.
type gatedEvents struct {
	iltod.Store
	open atomic.Bool
}

func (g *gatedEvents) Unlogged(ctx context.Context, limit int) ([]iltod.Event, error) {
	if !g.open.Load() {
		return nil, nil
	}
	return g.Store.Unlogged(ctx, limit)
}

// heldLog is the real ledger, whose published checkpoints the test can keep from the app
// for a while: the app then sees the report's event appended (it has a log index) but
// covered by no checkpoint, as when the witnesses have not yet cosigned.
type heldLog struct {
	*ledger.Ledger
	hold atomic.Bool
}

func (h *heldLog) Proof(ctx context.Context, index uint64) ([]byte, error) {
	if h.hold.Load() {
		return nil, iltod.E(iltod.ENotFound, "error.ledger.not_covered", map[string]any{"Size": 0, "Leaf": index})
	}
	return h.Ledger.Proof(ctx, index)
}

func (env *testEnv) assignment(d device) app.Assignment {
	env.t.Helper()
	resp, out := env.post("/api/v1/devices/self", d.request(env.t, iltod.RequestAssignment))
	if resp.StatusCode != http.StatusOK {
		env.t.Fatalf("assignment: %s %s", resp.Status, truncateForLog(out))
	}
	if cc := resp.Header.Get("Cache-Control"); cc != cacheNone {
		env.t.Errorf("assignment Cache-Control %q", cc)
	}
	var a app.Assignment
	if err := json.Unmarshal(out, &a); err != nil {
		env.t.Fatalf("decode assignment: %v", err)
	}
	return a
}

// reportStatus is app.ReportStatus as a phone reads it, with each check's msg key.
type reportStatus struct {
	ID        string   `json:"id"`
	State     string   `json:"state"`
	Seq       uint64   `json:"seq"`
	Logged    bool     `json:"logged"`
	Flagged   bool     `json:"flagged"`
	Review    string   `json:"review"`
	Conflicts []string `json:"conflicts"`
	Checks    []struct {
		Code    string `json:"code"`
		Outcome string `json:"outcome"`
		Detail  string `json:"detail"`
		Msg     struct {
			Key string `json:"key"`
		} `json:"msg"`
	} `json:"checks"`
}

func (env *testEnv) status(d device, lang string, ids ...string) []reportStatus {
	env.t.Helper()
	resp, out := env.inLanguage("POST", "/api/v1/devices/self/status", strings.NewReader(string(d.request(env.t, iltod.RequestStatus, ids...))), lang)
	if resp.StatusCode != http.StatusOK {
		env.t.Fatalf("status: %s %s", resp.Status, truncateForLog(out))
	}
	var body struct {
		Reports []reportStatus `json:"reports"`
	}
	if err := json.Unmarshal(out, &body); err != nil || len(body.Reports) != len(ids) {
		env.t.Fatalf("status body %s: %v", truncateForLog(out), err)
	}
	return body.Reports
}

func TestDeviceRequests(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	ctx := context.Background()
	gate := &gatedEvents{Store: env.app.Store()}
	dir := t.TempDir()
	l, err := ledger.Open(ctx, ledger.Config{Dir: filepath.Join(dir, "log"), KeyFile: filepath.Join(dir, "log.key"),
		Origin: "iltod.test/log", CheckpointInterval: 100 * time.Millisecond, BatchMaxAge: 5 * time.Millisecond,
		PollInterval: 20 * time.Millisecond, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))}, gate)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	held := &heldLog{Ledger: l}
	held.hold.Store(true)
	env.app.SetLog(held)

	bold := env.enroll("example-2024", "1001")  // static at UB-001
	nomin := env.enroll("example-2024", "1004") // mobile at UB-003 and DA-002
	oyun := env.enroll("example-2024", "1900")  // supervisor of all four

	t.Run("assignment", func(t *testing.T) {
		a := env.assignment(bold)
		if a.Device.KeyID != iltod.KeyID(bold.priv.Public().(ed25519.PublicKey)) || a.Device.Observer != "1001" {
			t.Errorf("device = %+v", a.Device)
		}
		if a.Election.ID != "example-2024" || a.Election.Date == "" || !slices.Equal(a.Election.Languages, pkg.Election.Languages) {
			t.Errorf("election = %+v", a.Election)
		}
		if a.Settings.GeofenceMetres != 1000 || a.Settings.ClockSkewSeconds != 900 {
			t.Errorf("settings = %+v", a.Settings)
		}
		if d := time.Since(a.ServerTime); d < -time.Minute || d > time.Minute {
			t.Errorf("server time %v", a.ServerTime)
		}
		if len(a.Stations) != 1 || a.Stations[0].Code != "UB-001" || a.Stations[0].Registered != 1320 || a.Stations[0].Location == nil {
			t.Fatalf("stations = %+v", a.Stations)
		}
		var forms []string
		var results *app.DeviceForm
		for i, f := range a.Stations[0].Forms {
			forms = append(forms, f.Code)
			if f.Code == "results" {
				results = &a.Stations[0].Forms[i]
			}
		}
		if !slices.Equal(forms, []string{"opening", "results"}) || results == nil || results.Version != 1 {
			t.Fatalf("forms = %v", forms)
		}
		// The choice "*" question is expanded, each item labelled with its candidate.
		var tags []string
		labels := map[string]iltod.Text{}
		for _, q := range results.Questions {
			tags = append(tags, q.Tag)
			labels[q.Tag] = q.Label
		}
		want := []string{"RV", "BI", "BC", "CV", "CI", "C1", "C2", "C3", "C4", "LV", "PB", "PR"}
		if !slices.Equal(tags, want) {
			t.Errorf("questions %v, want %v", tags, want)
		}
		if got := labels["C3"]; got["en"] != "Votes per candidate — 3. T. Tugs" || got["mn"] != "Нэр дэвшигчийн санал — 3. Т. Төгс" {
			t.Errorf("label of C3 = %v", got)
		}
		// The phone checks are those of the sheet at the station.
		st, _ := env.app.Station(ctx, "example-2024", "UB-001")
		var form iltod.Form
		for _, f := range pkg.Forms {
			if f.Code == "results" {
				form = f
			}
		}
		sheet, err := qa.Expand(&form, st, pkg.Contests, iltod.NewAreaIndex(pkg.Areas))
		if err != nil {
			t.Fatal(err)
		}
		var got, wantChecks []string
		for _, c := range results.Checks {
			got = append(got, c.String())
		}
		for _, c := range sheet.PhoneChecks() {
			wantChecks = append(wantChecks, c.String())
		}
		if !slices.Equal(got, wantChecks) || !slices.Contains(got, "valid-sum/LIST/manual: PB+PR = LV") ||
			!slices.Contains(got, "block-sum-le-seats-valid/C1/: C1+C2+C3+C4 <= 3×(CV)") {
			t.Errorf("checks:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(wantChecks, "\n"))
		}

		// A supervisor may report for the stations of those supervised, as intake allows.
		var codes []string
		for _, s := range env.assignment(oyun).Stations {
			codes = append(codes, s.Code)
		}
		if !slices.Equal(codes, []string{"DA-001", "DA-002", "UB-001", "UB-002", "UB-003"}) {
			t.Errorf("supervisor's stations %v", codes)
		}
		codes = nil
		for _, s := range env.assignment(nomin).Stations {
			codes = append(codes, s.Code)
		}
		if !slices.Equal(codes, []string{"DA-002", "UB-003"}) {
			t.Errorf("mobile observer's stations %v", codes)
		}
	})

	t.Run("refused", func(t *testing.T) {
		revoked := env.enroll("example-2024", "1002")
		if err := env.app.RevokeDevice(app.SystemContext(ctx), iltod.KeyID(revoked.priv.Public().(ed25519.PublicKey)), "phone lost"); err != nil {
			t.Fatal(err)
		}
		_, stranger, _ := ed25519.GenerateKey(rand.Reader)
		var w map[string]string
		json.Unmarshal(bold.request(t, iltod.RequestAssignment), &w)
		sig, _ := base64.StdEncoding.DecodeString(w["sig"])
		sig[5] ^= 4
		w["sig"] = base64.StdEncoding.EncodeToString(sig)
		badSig, _ := json.Marshal(w)
		// The very payload of a request, signed as a report is: domain separation.
		payload, _ := base64.StdEncoding.DecodeString(w["payload"])
		asReport := (&iltod.Envelope{Payload: payload, Key: bold.priv.Public().(ed25519.PublicKey),
			Sig: ed25519.Sign(bold.priv, iltod.SignedMessage(payload))}).Bytes()
		report := bold.sign(t, bold.report("UB-001", goodAnswers()))
		cases := []struct {
			name, path string
			body       []byte
			status     int
			code       iltod.ErrorCode
		}{
			{"bad signature", "/api/v1/devices/self", badSig, 401, iltod.EBadSignature},
			{"request signed as a report", "/api/v1/devices/self", asReport, 401, iltod.EBadSignature},
			{"a report's envelope", "/api/v1/devices/self/status", report, 401, iltod.EBadSignature},
			{"revoked device", "/api/v1/devices/self", revoked.request(t, iltod.RequestAssignment), 403, iltod.ERevokedKey},
			{"revoked device's status", "/api/v1/devices/self/status", revoked.request(t, iltod.RequestStatus, "test-report-0001"), 403, iltod.ERevokedKey},
			{"unknown key", "/api/v1/devices/self", device{priv: stranger}.request(t, iltod.RequestAssignment), 401, iltod.EUnknownKey},
			{"status asked of the assignment", "/api/v1/devices/self", bold.request(t, iltod.RequestStatus, "test-report-0001"), 400, iltod.EInvalid},
			{"assignment asked of the status", "/api/v1/devices/self/status", bold.request(t, iltod.RequestAssignment), 400, iltod.EInvalid},
			{"not an envelope", "/api/v1/devices/self", []byte(`{"op":"assignment"}`), 400, iltod.EInvalid},
			{"oversized body", "/api/v1/devices/self", make([]byte, MaxDeviceRequestBody+1), 413, iltod.ETooLarge},
		}
		for _, tc := range cases {
			seq0, n0 := env.state()
			resp, out := env.inLanguage("POST", tc.path, strings.NewReader(string(tc.body)), "mn")
			var eb errorBody
			json.Unmarshal(out, &eb)
			if resp.StatusCode != tc.status || eb.Error.Code != tc.code || !hasCyrillic(eb.Error.Message) {
				t.Errorf("%s: got %s %s; want %d %s in Mongolian", tc.name, resp.Status, truncateForLog(out), tc.status, tc.code)
			}
			if seq, n := env.state(); seq != seq0 || n != n0 {
				t.Errorf("%s changed the store", tc.name)
			}
		}
	})

	t.Run("status", func(t *testing.T) {
		submit := func(d device, r iltod.Report) {
			t.Helper()
			resp, out := env.post("/api/v1/reports", d.sign(t, r))
			if resp.StatusCode != http.StatusCreated {
				t.Fatalf("submit: %s %s", resp.Status, truncateForLog(out))
			}
		}
		good := bold.report("UB-001", goodAnswers())
		submit(bold, good)
		over := goodAnswers()
		over["BC"] = iltod.IntValue(1500) // more ballots than registered voters
		flagged := nomin.report("UB-003", over)
		submit(nomin, flagged)

		// Accepted, not yet logged; another device's report and an unknown id say nothing.
		sts := env.status(bold, "en", good.ID, flagged.ID, "no-such-report")
		if s := sts[0]; s.State != app.StateAccepted || s.Logged || s.Seq == 0 || s.Review != "unreviewed" || s.Flagged || len(s.Checks) == 0 {
			t.Errorf("good report: %+v", s)
		}
		for _, s := range sts[1:] {
			if s.State != app.StateUnknown || s.Seq != 0 || s.Review != "" || s.Checks != nil {
				t.Errorf("not bold's report: %+v", s)
			}
		}
		// Flagged, with the reason as a message key and in the language asked.
		s := env.status(nomin, "mn", flagged.ID)[0]
		failed := false
		for _, c := range s.Checks {
			if c.Code == "over-voting" && c.Outcome == "fail" && c.Msg.Key == "qa.check.over_voting_fail" && hasCyrillic(c.Detail) {
				failed = true
			}
		}
		if s.State != app.StateFlagged || !s.Flagged || !failed {
			t.Errorf("flagged report: %+v", s)
		}

		// Appended to the log, but covered by no published checkpoint: not yet logged.
		gate.open.Store(true)
		l.Notify()
		sub, err := env.app.Store().Submission(ctx, "example-2024", good.ID)
		if err != nil {
			t.Fatal(err)
		}
		for deadline := time.Now().Add(20 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			if ev, err := env.app.Store().Event(ctx, sub.Seq); err != nil || ev.LogIndex != nil {
				break
			}
			if time.Now().After(deadline) {
				t.Fatal("the report's event was never appended")
			}
		}
		if s := env.status(bold, "en", good.ID)[0]; s.State != app.StateAccepted || s.Logged {
			t.Errorf("appended, no checkpoint: %+v", s)
		}
		// Once a published checkpoint covers it, logged.
		held.hold.Store(false)
		deadline := time.Now().Add(20 * time.Second)
		for {
			s := env.status(bold, "en", good.ID)[0]
			if s.State == app.StateLogged && s.Logged {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("never logged: %+v", s)
			}
			time.Sleep(50 * time.Millisecond)
		}
		// With the log held back from the store again, a later report waits unlogged beside
		// the logged one, each told apart in one request.
		gate.open.Store(false)
		later := nomin.report("UB-003", goodAnswers())
		submit(nomin, later)
		sts = env.status(nomin, "en", later.ID, flagged.ID, later.ID)
		if s := sts[1]; s.State != app.StateFlagged || !s.Logged {
			t.Errorf("flagged and logged: %+v", s)
		}
		if s := sts[0]; s.State != app.StateAccepted || s.Logged || sts[2].Seq != s.Seq {
			t.Errorf("the later report: %+v, %+v", s, sts[2])
		}
		gate.open.Store(true)
		l.Notify()

		// The supervisor reports other figures for the same station: a conflict for both.
		other := goodAnswers()
		other["CV"], other["CI"] = iltod.IntValue(879), iltod.IntValue(19)
		theirs := oyun.report("UB-001", other)
		submit(oyun, theirs)
		for _, d := range []struct {
			dev device
			id  string
		}{{bold, good.ID}, {oyun, theirs.ID}} {
			s := env.status(d.dev, "en", d.id)[0]
			if s.State != app.StateConflict || !slices.Equal(s.Conflicts, []string{"CI", "CV"}) {
				t.Errorf("%s after the disagreement: %+v", d.id, s)
			}
		}

		// A reviewer rejects bold's report: rejected, and the supervisor's stands alone.
		if err := env.app.Review(app.SystemContext(ctx), "example-2024", good.ID, app.Reject, "figures misread"); err != nil {
			t.Fatal(err)
		}
		if s := env.status(bold, "en", good.ID)[0]; s.State != app.StateRejected || s.Review != "rejected" {
			t.Errorf("rejected report: %+v", s)
		}
		if s := env.status(oyun, "en", theirs.ID)[0]; s.State == app.StateConflict || len(s.Conflicts) != 0 {
			t.Errorf("the report left alone: %+v", s)
		}
	})
}

func hasCyrillic(s string) bool {
	return strings.ContainsFunc(s, func(r rune) bool { return r >= 'А' && r <= 'я' || r == 'ө' || r == 'ү' })
}
