package qa

import (
	"encoding/json"
	"strconv"

	"github.com/iltod/iltod"
)

// PhoneCheck is a built-in results check written as one linear comparison of answers,
// for an observer's phone to run before a report is signed:
//
//	sum(answers of Left) Op RightFactor × sum(answers of Right) + Constant
//
// where Op is "eq" (=) or "le" (≤). A phone evaluates it only when every tag named in
// Left and Right is answered with a whole number within ±iltod.MaxSafeInt (not null, not
// missing); otherwise the check says nothing, as the server's check would skip. The sums
// of a check are exact in 64-bit integers; a phone that computes in doubles MUST refuse
// to judge sums beyond 2^53 rather than round them.
//
// The server's QA (Sheet.Check) remains the authority. PhoneChecks promises only this:
// a phone check that fails means the server's check of the same Code, Contest and Tally
// fails for the same answers, and when every phone check of that scope is evaluable,
// none failing means the server's check passes.
type PhoneCheck struct {
	// Code is the built-in check's code: over-voting, valid-sum, cast-sum,
	// block-candidate-le-cast or block-sum-le-seats-valid.
	Code string
	// Contest is the contest the server's check is about; "" for a station-wide figure.
	Contest string
	// Tally is the tally ("manual" or "machine") the server's check compares, when the
	// sheet counts a contest's votes more than once; "" otherwise.
	Tally string
	Left  []string
	// Op is PhoneEq or PhoneLE.
	Op    string
	Right []string
	// RightFactor multiplies the sum of Right; it is at least 1.
	RightFactor int64
	Constant    int64
}

// The comparisons of a PhoneCheck.
const (
	PhoneEq = "eq"
	PhoneLE = "le"
)

type phoneCheckJSON struct {
	Code        string   `json:"code"`
	Contest     string   `json:"contest,omitempty"`
	Tally       string   `json:"tally,omitempty"`
	Left        []string `json:"left"`
	Op          string   `json:"op"`
	Right       []string `json:"right"`
	RightFactor int64    `json:"right_factor,omitempty"`
	Constant    int64    `json:"constant"`
}

// MarshalJSON writes {"code","contest","tally","left","op","right","right_factor",
// "constant"}; contest and tally are left out when empty, right_factor when it is 1, and
// left and right are always arrays.
func (c PhoneCheck) MarshalJSON() ([]byte, error) {
	j := phoneCheckJSON{Code: c.Code, Contest: c.Contest, Tally: c.Tally, Left: c.Left, Op: c.Op,
		Right: c.Right, Constant: c.Constant}
	if j.Left == nil {
		j.Left = []string{}
	}
	if j.Right == nil {
		j.Right = []string{}
	}
	if c.RightFactor != 1 {
		j.RightFactor = c.RightFactor
	}
	return json.Marshal(j)
}

// UnmarshalJSON reads what MarshalJSON writes; an absent right_factor is 1.
func (c *PhoneCheck) UnmarshalJSON(data []byte) error {
	var j phoneCheckJSON
	if err := json.Unmarshal(data, &j); err != nil {
		return err
	}
	*c = PhoneCheck{Code: j.Code, Contest: j.Contest, Tally: j.Tally, Left: j.Left, Op: j.Op,
		Right: j.Right, RightFactor: j.RightFactor, Constant: j.Constant}
	if c.RightFactor == 0 {
		c.RightFactor = 1
	}
	return nil
}

// Eval evaluates the check on answers as a phone does: evaluable is false when a tag it
// names is not answered with a usable whole number, and then holds is false too. It is
// the reference for the phone's own code.
func (c PhoneCheck) Eval(answers map[string]iltod.Value) (holds, evaluable bool) {
	sum := func(tags []string) (int64, bool) {
		var s int64
		for _, t := range tags {
			v, ok := answers[t]
			if !ok || v.Kind != iltod.Int || v.Int > iltod.MaxSafeInt || v.Int < -iltod.MaxSafeInt {
				return 0, false
			}
			s += v.Int // at most a few thousand terms within ±2^53: no overflow
		}
		return s, true
	}
	left, ok1 := sum(c.Left)
	right, ok2 := sum(c.Right)
	if !ok1 || !ok2 {
		return false, false
	}
	bound, ok := mul64(c.RightFactor, right)
	if !ok { // a bound beyond int64 is a figure no count has: the server fails it too
		return false, true
	}
	bound += c.Constant
	if c.Op == PhoneEq {
		return left == bound, true
	}
	return left <= bound, true
}

