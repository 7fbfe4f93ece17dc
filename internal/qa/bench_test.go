package qa

import (
	"testing"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/electionpkg"
)

// exampleSheet is the example election's results form at station UB-001, the sheet the
// ingest benchmark (cmd/iltod) checks every report against.
func exampleSheet(tb testing.TB) (*Sheet, *iltod.Package) {
	tb.Helper()
	p, err := electionpkg.ReadDir("../../docs/example")
	if err != nil {
		tb.Fatal(err)
	}
	var form *iltod.Form
	for i := range p.Forms {
		if p.Forms[i].Code == "results" {
			form = &p.Forms[i]
		}
	}
	var st iltod.Station
	for _, s := range p.Stations {
		if s.Code == "UB-001" {
			st = s
		}
	}
	s, err := Expand(form, st, p.Contests, iltod.NewAreaIndex(p.Areas))
	if err != nil {
		tb.Fatal(err)
	}
	return s, p
}

// benchAnswers are the answers of the ingest benchmark's reports (cmd/iltod).
func benchAnswers(n int) map[string]iltod.Value {
	i := iltod.IntValue
	return map[string]iltod.Value{"RV": i(1320), "BI": i(900), "BC": i(898), "CV": i(880), "CI": i(18),
		"C1": i(500 + int64(n%7)), "C2": i(420), "C3": i(390), "C4": i(300), "LV": i(870), "PB": i(500), "PR": i(370)}
}

// BenchmarkSheetCheck is the QA the intake runs on each report of the ingest benchmark:
// ValidateAnswers, Check, CheckGeofence and CheckDeviceClock.
func BenchmarkSheetCheck(b *testing.B) {
	s, p := exampleSheet(b)
	answers := benchAnswers(0)
	pos := &iltod.Position{LatE6: 47_910_120, LonE6: 106_880_300, AccuracyM: 25}
	received := time.Date(2024, 6, 28, 14, 0, 3, 0, time.UTC)
	sent := "2024-06-28T22:00:01+08:00"
	geofence, skew := p.Election.GeofenceMetres(), p.Election.ClockSkew()
	b.ReportAllocs()
	for b.Loop() {
		if ps := s.ValidateAnswers(answers); len(ps) > 0 {
			b.Fatal(ps)
		}
		out := s.Check(answers)
		out = append(out, CheckGeofence(s.Station, pos, geofence),
			CheckDeviceClock("2024-06-28T22:00:00+08:00", sent, received, skew))
		if len(out) != 8 {
			b.Fatal(len(out))
		}
	}
}

// BenchmarkCheckOnly is Sheet.Check alone on the ingest benchmark's answers.
func BenchmarkCheckOnly(b *testing.B) {
	s, _ := exampleSheet(b)
	answers := benchAnswers(0)
	b.ReportAllocs()
	for b.Loop() {
		s.Check(answers)
	}
}
