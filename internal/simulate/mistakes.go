package simulate

import (
	"maps"
	"math/rand/v2"
	"slices"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
)

// This file holds the mistakes observers make: a slipped digit that makes two observers
// disagree without breaking any check, and broken arithmetic that a check must catch.

// answered returns the whole-number answer to it, if there is one.
func answered(answers map[string]iltod.Value, it qa.Item) (int64, bool) {
	v, ok := answers[it.Tag]
	if !ok || v.Kind != iltod.Int {
		return 0, false
	}
	return v.Int, true
}

// manual reports whether a tally is the count of record: the hand count or no tally.
func manual(tally string) bool { return tally == "" || tally == iltod.TallyManual }

// figure returns the item that counts count in contest by the count of record.
func figure(s *qa.Sheet, count iltod.CountKind, contest string) (qa.Item, bool) {
	for _, it := range s.Questions {
		if it.Count == count && it.Contest == contest && manual(it.Tally) {
			return it, true
		}
	}
	return qa.Item{}, false
}

// twin returns the machine-tally item counting the same choice as it.
func twin(s *qa.Sheet, it qa.Item) (qa.Item, bool) {
	for _, m := range s.Questions {
		if m.Count == iltod.CountChoice && m.Contest == it.Contest && m.Choice == it.Choice && m.Tally == iltod.TallyMachine {
			return m, true
		}
	}
	return qa.Item{}, false
}

// contestsOf returns the codes of the contests the sheet counts, in sheet order.
func contestsOf(s *qa.Sheet) []string {
	var out []string
	for _, it := range s.Questions {
		if it.Contest != "" && !slices.Contains(out, it.Contest) {
			out = append(out, it.Contest)
		}
	}
	return out
}

// typos returns the numbers a hand copying v might write instead: two adjacent digits
// swapped, one digit off by one, a digit dropped or typed twice. No result has a leading
// zero, and v itself is never among them. The list is sorted.
func typos(v int64) []int64 {
	if v < 0 {
		return nil
	}
	s := strconv.FormatInt(v, 10)
	set := map[int64]bool{}
	add := func(t string) {
		if t == "" || (len(t) > 1 && t[0] == '0') {
			return
		}
		if n, err := strconv.ParseInt(t, 10, 64); err == nil && n != v {
			set[n] = true
		}
	}
	for i := 0; i+1 < len(s); i++ {
		b := []byte(s)
		b[i], b[i+1] = b[i+1], b[i]
		add(string(b))
	}
	for i := range len(s) {
		for _, d := range []int{-1, 1} {
			b := []byte(s)
			if c := int(b[i]-'0') + d; c >= 0 && c <= 9 {
				b[i] = byte('0' + c)
				add(string(b))
			}
		}
		if len(s) > 1 {
			add(s[:i] + s[i+1:])
		}
		add(s[:i+1] + s[i:])
	}
	return slices.Sorted(maps.Keys(set))
}

// typo makes one observer's honest results disagree with the others' on one field (two
// where the machine tally repeats it), as a slipped digit would, without breaking any
// check: either the registered voters (kept at or above every figure of ballots issued or cast), or a block-vote
// candidate's votes (kept within the ballots in the box and the seats × valid limit, and
// written the same in the machine tally if that agreed). It changes answers in place and
// returns the tags it changed, sorted, or nil if the sheet has nothing it can change
// safely.
func typo(s *qa.Sheet, answers map[string]iltod.Value, g *rand.Rand) []string {
	var tags []string
	registered := func() bool {
		var reg qa.Item
		var v int64
		found := false
		for _, it := range s.Questions {
			if it.Count == iltod.CountRegistered {
				if x, ok := answered(answers, it); ok {
					reg, v, found = it, x, true
					break
				}
			}
		}
		if !found {
			return false
		}
		var floor int64
		for _, it := range s.Questions {
			if it.Count == iltod.CountIssued || it.Count == iltod.CountCast {
				if x, ok := answered(answers, it); ok {
					floor = max(floor, x)
				}
			}
		}
		var ok []int64
		for _, t := range typos(v) {
			if t >= floor && fits(reg.Question, iltod.IntValue(t)) {
				ok = append(ok, t)
			}
		}
		if len(ok) == 0 {
			return false
		}
		answers[reg.Tag] = iltod.IntValue(ok[g.IntN(len(ok))])
		tags = append(tags, reg.Tag)
		return true
	}
	candidate := func() bool {
		type option struct {
			it, machine qa.Item
			hasMachine  bool
			values      []int64
		}
		var opts []option
		for _, code := range contestsOf(s) {
			valid, okv := figure(s, iltod.CountValid, code)
			nv, okv2 := answered(answers, valid)
			if !okv || !okv2 {
				continue
			}
			var items []qa.Item
			for _, it := range s.Questions {
				if it.Contest == code && it.Count == iltod.CountChoice && manual(it.Tally) && it.System == iltod.BlockVote {
					items = append(items, it)
				}
			}
			if len(items) == 0 {
				continue
			}
			bound := nv
			if cast, ok := figure(s, iltod.CountCast, code); ok {
				if nc, ok := answered(answers, cast); ok {
					bound = min(bound, nc)
				}
			}
			limit := int64(items[0].Seats) * nv
			var sum, msum int64
			for _, it := range items {
				x, _ := answered(answers, it)
				sum += x
				if m, ok := twin(s, it); ok {
					if y, ok := answered(answers, m); ok {
						msum += y
					}
				}
			}
			for _, it := range items {
				v, ok := answered(answers, it)
				if !ok || v < 10 {
					continue
				}
				o := option{it: it}
				if m, ok := twin(s, it); ok {
					if mv, ok := answered(answers, m); ok {
						if mv != v {
							continue // the machine already disagrees: leave this one alone
						}
						o.machine, o.hasMachine = m, true
					}
				}
				for _, t := range typos(v) {
					if t <= bound && sum-v+t <= limit && msum-v+t <= limit && fits(it.Question, iltod.IntValue(t)) &&
						(!o.hasMachine || fits(o.machine.Question, iltod.IntValue(t))) {
						o.values = append(o.values, t)
					}
				}
				if len(o.values) > 0 {
					opts = append(opts, o)
				}
			}
		}
		if len(opts) == 0 {
			return false
		}
		o := opts[g.IntN(len(opts))]
		t := o.values[g.IntN(len(o.values))]
		answers[o.it.Tag] = iltod.IntValue(t)
		tags = append(tags, o.it.Tag)
		if o.hasMachine {
			answers[o.machine.Tag] = iltod.IntValue(t)
			tags = append(tags, o.machine.Tag)
		}
		return true
	}
	if g.IntN(2) == 0 {
		_ = registered() || candidate()
	} else {
		_ = candidate() || registered()
	}
	slices.Sort(tags)
	return tags
}

