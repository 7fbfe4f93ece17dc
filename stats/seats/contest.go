package seats

import (
	"cmp"
	"fmt"
	"math"
	"math/big"
	"slices"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// Totals are the counted figures of one contest: over the whole constituency to allocate
// its seats, or over any set of stations to see what they alone would give.
type Totals struct {
	// Votes maps a choice code to its votes. A choice of the contest that is missing has
	// no votes; a code that is not the contest's is an error.
	Votes map[string]int64
	// Valid is the number of valid ballots, blank ones not included. It is required: in a
	// single-choice system (fptp, two_round, list_pr) it is at least the sum of Votes; in
	// a block vote no candidate has more votes than Valid, and Votes add up to at most
	// Seats × Valid.
	Valid int64
	// Blank is the number of blank ballots counted apart from valid ones. It is used by
	// the base iltod.BaseValidAndBlank.
	Blank int64
	// Cast is the number of ballots cast and Registered the number of registered voters.
	// They are used by an FPTP minimum turnout (turnout = Cast / Registered). Cast, when
	// not 0, is at least Valid + Blank.
	Cast, Registered int64
}

// Options are what Allocate needs beyond the contest and its totals.
type Options struct {
	// Round is 1 (or 0) for the first round of a two-round contest and 2 for the runoff;
	// it must be 0 for other systems.
	Round int
	// Lot is the order drawn by lot among the contest's choices, as choice codes, the
	// first preferred (see DrawLot). Nil means no lot has been drawn; a choice missing
	// from a non-nil Lot has not been drawn either.
	Lot []string
	// Qualified, if not nil, says which lists (choice codes) of a list_pr contest are
	// past its threshold, decided over more than the contest; the contest's own
	// threshold is then not tested, and a list missing from Qualified is below it.
	// AllocateBody sets it for a threshold over a tier (iltod.ScopeTier).
	Qualified map[string]bool
	// Won maps a list (choice code) to the constituency seats its party won: what a
	// Mixed contest compensates for, and what System.QualifyWon counts. AllocateBody
	// sets it from the body's other contests.
	Won map[string]int
	// WonOthers is the constituency seats won by candidates of no list of the contest
	// (independents, parties without a list): a Mixed mmp contest counts them in the
	// size of the body and does not share them among the lists.
	WonOthers int
}

// Outcome is what an election in one contest came to.
type Outcome string

// The outcomes.
const (
	// OutcomeElected: every seat is filled.
	OutcomeElected Outcome = "elected"
	// OutcomeUnfilled: some or all seats stay unfilled, for the Reason given: no votes,
	// an FPTP minimum share or turnout not met, fewer candidates with votes than seats, no
	// list above the threshold, or no second candidate for a runoff.
	OutcomeUnfilled Outcome = "unfilled"
	// OutcomeRunoff: a two-round first round without a winner; the two in Runoff go to
	// the second round.
	OutcomeRunoff Outcome = "runoff"
	// OutcomeVoid: a two-round runoff without a winner; the election is void.
	OutcomeVoid Outcome = "void"
	// OutcomeTie: a tie that the tie rule and the lot cannot break decides seats (or, in a
	// two-round first round, places in the runoff); see Result.Tied.
	OutcomeTie Outcome = "tie"
)

// Result is the outcome of Allocate for one contest.
type Result struct {
	Contest string
	Kind    iltod.SystemKind
	Outcome Outcome
	// Reason says why a seat is unfilled, a runoff is needed, the election is void or a
	// tie remains, in every language of the message catalogue (stats.seats.*); nil when
	// every seat is filled.
	Reason iltod.Text
	// Seats maps every choice of the contest to the seats it won (0 for most).
	Seats map[string]int
	// Elected lists the choices that won seats: by votes, most first, for fptp,
	// two_round and block; in the contest's order of choices for list_pr.
	Elected []string
	// Runoff lists, after a two-round first round, the choices in the runoff, most votes
	// first.
	Runoff []string
	// Tied lists, in contest order, the choices tied for TiedSeats seats (or runoff
	// places) that nothing could break.
	Tied      []string
	TiedSeats int
	// Unfilled is the number of the contest's seats not filled: seats left unfilled, in
	// a tie, or awaiting a runoff or a new election.
	Unfilled int
	// Base names what Shares and the system's conditions are shares of (an iltod.Base…
	// constant), and BaseVotes is its size: the threshold base for list_pr (list_valid
	// without a threshold), the majority base for two_round, valid for fptp and block.
	// In a block vote the share is of ballots, each of which marks up to Seats candidates.
	Base      string
	BaseVotes int64
	// Shares maps every choice to its votes divided by BaseVotes, for display; 0 when
	// BaseVotes is 0.
	Shares map[string]float64
	// Excluded lists the lists below the threshold, in the contest's order of choices.
	Excluded []string
	// Alliances maps each alliance that held ("A+B", its lists joined by "+") to the
	// seats it won as one list; Lapsed lists, in the contest's order, the alliances that
	// lapsed because a list of theirs is below the threshold.
	Alliances map[string]int
	Lapsed    []string
	// For a Mixed contest, Seats holds the list seats only, and Won the constituency
	// seats each list's party won (Options.Won). For mmp, Entitled is each list's
	// proportional share of the body (seats in all tiers) and Overhang the constituency
	// seats its party won beyond it, which it keeps: its seats in the body are
	// Won + Seats = max(Entitled, Won).
	Won, Entitled, Overhang map[string]int
}

// Allocate fills the seats of contest c from its totals t by the contest's System:
//
//   - fptp: the candidate with the most votes wins, if the system's conditions hold:
//     at least MinShare of Valid, and turnout Cast/Registered at least MinTurnout.
//     Otherwise the seat stays unfilled (OutcomeUnfilled) and Reason says why.
//   - block: the Seats candidates with the most votes win. A candidate with no votes is
//     not elected, so with fewer candidates with votes than seats some stay unfilled.
//   - two_round: a candidate with more than Majority of the MajorityBase wins. Otherwise,
//     in the first round (o.Round 0 or 1) the two with the most votes go to a runoff
//     (OutcomeRunoff), and in the runoff (o.Round 2) the election is void (OutcomeVoid).
//     With base valid_and_blank blank ballots count against every candidate, which is
//     how Mongolia elects its president.
//   - list_pr: lists below Threshold of ThresholdBase win no seats (see Passes for
//     exemptions, the coalition threshold and qualification by constituency seats, and
//     Options.Qualified for a threshold over the tier, which Allocate refuses to test
//     alone); the others share Seats by Method (see Apportion), the quota's total being
//     their votes alone. System.Alliances count as one list each, their seats then
//     split among their lists by Method; an alliance with a list below the threshold
//     lapses (Result.Lapsed). With a quota method each list keeps its own full quotas,
//     and an alliance competes for the seats left with the sum of its lists'
//     remainders, the seats it wins going to its lists with the largest. With Mixed, the
//     seats compensate for Options.Won: mmp gives each list its share of the whole body
//     (Seats + the constituency seats) less its constituency seats, keeping overhang;
//     ams gives Seats by ApportionFrom, starting each list at its constituency seats.
//
// Shares are compared exactly and a threshold, minimum share or turnout is met when
// reached ("at least"), a majority only when exceeded ("more than"). Ties are broken by
// System.Ties (empty meaning iltod.TieLot) with ballot positions from Choice.Ballot and
// o.Lot as the lot; a tie they cannot break gives OutcomeTie, with the seats not in
// dispute filled. Ties, runoffs, void elections and unfilled seats are outcomes, not
// errors.
//
// Allocate returns the error of c.Validate, wrapped, for an invalid contest, and an
// *iltod.Error with code iltod.EInvalid for totals that do not fit the contest (an
// unknown choice code, negative counts, Valid too small for the votes, Cast smaller than
// Valid + Blank, a turnout condition without Registered and Cast), a Round given where it
// does not apply, a Lot naming unknown or repeated choices, Options.Won or Qualified
// naming lists the contest does not have or seat counts out of range, and a threshold
// over the tier without Options.Qualified.
func Allocate(c *iltod.Contest, t Totals, o Options) (Result, error) {
	if err := c.Validate(); err != nil {
		return Result{}, fmt.Errorf("contest %s: %w", c.Code, err)
	}
	in, err := prepare(c, t, o)
	if err != nil {
		return Result{}, err
	}
	r := Result{
		Contest: c.Code,
		Kind:    c.System.Kind,
		Seats:   make(map[string]int, len(c.Choices)),
	}
	for _, ch := range c.Choices {
		r.Seats[ch.Code] = 0
	}
	switch c.System.Kind {
	case iltod.FPTP:
		in.fptp(&r)
	case iltod.BlockVote:
		in.block(&r)
	case iltod.TwoRound:
		in.twoRound(&r, o.Round == 2)
	case iltod.ListPR:
		if err := in.listPR(&r, o); err != nil {
			return Result{}, err
		}
	}
	r.Shares = make(map[string]float64, len(c.Choices))
	for i, ch := range c.Choices {
		r.Shares[ch.Code] = ratio(in.votes[i], r.BaseVotes)
	}
	if r.Outcome == "" {
		r.Outcome = OutcomeElected
	}
	return r, nil
}

// input is a contest's totals by choice index, checked.
type input struct {
	c     *iltod.Contest
	t     Totals
	votes []int64
	total int64
	ties  Ties
}

func prepare(c *iltod.Contest, t Totals, o Options) (*input, error) {
	bad := func(key string, data map[string]any) (*input, error) {
		if data == nil {
			data = map[string]any{}
		}
		data["Contest"] = c.Code
		return nil, iltod.E(iltod.EInvalid, "stats.seats.err_"+key, data)
	}
	in := &input{c: c, t: t, votes: make([]int64, len(c.Choices))}
	index := make(map[string]int, len(c.Choices))
	in.ties = Ties{Rule: c.System.Ties, Ballot: make([]int, len(c.Choices))}
	for i, ch := range c.Choices {
		index[ch.Code] = i
		in.ties.Ballot[i] = ch.Ballot
	}
	for code, v := range t.Votes {
		i, ok := index[code]
		if !ok {
			return bad("unknown_choice", map[string]any{"Choice": strconv.Quote(code)})
		}
		if v < 0 {
			return bad("choice_negative", map[string]any{"Choice": code, "Votes": v})
		}
		in.votes[i] = v
	}
	total, ok := sum(in.votes)
	if !ok {
		return bad("contest_overflow", map[string]any{"Max": int64(math.MaxInt64)})
	}
	in.total = total
	for _, f := range []struct {
		name string // the key of its name: stats.seats.count_<name>
		n    int64
	}{{"valid", t.Valid}, {"blank", t.Blank}, {"cast", t.Cast}, {"registered", t.Registered}} {
		if f.n < 0 {
			return bad("count_negative", map[string]any{"Count": locales.Key("stats.seats.count_" + f.name), "Value": f.n})
		}
	}
	if t.Blank > math.MaxInt64-t.Valid {
		return bad("valid_blank_overflow", map[string]any{"Max": int64(math.MaxInt64)})
	}
	if c.System.Kind == iltod.BlockVote {
		for i, v := range in.votes {
			if v > t.Valid {
				return bad("block_choice_over", map[string]any{"Choice": c.Choices[i].Code, "Votes": v, "Valid": t.Valid})
			}
		}
		max := new(big.Int).Mul(big.NewInt(t.Valid), big.NewInt(int64(c.Seats)))
		if big.NewInt(total).Cmp(max) > 0 {
			return bad("block_total_over", map[string]any{"Total": total, "Seats": c.Seats, "Valid": t.Valid})
		}
	} else if total > t.Valid {
		return bad("total_over", map[string]any{"Total": total, "Valid": t.Valid})
	}
	if t.Cast != 0 && t.Cast < t.Valid+t.Blank {
		return bad("cast_short", map[string]any{"Cast": t.Cast, "Valid": t.Valid, "Blank": t.Blank})
	}
	if c.System.MinTurnout > 0 && (t.Registered == 0 || t.Cast == 0) {
		return bad("turnout_counts", nil)
	}
	switch {
	case o.Round < 0 || o.Round > 2:
		return bad("round", map[string]any{"Round": o.Round})
	case o.Round != 0 && c.System.Kind != iltod.TwoRound:
		return bad("round_kind", map[string]any{"Kind": string(c.System.Kind)})
	}
	if o.Lot != nil {
		in.ties.Lot = make([]int, len(c.Choices))
		for i := range in.ties.Lot {
			in.ties.Lot[i] = -1
		}
		for place, code := range o.Lot {
			i, ok := index[code]
			if !ok {
				return bad("lot_unknown", map[string]any{"Choice": strconv.Quote(code)})
			}
			if in.ties.Lot[i] >= 0 {
				return bad("lot_choice_twice", map[string]any{"Choice": strconv.Quote(code)})
			}
			in.ties.Lot[i] = place
		}
	}
	return in, nil
}

// withVotes returns the indices of the choices with votes.
func (in *input) withVotes() []int {
	var out []int
	for i, v := range in.votes {
		if v > 0 {
			out = append(out, i)
		}
	}
	return out
}

// byVotes compares two choices by their votes.
func (in *input) byVotes(a, b int) int { return cmp.Compare(in.votes[a], in.votes[b]) }

// codes returns the choice codes of indices.
func (in *input) codes(indices []int) []string {
	out := make([]string, len(indices))
	for j, i := range indices {
		out[j] = in.c.Choices[i].Code
	}
	return out
}

// tied records an unbroken tie in r, for seats or, with runoff, places in the runoff.
func (in *input) tied(r *Result, tie *Tie, runoff bool) {
	r.Outcome = OutcomeTie
	r.Tied, r.TiedSeats = in.codes(tie.Among), tie.Seats
	rule := in.ties.Rule
	if rule == "" {
		rule = iltod.TieLot
	}
	key := "tie_seat"
	if runoff {
		key = "tie_place"
	}
	if tie.Seats != 1 {
		key += "s"
	}
	r.Reason = reason(key, args{"Count": num(len(tie.Among)), "Seats": num(tie.Seats), "Rule": iltod.Lit(rule)})
}

// args are the arguments of a reason's message.
type args = map[string]iltod.Message

// reason returns the catalogue's reason stats.seats.<name> with a, in every language.
func reason(name string, a args) iltod.Text { return message(name, a).All() }

func message(name string, a args) iltod.Message { return iltod.Msg("stats.seats."+name, a) }

// num is an integer for a reason, written in digits.
func num[T int | int64](n T) iltod.Message { return iltod.Lit(strconv.FormatInt(int64(n), 10)) }

// elect gives one seat to each of winners, most votes first.
func (in *input) elect(r *Result, winners []int) {
	w := append([]int(nil), winners...)
	sortByVotes(w, in.votes)
	for _, i := range w {
		r.Seats[in.c.Choices[i].Code]++
	}
	r.Elected = in.codes(w)
}

func (in *input) fptp(r *Result) {
	s := in.c.System
	r.Base, r.BaseVotes = iltod.BaseValid, in.t.Valid
	r.Unfilled = 1
	cands := in.withVotes()
	if len(cands) == 0 {
		r.Outcome, r.Reason = OutcomeUnfilled, reason("no_candidate_votes", nil)
		return
	}
	winners, tie := pick(cands, 1, in.byVotes, in.votes, in.ties)
	top := in.votes[cands[0]]
	for _, i := range cands {
		top = max(top, in.votes[i])
	}
	var why []iltod.Message
	if s.MinTurnout > 0 && !atLeast(in.t.Cast, in.t.Registered, s.MinTurnout) {
		why = append(why, message("turnout_low", args{"Turnout": iltod.Lit(pctBelow(in.t.Cast, in.t.Registered, s.MinTurnout)),
			"Required": iltod.Lit(percent(s.MinTurnout))}))
	}
	if s.MinShare > 0 && !atLeast(top, in.t.Valid, s.MinShare) {
		why = append(why, message("share_low", args{"Share": iltod.Lit(pctBelow(top, in.t.Valid, s.MinShare)),
			"Required": iltod.Lit(percent(s.MinShare))}))
	}
	if len(why) > 0 {
		r.Outcome, r.Reason = OutcomeUnfilled, joinReasons(why).All()
		return
	}
	if tie != nil {
		in.tied(r, tie, false)
		return
	}
	in.elect(r, winners)
	r.Unfilled = 0
}

func (in *input) block(r *Result) {
	seats := in.c.Seats
	r.Base, r.BaseVotes = iltod.BaseValid, in.t.Valid
	cands := in.withVotes()
	winners, tie := pick(cands, seats, in.byVotes, in.votes, in.ties)
	in.elect(r, winners)
	r.Unfilled = seats - len(winners)
	switch {
	case tie != nil:
		in.tied(r, tie, false)
	case len(cands) == 0:
		r.Outcome, r.Reason = OutcomeUnfilled, reason("no_candidate_votes", nil)
	case r.Unfilled > 0:
		r.Outcome = OutcomeUnfilled
		r.Reason = reason("few_candidates", args{"Count": num(len(cands)), "Seats": num(seats)})
	}
}

func (in *input) twoRound(r *Result, runoff bool) {
	s := in.c.System
	r.Base, r.BaseVotes = s.MajorityBase, in.base(s.MajorityBase)
	r.Unfilled = 1
	cands := in.withVotes()
	var top int64
	for _, i := range cands {
		top = max(top, in.votes[i])
	}
	if moreThan(top, r.BaseVotes, s.Majority) {
		// Only a Majority below one half lets two candidates pass; the most votes win.
		winners, tie := pick(cands, 1, in.byVotes, in.votes, in.ties)
		if tie != nil {
			in.tied(r, tie, false)
			return
		}
		in.elect(r, winners)
		r.Unfilled = 0
		return
	}
	short := message("no_majority", args{"Majority": iltod.Lit(percent(s.Majority)), "Base": baseText(s.MajorityBase),
		"Top": iltod.Lit(pct(top, r.BaseVotes))})
	if runoff {
		r.Outcome, r.Reason = OutcomeVoid, reason("runoff_void", args{"Short": short})
		return
	}
	if len(cands) < 2 {
		r.Outcome = OutcomeUnfilled
		r.Reason = reason("no_opponent", args{"Short": short, "Count": num(len(cands))})
		return
	}
	two, tie := pick(cands, 2, in.byVotes, in.votes, in.ties)
	sortByVotes(two, in.votes)
	r.Runoff = in.codes(two)
	if tie != nil {
		in.tied(r, tie, true)
		return
	}
	r.Outcome, r.Reason = OutcomeRunoff, reason("runoff", args{"Short": short})
}

func (in *input) listPR(r *Result, o Options) error {
	s := in.c.System
	r.Base = s.ThresholdBase
	if r.Base == "" {
		r.Base = iltod.BaseListValid
	}
	r.BaseVotes = in.base(r.Base)
	votes := append([]int64(nil), in.votes...)
	below, err := in.below(r.BaseVotes, o)
	if err != nil {
		return err
	}
	for i, out := range below {
		if out {
			votes[i] = 0
			r.Excluded = append(r.Excluded, in.c.Choices[i].Code)
		}
	}
	if s.Mixed != "" {
		r.Won = make(map[string]int, len(in.c.Choices))
		for _, ch := range in.c.Choices {
			r.Won[ch.Code] = o.Won[ch.Code]
		}
	}
	if t, _ := sum(votes); t == 0 {
		r.Outcome, r.Unfilled = OutcomeUnfilled, in.c.Seats
		r.Reason = reason("no_list_votes", nil)
		if in.total > 0 {
			r.Reason = reason("below_threshold", args{"Threshold": iltod.Lit(percent(s.Threshold)), "Base": baseText(r.Base)})
		}
		return nil
	}
	switch {
	case s.Mixed == iltod.MixedMMP:
		return in.mmp(r, votes, o)
	case s.Mixed == iltod.MixedAMS:
		return in.ams(r, votes, o)
	case len(s.Alliances) > 0:
		return in.allied(r, votes, below)
	}
	a, err := Apportion(s.Method, votes, in.c.Seats, in.ties)
	if err != nil {
		return fmt.Errorf("contest %s: %w", in.c.Code, err)
	}
	for i, n := range a.Seats {
		if n > 0 {
			r.Seats[in.c.Choices[i].Code] = n
			r.Elected = append(r.Elected, in.c.Choices[i].Code)
		}
	}
	if a.Tie != nil {
		in.tied(r, a.Tie, false)
		r.Unfilled = a.Tie.Seats
	}
	return nil
}

// base returns the size of a base.
func (in *input) base(name string) int64 {
	switch name {
	case iltod.BaseValidAndBlank:
		return in.t.Valid + in.t.Blank
	case iltod.BaseListValid:
		return in.total
	default:
		return in.t.Valid
	}
}

// baseText names a base in reasons: "of valid votes".
func baseText(base string) iltod.Message {
	switch base {
	case iltod.BaseValid, iltod.BaseValidAndBlank, iltod.BaseListValid:
		return message("base_"+base, nil)
	}
	return iltod.Lit(base)
}

// sortByVotes sorts indices by votes, most first, keeping the order of equal ones.
func sortByVotes(indices []int, votes []int64) {
	slices.SortStableFunc(indices, func(a, b int) int { return cmp.Compare(votes[b], votes[a]) })
}

// pct formats v/base as a percentage with two decimals.
func pct(v, base int64) string {
	return strconv.FormatFloat(100*ratio(v, base), 'f', 2, 64) + "%"
}

// pctBelow formats v/base, which is less than share, as a percentage with two decimals,
// or with more if two would round it up to share (49.995% is not shown as 50.00%).
func pctBelow(v, base int64, share float64) string {
	for d := 2; ; d++ {
		s := strconv.FormatFloat(100*ratio(v, base), 'f', d, 64)
		if f, _ := strconv.ParseFloat(s, 64); f < 100*share || d == 6 {
			return s + "%"
		}
	}
}

// percent formats a share such as 0.28 as "28%".
func percent(share float64) string {
	return strconv.FormatFloat(share*100, 'g', 10, 64) + "%"
}

// joinReasons joins reasons: "A, and B".
func joinReasons(why []iltod.Message) iltod.Message {
	m := why[0]
	for _, w := range why[1:] {
		m = message("and", args{"First": m, "Second": w})
	}
	return m
}
