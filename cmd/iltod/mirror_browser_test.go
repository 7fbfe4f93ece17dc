package main

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/browsertest"
	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/mirror"
)

// TestObserverAppRelay drives the observer app when the server's address is blocked and
// a partner's mirror is not: the server names the mirror (-mirrors), the app enrolls,
// the address goes dark (connections to it are cut), the observer sends a checklist, and
// the app offers it to the mirror, which accepts it for relay (202) and forwards it; the
// app then gets the server's receipt and full receipt through the mirror, without ever
// reaching the blocked address.
func TestObserverAppRelay(t *testing.T) {
	if testing.Short() {
		t.Skip("drives a browser")
	}
	b := browsertest.Start(t)
	browsertest.RequireAxe(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	maddr := freePort(t)
	f := &observeFixture{data: t.TempDir(), hits: &atomic.Int64{}, b: b}
	f.m = &Main{Config: ServeConfig{Store: StoreConfig{DataDir: f.data}, Addr: "127.0.0.1:0", Origin: DemoOrigin,
		Mirrors: "http://" + maddr + "/"}}
	if err := f.m.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.m.Close() })
	if _, err := loadDemo(ctx, f.m); err != nil {
		t.Fatal(err)
	}
	if err := f.m.Serve(ctx); err != nil {
		t.Fatal(err)
	}
	var err error
	if f.pkg, err = electionpkg.Read(demo.Package()); err != nil {
		t.Fatal(err)
	}

	// The mirror, abroad: it reaches the server directly.
	mir, err := mirror.Open(mirror.Config{Origin: f.m.URL(), Dir: t.TempDir(), Verifier: f.m.Ledger.Verifier(),
		Interval: 200 * time.Millisecond, MaxBackoff: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", maddr)
	if err != nil {
		t.Fatal(err)
	}
	msrv := &http.Server{Handler: mir.Handler(), ReadHeaderTimeout: 5 * time.Second}
	go msrv.Serve(ln)
	t.Cleanup(func() { msrv.Close() })
	go mir.Run(ctx)

	// The server's address as the phone reaches it, which can be blocked.
	var blocked atomic.Bool
	var reachedWhileBlocked atomic.Int64
	target, _ := url.Parse(f.m.URL())
	proxy := httputil.NewSingleHostReverseProxy(target)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if blocked.Load() {
			reachedWhileBlocked.Add(1)
			if hj, ok := w.(http.Hijacker); ok {
				if c, _, err := hj.Hijack(); err == nil {
					c.Close() // the connection is cut: a network error for the app
					return
				}
			}
			panic(http.ErrAbortHandler)
		}
		proxy.ServeHTTP(w, r)
	}))
	t.Cleanup(srv.Close)
	f.base = srv.URL + "/"
	f.shots = os.Getenv("ILTOD_OBSERVE_SCREENSHOTS")

	obs, _ := f.observer(t, 0)
	tab := f.enroll(t, obs.Code, "")
	var mirrors []string
	appDB(t, tab, `const g = db.transaction('kv').objectStore('kv').get('assignment'); g.onsuccess = () => res(g.result.mirrors || []); g.onerror = rej;`, &mirrors)
	if len(mirrors) != 1 || mirrors[0] != "http://"+maddr+"/" {
		t.Fatalf("the app was told the mirrors %v", mirrors)
	}

	blocked.Store(true)
	tab.Click(`a[data-form="opening"]`)
	tab.WaitVisible("#report-form")
	fillForm(t, tab, nil)
	tab.Click("#submit")
	tab.WaitVisible("li.report")
	waitFor(t, "the report in the log, through the mirror", 60*time.Second, func() bool { return inState(t, tab, "logged") == 1 })
	if reachedWhileBlocked.Load() == 0 {
		t.Error("the app never tried the blocked address; the test proves nothing")
	}
	var relayed struct {
		ID    string `json:"id"`
		State string `json:"state"`
	}
	appDB(t, tab, `const g = db.transaction('reports').objectStore('reports').getAll(); g.onsuccess = () => res(g.result[0].relayed || {}); g.onerror = rej;`, &relayed)
	if relayed.State != "relayed" || relayed.ID == "" {
		t.Errorf("the app's report was not accepted for relay first: %+v", relayed)
	}
	if st := mir.Status().Relay; st.Sent != 1 || st.Queued != 0 {
		t.Errorf("the relay: %+v; want one report forwarded", st)
	}
	if _, err := f.m.App.Store().Submission(ctx, demo.ElectionID, relayed.ID); err != nil {
		t.Errorf("the server has no report %s: %v", relayed.ID, err)
	}
	var proof string
	appDB(t, tab, `const g = db.transaction('reports').objectStore('reports').getAll(); g.onsuccess = () => res(g.result[0].proof); g.onerror = rej;`, &proof)
	if _, err := f.m.Ledger.Verifier().VerifyReceipt([]byte(proof)); err != nil {
		t.Errorf("the full receipt the app got through the mirror: %v", err)
	}
	f.screenshot(t, tab, "observe-relayed-mn")
}
