package http

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
)

// device is a simulated observer's phone: a key enrolled over the API.
type device struct {
	priv     ed25519.PrivateKey
	observer string
}

func (env *testEnv) post(path string, body []byte) (*http.Response, []byte) {
	env.t.Helper()
	resp, err := env.client.Post(env.base+path, "application/json", bytes.NewReader(body))
	if err != nil {
		env.t.Fatalf("POST %s: %v", path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

func (env *testEnv) enroll(election, observer string) device {
	env.t.Helper()
	code, _, err := env.app.IssueEnrollment(app.SystemContext(context.Background()), election, observer, time.Hour)
	if err != nil {
		env.t.Fatalf("issue code: %v", err)
	}
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	body, _ := json.Marshal(map[string]string{"code": strings.ToLower(code), "key": base64.StdEncoding.EncodeToString(pub)})
	resp, out := env.post("/api/v1/devices", body)
	if resp.StatusCode != http.StatusCreated {
		env.t.Fatalf("enroll: %s %s", resp.Status, out)
	}
	// A phone that lost the answer tries again with the same key: the same device.
	resp, out2 := env.post("/api/v1/devices", body)
	if resp.StatusCode != http.StatusCreated || !bytes.Equal(out, out2) {
		env.t.Fatalf("retry with the same key: %s %s", resp.Status, out2)
	}
	// The code is single use: another key is refused.
	other, _, _ := ed25519.GenerateKey(rand.Reader)
	body2, _ := json.Marshal(map[string]string{"code": code, "key": base64.StdEncoding.EncodeToString(other)})
	resp, out = env.post("/api/v1/devices", body2)
	if resp.StatusCode != http.StatusConflict {
		env.t.Fatalf("second use of a code: %s %s", resp.Status, out)
	}
	return device{priv: priv, observer: observer}
}

var reportSeq int

func (d device) report(station string, answers map[string]iltod.Value) iltod.Report {
	reportSeq++
	return iltod.Report{ID: fmt.Sprintf("test-report-%04d", reportSeq), Election: "example-2024",
		Station: station, Form: "results", FormVersion: 1, Answers: answers, DeviceTime: "2024-06-28T22:00:00+08:00"}
}

func (d device) sign(t *testing.T, r iltod.Report) []byte {
	t.Helper()
	env, err := iltod.SignReport(r, d.priv)
	if err != nil {
		t.Fatal(err)
	}
	return env.Bytes()
}

func goodAnswers() map[string]iltod.Value {
	i := iltod.IntValue
	return map[string]iltod.Value{"RV": i(1320), "BI": i(900), "BC": i(898), "CV": i(880), "CI": i(18),
		"C1": i(500), "C2": i(420), "C3": i(390), "C4": i(300), "LV": i(870), "PB": i(500), "PR": i(370)}
}

// state is what a refused report must leave unchanged.
func (env *testEnv) state() (uint64, int) {
	env.t.Helper()
	ctx := app.SystemContext(context.Background())
	seq, err := env.app.Store().LastSeq(ctx)
	if err != nil {
		env.t.Fatal(err)
	}
	subs, err := env.app.Submissions(ctx, "example-2024", iltod.SubmissionQuery{})
	if err != nil {
		env.t.Fatal(err)
	}
	return seq, len(subs)
}

func TestSubmitReports(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	bold := env.enroll("example-2024", "1001")  // static at UB-001
	nomin := env.enroll("example-2024", "1004") // mobile at UB-003 and DA-002

	// A good report is accepted with a receipt and its checks.
	good := bold.report("UB-001", goodAnswers())
	resp, out := env.post("/api/v1/reports", bold.sign(t, good))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("good report: %s %s", resp.Status, out)
	}
	var first resultBody
	json.Unmarshal(out, &first)
	if first.Receipt == nil || first.Receipt.ID != good.ID || first.Receipt.Seq == 0 || len(first.Receipt.Checks) == 0 || first.Receipt.Flagged {
		t.Fatalf("receipt = %s", out)
	}
	// By default a receipt carries the checks that did not pass, and counts the others.
	var counted struct {
		Receipt struct {
			Passed *int `json:"checks_passed"`
		} `json:"receipt"`
	}
	json.Unmarshal(out, &counted)
	for _, c := range first.Receipt.Checks {
		if c.Outcome == iltod.CheckPass {
			t.Errorf("default receipt carries the passed check %s: %s", c.Code, out)
		}
	}
	if counted.Receipt.Passed == nil || *counted.Receipt.Passed == 0 {
		t.Fatalf("receipt without checks_passed: %s", out)
	}
	// The same report again: the same receipt, 200, nothing new stored; with
	// ?checks=all, every check, the passed ones too.
	seq0, n0 := env.state()
	resp, out = env.post("/api/v1/reports?checks=all", bold.sign(t, good))
	var again resultBody
	json.Unmarshal(out, &again)
	if resp.StatusCode != http.StatusOK || again.Receipt == nil || !again.Receipt.Duplicate || again.Receipt.Seq != first.Receipt.Seq {
		t.Fatalf("resend: %s %s", resp.Status, out)
	}
	if n := len(again.Receipt.Checks); n != len(first.Receipt.Checks)+*counted.Receipt.Passed || bytes.Contains(out, []byte("checks_passed")) {
		t.Fatalf("?checks=all gave %d checks, want %d + %d passed: %s", n, len(first.Receipt.Checks), *counted.Receipt.Passed, out)
	}
	if seq, n := env.state(); seq != seq0 || n != n0 {
		t.Fatalf("resend changed the store: seq %d→%d, reports %d→%d", seq0, seq, n0, n)
	}

	// A report that fails arithmetic is accepted and flagged, never dropped.
	bad := goodAnswers()
	bad["BC"] = iltod.IntValue(1500) // more ballots than registered voters
	flagged := bold.report("UB-001", bad)
	resp, out = env.post("/api/v1/reports", bold.sign(t, flagged))
	var fr resultBody
	json.Unmarshal(out, &fr)
	if resp.StatusCode != http.StatusCreated || fr.Receipt == nil || !fr.Receipt.Flagged {
		t.Fatalf("flagged report: %s %s", resp.Status, out)
	}

	revoked := env.enroll("example-2024", "1002")
	if err := env.app.RevokeDevice(app.SystemContext(context.Background()), iltod.KeyID(revoked.priv.Public().(ed25519.PublicKey)), "phone lost"); err != nil {
		t.Fatal(err)
	}
	_, stranger, _ := ed25519.GenerateKey(rand.Reader)

	altered := good
	altered.Answers = goodAnswers()
	altered.Answers["C1"] = iltod.IntValue(501)
	badSig := bold.sign(t, bold.report("UB-001", goodAnswers()))
	var w map[string]string
	json.Unmarshal(badSig, &w)
	sig, _ := base64.StdEncoding.DecodeString(w["sig"])
	sig[0] ^= 1
	w["sig"] = base64.StdEncoding.EncodeToString(sig)
	badSig, _ = json.Marshal(w)
	noSig, _ := json.Marshal(map[string]string{"key": w["key"], "payload": w["payload"]})
	spaced, _ := json.Marshal(map[string]string{"key": w["key"], "sig": w["sig"],
		"payload": base64.StdEncoding.EncodeToString([]byte(`{ "id": "x" }`))})
	outOfRange := goodAnswers()
	outOfRange["C2"] = iltod.IntValue(-3)
	wrongType := goodAnswers()
	wrongType["RV"] = iltod.StrValue("many")
	unknownTag := goodAnswers()
	unknownTag["ZZ"] = iltod.IntValue(1)
	missing := goodAnswers()
	delete(missing, "RV")
	otherElection := bold.report("UB-001", goodAnswers())
	otherElection.Election = "another-election"

	cases := []struct {
		name   string
		body   []byte
		status int
		code   iltod.ErrorCode
	}{
		{"malformed JSON", []byte(`{"key":`), 400, iltod.EInvalid},
		{"not an envelope", []byte(`{"hello":"world"}`), 400, iltod.EInvalid},
		{"missing signature", noSig, 400, iltod.EInvalid},
		{"payload not canonical", spaced, 400, iltod.EInvalid},
		{"bad signature", badSig, 401, iltod.EBadSignature},
		{"unknown key", device{priv: stranger, observer: "1001"}.sign(t, bold.report("UB-001", goodAnswers())), 401, iltod.EUnknownKey},
		{"revoked key", revoked.sign(t, revoked.report("UB-002", goodAnswers())), 403, iltod.ERevokedKey},
		{"station not assigned", bold.sign(t, bold.report("DA-001", goodAnswers())), 403, iltod.ENotAssigned},
		{"another election's report", bold.sign(t, otherElection), 403, iltod.EForbidden},
		{"replay with altered content", bold.sign(t, altered), 409, iltod.EConflict},
		{"out of range", bold.sign(t, bold.report("UB-001", outOfRange)), 400, iltod.EInvalid},
		{"wrong type", bold.sign(t, bold.report("UB-001", wrongType)), 400, iltod.EInvalid},
		{"unknown question", bold.sign(t, bold.report("UB-001", unknownTag)), 400, iltod.EInvalid},
		{"required answer missing", bold.sign(t, bold.report("UB-001", missing)), 400, iltod.EInvalid},
		{"oversized body", bytes.Repeat([]byte(" "), MaxReportBody+1), 413, iltod.ETooLarge},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			seq0, n0 := env.state()
			resp, out := env.post("/api/v1/reports", tc.body)
			var eb errorBody
			json.Unmarshal(out, &eb)
			if resp.StatusCode != tc.status || eb.Error.Code != tc.code || eb.Error.Message == "" {
				t.Errorf("%s: got %s %s; want %d %s", tc.name, resp.Status, truncateForLog(out), tc.status, tc.code)
			}
			if seq, n := env.state(); seq != seq0 || n != n0 {
				t.Errorf("%s changed the store: events %d→%d, reports %d→%d", tc.name, seq0, seq, n0, n)
			}
		})
	}

	// A batch: each envelope stands alone.
	darkhan := goodAnswers() // constituency C2 has two candidates
	delete(darkhan, "C3")
	delete(darkhan, "C4")
	darkhan["RV"] = iltod.IntValue(611)
	darkhan["C1"], darkhan["C2"] = iltod.IntValue(400), iltod.IntValue(300)
	darkhan["BI"], darkhan["BC"], darkhan["CV"], darkhan["CI"] = iltod.IntValue(600), iltod.IntValue(598), iltod.IntValue(580), iltod.IntValue(18)
	darkhan["LV"], darkhan["PB"], darkhan["PR"] = iltod.IntValue(570), iltod.IntValue(300), iltod.IntValue(270)
	batch, _ := json.Marshal(map[string]any{"envelopes": []json.RawMessage{
		nomin.sign(t, nomin.report("DA-002", darkhan)),
		nomin.sign(t, nomin.report("DA-001", goodAnswers())),
		nomin.sign(t, nomin.report("UB-003", goodAnswers())),
	}})
	resp, out = env.post("/api/v1/reports", batch)
	var br struct {
		Results []resultBody `json:"results"`
	}
	json.Unmarshal(out, &br)
	if resp.StatusCode != 200 || len(br.Results) != 3 || br.Results[0].Receipt == nil ||
		br.Results[1].Error == nil || br.Results[1].Error.Code != iltod.ENotAssigned || br.Results[2].Receipt == nil {
		t.Fatalf("batch: %s %s", resp.Status, out)
	}
	if br.Results[2].Receipt.Seq != br.Results[0].Receipt.Seq+1 {
		t.Errorf("batch seqs %d and %d are not consecutive", br.Results[0].Receipt.Seq, br.Results[2].Receipt.Seq)
	}

	// Enrollment errors.
	resp, _ = env.post("/api/v1/devices", []byte(`{"code":"AAAAA-BBBBB","key":"`+base64.StdEncoding.EncodeToString(make([]byte, 32))+`"}`))
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("unknown code: %s", resp.Status)
	}
	resp, _ = env.post("/api/v1/devices", []byte(`{"code":"AAAAA-BBBBB","key":"AAAA"}`))
	if resp.StatusCode != http.StatusBadRequest {
		t.Errorf("short key: %s", resp.Status)
	}
}
