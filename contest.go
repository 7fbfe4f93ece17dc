package iltod

import (
	"fmt"
	"strconv"
)

// SystemKind names an electoral system.
type SystemKind string

// The electoral systems a contest can use.
const (
	// FPTP: one seat; the most votes wins, subject to optional minimum share and turnout.
	FPTP SystemKind = "fptp"
	// BlockVote: each voter marks up to Seats candidates; the top Seats win.
	BlockVote SystemKind = "block"
	// TwoRound: one seat; a candidate needs more than Majority of the base, else the top
	// two go to a second round.
	TwoRound SystemKind = "two_round"
	// ListPR: party lists; seats by a divisor or quota Method above a Threshold.
	ListPR SystemKind = "list_pr"
)

// Seat allocation methods for ListPR.
const (
	DHondt              = "dhondt"
	SainteLague         = "sainte_lague"
	ModifiedSainteLague = "modified_sainte_lague"
	HuntingtonHill      = "huntington_hill"
	Hare                = "hare"
	Droop               = "droop"
)

// Bases for thresholds and majorities: what the share is a share of.
const (
	BaseValid         = "valid"           // all valid votes
	BaseValidAndBlank = "valid_and_blank" // valid votes and blank ballots (Mongolia's presidential rule)
	BaseListValid     = "list_valid"      // valid votes cast for lists
)

// Tie rules, applied when two choices have the same claim to a seat.
const (
	TieLot         = "lot"          // resolved by lot, outside the system
	TieMostVotes   = "most_votes"   // the choice with more votes overall
	TieBallotOrder = "ballot_order" // the choice listed first on the ballot
)

// System is a contest's electoral system and its parameters. Fields that do not apply to
// Kind must be zero.
type System struct {
	Kind SystemKind `json:"kind"`
	// Method is the ListPR allocation method (DHondt, SainteLague, …).
	Method string `json:"method,omitempty"`
	// Threshold is the least share (0..1) of ThresholdBase a list needs to win seats.
	Threshold     float64 `json:"threshold,omitempty"`
	ThresholdBase string  `json:"threshold_base,omitempty"`
	// Majority is the TwoRound share (0..1) that must be exceeded; MajorityBase what it is of.
	Majority     float64 `json:"majority,omitempty"`
	MajorityBase string  `json:"majority_base,omitempty"`
	// MinShare and MinTurnout are FPTP validity conditions (shares 0..1), 0 meaning none.
	MinShare   float64 `json:"min_share,omitempty"`
	MinTurnout float64 `json:"min_turnout,omitempty"`
	// Ties names the tie rule; empty means TieLot.
	Ties string `json:"ties,omitempty"`
}

// Validate reports unknown kinds, methods, bases and tie rules, shares outside 0..1, and
// parameters given for a system they do not apply to.
func (s *System) Validate() error {
	var ps problems
	share := func(field string, v float64) {
		if !(v >= 0 && v <= 1) {
			ps.msg(field, "error.package.share", "Value", v)
		}
	}
	notFor := func(field string, set bool) {
		if set {
			ps.msg(field, "error.package.not_for_system", "Kind", s.Kind)
		}
	}
	switch s.Kind {
	case FPTP, BlockVote, TwoRound, ListPR:
	default:
		ps.msg("kind", "error.package.one_of", "Value", strconv.Quote(truncate(string(s.Kind), 30)), "Options", Lit("fptp, block, two_round, list_pr"))
		return ps.list.Err()
	}
	share("threshold", s.Threshold)
	share("majority", s.Majority)
	share("min_share", s.MinShare)
	share("min_turnout", s.MinTurnout)
	if s.Kind == ListPR {
		switch s.Method {
		case DHondt, SainteLague, ModifiedSainteLague, HuntingtonHill, Hare, Droop:
		case "":
			ps.msg("method", "error.package.method_required")
		default:
			ps.msg("method", "error.package.one_of", "Value", strconv.Quote(truncate(s.Method, 30)), "Options", Lit("dhondt, sainte_lague, modified_sainte_lague, huntington_hill, hare, droop"))
		}
		switch s.ThresholdBase {
		case "", BaseValid, BaseListValid, BaseValidAndBlank:
		default:
			ps.msg("threshold_base", "error.package.one_of", "Value", strconv.Quote(truncate(s.ThresholdBase, 30)), "Options", Lit("valid, list_valid, valid_and_blank"))
		}
		if s.Threshold > 0 && s.ThresholdBase == "" {
			ps.msg("threshold_base", "error.package.threshold_base_required")
		}
	} else {
		notFor("method", s.Method != "")
		notFor("threshold", s.Threshold != 0)
		notFor("threshold_base", s.ThresholdBase != "")
	}
	if s.Kind == TwoRound {
		switch s.MajorityBase {
		case BaseValid, BaseValidAndBlank:
		case "":
			ps.msg("majority_base", "error.package.majority_base_required")
		default:
			ps.msg("majority_base", "error.package.one_of", "Value", strconv.Quote(truncate(s.MajorityBase, 30)), "Options", Lit("valid, valid_and_blank"))
		}
		if s.Majority == 0 {
			ps.msg("majority", "error.package.majority_required")
		}
	} else {
		notFor("majority", s.Majority != 0)
		notFor("majority_base", s.MajorityBase != "")
	}
	if s.Kind != FPTP {
		notFor("min_share", s.MinShare != 0)
		notFor("min_turnout", s.MinTurnout != 0)
	}
	switch s.Ties {
	case "", TieLot, TieMostVotes, TieBallotOrder:
	default:
		ps.msg("ties", "error.package.one_of", "Value", strconv.Quote(truncate(s.Ties, 30)), "Options", Lit("lot, most_votes, ballot_order"))
	}
	return ps.list.Err()
}

