package http

import (
	"net/http"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// conMessagesShown bounds the messages listed for one observer.
const conMessagesShown = 500

type conMessageRow struct {
	At, Direction, Channel, Address, Text, Status string
	In                                            bool
}

type conMessagesData struct {
	Observer     string
	Messages     []conMessageRow
	Groups       []conAreaGroup
	Area, Role   string
	Roles        []conOption
	Text         string
	MayBroadcast bool
	MaxText      int
}

// conMessages shows one observer's messages in and out (?observer=CODE), newest first,
// and the broadcast form. Observers' numbers and texts are sensitive: the page is for
// staff who may read observers, and app limits a coordinator to their areas.
func (s *Server) conMessages(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	s.conMessagesPage(w, r, sess, e, http.StatusOK, "", "")
}

func (s *Server) conMessagesPage(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, status int, flash, errMsg string) {
	if !sess.Actor.May(app.MayReadObservers) {
		s.conError(w, r, sess, e, iltod.E(iltod.EForbidden, "error.app.role_may_not",
			locales.Args{"Role": locales.Key("console.role_" + string(sess.Actor.Role)), "Action": locales.Key("error.app.action_read_observers")}))
		return
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.messages.title")
	p.Flash, p.FlashError = flash, errMsg
	q := r.URL.Query()
	d := &conMessagesData{Observer: strings.TrimSpace(q.Get("observer")), Area: r.FormValue("area"), Role: r.FormValue("role"),
		MayBroadcast: sess.Actor.May(app.MayBroadcast), MaxText: app.MaxBroadcast}
	if errMsg != "" {
		d.Text = r.PostFormValue("text")
	}
	if _, known := snap.pos[d.Area]; !known {
		d.Area = ""
	}
	d.Groups = conAreaGroups(snap, p.Lang, sess.Actor, d.Area)
	d.Roles = append(d.Roles, conOption{Code: "", Label: tr(p.Lang, "console.messages.all_roles"), Selected: d.Role == ""})
	for _, role := range []iltod.ObserverRole{iltod.Static, iltod.Mobile, iltod.Supervisor} {
		d.Roles = append(d.Roles, conOption{Code: string(role), Label: tr(p.Lang, "console.role_obs_"+string(role)), Selected: d.Role == string(role)})
	}
	if d.Observer != "" {
		msgs, err := s.app.ChannelMessages(r.Context(), e.ID, d.Observer)
		if err != nil {
			s.conError(w, r, sess, e, err)
			return
		}
		// Newest first, whatever order the app returns them in.
		slices.SortStableFunc(msgs, func(a, b iltod.ChannelMessage) int { return b.At.Compare(a.At) })
		for i, m := range msgs {
			if i == conMessagesShown {
				break
			}
			row := conMessageRow{At: conTime(m.At), In: m.Direction == "in", Channel: m.Transport + " · " + m.Gateway,
				Address: m.Address, Text: m.Text, Status: m.Status}
			row.Direction = tr(p.Lang, "console.messages.out")
			if row.In {
				row.Direction = tr(p.Lang, "console.messages.in")
			}
			d.Messages = append(d.Messages, row)
		}
	}
	p.Data = d
	s.conRender(w, r, status, "con_messages", p)
}

// conBroadcast sends the form's text to the observers of the chosen area and role that
// the staff member may reach (app.Broadcast checks each and logs a staff event).
func (s *Server) conBroadcast(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	ctx := r.Context()
	statuses, err := s.app.ObserverStatuses(ctx, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	area, role := r.PostFormValue("area"), r.PostFormValue("role")
	var inArea map[string]bool
	if area != "" {
		if inArea, err = s.conStationSet(ctx, e.ID, area); err != nil {
			s.conError(w, r, sess, e, err)
			return
		}
	}
	var codes []string
	for _, st := range statuses {
		if (inArea == nil || conAnyIn(st.Observer.Stations, inArea)) && (role == "" || string(st.Observer.Role) == role) {
			codes = append(codes, st.Observer.Code)
		}
	}
	text := r.PostFormValue("text")
	if !utf8.ValidString(text) {
		text = ""
	}
	res, err := s.app.Broadcast(ctx, e.ID, codes, text)
	if err != nil {
		s.conFail(w, r, sess, e, err, func(status int, msg string) {
			s.conMessagesPage(w, r, sess, e, status, "", msg)
		})
		return
	}
	lang := electionLang(r, e)
	if pl := r.URL.Query().Get("lang"); isPageLang(pl) {
		lang = pl
	}
	flash := tr(lang, "console.messages.sent", locales.Args{"Sent": res.Sent, "Failed": res.Failed, "NoPhone": res.NoPhone})
	s.conMessagesPage(w, r, sess, e, http.StatusOK, flash, "")
}
