package http

import (
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/synth"
)

// totals is what the tests expect of an area, computed from the package itself.
type totals struct {
	stations   int
	registered int64
}

// expectedTotals counts, for every area of p, the stations at or below it and their
// registered voters, walking parents by hand rather than with the server's code.
func expectedTotals(p *iltod.Package) map[string]totals {
	parent := map[string]string{}
	out := map[string]totals{}
	for _, a := range p.Areas {
		parent[a.Code] = a.Parent
		out[a.Code] = totals{}
	}
	for _, s := range p.Stations {
		for c := s.Area; c != ""; c = parent[c] {
			t := out[c]
			t.stations++
			t.registered += int64(s.Registered)
			out[c] = t
		}
	}
	return out
}

// ancestors returns the codes from the root down to and including code.
func ancestors(p *iltod.Package, code string) []string {
	parent := map[string]string{}
	for _, a := range p.Areas {
		parent[a.Code] = a.Parent
	}
	var rev []string
	for c := code; c != ""; c = parent[c] {
		rev = append(rev, c)
	}
	slices.Reverse(rev)
	return rev
}

type treeNode struct {
	Code       string       `json:"code"`
	Level      iltod.Level  `json:"level"`
	Name       iltod.Text   `json:"name"`
	Location   *iltod.Point `json:"location"`
	Stations   int          `json:"stations"`
	Registered int64        `json:"registered"`
	Children   []*treeNode  `json:"children"`
}

type flatArea struct {
	Code       string       `json:"code"`
	Parent     string       `json:"parent"`
	Level      iltod.Level  `json:"level"`
	Name       iltod.Text   `json:"name"`
	Location   *iltod.Point `json:"location"`
	Stations   int          `json:"stations"`
	Registered int64        `json:"registered"`
}

type ref struct {
	Code  string      `json:"code"`
	Level iltod.Level `json:"level"`
	Name  iltod.Text  `json:"name"`
}

func codesOf(rs []ref) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Code
	}
	return out
}

func TestAPI(t *testing.T) {
	demo := demoPackage(5000, 1)
	real := realPackage("trial-2028", 400, 2)
	if len(latestForms(demo.Forms)) == len(demo.Forms) {
		t.Fatalf("the test package has no form with two versions; the latest-version tests would prove nothing")
	}
	env := newTestEnv(t, demo, real)

	t.Run("elections", func(t *testing.T) {
		var got struct {
			Elections []iltod.Election `json:"elections"`
		}
		resp := env.getJSON("/api/v1/elections", &got)
		// Ordered by date, then id: both synthetic elections share a date.
		want := []iltod.Election{demo.Election, real.Election}
		sort.Slice(want, func(i, j int) bool { return want[i].ID < want[j].ID })
		sameJSON(t, "elections", got.Elections, want)
		if resp.Header.Get("X-Iltod-Demo") != "" {
			t.Errorf("the list of elections carries X-Iltod-Demo")
		}
	})

	for _, p := range []*iltod.Package{demo, real} {
		id := p.Election.ID
		base := "/api/v1/elections/" + id
		t.Run(id, func(t *testing.T) {
			t.Run("election", func(t *testing.T) {
				var got struct {
					Election iltod.Election `json:"election"`
					Summary  iltod.Summary  `json:"summary"`
				}
				resp := env.getJSON(base, &got)
				sameJSON(t, "election", got.Election, p.Election)
				sameJSON(t, "summary", got.Summary, p.Summarize())
				if got.Election.Demo != p.Election.Demo {
					t.Errorf("demo %v, want %v", got.Election.Demo, p.Election.Demo)
				}
				wantHeader := ""
				if p.Election.Demo {
					wantHeader = "true"
				}
				if h := resp.Header.Get("X-Iltod-Demo"); h != wantHeader {
					t.Errorf("X-Iltod-Demo %q, want %q", h, wantHeader)
				}
			})
			t.Run("areas", func(t *testing.T) { testAreas(t, env, p) })
			t.Run("stations", func(t *testing.T) { testStations(t, env, p) })
			t.Run("contests", func(t *testing.T) { testContests(t, env, p) })
			t.Run("forms", func(t *testing.T) { testForms(t, env, p) })
			t.Run("demo header", func(t *testing.T) {
				want := ""
				if p.Election.Demo {
					want = "true"
				}
				for _, path := range []string{base, base + "/areas", base + "/areas?flat=1", base + "/stations",
					base + "/stations/" + p.Stations[0].Code, base + "/contests", base + "/forms"} {
					resp, body := env.do(http.MethodGet, path)
					if resp.StatusCode != http.StatusOK {
						t.Fatalf("GET %s: %d %s", path, resp.StatusCode, body)
					}
					if h := resp.Header.Get("X-Iltod-Demo"); h != want {
						t.Errorf("GET %s: X-Iltod-Demo %q, want %q", path, h, want)
					}
				}
			})
		})
	}

	t.Run("errors", func(t *testing.T) { testErrors(t, env, demo) })
}

