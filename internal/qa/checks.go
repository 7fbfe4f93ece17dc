package qa

import (
	"math/bits"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
)

// Check runs the built-in checks that apply to the sheet (results forms only; those the
// form's checks.disable names do not run), then the form's rules in form order, and
// returns one CheckResult per check and scope: the built-ins in the order of Builtins(),
// each once per contest (and per tally where a contest is counted twice), then one result
// per rule.
//
// A check passes only when every answer it needs is given and the condition holds; it
// fails as soon as the answers given prove the condition false; otherwise it is skipped.
// A missing answer, an answer of "not applicable" (iltod.NA), and an answer of the wrong
// kind for its question are never read as zero. Answers are not otherwise validated: run
// ValidateAnswers for that. The same answers always give the same results.
func (s *Sheet) Check(answers map[string]iltod.Value) []iltod.CheckResult {
	var out []iltod.CheckResult
	if s.Form.Kind == iltod.Results {
		c := &checker{s: s, answers: answers}
		for _, code := range builtinOrder {
			if s.cfg.disabled[code] {
				continue
			}
			c.code = code
			builtins[code](c)
		}
		out = c.out
	}
	for _, r := range s.rules {
		out = append(out, s.run(r, answers))
	}
	return out
}

var builtins = map[string]func(*checker){
	OverVoting:           (*checker).overVoting,
	ValidSum:             (*checker).validSum,
	CastSum:              (*checker).castSum,
	Reconciliation:       (*checker).reconciliation,
	BlockCandidateLECast: (*checker).blockCandidate,
	BlockSumLESeatsValid: (*checker).blockSum,
	MachineManual:        (*checker).machineManual,
}

type checker struct {
	s       *Sheet
	answers map[string]iltod.Value
	code    string
	out     []iltod.CheckResult
}

// fig is one figure read from the answers.
type fig struct {
	tag   string
	v     int64
	ok    bool   // answered with a usable whole number
	why   string // why not: one of the reasons below
	found bool   // the question is on the sheet
}

// The reasons an answer a check needs is absent, as the keys of the messages that list
// the answers absent for that reason ("not answered: CV, K3").
const (
	notAnswered   = "qa.absent.not_answered"
	notApplicable = "qa.absent.not_applicable"
	notValid      = "qa.absent.not_valid"
	notHere       = "qa.absent.not_here"
	notAsked      = "qa.absent.not_asked"
	noContest     = "qa.absent.no_contest"
)

// String writes a usable figure as the checks' details show it: "CB 1021".
func (f fig) String() string { return f.tag + " " + strconv.FormatInt(f.v, 10) }

// lit is f's String as a literal.
func (f fig) lit() iltod.Message { return iltod.Lit(f.String()) }

func (c *checker) read(it Item) fig {
	f := fig{tag: it.Tag, found: true}
	v, given := c.answers[it.Tag]
	switch {
	case !given:
		f.why = notAnswered
	case v.Kind == iltod.NA:
		f.why = notApplicable
	case v.Kind != iltod.Int || v.Int > iltod.MaxSafeInt || v.Int < -iltod.MaxSafeInt:
		f.why = notValid
	default:
		f.v, f.ok = v.Int, true
	}
	return f
}

// item returns the item counting count in contest with the first of the tallies that the
// sheet has.
func (s *Sheet) item(count iltod.CountKind, contest string, tallies ...string) (Item, bool) {
	for _, t := range tallies {
		for _, it := range s.Questions {
			if it.Count == count && it.Contest == contest && it.Choice == "" && it.Tally == t {
				return it, true
			}
		}
	}
	return Item{}, false
}

// registered returns the registered voters for a scope ("" or a contest code) and where
// the figure came from: the answer bound to registered in that scope, else the
// station-wide one, else the station's register.
func (s *Sheet) registered(answers map[string]iltod.Value, contest string) (int64, iltod.Message) {
	scopes := []string{""}
	if contest != "" {
		scopes = []string{contest, ""}
	}
	for _, sc := range scopes {
		if it, ok := s.item(iltod.CountRegistered, sc, "", iltod.TallyManual, iltod.TallyMachine); ok {
			if v, given := answers[it.Tag]; given {
				if u, ok := usable(it.Question, v); ok {
					return u.i, msg("qa.source.answer", args{"Tag": iltod.Lit(it.Tag)})
				}
			}
		}
	}
	return int64(s.Station.Registered), msg("qa.source.register", nil)
}

