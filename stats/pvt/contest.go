package pvt

import "math"

// Station is one reporting sampled station's result for one contest, as the observers
// recorded it. All counts are non-negative.
type Station struct {
	Stratum string
	// Votes holds the votes for each choice, in the contest's order; every station of one
	// analysis must have the same number of choices.
	Votes []float64
	// Valid is the number of valid votes: the base of the shares.
	Valid float64
	// Cast is the number of ballots cast: the numerator of turnout.
	Cast float64
	// Registered is the number of registered voters: the base of turnout. If every station
	// has 0 (the register is unknown), turnout is not estimated.
	Registered float64
	// MajorityBase is the base of the runoff rule when it is not the valid votes, e.g. valid
	// votes plus blank ballots for Mongolia's presidential rule. 0 means Valid.
	MajorityBase float64
}

// Options tune [Analyze].
type Options struct {
	// Z is the normal quantile for the calls; 0 means [Z95]. The Estimates carry both 95%
	// and 99% bounds regardless.
	Z float64
	// Majority, if positive, is the share of the majority base the leader must exceed to
	// win in one round (0.5 for "more than half"); Analyze then estimates the leader's
	// share of Station.MajorityBase and calls whether a runoff is needed.
	Majority float64
}

// Result is a PVT estimate for one contest.
type Result struct {
	// Shares holds each choice's share of valid votes, in the contest's order.
	Shares []Estimate `json:"shares"`
	// Leader and RunnerUp are the choices with the largest and second-largest estimated
	// shares (the lower index on a tie).
	Leader   int `json:"leader"`
	RunnerUp int `json:"runner_up"`
	// Margin is (votes[Leader] − votes[RunnerUp]) / valid, estimated with
	// a_i = v_Leader,i − v_RunnerUp,i (REFERENCE §1).
	Margin Estimate `json:"margin"`
	// Winner is CallWinner(Margin, Leader, RunnerUp, z).
	Winner Call `json:"winner"`
	// Turnout is ballots cast / registered voters; nil if no station reports registered voters.
	Turnout *Estimate `json:"turnout,omitempty"`
	// Runoff is set when Options.Majority is positive.
	Runoff   *Runoff  `json:"runoff,omitempty"`
	Coverage Coverage `json:"coverage"`
}

// Runoff is the leader's share of the majority base and the runoff call made from it.
type Runoff struct {
	Majority float64  `json:"majority"`
	Share    Estimate `json:"share"`
	Call     Call     `json:"call"`
}