func testAreas(t *testing.T, env *testEnv, p *iltod.Package) {
	base := "/api/v1/elections/" + p.Election.ID
	want := expectedTotals(p)
	sum := p.Summarize()
	byCode := map[string]iltod.Area{}
	children := map[string][]string{}
	for _, a := range p.Areas {
		byCode[a.Code] = a
		children[a.Parent] = append(children[a.Parent], a.Code)
	}
	direct := map[string]totals{}
	for _, s := range p.Stations {
		d := direct[s.Area]
		d.stations++
		d.registered += int64(s.Registered)
		direct[s.Area] = d
	}

	var tree struct {
		Root *treeNode `json:"root"`
	}
	env.getJSON(base+"/areas", &tree)
	if tree.Root == nil {
		t.Fatal("no root")
	}
	if tree.Root.Level != iltod.LevelCountry {
		t.Errorf("root level %q, want country", tree.Root.Level)
	}
	if tree.Root.Stations != sum.Stations || tree.Root.Registered != sum.Registered {
		t.Errorf("root totals %d stations, %d registered; summary says %d, %d",
			tree.Root.Stations, tree.Root.Registered, sum.Stations, sum.Registered)
	}
	seen := 0
	var walk func(n *treeNode)
	walk = func(n *treeNode) {
		seen++
		a, ok := byCode[n.Code]
		if !ok {
			t.Errorf("tree has unknown area %q", n.Code)
			return
		}
		if n.Level != a.Level || !maps(n.Name, a.Name) {
			t.Errorf("area %s: level %q name %v, want %q %v", n.Code, n.Level, n.Name, a.Level, a.Name)
		}
		if w := want[n.Code]; n.Stations != w.stations || n.Registered != w.registered {
			t.Errorf("area %s: %d stations, %d registered; want %d, %d", n.Code, n.Stations, n.Registered, w.stations, w.registered)
		}
		// A node's totals are its children's plus the stations placed in it directly.
		st, reg := direct[n.Code].stations, direct[n.Code].registered
		var kids []string
		for _, c := range n.Children {
			st += c.Stations
			reg += c.Registered
			kids = append(kids, c.Code)
			walk(c)
		}
		if st != n.Stations || reg != n.Registered {
			t.Errorf("area %s: totals %d/%d are not its children's plus its own stations %d/%d", n.Code, n.Stations, n.Registered, st, reg)
		}
		if !slices.Equal(kids, children[n.Code]) {
			t.Errorf("area %s: children %v, want %v in load order", n.Code, kids, children[n.Code])
		}
		if n.Children == nil {
			t.Errorf("area %s: children is null, want []", n.Code)
		}
	}
	walk(tree.Root)
	if seen != len(p.Areas) {
		t.Errorf("tree holds %d areas, want %d", seen, len(p.Areas))
	}

	var flat struct {
		Areas []flatArea `json:"areas"`
	}
	env.getJSON(base+"/areas?flat=1", &flat)
	if len(flat.Areas) != len(p.Areas) {
		t.Fatalf("flat list has %d areas, want %d", len(flat.Areas), len(p.Areas))
	}
	for i, a := range flat.Areas {
		w := p.Areas[i]
		if a.Code != w.Code || a.Parent != w.Parent || a.Level != w.Level || !maps(a.Name, w.Name) {
			t.Errorf("flat[%d] = %s (parent %q), want %s (parent %q) in load order", i, a.Code, a.Parent, w.Code, w.Parent)
		}
		if wt := want[a.Code]; a.Stations != wt.stations || a.Registered != wt.registered {
			t.Errorf("flat %s: %d/%d, want %d/%d", a.Code, a.Stations, a.Registered, wt.stations, wt.registered)
		}
	}
	var tree0 struct {
		Root *treeNode `json:"root"`
	}
	env.getJSON(base+"/areas?flat=0", &tree0)
	if tree0.Root == nil || tree0.Root.Code != tree.Root.Code {
		t.Errorf("flat=0 did not return the tree")
	}

	// Every area on its own: path, children, totals.
	for _, a := range p.Areas {
		var got struct {
			Area       iltod.Area `json:"area"`
			Path       []ref      `json:"path"`
			Children   []flatArea `json:"children"`
			Stations   int        `json:"stations"`
			Registered int64      `json:"registered"`
		}
		env.getJSON(base+"/areas/"+a.Code, &got)
		sameJSON(t, "area "+a.Code, got.Area, a)
		anc := ancestors(p, a.Code)
		if wantPath := anc[:len(anc)-1]; !slices.Equal(codesOf(got.Path), wantPath) {
			t.Errorf("area %s: path %v, want %v", a.Code, codesOf(got.Path), wantPath)
		}
		for _, r := range got.Path {
			if !maps(r.Name, byCode[r.Code].Name) || r.Level != byCode[r.Code].Level {
				t.Errorf("area %s: path entry %s has the wrong name or level", a.Code, r.Code)
			}
		}
		var kids []string
		st, reg := direct[a.Code].stations, direct[a.Code].registered
		for _, c := range got.Children {
			kids = append(kids, c.Code)
			if w := want[c.Code]; c.Stations != w.stations || c.Registered != w.registered {
				t.Errorf("area %s: child %s %d/%d, want %d/%d", a.Code, c.Code, c.Stations, c.Registered, w.stations, w.registered)
			}
			st += c.Stations
			reg += c.Registered
		}
		if !slices.Equal(kids, children[a.Code]) {
			t.Errorf("area %s: children %v, want %v", a.Code, kids, children[a.Code])
		}
		if w := want[a.Code]; got.Stations != w.stations || got.Registered != w.registered || st != w.stations || reg != w.registered {
			t.Errorf("area %s: totals %d/%d (children and own %d/%d), want %d/%d", a.Code, got.Stations, got.Registered, st, reg, w.stations, w.registered)
		}
	}
}

