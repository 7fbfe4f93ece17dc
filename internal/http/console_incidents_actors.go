package http

import (
	"net/http"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// The actors registry of the console: persons, organisations and public bodies that
// incidents may name, the positions in bodies, and who held which position when. Each
// change is stored with a reason as a logged event (app.PutActor, PutPosition,
// PutOccupancy); the forms replace a record with the same code.

type conActorRow struct {
	Code, Kind, NameMN, NameEN, Country, BirthDate, Notes, EditHref string
	Held                                                            []string
}

type conPositionRow struct {
	Code, Title, Body, EditHref string
}

type conOccupancyRow struct {
	Actor, Position, Start, End, EditHref string
}

type conActorsData struct {
	Actors      []conActorRow
	Positions   []conPositionRow
	Occupancies []conOccupancyRow
	MayManage   bool
	Kinds       []conOption
	ActorOpts   []conOption
	BodyOpts    []conOption
	PosOpts     []conOption
	// Form holds the values of the form being edited or sent back with a problem, and
	// Which names that form ("actor", "position", "occupancy").
	Form  map[string]string
	Which string
}

var conActorKinds = []iltod.ActorKind{iltod.ActorPerson, iltod.ActorOrganization, iltod.ActorPublicBody}

// conActors shows the registry (see conActorsPage).
func (s *Server) conActors(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	s.conActorsPage(w, r, sess, e, http.StatusOK, "")
}

// conActorsPage shows the actors, positions and occupancies of an election, and the
// forms to add or change each. ?actor=CODE, ?position=CODE or ?occupancy=ACTOR/POSITION/START
// fills the form with a stored record, to edit it.
func (s *Server) conActorsPage(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, status int, errMsg string) {
	actors, positions, occs, err := s.app.Actors(r.Context(), e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.actors.title")
	conIncidentFlash(p, r)
	p.FlashError = errMsg
	d := &conActorsData{MayManage: sess.Actor.May(app.MayManageActors), Form: map[string]string{}}
	base := "/staff/e/" + e.ID + "/actors"
	name := map[string]string{}
	for _, a := range actors {
		name[a.Code] = a.Name.In(p.Lang, e.Languages...)
	}
	title := map[string]string{}
	for _, ps := range positions {
		title[ps.Code] = ps.Title.In(p.Lang, e.Languages...)
	}
	held := map[string][]string{}
	for _, o := range occs {
		held[o.Actor] = append(held[o.Actor], conHeld(p.Lang, title[o.Position], name[positionBody(positions, o.Position)], o))
		d.Occupancies = append(d.Occupancies, conOccupancyRow{Actor: name[o.Actor] + " (" + o.Actor + ")", Position: title[o.Position] + " (" + o.Position + ")",
			Start: conDate(o.Start), End: conDate(o.End), EditHref: p.ConURL(base, "occupancy", o.Actor+"/"+o.Position+"/"+conDate(o.Start)) + "#occupancy-form"})
	}
	q := r.URL.Query()
	for _, a := range actors {
		d.Actors = append(d.Actors, conActorRow{Code: a.Code, Kind: tr(p.Lang, "console.actors.kind_"+string(a.Kind)), NameMN: a.Name["mn"], NameEN: a.Name["en"],
			Country: a.Country, BirthDate: a.BirthDate, Notes: a.Notes, Held: held[a.Code], EditHref: p.ConURL(base, "actor", a.Code) + "#actor-form"})
		d.ActorOpts = append(d.ActorOpts, conOption{Code: a.Code, Label: name[a.Code] + " (" + a.Code + ")"})
		if a.Kind != iltod.ActorPerson {
			d.BodyOpts = append(d.BodyOpts, conOption{Code: a.Code, Label: name[a.Code] + " (" + a.Code + ")"})
		}
		if q.Get("actor") == a.Code {
			d.Which, d.Form = "actor", map[string]string{"code": a.Code, "kind": string(a.Kind), "name_mn": a.Name["mn"], "name_en": a.Name["en"],
				"country": a.Country, "birth_date": a.BirthDate, "notes": a.Notes}
		}
	}
	for _, ps := range positions {
		d.Positions = append(d.Positions, conPositionRow{Code: ps.Code, Title: title[ps.Code], Body: name[ps.Body] + " (" + ps.Body + ")",
			EditHref: p.ConURL(base, "position", ps.Code) + "#position-form"})
		d.PosOpts = append(d.PosOpts, conOption{Code: ps.Code, Label: title[ps.Code] + " — " + name[ps.Body] + " (" + ps.Code + ")"})
		if q.Get("position") == ps.Code {
			d.Which, d.Form = "position", map[string]string{"code": ps.Code, "body": ps.Body, "title_mn": ps.Title["mn"], "title_en": ps.Title["en"]}
		}
	}
	for _, o := range occs {
		if q.Get("occupancy") == o.Actor+"/"+o.Position+"/"+conDate(o.Start) {
			d.Which, d.Form = "occupancy", map[string]string{"actor": o.Actor, "position": o.Position, "start": conDate(o.Start), "end": conDate(o.End)}
		}
	}
	if r.Method == http.MethodPost {
		d.Which = map[string]string{"actors": "actor", "positions": "position", "occupancies": "occupancy"}[conFormName(r)]
		d.Form = map[string]string{}
		for _, k := range []string{"code", "kind", "name_mn", "name_en", "country", "birth_date", "notes", "body", "title_mn", "title_en",
			"actor", "position", "start", "end", "reason"} {
			d.Form[k] = r.PostFormValue(k)
		}
	}
	for _, k := range conActorKinds {
		d.Kinds = append(d.Kinds, conOption{Code: string(k), Label: tr(p.Lang, "console.actors.kind_"+string(k))})
	}
	p.Data = d
	s.conRender(w, r, status, "con_actors", p)
}

// positionBody returns the body of a position, or "".
func positionBody(ps []iltod.ActorPosition, code string) string {
	for _, p := range ps {
		if p.Code == code {
			return p.Body
		}
	}
	return ""
}

// conHeld says that a position was held from a date, until another or still.
func conHeld(lang, title, body string, o iltod.Occupancy) string {
	if o.End.IsZero() {
		return tr(lang, "console.actors.held_since", locales.Args{"Title": title, "Body": body, "Start": conDate(o.Start)})
	}
	return tr(lang, "console.actors.held_from_to", locales.Args{"Title": title, "Body": body, "Start": conDate(o.Start), "End": conDate(o.End)})
}

// conDate writes a date as YYYY-MM-DD, or "" for none.
func conDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.DateOnly)
}

