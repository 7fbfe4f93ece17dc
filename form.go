package iltod

import (
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
)

// FormKind says what a form records.
type FormKind string

// The form kinds.
const (
	Checklist FormKind = "checklist"
	Incident  FormKind = "incident"
	Results   FormKind = "results"
)

// QuestionType is the type of an answer.
type QuestionType string

// The question types.
const (
	Integer        QuestionType = "integer"
	YesNo          QuestionType = "yes_no"
	SelectOne      QuestionType = "select_one"
	SelectMultiple QuestionType = "select_multiple"
	TextAnswer     QuestionType = "text"
	TimeOfDay      QuestionType = "time" // HH:MM
	// Photo is answered with the SHA-256 of an image, as 64 lower-case hexadecimal
	// digits; the image itself is uploaded apart (PUT /api/v1/photos/{sha256}).
	Photo QuestionType = "photo"
)

// CountKind binds a results question to a figure of the count.
type CountKind string

// The figures a results question can record.
const (
	CountRegistered CountKind = "registered" // voters on the station's register
	CountIssued     CountKind = "issued"     // ballots issued to voters
	CountCast       CountKind = "cast"       // ballots found in the box
	CountValid      CountKind = "valid"      // valid ballots
	CountInvalid    CountKind = "invalid"    // invalid (spoilt) ballots
	CountBlank      CountKind = "blank"      // blank ballots, where counted apart
	CountChoice     CountKind = "choice"     // votes for one choice
)

// Tallies, for systems that count twice (Mongolia counts by machine and by hand).
const (
	TallyMachine = "machine"
	TallyManual  = "manual"
)

// EachChoice, as a question's Choice, expands the question into one per choice of the
// bound contest; the expanded question's tag is the question's tag followed by the
// choice's ballot number (tag "C" gives C1, C2, …).
const EachChoice = "*"

// TierPrefix begins a question's Contest when it binds to the station's contest in a tier
// rather than to one contest: "tier:sgk/constituency".
const TierPrefix = "tier:"

// Limits on forms, so that one bad definition cannot exhaust a phone or an SMS.
const (
	MaxQuestions  = 500
	MaxOptions    = 100
	MaxTextAnswer = 4000
)

var (
	tagRe       = regexp.MustCompile(`^[A-Z][A-Z0-9]{0,7}$`)
	smsPrefixRe = regexp.MustCompile(`^[A-Z]{1,4}$`)
	optionRe    = regexp.MustCompile(`^[A-Za-z0-9]{1,16}$`)
)

// Option is one answer of a select question. Code is what an SMS or a submission carries.
type Option struct {
	Code  string `json:"code"`
	Label Text   `json:"label"`
}

// Question is one item of a form.
type Question struct {
	// Tag identifies the question in SMS and submissions: 1 to 8 upper-case letters and
	// digits starting with a letter, unique within the form.
	Tag      string       `json:"tag"`
	Label    Text         `json:"label"`
	Type     QuestionType `json:"type"`
	Required bool         `json:"required,omitempty"`
	// Min and Max bound an integer answer, both inclusive.
	Min *int64 `json:"min,omitempty"`
	Max *int64 `json:"max,omitempty"`
	// Options are the answers of a select question.
	Options []Option `json:"options,omitempty"`
	// NotApplicable allows the answer "not applicable", which is excluded from checks and
	// analysis rather than read as zero.
	NotApplicable bool `json:"not_applicable,omitempty"`
	// Count, Contest, Choice and Tally bind a results question to a figure of the count.
	// Contest is a contest code, or TierPrefix+"body/tier" for the station's contest in that
	// tier. Choice is a choice code, or EachChoice. Tally is "", TallyMachine or TallyManual.
	Count   CountKind `json:"count,omitempty"`
	Contest string    `json:"contest,omitempty"`
	Choice  string    `json:"choice,omitempty"`
	Tally   string    `json:"tally,omitempty"`
}

// Rule is a QA rule written in the form: Expr states what must hold, and a report for
// which it does not hold is flagged with Message. It never drops the report.
type Rule struct {
	Code    string `json:"code"`
	Expr    string `json:"expr"`
	Message Text   `json:"message"`
}

// Form is one version of a form. A new version is a new Form with the same Code; reports
// name the version they answer.
type Form struct {
	Code    string   `json:"code"`
	Version int      `json:"version"`
	Kind    FormKind `json:"kind"`
	Name    Text     `json:"name"`
	// SMSPrefix begins an SMS report on this form, e.g. "OP"; unique among an election's forms.
	SMSPrefix string     `json:"sms_prefix,omitempty"`
	Questions []Question `json:"questions"`
	Rules     []Rule     `json:"rules,omitempty"`
	// Checks configures the built-in QA checks of a results form; nil means the defaults.
	// Only a results form may set it.
	Checks *ResultChecks `json:"checks,omitempty"`
}

