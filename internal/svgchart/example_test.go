package svgchart_test

import (
	"fmt"
	"html/template"
	"os"
	"strings"

	"github.com/iltod/iltod/internal/svgchart"
)

// A histogram of last digits against their uniform expectation, highlighting 0 and 5,
// placed in a page by html/template.
func ExampleHistogram() {
	observed := []float64{118, 97, 102, 95, 99, 131, 93, 101, 88, 96}
	expected, sd := make([]float64, 10), make([]float64, 10)
	for i := range expected {
		expected[i], sd[i] = 102, 9.58 // N·p and √(N·p·(1−p)) for N = 1020, p = 0.1
	}
	chart := svgchart.Histogram{
		Title:          "Сүүлийн оронгийн тархалт / Last digits",
		Desc:           "1,020 party vote counts by last digit.",
		XLabel:         "Last digit",
		Y:              svgchart.Axis{Label: "Counts"},
		Counts:         observed,
		Expected:       expected,
		SD:             sd,
		Highlight:      func(d int) bool { return d == 0 || d == 5 },
		SeriesLabel:    "Observed",
		HighlightLabel: "0 or 5",
		ExpectedLabel:  "Expected ± 2 SD",
	}
	page := template.Must(template.New("").Parse(`<figure>{{.SVG}}</figure>`))
	var b strings.Builder
	if err := page.Execute(&b, chart); err != nil {
		fmt.Println(err)
		return
	}
	out := b.String()
	fmt.Println(out[:strings.Index(out, ` font-family`)])
	fmt.Println(strings.Contains(out, `<title id="histogram-`) && strings.Contains(out, "Last digits</title>"))
	// Output:
	// <figure><svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 640 320" width="100%" role="img" class="svgchart" aria-labelledby="histogram-1klp3cs-t histogram-1klp3cs-d"
	// true
}

// The turnout × leader's-share fingerprint of an election as a heat map.
func ExampleHeatmap() {
	counts := make([][]int, 101) // counts[turnout][share], as forensics.Fingerprint.Counts
	for t := range counts {
		counts[t] = make([]int, 101)
	}
	counts[62][51], counts[63][52], counts[100][100] = 40, 20, 1
	pct := svgchart.Axis{Min: -0.5, Max: 100.5, Unit: "%"}
	x, y := pct, pct
	x.Label, y.Label = "Turnout", "Leader's share"
	svg := svgchart.Heatmap{
		ID:          "fingerprint",
		Title:       "Turnout and leader's share",
		X:           x,
		Y:           y,
		Counts:      counts,
		LegendLabel: "Stations",
		Log:         true,
	}.SVG()
	fmt.Println(strings.Count(string(svg), "<path stroke="), "colour levels drawn")
	fmt.Println(strings.Contains(string(svg), "<title>Stations: 1</title>"))
	// Output:
	// 3 colour levels drawn
	// true
}

// PVT estimates with their intervals against the official results.
func ExampleIntervals() {
	svg := svgchart.Intervals{
		ID:    "pvt",
		Title: "Vote shares: PVT and official",
		Axis:  svgchart.Axis{Label: "Share of valid votes", Min: 0, Max: 60, Unit: "%"},
		Rows: []svgchart.Interval{
			{Label: "Party A", Value: 35.3, Low95: 33.9, High95: 36.7, Low99: 33.4, High99: 37.2, Official: 41.8, HasOfficial: true},
			{Label: "Party B", Value: 30.1, Low95: 28.8, High95: 31.4, Low99: 28.4, High99: 31.8, Official: 30.4, HasOfficial: true},
		},
	}.SVG()
	s := string(svg)
	i := strings.Index(s, "<title>Party A")
	fmt.Println(s[i+len("<title>") : i+strings.Index(s[i:], "</title>")])
	// Output:
	// Party A: Estimate 35.3%; 95% interval 33.9%–36.7%; 99% interval 33.4%–37.2%; Official 41.8%
}

// Seats won by each party, stacked by tier.
func ExampleBars() {
	svg := svgchart.Bars{
		Title:    "Seats",
		Segments: []string{"Constituency", "List"},
		Rows: []svgchart.BarRow{
			{Label: "Party A", Values: []float64{50, 18}},
			{Label: "Party B", Values: []float64{26, 16}},
		},
	}.SVG()
	os.Stdout.WriteString(fmt.Sprint(strings.Count(string(svg), `<g class="row">`), " rows\n"))
	// Output:
	// 2 rows
}

// Cumulative share of votes against turnout, one line per candidate.
func ExampleLines() {
	svg := svgchart.Lines{
		Title: "Cumulative votes by turnout",
		X:     svgchart.Axis{Label: "Turnout", Min: 0, Max: 100, Unit: "%"},
		Y:     svgchart.Axis{Label: "Cumulative share", Min: 0, Max: 1},
		Series: []svgchart.Series{
			{Name: "Leader", Points: []svgchart.Point{{X: 0, Y: 0}, {X: 50, Y: 0.3}, {X: 100, Y: 1}}},
			{Name: "Others", Points: []svgchart.Point{{X: 0, Y: 0}, {X: 50, Y: 0.5}, {X: 100, Y: 1}}},
		},
	}.SVG()
	fmt.Println(strings.Contains(string(svg), "<title>Others: 50%, 0.50</title>"))
	// Output:
	// true
}
