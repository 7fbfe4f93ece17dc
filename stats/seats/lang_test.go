package seats_test

import (
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/seats"
)

// TestReasonLanguages checks that a reason is given in English and Mongolian with the
// same figures, nested parts (the base, the shortfall before a runoff) included.
func TestReasonLanguages(t *testing.T) {
	two := contest("P", 1, iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: iltod.BaseValidAndBlank}, "A", "B", "C")
	r := allocate(t, two, seats.Totals{Votes: map[string]int64{"A": 40, "B": 35, "C": 25}, Valid: 100}, seats.Options{})
	if r.Outcome != seats.OutcomeRunoff {
		t.Fatalf("outcome %s", r.Outcome)
	}
	for lang, want := range map[string]string{
		"en": "no candidate has more than 50% of valid votes and blank ballots (the most votes are 40.00%): the top two go to a runoff",
		"mn": "аль ч нэр дэвшигч хүчинтэй санал ба хоосон хуудасны 50%-иас илүүг аваагүй (хамгийн олон санал 40.00%): эхний хоёр нь давтан санал хураалтад орно",
	} {
		if got := r.Reason[lang]; got != want {
			t.Errorf("runoff reason in %s = %q, want %q", lang, got, want)
		}
	}
	fptp := contest("C", 1, iltod.System{Kind: iltod.FPTP, MinShare: 0.28, MinTurnout: 0.5}, "A", "B")
	r = allocate(t, fptp, seats.Totals{Votes: map[string]int64{"A": 2000, "B": 1500}, Valid: 8000, Cast: 8000, Registered: 20000}, seats.Options{})
	if got, want := r.Reason["mn"], "ирц 40.00% байгаа нь шаардлагатай 50%-иас бага, мөн хамгийн олон санал хүчинтэй саналын 25.00% байгаа нь шаардлагатай 28%-иас бага"; got != want {
		t.Errorf("two unmet conditions in mn = %q, want %q", got, want)
	}
	elected := allocate(t, fptp, seats.Totals{Votes: map[string]int64{"A": 5000, "B": 1000}, Valid: 6000, Cast: 6000, Registered: 10000}, seats.Options{})
	if elected.Reason != nil {
		t.Errorf("an elected contest has a reason: %q", elected.Reason)
	}
}

// TestErrorLanguages checks that a refused allocation keeps its code and says why in the
// reader's language.
func TestErrorLanguages(t *testing.T) {
	list := contest("L", 5, iltod.System{Kind: iltod.ListPR, Method: iltod.DHondt}, "A", "B")
	_, err := seats.Allocate(list, seats.Totals{Votes: map[string]int64{"A": 10}, Valid: 10, Blank: 2, Cast: 11}, seats.Options{})
	if iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Fatalf("err = %v", err)
	}
	for lang, want := range map[string]string{
		"en": "contest L: 11 ballots cast are fewer than the 10 valid and 2 blank ones",
		"mn": "L тойрог: хайрцагт буусан 11 хуудас нь хүчинтэй 10, хоосон 2 хуудасны нийлбэрээс цөөн",
	} {
		if got := iltod.ErrorMessageIn(err, lang); got != want {
			t.Errorf("%s: %q, want %q", lang, got, want)
		}
	}
	_, err = seats.Allocate(list, seats.Totals{Votes: map[string]int64{"A": 10}, Valid: -1}, seats.Options{})
	if got := iltod.ErrorMessageIn(err, "mn"); !strings.Contains(got, "хүчинтэй хуудас -1 байна") {
		t.Errorf("a negative count in mn: %q", got)
	}
	if got := err.Error(); !strings.Contains(got, "contest L: valid is -1; counts cannot be negative") {
		t.Errorf("a negative count: %q", got)
	}
}
