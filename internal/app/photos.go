package app

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"image/jpeg"
	"image/png"
	"slices"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/imagemeta"
	"github.com/iltod/iltod/locales"
)

// Photos: a report answers a photo question with the SHA-256 of the image; the phone
// uploads the image once the report is accepted (PutPhoto). A photo named by a report on
// a results form that is neither rejected nor quarantined is public (PublicPhoto): it is
// the posted protocol, which anyone at the station could see. Every photo of a station,
// whatever its form, is shown to staff who read or enter the station's reports
// (StationPhotos, StaffPhoto).

// PhotoRef is a photo that a report names, as the pages show it.
type PhotoRef struct {
	SHA256 [32]byte
	// Hex is SHA256 in lower-case hex, as the report gives it and addresses use it.
	Hex string
}

// Short returns the first 12 hex digits of the hash, for captions.
func (p PhotoRef) Short() string { return p.Hex[:12] }

func photoRef(sha [32]byte) PhotoRef { return PhotoRef{SHA256: sha, Hex: hex.EncodeToString(sha[:])} }

// StationPhoto is a photo that one report of a station names, for staff.
type StationPhoto struct {
	PhotoRef
	Report, Form, Tag string
	Status            iltod.ReviewStatus
	// Held is whether the photo has been uploaded; MediaType is its type if so.
	Held      bool
	MediaType string
}

// PutPhotoResult says what PutPhoto did.
type PutPhotoResult struct {
	// Stored is false when the photo was held already.
	Stored    bool
	MediaType string
}

// PutPhoto stores the photo data, whose SHA-256 must be sha. Anyone may send a photo,
// since its bytes are authorised by the report that names them: an accepted report of any
// election must answer a photo question with sha (ENotFound otherwise; the phone retries
// once its report is accepted). The photo must be a JPEG or a PNG, judged from its bytes,
// of at most iltod.MaxPhotoBytes (ETooLarge), and carry no metadata (see imagemeta):
// EXIF may place or identify the observer, so it is refused (EInvalid), not stripped.
// Sending a photo held already changes nothing.
func (a *App) PutPhoto(ctx context.Context, sha [32]byte, data []byte) (PutPhotoResult, error) {
	switch {
	case len(data) == 0:
		return PutPhotoResult{}, iltod.E(iltod.EInvalid, "error.photo.empty", nil)
	case len(data) > iltod.MaxPhotoBytes:
		return PutPhotoResult{}, iltod.E(iltod.ETooLarge, "error.body_too_large", locales.Args{"Max": iltod.MaxPhotoBytes})
	}
	if got := sha256.Sum256(data); got != sha {
		return PutPhotoResult{}, iltod.E(iltod.EInvalid, "error.photo.hash_mismatch",
			locales.Args{"Got": hex.EncodeToString(got[:]), "Want": hex.EncodeToString(sha[:])})
	}
	named, err := a.photoReports(ctx, "", sha, func(*iltod.Form, *iltod.Submission) bool { return true })
	if err != nil {
		return PutPhotoResult{}, err
	}
	if len(named) == 0 {
		return PutPhotoResult{}, iltod.E(iltod.ENotFound, "error.photo.not_named", locales.Args{"SHA256": hex.EncodeToString(sha[:])})
	}
	format, err := checkImage(data)
	if err != nil {
		return PutPhotoResult{}, err
	}
	res := PutPhotoResult{MediaType: format.MediaType()}
	held, err := a.store.HeldBlobs(ctx, [][32]byte{sha})
	if err != nil {
		return PutPhotoResult{}, err
	}
	if len(held) > 0 {
		res.MediaType = held[0].MediaType
		return res, nil
	}
	if err := a.store.PutBlob(ctx, iltod.Blob{SHA256: sha, MediaType: res.MediaType, Data: data, Created: a.now()}); err != nil {
		return PutPhotoResult{}, err
	}
	res.Stored = true
	for _, s := range named { // the public pages show held photos only
		a.dropInputs(s.Report.Election)
	}
	a.log.InfoContext(ctx, "photo stored", "sha256", hex.EncodeToString(sha[:]), "bytes", len(data), "type", res.MediaType)
	return res, nil
}

// checkImage returns the format of data, a JPEG or PNG image with no metadata, or why
// it is not one (EInvalid).
func checkImage(data []byte) (imagemeta.Format, error) {
	format, items, err := imagemeta.Scan(data)
	var bad *imagemeta.MalformedError
	switch {
	case errors.Is(err, imagemeta.ErrNotImage):
		return "", iltod.E(iltod.EInvalid, "error.photo.not_image", nil)
	case errors.As(err, &bad):
		e := iltod.E(iltod.EInvalid, "error.photo.malformed", locales.Args{"Format": string(bad.Format)})
		e.Err = err // where and why, for the log
		return "", e
	case err != nil:
		return "", err
	case len(items) > 0:
		var what []string
		for _, it := range items {
			if w := string(format) + " " + it.Kind; !slices.Contains(what, w) {
				what = append(what, w)
			}
		}
		return "", iltod.E(iltod.EInvalid, "error.photo.metadata", locales.Args{"What": strings.Join(what, ", ")})
	}
	// The header must also decode: the structure alone passes a file whose image header
	// is garbage.
	decode := jpeg.DecodeConfig
	if format == imagemeta.PNG {
		decode = png.DecodeConfig
	}
	if _, err := decode(bytes.NewReader(data)); err != nil {
		e := iltod.E(iltod.EInvalid, "error.photo.malformed", locales.Args{"Format": string(format)})
		e.Err = err
		return "", e
	}
	return format, nil
}

