package forensics

import (
	"math/rand/v2"
	"testing"
)

func TestPercentBinEdges(t *testing.T) {
	tests := []struct{ k, n, want int }{
		{0, 100, 0},
		{1, 200, 1},       // 0.5% rounds up into bin 1
		{99, 20000, 0},    // 0.495%
		{1000, 1000, 100}, // exactly 100%: the last bin, not off the end
		{995, 1000, 100},  // 99.5%
		{994, 1000, 99},   // 99.4%
		{1999, 2000, 100}, // 99.95%
		{613, 1000, 61},   // 61.3%
		{2, 3, 67},        // 66.67%
		{1, 3, 33},        // 33.33%
	}
	for _, tt := range tests {
		if got := percentBin(tt.k, tt.n); got != tt.want {
			t.Errorf("percentBin(%d, %d) = %d, want %d", tt.k, tt.n, got, tt.want)
		}
	}
}

func TestTurnoutShareHandMade(t *testing.T) {
	st := []Station{
		{Code: "full", Registered: 500, Issued: 500, Found: 500, Leader: 500}, // (100, 100)
		{Code: "a", Registered: 1000, Issued: 613, Found: 610, Leader: 305},   // (61, 50)
		{Code: "b", Registered: 1000, Issued: 614, Found: 614, Leader: 0},     // (61, 0)
		{Code: "c", Registered: 400, Issued: 2, Found: 2, Leader: 1},          // (1, 50)
		{Code: "over", Registered: 400, Issued: 401, Found: 401, Leader: 1},   // excluded
		{Code: "small", Registered: 99, Issued: 99, Found: 99, Leader: 99},    // excluded
		{Code: "empty", Registered: 400, Issued: 0, Found: 0, Leader: 0},      // excluded
		{Code: "bad", Registered: 400, Issued: 10, Found: 10, Leader: 11},     // excluded
	}
	fp := TurnoutShare(st)
	if fp.Stations != 4 || fp.Excluded != (Excluded{Inconsistent: 1, FewRegistered: 1, NoBallots: 1, OverRegistered: 1}) {
		t.Fatalf("Stations %d, Excluded %+v", fp.Stations, fp.Excluded)
	}
	if len(fp.Counts) != FingerprintBins || len(fp.Counts[FingerprintBins-1]) != FingerprintBins {
		t.Fatalf("Counts is %d×%d", len(fp.Counts), len(fp.Counts[0]))
	}
	for _, c := range [][3]int{{100, 100, 1}, {61, 50, 1}, {61, 0, 1}, {1, 50, 1}, {0, 0, 0}} {
		if got := fp.Counts[c[0]][c[1]]; got != c[2] {
			t.Errorf("Counts[%d][%d] = %d, want %d", c[0], c[1], got, c[2])
		}
	}
	want := map[int]CurvePoint{
		0:   {Turnout: 0},
		1:   {Turnout: 1, Stations: 1, Registered: 400, Issued: 2, Found: 2, Leader: 1},
		60:  {Turnout: 60, Stations: 1, Registered: 400, Issued: 2, Found: 2, Leader: 1},
		61:  {Turnout: 61, Stations: 3, Registered: 2400, Issued: 1229, Found: 1226, Leader: 306},
		99:  {Turnout: 99, Stations: 3, Registered: 2400, Issued: 1229, Found: 1226, Leader: 306},
		100: {Turnout: 100, Stations: 4, Registered: 2900, Issued: 1729, Found: 1726, Leader: 806},
	}
	for i, w := range want {
		if fp.Curve[i] != w {
			t.Errorf("Curve[%d] = %+v, want %+v", i, fp.Curve[i], w)
		}
	}
}

func TestTurnoutShareTotals(t *testing.T) {
	st := simElection(rand.New(rand.NewPCG(9, 9)), 5000)
	fp := TurnoutShare(st)
	sum, leader := 0, int64(0)
	for _, row := range fp.Counts {
		for _, c := range row {
			sum += c
		}
	}
	for _, s := range st {
		if s.Registered >= MinRegistered {
			leader += int64(s.Leader)
		}
	}
	if sum != fp.Stations || fp.Stations+fp.Excluded.Total() != len(st) {
		t.Errorf("histogram holds %d, Stations %d, excluded %d, of %d", sum, fp.Stations, fp.Excluded.Total(), len(st))
	}
	last := fp.Curve[len(fp.Curve)-1]
	if last.Stations != fp.Stations || last.Leader != leader {
		t.Errorf("curve ends at %d stations and %d leader votes, want %d and %d", last.Stations, last.Leader, fp.Stations, leader)
	}
	for i := 1; i < len(fp.Curve); i++ {
		if fp.Curve[i].Leader < fp.Curve[i-1].Leader || fp.Curve[i].Stations < fp.Curve[i-1].Stations {
			t.Fatalf("curve decreases at %d%%", i)
		}
	}
}
