package http

import (
	"html/template"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// conDevicesShown bounds the devices listed on one page; a filter finds the others.
const conDevicesShown = 300

// conEnrollTTLs are the validities a coordinator may give an enrollment code, in hours.
var conEnrollTTLs = []int{24, 72, 168}

type conDeviceRow struct {
	KeyID, Observer, Enrolled, Revoked string
}

// conIssued is an enrollment code just issued, shown once, with the link that opens the
// observer app with it (<origin>/observe/#code=CODE) as text and as a QR code.
type conIssued struct {
	Observer, Code, Expires string
	Link                    string
	QR                      template.HTML
}

type conDevicesData struct {
	Observer, Area string
	Groups         []conAreaGroup
	TTLs           []conOption
	Devices        []conDeviceRow
	Total          int
	Issued         *conIssued
	// ODK is an observer's OpenRosa credentials just issued, shown once.
	ODK *conODKIssued
	// Form holds the values of a form sent back with a problem.
	Form map[string]string
}

// conDevices lists observers' devices (?observer= or ?area= narrows the list) with a
// form to revoke each, and a form to issue an observer a one-time enrollment code. A
// coordinator sees the devices of the observers of their areas only.
func (s *Server) conDevices(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	s.conDevicesPage(w, r, sess, e, http.StatusOK, "", nil)
}

func (s *Server) conDevicesPage(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, status int, errMsg string, issued *conIssued) {
	s.conDevicesPageODK(w, r, sess, e, status, errMsg, issued, nil)
}

func (s *Server) conDevicesPageODK(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, status int, errMsg string, issued *conIssued, odkIssued *conODKIssued) {
	ctx := r.Context()
	devices, err := s.app.Devices(ctx, e.ID, "")
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	// The observers the staff member may see: app limits a coordinator to their areas.
	statuses, err := s.app.ObserverStatuses(ctx, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	snap, err := s.snapshot(r, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.devices_title")
	p.FlashError = errMsg
	q := r.URL.Query()
	d := &conDevicesData{Observer: strings.TrimSpace(q.Get("observer")), Area: q.Get("area"), Issued: issued, ODK: odkIssued}
	if odkIssued != nil {
		odkIssued.URL = s.origin(r) + "/odk/" + e.ID + "/"
	}
	if issued != nil {
		// The code travels in the fragment, which browsers do not send to the server.
		issued.Link = s.origin(r) + "/observe/#code=" + issued.Code
		issued.QR = conQR(issued.Link, tr(p.Lang, "console.qr.label", locales.Args{"Code": issued.Code}))
	}
	if r.Method == http.MethodPost {
		d.Form = map[string]string{"observer": r.PostFormValue("observer"), "key": r.PostFormValue("key"), "reason": r.PostFormValue("reason")}
		if d.Observer == "" && issued == nil && odkIssued == nil {
			d.Observer = r.PostFormValue("observer")
		}
	}
	if _, known := snap.pos[d.Area]; !known {
		d.Area = ""
	}
	d.Groups = conAreaGroups(snap, p.Lang, sess.Actor, d.Area)
	for _, h := range conEnrollTTLs {
		d.TTLs = append(d.TTLs, conOption{Code: strconv.Itoa(h), Label: tr(p.Lang, "console.ttl_"+strconv.Itoa(h)), Selected: h == 168})
	}
	visible := map[string]bool{}
	var inArea map[string]bool
	if d.Area != "" {
		if inArea, err = s.conStationSet(ctx, e.ID, d.Area); err != nil {
			s.conError(w, r, sess, e, err)
			return
		}
	}
	for _, st := range statuses {
		if inArea == nil || conAnyIn(st.Observer.Stations, inArea) {
			visible[st.Observer.Code] = true
		}
	}
	for _, dev := range devices {
		if !visible[dev.Observer] || (d.Observer != "" && dev.Observer != d.Observer) {
			continue
		}
		d.Total++
		if len(d.Devices) == conDevicesShown {
			continue
		}
		row := conDeviceRow{KeyID: dev.KeyID, Observer: dev.Observer, Enrolled: conTime(dev.Enrolled)}
		if dev.Revoked != nil {
			row.Revoked = conTime(*dev.Revoked)
		}
		d.Devices = append(d.Devices, row)
	}
	p.Data = d
	s.conRender(w, r, status, "con_devices", p)
}

// conEnroll issues an observer a one-time enrollment code (app.IssueEnrollment, logged)
// and shows it once: only its hash is kept.
func (s *Server) conEnroll(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	observer := strings.TrimSpace(r.PostFormValue("observer"))
	hours, _ := strconv.Atoi(r.PostFormValue("ttl"))
	if !slices.Contains(conEnrollTTLs, hours) {
		hours = 168
	}
	code, expires, err := s.app.IssueEnrollment(r.Context(), e.ID, observer, time.Duration(hours)*time.Hour)
	if err != nil {
		s.conFail(w, r, sess, e, err, func(status int, msg string) { s.conDevicesPage(w, r, sess, e, status, msg, nil) })
		return
	}
	s.conDevicesPage(w, r, sess, e, http.StatusOK, "", &conIssued{Observer: observer, Code: code, Expires: conTime(expires)})
}

// conRevoke revokes a device with a reason (app.RevokeDevice, logged): its later reports
// are refused.
func (s *Server) conRevoke(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	key := r.PostFormValue("key")
	if err := s.app.RevokeDevice(r.Context(), key, r.PostFormValue("reason")); err != nil {
		s.conFail(w, r, sess, e, err, func(status int, msg string) { s.conDevicesPage(w, r, sess, e, status, msg, nil) })
		return
	}
	short := key
	if len(short) > 16 {
		short = short[:16]
	}
	conRedirect(w, r, "/staff/e/"+e.ID+"/devices", "revoked", short, "observer", r.URL.Query().Get("observer"))
}

// conODKIssued is an observer's OpenRosa username and password just issued, shown once
// with the server URL to type in ODK Collect.
type conODKIssued struct {
	Observer, URL, Username, Password string
}

// conODK issues an observer OpenRosa credentials for ODK Collect, Enketo or Tella
// (app.IssueODKCredentials, logged), replacing earlier ones, and shows the password
// once: only its Digest HA1 is kept.
func (s *Server) conODK(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	observer := strings.TrimSpace(r.PostFormValue("observer"))
	user, password, err := s.app.IssueODKCredentials(r.Context(), e.ID, observer)
	if err != nil {
		s.conFail(w, r, sess, e, err, func(status int, msg string) { s.conDevicesPage(w, r, sess, e, status, msg, nil) })
		return
	}
	s.conDevicesPageODK(w, r, sess, e, http.StatusOK, "", nil, &conODKIssued{Observer: observer, Username: user, Password: password})
}
