package pvt

import (
	"errors"
	"strconv"

	"github.com/iltod/iltod"
)

// ErrThinStratum is matched (errors.Is) by the [*CoverageError] that estimators return when a
// stratum has fewer than two reporting stations.
var ErrThinStratum = errors.New("pvt: stratum with fewer than 2 reporting stations")

// CoverageError refuses an estimate because some strata have fewer than two reporting
// stations (and have not reported in full). With none, the stratum is not represented at all
// and the estimate would be biased; with one, its variance cannot be estimated and the margin
// of error would be understated. Wait for more reports, or merge each thin stratum with a
// similar one (and its N_h) and recompute.
type CoverageError struct {
	// Thin lists the offending strata in label order.
	Thin []StratumCoverage
}

// Error is the English of Text, prefixed "pvt: ".
func (e *CoverageError) Error() string { return "pvt: " + e.Message().English() }

// Text says which strata are too thin, and what to do, in every language of the message
// catalogue (stats.pvt.thin*), for pages and partners that show why there is no estimate.
func (e *CoverageError) Text() iltod.Text { return e.Message().All() }

// Message is Text as a message of the catalogue.
func (e *CoverageError) Message() iltod.Message {
	type args = map[string]iltod.Message
	num := func(n int) iltod.Message { return iltod.Lit(strconv.Itoa(n)) }
	var items []iltod.Message
	for i, s := range e.Thin {
		if i == 5 {
			break
		}
		a := args{"Stratum": iltod.Lit(strconv.Quote(s.Stratum)), "Reported": num(s.Reported)}
		if s.Sampled > 0 {
			a["Sampled"] = num(s.Sampled)
			items = append(items, iltod.Msg("stats.pvt.thin_sampled", a))
		} else {
			items = append(items, iltod.Msg("stats.pvt.thin_reported", a))
		}
	}
	list := iltod.Join(", ", items...)
	if len(e.Thin) > 5 {
		list = iltod.Msg("stats.pvt.thin_more", args{"List": list, "More": num(len(e.Thin) - 5)})
	}
	return iltod.Msg("stats.pvt.thin", args{"Count": num(len(e.Thin)), "Strata": list})
}

// Is reports whether target is ErrThinStratum.
func (e *CoverageError) Is(target error) bool { return target == ErrThinStratum }

// StratumCoverage is how far one stratum has reported.
type StratumCoverage struct {
	Stratum    string `json:"stratum"`
	Population int    `json:"population"` // N_h, stations in the stratum
	Sampled    int    `json:"sampled"`    // stations drawn; 0 if the design does not record it
	Reported   int    `json:"reported"`   // reporting sampled stations
}

// Coverage is how many sampled stations have reported, overall and per stratum.
type Coverage struct {
	Strata     []StratumCoverage `json:"strata"` // in label order
	Population int               `json:"population"`
	Sampled    int               `json:"sampled"`
	Reported   int               `json:"reported"`
}

// Rate returns Reported/Sampled, or 0 if the design does not record the sampled counts.
func (c Coverage) Rate() float64 {
	if c.Sampled == 0 {
		return 0
	}
	return float64(c.Reported) / float64(c.Sampled)
}

// CheckCoverage counts the reporting stations per stratum: reporting holds the stratum label
// of each reporting sampled station. It returns the counts and, when some stratum with
// stations has fewer than two reporting stations (and has not reported in full), a
// [*CoverageError] naming them, which matches [ErrThinStratum]; the counts are returned
// either way, so a dashboard can show where reports are missing. A label outside the design
// or more reports than stations in a stratum is an error wrapping [ErrInvalid].
func CheckCoverage(d Design, reporting []string) (Coverage, error) {
	c, err := compile(d)
	if err != nil {
		return Coverage{}, err
	}
	n := make([]int, len(c.names))
	last := -1
	for i, s := range reporting {
		h, ok := c.lookup(s, &last)
		if !ok {
			return Coverage{}, invalid("station_stratum", "Station", i, "Stratum", q(s))
		}
		n[h]++
	}
	return c.coverage(n), c.check(n)
}

func (c *compiled) stratumCoverage(h, reported int) StratumCoverage {
	return StratumCoverage{Stratum: c.names[h], Population: int(c.N[h]), Sampled: c.sampled[h], Reported: reported}
}

func (c *compiled) coverage(n []int) Coverage {
	cov := Coverage{Strata: make([]StratumCoverage, len(c.names))}
	for h := range c.names {
		s := c.stratumCoverage(h, n[h])
		cov.Strata[h] = s
		cov.Population += s.Population
		cov.Sampled += s.Sampled
		cov.Reported += s.Reported
	}
	return cov
}
