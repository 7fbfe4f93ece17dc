package main

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"io"
	"maps"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/browsertest"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/ledger"
	"github.com/iltod/iltod/internal/testimage"
)

// observeFixture is the demo election served on loopback behind a counting proxy, so
// that a test can tell whether the browser reached the server at all.
type observeFixture struct {
	m     *Main
	data  string
	base  string // the proxy's URL, ending in "/", which the browser opens
	hits  *atomic.Int64
	srv   *httptest.Server
	pkg   *iltod.Package
	b     *browsertest.Browser
	shots string
	// handler is the proxy, for a test that serves it on another address too.
	handler http.Handler
}

// The observe tests share one server: loading the demo election is most of a
// fixture's time. Each test works with observers of its own (see observer's skip).
var (
	observeOnce   sync.Once
	sharedObserve *observeFixture
	observeErr    error
)

func newObserveFixture(t *testing.T) *observeFixture {
	t.Helper()
	b := browsertest.Start(t) // skips where no browser is installed, before the slow part
	browsertest.RequireAxe(t)
	observeOnce.Do(func() { sharedObserve, observeErr = startObserveServer() })
	if observeErr != nil {
		t.Fatal(observeErr)
	}
	f := *sharedObserve
	f.b = b
	f.shots = os.Getenv("ILTOD_OBSERVE_SCREENSHOTS")
	return &f
}

// startObserveServer serves the demo election (not simulated) behind a counting proxy.
func startObserveServer() (*observeFixture, error) {
	dir, err := os.MkdirTemp("", "iltod-observe-")
	if err != nil {
		return nil, err
	}
	f := &observeFixture{data: dir, hits: &atomic.Int64{}}
	f.m = &Main{Config: ServeConfig{Store: StoreConfig{DataDir: dir}, Addr: "127.0.0.1:0", Origin: DemoOrigin}}
	ctx := context.Background()
	if err := f.m.Open(ctx); err != nil {
		return f, err
	}
	if _, err := loadDemo(ctx, f.m); err != nil {
		return f, err
	}
	if err := f.m.Serve(ctx); err != nil {
		return f, err
	}
	target, _ := url.Parse(f.m.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	f.handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.hits.Add(1)
		proxy.ServeHTTP(w, r)
	})
	f.srv = httptest.NewServer(f.handler)
	f.base = f.srv.URL + "/"
	f.pkg, err = electionpkg.Read(demo.Package())
	return f, err
}

// close stops the shared server and removes its data; TestMain calls it.
func (f *observeFixture) close() {
	if f.srv != nil {
		f.srv.Close()
	}
	if f.m != nil {
		f.m.Close()
	}
	os.RemoveAll(f.data)
}

// observer returns an observer of one station with coordinates, and the station.
func (f *observeFixture) observer(t *testing.T, skip int) (iltod.Observer, iltod.Station) {
	t.Helper()
	stations := map[string]iltod.Station{}
	for _, s := range f.pkg.Stations {
		stations[s.Code] = s
	}
	for _, o := range f.pkg.Observers {
		if len(o.Stations) != 1 || stations[o.Stations[0]].Location == nil {
			continue
		}
		if skip > 0 {
			skip--
			continue
		}
		return o, stations[o.Stations[0]]
	}
	t.Fatal("the demo has no observer of one station with coordinates")
	return iltod.Observer{}, iltod.Station{}
}

