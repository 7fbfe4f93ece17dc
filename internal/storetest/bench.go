package storetest

import (
	"fmt"
	"runtime"
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/cputime"
	"github.com/iltod/iltod/internal/synth"
)

// BenchmarkAcceptReports measures s.AcceptReports on realistic reports from Submissions
// in batches of 500 to an election of 500 stations, and reports reports/s and the mean
// envelope size, and the process's CPU time per report (the store's own, on SQLite; the
// client's, on a database server). The reports are made with the timer stopped. s must
// be empty.
func BenchmarkAcceptReports(b *testing.B, s iltod.Store) { BenchmarkAcceptBatches(b, s, 500) }

// BenchmarkAcceptBatches is BenchmarkAcceptReports with batches of the given size.
func BenchmarkAcceptBatches(b *testing.B, s iltod.Store, batch int) {
	p := synth.Package(500, 1)
	if err := s.CreateElection(b.Context(), p, false); err != nil {
		b.Fatal(err)
	}
	envelope := 0
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		subs := Submissions(p, batch, uint64(i))
		for _, sub := range subs {
			envelope += len(sub.Envelope)
		}
		runtime.GC() // the garbage of making the reports is not the store's
		b.StartTimer()
		start := cputime.Process()
		res, err := s.AcceptReports(b.Context(), subs)
		cpu += cputime.Process() - start
		if err != nil {
			b.Fatal(err)
		}
		if res[batch-1].Outcome != iltod.Accepted {
			b.Fatalf("outcome %d", res[batch-1].Outcome)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "reports/s")
	b.ReportMetric(float64(envelope)/float64(b.N*batch), "envelope-bytes")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*batch), "cpu-ns/report")
}

// BenchmarkLogFollower measures what the log's follower asks of s for each batch of
// 2000 new events, as internal/ledger's step does: Unlogged, then MarkLogged of every
// event at index Seq-1. It reports events/s. The events are acceptance events of
// reports, stored with the timer stopped (one batch of reports, made once, resent under
// new ids). It also reports the process's CPU time per event. s must be empty.
func BenchmarkLogFollower(b *testing.B, s iltod.Store) {
	const batch = 2000
	p := synth.Package(500, 1)
	if err := s.CreateElection(b.Context(), p, false); err != nil {
		b.Fatal(err)
	}
	subs := Submissions(p, batch, 1)
	ids := make([]string, len(subs))
	for i := range subs {
		ids[i] = subs[i].Report.ID
	}
	var cpu time.Duration
	b.ResetTimer()
	for i := range b.N {
		b.StopTimer()
		for j := range subs {
			subs[j].Report.ID = fmt.Sprintf("%s-%d", ids[j], i)
		}
		if _, err := s.AcceptReports(b.Context(), subs); err != nil {
			b.Fatal(err)
		}
		runtime.GC() // the garbage of making the reports is not the store's
		b.StartTimer()
		start := cputime.Process()
		evs, err := s.Unlogged(b.Context(), batch)
		if err != nil {
			b.Fatal(err)
		}
		if len(evs) != batch {
			b.Fatalf("Unlogged: %d events, want %d", len(evs), batch)
		}
		marks := make([]iltod.LogMark, len(evs))
		for j, ev := range evs {
			marks[j] = iltod.LogMark{Seq: ev.Seq, Index: ev.Seq - 1}
		}
		if err := s.MarkLogged(b.Context(), marks); err != nil {
			b.Fatal(err)
		}
		cpu += cputime.Process() - start
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "events/s")
	b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N*batch), "cpu-ns/event")
}
