package http

import (
	"context"
	"net/http"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// electionHandler answers an API request about one election, which has been found. It
// returns the value to send as JSON, or an error to send in the API's error format.
type electionHandler func(r *http.Request, e iltod.Election) (any, error)

// election adapts h to a route with an {election} path value: it finds the election
// (answering not_found if there is none), marks the response of a demonstration election
// with the header X-Iltod-Demo: true, and writes what h returns.
func (s *Server) election(h electionHandler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		e, err := s.app.Election(r.Context(), r.PathValue("election"))
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if e.Demo {
			w.Header().Set("X-Iltod-Demo", "true")
		}
		v, err := h(r, e)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		s.writeJSON(w, r, v)
	})
}

// healthz answers 200 "ok" while the process serves requests. It does not touch the store.
func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	h := w.Header()
	h.Set("Content-Type", "text/plain; charset=utf-8")
	h.Set("Cache-Control", cacheNone)
	w.Write([]byte("ok"))
}

// listElections answers {"elections":[…]}, ordered by date, then id.
func (s *Server) listElections(w http.ResponseWriter, r *http.Request) {
	es, err := s.app.Elections(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if es == nil {
		es = []iltod.Election{}
	}
	s.writeJSON(w, r, struct {
		Elections []iltod.Election `json:"elections"`
	}{es})
}

// getElection answers {"election":…, "summary":…}.
func (s *Server) getElection(r *http.Request, e iltod.Election) (any, error) {
	sum, err := s.app.Summary(r.Context(), e.ID)
	if err != nil {
		return nil, err
	}
	return struct {
		Election iltod.Election `json:"election"`
		Summary  iltod.Summary  `json:"summary"`
	}{e, sum}, nil
}

// snapshot returns the election's area snapshot, from the cache when it is fresh.
func (s *Server) snapshot(r *http.Request, election string) (*areaSnapshot, error) {
	return s.areas.get(r.Context(), election, func(ctx context.Context) (*areaSnapshot, error) {
		return buildAreaSnapshot(ctx, s.app, election)
	})
}

// listAreas answers {"root": tree} with the area tree from the country down, or, with
// ?flat=1, {"areas":[…]} with every area in load order. Each area carries the number of
// stations at or below it and their registered voters.
func (s *Server) listAreas(r *http.Request, e iltod.Election) (any, error) {
	flat := false
	if v := r.URL.Query().Get("flat"); v != "" {
		b, err := strconv.ParseBool(v)
		if err != nil {
			return nil, iltod.E(iltod.EInvalid, "error.flat", nil)
		}
		flat = b
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		return nil, err
	}
	if !flat {
		return struct {
			Root *areaNode `json:"root"`
		}{snap.root}, nil
	}
	out := make([]areaTotals, len(snap.areas))
	for i := range snap.areas {
		out[i] = snap.totals(i)
	}
	return struct {
		Areas []areaTotals `json:"areas"`
	}{out}, nil
}

// getArea answers the area, its ancestors from the root down (not including itself), its
// direct children with their totals, and its own totals.
func (s *Server) getArea(r *http.Request, e iltod.Election) (any, error) {
	code := r.PathValue("code")
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		return nil, err
	}
	i, ok := snap.pos[code]
	if !ok {
		return nil, iltod.E(iltod.ENotFound, "error.no_area", locales.Args{"Election": e.ID, "Area": strconv.Quote(code)})
	}
	path := snap.index.Path(code)
	children := []areaTotals{}
	for _, c := range snap.index.Children(code) {
		children = append(children, snap.totals(snap.pos[c]))
	}
	return struct {
		Area       iltod.Area   `json:"area"`
		Path       []areaRef    `json:"path"`
		Children   []areaTotals `json:"children"`
		Stations   int          `json:"stations"`
		Registered int64        `json:"registered"`
	}{snap.areas[i], snap.refs(path[:len(path)-1]), children, snap.stations[i], snap.registered[i]}, nil
}

// listStations answers one page of stations in code order: {"stations":[…], "next":…}.
// ?area= keeps stations at or below an area, ?after= starts after a station code, and
// ?limit= (1 to iltod.MaxStationLimit, default iltod.DefaultStationLimit) sizes the page.
// next, the after of the following page, is present exactly when more stations follow.
func (s *Server) listStations(r *http.Request, e iltod.Election) (any, error) {
	q := r.URL.Query()
	sq := iltod.StationQuery{Area: q.Get("area"), After: q.Get("after")}
	if v := q.Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > iltod.MaxStationLimit {
			return nil, iltod.E(iltod.EInvalid, "error.limit", locales.Args{"Max": iltod.MaxStationLimit})
		}
		sq.Limit = n
	}
	page, err := s.app.Stations(r.Context(), e.ID, sq)
	if err != nil {
		return nil, err
	}
	next := ""
	if len(page) > 0 && len(page) >= sq.EffectiveLimit() {
		last := page[len(page)-1].Code
		more, err := s.app.Stations(r.Context(), e.ID, iltod.StationQuery{Area: sq.Area, After: last, Limit: 1})
		if err != nil {
			return nil, err
		}
		if len(more) > 0 {
			next = last
		}
	}
	if page == nil {
		page = []iltod.Station{}
	}
	return struct {
		Stations []iltod.Station `json:"stations"`
		Next     string          `json:"next,omitempty"`
	}{page, next}, nil
}

