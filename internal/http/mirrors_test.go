package http

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
)

// TestMirrors checks that the mirrors a server names reach the observer app: in the
// device's assignment, and in the app's Content-Security-Policy, which lets it connect
// to them and to nothing else; and that a URL that is not a mirror's base is refused.
func TestMirrors(t *testing.T) {
	pkg, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		t.Fatal(err)
	}
	env := newTestEnv(t, pkg)
	d := env.enroll("example-2024", "1001")
	mirrors := []string{"https://mirror.example.org/", "http://127.0.0.1:8090/relay/"}
	assignment := func() []string {
		resp, out := env.post("/api/v1/devices/self", d.request(t, iltod.RequestAssignment))
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("assignment: %s %s", resp.Status, out)
		}
		var a struct {
			Mirrors  []string `json:"mirrors"`
			Stations []any    `json:"stations"`
		}
		if err := json.Unmarshal(out, &a); err != nil || len(a.Stations) == 0 {
			t.Fatalf("assignment: %v %s", err, out)
		}
		return a.Mirrors
	}
	if got := assignment(); got != nil {
		t.Errorf("a server without mirrors names %v", got)
	}

	s := NewServer(nil, nil)
	for _, bad := range []string{"ftp://x/", "mirror.example.org", "https://x/?a=1", "https://x/ 'unsafe-inline'", "https://u:p@x/", "https://x/#f"} {
		if err := s.SetMirrors([]string{mirrors[0], bad}); iltod.ErrorCodeOf(err) != iltod.EInvalid {
			t.Errorf("SetMirrors(%q) = %v; want invalid", bad, err)
		}
	}
	if s.csp != observeCSP || s.mirrors != nil {
		t.Fatal("a refused SetMirrors changed the server")
	}
	if err := s.SetMirrors(mirrors); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	s.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/observe/", nil))
	csp := rec.Header().Get("Content-Security-Policy")
	if !strings.Contains(csp, "connect-src 'self' https://mirror.example.org http://127.0.0.1:8090;") {
		t.Errorf("CSP %q does not let the app reach the mirrors", csp)
	}
	if strings.Replace(csp, " https://mirror.example.org http://127.0.0.1:8090", "", 1) != observeCSP {
		t.Errorf("CSP %q changes more than connect-src", csp)
	}

	if err := env.srv.SetMirrors(mirrors); err != nil {
		t.Fatal(err)
	}
	if got := assignment(); !slices.Equal(got, mirrors) {
		t.Errorf("the assignment names mirrors %v; want %v", got, mirrors)
	}
}
