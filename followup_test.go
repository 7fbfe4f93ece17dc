package iltod

import (
	"strings"
	"testing"
)

func TestFollowupCode(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		c := NewFollowupCode()
		if len(c) != 39 || strings.Count(c, "-") != 7 || seen[c] {
			t.Fatalf("NewFollowupCode() = %q", c)
		}
		seen[c] = true
		got, err := ParseFollowupCode(c)
		if err != nil || got != c {
			t.Fatalf("ParseFollowupCode(%q) = %q, %v", c, got, err)
		}
	}
	const c = "0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ"
	for _, typed := range []string{
		"0123456789abcdefghjkmnpqrstvwxyz",
		" o123 4567 89ab cdef ghjk mnpq rstv wxyz\n",
		"0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ",
	} {
		if got, err := ParseFollowupCode(typed); err != nil || got != c {
			t.Errorf("ParseFollowupCode(%q) = %q, %v; want %s", typed, got, err, c)
		}
	}
	if got, _ := ParseFollowupCode("I1L1" + c[4:]); got != "1111"+c[4:] {
		t.Errorf("I and L do not read as 1: %q", got)
	}
	for _, bad := range []string{"", "0123", c + "0", c[:len(c)-1], strings.Replace(c, "Z", "U", 1), strings.Replace(c, "Z", "Ж", 1), strings.Repeat("-", 200)} {
		if got, err := ParseFollowupCode(bad); ErrorCodeOf(err) != EInvalid {
			t.Errorf("ParseFollowupCode(%q) = %q, %v; want EInvalid", bad, got, err)
		}
	}
	if FollowupHash("a", c) == FollowupHash("b", c) || FollowupHash("a", c) == FollowupHash("a", NewFollowupCode()) {
		t.Errorf("FollowupHash does not depend on the election and the code")
	}
}

func FuzzParseFollowupCode(f *testing.F) {
	f.Add("0123-4567-89AB-CDEF-GHJK-MNPQ-RSTV-WXYZ")
	f.Add("o123 4567 89ab cdef ghjk mnpq rstv wxyz")
	f.Add("")
	f.Add("ÿ")
	f.Fuzz(func(t *testing.T, s string) {
		c, err := ParseFollowupCode(s)
		if err != nil {
			return
		}
		again, err := ParseFollowupCode(c)
		if err != nil || again != c || len(c) != 39 {
			t.Errorf("ParseFollowupCode(%q) = %q, which reads back as %q, %v", s, c, again, err)
		}
	})
}
