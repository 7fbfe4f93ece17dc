package app

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/imagemeta"
	"github.com/iltod/iltod/internal/odk"
	"github.com/iltod/iltod/locales"
)

// OpenRosa: observers whose groups run ODK Collect (or Enketo, Tella) report through
// the election's OpenRosa server, /odk/{election}/. Each observer signs in with a
// username and password issued like an enrollment code (IssueODKCredentials); the
// server keeps only the Digest HA1. A submission becomes a report on the odk channel
// through SubmitAttested, the same intake as every channel.

// ODKPasswordLength is the length of an issued ODK password (about 59 bits).
const ODKPasswordLength = 12

// ODKRealm returns the HTTP Digest realm of an election's OpenRosa server, which every
// HA1 of the election is computed with. ODK Collect shows it when it asks for a password.
func ODKRealm(election string) string { return "iltod " + election }

// IssueODKCredentials creates the observer's OpenRosa credentials, replacing any earlier
// ones (whose password then stops working), and records a staff event. The username is
// the observer's code; the password, from the enrollment code alphabet, is returned once
// and only its HA1 is stored. Coordinators (for observers in their areas) and admins may
// issue them.
func (a *App) IssueODKCredentials(ctx context.Context, election, observer string) (username, password string, err error) {
	if err := authorize(ctx, actionManageDevices); err != nil {
		return "", "", err
	}
	obs, err := a.store.Observer(ctx, election, observer)
	if err != nil {
		return "", "", err
	}
	if err := a.authorizeObserver(ctx, actionManageDevices, election, obs); err != nil {
		return "", "", err
	}
	b := make([]byte, ODKPasswordLength)
	rand.Read(b)
	pw := make([]byte, ODKPasswordLength)
	for i, x := range b {
		pw[i] = codeAlphabet[int(x)%len(codeAlphabet)]
	}
	username, password = obs.Code, string(pw)
	c := iltod.ODKCredential{Election: election, Observer: obs.Code, Username: username,
		HA1: odk.HA1(username, ODKRealm(election), password), Issued: a.now().UTC().Truncate(time.Second), IssuedBy: actorName(ctx)}
	ev, err := a.staffEvent(ctx, election, iltod.EventDevice, "observer/"+obs.Code, map[string]any{"action": "issue-odk-credentials"})
	if err != nil {
		return "", "", err
	}
	if err := a.store.PutODKCredential(ctx, c, ev); err != nil {
		return "", "", err
	}
	return username, password, nil
}

// ODKCredential returns the credential of username in election, for the OpenRosa server
// to check a Digest response against its HA1. The Digest response is the
// authentication: no actor is needed. An unknown username is ENotFound.
func (a *App) ODKCredential(ctx context.Context, election, username string) (iltod.ODKCredential, error) {
	return a.store.ODKCredential(ctx, election, username)
}

// ODKForm is a form version as the observer's OpenRosa client gets it.
type ODKForm struct {
	Code    string
	Version int
	Name    iltod.Text
	XForm   []byte
}

// odkInput returns what the XForm of form f for observer o is written from: the
// observer's stations (those assigned, then those of the observers they supervise, in
// the package's order), each with its sheet.
func (el *election) odkInput(o *iltod.Observer, f *iltod.Form) (odk.Input, error) {
	in := odk.Input{Form: f, Languages: el.e.Languages, Contests: map[string]*iltod.Contest{}}
	for i := range el.contests {
		in.Contests[el.contests[i].Code] = &el.contests[i]
	}
	var codes []string
	for _, code := range el.stationOrder {
		if el.mayReport(o, code) {
			codes = append(codes, code)
		}
	}
	if len(codes) > odk.MaxStations {
		codes = codes[:odk.MaxStations]
	}
	for _, code := range codes {
		st := el.stations[code]
		sh, err := el.sheet(f, st)
		if err != nil {
			return odk.Input{}, err
		}
		in.Stations = append(in.Stations, odk.StationSheet{Station: *st, Sheet: sh})
	}
	if len(in.Stations) == 0 {
		return odk.Input{}, iltod.E(iltod.ENotAssigned, "error.odk.no_station", locales.Args{"Observer": o.Code})
	}
	return in, nil
}

// ODKForms returns the latest version of each of the election's forms as an XForm for
// the observer, in the order of form codes.
func (a *App) ODKForms(ctx context.Context, election, observer string) ([]ODKForm, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	var out []ODKForm
	for _, code := range el.formCodes() {
		f, _ := el.latestForm(code)
		x, err := a.ODKForm(ctx, election, observer, f.Code, f.Version)
		if err != nil {
			return nil, err
		}
		out = append(out, x)
	}
	return out, nil
}

// ODKForm returns one form version as an XForm for the observer (see package odk for
// how choice "*" questions and several stations are written). An unknown form or
// version is ENotFound; an observer with no station ENotAssigned.
func (a *App) ODKForm(ctx context.Context, election, observer, code string, version int) (ODKForm, error) {
	el, err := a.election(ctx, election)
	if err != nil {
		return ODKForm{}, err
	}
	o, ok := el.observers[observer]
	if !ok {
		return ODKForm{}, iltod.E(iltod.ENotFound, "error.app.no_observer", locales.Args{"Election": election, "Observer": observer})
	}
	f, ok := el.forms[formKey{code, version}]
	if !ok {
		return ODKForm{}, errNoForm(election, code)
	}
	in, err := el.odkInput(o, f)
	if err != nil {
		return ODKForm{}, err
	}
	x, err := odk.XForm(in)
	if err != nil {
		return ODKForm{}, err
	}
	return ODKForm{Code: f.Code, Version: f.Version, Name: f.Name, XForm: x}, nil
}

