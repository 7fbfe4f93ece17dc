package http

import (
	"bytes"
	"encoding/csv"
	"testing"
	"time"

	"github.com/iltod/iltod"
)

// TestAimagAt places points on the map of the aimags: the centres of Arkhangai and
// Ulaanbaatar (from the demo's areas.csv), and points outside Mongolia.
func TestAimagAt(t *testing.T) {
	for _, c := range []struct {
		lat, lon float64
		want     string
	}{
		{47.475, 101.454, "MN-AR"},
		{47.919, 106.918, "MN-UB"},
		{48.968, 89.962, "MN-BO"},
		{40.0, 80.0, ""},
		{55.0, 105.0, ""},
	} {
		if got := aimagAt(c.lon, c.lat); got != c.want {
			t.Errorf("aimagAt(%v, %v) = %q, want %q", c.lat, c.lon, got, c.want)
		}
	}
}

// TestIncidentsCSV writes published incidents as CSV: one line each under the header, a
// narrative that a spreadsheet would read as a formula defused, coordinates in degrees.
func TestIncidentsCSV(t *testing.T) {
	start := time.Date(2024, 6, 28, 10, 0, 0, 0, time.UTC)
	list := []apiIncident{
		{ID: "a1", Category: "election.vote_buying", Severity: "high", Start: &start, Place: iltod.Place{Station: "AR-01.01"},
			Aimag: "MN-AR", Source: iltod.SourceStaff, Trust: iltod.TrustHigh, Narrative: "=HYPERLINK(\"x\")", Hidden: []string{"actor", "time"},
			Actors: []apiActorLink{{Actor: "gov", Role: iltod.RoleOrdered}}, Evidence: []apiEvidence{{PlainSHA256: "p1", PublicSHA256: "c1"}, {PlainSHA256: "p2"}}},
		{ID: "b2", Category: "freedoms.speech_arrest", Severity: "low", Place: iltod.Place{Position: &iltod.Position{LatE6: -1_500_000, LonE6: 106_000_007}},
			Source: iltod.SourceCitizen, Trust: iltod.TrustLow},
	}
	var buf bytes.Buffer
	writeIncidentsCSV(&buf, list)
	rows, err := csv.NewReader(&buf).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || len(rows[0]) != len(incidentsCSVHeader) {
		t.Fatalf("rows %q", rows)
	}
	col := func(row int, name string) string {
		for i, h := range incidentsCSVHeader {
			if h == name {
				return rows[row][i]
			}
		}
		t.Fatalf("no column %s", name)
		return ""
	}
	for _, c := range []struct {
		row       int
		col, want string
	}{
		{1, "narrative", "'=HYPERLINK(\"x\")"},
		{1, "start", "2024-06-28T10:00:00Z"},
		{1, "hidden", "actor time"},
		{1, "actors", "gov:ordered"},
		{1, "evidence_sha256", "p1 p2"},
		{1, "public_sha256", "c1"},
		{2, "lat", "-1.500000"},
		{2, "lon", "106.000007"},
		{2, "trust", "low"},
		{2, "start", ""},
	} {
		if got := col(c.row, c.col); got != c.want {
			t.Errorf("row %d, %s = %q, want %q", c.row, c.col, got, c.want)
		}
	}
}
