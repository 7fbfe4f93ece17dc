package pvt_test

import (
	"errors"
	"strings"
	"testing"
	"unicode"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/stats/pvt"
)

// checkNote fails t unless note holds a filled-in text in English and in Mongolian.
func checkNote(t *testing.T, what string, note iltod.Text) {
	t.Helper()
	en, mn := note["en"], note["mn"]
	if en == "" || mn == "" || en == mn {
		t.Errorf("%s: note %q", what, note)
		return
	}
	for _, s := range []string{en, mn} {
		if strings.Contains(s, "{{") || strings.Contains(s, "stats.pvt.") || strings.Contains(s, "<no value>") {
			t.Errorf("%s: a placeholder is not filled in: %q", what, s)
		}
	}
	if !strings.ContainsFunc(mn, func(r rune) bool { return unicode.Is(unicode.Cyrillic, r) }) {
		t.Errorf("%s: the Mongolian note is not in Cyrillic: %q", what, mn)
	}
}

// TestNotesInEveryLanguage checks that every call, test and diagnosis carries its note in
// English and Mongolian, with the same figures in both.
func TestNotesInEveryLanguage(t *testing.T) {
	e := pvt.Estimate{Value: 0.1, SE: 0.02}
	notes := map[string]iltod.Text{
		"winner first":     pvt.CallWinner(e, 0, 1, 0).Note,
		"winner second":    pvt.CallWinner(pvt.Estimate{Value: -0.1, SE: 0.02}, 0, 1, 0).Note,
		"too close":        pvt.CallWinner(pvt.Estimate{Value: 0.01, SE: 0.02}, 0, 1, 0).Note,
		"runoff not":       pvt.CallRunoff(pvt.Estimate{Value: 0.6, SE: 0.01}, 0.5, 0).Note,
		"runoff needed":    pvt.CallRunoff(pvt.Estimate{Value: 0.4, SE: 0.01}, 0.5, 0).Note,
		"runoff unknown":   pvt.CallRunoff(pvt.Estimate{Value: 0.5, SE: 0.01}, 0.5, 0).Note,
		"official within":  pvt.CheckOfficial(e, 0.1, 0).Note,
		"official outside": pvt.CheckOfficial(e, 0.3, 0).Note,
		"collation none":   pvt.Collation(pvt.Estimate{Value: 0.1}, 0/zero(), 0).Note,
		"collation within": pvt.Collation(e, 0.1, 0).Note,
		"collation off":    pvt.Collation(e, 0.3, 0).Note,
	}
	m, err := pvt.Match([]pvt.Pair{{Station: "a", Observed: []float64{1}, Official: []float64{2}}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	notes["match"] = m.Note
	tests := map[pvt.Verdict]pvt.Test{}
	for _, v := range []pvt.Verdict{pvt.Consistent, pvt.Inconsistent, pvt.Undetermined} {
		tests[v] = pvt.Test{Verdict: v, Critical: pvt.Z95}
	}
	for name, pc := range map[string][2]pvt.Verdict{
		"diagnose none": {pvt.Undetermined, pvt.Consistent}, "diagnose consistent": {pvt.Consistent, pvt.Consistent},
		"diagnose collation": {pvt.Consistent, pvt.Inconsistent}, "diagnose station": {pvt.Inconsistent, pvt.Consistent},
		"diagnose both": {pvt.Inconsistent, pvt.Inconsistent},
	} {
		notes[name] = pvt.Diagnose(tests[pc[0]], tests[pc[1]]).Note
	}
	for what, n := range notes {
		checkNote(t, what, n)
	}
	// The figures are the same in both languages.
	w := pvt.CallWinner(e, 2, 5, 0).Note
	for _, lang := range []string{"en", "mn"} {
		if !strings.Contains(w[lang], "2") || !strings.Contains(w[lang], "5") || !strings.Contains(w[lang], "6.08%") || !strings.Contains(w[lang], "13.92%") {
			t.Errorf("winner note in %s lacks a figure: %q", lang, w[lang])
		}
	}
}

// TestCoverageErrorText checks the message of a refused estimate: its English as before,
// and in Mongolian.
func TestCoverageErrorText(t *testing.T) {
	e := &pvt.CoverageError{Thin: []pvt.StratumCoverage{{Stratum: "north", Sampled: 3, Reported: 1}, {Stratum: "south", Reported: 0}}}
	want := `pvt: 2 strata have fewer than 2 reporting stations, no estimate: "north" 1 of 3 sampled, "south" 0 reported; wait for reports or merge these strata with similar ones`
	if got := e.Error(); got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	checkNote(t, "coverage", e.Text())
	for i := range 5 {
		e.Thin = append(e.Thin, pvt.StratumCoverage{Stratum: string(rune('a' + i)), Reported: 1})
	}
	if got := e.Error(); !strings.Contains(got, `"c" 1 reported, and 2 more; wait`) {
		t.Errorf("seven thin strata: %q", got)
	}
	if mn := e.Text()["mn"]; !strings.Contains(mn, "болон өөр 2") || !strings.Contains(mn, `"north": түүвэрлэсэн 3 хэсгээс 1`) {
		t.Errorf("seven thin strata in Mongolian: %q", mn)
	}
}

func zero() float64 { return 0 }

// TestInputErrorText checks refused input: it matches ErrInvalid, reads in English as it
// always has, and says the same in Mongolian.
func TestInputErrorText(t *testing.T) {
	_, err := pvt.Match([]pvt.Pair{{Station: "UB-1", Observed: []float64{1}, Official: []float64{1, 2}}}, 0)
	var ie *pvt.InputError
	if !errors.Is(err, pvt.ErrInvalid) || !errors.As(err, &ie) {
		t.Fatalf("err = %v, want an *InputError matching ErrInvalid", err)
	}
	if got, want := err.Error(), `pvt: invalid input: pair 0 ("UB-1"): 1 observed counts but 2 official`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := ie.Text()["mn"], `0-р хос ("UB-1"): ажиглагчийн 1 тоо, албан ёсны 2 тоо байна`; got != want {
		t.Errorf("in Mongolian: %q, want %q", got, want)
	}
	_, err = pvt.Match(nil, -0.5)
	if got, want := err.Error(), "pvt: invalid input: tolerance -0.5 must be ≥ 0"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
}

// TestMismatchErrorText checks a sample that does not verify: English as before, and
// Mongolian.
func TestMismatchErrorText(t *testing.T) {
	err := pvt.Sample{Method: "coin"}.Verify(nil)
	var me *pvt.MismatchError
	if !errors.As(err, &me) {
		t.Fatalf("err = %v, want a *MismatchError", err)
	}
	if got, want := err.Error(), `pvt: sample drawn with unknown method "coin"`; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	if got, want := me.Text()["mn"], `түүврийг үл мэдэгдэх "coin" аргаар гаргасан`; got != want {
		t.Errorf("in Mongolian: %q, want %q", got, want)
	}
}
