package pvt

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"

	"github.com/iltod/iltod"
)

// Normal quantiles for two-sided intervals, as written in REFERENCE §1. Estimate's 95% and
// 99% bounds use exactly these values, not the exact quantiles 1.959964… and 2.575829….
const (
	Z95 = 1.96
	Z99 = 2.576
)

// ErrInvalid is wrapped by every error that reports bad input (a unit outside the design,
// a negative or non-finite count, a zero denominator); test for it with errors.Is.
var ErrInvalid = errors.New("pvt: invalid input")

// InputError is bad input: the error every function of the package returns for input it
// refuses. It matches [ErrInvalid] (errors.Is). Its Error is English; Text says the same in
// every language of the message catalogue (stats.pvt.err_*), for a person who gave the input.
type InputError struct {
	Msg iltod.Message
}

func (e *InputError) Error() string { return ErrInvalid.Error() + ": " + e.Msg.English() }

// Is reports whether target is ErrInvalid.
func (e *InputError) Is(target error) bool { return target == ErrInvalid }

// Text is the error's message in every language.
func (e *InputError) Text() iltod.Text { return e.Msg.All() }

// invalid returns an *InputError with the message stats.pvt.err_<name>, its arguments
// given as literals does.
func invalid(name string, pairs ...any) error {
	return &InputError{Msg: iltod.Msg("stats.pvt.err_"+name, literals(pairs))}
}

// literals returns the arguments of a message from pairs of a placeholder's name and its
// value: strings are written as they are (quote names with q), integers in digits, floats
// as %v writes them.
func literals(pairs []any) map[string]iltod.Message {
	if len(pairs) == 0 {
		return nil
	}
	args := make(map[string]iltod.Message, len(pairs)/2)
	for i := 0; i+1 < len(pairs); i += 2 {
		var v string
		switch x := pairs[i+1].(type) {
		case string:
			v = x
		case int:
			v = strconv.Itoa(x)
		case float64:
			v = strconv.FormatFloat(x, 'g', -1, 64)
		default:
			v = fmt.Sprint(x)
		}
		args[pairs[i].(string)] = iltod.Lit(v)
	}
	return args
}

// q quotes a name for an error: strconv.Quote, as %q writes it.
func q(s string) string { return strconv.Quote(s) }

// Z returns the two-sided standard normal quantile for a confidence level in (0, 1):
// the z with P(|X| ≤ z) = level for X ~ N(0, 1), computed as √2·erfinv(level).
// Z(0.95) is 1.959964…, Z(0.99) is 2.575829…. It returns NaN outside (0, 1).
func Z(level float64) float64 {
	if !(level > 0 && level < 1) {
		return math.NaN()
	}
	return math.Sqrt2 * math.Erfinv(level)
}

// Design describes how the sampled stations were drawn: the strata and how many stations
// each holds. A simple random sample is a design with one stratum (see [SRS]).
//
// Estimates treat the n_h reporting stations of stratum h as a simple random sample of its
// N_h stations: missing reports are assumed missing at random within their stratum. That is
// the assumption to check when coverage is low or uneven.
type Design struct {
	// Strata maps each stratum label to N_h, the number of stations in the stratum (the
	// population, not the sample). Every unit's stratum must be a key.
	Strata map[string]int `json:"strata"`
	// Sampled optionally maps each stratum label to the number of stations drawn into the
	// sample (before any failed to report). It only feeds coverage figures.
	Sampled map[string]int `json:"sampled,omitempty"`
}

// SRS returns the design of a simple random sample of sampled stations out of population:
// one stratum, labelled "".
func SRS(population, sampled int) Design {
	return Design{Strata: map[string]int{"": population}, Sampled: map[string]int{"": sampled}}
}

