package forensics

import "github.com/iltod/iltod"

// FingerprintBins is the number of 1% bins on each axis of a Fingerprint: bin i holds the
// values that round to i percent, halves rounded up, so bin 0 is [0, 0.5)%, bin i is
// [i−0.5, i+0.5)% and bin 100 is [99.5, 100]%.
const FingerprintBins = 101

// Fingerprint is a turnout × leader's-share histogram and the cumulative curve of the
// leader's votes by turnout.
type Fingerprint struct {
	// Stations is the number of stations included; Excluded counts the others.
	Stations int      `json:"stations"`
	Excluded Excluded `json:"excluded"`
	// Counts[t][s] is the number of included stations whose turnout 100·G/V is in bin t
	// and whose leader's share 100·L/R is in bin s (see FingerprintBins). It has
	// FingerprintBins rows of FingerprintBins entries, and its entries add up to Stations.
	Counts [][]int `json:"counts"`
	// Curve has one point per turnout bin, in increasing turnout; point t accumulates the
	// included stations with turnout in bins 0..t. Its last point holds the totals.
	Curve []CurvePoint `json:"curve"`
	// Note says what the fingerprint can and cannot show.
	Note iltod.Text `json:"note"`
}

// CurvePoint holds totals over the stations whose turnout is at most Turnout percent
// (in bins 0..Turnout). Plot Leader/last.Leader and (Found−Leader)/(last.Found−last.Leader)
// against Turnout for the cumulative curves of the leader and of everyone else.
type CurvePoint struct {
	// Turnout is the bin, in whole percent.
	Turnout    int   `json:"turnout"`
	Stations   int   `json:"stations"`
	Registered int64 `json:"registered"`
	Issued     int64 `json:"issued"`
	Found      int64 `json:"found"`
	Leader     int64 `json:"leader"`
}

// TurnoutShare computes the fingerprint of Klimek et al. (2012): the 2-D histogram of
// stations by turnout 100·G/V and leader's share 100·L/R in 1% bins (FingerprintBins), and
// the cumulative curve of the leader's votes in order of turnout.
//
// A station is included when its counts are consistent (none negative, L ≤ R),
// V ≥ MinRegistered, R > 0 and G ≤ V; stations with turnout above 100% are counted in
// Excluded.OverRegistered (Flags lists them) rather than squeezed into the last bin.
// Binning is exact integer arithmetic: bin = floor((200·k + n) / 2n) for the fraction k/n.
func TurnoutShare(stations []Station) Fingerprint {
	fp := Fingerprint{
		Counts: make([][]int, FingerprintBins),
		Curve:  make([]CurvePoint, FingerprintBins),
		Note:   note(fingerprintNote),
	}
	cells := make([]int, FingerprintBins*FingerprintBins)
	for t := range fp.Counts {
		fp.Counts[t] = cells[t*FingerprintBins : (t+1)*FingerprintBins : (t+1)*FingerprintBins]
	}
	for i := range stations {
		s := &stations[i]
		if !s.screenable(&fp.Excluded) {
			continue
		}
		fp.Stations++
		t := percentBin(s.Issued, s.Registered)
		fp.Counts[t][percentBin(s.Leader, s.Found)]++
		c := &fp.Curve[t]
		c.Stations++
		c.Registered += int64(s.Registered)
		c.Issued += int64(s.Issued)
		c.Found += int64(s.Found)
		c.Leader += int64(s.Leader)
	}
	for t := range fp.Curve {
		c := &fp.Curve[t]
		c.Turnout = t
		if t > 0 {
			p := fp.Curve[t-1]
			c.Stations += p.Stations
			c.Registered += p.Registered
			c.Issued += p.Issued
			c.Found += p.Found
			c.Leader += p.Leader
		}
	}
	return fp
}
