// Package synth generates synthetic election packages of any size, for tests, benchmarks
// and demonstrations that need realistic volume without real data.
//
// A package from Package looks like a national election: a country split into regions,
// districts and subdistricts with polling stations below them, a parliament elected in a
// parallel system (block-vote constituencies, one per region, plus a national party list),
// a presidential two-round contest and an FPTP mayoral contest outside any body, parties,
// observers with unique phone numbers, and the four forms an observer network uses
// (opening and closing checklists, incidents and results), the opening checklist in two
// versions. Names are in Mongolian (Cyrillic) and English. Everything is marked Demo.
//
// The output is deterministic: the same size and seed give the same package, byte for
// byte once encoded. It always passes iltod.Package.Validate.
package synth

import (
	"fmt"
	"math/rand/v2"

	"github.com/iltod/iltod"
)

// Country is the country code of every synthetic election: ZZ is reserved for
// user-assigned use by ISO 3166, so it can never be mistaken for a real country.
const Country = "ZZ"

// Tier, body and contest codes used by every synthetic package, so that tests and
// benchmarks can refer to them.
const (
	Body             = "parl"
	TierConstituency = "constituency"
	TierList         = "list"
	ContestList      = "LIST"
	ContestPresident = "PRES"
	ContestMayor     = "MAYOR"
)

// Shape is how Package splits stations among areas.
type Shape struct {
	Regions                 int // regions below the country
	DistrictsPerRegion      int
	SubdistrictsPerDistrict int
}

// ShapeFor returns the area tree Package builds for the given number of stations: at
// most 21 regions, 30 districts per region and 40 subdistricts per district, aiming at
// about 25 stations per subdistrict. There is always at least one area of each level.
func ShapeFor(stations int) Shape {
	n := max(stations, 1)
	r := clamp(ceilDiv(n, 4000), 1, 21)
	d := clamp(ceilDiv(n, r*300), 1, 30)
	s := clamp(ceilDiv(n, r*d*25), 1, 40)
	return Shape{Regions: r, DistrictsPerRegion: d, SubdistrictsPerDistrict: s}
}

// Package returns a valid synthetic election with the given number of polling stations
// (0 or more; at most iltod.MaxStations), generated from seed.
//
// Its id is "synth-<stations>-s<seed>". Areas are coded ZZ (the country), ZZ-01 (a region),
// ZZ-01.02 (a district) and ZZ-01.02.03 (a subdistrict); stations are coded PS followed by
// a zero-padded number, numbered in a shuffled order so that code order is not load order.
// Every 50th station lies directly in a district rather than a subdistrict. Every station
// has one static observer; every 20th station is also visited by a mobile observer, and each
// district has a supervisor. Observer codes are 7 digits from 1000000 and phone numbers
// are unique.
//
// Package panics if stations is negative or above iltod.MaxStations.
func Package(stations int, seed int64) *iltod.Package {
	if stations < 0 || stations > iltod.MaxStations {
		panic(fmt.Sprintf("synth: %d stations is outside 0..%d", stations, iltod.MaxStations))
	}
	g := &gen{rng: rand.New(rand.NewPCG(uint64(seed), 0x696c746f64)), n: stations, shape: ShapeFor(stations)}
	g.areas()
	g.stations()
	g.election(seed)
	g.contests()
	g.observers()
	g.forms()
	return &g.p
}

type gen struct {
	rng   *rand.Rand
	n     int
	shape Shape
	p     iltod.Package

	regions      []string
	districts    []string
	subdistricts []string
	// districtOf maps each station index to the district it lies in.
	districtOf []int
	// constituencySeats is the seats of the constituency contest of each region.
	constituencySeats []int
}

// intn returns a number in [0, n) from the generator's own stream; it does not depend on
// the bounded-integer algorithms of math/rand, only on PCG's specified output.
func (g *gen) intn(n int) int { return int(g.rng.Uint64() % uint64(n)) }

func (g *gen) between(lo, hi int) int { return lo + g.intn(hi-lo+1) }

