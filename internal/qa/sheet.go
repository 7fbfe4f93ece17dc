package qa

import (
	"fmt"
	"strconv"

	"github.com/iltod/iltod"
)

// Binding says which figure of the count a question on a Sheet records. It is the zero
// Binding for a question that records no count.
type Binding struct {
	// Count is the figure: registered, issued, cast, valid, invalid, blank or choice.
	Count iltod.CountKind
	// Contest is the code of the contest counted, resolved from a tier binding; "" for a
	// station-wide figure (registered, issued or cast with no contest).
	Contest string
	// Choice is the code of the choice counted, for count choice.
	Choice string
	// Ballot is the choice's ballot number, for count choice (0 if not numbered).
	Ballot int
	// Tally is "", iltod.TallyMachine or iltod.TallyManual.
	Tally string
	// Seats and System are those of the contest counted.
	Seats  int
	System iltod.SystemKind
}

// Item is one concrete question of a Sheet: a question of the form, or one of the
// questions a choice "*" question expands into.
type Item struct {
	// Tag is what answers are keyed by: the question's tag, or for a choice "*" question
	// the tag followed by the choice's ballot number (K3).
	Tag string
	// Question is the form's question, shared by all the items it expands into. It MUST
	// NOT be modified.
	Question *iltod.Question
	Binding
}

// Omission is a question of the form that does not apply at the station.
type Omission struct {
	Tag      string
	Question *iltod.Question
	// Reason says why: "the station lies in no contest of tier sgk/list".
	Reason iltod.Message
}

// Sheet is a form as it applies at one polling station: the concrete questions an
// observer there answers, with each question's binding resolved to the station's
// contests, and the form's rules compiled. Build it with Expand. A Sheet is safe for
// concurrent use as long as nobody modifies it: callers MUST NOT change its fields, nor
// the form and contests it was expanded from, which it shares.
type Sheet struct {
	Form    *iltod.Form
	Station iltod.Station
	// Questions are the concrete questions in form order; a choice "*" question expands in
	// place into one item per choice, in the contest's order of choices.
	Questions []Item
	// Omitted lists the questions of the form that do not apply at the station.
	Omitted []Omission

	index    map[string]int            // tag → position in Questions
	omitted  map[string]iltod.Message  // tag of an omitted question → reason
	contests map[string]*iltod.Contest // the contests the sheet counts
	order    []string                  // their codes, in order of first question
	rules    []compiledRule
	cfg      config
	pre      prepared // what the checks need that does not depend on the answers
}

// Item returns the concrete question with the given tag.
func (s *Sheet) Item(tag string) (Item, bool) {
	i, ok := s.index[tag]
	if !ok {
		return Item{}, false
	}
	return s.Questions[i], true
}

