package qa

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
)

func TestParseRulePrecedence(t *testing.T) {
	// Each rule and its canonical form, which shows the grouping the parser chose.
	for _, tt := range []struct{ in, want string }{
		{"A+B*C<=D", "A + B * C <= D"},
		{"(A+B)*C <= D", "(A + B) * C <= D"},
		{"A - B - C == 0", "A - B - C == 0"},
		{"A - (B - C) == 0", "A - (B - C) == 0"},
		{"A + (B + C) == 0", "A + (B + C) == 0"},
		{"-A * -B > 0", "-A * -B > 0"},
		{"-(A + B) < 0", "-(A + B) < 0"},
		{"- -3 < 0", "- -3 < 0"},
		{"-(-3) < 0", "- -3 < 0"},
		{"A - -3 < 0", "A - -3 < 0"},
		{"not A < B or C == 1", "not A < B or C == 1"},
		{"not (A < B or C == 1)", "not (A < B or C == 1)"},
		{"A < 1 or B < 1 and C < 1", "A < 1 or B < 1 and C < 1"},
		{"(A < 1 or B < 1) and C < 1", "(A < 1 or B < 1) and C < 1"},
		{"not not DS", "not not DS"},
		{"(A < B) == (C < D)", "(A < B) == (C < D)"},
		{"DS == (A < B)", "DS == (A < B)"},
		{"sum( K* ) <= seats*CV", "sum(K*) <= seats * CV"},
		{"sum(K*, P1, 2*P2) <= registered", "sum(K*, P1, 2 * P2) <= registered"},
		{"abs(KM1-K1)<=max(1,min(2,3))", "abs(KM1 - K1) <= max(1, min(2, 3))"},
		{"answered(CV) and has(PR, \"2\")", "answered(CV) and has(PR, \"2\")"},
		{"AS != \"3\"\n  or answered(NOTE)", "AS != \"3\" or answered(NOTE)"},
		{"9007199254740991 > A", "9007199254740991 > A"},
	} {
		r, err := ParseRule(tt.in)
		if err != nil {
			t.Errorf("ParseRule(%q): %v", tt.in, err)
			continue
		}
		if got := r.String(); got != tt.want {
			t.Errorf("ParseRule(%q) = %s, want %s", tt.in, got, tt.want)
		}
		again, err := ParseRule(r.String())
		if err != nil || again.String() != r.String() {
			t.Errorf("%q does not round-trip: %v %v", tt.in, again, err)
		}
	}
}

func TestParseRuleErrors(t *testing.T) {
	for _, tt := range []struct {
		in   string
		pos  int
		want string
	}{
		{"", 1, "the rule is empty"},
		{"   ", 1, "the rule is empty"},
		{"CB <= ", 7, "expected a value, found the end of the rule"},
		{"CB = RV", 4, "write == to compare"},
		{"CB <= RV <= 3", 10, "comparisons do not chain"},
		{"CB / 2 < 3", 4, "there is no division"},
		{"100 * CX % CB", 10, "there is no division"},
		{"CB && RV", 4, `write "&&" as and`},
		{"CB <= RV || 1", 10, `write "||" as or`},
		{"!DS", 1, "write != for \"not equal\", or not for negation"},
		{"Cb <= 3", 1, `unknown name "Cb"`},
		{"foo(CB) < 1", 1, `unknown name "foo"`},
		{"C_B <= 3", 1, `"C_B" is not a tag`},
		{"1.5 < CB", 2, "a number must be whole digits"},
		{"12ab < CB", 3, "a number must be whole digits"},
		{"9007199254740992 > A", 1, "larger than 9007199254740991"},
		{"99999999999999999999 > A", 1, "larger than 9007199254740991"},
		{"(CB <= RV", 10, `expected ")" to close the "(" at character 1, found the end of the rule`},
		{"CB <= RV)", 9, `expected an operator or the end of the rule, found ")"`},
		{"CB RV", 4, "expected an operator or the end of the rule, found the tag RV"},
		{"sum(K*) <= abs(K*)", 16, "K* names several answers; only sum takes it"},
		{"K* <= 3", 4, `expected a value, found "<="`},
		{"abs(1, 2) < 3", 1, "abs takes one argument"},
		{"min(1) < 3", 1, "min takes two or more arguments"},
		{"answered(1)", 1, "answered takes one tag"},
		{"has(PR)", 1, "has takes a tag and an option code"},
		{"has(PR, 2)", 1, "has takes a tag and an option code"},
		{"sum(", 5, "expected a value, found the end of the rule"},
		{"sum(K1 K2) > 0", 8, `expected "," or ")", found the tag K2`},
		{"abs X", 5, `expected "(" after the function abs`},
		{`AS == "3`, 7, "the quoted text is not closed"},
		{`AS == "a\b"`, 9, "no backslashes"},
		{"CB ≤ RV", 4, `unexpected character '≤'`},
		{"CB + RV", 1, "a rule must state a condition"},
		{"(1 < 2) + 3 > 0", 4, "arithmetic applies to numbers only"},
		{"1 and CB < 2", 1, "and joins conditions"},
		{"not 3", 5, "not applies to a condition"},
		{"-(1 < 2) < 0", 5, "only a number can be negated"},
		{`"3" < AS`, 1, "only numbers can be ordered"},
		{"1 == (2 < 3)", 3, "== and != compare two numbers"},
		{"min(1, 1 < 2) < 0", 10, "min takes numbers"},
		{"seats", 1, "a rule must state a condition"},
		{strings.Repeat("(", 60) + "A < B" + strings.Repeat(")", 60), 51, "nests more than 50 levels"},
		{strings.Repeat("not ", 60) + "DS", 201, "nests more than 50 levels"},
		{strings.Repeat("-", 60) + "A < 0", 51, "nests more than 50 levels"},
		{"A < " + strings.Repeat("1+", 500) + "1", 1001, "the rule is 1005 characters long; at most 1000 are allowed"},
		{"A < 1\xff", 1, "not valid UTF-8"},
	} {
		_, err := ParseRule(tt.in)
		var se *SyntaxError
		if !errors.As(err, &se) {
			t.Errorf("ParseRule(%q) = %v, want a SyntaxError", tt.in, err)
			continue
		}
		if se.Pos != tt.pos || !strings.Contains(se.Msg.English(), tt.want) {
			t.Errorf("ParseRule(%q) = %v, want at character %d: …%s…", tt.in, err, tt.pos, tt.want)
		}
	}
}