func (g *gen) point(lat0, lat1, lon0, lon1 float64) *iltod.Point {
	// Round to 5 decimals (about a metre) so that the values look like real data.
	r := func(lo, hi float64) float64 {
		v := lo + float64(g.intn(1_000_000))/1_000_000*(hi-lo)
		return float64(int64(v*100_000)) / 100_000
	}
	return &iltod.Point{Lat: r(lat0, lat1), Lon: r(lon0, lon1)}
}

func (g *gen) areas() {
	sh := g.shape
	g.p.Areas = append(g.p.Areas, iltod.Area{
		Code: Country, Level: iltod.LevelCountry,
		Name:     iltod.Text{"mn": "Жишээ улс", "en": "Synthetic Republic"},
		Location: &iltod.Point{Lat: 47.92, Lon: 106.92},
	})
	for r := 1; r <= sh.Regions; r++ {
		rc := fmt.Sprintf("%s-%02d", Country, r)
		g.regions = append(g.regions, rc)
		g.p.Areas = append(g.p.Areas, iltod.Area{
			Code: rc, Parent: Country, Level: iltod.LevelRegion,
			Name:     iltod.Text{"mn": fmt.Sprintf("%d-р аймаг", r), "en": fmt.Sprintf("Region %d", r)},
			Location: g.point(42, 51, 88, 119),
		})
		for d := 1; d <= sh.DistrictsPerRegion; d++ {
			dc := fmt.Sprintf("%s.%02d", rc, d)
			g.districts = append(g.districts, dc)
			g.p.Areas = append(g.p.Areas, iltod.Area{
				Code: dc, Parent: rc, Level: iltod.LevelDistrict,
				Name: iltod.Text{"mn": fmt.Sprintf("%d-р сум (%d)", d, r), "en": fmt.Sprintf("District %d.%d", r, d)},
			})
			for s := 1; s <= sh.SubdistrictsPerDistrict; s++ {
				sc := fmt.Sprintf("%s.%02d", dc, s)
				g.subdistricts = append(g.subdistricts, sc)
				g.p.Areas = append(g.p.Areas, iltod.Area{
					Code: sc, Parent: dc, Level: iltod.LevelSubdistrict,
					Name: iltod.Text{"mn": fmt.Sprintf("%d-р баг (%d.%d)", s, r, d), "en": fmt.Sprintf("Subdistrict %d.%d.%d", r, d, s)},
				})
			}
		}
	}
}

func (g *gen) stations() {
	width := len(fmt.Sprint(g.n))
	width = max(width, 4)
	numbers := make([]int, g.n)
	for i := range numbers {
		numbers[i] = i + 1
	}
	for i := len(numbers) - 1; i > 0; i-- {
		j := g.intn(i + 1)
		numbers[i], numbers[j] = numbers[j], numbers[i]
	}
	spd := g.shape.SubdistrictsPerDistrict
	g.p.Stations = make([]iltod.Station, g.n)
	g.districtOf = make([]int, g.n)
	for i := range g.p.Stations {
		sub := i % len(g.subdistricts)
		district := sub / spd
		area := g.subdistricts[sub]
		if i%50 == 49 {
			area = g.districts[district]
		}
		g.districtOf[i] = district
		num := numbers[i]
		s := iltod.Station{
			Code:       fmt.Sprintf("PS%0*d", width, num),
			Area:       area,
			Name:       iltod.Text{"mn": fmt.Sprintf("%d-р хэсэг", num), "en": fmt.Sprintf("Station %d", num)},
			Registered: g.between(200, 3000),
			Stratum:    "rural",
		}
		if district/g.shape.DistrictsPerRegion == 0 {
			s.Stratum = "urban" // the first region plays the capital
		}
		if i%10 != 0 {
			s.Location = g.point(42, 51, 88, 119)
		}
		g.p.Stations[i] = s
	}
}

var parties = []struct {
	code, mn, en, color string
}{
	{"P1", "Нэгдүгээр нам", "First Party", "#1f77b4"},
	{"P2", "Хоёрдугаар нам", "Second Party", "#d62728"},
	{"P3", "Гуравдугаар нам", "Third Party", "#2ca02c"},
	{"P4", "Дөрөвдүгээр нам", "Fourth Party", "#ff7f0e"},
	{"P5", "Тавдугаар нам", "Fifth Party", ""},
	{"P6", "Иргэний эвсэл", "Civic Coalition", "#9467bd"},
}

