package qa

import (
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/electionpkg"
)

// phoneCodes are the built-in checks that PhoneChecks writes for phones.
var phoneCodes = []string{OverVoting, ValidSum, CastSum, BlockCandidateLECast, BlockSumLESeatsValid}

// scopeKey names a check's scope: code, contest and tally.
type scopeKey struct{ code, contest, tally string }

// serverOutcomes returns the outcome of each built-in check of Check by scope. The tally
// is read from the message a tally's result is wrapped in (see checker.add).
func serverOutcomes(s *Sheet, answers map[string]iltod.Value) map[scopeKey]iltod.CheckOutcome {
	out := map[scopeKey]iltod.CheckOutcome{}
	for _, r := range s.Check(answers) {
		k := scopeKey{r.Code, r.Contest, ""}
		if r.Msg != nil {
			if t, ok := strings.CutPrefix(r.Msg.Key, "qa.check.tally_"); ok {
				k.tally = t
			}
		}
		if _, dup := out[k]; dup {
			panic(fmt.Sprintf("two results for %v", k))
		}
		out[k] = r.Outcome
	}
	return out
}

// checkAgreement asserts the promise of PhoneChecks for one set of answers: in each
// scope, a failing phone check means the server's check fails, and phone checks that are
// all evaluable and hold mean it passes. It returns how many scopes the phone decided.
func checkAgreement(t *testing.T, s *Sheet, pcs []PhoneCheck, answers map[string]iltod.Value) int {
	t.Helper()
	server := serverOutcomes(s, answers)
	type verdict struct{ fail, undecided bool }
	phone := map[scopeKey]*verdict{}
	for _, c := range pcs {
		k := scopeKey{c.Code, c.Contest, c.Tally}
		v := phone[k]
		if v == nil {
			v = &verdict{}
			phone[k] = v
		}
		holds, ok := c.Eval(answers)
		switch {
		case !ok:
			v.undecided = true
		case !holds:
			v.fail = true
		}
	}
	decided := 0
	for k, v := range phone {
		got, ran := server[k]
		if !ran {
			t.Fatalf("phone checks of %v, which the server does not run; answers %v", k, answers)
		}
		switch {
		case v.fail && got != iltod.CheckFail:
			t.Fatalf("%v: a phone check fails, the server says %s; answers %v", k, got, answers)
		case !v.fail && !v.undecided && got != iltod.CheckPass:
			t.Fatalf("%v: every phone check holds, the server says %s; answers %v", k, got, answers)
		case got == iltod.CheckFail && !v.fail && !v.undecided:
			t.Fatalf("%v: the server fails what the phone passes; answers %v", k, answers)
		}
		if v.fail || !v.undecided {
			decided++
		}
	}
	return decided
}

