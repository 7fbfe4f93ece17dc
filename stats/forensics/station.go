package forensics

import (
	"maps"

	"github.com/iltod/iltod"
)

// Station holds the counts of one polling station that the screens read.
//
// The field letters are those of Kobak, Shpilkin and Pshenichnikov (2016): V = Registered,
// G = Issued, R = Found, L = Leader. Turnout is 100·G/V percent and the leader's result
// (share) is 100·L/R percent.
type Station struct {
	// Code identifies the station in flags; the screens do not interpret it.
	Code string `json:"code"`
	// Area labels the group of stations whose turnout a station is compared with by
	// Flags (a district, say). Stations with the same Area form one group.
	Area string `json:"area,omitempty"`
	// Registered is the number of voters on the register (V).
	Registered int `json:"registered"`
	// Issued is the number of ballots issued to voters (G). Set it to Found when the
	// source has no separate count.
	Issued int `json:"issued"`
	// Found is the number of ballots found in the box, valid plus invalid (R).
	Found int `json:"found"`
	// Leader is the number of votes for the leader (L), the national winner chosen by the
	// caller.
	Leader int `json:"leader"`
}

// MinRegistered is the smallest register that the integer-percentage test, the fingerprint
// and the area-outlier flag accept. Smaller stations are excluded (Kobak et al. 2016;
// Klimek et al. 2012), because their percentages take few values.
const MinRegistered = 100

// Excluded counts the stations that a screen left out, each under the first rule it
// failed in the order of the fields. A screen's included stations plus Total() equal the
// number of stations it was given.
type Excluded struct {
	// Inconsistent stations have a negative count, or more leader votes than ballots found.
	Inconsistent int `json:"inconsistent"`
	// FewRegistered stations have fewer than MinRegistered registered voters.
	FewRegistered int `json:"few_registered"`
	// NoBallots stations have no ballots found (R = 0), so the leader's share is undefined.
	NoBallots int `json:"no_ballots"`
	// OverRegistered stations issued more ballots than there are registered voters
	// (turnout above 100%); Flags lists them.
	OverRegistered int `json:"over_registered"`
	// HighTurnout stations (integer test only) have a turnout above 99%.
	HighTurnout int `json:"high_turnout"`
	// HighResult stations (integer test only) have a leader's result above 99%.
	HighResult int `json:"high_result"`
}

// Total returns the number of excluded stations.
func (e Excluded) Total() int {
	return e.Inconsistent + e.FewRegistered + e.NoBallots + e.OverRegistered + e.HighTurnout + e.HighResult
}

func (e *Excluded) add(o Excluded) {
	e.Inconsistent += o.Inconsistent
	e.FewRegistered += o.FewRegistered
	e.NoBallots += o.NoBallots
	e.OverRegistered += o.OverRegistered
	e.HighTurnout += o.HighTurnout
	e.HighResult += o.HighResult
}

// inconsistent reports a negative count or more leader votes than ballots found.
func (s *Station) inconsistent() bool {
	return s.Registered < 0 || s.Issued < 0 || s.Found < 0 || s.Leader < 0 || s.Leader > s.Found
}

// screenable classifies s for the fingerprint: it returns true if s is included, and
// otherwise counts it in e under the first rule it fails.
func (s *Station) screenable(e *Excluded) bool {
	switch {
	case s.inconsistent():
		e.Inconsistent++
	case s.Registered < MinRegistered:
		e.FewRegistered++
	case s.Found == 0:
		e.NoBallots++
	case s.Issued > s.Registered:
		e.OverRegistered++
	default:
		return true
	}
	return false
}

// wholePercent reports whether 100·k/n lies within 0.05 of a whole number, 0.05 included,
// by exact integer arithmetic: with r = 100k mod n, the distance to the nearest whole
// percentage is min(r, n−r)/n, and the test is 20·min(r, n−r) ≤ n. n must be positive.
func wholePercent(k, n int) bool {
	r := (100 * k) % n
	return 20*min(r, n-r) <= n
}

// percentBin returns 100·k/n rounded to the nearest whole number, halves rounded up,
// computed exactly: floor((200k + n) / 2n). n must be positive and k non-negative.
func percentBin(k, n int) int {
	return (200*k + n) / (2 * n)
}

// note returns a copy of t, so that callers may change a result's Note freely.
func note(t iltod.Text) iltod.Text { return maps.Clone(t) }
