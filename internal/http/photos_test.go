package http

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"html"
	"image"
	"image/color"
	"image/jpeg"
	"image/png"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/simulate"
)

// photoTestImage returns a small image, different for each seed.
func photoTestImage(seed int) image.Image {
	img := image.NewRGBA(image.Rect(0, 0, 40, 30))
	for y := range 30 {
		for x := range 40 {
			img.Set(x, y, color.RGBA{uint8(x*6 + seed), uint8(y * 8), uint8(seed * 40), 0xff})
		}
	}
	return img
}

func photoJPEG(t *testing.T, seed int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := jpeg.Encode(&buf, photoTestImage(seed), nil); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func photoPNG(t *testing.T, seed int) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := png.Encode(&buf, photoTestImage(seed)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// withEXIF returns a JPEG with an EXIF segment, as a phone's camera writes it, after SOI.
func withEXIF(b []byte) []byte {
	payload := []byte("Exif\x00\x00MM\x00\x2a\x00\x00\x00\x08\x00\x00")
	seg := binary.BigEndian.AppendUint16([]byte{0xff, 0xe1}, uint16(len(payload)+2))
	seg = append(seg, payload...)
	return append(append(append([]byte{}, b[:2]...), seg...), b[2:]...)
}

func hexSHA(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// photoRequest sends a photo as a phone would and returns the status and the body.
func photoRequest(t *testing.T, base, method, path, contentType string, body []byte) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(method, base+path, bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp, out
}

// TestPhotos drives protocol photos end to end over a real SQLite store: the upload's
// refusals, its acceptance once a report names the photo, the public station table and
// image, the clerk's entry page, and what is never public.
func TestPhotos(t *testing.T) {
	// The demo, whose results form asks for PHOTO, with a photo question on the incident
	// form too (not a results form: never public).
	env := newConEnvWith(t, func(p *iltod.Package) {
		for i := range p.Forms {
			if f := &p.Forms[i]; f.Kind == iltod.Incident {
				f.Questions = append(f.Questions, iltod.Question{Tag: "PH", Type: iltod.Photo, Label: iltod.Text{"en": "Photo", "mn": "Зураг"}})
			}
		}
	})
	ctx := context.Background()
	sys := app.SystemContext(ctx)
	p := env.pkg
	e := p.Election.ID
	results, err := simulate.Official(p, simulate.Truth(p, simulate.DefaultSeed), simulate.Tampering{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := env.a.ImportOfficial(sys, iltod.OfficialRelease{Election: e, Source: "test",
		Published: time.Date(2024, 6, 29, 6, 0, 0, 0, time.UTC)}, results, nil); err != nil {
		t.Fatal(err)
	}
	// A station in Ulaanbaatar, outside the coordinator's Arkhangai, and who reports there.
	var station string
	var observers []app.ReportingObserver
	for _, st := range p.Stations {
		if strings.HasPrefix(st.Area, "MN-UB") {
			obs, err := env.a.ReportingObservers(sys, e, st.Code)
			if err != nil {
				t.Fatal(err)
			}
			if len(obs) >= 2 {
				station, observers = st.Code, obs
				break
			}
		}
	}
	if station == "" {
		t.Fatal("no station in Ulaanbaatar with two observers")
	}
	api := env.ts.URL + "/api/v1/photos/"

	protocol := photoJPEG(t, 1) // on the results form: public
	incident := photoPNG(t, 2)  // on the incident form: staff only
	exif := withEXIF(photoJPEG(t, 3))
	text := []byte("not an image, though a report names it")
	if _, err := jpeg.Decode(bytes.NewReader(exif)); err != nil {
		t.Fatalf("the EXIF test photo is no JPEG: %v", err)
	}

	// Before any report names it, a photo is refused: the phone tries again later.
	resp, body := photoRequest(t, api, http.MethodPut, hexSHA(protocol), "image/jpeg", protocol)
	if resp.StatusCode != http.StatusNotFound || !strings.Contains(string(body), `"not_found"`) {
		t.Fatalf("a photo no report names: %s %s", resp.Status, body)
	}

	submit := func(form, observer string, answers map[string]iltod.Value) string {
		t.Helper()
		res, err := env.a.ClerkSubmit(sys, app.ClerkEntry{Election: e, Station: station, Form: form,
			Observer: observer, Medium: "phone", Answers: conFill(t, env.a, e, station, form, answers)})
		if err != nil {
			t.Fatalf("submit %s: %v", form, err)
		}
		return res.Receipt.ID
	}
	photo := func(b []byte) iltod.Value { return iltod.StrValue(hexSHA(b)) }
	resultsID := submit("results", observers[0].Code, map[string]iltod.Value{"PHOTO": photo(protocol)})
	submit("results", observers[1].Code, map[string]iltod.Value{"PHOTO": photo(exif)})
	submit("incident", observers[0].Code, map[string]iltod.Value{"PH": photo(incident)})
	submit("incident", observers[1].Code, map[string]iltod.Value{"PH": photo(text)})

	// Two observers' photos of one station differ, as they always will: no conflict.
	rec, err := env.a.StationRecord(sys, e, station, "results")
	if err != nil {
		t.Fatal(err)
	}
	if f := rec.Fields["PHOTO"]; len(rec.Conflicts) != 0 || f.Conflict || len(f.Variants) != 2 {
		t.Errorf("the station record: conflicts %v, PHOTO %+v; want no conflict and two variants", rec.Conflicts, f)
	}
	queue, err := env.a.ReviewQueue(sys, e)
	if err != nil {
		t.Fatal(err)
	}
	for _, it := range queue {
		if it.Kind == "conflict" && it.Station == station {
			t.Errorf("the review queue holds a conflict at %s: %v", station, it.Conflicts)
		}
	}

	// Refused, each with its reason, storing nothing.
	for _, tt := range []struct {
		name, path string
		body       []byte
		status     int
		says       string
	}{
		{"the bytes of another photo", hexSHA(protocol), incident, 400, hexSHA(incident)},
		{"an address that is no hash", "XYZ", protocol, 400, `\"XYZ\" is not a SHA-256`},
		{"an upper-case hash", strings.ToUpper(hexSHA(protocol)), protocol, 400, "is not a SHA-256"},
		{"EXIF", hexSHA(exif), exif, 400, "metadata (JPEG APP1)"},
		{"not an image", hexSHA(text), text, 400, "neither a JPEG nor a PNG"},
		{"empty", hexSHA(nil), nil, 400, "empty"},
		{"unknown", hexSHA(photoJPEG(t, 9)), photoJPEG(t, 9), 404, "send the report first"},
	} {
		resp, body := photoRequest(t, api, http.MethodPut, tt.path, "image/jpeg", tt.body)
		if resp.StatusCode != tt.status || !strings.Contains(string(body), tt.says) {
			t.Errorf("%s: %s %s; want %d saying %q", tt.name, resp.Status, body, tt.status, tt.says)
		}
	}
	for _, b := range [][]byte{exif, text, protocol, incident} {
		if _, err := env.a.Store().Blob(ctx, sha256.Sum256(b)); iltod.ErrorCodeOf(err) != iltod.ENotFound {
			t.Errorf("a refused photo is stored: %v", err)
		}
	}
	// Larger than 8 MiB: refused before it is read to the end.
	resp, body = photoRequest(t, api, http.MethodPut, hexSHA(protocol), "image/jpeg", make([]byte, iltod.MaxPhotoBytes+1))
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("9 MiB: %s %s", resp.Status, body)
	}
	// Messages follow Accept-Language.
	req, _ := http.NewRequest(http.MethodPut, api+hexSHA(text), bytes.NewReader(text))
	req.Header.Set("Accept-Language", "mn")
	if resp, err := http.DefaultClient.Do(req); err != nil {
		t.Fatal(err)
	} else {
		var eb errorBody
		json.NewDecoder(resp.Body).Decode(&eb)
		resp.Body.Close()
		if eb.Error.Message != tr("mn", "error.photo.not_image") {
			t.Errorf("the error in Mongolian: %q", eb.Error.Message)
		}
	}

	// Accepted once named, whatever Content-Type says; again, it is held already.
	for i, want := range []int{http.StatusCreated, http.StatusOK} {
		resp, body := photoRequest(t, api, http.MethodPut, hexSHA(protocol), "application/octet-stream", protocol)
		var got photoBody
		json.Unmarshal(body, &got)
		if resp.StatusCode != want || got.MediaType != "image/jpeg" || got.Stored != (i == 0) || got.SHA256 != hexSHA(protocol) {
			t.Fatalf("upload %d: %s %s", i+1, resp.Status, body)
		}
	}
	resp, body = photoRequest(t, api, http.MethodPut, hexSHA(incident), "image/png", incident)
	if resp.StatusCode != http.StatusCreated || !strings.Contains(string(body), `"image/png"`) {
		t.Fatalf("the incident photo: %s %s", resp.Status, body)
	}

	// The public image: the same bytes, cached for good, never sniffed.
	pub := env.ts.URL + "/e/" + e + "/photos/"
	resp, body = photoRequest(t, pub, http.MethodGet, hexSHA(protocol), "", nil)
	if resp.StatusCode != 200 || !bytes.Equal(body, protocol) {
		t.Fatalf("the public photo: %s, %d bytes, identical %v", resp.Status, len(body), bytes.Equal(body, protocol))
	}
	for h, want := range map[string]string{"Content-Type": "image/jpeg", "Cache-Control": "public, max-age=31536000, immutable",
		"X-Content-Type-Options": "nosniff", "ETag": `"` + hexSHA(protocol) + `"`} {
		if got := resp.Header.Get(h); got != want {
			t.Errorf("the public photo's %s is %q, want %q", h, got, want)
		}
	}
	req, _ = http.NewRequest(http.MethodGet, pub+hexSHA(protocol), nil)
	req.Header.Set("If-None-Match", `"`+hexSHA(protocol)+`"`)
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusNotModified {
		t.Errorf("If-None-Match: %v %v", resp.Status, err)
	} else {
		resp.Body.Close()
	}
	// Not public: the incident's photo, photos not received, unknown ones, other elections.
	for _, path := range []string{pub + hexSHA(incident), pub + hexSHA(exif), pub + hexSHA(text), pub + hexSHA([]byte("x")), pub + "nothex",
		env.ts.URL + "/e/no-such-election/photos/" + hexSHA(protocol)} {
		resp, _ := photoRequest(t, path, http.MethodGet, "", "", nil)
		if resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusBadRequest {
			t.Errorf("GET %s: %s, want 404", strings.TrimPrefix(path, env.ts.URL), resp.Status)
		}
	}

	// The station table shows the protocol beside the figures, with alt text and the
	// hash in full in a title; not the incident's photo.
	resp, body = photoRequest(t, env.ts.URL, http.MethodGet, "/e/"+e+"/stations?lang=en", "", nil)
	page := string(body)
	if resp.StatusCode != 200 {
		t.Fatalf("the station table: %s", resp.Status)
	}
	short := hexSHA(protocol)[:12]
	for _, want := range []string{
		`<tr data-station="` + station + `"`,
		`<img src="/e/` + e + `/photos/` + hexSHA(protocol) + `" alt="` + html.EscapeString(tr("en", "public.photo.alt", map[string]any{"Station": station})) + `"`,
		`title="SHA-256 ` + hexSHA(protocol) + `"`,
		"Photo " + short + "…",
		tr("en", "public.photo.column"),
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the station table lacks %s", want)
		}
	}
	for _, leak := range []string{hexSHA(incident), hexSHA(exif)} {
		if strings.Contains(page, leak) {
			t.Errorf("the station table shows a photo that is not public: %s", leak)
		}
	}
	resp, body = photoRequest(t, env.ts.URL, http.MethodGet, "/e/"+e+"/stations?lang=mn", "", nil)
	if resp.StatusCode != 200 || !strings.Contains(string(body), tr("mn", "public.photo.alt", map[string]any{"Station": station})) {
		t.Errorf("the Mongolian station table lacks the photo's alt text")
	}

	// Privacy: neither the public page nor the image holds an observer's name or phone.
	phones := map[string]bool{}
	for _, o := range p.Observers {
		for _, ph := range o.Phones {
			phones[strings.TrimPrefix(ph, "+")] = true
		}
	}
	for _, o := range observers {
		if o.Name == "" {
			t.Fatal("the reporting observers have no names to look for")
		}
		for _, text := range []string{page, string(protocol)} {
			if strings.Contains(text, o.Name) {
				t.Errorf("observer %s's name is public", o.Code)
			}
		}
	}
	if found := phoneNumbersIn(page, phones); len(found) > 0 {
		t.Errorf("the station table holds phone numbers %v", found)
	}

	// Staff: the clerk's entry page shows every photo of the station, and the pending one.
	clerk := env.signIn("clerk")
	status, entry := clerk.get("/staff/e/" + e + "/enter?station=" + station + "&form=results")
	if status != 200 {
		t.Fatalf("the entry page: %d", status)
	}
	staff := "/staff/e/" + e + "/photos/"
	for _, want := range []string{`<img src="` + staff + hexSHA(protocol) + `"`, `<img src="` + staff + hexSHA(incident) + `"`,
		hexSHA(exif)[:12] + "…", `<option value="` + hexSHA(protocol) + `"`, `<h2 id="photos-heading">`} {
		if !strings.Contains(entry, want) {
			t.Errorf("the entry page lacks %s", want)
		}
	}
	if strings.Contains(entry, `<img src="`+staff+hexSHA(exif)) {
		t.Errorf("the entry page shows a photo that was not received")
	}
	if status, got := clerk.get(staff + hexSHA(incident)); status != 200 || got != string(incident) {
		t.Errorf("the clerk's incident photo: %d, identical %v", status, got == string(incident))
	}
	if status, _ := env.signIn("coord").get(staff + hexSHA(incident)); status != http.StatusForbidden {
		t.Errorf("the coordinator of Arkhangai sees a photo of Ulaanbaatar: %d", status)
	}
	if status, loc := env.browser().get(staff + hexSHA(incident)); status != http.StatusSeeOther || !strings.HasPrefix(loc, "/staff/login") {
		t.Errorf("the staff photo without a session: %d %s", status, loc)
	}
	if status, _ := clerk.get(staff + hexSHA(photoJPEG(t, 9))); status != http.StatusNotFound {
		t.Errorf("a photo no report names, for staff: %d", status)
	}

	// Rejected, the report no longer publishes its photo.
	if err := env.a.Review(sys, e, resultsID, app.Reject, "test: a staged photo"); err != nil {
		t.Fatal(err)
	}
	if resp, _ := photoRequest(t, pub, http.MethodGet, hexSHA(protocol), "", nil); resp.StatusCode != http.StatusNotFound {
		t.Errorf("the photo of a rejected report: %s", resp.Status)
	}
}