// ruleForm has questions of every type for rules to name.
func ruleForm(rules ...string) *iltod.Form {
	f := resultsForm()
	tf := typesForm()
	f.Questions = append(f.Questions, tf.Questions...)
	f.Questions = append(f.Questions, q("DS yes_no"), q("Q1 integer"), q("Q2 integer"), q("QT text"))
	for i, r := range rules {
		f.Rules = append(f.Rules, iltod.Rule{Code: "r" + string(rune('a'+i)), Expr: r, Message: iltod.Text{"en": "Rule " + string(rune('a'+i))}})
	}
	return f
}

func TestValidateFormRules(t *testing.T) {
	for _, tt := range []struct{ expr, want string }{
		{"CB <= RV", ""},
		{"sum(K*) <= seats * CV", ""},
		{"sum(KM*) <= seats * CV and max(K1, K2) <= CB", ""},
		{"K27 <= CB", ""}, // expanded tags are known only at a station
		{"sum(P*) == LV", ""},
		{"sum(Q*) > 0", ""},
		{"AS != \"3\" or answered(NOTE)", ""},
		{"has(PR, \"B\") or not DS", ""},
		{"DS == (N > 3)", ""},
		{"AS == AS", ""},
		{"answered(K3) and answered(CT)", ""},
		{"CZ <= RV", "at character 1: the form has no question CZ"},
		{"K <= 3", "at character 1: K is answered once per choice: name one, such as K1, or add them all up with sum(K*)"},
		{"K01 <= 3", "at character 1: the form has no question K01"},
		{"sum(Z*) > 0", "at character 5: no question's tag is Z followed by a number"},
		{"sum(A*) > 0", "at character 5: no question's tag is A followed by a number"},
		{"sum(N*) > 0", "at character 5: no question's tag is N followed by a number"},
		{"DS + 1 > 0", "at character 1: + needs a number here, not a condition"},
		{"N and DS", "at character 1: and needs a condition here, not a number"},
		{"AS == 3", "at character 4: == cannot compare an option answer with a number"},
		{"AS == \"4\"", "at character 7: \"4\" is not an option of AS (1, 2, 3)"},
		{"\"4\" != AS", "at character 1: \"4\" is not an option of AS (1, 2, 3)"},
		{"has(PR, \"Z\")", "at character 9: \"Z\" is not an option of PR (A, B, C)"},
		{"has(AS, \"1\")", "at character 5: has tests a multiple-choice answer; AS is an option answer"},
		{"PR == \"A\"", "at character 1: PR has several answers: test one with has(PR, \"code\")"},
		{"NOTE == \"x\"", "at character 1: NOTE is a text or time answer; a rule can only test answered(NOTE)"},
		{"CT < \"12:00\"", "at character 6: only numbers can be ordered"},
		{"CT == CT", "at character 1: CT is a text or time answer; a rule can only test answered(CT)"},
		{"\"1\" == \"1\"", "at character 5: == cannot compare an option code with an option code"},
		{"DS", ""},
		{"N", "at character 1: a rule must state a condition, such as CB <= RV, not a number"},
		{"AS", "at character 1: a rule must state a condition, such as CB <= RV, not an option answer"},
		{"seats > 2", "at character 1: seats is the seats of the contest the rule's answers count, but the rule names no answer bound to a contest"},
		{"seats * CV >= sum(P*)", "at character 1: seats is ambiguous: the rule's answers are bound to tier:hural/constituency, tier:hural/list"},
		{"seats * LV >= RV", ""},
	} {
		ps := ValidateForm(ruleForm(tt.expr))
		got := ""
		if ps != nil {
			got = ps.Error()
		}
		want := ""
		if tt.want != "" {
			want = "rules[0].expr: " + tt.want
		}
		if got != want {
			t.Errorf("%s:\n got %s\nwant %s", tt.expr, got, want)
		}
	}
}

