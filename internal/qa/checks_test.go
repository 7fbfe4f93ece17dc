package qa

import (
	"math/big"
	"slices"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// key names a result: "code/contest", with "/manual" or "/machine" for a per-tally one.
func key(r iltod.CheckResult) string {
	k := r.Code + "/" + r.Contest
	for _, t := range []string{iltod.TallyManual, iltod.TallyMachine} {
		if strings.HasPrefix(r.DetailIn("en"), t+" count: ") {
			k += "/" + t
		}
	}
	return k
}

func byKey(t *testing.T, rs []iltod.CheckResult) map[string]iltod.CheckResult {
	t.Helper()
	m := map[string]iltod.CheckResult{}
	for _, r := range rs {
		k := key(r)
		if _, dup := m[k]; dup {
			t.Errorf("two results for %s", k)
		}
		m[k] = r
	}
	return m
}

// Block vote, 9 seats, 12 candidates: the candidates have 3130 votes on 690 valid ballots,
// far more than the valid ballots (each voter marks up to 9) and well under 9 × 690.
var (
	kVotes = seq("K", 400, 380, 350, 300, 290, 280, 260, 250, 240, 230, 100, 50)
	s1Base = answers("RV=1000 BI=700 CB=700 CV=690 CI=10" + kVotes + strings.ReplaceAll(kVotes, "K", "KM") +
		" LC=700 LV=680 LI=10 LB=10 P1=400 P2=200 P3=80 PM1=400 PM2=200 PM3=80")
	s2Base = answers("RV=800 BI=500 CB=500 CV=495 CI=5 K1=300 K2=150 K3=45 KM1=300 KM2=150 KM3=45" +
		" LC=500 LV=490 LI=5 LB=5 P1=300 P2=100 P3=90 PM1=300 PM2=100 PM3=90")
)

func TestHonestReportsPass(t *testing.T) {
	for _, tt := range []struct {
		station string
		base    map[string]iltod.Value
		want    []string
	}{
		{"S1", s1Base, []string{
			"over-voting/", "over-voting/B9", "over-voting/LIST",
			"valid-sum/LIST",
			"cast-sum/B9", "cast-sum/LIST",
			"reconciliation/B9", "reconciliation/LIST",
			"block-candidate-le-cast/B9/manual", "block-candidate-le-cast/B9/machine",
			"block-sum-le-seats-valid/B9/manual",
			"machine-manual/B9", "machine-manual/LIST",
		}},
		{"S2", s2Base, []string{
			"over-voting/", "over-voting/F1", "over-voting/LIST",
			"valid-sum/F1/manual", "valid-sum/LIST",
			"cast-sum/F1", "cast-sum/LIST",
			"reconciliation/F1", "reconciliation/LIST",
			"machine-manual/F1", "machine-manual/LIST",
		}},
	} {
		t.Run(tt.station, func(t *testing.T) {
			s := mustExpand(t, resultsForm(), tt.station)
			if ps := s.ValidateAnswers(tt.base); ps != nil {
				t.Fatalf("base answers: %v", ps)
			}
			rs := s.Check(tt.base)
			var got []string
			for _, r := range rs {
				got = append(got, key(r))
				if r.Outcome != iltod.CheckPass {
					t.Errorf("%s: %s (%s)", key(r), r.Outcome, r.DetailIn("en"))
				}
			}
			if !slices.Equal(got, tt.want) {
				t.Errorf("checks run\n got %v\nwant %v", got, tt.want)
			}
		})
	}
}

func TestBuiltinChecks(t *testing.T) {
	pass, fail, skip := iltod.CheckPass, iltod.CheckFail, iltod.CheckSkipped
	tests := []struct {
		name    string
		station string // default S1
		checks  *iltod.ResultChecks
		change  string // answers changed from the base
		key     string
		want    iltod.CheckOutcome
		detail  string // a substring of the detail
	}{
		// over-voting
		{name: "cast above register", change: "CB=1001", key: "over-voting/B9", want: fail, detail: "CB 1001 > registered 1000 (answer RV) + allowance 0"},
		{name: "cast at register", change: "CB=1000", key: "over-voting/B9", want: pass, detail: "CB 1000 <= registered 1000"},
		{name: "issued above register", change: "BI=1001", key: "over-voting/", want: fail, detail: "BI 1001 >"},
		{name: "cast not answered", change: "CB=-", key: "over-voting/B9", want: skip, detail: "not answered: CB"},
		{name: "cast not applicable", change: "CB=NA", key: "over-voting/B9", want: skip, detail: "not applicable: CB"},
		{name: "register from the station when RV missing", change: "RV=- CB=1001", key: "over-voting/B9", want: fail, detail: "registered 1000 (station register)"},
		{name: "register from the station when RV is NA", change: "RV=NA CB=1000", key: "over-voting/B9", want: pass, detail: "(station register)"},
		{name: "the answer beats the register", change: "RV=2000 CB=1500", key: "over-voting/B9", want: pass, detail: "registered 2000 (answer RV)"},
		{name: "allowance in ballots", checks: &iltod.ResultChecks{OverVoteBallots: 5}, change: "CB=1005", key: "over-voting/B9", want: pass, detail: "allowance 5"},
		{name: "allowance in ballots exceeded", checks: &iltod.ResultChecks{OverVoteBallots: 5}, change: "CB=1006", key: "over-voting/B9", want: fail},
		{name: "allowance as share", checks: &iltod.ResultChecks{OverVoteShare: 0.02}, change: "CB=1020", key: "over-voting/B9", want: pass, detail: "allowance 20"},
		{name: "allowance as share exceeded", checks: &iltod.ResultChecks{OverVoteShare: 0.02}, change: "CB=1021", key: "over-voting/B9", want: fail},
		{name: "the larger allowance applies", checks: &iltod.ResultChecks{OverVoteBallots: 5, OverVoteShare: 0.02}, change: "CB=1020", key: "over-voting/B9", want: pass, detail: "allowance 20"},
		{name: "share rounds down", checks: &iltod.ResultChecks{OverVoteShare: 0.0015}, change: "CB=1002", key: "over-voting/B9", want: fail, detail: "allowance 1"},

		// valid-sum
		{name: "list votes add up", key: "valid-sum/LIST", want: pass, detail: "LV 680 = sum(P1..P3) 680"},
		{name: "list votes too many", change: "P1=401", key: "valid-sum/LIST", want: fail, detail: "LV 680 != sum(P1..P3) 681 (difference -1)"},
		{name: "list vote not applicable", change: "P2=NA", key: "valid-sum/LIST", want: skip, detail: "not applicable: P2"},
		{name: "list valid missing", change: "LV=-", key: "valid-sum/LIST", want: skip, detail: "not answered: LV"},
		{name: "fptp adds up", station: "S2", key: "valid-sum/F1/manual", want: pass},
		{name: "fptp does not add up", station: "S2", change: "K3=46", key: "valid-sum/F1/manual", want: fail},
		{name: "fptp candidate missing", station: "S2", change: "K3=-", key: "valid-sum/F1/manual", want: skip, detail: "not answered: K3"},

		// cast-sum
		{name: "constituency adds up", key: "cast-sum/B9", want: pass, detail: "CB 700 = CV 690 + CI 10"},
		{name: "constituency does not add up", change: "CI=11", key: "cast-sum/B9", want: fail, detail: "CB 700 != CV 690 + CI 11 = 701 (difference -1)"},
		{name: "NA is not zero", change: "CI=NA CV=700", key: "cast-sum/B9", want: skip, detail: "not applicable: CI"},
		{name: "blank counted", change: "LB=11", key: "cast-sum/LIST", want: fail, detail: "LC 700 != LV 680 + LI 10 + LB 11"},
		{name: "blank missing", change: "LB=-", key: "cast-sum/LIST", want: skip, detail: "not answered: LB"},

		// reconciliation: 3% of 700 issued is 21 ballots
		{name: "within 3%", change: "CB=721", key: "reconciliation/B9", want: pass, detail: "CB 721 vs BI 700: difference 21, tolerance 3% of 700 = 21"},
		{name: "beyond 3%", change: "CB=722", key: "reconciliation/B9", want: fail, detail: "difference 22"},
		{name: "below by 3%", change: "CB=679", key: "reconciliation/B9", want: pass},
		{name: "below beyond 3%", change: "CB=678", key: "reconciliation/B9", want: fail},
		{name: "zero tolerance", checks: &iltod.ResultChecks{ReconciliationTolerance: ptr(0.0)}, change: "CB=701", key: "reconciliation/B9", want: fail, detail: "tolerance 0% of 700 = 0"},
		{name: "wider tolerance", checks: &iltod.ResultChecks{ReconciliationTolerance: ptr(0.1)}, change: "CB=770", key: "reconciliation/B9", want: pass},
		{name: "issued missing", change: "BI=-", key: "reconciliation/LIST", want: skip, detail: "not answered: BI"},

		// block-candidate-le-cast (M = 9)
		{name: "candidate at ballots in the box", change: "K1=700", key: "block-candidate-le-cast/B9/manual", want: pass},
		{name: "candidate above ballots in the box", change: "K1=701", key: "block-candidate-le-cast/B9/manual", want: fail, detail: "manual count: K1 701 > CB 700"},
		{name: "machine candidate above", change: "KM12=800", key: "block-candidate-le-cast/B9/machine", want: fail, detail: "machine count: KM12 800 > CB 700"},
		{name: "candidate missing", change: "K3=-", key: "block-candidate-le-cast/B9/manual", want: skip},
		{name: "failure is proof even with a candidate missing", change: "K3=- K1=701", key: "block-candidate-le-cast/B9/manual", want: fail},
		{name: "ballots in the box missing", change: "CB=-", key: "block-candidate-le-cast/B9/manual", want: skip, detail: "not answered: CB"},

		// block-sum-le-seats-valid: 3130 votes; 9 × 345 = 3105 < 3130 <= 9 × 348 = 3132
		{name: "sum within seats × valid", change: "CV=348", key: "block-sum-le-seats-valid/B9/manual", want: pass, detail: "sum(K1..K12) 3130 <= seats 9 × CV 348 = 3132"},
		{name: "sum above seats × valid", change: "CV=345", key: "block-sum-le-seats-valid/B9/manual", want: fail, detail: "sum(K1..K12) 3130 > seats 9 × CV 345 = 3105"},
		{name: "sum with a candidate NA", change: "K5=NA", key: "block-sum-le-seats-valid/B9/manual", want: skip, detail: "not applicable: K5"},

		// machine-manual
		{name: "machine equals manual", key: "machine-manual/B9", want: pass, detail: "12 choices agree within 0"},
		{name: "machine off by one", change: "KM4=301", key: "machine-manual/B9", want: fail, detail: "K4 300 vs KM4 301: difference 1; tolerance 0"},
		{name: "machine off by one, tolerated", checks: &iltod.ResultChecks{MachineManualTolerance: 1}, change: "KM4=301", key: "machine-manual/B9", want: pass},
		{name: "machine off by two, tolerance one", checks: &iltod.ResultChecks{MachineManualTolerance: 1}, change: "KM4=298", key: "machine-manual/B9", want: fail, detail: "difference 2; tolerance 1"},
		{name: "machine count missing", change: "KM4=-", key: "machine-manual/B9", want: skip, detail: "not answered: KM4"},
		{name: "list machine off", change: "PM2=190", key: "machine-manual/LIST", want: fail, detail: "P2 200 vs PM2 190: difference 10"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resultsForm()
			f.Checks = tt.checks
			station, base := "S1", s1Base
			if tt.station == "S2" {
				station, base = "S2", s2Base
			}
			s := mustExpand(t, f, station)
			got, ok := byKey(t, s.Check(with(base, tt.change)))[tt.key]
			if !ok {
				t.Fatalf("no result %s", tt.key)
			}
			if got.Outcome != tt.want || !strings.Contains(got.DetailIn("en"), tt.detail) {
				t.Errorf("%s = %s (%s), want %s (…%s…)", tt.key, got.Outcome, got.DetailIn("en"), tt.want, tt.detail)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }

// TestValidSumNeverBlockVote: in a block vote the candidates' votes add up to several
// times the valid ballots, so valid-sum must never run there, whatever the answers.
func TestValidSumNeverBlockVote(t *testing.T) {
	s := mustExpand(t, resultsForm(), "S1")
	for _, change := range []string{"", "CV=3130", "CV=1", "K1=0 K2=0"} {
		for _, r := range s.Check(with(s1Base, change)) {
			if r.Code == ValidSum && r.Contest == "B9" {
				t.Errorf("valid-sum ran on the block-vote contest: %+v", r)
			}
		}
	}
}

func TestBlockCandidateFallsBackToValid(t *testing.T) {
	f := resultsForm()
	f.Questions = slices.DeleteFunc(f.Questions, func(q iltod.Question) bool { return q.Tag == "CB" })
	s := mustExpand(t, f, "S1")
	m := byKey(t, s.Check(with(s1Base, "CB=- K2=691")))
	if r := m["block-candidate-le-cast/B9/manual"]; r.Outcome != iltod.CheckFail || !strings.Contains(r.DetailIn("en"), "K2 691 > CV 690") {
		t.Errorf("got %+v", r)
	}
	if _, ok := m["cast-sum/B9"]; ok {
		t.Error("cast-sum ran without ballots in the box")
	}
}

func TestDisable(t *testing.T) {
	f := resultsForm()
	f.Checks = &iltod.ResultChecks{Disable: []string{ValidSum, MachineManual}}
	s := mustExpand(t, f, "S2")
	for _, r := range s.Check(with(s2Base, "P1=1 KM1=0")) {
		if r.Code == ValidSum || r.Code == MachineManual {
			t.Errorf("disabled check ran: %+v", r)
		}
	}
}

func TestValidSumPartialForm(t *testing.T) {
	f := resultsForm()
	f.Questions = append(f.Questions[:11], q("P1 integer choice LIST choice=L-01"), q("P2 integer choice LIST choice=L-02"))
	s := mustExpand(t, f, "S1")
	r := byKey(t, s.Check(s1Base))["valid-sum/LIST"]
	if r.Outcome != iltod.CheckSkipped || r.DetailIn("en") != "the form counts 2 of the contest's 3 choices" {
		t.Errorf("got %+v", r)
	}
}

// TestStationWideCast: a cast figure bound to no contest is checked against the register
// and the ballots issued, and is not used in cast-sum.
func TestStationWideCast(t *testing.T) {
	f := resultsForm()
	f.Questions = append(f.Questions, q("BC integer cast"))
	s := mustExpand(t, f, "S1")
	m := byKey(t, s.Check(with(s1Base, "BC=1001")))
	if r := m["over-voting/"]; r.Outcome != iltod.CheckFail || r.DetailIn("en") != "BC 1001 > registered 1000 (answer RV) + allowance 0" {
		t.Errorf("over-voting/ = %+v", r)
	}
	if r := m["reconciliation/"]; r.Outcome != iltod.CheckFail {
		t.Errorf("reconciliation/ = %+v", r)
	}
	if r := m["cast-sum/B9"]; r.Outcome != iltod.CheckPass {
		t.Errorf("cast-sum/B9 = %+v", r)
	}
}

func TestChecklistRunsNoBuiltins(t *testing.T) {
	f := &iltod.Form{Code: "c", Version: 1, Kind: iltod.Checklist, Name: iltod.Text{"en": "c"},
		Questions: []iltod.Question{q("N integer")},
		Rules:     []iltod.Rule{{Code: "n", Expr: "N < 10", Message: iltod.Text{"en": "n"}}}}
	s := mustExpand(t, f, "S1")
	rs := s.Check(answers("N=12"))
	if len(rs) != 1 || rs[0].Code != "n" || rs[0].Outcome != iltod.CheckFail {
		t.Errorf("got %+v", rs)
	}
}

// TestBuiltinCodesMatchForm keeps the codes Form.Validate accepts in checks.disable equal
// to the checks this package runs.
func TestBuiltinCodesMatchForm(t *testing.T) {
	for _, code := range Builtins() {
		c := iltod.ResultChecks{Disable: []string{code}}
		if err := c.Validate(); err != nil {
			t.Errorf("disable %s: %v", code, err)
		}
		if !(&checker{s: &Sheet{}}).builtin(code) {
			t.Errorf("no function for %s", code)
		}
	}
	err := (&iltod.ResultChecks{Disable: []string{"nope"}}).Validate()
	if err == nil || !strings.Contains(err.Error(), "("+strings.Join(Builtins(), ", ")+")") {
		t.Errorf("the form's list of built-in checks differs from qa.Builtins(): %v", err)
	}
}

func TestResultChecksValidate(t *testing.T) {
	for _, tt := range []struct {
		c    iltod.ResultChecks
		want string
	}{
		{iltod.ResultChecks{OverVoteBallots: -1}, "over_vote_ballots: -1 is outside 0..1000000"},
		{iltod.ResultChecks{OverVoteShare: 1.5}, "over_vote_share: 1.5 is not a share between 0 and 1"},
		{iltod.ResultChecks{ReconciliationTolerance: ptr(-0.1)}, "reconciliation_tolerance: -0.1 is not a share"},
		{iltod.ResultChecks{MachineManualTolerance: -3}, "machine_manual_tolerance: -3 is outside"},
		{iltod.ResultChecks{Disable: []string{"cast-sum", "cast-sum"}}, `disable[1]: "cast-sum" is listed twice`},
	} {
		err := tt.c.Validate()
		if err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: %v, want %q", tt.c, err, tt.want)
		}
	}
	f := &iltod.Form{Code: "c", Version: 1, Kind: iltod.Checklist, Name: iltod.Text{"en": "c"},
		Questions: []iltod.Question{q("N integer")}, Checks: &iltod.ResultChecks{}}
	if err := f.Validate(); err == nil || !strings.Contains(err.Error(), "checks: only a results form configures the built-in checks") {
		t.Errorf("checklist with checks: %v", err)
	}
}

func TestMulDivFloor(t *testing.T) {
	for _, tt := range []struct{ n, ppm, want int64 }{
		{700, 30_000, 21}, {699, 30_000, 20}, {1000, 20_000, 20}, {0, 30_000, 0}, {-5, 30_000, 0},
		{iltod.MaxSafeInt, million, iltod.MaxSafeInt}, {iltod.MaxSafeInt, 500_000, iltod.MaxSafeInt / 2},
	} {
		if got := mulDivFloor(tt.n, tt.ppm); got != tt.want {
			t.Errorf("mulDivFloor(%d, %d) = %d, want %d", tt.n, tt.ppm, got, tt.want)
		}
	}
	for _, n := range []int64{1<<62 + 1, 1<<63 - 1, 123456789012345} {
		for _, p := range []int64{1, 999_999, 30_000} {
			want := new(big.Int).Mul(big.NewInt(n), big.NewInt(p))
			want.Quo(want, big.NewInt(million))
			if got := mulDivFloor(n, p); got != want.Int64() {
				t.Errorf("mulDivFloor(%d, %d) = %d, want %v", n, p, got, want)
			}
		}
	}
}

// TestCheckNone: a sheet with no check to run gives nil, which reports store as JSON null.
func TestCheckNone(t *testing.T) {
	f := typesForm()
	if got := mustExpand(t, f, "S1").Check(answers("N=5")); got != nil {
		t.Errorf("checklist without rules: %#v, want nil", got)
	}
	r := resultsForm()
	r.Checks = &iltod.ResultChecks{Disable: Builtins()}
	if got := mustExpand(t, r, "S1").Check(s1Base); got != nil {
		t.Errorf("results form with every check disabled: %#v, want nil", got)
	}
	r.Checks = nil
	if got := mustExpand(t, r, "S1").Check(s1Base); len(got) == 0 {
		t.Error("results form: no results")
	}
}
