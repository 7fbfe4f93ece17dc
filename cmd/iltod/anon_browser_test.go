package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"filippo.io/age"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/browsertest"
	"github.com/iltod/iltod/internal/dbdump"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/evidence"
)

// forwardedFor is the client address the test's proxy claims in X-Forwarded-For (a
// documentation address, RFC 5737): the one a server behind a proxy could be tempted to
// keep.
const forwardedFor = "203.0.113.77"

// TestAnonymousReportNoJS files a citizen's report in Chromium with JavaScript off, a
// file attached; takes the follow-up code the page shows once; uses it to see the status
// and add information. axe-core checks the form in both languages. Then, with the
// server stopped, it proves that no request put an address in a log line or a table, and
// that the data directory holds neither the words nor the file in clear: only an age
// identity the server never had opens them.
//
// The browser reaches the server through a proxy that adds X-Forwarded-For, as a
// front-end proxy would; the server must keep neither that nor its peer's address.
func TestAnonymousReportNoJS(t *testing.T) {
	b := browsertest.Start(t) // skips where no browser is installed
	browsertest.RequireAxe(t)
	ctx := context.Background()

	// The server: the example election, evidence sealed to an identity kept here.
	id, err := age.GenerateX25519Identity()
	if err != nil {
		t.Fatal(err)
	}
	keys := t.TempDir()
	recipients := filepath.Join(keys, "recipients.txt")
	if err := os.WriteFile(recipients, []byte(id.Recipient().String()+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	data := t.TempDir()
	logs := &syncBuffer{}
	m := &Main{
		Config: ServeConfig{Store: StoreConfig{DataDir: data}, Addr: "127.0.0.1:0", Origin: DemoOrigin, RecipientsFile: recipients},
		Logger: slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
	if err := m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	closed := false
	defer func() {
		if !closed {
			m.Close()
		}
	}()
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.App.LoadPackage(app.SystemContext(ctx), p, false); err != nil {
		t.Fatal(err)
	}
	if err := m.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	if !m.App.EvidenceSealing() {
		t.Fatal("the server did not take the recipients")
	}

	// The proxy records the browser's addresses, so that the test can look for them.
	target, _ := url.Parse(m.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	var mu sync.Mutex
	peers := map[string]bool{}
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		peers[r.RemoteAddr] = true
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		if r.URL.Path == "/probe" {
			// A page whose script would leave a mark, if scripts ran.
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<!doctype html><title>probe</title><p id="x">off</p><script>document.getElementById("x").textContent = "on"</script>`))
			return
		}
		r.Header.Set("X-Forwarded-For", forwardedFor)
		proxy.ServeHTTP(w, r)
	}))
	defer srv.Close()
	base := srv.URL

	tab := b.NewTab(t)
	tab.SetScriptsDisabled(true)
	tab.Navigate(base + "/probe")
	if got := tab.Text("#x"); got != "off" {
		t.Fatalf("the page's script ran (%q): JavaScript is not off", got)
	}
	logStart := len(logs.String())

	// The form, in both languages.
	var area string
	for _, a := range p.Areas {
		if a.Parent != "" {
			area = a.Code
			break
		}
	}
	for _, lang := range []string{"mn", "en"} {
		tab.Navigate(base + "/e/example-2024/report?lang=" + lang)
		if !tab.Exists("form[data-report-form]") {
			t.Fatalf("%s: no form:\n%s", lang, tab.HTML())
		}
		if lang == "mn" && !hasCyrillic(tab.Text("h1")) {
			t.Errorf("in Mongolian the form is headed %q", tab.Text("h1"))
		}
		axeWithScripts(t, tab, "report form ("+lang+")")
	}
	marker := make([]byte, 16)
	rand.Read(marker)
	narrative := "Police took the camera of journalist Oyun at the square; case " + hex.EncodeToString(marker[:4])
	fileBody := []byte("\xff\xd8\xff\xe0 PLAIN-FILE-" + hex.EncodeToString(marker[4:10]) + strings.Repeat(" jpeg", 200))
	addText := "A second witness, a shopkeeper, saw it too; ref " + hex.EncodeToString(marker[10:])
	addFile := []byte("%PDF-1.4 PLAIN-ADDED-" + hex.EncodeToString(marker))
	files := t.TempDir()
	photo := filepath.Join(files, "photo.jpg")
	os.WriteFile(photo, fileBody, 0o600)
	doc := filepath.Join(files, "notes.pdf")
	os.WriteFile(doc, addFile, 0o600)

	tab.SetValue("#category", "freedoms.journalist_attacked")
	tab.SetValue("#date", "2024-06-27")
	tab.SetValue("#time", "16:05")
	tab.SetValue("#area", area)
	tab.Type("#text", narrative)
	tab.UploadFiles("#files", photo)
	tab.Click("form[data-report-form] button[type=submit]") // a real click: the browser posts the form
	code := strings.TrimSpace(tab.Text("[data-followup-code]"))
	if _, err := iltod.ParseFollowupCode(code); err != nil {
		t.Fatalf("the page shows %q as the code: %v\n%s", code, err, tab.HTML())
	}
	if strings.Contains(tab.URL(), code) {
		t.Errorf("the code is in the address %s", tab.URL())
	}
	axeWithScripts(t, tab, "code shown (en)")

	// Following: the status, then more information.
	tab.Navigate(base + "/e/example-2024/report/follow?lang=en")
	axeWithScripts(t, tab, "follow-up form (en)")
	tab.Type("#code", strings.ToLower(code))
	tab.Click("form[data-follow-form] button[type=submit]")
	if st := tab.Attr("[data-status]", "data-status"); st != "unverified" {
		t.Fatalf("the status is %q\n%s", st, tab.HTML())
	}
	if strings.Contains(tab.URL(), code) || strings.Contains(strings.ToLower(tab.URL()), strings.ToLower(code)) {
		t.Errorf("the code is in the address %s", tab.URL())
	}
	axeWithScripts(t, tab, "status (en)")
	tab.Type("#text", addText)
	tab.UploadFiles("#files", doc)
	tab.Click("form[data-add-form] button[type=submit]")
	if !tab.Exists(".flash") || tab.Attr("[data-status]", "data-status") != "unverified" {
		t.Errorf("after adding:\n%s", tab.HTML())
	}
	tab.Navigate(base + "/e/example-2024/report/follow?lang=mn")
	tab.Type("#code", code)
	tab.Click("form[data-follow-form] button[type=submit]")
	if !hasCyrillic(tab.Text("[data-status]")) {
		t.Errorf("in Mongolian the status reads %q", tab.Text("[data-status]"))
	}
	axeWithScripts(t, tab, "status (mn)")
	// A wrong code: refused, and logged as a refusal (after the last axe check, which
	// would count the 404 as a console error).
	tab.Navigate(base + "/e/example-2024/report/follow?lang=en")
	tab.Type("#code", iltod.NewFollowupCode())
	tab.Click("form[data-follow-form] button[type=submit]")
	if tab.Exists("[data-status]") || !tab.Exists(".flash.error") {
		t.Errorf("a wrong code was not refused:\n%s", tab.HTML())
	}

	// Every resource the pages loaded came from the server itself.
	var loaded []string
	tab.Eval(`performance.getEntriesByType("resource").map(e => e.name)`, &loaded)
	for _, u := range loaded {
		if !strings.HasPrefix(u, base+"/") {
			t.Errorf("the page loaded %s from elsewhere", u)
		}
	}

	// What the server kept.
	all, err := m.App.IncidentRecords(app.SystemContext(ctx), "example-2024")
	if err != nil || len(all) != 1 {
		t.Fatalf("incidents: %d, %v", len(all), err)
	}
	in := all[0]
	if in.Source != iltod.SourceCitizen || in.Trust != iltod.TrustLow || in.Narrative != "" || in.Reporter != "" ||
		in.Place != (iltod.Place{Area: area}) || len(in.Evidence) != 4 {
		t.Fatalf("the incident: %+v", in)
	}
	var opened [][]byte
	for _, ref := range in.Evidence {
		h, _ := hex.DecodeString(ref.CipherSHA256)
		blob, err := m.Store.Blob(ctx, [32]byte(h))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := evidence.Open(blob.Data, []age.Identity{id})
		if err != nil {
			t.Fatalf("open %s: %v", ref.MediaType, err)
		}
		opened = append(opened, plain)
	}
	if string(opened[0]) != narrative || !bytes.Equal(opened[1], fileBody) || string(opened[2]) != addText || !bytes.Equal(opened[3], addFile) {
		t.Errorf("the sealed items open to %q", opened)
	}
	requestLogs := logs.String()[logStart:]
	if err := m.Close(); err != nil {
		t.Fatal(err)
	}
	closed = true

	// No request put an address in a log line. The lines logged before the first
	// request (the server saying where it listens) are the server's own.
	mu.Lock()
	needles := []string{"127.0.0.1", "::1", forwardedFor}
	for peer := range peers {
		needles = append(needles, peer)
	}
	mu.Unlock()
	if !strings.Contains(requestLogs, "path=/e/example-2024/report/follow status=404") {
		t.Fatalf("the refusal was not logged; the check below would prove nothing:\n%s", requestLogs)
	}
	for _, n := range needles {
		if strings.Contains(requestLogs, n) {
			t.Errorf("a log line holds %q:\n%s", n, requestLogs)
		}
	}

	// No table holds one, nor the words, the files or the code.
	db, err := sql.Open("sqlite", filepath.Join(data, SQLiteFile)+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	textDump, binDump, err := dbdump.SQLite(db)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(textDump, "example-2024") {
		t.Fatalf("the dump holds nothing; the checks below would prove nothing")
	}
	for _, n := range needles {
		if strings.Contains(textDump, n) {
			t.Errorf("a table holds %q", n)
		}
	}
	secrets := map[string][]byte{
		"the narrative": []byte(narrative), "the file": fileBody, "the added words": []byte(addText),
		"the added file": addFile, "the code": []byte(code), "the code unhyphenated": []byte(strings.ReplaceAll(code, "-", "")),
	}
	for what, s := range secrets {
		if bytes.Contains(binDump, s) {
			t.Errorf("a table holds %s in clear", what)
		}
	}

	// Nor does any file of the data directory.
	n := 0
	err = filepath.WalkDir(data, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		n++
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for what, s := range secrets {
			if bytes.Contains(b, s) {
				t.Errorf("%s holds %s in clear", filepath.Base(path), what)
			}
		}
		for _, s := range [][]byte{[]byte(hex.EncodeToString(marker[:4])), []byte("PLAIN-FILE-"), []byte("PLAIN-ADDED-"), []byte("Oyun")} {
			if bytes.Contains(b, s) {
				t.Errorf("%s holds %q", filepath.Base(path), s)
			}
		}
		if bytes.Contains(b, []byte(forwardedFor)) {
			t.Errorf("%s holds the forwarded address", filepath.Base(path))
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if n < 2 {
		t.Fatalf("the data directory holds %d files", n)
	}
	t.Logf("%d requests through the proxy from %d connections; %d log bytes, %d files in the data directory",
		len(paths), len(peers), len(requestLogs), n)
}

// axeWithScripts runs checkAxe on the page shown. axe-core is a script, whose promises
// do not settle while scripts are off: they are switched on for it and off again. The
// page itself has no script (its Content-Security-Policy allows none), so this changes
// nothing of what it shows.
func axeWithScripts(t *testing.T, tab *browsertest.Tab, what string) {
	t.Helper()
	tab.SetScriptsDisabled(false)
	checkAxe(t, tab, what)
	tab.SetScriptsDisabled(true)
}