// listSeats is the seats of the national list tier.
const listSeats = 48

func (g *gen) election(seed int64) {
	e := iltod.Election{
		ID:        fmt.Sprintf("synth-%d-s%d", g.n, seed),
		Name:      iltod.Text{"mn": "Жишээ сонгууль", "en": fmt.Sprintf("Synthetic election (%d stations)", g.n)},
		Date:      "2028-06-30",
		Kind:      "parliamentary",
		Country:   Country,
		Languages: []string{"mn", "en"},
		Demo:      true,
	}
	for _, pt := range parties {
		e.Parties = append(e.Parties, iltod.Party{
			Code: pt.code, Name: iltod.Text{"mn": pt.mn, "en": pt.en},
			Short: iltod.Text{"en": pt.code}, Color: pt.color,
		})
	}
	constituency := 0
	for range g.regions {
		seats := g.between(1, 4)
		g.constituencySeats = append(g.constituencySeats, seats)
		constituency += seats
	}
	e.Bodies = []iltod.Body{{
		Code: Body, Name: iltod.Text{"mn": "Улсын Их Хурал", "en": "Parliament"},
		Seats: constituency + listSeats,
		Tiers: []iltod.Tier{
			{Code: TierConstituency, Name: iltod.Text{"mn": "Тойрог", "en": "Constituencies"}, Seats: constituency},
			{Code: TierList, Name: iltod.Text{"mn": "Намын жагсаалт", "en": "National list"}, Seats: listSeats},
		},
	}}
	g.p.Election = e
}

func (g *gen) contests() {
	for i, rc := range g.regions {
		seats := g.constituencySeats[i]
		code := fmt.Sprintf("C%02d", i+1)
		c := iltod.Contest{
			Code:   code,
			Name:   iltod.Text{"mn": fmt.Sprintf("%d-р тойрог", i+1), "en": fmt.Sprintf("Constituency %d", i+1)},
			Body:   Body,
			Tier:   TierConstituency,
			Areas:  []string{rc},
			Seats:  seats,
			System: iltod.System{Kind: iltod.BlockVote, Ties: iltod.TieMostVotes},
		}
		ballot := 0
		for _, pt := range parties {
			for k := 0; k < seats; k++ {
				ballot++
				c.Choices = append(c.Choices, iltod.Choice{
					Code: fmt.Sprintf("%s-%02d", code, ballot), Kind: iltod.Candidate, Party: pt.code, Ballot: ballot,
					Name: iltod.Text{"mn": fmt.Sprintf("Нэр дэвшигч %d", ballot), "en": fmt.Sprintf("Candidate %d", ballot)},
				})
			}
		}
		ballot++
		c.Choices = append(c.Choices, iltod.Choice{
			Code: fmt.Sprintf("%s-%02d", code, ballot), Kind: iltod.Candidate, Ballot: ballot,
			Name: iltod.Text{"mn": "Бие даагч", "en": "Independent"},
		})
		g.p.Contests = append(g.p.Contests, c)
	}
	list := iltod.Contest{
		Code: ContestList, Name: iltod.Text{"mn": "Намын жагсаалт", "en": "National party list"},
		Body: Body, Tier: TierList, Areas: []string{Country}, Seats: listSeats,
		System: iltod.System{Kind: iltod.ListPR, Method: iltod.Hare, Threshold: 0.04, ThresholdBase: iltod.BaseValid},
	}
	for i, pt := range parties {
		list.Choices = append(list.Choices, iltod.Choice{
			Code: "L-" + pt.code, Kind: iltod.PartyList, Party: pt.code, Ballot: i + 1,
			Name: iltod.Text{"mn": pt.mn, "en": pt.en},
		})
	}
	pres := iltod.Contest{
		Code: ContestPresident, Name: iltod.Text{"mn": "Ерөнхийлөгч", "en": "President"},
		Areas: []string{Country}, Seats: 1,
		System: iltod.System{Kind: iltod.TwoRound, Majority: 0.5, MajorityBase: iltod.BaseValidAndBlank},
	}
	for i := 1; i <= 4; i++ {
		ch := iltod.Choice{
			Code: fmt.Sprintf("PR-%d", i), Kind: iltod.Candidate, Ballot: i,
			Name: iltod.Text{"mn": fmt.Sprintf("Ерөнхийлөгчид нэр дэвшигч %d", i), "en": fmt.Sprintf("Presidential candidate %d", i)},
		}
		if i <= 3 {
			ch.Party = parties[i-1].code
		}
		pres.Choices = append(pres.Choices, ch)
	}
	mayor := iltod.Contest{
		Code: ContestMayor, Name: iltod.Text{"mn": "Нийслэлийн Засаг дарга", "en": "Mayor of the capital"},
		Areas: []string{g.regions[0]}, Seats: 1,
		System: iltod.System{Kind: iltod.FPTP, MinShare: 0.25, MinTurnout: 0.4, Ties: iltod.TieBallotOrder},
		Choices: []iltod.Choice{
			{Code: "M-1", Kind: iltod.Candidate, Ballot: 1, Party: "P1", Name: iltod.Text{"en": "Mayoral candidate 1"}},
			{Code: "M-2", Kind: iltod.Candidate, Ballot: 2, Party: "P2", Name: iltod.Text{"en": "Mayoral candidate 2"}},
		},
	}
	g.p.Contests = append(g.p.Contests, list, pres, mayor)
}

