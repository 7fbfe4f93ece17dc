package qa

import (
	"encoding/json"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// fuzzSheet is a sheet with a question of every type, at the block-vote station.
func fuzzSheet(t testing.TB) *Sheet {
	f := ruleForm()
	f.Kind = iltod.Results
	return mustExpand(t, f, "S1")
}

// fuzzAnswers are the answer sets each fuzzed rule is evaluated on.
var fuzzAnswers = []map[string]iltod.Value{
	{},
	s1Base,
	with(s1Base, `CB=1021 RV=NA K3=NA DS=yes AS="2" Q1=-7 Q2=9007199254740991 QV=no`),
	{"Q1": iltod.IntValue(iltod.MaxSafeInt), "Q2": iltod.IntValue(-iltod.MaxSafeInt), "DS": iltod.BoolValue(false),
		"PR": iltod.ListValue([]string{"A", "B"}), "AS": iltod.StrValue("x"), "N": iltod.StrValue("12")},
}

func FuzzParseRule(f *testing.F) {
	for _, seed := range []string{
		"CB <= RV", "sum(K*) <= seats * CV", "max(K1, K2, K3) <= CB", "P1 + P2 + P3 == LV",
		"not answered(QV) or QV", `AS != "3" or answered(NOTE)`, `has(PR, "B") and not DS`,
		"abs(KM1 - K1) <= 2", "100 * CI <= 5 * CB", "-Q1 * -Q2 > 0 == (1 < 2)", "CB <= registered",
		"(((Q1)))<=-(-3)", "Q1 * Q2 * Q2 > 0", "sum(Q1, 2, K*) >= min(1, 2)", "K13 <= CB", "A < B < C",
		"CB = RV", "\"x\" == AS", "1 < 2", "seats > 0", "",
	} {
		f.Add(seed)
	}
	s := fuzzSheet(f)
	f.Fuzz(func(t *testing.T, expr string) {
		r, err := ParseRule(expr)
		if err != nil {
			if r != nil {
				t.Fatal("a rule and an error")
			}
			if _, ok := err.(*SyntaxError); !ok {
				t.Fatalf("error %T is not a *SyntaxError", err)
			}
			return
		}
		canon := r.String()
		r2, err := ParseRule(canon)
		if err != nil {
			t.Fatalf("%q prints as %q, which does not parse: %v", expr, canon, err)
		}
		if r2.String() != canon {
			t.Fatalf("%q prints as %q, which prints as %q", expr, canon, r2.String())
		}
		if !reflect.DeepEqual(strip(r.root), strip(r2.root)) {
			t.Fatalf("%q and its canonical form %q parse differently", expr, canon)
		}
		// Evaluation needs no type check to be safe, and is deterministic.
		for _, ans := range fuzzAnswers {
			a := s.run(compileRule(iltod.Rule{Code: "f"}, r), ans)
			b := s.run(compileRule(iltod.Rule{Code: "f"}, r2), ans)
			if !reflect.DeepEqual(a, b) {
				t.Fatalf("%q: %+v, then %+v from its canonical form", expr, a, b)
			}
			if c := s.run(compileRule(iltod.Rule{Code: "f"}, r), ans); !reflect.DeepEqual(c, a) {
				t.Fatalf("%q: %+v, then %+v", expr, a, c)
			}
			switch a.Outcome {
			case iltod.CheckPass, iltod.CheckFail, iltod.CheckSkipped:
			default:
				t.Fatalf("%q: outcome %q", expr, a.Outcome)
			}
			// With no answers, a rule passes only if it holds whatever the answers
			// would be, as on a sheet with no questions at all.
			if len(ans) == 0 && a.Outcome == iltod.CheckPass && !holdsWithoutQuestions(r, s.Station) {
				t.Fatalf("%q passes with no answers but depends on them: %s", expr, a.DetailIn("en"))
			}
		}
	})
}

// strip returns n with every position set to 0, to compare trees.
func strip(n node) node {
	switch n := n.(type) {
	case *intLit:
		return &intLit{v: n.v}
	case *strLit:
		return &strLit{v: n.v}
	case *tagRef:
		return &tagRef{tag: n.tag}
	case *prefixRef:
		return &prefixRef{prefix: n.prefix}
	case *varRef:
		return &varRef{name: n.name}
	case *unaryOp:
		return &unaryOp{op: n.op, x: strip(n.x)}
	case *binaryOp:
		return &binaryOp{op: n.op, x: strip(n.x), y: strip(n.y)}
	case *callExpr:
		c := &callExpr{fn: n.fn}
		for _, a := range n.args {
			c.args = append(c.args, strip(a))
		}
		return c
	}
	return n
}

// holdsWithoutQuestions reports whether r holds at station st on a sheet with no
// questions, where every tag is unknown.
func holdsWithoutQuestions(r *Rule, st iltod.Station) bool {
	s := &Sheet{Station: st, index: map[string]int{}, omitted: map[string]iltod.Message{}, Form: &iltod.Form{}}
	e := &env{s: s, answers: map[string]iltod.Value{}}
	v, err := e.eval(r.root)
	return err == nil && v.k == vBool && v.b
}

var quotedRe = regexp.MustCompile(`\b([A-Z][A-Z0-9]*)(?: =)? (-?[0-9]+)\b`)

func FuzzValidateAnswers(f *testing.F) {
	for _, seed := range []string{
		`{}`, `{"CB": 700, "RV": 1000, "K3": null, "AS": "1", "PR": ["A", "B"], "DS": true, "CT": "12:30"}`,
		`{"N": 1200, "ZZ": 1, "PR": ["A", "A"], "NOTE": "a\tb", "K": 3, "K99": 1}`,
		`{"Q1": 9007199254740991, "Q2": -9007199254740991, "CB": "12", "AS": ["1"]}`,
	} {
		f.Add([]byte(seed))
	}
	s := fuzzSheet(f)
	f.Fuzz(func(t *testing.T, data []byte) {
		var ans map[string]iltod.Value
		if json.Unmarshal(data, &ans) != nil {
			return
		}
		ps := s.ValidateAnswers(ans)
		if again := s.ValidateAnswers(ans); !reflect.DeepEqual(ps, again) {
			t.Fatalf("ValidateAnswers is not deterministic:\n%v\n%v", ps, again)
		}
		type problemKey struct{ field, message string }
		inPS := map[problemKey]bool{}
		for _, p := range ps {
			if p.Field == "" || p.Message == "" {
				t.Fatalf("problem without field or message: %+v", p)
			}
			if p.Msg == nil || p.Msg.English() != p.Message {
				t.Fatalf("problem whose Message is not its Msg in English: %+v", p)
			}
			inPS[problemKey{p.Field, p.Message}] = true
		}
		// ValidateAnswer finds exactly the problems of each answer given.
		n := 0
		for tag, v := range ans {
			for _, p := range s.ValidateAnswer(tag, v) {
				if !inPS[problemKey{p.Field, p.Message}] {
					t.Fatalf("ValidateAnswer(%q) = %v, which ValidateAnswers does not report", tag, p)
				}
				n++
			}
		}
		missing := 0
		for _, it := range s.Questions {
			if _, given := ans[it.Tag]; !given && it.Question.Required {
				missing++
			}
		}
		if n+missing != len(ps) {
			t.Fatalf("ValidateAnswer found %d problems and %d answers are missing, but ValidateAnswers found %d", n, missing, len(ps))
		}
		rs := s.Check(ans)
		if again := s.Check(ans); !reflect.DeepEqual(rs, again) {
			t.Fatalf("Check is not deterministic")
		}
		for _, r := range rs {
			switch r.Outcome {
			case iltod.CheckPass, iltod.CheckFail, iltod.CheckSkipped:
			default:
				t.Fatalf("outcome %q", r.Outcome)
			}
			// Every figure a detail quotes ("CB 700", "CB = 700") is the answer given:
			// a missing or "not applicable" answer is never shown, or used, as a number.
			for _, m := range quotedRe.FindAllStringSubmatch(r.DetailIn("en"), -1) {
				v, ok := ans[m[1]]
				if !ok || v.Kind != iltod.Int || strconv.FormatInt(v.Int, 10) != m[2] {
					t.Fatalf("%s quotes %s %s, but the answer is %v (given: %v): %s", r.Code, m[1], m[2], v, ok, r.DetailIn("en"))
				}
			}
		}
		if len(ps) == 0 {
			// Answers that validate are all usable: no check is skipped for an invalid answer.
			for _, r := range rs {
				if strings.Contains(r.DetailIn("en"), "not a valid answer") {
					t.Fatalf("valid answers, but %s says: %s", r.Code, r.DetailIn("en"))
				}
			}
		}
	})
}
