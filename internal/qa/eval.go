package qa

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// compiledRule is a form rule with its parsed expression, and what its results show of
// it.
type compiledRule struct {
	rule  iltod.Rule
	expr  *Rule
	text  iltod.Message // expr in canonical form, as a literal
	names []string      // expr.Tags()
}

func compileRule(r iltod.Rule, e *Rule) compiledRule {
	return compiledRule{rule: r, expr: e, text: iltod.Lit(e.String()), names: e.Tags()}
}

// vkind is the kind of a runtime value. Unknown stands for an answer that is missing,
// not applicable, or not asked at the station: the logic is three-valued (Kleene).
type vkind int

const (
	vUnknown vkind = iota
	vInt
	vBool
	vStr
	vList
)

type val struct {
	k    vkind
	i    int64
	b    bool
	s    string
	list []string
}

var unknown = val{}

// errOverflow aborts an evaluation whose arithmetic leaves the int64 range.
type errOverflow struct{ pos int }

func (e errOverflow) Error() string { return "overflow at character " + strconv.Itoa(e.pos) }

// env is one evaluation of one rule on one report.
type env struct {
	s        *Sheet
	answers  map[string]iltod.Value
	names    []string        // tags and prefixes the rule names, for seats
	missing  []absent        // why values are unknown, in order of first appearance
	shown    []iltod.Message // "CB = 1021", in order of first appearance
	ids      [8]string       // the ids of shown: the first eight,
	moreIDs  []string        // and the rest
	contests []string        // contests of the answers read, each once
}

// show notes a value the rule read, for the detail; id names it once.
func (e *env) show(id string, m iltod.Message) {
	if !e.noted(id) {
		if n := len(e.shown); n < len(e.ids) {
			e.ids[n] = id
		} else {
			e.moreIDs = append(e.moreIDs, id)
		}
		if e.shown == nil {
			e.shown = make([]iltod.Message, 0, 4)
		}
		e.shown = append(e.shown, m)
	}
}

// noted reports whether show has noted id.
func (e *env) noted(id string) bool {
	for i := range min(len(e.shown), len(e.ids)) {
		if e.ids[i] == id {
			return true
		}
	}
	return slices.Contains(e.moreIDs, id)
}

func (e *env) absent(name, why string) {
	for _, a := range e.missing {
		if a.name == name {
			return
		}
	}
	e.missing = append(e.missing, absent{name, why})
}

// answer returns the usable answer to tag, or unknown with the reason noted. Unless
// quiet, the value is noted for the detail.
func (e *env) answer(tag string, quiet bool) (Item, val) {
	it, ok := e.s.Item(tag)
	if !ok {
		e.absent(tag, e.s.whyAbsent(tag))
		return it, unknown
	}
	if it.Contest != "" && !slices.Contains(e.contests, it.Contest) {
		e.contests = append(e.contests, it.Contest)
	}
	v, given := e.answers[tag]
	switch {
	case !given:
		e.absent(tag, notAnswered)
		return it, unknown
	case v.Kind == iltod.NA:
		e.absent(tag, notApplicable)
		return it, unknown
	}
	out, ok := usable(it.Question, v)
	if !ok {
		e.absent(tag, notValid)
		return it, unknown
	}
	if !quiet {
		eq, ok := e.s.pre.equals[tag]
		if !ok {
			eq = iltod.Lit(tag + " = ")
		}
		e.show(tag, iltod.Join("", eq, show(out)))
	}
	return it, out
}

// usable converts an answer to a runtime value if its kind fits the question.
func usable(q *iltod.Question, v iltod.Value) (val, bool) {
	switch {
	case q.Type == iltod.Integer && v.Kind == iltod.Int && v.Int <= iltod.MaxSafeInt && v.Int >= -iltod.MaxSafeInt:
		return val{k: vInt, i: v.Int}, true
	case q.Type == iltod.YesNo && v.Kind == iltod.Bool:
		return val{k: vBool, b: v.Bool}, true
	case q.Type == iltod.SelectOne && v.Kind == iltod.Str:
		return val{k: vStr, s: v.Str}, true
	case q.Type == iltod.SelectMultiple && v.Kind == iltod.List:
		return val{k: vList, list: v.List}, true
	case (q.Type == iltod.TextAnswer || q.Type == iltod.TimeOfDay || q.Type == iltod.Photo) && v.Kind == iltod.Str:
		return val{k: vStr, s: v.Str}, true
	}
	return unknown, false
}

// show writes a value for a rule's detail: numbers, option codes and lists as they are,
// conditions as words.
func show(v val) iltod.Message {
	switch v.k {
	case vInt:
		return num(v.i)
	case vBool:
		if v.b {
			return msg("qa.rule.yes", nil)
		}
		return msg("qa.rule.no", nil)
	case vStr:
		return quoted(v.s, 20)
	case vList:
		return iltod.Lit("[" + strings.Join(v.list, " ") + "]")
	}
	return iltod.Lit("?")
}