// result returns a CheckResult whose detail is m: Msg for the reader's language, Detail
// its English, which reports have always stored.
func result(code string, outcome iltod.CheckOutcome, contest string, m iltod.Message) iltod.CheckResult {
	return iltod.CheckResult{Code: code, Outcome: outcome, Contest: contest, Detail: m.English(), Msg: &m}
}

func (c *checker) add(contest, tally string, outcome iltod.CheckOutcome, detail iltod.Message) {
	if tally == iltod.TallyMachine || tally == iltod.TallyManual {
		detail = msg("qa.check.tally_"+tally, args{"Detail": detail})
	}
	c.out = append(c.out, result(c.code, outcome, contest, detail))
}

// skip reports a check that could not run for want of answers.
func (c *checker) skip(contest, tally string, figs []fig) {
	var list []absent
	for _, f := range figs {
		if !f.ok {
			list = append(list, absent{f.tag, f.why})
		}
	}
	c.add(contest, tally, iltod.CheckSkipped, absentList(list))
}

// absent is an answer a check needed and did not have.
type absent struct{ name, why string }

// absentList groups absent answers by reason: "not answered: CV, K3; not applicable: CX".
// An absent answer's why is the key of its reason's message.
func absentList(list []absent) iltod.Message {
	var reasons []string
	byReason := map[string][]string{}
	for _, a := range list {
		if _, ok := byReason[a.why]; !ok {
			reasons = append(reasons, a.why)
		}
		byReason[a.why] = append(byReason[a.why], a.name)
	}
	parts := make([]iltod.Message, len(reasons))
	for i, r := range reasons {
		parts[i] = msg(r, args{"Tags": listOf(byReason[r])})
	}
	return iltod.Join("; ", parts...)
}

// listOf joins items, keeping at most five and counting the rest.
func listOf(items []string) iltod.Message {
	const keep = 5
	if len(items) <= keep {
		return iltod.Lit(strings.Join(items, ", "))
	}
	return iltod.MsgN("qa.check.and_more", len(items)-keep, args{"List": iltod.Lit(strings.Join(items[:keep], ", "))})
}

func allOK(figs []fig) bool {
	for _, f := range figs {
		if !f.ok {
			return false
		}
	}
	return true
}

// scopes returns "" (the station) followed by the sheet's contests.
func (s *Sheet) scopes() []string { return append([]string{""}, s.order...) }

// overVoting: every issued and cast figure of a scope is at most registered plus the
// allowance.
func (c *checker) overVoting() {
	for _, scope := range c.s.scopes() {
		var figs []fig
		for _, it := range c.s.Questions {
			if it.Contest == scope && (it.Count == iltod.CountIssued || it.Count == iltod.CountCast) {
				figs = append(figs, c.read(it))
			}
		}
		if len(figs) == 0 {
			continue
		}
		reg, src := c.s.registered(c.answers, scope)
		allow := max(c.s.cfg.overVoteBallots, mulDivFloor(reg, c.s.cfg.overVotePPM))
		limit := reg + allow
		var over, within []string
		for _, f := range figs {
			if !f.ok {
				continue
			}
			if f.v > limit {
				over = append(over, f.String())
			} else {
				within = append(within, f.String())
			}
		}
		bound := args{"Registered": num(reg), "Source": src, "Allowance": num(allow)}
		switch {
		case len(over) > 0:
			bound["Figures"] = iltod.Lit(strings.Join(over, ", "))
			c.add(scope, "", iltod.CheckFail, msg("qa.check.over_voting_fail", bound))
		case !allOK(figs):
			c.skip(scope, "", figs)
		default:
			bound["Figures"] = iltod.Lit(strings.Join(within, ", "))
			c.add(scope, "", iltod.CheckPass, msg("qa.check.over_voting_pass", bound))
		}
	}
}

