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

// Threshold scopes: where a list's votes are counted against the threshold.
const (
	ScopeContest = "contest" // in the contest alone (the default)
	ScopeTier    = "tier"    // by party, over every contest of the contest's tier (Poland's Sejm)
)

// Compensation of a ListPR contest for the constituency seats its parties won.
const (
	// MixedMMP: mixed-member proportional. The lists share the contest's seats and those
	// of the contests it compensates; each list's seats are its share less the
	// constituency seats its party won, and a party that won more keeps them (overhang,
	// as in New Zealand).
	MixedMMP = "mmp"
	// MixedAMS: additional members. The contest's seats go by a divisor method whose
	// divisors start, for each list, from the constituency seats its party won (Scotland).
	MixedAMS = "ams"
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

	// The fields below are ListPR rules from particular laws; all are optional.

	// CoalitionThreshold is the least share a list marked Choice.Coalition needs in place
	// of Threshold (Poland: 8% for coalition committees); 0 means Threshold.
	CoalitionThreshold float64 `json:"coalition_threshold,omitempty"`
	// ThresholdScope is where the threshold is measured: ScopeContest ("" too), or
	// ScopeTier, by the party's votes over every contest of the contest's tier against
	// the sum of their bases (Poland's Sejm: 5% of the valid votes of the country decides
	// which lists take part in each of 41 districts).
	ThresholdScope string `json:"threshold_scope,omitempty"`
	// QualifyWon, if positive, is another way past the threshold: a list whose party
	// won at least this many seats in the body's constituency contests takes part
	// (Germany: three direct mandates; New Zealand: one electorate).
	QualifyWon int `json:"qualify_won,omitempty"`
	// Alliances are groups of two or more lists (choice codes) that count as one list
	// in the allocation, their seats then split among them by Method: Israel's surplus
	// agreements, Switzerland's list combinations. An alliance lapses when one of its
	// lists is below the threshold.
	Alliances [][]string `json:"alliances,omitempty"`
	// Mixed makes the contest's seats compensate for the constituency seats its parties
	// won: MixedMMP or MixedAMS; "" leaves the tiers parallel. In a package the contest
	// must be in a body.
	Mixed string `json:"mixed,omitempty"`
	// Compensates names the constituency contests (of the same body, in other tiers)
	// whose seats a Mixed contest compensates for; empty means all of them. Scotland's
	// regions each name their own constituencies.
	Compensates []string `json:"compensates,omitempty"`
}

// IsDivisor reports whether method is a divisor (highest averages) method.
func IsDivisor(method string) bool {
	switch method {
	case DHondt, SainteLague, ModifiedSainteLague, HuntingtonHill:
		return true
	}
	return false
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
	share("coalition_threshold", s.CoalitionThreshold)
	if s.Kind == ListPR {
		switch s.ThresholdScope {
		case "", ScopeContest, ScopeTier:
		default:
			ps.msg("threshold_scope", "error.package.one_of", "Value", strconv.Quote(truncate(s.ThresholdScope, 30)), "Options", Lit("contest, tier"))
		}
		if s.ThresholdScope == ScopeTier && s.Threshold == 0 {
			ps.msg("threshold_scope", "error.package.seat_rules.scope_without_threshold")
		}
		if s.CoalitionThreshold > 0 && s.Threshold == 0 {
			ps.msg("coalition_threshold", "error.package.seat_rules.coalition_without_threshold")
		}
		if s.QualifyWon < 0 {
			ps.msg("qualify_won", "error.package.not_negative")
		}
		switch s.Mixed {
		case "", MixedMMP:
		case MixedAMS:
			if s.Method != "" && !IsDivisor(s.Method) {
				ps.msg("method", "error.package.seat_rules.ams_divisor", "Method", Lit(s.Method))
			}
		default:
			ps.msg("mixed", "error.package.one_of", "Value", strconv.Quote(truncate(s.Mixed, 30)), "Options", Lit("mmp, ams"))
		}
		if s.Mixed == "" && len(s.Compensates) > 0 {
			ps.msg("compensates", "error.package.seat_rules.compensates_not_mixed")
		}
		if s.Mixed != "" && len(s.Alliances) > 0 {
			ps.msg("alliances", "error.package.seat_rules.alliances_mixed")
		}
	} else {
		notFor("coalition_threshold", s.CoalitionThreshold != 0)
		notFor("threshold_scope", s.ThresholdScope != "")
		notFor("qualify_won", s.QualifyWon != 0)
		notFor("alliances", len(s.Alliances) > 0)
		notFor("mixed", s.Mixed != "")
		notFor("compensates", len(s.Compensates) > 0)
	}
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
	// ThresholdExempt marks a list that wins seats whatever its share, as lists of
	// national minorities do in Germany (the SSW) and Poland.
	ThresholdExempt bool `json:"threshold_exempt,omitempty"`
	// Coalition marks a list that needs System.CoalitionThreshold (a coalition of parties,
	// in Poland).
	Coalition bool `json:"coalition,omitempty"`
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
		if ch.Kind == Candidate {
			if ch.ThresholdExempt {
				ps.msg(f+".threshold_exempt", "error.package.seat_rules.list_only")
			}
			if ch.Coalition {
				ps.msg(f+".coalition", "error.package.seat_rules.list_only")
			}
		}
	}
	inAlliance := map[string]bool{}
	for i, a := range c.System.Alliances {
		f := indexField("system.alliances", i)
		if len(a) < 2 {
			ps.msg(f, "error.package.seat_rules.alliance_size")
		}
		for _, code := range a {
			switch {
			case !codes[code]:
				ps.msg(f, "error.package.seat_rules.alliance_unknown", "Choice", strconv.Quote(truncate(code, 70)))
			case inAlliance[code]:
				ps.msg(f, "error.package.seat_rules.alliance_twice", "Choice", strconv.Quote(code))
			}
			inAlliance[code] = true
		}
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
