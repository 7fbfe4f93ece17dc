package http

import (
	"net/http"

	"github.com/iltod/iltod/internal/app"
)

// conHomeElection is one election on the console's home page.
type conHomeElection struct {
	ID, Name, Date string
	Demo           bool
	Links          []conLink
	// Counts are shown when the staff member may read them (HasQueue, HasMissing); for a
	// coordinator they count their areas only.
	HasQueue, HasMissing        bool
	Flagged, Conflicts, Missing int
}

// conHome lists the elections with, for each, the sections the staff member may use and
// what waits: flagged reports, conflicting station records, stations without results.
func (s *Server) conHome(w http.ResponseWriter, r *http.Request, sess app.Session) {
	ctx := r.Context()
	es, err := s.app.Elections(ctx)
	if err != nil {
		s.conError(w, r, sess, nil, err)
		return
	}
	p := conPage(r, sess, nil, "console.home_title")
	var out []conHomeElection
	for _, e := range es {
		he := conHomeElection{ID: e.ID, Name: e.Name.In(p.Lang, e.Languages...), Date: e.Date, Demo: e.Demo,
			Links: p.conLinks(sess.Actor, e.ID)}
		if sess.Actor.May(app.MayReview) {
			q, err := s.app.ReviewQueue(ctx, e.ID)
			if err != nil {
				s.conError(w, r, sess, nil, err)
				return
			}
			he.HasQueue = true
			for _, it := range q {
				if it.Kind == "flagged" {
					he.Flagged++
				} else {
					he.Conflicts++
				}
			}
		}
		if sess.Actor.May(app.MayReadReports) {
			m, err := s.app.MissingStations(ctx, e.ID)
			if err != nil {
				s.conError(w, r, sess, nil, err)
				return
			}
			he.HasMissing, he.Missing = true, len(m)
		}
		out = append(out, he)
	}
	p.Data = out
	s.render(w, r, "con_home", p)
}
