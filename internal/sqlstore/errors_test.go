package sqlstore_test

import (
	"errors"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/sqlstore"
)

// TestErrorsInLanguage checks that the store's errors carry catalogue keys: a record
// with problems is refused with EInvalid whose message names what it is and lists the
// problems in the reader's language, and Err still holds the Problems; a missing staff
// account is ENotFound in the reader's language.
func TestErrorsInLanguage(t *testing.T) {
	s, err := sqlstore.OpenSQLite(t.Context(), filepath.Join(t.TempDir(), "iltod.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	err = s.CreateStaff(t.Context(), iltod.StaffAccount{}, iltod.Event{})
	var ps iltod.Problems
	if iltod.ErrorCodeOf(err) != iltod.EInvalid || !errors.As(err, &ps) || len(ps) == 0 {
		t.Fatalf("CreateStaff of an empty account: %v; want EInvalid holding Problems", err)
	}
	en, mn := iltod.ErrorMessageIn(err, "en"), iltod.ErrorMessageIn(err, "mn")
	if !strings.HasPrefix(en, "the staff account: ") || !strings.Contains(en, ps[0].In("en")) {
		t.Errorf("in English: %q; want the staff account's problems, among them %q", en, ps[0].In("en"))
	}
	if !strings.HasPrefix(mn, "ажилтны бүртгэл: ") || !strings.Contains(mn, ps[0].In("mn")) {
		t.Errorf("in Mongolian: %q; want the staff account's problems, among them %q", mn, ps[0].In("mn"))
	}

	_, err = s.StaffAccount(t.Context(), "nobody")
	if got, want := iltod.ErrorCodeOf(err), iltod.ENotFound; got != want {
		t.Errorf("StaffAccount(nobody): code %s, want %s", got, want)
	}
	if got, want := iltod.ErrorMessageIn(err, "mn"), "nobody ажилтны бүртгэл алга"; got != want {
		t.Errorf("StaffAccount(nobody) in Mongolian: %q, want %q", got, want)
	}
	if got, want := iltod.ErrorMessageIn(err, "en"), "no staff account nobody"; got != want {
		t.Errorf("StaffAccount(nobody) in English: %q, want %q", got, want)
	}
}
