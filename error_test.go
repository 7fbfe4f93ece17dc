package iltod

import (
	"errors"
	"fmt"
	"testing"

	"github.com/iltod/iltod/locales"
)

// TestErrorLanguages checks that an error made with E keeps its code and English Message
// for logs, and reads in each language, integers grouped as the language writes them.
func TestErrorLanguages(t *testing.T) {
	e := E(ETooLarge, "error.envelope_size", map[string]any{"Size": 70000, "Max": int64(65536)})
	if e.Code != ETooLarge || e.Key != "error.envelope_size" {
		t.Errorf("E: %+v", e)
	}
	if want := "the envelope is 70,000 bytes; at most 65,536 are allowed"; e.Message != want || e.Error() != want || ErrorMessageOf(e) != want {
		t.Errorf("English: Message %q, Error %q, ErrorMessageOf %q; want %q", e.Message, e.Error(), ErrorMessageOf(e), want)
	}
	wrapped := fmt.Errorf("submit: %w", e)
	for lang, want := range map[string]string{
		"en": "the envelope is 70,000 bytes; at most 65,536 are allowed",
		"mn": "дугтуй 70,000 байт байна; хамгийн ихдээ 65,536 байт байж болно",
	} {
		if got := ErrorMessageIn(wrapped, lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
		if ErrorCodeOf(wrapped) != ETooLarge {
			t.Errorf("%s: code %q", lang, ErrorCodeOf(wrapped))
		}
	}
	// A word given as a key is written in each language.
	r := E(EForbidden, "error.role_may_not_enter", map[string]any{"Role": locales.Key("console.role_analyst")})
	if got, want := ErrorMessageIn(r, "mn"), "шинжээч үүрэгтэй ажилтан мэдээ оруулж болохгүй"; got != want {
		t.Errorf("mn with a key: %q, want %q", got, want)
	}
	if got, want := r.Message, "the analyst role may not enter reports"; got != want {
		t.Errorf("en with a key: %q, want %q", got, want)
	}
	// Errors not in the catalogue keep their English; others say only "internal error".
	for lang, want := range map[string]string{"en": "internal error", "mn": "дотоод алдаа"} {
		if got := ErrorMessageIn(Errorf(EInvalid, "not yet moved"), lang); got != "not yet moved" {
			t.Errorf("%s: Errorf message %q", lang, got)
		}
		if got := ErrorMessageIn(errors.New("disk full at /var/secret"), lang); got != want {
			t.Errorf("%s: internal error shown as %q, want %q", lang, got, want)
		}
		if got := ErrorMessageIn(Problems{{Field: "x", Message: "is wrong"}}, lang); got != "x: is wrong" {
			t.Errorf("%s: Problems shown as %q", lang, got)
		}
	}
}
