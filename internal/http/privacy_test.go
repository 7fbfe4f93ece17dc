package http

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// observerMarker is part of every observer's name in TestNoObserverData, so that any
// fragment of a name that leaks is found, not only the whole name.
const observerMarker = "ZQXSECRETOBSERVER"

// TestNoObserverData walks every route of every election, including error paths, and
// checks that no response (and no line of the server's log) holds an observer's name or
// phone number.
func TestNoObserverData(t *testing.T) {
	demo := demoPackage(1200, 11)
	real := realPackage("trial-2028", 300, 12)
	// Every name holds both markers, so finding neither means no name, nor any part of one
	// holding a marker, was sent. Phones are looked up by their digits.
	names := []string{observerMarker, "Нууцаа"}
	phones := map[string]bool{}
	for _, p := range []*iltod.Package{demo, real} {
		for i := range p.Observers {
			o := &p.Observers[i]
			o.Name = fmt.Sprintf("Ажиглагч Нууцаа %s %s", o.Code, observerMarker)
			for _, ph := range o.Phones {
				phones[strings.TrimPrefix(ph, "+")] = true
			}
		}
		if len(p.Observers) == 0 || len(phones) == 0 {
			t.Fatalf("%s has no observers to look for", p.Election.ID)
		}
	}
	leaks := func(text string) []string {
		var found []string
		for _, n := range names {
			if strings.Contains(text, n) {
				found = append(found, n)
			}
		}
		return append(found, phoneNumbersIn(text, phones)...)
	}
	env := newTestEnv(t, demo, real)

	var paths []string
	add := func(p ...string) { paths = append(paths, p...) }
	add("/", "/?lang=en", "/?lang=mn", "/healthz", "/static/style.css", "/api/v1/elections",
		"/api/v1/elections/nope", "/api/v1/observers")
	for _, p := range []*iltod.Package{demo, real} {
		base := "/api/v1/elections/" + p.Election.ID
		add(base, base+"/areas", base+"/areas?flat=1", base+"/contests", base+"/forms",
			base+"/observers", base+"/stations?limit=0", base+"/areas/NOPE", base+"/stations/NOPE")
		for _, a := range p.Areas {
			add(base + "/areas/" + a.Code)
		}
		for after := ""; ; {
			path := base + "/stations?limit=250"
			if after != "" {
				path += "&after=" + url.QueryEscape(after)
			}
			add(path)
			var page stationPage
			env.getJSON(path, &page)
			for _, s := range page.Stations {
				add(base + "/stations/" + s.Code)
			}
			if page.Next == "" {
				break
			}
			after = page.Next
		}
		for _, b := range p.Election.Bodies {
			for _, tier := range b.Tiers {
				add(base + "/contests?tier=" + url.QueryEscape(b.Code+"/"+tier.Code))
			}
		}
		for _, c := range p.Contests {
			add(base + "/contests/" + c.Code)
		}
		for _, f := range p.Forms {
			add(base+"/forms/"+f.Code, fmt.Sprintf("%s/forms/%s/versions/%d", base, f.Code, f.Version))
		}
		// Protocol photos: refusals name the election and the hash, never a reporter
		// (TestPhotos checks a photo that is served).
		add("/e/"+p.Election.ID+"/photos/"+strings.Repeat("ab", 32), "/e/"+p.Election.ID+"/photos/NOT-A-HASH")
	}

	checked := 0
	for _, path := range paths {
		resp, body := env.do(http.MethodGet, path)
		if resp.StatusCode >= 500 {
			t.Errorf("GET %s: status %d", path, resp.StatusCode)
		}
		text := string(body)
		// Also look at every string of the JSON decoded, in case an encoder escaped a character.
		var v any
		if json.Unmarshal(body, &v) == nil {
			text += "\n" + strings.Join(jsonStrings(v, nil), "\n")
		}
		for _, s := range leaks(text) {
			t.Errorf("GET %s: the response holds observer data %q", path, s)
		}
		checked++
	}
	for _, s := range leaks(env.logs.String()) {
		t.Errorf("the server's log holds observer data %q", s)
	}
	if checked < len(demo.Stations)+len(real.Stations) {
		t.Errorf("walked only %d routes", checked)
	}
	t.Logf("walked %d responses", checked)
}

// jsonStrings appends every string in a decoded JSON value, keys included, to out.
func jsonStrings(v any, out []string) []string {
	switch x := v.(type) {
	case string:
		out = append(out, x)
	case map[string]any:
		for k, w := range x {
			out = append(jsonStrings(w, out), k)
		}
	case []any:
		for _, w := range x {
			out = jsonStrings(w, out)
		}
	}
	return out
}

// phoneNumbersIn returns the phone numbers (digits only, as keys of phones) that appear in
// text within any run of digits.
func phoneNumbersIn(text string, phones map[string]bool) []string {
	lengths := map[int]bool{}
	for p := range phones {
		lengths[len(p)] = true
	}
	var found []string
	for i := 0; i < len(text); {
		if text[i] < '0' || text[i] > '9' {
			i++
			continue
		}
		j := i
		for j < len(text) && text[j] >= '0' && text[j] <= '9' {
			j++
		}
		run := text[i:j]
		for n := range lengths {
			for k := 0; k+n <= len(run); k++ {
				if phones[run[k:k+n]] {
					found = append(found, run[k:k+n])
				}
			}
		}
		i = j
	}
	return found
}

func TestPhoneNumbersIn(t *testing.T) {
	phones := map[string]bool{"97699000001": true, "97688000002": true}
	text := `{"a":"+97699000001","b":"x1297688000002y","c":"9769900000"}`
	got := phoneNumbersIn(text, phones)
	if len(got) != 2 || got[0] != "97699000001" || got[1] != "97688000002" {
		t.Errorf("phoneNumbersIn found %v, want both numbers", got)
	}
}