// tallies are the tallies a contest's choices are counted by on the sheet, manual
// (and untallied) first.
func (s *Sheet) tallies(contest string) []string {
	var out []string
	for _, t := range []string{"", iltod.TallyManual, iltod.TallyMachine} {
		for _, it := range s.Questions {
			if it.Contest == contest && it.Count == iltod.CountChoice && it.Tally == t {
				out = append(out, t)
				break
			}
		}
	}
	return out
}

// choices returns the items counting the votes of contest's choices by tally.
func (s *Sheet) choices(contest, tally string) []Item {
	var out []Item
	for _, it := range s.Questions {
		if it.Contest == contest && it.Count == iltod.CountChoice && it.Tally == tally {
			out = append(out, it)
		}
	}
	return out
}

// totalItem returns the valid (or other) count to compare with votes counted by tally: a
// count by the same tally, or for a manual or untallied count of votes the untallied
// count. A machine count of votes is compared only with a machine count.
func (s *Sheet) totalItem(count iltod.CountKind, contest, tally string) (Item, bool) {
	if tally == iltod.TallyMachine {
		return s.item(count, contest, iltod.TallyMachine)
	}
	return s.item(count, contest, tally, "")
}

// castItem returns the ballots in the box to compare with votes counted by tally: those
// counted by the same tally, else the untallied count, since the ballots are the same
// whoever counts the votes on them.
func (s *Sheet) castItem(contest, tally string) (Item, bool) {
	return s.item(iltod.CountCast, contest, tally, "", iltod.TallyManual)
}

func singleChoice(k iltod.SystemKind) bool {
	return k == iltod.FPTP || k == iltod.TwoRound || k == iltod.ListPR
}

// validSum: in a single-choice contest, valid = Σ votes, for each tally whose votes
// cover every choice of the contest.
func (c *checker) validSum() {
	for _, code := range c.s.order {
		contest := c.s.contests[code]
		if !singleChoice(contest.System.Kind) {
			continue
		}
		for _, tally := range c.s.tallies(code) {
			valid, ok := c.s.totalItem(iltod.CountValid, code, tally)
			if !ok {
				continue
			}
			items := c.s.choices(code, tally)
			if len(items) < len(contest.Choices) {
				c.add(code, tally, iltod.CheckSkipped, iltod.MsgN("qa.check.counts_some_choices", len(contest.Choices),
					args{"Counted": num(len(items))}))
				continue
			}
			c.compareSum(code, tally, c.read(valid), items)
		}
	}
}

// compareSum checks total == Σ items.
func (c *checker) compareSum(contest, tally string, total fig, items []Item) {
	figs := []fig{total}
	for _, it := range items {
		figs = append(figs, c.read(it))
	}
	if !allOK(figs) {
		c.skip(contest, tally, figs)
		return
	}
	var sum int64
	for _, f := range figs[1:] {
		sum += f.v // at most MaxChoices values within ±2^53: no overflow
	}
	tags := iltod.Join("", sumName(items), iltod.Litf(" %d", sum))
	if sum == total.v {
		c.add(contest, tally, iltod.CheckPass, iltod.Join(" = ", total.lit(), tags))
		return
	}
	c.add(contest, tally, iltod.CheckFail, msg("qa.check.sum_differs", args{"Total": total.lit(), "Sum": tags, "Difference": num(total.v - sum)}))
}

// sumName names the sum of items: "sum(K1..K25)" or "sum(P1, P2, P3)".
func sumName(items []Item) iltod.Message {
	return iltod.Join("", iltod.Lit("sum("), tagsName(items), iltod.Lit(")"))
}

// tagsName names items: "K1..K25" for the expansion of one question, else their tags.
func tagsName(items []Item) iltod.Message {
	if len(items) > 1 && items[0].Question.Choice == iltod.EachChoice && items[0].Question == items[len(items)-1].Question {
		return iltod.Lit(items[0].Tag + ".." + items[len(items)-1].Tag)
	}
	tags := make([]string, len(items))
	for i, it := range items {
		tags[i] = it.Tag
	}
	return listOf(tags)
}

