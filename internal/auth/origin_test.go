package auth

import (
	"net/http/httptest"
	"testing"
)

func TestCanonicalOrigin(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"https://example.org", "https://example.org"},
		{"https://example.org/", "https://example.org"},
		{"HTTPS://Example.ORG", "https://example.org"},
		{"https://example.org:443", "https://example.org"},
		{"http://example.org:80", "http://example.org"},
		{"https://example.org:8443", "https://example.org:8443"},
		{"http://127.0.0.1:8080", "http://127.0.0.1:8080"},
		{"http://[::1]:8080", "http://[::1]:8080"},
		{"http://[::1]", "http://[::1]"},
		{"http://[::1]:80", "http://[::1]"},
		{"http://localhost:08080", "http://localhost:8080"},
		{"", ""},
		{"example.org", ""},
		{"//example.org", ""},
		{"ftp://example.org", ""},
		{"https://", ""},
		{"https://example.org/login", ""},
		{"https://example.org?x", ""},
		{"https://example.org#x", ""},
		{"https://user@example.org", ""},
		{"https://example.org:", ""},
		{"https://example.org:0", ""},
		{"https://example.org:65536", ""},
		{"https://example.org:x", ""},
		{"null", ""},
	}
	for _, tt := range tests {
		got, err := CanonicalOrigin(tt.in)
		if got != tt.want || (err != nil) != (tt.want == "") {
			t.Errorf("CanonicalOrigin(%q) = %q, %v; want %q", tt.in, got, err, tt.want)
		}
	}
}

func TestSameOrigin(t *testing.T) {
	const origin = "https://example.org"
	tests := []struct {
		name    string
		method  string
		headers map[string]string
		origin  string // the configured origin if not origin
		want    bool
	}{
		{"GET without headers", "GET", nil, "", true},
		{"HEAD cross-site", "HEAD", map[string]string{"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}, "", true},
		{"POST same origin", "POST", map[string]string{"Origin": "https://example.org"}, "", true},
		{"POST same origin, configured with slash", "POST", map[string]string{"Origin": "https://example.org"}, "https://example.org/", true},
		{"POST explicit default port", "POST", map[string]string{"Origin": "https://example.org:443"}, "", true},
		{"POST other host", "POST", map[string]string{"Origin": "https://evil.example"}, "", false},
		{"POST sibling subdomain", "POST", map[string]string{"Origin": "https://www.example.org"}, "", false},
		{"POST suffix host", "POST", map[string]string{"Origin": "https://example.org.evil.example"}, "", false},
		{"POST cross-scheme", "POST", map[string]string{"Origin": "http://example.org"}, "", false},
		{"POST other port", "POST", map[string]string{"Origin": "https://example.org:8443"}, "", false},
		{"POST Origin with path", "POST", map[string]string{"Origin": "https://example.org/x"}, "", false},
		{"POST garbage Origin", "POST", map[string]string{"Origin": "%%%"}, "", false},
		{"PUT other host", "PUT", map[string]string{"Origin": "https://evil.example"}, "", false},
		{"DELETE other host", "DELETE", map[string]string{"Origin": "https://evil.example"}, "", false},
		{"PATCH same origin", "PATCH", map[string]string{"Origin": "https://example.org"}, "", true},
		{"POST Referer same origin", "POST", map[string]string{"Referer": "https://example.org/login?next=/"}, "", true},
		{"POST Referer other host", "POST", map[string]string{"Referer": "https://evil.example/example.org"}, "", false},
		{"POST Referer cross-scheme", "POST", map[string]string{"Referer": "http://example.org/login"}, "", false},
		{"POST Origin wins over Referer", "POST", map[string]string{"Origin": "https://evil.example", "Referer": "https://example.org/"}, "", false},
		{"POST no headers", "POST", nil, "", false},
		{"POST null Origin alone", "POST", map[string]string{"Origin": "null"}, "", false},
		{"POST null Origin, no-referrer same-origin form", "POST", map[string]string{"Origin": "null", "Sec-Fetch-Site": "same-origin"}, "", true},
		{"POST null Origin, sandboxed cross-site frame", "POST", map[string]string{"Origin": "null", "Sec-Fetch-Site": "cross-site"}, "", false},
		{"POST null Origin, cross-site Referer", "POST", map[string]string{"Origin": "null", "Referer": "https://evil.example/"}, "", false},
		{"POST Sec-Fetch-Site alone", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, "", true},
		{"POST same-site", "POST", map[string]string{"Origin": "https://example.org", "Sec-Fetch-Site": "same-site"}, "", false},
		{"POST cross-site despite Origin", "POST", map[string]string{"Origin": "https://example.org", "Sec-Fetch-Site": "cross-site"}, "", false},
		{"POST user-initiated", "POST", map[string]string{"Sec-Fetch-Site": "none"}, "", false},
		{"POST rebinding: same-origin to the browser, wrong host", "POST", map[string]string{"Origin": "http://attacker.example", "Sec-Fetch-Site": "same-origin"}, "", false},
		{"POST local server", "POST", map[string]string{"Origin": "http://127.0.0.1:8080"}, "http://127.0.0.1:8080", true},
		{"POST local server, other port", "POST", map[string]string{"Origin": "http://127.0.0.1:8081"}, "http://127.0.0.1:8080", false},
		{"POST local server, localhost name", "POST", map[string]string{"Origin": "http://localhost:8080"}, "http://127.0.0.1:8080", false},
		{"POST misconfigured origin", "POST", map[string]string{"Origin": "https://example.org"}, "example.org", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest(tt.method, "https://example.org/login", nil)
			for k, v := range tt.headers {
				r.Header.Set(k, v)
			}
			o := tt.origin
			if o == "" {
				o = origin
			}
			if got := SameOrigin(r, o); got != tt.want {
				t.Errorf("SameOrigin(%s %v, %q) = %v, want %v", tt.method, tt.headers, o, got, tt.want)
			}
		})
	}
}
