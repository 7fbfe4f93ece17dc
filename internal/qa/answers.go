package qa

import (
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/iltod/iltod"
)

var (
	timeRe     = regexp.MustCompile(`^([01][0-9]|2[0-3]):[0-5][0-9]$`)
	tagShapeRe = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,15}$`)
)

// ValidateAnswers checks answers, keyed by tag, against the sheet and returns one
// Problem per fault, with Field set to the tag, or nil if there is none. It reports:
// tags that are not on the sheet (including questions that do not apply at the station,
// and a choice "*" question's own tag, which is answered per choice); answers of the
// wrong kind for the question's type; integers outside the question's min and max or
// beyond ±iltod.MaxSafeInt; options that are not the question's; text longer than
// iltod.MaxTextAnswer characters, not valid UTF-8 or holding control characters other
// than newline; times that are not HH:MM between 00:00 and 23:59; photo answers that are
// not 64 lower-case hexadecimal digits (iltod.PhotoHash); "not applicable"
// (iltod.NA) where the question does not allow it; and required questions not answered.
// An empty or blank text does not answer a required question.
//
// The problems come in a fixed order: the sheet's questions in order, then unknown tags
// in sorted order, so that the same answers always give the same Problems.
func (s *Sheet) ValidateAnswers(answers map[string]iltod.Value) iltod.Problems {
	var ps iltod.Problems
	for _, it := range s.Questions {
		v, given := answers[it.Tag]
		if !given {
			if it.Question.Required {
				ps = append(ps, iltod.Problemf(it.Tag, iltod.Msg("qa.answer.required", nil)))
			}
			continue
		}
		if msg, bad := answerProblem(it.Question, v); bad {
			ps = append(ps, iltod.Problemf(it.Tag, msg))
		}
	}
	var unknown []string
	for tag := range answers {
		if _, ok := s.index[tag]; !ok {
			unknown = append(unknown, tag)
		}
	}
	sort.Strings(unknown)
	for _, tag := range unknown {
		ps = append(ps, s.unknownTag(tag))
	}
	return ps
}

// ValidateAnswer checks one answer on its own, as ValidateAnswers checks each answer,
// without asking for the other required answers: for a reviewer's correction of one
// field, say. It returns nil, or Problems with one entry whose Field is the tag.
func (s *Sheet) ValidateAnswer(tag string, v iltod.Value) iltod.Problems {
	it, ok := s.Item(tag)
	if !ok {
		return iltod.Problems{s.unknownTag(tag)}
	}
	if msg, bad := answerProblem(it.Question, v); bad {
		return iltod.Problems{iltod.Problemf(tag, msg)}
	}
	return nil
}

// answerProblem returns why v does not answer q, and whether it does not.
func answerProblem(q *iltod.Question, v iltod.Value) (iltod.Message, bool) {
	if v.Kind == iltod.NA {
		if !q.NotApplicable {
			return iltod.Msg("qa.answer.na_not_allowed", nil), true
		}
		return iltod.Message{}, false
	}
	if msg, bad := checkValue(q, v); bad {
		return msg, true
	}
	if q.Required && q.Type == iltod.TextAnswer && strings.TrimSpace(v.Str) == "" {
		return iltod.Msg("qa.answer.required", nil), true
	}
	return iltod.Message{}, false
}

// unknownTag explains why tag, answered, is not on the sheet.
func (s *Sheet) unknownTag(tag string) iltod.Problem {
	field := tag
	if !tagShapeRe.MatchString(tag) {
		field = fmt.Sprintf("%q", truncate(tag, 20))
	}
	station := iltod.Lit(s.Station.Code)
	notHere := func(reason iltod.Message) iltod.Problem {
		return iltod.Problemf(field, iltod.Msg("qa.answer.not_here", map[string]iltod.Message{"Station": station, "Reason": reason}))
	}
	if r, ok := s.omitted[tag]; ok {
		return notHere(r)
	}
	if s.isEachChoice(tag) {
		return iltod.Problemf(field, iltod.Msg("qa.answer.each_choice", map[string]iltod.Message{"Tag": iltod.Lit(tag)}))
	}
	if qs := expansionOf(s.Form, tag); len(qs) > 0 {
		if r, ok := s.omitted[qs[0].Tag]; ok {
			return notHere(r)
		}
		return iltod.Problemf(field, iltod.Msg("qa.answer.no_ballot", map[string]iltod.Message{
			"Station": station, "Ballot": iltod.Lit(tag[len(qs[0].Tag):])}))
	}
	return iltod.Problemf(field, iltod.Msg("qa.answer.not_on_form", map[string]iltod.Message{
		"Form": iltod.Lit(s.Form.Code), "Version": iltod.Lit(strconv.Itoa(s.Form.Version))}))
}

func (s *Sheet) isEachChoice(tag string) bool {
	for i := range s.Form.Questions {
		if q := &s.Form.Questions[i]; q.Tag == tag && q.Choice == iltod.EachChoice {
			return true
		}
	}
	return false
}

// args is the type of a Message's arguments, named short for the many messages here.
type args = map[string]iltod.Message

// msg returns the catalogue message key with args.
func msg(key string, a args) iltod.Message { return iltod.Msg(key, a) }

// num is the literal of an integer, written in digits as it was given.
func num[T ~int | ~int64](n T) iltod.Message { return iltod.Lit(strconv.FormatInt(int64(n), 10)) }

// quoted is the literal of a value an observer gave, quoted and cut to n characters.
func quoted(s string, n int) iltod.Message { return iltod.Lit(strconv.Quote(truncate(s, n))) }

// checkValue returns why v, which is not NA, does not answer q, and whether it does not.
func checkValue(q *iltod.Question, v iltod.Value) (iltod.Message, bool) {
	if v.Kind != wantKind(q.Type) {
		return msg("qa.answer.wrong_kind", args{"Want": kindName(q.Type), "Got": valueName(v)}), true
	}
	switch q.Type {
	case iltod.Integer:
		switch {
		case v.Int > iltod.MaxSafeInt || v.Int < -iltod.MaxSafeInt:
			return msg("qa.answer.beyond", args{"Value": num(v.Int), "Max": num(int64(iltod.MaxSafeInt))}), true
		case q.Min != nil && v.Int < *q.Min:
			return msg("qa.answer.below_min", args{"Value": num(v.Int), "Min": num(*q.Min)}), true
		case q.Max != nil && v.Int > *q.Max:
			return msg("qa.answer.above_max", args{"Value": num(v.Int), "Max": num(*q.Max)}), true
		}
	case iltod.SelectOne:
		if !hasOption(q, v.Str) {
			return msg("qa.answer.not_option", args{"Value": quoted(v.Str, 20), "Options": iltod.Lit(optionList(q))}), true
		}
	case iltod.SelectMultiple:
		seen := map[string]bool{}
		for _, o := range v.List {
			if !hasOption(q, o) {
				return msg("qa.answer.not_option", args{"Value": quoted(o, 20), "Options": iltod.Lit(optionList(q))}), true
			}
			if seen[o] {
				return msg("qa.answer.option_twice", args{"Value": iltod.Lit(strconv.Quote(o))}), true
			}
			seen[o] = true
		}
	case iltod.TextAnswer:
		return checkText(v.Str)
	case iltod.TimeOfDay:
		if !timeRe.MatchString(v.Str) {
			return msg("qa.answer.not_time", args{"Value": quoted(v.Str, 20)}), true
		}
	case iltod.Photo:
		if _, ok := iltod.PhotoHash(v.Str); !ok {
			return msg("qa.photo.not_hash", args{"Value": quoted(v.Str, 70)}), true
		}
	}
	return iltod.Message{}, false
}

// wantKind returns the kind of value that answers a question of type t, and the zero
// ValueKind (iltod.NA) for a type it does not know.
func wantKind(t iltod.QuestionType) iltod.ValueKind {
	switch t {
	case iltod.Integer:
		return iltod.Int
	case iltod.YesNo:
		return iltod.Bool
	case iltod.SelectOne, iltod.TextAnswer, iltod.TimeOfDay, iltod.Photo:
		return iltod.Str
	case iltod.SelectMultiple:
		return iltod.List
	}
	var zero iltod.ValueKind
	return zero
}

// checkText returns why s is not acceptable as a text answer, and whether it is not.
func checkText(s string) (iltod.Message, bool) {
	if !utf8.ValidString(s) {
		return msg("qa.answer.not_utf8", nil), true
	}
	if n := utf8.RuneCountInString(s); n > iltod.MaxTextAnswer {
		return msg("qa.answer.too_long", args{"Length": num(n), "Max": num(iltod.MaxTextAnswer)}), true
	}
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
			return msg("qa.answer.control", args{"Char": iltod.Litf("%U", r)}), true
		}
	}
	return iltod.Message{}, false
}

func hasOption(q *iltod.Question, code string) bool {
	for _, o := range q.Options {
		if o.Code == code {
			return true
		}
	}
	return false
}

func optionList(q *iltod.Question) string {
	codes := make([]string, len(q.Options))
	for i, o := range q.Options {
		codes[i] = o.Code
	}
	return strings.Join(codes, ", ")
}

// kindName names what an answer of type t must be.
func kindName(t iltod.QuestionType) iltod.Message {
	switch t {
	case iltod.Integer, iltod.YesNo, iltod.SelectOne, iltod.SelectMultiple, iltod.TextAnswer, iltod.TimeOfDay:
		return msg("qa.kind."+string(t), nil)
	case iltod.Photo:
		return msg("qa.photo.kind", nil)
	}
	return iltod.Lit(string(t))
}

// valueName names the value v that was given.
func valueName(v iltod.Value) iltod.Message {
	switch v.Kind {
	case iltod.Int:
		return msg("qa.value.number", args{"Value": num(v.Int)})
	case iltod.Bool:
		return iltod.Lit(strconv.FormatBool(v.Bool))
	case iltod.Str:
		return msg("qa.value.text", args{"Value": quoted(v.Str, 20)})
	case iltod.List:
		return msg("qa.value.list", nil)
	}
	return msg("qa.value.unknown", nil)
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