func (g *gen) observers() {
	next := 1_000_000
	newObserver := func(role iltod.ObserverRole) iltod.Observer {
		o := iltod.Observer{
			Code:   fmt.Sprint(next),
			Name:   fmt.Sprintf("Observer %d", next),
			Phones: []string{fmt.Sprintf("+9769%07d", next-1_000_000)},
			Role:   role,
		}
		if next%10 == 3 {
			o.Phones = append(o.Phones, fmt.Sprintf("+9768%07d", next-1_000_000))
		}
		next++
		return o
	}
	supervisors := make([]string, len(g.districts))
	for i := range g.districts {
		o := newObserver(iltod.Supervisor)
		supervisors[i] = o.Code
		g.p.Observers = append(g.p.Observers, o)
	}
	for i, s := range g.p.Stations {
		o := newObserver(iltod.Static)
		o.Stations = []string{s.Code}
		o.Supervisor = supervisors[g.districtOf[i]]
		g.p.Observers = append(g.p.Observers, o)
	}
	for i := 0; i+1 < len(g.p.Stations); i += 20 {
		o := newObserver(iltod.Mobile)
		o.Stations = []string{g.p.Stations[i].Code, g.p.Stations[i+1].Code}
		o.Supervisor = supervisors[g.districtOf[i]]
		g.p.Observers = append(g.p.Observers, o)
	}
}

func i64(v int64) *int64 { return &v }

func yesNo(tag, mn, en string) iltod.Question {
	return iltod.Question{Tag: tag, Type: iltod.YesNo, Required: true, Label: iltod.Text{"mn": mn, "en": en}}
}

func count(tag, en string, kind iltod.CountKind, contest string) iltod.Question {
	return iltod.Question{
		Tag: tag, Type: iltod.Integer, Required: true, Min: i64(0), Max: i64(iltod.MaxRegistered),
		Label: iltod.Text{"en": en}, Count: kind, Contest: contest,
	}
}