// randomAnswers answers every integer item of s with a small number, consistent sums
// half the time, then spoils some: a figure nudged by one, or left out, or "not
// applicable", or a string.
func randomAnswers(rng *rand.Rand, s *Sheet) map[string]iltod.Value {
	a := map[string]iltod.Value{}
	for _, it := range s.Questions {
		if it.Question.Type != iltod.Integer {
			continue
		}
		switch it.Count {
		case iltod.CountRegistered:
			a[it.Tag] = iltod.IntValue(int64(rng.IntN(40)))
		case iltod.CountChoice:
			a[it.Tag] = iltod.IntValue(int64(rng.IntN(6)))
		default:
			a[it.Tag] = iltod.IntValue(int64(rng.IntN(30)))
		}
	}
	if rng.IntN(2) == 0 { // make the sums add up
		for _, code := range s.order {
			for _, tally := range s.tallies(code) {
				if valid, ok := s.totalItem(iltod.CountValid, code, tally); ok {
					var sum int64
					for _, it := range s.choices(code, tally) {
						sum += a[it.Tag].Int
					}
					if s.contests[code].System.Kind == iltod.BlockVote {
						sum = (sum + int64(s.contests[code].Seats) - 1) / int64(s.contests[code].Seats)
					}
					a[valid.Tag] = iltod.IntValue(sum)
				}
			}
			cast, ok1 := s.item(iltod.CountCast, code, "", iltod.TallyManual)
			valid, ok2 := s.item(iltod.CountValid, code, "", iltod.TallyManual)
			invalid, ok3 := s.item(iltod.CountInvalid, code, "", iltod.TallyManual)
			if ok1 && ok2 && ok3 {
				sum := a[valid.Tag].Int + a[invalid.Tag].Int
				if blank, ok := s.item(iltod.CountBlank, code, "", iltod.TallyManual); ok {
					sum += a[blank.Tag].Int
				}
				a[cast.Tag] = iltod.IntValue(sum)
			}
		}
	}
	tags := make([]string, 0, len(a))
	for tag := range a {
		tags = append(tags, tag)
	}
	slices.Sort(tags)
	for range rng.IntN(4) {
		tag := tags[rng.IntN(len(tags))]
		switch rng.IntN(6) {
		case 0:
			delete(a, tag)
		case 1:
			a[tag] = iltod.Value{} // not applicable
		case 2:
			a[tag] = iltod.StrValue("12")
		case 3:
			a[tag] = iltod.IntValue(a[tag].Int - 1)
		default:
			a[tag] = iltod.IntValue(a[tag].Int + 1)
		}
	}
	return a
}

// TestPhoneChecksAgree is the property PhoneChecks promises, on random answers to the
// fixture's forms at each station, under several configurations of the checks.
func TestPhoneChecksAgree(t *testing.T) {
	noRV := func() *iltod.Form {
		f := resultsForm()
		f.Questions = slices.DeleteFunc(f.Questions, func(q iltod.Question) bool { return q.Tag == "RV" })
		return f
	}
	scopedRV := func() *iltod.Form {
		f := resultsForm()
		f.Questions = append(f.Questions, q("CR integer registered "+tierC))
		return f
	}
	forms := []struct {
		name   string
		form   func() *iltod.Form
		checks *iltod.ResultChecks
	}{
		{"defaults", resultsForm, nil},
		{"ballots allowance", resultsForm, &iltod.ResultChecks{OverVoteBallots: 3}},
		{"share allowance, registered asked", resultsForm, &iltod.ResultChecks{OverVoteShare: 0.1}},
		{"share allowance, the register", noRV, &iltod.ResultChecks{OverVoteShare: 0.1, OverVoteBallots: 2}},
		{"registered per contest", scopedRV, &iltod.ResultChecks{OverVoteBallots: 1}},
		{"some disabled", resultsForm, &iltod.ResultChecks{Disable: []string{ValidSum, BlockSumLESeatsValid}}},
	}
	rng := rand.New(rand.NewPCG(13, 7))
	for _, tc := range forms {
		for _, station := range []string{"S1", "S2", "S3"} {
			t.Run(tc.name+"/"+station, func(t *testing.T) {
				f := tc.form()
				f.Checks = tc.checks
				s := mustExpand(t, f, station)
				pcs := s.PhoneChecks()
				if len(pcs) == 0 {
					t.Fatal("no phone checks")
				}
				for _, c := range pcs {
					if !slices.Contains(phoneCodes, c.Code) || (tc.checks != nil && slices.Contains(tc.checks.Disable, c.Code)) {
						t.Fatalf("unexpected phone check %s", c)
					}
				}
				decided, failed := 0, 0
				for range 3000 {
					a := randomAnswers(rng, s)
					decided += checkAgreement(t, s, pcs, a)
					for _, c := range pcs {
						if holds, ok := c.Eval(a); ok && !holds {
							failed++
							break
						}
					}
				}
				// The property must have been put to the test both ways.
				if decided < 3000 || failed < 300 || failed > 2900 {
					t.Errorf("%d scopes decided, %d answer sets failing: the random answers miss the checks", decided, failed)
				}
			})
		}
	}
}

