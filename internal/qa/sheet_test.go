package qa

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/demo"
	"github.com/iltod/iltod/internal/electionpkg"
)

// TestFixtureIsValid guards the fixture: it must be a package iltod accepts.
func TestFixtureIsValid(t *testing.T) {
	areas, stations, contests := fixture()
	p := iltod.Package{
		Election: iltod.Election{
			ID: "fixture", Name: iltod.Text{"en": "Fixture"}, Date: "2024-06-28", Kind: "parliamentary",
			Country: "MN", Languages: []string{"en"},
			Parties: []iltod.Party{{Code: "P", Name: iltod.Text{"en": "Party"}}},
			Bodies: []iltod.Body{{Code: "hural", Name: iltod.Text{"en": "Hural"}, Seats: 30, Tiers: []iltod.Tier{
				{Code: "constituency", Name: iltod.Text{"en": "Constituencies"}, Seats: 10},
				{Code: "list", Name: iltod.Text{"en": "List"}, Seats: 20},
			}}},
		},
		Areas: areas, Stations: stations, Contests: contests,
		Forms: []iltod.Form{*resultsForm()},
	}
	if err := p.Validate(); err != nil {
		t.Fatal(err)
	}
	if ps := ValidateForm(resultsForm()); ps != nil {
		t.Fatal(ps)
	}
}

func tags(s *Sheet) string {
	var out []string
	for _, it := range s.Questions {
		out = append(out, it.Tag)
	}
	return strings.Join(out, " ")
}

func TestExpandFixture(t *testing.T) {
	f := resultsForm()
	t.Run("block constituency", func(t *testing.T) {
		s := mustExpand(t, f, "S1")
		want := "RV BI CB CV CI" + seqTags("K", 12) + seqTags("KM", 12) + " LC LV LI LB P1 P2 P3 PM1 PM2 PM3"
		if got := tags(s); got != want {
			t.Errorf("tags\n got %s\nwant %s", got, want)
		}
		k7, _ := s.Item("K7")
		if k7.Contest != "B9" || k7.Choice != "B9-07" || k7.Ballot != 7 || k7.Seats != 9 || k7.System != iltod.BlockVote || k7.Tally != iltod.TallyManual || k7.Count != iltod.CountChoice {
			t.Errorf("K7 = %+v", k7.Binding)
		}
		if k7.Question != &f.Questions[5] {
			t.Errorf("K7's question is not the form's question K")
		}
		rv, _ := s.Item("RV")
		if rv.Contest != "" || rv.Count != iltod.CountRegistered || rv.Seats != 0 {
			t.Errorf("RV = %+v", rv.Binding)
		}
		p2, _ := s.Item("P2")
		if p2.Contest != "LIST" || p2.Choice != "L-02" || p2.Seats != 20 || p2.System != iltod.ListPR {
			t.Errorf("P2 = %+v", p2.Binding)
		}
		if len(s.Omitted) != 0 {
			t.Errorf("omitted %v", s.Omitted)
		}
	})
	t.Run("fptp constituency", func(t *testing.T) {
		s := mustExpand(t, f, "S2")
		if got, want := tags(s), "RV BI CB CV CI K1 K2 K3 KM1 KM2 KM3 LC LV LI LB P1 P2 P3 PM1 PM2 PM3"; got != want {
			t.Errorf("tags\n got %s\nwant %s", got, want)
		}
		cv, _ := s.Item("CV")
		if cv.Contest != "F1" || cv.Seats != 1 || cv.System != iltod.FPTP {
			t.Errorf("CV = %+v", cv.Binding)
		}
	})
	t.Run("no constituency", func(t *testing.T) {
		s := mustExpand(t, f, "S3")
		if got, want := tags(s), "RV BI LC LV LI LB P1 P2 P3 PM1 PM2 PM3"; got != want {
			t.Errorf("tags\n got %s\nwant %s", got, want)
		}
		var om []string
		for _, o := range s.Omitted {
			om = append(om, o.Tag)
			if o.Reason.English() != "the station lies in no contest of tier hural/constituency" {
				t.Errorf("%s omitted because %q", o.Tag, o.Reason.English())
			}
		}
		if got := strings.Join(om, " "); got != "CB CV CI K KM" {
			t.Errorf("omitted %s, want CB CV CI K KM", got)
		}
	})
	t.Run("contest by code the station does not vote in", func(t *testing.T) {
		g := resultsForm()
		g.Questions = append(g.Questions, q("FV integer blank F1"))
		s := mustExpand(t, g, "S1")
		if _, ok := s.Item("FV"); ok {
			t.Error("FV is on the sheet at a station outside F1")
		}
		if len(s.Omitted) != 1 || s.Omitted[0].Reason.English() != "the station does not vote in contest F1" {
			t.Errorf("omitted %+v", s.Omitted)
		}
		if _, ok := mustExpand(t, g, "S2").Item("FV"); !ok {
			t.Error("FV is not on the sheet at a station in F1")
		}
	})
}

