package qa

import (
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// typesForm has a question of every type.
func typesForm() *iltod.Form {
	opts := func(codes ...string) []iltod.Option {
		var out []iltod.Option
		for _, c := range codes {
			out = append(out, iltod.Option{Code: c, Label: iltod.Text{"en": c}})
		}
		return out
	}
	n := q("N integer req max=1000")
	sel := q("AS select_one req")
	sel.Options = opts("1", "2", "3")
	multi := q("PR select_multiple")
	multi.Options = opts("A", "B", "C")
	return &iltod.Form{
		Code: "types", Version: 1, Kind: iltod.Checklist, Name: iltod.Text{"en": "Types"},
		Questions: []iltod.Question{
			n, q("M integer na"), q("YN yes_no"), q("QV yes_no req na"), sel, multi,
			q("NOTE text"), q("REQT text req"), q("CT time"),
		},
	}
}

func TestValidateAnswers(t *testing.T) {
	base := `N=5 AS="1" QV=yes REQT="ok"`
	long := strings.Repeat("я", iltod.MaxTextAnswer)
	tests := []struct {
		name   string
		values map[string]iltod.Value
		want   []string // "FIELD: message", in order
		alone  bool     // values are all the answers, not added to the base
	}{
		{name: "all good", values: nil, want: nil},
		{name: "every optional type", values: answers(`M=3 YN=no CT="23:59" NOTE="line"`), want: nil},
		{name: "select multiple", values: map[string]iltod.Value{"PR": iltod.ListValue([]string{"A", "C"})}, want: nil},
		{name: "select multiple empty", values: map[string]iltod.Value{"PR": iltod.ListValue([]string{})}, want: nil},
		{name: "text with newline", values: map[string]iltod.Value{"NOTE": iltod.StrValue("two\nlines")}, want: nil},
		{name: "text at the limit", values: map[string]iltod.Value{"NOTE": iltod.StrValue(long)}, want: nil},
		{name: "NA where allowed", values: answers("M=NA QV=NA"), want: nil},

		{name: "required missing", values: answers("M=1"), alone: true, want: []string{"N: an answer is required", "QV: an answer is required", "AS: an answer is required", "REQT: an answer is required"}},
		{name: "above max", values: answers("N=1200"), want: []string{"N: 1200 is above the maximum 1000"}},
		{name: "below min", values: answers("N=-1"), want: []string{"N: -1 is below the minimum 0"}},
		{name: "beyond 2^53", values: map[string]iltod.Value{"M": iltod.IntValue(1 << 60)}, want: []string{"M: 1152921504606846976 is beyond ±9007199254740991"}},
		{name: "text for integer", values: answers(`N="12"`), want: []string{`N: must be a whole number, not the text "12"`}},
		{name: "bool for integer", values: answers(`N=yes`), want: []string{`N: must be a whole number, not true`}},
		{name: "number for yes_no", values: answers(`YN=1`), want: []string{`YN: must be yes or no (true or false), not the number 1`}},
		{name: "unknown option", values: answers(`AS="4"`), want: []string{`AS: "4" is not one of the options 1, 2, 3`}},
		{name: "list for select_one", values: map[string]iltod.Value{"AS": iltod.ListValue([]string{"1"})}, want: []string{"AS: must be one option code (a string), not a list"}},
		{name: "string for select_multiple", values: answers(`PR="A"`), want: []string{`PR: must be a list of option codes, not the text "A"`}},
		{name: "unknown option in list", values: map[string]iltod.Value{"PR": iltod.ListValue([]string{"A", "D"})}, want: []string{`PR: "D" is not one of the options A, B, C`}},
		{name: "option twice", values: map[string]iltod.Value{"PR": iltod.ListValue([]string{"A", "A"})}, want: []string{`PR: option "A" is chosen twice`}},
		{name: "text too long", values: map[string]iltod.Value{"NOTE": iltod.StrValue(long + "я")}, want: []string{"NOTE: is 4001 characters long; at most 4000 are allowed"}},
		{name: "text with tab", values: map[string]iltod.Value{"NOTE": iltod.StrValue("a\tb")}, want: []string{"NOTE: contains the control character U+0009; only newlines are allowed"}},
		{name: "text with carriage return", values: map[string]iltod.Value{"NOTE": iltod.StrValue("a\r\nb")}, want: []string{"NOTE: contains the control character U+000D; only newlines are allowed"}},
		{name: "text with C1 control", values: map[string]iltod.Value{"NOTE": iltod.StrValue("a\u0085b")}, want: []string{"NOTE: contains the control character U+0085; only newlines are allowed"}},
		{name: "text not UTF-8", values: map[string]iltod.Value{"NOTE": iltod.StrValue("a\xffb")}, want: []string{"NOTE: is not valid UTF-8"}},
		{name: "blank required text", values: map[string]iltod.Value{"REQT": iltod.StrValue("  ")}, want: []string{"REQT: an answer is required"}},
		{name: "time 24:00", values: answers(`CT="24:00"`), want: []string{`CT: "24:00" is not a time of day written HH:MM, from 00:00 to 23:59`}},
		{name: "time 7:30", values: answers(`CT="7:30"`), want: []string{`CT: "7:30" is not a time of day written HH:MM, from 00:00 to 23:59`}},
		{name: "time 12:60", values: answers(`CT="12:60"`), want: []string{`CT: "12:60" is not a time of day written HH:MM, from 00:00 to 23:59`}},
		{name: "time number", values: answers(`CT=1230`), want: []string{`CT: must be a time written HH:MM, not the number 1230`}},
		{name: "NA not allowed", values: answers("N=NA YN=NA"), want: []string{`N: "not applicable" is not an allowed answer to this question`, `YN: "not applicable" is not an allowed answer to this question`}},
		{name: "unknown tag", values: answers("ZZ=1"), want: []string{"ZZ: is not a question of form types v1"}},
		{name: "garbage tag", values: map[string]iltod.Value{"a b\x00": iltod.IntValue(1)}, want: []string{`"a b\x00": is not a question of form types v1`}},
		{name: "several, in order", values: answers(`N=2000 ZZ=1 AS="9" AA=1`), want: []string{
			"N: 2000 is above the maximum 1000", `AS: "9" is not one of the options 1, 2, 3`,
			"AA: is not a question of form types v1", "ZZ: is not a question of form types v1"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := mustExpand(t, typesForm(), "S1")
			ans := answers(base)
			if tt.alone {
				ans = map[string]iltod.Value{}
			}
			for k, v := range tt.values {
				ans[k] = v
			}
			want := tt.want
			got := s.ValidateAnswers(ans)
			var gs []string
			for _, p := range got {
				gs = append(gs, p.String())
			}
			if strings.Join(gs, "\n") != strings.Join(want, "\n") {
				t.Errorf("got\n%s\nwant\n%s", strings.Join(gs, "\n"), strings.Join(want, "\n"))
			}
		})
	}
}

func TestValidateAnswersExpanded(t *testing.T) {
	f := resultsForm()
	s1 := mustExpand(t, f, "S1")
	s3 := mustExpand(t, f, "S3")
	for _, tt := range []struct {
		s    *Sheet
		ans  string
		want string
	}{
		{s1, "K3=5", ""},
		{s1, "K13=5", "K13: no choice at station S1 has the ballot number 13"},
		{s1, "K=5", "K: is answered once per choice, as K1, K2, …"},
		{s1, "K3=NA", ""},
		{s1, "PM3=NA", `PM3: "not applicable" is not an allowed answer to this question`},
		{s3, "CB=5", "CB: does not apply at station S3: the station lies in no contest of tier hural/constituency"},
		{s3, "K1=5", "K1: does not apply at station S3: the station lies in no contest of tier hural/constituency"},
		{s3, "P3=5", ""},
	} {
		got := ""
		if ps := tt.s.ValidateAnswers(answers(tt.ans)); ps != nil {
			got = ps.Error()
		}
		if got != tt.want {
			t.Errorf("%s at %s: %q, want %q", tt.ans, tt.s.Station.Code, got, tt.want)
		}
	}
}

func TestValidateAnswer(t *testing.T) {
	s := mustExpand(t, typesForm(), "S1")
	for _, tt := range []struct {
		tag  string
		v    iltod.Value
		want string
	}{
		{"N", iltod.IntValue(5), ""}, // AS, QV and REQT are required but not asked for
		{"N", iltod.IntValue(1200), "N: 1200 is above the maximum 1000"},
		{"N", iltod.Value{}, `N: "not applicable" is not an allowed answer to this question`},
		{"QV", iltod.Value{}, ""},
		{"REQT", iltod.StrValue(""), "REQT: an answer is required"},
		{"ZZ", iltod.IntValue(1), "ZZ: is not a question of form types v1"},
	} {
		got := ""
		if ps := s.ValidateAnswer(tt.tag, tt.v); ps != nil {
			got = ps.Error()
		}
		if got != tt.want {
			t.Errorf("ValidateAnswer(%s, %v) = %q, want %q", tt.tag, tt.v, got, tt.want)
		}
	}
}
