package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/auth"
	"github.com/iltod/iltod/locales"
)

// incidentDemo is the demo, not simulated, with its fictional incidents and, on top, the
// privacy fixture's incidents: each hidden part carries a canary, a unique string that
// must never reach the public side.
type incidentDemo struct {
	m      *Main
	base   string // the server's URL, ending in "/"
	logs   *syncBuffer
	seeded *demoIncidents
	// secret lists the strings no public byte may hold; secretBytes the evidence
	// originals; reporters the reporters' observer codes; phones every observer's phones.
	secret      []string
	secretBytes [][]byte
	reporters   []string
	phones      map[string]bool
	// hashes are those of withheld evidence: not secret in a server's log line, but
	// never published.
	hashes []string
	// shown are canaries of published parts, which the incidents page and API must
	// show: the check that the crawl sees incidents at all.
	shown []string
}

// clientIP is the address every request of the crawl claims to come from, by the
// headers a proxy would set; no response may echo it.
const clientIP = "203.0.113.77"

func newIncidentDemo(t *testing.T) *incidentDemo {
	t.Helper()
	root := t.TempDir()
	d := &incidentDemo{logs: &syncBuffer{}, phones: map[string]bool{}}
	d.m = &Main{
		Config: ServeConfig{Store: StoreConfig{DataDir: filepath.Join(root, "data")}, Addr: "127.0.0.1:0", Origin: DemoOrigin},
		Logger: slog.New(slog.NewTextHandler(d.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	ctx := context.Background()
	if err := d.m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { d.m.Close() })
	d.m.App.SetPasswordParams(auth.TestParams)
	if _, err := loadDemo(ctx, d.m); err != nil {
		t.Fatal(err)
	}
	var err error
	if d.seeded, err = seedDemoIncidents(ctx, locales.For("en"), d.m, root); err != nil {
		t.Fatal(err)
	}
	if d.seeded.Identity != filepath.Join(root, DemoIdentityFile) {
		t.Fatalf("identity at %q, want next to the data directory", d.seeded.Identity)
	}
	d.addCanaries(t)
	d.collectSecrets(t)
	if err := d.m.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	d.base = d.m.URL()
	return d
}

// canary returns a unique marker named what.
func canary(what string) string {
	b := make([]byte, 6)
	rand.Read(b)
	return "CANARY" + what + hex.EncodeToString(b)
}

// addCanaries reports the fixture's incidents: unverified, rejected, verified but not
// redacted, and verified and redacted with each kind of part hidden.
func (d *incidentDemo) addCanaries(t *testing.T) {
	t.Helper()
	ctx := app.SystemContext(context.Background())
	a, e := d.m.App, demo.ElectionID
	observers, err := a.Observers(ctx, e)
	if err != nil || len(observers) < 3 {
		t.Fatalf("observers: %v", err)
	}
	hiddenActor := iltod.Actor{Code: "canary-hidden-actor", Election: e, Kind: iltod.ActorPerson,
		Name: iltod.Text{"en": canary("ACTORNAME"), "mn": canary("ACTORNAME")}, Notes: canary("ACTORNOTES")}
	if err := a.PutActor(ctx, hiddenActor, "privacy test"); err != nil {
		t.Fatal(err)
	}
	d.secret = append(d.secret, hiddenActor.Code, hiddenActor.Name["en"], hiddenActor.Name["mn"], hiddenActor.Notes)
	seal := func(what string) iltod.EvidenceRef {
		plain := []byte(canary("EVIDENCE" + what))
		ref, err := a.SealEvidence(ctx, plain)
		if err != nil {
			t.Fatal(err)
		}
		d.secretBytes = append(d.secretBytes, plain)
		return ref
	}
	report := func(r app.IncidentReport) iltod.IncidentRecord {
		t.Helper()
		r.Election, r.Severity = e, "high"
		if r.Category == "" {
			r.Category = "election.intimidation"
		}
		if r.Start.IsZero() {
			r.Start = time.Date(2024, 6, 27, 9, 0, 0, 0, time.UTC)
		}
		if r.Place == (iltod.Place{}) {
			r.Place = iltod.Place{Area: "MN-DZ"}
		}
		in, err := a.ReportIncident(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		return in
	}
	step := func(in iltod.IncidentRecord, to ...iltod.IncidentStatus) {
		t.Helper()
		for _, s := range to {
			if err := a.VerifyIncident(ctx, e, in.ID, s, "privacy test"); err != nil {
				t.Fatal(err)
			}
		}
	}
	verified := []iltod.IncidentStatus{iltod.IncidentCorroborated, iltod.IncidentVerified}

	// Unverified, from an observer, with evidence.
	unv := report(app.IncidentReport{Narrative: canary("UNVERIFIED"), Source: iltod.SourceObserver, Observer: observers[0].Code,
		Evidence: []iltod.EvidenceRef{seal("UNV")}})
	d.secret = append(d.secret, unv.Narrative)
	d.reporters = append(d.reporters, observers[0].Code)
	// Corroborated, rejected, and verified but not redacted.
	cor := report(app.IncidentReport{Narrative: canary("CORROBORATED"), Source: iltod.SourceObserver, Observer: observers[1].Code})
	step(cor, iltod.IncidentCorroborated)
	rej := report(app.IncidentReport{Narrative: canary("REJECTED"), Source: iltod.SourceCitizen})
	step(rej, iltod.IncidentRejected)
	unr := report(app.IncidentReport{Narrative: canary("UNREDACTED"), Source: iltod.SourceStaff, Evidence: []iltod.EvidenceRef{seal("UNR")}})
	step(unr, verified...)
	d.secret = append(d.secret, cor.Narrative, rej.Narrative, unr.Narrative)
	d.hashes = append(d.hashes, unr.Evidence[0].PlainSHA256)
	d.reporters = append(d.reporters, observers[1].Code)

	// Verified and redacted: its narrative hidden, one evidence and one actor hidden.
	kept, hidden := seal("KEPT"), seal("HIDDEN")
	red := report(app.IncidentReport{Narrative: canary("REDACTEDNARRATIVE"), Source: iltod.SourceObserver, Observer: observers[2].Code,
		Category: "freedoms.journalist_attacked", Evidence: []iltod.EvidenceRef{kept, hidden}})
	d.reporters = append(d.reporters, observers[2].Code)
	step(red, verified...)
	if err := a.LinkActor(ctx, e, red.ID, iltod.ActorLink{Actor: hiddenActor.Code, Role: iltod.RoleOrdered, Evidence: []string{hidden.PlainSHA256}}, "privacy test"); err != nil {
		t.Fatal(err)
	}
	if err := a.LinkActor(ctx, e, red.ID, iltod.ActorLink{Actor: "demo-person-batbold", Role: iltod.RoleResponsibleFor, Evidence: []string{kept.PlainSHA256, hidden.PlainSHA256}}, "privacy test"); err != nil {
		t.Fatal(err)
	}
	reasons := []iltod.Redaction{
		{Field: "narrative", Reason: canary("REASONWITNESS")},
		{Field: "evidence/" + hidden.PlainSHA256, Reason: canary("REASONFACE")},
		{Field: "actor/" + hiddenActor.Code, Reason: canary("REASONACTOR")},
	}
	if err := a.RedactIncident(ctx, e, red.ID, reasons, "privacy test"); err != nil {
		t.Fatal(err)
	}
	d.secret = append(d.secret, red.Narrative)
	d.hashes = append(d.hashes, hidden.PlainSHA256, hidden.CipherSHA256)
	d.shown = append(d.shown, red.ID, kept.PlainSHA256)

	// Verified and redacted, its place and time hidden; its narrative is published.
	pt := report(app.IncidentReport{Narrative: canary("PUBLISHED"), Source: iltod.SourceCitizen,
		Start: time.Date(2024, 6, 3, 4, 5, 6, 0, time.UTC), Place: iltod.Place{Position: &iltod.Position{LatE6: 46_987_654, LonE6: 95_123_456, AccuracyM: 30}}})
	step(pt, verified...)
	if err := a.RedactIncident(ctx, e, pt.ID, []iltod.Redaction{{Field: "place", Reason: canary("REASONHOME")}, {Field: "time", Reason: canary("REASONHOUR")}}, "privacy test"); err != nil {
		t.Fatal(err)
	}
	d.secret = append(d.secret, "46.987", "95.123", "46987654", "95123456", "2024-06-03")
	d.shown = append(d.shown, pt.Narrative)
}

// collectSecrets adds what the stored incidents hold that must stay hidden: the
// narratives of every incident not published or published without its narrative, every
// reason for hiding, every reporter; and every observer's phones. (Observers' names are
// not among them: the demo draws them from the same few names as its candidates'.)
func (d *incidentDemo) collectSecrets(t *testing.T) {
	t.Helper()
	ctx := app.SystemContext(context.Background())
	all, err := d.m.App.IncidentRecords(ctx, demo.ElectionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range all {
		p, ok := in.Published()
		if !ok || p.Narrative == "" {
			d.secret = append(d.secret, in.Narrative)
		}
		for _, r := range in.Redactions {
			d.secret = append(d.secret, r.Reason)
		}
		if in.Source == iltod.SourceObserver && !slices.Contains(d.reporters, in.Reporter) {
			d.reporters = append(d.reporters, in.Reporter)
		}
	}
	d.secret = append(d.secret, clientIP)
	d.secretBytes = append(d.secretBytes, d.seeded.Plaintexts...)
	pkg, err := d.m.App.ExportPackage(ctx, demo.ElectionID)
	if err != nil {
		t.Fatal(err)
	}
	for _, o := range pkg.Observers {
		for _, ph := range o.Phones {
			d.phones[strings.TrimPrefix(ph, "+")] = true
		}
	}
	if len(d.phones) == 0 || len(d.reporters) < 4 {
		t.Fatalf("fixture: %d phones, reporters %v", len(d.phones), d.reporters)
	}
}

var phoneRe = regexp.MustCompile(`\d{8,}`)

// leaks returns what of the secrets body holds; published, whether it holds the hashes
// of withheld evidence too.
func (d *incidentDemo) leaks(body []byte, published bool) []string {
	text := string(body)
	un := html.UnescapeString(text)
	var out []string
	for _, h := range d.hashes {
		if published && strings.Contains(text, h) {
			out = append(out, "withheld evidence "+h)
		}
	}
	for _, s := range d.secret {
		if s != "" && (strings.Contains(text, s) || strings.Contains(un, s)) {
			out = append(out, "secret "+trunc(s))
		}
	}
	for _, b := range d.secretBytes {
		if bytes.Contains(body, b) {
			out = append(out, "evidence plaintext "+trunc(string(b)))
		}
	}
	for _, r := range d.reporters {
		if regexp.MustCompile(`(^|[^0-9A-Za-z])` + regexp.QuoteMeta(r) + `($|[^0-9A-Za-z])`).MatchString(un) {
			out = append(out, "reporter "+r)
		}
	}
	for _, m := range phoneRe.FindAllString(text, -1) {
		if d.phones[m] {
			out = append(out, "phone "+m)
		}
	}
	return out
}

func trunc(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// fetch GETs path (from the server's root) as a member of the public behind a proxy.
func (d *incidentDemo) fetch(t *testing.T, path string) (int, string, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, d.base+strings.TrimPrefix(path, "/"), nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("X-Forwarded-For", clientIP)
	req.Header.Set("X-Real-IP", clientIP)
	req.Header.Set("Forwarded", "for="+clientIP)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return resp.StatusCode, resp.Header.Get("Content-Type"), b
}

var linkRe = regexp.MustCompile(`(?:href|src)="([^"#]*)`)

// crawlKey groups the addresses of one kind of page, so that the crawl visits a few of
// each kind (every aimag's page is one template) rather than every area of the country.
func crawlKey(u *url.URL) string {
	parts := strings.Split(u.Path, "/")
	if len(parts) > 4 && (parts[3] == "areas" || parts[3] == "photos" || parts[3] == "evidence") {
		parts[4] = "*"
	}
	var keys []string
	for k := range u.Query() {
		if k != "lang" {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return strings.Join(parts, "/") + "?" + strings.Join(keys, "&")
}

// TestIncidentPrivacy crawls the public side of the demo with its fictional incidents and
// the privacy fixture: every page linked from the home page in both languages, every GET
// route of the public API (docs/openapi.yaml) and every download the pages link. No
// response holds a reporter's code or name, an observer's phone, the narrative of an
// unverified, corroborated, rejected or unredacted incident, a withheld narrative,
// place, time, evidence or actor, a reason for hiding, an evidence original, or the
// client's address. The published parts do appear, in both languages. The log's entry
// bundles, as a mirror fetches them, hold none of it; the store's events (whose hashes
// the leaves hold) and the server's log lines hold no narrative or reporter either.
func TestIncidentPrivacy(t *testing.T) {
	if testing.Short() {
		t.Skip("loads the demo and crawls its public site")
	}
	d := newIncidentDemo(t)
	e := demo.ElectionID

	type visit struct {
		path   string
		status int
	}
	seen := map[string]bool{}
	perKey := map[string]int{}
	var visited []visit
	queue := []string{"/?lang=mn", "/?lang=en", "/e/" + e + "/incidents?lang=mn", "/e/" + e + "/incidents?lang=en"}
	for _, p := range apiPaths(t, d) {
		queue = append(queue, p, p+"?format=csv")
	}
	check := func(path string, body []byte) {
		for _, l := range d.leaks(body, true) {
			t.Errorf("%s: %s", path, l)
		}
	}
	for len(queue) > 0 && len(visited) < 600 {
		path := queue[0]
		queue = queue[1:]
		if seen[path] {
			continue
		}
		seen[path] = true
		status, ctype, body := d.fetch(t, path)
		visited = append(visited, visit{path, status})
		check(path, body)
		if !strings.HasPrefix(ctype, "text/html") {
			continue
		}
		for _, m := range linkRe.FindAllStringSubmatch(string(body), -1) {
			u, err := url.Parse(html.UnescapeString(m[1]))
			if err != nil || u.Host != "" || !strings.HasPrefix(u.Path, "/") {
				continue
			}
			if strings.HasPrefix(u.Path, "/staff") && u.Path != "/staff/login" {
				continue
			}
			if strings.HasPrefix(u.Path, "/log/tile") {
				continue // the log's leaves are checked below, from the store's events
			}
			key := crawlKey(u) + "|" + u.Query().Get("lang")
			next := u.RequestURI()
			if seen[next] || perKey[key] >= 3 {
				continue
			}
			perKey[key]++
			queue = append(queue, next)
		}
	}
	t.Logf("crawled %d addresses", len(visited))
	mustHave := []string{"/e/" + e + "/incidents", "/e/" + e + "/data", "/api/v1/elections/" + e + "/incidents", "/e/" + e + "/evidence/"}
	for _, want := range mustHave {
		if !slices.ContainsFunc(visited, func(v visit) bool { return strings.HasPrefix(v.path, want) && v.status == 200 }) {
			t.Errorf("the crawl never reached %s with status 200", want)
		}
	}

	// The published parts are shown: the crawl sees incidents, in both languages.
	for _, path := range []string{"/e/" + e + "/incidents?lang=mn", "/e/" + e + "/incidents?lang=en", "/api/v1/elections/" + e + "/incidents", "/api/v1/elections/" + e + "/incidents?format=csv"} {
		_, _, body := d.fetch(t, path)
		for _, s := range d.shown {
			if !bytes.Contains(body, []byte(s)) {
				t.Errorf("%s does not show the published %q", path, s)
			}
		}
	}
	// Each published incident's copy: exactly the published ones, none unpublished.
	var api struct {
		Incidents []struct {
			ID       string `json:"id"`
			Status   string `json:"status"`
			Evidence []struct {
				PublicURL string `json:"public_url"`
			} `json:"evidence"`
		} `json:"incidents"`
	}
	_, _, body := d.fetch(t, "/api/v1/elections/"+e+"/incidents")
	if err := json.Unmarshal(body, &api); err != nil {
		t.Fatal(err)
	}
	pub, err := d.m.App.PublishedIncidents(context.Background(), e)
	if err != nil {
		t.Fatal(err)
	}
	if len(api.Incidents) != len(pub) || len(pub) != d.seeded.Published+2 {
		t.Errorf("the API lists %d incidents; %d are published (%d of the demo's, and 2 of the fixture's)", len(api.Incidents), len(pub), d.seeded.Published)
	}
	images := 0
	for _, in := range api.Incidents {
		if in.Status != "verified" {
			t.Errorf("incident %s published with status %s", in.ID, in.Status)
		}
		for _, ev := range in.Evidence {
			if ev.PublicURL == "" {
				continue
			}
			status, ctype, img := d.fetch(t, ev.PublicURL)
			if status != 200 || ctype != "image/jpeg" || bytes.Contains(img, []byte("Exif")) {
				t.Errorf("%s: status %d, %s, %d bytes", ev.PublicURL, status, ctype, len(img))
			}
			images++
		}
	}
	if images == 0 {
		t.Error("no published incident has a published image copy")
	}
	// An original's or a ciphertext's hash is never served.
	ctx := app.SystemContext(context.Background())
	all, err := d.m.App.IncidentRecords(ctx, e)
	if err != nil {
		t.Fatal(err)
	}
	for _, in := range all {
		for _, ev := range in.Evidence {
			for _, h := range []string{ev.PlainSHA256, ev.CipherSHA256} {
				if status, _, _ := d.fetch(t, "/e/"+e+"/evidence/"+h); status != 404 {
					t.Errorf("evidence %s of incident %s served with status %d", h, in.ID, status)
				}
			}
		}
	}

	// The store's events, whose hashes the log's leaves hold, name no narrative nor reporter.
	for seq := uint64(1); ; seq++ {
		ev, err := d.m.Store.Event(context.Background(), seq)
		if iltod.ErrorCodeOf(err) == iltod.ENotFound {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		if ev.Kind != iltod.EventIncident {
			continue
		}
		for _, in := range all {
			if in.Narrative != "" && bytes.Contains(ev.Detail, []byte(in.Narrative)) {
				t.Errorf("event %d holds the narrative of incident %s", seq, in.ID)
			}
			if in.Source == iltod.SourceObserver && bytes.Contains(ev.Detail, []byte(in.Reporter)) {
				t.Errorf("event %d names the reporter of incident %s", seq, in.ID)
			}
		}
	}
	// The log's entry bundles, as a mirror fetches them, hold none of the secrets.
	_, _, cp := d.fetch(t, "/log/checkpoint")
	lines := strings.Split(string(cp), "\n")
	size := 0
	if len(lines) > 1 {
		size, _ = strconv.Atoi(lines[1])
	}
	if size == 0 {
		t.Errorf("the log's checkpoint %q has no entries", cp)
	}
	for i := 0; i*256 < size && i < 1000; i++ {
		path := fmt.Sprintf("/log/tile/entries/%03d", i)
		if rest := size - i*256; rest < 256 {
			path += fmt.Sprintf(".p/%d", rest)
		}
		status, _, bundle := d.fetch(t, path)
		if status != 200 {
			t.Errorf("%s: status %d", path, status)
		}
		for _, l := range d.leaks(bundle, true) {
			t.Errorf("%s: %s", path, l)
		}
	}
	// Nor do the server's log lines.
	for _, l := range d.leaks([]byte(d.logs.String()), false) {
		t.Errorf("server log: %s", l)
	}
}

// apiPaths lists the GET routes of the public API in docs/openapi.yaml, each path
// parameter filled with an example of the demo; routes that need what a member of the
// public does not have (a report's id) are left out.
func apiPaths(t *testing.T, d *incidentDemo) []string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "..", "docs", "openapi.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Paths map[string]map[string]any `yaml:"paths"`
	}
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	pkg, err := d.m.App.PublicPackage(context.Background(), demo.ElectionID)
	if err != nil || len(pkg.Forms) == 0 {
		t.Fatalf("public package: %v", err)
	}
	fill := map[string]string{"{election}": demo.ElectionID, "{sha256}": strings.Repeat("0", 64)}
	var out []string
	for p, ops := range doc.Paths {
		if _, ok := ops["get"]; !ok {
			continue
		}
		for k, v := range fill {
			p = strings.ReplaceAll(p, k, v)
		}
		switch {
		case strings.Contains(p, "/areas/{code}"):
			p = strings.ReplaceAll(p, "{code}", "MN-AR")
		case strings.Contains(p, "/stations/{code}"):
			p = strings.ReplaceAll(p, "{code}", pkg.Stations[0].Code)
		case strings.Contains(p, "/contests/{code}"):
			p = strings.ReplaceAll(p, "{code}", pkg.Contests[0].Code)
		case strings.Contains(p, "/forms/{code}"):
			p = strings.ReplaceAll(p, "{code}", pkg.Forms[0].Code)
			p = strings.ReplaceAll(p, "{version}", "1")
		case strings.Contains(p, "/official/{version}"):
			p = strings.ReplaceAll(p, "{version}", "latest")
		}
		if strings.Contains(p, "{") {
			continue
		}
		out = append(out, p)
	}
	slices.Sort(out)
	return out
}