// breakArithmetic breaks the figures of an honest results report so that a built-in
// check must fail: invalid ballots written too high (cast-sum), a block-vote candidate
// given more votes than ballots in the box (block-candidate-le-cast), or a single-choice
// contest's choice off by a power of ten (valid-sum). It picks one of the breaks the sheet
// allows, changes answers in place and returns the break's name, or "" if none applies.
//
// contests gives each contest's number of choices: valid-sum runs only where the form counts
// them all, so a votes-sum break is made only there.
func breakArithmetic(s *qa.Sheet, answers map[string]iltod.Value, contests map[string]int, g *rand.Rand) string {
	type change struct {
		kind string
		it   qa.Item
		v    int64
	}
	var byKind = map[string][]change{}
	var kinds []string
	offer := func(c change) {
		if !fits(c.it.Question, iltod.IntValue(c.v)) {
			return
		}
		if _, ok := byKind[c.kind]; !ok {
			kinds = append(kinds, c.kind)
		}
		byKind[c.kind] = append(byKind[c.kind], c)
	}
	for _, code := range contestsOf(s) {
		cast, okc := figure(s, iltod.CountCast, code)
		nc, okc2 := answered(answers, cast)
		hasCast := okc && okc2
		valid, okv := figure(s, iltod.CountValid, code)
		_, okv2 := answered(answers, valid)
		hasValid := okv && okv2
		if inv, ok := figure(s, iltod.CountInvalid, code); ok && hasCast && hasValid {
			if ni, ok := answered(answers, inv); ok {
				offer(change{BreakCastSum, inv, ni + 3 + g.Int64N(28)})
			}
		}
		var choices []qa.Item
		for _, it := range s.Questions {
			if it.Contest == code && it.Count == iltod.CountChoice && manual(it.Tally) {
				choices = append(choices, it)
			}
		}
		if len(choices) == 0 {
			continue
		}
		switch sys := choices[0].System; {
		case sys == iltod.BlockVote && hasCast:
			top, tv := choices[0], int64(-1)
			for _, it := range choices {
				if v, ok := answered(answers, it); ok && v > tv {
					top, tv = it, v
				}
			}
			if tv < 0 {
				continue
			}
			v := tv*10 + tv%10 // the last digit typed twice
			if v <= nc {
				v = nc + 1 + g.Int64N(30)
			}
			offer(change{BreakAboveCast, top, v})
		case sys != iltod.BlockVote && hasValid && len(choices) == contests[code]:
			it := choices[g.IntN(len(choices))]
			v, ok := answered(answers, it)
			if !ok {
				continue
			}
			d := int64(1)
			for n := g.IntN(len(strconv.FormatInt(max(v, 1), 10))); n > 0; n-- {
				d *= 10
			}
			if v >= d && g.IntN(2) == 0 {
				d = -d
			}
			offer(change{BreakVotesSum, it, v + d})
		}
	}
	if len(kinds) == 0 {
		return ""
	}
	cs := byKind[kinds[g.IntN(len(kinds))]]
	c := cs[g.IntN(len(cs))]
	answers[c.it.Tag] = iltod.IntValue(c.v)
	return c.kind
}

// machineFlag reports whether the machine-manual check must fail on honest answers: the
// sheet runs it, and for some choice both tallies are answered and differ by more than
// the form's tolerance.
func machineFlag(s *qa.Sheet, answers map[string]iltod.Value) bool {
	var tol int64
	if c := s.Form.Checks; c != nil {
		if slices.Contains(c.Disable, qa.MachineManual) {
			return false
		}
		tol = c.MachineManualTolerance
	}
	for _, it := range s.Questions {
		if it.Count != iltod.CountChoice || !manual(it.Tally) {
			continue
		}
		m, ok := twin(s, it)
		if !ok {
			continue
		}
		a, ok1 := answered(answers, it)
		b, ok2 := answered(answers, m)
		if ok1 && ok2 && max(a-b, b-a) > tol {
			return true
		}
	}
	return false
}