// Expand returns the form f as it applies at station st, given the election's contests
// and area tree.
//
// A question bound to "tier:BODY/TIER" resolves to the station's contest in that tier:
// the contest of the tier one of whose areas is the station's area or an ancestor of it.
// A question bound to a contest code applies if the station votes in that contest. A
// question with choice "*" expands into one question per choice of its contest, tagged
// with Question.ExpandedTag. A question whose contest the station does not vote in is
// left out and listed in Sheet.Omitted, with the reason.
//
// Expand returns an error, and no Sheet, if the form cannot be applied at all: f or areas
// is nil; a question names an unknown contest or choice; the station lies in two contests
// of one tier; a choice "*" meets a choice with no ballot number; two concrete questions
// share a tag or count the same figure; or the form fails ValidateForm (a rule that does
// not compile, say). A package that passed iltod.Package.Validate and ValidateForm for
// each form only fails on a station that is not part of it.
func Expand(f *iltod.Form, st iltod.Station, contests []iltod.Contest, areas *iltod.AreaIndex) (*Sheet, error) {
	if f == nil {
		return nil, fmt.Errorf("expand: no form")
	}
	if areas == nil {
		return nil, fmt.Errorf("expand form %s v%d: no area index", f.Code, f.Version)
	}
	if ps := ValidateForm(f); len(ps) > 0 {
		return nil, fmt.Errorf("expand form %s v%d: %w", f.Code, f.Version, ps)
	}
	s := &Sheet{
		Form:     f,
		Station:  st,
		index:    map[string]int{},
		omitted:  map[string]iltod.Message{},
		contests: map[string]*iltod.Contest{},
		cfg:      newConfig(f.Checks),
	}
	byCode := make(map[string]*iltod.Contest, len(contests))
	for i := range contests {
		byCode[contests[i].Code] = &contests[i]
	}
	votesIn := func(c *iltod.Contest) bool {
		for _, a := range c.Areas {
			if areas.Within(st.Area, a) {
				return true
			}
		}
		return false
	}
	tiers := map[string]*iltod.Contest{} // tier reference → the station's contest, or nil
	tierContest := func(ref string) (*iltod.Contest, error) {
		if c, ok := tiers[ref]; ok {
			return c, nil
		}
		var found *iltod.Contest
		for i := range contests {
			c := &contests[i]
			if c.TierRef() != ref || !votesIn(c) {
				continue
			}
			if found != nil {
				return nil, fmt.Errorf("station %s lies in two contests of tier %s: %s and %s", st.Code, ref, found.Code, c.Code)
			}
			found = c
		}
		tiers[ref] = found
		return found, nil
	}
	type figure struct {
		count                  iltod.CountKind
		contest, choice, tally string
	}
	figures := map[figure]string{}
	add := func(it Item) error {
		if j, dup := s.index[it.Tag]; dup {
			return fmt.Errorf("tag %s is used by two questions (%s and %s)", it.Tag, s.Questions[j].Question.Tag, it.Question.Tag)
		}
		if it.Count != "" {
			k := figure{it.Count, it.Contest, it.Choice, it.Tally}
			if other, dup := figures[k]; dup {
				return fmt.Errorf("questions %s and %s count the same figure (%s)", other, it.Tag, describe(it.Binding))
			}
			figures[k] = it.Tag
		}
		s.index[it.Tag] = len(s.Questions)
		s.Questions = append(s.Questions, it)
		return nil
	}
	for qi := range f.Questions {
		q := &f.Questions[qi]
		if q.Count == "" {
			if err := add(Item{Tag: q.Tag, Question: q}); err != nil {
				return nil, fmt.Errorf("expand form %s v%d: %w", f.Code, f.Version, err)
			}
			continue
		}
		var c *iltod.Contest
		var reason *iltod.Message
		if ref, ok := q.IsTierBinding(); ok {
			var err error
			if c, err = tierContest(ref); err != nil {
				return nil, fmt.Errorf("expand form %s v%d: %w", f.Code, f.Version, err)
			}
			if c == nil {
				reason = &iltod.Message{Key: "qa.omitted.no_contest_of_tier", Args: args{"Tier": iltod.Lit(ref)}}
			}
		} else if q.Contest != "" {
			var ok bool
			if c, ok = byCode[q.Contest]; !ok {
				return nil, fmt.Errorf("expand form %s v%d: question %s: unknown contest %q", f.Code, f.Version, q.Tag, q.Contest)
			}
			if !votesIn(c) {
				reason = &iltod.Message{Key: "qa.omitted.not_in_contest", Args: args{"Contest": iltod.Lit(c.Code)}}
				c = nil
			}
		}
		if reason != nil {
			s.Omitted = append(s.Omitted, Omission{Tag: q.Tag, Question: q, Reason: *reason})
			s.omitted[q.Tag] = *reason
			continue
		}
		b := Binding{Count: q.Count, Tally: q.Tally}
		if c != nil {
			b.Contest, b.Seats, b.System = c.Code, c.Seats, c.System.Kind
			if _, seen := s.contests[c.Code]; !seen {
				s.contests[c.Code] = c
				s.order = append(s.order, c.Code)
			}
		}
		var err error
		switch {
		case q.Count != iltod.CountChoice:
			err = add(Item{Tag: q.Tag, Question: q, Binding: b})
		case q.Choice == iltod.EachChoice:
			for _, ch := range c.Choices {
				if ch.Ballot < 1 {
					err = fmt.Errorf("question %s: choice %s of contest %s has no ballot number, which choice * needs", q.Tag, ch.Code, c.Code)
					break
				}
				b.Choice, b.Ballot = ch.Code, ch.Ballot
				if err = add(Item{Tag: q.ExpandedTag(ch.Ballot), Question: q, Binding: b}); err != nil {
					break
				}
			}
		default:
			ch, ok := c.Choice(q.Choice)
			if !ok {
				err = fmt.Errorf("question %s: contest %s has no choice %q", q.Tag, c.Code, q.Choice)
				break
			}
			b.Choice, b.Ballot = ch.Code, ch.Ballot
			err = add(Item{Tag: q.Tag, Question: q, Binding: b})
		}
		if err != nil {
			return nil, fmt.Errorf("expand form %s v%d: %w", f.Code, f.Version, err)
		}
	}
	for i, r := range f.Rules {
		e, err := ParseRule(r.Expr)
		if err != nil { // cannot happen: ValidateForm parsed it
			return nil, fmt.Errorf("expand form %s v%d: rules[%d]: %w", f.Code, f.Version, i, err)
		}
		s.rules = append(s.rules, compileRule(r, e))
	}
	s.prepare()
	return s, nil
}

// describe names a binding for messages: "votes for C01-03 (manual) in C01".
func describe(b Binding) string {
	var d string
	switch b.Count {
	case iltod.CountChoice:
		d = "votes for " + b.Choice
	default:
		d = string(b.Count)
	}
	if b.Tally != "" {
		d += " (" + b.Tally + ")"
	}
	if b.Contest != "" {
		d += " in " + b.Contest
	}
	return d
}

// expansionOf returns the tags of the form's choice "*" questions that could have
// produced tag, e.g. K for K13 (and K1, if the form has a choice "*" question K1).
func expansionOf(f *iltod.Form, tag string) []*iltod.Question {
	var out []*iltod.Question
	for i := range f.Questions {
		q := &f.Questions[i]
		if q.Choice != iltod.EachChoice || len(tag) <= len(q.Tag) || tag[:len(q.Tag)] != q.Tag {
			continue
		}
		rest := tag[len(q.Tag):]
		if n, err := strconv.Atoi(rest); err == nil && n > 0 && strconv.Itoa(n) == rest {
			out = append(out, q)
		}
	}
	return out
}