func (f *observeFixture) issue(t *testing.T, observer string) string {
	t.Helper()
	code, _, err := f.m.App.IssueEnrollment(app.SystemContext(context.Background()), demo.ElectionID, observer, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// screenshot keeps a picture of the tab for the documentation, when
// ILTOD_OBSERVE_SCREENSHOTS names a directory.
func (f *observeFixture) screenshot(t *testing.T, tab *browsertest.Tab, name string) {
	t.Helper()
	if f.shots == "" {
		return
	}
	png := tab.ViewportPNG()
	if err := os.WriteFile(filepath.Join(f.shots, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// enroll opens the app in a fresh tab at phone size, enrolls with a code issued for
// observer, and waits for the stations.
func (f *observeFixture) enroll(t *testing.T, observer string, shot string) *browsertest.Tab {
	t.Helper()
	tab := f.b.NewTab(t)
	tab.SetPhoneViewport(390, 844)
	tab.Navigate(f.base + "observe/")
	tab.WaitVisible("#code")
	if got := tab.Attr("html", "lang"); got != "mn" {
		t.Errorf("the app opens in %q, want Mongolian", got)
	}
	checkAxe(t, tab, "enrollment (mn)")
	tab.Type("#code", f.issue(t, observer))
	if shot != "" {
		f.screenshot(t, tab, shot)
	}
	tab.Click("#enroll")
	tab.WaitVisible(".station")
	return tab
}

func checkAxe(t *testing.T, tab *browsertest.Tab, what string) {
	t.Helper()
	// At a phone's width nothing scrolls sideways.
	var wide struct{ Scroll, Client int }
	tab.Eval(`({scroll: document.documentElement.scrollWidth, client: document.documentElement.clientWidth})`, &wide)
	if wide.Scroll > wide.Client {
		t.Errorf("%s: the page is %d px wide in a %d px window", what, wide.Scroll, wide.Client)
	}
	// A value the script failed to fill shows as a stray word.
	for _, w := range strings.Fields(tab.Text("body")) {
		if w == "null" || w == "undefined" || w == "NaN" || strings.Contains(w, "{{") || strings.HasPrefix(w, "observe.") {
			t.Errorf("%s: the page shows %q: %q", what, w, tab.Text("body"))
			break
		}
	}
	if v := tab.AxeViolations(); len(v) > 0 {
		for _, x := range v {
			t.Errorf("%s: axe-core: %s", what, x)
		}
	}
	for _, e := range tab.ConsoleErrors() {
		// A refusal the test asked for (a 4xx answer of the API) is logged by the
		// browser; scripts' exceptions and Content-Security-Policy violations are not
		// allowed.
		if strings.HasPrefix(e, "network: Failed to load resource: the server responded with a status of 4") && strings.Contains(e, "/api/v1/") {
			continue
		}
		// Over plain HTTP on the network (TestObserverAppInsecure) the browser ignores
		// the Cross-Origin-Opener-Policy header and says so: that is the situation
		// under test, not a fault of the page.
		if strings.Contains(e, "Cross-Origin-Opener-Policy header has been ignored, because the URL's origin was untrustworthy") {
			continue
		}
		t.Errorf("%s: console error: %s", what, e)
	}
}

// fillForm answers every question of the form on the page: values[tag] where given,
// else the question's minimum (or 0) for a count, the first option, "yes", 07:30.
func fillForm(t *testing.T, tab *browsertest.Tab, values map[string]int) {
	t.Helper()
	if values == nil {
		values = map[string]int{}
	}
	v, _ := json.Marshal(values)
	var n int
	tab.Eval(`(() => {
	  const values = `+string(v)+`;
	  let n = 0;
	  const fire = (e) => { e.dispatchEvent(new Event('input', {bubbles: true})); e.dispatchEvent(new Event('change', {bubbles: true})); };
	  for (const q of document.querySelectorAll('#report-form [data-q]')) {
	    const tag = q.getAttribute('data-q');
	    const num = q.querySelector('input[type=number]');
	    const time = q.querySelector('input[type=time]');
	    const area = q.querySelector('textarea');
	    const radio = q.querySelector('input[type=radio]');
	    const box = q.querySelector('input[type=checkbox]:not([data-na])');
	    if (num) { num.value = String(tag in values ? values[tag] : (num.min || 0)); fire(num); n++; }
	    else if (time) { time.value = '07:30'; fire(time); n++; }
	    else if (area) { area.value = 'Бүх зүйл хэвийн.'; fire(area); n++; }
	    else if (radio) { radio.checked = true; fire(radio); n++; }
	    else if (box) { box.checked = true; fire(box); n++; }
	  }
	  return n;
	})()`, &n)
	if n == 0 {
		t.Fatal("the form on the page has no question to fill")
	}
}

// resultValues are figures of the demo's results form that pass every check.
func resultValues(registered int, tags []string) map[string]int {
	v := map[string]int{"EA": registered, "EB": 500, "CB": 500, "CA": 480, "CX": 20, "PB": 500, "PA": 490, "PX": 10}
	for _, tag := range tags {
		switch {
		case strings.HasPrefix(tag, "KM"), strings.HasPrefix(tag, "K"):
			v[tag] = 10
		case strings.HasPrefix(tag, "PM"), len(tag) == 2 && tag[0] == 'P' && tag[1] >= '1' && tag[1] <= '9':
			v[tag] = 70
		}
	}
	return v
}

func formTags(t *testing.T, tab *browsertest.Tab) []string {
	t.Helper()
	var tags []string
	tab.Eval(`[...document.querySelectorAll('#report-form [data-q]')].map(q => q.getAttribute('data-q'))`, &tags)
	return tags
}

// inState returns how many reports on the queue page are, first of all, in state: the
// badge of their way to the log (queued, sent, logged) or refused.
func inState(t *testing.T, tab *browsertest.Tab, state string) int {
	t.Helper()
	n := 0
	for _, s := range reportStates(t, tab) {
		if len(s) > 0 && s[0] == state {
			n++
		}
	}
	return n
}

// reportStates returns, per report on the queue page, its data-state badges.
func reportStates(t *testing.T, tab *browsertest.Tab) map[string][]string {
	t.Helper()
	var out map[string][]string
	tab.Eval(`Object.fromEntries([...document.querySelectorAll('li.report')].map(li =>
	  [li.getAttribute('data-id'), [...li.querySelectorAll('.badge')].map(b => b.getAttribute('data-state'))]))`, &out)
	return out
}

func waitFor(t *testing.T, what string, d time.Duration, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("waited %v for %s", d, what)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// TestObserverAppOffline drives the observer app in headless Chromium as an observer
// would on election day: enroll with a code a coordinator issued, lose the signal,
// reopen the app from its service worker, fill a checklist and a results form with a
// protocol photo, see both queued, get the signal back, and see both reach the log. The
// server then holds both reports under the key the browser made, the exported receipts
// pass iltod verify receipts, and the public station page shows the photo without its
// metadata, its hash the one signed in the report.
func TestObserverAppOffline(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	f := newObserveFixture(t)
	obs, st := f.observer(t, 0)
	tab := f.enroll(t, obs.Code, "observe-enroll-mn")
	origin := strings.TrimSuffix(f.base, "/")
	tab.SetGeolocation(origin, st.Location.Lat+0.0002, st.Location.Lon, 15)
	if !strings.Contains(tab.Text(".station"), st.Code) {
		t.Errorf("the home view does not show station %s: %q", st.Code, tab.Text(".station"))
	}
	for _, form := range []string{"opening", "results"} {
		if !tab.Exists(fmt.Sprintf(`a[data-form=%q]`, form)) {
			t.Fatalf("the home view offers no %s form", form)
		}
	}
	checkAxe(t, tab, "stations (mn)")

	// The service worker controls the page before the signal goes.
	var controlled bool
	tab.Eval(`navigator.serviceWorker.ready.then(() => new Promise(r => {
	  if (navigator.serviceWorker.controller) return r(true);
	  navigator.serviceWorker.addEventListener('controllerchange', () => r(true));
	  setTimeout(() => r(!!navigator.serviceWorker.controller), 5000);
	}))`, &controlled)
	if !controlled {
		t.Fatal("no service worker controls the app")
	}

	// Settings: attach the position (the browser grants it).
	tab.Click(`#nav a[href="#/settings"]`)
	tab.WaitVisible("#position")
	tab.Click("#position")
	checkAxe(t, tab, "settings (mn)")

	// No signal: the app reopens from the service worker, without a single request.
	tab.SetOffline(true)
	before := f.hits.Load()
	tab.Navigate(f.base + "observe/")
	tab.WaitVisible(".station")
	if n := f.hits.Load() - before; n != 0 {
		t.Errorf("offline, the reload reached the server %d times", n)
	}

	// A checklist, then the results with a photo of the protocol.
	tab.Click(`a[data-form="opening"]`)
	tab.WaitVisible("#report-form")
	fillForm(t, tab, nil)
	tab.Click("#submit")
	tab.WaitVisible("li.report")

	tab.Click(`#nav a[href="#/"]`)
	tab.Click(`a[data-form="results"]`)
	tab.WaitVisible("#report-form")
	checkAxe(t, tab, "results form (mn)")
	fillForm(t, tab, resultValues(st.Registered, formTags(t, tab)))
	photo, gps := exifJPEG(t)
	tab.UploadFiles(`input[data-photo]`, photo)
	tab.WaitVisible(`[data-sha]`)
	f.screenshot(t, tab, "observe-form-mn")
	tab.Click("#submit")
	waitFor(t, "two queued reports", 10*time.Second, func() bool { return len(reportStates(t, tab)) == 2 })
	for id, states := range reportStates(t, tab) {
		if len(states) == 0 || states[0] != "queued" {
			t.Errorf("offline, report %s is %v, want queued", id, states)
		}
	}
	if n := f.hits.Load() - before; n != 0 {
		t.Errorf("offline, the app reached the server %d times", n)
	}
	f.screenshot(t, tab, "observe-queue-mn")
	checkAxe(t, tab, "queue (mn)")

	// The signal returns: both go out, and their receipts come back.
	tab.SetOffline(false)
	waitFor(t, "both reports in the log", 60*time.Second, func() bool {
		return inState(t, tab, "logged") == 2
	})
	for id, states := range reportStates(t, tab) {
		for _, s := range states[1:] {
			t.Errorf("report %s is also %q", id, s)
		}
	}
	f.screenshot(t, tab, "observe-queue-logged-mn")

	// The server holds both, under the key the browser made.
	var keyID string
	appDB(t, tab, `const g = db.transaction('kv').objectStore('kv').get('device'); g.onsuccess = () => res(g.result.key_id); g.onerror = rej;`, &keyID)
	var extractable bool
	appDB(t, tab, `const g = db.transaction('kv').objectStore('kv').get('device'); g.onsuccess = () => res(g.result.keys.privateKey.extractable);`, &extractable)
	if extractable {
		t.Error("the device's private key is extractable")
	}
	ids := make([]string, 0, 2)
	for id := range reportStates(t, tab) {
		ids = append(ids, id)
	}
	var signedPhoto string
	for _, id := range ids {
		sub, err := f.m.App.Store().Submission(context.Background(), demo.ElectionID, id)
		if err != nil {
			t.Fatalf("the server has no report %s: %v", id, err)
		}
		if sub.DeviceKey != keyID || sub.Observer != obs.Code || sub.Channel != iltod.ChannelApp {
			t.Errorf("report %s: device %s, observer %s, channel %s; want %s, %s, app", id, sub.DeviceKey, sub.Observer, sub.Channel, keyID, obs.Code)
		}
		if v, ok := sub.Report.Answers["PHOTO"]; ok {
			signedPhoto = v.Str
		}
		for _, c := range sub.Checks {
			if c.Outcome == iltod.CheckFail {
				t.Errorf("report %s (%s) is flagged: %s %s", id, sub.Report.Form, c.Code, c.DetailIn("en"))
			}
		}
	}

	// Sent twice, a report is still one report: the server answers with its receipt.
	var again struct {
		Status int    `json:"status"`
		Seqs   [2]int `json:"seqs"`
	}
	appDB(t, tab, `const g = db.transaction('reports').objectStore('reports').getAll(); g.onsuccess = async () => {
	    const rep = g.result[0];
	    const resp = await fetch('/api/v1/reports', {method: 'POST', body: rep.envelope, headers: {'Content-Type': 'application/json'}});
	    const j = await resp.json();
	    res({status: resp.status, seqs: [rep.receipt.seq, j.receipt.seq]}); };`, &again)
	if again.Status != http.StatusOK || again.Seqs[0] != again.Seqs[1] {
		t.Errorf("the same envelope sent again: status %d, seq %d then %d; want 200 and one seq", again.Status, again.Seqs[0], again.Seqs[1])
	}

	// Another observer (the supervisor) reports other figures for the station: the app
	// shows the conflict.
	if obs.Supervisor != "" {
		pubKey, priv, _ := ed25519.GenerateKey(rand.Reader)
		if _, err := f.m.App.Enroll(context.Background(), f.issue(t, obs.Supervisor), pubKey); err != nil {
			t.Fatal(err)
		}
		sub, err := f.m.App.Store().Submission(context.Background(), demo.ElectionID, resultsID(t, f, ids))
		if err != nil {
			t.Fatal(err)
		}
		rep := sub.Report
		rep.ID = "supervisor-other-figures"
		rep.Answers = maps.Clone(rep.Answers)
		rep.Answers["CX"] = iltod.IntValue(rep.Answers["CX"].Int + 5)
		rep.Answers["CB"] = iltod.IntValue(rep.Answers["CB"].Int + 5)
		delete(rep.Answers, "PHOTO")
		env, err := iltod.SignReport(rep, priv)
		if err != nil {
			t.Fatal(err)
		}
		if res, err := f.m.App.Submit(context.Background(), [][]byte{env.Bytes()}); err != nil || res[0].Err != nil {
			t.Fatalf("the supervisor's report: %v %v", err, res[0].Err)
		}
		tab.Click("#sync")
		waitFor(t, "the conflict shown", 30*time.Second, func() bool {
			for _, states := range reportStates(t, tab) {
				if slices.Contains(states, "conflict") {
					return true
				}
			}
			return false
		})
		if msg := tab.Text("li.report .conflicts"); !strings.Contains(msg, "CX") || !hasCyrillic(msg) {
			t.Errorf("the conflict is shown as %q, want the tag CX in Mongolian", msg)
		}
		f.screenshot(t, tab, "observe-conflict-mn")
	} else {
		t.Errorf("observer %s has no supervisor: the conflict is not tested", obs.Code)
	}

	// The exported receipts pass iltod verify receipts.
	dl := t.TempDir()
	tab.DownloadTo(dl)
	tab.Click("#export")
	var bundle string
	waitFor(t, "the receipts file", 10*time.Second, func() bool {
		m, _ := filepath.Glob(filepath.Join(dl, "iltod-receipts-*.json"))
		if len(m) == 1 {
			bundle = m[0]
		}
		return bundle != ""
	})
	code, stdout, stderr := iltodCmd(t, "verify", "receipts", "-lang", "en", "-vkey", filepath.Join(f.data, ledger.VKeyFile), bundle)
	if code != 0 {
		t.Errorf("iltod verify receipts: exit %d\n%s%s", code, stdout, stderr)
	}
	t.Logf("iltod verify receipts:\n%s", stdout)

	// The protocol photo: on the public station page, without metadata, as signed.
	if signedPhoto == "" {
		t.Fatal("the results report carries no photo")
	}
	var srcs []string
	// The station table compares observers with official figures: publish the station's.
	official := iltod.StationResult{Station: st.Code, Contest: "LIST", Votes: map[string]int{},
		Counts: map[iltod.CountKind]int{iltod.CountCast: 500, iltod.CountValid: 490, iltod.CountInvalid: 10}}
	for _, c := range f.pkg.Contests {
		if c.Code == "LIST" {
			for _, ch := range c.Choices {
				official.Votes[ch.Code] = 70
			}
		}
	}
	if _, err := f.m.App.ImportOfficial(app.SystemContext(context.Background()), iltod.OfficialRelease{Election: demo.ElectionID,
		Source: "test: one station's protocol", Published: time.Now()}, []iltod.StationResult{official}, nil); err != nil {
		t.Fatal(err)
	}
	pub := f.b.NewTab(t)
	stationsPage := f.base + "e/" + demo.ElectionID + "/stations?contest=LIST&area=" + url.QueryEscape(st.Area) + "&lang=mn"
	var img []byte
	deadline := time.Now().Add(30 * time.Second) // the public pages are cached for a few seconds
	for img == nil && time.Now().Before(deadline) {
		pub.Navigate(stationsPage)
		pub.Eval(`[...document.querySelectorAll('img')].map(i => i.getAttribute('src'))`, &srcs)
		for _, s := range srcs {
			if strings.Contains(s, signedPhoto) {
				img = httpGet(t, f.base+strings.TrimPrefix(s, "/"))
			}
		}
		if img == nil {
			time.Sleep(time.Second)
		}
	}
	if img == nil {
		var dbg any
		appDB(t, tab, `const g = db.transaction('reports').objectStore('reports').getAll(); g.onsuccess = () => res(g.result.map(x => x.photos));`, &dbg)
		t.Logf("photos on the phone: %v", dbg)
		ph, err := f.m.App.PublicStationPhotos(context.Background(), demo.ElectionID)
		t.Logf("public photos of %s: %v %v (of %d stations)", st.Code, ph[st.Code], err, len(ph))
		t.Logf("page %s: %s", stationsPage, pub.Text("main"))
		t.Fatalf("the public station page shows no photo %s; images %q", signedPhoto, srcs)
	}
	if row := pub.Text("tr:has(img[src*='" + signedPhoto + "'])"); !strings.Contains(row, st.Code) {
		t.Errorf("the photo is not in the row of station %s: %q", st.Code, row)
	}
	checkAxe(t, pub, "public station page with a photo (mn)")
	if got := sha256.Sum256(img); hex.EncodeToString(got[:]) != signedPhoto {
		t.Errorf("the public photo's SHA-256 is %x, the signed report names %s", got, signedPhoto)
	}
	if bytes.Contains(img, []byte("Exif")) || bytes.Contains(img, gps) {
		t.Error("the public photo still carries its EXIF metadata or GPS position")
	}
	if _, err := jpeg.Decode(bytes.NewReader(img)); err != nil {
		t.Errorf("the public photo is not a JPEG: %v", err)
	}
}

// TestObserverAppRefusesBrokenSum: results whose party votes do not add up to the
// valid ballots are refused on the phone, in Mongolian, and nothing is queued; the same
// report forced through the API is accepted and flagged by the server's QA.
func TestObserverAppRefusesBrokenSum(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	f := newObserveFixture(t)
	obs, st := f.observer(t, 1)
	tab := f.enroll(t, obs.Code, "")
	tab.Click(`a[data-form="results"]`)
	tab.WaitVisible("#report-form")
	tags := formTags(t, tab)
	values := resultValues(st.Registered, tags)
	values["P1"] += 25 // 515 votes for the parties, 490 valid ballots
	fillForm(t, tab, values)
	tab.Click("#submit")
	tab.WaitVisible("#form-problems")
	msg := tab.Text("#form-problems")
	if !hasCyrillic(msg) || !strings.Contains(msg, "PA") || !strings.Contains(msg, "515") {
		t.Errorf("the phone's refusal does not name the sum in Mongolian: %q", msg)
	}
	t.Logf("refused on the phone: %s", msg)
	checkAxe(t, tab, "refused results form (mn)")
	var queued int
	appDB(t, tab, `const c = db.transaction('reports').objectStore('reports').count(); c.onsuccess = () => res(c.result);`, &queued)
	if queued != 0 {
		t.Errorf("%d reports queued after the refusal", queued)
	}

	// The same answers, signed with a key enrolled through the API and sent anyway.
	answers := map[string]iltod.Value{}
	for tag, v := range values {
		answers[tag] = iltod.IntValue(int64(v))
	}
	var form iltod.Form
	for _, fm := range f.pkg.Forms {
		if fm.Code == "results" {
			form = fm
		}
	}
	for _, q := range form.Questions {
		if _, ok := answers[q.Tag]; !ok && q.Required && q.Type != iltod.Integer {
			t.Fatalf("the results form has a required %s question %s the test does not answer", q.Type, q.Tag)
		}
	}
	for tag := range answers {
		if !contains(tags, tag) {
			delete(answers, tag)
		}
	}
	pubKey, priv, _ := ed25519.GenerateKey(rand.Reader)
	if _, err := f.m.App.Enroll(context.Background(), f.issue(t, obs.Code), pubKey); err != nil {
		t.Fatal(err)
	}
	env, err := iltod.SignReport(iltod.Report{ID: "forced-broken-sum", Election: demo.ElectionID, Station: st.Code, Form: "results",
		FormVersion: form.Version, DeviceTime: time.Now().Format(time.RFC3339), Answers: answers}, priv)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := http.Post(f.base+"api/v1/reports", "application/json", bytes.NewReader(env.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusCreated {
		t.Fatalf("the forced report: %s %s", resp.Status, body)
	}
	var got struct {
		Receipt struct {
			Flagged bool                `json:"flagged"`
			Checks  []iltod.CheckResult `json:"checks"`
		} `json:"receipt"`
	}
	json.Unmarshal(body, &got)
	failed := map[string]bool{}
	for _, c := range got.Receipt.Checks {
		if c.Outcome == iltod.CheckFail {
			failed[c.Code] = true
		}
	}
	if !got.Receipt.Flagged || !failed["valid-sum"] {
		t.Errorf("the forced report is not flagged valid-sum by QA: %s", body)
	}
}

// TestObserverAppRefusedReports: a queued report changed after it was signed, and a
// report signed by a device the coordinator revoked, are refused by the server, and the
// app says so.
func TestObserverAppRefusedReports(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	f := newObserveFixture(t)
	obs, _ := f.observer(t, 2)
	tab := f.enroll(t, obs.Code, "")
	tab.SetOffline(true)
	tab.Click(`a[data-form="opening"]`)
	tab.WaitVisible("#report-form")
	fillForm(t, tab, nil)
	tab.Click("#submit")
	tab.WaitVisible("li.report")
	// Change the answers inside the signed payload, as malware or a careless hand could.
	var changed bool
	appDB(t, tab, `const s = db.transaction('reports', 'readwrite').objectStore('reports');
	  const g = s.getAll(); g.onsuccess = () => {
	    const rep = g.result[0]; const env = JSON.parse(rep.envelope);
	    const payload = atob(env.payload); const altered = payload.replace('"07:30"', '"06:30"');
	    env.payload = btoa(altered); rep.envelope = JSON.stringify({key: env.key, payload: env.payload, sig: env.sig});
	    s.put(rep).onsuccess = () => res(altered !== payload); };`, &changed)
	if !changed {
		t.Fatal("the test could not change the queued report")
	}
	tab.SetOffline(false)
	tab.Navigate(f.base + "observe/#/reports")
	waitFor(t, "the changed report refused", 20*time.Second, func() bool {
		return len(reportStates(t, tab)) == 1 && inState(t, tab, "refused") == 1
	})
	if msg := tab.Text("li.report .err"); !hasCyrillic(msg) {
		t.Errorf("the refusal is not explained in Mongolian: %q", msg)
	}

	// Revoke the device; its next report is refused.
	var keyID string
	appDB(t, tab, `const g = db.transaction('kv').objectStore('kv').get('device'); g.onsuccess = () => res(g.result.key_id);`, &keyID)
	if err := f.m.App.RevokeDevice(app.SystemContext(context.Background()), keyID, "phone lost"); err != nil {
		t.Fatal(err)
	}
	tab.Click(`#nav a[href="#/"]`)
	tab.Click(`a[data-form="opening"]`)
	tab.WaitVisible("#report-form")
	fillForm(t, tab, nil)
	tab.Click("#submit")
	waitFor(t, "the revoked device's report refused", 20*time.Second, func() bool {
		return inState(t, tab, "refused") == 2
	})
}

// TestObserverAppEnglish checks the app's screens in English with axe-core.
func TestObserverAppEnglish(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	f := newObserveFixture(t)
	obs, _ := f.observer(t, 3)
	tab := f.b.NewTab(t)
	tab.SetPhoneViewport(390, 844)
	tab.Navigate(f.base + "observe/")
	tab.WaitVisible("#code")
	tab.Click("#lang")
	if got := tab.Attr("html", "lang"); got != "en" {
		t.Fatalf("after the switch the app is in %q", got)
	}
	if got := tab.Text("h1"); hasCyrillic(got) {
		t.Errorf("the English enrollment heading is %q", got)
	}
	checkAxe(t, tab, "enrollment (en)")
	tab.Type("#code", "AAAAA-AAAAA")
	tab.Click("#enroll")
	tab.WaitVisible(".problem")
	if msg := tab.Text(".problem"); hasCyrillic(msg) || msg == "" {
		t.Errorf("an unknown code is refused with %q, want English", msg)
	}
	checkAxe(t, tab, "enrollment refused (en)")
	tab.Type("#code", f.issue(t, obs.Code))
	tab.Click("#enroll")
	tab.WaitVisible(".station")
	checkAxe(t, tab, "stations (en)")
	tab.Click(`a[data-form="results"]`)
	tab.WaitVisible("#report-form")
	checkAxe(t, tab, "results form (en)")
	tab.Click("#submit")
	tab.WaitVisible("#form-problems")
	checkAxe(t, tab, "results form refused (en)")
	tab.Click(`#nav a[href="#/reports"]`)
	tab.WaitVisible("#sync")
	checkAxe(t, tab, "queue (en)")
	tab.Click(`#nav a[href="#/settings"]`)
	tab.WaitVisible("#position")
	checkAxe(t, tab, "settings (en)")
}

// TestObserverAppInsecure opens the app as a phone on the local network would over
// plain HTTP: no secure context, so no WebCrypto key and no service worker. The app
// says so in Mongolian and shows the SMS and ODK routes.
func TestObserverAppInsecure(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	addr := lanAddress()
	if addr == "" {
		t.Skip("this machine has no non-loopback IPv4 address to serve the app on")
	}
	f := newObserveFixture(t)
	ln, err := net.Listen("tcp", addr+":0")
	if err != nil {
		t.Skipf("cannot listen on %s: %v", addr, err)
	}
	srv := &http.Server{Handler: f.handler, ReadHeaderTimeout: 5 * time.Second}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	tab := f.b.NewTab(t)
	tab.SetPhoneViewport(390, 844)
	tab.Navigate("http://" + ln.Addr().String() + "/observe/")
	tab.WaitVisible(".card")
	var secure bool
	tab.Eval(`window.isSecureContext`, &secure)
	if secure {
		t.Fatalf("http://%s is a secure context; the test needs one that is not", ln.Addr())
	}
	if h1 := tab.Text("h1"); !hasCyrillic(h1) || tab.Exists("#code") {
		t.Errorf("without a secure context the app shows %q (and an enrollment form: %v)", h1, tab.Exists("#code"))
	}
	if !strings.Contains(tab.Text("main"), "SMS") || !strings.Contains(tab.Text("main"), "ODK") {
		t.Errorf("the app does not show the SMS and ODK routes: %q", tab.Text("main"))
	}
	checkAxe(t, tab, "no secure context (mn)")
	tab.Click("#lang")
	if h1 := tab.Text("h1"); hasCyrillic(h1) {
		t.Errorf("in English the app shows %q", h1)
	}
	checkAxe(t, tab, "no secure context (en)")
}

// lanAddress returns an IPv4 address of this machine that is not loopback, or "".
func lanAddress() string {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		return ""
	}
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && n.IP.To4() != nil && !n.IP.IsLoopback() && !n.IP.IsLinkLocalUnicast() {
			return n.IP.String()
		}
	}
	return ""
}

// appDB evaluates body in the page with db, the app's IndexedDB database, open; body
// calls res with the value to decode into out.
func appDB(t *testing.T, tab *browsertest.Tab, body string, out any) {
	t.Helper()
	tab.Eval(`new Promise((res, rej) => { const r = indexedDB.open('iltod-observe'); r.onerror = rej; r.onsuccess = () => {
	  const db = r.result;
	`+body+`
	}; })`, out)
}

// resultsID returns which of the ids is the results report.
func resultsID(t *testing.T, f *observeFixture, ids []string) string {
	t.Helper()
	for _, id := range ids {
		sub, err := f.m.App.Store().Submission(context.Background(), demo.ElectionID, id)
		if err == nil && sub.Report.Form == "results" {
			return id
		}
	}
	t.Fatal("no results report among the app's")
	return ""
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// exifJPEG writes a photo of a result protocol as a phone camera would: a JPEG with an
// EXIF segment that holds a GPS position. It returns the file and the GPS IFD's bytes.
func exifJPEG(t *testing.T) (string, []byte) {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 800, 600))
	for y := 0; y < 600; y++ {
		for x := 0; x < 800; x++ {
			c := color.RGBA{250, 250, 245, 255}
			if y%40 < 2 || (x > 100 && x < 700 && y%40 > 10 && y%40 < 20 && (x/7)%3 != 0) {
				c = color.RGBA{30, 30, 40, 255}
			}
			img.Set(x, y, c)
		}
	}
	out, gps, err := testimage.CameraJPEG(img)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "protocol.jpg")
	if err := os.WriteFile(path, out, 0o644); err != nil {
		t.Fatal(err)
	}
	return path, gps
}
