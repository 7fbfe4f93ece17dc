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
//
// The slice has room for two more results (the intake appends CheckGeofence's and
// CheckDeviceClock's). The results' messages share storage with the sheet and with each
// other: callers MUST NOT modify them.
func (s *Sheet) Check(answers map[string]iltod.Value) []iltod.CheckResult {
	c := &checker{s: s, answers: answers}
	if n := s.pre.results + len(s.rules); n > 0 { // else nil, as ever, unless a check adds one
		c.out, c.msgs = make([]iltod.CheckResult, 0, n+2), make([]iltod.Message, 0, n)
	}
	if s.Form.Kind == iltod.Results {
		for _, code := range builtinOrder {
			if s.cfg.disabled[code] {
				continue
			}
			c.code = code
			c.builtin(code)
		}
	}
	for _, r := range s.rules {
		code, outcome, contest, d := s.evalRule(r, answers)
		c.out = append(c.out, c.result(code, outcome, contest, d))
	}
	return c.out
}

// scopeTally is a contest and a tally ("", iltod.TallyManual or iltod.TallyMachine).
type scopeTally struct{ contest, tally string }

// prepared is what Check needs of a sheet that does not depend on the answers, built
// once by Expand: Check runs on every report, Expand once per form and station.
type prepared struct {
	scopes   []string                     // "" (the station) followed by the sheet's contests
	tallies  map[string][]string          // contest → its tallies (see tallies)
	choices  map[scopeTally][]Item        // see choices
	sumNames map[scopeTally]iltod.Message // sumName of the choices
	tagNames map[scopeTally]iltod.Message // tagsName of the choices
	// registered is, for each scope, the item bound to registered that registered
	// reads, with its source message.
	registered map[string]regSource
	pairs      map[string][]pair        // contest → the choices counted by machine and by hand
	tolerance  iltod.Message            // the reconciliation tolerance, as a literal
	equals     map[string]iltod.Message // tag → "tag = ", as rules show the answers they read
	results    int                      // how many results the built-in checks give
}

type regSource struct {
	it  Item
	src iltod.Message
}

// pair is a choice counted by machine and by hand (or untallied).
type pair struct{ machine, manual Item }

// prepare fills s.pre from the sheet's questions; Expand calls it last.
func (s *Sheet) prepare() {
	p := &s.pre
	p.scopes = append([]string{""}, s.order...)
	p.tallies = map[string][]string{}
	p.choices = map[scopeTally][]Item{}
	p.sumNames = map[scopeTally]iltod.Message{}
	p.tagNames = map[scopeTally]iltod.Message{}
	p.registered = map[string]regSource{}
	p.pairs = map[string][]pair{}
	for _, code := range s.order {
		p.tallies[code] = s.findTallies(code)
		for _, t := range []string{"", iltod.TallyManual, iltod.TallyMachine} {
			k := scopeTally{code, t}
			items := s.findChoices(code, t)
			if items == nil {
				continue
			}
			p.choices[k] = items
			p.tagNames[k] = tagsName(items)
			p.sumNames[k] = sumName(items)
		}
		manual := map[string]Item{}
		for _, t := range []string{"", iltod.TallyManual} {
			for _, it := range p.choices[scopeTally{code, t}] {
				manual[it.Choice] = it
			}
		}
		for _, m := range p.choices[scopeTally{code, iltod.TallyMachine}] {
			if h, ok := manual[m.Choice]; ok {
				p.pairs[code] = append(p.pairs[code], pair{m, h})
			}
		}
	}
	for _, sc := range p.scopes {
		if it, ok := s.item(iltod.CountRegistered, sc, "", iltod.TallyManual, iltod.TallyMachine); ok {
			p.registered[sc] = regSource{it, msg("qa.source.answer", args{"Tag": iltod.Lit(it.Tag)})}
		}
	}
	p.tolerance = iltod.Lit(formatPPM(s.cfg.reconcilePPM))
	p.equals = make(map[string]iltod.Message, len(s.Questions))
	for _, it := range s.Questions {
		p.equals[it.Tag] = iltod.Lit(it.Tag + " = ")
	}
	if s.Form.Kind == iltod.Results {
		c := &checker{s: s}
		for _, code := range builtinOrder {
			if !s.cfg.disabled[code] {
				c.builtin(code)
			}
		}
		p.results = len(c.out) // which checks give a result depends on the sheet alone
	}
}

// builtin runs the built-in check code, and reports whether there is one. It calls each
// check directly, so that the checker, scratch space and all, stays on the stack.
func (c *checker) builtin(code string) bool {
	switch code {
	case OverVoting:
		c.overVoting()
	case ValidSum:
		c.validSum()
	case CastSum:
		c.castSum()
	case Reconciliation:
		c.reconciliation()
	case BlockCandidateLECast:
		c.blockCandidate()
	case BlockSumLESeatsValid:
		c.blockSum()
	case MachineManual:
		c.machineManual()
	default:
		return false
	}
	return true
}

