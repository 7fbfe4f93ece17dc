package simulate

import (
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"

	"github.com/iltod/iltod"
)

// Results are the "true" results of an election: what every polling station would count
// if every count were honest and every figure copied faithfully. Truth builds them; the
// simulated observers report them (with the mistakes a Scenario injects), and later work
// (PVT, official results, forensics) can compare its estimates with them.
//
// Results are read-only once Truth returns them and safe for concurrent reads.
type Results struct {
	Election string
	Seed     int64
	// Stations holds one result per station of the package, in package order.
	Stations []StationResult

	index map[string]int
}

// Station returns the result of the station with the given code.
func (r *Results) Station(code string) (*StationResult, bool) {
	i, ok := r.index[code]
	if !ok {
		return nil, false
	}
	return &r.Stations[i], true
}

// Total adds up a contest over every station that votes in it. Its Votes and Machine
// hold every choice that received a vote at some station.
func (r *Results) Total(contest string) ContestResult {
	t := ContestResult{Contest: contest, Votes: map[string]int{}, Machine: map[string]int{}}
	for i := range r.Stations {
		c, ok := r.Stations[i].Contest(contest)
		if !ok {
			continue
		}
		t.System, t.Seats = c.System, c.Seats
		t.Cast += c.Cast
		t.Valid += c.Valid
		t.Invalid += c.Invalid
		t.Blank += c.Blank
		for ch, v := range c.Votes {
			t.Votes[ch] += v
		}
		for ch, v := range c.Machine {
			t.Machine[ch] += v
		}
	}
	return t
}

// StationResult is the true count of one polling station.
type StationResult struct {
	Station string
	// Registered is the station's register, as the package gives it.
	Registered int
	// Issued is the number of voters who signed for their ballot papers; every such voter
	// receives one paper per contest. Issued <= Registered.
	Issued int
	// Cast is the number of voters who put a paper in the box: the largest of the
	// contests' Cast, or 0 where the station votes in no contest. Cast <= Issued.
	Cast int
	// Contests are the contests the station votes in, in package order.
	Contests []ContestResult
}

// Contest returns the station's result in a contest.
func (s *StationResult) Contest(code string) (*ContestResult, bool) {
	for i := range s.Contests {
		if s.Contests[i].Contest == code {
			return &s.Contests[i], true
		}
	}
	return nil, false
}

// Turnout is Issued as a share of Registered, 0 for an empty register.
func (s *StationResult) Turnout() float64 {
	if s.Registered == 0 {
		return 0
	}
	return float64(s.Issued) / float64(s.Registered)
}

// ContestResult is the true count of one contest at one station (or, from Results.Total,
// over all stations).
//
// The figures always hold together: Cast = Valid + Invalid + Blank; Cast <= Issued of the
// station (a voter may take a paper home); in a single-choice contest (fptp, two_round,
// list_pr) the Votes add up to Valid; in a block vote each valid ballot marks one to
// Seats candidates, so no candidate has more votes than Valid and the Votes add up to at
// most Seats × Valid.
type ContestResult struct {
	Contest string
	System  iltod.SystemKind
	Seats   int
	// Cast is the number of this contest's papers found in the box.
	Cast int
	// Valid ballots; Invalid ballots other than blank ones; Blank ballots (no mark at all).
	// A form that does not count blank ballots apart records Invalid + Blank as invalid.
	Valid, Invalid, Blank int
	// Votes maps a choice code to its votes by the manual count, the count of record. Every
	// choice of the contest is present.
	Votes map[string]int
	// Machine maps a choice code to its votes by the counting machine. It equals Votes
	// except at the rare station where the machine and the hand count differ by one or
	// two votes for one choice (see MachineDiffers).
	Machine map[string]int
}

// MachineDiffers reports whether the machine count differs from the manual count for
// some choice.
func (c *ContestResult) MachineDiffers() bool {
	for ch, v := range c.Votes {
		if c.Machine[ch] != v {
			return true
		}
	}
	return false
}

