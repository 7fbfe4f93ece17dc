package forensics

import (
	"math/rand/v2"
	"reflect"
	"testing"
)

// TestTalliesEqualScreens: stations and counts added to the tallies and then some removed
// give exactly the screens of the stations left, field by field; the integer test summed
// from kept terms equals IntegerPercentages. A live analysis relies on it.
func TestTalliesEqualScreens(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	var all []Station
	for range 5000 {
		v := rng.IntN(1500)
		g := rng.IntN(v + 50)
		r := g - rng.IntN(3)
		l := rng.IntN(max(r, 1)+2) - 1
		all = append(all, Station{Registered: v, Issued: g, Found: r, Leader: l})
	}
	var fp FingerprintTally
	var dg DigitTally
	for i := range all {
		fp.Add(&all[i], 1)
		dg.Add(all[i].Leader, 1)
	}
	terms := make([]IntegerTerm, len(all))
	var kept []Station
	var counts []int
	for i := range all {
		if i%3 == 1 {
			fp.Add(&all[i], -1)
			dg.Add(all[i].Leader, -1)
			continue
		}
		terms[i] = NewIntegerTerm(&all[i])
		kept = append(kept, all[i])
		counts = append(counts, all[i].Leader)
	}
	if got, want := fp.Fingerprint(), TurnoutShare(kept); !reflect.DeepEqual(got, want) {
		t.Errorf("tallied fingerprint differs from TurnoutShare")
	}
	if got, want := dg.SecondDigit(), SecondDigit(counts); !reflect.DeepEqual(got, want) {
		t.Errorf("tallied second digit %+v, want %+v", got, want)
	}
	if got, want := dg.LastDigit(), LastDigit(counts); !reflect.DeepEqual(got, want) {
		t.Errorf("tallied last digit %+v, want %+v", got, want)
	}
	got, want := SumIntegerTerms(terms), IntegerPercentages(kept)
	if !reflect.DeepEqual(got, want) {
		t.Errorf("summed terms %+v, want %+v", got, want)
	}
	if want.Stations == 0 || want.Excluded.Total() == 0 || want.Either.Observed == 0 {
		t.Errorf("the stations exercise too little: %+v", want)
	}
}