// ResultChecks configures the built-in QA checks that run on every report of a results
// form (internal/qa; docs/qa.md lists them). The zero value, like a nil *ResultChecks,
// gives the defaults.
type ResultChecks struct {
	// OverVoteBallots is how many ballots above the register the over-voting check
	// allows, 0 to MaxRegistered.
	OverVoteBallots int64 `json:"over_vote_ballots,omitempty"`
	// OverVoteShare is the share (0..1) of the registered voters that the over-voting
	// check allows above the register. With both allowances the larger one applies.
	OverVoteShare float64 `json:"over_vote_share,omitempty"`
	// ReconciliationTolerance is the share (0..1) of the ballots issued by which the
	// ballots in the box may differ from them; nil means DefaultReconciliationTolerance.
	ReconciliationTolerance *float64 `json:"reconciliation_tolerance,omitempty"`
	// MachineManualTolerance is the largest difference in votes, 0 to MaxRegistered,
	// allowed between the machine and the manual count of one choice.
	MachineManualTolerance int64 `json:"machine_manual_tolerance,omitempty"`
	// Disable lists the codes of built-in checks that do not run on this form.
	Disable []string `json:"disable,omitempty"`
}

// DefaultReconciliationTolerance is the reconciliation tolerance of a form that sets none.
const DefaultReconciliationTolerance = 0.03

// resultCheckCodes are the codes of the built-in checks, which Disable may name. A test
// in internal/qa keeps this list equal to the checks it runs.
var resultCheckCodes = []string{
	"over-voting", "valid-sum", "cast-sum", "reconciliation",
	"block-candidate-le-cast", "block-sum-le-seats-valid", "machine-manual",
}

// Validate reports allowances and tolerances out of range and unknown or repeated codes
// in Disable.
func (c *ResultChecks) Validate() error {
	var ps problems
	if c.OverVoteBallots < 0 || c.OverVoteBallots > MaxRegistered {
		ps.msg("over_vote_ballots", "error.package.outside", "Value", c.OverVoteBallots, "Max", MaxRegistered)
	}
	if !(c.OverVoteShare >= 0 && c.OverVoteShare <= 1) {
		ps.msg("over_vote_share", "error.package.share", "Value", c.OverVoteShare)
	}
	if t := c.ReconciliationTolerance; t != nil && !(*t >= 0 && *t <= 1) {
		ps.msg("reconciliation_tolerance", "error.package.share", "Value", *t)
	}
	if c.MachineManualTolerance < 0 || c.MachineManualTolerance > MaxRegistered {
		ps.msg("machine_manual_tolerance", "error.package.outside", "Value", c.MachineManualTolerance, "Max", MaxRegistered)
	}
	seen := map[string]bool{}
	for i, code := range c.Disable {
		f := indexField("disable", i)
		switch {
		case !slices.Contains(resultCheckCodes, code):
			ps.msg(f, "error.package.bad_check", "Value", strconv.Quote(truncate(code, 40)), "Checks", strings.Join(resultCheckCodes, ", "))
		case seen[code]:
			ps.msg(f, "error.package.listed_twice", "Value", strconv.Quote(code))
		}
		seen[code] = true
	}
	return ps.list.Err()
}

// Validate checks the form's own fields and each question: types and their parameters,
// unique tags, and that only results forms bind questions to counts. That bound contests
// and choices exist is checked by Package.Validate.
func (f *Form) Validate() error {
	var ps problems
	checkCode(&ps, "code", f.Code)
	if f.Version < 1 {
		ps.msg("version", "error.package.at_least_1")
	}
	switch f.Kind {
	case Checklist, Incident, Results:
	default:
		ps.msg("kind", "error.package.one_of", "Value", strconv.Quote(truncate(string(f.Kind), 30)), "Options", Lit("checklist, incident, results"))
	}
	ps.nest("name", f.Name.Validate())
	if f.SMSPrefix != "" && !smsPrefixRe.MatchString(f.SMSPrefix) {
		ps.msg("sms_prefix", "error.package.bad_sms_prefix", "Value", strconv.Quote(truncate(f.SMSPrefix, 10)))
	}
	switch {
	case len(f.Questions) == 0:
		ps.msg("questions", "error.package.need_question")
	case len(f.Questions) > MaxQuestions:
		ps.msg("questions", "error.package.too_many_questions", "Count", len(f.Questions), "Max", MaxQuestions)
	}
	tags := map[string]int{}
	bound := false
	for i, q := range f.Questions {
		qf := indexField("questions", i)
		ps.nest(qf, q.Validate())
		if j, dup := tags[q.Tag]; dup && q.Tag != "" {
			ps.msg(qf+".tag", "error.package.tag_used", "Tag", strconv.Quote(q.Tag), "Index", j)
		}
		tags[q.Tag] = i
		if q.Count != "" {
			bound = true
			if f.Kind != Results {
				ps.msg(qf+".count", "error.package.count_results_only")
			}
		}
	}
	if f.Kind == Results && len(f.Questions) > 0 && !bound {
		ps.msg("questions", "error.package.results_needs_count")
	}
	if f.Checks != nil {
		if f.Kind != Results {
			ps.msg("checks", "error.package.checks_results_only")
		}
		ps.nest("checks", f.Checks.Validate())
	}
	codes := map[string]bool{}
	for i, r := range f.Rules {
		rf := indexField("rules", i)
		checkCode(&ps, rf+".code", r.Code)
		if codes[r.Code] {
			ps.msg(rf+".code", "error.package.duplicate_rule", "Code", strconv.Quote(r.Code))
		}
		codes[r.Code] = true
		if strings.TrimSpace(r.Expr) == "" {
			ps.msg(rf+".expr", "error.package.required")
		} else if msg := checkString(r.Expr, 1000); msg.Key != "" {
			ps.put(rf+".expr", msg)
		}
		ps.nest(rf+".message", r.Message.Validate())
	}
	return ps.list.Err()
}

