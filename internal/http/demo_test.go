package http

import (
	"net/http"
	"strings"
	"testing"

	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/electionpkg"
)

// TestMongoliaDemo serves the shipped demonstration election, whose tree has the shape of
// real geography (stations in soums and in khoroos, the capital's districts), and checks
// the same numbers as TestAPI does for synthetic ones.
func TestMongoliaDemo(t *testing.T) {
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatalf("read the demonstration package: %v", err)
	}
	env := newTestEnv(t, p)
	t.Run("areas", func(t *testing.T) { testAreas(t, env, p) })
	t.Run("stations", func(t *testing.T) { testStations(t, env, p) })
	t.Run("contests", func(t *testing.T) { testContests(t, env, p) })
	t.Run("forms", func(t *testing.T) { testForms(t, env, p) })
	t.Run("odk", func(t *testing.T) { testODKDemo(t, env, p) })
	t.Run("status page", func(t *testing.T) {
		for _, lang := range []string{"mn", "en"} {
			resp, body := env.do(http.MethodGet, "/?lang="+lang)
			if resp.StatusCode != 200 {
				t.Fatalf("%s: status %d", lang, resp.StatusCode)
			}
			page := string(body)
			mustContain(t, page, bannerEN, bannerMN, p.Election.Name.In(lang),
				formatCount(lang, p.Summarize().Registered), `data-tier="sgk/constituency"`, `data-tier="sgk/list"`)
			if strings.Count(page, `<tr data-tier=`) != 2 {
				t.Errorf("%s: want two tier rows", lang)
			}
		}
	})
}
