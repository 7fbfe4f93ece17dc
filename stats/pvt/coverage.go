package pvt

import (
	"errors"
	"fmt"
	"strings"
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

func (e *CoverageError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "pvt: %d strata have fewer than 2 reporting stations, no estimate: ", len(e.Thin))
	for i, s := range e.Thin {
		if i == 5 {
			fmt.Fprintf(&b, ", and %d more", len(e.Thin)-5)
			break
		}
		if i > 0 {
			b.WriteString(", ")
		}
		if s.Sampled > 0 {
			fmt.Fprintf(&b, "%q %d of %d sampled", s.Stratum, s.Reported, s.Sampled)
		} else {
			fmt.Fprintf(&b, "%q %d reported", s.Stratum, s.Reported)
		}
	}
	b.WriteString("; wait for reports or merge these strata with similar ones")
	return b.String()
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
			return Coverage{}, invalid("station %d: stratum %q is not in the design", i, s)
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
