package simulate

import (
	"maps"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/internal/synth"
)

// TestAnswersValid fills every form of the demonstration package (and of a synthetic
// one, whose forms differ) at every station, for a quiet and a troubled station, and
// checks that the intake's validation accepts the answers and that no check fails on an
// honest report whose machine and hand counts agree.
func TestAnswersValid(t *testing.T) {
	for _, p := range []*iltod.Package{demoPackage(t), synth.Package(300, 5)} {
		t.Run(p.Election.ID, func(t *testing.T) {
			truth := Truth(p, 11)
			ix := iltod.NewAreaIndex(p.Areas)
			g := seeded(1, "test")
			at := time.Date(2024, 6, 28, 22, 47, 0, 0, Mongolia)
			obs := []Observation{
				{At: at},
				{At: at, Trouble: true, NoMachine: true, Lang: "en"},
				{At: at.Add(-9 * time.Hour), Trouble: true, Opened: at.Add(-15*time.Hour + 25*time.Minute)},
			}
			n := 0
			for i, st := range p.Stations {
				res, _ := truth.Station(st.Code)
				for fi := range p.Forms {
					f := &p.Forms[fi]
					sheet, err := qa.Expand(f, st, p.Contests, ix)
					if err != nil {
						t.Fatalf("expand %s at %s: %v", f.Code, st.Code, err)
					}
					for _, o := range obs {
						answers, err := Answers(sheet, res, o, g)
						if err != nil {
							t.Fatalf("%s at %s: %v", f.Code, st.Code, err)
						}
						if ps := sheet.ValidateAnswers(answers); ps != nil {
							t.Fatalf("%s v%d at %s: %v", f.Code, f.Version, st.Code, ps)
						}
						honest := f.Kind != iltod.Results || !machineFlag(sheet, answers)
						if flagged := iltod.Flagged(sheet.Check(answers)); honest && flagged {
							t.Errorf("%s at %s: an honest report is flagged: %v", f.Code, st.Code, failures(sheet.Check(answers)))
						}
						n++
					}
				}
				if i == 0 && len(res.Contests) == 0 {
					t.Fatal("no contests")
				}
			}
			t.Logf("%d answer sets valid", n)
		})
	}
}

func failures(cs []iltod.CheckResult) []iltod.CheckResult {
	var out []iltod.CheckResult
	for _, c := range cs {
		if c.Outcome == iltod.CheckFail {
			out = append(out, c)
		}
	}
	return out
}

func TestTypos(t *testing.T) {
	for _, tc := range []struct {
		v    int64
		want []int64
	}{
		{0, []int64{1}},
		{7, []int64{6, 8, 77}},
		{10, []int64{0, 1, 11, 20, 100, 110}},
		{402, []int64{40, 42, 302, 401, 403, 412, 420, 502, 4002, 4022, 4402}},
	} {
		got := typos(tc.v)
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("typos(%d) = %v, want %v", tc.v, got, tc.want)
		}
	}
}

func TestULID(t *testing.T) {
	at := time.Date(2024, 6, 28, 22, 41, 7, 0, Mongolia)
	a, b := ulid(at, seeded(1, "x")), ulid(at, seeded(1, "x"))
	if a != b || len(a) != 26 || !iltod.ValidReportID(a) {
		t.Fatalf("ulid: %q, %q", a, b)
	}
	// The first ten characters encode the time: ULIDs of later times sort later.
	if c := ulid(at.Add(time.Millisecond), seeded(2, "y")); c[:10] <= a[:10] {
		t.Errorf("%s should sort after %s", c, a)
	}
	if a[0] > '7' {
		t.Errorf("a ULID's first character is at most 7: %s", a)
	}
}