// Validate checks one question on its own.
func (q *Question) Validate() error {
	var ps problems
	if !tagRe.MatchString(q.Tag) {
		ps.msg("tag", "error.package.bad_tag", "Value", strconv.Quote(truncate(q.Tag, 20)))
	}
	ps.nest("label", q.Label.Validate())
	switch q.Type {
	case Integer:
		if q.Min != nil && q.Max != nil && *q.Min > *q.Max {
			ps.msg("max", "error.package.max_below_min", "Max", *q.Max, "Min", *q.Min)
		}
	case SelectOne, SelectMultiple:
		if len(q.Options) < 2 {
			ps.msg("options", "error.package.two_options", "Type", q.Type)
		}
		if len(q.Options) > MaxOptions {
			ps.msg("options", "error.package.too_many_options", "Count", len(q.Options), "Max", MaxOptions)
		}
		seen := map[string]bool{}
		for i, o := range q.Options {
			of := indexField("options", i)
			if !optionRe.MatchString(o.Code) {
				ps.msg(of+".code", "error.package.bad_option", "Value", strconv.Quote(truncate(o.Code, 20)))
			} else if seen[o.Code] {
				ps.msg(of+".code", "error.package.option_twice", "Option", strconv.Quote(o.Code))
			}
			seen[o.Code] = true
			ps.nest(of+".label", o.Label.Validate())
		}
	case YesNo, TextAnswer, TimeOfDay, Photo:
	default:
		ps.msg("type", "error.package.one_of", "Value", strconv.Quote(truncate(string(q.Type), 30)), "Options", Lit("integer, yes_no, select_one, select_multiple, text, time, photo"))
	}
	if q.Type != Integer && (q.Min != nil || q.Max != nil) {
		ps.msg("min", "error.package.min_max_integer")
	}
	if q.Type != SelectOne && q.Type != SelectMultiple && len(q.Options) > 0 {
		ps.msg("options", "error.package.options_select")
	}
	if q.Count == "" {
		if q.Contest != "" || q.Choice != "" || q.Tally != "" {
			ps.msg("count", "error.package.count_required")
		}
		return ps.list.Err()
	}
	if q.Type != Integer {
		ps.msg("type", "error.package.count_integer")
	}
	switch q.Count {
	case CountRegistered, CountIssued, CountCast:
		if q.Choice != "" {
			ps.msg("choice", "error.package.choice_only")
		}
	case CountValid, CountInvalid, CountBlank:
		if q.Choice != "" {
			ps.msg("choice", "error.package.choice_only")
		}
		if q.Contest == "" {
			ps.msg("contest", "error.package.required_for_count", "Count", q.Count)
		}
	case CountChoice:
		if q.Contest == "" {
			ps.msg("contest", "error.package.required_for_choice")
		}
		if q.Choice == "" {
			ps.msg("choice", "error.package.choice_required")
		}
	default:
		ps.msg("count", "error.package.one_of", "Value", strconv.Quote(truncate(string(q.Count), 30)), "Options", Lit("registered, issued, cast, valid, invalid, blank, choice"))
	}
	if q.Choice == EachChoice && len(q.Tag) > 5 {
		ps.msg("tag", "error.package.tag_short")
	}
	switch q.Tally {
	case "", TallyMachine, TallyManual:
	default:
		ps.msg("tally", "error.package.one_of", "Value", strconv.Quote(truncate(q.Tally, 20)), "Options", Lit("machine, manual"))
	}
	return ps.list.Err()
}

// IsTierBinding reports whether the question binds to the station's contest in a tier,
// and returns the tier reference "body/tier".
func (q *Question) IsTierBinding() (string, bool) {
	if strings.HasPrefix(q.Contest, TierPrefix) {
		return strings.TrimPrefix(q.Contest, TierPrefix), true
	}
	return "", false
}

// ExpandedTag returns the tag of the question expanded for a choice with the given ballot
// number; it is the tag itself for a question not expanded per choice.
func (q *Question) ExpandedTag(ballot int) string {
	if q.Choice != EachChoice {
		return q.Tag
	}
	return fmt.Sprintf("%s%d", q.Tag, ballot)
}
