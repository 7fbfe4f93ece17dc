package storetest

import "github.com/iltod/iltod"

func i64(v int64) *int64 { return &v }

// Fixture returns a small, hand-built election package that exercises every field a
// store must keep: names in two languages, optional locations, areas whose codes are
// prefixes of other codes (UB and UB2), codes with dots, hyphens and both letter cases,
// stations at every level below the country, all four electoral systems, a body with two
// tiers, observers of every role, and forms in two versions loaded out of order, with
// optional min and max bounds and rules.
//
// Each call returns a fresh value with the given election id; it passes Validate.
func Fixture(id string) *iltod.Package {
	return &iltod.Package{
		Election: iltod.Election{
			ID:        id,
			Name:      iltod.Text{"mn": "Улсын Их Хурлын сонгууль 2024", "en": "State Great Khural election 2024"},
			Date:      "2024-06-28",
			Kind:      "parliamentary",
			Country:   "MN",
			Languages: []string{"mn", "en"},
			Parties: []iltod.Party{
				{Code: "MPP", Name: iltod.Text{"mn": "Монгол Ардын Нам", "en": "Mongolian People's Party"}, Short: iltod.Text{"mn": "МАН", "en": "MPP"}, Color: "#e41a1c"},
				{Code: "DP", Name: iltod.Text{"mn": "Ардчилсан Нам", "en": "Democratic Party"}, Color: "#377eb8"},
				{Code: "HUN", Name: iltod.Text{"mn": "ХҮН Нам"}},
			},
			Bodies: []iltod.Body{{
				Code: "sgk", Name: iltod.Text{"mn": "Улсын Их Хурал", "en": "State Great Khural"}, Seats: 7,
				Tiers: []iltod.Tier{
					{Code: "constituency", Name: iltod.Text{"en": "Constituencies"}, Seats: 3},
					{Code: "list", Name: iltod.Text{"mn": "Жагсаалт", "en": "National list"}, Seats: 4},
				},
			}},
			// Tolerances for place and time, which the store keeps with the election.
			Observation: &iltod.ObservationSettings{GeofenceMetres: 1500, ClockSkewSeconds: 600},
		},
		Areas: []iltod.Area{
			{Code: "MN", Level: iltod.LevelCountry, Name: iltod.Text{"mn": "Монгол Улс", "en": "Mongolia"}, Location: &iltod.Point{Lat: 47.9186, Lon: 106.9176}},
			{Code: "UB", Parent: "MN", Level: iltod.LevelRegion, Name: iltod.Text{"mn": "Улаанбаатар", "en": "Ulaanbaatar"}},
			{Code: "UB-BZD", Parent: "UB", Level: iltod.LevelDistrict, Name: iltod.Text{"mn": "Баянзүрх", "en": "Bayanzürkh"}, Location: &iltod.Point{Lat: 47.9, Lon: 106.95}},
			{Code: "UB-BZD.1", Parent: "UB-BZD", Level: iltod.LevelSubdistrict, Name: iltod.Text{"mn": "1-р хороо"}},
			{Code: "UB-BZD.2", Parent: "UB-BZD", Level: iltod.LevelSubdistrict, Name: iltod.Text{"en": "Khoroo 2"}},
			{Code: "UB-SBD", Parent: "UB", Level: iltod.LevelDistrict, Name: iltod.Text{"mn": "Сүхбаатар", "en": "Sükhbaatar"}},
			// UB2 has UB as a string prefix: a store that filters by a bare prefix of codes
			// would wrongly put UB2's stations in UB.
			{Code: "UB2", Parent: "MN", Level: iltod.LevelRegion, Name: iltod.Text{"en": "Ulaanbaatar 2"}},
			// A subdistrict directly below a region: levels may be skipped.
			{Code: "UB2-x.1", Parent: "UB2", Level: iltod.LevelSubdistrict, Name: iltod.Text{"en": "Skip"}, Location: &iltod.Point{Lat: -0.5, Lon: -179.99}},
			{Code: "OCV", Parent: "MN", Level: iltod.LevelRegion, Name: iltod.Text{"mn": "Гадаад дахь", "en": "Out of country"}},
			{Code: "OCV-SEOUL", Parent: "OCV", Level: iltod.LevelDistrict, Name: iltod.Text{"en": "Seoul"}},
		},
		Stations: []iltod.Station{
			{Code: "0104", Area: "UB-BZD.1", Name: iltod.Text{"mn": "104-р хэсэг", "en": "Station 104"}, Registered: 2800, Stratum: "urban", Location: &iltod.Point{Lat: 47.91, Lon: 106.94}},
			{Code: "0101", Area: "UB-BZD.1", Name: iltod.Text{"mn": "101"}, Registered: 1500, Stratum: "urban"},
			{Code: "0201", Area: "UB-BZD.2", Name: iltod.Text{"en": "201"}, Registered: 0},
			{Code: "x1", Area: "UB-BZD", Name: iltod.Text{"en": "Lower case"}, Registered: 7, Stratum: "urban core"},
			// In byte order a.1 comes after X1; a locale's order would put it before SBD.9.
			{Code: "a.1", Area: "UB-BZD.2", Name: iltod.Text{"en": "a.1"}, Registered: 5},
			{Code: "X1", Area: "UB-SBD", Name: iltod.Text{"en": "Upper case"}, Registered: 1_000_000},
			{Code: "SBD.9", Area: "UB-SBD", Name: iltod.Text{"mn": "Сүхбаатар 9"}, Registered: 900, Stratum: "urban"},
			{Code: "UB-R", Area: "UB", Name: iltod.Text{"en": "In the region itself"}, Registered: 12},
			{Code: "UB2.1", Area: "UB2", Name: iltod.Text{"en": "Second region"}, Registered: 33, Stratum: "rural"},
			{Code: "UB2.2", Area: "UB2-x.1", Name: iltod.Text{"en": "Second region, skipped level"}, Registered: 44, Location: &iltod.Point{Lat: 0, Lon: 0}},
			{Code: "9-SEOUL", Area: "OCV-SEOUL", Name: iltod.Text{"mn": "Сөүл", "en": "Seoul"}, Registered: 812, Stratum: "abroad"},
		},
		Contests: []iltod.Contest{
			{
				Code: "C01", Name: iltod.Text{"mn": "1-р тойрог", "en": "Constituency 1"}, Body: "sgk", Tier: "constituency",
				Areas: []string{"UB"}, Seats: 2, System: iltod.System{Kind: iltod.BlockVote},
				Choices: []iltod.Choice{
					{Code: "C01-1", Kind: iltod.Candidate, Name: iltod.Text{"mn": "Бат", "en": "Bat"}, Party: "MPP", Ballot: 1},
					{Code: "C01-2", Kind: iltod.Candidate, Name: iltod.Text{"mn": "Болд"}, Party: "DP", Ballot: 2},
					{Code: "C01-3", Kind: iltod.Candidate, Name: iltod.Text{"en": "Independent"}, Ballot: 3},
				},
			},
			{
				Code: "C02", Name: iltod.Text{"en": "Constituency 2"}, Body: "sgk", Tier: "constituency",
				Areas: []string{"UB2", "OCV"}, Seats: 1,
				System: iltod.System{Kind: iltod.FPTP, MinShare: 0.25, MinTurnout: 0.5, Ties: iltod.TieMostVotes},
				Choices: []iltod.Choice{
					{Code: "C02-1", Kind: iltod.Candidate, Name: iltod.Text{"en": "A"}, Party: "HUN", Ballot: 1},
					{Code: "C02-2", Kind: iltod.Candidate, Name: iltod.Text{"en": "B"}, Ballot: 2},
				},
			},
			{
				Code: "LIST", Name: iltod.Text{"en": "National list"}, Body: "sgk", Tier: "list",
				Areas: []string{"MN"}, Seats: 4,
				System: iltod.System{Kind: iltod.ListPR, Method: iltod.DHondt, Threshold: 0.05, ThresholdBase: iltod.BaseValid},
				Choices: []iltod.Choice{
					{Code: "L-MPP", Kind: iltod.PartyList, Name: iltod.Text{"en": "MPP"}, Party: "MPP", Ballot: 1},
					{Code: "L-DP", Kind: iltod.PartyList, Name: iltod.Text{"en": "DP"}, Party: "DP", Ballot: 2},
					{Code: "L-HUN", Kind: iltod.PartyList, Name: iltod.Text{"en": "HUN"}, Party: "HUN"},
				},
			},
			{
				Code: "PRES", Name: iltod.Text{"mn": "Ерөнхийлөгч", "en": "President"},
				Areas: []string{"MN"}, Seats: 1,
				System: iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: iltod.BaseValidAndBlank, Ties: iltod.TieLot},
				Choices: []iltod.Choice{
					{Code: "P1", Kind: iltod.Candidate, Name: iltod.Text{"en": "One"}, Party: "MPP", Ballot: 1},
					{Code: "P2", Kind: iltod.Candidate, Name: iltod.Text{"en": "Two"}, Party: "DP", Ballot: 2},
				},
			},
		},
		Observers: []iltod.Observer{
			{Code: "900", Name: "Доржийн Сувд", Phones: []string{"+97699000001"}, Role: iltod.Supervisor},
			{Code: "101", Name: "Батын Болд", Phones: []string{"+97699112233", "+97688112233"}, Stations: []string{"0101"}, Role: iltod.Static, Supervisor: "900", Lang: "en", PIN: "4821"},
			{Code: "0042", Name: "Jane Roe", Stations: []string{"UB2.1", "9-SEOUL"}, Role: iltod.Mobile},
			{Code: "1234567890", Name: "Supervisor Two", Role: iltod.Supervisor, Supervisor: "900"},
		},
		Forms: []iltod.Form{
			{
				Code: "RES", Version: 1, Kind: iltod.Results, Name: iltod.Text{"mn": "Дүн", "en": "Results"}, SMSPrefix: "R",
				Questions: []iltod.Question{
					{Tag: "REG", Label: iltod.Text{"en": "Registered"}, Type: iltod.Integer, Required: true, Min: i64(0), Count: iltod.CountRegistered},
					{Tag: "V", Label: iltod.Text{"en": "Valid"}, Type: iltod.Integer, Max: i64(1_000_000), Count: iltod.CountValid, Contest: "tier:sgk/constituency", Tally: iltod.TallyMachine},
					{Tag: "C", Label: iltod.Text{"en": "Votes"}, Type: iltod.Integer, Min: i64(-0), Max: i64(5000), Count: iltod.CountChoice, Contest: "tier:sgk/constituency", Choice: iltod.EachChoice, NotApplicable: true},
					{Tag: "PR1", Label: iltod.Text{"en": "Votes for P1"}, Type: iltod.Integer, Count: iltod.CountChoice, Contest: "PRES", Choice: "P1"},
				},
				Rules: []iltod.Rule{{Code: "v-le-reg", Expr: "V <= REG", Message: iltod.Text{"mn": "Хэт олон", "en": "More valid ballots than registered voters"}}},
			},
			{
				Code: "OPEN", Version: 2, Kind: iltod.Checklist, Name: iltod.Text{"en": "Opening v2"}, SMSPrefix: "OP",
				Questions: []iltod.Question{
					{Tag: "A", Label: iltod.Text{"en": "Arrived"}, Type: iltod.TimeOfDay, Required: true},
					{Tag: "B", Label: iltod.Text{"en": "Box empty?"}, Type: iltod.YesNo},
					{Tag: "N", Label: iltod.Text{"en": "Members"}, Type: iltod.Integer, Min: i64(0), Max: i64(0)},
				},
			},
			{
				Code: "INC", Version: 1, Kind: iltod.Incident, Name: iltod.Text{"mn": "Зөрчил", "en": "Incident"},
				Questions: []iltod.Question{
					{Tag: "K", Label: iltod.Text{"en": "Kind"}, Type: iltod.SelectMultiple, Required: true, Options: []iltod.Option{
						{Code: "1", Label: iltod.Text{"mn": "Айлгах", "en": "Intimidation"}},
						{Code: "2", Label: iltod.Text{"en": "Vote buying"}},
					}},
					{Tag: "T", Label: iltod.Text{"en": "What happened"}, Type: iltod.TextAnswer},
				},
			},
			{
				Code: "OPEN", Version: 1, Kind: iltod.Checklist, Name: iltod.Text{"en": "Opening"}, SMSPrefix: "OP",
				Questions: []iltod.Question{
					{Tag: "A", Label: iltod.Text{"en": "Arrived"}, Type: iltod.TimeOfDay, Required: true},
					{Tag: "S", Label: iltod.Text{"en": "Opened?"}, Type: iltod.SelectOne, Options: []iltod.Option{
						{Code: "Y", Label: iltod.Text{"en": "Yes"}}, {Code: "N", Label: iltod.Text{"en": "No"}},
					}},
				},
			},
		},
	}
}
