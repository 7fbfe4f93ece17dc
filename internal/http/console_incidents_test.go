package http

import (
	"bytes"
	"context"
	"encoding/hex"
	"html"
	"image"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/imagemeta"
	"github.com/iltod/iltod/internal/testimage"
	"github.com/iltod/iltod/locales"
)

// conFile is a file a multipart form sends.
type conFile struct {
	field, name string
	data        []byte
}

// send posts a multipart form with the session's CSRF token and files.
func (u *conUser) send(path string, form url.Values, files ...conFile) (int, string) {
	u.env.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	mw.WriteField("csrf", u.csrf)
	for k, vs := range form {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	for _, f := range files {
		fw, _ := mw.CreateFormFile(f.field, f.name)
		fw.Write(f.data)
	}
	mw.Close()
	req, _ := http.NewRequest(http.MethodPost, u.env.ts.URL+path, &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Origin", u.env.ts.URL)
	return u.do(req)
}

// conIncidentStations returns a station of the demo in Arkhangai, the coordinator's
// aimag, and one in Ulaanbaatar.
func conIncidentStations(t *testing.T, env *conEnv) (ar, ub string) {
	t.Helper()
	for _, st := range env.pkg.Stations {
		switch {
		case ar == "" && strings.HasPrefix(st.Area, "MN-AR"):
			ar = st.Code
		case ub == "" && strings.HasPrefix(st.Area, "MN-UB"):
			ub = st.Code
		}
	}
	if ar == "" || ub == "" {
		t.Fatal("the demo has no station in Arkhangai or Ulaanbaatar")
	}
	return ar, ub
}

// TestConsoleIncidents drives every incident and actor form of the console: each success
// changes the incident or registry and logs one event; each refusal (no reason, a step
// out of order, a role that may not, a coordinator outside their areas, a wrong file)
// answers with the catalogue's words and changes nothing.
func TestConsoleIncidents(t *testing.T) {
	env := newConEnv(t)
	ctx := context.Background()
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	env.a.SetEvidenceRecipients([]age.Recipient{id.Recipient()})
	el := env.pkg.Election.ID
	e := "/staff/e/" + el
	arStation, ubStation := conIncidentStations(t, env)
	reviewer, admin, analyst, clerk, coord := env.signIn("reviewer"), env.signIn("admin"), env.signIn("analyst"), env.signIn("clerk"), env.signIn("coord")
	for _, u := range []*conUser{reviewer, admin, analyst, clerk, coord} {
		u.c.Transport = inEnglish{}
	}
	en := locales.For("en")
	sys := app.SystemContext(ctx)

	// unchanged runs a refused request and checks its status, its message and that no
	// event was logged.
	unchanged := func(what string, wantStatus int, wantMsg string, do func() (int, string)) {
		t.Helper()
		before := env.seq()
		status, body := do()
		if status != wantStatus {
			t.Errorf("%s: status %d, want %d; %s", what, status, wantStatus, conFlashOf(body)+conErrorOf(body))
		}
		if msg := conFlashOf(body) + conErrorOf(body); wantMsg != "" && !strings.Contains(msg, wantMsg) {
			t.Errorf("%s: message %q, want it to say %q", what, msg, wantMsg)
		}
		if after := env.seq(); after != before {
			t.Errorf("%s: %d events logged by a refused request", what, after-before)
		}
	}
	// done runs a request that must succeed with a redirect and log n events.
	done := func(what string, n int, do func() (int, string)) string {
		t.Helper()
		before := env.seq()
		status, loc := do()
		if status != http.StatusSeeOther {
			t.Fatalf("%s: status %d, want 303; %s", what, status, conFlashOf(loc)+conErrorOf(loc))
		}
		if got := len(env.events(before)); got != n {
			t.Errorf("%s: %d events, want %d", what, got, n)
		}
		return loc
	}
	incident := func(id string) iltod.IncidentRecord {
		t.Helper()
		in, err := env.a.Incident(sys, el, id)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}

	// Reporting, with a camera's photo as evidence.
	photo, gps, err := testimage.CameraJPEG(image.NewGray(image.Rect(0, 0, 40, 30)))
	if err != nil {
		t.Fatal(err)
	}
	report := url.Values{"category": {"freedoms.journalist_attacked"}, "severity": {"high"}, "start": {"2024-06-28T10:15"},
		"station": {ubStation}, "narrative": {"Witness Dorj saw the reporter pushed to the ground."}}
	noPlace := url.Values{"category": {"freedoms.journalist_attacked"}, "severity": {"high"}, "start": {"2024-06-28T10:15"}}
	unchanged("a report without a place", 400, en.T("console.incidents.bad_place"), func() (int, string) {
		return reviewer.send(e+"/incidents/new", noPlace)
	})
	badCat := url.Values{"category": {"election.no_such"}, "severity": {"high"}, "start": {"2024-06-28T10:15"}, "station": {ubStation}}
	unchanged("a report of an unknown category", 400, "no incident category", func() (int, string) {
		return reviewer.send(e+"/incidents/new", badCat)
	})
	arReport := url.Values{"category": {"election.intimidation"}, "severity": {"medium"}, "start": {"2024-06-28T09:00"}, "station": {arStation}}
	arReport.Set("station", ubStation)
	unchanged("the Arkhangai coordinator reporting in Ulaanbaatar", 403, "outside your areas", func() (int, string) {
		return coord.send(e+"/incidents/new", arReport)
	})
	loc := done("a reviewer's report with a photo", 1, func() (int, string) {
		return reviewer.send(e+"/incidents/new", report, conFile{"evidence", "photo.jpg", photo})
	})
	incID := loc[strings.LastIndex(strings.SplitN(loc, "?", 2)[0], "/")+1 : strings.Index(loc, "?")]
	in := incident(incID)
	if in.Source != iltod.SourceStaff || in.Reporter != "reviewer" || len(in.Evidence) != 1 || in.Evidence[0].MediaType != "image/jpeg" || in.Place.Station != ubStation {
		t.Fatalf("the reported incident: %+v", in)
	}
	plain := in.Evidence[0].PlainSHA256
	arReport.Set("station", arStation)
	arLoc := done("the Arkhangai coordinator reporting in Arkhangai", 1, func() (int, string) { return coord.send(e+"/incidents/new", arReport) })
	arID := arLoc[strings.LastIndex(strings.SplitN(arLoc, "?", 2)[0], "/")+1 : strings.Index(arLoc, "?")]

	// A clerk reports without reading incidents.
	if status, loc := clerk.get(e + "/incidents"); status != http.StatusSeeOther || !strings.Contains(loc, "/incidents/new") {
		t.Errorf("a clerk's list of incidents: %d %s, want a redirect to the report form", status, loc)
	}
	clerkLoc := done("a clerk's report", 1, func() (int, string) { return clerk.send(e+"/incidents/new", report) })
	if !strings.Contains(clerkLoc, "/incidents/new?") || !strings.Contains(clerkLoc, "ok=reported") {
		t.Errorf("after a clerk's report: %s", clerkLoc)
	}
	if status, _ := clerk.get(e + "/incidents/" + incID); status != http.StatusForbidden {
		t.Errorf("a clerk reading an incident: %d, want 403", status)
	}

	// The incident's page: the reporter only to those who may read observers.
	_, page := reviewer.get(e + "/incidents/" + incID)
	if !strings.Contains(page, "Witness Dorj") || !strings.Contains(page, plain) || !strings.Contains(page, in.Evidence[0].CipherSHA256) {
		t.Error("the incident's page lacks its narrative or evidence hashes")
	}
	if strings.Contains(page, en.T("console.incidents.reporter")) {
		t.Error("a reviewer is shown the reporter")
	}
	if _, page := admin.get(e + "/incidents/" + incID); !strings.Contains(page, en.T("console.incidents.reporter")) || !strings.Contains(page, "<code>reviewer</code>") {
		t.Error("an admin is not shown the reporter")
	}

	// The sealed file, for the reviewer's machine.
	status, sealed := reviewer.get(e + "/incidents/" + incID + "/evidence/" + plain)
	if status != 200 || !strings.HasPrefix(sealed, "age-encryption.org/v1") {
		t.Errorf("the sealed file: %d, %.40q", status, sealed)
	} else if r, err := age.Decrypt(strings.NewReader(sealed), id); err != nil {
		t.Errorf("the sealed file does not open: %v", err)
	} else if b, _ := io.ReadAll(r); !bytes.Equal(b, photo) {
		t.Error("the sealed file does not hold the photo")
	}
	if strings.Contains(sealed, string(gps)) {
		t.Error("the sealed file holds the GPS block in clear")
	}
	if status, _ := clerk.get(e + "/incidents/" + incID + "/evidence/" + plain); status != http.StatusForbidden {
		t.Errorf("a clerk downloading evidence: %d, want 403", status)
	}

	// Verification steps.
	step := func(u *conUser, to, reason string) func() (int, string) {
		return func() (int, string) {
			return u.submit(e+"/incidents/"+incID+"/status", url.Values{"to": {to}, "reason": {reason}})
		}
	}
	unchanged("a step without a reason", 400, "a reason is required", step(reviewer, "corroborated", " "))
	unchanged("skipping corroboration", 400, "cannot move from unverified to verified", step(reviewer, "verified", "seen"))
	unchanged("an analyst's step", 403, "may not", step(analyst, "corroborated", "seen"))
	unchanged("the Arkhangai coordinator's step in Ulaanbaatar", 403, "outside your areas", step(coord, "corroborated", "seen"))
	done("corroboration", 1, step(reviewer, "corroborated", "a second observer confirms"))
	done("verification", 1, step(reviewer, "verified", "the photo was checked"))
	if in := incident(incID); in.Status != iltod.IncidentVerified {
		t.Errorf("after two steps the status is %s", in.Status)
	}
	if _, page := reviewer.get(e + "/incidents/" + incID); !strings.Contains(page, "a second observer confirms") {
		t.Error("the history does not show the step's reason")
	}

	// Redaction.
	redact := func(u *conUser, form url.Values) func() (int, string) {
		return func() (int, string) { return u.submit(e+"/incidents/"+incID+"/redact", form) }
	}
	unchanged("a hidden field without what it hides", 400, en.T("console.incidents.say_what"),
		redact(reviewer, url.Values{"hide": {"narrative"}, "reason": {"witness"}}))
	unchanged("a redaction without a reason", 400, "a reason is required",
		redact(reviewer, url.Values{"hide": {"narrative"}, "what:narrative": {"the witness's name"}}))
	unchanged("an analyst's redaction", 403, "may not",
		redact(analyst, url.Values{"hide": {"narrative"}, "what:narrative": {"a name"}, "reason": {"r"}}))
	done("a redaction", 1, redact(reviewer, url.Values{"hide": {"narrative", "evidence/" + plain}, "what:narrative": {"the witness's name"},
		"what:evidence/" + plain: {"a face"}, "reason": {"the witness is at risk"}}))
	if in := incident(incID); !in.Redacted || len(in.Redactions) != 2 || in.Redactions[0].Reason != "the witness's name" {
		t.Errorf("after the redaction: %+v, %v", in.Redactions, in.Redacted)
	}

	// The public narrative.
	narrate := func(u *conUser, text, reason string) func() (int, string) {
		return func() (int, string) {
			return u.submit(e+"/incidents/"+incID+"/narrative", url.Values{"narrative": {text}, "reason": {reason}})
		}
	}
	unchanged("a narrative without a reason", 400, "a reason is required", narrate(reviewer, "A journalist was pushed.", ""))
	unchanged("an empty narrative", 400, "narrative", narrate(reviewer, "  ", "public account"))
	unchanged("an analyst's narrative", 403, "may not", narrate(analyst, "A journalist was pushed.", "mine"))
	done("a public narrative", 1, narrate(reviewer, "A journalist was pushed to the ground.", "the witness is not named"))
	if in := incident(incID); in.Narrative != "A journalist was pushed to the ground." || in.Redacted {
		t.Errorf("after the narrative: %q, redacted %v", in.Narrative, in.Redacted)
	}

	// The actors registry.
	put := func(u *conUser, path string, form url.Values) func() (int, string) {
		return func() (int, string) { return u.submit(e+"/actors"+path, form) }
	}
	police := url.Values{"code": {"police-ub"}, "kind": {"public_body"}, "name_mn": {"Нийслэлийн цагдаа"}, "name_en": {"City police"}, "reason": {"press release"}}
	chief := url.Values{"code": {"p-chief"}, "kind": {"person"}, "name_en": {"Chief Example"}, "birth_date": {"1970-02-03"}, "reason": {"decree"}}
	unchanged("an actor without a reason", 400, "a reason is required", put(reviewer, "", url.Values{"code": {"x"}, "kind": {"person"}, "name_en": {"X"}}))
	unchanged("a malformed actor code", 400, "code", put(reviewer, "", url.Values{"code": {"bad code!"}, "kind": {"person"}, "name_en": {"X"}, "reason": {"r"}}))
	unchanged("a clerk's actor", 403, "may not", put(clerk, "", police))
	done("an actor", 1, put(reviewer, "", police))
	done("a person", 1, put(reviewer, "", chief))
	chief.Set("name_mn", "Дарга Жишээ")
	done("a changed person", 1, put(reviewer, "", chief))
	pos := url.Values{"code": {"police-ub-chief"}, "body": {"police-ub"}, "title_en": {"Chief of police"}, "reason": {"org chart"}}
	unchanged("a position in an unknown body", 404, "", put(reviewer, "/positions", url.Values{"code": {"x"}, "body": {"nobody"}, "title_en": {"X"}, "reason": {"r"}}))
	done("a position", 1, put(reviewer, "/positions", pos))
	occ := url.Values{"actor": {"p-chief"}, "position": {"police-ub-chief"}, "start": {"2022-01-01"}, "reason": {"decree"}}
	unchanged("an occupancy with a bad date", 400, en.T("console.actors.bad_date"), put(reviewer, "/occupancies", url.Values{"actor": {"p-chief"}, "position": {"police-ub-chief"}, "start": {"1 Jan"}, "reason": {"r"}}))
	done("an occupancy", 1, put(reviewer, "/occupancies", occ))
	actors, positions, occs, err := env.a.Actors(sys, el)
	if err != nil || len(actors) != 2 || len(positions) != 1 || len(occs) != 1 || actors[0].Name["mn"] != "Дарга Жишээ" {
		t.Errorf("the registry: %+v %+v %+v %v", actors, positions, occs, err)
	}
	if _, page := analyst.get(e + "/actors"); !strings.Contains(page, "Chief of police") || !strings.Contains(page, "since 2022-01-01") {
		t.Error("the registry's page lacks the position held")
	}
	if status, page := reviewer.get(e + "/actors?actor=p-chief"); status != 200 || !strings.Contains(page, `value="1970-02-03"`) {
		t.Error("the actor's form is not filled to edit it")
	}

	// A link to an actor, resting on evidence.
	link := func(u *conUser, form url.Values) func() (int, string) {
		return func() (int, string) { return u.submit(e+"/incidents/"+incID+"/link", form) }
	}
	unchanged("a link resting on no evidence", 400, "actors", link(reviewer, url.Values{"actor": {"p-chief"}, "role": {"ordered"}, "reason": {"r"}}))
	unchanged("a link to no one", 404, "no actor", link(reviewer, url.Values{"actor": {"nobody"}, "role": {"ordered"}, "evidence": {plain}, "reason": {"r"}}))
	unchanged("a link without a reason", 400, "a reason is required", link(reviewer, url.Values{"actor": {"p-chief"}, "role": {"ordered"}, "evidence": {plain}}))
	done("a link", 1, link(reviewer, url.Values{"actor": {"p-chief"}, "role": {"ordered"}, "evidence": {plain}, "reason": {"heard giving the order"}}))
	if in := incident(incID); len(in.Actors) != 1 || in.Actors[0].Actor != "p-chief" || in.Actors[0].Evidence[0] != plain {
		t.Errorf("after the link: %+v", in.Actors)
	}

	// The published copy of the photo.
	copyForm := func(u *conUser, sha string, data []byte, reason string) func() (int, string) {
		return func() (int, string) {
			return u.send(e+"/incidents/"+incID+"/copy", url.Values{"evidence": {sha}, "reason": {reason}}, conFile{"original", "photo.jpg", data})
		}
	}
	unchanged("a copy of another file", 400, "does not have the SHA-256", copyForm(reviewer, plain, append(bytes.Clone(photo), 0), "publish"))
	unchanged("a copy without a reason", 400, "a reason is required", copyForm(reviewer, plain, photo, ""))
	unchanged("an analyst's copy", 403, "may not", copyForm(analyst, plain, photo, "publish"))
	unchanged("a copy without a file", 400, en.T("console.incidents.give_original"), func() (int, string) {
		return reviewer.send(e+"/incidents/"+incID+"/copy", url.Values{"evidence": {plain}, "reason": {"r"}})
	})
	done("a published copy", 1, copyForm(reviewer, plain, photo, "no face in the frame"))
	ev := incident(incID).Evidence[0]
	raw, _ := hex.DecodeString(ev.PublicSHA256)
	if len(raw) != 32 {
		t.Fatalf("the evidence names no copy: %+v", ev)
	}
	blob, err := env.a.Store().Blob(ctx, [32]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	if _, items, err := imagemeta.Scan(blob.Data); err != nil || len(items) != 0 || bytes.Contains(blob.Data, gps) {
		t.Errorf("the copy carries metadata: %v %v", items, err)
	}

	// The coordinator of Arkhangai sees Arkhangai's incident only.
	if _, page := coord.get(e + "/incidents"); !strings.Contains(page, arID) || strings.Contains(page, incID) {
		t.Error("the Arkhangai coordinator's list is not limited to Arkhangai")
	}
	if status, _ := coord.get(e + "/incidents/" + incID); status != http.StatusForbidden {
		t.Errorf("the Arkhangai coordinator reading an Ulaanbaatar incident: %d, want 403", status)
	}
	if status, _ := coord.get(e + "/incidents/" + incID + "/evidence/" + plain); status != http.StatusForbidden {
		t.Errorf("the Arkhangai coordinator downloading Ulaanbaatar evidence: %d, want 403", status)
	}
	if status, page := coord.get(e + "/incidents/" + arID); status != 200 {
		t.Errorf("the Arkhangai coordinator reading an Arkhangai incident: %d %s", status, page)
	}

	// The list's filters and counts.
	_, page = reviewer.get(e + "/incidents?status=verified")
	if !strings.Contains(page, incID) || strings.Contains(page, arID) {
		t.Error("the list filtered to verified incidents is wrong")
	}
	if !strings.Contains(page, en.T("console.incidents.status_unverified")+" (2)") || !strings.Contains(page, en.T("console.incidents.status_verified")+" (1)") {
		t.Error("the counts by status are wrong")
	}
	if !strings.Contains(page, ">"+en.T("console.incidents.source_staff")+" (3)<") {
		t.Error("the count of staff reports in the source filter is wrong")
	}
	_, page = reviewer.get(e + "/incidents?source=staff&category=election.intimidation")
	if !strings.Contains(page, arID) || strings.Contains(page, incID) {
		t.Error("the list filtered by category is wrong")
	}
	if status, _ := clerk.get(e + "/actors"); status != http.StatusForbidden {
		t.Errorf("a clerk reading the registry: %d, want 403", status)
	}
	for name, page := range env.pages {
		if strings.Contains(page, "as analyst") && strings.Contains(name, "/incidents/") && strings.Contains(page, "<code>reviewer</code>") {
			t.Errorf("%s shows an analyst the reporter", name)
		}
	}
}

// inEnglish asks for pages in English.
type inEnglish struct{}

func (inEnglish) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Accept-Language", "en")
	return http.DefaultTransport.RoundTrip(r)
}

// conErrorOf returns the message of the console's error page.
func conErrorOf(page string) string {
	const open = `<p class="con-error-message">`
	i := strings.Index(page, open)
	if i < 0 {
		return ""
	}
	rest := page[i+len(open):]
	return html.UnescapeString(rest[:strings.Index(rest, "</p>")])
}

// TestConsoleIncidentKeys checks the catalogue keys the incident pages build from a code.
func TestConsoleIncidentKeys(t *testing.T) {
	var keys []string
	for k := range conIncidentFlashes {
		keys = append(keys, "console.incidents.ok_"+k)
	}
	for _, s := range conStatuses {
		keys = append(keys, "console.incidents.status_"+string(s))
	}
	for _, s := range []string{"corroborated", "verified", "rejected"} {
		keys = append(keys, "console.incidents.step_"+s)
	}
	for _, s := range conSources {
		keys = append(keys, "console.incidents.source_"+string(s))
	}
	for _, s := range conTrusts {
		keys = append(keys, "console.incidents.trust_"+string(s))
	}
	for _, r := range conActorRoles {
		keys = append(keys, "console.incidents.role_"+string(r))
	}
	for _, a := range []string{"report", "status", "redact", "link", "narrative", "publish_copy"} {
		keys = append(keys, "console.incidents.action_"+a)
	}
	for _, f := range []string{"narrative", "place", "time", "evidence", "actors"} {
		keys = append(keys, "console.incidents.field_"+f)
	}
	for _, k := range conActorKinds {
		keys = append(keys, "console.actors.kind_"+string(k))
	}
	for _, k := range keys {
		if !locales.Has(k) {
			t.Errorf("the catalogue has no %q", k)
		}
	}
}

// FuzzConFormPlace checks that the report form's place never panics and, when read,
// is exactly one of a station, an area or a position within the globe's bounds.
func FuzzConFormPlace(f *testing.F) {
	f.Add("UB-001", "", "", "", "")
	f.Add("", "MN-AR", "", "", "")
	f.Add("", "", "47.9184", "106.9177", "25")
	f.Add("", "", "NaN", "1e400", "x")
	f.Add("A", "B", "-90", "180", "-1")
	f.Fuzz(func(t *testing.T, station, area, lat, lon, acc string) {
		form := url.Values{"station": {station}, "area": {area}, "lat": {lat}, "lon": {lon}, "accuracy": {acc}}
		r, _ := http.NewRequest(http.MethodPost, "/", strings.NewReader(form.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		pl, err := conFormPlace(r)
		if err != nil {
			if iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Errorf("error %v, want invalid", err)
			}
			return
		}
		n := 0
		for _, given := range []bool{pl.Station != "", pl.Area != "", pl.Position != nil} {
			if given {
				n++
			}
		}
		if n != 1 {
			t.Errorf("%+v holds %d places", pl, n)
		}
		if p := pl.Position; p != nil && (p.LatE6 < -iltod.MaxLatE6 || p.LatE6 > iltod.MaxLatE6 || p.LonE6 < -iltod.MaxLonE6 || p.LonE6 > iltod.MaxLonE6) {
			t.Errorf("a position off the globe: %+v", p)
		}
	})
}

// FuzzConFormTime checks that a time read from the form is in UTC, to the second, and
// reads back the same when written as a browser sends it.
func FuzzConFormTime(f *testing.F) {
	for _, s := range []string{"2024-06-28T10:15", "2024-06-28T10:15:30", "", "28/06/2024", "2024-13-01T00:00", " 2024-06-28T10:15 "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		tm, err := conFormTime(s)
		if err != nil || tm.IsZero() {
			return
		}
		if tm.Location() != time.UTC || tm.Nanosecond() != 0 {
			t.Errorf("%q read as %v", s, tm)
		}
		if again, err := conFormTime(tm.Format("2006-01-02T15:04:05")); err != nil || !again.Equal(tm) {
			t.Errorf("%q read as %v, which reads back as %v, %v", s, tm, again, err)
		}
	})
}
