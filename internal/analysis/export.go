package analysis

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"

	"github.com/iltod/iltod"
)

// StationComparison is one station's results for one contest from observers and from the
// officials, figure by figure.
type StationComparison struct {
	Station string       `json:"station"`
	Area    string       `json:"area"`
	Contest string       `json:"contest"`
	Figures []FigurePair `json:"figures"`
	D       int64        `json:"d"` // Σ |observed − official| over the figures both give
	Exact   bool         `json:"exact"`
}

// FigurePair is one figure — a choice's votes or a ballot count — from both sources; nil
// where a source does not give it. Where only one source counts blank ballots apart, its
// blank ballots are counted with its invalid ones and there is no blank figure.
type FigurePair struct {
	Figure   string `json:"figure"` // a choice code, or a count kind such as "valid"
	Observed *int64 `json:"observed"`
	Official *int64 `json:"official"`
}

// CompareStations sets observers' station results against official ones for every
// station and contest that has both, in contest then station order (package order).
// Area totals among official are ignored. Both must be prepared for x.
func (x *Election) CompareStations(observed, official *Results) ([]StationComparison, error) {
	if observed == nil || official == nil {
		return nil, nil
	}
	if observed.x != x || official.x != x {
		return nil, fmt.Errorf("analysis: results were prepared for another election")
	}
	obs, off := observed.src, official.src
	var out []StationComparison
	for c := range x.Contests {
		con := &x.Contests[c]
		for pos, s := range x.voters[c] {
			o, f := obs.at(c, pos), off.at(c, pos)
			if o == nil || f == nil {
				continue
			}
			sc := StationComparison{Station: x.Stations[s].Code, Area: x.Stations[s].Area, Contest: con.Code, Exact: true}
			add := func(name string, ov, fv int64) {
				fp := FigurePair{Figure: name}
				if ov != absent {
					fp.Observed = &ov
				}
				if fv != absent {
					fp.Official = &fv
				}
				if ov != absent && fv != absent {
					d := ov - fv
					if d < 0 {
						d = -d
					}
					sc.D += d
					sc.Exact = sc.Exact && d == 0
				}
				sc.Figures = append(sc.Figures, fp)
			}
			for k, ch := range con.Choices {
				add(ch.Code, o.votes[k], f.votes[k])
			}
			of, ff := comparableFigures(o, f)
			for i, kind := range iltod.ResultCounts {
				if of[i] != absent || ff[i] != absent {
					add(string(kind), of[i], ff[i])
				}
			}
			out = append(out, sc)
		}
	}
	return out, nil
}

// ComparisonHeader is the header row of WriteComparisonCSV.
var ComparisonHeader = []string{"station", "area", "contest", "figure", "observed", "official", "difference"}

// WriteComparisonCSV writes comparisons as CSV, one row per station, contest and figure:
// difference is observed − official, empty where either is not given.
func WriteComparisonCSV(w io.Writer, rows []StationComparison) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(ComparisonHeader); err != nil {
		return err
	}
	num := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	for _, r := range rows {
		for _, f := range r.Figures {
			diff := ""
			if f.Observed != nil && f.Official != nil {
				diff = strconv.FormatInt(*f.Observed-*f.Official, 10)
			}
			if err := cw.Write([]string{r.Station, r.Area, r.Contest, f.Figure, num(f.Observed), num(f.Official), diff}); err != nil {
				return err
			}
		}
	}
	cw.Flush()
	return cw.Error()
}