func TestValidateFormOther(t *testing.T) {
	f := ruleForm("CB <= RV")
	f.Rules[0].Code = OverVoting
	f.Questions = append(f.Questions, q("CB2 integer cast "+tierC))
	ps := ValidateForm(f)
	want := `questions[26].count: counts the same figure as questions[2] (CB2)` + "\n" +
		`rules[0].code: "over-voting" is the code of a built-in check; choose another`
	var got []string
	for _, p := range ps {
		got = append(got, p.String())
	}
	if strings.Join(got, "\n") != want {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), want)
	}
	if ps := ValidateForm(nil); len(ps) != 1 {
		t.Errorf("ValidateForm(nil) = %v", ps)
	}
	// The checks on place and time run on every report: their codes are taken too.
	for _, code := range []string{Geofence, DeviceClock} {
		f := ruleForm("CB <= RV")
		f.Rules[0].Code = code
		want := `rules[0].code: "` + code + `" is the code of a built-in check; choose another`
		if got := ValidateForm(f).Error(); got != want {
			t.Errorf("rule %s: got %s, want %s", code, got, want)
		}
	}
}

// check runs one rule at station S1 and returns its result.
func check(t *testing.T, expr, ans string) iltod.CheckResult {
	t.Helper()
	return checkValues(t, expr, answers(ans))
}

func checkValues(t *testing.T, expr string, ans map[string]iltod.Value) iltod.CheckResult {
	t.Helper()
	f := ruleForm(expr)
	f.Kind = iltod.Results
	f.Checks = &iltod.ResultChecks{Disable: Builtins()}
	s := mustExpand(t, f, "S1")
	rs := s.Check(ans)
	if len(rs) != 1 {
		t.Fatalf("%d results", len(rs))
	}
	return rs[0]
}