func maps(a, b iltod.Text) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

type stationPage struct {
	Stations []iltod.Station `json:"stations"`
	Next     string          `json:"next"`
}

// allStations pages through the stations of query q with limit, checking that next is
// present on every page but the last.
func allStations(t *testing.T, env *testEnv, election string, q url.Values, limit int) []iltod.Station {
	t.Helper()
	var out []iltod.Station
	after := ""
	for pages := 0; ; pages++ {
		if pages > 100000 {
			t.Fatal("pagination does not end")
		}
		v := url.Values{}
		for k, vs := range q {
			v[k] = vs
		}
		if limit > 0 {
			v.Set("limit", fmt.Sprint(limit))
		}
		if after != "" {
			v.Set("after", after)
		}
		var page stationPage
		env.getJSON("/api/v1/elections/"+election+"/stations?"+v.Encode(), &page)
		out = append(out, page.Stations...)
		want := limit
		if want == 0 {
			want = iltod.DefaultStationLimit
		}
		if page.Next == "" {
			if len(page.Stations) > want {
				t.Fatalf("page of %d stations, limit %d", len(page.Stations), want)
			}
			return out
		}
		if len(page.Stations) != want {
			t.Fatalf("page with next %q holds %d stations, want a full page of %d", page.Next, len(page.Stations), want)
		}
		if page.Next != page.Stations[len(page.Stations)-1].Code {
			t.Fatalf("next %q is not the last code of the page", page.Next)
		}
		after = page.Next
	}
}

