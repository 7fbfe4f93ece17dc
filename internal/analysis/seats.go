package analysis

import (
	"maps"
	"math"
	"slices"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
	"github.com/iltod/iltod/stats/seats"
)

// BodyReport projects the seats of one elected body: from the official results and from
// the PVT's estimates.
type BodyReport struct {
	Body  string     `json:"body"`
	Name  iltod.Text `json:"name"`
	Seats int        `json:"seats"`
	// Official allocates the seats from the official totals (published totals where the
	// authority gave them for every area of a contest, else the sum of station results).
	Official      *SeatOutcome `json:"official,omitempty"`
	OfficialError iltod.Text   `json:"official_error,omitempty"`
	// PVT allocates the seats from the PVT's point estimates of every contest's shares;
	// its Low and High say how far they move with the estimates' uncertainty.
	PVT      *SeatOutcome `json:"pvt,omitempty"`
	PVTError iltod.Text   `json:"pvt_error,omitempty"`
}

// SeatOutcome is a body's seats by party.
type SeatOutcome struct {
	// Parties maps a party code ("" for independents) to its seats over all tiers.
	Parties map[string]int `json:"parties"`
	// Tiers maps a tier code to its seats by party.
	Tiers map[string]map[string]int `json:"tiers"`
	// Overhang maps a party to the constituency seats it won beyond its share in a
	// mixed-member proportional body, which it keeps (omitted when none), and Size is
	// the body's seats with them.
	Overhang map[string]int `json:"overhang,omitempty"`
	Size     int            `json:"size"`
	// Unfilled counts seats not filled: ties, runoffs, void contests.
	Unfilled int `json:"unfilled"`
	// Low and High, for a projection, are the fewest and most seats each party wins when
	// any one choice's share in any one contest moves to either end of its 95% interval,
	// the others staying at their estimates: a sensitivity range, not a confidence
	// interval for the seats.
	Low  map[string]int `json:"low,omitempty"`
	High map[string]int `json:"high,omitempty"`
	// Contests are the contests' outcomes, in package order.
	Contests []ContestSeats `json:"contests"`
	Note     iltod.Text     `json:"note"`
}

// ContestSeats is one contest's outcome.
type ContestSeats struct {
	Contest string         `json:"contest"`
	Outcome seats.Outcome  `json:"outcome"`
	Seats   map[string]int `json:"seats"`
	Elected []string       `json:"elected"`
	Runoff  []string       `json:"runoff,omitempty"`
	// Reason is seats.Result.Reason: why seats stay unfilled, in every language.
	Reason iltod.Text `json:"reason,omitempty"`
}

// projectionScale is the number of "votes" a PVT projection allocates: shares × scale.
const projectionScale = 10_000_000

// bodies projects every body's seats from the contest reports of a whole-election run.
func (x *Election) bodies(rep *Report, official *source) []BodyReport {
	if official == nil {
		return x.bodiesFrom(rep, nil)
	}
	return x.bodiesFrom(rep, func(c int) (seats.Totals, bool) { return x.contestTotals(c, official) })
}

