package svgchart

import (
	"flag"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
)

var svgDir = flag.String("svgdir", "", "write a sample of each chart to this directory, to look at")

// samples returns one realistic chart of each kind.
func samples() map[string]Chart {
	r := rand.New(rand.NewPCG(7, 11))
	pct := Axis{Min: -0.5, Max: 100.5, Unit: "%"}
	counts := make([][]int, 101)
	for i := range counts {
		counts[i] = make([]int, 101)
	}
	turnout := make([]float64, 101)
	for range 2000 {
		t := min(max(int(math.Round(62+11*r.NormFloat64())), 0), 100)
		s := min(max(int(math.Round(52+9*r.NormFloat64())), 0), 100)
		counts[t][s]++
		turnout[t]++
	}
	for range 60 { // a cluster at 100% turnout and share
		t, s := 95+r.IntN(6), 93+r.IntN(8)
		counts[t][s]++
		turnout[t]++
	}
	xa, ya := pct, pct
	xa.Label, ya.Label = "Ирц / Turnout", "Тэргүүлэгчийн хувь / Leader's share"

	digits := []float64{118, 97, 102, 95, 99, 131, 93, 101, 88, 96}
	n := 0.0
	for _, d := range digits {
		n += d
	}
	exp, sd := make([]float64, 10), make([]float64, 10)
	for i := range exp {
		exp[i], sd[i] = n/10, math.Sqrt(n*0.1*0.9)
	}

	var lead, rest []Point
	cl, cr := 0.0, 0.0
	for t := range 101 {
		cl += turnout[t] * (0.45 + 0.004*float64(t))
		cr += turnout[t] * (0.55 - 0.004*float64(t))
		lead, rest = append(lead, Point{float64(t), cl}), append(rest, Point{float64(t), cr})
	}
	for i := range lead {
		lead[i].Y /= cl
		rest[i].Y /= cr
	}

	return map[string]Chart{
		"heatmap": Heatmap{
			Title: "Ирц ба тэргүүлэгчийн хувь / Turnout and leader's share", Desc: "2,060 polling stations in 1% bins.",
			X: xa, Y: ya, Counts: counts, LegendLabel: "Хэсэг / Stations", Log: true,
		},
		"histogram": Histogram{
			Title: "Last digits", Desc: "Counts of last digits of party votes.", XLabel: "Сүүлийн орон / Last digit",
			Y: Axis{Label: "Тоо / Count"}, Counts: digits, Expected: exp, SD: sd,
			Highlight: func(i int) bool { return i%5 == 0 }, SeriesLabel: "Observed", HighlightLabel: "0 or 5", ExpectedLabel: "Expected ± 2 SD",
		},
		"histogram101": Histogram{
			Title: "Stations by turnout", XLabel: "Turnout (%)", Y: Axis{Label: "Stations"}, Counts: turnout,
			Highlight: func(i int) bool { return i%5 == 0 }, HighlightLabel: "Multiple of 5", SeriesLabel: "Stations",
		},
		"lines": Lines{
			Title: "Cumulative votes by turnout", X: Axis{Label: "Turnout (%)", Min: 0, Max: 100, Unit: "%"},
			Y:      Axis{Label: "Cumulative share of votes", Min: 0, Max: 1},
			Series: []Series{{Name: "Тэргүүлэгч / Leader", Points: lead}, {Name: "Бусад / Others", Points: rest}},
		},
		"intervals": Intervals{
			Title: "PVT estimates", Axis: Axis{Label: "Share of valid votes", Min: 0, Max: 60, Unit: "%"},
			Rows: []Interval{
				{Label: "Монгол Ардын Нам", Value: 35.3, Low95: 33.9, High95: 36.7, Low99: 33.4, High99: 37.2, Official: 41.8, HasOfficial: true},
				{Label: "Ардчилсан нам", Value: 30.1, Low95: 28.8, High95: 31.4, Low99: 28.4, High99: 31.8, Official: 30.4, HasOfficial: true},
				{Label: "ХҮН нам", Value: 10.4, Low95: 9.6, High95: 11.2, Low99: 9.3, High99: 11.5, Official: 10.1, HasOfficial: true},
				{Label: "Иргэний зориг–Ногоон нам", Value: 5.2, Low95: 4.6, High95: 5.8, Low99: 4.4, High99: 6},
			},
			OfficialLabel: "Албан ёсны / Official",
		},
		"bars": Bars{
			Title: "Seats", Axis: Axis{Label: "Суудал / Seats"}, Segments: []string{"Тойрог / Constituency", "Жагсаалт / List"},
			Rows: []BarRow{{"МАН", []float64{50, 18}}, {"АН", []float64{26, 16}}, {"ХҮН", []float64{2, 6}}, {"ИЗНН", []float64{0, 4}}, {"Бусад", []float64{0, 4}}},
		},
		"coverage": Bars{
			Title: "Reporting coverage", Axis: Axis{Min: 0, Max: 100, Unit: "%"},
			Rows: []BarRow{{"Архангай", []float64{87}}, {"Баян-Өлгий", []float64{54.5}}, {"Улаанбаатар", []float64{99.2}}},
		},
	}
}

// TestWriteSamples writes the samples to -svgdir, and checks them as every chart is.
func TestWriteSamples(t *testing.T) {
	for name, ch := range samples() {
		svg := ch.SVG()
		parse(t, string(svg))
		t.Logf("%s: %d bytes", name, len(svg))
		if *svgDir != "" {
			if err := os.WriteFile(filepath.Join(*svgDir, name+".svg"), []byte(svg), 0o644); err != nil {
				t.Fatal(err)
			}
		}
	}
}
