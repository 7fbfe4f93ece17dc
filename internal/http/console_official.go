package http

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/official"
	"github.com/iltod/iltod/locales"
)

type conRelease struct {
	Version                   int
	Source, Note              string
	Published, Imported, Hash string
	Results, Totals           int
}

type conOfficialData struct {
	Releases []conRelease
	// MayImport shows the upload form.
	MayImport bool
	// Problems are every problem of a refused file, each located by line and column.
	Problems []official.Problem
	Stopped  bool
	// Form holds the values sent with a refused file.
	Form map[string]string
}

// conOfficial lists the official releases of the election and, for staff who may import
// them, a form to upload a new one.
func (s *Server) conOfficial(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	s.conOfficialPage(w, r, sess, e, http.StatusOK, "", nil)
}

func (s *Server) conOfficialPage(w http.ResponseWriter, r *http.Request, sess app.Session, e *iltod.Election, status int, errMsg string, oerr *official.Error) {
	rels, err := s.app.OfficialReleases(r.Context(), e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	p := conPage(r, sess, e, "console.official_title")
	p.FlashError = errMsg
	d := &conOfficialData{MayImport: sess.Actor.May(app.MayImportOfficial)}
	for i := len(rels) - 1; i >= 0; i-- {
		rel := rels[i]
		d.Releases = append(d.Releases, conRelease{Version: rel.Version, Source: rel.Source, Note: rel.Note,
			Published: conTime(rel.Published), Imported: conTime(rel.Imported), Hash: fmt.Sprintf("%x", rel.Hash),
			Results: rel.Results, Totals: rel.Totals})
	}
	if oerr != nil {
		d.Stopped = oerr.Stopped
		// The page shows each problem's message in its language.
		d.Problems = make([]official.Problem, len(oerr.Problems))
		for i, pr := range oerr.Problems {
			pr.Message = pr.MessageIn(p.Lang)
			d.Problems[i] = pr
		}
		p.FlashError = tr(p.Lang, "console.official_refused")
	}
	if r.Method == http.MethodPost {
		d.Form = map[string]string{}
		for _, k := range []string{"format", "layout", "mapping", "contest", "source", "published", "note"} {
			d.Form[k] = r.PostFormValue(k)
		}
	}
	p.Data = d
	s.conRender(w, r, status, "con_official", p)
}

// conImport imports an uploaded release of official results, CSV (long or wide, with an
// optional column mapping) or NIST SP 1500-100 v2 JSON, as `iltod import` does: the file is
// checked against the election and on any problem nothing is imported and every problem
// is listed with its line and column; then app.ImportOfficial stores it, all or nothing,
// with a logged event.
func (s *Server) conImport(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	// Refuse before reading a file the role could never import; app decides again below.
	if !sess.Actor.May(app.MayImportOfficial) {
		s.conError(w, r, sess, e, iltod.E(iltod.EForbidden, "error.role_may_not_import", locales.Args{"Role": locales.Key("console.role_" + string(sess.Actor.Role))}))
		return
	}
	ctx := r.Context()
	fail := func(err error) {
		var oerr *official.Error
		if errors.As(err, &oerr) {
			s.logError(r, http.StatusBadRequest, err)
			s.conOfficialPage(w, r, sess, e, http.StatusBadRequest, "", oerr)
			return
		}
		s.conFail(w, r, sess, e, err, func(status int, msg string) { s.conOfficialPage(w, r, sess, e, status, msg, nil) })
	}
	source := strings.TrimSpace(r.PostFormValue("source"))
	if source == "" {
		fail(iltod.E(iltod.EInvalid, "error.official_source", nil))
		return
	}
	pub := time.Now().UTC()
	if v := strings.TrimSpace(r.PostFormValue("published")); v != "" {
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			fail(iltod.E(iltod.EInvalid, "error.official_date", locales.Args{"Date": strconv.Quote(v)}))
			return
		}
		pub = t.UTC()
	}
	file, hdr, err := r.FormFile("file")
	if err != nil {
		fail(iltod.E(iltod.EInvalid, "error.official_file", nil))
		return
	}
	defer file.Close()
	name := filepath.Base(hdr.Filename)
	if name == "." || name == "/" || name == "" {
		name = "upload"
	}
	var m official.Mapping
	if text := r.PostFormValue("mapping"); strings.TrimSpace(text) != "" {
		if m, err = official.ParseMapping("mapping", []byte(text)); err != nil {
			fail(err)
			return
		}
	}
	switch r.PostFormValue("layout") {
	case "", "mapping":
	case "long":
		m.Format = official.Long
	case "wide":
		m.Format = official.Wide
	default:
		fail(iltod.E(iltod.EInvalid, "error.official_layout", nil))
		return
	}
	if c := strings.TrimSpace(r.PostFormValue("contest")); c != "" {
		m.ContestCode = c
	}
	kind := r.PostFormValue("format")
	if kind == "" || kind == "auto" {
		kind = "csv"
		if strings.EqualFold(filepath.Ext(name), ".json") {
			kind = "nist"
		}
	}
	pkg, err := s.app.PublicPackage(ctx, e.ID)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	var results []iltod.StationResult
	switch kind {
	case "csv":
		results, err = official.ReadCSV(io.LimitReader(file, official.MaxFileSize), name, pkg, m)
	case "nist":
		results, _, err = official.ReadNIST(io.LimitReader(file, official.MaxFileSize), name, pkg, m)
	default:
		err = iltod.E(iltod.EInvalid, "error.official_format", nil)
	}
	if err != nil {
		fail(err)
		return
	}
	rel, err := s.app.ImportOfficial(ctx, iltod.OfficialRelease{Election: e.ID, Source: source, Published: pub,
		Note: r.PostFormValue("note")}, results, map[string]any{"file": name, "format": kind, "layout": string(m.Format)})
	if err != nil {
		fail(err)
		return
	}
	conRedirect(w, r, "/staff/e/"+e.ID+"/official", "imported", fmt.Sprintf("v%d", rel.Version))
}