// bodiesFrom projects every body's seats from the contest reports of a whole-election run
// and the official totals of each contest (nil without official results).
func (x *Election) bodiesFrom(rep *Report, officialTotals func(c int) (seats.Totals, bool)) []BodyReport {
	byCode := make(map[string]*ContestReport, len(rep.Contests))
	for i := range rep.Contests {
		byCode[rep.Contests[i].Contest] = &rep.Contests[i]
	}
	var out []BodyReport
	for _, b := range x.Election.Bodies {
		br := BodyReport{Body: b.Code, Name: b.Name, Seats: b.Seats}
		var offTotals, pvtTotals []seats.ContestTotals
		var offErr, pvtErr iltod.Text
		for c := range x.Contests {
			con := &x.Contests[c]
			if con.Body != b.Code {
				continue
			}
			cr := byCode[con.Code]
			if officialTotals != nil {
				if t, ok := officialTotals(c); ok {
					offTotals = append(offTotals, seats.ContestTotals{Contest: con, Totals: t})
				} else if offErr == nil {
					offErr = note("stats.analysis.seats_no_official", locales.Args{"Contest": con.Code})
				}
			}
			if cr != nil && len(cr.Areas) > 0 && cr.Areas[0].PVT != nil {
				pvtTotals = append(pvtTotals, seats.ContestTotals{Contest: con, Totals: projected(con, cr.Areas[0].PVT, -1, 0, x.scale(c))})
			} else if pvtErr == nil {
				pvtErr = note("stats.analysis.seats_no_pvt", locales.Args{"Contest": con.Code})
				if cr != nil && len(cr.Areas) > 0 && cr.Areas[0].PVTError != nil {
					pvtErr = note("stats.analysis.seats_no_pvt_because", locales.Args{"Contest": con.Code, "Reason": cr.Areas[0].PVTError})
				}
			}
		}
		if officialTotals != nil {
			if offErr == nil {
				if r, err := seats.AllocateBody(b, offTotals); err == nil {
					br.Official = outcome(r)
					br.Official.Note = note("stats.analysis.seats_official", nil)
				} else {
					offErr = textOf(err)
				}
			}
			br.OfficialError = offErr
		}
		if pvtErr == nil {
			br.PVT, pvtErr = x.projectBody(b, pvtTotals, byCode)
		}
		br.PVTError = pvtErr
		out = append(out, br)
	}
	return out
}

// projectBody allocates a body from the PVT's point estimates, then finds each party's
// range by moving every choice of every contest, one at a time, to each end of its 95%
// interval. In a parallel body a contest's seats do not depend on other contests, so
// each variation re-allocates only its own contest; where a rule joins the contests
// (compensation, a threshold over the tier, qualification by constituency seats), each
// variation re-allocates the whole body.
func (x *Election) projectBody(b iltod.Body, totals []seats.ContestTotals, byCode map[string]*ContestReport) (*SeatOutcome, iltod.Text) {
	r, err := seats.AllocateBody(b, totals)
	if err != nil {
		return nil, textOf(err)
	}
	o := outcome(r)
	o.Low, o.High = maps.Clone(o.Parties), maps.Clone(o.Parties)
	widen := func(parties map[string]int) {
		for p := range parties {
			if _, ok := o.Low[p]; !ok {
				o.Low[p], o.High[p] = 0, 0
			}
		}
		for p := range o.Low {
			o.Low[p] = min(o.Low[p], parties[p])
			o.High[p] = max(o.High[p], parties[p])
		}
	}
	if joined(totals) {
		scale := map[string]int64{}
		for c := range x.Contests {
			scale[x.Contests[c].Code] = x.scale(c)
		}
		for i, ct := range totals {
			con, est := ct.Contest, byCode[ct.Contest.Code].Areas[0].PVT
			for k := range con.Choices {
				for _, end := range []int{-1, 1} {
					varied := slices.Clone(totals)
					varied[i].Totals = projected(con, est, k, end, scale[con.Code])
					if vr, err := seats.AllocateBody(b, varied); err == nil {
						widen(vr.Parties)
					}
				}
			}
		}
		o.Note = note("stats.analysis.seats_projection", nil)
		return o, nil
	}
	partySeats := func(con *iltod.Contest, res seats.Result) map[string]int {
		m := map[string]int{}
		for _, ch := range con.Choices {
			if n := res.Seats[ch.Code]; n > 0 {
				m[ch.Party] += n
			}
		}
		return m
	}
	for i, ct := range totals {
		con, est := ct.Contest, byCode[ct.Contest.Code].Areas[0].PVT
		base := partySeats(con, r.Contests[i])
		for k := range con.Choices {
			for _, end := range []int{-1, 1} {
				res, err := seats.Allocate(con, projected(con, est, k, end, projectionScale), seats.Options{})
				if err != nil {
					continue
				}
				varied := partySeats(con, res)
				all := maps.Clone(o.Parties)
				for p := range all {
					all[p] -= base[p]
				}
				for p, n := range varied {
					all[p] += n
				}
				widen(all)
			}
		}
	}
	o.Note = note("stats.analysis.seats_projection", nil)
	return o, nil
}

