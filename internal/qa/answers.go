package qa

import (
	"fmt"
	"regexp"
	"sort"
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
// than newline; times that are not HH:MM between 00:00 and 23:59; "not applicable"
// (iltod.NA) where the question does not allow it; and required questions not answered.
// An empty or blank text does not answer a required question.
//
// The problems come in a fixed order: the sheet's questions in order, then unknown tags
// in sorted order, so that the same answers always give the same Problems.
func (s *Sheet) ValidateAnswers(answers map[string]iltod.Value) iltod.Problems {
	var ps iltod.Problems
	add := func(field, format string, args ...any) {
		ps = append(ps, iltod.Problem{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	for _, it := range s.Questions {
		v, given := answers[it.Tag]
		if !given {
			if it.Question.Required {
				add(it.Tag, "an answer is required")
			}
			continue
		}
		if msg := answerProblem(it.Question, v); msg != "" {
			add(it.Tag, "%s", msg)
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
	if msg := answerProblem(it.Question, v); msg != "" {
		return iltod.Problems{{Field: tag, Message: msg}}
	}
	return nil
}

// answerProblem returns why v does not answer q, or "".
func answerProblem(q *iltod.Question, v iltod.Value) string {
	if v.Kind == iltod.NA {
		if !q.NotApplicable {
			return "\"not applicable\" is not an allowed answer to this question"
		}
		return ""
	}
	if msg := checkValue(q, v); msg != "" {
		return msg
	}
	if q.Required && q.Type == iltod.TextAnswer && strings.TrimSpace(v.Str) == "" {
		return "an answer is required"
	}
	return ""
}

// unknownTag explains why tag, answered, is not on the sheet.
func (s *Sheet) unknownTag(tag string) iltod.Problem {
	field := tag
	if !tagShapeRe.MatchString(tag) {
		field = fmt.Sprintf("%q", truncate(tag, 20))
	}
	p := iltod.Problem{Field: field}
	switch {
	case s.omitted[tag] != "":
		p.Message = fmt.Sprintf("does not apply at station %s: %s", s.Station.Code, s.omitted[tag])
	case s.isEachChoice(tag):
		p.Message = fmt.Sprintf("is answered once per choice, as %s1, %s2, …", tag, tag)
	default:
		if qs := expansionOf(s.Form, tag); len(qs) > 0 {
			if r := s.omitted[qs[0].Tag]; r != "" {
				p.Message = fmt.Sprintf("does not apply at station %s: %s", s.Station.Code, r)
			} else {
				p.Message = fmt.Sprintf("no choice at station %s has the ballot number %s", s.Station.Code, tag[len(qs[0].Tag):])
			}
			break
		}
		p.Message = fmt.Sprintf("is not a question of form %s v%d", s.Form.Code, s.Form.Version)
	}
	return p
}

func (s *Sheet) isEachChoice(tag string) bool {
	for i := range s.Form.Questions {
		if q := &s.Form.Questions[i]; q.Tag == tag && q.Choice == iltod.EachChoice {
			return true
		}
	}
	return false
}

// checkValue returns why v, which is not NA, does not answer q, or "".
func checkValue(q *iltod.Question, v iltod.Value) string {
	want := map[iltod.QuestionType]iltod.ValueKind{
		iltod.Integer: iltod.Int, iltod.YesNo: iltod.Bool, iltod.SelectOne: iltod.Str,
		iltod.SelectMultiple: iltod.List, iltod.TextAnswer: iltod.Str, iltod.TimeOfDay: iltod.Str,
	}[q.Type]
	if v.Kind != want {
		return fmt.Sprintf("must be %s, not %s", kindName(q.Type), valueName(v))
	}
	switch q.Type {
	case iltod.Integer:
		switch {
		case v.Int > iltod.MaxSafeInt || v.Int < -iltod.MaxSafeInt:
			return fmt.Sprintf("%d is beyond ±%d", v.Int, int64(iltod.MaxSafeInt))
		case q.Min != nil && v.Int < *q.Min:
			return fmt.Sprintf("%d is below the minimum %d", v.Int, *q.Min)
		case q.Max != nil && v.Int > *q.Max:
			return fmt.Sprintf("%d is above the maximum %d", v.Int, *q.Max)
		}
	case iltod.SelectOne:
		if !hasOption(q, v.Str) {
			return fmt.Sprintf("%q is not one of the options %s", truncate(v.Str, 20), optionList(q))
		}
	case iltod.SelectMultiple:
		seen := map[string]bool{}
		for _, o := range v.List {
			if !hasOption(q, o) {
				return fmt.Sprintf("%q is not one of the options %s", truncate(o, 20), optionList(q))
			}
			if seen[o] {
				return fmt.Sprintf("option %q is chosen twice", o)
			}
			seen[o] = true
		}
	case iltod.TextAnswer:
		return checkText(v.Str)
	case iltod.TimeOfDay:
		if !timeRe.MatchString(v.Str) {
			return fmt.Sprintf("%q is not a time of day written HH:MM, from 00:00 to 23:59", truncate(v.Str, 20))
		}
	}
	return ""
}

// checkText returns why s is not acceptable as a text answer, or "".
func checkText(s string) string {
	if !utf8.ValidString(s) {
		return "is not valid UTF-8"
	}
	if n := utf8.RuneCountInString(s); n > iltod.MaxTextAnswer {
		return fmt.Sprintf("is %d characters long; at most %d are allowed", n, iltod.MaxTextAnswer)
	}
	for _, r := range s {
		if r != '\n' && (r < 0x20 || r == 0x7f || (r >= 0x80 && r < 0xa0)) {
			return fmt.Sprintf("contains the control character %U; only newlines are allowed", r)
		}
	}
	return ""
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

func kindName(t iltod.QuestionType) string {
	switch t {
	case iltod.Integer:
		return "a whole number"
	case iltod.YesNo:
		return "yes or no (true or false)"
	case iltod.SelectOne:
		return "one option code (a string)"
	case iltod.SelectMultiple:
		return "a list of option codes"
	case iltod.TextAnswer:
		return "a text"
	case iltod.TimeOfDay:
		return "a time written HH:MM"
	}
	return string(t)
}

func valueName(v iltod.Value) string {
	switch v.Kind {
	case iltod.Int:
		return fmt.Sprintf("the number %d", v.Int)
	case iltod.Bool:
		return fmt.Sprintf("%t", v.Bool)
	case iltod.Str:
		return fmt.Sprintf("the text %q", truncate(v.Str, 20))
	case iltod.List:
		return "a list"
	}
	return "an unknown kind of value"
}

func truncate(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return string(r[:n]) + "…"
}