func testStations(t *testing.T, env *testEnv, p *iltod.Package) {
	id := p.Election.ID
	sum := p.Summarize()
	byCode := map[string]iltod.Station{}
	for _, s := range p.Stations {
		byCode[s.Code] = s
	}
	for _, limit := range []int{0, 1, 97, iltod.MaxStationLimit} {
		if limit == 1 && len(p.Stations) > 500 {
			continue // one request per station is the job of the smaller election
		}
		got := allStations(t, env, id, nil, limit)
		if len(got) != len(p.Stations) {
			t.Errorf("limit %d: %d stations over all pages, want %d", limit, len(got), len(p.Stations))
		}
		var reg int64
		seen := map[string]bool{}
		for i, s := range got {
			if seen[s.Code] {
				t.Errorf("limit %d: station %s returned twice", limit, s.Code)
			}
			seen[s.Code] = true
			if i > 0 && got[i-1].Code >= s.Code {
				t.Errorf("limit %d: %s after %s is not code order", limit, s.Code, got[i-1].Code)
			}
			reg += int64(s.Registered)
			if w, ok := byCode[s.Code]; !ok {
				t.Errorf("unknown station %s", s.Code)
			} else if limit == 97 {
				sameJSON(t, "station "+s.Code, s, w)
			}
		}
		if reg != sum.Registered {
			t.Errorf("limit %d: registered over all pages %d, summary %d", limit, reg, sum.Registered)
		}
	}

	// Filtered by area: every region and district, matching the tree's totals.
	want := expectedTotals(p)
	for _, a := range p.Areas {
		if a.Level != iltod.LevelRegion && a.Level != iltod.LevelDistrict {
			continue
		}
		got := allStations(t, env, id, url.Values{"area": {a.Code}}, 211)
		var reg int64
		for _, s := range got {
			reg += int64(s.Registered)
			if !slices.Contains(ancestors(p, s.Area), a.Code) {
				t.Errorf("area %s: station %s lies outside it", a.Code, s.Code)
			}
		}
		if w := want[a.Code]; len(got) != w.stations || reg != w.registered {
			t.Errorf("area %s: %d stations, %d registered; tree says %d, %d", a.Code, len(got), reg, w.stations, w.registered)
		}
	}

	// A page that ends exactly at the last station has no next.
	var whole stationPage
	env.getJSON(fmt.Sprintf("/api/v1/elections/%s/stations?limit=%d", id, min(len(p.Stations), iltod.MaxStationLimit)), &whole)
	if len(p.Stations) <= iltod.MaxStationLimit && whole.Next != "" {
		t.Errorf("a page holding every station has next %q", whole.Next)
	}
	// After the last station: an empty page, as [] not null.
	last := slices.MaxFunc(p.Stations, func(a, b iltod.Station) int { return strings.Compare(a.Code, b.Code) })
	resp, body := env.do(http.MethodGet, "/api/v1/elections/"+id+"/stations?after="+last.Code)
	if resp.StatusCode != 200 || strings.TrimSpace(string(body)) != `{"stations":[]}` {
		t.Errorf("after the last station: %d %s, want {\"stations\":[]}", resp.StatusCode, body)
	}

	// Station details: the area path and the contests each votes in.
	for i, s := range p.Stations {
		if len(p.Stations) > 500 && i%37 != 0 && i%50 != 49 {
			continue
		}
		var got struct {
			Station  iltod.Station   `json:"station"`
			Path     []ref           `json:"path"`
			Contests []iltod.Contest `json:"contests"`
		}
		env.getJSON("/api/v1/elections/"+id+"/stations/"+s.Code, &got)
		sameJSON(t, "station "+s.Code, got.Station, s)
		anc := ancestors(p, s.Area)
		if !slices.Equal(codesOf(got.Path), anc) {
			t.Errorf("station %s: path %v, want %v", s.Code, codesOf(got.Path), anc)
		}
		var wantContests []iltod.Contest
		tiers := map[string]int{}
		for _, c := range p.Contests {
			for _, a := range c.Areas {
				if slices.Contains(anc, a) {
					wantContests = append(wantContests, c)
					tiers[c.TierRef()]++
					break
				}
			}
		}
		sameJSON(t, "contests of station "+s.Code, got.Contests, wantContests)
		for ref, n := range tiers {
			if ref != "" && n != 1 {
				t.Errorf("station %s votes in %d contests of tier %s", s.Code, n, ref)
			}
		}
		if len(got.Contests) == 0 {
			t.Errorf("station %s votes in no contest", s.Code)
		}
	}
}