// Marks is the sum of the votes: Valid in a single-choice contest, the marks on all valid
// ballots in a block vote.
func (c *ContestResult) Marks() int {
	n := 0
	for _, v := range c.Votes {
		n += v
	}
	return n
}

// The parameters of the truth model. They are documented here, not tunable: a later
// analysis that reads Results relies on them staying put for a given seed.
const (
	// turnoutRural, turnoutTown and turnoutCity are the mean turnouts of a rural station,
	// of an aimag centre (or any other stratum), and of the capital.
	turnoutRural = 0.72
	turnoutTown  = 0.66
	turnoutCity  = 0.61
	// machineDiffRate is the chance, per station and contest, that the machine count of
	// one choice differs from the hand count by one or two votes.
	machineDiffRate = 0.012
	// blockCap is the largest share of ballots that marks one block-vote candidate.
	blockCap = 0.97
)

// Truth returns deterministic true results for every station of p and every contest the
// station votes in. The same package and seed always give the same Results; a station's
// result depends only on the seed, the station and the contests it votes in, so a package
// cut down to some regions gives those stations the same results as the whole.
//
// The model: turnout averages about 61% in the capital, 66% in aimag centres and 72% in
// rural stations (taken from each station's stratum label), with noise per station; each
// party has a national strength, a strength that varies by region (the region-level
// ancestor of the station's area) and a lean towards town or country; a candidate adds a
// personal appeal. Single-choice contests split the valid ballots among the choices by
// those strengths. In a block vote of M seats each valid ballot marks a number of
// candidates near M (most voters fill the ballot, a few mark fewer), spread over the
// candidates by the same strengths, never more than one mark per candidate per ballot.
// Invalid ballots are 1–3% of the papers in the box and blank ones about 0.4%; the box
// holds slightly fewer papers than were issued at larger stations. Machine and hand
// counts almost always agree.
//
// Truth does not validate p; give it a package that passed Package.Validate.
func Truth(p *iltod.Package, seed int64) *Results {
	m := newModel(p, seed)
	r := &Results{Election: p.Election.ID, Seed: seed, Stations: make([]StationResult, len(p.Stations)),
		index: make(map[string]int, len(p.Stations))}
	for i := range p.Stations {
		r.Stations[i] = m.station(&p.Stations[i])
		r.index[p.Stations[i].Code] = i
	}
	return r
}

// model holds what Truth derives from the package before it counts the stations.
type model struct {
	seed     int64
	areas    *iltod.AreaIndex
	contests []iltod.Contest
	// contestAreas maps a contest's index to the set of its areas.
	contestAreas []map[string]bool
	// national is each party's national strength.
	national map[string]float64
	// lean is each party's lean towards the capital (+) or the country (−), in log units.
	lean map[string]float64
}

func newModel(p *iltod.Package, seed int64) *model {
	m := &model{seed: seed, areas: iltod.NewAreaIndex(p.Areas), contests: p.Contests,
		national: map[string]float64{}, lean: map[string]float64{}}
	for _, c := range p.Contests {
		set := make(map[string]bool, len(c.Areas))
		for _, a := range c.Areas {
			set[a] = true
		}
		m.contestAreas = append(m.contestAreas, set)
	}
	// Parties listed first are the larger ones, as packages usually list them.
	for i, pt := range p.Election.Parties {
		g := m.rng("party", pt.Code)
		m.national[pt.Code] = math.Pow(float64(i+1), -1.1) * math.Exp(0.3*g.NormFloat64())
		m.lean[pt.Code] = 0.35 * g.NormFloat64()
	}
	return m
}

// rng returns a generator determined by the seed and the given keys.
func (m *model) rng(keys ...string) *rand.Rand {
	return seeded(m.seed, keys...)
}

