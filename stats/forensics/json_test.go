package forensics

import (
	"encoding/json"
	"math/rand/v2"
	"testing"
)

// TestResultsEncodeAsJSON checks that every result, edge cases included, encodes as JSON
// (a NaN or an infinity would not) for the pages that draw them.
func TestResultsEncodeAsJSON(t *testing.T) {
	st := simElection(rand.New(rand.NewPCG(4, 4)), 300)
	st = append(st,
		Station{Code: "unreg", Registered: 0, Issued: 5, Found: 5, Leader: 5},
		Station{Code: "empty", Registered: 500},
	)
	var counts []int
	for _, s := range st {
		counts = append(counts, s.Leader, s.Found-s.Leader)
	}
	for name, v := range map[string]any{
		"integer":        IntegerPercentages(st),
		"integer empty":  IntegerPercentages(nil),
		"mc":             IntegerPercentagesMC(st, 10, 1),
		"mc one":         IntegerPercentagesMC(st, 1, 1),
		"mc empty":       IntegerPercentagesMC(nil, 0, 1),
		"fingerprint":    TurnoutShare(st),
		"second digit":   SecondDigit(counts),
		"last digit":     LastDigit(nil),
		"zero five":      ZeroFive(counts),
		"flags":          FlagStations(st, FlagOptions{}),
		"flags no areas": FlagStations(nil, FlagOptions{}),
	} {
		if _, err := json.Marshal(v); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