// whyAbsent says why tag is not on the sheet, as the key of its reason (see absentList).
func (s *Sheet) whyAbsent(tag string) string {
	if _, ok := s.omitted[tag]; ok {
		return notHere
	}
	for _, q := range expansionOf(s.Form, tag) {
		if _, ok := s.omitted[q.Tag]; ok {
			return notHere
		}
	}
	return notAsked
}

// prefixItems returns the sheet's items tagged prefix followed by a number.
func (s *Sheet) prefixItems(prefix string) []Item {
	var out []Item
	for _, it := range s.Questions {
		if rest, ok := strings.CutPrefix(it.Tag, prefix); ok && rest != "" && digitsRe.MatchString(rest) {
			out = append(out, it)
		}
	}
	return out
}

func (e *env) eval(n node) (val, error) {
	switch n := n.(type) {
	case *intLit:
		return val{k: vInt, i: n.v}, nil
	case *strLit:
		return val{k: vStr, s: n.v}, nil
	case *tagRef:
		_, v := e.answer(n.tag, false)
		return v, nil
	case *prefixRef:
		return e.sumPrefix(n)
	case *varRef:
		if n.name == "registered" {
			r, src := e.s.registered(e.answers, "")
			e.show("registered", iltod.Join("", iltod.Litf("registered = %d (", r), src, iltod.Lit(")")))
			return val{k: vInt, i: r}, nil
		}
		return e.seats(), nil
	case *unaryOp:
		x, err := e.eval(n.x)
		if err != nil || x.k == vUnknown {
			return unknown, err
		}
		if n.op == "not" {
			return val{k: vBool, b: !x.b}, nil
		}
		if x.i == math.MinInt64 {
			return unknown, errOverflow{n.pos}
		}
		return val{k: vInt, i: -x.i}, nil
	case *binaryOp:
		x, err := e.eval(n.x)
		if err != nil {
			return unknown, err
		}
		y, err := e.eval(n.y)
		if err != nil {
			return unknown, err
		}
		return binary(n, x, y)
	case *callExpr:
		return e.call(n)
	}
	return unknown, fmt.Errorf("unknown node %T", n)
}

func binary(n *binaryOp, x, y val) (val, error) {
	switch n.op {
	case "and":
		switch {
		case x.k == vBool && !x.b || y.k == vBool && !y.b:
			return val{k: vBool, b: false}, nil
		case x.k == vUnknown || y.k == vUnknown:
			return unknown, nil
		}
		return val{k: vBool, b: true}, nil
	case "or":
		switch {
		case x.k == vBool && x.b || y.k == vBool && y.b:
			return val{k: vBool, b: true}, nil
		case x.k == vUnknown || y.k == vUnknown:
			return unknown, nil
		}
		return val{k: vBool, b: false}, nil
	}
	if x.k == vUnknown || y.k == vUnknown {
		return unknown, nil
	}
	var r int64
	var ok bool
	switch n.op {
	case "+":
		r, ok = add64(x.i, y.i)
	case "-":
		r, ok = sub64(x.i, y.i)
	case "*":
		r, ok = mul64(x.i, y.i)
	case "==":
		return val{k: vBool, b: equal(x, y)}, nil
	case "!=":
		return val{k: vBool, b: !equal(x, y)}, nil
	case "<":
		return val{k: vBool, b: x.i < y.i}, nil
	case "<=":
		return val{k: vBool, b: x.i <= y.i}, nil
	case ">":
		return val{k: vBool, b: x.i > y.i}, nil
	case ">=":
		return val{k: vBool, b: x.i >= y.i}, nil
	default:
		return unknown, fmt.Errorf("unknown operator %q", n.op)
	}
	if !ok {
		return unknown, errOverflow{n.pos}
	}
	return val{k: vInt, i: r}, nil
}

func equal(x, y val) bool {
	return x.k == y.k && x.i == y.i && x.b == y.b && x.s == y.s
}

func (e *env) call(n *callExpr) (val, error) {
	switch n.fn {
	case "answered":
		tag := n.args[0].(*tagRef).tag
		_, given := e.answers[tag]
		it, onSheet := e.s.Item(tag)
		ok := false
		if onSheet && given {
			_, ok = usable(it.Question, e.answers[tag])
		}
		e.show("answered("+tag+")", iltod.Join("", iltod.Litf("answered(%s) = ", tag), show(val{k: vBool, b: ok})))
		return val{k: vBool, b: ok}, nil
	case "has":
		_, v := e.answer(n.args[0].(*tagRef).tag, false)
		if v.k != vList {
			return unknown, nil
		}
		return val{k: vBool, b: slices.Contains(v.list, n.args[1].(*strLit).v)}, nil
	}
	args := make([]val, len(n.args))
	known := true
	for i, a := range n.args {
		v, err := e.eval(a)
		if err != nil {
			return unknown, err
		}
		args[i] = v
		known = known && v.k == vInt
	}
	if !known {
		return unknown, nil
	}
	r := args[0].i
	for _, a := range args[1:] {
		switch n.fn {
		case "sum":
			var ok bool
			if r, ok = add64(r, a.i); !ok {
				return unknown, errOverflow{n.pos}
			}
		case "min":
			r = min(r, a.i)
		case "max":
			r = max(r, a.i)
		}
	}
	if n.fn == "abs" && r < 0 {
		if r == math.MinInt64 {
			return unknown, errOverflow{n.pos}
		}
		r = -r
	}
	return val{k: vInt, i: r}, nil
}