func TestRuleEvaluation(t *testing.T) {
	pass, fail, skip := iltod.CheckPass, iltod.CheckFail, iltod.CheckSkipped
	for _, tt := range []struct {
		expr, ans string
		want      iltod.CheckOutcome
		detail    string
	}{
		{"CB <= RV", "CB=900 RV=1000", pass, "CB <= RV holds with CB = 900, RV = 1000"},
		{"CB <= RV", "CB=1021 RV=1000", fail, "Rule a: CB <= RV does not hold with CB = 1021, RV = 1000"},
		{"CB <= RV", "CB=1021", skip, "not answered: RV"},
		{"CB <= RV", "CB=1021 RV=NA", skip, "not applicable: RV"},
		{"CB <= RV", "CB=-5 RV=NA", skip, "not applicable: RV"}, // NA is not 0
		{"CB <= registered", "CB=1000", pass, "registered = 1000 (station register)"},
		{"CB <= registered", "CB=1001 RV=1200", pass, "registered = 1200 (answer RV)"},
		{"CB <= registered", "CB=1001 RV=NA", fail, "registered = 1000 (station register)"},
		// precedence: 2 + 3 * 4 = 14, not 20
		{"Q1 + Q2 * 3 == 14", "Q1=2 Q2=4", pass, ""},
		{"(Q1 + Q2) * 3 == 18", "Q1=2 Q2=4", pass, ""},
		{"Q1 - Q2 - 1 == -3", "Q1=2 Q2=4", pass, ""},
		{"-Q1 * -Q2 == 8", "Q1=2 Q2=4", pass, ""},
		{"not Q1 > Q2 or Q1 == 7", "Q1=2 Q2=4", pass, ""},
		{"abs(Q1 - Q2) == 2 and min(Q1, Q2, 3) == 2 and max(Q1, Q2, 3) == 4", "Q1=2 Q2=4", pass, ""},
		// the Mongolian block-vote rules (M = 9)
		{"sum(K*) <= seats * CV", "CV=348" + kVotes, pass, "sum(K*) <= seats * CV holds with sum(K*) = 3130, seats = 9 (B9), CV = 348"},
		{"sum(K*) <= seats * CV", "CV=345" + kVotes, fail, "sum(K*) = 3130"},
		{"sum(K*) <= seats * CV", "CV=345" + strings.Replace(kVotes, " K3=350", "", 1), skip, "not answered: K3"},
		{"sum(K*) <= seats * CV", "CV=345" + strings.Replace(kVotes, " K3=350", " K3=NA", 1), skip, "not applicable: K3"},
		{"max(K1, K2, K3) <= CB", "CB=700" + kVotes, pass, ""},
		{"K12 <= CB", "CB=40" + kVotes, fail, "K12 = 50, CB = 40"},
		// sum(K*) takes K1…K12, not KM1…KM12
		{"sum(K*) == 3130", kVotes + strings.ReplaceAll(kVotes, "K", "KM"), pass, ""},
		{"sum(KM*) == 3130", strings.ReplaceAll(kVotes, "K", "KM"), pass, ""},
		// three-valued logic
		{"CB <= RV or Q1 == 1", "Q1=1", pass, ""},
		{"CB <= RV or Q1 == 1", "Q1=2", skip, "not answered: CB, RV"},
		{"CB <= RV and Q1 == 1", "Q1=2", fail, ""},
		{"CB <= RV and Q1 == 1", "Q1=1", skip, ""},
		{"not (CB <= RV)", "", skip, ""},
		{"not answered(QV) or QV", "", pass, "answered(QV) = no"},
		{"not answered(QV) or QV", "QV=yes", pass, ""},
		{"not answered(QV) or QV", "QV=no", fail, ""},
		{"not answered(QV) or QV", "QV=NA", pass, ""},
		{"answered(K3)", "K3=0", pass, ""},
		{"answered(K3)", "K3=NA", fail, ""},
		// yes/no are conditions
		{"not DS or AS != \"1\"", `DS=yes AS="1"`, fail, `DS = yes, AS = "1"`},
		{"not DS or AS != \"1\"", `DS=no`, pass, ""},
		{"DS == (Q1 > 3)", `DS=yes Q1=4`, pass, ""},
		{"AS == \"2\"", `AS="2"`, pass, ""},
		{"has(PR, \"B\")", "", skip, "not answered: PR"},
		// tags not asked at the station
		{"K13 <= CB", "CB=5", skip, "is not asked here: K13"},
		{"100 * Q1 <= 3 * CB", "Q1=5 CB=100", fail, ""},
		// answers of the wrong kind count as missing
		{"CB <= RV", `CB="12" RV=1000`, skip, "not a valid answer: CB"},
	} {
		got := check(t, tt.expr, tt.ans)
		if got.Outcome != tt.want || !strings.Contains(got.DetailIn("en"), tt.detail) {
			t.Errorf("%s with %s = %s (%s), want %s (…%s…)", tt.expr, tt.ans, got.Outcome, got.DetailIn("en"), tt.want, tt.detail)
		}
	}
}

func TestRuleContest(t *testing.T) {
	for _, tt := range []struct{ expr, contest string }{
		{"CB <= RV", "B9"},
		{"LC <= RV", "LIST"},
		{"BI <= RV", ""},
		{"CB <= LC", ""},
	} {
		if got := check(t, tt.expr, "CB=1 RV=2 LC=1 BI=1"); got.Contest != tt.contest {
			t.Errorf("%s: contest %q, want %q", tt.expr, got.Contest, tt.contest)
		}
	}
}