// String writes the check as a formula, for tests and logs: "K1+K2 = CV".
func (c PhoneCheck) String() string {
	side := func(tags []string) string {
		s := ""
		for i, t := range tags {
			if i > 0 {
				s += "+"
			}
			s += t
		}
		if s == "" {
			s = "0"
		}
		return s
	}
	op := " <= "
	if c.Op == PhoneEq {
		op = " = "
	}
	r := side(c.Right)
	if c.RightFactor != 1 {
		r = strconv.FormatInt(c.RightFactor, 10) + "×(" + r + ")"
	}
	if c.Constant != 0 {
		r += " + " + strconv.FormatInt(c.Constant, 10)
	}
	return c.Code + "/" + c.Contest + "/" + c.Tally + ": " + side(c.Left) + op + r
}

// PhoneChecks returns the built-in checks of the sheet that a phone can run, as linear
// comparisons of answers, derived from the same items and the same form configuration as
// Check: for a results form only, with the checks that checks.disable names left out, in
// the order of Builtins() and then of the sheet's contests and tallies.
//
//   - over-voting: for each figure of ballots issued or cast in a scope, figure ≤
//     registered + allowance, one check per figure. The registered figure is the answer
//     bound to registered in the scope (else the station-wide one), or the station's
//     register as the constant when the form asks for none. The allowance is
//     max(over_vote_ballots, over_vote_share × registered); the share part is not linear
//     in an answer, so a form with a non-zero over_vote_share gets no over-voting phone
//     check in a scope whose registered figure is an answer. The server's check falls
//     back to the register when the registered answer is missing; the phone check is
//     then not evaluable, and says nothing.
//   - valid-sum: Σ votes = valid, per single-choice contest and tally whose votes cover
//     every choice.
//   - cast-sum: valid + invalid (+ blank) = cast, per contest.
//   - block-candidate-le-cast: in a block vote, each candidate's votes ≤ ballots in the
//     box (else valid ballots), one check per candidate.
//   - block-sum-le-seats-valid: in a block vote, Σ votes ≤ seats × valid, with
//     RightFactor seats.
//
// Reconciliation and machine-manual are not linear in the same way and stay on the
// server, as do the form's own rules.
func (s *Sheet) PhoneChecks() []PhoneCheck {
	if s.Form.Kind != iltod.Results {
		return nil
	}
	var out []PhoneCheck
	add := func(code, contest, tally string, left []string, op string, right []string, factor, constant int64) {
		out = append(out, PhoneCheck{Code: code, Contest: contest, Tally: tally, Left: left, Op: op,
			Right: right, RightFactor: factor, Constant: constant})
	}
	on := func(code string) bool { return !s.cfg.disabled[code] }
	if on(OverVoting) {
		for _, scope := range s.scopes() {
			var figs []Item
			for _, it := range s.Questions {
				if it.Contest == scope && (it.Count == iltod.CountIssued || it.Count == iltod.CountCast) {
					figs = append(figs, it)
				}
			}
			if len(figs) == 0 {
				continue
			}
			var right []string
			var constant int64
			if reg, ok := s.registeredItem(scope); ok {
				if s.cfg.overVotePPM > 0 {
					continue // max(ballots, share × an answer) is not linear
				}
				right, constant = []string{reg.Tag}, s.cfg.overVoteBallots
			} else {
				reg := int64(s.Station.Registered)
				constant = reg + max(s.cfg.overVoteBallots, mulDivFloor(reg, s.cfg.overVotePPM))
			}
			for _, f := range figs {
				add(OverVoting, scope, "", []string{f.Tag}, PhoneLE, right, 1, constant)
			}
		}
	}
	if on(ValidSum) {
		for _, code := range s.order {
			contest := s.contests[code]
			if !singleChoice(contest.System.Kind) {
				continue
			}
			for _, tally := range s.tallies(code) {
				valid, ok := s.totalItem(iltod.CountValid, code, tally)
				items := s.choices(code, tally)
				if !ok || len(items) < len(contest.Choices) {
					continue
				}
				add(ValidSum, code, tally, itemTags(items), PhoneEq, []string{valid.Tag}, 1, 0)
			}
		}
	}
	if on(CastSum) {
		for _, code := range s.order {
			cast, ok1 := s.item(iltod.CountCast, code, "", iltod.TallyManual)
			valid, ok2 := s.item(iltod.CountValid, code, "", iltod.TallyManual)
			invalid, ok3 := s.item(iltod.CountInvalid, code, "", iltod.TallyManual)
			if !ok1 || !ok2 || !ok3 {
				continue
			}
			left := []string{valid.Tag, invalid.Tag}
			if blank, ok := s.item(iltod.CountBlank, code, "", iltod.TallyManual); ok {
				left = append(left, blank.Tag)
			}
			add(CastSum, code, "", left, PhoneEq, []string{cast.Tag}, 1, 0)
		}
	}
	if on(BlockCandidateLECast) {
		for _, code := range s.order {
			if s.contests[code].System.Kind != iltod.BlockVote {
				continue
			}
			for _, tally := range s.tallies(code) {
				bound, ok := s.castItem(code, tally)
				if !ok {
					if bound, ok = s.totalItem(iltod.CountValid, code, tally); !ok {
						continue
					}
				}
				for _, it := range s.choices(code, tally) {
					add(BlockCandidateLECast, code, tally, []string{it.Tag}, PhoneLE, []string{bound.Tag}, 1, 0)
				}
			}
		}
	}
	if on(BlockSumLESeatsValid) {
		for _, code := range s.order {
			contest := s.contests[code]
			if contest.System.Kind != iltod.BlockVote {
				continue
			}
			for _, tally := range s.tallies(code) {
				valid, ok := s.totalItem(iltod.CountValid, code, tally)
				if !ok {
					continue
				}
				add(BlockSumLESeatsValid, code, tally, itemTags(s.choices(code, tally)), PhoneLE,
					[]string{valid.Tag}, int64(contest.Seats), 0)
			}
		}
	}
	return out
}

