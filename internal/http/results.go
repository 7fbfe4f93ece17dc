package http

import (
	"bytes"
	"net/http"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/official"
)

// analysisOptions reads the query parameters every analysis route shares:
// ?area= (default the whole election), ?contest=, ?levels= (levels of areas below area
// with their own figures: 1 to 10, or "all"; default 1), ?tolerance= (the discrepancy
// above which a station is flagged; default 0) and ?alpha= (the false-alarm rate of the
// comparison tests of one contest in one area, in (0, 0.5]; default 0.05).
func analysisOptions(r *http.Request) (analysis.Options, error) {
	q := r.URL.Query()
	opt := analysis.Options{Area: q.Get("area"), Contest: q.Get("contest")}
	switch v := q.Get("levels"); v {
	case "", "1":
	case "all":
		opt.Levels = -1
	default:
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 10 {
			return opt, iltod.E(iltod.EInvalid, "error.levels", nil)
		}
		opt.Levels = n
	}
	if v := q.Get("tolerance"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f >= 0 && f <= iltod.MaxResultCount) {
			return opt, iltod.E(iltod.EInvalid, "error.tolerance", nil)
		}
		opt.Tolerance = f
	}
	if v := q.Get("alpha"); v != "" {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || !(f > 0 && f <= 0.5) {
			return opt, iltod.E(iltod.EInvalid, "error.alpha", nil)
		}
		opt.Alpha = f
	}
	return opt, nil
}

// getAnalysis answers the whole results verification of an election (analysis.Report).
func (s *Server) getAnalysis(r *http.Request, e iltod.Election) (any, error) {
	opt, err := analysisOptions(r)
	if err != nil {
		return nil, err
	}
	return s.app.Analyze(r.Context(), e.ID, opt)
}

// The parts of an analysis, each its own route: a page or a client that needs one part
// need not download the others.

func (s *Server) getPVT(r *http.Request, e iltod.Election) (any, error) {
	rep, err := s.analysisPart(r, e, true)
	if err != nil {
		return nil, err
	}
	for i := range rep.Contests {
		rep.Contests[i].Forensics = nil
		for j := range rep.Contests[i].Areas {
			rep.Contests[i].Areas[j].Comparison = nil
		}
	}
	rep.Bodies = nil
	return rep, nil
}

func (s *Server) getComparison(r *http.Request, e iltod.Election) (any, error) {
	rep, err := s.analysisPart(r, e, true)
	if err != nil {
		return nil, err
	}
	type area struct {
		Area       string               `json:"area"`
		Level      iltod.Level          `json:"level"`
		Comparison *analysis.Comparison `json:"comparison"`
	}
	type contest struct {
		Contest string   `json:"contest"`
		Choices []string `json:"choices"`
		Areas   []area   `json:"areas"`
	}
	out := struct {
		Election string                 `json:"election"`
		Area     string                 `json:"area"`
		Official *iltod.OfficialRelease `json:"official"`
		Contests []contest              `json:"contests"`
	}{rep.Election, rep.Area, rep.Official, []contest{}}
	for _, c := range rep.Contests {
		oc := contest{Contest: c.Contest, Choices: c.Choices, Areas: []area{}}
		for _, a := range c.Areas {
			if a.Comparison != nil {
				oc.Areas = append(oc.Areas, area{a.Area, a.Level, a.Comparison})
			}
		}
		out.Contests = append(out.Contests, oc)
	}
	return out, nil
}

func (s *Server) getForensics(r *http.Request, e iltod.Election) (any, error) {
	rep, err := s.analysisPart(r, e, false)
	if err != nil {
		return nil, err
	}
	type contest struct {
		Contest   string              `json:"contest"`
		Choices   []string            `json:"choices"`
		Forensics *analysis.Forensics `json:"forensics"`
	}
	out := struct {
		Election string    `json:"election"`
		Area     string    `json:"area"`
		Contests []contest `json:"contests"`
	}{rep.Election, rep.Area, []contest{}}
	for _, c := range rep.Contests {
		out.Contests = append(out.Contests, contest{c.Contest, c.Choices, c.Forensics})
	}
	return out, nil
}

func (s *Server) getSeats(r *http.Request, e iltod.Election) (any, error) {
	opt := analysis.Options{NoForensics: true, Levels: 0}
	rep, err := s.app.Analyze(r.Context(), e.ID, opt)
	if err != nil {
		return nil, err
	}
	bodies := rep.Bodies
	if bodies == nil {
		bodies = []analysis.BodyReport{}
	}
	return struct {
		Election string                `json:"election"`
		Bodies   []analysis.BodyReport `json:"bodies"`
	}{rep.Election, bodies}, nil
}

// analysisPart runs an analysis with the request's options, without forensics unless
// forensics is false (they are the costly part).
func (s *Server) analysisPart(r *http.Request, e iltod.Election, noForensics bool) (*analysis.Report, error) {
	opt, err := analysisOptions(r)
	if err != nil {
		return nil, err
	}
	opt.NoForensics = noForensics
	return s.app.Analyze(r.Context(), e.ID, opt)
}