func TestRuleOverflow(t *testing.T) {
	big := iltod.IntValue(iltod.MaxSafeInt)
	for _, tt := range []struct {
		expr string
		want iltod.CheckOutcome
	}{
		{"Q1 * Q2 > 0", iltod.CheckFail},
		{"Q1 * Q2 * Q1 > 0 or Q1 > 0", iltod.CheckFail}, // overflow is never hidden by logic
		{"Q1 * 1024 > 0", iltod.CheckPass},              // 2^63 - 1024: still in range
		{"Q1 * 1025 > 0", iltod.CheckFail},
		{"-Q1 * 1024 - 1024 < 0", iltod.CheckPass}, // -2^63: the smallest int64
		{"-Q1 * 1024 - 1025 < 0", iltod.CheckFail},
		{"abs(-Q1 * 1024 - 1024) > 0", iltod.CheckFail},
		{"-(-Q1 * 1024 - 1024) > 0", iltod.CheckFail},
		{"sum(Q1 * 1000, Q1 * 24, 1024) > 0", iltod.CheckFail},
		{"Q1 + Q2 > 0", iltod.CheckPass},
	} {
		got := checkValues(t, tt.expr, map[string]iltod.Value{"Q1": big, "Q2": big})
		if got.Outcome != tt.want {
			t.Errorf("%s = %s (%s), want %s", tt.expr, got.Outcome, got.DetailIn("en"), tt.want)
		}
		if tt.want == iltod.CheckFail && !strings.Contains(got.DetailIn("en"), "64-bit") {
			t.Errorf("%s: detail %q does not name the overflow", tt.expr, got.DetailIn("en"))
		}
	}
	// Values beyond ±2^53 are not answers at all.
	got := checkValues(t, "Q1 > 0", map[string]iltod.Value{"Q1": iltod.IntValue(math.MaxInt64)})
	if got.Outcome != iltod.CheckSkipped {
		t.Errorf("an answer of 2^63-1 gave %+v", got)
	}
}

func TestCheckedArithmetic(t *testing.T) {
	const maxI, minI = math.MaxInt64, math.MinInt64
	for _, tt := range []struct {
		op   string
		a, b int64
		ok   bool
	}{
		{"+", maxI, 0, true}, {"+", maxI, 1, false}, {"+", minI, -1, false}, {"+", minI, maxI, true},
		{"-", minI, 1, false}, {"-", 0, minI, false}, {"-", -1, minI, true}, {"-", maxI, -1, false},
		{"*", minI, -1, false}, {"*", -1, minI, false}, {"*", 1 << 31, 1 << 31, true},
		{"*", 1 << 32, 1 << 31, false}, {"*", 3037000500, 3037000500, false}, {"*", 0, minI, true},
	} {
		var ok bool
		switch tt.op {
		case "+":
			_, ok = add64(tt.a, tt.b)
		case "-":
			_, ok = sub64(tt.a, tt.b)
		case "*":
			_, ok = mul64(tt.a, tt.b)
		}
		if ok != tt.ok {
			t.Errorf("%d %s %d: ok = %v, want %v", tt.a, tt.op, tt.b, ok, tt.ok)
		}
	}
}

// TestShippedRules: every rule in the demo's and the example's forms, and every example
// in docs/qa.md, is valid.
func TestShippedRules(t *testing.T) {
	for _, dir := range []string{"../../demo/mongolia2024", "../../docs/example"} {
		p, err := electionpkg.ReadDir(dir)
		if err != nil {
			t.Fatalf("%s: %v", dir, err)
		}
		n := 0
		for i := range p.Forms {
			n += len(p.Forms[i].Rules)
			if ps := ValidateForm(&p.Forms[i]); ps != nil {
				t.Errorf("%s form %s: %v", dir, p.Forms[i].Code, ps)
			}
		}
		if n == 0 {
			t.Errorf("%s: no rules found", dir)
		}
	}
	doc, err := os.ReadFile(filepath.Join("..", "..", "docs", "qa.md"))
	if err != nil {
		t.Fatal(err)
	}
	f := ruleForm()
	f.Questions = append(f.Questions, q("VS integer"), q("CX integer"), q("PV integer"))
	found := 0
	for _, line := range strings.Split(string(doc), "\n") {
		_, rest, ok := strings.Cut(line, `expr: "`)
		if !ok {
			continue
		}
		end := 0
		for end < len(rest) && (rest[end] != '"' || rest[end-1] == '\\') {
			end++
		}
		expr := strings.ReplaceAll(rest[:end], `\"`, `"`)
		found++
		g := *f
		g.Rules = []iltod.Rule{{Code: "doc", Expr: expr, Message: iltod.Text{"en": "m"}}}
		if ps := ValidateForm(&g); ps != nil {
			t.Errorf("docs/qa.md rule %s: %v", expr, ps)
		}
	}
	if found < 8 {
		t.Errorf("found only %d rules in docs/qa.md", found)
	}
}
