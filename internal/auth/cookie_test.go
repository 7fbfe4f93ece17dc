package auth

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCookieName(t *testing.T) {
	if got := CookieName(true); got != "__Host-iltod" {
		t.Errorf("CookieName(true) = %q", got)
	}
	if got := CookieName(false); got != "iltod_session" {
		t.Errorf("CookieName(false) = %q", got)
	}
}

func TestSessionCookie(t *testing.T) {
	tests := []struct {
		name   string
		secure bool
		maxAge time.Duration
		want   string
	}{
		{"secure", true, 12 * time.Hour,
			"__Host-iltod=tok; Path=/; Max-Age=43200; HttpOnly; Secure; SameSite=Strict"},
		{"plain HTTP", false, 12 * time.Hour,
			"iltod_session=tok; Path=/; Max-Age=43200; HttpOnly; SameSite=Strict"},
		{"part seconds round up", true, 1500 * time.Millisecond,
			"__Host-iltod=tok; Path=/; Max-Age=2; HttpOnly; Secure; SameSite=Strict"},
		{"browser session", true, 0,
			"__Host-iltod=tok; Path=/; HttpOnly; Secure; SameSite=Strict"},
		{"negative is a browser session, not a deletion", true, -time.Hour,
			"__Host-iltod=tok; Path=/; HttpOnly; Secure; SameSite=Strict"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := SessionCookie(CookieName(tt.secure), "tok", tt.secure, tt.maxAge)
			if got := c.String(); got != tt.want {
				t.Errorf("cookie = %q\nwant     %q", got, tt.want)
			}
			if err := c.Valid(); err != nil {
				t.Errorf("Valid: %v", err)
			}
		})
	}
}

// TestSessionCookieRoundTrip sets a real token through a ResponseRecorder and reads it
// back as a browser would send it.
func TestSessionCookieRoundTrip(t *testing.T) {
	token, _ := NewToken()
	w := httptest.NewRecorder()
	http.SetCookie(w, SessionCookie(CookieName(true), token, true, time.Hour))
	r := httptest.NewRequest("GET", "/", nil)
	for _, c := range w.Result().Cookies() {
		r.AddCookie(&http.Cookie{Name: c.Name, Value: c.Value})
	}
	got, err := r.Cookie("__Host-iltod")
	if err != nil || got.Value != token {
		t.Fatalf("cookie read back = %v, %v; want value %q", got, err, token)
	}
}

func TestClearCookie(t *testing.T) {
	c := ClearCookie(CookieName(true), true)
	want := "__Host-iltod=; Path=/; Max-Age=0; HttpOnly; Secure; SameSite=Strict"
	if got := c.String(); got != want {
		t.Errorf("ClearCookie = %q\nwant        %q", got, want)
	}
	c = ClearCookie(CookieName(false), false)
	if got := c.String(); strings.Contains(got, "Secure") || !strings.Contains(got, "Max-Age=0") {
		t.Errorf("ClearCookie(plain) = %q", got)
	}
}