// photoReports returns the stored reports of election ("" for any) that answer a photo
// question with sha and that keep says count.
func (a *App) photoReports(ctx context.Context, election string, sha [32]byte, keep func(*iltod.Form, *iltod.Submission) bool) ([]iltod.Submission, error) {
	subs, err := a.store.PhotoReports(ctx, election, sha)
	if err != nil {
		return nil, err
	}
	var out []iltod.Submission
	for i := range subs {
		s := &subs[i]
		el, err := a.election(ctx, s.Report.Election)
		if err != nil {
			return nil, err
		}
		f, ok := el.forms[formKey{s.Report.Form, s.Report.FormVersion}]
		if !ok || !keep(f, s) {
			continue
		}
		if slices.ContainsFunc(photoAnswers(f, s.Report.Answers), func(p photoAnswer) bool { return p.sha == sha }) {
			out = append(out, *s)
		}
	}
	return out, nil
}

// photoAnswer is a photo question's answer: the question's tag and the photo's hash.
type photoAnswer struct {
	tag string
	sha [32]byte
}

// photoAnswers returns the answers that answers give to the photo questions of f, in the
// order of its questions.
func photoAnswers(f *iltod.Form, answers map[string]iltod.Value) []photoAnswer {
	var out []photoAnswer
	for i := range f.Questions {
		q := &f.Questions[i]
		if q.Type != iltod.Photo {
			continue
		}
		if v, ok := answers[q.Tag]; ok && v.Kind == iltod.Str {
			if sha, ok := iltod.PhotoHash(v.Str); ok {
				out = append(out, photoAnswer{q.Tag, sha})
			}
		}
	}
	return out
}

// isPublicPhotoReport reports whether a photo that report s gives on form f is public:
// the form counts results and the report is neither rejected nor quarantined.
func isPublicPhotoReport(f *iltod.Form, s *iltod.Submission) bool {
	return f.Kind == iltod.Results && s.Status != iltod.Rejected && s.Status != iltod.Quarantined
}

// PublicPhoto returns a photo of election that a report on a results form names, the
// report being neither rejected nor quarantined. Public. It returns ENotFound for any
// other photo, and for one not uploaded yet.
func (a *App) PublicPhoto(ctx context.Context, election string, sha [32]byte) (iltod.Blob, error) {
	none := iltod.E(iltod.ENotFound, "error.photo.none", locales.Args{"Election": election, "SHA256": hex.EncodeToString(sha[:])})
	named, err := a.photoReports(ctx, election, sha, isPublicPhotoReport)
	if err != nil {
		return iltod.Blob{}, err
	}
	if len(named) == 0 {
		return iltod.Blob{}, none
	}
	b, err := a.store.Blob(ctx, sha)
	if iltod.ErrorCodeOf(err) == iltod.ENotFound {
		return iltod.Blob{}, none
	}
	return b, err
}

// PublicStationPhotos returns, by station, the public photos of election (see
// PublicPhoto) that have been uploaded, each once, in the order the reports were
// accepted. Public. Like the analyses, it is at most analysisTTL old.
func (a *App) PublicStationPhotos(ctx context.Context, election string) (map[string][]PhotoRef, error) {
	el, in, err := a.electionInputs(ctx, election)
	if err != nil {
		return nil, err
	}
	type named struct {
		station string
		sha     [32]byte
	}
	var all []named
	var shas [][32]byte
	for i := range in.subs {
		s := &in.subs[i]
		f, ok := el.forms[formKey{s.Report.Form, s.Report.FormVersion}]
		if !ok || !isPublicPhotoReport(f, s) {
			continue
		}
		for _, p := range photoAnswers(f, s.Report.Answers) {
			all = append(all, named{s.Report.Station, p.sha})
			shas = append(shas, p.sha)
		}
	}
	held, err := a.store.HeldBlobs(ctx, shas)
	if err != nil {
		return nil, err
	}
	isHeld := make(map[[32]byte]bool, len(held))
	for _, b := range held {
		isHeld[b.SHA256] = true
	}
	out := map[string][]PhotoRef{}
	for _, n := range all {
		if !isHeld[n.sha] || slices.ContainsFunc(out[n.station], func(p PhotoRef) bool { return p.SHA256 == n.sha }) {
			continue
		}
		out[n.station] = append(out[n.station], photoRef(n.sha))
	}
	return out, nil
}