// TestPhoneChecksShape pins the checks of the fixture's block-vote station and their
// JSON.
func TestPhoneChecksShape(t *testing.T) {
	s := mustExpand(t, resultsForm(), "S1")
	var got []string
	for _, c := range s.PhoneChecks() {
		got = append(got, c.String())
	}
	k := func(prefix string, n int) string {
		var tags []string
		for i := 1; i <= n; i++ {
			tags = append(tags, fmt.Sprint(prefix, i))
		}
		return strings.Join(tags, "+")
	}
	want := []string{
		"over-voting//: BI <= RV",
		"over-voting/B9/: CB <= RV",
		"over-voting/LIST/: LC <= RV",
		"valid-sum/LIST/: " + k("P", 3) + " = LV",
		"cast-sum/B9/: CV+CI = CB",
		"cast-sum/LIST/: LV+LI+LB = LC",
	}
	for i := 1; i <= 12; i++ {
		want = append(want, fmt.Sprintf("block-candidate-le-cast/B9/manual: K%d <= CB", i))
	}
	for i := 1; i <= 12; i++ {
		want = append(want, fmt.Sprintf("block-candidate-le-cast/B9/machine: KM%d <= CB", i))
	}
	want = append(want, "block-sum-le-seats-valid/B9/manual: "+k("K", 12)+" <= 9×(CV)")
	if !slices.Equal(got, want) {
		t.Errorf("phone checks:\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
	// The station register stands in when the form asks for no registered voters.
	f := resultsForm()
	f.Questions = f.Questions[1:]
	f.Checks = &iltod.ResultChecks{OverVoteShare: 0.015, OverVoteBallots: 4}
	pcs := mustExpand(t, f, "S1").PhoneChecks()
	if got := pcs[0].String(); got != "over-voting//: BI <= 0 + 1015" {
		t.Errorf("first check with the register = %s", got)
	}
	// A share allowance on a registered answer is not linear: no over-voting on the phone.
	f = resultsForm()
	f.Checks = &iltod.ResultChecks{OverVoteShare: 0.015}
	for _, c := range mustExpand(t, f, "S1").PhoneChecks() {
		if c.Code == OverVoting {
			t.Errorf("over-voting with a share of an answer: %s", c)
		}
	}
	// JSON: right_factor only when it is not 1, contest and tally only when set.
	pcs = s.PhoneChecks()
	b, _ := json.Marshal([]PhoneCheck{pcs[0], pcs[len(pcs)-1]})
	wantJSON := `[{"code":"over-voting","left":["BI"],"op":"le","right":["RV"],"constant":0},` +
		`{"code":"block-sum-le-seats-valid","contest":"B9","tally":"manual","left":["K1","K2","K3","K4","K5","K6","K7","K8","K9","K10","K11","K12"],"op":"le","right":["CV"],"right_factor":9,"constant":0}]`
	if string(b) != wantJSON {
		t.Errorf("JSON = %s\nwant %s", b, wantJSON)
	}
	var back []PhoneCheck
	if err := json.Unmarshal(b, &back); err != nil || back[0].RightFactor != 1 || back[1].RightFactor != 9 || back[1].String() != pcs[len(pcs)-1].String() {
		t.Errorf("JSON does not read back: %v %v", back, err)
	}
	// Only results forms have built-in checks.
	g := resultsForm()
	g.Kind = iltod.Checklist
	if pcs := mustExpand(t, g, "S1").PhoneChecks(); pcs != nil {
		t.Errorf("a checklist has phone checks: %v", pcs)
	}
}

// TestPhoneChecksDemo runs the phone checks of the demonstration package's results form.
// Its constituencies are block votes (no valid-sum: a voter marks up to nine names) and
// its national list is list PR: so a constituency gets cast-sum, a bound per candidate
// and per count, and the block sum; the list gets valid-sum on its hand count and
// cast-sum. The figures are a station's protocol that adds up, then the same with a
// candidate given more votes than there are ballots.
func TestPhoneChecksDemo(t *testing.T) {
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatal(err)
	}
	var form *iltod.Form
	for i := range p.Forms {
		if p.Forms[i].Code == "results" {
			form = &p.Forms[i]
		}
	}
	st := p.Stations[0] // AR-01.01, in constituency C01 (9 seats)
	s, err := Expand(form, st, p.Contests, iltod.NewAreaIndex(p.Areas))
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, c := range s.PhoneChecks() {
		count[c.Code+"/"+c.Contest+"/"+c.Tally]++
	}
	cands := 0
	for _, c := range p.Contests {
		if c.Code == "C01" {
			cands = len(c.Choices)
		}
	}
	if cands <= 9 {
		t.Fatalf("C01 has %d candidates; the test wants more than its 9 seats", cands)
	}
	want := map[string]int{
		"over-voting//":                       1, // VS <= RV
		"over-voting/C01/":                    1, // CB <= RV
		"over-voting/LIST/":                   1, // PB <= RV
		"valid-sum/LIST/manual":               1, // P1..P7 = PV
		"cast-sum/C01/":                       1, // CV+CX = CB
		"cast-sum/LIST/":                      1, // PV+PX = PB
		"block-candidate-le-cast/C01/manual":  cands,
		"block-candidate-le-cast/C01/machine": cands,
		"block-sum-le-seats-valid/C01/manual": 1,
	}
	if fmt.Sprint(count) != fmt.Sprint(want) {
		t.Errorf("demo checks by scope:\n%v\nwant\n%v", count, want)
	}
	i := iltod.IntValue
	a := map[string]iltod.Value{"EA": i(1011), "EB": i(700), "CB": i(698), "CA": i(690), "CX": i(8),
		"PB": i(698), "PA": i(680), "PX": i(18), "P1": i(200), "P2": i(150), "P3": i(100), "P4": i(90), "P5": i(80), "P6": i(40), "P7": i(20)}
	for n := 1; n <= cands; n++ {
		a[fmt.Sprint("K", n)] = i(int64(200 + n))
		a[fmt.Sprint("KM", n)] = i(int64(200 + n))
	}
	if decided := checkAgreement(t, s, s.PhoneChecks(), a); decided != len(want) {
		t.Errorf("%d scopes decided, want %d", decided, len(want))
	}
	for _, c := range s.PhoneChecks() {
		if holds, ok := c.Eval(a); !ok || !holds {
			t.Errorf("%s on a protocol that adds up: holds %v, evaluable %v", c, holds, ok)
		}
	}
	a["K3"] = i(699)
	a["P1"] = i(201)
	failed := map[string]bool{}
	for _, c := range s.PhoneChecks() {
		if holds, ok := c.Eval(a); ok && !holds {
			failed[c.String()] = true
		}
	}
	wantFailed := map[string]bool{"block-candidate-le-cast/C01/manual: K3 <= CB": true,
		"valid-sum/LIST/manual: P1+P2+P3+P4+P5+P6+P7 = PA": true}
	if fmt.Sprint(failed) != fmt.Sprint(wantFailed) {
		t.Errorf("failed: %v, want %v", failed, wantFailed)
	}
	checkAgreement(t, s, s.PhoneChecks(), a)
	// The sum of the votes is at most nine times the valid ballots: 9 × 690, not 25 × 690.
	for n := 1; n <= cands; n++ {
		a[fmt.Sprint("K", n)] = i(690)
	}
	for _, c := range s.PhoneChecks() {
		if c.Code == BlockSumLESeatsValid {
			if holds, ok := c.Eval(a); !ok || holds {
				t.Errorf("%s with %d×690 votes: holds %v", c, cands, holds)
			}
		}
	}
	checkAgreement(t, s, s.PhoneChecks(), a)
}