// ChoiceKind distinguishes candidates from party lists.
type ChoiceKind string

// The kinds of choice.
const (
	Candidate ChoiceKind = "candidate"
	PartyList ChoiceKind = "list"
)

// Choice is what a voter can mark: a candidate or a party list.
type Choice struct {
	Code string     `json:"code"`
	Kind ChoiceKind `json:"kind"`
	Name Text       `json:"name"`
	// Party is the code of the candidate's party, or of the list's party; "" for an independent.
	Party string `json:"party,omitempty"`
	// Ballot is the choice's position on the ballot paper, from 1; 0 if not numbered.
	Ballot int `json:"ballot,omitempty"`
}

// Contest is what is elected where: its seats are filled by its System from the votes of
// the stations in its Areas.
type Contest struct {
	Code string `json:"code"`
	Name Text   `json:"name"`
	// Body and Tier place the contest in one of the election's bodies; both or neither.
	Body string `json:"body,omitempty"`
	Tier string `json:"tier,omitempty"`
	// Areas lists the codes of the areas that make up the constituency: every station at
	// or below one of them votes in the contest.
	Areas   []string `json:"areas"`
	Seats   int      `json:"seats"`
	System  System   `json:"system"`
	Choices []Choice `json:"choices"`
}

// Validate checks the contest's own fields: seats that fit the system, unique choice codes
// and ballot numbers, and choice kinds that fit the system. References to areas, parties
// and tiers are checked by Package.Validate.
func (c *Contest) Validate() error {
	var ps problems
	checkCode(&ps, "code", c.Code)
	ps.nest("name", c.Name.Validate())
	if (c.Body == "") != (c.Tier == "") {
		ps.msg("tier", "error.package.body_tier")
	}
	if len(c.Areas) == 0 {
		ps.msg("areas", "error.package.need_area")
	}
	seenArea := map[string]bool{}
	for i, a := range c.Areas {
		if seenArea[a] {
			ps.msg(indexField("areas", i), "error.package.area_twice", "Area", strconv.Quote(truncate(a, 70)))
		}
		seenArea[a] = true
	}
	ps.nest("system", c.System.Validate())
	switch {
	case c.Seats < 1:
		ps.msg("seats", "error.package.at_least_1")
	case (c.System.Kind == FPTP || c.System.Kind == TwoRound) && c.Seats != 1:
		ps.msg("seats", "error.package.one_seat", "Kind", c.System.Kind, "Seats", c.Seats)
	}
	if len(c.Choices) == 0 {
		ps.msg("choices", "error.package.need_choice")
	}
	want := Candidate
	if c.System.Kind == ListPR {
		want = PartyList
	}
	codes, ballots := map[string]bool{}, map[int]bool{}
	for i, ch := range c.Choices {
		f := indexField("choices", i)
		checkCode(&ps, f+".code", ch.Code)
		if codes[ch.Code] {
			ps.msg(f+".code", "error.package.duplicate_choice", "Code", strconv.Quote(ch.Code))
		}
		codes[ch.Code] = true
		ps.nest(f+".name", ch.Name.Validate())
		switch {
		case ch.Kind != Candidate && ch.Kind != PartyList:
			ps.msg(f+".kind", "error.package.one_of", "Value", strconv.Quote(truncate(string(ch.Kind), 30)), "Options", Lit("candidate, list"))
		case ch.Kind != want:
			ps.msg(f+".kind", "error.package.choice_kind", "Kind", c.System.Kind, "Want", want, "Got", ch.Kind)
		}
		if ch.Kind == PartyList && ch.Party == "" {
			ps.msg(f+".party", "error.package.list_party")
		}
		switch {
		case ch.Ballot < 0:
			ps.msg(f+".ballot", "error.package.not_negative")
		case ch.Ballot > 0 && ballots[ch.Ballot]:
			ps.msg(f+".ballot", "error.package.ballot_twice", "Ballot", ch.Ballot)
		}
		ballots[ch.Ballot] = true
	}
	return ps.list.Err()
}

// Choice returns the choice with the given code.
func (c *Contest) Choice(code string) (Choice, bool) {
	for _, ch := range c.Choices {
		if ch.Code == code {
			return ch, true
		}
	}
	return Choice{}, false
}

// TierRef returns "body/tier", the form a results question uses to bind to the station's
// contest in that tier, or "" for a contest outside any body.
func (c *Contest) TierRef() string {
	if c.Body == "" {
		return ""
	}
	return fmt.Sprintf("%s/%s", c.Body, c.Tier)
}