// Unit is one reporting sampled station's contribution to a ratio: the numerator a_i and
// denominator m_i of REFERENCE §1. For a share, Num is the choice's votes and Den the valid
// votes; for turnout, Num is ballots cast and Den registered voters; for a margin, Num is
// the difference of two choices' votes. Num may be negative; Den may not.
type Unit struct {
	Stratum string
	Num     float64
	Den     float64
}

// Estimate is a ratio estimate with its standard error and normal intervals.
// Low95/High95 are Value ∓ 1.96·SE and Low99/High99 are Value ∓ 2.576·SE; they are not
// clipped to [0, 1].
type Estimate struct {
	Value  float64 `json:"value"`
	SE     float64 `json:"se"`
	Low95  float64 `json:"low95"`
	High95 float64 `json:"high95"`
	Low99  float64 `json:"low99"`
	High99 float64 `json:"high99"`
	// Reported is k, the number of reporting sampled stations the estimate uses.
	Reported int `json:"reported"`
	// Sampled is the number of stations drawn, from Design.Sampled; 0 if not recorded.
	Sampled int `json:"sampled"`
}

func newEstimate(value, se float64, reported, sampled int) Estimate {
	return Estimate{
		Value: value, SE: se,
		Low95: value - Z95*se, High95: value + Z95*se,
		Low99: value - Z99*se, High99: value + Z99*se,
		Reported: reported, Sampled: sampled,
	}
}

// Interval returns Value ∓ z·SE.
func (e Estimate) Interval(z float64) (low, high float64) {
	return e.Value - z*e.SE, e.Value + z*e.SE
}

// Ratio estimates Σa/Σm over the population from the reporting sampled stations, with the
// combined ratio estimator and its variance (REFERENCE §1):
//
//	Ŷ = Σ_h (N_h/n_h) Σ_i a_hi     X̂ = Σ_h (N_h/n_h) Σ_i m_hi     R̂ = Ŷ / X̂
//	d_hi = a_hi − R̂ m_hi           s²_dh = Σ_i (d_hi − d̄_h)² / (n_h − 1)
//	Var(R̂) = (1/X̂²) Σ_h N_h² (1 − n_h/N_h) s²_dh / n_h
//
// where n_h counts the units in stratum h (the reporting stations, not those drawn). With one
// stratum this is the simple-random-sample formula with finite-population correction f = k/K.
// For the margin between two choices pass a_i = v1_i − v2_i: never combine two separate
// margins, since the shares are correlated.
//
// Ratio returns an error wrapping [ErrInvalid] for a unit whose stratum is not in the design,
// a non-finite Num, a negative or non-finite Den, more units in a stratum than it has
// stations, or a zero estimated denominator X̂. It returns a [*CoverageError] (matching
// [ErrThinStratum]) when a stratum with stations has fewer than 2 units, unless all its
// stations reported.
func Ratio(units []Unit, d Design) (Estimate, error) {
	c, err := compile(d)
	if err != nil {
		return Estimate{}, err
	}
	H := len(c.names)
	n := make([]int, H)
	sums := make([]float64, 4*H)
	sa, sm, dbar, ss := sums[:H], sums[H:2*H], sums[2*H:3*H], sums[3*H:]
	last := -1
	for i, u := range units {
		h, ok := c.lookup(u.Stratum, &last)
		if !ok {
			return Estimate{}, invalid("unit_stratum", "Unit", i, "Stratum", q(u.Stratum))
		}
		if !finite(u.Num) || !count(u.Den) {
			return Estimate{}, invalid("unit_values", "Unit", i, "Num", u.Num, "Den", u.Den)
		}
		n[h]++
		sa[h] += u.Num
		sm[h] += u.Den
	}
	if err := c.check(n); err != nil {
		return Estimate{}, err
	}
	r, x, err := c.ratio(n, sa, sm)
	if err != nil {
		return Estimate{}, err
	}
	for h := range H {
		if n[h] > 0 {
			dbar[h] = (sa[h] - r*sm[h]) / float64(n[h])
		}
	}
	last = -1
	for _, u := range units {
		h, _ := c.lookup(u.Stratum, &last)
		e := u.Num - r*u.Den - dbar[h]
		ss[h] += e * e
	}
	return newEstimate(r, math.Sqrt(c.variance(n, ss, x)), len(units), c.sampledTotal), nil
}

