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
	var t FingerprintTally
	for i := range stations {
		t.Add(&stations[i], 1)
	}
	return t.Fingerprint()
}

// FingerprintTally holds what TurnoutShare counts, for a caller that adds and removes
// stations as results change: its Fingerprint equals TurnoutShare of the stations added
// and not removed, in any order. Its zero value is empty.
type FingerprintTally struct {
	stations int
	excluded Excluded
	cells    [FingerprintBins * FingerprintBins]int
	bins     [FingerprintBins]CurvePoint // per turnout bin, not yet cumulative
}

// Add adds station s n times; n = -1 removes a station added before.
func (t *FingerprintTally) Add(s *Station, n int) {
	var ex Excluded
	if !s.screenable(&ex) {
		t.excluded.Inconsistent += n * ex.Inconsistent
		t.excluded.FewRegistered += n * ex.FewRegistered
		t.excluded.NoBallots += n * ex.NoBallots
		t.excluded.OverRegistered += n * ex.OverRegistered
		return
	}
	t.stations += n
	tb := percentBin(s.Issued, s.Registered)
	t.cells[tb*FingerprintBins+percentBin(s.Leader, s.Found)] += n
	c := &t.bins[tb]
	c.Stations += n
	c.Registered += int64(n) * int64(s.Registered)
	c.Issued += int64(n) * int64(s.Issued)
	c.Found += int64(n) * int64(s.Found)
	c.Leader += int64(n) * int64(s.Leader)
}

// Fingerprint returns the fingerprint of the stations tallied.
func (t *FingerprintTally) Fingerprint() Fingerprint {
	fp := Fingerprint{
		Stations: t.stations,
		Excluded: t.excluded,
		Counts:   make([][]int, FingerprintBins),
		Curve:    make([]CurvePoint, FingerprintBins),
		Note:     note(fingerprintNote),
	}
	cells := make([]int, FingerprintBins*FingerprintBins)
	copy(cells, t.cells[:])
	for b := range fp.Counts {
		fp.Counts[b] = cells[b*FingerprintBins : (b+1)*FingerprintBins : (b+1)*FingerprintBins]
	}
	for b := range fp.Curve {
		c := &fp.Curve[b]
		*c = t.bins[b]
		c.Turnout = b
		if b > 0 {
			p := fp.Curve[b-1]
			c.Stations += p.Stations
			c.Registered += p.Registered
			c.Issued += p.Issued
			c.Found += p.Found
			c.Leader += p.Leader
		}
	}
	return fp
}