// castSum: cast = valid + invalid (+ blank), per contest where the sheet counts them.
func (c *checker) castSum() {
	for _, code := range c.s.order {
		cast, ok1 := c.s.item(iltod.CountCast, code, "", iltod.TallyManual)
		valid, ok2 := c.s.item(iltod.CountValid, code, "", iltod.TallyManual)
		invalid, ok3 := c.s.item(iltod.CountInvalid, code, "", iltod.TallyManual)
		if !ok1 || !ok2 || !ok3 {
			continue
		}
		figs := []fig{c.read(cast), c.read(valid), c.read(invalid)}
		if blank, ok := c.s.item(iltod.CountBlank, code, "", iltod.TallyManual); ok {
			figs = append(figs, c.read(blank))
		}
		if !allOK(figs) {
			c.skip(code, "", figs)
			continue
		}
		var sum int64
		parts := make([]string, 0, 3)
		for _, f := range figs[1:] {
			sum += f.v
			parts = append(parts, f.String())
		}
		rhs := strings.Join(parts, " + ")
		if figs[0].v == sum {
			c.add(code, "", iltod.CheckPass, iltod.Litf("%s = %s", figs[0], rhs))
		} else {
			c.add(code, "", iltod.CheckFail, msg("qa.check.sum_differs", args{"Total": figs[0].lit(),
				"Sum": iltod.Litf("%s = %d", rhs, sum), "Difference": num(figs[0].v - sum)}))
		}
	}
}

// reconciliation: |cast − issued| <= tolerance × issued, for the station's cast figure
// and each contest's, against the issued figure of the same scope or else the station's.
func (c *checker) reconciliation() {
	for _, scope := range c.s.scopes() {
		cast, ok := c.s.item(iltod.CountCast, scope, "", iltod.TallyManual, iltod.TallyMachine)
		if !ok {
			continue
		}
		issued, ok := c.s.item(iltod.CountIssued, scope, "", iltod.TallyManual, iltod.TallyMachine)
		if !ok && scope != "" {
			issued, ok = c.s.item(iltod.CountIssued, "", "", iltod.TallyManual, iltod.TallyMachine)
		}
		if !ok {
			continue
		}
		fc, fi := c.read(cast), c.read(issued)
		if !fc.ok || !fi.ok {
			c.skip(scope, "", []fig{fc, fi})
			continue
		}
		allow := mulDivFloor(fi.v, c.s.cfg.reconcilePPM)
		diff := fc.v - fi.v
		d := msg("qa.check.reconciliation", args{"Cast": fc.lit(), "Issued": fi.lit(), "Difference": num(abs64(diff)),
			"Tolerance": iltod.Lit(formatPPM(c.s.cfg.reconcilePPM)), "Base": num(fi.v), "Allowed": num(allow)})
		if abs64(diff) <= allow {
			c.add(scope, "", iltod.CheckPass, d)
		} else {
			c.add(scope, "", iltod.CheckFail, d)
		}
	}
}

// blockCandidate: in a block vote, each candidate's votes <= ballots in the box (or, if
// the form counts no ballots in the box for the contest, <= valid ballots).
func (c *checker) blockCandidate() {
	for _, code := range c.s.order {
		if c.s.contests[code].System.Kind != iltod.BlockVote {
			continue
		}
		for _, tally := range c.s.tallies(code) {
			bound, ok := c.s.castItem(code, tally)
			if !ok {
				if bound, ok = c.s.totalItem(iltod.CountValid, code, tally); !ok {
					continue
				}
			}
			fb := c.read(bound)
			figs := []fig{fb}
			var over []string
			for _, it := range c.s.choices(code, tally) {
				f := c.read(it)
				figs = append(figs, f)
				if f.ok && fb.ok && f.v > fb.v {
					over = append(over, f.String())
				}
			}
			switch {
			case len(over) > 0:
				c.add(code, tally, iltod.CheckFail, iltod.Join(" > ", listOf(over), fb.lit()))
			case !allOK(figs):
				c.skip(code, tally, figs)
			default:
				c.add(code, tally, iltod.CheckPass, msg("qa.check.each_at_most", args{"Tags": tagsName(c.s.choices(code, tally)), "Bound": fb.lit()}))
			}
		}
	}
}