func seqTags(prefix string, n int) string {
	var b strings.Builder
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, " %s%d", prefix, i)
	}
	return b.String()
}

func TestExpandErrors(t *testing.T) {
	areas, stations, contests := fixture()
	ix := iltod.NewAreaIndex(areas)
	tests := []struct {
		name   string
		change func(f *iltod.Form, cs []iltod.Contest) []iltod.Contest
		want   string
	}{
		{"unknown contest", func(f *iltod.Form, cs []iltod.Contest) []iltod.Contest {
			f.Questions = append(f.Questions, q("X integer valid NOPE"))
			f.Questions[len(f.Questions)-1].Contest = "NOPE"
			return cs
		}, `question X: unknown contest "NOPE"`},
		{"unknown choice", func(f *iltod.Form, cs []iltod.Contest) []iltod.Contest {
			x := q("X integer choice LIST choice=L-99")
			f.Questions = append(f.Questions, x)
			return cs
		}, `question X: contest LIST has no choice "L-99"`},
		{"two contests of a tier", func(f *iltod.Form, cs []iltod.Contest) []iltod.Contest {
			c := cs[1]
			c.Code, c.Areas = "F2", []string{"D1"}
			return append(cs, c)
		}, "station S1 lies in two contests of tier hural/constituency: B9 and F2"},
		{"choice without ballot number", func(f *iltod.Form, cs []iltod.Contest) []iltod.Contest {
			cs[0].Choices[3].Ballot = 0
			return cs
		}, "question K: choice B9-04 of contest B9 has no ballot number"},
		{"tag collision", func(f *iltod.Form, cs []iltod.Contest) []iltod.Contest {
			f.Questions = append(f.Questions, q("K3 integer"))
			return cs
		}, "tag K3 is used by two questions (K and K3)"},
		{"same figure twice", func(f *iltod.Form, cs []iltod.Contest) []iltod.Contest {
			f.Questions = append(f.Questions, q("LV2 integer valid LIST"))
			return cs
		}, "questions LV and LV2 count the same figure (valid in LIST)"},
		{"bad rule", func(f *iltod.Form, cs []iltod.Contest) []iltod.Contest {
			f.Rules = []iltod.Rule{{Code: "r", Expr: "CB <= ZZ", Message: iltod.Text{"en": "m"}}}
			return cs
		}, "rules[0].expr: at character 7: the form has no question ZZ"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := resultsForm()
			_, _, fresh := fixture()
			cs := tt.change(f, fresh)
			_, err := Expand(f, stations[0], cs, ix)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("err = %v, want it to contain %q", err, tt.want)
			}
		})
	}
	if _, err := Expand(nil, stations[0], contests, ix); err == nil {
		t.Error("Expand(nil form) succeeded")
	}
	if _, err := Expand(resultsForm(), stations[0], contests, nil); err == nil {
		t.Error("Expand(nil areas) succeeded")
	}
}

