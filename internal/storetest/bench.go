package storetest

import (
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/synth"
)

// BenchmarkAcceptReports measures s.AcceptReports on realistic reports from Submissions
// in batches of 500 to an election of 500 stations, and reports reports/s and the mean
// envelope size. The reports are made with the timer stopped. s must be empty.
func BenchmarkAcceptReports(b *testing.B, s iltod.Store) {
	const batch = 500
	p := synth.Package(500, 1)
	if err := s.CreateElection(b.Context(), p, false); err != nil {
		b.Fatal(err)
	}
	envelope := 0
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		subs := Submissions(p, batch, uint64(i))
		for _, sub := range subs {
			envelope += len(sub.Envelope)
		}
		b.StartTimer()
		res, err := s.AcceptReports(b.Context(), subs)
		if err != nil {
			b.Fatal(err)
		}
		if res[batch-1].Outcome != iltod.Accepted {
			b.Fatalf("outcome %d", res[batch-1].Outcome)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "reports/s")
	b.ReportMetric(float64(envelope)/float64(b.N*batch), "envelope-bytes")
}