// TestPlan plans the demonstration's election day and checks every planned report
// against the intake's own validation and checks: the answers are valid, a report is
// flagged exactly when the plan expects it, and each disagreement differs from the
// station's other reports in exactly the fields the plan names.
func TestPlan(t *testing.T) {
	p := demoPackage(t)
	const seed = 42
	truth := Truth(p, seed)
	sc, err := Plan(p, truth, seed, DefaultRates, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Plan(p, Truth(p, seed), seed, DefaultRates, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(sc, again) {
		t.Fatal("the same seed planned two different days")
	}
	c := sc.Counts
	t.Logf("%+v", c)
	n := c.Stations
	near := func(name string, got int, want float64) {
		t.Helper()
		if float64(got) < 0.75*want || float64(got) > 1.25*want {
			t.Errorf("%s: %d, want about %.0f", name, got, want)
		}
	}
	near("silent stations", c.Silent, 0.05*float64(n))
	near("disagreements", c.Disagreements, 0.04*float64(n))
	near("arithmetic breaks", c.ArithmeticBreaks, 0.02*float64(c.ResultsReports-c.Corrections))
	near("incident stations", c.IncidentStations, 0.08*float64(n))
	near("resends", c.Resends, 0.01*float64(c.Reports))
	if c.Corrections == 0 || c.Batches == 0 || c.MachineManual == 0 {
		t.Errorf("want some corrections, batches and machine/hand differences: %+v", c)
	}

	ix := iltod.NewAreaIndex(p.Areas)
	forms := pickForms(p.Forms)
	if forms.opening.Code != "opening" || forms.closing.Code != "closing" || forms.incident.Code != "incident" || forms.results.Code != "results" {
		t.Fatalf("forms picked: %+v", forms)
	}
	stations := map[string]iltod.Station{}
	for _, st := range p.Stations {
		stations[st.Code] = st
	}
	byForm := map[string]*iltod.Form{}
	for i := range p.Forms {
		byForm[p.Forms[i].Code] = &p.Forms[i]
	}
	ids := map[string]bool{}
	results := map[string][]*PlannedReport{} // station → results reports
	flagged := 0
	var last time.Time
	for _, r := range sc.Reports {
		if ids[r.Report.ID] || !iltod.ValidReportID(r.Report.ID) {
			t.Fatalf("report id %q repeated or invalid", r.Report.ID)
		}
		ids[r.Report.ID] = true
		if r.At.Before(last) || r.At.Before(sc.Start) || !r.At.Before(sc.End) {
			t.Errorf("report %s at %s: out of order or outside the day", r.Report.ID, r.At)
		}
		last = r.At
		if dt, err := time.Parse(time.RFC3339, r.Report.DeviceTime); err != nil || !dt.Equal(r.At) || r.Report.DeviceTime[19:] != "+08:00" {
			t.Errorf("device time %q for %s", r.Report.DeviceTime, r.At)
		}
		sheet, err := qa.Expand(byForm[r.Report.Form], stations[r.Report.Station], p.Contests, ix)
		if err != nil {
			t.Fatal(err)
		}
		if ps := sheet.ValidateAnswers(r.Report.Answers); ps != nil {
			t.Fatalf("report %s (%s at %s) is invalid: %v", r.Report.ID, r.Report.Form, r.Report.Station, ps)
		}
		checks := sheet.Check(r.Report.Answers)
		if got := iltod.Flagged(checks); got != r.ExpectFlagged {
			t.Errorf("report %s (%s at %s, break %q, typo %v): flagged %v, want %v: %v", r.Report.ID, r.Report.Form,
				r.Report.Station, r.Break, r.Typo, got, r.ExpectFlagged, failures(checks))
		}
		if r.ExpectFlagged {
			flagged++
		}
		if r.Break != "" && !failsCheck(checks, r.Break) {
			t.Errorf("report %s: break %s is not caught by its own check: %v", r.Report.ID, r.Break, failures(checks))
		}
		if r.Kind == iltod.Results {
			results[r.Report.Station] = append(results[r.Report.Station], r)
		}
	}
	if flagged != c.ExpectFlagged {
		t.Errorf("%d reports expected flagged, Counts says %d", flagged, c.ExpectFlagged)
	}
	for _, s := range sc.Stations {
		rs := results[s.Station]
		switch {
		case s.Silence != Heard || len(s.Reporters) == 0:
			if len(rs) > 0 {
				t.Errorf("silent or uncovered station %s has %d results reports", s.Station, len(rs))
			}
			continue
		case len(rs) < len(s.Reporters):
			t.Errorf("station %s: %d results reports from %d reporters", s.Station, len(rs), len(s.Reporters))
		}
		var typist *PlannedReport
		for _, r := range rs {
			if len(r.Typo) > 0 {
				typist = r
			}
		}
		if s.Disagreement != (typist != nil) {
			t.Errorf("station %s: disagreement %v, typo report %v", s.Station, s.Disagreement, typist != nil)
		}
		if typist == nil {
			continue
		}
		for _, r := range rs {
			if r == typist {
				continue
			}
			var diff []string
			for _, tag := range slices.Sorted(maps.Keys(r.Report.Answers)) {
				if !r.Report.Answers[tag].Equal(typist.Report.Answers[tag]) {
					diff = append(diff, tag)
				}
			}
			if !slices.Equal(diff, typist.Typo) || len(diff) == 0 || len(diff) > 2 {
				t.Errorf("station %s: reports differ in %v, typo says %v", s.Station, diff, typist.Typo)
			}
		}
	}
}

// failsCheck reports whether the check that a break targets fails.
func failsCheck(cs []iltod.CheckResult, brk string) bool {
	code := map[string]string{BreakCastSum: qa.CastSum, BreakAboveCast: qa.BlockCandidateLECast, BreakVotesSum: qa.ValidSum}[brk]
	for _, c := range cs {
		if c.Code == code && c.Outcome == iltod.CheckFail {
			return true
		}
	}
	return false
}
