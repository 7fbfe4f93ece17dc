package qa

import (
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// photoHash is a well-formed photo answer.
const photoHash = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"

func TestPhotoAnswers(t *testing.T) {
	f := typesForm()
	f.Questions = append(f.Questions, q("PH photo"), q("PHR photo req"))
	s := mustExpand(t, f, "S1")
	base := answers(`N=5 AS="1" QV=yes REQT="ok"`)
	for _, tt := range []struct {
		name string
		v    *iltod.Value // the answer to PHR; nil for none
		want string
	}{
		{"hash", &iltod.Value{Kind: iltod.Str, Str: photoHash}, ""},
		{"missing", nil, "PHR: an answer is required"},
		{"upper case", &iltod.Value{Kind: iltod.Str, Str: strings.ToUpper(photoHash)},
			`PHR: "` + strings.ToUpper(photoHash) + `" is not the SHA-256 of a photo: 64 lower-case hexadecimal digits`},
		{"short", &iltod.Value{Kind: iltod.Str, Str: photoHash[:63]},
			`PHR: "` + photoHash[:63] + `" is not the SHA-256 of a photo: 64 lower-case hexadecimal digits`},
		{"not hex", &iltod.Value{Kind: iltod.Str, Str: "g" + photoHash[1:]},
			`PHR: "g` + photoHash[1:] + `" is not the SHA-256 of a photo: 64 lower-case hexadecimal digits`},
		{"number", &iltod.Value{Kind: iltod.Int, Int: 7}, "PHR: must be the SHA-256 of a photo (64 hexadecimal digits), not the number 7"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			ans := map[string]iltod.Value{}
			for k, v := range base {
				ans[k] = v
			}
			if tt.v != nil {
				ans["PHR"] = *tt.v
			}
			got := ""
			if ps := s.ValidateAnswers(ans); ps != nil {
				got = ps.Error()
			}
			if got != tt.want {
				t.Errorf("got  %s\nwant %s", got, tt.want)
			}
		})
	}
}

func TestPhotoInRules(t *testing.T) {
	for _, tt := range []struct{ expr, want string }{
		{"answered(PH)", ""},
		{"not answered(PH) or CB >= 0", ""},
		{`PH == "` + photoHash + `"`, "rules[0].expr: at character 1: PH is a photo; a rule can only test answered(PH)"},
		{"PH == PH", "rules[0].expr: at character 1: PH is a photo; a rule can only test answered(PH)"},
		{`has(PH, "1")`, "rules[0].expr: at character 5: has tests a multiple-choice answer; PH is a photo"},
	} {
		f := ruleForm(tt.expr)
		f.Questions = append(f.Questions, q("PH photo"))
		got := ""
		if ps := ValidateForm(f); ps != nil {
			got = ps.Error()
		}
		if got != tt.want {
			t.Errorf("%s:\n got %s\nwant %s", tt.expr, got, tt.want)
		}
	}

	// answered(PH) holds exactly when a well-formed hash is given.
	f := ruleForm("answered(PH)")
	f.Questions = append(f.Questions, q("PH photo"))
	f.Kind = iltod.Results
	f.Checks = &iltod.ResultChecks{Disable: Builtins()}
	s := mustExpand(t, f, "S1")
	for _, tt := range []struct {
		ans  map[string]iltod.Value
		want iltod.CheckOutcome
	}{
		{map[string]iltod.Value{"PH": iltod.StrValue(photoHash)}, iltod.CheckPass},
		{map[string]iltod.Value{}, iltod.CheckFail},
	} {
		if rs := s.Check(tt.ans); len(rs) != 1 || rs[0].Outcome != tt.want {
			t.Errorf("answered(PH) with %v: %+v, want %s", tt.ans, rs, tt.want)
		}
	}
}
