package http

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"testing"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/evidence"
)

// signed returns v's canonical JSON signed by the device as a request, as the phone
// signs an incident and an evidence upload.
func (d device) signed(t *testing.T, v any) []byte {
	t.Helper()
	payload, err := canonjson.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	env := &iltod.Envelope{Payload: payload, Key: d.priv.Public().(ed25519.PublicKey), Sig: ed25519.Sign(d.priv, iltod.RequestMessage(payload))}
	return env.Bytes()
}

func hexSum(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// withRecipients sets an evidence recipient on the env's app and returns its identity.
func withRecipients(t *testing.T, a *app.App) *age.X25519Identity {
	t.Helper()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	a.SetEvidenceRecipients([]age.Recipient{id.Recipient()})
	return id
}

// put sends a PUT with body and an Iltod-Request header (none when auth is nil).
func (env *testEnv) put(path string, auth, body []byte) (*http.Response, []byte) {
	env.t.Helper()
	req, _ := http.NewRequest(http.MethodPut, env.base+path, bytes.NewReader(body))
	if auth != nil {
		req.Header.Set(IncidentRequestHeader, string(auth))
	}
	req.Header.Set("Accept-Language", "en")
	resp, err := env.client.Do(req)
	if err != nil {
		env.t.Fatalf("PUT %s: %v", path, err)
	}
	defer resp.Body.Close()
	var buf bytes.Buffer
	buf.ReadFrom(resp.Body)
	return resp, buf.Bytes()
}

// TestIncidentAPI reports an incident from an enrolled device and uploads its evidence:
// the incident is stored as the observer's with medium trust, each file sealed (the
// store holds age ciphertext that opens to the file), a resend changes nothing, and
// uploads that another device signs, that name a file the report did not, or whose
// bytes are not the named file's are refused with nothing attached; bad reports,
// stations not the observer's and revoked devices are refused with nothing stored.
func TestIncidentAPI(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	ident := withRecipients(t, env.app)
	ctx := app.SystemContext(context.Background())
	bold := env.enroll("example-2024", "1001")  // static at UB-001
	nomin := env.enroll("example-2024", "1004") // mobile at UB-003 and DA-002

	var tax struct {
		Version    int
		Severities []struct {
			Code, SMS string
			Label     map[string]string
		}
		Groups []struct {
			Code       string
			Label      map[string]string
			Categories []struct {
				Code, SMS string
				Label     map[string]string
			}
		}
	}
	if resp := env.getJSON("/api/v1/elections/example-2024/taxonomy", &tax); resp.StatusCode != http.StatusOK || len(tax.Groups) == 0 ||
		tax.Groups[0].Categories[0].Code != "election.vote_buying" || tax.Groups[0].Categories[0].SMS != "VB" {
		t.Fatalf("taxonomy: %+v", tax)
	}

	photo, doc := withEXIF(photoJPEG(t, 3)), []byte("%PDF-1.4 a summons\n")
	hp, hd := hexSum(photo), hexSum(doc)
	inc := app.DeviceIncident{Op: app.OpIncident, ID: "7b1f9a52-1c2d-4e5f-8a9b-0c1d2e3f4a5b", Time: "2024-06-28T11:00:00+08:00",
		Category: "election.vote_buying", Severity: "high", Start: "2024-06-28T10:40:00+08:00",
		Narrative: "Men at the gate handed out envelopes of cash.", Evidence: []string{hp, hd}}
	count := func() int {
		t.Helper()
		all, err := env.app.IncidentRecords(ctx, "example-2024")
		if err != nil {
			t.Fatal(err)
		}
		return len(all)
	}

	resp, out := env.post("/api/v1/incidents", bold.signed(t, inc))
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("report: %s %s", resp.Status, out)
	}
	var rc app.IncidentReceipt
	json.Unmarshal(out, &rc)
	if rc.ID == "" || rc.Duplicate || len(rc.Missing) != 2 {
		t.Fatalf("receipt %s", out)
	}
	resp, out = env.post("/api/v1/incidents", bold.signed(t, inc))
	if resp.StatusCode != http.StatusOK || !bytes.Contains(out, []byte(`"duplicate":true`)) || count() != 1 {
		t.Errorf("resend: %s %s, %d incidents", resp.Status, out, count())
	}
	upload := app.EvidenceUpload{Op: app.OpIncidentEvidence, ID: inc.ID, Time: inc.Time, Evidence: inc.Evidence}
	path := "/api/v1/incidents/" + rc.ID + "/evidence/"

	// Refused uploads attach nothing.
	other := upload
	other.Evidence = []string{hp}
	for _, tc := range []struct {
		what   string
		path   string
		auth   []byte
		body   []byte
		status int
	}{
		{"no signature", path + hp, nil, photo, http.StatusUnauthorized},
		{"another device", path + hp, nomin.signed(t, upload), photo, http.StatusForbidden},
		{"other evidence than the report's", path + hp, bold.signed(t, other), photo, http.StatusForbidden},
		{"a file the report did not name", path + hexSum([]byte("x")), bold.signed(t, upload), []byte("x"), http.StatusBadRequest},
		{"bytes that are not the named file", path + hp, bold.signed(t, upload), doc, http.StatusBadRequest},
		{"an incident request as the upload's signature", path + hp, bold.signed(t, inc), photo, http.StatusBadRequest},
		{"a bad address", path + "abc", bold.signed(t, upload), photo, http.StatusBadRequest},
	} {
		resp, out := env.put(tc.path, tc.auth, tc.body)
		if resp.StatusCode != tc.status || !bytes.Contains(out, []byte(`"message"`)) {
			t.Errorf("%s: %s %s, want %d", tc.what, resp.Status, out, tc.status)
		}
	}
	if in, _ := env.app.Incident(ctx, "example-2024", rc.ID); len(in.Evidence) != 0 {
		t.Fatalf("refused uploads attached %+v", in.Evidence)
	}

	for _, f := range [][]byte{photo, doc, photo} {
		resp, out := env.put(path+hexSum(f), bold.signed(t, upload), f)
		if resp.StatusCode != http.StatusCreated && resp.StatusCode != http.StatusOK {
			t.Fatalf("upload: %s %s", resp.Status, out)
		}
	}
	in, err := env.app.Incident(ctx, "example-2024", rc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if in.Source != iltod.SourceObserver || in.Trust != iltod.TrustMedium || in.Reporter != "1001" || in.Place.Station != "UB-001" ||
		in.Status != iltod.IncidentUnverified || in.Narrative != inc.Narrative {
		t.Errorf("stored %+v", in)
	}
	if len(in.Evidence) != 2 || in.Evidence[0].PlainSHA256 != hp || in.Evidence[1].PlainSHA256 != hd || in.Evidence[0].MediaType != "image/jpeg" {
		t.Fatalf("evidence %+v", in.Evidence)
	}
	for i, plain := range [][]byte{photo, doc} {
		sha, _ := iltod.PhotoHash(in.Evidence[i].CipherSHA256)
		b, err := env.app.Store().Blob(ctx, sha)
		if err != nil {
			t.Fatalf("the sealed blob: %v", err)
		}
		if b.MediaType != evidence.CipherMediaType || bytes.Contains(b.Data, plain[:16]) {
			t.Errorf("blob %d: %s, holds the plaintext: %v", i, b.MediaType, bytes.Contains(b.Data, plain[:16]))
		}
		got, err := evidence.Open(b.Data, []age.Identity{ident})
		if err != nil || !bytes.Equal(got, plain) {
			t.Errorf("blob %d does not open to the file: %v", i, err)
		}
	}
	// The plaintext is stored nowhere: no blob is named by its hash.
	if _, err := env.app.Store().Blob(ctx, sha256.Sum256(photo)); iltod.ErrorCodeOf(err) != iltod.ENotFound {
		t.Errorf("the photo's plaintext is in the blob store: %v", err)
	}
	resp, out = env.post("/api/v1/incidents", bold.signed(t, inc))
	if !bytes.Contains(out, []byte(`"missing":[]`)) {
		t.Errorf("after the uploads, the resend says %s", out)
	}

	// Bad reports store nothing.
	n := count()
	bad := func(change func(*app.DeviceIncident)) app.DeviceIncident {
		d := inc
		d.ID = "00000000-0000-4000-8000-000000000001"
		change(&d)
		return d
	}
	for _, tc := range []struct {
		what   string
		dev    device
		body   any
		status int
	}{
		{"an unknown category", bold, bad(func(d *app.DeviceIncident) { d.Category = "election.nonsense" }), http.StatusBadRequest},
		{"no start", bold, bad(func(d *app.DeviceIncident) { d.Start = "" }), http.StatusBadRequest},
		{"a bad evidence hash", bold, bad(func(d *app.DeviceIncident) { d.Evidence = []string{"ABC"} }), http.StatusBadRequest},
		{"the same file twice", bold, bad(func(d *app.DeviceIncident) { d.Evidence = []string{hp, hp} }), http.StatusBadRequest},
		{"a station not the observer's", bold, bad(func(d *app.DeviceIncident) { d.Station = "DA-002" }), http.StatusForbidden},
		{"no place for a mobile observer", nomin, bad(func(d *app.DeviceIncident) {}), http.StatusBadRequest},
		{"the same id with another narrative", bold, func() app.DeviceIncident { d := inc; d.Narrative = "Other."; return d }(), http.StatusConflict},
		{"an unknown field", bold, map[string]any{"op": "incident", "id": inc.ID, "extra": 1}, http.StatusBadRequest},
		{"a device request's op", bold, map[string]any{"op": "assignment", "time": inc.Time}, http.StatusBadRequest},
	} {
		resp, out := env.post("/api/v1/incidents", tc.dev.signed(t, tc.body))
		if resp.StatusCode != tc.status {
			t.Errorf("%s: %s %s, want %d", tc.what, resp.Status, out, tc.status)
		}
	}
	if count() != n {
		t.Errorf("bad reports stored incidents: %d, was %d", count(), n)
	}
	// A mobile observer may give a position; a station of theirs.
	for _, d := range []app.DeviceIncident{
		bad(func(d *app.DeviceIncident) {
			d.Position = &iltod.Position{LatE6: 47918900, LonE6: 106917600, AccuracyM: 12}
		}),
		bad(func(d *app.DeviceIncident) { d.ID = "00000000-0000-4000-8000-000000000002"; d.Station = "DA-002" }),
	} {
		if resp, out := env.post("/api/v1/incidents", nomin.signed(t, d)); resp.StatusCode != http.StatusCreated {
			t.Errorf("a mobile observer's incident: %s %s", resp.Status, out)
		}
	}

	// A device may report MaxDeviceIncidentsPerHour new incidents in an hour (nomin has
	// two already); then 429, and nothing stored.
	n = count()
	stored := 0
	for i := 0; i <= app.MaxDeviceIncidentsPerHour; i++ {
		d := bad(func(d *app.DeviceIncident) {
			d.ID = fmt.Sprintf("00000000-0000-4000-8000-%012d", 100+i)
			d.Station = "DA-002"
		})
		resp, out := env.post("/api/v1/incidents", nomin.signed(t, d))
		if resp.StatusCode == http.StatusTooManyRequests {
			if !bytes.Contains(out, []byte("rate_limited")) {
				t.Errorf("rate limited: %s", out)
			}
			break
		}
		if resp.StatusCode != http.StatusCreated {
			t.Fatalf("incident %d: %s %s", i, resp.Status, out)
		}
		stored++
	}
	if stored != app.MaxDeviceIncidentsPerHour-2 || count()-n != stored {
		t.Errorf("%d incidents accepted and %d stored before the limit, want %d", stored, count()-n, app.MaxDeviceIncidentsPerHour-2)
	}
	// A key no device enrolled is refused.
	_, strangerKey, _ := ed25519.GenerateKey(nil)
	stranger := device{priv: strangerKey, observer: "1001"}
	if resp, out := env.post("/api/v1/incidents", stranger.signed(t, bad(func(*app.DeviceIncident) {}))); resp.StatusCode != http.StatusUnauthorized {
		t.Errorf("an unenrolled key's incident: %s %s", resp.Status, out)
	}
	// A revoked device is refused, and so is its upload.
	key := iltod.KeyID(bold.priv.Public().(ed25519.PublicKey))
	if err := env.app.RevokeDevice(ctx, key, "phone lost"); err != nil {
		t.Fatal(err)
	}
	n = count()
	if resp, out := env.post("/api/v1/incidents", bold.signed(t, bad(func(*app.DeviceIncident) {}))); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a revoked device's incident: %s %s", resp.Status, out)
	}
	if resp, out := env.put(path+hp, bold.signed(t, upload), photo); resp.StatusCode != http.StatusForbidden {
		t.Errorf("a revoked device's upload: %s %s", resp.Status, out)
	}
	if count() != n {
		t.Errorf("a revoked device stored an incident")
	}
}