func testContests(t *testing.T, env *testEnv, p *iltod.Package) {
	base := "/api/v1/elections/" + p.Election.ID
	var all struct {
		Contests []iltod.Contest `json:"contests"`
	}
	env.getJSON(base+"/contests", &all)
	sameJSON(t, "contests", all.Contests, p.Contests)

	for _, b := range p.Election.Bodies {
		bodySeats := 0
		for _, tier := range b.Tiers {
			ref := b.Code + "/" + tier.Code
			var got struct {
				Contests []iltod.Contest `json:"contests"`
			}
			env.getJSON(base+"/contests?tier="+url.QueryEscape(ref), &got)
			seats := 0
			var want []iltod.Contest
			for _, c := range p.Contests {
				if c.TierRef() == ref {
					want = append(want, c)
				}
			}
			for _, c := range got.Contests {
				if c.Body != b.Code || c.Tier != tier.Code {
					t.Errorf("tier %s: contest %s is in %s", ref, c.Code, c.TierRef())
				}
				seats += c.Seats
			}
			if seats != tier.Seats {
				t.Errorf("tier %s: contests hold %d seats, the tier %d", ref, seats, tier.Seats)
			}
			if len(got.Contests) == 0 {
				t.Errorf("tier %s: no contests", ref)
			}
			sameJSON(t, "tier "+ref, got.Contests, want)
			bodySeats += seats
		}
		if bodySeats != b.Seats {
			t.Errorf("body %s: tiers' contests hold %d seats, the body %d", b.Code, bodySeats, b.Seats)
		}
	}

	for _, c := range p.Contests {
		var got struct {
			Contest iltod.Contest `json:"contest"`
		}
		env.getJSON(base+"/contests/"+c.Code, &got)
		sameJSON(t, "contest "+c.Code, got.Contest, c)
	}
}

func testForms(t *testing.T, env *testEnv, p *iltod.Package) {
	base := "/api/v1/elections/" + p.Election.ID
	latest := map[string]iltod.Form{}
	for _, f := range p.Forms {
		if f.Version > latest[f.Code].Version {
			latest[f.Code] = f
		}
	}
	var want []iltod.Form
	for _, f := range latest {
		want = append(want, f)
	}
	iltod.SortForms(want)
	var got struct {
		Forms []iltod.Form `json:"forms"`
	}
	env.getJSON(base+"/forms", &got)
	sameJSON(t, "forms", got.Forms, want)

	for _, f := range want {
		var one struct {
			Form iltod.Form `json:"form"`
		}
		env.getJSON(base+"/forms/"+f.Code, &one)
		sameJSON(t, "latest form "+f.Code, one.Form, f)
	}
	for _, f := range p.Forms {
		var one struct {
			Form iltod.Form `json:"form"`
		}
		env.getJSON(fmt.Sprintf("%s/forms/%s/versions/%d", base, f.Code, f.Version), &one)
		sameJSON(t, fmt.Sprintf("form %s v%d", f.Code, f.Version), one.Form, f)
	}
}