// compiled is a Design ready for estimation: strata in sorted order, so that sums, and hence
// results, do not depend on map iteration.
type compiled struct {
	names        []string
	N            []float64
	sampled      []int
	sampledTotal int
}

func compile(d Design) (*compiled, error) {
	if len(d.Strata) == 0 {
		return nil, invalid("no_strata")
	}
	c := &compiled{names: make([]string, 0, len(d.Strata))}
	for name, N := range d.Strata {
		if N < 0 {
			return nil, invalid("stratum_size", "Stratum", q(name), "Stations", N)
		}
		c.names = append(c.names, name)
	}
	slices.Sort(c.names)
	c.N = make([]float64, len(c.names))
	c.sampled = make([]int, len(c.names))
	for h, name := range c.names {
		c.N[h] = float64(d.Strata[name])
	}
	for name, k := range d.Sampled {
		h, ok := slices.BinarySearch(c.names, name)
		if !ok {
			return nil, invalid("sampled_unknown", "Stratum", q(name))
		}
		if k < 0 || float64(k) > c.N[h] {
			return nil, invalid("sampled_size", "Stratum", q(name), "Sampled", k, "Stations", c.N[h])
		}
		c.sampled[h] = k
		c.sampledTotal += k
	}
	return c, nil
}

// lookup finds a stratum's position by binary search, remembering the last one found: units
// usually come grouped by stratum.
func (c *compiled) lookup(name string, last *int) (int, bool) {
	if *last >= 0 && c.names[*last] == name {
		return *last, true
	}
	h, ok := slices.BinarySearch(c.names, name)
	if ok {
		*last = h
	}
	return h, ok
}

// check validates the per-stratum counts of reporting units: none above N_h, and at least 2
// wherever the stratum has stations, unless all of them reported.
func (c *compiled) check(n []int) error {
	var thin []StratumCoverage
	for h, k := range n {
		if float64(k) > c.N[h] {
			return invalid("reporting_size", "Stratum", q(c.names[h]), "Units", k, "Stations", c.N[h])
		}
		if c.N[h] > 0 && k < 2 && float64(k) < c.N[h] {
			thin = append(thin, c.stratumCoverage(h, k))
		}
	}
	if thin != nil {
		return &CoverageError{Thin: thin}
	}
	return nil
}

// ratio returns R̂ = Ŷ/X̂ and X̂ from per-stratum sums of numerators and denominators.
func (c *compiled) ratio(n []int, sa, sm []float64) (r, x float64, err error) {
	var y float64
	for h, k := range n {
		if k == 0 {
			continue
		}
		w := c.N[h] / float64(k)
		y += w * sa[h]
		x += w * sm[h]
	}
	if x == 0 {
		return 0, 0, invalid("reporting_zero")
	}
	return y / x, x, nil
}

// variance returns Var(R̂) = (1/X̂²) Σ_h N_h² (1 − n_h/N_h) s²_dh / n_h from the per-stratum
// sums of squared deviations ss_h = (n_h − 1) s²_dh. Strata that reported in full add nothing.
func (c *compiled) variance(n []int, ss []float64, x float64) float64 {
	var v float64
	for h, k := range n {
		if k < 2 || float64(k) >= c.N[h] {
			continue
		}
		fk := float64(k)
		N := c.N[h]
		v += N * N * (1 - fk/N) * (ss[h] / (fk - 1)) / fk
	}
	return v / (x * x)
}

func finite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }

// normalTail returns P(X > z) for X ~ N(0, 1).
func normalTail(z float64) float64 { return 0.5 * math.Erfc(z/math.Sqrt2) }
