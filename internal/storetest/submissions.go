package storetest

import (
	"crypto/ed25519"
	"crypto/sha256"
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/iltod/iltod"
)

// Received is the time the submissions of Submissions are received from; it has
// nanoseconds, which a store must keep.
var Received = time.Date(2024, 6, 28, 20, 15, 0, 123456789, time.UTC)

// Submissions returns n realistic submissions to election p of the results form "RES",
// as the app passes them to AcceptReports: each from an observer of p at one of the
// observer's stations (or at any station for an observer with none), with 41 answers of
// every kind (every third with the device's position), signed on the observer's device
// (the envelope is about 1 KB), with QA checks, unreviewed, received a second apart. p needs an observer and a station.
//
// Report ids are "r" followed by the seed and the index, so that calls with different
// seeds never repeat an id. The output depends only on p, n and seed.
func Submissions(p *iltod.Package, n int, seed uint64) []iltod.Submission {
	rng := rand.New(rand.NewPCG(seed, 0x1170d))
	type author struct {
		code     string
		stations []string
		key      ed25519.PrivateKey
	}
	var authors []author
	for _, o := range p.Observers {
		stations := o.Stations
		if len(stations) == 0 {
			stations = []string{p.Stations[len(authors)%len(p.Stations)].Code}
		}
		h := sha256.Sum256([]byte(p.Election.ID + "/" + o.Code))
		authors = append(authors, author{o.Code, stations, ed25519.NewKeyFromSeed(h[:])})
	}
	out := make([]iltod.Submission, n)
	for i := range out {
		a := authors[rng.IntN(len(authors))]
		r := iltod.Report{
			ID:          fmt.Sprintf("r%x-%06d", seed, i),
			Election:    p.Election.ID,
			Station:     a.stations[rng.IntN(len(a.stations))],
			Form:        "RES",
			FormVersion: 1,
			Answers:     answers(rng),
			DeviceTime:  Received.Add(time.Duration(i)*time.Second - 3*time.Minute).Format(time.RFC3339),
		}
		if i%3 == 1 {
			// Every third report carries the phone's position, near Sükhbaatar Square.
			r.Position = &iltod.Position{LatE6: 47918900 + int64(i), LonE6: 106917600 - int64(i), AccuracyM: int64(5 + i%40)}
		}
		env, err := iltod.SignReport(r, a.key)
		if err != nil {
			panic(err)
		}
		b := env.Bytes()
		out[i] = iltod.Submission{
			Report:       r,
			Observer:     a.code,
			Channel:      iltod.ChannelApp,
			Envelope:     b,
			EnvelopeHash: sha256.Sum256(b),
			DeviceKey:    iltod.KeyID(env.Key),
			Received:     Received.Add(time.Duration(i) * time.Second),
			Checks: []iltod.CheckResult{
				{Code: "over-voting", Outcome: iltod.CheckPass, Contest: "C01", Detail: "cast 812 <= registered 1500"},
				{Code: "v-le-reg", Outcome: iltod.CheckFail, Detail: "valid 1600 > registered 1500"},
				{Code: "turnout", Outcome: iltod.CheckSkipped},
			},
			Status: iltod.Unreviewed,
		}
	}
	return out
}

// answers returns a results form's answers: the counts, votes for 12 candidates, 12
// lists and 6 presidential candidates, and one answer of each other kind.
func answers(rng *rand.Rand) map[string]iltod.Value {
	a := make(map[string]iltod.Value, 41)
	for _, tag := range []string{"REG", "ISS", "CAST", "CV", "CI", "LV", "PV", "PB"} {
		a[tag] = iltod.IntValue(rng.Int64N(3000))
	}
	for _, c := range []struct {
		prefix string
		n      int
	}{{"C", 12}, {"L", 12}, {"P", 6}} {
		for j := 1; j <= c.n; j++ {
			a[fmt.Sprintf("%s%d", c.prefix, j)] = iltod.IntValue(rng.Int64N(900))
		}
	}
	a["SEALED"] = iltod.BoolValue(rng.IntN(2) == 0)
	a["NOTE"] = iltod.StrValue("Тооллого 21:40-д дууссан")
	a["ISSUES"] = iltod.ListValue([]string{"2", "9"})
	// Not applicable: the form's question did not apply at this station.
	a["MC"] = iltod.Value{}
	return a
}

// eventHash returns the SHA-256 of its arguments' text: a hash that calls with other
// arguments do not return, for events whose hash a test chooses.
func eventHash(parts ...any) [32]byte {
	return sha256.Sum256(fmt.Appendf(nil, "%q", parts))
}
