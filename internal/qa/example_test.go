package qa_test

import (
	"fmt"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/qa"
)

func ExampleParseRule() {
	r, err := qa.ParseRule("sum(K*)<=seats*CV and not (CB>RV)")
	if err != nil {
		panic(err)
	}
	fmt.Println(r)
	fmt.Println(r.Tags())

	_, err = qa.ParseRule("CB = RV")
	fmt.Println(err)
	_, err = qa.ParseRule("CB / RV <= 1")
	fmt.Println(err)
	// Output:
	// sum(K*) <= seats * CV and not CB > RV
	// [K* CV CB RV]
	// at character 4: write == to compare (a rule states a condition; it assigns nothing)
	// at character 4: there is no division: multiply instead, e.g. write 100 * A <= 3 * B for "A is at most 3% of B"
}

// A block-vote constituency with three seats and four candidates, and a results form that
// counts the ballots and each candidate's votes.
func ExampleSheet_Check() {
	en := func(s string) iltod.Text { return iltod.Text{"en": s} }
	areas := iltod.NewAreaIndex([]iltod.Area{
		{Code: "MN", Level: iltod.LevelCountry, Name: en("Mongolia")},
		{Code: "UB", Parent: "MN", Level: iltod.LevelRegion, Name: en("Ulaanbaatar")},
	})
	station := iltod.Station{Code: "UB-001", Area: "UB", Name: en("Station 1"), Registered: 1000}
	contests := []iltod.Contest{{
		Code: "C1", Name: en("Constituency 1"), Body: "hural", Tier: "constituency", Areas: []string{"UB"},
		Seats: 3, System: iltod.System{Kind: iltod.BlockVote},
		Choices: []iltod.Choice{
			{Code: "A", Kind: iltod.Candidate, Ballot: 1, Name: en("A")},
			{Code: "B", Kind: iltod.Candidate, Ballot: 2, Name: en("B")},
			{Code: "C", Kind: iltod.Candidate, Ballot: 3, Name: en("C")},
			{Code: "D", Kind: iltod.Candidate, Ballot: 4, Name: en("D")},
		},
	}}
	zero := int64(0)
	tier := "tier:hural/constituency"
	form := &iltod.Form{
		Code: "results", Version: 1, Kind: iltod.Results, Name: en("Results"),
		Questions: []iltod.Question{
			{Tag: "RV", Label: en("Registered"), Type: iltod.Integer, Min: &zero, Count: iltod.CountRegistered},
			{Tag: "CB", Label: en("Ballots in the box"), Type: iltod.Integer, Min: &zero, Count: iltod.CountCast, Contest: tier},
			{Tag: "CV", Label: en("Valid"), Type: iltod.Integer, Min: &zero, Count: iltod.CountValid, Contest: tier},
			{Tag: "CI", Label: en("Invalid"), Type: iltod.Integer, Min: &zero, NotApplicable: true, Count: iltod.CountInvalid, Contest: tier},
			{Tag: "K", Label: en("Votes"), Type: iltod.Integer, Min: &zero, Count: iltod.CountChoice, Contest: tier, Choice: "*"},
		},
		Rules: []iltod.Rule{
			{Code: "few-invalid", Expr: "100 * CI <= 5 * CB", Message: en("Over 5% of ballots invalid")},
		},
	}
	sheet, err := qa.Expand(form, station, contests, areas)
	if err != nil {
		panic(err)
	}
	answers := map[string]iltod.Value{
		"RV": iltod.IntValue(1000), "CB": iltod.IntValue(812), "CV": iltod.IntValue(790),
		"CI": iltod.Value{}, // not applicable: never read as 0
		"K1": iltod.IntValue(700), "K2": iltod.IntValue(650), "K3": iltod.IntValue(820), "K4": iltod.IntValue(200),
	}
	fmt.Println(sheet.ValidateAnswers(answers).Err())
	for _, r := range sheet.Check(answers) {
		fmt.Printf("%s %s %s: %s\n", r.Code, r.Contest, r.Outcome, r.DetailIn("en"))
	}
	// Output:
	// <nil>
	// over-voting C1 pass: CB 812 <= registered 1000 (answer RV) + allowance 0
	// cast-sum C1 skipped: not applicable: CI
	// block-candidate-le-cast C1 fail: K3 820 > CB 812
	// block-sum-le-seats-valid C1 pass: sum(K1..K4) 2370 <= seats 3 × CV 790 = 2370
	// few-invalid C1 skipped: not applicable: CI
}