// registeredItem returns the question whose answer the over-voting check of scope reads
// first as the registered voters: the one bound to registered in the scope, else the
// station-wide one (see Sheet.registered).
func (s *Sheet) registeredItem(scope string) (Item, bool) {
	scopes := []string{""}
	if scope != "" {
		scopes = []string{scope, ""}
	}
	for _, sc := range scopes {
		if it, ok := s.item(iltod.CountRegistered, sc, "", iltod.TallyManual, iltod.TallyMachine); ok {
			return it, true
		}
	}
	return Item{}, false
}

func itemTags(items []Item) []string {
	tags := make([]string, len(items))
	for i, it := range items {
		tags[i] = it.Tag
	}
	return tags
}

// ItemLabel returns the label of a concrete question, in each language of langs and of
// the texts it is made of: the question's label, and for a question asked once per
// choice, " — " and the choice's ballot number and name ("Votes per candidate — 3. G.
// Suvd"); c is the item's contest (nil if unknown: the choice's code stands for its
// name). Where a label or a name lacks a language, it falls back to the first of langs
// that has one, as iltod.Text.In does.
func ItemLabel(it Item, c *iltod.Contest, langs ...string) iltod.Text {
	label := it.Question.Label
	if it.Choice == "" {
		return label
	}
	var name iltod.Text
	ballot := 0
	if c != nil {
		if ch, ok := c.Choice(it.Choice); ok {
			name, ballot = ch.Name, ch.Ballot
		}
	}
	all := append(append(append([]string(nil), langs...), label.Languages()...), name.Languages()...)
	out := iltod.Text{}
	for _, lang := range all {
		if _, done := out[lang]; done {
			continue
		}
		n := it.Choice
		if name != nil {
			n = name.In(lang, langs...)
		}
		if ballot > 0 {
			n = strconv.Itoa(ballot) + ". " + n
		}
		out[lang] = label.In(lang, langs...) + " — " + n
	}
	return out
}