// photoAction returns the action by which the actor may see photos: reading reports,
// or else entering them. Who may read a station's reports, or enter reports for it, may
// see its photos.
func photoAction(ctx context.Context) (action, error) {
	err := authorize(ctx, actionReadReports)
	if err == nil || iltod.ErrorCodeOf(err) != iltod.EForbidden {
		return actionReadReports, err
	}
	if authorize(ctx, actionClerkEntry) == nil {
		return actionClerkEntry, nil
	}
	return "", err
}

// authorizePhotos is the check of the staff's photo reading for one station.
func (a *App) authorizePhotos(ctx context.Context, election, station string) error {
	act, err := photoAction(ctx)
	if err != nil {
		return err
	}
	return a.authorizeStation(ctx, act, election, station)
}

// StationPhotos returns the photos that the reports of a station name, on every form and
// whatever their review status, in the order the reports were accepted, with whether
// each has been uploaded. Staff who read or enter the station's reports.
func (a *App) StationPhotos(ctx context.Context, election, station string) ([]StationPhoto, error) {
	if err := a.authorizePhotos(ctx, election, station); err != nil {
		return nil, err
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	if _, ok := el.stations[station]; !ok {
		return nil, errNoStation(election, station)
	}
	subs, err := a.allSubmissions(ctx, election, iltod.SubmissionQuery{Station: station})
	if err != nil {
		return nil, err
	}
	var out []StationPhoto
	var shas [][32]byte
	for i := range subs {
		s := &subs[i]
		f, ok := el.forms[formKey{s.Report.Form, s.Report.FormVersion}]
		if !ok {
			continue
		}
		for _, p := range photoAnswers(f, s.Report.Answers) {
			out = append(out, StationPhoto{PhotoRef: photoRef(p.sha), Report: s.Report.ID, Form: s.Report.Form, Tag: p.tag, Status: s.Status})
			shas = append(shas, p.sha)
		}
	}
	held, err := a.store.HeldBlobs(ctx, shas)
	if err != nil {
		return nil, err
	}
	types := map[[32]byte]string{}
	for _, b := range held {
		types[b.SHA256] = b.MediaType
	}
	for i := range out {
		out[i].MediaType, out[i].Held = types[out[i].SHA256], types[out[i].SHA256] != ""
	}
	return out, nil
}

// StaffPhoto returns a photo that a report of election names, on any form, to staff who
// may see the photos of that report's station (see StationPhotos). It returns ENotFound
// for a photo no report names, or not uploaded yet.
func (a *App) StaffPhoto(ctx context.Context, election string, sha [32]byte) (iltod.Blob, error) {
	if _, err := photoAction(ctx); err != nil {
		return iltod.Blob{}, err
	}
	none := iltod.E(iltod.ENotFound, "error.photo.none", locales.Args{"Election": election, "SHA256": hex.EncodeToString(sha[:])})
	named, err := a.photoReports(ctx, election, sha, func(*iltod.Form, *iltod.Submission) bool { return true })
	if err != nil {
		return iltod.Blob{}, err
	}
	if len(named) == 0 {
		return iltod.Blob{}, none
	}
	var denied error
	for _, s := range named {
		if denied = a.authorizePhotos(ctx, election, s.Report.Station); denied == nil {
			break
		}
	}
	if denied != nil {
		return iltod.Blob{}, denied
	}
	b, err := a.store.Blob(ctx, sha)
	if iltod.ErrorCodeOf(err) == iltod.ENotFound {
		return iltod.Blob{}, none
	}
	return b, err
}

// photoTags returns the tags of the photo questions of every version of form code.
func (el *election) photoTags(code string) map[string]bool {
	out := map[string]bool{}
	for k, f := range el.forms {
		if k.code != code {
			continue
		}
		for _, q := range f.Questions {
			if q.Type == iltod.Photo {
				out[q.Tag] = true
			}
		}
	}
	return out
}

// record merges a station's reports on a form into its record, as every view of records
// that shows conflicts must: photo answers never conflict (see withoutPhotoConflicts).
func (el *election) record(station, form string, subs []iltod.Submission, res []iltod.Resolution) iltod.StationRecord {
	return el.withoutPhotoConflicts(iltod.MergeRecord(el.e.ID, station, form, subs, res))
}

// withoutPhotoConflicts returns rec with its photo fields taken out of conflict: each
// observer photographs the protocol for themselves, so different photos are expected and
// never a disagreement about the figures.
func (el *election) withoutPhotoConflicts(rec iltod.StationRecord) iltod.StationRecord {
	tags := el.photoTags(rec.Form)
	if len(tags) == 0 {
		return rec
	}
	rec.Conflicts = slices.DeleteFunc(rec.Conflicts, func(tag string) bool {
		if !tags[tag] {
			return false
		}
		f := rec.Fields[tag]
		f.Conflict = false
		rec.Fields[tag] = f
		return true
	})
	if len(rec.Conflicts) == 0 {
		rec.Conflicts = nil
	}
	return rec
}