// getStation answers the station, the path of areas from the root down to the station's
// area, and the contests the station votes in, in load order.
func (s *Server) getStation(r *http.Request, e iltod.Election) (any, error) {
	st, err := s.app.Station(r.Context(), e.ID, r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		return nil, err
	}
	cs, err := s.app.Contests(r.Context(), e.ID)
	if err != nil {
		return nil, err
	}
	path := snap.index.Path(st.Area)
	within := make(map[string]bool, len(path))
	for _, c := range path {
		within[c] = true
	}
	votesIn := []iltod.Contest{}
	for _, c := range cs {
		for _, a := range c.Areas {
			if within[a] {
				votesIn = append(votesIn, c)
				break
			}
		}
	}
	return struct {
		Station  iltod.Station   `json:"station"`
		Path     []areaRef       `json:"path"`
		Contests []iltod.Contest `json:"contests"`
	}{st, snap.refs(path), votesIn}, nil
}

// listContests answers {"contests":[…]} in load order; ?tier=BODY/TIER keeps the contests
// of one tier. A malformed tier is invalid; a tier the election does not have is not found.
func (s *Server) listContests(r *http.Request, e iltod.Election) (any, error) {
	tier := r.URL.Query().Get("tier")
	if tier != "" {
		body, t, ok := strings.Cut(tier, "/")
		if !ok || !iltod.ValidCode(body) || !iltod.ValidCode(t) {
			return nil, iltod.E(iltod.EInvalid, "error.tier_form", nil)
		}
		if _, ok := e.Tier(body, t); !ok {
			return nil, iltod.E(iltod.ENotFound, "error.no_tier", locales.Args{"Election": e.ID, "Tier": tier})
		}
	}
	cs, err := s.app.Contests(r.Context(), e.ID)
	if err != nil {
		return nil, err
	}
	out := []iltod.Contest{}
	for _, c := range cs {
		if tier == "" || c.TierRef() == tier {
			out = append(out, c)
		}
	}
	return struct {
		Contests []iltod.Contest `json:"contests"`
	}{out}, nil
}

// getContest answers {"contest":…}.
func (s *Server) getContest(r *http.Request, e iltod.Election) (any, error) {
	c, err := s.app.Contest(r.Context(), e.ID, r.PathValue("code"))
	if err != nil {
		return nil, err
	}
	return struct {
		Contest iltod.Contest `json:"contest"`
	}{c}, nil
}

// listForms answers {"forms":[…]} with the latest version of each form, ordered by code.
func (s *Server) listForms(r *http.Request, e iltod.Election) (any, error) {
	fs, err := s.app.Forms(r.Context(), e.ID)
	if err != nil {
		return nil, err
	}
	return struct {
		Forms []iltod.Form `json:"forms"`
	}{latestForms(fs)}, nil
}

// latestForms returns the highest version of each form, in the order codes first appear.
func latestForms(fs []iltod.Form) []iltod.Form {
	out := []iltod.Form{}
	at := map[string]int{}
	for _, f := range fs {
		i, ok := at[f.Code]
		switch {
		case !ok:
			at[f.Code] = len(out)
			out = append(out, f)
		case f.Version > out[i].Version:
			out[i] = f
		}
	}
	return out
}

// getForm answers {"form":…} with the latest version of a form.
func (s *Server) getForm(r *http.Request, e iltod.Election) (any, error) {
	f, err := s.app.Form(r.Context(), e.ID, r.PathValue("code"), 0)
	if err != nil {
		return nil, err
	}
	return struct {
		Form iltod.Form `json:"form"`
	}{f}, nil
}

// getFormVersion answers {"form":…} with one version of a form. The version must be a
// whole number from 1.
func (s *Server) getFormVersion(r *http.Request, e iltod.Election) (any, error) {
	v, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || v < 1 {
		return nil, iltod.E(iltod.EInvalid, "error.version", nil)
	}
	f, err := s.app.Form(r.Context(), e.ID, r.PathValue("code"), v)
	if err != nil {
		return nil, err
	}
	return struct {
		Form iltod.Form `json:"form"`
	}{f}, nil
}