// Analyze estimates a contest from its reporting sampled stations under design d: every
// choice's share of valid votes, the leader's margin over the runner-up, turnout, and
// optionally the leader's share of the majority base, each with [Ratio]'s estimator and
// variance (REFERENCE §1), and makes the calls [CallWinner] and, if opt.Majority > 0,
// [CallRunoff]. It reads the stations twice and allocates O(strata × choices), not
// O(stations).
//
// Analyze returns the errors [Ratio] returns, and an error wrapping [ErrInvalid] if the
// stations have fewer than two choices, different numbers of choices, or a negative or
// non-finite count. On a [*CoverageError] the Result still holds Coverage.
func Analyze(stations []Station, d Design, opt Options) (Result, error) {
	c, err := compile(d)
	if err != nil {
		return Result{}, err
	}
	H := len(c.names)
	C := 2
	if len(stations) > 0 {
		C = len(stations[0].Votes)
	}
	if C < 2 {
		return Result{}, invalid("two_choices", "Choices", C)
	}
	// Per-stratum sums, one slice of length H per ratio: choices 0…C−1, then turnout, then
	// the leader's share of the majority base (filled in pass 2's setup), then the margin.
	n := make([]int, H)
	sa := make([]float64, C*H) // Σ votes per choice and stratum
	sv := make([]float64, H)   // Σ valid
	sc := make([]float64, H)   // Σ cast
	sr := make([]float64, H)   // Σ registered
	sb := make([]float64, H)   // Σ majority base
	var anyRegistered bool
	last := -1
	for i := range stations {
		s := &stations[i]
		h, ok := c.lookup(s.Stratum, &last)
		if !ok {
			return Result{}, invalid("station_stratum", "Station", i, "Stratum", q(s.Stratum))
		}
		if len(s.Votes) != C {
			return Result{}, invalid("station_choices", "Station", i, "Choices", len(s.Votes), "First", C)
		}
		if !count(s.Valid) || !count(s.Cast) || !count(s.Registered) || !count(s.MajorityBase) {
			return Result{}, invalid("station_counts", "Station", i)
		}
		for j, v := range s.Votes {
			if !count(v) {
				return Result{}, invalid("station_votes", "Station", i, "Choice", j, "Votes", v)
			}
			sa[j*H+h] += v
		}
		n[h]++
		sv[h] += s.Valid
		sc[h] += s.Cast
		sr[h] += s.Registered
		sb[h] += base(s)
		anyRegistered = anyRegistered || s.Registered > 0
	}
	res := Result{Coverage: c.coverage(n)}
	if err := c.check(n); err != nil {
		return res, err
	}

	// Point estimates and per-stratum mean residuals d̄_h for every ratio.
	R := make([]float64, C)
	var xv float64
	for j := range C {
		if R[j], xv, err = c.ratio(n, sa[j*H:(j+1)*H], sv); err != nil {
			return res, err
		}
	}
	res.Leader, res.RunnerUp = topTwo(R)
	L, U := res.Leader, res.RunnerUp
	sm := make([]float64, H) // Σ (v_L − v_U) per stratum
	for h := range H {
		sm[h] = sa[L*H+h] - sa[U*H+h]
	}
	rm, _, err := c.ratio(n, sm, sv)
	if err != nil {
		return res, err
	}
	var rt, xt, rb, xb float64
	if anyRegistered {
		if rt, xt, err = c.ratio(n, sc, sr); err != nil {
			return res, err
		}
	}
	if opt.Majority > 0 {
		if rb, xb, err = c.ratio(n, sa[L*H:(L+1)*H], sb); err != nil {
			return res, err
		}
	}
	mean := func(sum []float64, r float64, den []float64) []float64 {
		m := make([]float64, H)
		for h, k := range n {
			if k > 0 {
				m[h] = (sum[h] - r*den[h]) / float64(k)
			}
		}
		return m
	}
	dbar := make([]float64, C*H)
	for j := range C {
		copy(dbar[j*H:], mean(sa[j*H:(j+1)*H], R[j], sv))
	}
	dm, dt, db := mean(sm, rm, sv), mean(sc, rt, sr), mean(sa[L*H:(L+1)*H], rb, sb)

	// Pass 2: Σ (d_hi − d̄_h)² per ratio and stratum.
	ss := make([]float64, C*H)
	ssm, sst, ssb := make([]float64, H), make([]float64, H), make([]float64, H)
	last = -1
	for i := range stations {
		s := &stations[i]
		h, _ := c.lookup(s.Stratum, &last)
		for j, v := range s.Votes {
			e := v - R[j]*s.Valid - dbar[j*H+h]
			ss[j*H+h] += e * e
		}
		e := s.Votes[L] - s.Votes[U] - rm*s.Valid - dm[h]
		ssm[h] += e * e
		e = s.Cast - rt*s.Registered - dt[h]
		sst[h] += e * e
		e = s.Votes[L] - rb*base(s) - db[h]
		ssb[h] += e * e
	}

	k, sampled := len(stations), c.sampledTotal
	z := zOr95(opt.Z)
	res.Shares = make([]Estimate, C)
	for j := range C {
		res.Shares[j] = newEstimate(R[j], math.Sqrt(c.variance(n, ss[j*H:(j+1)*H], xv)), k, sampled)
	}
	res.Margin = newEstimate(rm, math.Sqrt(c.variance(n, ssm, xv)), k, sampled)
	res.Winner = CallWinner(res.Margin, L, U, z)
	if anyRegistered {
		t := newEstimate(rt, math.Sqrt(c.variance(n, sst, xt)), k, sampled)
		res.Turnout = &t
	}
	if opt.Majority > 0 {
		share := newEstimate(rb, math.Sqrt(c.variance(n, ssb, xb)), k, sampled)
		res.Runoff = &Runoff{Majority: opt.Majority, Share: share, Call: CallRunoff(share, opt.Majority, z)}
	}
	return res, nil
}

func base(s *Station) float64 {
	if s.MajorityBase > 0 {
		return s.MajorityBase
	}
	return s.Valid
}

func count(x float64) bool { return x >= 0 && !math.IsInf(x, 1) }

// topTwo returns the indices of the largest and second-largest values, the lower index first
// on ties. len(x) ≥ 2.
func topTwo(x []float64) (first, second int) {
	first, second = 0, 1
	if x[1] > x[0] {
		first, second = 1, 0
	}
	for i := 2; i < len(x); i++ {
		switch {
		case x[i] > x[first]:
			first, second = i, first
		case x[i] > x[second]:
			second = i
		}
	}
	return first, second
}