func (g *gen) forms() {
	opening := iltod.Form{
		Code: "OPEN", Version: 1, Kind: iltod.Checklist, SMSPrefix: "OP",
		Name: iltod.Text{"mn": "Нээлт", "en": "Opening"},
		Questions: []iltod.Question{
			{Tag: "AT", Type: iltod.TimeOfDay, Required: true, Label: iltod.Text{"mn": "Ирсэн цаг", "en": "Time of arrival"}},
			yesNo("OP", "Хэсэг цагтаа нээгдсэн үү?", "Did the station open on time?"),
			yesNo("BX", "Хайрцаг хоосон байсан уу?", "Was the ballot box shown empty?"),
			{Tag: "ST", Type: iltod.Integer, Min: i64(0), Max: i64(50), Label: iltod.Text{"en": "Commission members present"}},
		},
	}
	opening2 := opening
	opening2.Version = 2
	opening2.Questions = append(append([]iltod.Question(nil), opening.Questions...),
		yesNo("MC", "Машин шалгагдсан уу?", "Was the counting machine tested?"))
	opening2.Rules = []iltod.Rule{{
		Code: "quorum", Expr: "ST >= 5",
		Message: iltod.Text{"mn": "Гишүүд хүрэлцэхгүй", "en": "Fewer than 5 commission members present"},
	}}
	closing := iltod.Form{
		Code: "CLOSE", Version: 1, Kind: iltod.Checklist, SMSPrefix: "CL",
		Name: iltod.Text{"mn": "Хаалт", "en": "Closing"},
		Questions: []iltod.Question{
			yesNo("QC", "Дараалалд байсан сонгогчид санал өгсөн үү?", "Could voters in the queue at closing vote?"),
			yesNo("SE", "Хайрцгийг битүүмжилсэн үү?", "Was the box sealed?"),
		},
	}
	incident := iltod.Form{
		Code: "INC", Version: 1, Kind: iltod.Incident, SMSPrefix: "IN",
		Name: iltod.Text{"mn": "Зөрчил", "en": "Incident"},
		Questions: []iltod.Question{
			{Tag: "K", Type: iltod.SelectMultiple, Required: true, Label: iltod.Text{"en": "What happened?"},
				Options: []iltod.Option{
					{Code: "1", Label: iltod.Text{"mn": "Айлган сүрдүүлэх", "en": "Intimidation"}},
					{Code: "2", Label: iltod.Text{"mn": "Санал худалдан авах", "en": "Vote buying"}},
					{Code: "3", Label: iltod.Text{"mn": "Ажиглагчийг хөөх", "en": "Observer expelled"}},
					{Code: "9", Label: iltod.Text{"mn": "Бусад", "en": "Other"}},
				}},
			{Tag: "SEV", Type: iltod.SelectOne, Label: iltod.Text{"en": "Severity"},
				Options: []iltod.Option{{Code: "L", Label: iltod.Text{"en": "Low"}}, {Code: "H", Label: iltod.Text{"en": "High"}}}},
			{Tag: "D", Type: iltod.TextAnswer, Label: iltod.Text{"mn": "Тайлбар", "en": "Description"}},
		},
	}
	tier := iltod.TierPrefix + Body + "/" + TierConstituency
	results := iltod.Form{
		Code: "RES", Version: 1, Kind: iltod.Results, SMSPrefix: "RS",
		Name: iltod.Text{"mn": "Дүн", "en": "Results"},
		Questions: []iltod.Question{
			count("REG", "Voters on the register", iltod.CountRegistered, ""),
			count("ISS", "Ballots issued", iltod.CountIssued, ""),
			count("CAST", "Ballots in the box", iltod.CountCast, ""),
			count("CV", "Valid ballots, constituency", iltod.CountValid, tier),
			count("CI", "Invalid ballots, constituency", iltod.CountInvalid, tier),
			{Tag: "C", Type: iltod.Integer, Required: true, Min: i64(0), Label: iltod.Text{"en": "Votes for candidate"},
				Count: iltod.CountChoice, Contest: tier, Choice: iltod.EachChoice, Tally: iltod.TallyManual},
			count("LV", "Valid ballots, list", iltod.CountValid, ContestList),
			{Tag: "L", Type: iltod.Integer, Required: true, Min: i64(0), Label: iltod.Text{"en": "Votes for list"},
				Count: iltod.CountChoice, Contest: ContestList, Choice: iltod.EachChoice},
			count("PV", "Valid ballots, president", iltod.CountValid, ContestPresident),
			count("PB", "Blank ballots, president", iltod.CountBlank, ContestPresident),
			{Tag: "P", Type: iltod.Integer, Required: true, Min: i64(0), Label: iltod.Text{"en": "Votes for presidential candidate"},
				Count: iltod.CountChoice, Contest: ContestPresident, Choice: iltod.EachChoice, NotApplicable: true},
		},
		Rules: []iltod.Rule{
			{Code: "cast-issued", Expr: "CAST <= ISS", Message: iltod.Text{"en": "More ballots in the box than were issued"}},
			{Code: "issued-reg", Expr: "ISS <= REG", Message: iltod.Text{"en": "More ballots issued than voters registered"}},
		},
	}
	g.p.Forms = []iltod.Form{opening, opening2, closing, incident, results}
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

func clamp(v, lo, hi int) int { return min(max(v, lo), hi) }