// scale returns the valid votes to which the PVT's shares of contest c are scaled:
// projectionScale, or, for a contest whose threshold is over its tier, 100 for each
// voter registered at its stations, so that each contest weighs in the tier's threshold
// by its size (turnout is taken as equal everywhere).
func (x *Election) scale(c int) int64 {
	if x.Contests[c].System.ThresholdScope != iltod.ScopeTier {
		return projectionScale
	}
	var n int64
	for _, i := range x.voters[c] {
		n += int64(x.Stations[i].Registered)
	}
	return max(100*n, 1)
}

// projected returns totals proportional to a PVT's estimated shares, scaled to scale
// valid votes. If k ≥ 0, choice k's share is set to the lower (end < 0) or upper (end >
// 0) end of its 95% interval, clipped to [0, 1].
func projected(con *iltod.Contest, r *pvt.Result, k, end int, scale int64) seats.Totals {
	t := seats.Totals{Votes: make(map[string]int64, len(r.Shares))}
	var sum int64
	for i, s := range r.Shares {
		v := s.Value
		if i == k {
			if end < 0 {
				v = s.Low95
			} else {
				v = s.High95
			}
		}
		v = math.Min(math.Max(v, 0), 1)
		n := int64(math.Round(v * float64(scale)))
		t.Votes[con.Choices[i].Code] = n
		sum += n
	}
	// Rounding can push the votes a hair past what Valid allows: one vote per valid
	// ballot, or Seats in a block vote.
	perBallot := int64(1)
	if con.System.Kind == iltod.BlockVote {
		perBallot = int64(max(con.Seats, 1))
	}
	t.Valid = max(scale, (sum+perBallot-1)/perBallot)
	return t
}

// contestTotals returns the official totals of contest c over its whole constituency: the
// sum of the totals published for its areas when every one has one, else the sum of its
// official station results.
func (x *Election) contestTotals(c int, src *source) (seats.Totals, bool) {
	if s, ok := x.publishedTotals(c, src); ok {
		return s.totals(&x.Contests[c])
	}
	var s figureSums
	k := len(x.Contests[c].Choices)
	for pos := range x.voters[c] {
		if r := src.at(c, pos); r != nil {
			s.add(r, k, 1)
		}
	}
	return s.totals(&x.Contests[c])
}

// publishedTotals sums the totals published for the areas of contest c, if every one has
// one.
func (x *Election) publishedTotals(c int, src *source) (figureSums, bool) {
	con := &x.Contests[c]
	var s figureSums
	if len(con.Areas) == 0 {
		return s, false
	}
	for _, code := range con.Areas {
		if src.total(c, x.area[code]) == nil {
			return s, false
		}
	}
	for _, code := range con.Areas {
		s.add(src.total(c, x.area[code]), len(con.Choices), 1)
	}
	return s, true
}

// totals returns the sums as seats.Totals, and false if no result was summed.
func (s *figureSums) totals(con *iltod.Contest) (seats.Totals, bool) {
	t := seats.Totals{Votes: make(map[string]int64, len(con.Choices)), Valid: s.valid, Blank: s.blank, Cast: s.castGiven, Registered: s.registered}
	for k, ch := range con.Choices {
		var v int64
		if s.votes != nil {
			v = s.votes[k]
		}
		t.Votes[ch.Code] += v
	}
	if t.Cast < t.Valid+t.Blank {
		t.Cast = 0 // not given everywhere: leave turnout conditions without it
	}
	return t, s.stations > 0
}

// joined reports whether a rule joins the contests of a body, so that one contest's
// votes can move another's seats.
func joined(totals []seats.ContestTotals) bool {
	for _, ct := range totals {
		if s := ct.Contest.System; s.Mixed != "" || s.ThresholdScope == iltod.ScopeTier || s.QualifyWon > 0 {
			return true
		}
	}
	return false
}

func outcome(r seats.BodyResult) *SeatOutcome {
	o := &SeatOutcome{Parties: r.Parties, Tiers: r.Tiers, Overhang: r.Overhang, Size: r.Size, Unfilled: r.Unfilled}
	for _, c := range r.Contests {
		o.Contests = append(o.Contests, ContestSeats{Contest: c.Contest, Outcome: c.Outcome, Seats: c.Seats, Elected: c.Elected, Runoff: c.Runoff, Reason: c.Reason})
	}
	return o
}