// SubmitODK turns an OpenRosa submission by observer into a report on the odk channel:
// instance is xml_submission_file, files the other parts by file name. The report id is
// derived from the instance's instanceID, so a resubmission is a duplicate (same
// receipt) and the instanceID reused for other content EConflict. A photo answer names
// an attached file: a JPEG's metadata (EXIF with the GPS position, XMP, comments) is
// stripped losslessly, since ODK Collect cannot strip it, and the answer is the SHA-256
// of the stripped image, which is then kept as the photo API keeps photos; a PNG with
// metadata is refused as the photo API refuses it. Errors: EInvalid for an instance
// that cannot be read, a field of the wrong shape or a missing or bad attachment; those
// of SubmitAttested otherwise.
func (a *App) SubmitODK(ctx context.Context, election, observer string, instance []byte, files map[string][]byte) (*Receipt, error) {
	inst, err := odk.ParseInstance(instance)
	if err != nil {
		e := iltod.E(iltod.EInvalid, "error.odk.instance", nil)
		e.Err = err
		return nil, e
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	o, ok := el.observers[observer]
	if !ok {
		return nil, iltod.E(iltod.ENotFound, "error.app.no_observer", locales.Args{"Election": election, "Observer": observer})
	}
	version, err := strconv.Atoi(inst.Version)
	f, ok := el.forms[formKey{inst.FormID, version}]
	if err != nil || !ok {
		return nil, errNoForm(election, inst.FormID)
	}
	id, ok := odk.ReportID(inst.InstanceID)
	if !ok {
		return nil, iltod.E(iltod.EInvalid, "error.report_id", locales.Args{"ID": id})
	}
	if _, ok := el.stations[inst.Station]; !ok {
		return nil, errNoStation(election, inst.Station)
	}
	if !el.mayReport(o, inst.Station) {
		return nil, errNotAssigned(o.Code, inst.Station)
	}
	in, err := el.odkInput(o, f)
	if err != nil {
		return nil, err
	}
	fields, err := odk.Fields(in)
	if err != nil {
		return nil, err
	}
	answers, photoFiles, err := odk.Answers(inst, fields)
	var ap *odk.AnswerProblem
	if errors.As(err, &ap) {
		return nil, iltod.E(iltod.EInvalid, "error.odk.field", locales.Args{"Field": ap.Field, "Value": truncateRunes(ap.Value, 40)})
	} else if err != nil {
		return nil, err
	}
	photos := map[[32]byte][]byte{}
	for _, tag := range slices.Sorted(maps.Keys(photoFiles)) {
		name := photoFiles[tag]
		data, ok := files[name]
		if !ok {
			return nil, iltod.E(iltod.EInvalid, "error.odk.attachment_missing", locales.Args{"File": truncateRunes(name, 60)})
		}
		if imagemeta.Sniff(data) == imagemeta.JPEG {
			if data, err = imagemeta.StripJPEG(data); err != nil {
				e := iltod.E(iltod.EInvalid, "error.photo.malformed", locales.Args{"Format": string(imagemeta.JPEG)})
				e.Err = err
				return nil, e
			}
		}
		if len(data) > iltod.MaxPhotoBytes {
			return nil, iltod.E(iltod.ETooLarge, "error.body_too_large", locales.Args{"Max": iltod.MaxPhotoBytes})
		}
		if _, err := checkImage(data); err != nil {
			return nil, err
		}
		sha := sha256.Sum256(data)
		photos[sha] = data
		answers[tag] = iltod.StrValue(hex.EncodeToString(sha[:]))
	}
	r := iltod.Report{ID: id, Election: election, Station: inst.Station, Form: f.Code, FormVersion: f.Version, Answers: answers}
	// The instance carries no time of its own: the first acceptance's time stands for
	// it, so that a resubmission has the same content.
	if prev, err := a.store.Submission(ctx, election, id); err == nil {
		if prev.Observer != o.Code || prev.Channel != iltod.ChannelODK {
			return nil, iltod.E(iltod.EConflict, "error.app.entered_twice", locales.Args{"ID": id})
		}
		r.DeviceTime = prev.Report.DeviceTime
	} else if iltod.ErrorCodeOf(err) != iltod.ENotFound {
		return nil, err
	}
	rc, err := a.SubmitAttested(ctx, AttestedReport{Channel: iltod.ChannelODK, Observer: o.Code, Report: r,
		Attestation: map[string]any{"instance_id": inst.InstanceID}})
	if err != nil {
		return nil, err
	}
	for _, sha := range slices.SortedFunc(maps.Keys(photos), func(x, y [32]byte) int { return slices.Compare(x[:], y[:]) }) {
		if _, err := a.PutPhoto(ctx, sha, photos[sha]); err != nil {
			return nil, err
		}
	}
	return rc, nil
}

// truncateRunes cuts s to at most n runes, for quoting input in a message.
func truncateRunes(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