type checker struct {
	s       *Sheet
	answers map[string]iltod.Value
	code    string
	out     []iltod.CheckResult
	// msgs holds the results' messages, so that all are one allocation (see result).
	msgs []iltod.Message
}

// scratch is room on the stack for the figures of one check: most have fewer.
type scratch [16]fig

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

// appendTo appends f's String to b.
func (f fig) appendTo(b []byte) []byte {
	b = append(b, f.tag...)
	b = append(b, ' ')
	return strconv.AppendInt(b, f.v, 10)
}

// joinFigs writes the usable figures of figs that are above limit (or, if above is
// false, not above it) as the checks' details list them: "BI 900, BC 898".
func joinFigs(figs []fig, limit int64, above bool) string {
	var buf [128]byte
	b := buf[:0]
	n := 0
	for _, f := range figs {
		if f.ok && (f.v > limit) == above {
			if n > 0 {
				b = append(b, ", "...)
			}
			b = f.appendTo(b)
			n++
		}
	}
	return string(b)
}

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
		for i := range s.Questions {
			if it := &s.Questions[i]; it.Count == count && it.Contest == contest && it.Choice == "" && it.Tally == t {
				return *it, true
			}
		}
	}
	return Item{}, false
}

// registered returns the registered voters for a scope ("" or a contest code) and where
// the figure came from: the answer bound to registered in that scope, else the
// station-wide one, else the station's register.
func (s *Sheet) registered(answers map[string]iltod.Value, contest string) (int64, iltod.Message) {
	if contest != "" {
		if r, ok := s.registeredIn(answers, contest); ok {
			return r.i, s.pre.registered[contest].src
		}
	}
	if r, ok := s.registeredIn(answers, ""); ok {
		return r.i, s.pre.registered[""].src
	}
	return int64(s.Station.Registered), msg("qa.source.register", nil)
}

// registeredIn returns the usable answer bound to registered in scope.
func (s *Sheet) registeredIn(answers map[string]iltod.Value, scope string) (val, bool) {
	r, ok := s.pre.registered[scope]
	if !ok {
		return unknown, false
	}
	v, given := answers[r.it.Tag]
	if !given {
		return unknown, false
	}
	return usable(r.it.Question, v)
}

// result returns a CheckResult whose detail is m, to be written in the reader's language
// (CheckResult.DetailIn). Its Detail is left empty: writing every check's English at
// intake cost a fifth of QA (pprof of BenchmarkIngest) and a third of a stored report's
// bytes, for a text that few ever read and that Msg gives in any language.
func result(code string, outcome iltod.CheckOutcome, contest string, m iltod.Message) iltod.CheckResult {
	return iltod.CheckResult{Code: code, Outcome: outcome, Contest: contest, Msg: &m}
}

// result is the package's result, its message kept in c.msgs while there is room.
func (c *checker) result(code string, outcome iltod.CheckOutcome, contest string, m iltod.Message) iltod.CheckResult {
	if len(c.msgs) == cap(c.msgs) {
		return result(code, outcome, contest, m)
	}
	c.msgs = append(c.msgs, m)
	return iltod.CheckResult{Code: code, Outcome: outcome, Contest: contest, Msg: &c.msgs[len(c.msgs)-1]}
}

