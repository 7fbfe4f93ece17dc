package http

import (
	"bytes"
	"context"
	"crypto/md5"
	"encoding/hex"
	"encoding/xml"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/internal/odk/odktest"
)

// odkClient speaks to the OpenRosa server as ODK Collect does: it asks for a Digest
// challenge, then sends the request with credentials.
type odkClient struct {
	env            *testEnv
	user, password string
}

// do sends method path with body (nil for none), signing in with Digest when the
// client has a username, and returns the response with its body read.
func (c *odkClient) do(method, path, contentType string, body []byte) (*http.Response, []byte) {
	c.env.t.Helper()
	send := func(auth string) (*http.Response, []byte) {
		var rd io.Reader
		if body != nil {
			rd = bytes.NewReader(body)
		}
		req, err := http.NewRequest(method, c.env.base+path, rd)
		if err != nil {
			c.env.t.Fatal(err)
		}
		if contentType != "" {
			req.Header.Set("Content-Type", contentType)
		}
		if auth != "" {
			req.Header.Set("Authorization", auth)
		}
		req.Header.Set("Accept-Language", "en")
		resp, err := c.env.client.Do(req)
		if err != nil {
			c.env.t.Fatalf("%s %s: %v", method, path, err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if v := resp.Header.Get("X-OpenRosa-Version"); v != "1.0" {
			c.env.t.Errorf("%s %s: X-OpenRosa-Version %q", method, path, v)
		}
		return resp, b
	}
	if c.user == "" {
		return send("")
	}
	resp, _ := send("")
	if resp.StatusCode != http.StatusUnauthorized {
		c.env.t.Fatalf("%s %s without credentials: status %d, want 401", method, path, resp.StatusCode)
	}
	auth, err := odk.Authorize(resp.Header.Get("WWW-Authenticate"), method, path, c.user, c.password, "0a4f113b")
	if err != nil {
		c.env.t.Fatalf("answer the challenge %q: %v", resp.Header.Get("WWW-Authenticate"), err)
	}
	return send(auth)
}

// multipartSubmission is a submission as ODK Collect posts it.
func multipartSubmission(t *testing.T, instance []byte, files map[string][]byte) (string, []byte) {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	fw, _ := mw.CreateFormFile("xml_submission_file", "submission.xml")
	fw.Write(instance)
	for name, data := range files {
		fw, _ := mw.CreateFormFile(name, name)
		fw.Write(data)
	}
	mw.Close()
	return mw.FormDataContentType(), buf.Bytes()
}

// wantChallenge checks a 401 with a Digest challenge of the election's realm.
func wantChallenge(t *testing.T, what string, resp *http.Response, election string) {
	t.Helper()
	if resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("%s: status %d, want 401", what, resp.StatusCode)
	}
	ch := resp.Header.Get("WWW-Authenticate")
	if !strings.HasPrefix(ch, `Digest realm="iltod `+election+`", qop="auth"`) || !strings.Contains(ch, `nonce="`) {
		t.Errorf("%s: WWW-Authenticate %q", what, ch)
	}
	if v := resp.Header.Get("X-OpenRosa-Version"); v != "1.0" {
		t.Errorf("%s: X-OpenRosa-Version %q", what, v)
	}
}

type formListDoc struct {
	XMLName xml.Name        `xml:"http://openrosa.org/xforms/xformsList xforms"`
	Forms   []odk.FormEntry `xml:"xform"`
}

// TestODKCollect plays ODK Collect against a real server on SQLite, with the real ODK
// form engine filling the form: sign-in, formList, the XForm, the manifest, the HEAD
// pre-flight, a submission with a camera photo whose EXIF the server strips, the report
// in the station record, a resubmission, a conflicting one, and a body over the limit.
func TestODKCollect(t *testing.T) {
	p := demoPackage(6, 3)
	// A photo question on the opening checklist, as a group would add for the posted
	// register.
	for i := range p.Forms {
		if p.Forms[i].Code == "OPEN" && p.Forms[i].Version == 2 {
			p.Forms[i].Questions = append(p.Forms[i].Questions, iltod.Question{Tag: "PH",
				Label: iltod.Text{"mn": "Зураг", "en": "Photo"}, Type: iltod.Photo})
		}
	}
	env := newTestEnv(t, p)
	id := p.Election.ID
	var obs iltod.Observer
	for _, o := range p.Observers {
		if o.Role == iltod.Static && len(o.Stations) == 1 {
			obs = o
			break
		}
	}
	station := obs.Stations[0]
	ctx := app.SystemContext(context.Background())
	user, password, err := env.app.IssueODKCredentials(ctx, id, obs.Code)
	if err != nil {
		t.Fatal(err)
	}
	if user != obs.Code || len(password) != app.ODKPasswordLength {
		t.Errorf("credentials %q %q", user, password)
	}
	base := "/odk/" + id

	anon := &odkClient{env: env}
	resp, body := anon.do(http.MethodGet, base+"/formList", "", nil)
	wantChallenge(t, "formList without credentials", resp, id)
	if !bytes.Contains(body, []byte("OpenRosaResponse")) {
		t.Errorf("401 body %s", body)
	}
	wrong := &odkClient{env: env, user: user, password: password + "x"}
	resp, _ = wrong.do(http.MethodGet, base+"/formList", "", nil)
	wantChallenge(t, "formList with a wrong password", resp, id)
	stranger := &odkClient{env: env, user: "999", password: password}
	resp, _ = stranger.do(http.MethodGet, base+"/formList", "", nil)
	wantChallenge(t, "formList as an unknown user", resp, id)

	c := &odkClient{env: env, user: user, password: password}
	resp, body = c.do(http.MethodGet, base+"/formList", "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("formList: %d %s", resp.StatusCode, body)
	}
	var fl formListDoc
	if err := xml.Unmarshal(body, &fl); err != nil {
		t.Fatalf("formList is not the OpenRosa document: %v\n%s", err, body)
	}
	var open odk.FormEntry
	var ids []string
	for _, f := range fl.Forms {
		if f.FormID == odk.IncidentFormID { // odk_incidents_test.go
			continue
		}
		ids = append(ids, f.FormID+"/"+f.Version)
		if f.FormID == "OPEN" {
			open = f
		}
	}
	if got := strings.Join(ids, " "); got != "CLOSE/1 INC/1 OPEN/2 RES/1" {
		t.Errorf("formList forms %s, want the latest version of each", got)
	}
	if open.DownloadURL != env.base+base+"/forms/OPEN/2" || open.ManifestURL != env.base+base+"/manifest/OPEN/2" {
		t.Errorf("OPEN entry %+v", open)
	}
	resp, xform := c.do(http.MethodGet, strings.TrimPrefix(open.DownloadURL, env.base), "", nil)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("XForm: %d %s", resp.StatusCode, xform)
	}
	if sum := md5.Sum(xform); open.Hash != "md5:"+hex.EncodeToString(sum[:]) {
		t.Errorf("formList hash %s is not the XForm's", open.Hash)
	}
	if err := xml.Unmarshal(xform, new(struct{})); err != nil {
		t.Errorf("XForm is not XML: %v", err)
	}
	resp, body = c.do(http.MethodGet, strings.TrimPrefix(open.ManifestURL, env.base), "", nil)
	if resp.StatusCode != http.StatusOK || !bytes.Contains(body, []byte("xformsManifest")) {
		t.Errorf("manifest: %d %s", resp.StatusCode, body)
	}
	resp, _ = c.do(http.MethodGet, base+"/forms/OPEN/9", "", nil)
	if resp.StatusCode != http.StatusNotFound {
		t.Errorf("an unknown version: %d", resp.StatusCode)
	}

	// The camera's JPEG, with EXIF holding a GPS position.
	camera := withEXIF(photoJPEG(t, 5))
	camera = append(camera[:2:2], append([]byte{0xff, 0xe1, 0, 18, 'G', 'P', 'S', 'L', 'a', 't', '4', '7', '.', '9', '1', '8', '9', 'N', '1', '0'}, camera[2:]...)...)
	dir := t.TempDir()
	photoPath := filepath.Join(dir, "1719640000000.jpg")
	if err := os.WriteFile(photoPath, camera, 0o600); err != nil {
		t.Fatal(err)
	}
	engine := odktest.New(t)
	answers := map[string]any{"station": station, "AT": "07:05:00.000+08:00", "OP": "yes", "BX": "yes", "MC": "no",
		"ST": "3", "PH": "@" + photoPath}
	instance, err := engine.Fill(xform, answers)
	if err != nil {
		t.Fatalf("the ODK engine: %v", err)
	}
	inst, err := odk.ParseInstance(instance)
	if err != nil {
		t.Fatalf("the engine's instance: %v\n%s", err, instance)
	}
	if inst.Fields["PH"] != "1719640000000.jpg" {
		t.Errorf("the photo field names %q", inst.Fields["PH"])
	}

	resp, _ = c.do(http.MethodHead, base+"/submission", "", nil)
	if resp.StatusCode != http.StatusNoContent || resp.Header.Get("X-OpenRosa-Accept-Content-Length") != "10485760" {
		t.Errorf("HEAD submission: %d, accept %q", resp.StatusCode, resp.Header.Get("X-OpenRosa-Accept-Content-Length"))
	}

	ct, sub := multipartSubmission(t, instance, map[string][]byte{"1719640000000.jpg": camera})
	resp, body = c.do(http.MethodPost, base+"/submission", ct, sub)
	if resp.StatusCode != http.StatusCreated || !bytes.Contains(body, []byte(`nature="submit_success"`)) || !bytes.Contains(body, []byte("Report received")) {
		t.Fatalf("submission: %d %s", resp.StatusCode, body)
	}

	// The report is in the station record, on the odk channel, with the stripped photo.
	reportID, _ := odk.ReportID(inst.InstanceID)
	rec, err := env.app.StationRecord(ctx, id, station, "OPEN")
	if err != nil {
		t.Fatal(err)
	}
	if len(rec.Reports) != 1 || rec.Reports[0] != reportID {
		t.Fatalf("station record reports %v, want [%s]", rec.Reports, reportID)
	}
	if v := rec.Fields["ST"].Value; v.Kind != iltod.Int || v.Int != 3 {
		t.Errorf("ST = %+v", v)
	}
	if v := rec.Fields["AT"].Value; v.Str != "07:05" {
		t.Errorf("AT = %+v", v)
	}
	subm, err := env.app.Store().Submission(ctx, id, reportID)
	if err != nil {
		t.Fatal(err)
	}
	if subm.Channel != iltod.ChannelODK || subm.Observer != obs.Code {
		t.Errorf("channel %s observer %s", subm.Channel, subm.Observer)
	}
	if !bytes.Contains(subm.Envelope, []byte(`"instance_id":"`+inst.InstanceID+`"`)) || bytes.Contains(subm.Envelope, []byte(obs.Code)) {
		t.Errorf("envelope %s", subm.Envelope)
	}
	sha, ok := iltod.PhotoHash(rec.Fields["PH"].Value.Str)
	if !ok {
		t.Fatalf("PH = %+v, want a photo hash", rec.Fields["PH"].Value)
	}
	blob, err := env.app.Store().Blob(ctx, sha)
	if err != nil {
		t.Fatalf("the photo was not stored: %v", err)
	}
	if bytes.Contains(blob.Data, []byte("GPS")) || bytes.Contains(blob.Data, []byte("Exif")) || blob.MediaType != "image/jpeg" {
		t.Errorf("the stored photo keeps its metadata (%d bytes, %s)", len(blob.Data), blob.MediaType)
	}
	if !bytes.Equal(blob.Data, photoJPEG(t, 5)) {
		t.Errorf("the stored photo is not the camera's image without its metadata")
	}

	// Sent again (the answer was lost): 201 again, one report.
	resp, body = c.do(http.MethodPost, base+"/submission", ct, sub)
	if resp.StatusCode != http.StatusCreated || !bytes.Contains(body, []byte("received before")) {
		t.Errorf("resubmission: %d %s", resp.StatusCode, body)
	}
	if rec, _ := env.app.StationRecord(ctx, id, station, "OPEN"); len(rec.Reports) != 1 {
		t.Errorf("after a resubmission, reports %v", rec.Reports)
	}
	// The same instanceID with other content: 409, nothing changes.
	other := bytes.Replace(instance, []byte("<ST>3</ST>"), []byte("<ST>4</ST>"), 1)
	if bytes.Equal(other, instance) {
		t.Fatalf("the instance has no <ST>3</ST>: %s", instance)
	}
	ct2, sub2 := multipartSubmission(t, other, map[string][]byte{"1719640000000.jpg": camera})
	resp, body = c.do(http.MethodPost, base+"/submission", ct2, sub2)
	if resp.StatusCode != http.StatusConflict || !bytes.Contains(body, []byte("OpenRosaResponse")) {
		t.Errorf("instanceID reused: %d %s", resp.StatusCode, body)
	}
	// Another observer's station: refused.
	var elsewhere string
	for _, st := range p.Stations {
		if st.Code != station {
			elsewhere = st.Code
			break
		}
	}
	foreign := bytes.Replace(instance, []byte("<station>"+station+"</station>"), []byte("<station>"+elsewhere+"</station>"), 1)
	foreign = regexp.MustCompile(`uuid:[0-9a-f-]+`).ReplaceAll(foreign, []byte("uuid:11111111-2222-3333-4444-555555555555"))
	ct3, sub3 := multipartSubmission(t, foreign, map[string][]byte{"1719640000000.jpg": camera})
	resp, body = c.do(http.MethodPost, base+"/submission", ct3, sub3)
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("another station: %d %s", resp.StatusCode, body)
	}
	// Over the limit: 413.
	ct4, sub4 := multipartSubmission(t, instance, map[string][]byte{"big.jpg": make([]byte, MaxODKSubmission)})
	resp, body = c.do(http.MethodPost, base+"/submission", ct4, sub4)
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("over the limit: %d %s", resp.StatusCode, body)
	}
	// A submission ODK Collect split in parts: refused whole, with how to avoid it.
	ct5, sub5 := multipartSubmission(t, instance, map[string][]byte{"*isIncomplete*": []byte("yes")})
	resp, body = c.do(http.MethodPost, base+"/submission", ct5, sub5)
	if resp.StatusCode != http.StatusRequestEntityTooLarge || !bytes.Contains(body, []byte("Image size")) {
		t.Errorf("a split submission: %d %s", resp.StatusCode, body)
	}
	if rec, _ := env.app.StationRecord(ctx, id, station, "OPEN"); len(rec.Reports) != 1 {
		t.Errorf("after the refusals, reports %v", rec.Reports)
	}
	// The same observer's report by another channel (SMS here) is one report in the
	// station record, not two: the latest of an observer's reports counts.
	smsReport := subm.Report
	smsReport.ID, smsReport.DeviceTime = "", ""
	if _, err := env.app.SubmitAttested(ctx, app.AttestedReport{Channel: iltod.ChannelSMS, Observer: obs.Code,
		Report: smsReport, Attestation: map[string]any{"gateway": "test"}}); err != nil {
		t.Fatal(err)
	}
	if rec, _ := env.app.StationRecord(ctx, id, station, "OPEN"); len(rec.Reports) != 1 || rec.Reports[0] == reportID || len(rec.Conflicts) != 0 {
		t.Errorf("after the same report by SMS, reports %v conflicts %v, want the SMS one alone", rec.Reports, rec.Conflicts)
	}
	if strings.Contains(env.logs.String(), password) {
		t.Error("the log holds the password")
	}
}