// sumPrefix adds up the answers tagged prefix followed by a number. It is unknown if
// there are none at the station or any of them is not answered.
func (e *env) sumPrefix(n *prefixRef) (val, error) {
	items := e.s.prefixItems(n.prefix)
	if len(items) == 0 {
		e.absent(n.prefix+"*", e.s.whyAbsentPrefix(n.prefix))
		return unknown, nil
	}
	var total int64
	complete := true
	for _, it := range items {
		_, v := e.answer(it.Tag, true)
		if v.k != vInt {
			complete = false
			continue
		}
		var ok bool
		if total, ok = add64(total, v.i); !ok {
			return unknown, errOverflow{n.pos}
		}
	}
	if !complete {
		return unknown, nil
	}
	e.show("sum("+n.prefix+"*)", iltod.Litf("sum(%s*) = %d", n.prefix, total))
	return val{k: vInt, i: total}, nil
}

func (s *Sheet) whyAbsentPrefix(prefix string) string {
	for _, q := range prefixQuestions(s.Form, prefix) {
		if _, ok := s.omitted[q.Tag]; ok {
			return notHere
		}
	}
	return notAsked
}

// seats returns the seats of the one contest that the rule's answers are bound to at
// this station.
func (e *env) seats() val {
	contests := map[string]bool{}
	for _, name := range e.names {
		var items []Item
		if p, ok := strings.CutSuffix(name, "*"); ok {
			items = e.s.prefixItems(p)
		} else if it, ok := e.s.Item(name); ok {
			items = []Item{it}
		}
		for _, it := range items {
			if it.Contest != "" {
				contests[it.Contest] = true
			}
		}
	}
	if len(contests) != 1 {
		e.absent("seats", noContest)
		return unknown
	}
	for c := range contests {
		seats := e.s.contests[c].Seats
		e.show("seats", iltod.Litf("seats = %d (%s)", seats, c))
		return val{k: vInt, i: int64(seats)}
	}
	return unknown
}

// run evaluates one rule on the answers.
func (s *Sheet) run(r compiledRule, answers map[string]iltod.Value) iltod.CheckResult {
	return result(s.evalRule(r, answers))
}

// evalRule evaluates one rule on the answers, giving what its result holds.
func (s *Sheet) evalRule(r compiledRule, answers map[string]iltod.Value) (string, iltod.CheckOutcome, string, iltod.Message) {
	e := &env{s: s, answers: answers, names: r.names}
	v, err := e.eval(r.expr.root)
	res := iltod.CheckResult{Code: r.rule.Code}
	if len(e.contests) == 1 {
		res.Contest = e.contests[0]
	}
	a := func() args { return args{"Rule": r.text, "Values": iltod.Join(", ", e.shown...)} }
	holds, fails := "qa.rule.holds", "qa.rule.fails"
	if len(e.shown) > 0 {
		holds, fails = "qa.rule.holds_with", "qa.rule.fails_with"
	}
	var d iltod.Message
	switch {
	case err != nil:
		res.Outcome = iltod.CheckFail
		d = msg("qa.rule.overflow", a())
	case v.k == vUnknown:
		res.Outcome = iltod.CheckSkipped
		d = absentList(e.missing)
	case v.b:
		res.Outcome = iltod.CheckPass
		d = msg(holds, a())
	default:
		res.Outcome = iltod.CheckFail
		d = msg(fails, a())
		if r.rule.Message.In(locales.Fallback) != "" {
			d = msg("qa.rule.message", args{"Message": iltod.Message{Texts: r.rule.Message}, "Detail": d})
		}
	}
	return res.Code, res.Outcome, res.Contest, d
}

// ---- checked arithmetic ----

func add64(a, b int64) (int64, bool) {
	c := a + b
	return c, (c > a) == (b > 0)
}

func sub64(a, b int64) (int64, bool) {
	c := a - b
	return c, (c < a) == (b > 0)
}

func mul64(a, b int64) (int64, bool) {
	if a == 0 || b == 0 {
		return 0, true
	}
	c := a * b
	if (a == -1 && b == math.MinInt64) || (b == -1 && a == math.MinInt64) || c/b != a {
		return c, false
	}
	return c, true
}