// listOfficial answers {"releases": […]}, in version order.
func (s *Server) listOfficial(r *http.Request, e iltod.Election) (any, error) {
	rs, err := s.app.OfficialReleases(r.Context(), e.ID)
	if err != nil {
		return nil, err
	}
	if rs == nil {
		rs = []iltod.OfficialRelease{}
	}
	return struct {
		Releases []iltod.OfficialRelease `json:"releases"`
	}{rs}, nil
}

// The downloads: JSON, CSV (docs/official-results.md's long layout) or NIST SP 1500-100
// JSON, chosen by ?format=json|csv|nist.

// getOfficialResults writes the station results and area totals of one release
// ({version}: a number, or "latest"), in ?format=, limited by ?area= and ?contest=.
func (s *Server) getOfficialResults(w http.ResponseWriter, r *http.Request) {
	e, err := s.app.Election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	version := 0
	if v := r.PathValue("version"); v != "latest" {
		if version, err = strconv.Atoi(v); err != nil || version < 1 {
			s.writeError(w, r, iltod.E(iltod.EInvalid, "error.version_latest", nil))
			return
		}
	}
	q := r.URL.Query()
	oq := iltod.OfficialQuery{Area: q.Get("area"), Contest: q.Get("contest")}
	results, err := s.app.OfficialResults(r.Context(), e.ID, version, oq)
	if err == nil {
		oq.Totals = true
		var totals []iltod.StationResult
		totals, err = s.app.OfficialResults(r.Context(), e.ID, version, oq)
		results = append(results, totals...)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	name := e.ID + "-official"
	if version > 0 {
		name += "-v" + strconv.Itoa(version)
	}
	s.writeResults(w, r, e, name, results, official.NISTOptions{Status: "certified", Issuer: "Official results as imported by iltod"})
}

// getObserved writes the observers' station results in ?format=, limited by ?contest=.
func (s *Server) getObserved(w http.ResponseWriter, r *http.Request) {
	e, err := s.app.Election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	results, err := s.app.ObservedResults(r.Context(), e.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if c := r.URL.Query().Get("contest"); c != "" {
		kept := results[:0:0]
		for _, res := range results {
			if res.Contest == c {
				kept = append(kept, res)
			}
		}
		results = kept
	}
	s.writeResults(w, r, e, e.ID+"-observed", results, official.NISTOptions{Status: "unofficial-partial", Notes: "Observers' station results: figures observers agree on or reviewers resolved."})
}

// getStationComparison writes the station-by-station comparison of observers' and the
// latest official results as JSON ({"stations": […]}) or CSV. NIST's format has no place
// for a comparison; ?format=nist is refused.
func (s *Server) getStationComparison(w http.ResponseWriter, r *http.Request) {
	e, err := s.app.Election(r.Context(), r.PathValue("election"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rows, err := s.app.Comparison(r.Context(), e.ID)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	demoHeader(w, e)
	switch r.URL.Query().Get("format") {
	case "", "json":
		if rows == nil {
			rows = []analysis.StationComparison{}
		}
		s.writeJSON(w, r, struct {
			Stations []analysis.StationComparison `json:"stations"`
		}{rows})
	case "csv":
		var buf bytes.Buffer
		if err := analysis.WriteComparisonCSV(&buf, rows); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeDownload(w, r, "text/csv; charset=utf-8", e.ID+"-comparison.csv", buf.Bytes())
	default:
		s.writeError(w, r, iltod.E(iltod.EInvalid, "error.format_json_csv", nil))
	}
}

// writeResults writes results as ?format= asks.
func (s *Server) writeResults(w http.ResponseWriter, r *http.Request, e iltod.Election, name string, results []iltod.StationResult, nist official.NISTOptions) {
	demoHeader(w, e)
	if results == nil {
		results = []iltod.StationResult{}
	}
	var buf bytes.Buffer
	switch r.URL.Query().Get("format") {
	case "", "json":
		s.writeJSON(w, r, struct {
			Results []iltod.StationResult `json:"results"`
		}{results})
		return
	case "csv":
		if err := official.WriteCSV(&buf, results); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeDownload(w, r, "text/csv; charset=utf-8", name+".csv", buf.Bytes())
	case "nist":
		p, err := s.app.PublicPackage(r.Context(), e.ID)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if e.Demo {
			nist.Notes = "DEMONSTRATION DATA — not a real election. " + nist.Notes
		}
		if err := official.WriteNIST(&buf, p, results, nist); err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeDownload(w, r, "application/json; charset=utf-8", name+".nist.json", buf.Bytes())
	default:
		s.writeError(w, r, iltod.E(iltod.EInvalid, "error.format_json_csv_nist", nil))
	}
}

// writeDownload answers 200 with a file to save.
func (s *Server) writeDownload(w http.ResponseWriter, r *http.Request, contentType, name string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", contentType)
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", cachePublic)
	if r.Method == http.MethodHead {
		return
	}
	w.Write(body)
}

func demoHeader(w http.ResponseWriter, e iltod.Election) {
	if e.Demo {
		w.Header().Set("X-Iltod-Demo", "true")
	}
}