// TestExpandDemo expands the demo's results form at stations in three constituencies of
// different sizes. The seats are the 2024 mandates (REFERENCE.md §6): constituency 1
// (Arkhangai, Bayankhongor, Övörkhangai) 9, 3 (Bayan-Ölgii) 3, 8 (Bayanzürkh) 5.
func TestExpandDemo(t *testing.T) {
	p, err := electionpkg.Read(demo.Package())
	if err != nil {
		t.Fatal(err)
	}
	ix := iltod.NewAreaIndex(p.Areas)
	var form *iltod.Form
	for i := range p.Forms {
		if ps := ValidateForm(&p.Forms[i]); ps != nil {
			t.Errorf("demo form %s: %v", p.Forms[i].Code, ps)
		}
		if p.Forms[i].Kind == iltod.Results {
			form = &p.Forms[i]
		}
	}
	station := func(prefix string) iltod.Station {
		for _, s := range p.Stations {
			if strings.HasPrefix(s.Code, prefix) {
				return s
			}
		}
		t.Fatalf("no demo station %s…", prefix)
		return iltod.Station{}
	}
	contest := func(code string) *iltod.Contest {
		for i := range p.Contests {
			if p.Contests[i].Code == code {
				return &p.Contests[i]
			}
		}
		t.Fatalf("no contest %s", code)
		return nil
	}
	for _, tt := range []struct {
		station, contest string
		seats            int
	}{
		{"AR-01.", "C01", 9},
		{"OH-", "C01", 9},
		{"BO-", "C03", 3},
		{"UB-BZD-", "C08", 5},
	} {
		t.Run(tt.station, func(t *testing.T) {
			st := station(tt.station)
			s, err := Expand(form, st, p.Contests, ix)
			if err != nil {
				t.Fatal(err)
			}
			c := contest(tt.contest)
			n := len(c.Choices)
			for _, tag := range []string{"K", "KM"} {
				for i := 1; i <= n; i++ {
					it, ok := s.Item(fmt.Sprint(tag, i))
					if !ok {
						t.Fatalf("%s%d missing", tag, i)
					}
					if it.Contest != tt.contest || it.Seats != tt.seats || it.System != iltod.BlockVote {
						t.Fatalf("%s%d = %+v", tag, i, it.Binding)
					}
					if ch, _ := c.Choice(it.Choice); ch.Ballot != i {
						t.Fatalf("%s%d counts %s, ballot %d", tag, i, it.Choice, ch.Ballot)
					}
				}
				if _, ok := s.Item(fmt.Sprint(tag, n+1)); ok {
					t.Errorf("%s%d exists but %s has %d candidates", tag, n+1, tt.contest, n)
				}
			}
			cb, _ := s.Item("CB")
			if cb.Contest != tt.contest {
				t.Errorf("CB counts %s", cb.Contest)
			}
			p3, _ := s.Item("P3")
			if p3.Contest != "LIST" || p3.Seats != 48 || p3.Choice != "L-GSP" {
				t.Errorf("P3 = %+v", p3.Binding)
			}
			// An honest report passes every check; one over-voting constituency ballot
			// count fails exactly the checks that compare it.
			ans := honestDemo(s, st.Registered)
			for _, r := range s.Check(ans) {
				if r.Outcome != iltod.CheckPass {
					t.Errorf("honest report: %+v", r)
				}
			}
			if ps := s.ValidateAnswers(ans); ps != nil {
				t.Errorf("honest report: %v", ps)
			}
		})
	}
}

// honestDemo fills in a consistent report for the demo results form at a station.
func honestDemo(s *Sheet, registered int) map[string]iltod.Value {
	ans := map[string]iltod.Value{}
	set := func(tag string, v int64) { ans[tag] = iltod.IntValue(v) }
	issued := int64(registered) * 7 / 10
	set("EA", int64(registered))
	set("EB", issued)
	set("CB", issued)
	set("CX", 10)
	set("CA", issued-10)
	set("PB", issued)
	set("PX", 7)
	set("PA", issued-7)
	left := issued - 7
	for i := 1; i <= 7; i++ {
		v := left / 2
		if i == 7 {
			v = left
		}
		left -= v
		set(fmt.Sprint("P", i), v)
		set(fmt.Sprint("PM", i), v)
	}
	n := int64(len(s.prefixItems("K")))
	for _, it := range s.Questions {
		if it.Question.Tag == "K" || it.Question.Tag == "KM" {
			// Half the votes the valid ballots could carry, spread evenly.
			set(it.Tag, (issued-10)*int64(it.Seats)/(2*n)+int64(it.Ballot))
		}
	}
	return ans
}
