package incident

import (
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// TestShortCodes checks the SMS short codes of the default taxonomy and that a taxonomy
// with a malformed or repeated short code is refused.
func TestShortCodes(t *testing.T) {
	tax := Default()
	if c, ok := tax.CategoryByShort("VB"); !ok || c.Code != "election.vote_buying" {
		t.Errorf("VB is %+v %v", c, ok)
	}
	if s, ok := tax.SeverityByShort("H"); !ok || s.Code != "high" {
		t.Errorf("H is %+v %v", s, ok)
	}
	if got := tax.DefaultSeverity().Code; got != "medium" {
		t.Errorf("the default severity is %s", got)
	}
	if n, want := len(tax.ShortCodes()), 13; n != want {
		t.Errorf("%d categories with a short code, want %d", n, want)
	}
	for _, bad := range []string{
		"version: 1\nseverities: [{code: low, sms: l, label: {en: Low}}]\ngroups: [{code: g, label: {en: G}, categories: [{code: c, label: {en: C}}]}]\n",
		"version: 1\nseverities: [{code: low, label: {en: Low}}]\ngroups: [{code: g, label: {en: G}, categories: [{code: c, sms: X, label: {en: C}}, {code: d, sms: X, label: {en: D}}]}]\n",
	} {
		if _, err := Parse(strings.NewReader(bad)); iltod.ErrorCodeOf(err) != iltod.EInvalid {
			t.Errorf("Parse(%q) = %v, want EInvalid", bad, err)
		}
	}
}