func testErrors(t *testing.T, env *testEnv, p *iltod.Package) {
	id := p.Election.ID
	base := "/api/v1/elections/" + id
	form := p.Forms[0].Code
	tests := []struct {
		method, path string
		status       int
		code         iltod.ErrorCode
	}{
		{"GET", "/api/v1/elections/no-such-election", 404, iltod.ENotFound},
		{"GET", "/api/v1/elections/NOT!VALID", 404, iltod.ENotFound},
		{"GET", "/api/v1/elections/no-such-election/areas", 404, iltod.ENotFound},
		{"GET", "/api/v1/elections/no-such-election/stations", 404, iltod.ENotFound},
		{"GET", "/api/v1/elections/no-such-election/contests", 404, iltod.ENotFound},
		{"GET", "/api/v1/elections/no-such-election/forms", 404, iltod.ENotFound},
		{"GET", base + "/areas/NOPE", 404, iltod.ENotFound},
		{"GET", base + "/areas?flat=maybe", 400, iltod.EInvalid},
		{"GET", base + "/stations/NOPE", 404, iltod.ENotFound},
		{"GET", base + "/contests/NOPE", 404, iltod.ENotFound},
		{"GET", base + "/forms/NOPE", 404, iltod.ENotFound},
		{"GET", base + "/forms/NOPE/versions/1", 404, iltod.ENotFound},
		{"GET", base + "/forms/" + form + "/versions/99", 404, iltod.ENotFound},
		{"GET", base + "/forms/" + form + "/versions/0", 400, iltod.EInvalid},
		{"GET", base + "/forms/" + form + "/versions/-1", 400, iltod.EInvalid},
		{"GET", base + "/forms/" + form + "/versions/one", 400, iltod.EInvalid},
		{"GET", base + "/forms/" + form + "/versions/99999999999999999999", 400, iltod.EInvalid},
		{"GET", base + "/stations?limit=0", 400, iltod.EInvalid},
		{"GET", base + "/stations?limit=-5", 400, iltod.EInvalid},
		{"GET", base + "/stations?limit=10001", 400, iltod.EInvalid},
		{"GET", base + "/stations?limit=ten", 400, iltod.EInvalid},
		{"GET", base + "/stations?limit=1.5", 400, iltod.EInvalid},
		{"GET", base + "/stations?after=" + url.QueryEscape("bad code!"), 400, iltod.EInvalid},
		{"GET", base + "/stations?after=" + strings.Repeat("A", 65), 400, iltod.EInvalid},
		{"GET", base + "/stations?area=" + url.QueryEscape("bad/area"), 400, iltod.EInvalid},
		{"GET", base + "/stations?area=NOPE", 404, iltod.ENotFound},
		{"GET", base + "/contests?tier=" + synth.Body, 400, iltod.EInvalid},
		{"GET", base + "/contests?tier=" + url.QueryEscape("a/b/c"), 400, iltod.EInvalid},
		{"GET", base + "/contests?tier=" + url.QueryEscape(synth.Body+"/nope"), 404, iltod.ENotFound},
		{"GET", base + "/contests?tier=" + url.QueryEscape("nope/"+synth.TierList), 404, iltod.ENotFound},
		// Unknown routes under /api/.
		{"GET", "/api/", 404, iltod.ENotFound},
		{"GET", "/api/v1", 404, iltod.ENotFound},
		{"GET", "/api/v1/", 404, iltod.ENotFound},
		{"GET", "/api/v2/elections", 404, iltod.ENotFound},
		{"GET", "/api/v1/elections/", 404, iltod.ENotFound},
		{"GET", "/api/v1/observers", 404, iltod.ENotFound},
		{"GET", base + "/observers", 404, iltod.ENotFound},
		{"GET", base + "/stations/" + p.Stations[0].Code + "/observers", 404, iltod.ENotFound},
		{"GET", base + "/forms/" + form + "/versions", 404, iltod.ENotFound},
		// Wrong methods.
		{"POST", "/api/v1/elections", 405, codeMethodNotAllowed},
		{"PUT", base, 405, codeMethodNotAllowed},
		{"DELETE", base, 405, codeMethodNotAllowed},
		{"PATCH", base + "/stations", 405, codeMethodNotAllowed},
		{"POST", base + "/forms/" + form + "/versions/1", 405, codeMethodNotAllowed},
		{"OPTIONS", base + "/areas", 405, codeMethodNotAllowed},
	}
	for _, tt := range tests {
		resp := env.wantError(tt.method, tt.path, tt.status, tt.code)
		if tt.status == http.StatusMethodNotAllowed {
			if allow := resp.Header.Get("Allow"); allow != "GET, HEAD" {
				t.Errorf("%s %s: Allow %q, want \"GET, HEAD\"", tt.method, tt.path, allow)
			}
		}
	}

	// Outside /api/ the mux's own answers stand, with the security headers.
	resp, _ := env.do("GET", "/no/such/page")
	if resp.StatusCode != 404 || resp.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Errorf("GET /no/such/page: %d, nosniff %q", resp.StatusCode, resp.Header.Get("X-Content-Type-Options"))
	}
	resp, _ = env.do("POST", "/healthz")
	if resp.StatusCode != 405 || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /healthz: %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}

	// HEAD answers like GET, without a body.
	resp, body := env.do("HEAD", base)
	if resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("Content-Type") != "application/json; charset=utf-8" {
		t.Errorf("HEAD %s: %d, %d bytes, %q", base, resp.StatusCode, len(body), resp.Header.Get("Content-Type"))
	}

	// Nothing about a failed request leaks into its message beyond what the caller sent.
	if strings.Contains(env.logs.String(), "level=ERROR") {
		t.Errorf("client errors were logged as server errors:\n%s", env.logs.String())
	}
}