// testODKDemo checks the OpenRosa server on the shipped demo: /odk/mn-2024-sgk-demo/
// formList without credentials is a Digest challenge, and with an observer's credentials
// every form of the demo is an XForm that the real ODK engine loads.
func testODKDemo(t *testing.T, env *testEnv, p *iltod.Package) {
	id := p.Election.ID
	if id != "mn-2024-sgk-demo" {
		t.Fatalf("the demo's id is %s", id)
	}
	resp, _ := (&odkClient{env: env}).do(http.MethodGet, "/odk/"+id+"/formList", "", nil)
	wantChallenge(t, "the demo's formList without credentials", resp, id)

	var obs iltod.Observer
	for _, o := range p.Observers {
		if o.Role == iltod.Static && len(o.Stations) > 0 {
			obs = o
			break
		}
	}
	user, password, err := env.app.IssueODKCredentials(app.SystemContext(context.Background()), id, obs.Code)
	if err != nil {
		t.Fatal(err)
	}
	c := &odkClient{env: env, user: user, password: password}
	resp, body := c.do(http.MethodGet, "/odk/"+id+"/formList", "", nil)
	var fl formListDoc
	if resp.StatusCode != http.StatusOK || xml.Unmarshal(body, &fl) != nil || len(fl.Forms) == 0 {
		t.Fatalf("formList: %d %s", resp.StatusCode, body)
	}
	engine := odktest.New(t)
	for _, f := range fl.Forms {
		resp, x := c.do(http.MethodGet, strings.TrimPrefix(f.DownloadURL, env.base), "", nil)
		if resp.StatusCode != http.StatusOK {
			t.Errorf("%s: %d", f.FormID, resp.StatusCode)
			continue
		}
		// Only the station answered: the engine loads the form and reports the required
		// questions left, which proves it parsed the binds.
		_, err := engine.Fill(x, map[string]any{"station": obs.Stations[0]})
		if err != nil && !errors.Is(err, odktest.ErrNotReady) {
			t.Errorf("%s: the ODK engine cannot load the XForm: %v", f.FormID, err)
		}
	}
}
