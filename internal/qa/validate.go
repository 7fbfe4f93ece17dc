package qa

import (
	"errors"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
)

// ValidateForm checks what iltod.Form.Validate cannot, because it needs the rule
// language: that every rule parses, names only tags the form can produce, uses its
// operands at the right types, names option codes the question has, and uses seats only
// when the tags it names are bound to one contest; that no rule takes the code of a
// built-in check or of a check on place and time (geofence, device-clock); and that no
// two questions count the same figure. Each Problem's Field is a path in the form
// ("rules[2].expr", "questions[4].count"); the caller sets Record and Index. It returns
// nil for a form with no such problem.
//
// An expanded tag is known only at a station, so a rule may name K3 wherever the form
// has a choice "*" question K (Expand leaves the rule skipped at a station with no
// choice 3), and sum(K*) for the answers whose tags are K followed by a number.
func ValidateForm(f *iltod.Form) iltod.Problems {
	if f == nil {
		return iltod.Problems{iltod.Problemf("", msg("qa.form.none", nil))}
	}
	var ps iltod.Problems
	add := func(field string, m iltod.Message) { ps = append(ps, iltod.Problemf(field, m)) }
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
			add(fmt.Sprintf("questions[%d].count", i), msg("qa.form.same_figure", args{"Other": iltod.Litf("questions[%d]", j), "Tag": iltod.Lit(q.Tag)}))
			continue
		}
		figures[k] = i
	}
	for i, r := range f.Rules {
		if slices.Contains(builtinOrder, r.Code) || slices.Contains(fieldCodes, r.Code) {
			add(fmt.Sprintf("rules[%d].code", i), msg("qa.form.builtin_code", args{"Code": iltod.Lit(strconv.Quote(r.Code))}))
		}
		e, err := ParseRule(r.Expr)
		if err == nil {
			err = typecheck(e, f)
		}
		var se *SyntaxError
		switch {
		case errors.As(err, &se):
			add(fmt.Sprintf("rules[%d].expr", i), se.Message())
		case err != nil:
			add(fmt.Sprintf("rules[%d].expr", i), iltod.Lit(err.Error()))
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
	tyOther     // a text, time or photo answer: only in answered
)

// name names the type in messages: "a number".
func (t typ) name() iltod.Message {
	switch t {
	case tyInt:
		return msg("qa.type.number", nil)
	case tyBool:
		return msg("qa.type.condition", nil)
	case tySel:
		return msg("qa.type.option_answer", nil)
	case tyLit:
		return msg("qa.type.option_code", nil)
	case tyMulti:
		return msg("qa.type.multiple_answer", nil)
	case tyOther:
		return msg("qa.type.text_answer", nil)
	}
	return iltod.Lit("?")
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
		return syntaxErr(1, "qa.rule.not_condition_but", args{"Type": ty.name()})
	}
	if t.seats != nil && len(t.contests) != 1 {
		keys := make([]string, 0, len(t.contests))
		for k := range t.contests {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		if len(keys) > 1 {
			return syntaxErr(t.seats.pos, "qa.rule.seats_ambiguous", args{"Contests": iltod.Lit(strings.Join(keys, ", "))})
		}
		return syntaxErr(t.seats.pos, "qa.rule.seats_no_contest", nil)
	}
	return nil
}

// errAt returns a *SyntaxError at n whose message is the catalogue's key with a.
func errAt(n node, key string, a args) error { return syntaxErr(n.position(), key, a) }

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
				return 0, nil, errAt(n, "qa.rule.each_choice_tag", args{"Tag": iltod.Lit(n.tag)})
			}
		}
		return 0, nil, errAt(n, "qa.rule.no_question", args{"Tag": iltod.Lit(n.tag)})
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
			return errAt(x, "qa.rule.operand_type", args{"Op": iltod.Lit(ctx), "Want": w.name(), "Got": got.name()})
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
			return 0, errAt(n, "qa.rule.no_prefix", args{"Prefix": iltod.Lit(n.prefix)})
		}
		for _, q := range qs {
			if q.Type != iltod.Integer {
				return 0, errAt(n, "qa.rule.prefix_not_number", args{"Prefix": iltod.Lit(n.prefix), "Tag": iltod.Lit(q.Tag)})
			}
			if q.Contest != "" {
				t.contests[q.Contest] = true
			}
		}
		return tyInt, nil
	case *tagRef:
		ty, q, err := t.tag(n)
		if err != nil {
			return 0, err
		}
		switch {
		case ty == tyMulti:
			return 0, errAt(n, "qa.rule.multiple_tag", args{"Tag": iltod.Lit(n.tag)})
		case ty == tyOther && q.Type == iltod.Photo:
			return 0, errAt(n, "qa.photo.rule_tag", args{"Tag": iltod.Lit(n.tag)})
		case ty == tyOther:
			return 0, errAt(n, "qa.rule.text_tag", args{"Tag": iltod.Lit(n.tag)})
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
				name := ty.name()
				if q.Type == iltod.Photo {
					name = msg("qa.photo.type", nil)
				}
				return 0, errAt(tr, "qa.rule.has_not_multiple", args{"Tag": iltod.Lit(tr.tag), "Type": name})
			}
			lit := n.args[1].(*strLit)
			if !hasOption(q, lit.v) {
				return 0, errAt(lit, "qa.rule.not_option", args{"Value": quoted(lit.v, 20), "Tag": iltod.Lit(tr.tag), "Options": iltod.Lit(optionList(q))})
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
	return errAt(n, "qa.rule.cannot_compare", args{"Op": iltod.Lit(n.op), "Left": tx.name(), "Right": ty.name()})
}

// option checks that lit is an option code of the select_one answer x.
func (t *typer) option(x node, lit *strLit) error {
	tr, ok := x.(*tagRef)
	if !ok {
		return nil
	}
	q := questionsFor(t.f, tr.tag)[0]
	if !hasOption(q, lit.v) {
		return errAt(lit, "qa.rule.not_option", args{"Value": quoted(lit.v, 20), "Tag": iltod.Lit(tr.tag), "Options": iltod.Lit(optionList(q))})
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