// seeded returns a generator determined by seed and keys.
func seeded(seed int64, keys ...string) *rand.Rand {
	h := fnv.New64a()
	for _, k := range keys {
		h.Write([]byte(k))
		h.Write([]byte{0})
	}
	return rand.New(rand.NewPCG(uint64(seed), h.Sum64()))
}

// urbanity is +1 for a station in the capital or a city, −1 for a rural one, 0 otherwise.
func urbanity(stratum string) float64 {
	s := strings.ToLower(stratum)
	switch {
	case strings.Contains(s, "rural"):
		return -1
	case strings.Contains(s, "urban"), strings.Contains(s, "ulaanbaatar"), strings.Contains(s, "capital"), strings.Contains(s, "city"):
		return 1
	}
	return 0
}

// region returns the code of the region-level area above (or at) area, or "".
func (m *model) region(area string) string {
	for _, c := range m.areas.Path(area) {
		if a, ok := m.areas.Area(c); ok && a.Level == iltod.LevelRegion {
			return c
		}
	}
	return ""
}

func (m *model) station(st *iltod.Station) StationResult {
	g := m.rng("station", st.Code)
	u := urbanity(st.Stratum)
	mean := turnoutTown
	switch {
	case u < 0:
		mean = turnoutRural
	case u > 0:
		mean = turnoutCity
	}
	turnout := clampF(mean+0.045*g.NormFloat64(), 0.35, 0.93)
	res := StationResult{Station: st.Code, Registered: st.Registered}
	res.Issued = binomial(g, st.Registered, turnout)

	region := m.region(st.Area)
	path := m.areas.Path(st.Area)
	strength := func(party string) float64 {
		if party == "" {
			return 0
		}
		n, ok := m.national[party]
		if !ok {
			return 0
		}
		rg := m.rng("region", region, party)
		local := math.Exp(0.35*rg.NormFloat64() + m.lean[party]*u)
		return n * local
	}
	for ci := range m.contests {
		c := &m.contests[ci]
		if !m.votesIn(ci, path) {
			continue
		}
		res.Contests = append(res.Contests, m.count(c, st, res.Issued, strength, g))
		res.Cast = max(res.Cast, res.Contests[len(res.Contests)-1].Cast)
	}
	return res
}

// votesIn reports whether a station whose area path is path votes in contest ci.
func (m *model) votesIn(ci int, path []string) bool {
	for _, a := range path {
		if m.contestAreas[ci][a] {
			return true
		}
	}
	return false
}

// count draws the true count of contest c at station st, where issued voters received a
// paper.
func (m *model) count(c *iltod.Contest, st *iltod.Station, issued int, strength func(string) float64, g *rand.Rand) ContestResult {
	r := ContestResult{Contest: c.Code, System: c.System.Kind, Seats: c.Seats,
		Votes: make(map[string]int, len(c.Choices)), Machine: make(map[string]int, len(c.Choices))}
	// A voter or two may take a paper home; only at larger stations, so the difference
	// stays well inside any reconciliation tolerance.
	r.Cast = issued
	if issued >= 100 {
		switch x := g.Float64(); {
		case x < 0.05:
			r.Cast -= 2
		case x < 0.20:
			r.Cast--
		}
	}
	invalidRate := 0.012 + 0.007*math.Abs(g.NormFloat64())
	if c.System.Kind == iltod.BlockVote {
		invalidRate += 0.006 // a long ballot is spoilt more often
	}
	r.Invalid = binomial(g, r.Cast, min(invalidRate, 0.05))
	r.Blank = binomial(g, r.Cast-r.Invalid, 0.004)
	r.Valid = r.Cast - r.Invalid - r.Blank

	weights := make([]float64, len(c.Choices))
	for i, ch := range c.Choices {
		w := strength(ch.Party)
		if w == 0 {
			w = 0.03 * math.Exp(0.5*m.rng("independent", c.Code, ch.Code).NormFloat64())
		}
		if ch.Kind == iltod.Candidate {
			w *= math.Exp(0.3 * m.rng("appeal", c.Code, ch.Code).NormFloat64())
		}
		weights[i] = w * math.Exp(0.12*g.NormFloat64())
	}
	var votes []int
	if c.System.Kind == iltod.BlockVote && c.Seats > 1 {
		votes = blockVotes(g, r.Valid, c.Seats, urbanity(st.Stratum), weights)
	} else {
		votes = multinomial(g, r.Valid, weights)
	}
	for i, ch := range c.Choices {
		r.Votes[ch.Code] = votes[i]
		r.Machine[ch.Code] = votes[i]
	}
	if r.Valid > 0 && g.Float64() < machineDiffRate {
		ch := c.Choices[g.IntN(len(c.Choices))].Code
		d := 1 + g.IntN(2)
		if g.IntN(2) == 0 || r.Votes[ch] < d {
			d = -d
		}
		r.Machine[ch] = r.Votes[ch] - d
	}
	return r
}