func (c *checker) add(contest, tally string, outcome iltod.CheckOutcome, detail iltod.Message) {
	switch tally {
	case iltod.TallyMachine:
		detail = msg("qa.check.tally_machine", args{"Detail": detail})
	case iltod.TallyManual:
		detail = msg("qa.check.tally_manual", args{"Detail": detail})
	}
	c.out = append(c.out, c.result(c.code, outcome, contest, detail))
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
	var parts []iltod.Message
	var names []string
outer:
	for i, a := range list {
		for _, b := range list[:i] {
			if b.why == a.why {
				continue outer // listed with its reason's first answer
			}
		}
		names = names[:0]
		for _, b := range list[i:] {
			if b.why == a.why {
				names = append(names, b.name)
			}
		}
		parts = append(parts, msg(a.why, args{"Tags": listOf(names)}))
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

// scopes returns "" (the station) followed by the sheet's contests. The slice is the
// sheet's own: callers MUST NOT modify it.
func (s *Sheet) scopes() []string { return s.pre.scopes }

// overVoting: every issued and cast figure of a scope is at most registered plus the
// allowance.
func (c *checker) overVoting() {
	var sc scratch
	for _, scope := range c.s.scopes() {
		figs := sc[:0]
		for i := range c.s.Questions {
			if it := &c.s.Questions[i]; it.Contest == scope && (it.Count == iltod.CountIssued || it.Count == iltod.CountCast) {
				figs = append(figs, c.read(*it))
			}
		}
		if len(figs) == 0 {
			continue
		}
		reg, src := c.s.registered(c.answers, scope)
		allow := max(c.s.cfg.overVoteBallots, mulDivFloor(reg, c.s.cfg.overVotePPM))
		limit := reg + allow
		over := false
		for _, f := range figs {
			over = over || f.ok && f.v > limit
		}
		switch {
		case over:
			c.add(scope, "", iltod.CheckFail, msg("qa.check.over_voting_fail", args{"Registered": num(reg), "Source": src,
				"Allowance": num(allow), "Figures": iltod.Lit(joinFigs(figs, limit, true))}))
		case !allOK(figs):
			c.skip(scope, "", figs)
		default:
			c.add(scope, "", iltod.CheckPass, msg("qa.check.over_voting_pass", args{"Registered": num(reg), "Source": src,
				"Allowance": num(allow), "Figures": iltod.Lit(joinFigs(figs, limit, false))}))
		}
	}
}

// tallies are the tallies a contest's choices are counted by on the sheet, manual
// (and untallied) first.
func (s *Sheet) tallies(contest string) []string { return s.pre.tallies[contest] }

func (s *Sheet) findTallies(contest string) []string {
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

// choices returns the items counting the votes of contest's choices by tally. The slice
// is the sheet's own: callers MUST NOT modify it.
func (s *Sheet) choices(contest, tally string) []Item {
	return s.pre.choices[scopeTally{contest, tally}]
}

func (s *Sheet) findChoices(contest, tally string) []Item {
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
	var sc scratch
	figs := append(sc[:0], total)
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
	tags := iltod.Join("", c.s.pre.sumNames[scopeTally{contest, tally}], iltod.Lit(" "+strconv.FormatInt(sum, 10)))
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
		var sc scratch
		figs := append(sc[:0], c.read(cast), c.read(valid), c.read(invalid))
		if blank, ok := c.s.item(iltod.CountBlank, code, "", iltod.TallyManual); ok {
			figs = append(figs, c.read(blank))
		}
		if !allOK(figs) {
			c.skip(code, "", figs)
			continue
		}
		var sum int64
		for _, f := range figs[1:] {
			sum += f.v
		}
		var buf [128]byte
		b := buf[:0]
		if figs[0].v == sum {
			b = figs[0].appendTo(b) // "CB 700 = CV 690 + CI 10"
			b = append(b, " = "...)
		}
		start := len(b)
		for i, f := range figs[1:] {
			if i > 0 {
				b = append(b, " + "...)
			}
			b = f.appendTo(b)
		}
		if figs[0].v == sum {
			c.add(code, "", iltod.CheckPass, iltod.Lit(string(b)))
		} else {
			b = append(b, " = "...)
			b = strconv.AppendInt(b, sum, 10)
			c.add(code, "", iltod.CheckFail, msg("qa.check.sum_differs", args{"Total": figs[0].lit(),
				"Sum": iltod.Lit(string(b[start:])), "Difference": num(figs[0].v - sum)}))
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
			figs := []fig{fc, fi}
			c.skip(scope, "", figs)
			continue
		}
		allow := mulDivFloor(fi.v, c.s.cfg.reconcilePPM)
		diff := fc.v - fi.v
		d := msg("qa.check.reconciliation", args{"Cast": fc.lit(), "Issued": fi.lit(), "Difference": num(abs64(diff)),
			"Tolerance": c.s.pre.tolerance, "Base": num(fi.v), "Allowed": num(allow)})
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
			var sc scratch
			figs := append(sc[:0], fb)
			over := 0
			for _, it := range c.s.choices(code, tally) {
				f := c.read(it)
				figs = append(figs, f)
				if f.ok && fb.ok && f.v > fb.v {
					over++
				}
			}
			switch {
			case over > 0:
				list := make([]string, 0, over)
				for _, f := range figs[1:] {
					if f.ok && f.v > fb.v {
						list = append(list, f.String())
					}
				}
				c.add(code, tally, iltod.CheckFail, iltod.Join(" > ", listOf(list), fb.lit()))
			case !allOK(figs):
				c.skip(code, tally, figs)
			default:
				c.add(code, tally, iltod.CheckPass, msg("qa.check.each_at_most", args{"Tags": c.s.pre.tagNames[scopeTally{code, tally}], "Bound": fb.lit()}))
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
			var sc scratch
			figs := append(sc[:0], c.read(valid))
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
			d := args{"Sum": iltod.Join("", c.s.pre.sumNames[scopeTally{code, tally}], iltod.Lit(" "+strconv.FormatInt(sum, 10))), "Seats": num(contest.Seats),
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
		var sc scratch
		figs := sc[:0]
		var off []iltod.Message
		pairs := 0
		for _, p := range c.s.pre.pairs[code] {
			pairs++
			fm, fh := c.read(p.machine), c.read(p.manual)
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