// blockSum: in a block vote, Σ votes <= seats × valid ballots.
func (c *checker) blockSum() {
	for _, code := range c.s.order {
		contest := c.s.contests[code]
		if contest.System.Kind != iltod.BlockVote {
			continue
		}
		for _, tally := range c.s.tallies(code) {
			valid, ok := c.s.totalItem(iltod.CountValid, code, tally)
			if !ok {
				continue
			}
			items := c.s.choices(code, tally)
			figs := []fig{c.read(valid)}
			for _, it := range items {
				figs = append(figs, c.read(it))
			}
			if !allOK(figs) {
				c.skip(code, tally, figs)
				continue
			}
			var sum int64
			for _, f := range figs[1:] {
				sum += f.v
			}
			limit, ok := mul64(int64(contest.Seats), figs[0].v)
			d := args{"Sum": iltod.Join("", sumName(items), iltod.Litf(" %d", sum)), "Seats": num(contest.Seats),
				"Valid": figs[0].lit(), "Limit": num(limit)}
			if ok && sum <= limit {
				c.add(code, tally, iltod.CheckPass, msg("qa.check.block_sum_pass", d))
			} else {
				c.add(code, tally, iltod.CheckFail, msg("qa.check.block_sum_fail", d))
			}
		}
	}
}

// machineManual: for each choice counted by machine and by hand, |machine − manual| <=
// tolerance. An untallied count stands for the manual one when there is none.
func (c *checker) machineManual() {
	tol := c.s.cfg.machineManual
	for _, code := range c.s.order {
		machine := c.s.choices(code, iltod.TallyMachine)
		if len(machine) == 0 {
			continue
		}
		manual := map[string]Item{}
		for _, t := range []string{"", iltod.TallyManual} {
			for _, it := range c.s.choices(code, t) {
				manual[it.Choice] = it
			}
		}
		var figs []fig
		var off []iltod.Message
		pairs := 0
		for _, m := range machine {
			h, ok := manual[m.Choice]
			if !ok {
				continue
			}
			pairs++
			fm, fh := c.read(m), c.read(h)
			figs = append(figs, fm, fh)
			if fm.ok && fh.ok {
				if d := abs64(fm.v - fh.v); d > tol {
					off = append(off, msg("qa.check.machine_manual_pair", args{"Manual": fh.lit(), "Machine": fm.lit(), "Difference": num(d)}))
				}
			}
		}
		if pairs == 0 {
			continue
		}
		switch {
		case len(off) > 0:
			c.add(code, "", iltod.CheckFail, msg("qa.check.machine_manual_fail", args{"Pairs": listOfMessages(off), "Tolerance": num(tol)}))
		case !allOK(figs):
			c.skip(code, "", figs)
		default:
			c.add(code, "", iltod.CheckPass, iltod.MsgN("qa.check.machine_manual_pass", pairs, args{"Tolerance": num(tol)}))
		}
	}
}

// listOfMessages is listOf for items that hold words: the first five, and a count of the
// rest.
func listOfMessages(items []iltod.Message) iltod.Message {
	const keep = 5
	if len(items) <= keep {
		return iltod.Join(", ", items...)
	}
	return iltod.MsgN("qa.check.and_more", len(items)-keep, args{"List": iltod.Join(", ", items[:keep]...)})
}

// ---- exact arithmetic on shares ----

// mulDivFloor returns floor(n × ppm / 1,000,000) for 0 <= ppm <= 1,000,000, and 0 for
// n < 0.
func mulDivFloor(n, ppm int64) int64 {
	if n <= 0 || ppm <= 0 {
		return 0
	}
	hi, lo := bits.Mul64(uint64(n), uint64(ppm))
	q, _ := bits.Div64(hi, lo, million) // hi < million since ppm <= million
	return int64(q)
}

func formatPPM(p int64) string {
	s := strconv.FormatFloat(float64(p)/10_000, 'f', -1, 64)
	return s + "%"
}

func abs64(x int64) int64 {
	if x < 0 {
		return -x // x >= -2^54 here: no overflow
	}
	return x
}
