package mirror

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestParsePath(t *testing.T) {
	good := map[string]Resource{
		"checkpoint":             {Checkpoint: true},
		"tile/0/000":             {},
		"tile/0/x001/234.p/17":   {Index: 1234, Width: 17},
		"tile/entries/000.p/255": {Entries: true, Width: 255},
		"tile/2/x123/x456/789":   {Level: 2, Index: 123456789},
		"tile/entries/x001/000":  {Entries: true, Index: 1000},
		"tile/63/000":            {Level: 63},
	}
	for p, want := range good {
		got, err := ParsePath(p)
		if err != nil || got != want {
			t.Errorf("ParsePath(%q) = %+v, %v; want %+v", p, got, err, want)
		}
	}
	for _, p := range []string{
		"", "checkpoint/", "/checkpoint", "tile/0/00", "tile/0/0000", "tile/0/000.p/0", "tile/0/000.p/256",
		"tile/0/000.p/007", "tile/0/x000/001", "tile/00/000", "tile/64/000", "tile/-1/000", "tile/../000",
		"tile/0/../checkpoint", "tile/entries/000.p/", ".state/treeState", "tile/0/000/", "tile/x/000",
	} {
		if r, err := ParsePath(p); err == nil {
			t.Errorf("ParsePath(%q) = %+v; want an error", p, r)
		}
	}
}

func FuzzParsePath(f *testing.F) {
	for _, s := range []string{"checkpoint", "tile/0/000", "tile/0/x001/234.p/17", "tile/entries/000.p/255", "tile/1/x000/000", "tile/0/000.p/0", "../x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		r, err := ParsePath(p)
		if err != nil {
			return
		}
		if r.Path() != p {
			t.Fatalf("ParsePath(%q) accepted a path that is not canonical: %q", p, r.Path())
		}
		if strings.Contains(p, "..") || strings.HasPrefix(p, "/") || strings.Contains(p, "//") {
			t.Fatalf("ParsePath(%q) accepted an unsafe path", p)
		}
	})
}

func TestParseResults(t *testing.T) {
	ok := `{"results":[{"receipt":{"id":"abcdefgh","seq":3}},{"error":{"code":"bad_signature","message":"no"}}]}`
	rs, err := ParseResults([]byte(ok), 2)
	if err != nil || rs[0].Receipt == nil || rs[1].Error == nil || rs[1].Error.Code != "bad_signature" {
		t.Fatalf("ParseResults: %+v, %v", rs, err)
	}
	for _, bad := range []string{
		`{"results":[{"receipt":{"id":"abcdefgh"}}]}`, // one result for two envelopes
		`{"results":[{"receipt":{"id":"abcdefgh"}},{}]}`,
		`{"results":[{"receipt":{"id":"abcdefgh"}},{"receipt":{"id":"x"},"error":{"code":"invalid"}}]}`,
		`{"results":[{"receipt":{"id":"abcdefgh"}},{"error":{"message":"no code"}}]}`,
		`{"results":[{"receipt":{"id":"abcdefgh"}},{"receipt":"text"}]}`,
		`{"results":[{"receipt":{"id":"abcdefgh"}},{"receipt":{}}]}`,
		`not json`,
	} {
		if rs, err := ParseResults([]byte(bad), 2); err == nil {
			t.Errorf("ParseResults(%s) = %+v; want an error", bad, rs)
		}
	}
}

func FuzzParseResults(f *testing.F) {
	f.Add([]byte(`{"results":[{"receipt":{"id":"abcdefgh","seq":3}},{"error":{"code":"bad_signature","message":"no"}}]}`), 2)
	f.Add([]byte(`{"results":[]}`), 0)
	f.Add([]byte(`{"results":[{"receipt":null}]}`), 1)
	f.Fuzz(func(t *testing.T, b []byte, n int) {
		rs, err := ParseResults(b, n)
		if err != nil {
			return
		}
		if len(rs) != n {
			t.Fatalf("%d results for %d", len(rs), n)
		}
		for _, r := range rs {
			if (r.Receipt == nil) == (r.Error == nil) {
				t.Fatalf("a result with both or neither: %+v", r)
			}
			if r.Receipt != nil && !json.Valid(r.Receipt) {
				t.Fatalf("a receipt that is not JSON: %s", r.Receipt)
			}
		}
	})
}
