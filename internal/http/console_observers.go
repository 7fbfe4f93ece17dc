package http

import (
	"context"
	"html/template"
	"net/http"
	"slices"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// conObserversPerPage bounds the observers listed on one page.
const conObserversPerPage = 200

// conMissingListed is how many stations without results the page lists for the whole
// country; above it, it counts them by region.
const conMissingListed = 300

// conAreaGroup is a group of the area filter: an area and the areas just below it.
type conAreaGroup struct {
	conAreaOption
	Children []conAreaOption
}

type conAreaOption struct {
	Code, Name string
	Selected   bool
}

// conObserverRow is one observer on the observers page.
type conObserverRow struct {
	Code, Name, Role string
	Phones           []conPhone
	Stations         []string
	Devices, Reports int
	LastReport       string
	Missing          []string
}

type conPhone struct {
	Number string
	Href   template.URL
}

// conMissingGroup is the stations without results of one region.
type conMissingGroup struct {
	Code, Name, Href string
	Count            int
	Stations         []conMissingStation
}

type conMissingStation struct {
	Code, Name string
	// Reporting is set when the station sent something (a checklist, say) but no results.
	Reporting bool
}

type conObserversData struct {
	Groups      []conAreaGroup
	Area        string
	MissingOnly bool

	ShowObservers      bool
	Observers          []conObserverRow
	Total, First, Last int
	PrevHref, NextHref string
	ShowMissing        bool
	MissingGroups      []conMissingGroup
	MissingTotal       int
	// MissingListed lists the stations of each group; otherwise the groups link to
	// the page narrowed to them.
	MissingListed bool
	MayDevices    bool
}

// conObservers shows the observers with their reporting status (devices, reports, the
// last report, their stations still without results) and the stations without results,
// grouped by area. ?area= narrows both to an area; ?missing=1 keeps the observers with
// a station still missing. The app limits a coordinator to their areas; staff who may
// read reports but not observers see the stations only.
func (s *Server) conObservers(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	ctx := r.Context()
	statuses, errObs := s.app.ObserverStatuses(ctx, e.ID)
	missing, errMiss := s.app.MissingStations(ctx, e.ID)
	for _, err := range []error{errObs, errMiss} {
		if err != nil && !conForbidden(err) {
			s.conError(w, r, sess, e, err)
			return
		}
	}
	if errObs != nil && errMiss != nil {
		s.conError(w, r, sess, e, errObs)
		return
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.observers_title")
	q := r.URL.Query()
	d := &conObserversData{Area: q.Get("area"), MissingOnly: q.Get("missing") == "1",
		ShowObservers: errObs == nil, ShowMissing: errMiss == nil,
		MayDevices: sess.Actor.May(app.MayManageDevices)}
	if _, known := snap.pos[d.Area]; !known {
		d.Area = ""
	}
	d.Groups = conAreaGroups(snap, p.Lang, sess.Actor, d.Area)
	name := func(code string) string {
		if i, ok := snap.pos[code]; ok {
			return snap.areas[i].Name.In(p.Lang, e.Languages...)
		}
		return code
	}

	if d.ShowObservers {
		var inArea map[string]bool
		if d.Area != "" {
			if inArea, err = s.conStationSet(ctx, e.ID, d.Area); err != nil {
				s.conError(w, r, sess, e, err)
				return
			}
		}
		var rows []conObserverRow
		for _, st := range statuses {
			if d.MissingOnly && len(st.Missing) == 0 {
				continue
			}
			if inArea != nil && !conAnyIn(st.Observer.Stations, inArea) {
				continue
			}
			row := conObserverRow{Code: st.Observer.Code, Name: st.Observer.Name,
				Role: tr(p.Lang, "console.role_obs_"+string(st.Observer.Role)), Stations: st.Observer.Stations,
				Devices: st.Devices, Reports: st.Reports, Missing: st.Missing}
			for _, ph := range st.Observer.Phones {
				row.Phones = append(row.Phones, conPhone{Number: ph, Href: template.URL("tel:" + ph)})
			}
			if st.LastReport != nil {
				row.LastReport = conTime(*st.LastReport)
			}
			rows = append(rows, row)
		}
		d.Total = len(rows)
		pg, _ := strconv.Atoi(q.Get("page"))
		pages := (len(rows) + conObserversPerPage - 1) / conObserversPerPage
		pg = max(1, min(pg, pages))
		lo, hi := (pg-1)*conObserversPerPage, min(pg*conObserversPerPage, len(rows))
		if lo < hi {
			d.Observers, d.First, d.Last = rows[lo:hi], lo+1, hi
		}
		missingFlag := ""
		if d.MissingOnly {
			missingFlag = "1"
		}
		if pg > 1 {
			d.PrevHref = p.ConURL(r.URL.Path, "area", d.Area, "missing", missingFlag, "page", strconv.Itoa(pg-1))
		}
		if pg < pages {
			d.NextHref = p.ConURL(r.URL.Path, "area", d.Area, "missing", missingFlag, "page", strconv.Itoa(pg+1))
		}
	}

	if d.ShowMissing {
		// Grouped by the level below the area chosen (by region when none is); the stations
		// themselves are listed once there are few enough to read on a phone.
		pos := map[string]int{}
		for _, m := range missing {
			at := slices.Index(m.Path, d.Area)
			if d.Area == "" {
				at = 0
			} else if at < 0 {
				continue
			}
			group := m.Station.Area
			if at+1 < len(m.Path) {
				group = m.Path[at+1]
			}
			i, ok := pos[group]
			if !ok {
				i = len(d.MissingGroups)
				pos[group] = i
				d.MissingGroups = append(d.MissingGroups, conMissingGroup{Code: group, Name: name(group),
					Href: p.ConURL(r.URL.Path, "area", group) + "#missing"})
			}
			g := &d.MissingGroups[i]
			g.Count++
			g.Stations = append(g.Stations, conMissingStation{Code: m.Station.Code,
				Name: m.Station.Name.In(p.Lang, e.Languages...), Reporting: m.Reporting})
			d.MissingTotal++
		}
		d.MissingListed = d.Area != "" || d.MissingTotal <= conMissingListed
	}
	p.Data = d
	s.render(w, r, "con_observers", p)
}

// conAreaGroups returns the choices of an area filter: the regions (or a coordinator's
// own areas), each with the areas just below it.
func conAreaGroups(snap *areaSnapshot, lang string, actor app.Actor, chosen string) []conAreaGroup {
	opt := func(code string) (conAreaOption, bool) {
		i, ok := snap.pos[code]
		if !ok {
			return conAreaOption{}, false
		}
		return conAreaOption{Code: code, Name: snap.areas[i].Name.In(lang), Selected: code == chosen}, true
	}
	roots := actor.Areas
	if len(roots) == 0 {
		for _, top := range snap.index.Children("") {
			roots = append(roots, snap.index.Children(top)...)
		}
	}
	var out []conAreaGroup
	for _, code := range roots {
		o, ok := opt(code)
		if !ok {
			continue
		}
		g := conAreaGroup{conAreaOption: o}
		for _, c := range snap.index.Children(code) {
			if co, ok := opt(c); ok {
				g.Children = append(g.Children, co)
			}
		}
		out = append(out, g)
	}
	return out
}

// conStationSet returns the codes of the stations at or below area.
func (s *Server) conStationSet(ctx context.Context, election, area string) (map[string]bool, error) {
	set := map[string]bool{}
	for after := ""; ; {
		page, err := s.app.Stations(ctx, election, iltod.StationQuery{Area: area, After: after, Limit: iltod.MaxStationLimit})
		if err != nil {
			return nil, err
		}
		for _, st := range page {
			set[st.Code] = true
		}
		if len(page) < iltod.MaxStationLimit {
			return set, nil
		}
		after = page[len(page)-1].Code
	}
}

func conAnyIn(list []string, set map[string]bool) bool {
	for _, x := range list {
		if set[x] {
			return true
		}
	}
	return false
}