func TestAreaCacheFollowsReplacement(t *testing.T) {
	first := realPackage("cache-test", 300, 7)
	env := newTestEnv(t, first)
	var offset atomic.Int64
	env.srv.areas.now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }

	root := func() *treeNode {
		var tree struct {
			Root *treeNode `json:"root"`
		}
		env.getJSON("/api/v1/elections/cache-test/areas", &tree)
		return tree.Root
	}
	if got := root(); got.Stations != 300 {
		t.Fatalf("root has %d stations, want 300", got.Stations)
	}

	second := realPackage("cache-test", 120, 8)
	if err := env.app.LoadPackage(app.SystemContext(t.Context()), second, true); err != nil {
		t.Fatal(err)
	}
	// Within the TTL the snapshot may lag, as any HTTP cache told max-age=5 would.
	if got := root(); got.Stations != 300 && got.Stations != 120 {
		t.Errorf("root has %d stations, want the old 300 or the new 120", got.Stations)
	}
	offset.Store(int64(areaCacheTTL + time.Second))
	if got := root(); got.Stations != 120 {
		t.Errorf("after the TTL the root has %d stations, want 120", got.Stations)
	}
	var flat struct {
		Areas []flatArea `json:"areas"`
	}
	env.getJSON("/api/v1/elections/cache-test/areas?flat=1", &flat)
	if len(flat.Areas) != len(second.Areas) {
		t.Errorf("flat list has %d areas, want %d", len(flat.Areas), len(second.Areas))
	}
}

func TestAreaCacheConcurrent(t *testing.T) {
	p := realPackage("concurrent", 2000, 3)
	env := newTestEnv(t, p)
	want := expectedTotals(p)
	var wg sync.WaitGroup
	for i := range 24 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			path := "/api/v1/elections/concurrent/areas"
			if i%2 == 1 {
				path = "/api/v1/elections/concurrent/areas/" + p.Areas[i%len(p.Areas)].Code
			}
			resp, body := env.do(http.MethodGet, path)
			if resp.StatusCode != 200 {
				t.Errorf("GET %s: %d %s", path, resp.StatusCode, body)
			}
		}()
	}
	wg.Wait()
	var tree struct {
		Root *treeNode `json:"root"`
	}
	env.getJSON("/api/v1/elections/concurrent/areas", &tree)
	if w := want[tree.Root.Code]; tree.Root.Stations != w.stations {
		t.Errorf("root: %d stations, want %d", tree.Root.Stations, w.stations)
	}
}