// blockVotes spreads the marks of valid ballots over the candidates of a block vote of
// seats seats (two or more; with one seat a block vote is a single-choice contest). The
// mean number of marks per ballot is near seats (rural voters fill the ballot a little
// more often); each candidate is marked on a share of the ballots
// proportional to its weight, capped at blockCap, so no candidate gets more votes than
// there are valid ballots and the sum stays within seats × valid.
func blockVotes(g *rand.Rand, valid, seats int, u float64, weights []float64) []int {
	n := len(weights)
	votes := make([]int, n)
	if valid == 0 || n == 0 {
		return votes
	}
	// Every valid ballot marks at least one candidate; fill is how far the rest of the
	// ballot is filled on average.
	fill := clampF(0.86-0.02*u+0.04*g.NormFloat64(), 0.6, 0.98)
	marks := min(1+fill*float64(seats-1), blockCap*float64(n)*0.95)
	marks = max(marks, 1)
	// Find the scale at which the capped shares add up to marks per ballot.
	share := func(scale float64) float64 {
		s := 0.0
		for _, w := range weights {
			s += min(blockCap, scale*w)
		}
		return s
	}
	lo, hi := 0.0, 1.0
	for share(hi) < marks && hi < 1e12 {
		hi *= 2
	}
	for range 60 {
		mid := (lo + hi) / 2
		if share(mid) < marks {
			lo = mid
		} else {
			hi = mid
		}
	}
	sum := 0
	for i, w := range weights {
		votes[i] = binomial(g, valid, min(blockCap, hi*w))
		sum += votes[i]
	}
	// Binomial noise could, at a tiny station, take the marks past seats per ballot.
	for limit := seats * valid; sum > limit; sum-- {
		big := 0
		for i := range votes {
			if votes[i] > votes[big] {
				big = i
			}
		}
		votes[big]--
	}
	return votes
}

// multinomial splits n among weights.
func multinomial(g *rand.Rand, n int, weights []float64) []int {
	out := make([]int, len(weights))
	mass := 0.0
	for _, w := range weights {
		mass += w
	}
	for i, w := range weights {
		if n == 0 {
			break
		}
		if i == len(weights)-1 || mass <= 0 {
			out[i] = n
			break
		}
		k := binomial(g, n, w/mass)
		out[i] = k
		n -= k
		mass -= w
	}
	return out
}

// binomial draws from Binomial(n, p): exactly for small n, by the normal approximation
// otherwise, always within 0..n.
func binomial(g *rand.Rand, n int, p float64) int {
	switch {
	case n <= 0 || p <= 0:
		return 0
	case p >= 1:
		return n
	case n <= 40:
		k := 0
		for range n {
			if g.Float64() < p {
				k++
			}
		}
		return k
	}
	mean := float64(n) * p
	sd := math.Sqrt(mean * (1 - p))
	k := int(math.Round(mean + sd*g.NormFloat64()))
	return min(max(k, 0), n)
}

func clampF(x, lo, hi float64) float64 { return math.Max(lo, math.Min(hi, x)) }
