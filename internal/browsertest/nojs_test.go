package browsertest

import (
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// TestScriptsDisabled: with scripts off, a page's script does not run, a form is posted
// by a click and typed into, and each action returns as soon as its page has loaded,
// not after the tab's timeout; switched on again, scripts run.
func TestScriptsDisabled(t *testing.T) {
	b := Start(t)
	mux := http.NewServeMux()
	mux.HandleFunc("GET /form", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<!doctype html><html lang="en"><title>Form</title><p id="js">off</p>
<script>document.getElementById("js").textContent = "on"</script>
<form method="post" action="/sent"><label for="q">Q</label><input id="q" name="q"><button id="go">Send</button></form>`))
	})
	mux.HandleFunc("POST /sent", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte(`<!doctype html><html lang="en"><title>Sent</title><p id="q">` + r.FormValue("q") + `</p>`))
	})
	srv := httptest.NewServer(mux)
	defer srv.Close()

	tab := b.NewTab(t)
	tab.SetTimeout(20 * time.Second)
	tab.SetScriptsDisabled(true)
	tab.Navigate(srv.URL + "/form")
	if got := tab.Text("#js"); got != "off" {
		t.Fatalf("with scripts off the page's script ran: %q", got)
	}
	start := time.Now()
	tab.Type("#q", "abc")
	tab.Click("#go")
	if got := tab.Text("#q"); got != "abc" {
		t.Errorf("the form posted %q", got)
	}
	if d := time.Since(start); d > 10*time.Second {
		t.Errorf("typing and clicking took %v: the tab waited for timers that never fire", d)
	}
	tab.SetScriptsDisabled(false)
	tab.Navigate(srv.URL + "/form")
	if got := tab.Text("#js"); got != "on" {
		t.Errorf("with scripts on again the page's script did not run: %q", got)
	}
}
