package qa

import (
	"fmt"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

// A small election built to exercise every check:
//
//	MN ─ R1 ─ D1   station S1 (1000 registered): constituency B9 (block vote, 9 seats, 12 candidates)
//	   ─ R2 ─ D2   station S2 (800 registered):  constituency F1 (fptp, 3 candidates)
//	   ─ R3        station S3 (500 registered):  no constituency
//
// and a national list LIST (list_pr, 3 lists) in which every station votes.
func fixture() ([]iltod.Area, []iltod.Station, []iltod.Contest) {
	name := func(s string) iltod.Text { return iltod.Text{"en": s} }
	areas := []iltod.Area{
		{Code: "MN", Level: iltod.LevelCountry, Name: name("Country")},
		{Code: "R1", Parent: "MN", Level: iltod.LevelRegion, Name: name("Region 1")},
		{Code: "D1", Parent: "R1", Level: iltod.LevelDistrict, Name: name("District 1")},
		{Code: "R2", Parent: "MN", Level: iltod.LevelRegion, Name: name("Region 2")},
		{Code: "D2", Parent: "R2", Level: iltod.LevelDistrict, Name: name("District 2")},
		{Code: "R3", Parent: "MN", Level: iltod.LevelRegion, Name: name("Region 3")},
	}
	stations := []iltod.Station{
		{Code: "S1", Area: "D1", Name: name("Station 1"), Registered: 1000},
		{Code: "S2", Area: "D2", Name: name("Station 2"), Registered: 800},
		{Code: "S3", Area: "R3", Name: name("Station 3"), Registered: 500},
	}
	candidates := func(prefix string, n int, kind iltod.ChoiceKind) []iltod.Choice {
		var out []iltod.Choice
		for i := 1; i <= n; i++ {
			out = append(out, iltod.Choice{Code: fmt.Sprintf("%s-%02d", prefix, i), Kind: kind, Party: "P", Ballot: i, Name: name(fmt.Sprint(prefix, i))})
		}
		return out
	}
	contests := []iltod.Contest{
		{Code: "B9", Name: name("Block 9"), Body: "hural", Tier: "constituency", Areas: []string{"R1"}, Seats: 9,
			System: iltod.System{Kind: iltod.BlockVote}, Choices: candidates("B9", 12, iltod.Candidate)},
		{Code: "F1", Name: name("FPTP 1"), Body: "hural", Tier: "constituency", Areas: []string{"R2"}, Seats: 1,
			System: iltod.System{Kind: iltod.FPTP}, Choices: candidates("F1", 3, iltod.Candidate)},
		{Code: "LIST", Name: name("List"), Body: "hural", Tier: "list", Areas: []string{"MN"}, Seats: 20,
			System: iltod.System{Kind: iltod.ListPR, Method: iltod.Hare}, Choices: candidates("L", 3, iltod.PartyList)},
	}
	return areas, stations, contests
}

func i64(v int64) *int64 { return &v }

// q builds a question: q("CB integer cast tier:hural/constituency") and so on; fields
// after the type are a count, a contest and "choice=…", "tally=…", "req", "na".
func q(spec string) iltod.Question {
	f := strings.Fields(spec)
	qq := iltod.Question{Tag: f[0], Type: iltod.QuestionType(f[1]), Label: iltod.Text{"en": f[0]}}
	if qq.Type == iltod.Integer {
		qq.Min = i64(0)
	}
	for _, w := range f[2:] {
		switch {
		case w == "req":
			qq.Required = true
		case w == "na":
			qq.NotApplicable = true
		case strings.HasPrefix(w, "choice="):
			qq.Choice = strings.TrimPrefix(w, "choice=")
		case strings.HasPrefix(w, "tally="):
			qq.Tally = strings.TrimPrefix(w, "tally=")
		case strings.HasPrefix(w, "max="):
			var m int64
			fmt.Sscan(strings.TrimPrefix(w, "max="), &m)
			qq.Max = &m
		case strings.HasPrefix(w, "tier:") || w == "LIST" || w == "B9" || w == "F1":
			qq.Contest = w
		default:
			qq.Count = iltod.CountKind(w)
		}
	}
	return qq
}

const (
	tierC = "tier:hural/constituency"
	tierL = "tier:hural/list"
)

// resultsForm counts everything: registered, issued and cast at the station; cast,
// valid, invalid and per-candidate votes by hand and by machine in the constituency;
// cast, valid, invalid, blank and per-list votes (by hand and by machine) in the list.
func resultsForm() *iltod.Form {
	return &iltod.Form{
		Code: "results", Version: 1, Kind: iltod.Results, Name: iltod.Text{"en": "Results"},
		Questions: []iltod.Question{
			q("RV integer registered"),
			q("BI integer issued"),
			q("CB integer cast " + tierC),
			q("CV integer valid " + tierC),
			q("CI integer invalid " + tierC),
			q("K integer choice " + tierC + " choice=* tally=manual na"),
			q("KM integer choice " + tierC + " choice=* tally=machine na"),
			q("LC integer cast " + tierL),
			q("LV integer valid " + tierL),
			q("LI integer invalid " + tierL),
			q("LB integer blank " + tierL),
			q("P integer choice " + tierL + " choice=* na"),
			q("PM integer choice " + tierL + " choice=* tally=machine"),
		},
	}
}

func mustExpand(t testing.TB, f *iltod.Form, station string) *Sheet {
	t.Helper()
	areas, stations, contests := fixture()
	for _, st := range stations {
		if st.Code == station {
			s, err := Expand(f, st, contests, iltod.NewAreaIndex(areas))
			if err != nil {
				t.Fatalf("Expand at %s: %v", station, err)
			}
			return s
		}
	}
	t.Fatalf("no station %s", station)
	return nil
}

// answers builds answers from "TAG=value" words: a number, NA, yes, no, or "text".
func answers(spec string) map[string]iltod.Value {
	out := map[string]iltod.Value{}
	for _, w := range strings.Fields(spec) {
		tag, v, _ := strings.Cut(w, "=")
		var n int64
		switch {
		case v == "NA":
			out[tag] = iltod.Value{}
		case v == "yes" || v == "no":
			out[tag] = iltod.BoolValue(v == "yes")
		case strings.HasPrefix(v, `"`):
			out[tag] = iltod.StrValue(strings.Trim(v, `"`))
		default:
			if _, err := fmt.Sscan(v, &n); err != nil {
				panic("bad answer " + w)
			}
			out[tag] = iltod.IntValue(n)
		}
	}
	return out
}

// with returns a copy of base with the answers of spec added or replaced; "TAG=-"
// removes TAG.
func with(base map[string]iltod.Value, spec string) map[string]iltod.Value {
	out := make(map[string]iltod.Value, len(base))
	for k, v := range base {
		out[k] = v
	}
	for _, w := range strings.Fields(spec) {
		if tag, ok := strings.CutSuffix(w, "=-"); ok {
			delete(out, tag)
			continue
		}
		for k, v := range answers(w) {
			out[k] = v
		}
	}
	return out
}

// seq returns "K1=v K2=v …" for n tags.
func seq(prefix string, values ...int64) string {
	var b strings.Builder
	for i, v := range values {
		fmt.Fprintf(&b, " %s%d=%d", prefix, i+1, v)
	}
	return b.String()
}
