package qa

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strings"

	"github.com/iltod/iltod"
)

// ValidateForm checks what iltod.Form.Validate cannot, because it needs the rule
// language: that every rule parses, names only tags the form can produce, uses its
// operands at the right types, names option codes the question has, and uses seats only
// when the tags it names are bound to one contest; that no rule takes the code of a
// built-in check; and that no two questions count the same figure. Each Problem's Field
// is a path in the form ("rules[2].expr", "questions[4].count"); the caller sets Record
// and Index. It returns nil for a form with no such problem.
//
// An expanded tag is known only at a station, so a rule may name K3 wherever the form
// has a choice "*" question K (Expand leaves the rule skipped at a station with no
// choice 3), and sum(K*) for the answers whose tags are K followed by a number.
func ValidateForm(f *iltod.Form) iltod.Problems {
	if f == nil {
		return iltod.Problems{{Message: "no form"}}
	}
	var ps iltod.Problems
	add := func(field, format string, args ...any) {
		ps = append(ps, iltod.Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	type figure struct {
		count                  iltod.CountKind
		contest, choice, tally string
	}
	figures := map[figure]int{}
	for i, q := range f.Questions {
		if q.Count == "" {
			continue
		}
		k := figure{q.Count, q.Contest, q.Choice, q.Tally}
		if j, dup := figures[k]; dup {
			add(fmt.Sprintf("questions[%d].count", i), "counts the same figure as questions[%d] (%s)", j, q.Tag)
			continue
		}
		figures[k] = i
	}
	for i, r := range f.Rules {
		if slices.Contains(builtinOrder, r.Code) {
			add(fmt.Sprintf("rules[%d].code", i), "%q is the code of a built-in check; choose another", r.Code)
		}
		e, err := ParseRule(r.Expr)
		if err == nil {
			err = typecheck(e, f)
		}
		if err != nil {
			add(fmt.Sprintf("rules[%d].expr", i), "%v", err)
		}
	}
	return ps
}

// typ is the type of a rule expression at a form.
type typ int

const (
	tyInt   typ = iota + 1
	tyBool      // a condition, or a yes_no answer
	tySel       // a select_one answer: an option code
	tyLit       // a string literal
	tyMulti     // a select_multiple answer: only in has and answered
	tyOther     // a text or time answer: only in answered
)

func (t typ) String() string {
	switch t {
	case tyInt:
		return "a number"
	case tyBool:
		return "a condition"
	case tySel:
		return "an option answer"
	case tyLit:
		return "an option code"
	case tyMulti:
		return "a multiple-choice answer"
	case tyOther:
		return "a text or time answer"
	}
	return "?"
}

// typer checks a rule against a form.
type typer struct {
	f        *iltod.Form
	contests map[string]bool // the contest bindings (Question.Contest) of the tags named
	seats    *varRef
}

func typecheck(r *Rule, f *iltod.Form) error {
	t := &typer{f: f, contests: map[string]bool{}}
	ty, err := t.check(r.root)
	if err != nil {
		return err
	}
	if ty != tyBool {
		return &SyntaxError{Pos: 1, Msg: fmt.Sprintf("a rule must state a condition, such as CB <= RV, not %s", ty)}
	}
	if t.seats != nil && len(t.contests) != 1 {
		keys := make([]string, 0, len(t.contests))
		for k := range t.contests {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		msg := "seats is the seats of the contest the rule's answers count, but the rule names no answer bound to a contest"
		if len(keys) > 1 {
			msg = fmt.Sprintf("seats is ambiguous: the rule's answers are bound to %s", strings.Join(keys, " and "))
		}
		return &SyntaxError{Pos: t.seats.pos, Msg: msg}
	}
	return nil
}

func errAt(n node, format string, args ...any) error {
	return &SyntaxError{Pos: n.position(), Msg: fmt.Sprintf(format, args...)}
}

// questionsFor returns the questions that answer tag: the question with that tag, or the
// choice "*" questions that expand into it.
func questionsFor(f *iltod.Form, tag string) []*iltod.Question {
	for i := range f.Questions {
		if q := &f.Questions[i]; q.Tag == tag && q.Choice != iltod.EachChoice {
			return []*iltod.Question{q}
		}
	}
	return expansionOf(f, tag)
}

// prefixQuestions returns the questions whose answers sum(prefix*) adds up: questions
// tagged prefix followed by a number, and choice "*" questions whose tag, followed by a
// ballot number, has that shape.
func prefixQuestions(f *iltod.Form, prefix string) []*iltod.Question {
	var out []*iltod.Question
	for i := range f.Questions {
		q := &f.Questions[i]
		rest, ok := strings.CutPrefix(q.Tag, prefix)
		if !ok {
			continue
		}
		if digitsRe.MatchString(rest) && (rest != "" || q.Choice == iltod.EachChoice) {
			out = append(out, q)
		}
	}
	return out
}

var digitsRe = regexp.MustCompile(`^[0-9]*$`)

func (t *typer) tag(n *tagRef) (typ, *iltod.Question, error) {
	qs := questionsFor(t.f, n.tag)
	if len(qs) == 0 {
		for i := range t.f.Questions {
			if q := &t.f.Questions[i]; q.Tag == n.tag && q.Choice == iltod.EachChoice {
				return 0, nil, errAt(n, "%s is answered once per choice: name one, such as %s1, or add them all up with sum(%s*)", n.tag, n.tag, n.tag)
			}
		}
		return 0, nil, errAt(n, "the form has no question %s", n.tag)
	}
	for _, q := range qs {
		if q.Contest != "" {
			t.contests[q.Contest] = true
		}
	}
	q := qs[0]
	switch q.Type {
	case iltod.Integer:
		return tyInt, q, nil
	case iltod.YesNo:
		return tyBool, q, nil
	case iltod.SelectOne:
		return tySel, q, nil
	case iltod.SelectMultiple:
		return tyMulti, q, nil
	}
	return tyOther, q, nil
}

func (t *typer) check(n node) (typ, error) {
	want := func(x node, w typ, ctx string) error {
		got, err := t.check(x)
		if err != nil {
			return err
		}
		if got != w {
			return errAt(x, "%s needs %s here, not %s", ctx, w, got)
		}
		return nil
	}
	switch n := n.(type) {
	case *intLit:
		return tyInt, nil
	case *strLit:
		return tyLit, nil
	case *varRef:
		if n.name == "seats" && t.seats == nil {
			t.seats = n
		}
		return tyInt, nil
	case *prefixRef:
		qs := prefixQuestions(t.f, n.prefix)
		if len(qs) == 0 {
			return 0, errAt(n, "no question's tag is %s followed by a number", n.prefix)
		}
		for _, q := range qs {
			if q.Type != iltod.Integer {
				return 0, errAt(n, "%s* includes %s, which is not a number", n.prefix, q.Tag)
			}
			if q.Contest != "" {
				t.contests[q.Contest] = true
			}
		}
		return tyInt, nil
	case *tagRef:
		ty, _, err := t.tag(n)
		if err != nil {
			return 0, err
		}
		switch ty {
		case tyMulti:
			return 0, errAt(n, "%s has several answers: test one with has(%s, \"code\")", n.tag, n.tag)
		case tyOther:
			return 0, errAt(n, "%s is a text or time answer; a rule can only test answered(%s)", n.tag, n.tag)
		}
		return ty, nil
	case *unaryOp:
		if n.op == "-" {
			return tyInt, want(n.x, tyInt, "-")
		}
		return tyBool, want(n.x, tyBool, "not")
	case *binaryOp:
		switch n.op {
		case "and", "or":
			if err := want(n.x, tyBool, n.op); err != nil {
				return 0, err
			}
			return tyBool, want(n.y, tyBool, n.op)
		case "+", "-", "*":
			if err := want(n.x, tyInt, n.op); err != nil {
				return 0, err
			}
			return tyInt, want(n.y, tyInt, n.op)
		case "<", "<=", ">", ">=":
			if err := want(n.x, tyInt, n.op); err != nil {
				return 0, err
			}
			return tyBool, want(n.y, tyInt, n.op)
		}
		return tyBool, t.equality(n)
	case *callExpr:
		switch n.fn {
		case "answered":
			_, _, err := t.tag(n.args[0].(*tagRef))
			return tyBool, err
		case "has":
			tr := n.args[0].(*tagRef)
			ty, q, err := t.tag(tr)
			if err != nil {
				return 0, err
			}
			if ty != tyMulti {
				return 0, errAt(tr, "has tests a multiple-choice answer; %s is %s", tr.tag, ty)
			}
			lit := n.args[1].(*strLit)
			if !hasOption(q, lit.v) {
				return 0, errAt(lit, "%q is not an option of %s (%s)", truncate(lit.v, 20), tr.tag, optionList(q))
			}
			return tyBool, nil
		}
		for _, a := range n.args {
			if err := want(a, tyInt, n.fn); err != nil {
				return 0, err
			}
		}
		return tyInt, nil
	}
	return 0, errors.New("unknown node")
}

// equality checks == and !=: two numbers, two conditions, two option answers, or an
// option answer and one of its option codes.
func (t *typer) equality(n *binaryOp) error {
	tx, err := t.check(n.x)
	if err != nil {
		return err
	}
	ty, err := t.check(n.y)
	if err != nil {
		return err
	}
	switch {
	case tx == ty && (tx == tyInt || tx == tyBool || tx == tySel):
		return nil
	case tx == tySel && ty == tyLit:
		return t.option(n.x, n.y.(*strLit))
	case tx == tyLit && ty == tySel:
		return t.option(n.y, n.x.(*strLit))
	}
	return errAt(n, "%s cannot compare %s with %s", n.op, tx, ty)
}

// option checks that lit is an option code of the select_one answer x.
func (t *typer) option(x node, lit *strLit) error {
	tr, ok := x.(*tagRef)
	if !ok {
		return nil
	}
	q := questionsFor(t.f, tr.tag)[0]
	if !hasOption(q, lit.v) {
		return errAt(lit, "%q is not an option of %s (%s)", truncate(lit.v, 20), tr.tag, optionList(q))
	}
	return nil
}

// ValidateForms checks every form of p with ValidateForm: its QA configuration and its
// rules. It returns nil or iltod.Problems with Record and Index set, so that a loader can
// locate each problem. Call it after p.Validate has passed.
func ValidateForms(p *iltod.Package) error {
	var out iltod.Problems
	for i := range p.Forms {
		for _, prob := range ValidateForm(&p.Forms[i]) {
			prob.Record, prob.Index = iltod.RecordForm, i
			out = append(out, prob)
		}
	}
	return out.Err()
}