// conFormDate reads a date input (YYYY-MM-DD) as midnight UTC, zero for "".
func conFormDate(v string) (time.Time, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, true
	}
	t, err := time.Parse(time.DateOnly, v)
	return t, err == nil
}

// conText makes a bilingual text of the form's values, leaving out empty ones.
func conText(mn, en string) iltod.Text {
	t := iltod.Text{}
	if v := strings.TrimSpace(mn); v != "" {
		t["mn"] = v
	}
	if v := strings.TrimSpace(en); v != "" {
		t["en"] = v
	}
	return t
}

// conActorDone answers a change to the registry.
func (s *Server) conActorDone(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, err error, key string) {
	if err != nil {
		s.conFail(w, r, sess, e, err, func(status int, msg string) { s.conActorsPage(w, r, sess, e, status, msg) })
		return
	}
	conRedirect(w, r, "/staff/e/"+e.ID+"/actors", key, "")
}

// conPutActor adds or changes an actor (app.PutActor).
func (s *Server) conPutActor(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	a := iltod.Actor{Code: strings.TrimSpace(r.PostFormValue("code")), Election: e.ID, Kind: iltod.ActorKind(r.PostFormValue("kind")),
		Name: conText(r.PostFormValue("name_mn"), r.PostFormValue("name_en")), Country: strings.ToUpper(strings.TrimSpace(r.PostFormValue("country"))),
		BirthDate: strings.TrimSpace(r.PostFormValue("birth_date")), Notes: strings.TrimSpace(r.PostFormValue("notes"))}
	s.conActorDone(w, r, sess, e, s.app.PutActor(r.Context(), a, r.PostFormValue("reason")), "actor")
}

// conPutPosition adds or changes a position in a body (app.PutPosition).
func (s *Server) conPutPosition(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	p := iltod.ActorPosition{Code: strings.TrimSpace(r.PostFormValue("code")), Election: e.ID, Body: r.PostFormValue("body"),
		Title: conText(r.PostFormValue("title_mn"), r.PostFormValue("title_en"))}
	s.conActorDone(w, r, sess, e, s.app.PutPosition(r.Context(), p, r.PostFormValue("reason")), "position")
}

// conPutOccupancy records that an actor held a position from a date, until another or
// still (app.PutOccupancy).
func (s *Server) conPutOccupancy(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	start, ok1 := conFormDate(r.PostFormValue("start"))
	end, ok2 := conFormDate(r.PostFormValue("end"))
	if !ok1 || !ok2 {
		s.conActorsPage(w, r, sess, e, http.StatusBadRequest, tr(conLang(r, e), "console.actors.bad_date"))
		return
	}
	o := iltod.Occupancy{Election: e.ID, Actor: r.PostFormValue("actor"), Position: r.PostFormValue("position"), Start: start, End: end}
	s.conActorDone(w, r, sess, e, s.app.PutOccupancy(r.Context(), o, r.PostFormValue("reason")), "occupancy")
}
