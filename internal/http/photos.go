package http

import (
	"bytes"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

// Protocol photos: the phone's upload (PUT /api/v1/photos/{sha256}), the public image
// (GET /e/{election}/photos/{sha256}) and the staff's (GET /staff/e/{election}/photos/
// {sha256}). A photo's address is its SHA-256, so its bytes never change: the public one
// may be cached for good.

// cacheImmutable is the Cache-Control of a public photo.
const cacheImmutable = "public, max-age=31536000, immutable"

// cacheStaffPhoto is the Cache-Control of a photo shown to staff: kept by their browser
// only, and asked again after a day, since whether they may see it can change.
const cacheStaffPhoto = "private, max-age=86400"

// photoReadTimeout is how long a photo's upload may take, in place of ReadTimeout: 8 MiB
// over a slow mobile link at a polling station takes minutes, not seconds.
const photoReadTimeout = 5 * time.Minute

// photoHash reads the {sha256} of the request's path: 64 lower-case hex digits.
func photoHash(r *http.Request) ([32]byte, error) {
	v := r.PathValue("sha256")
	sha, ok := iltod.PhotoHash(v)
	if !ok {
		if len(v) > 70 {
			v = v[:70] + "…"
		}
		return sha, iltod.E(iltod.EInvalid, "error.photo.bad_address", locales.Args{"Value": strconv.Quote(v)})
	}
	return sha, nil
}

// photoBody is the answer to an accepted upload.
type photoBody struct {
	SHA256    string `json:"sha256"`
	MediaType string `json:"media_type"`
	// Stored is false when the server held the photo already.
	Stored bool `json:"stored"`
}

// putPhoto stores a protocol photo that an accepted report names (app.PutPhoto): 201 when
// stored, 200 when held already. The body is the image, JPEG or PNG, at most
// iltod.MaxPhotoBytes; its type is read from its bytes, whatever Content-Type says.
func (s *Server) putPhoto(w http.ResponseWriter, r *http.Request) {
	sha, err := photoHash(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rc := http.NewResponseController(w)
	if err := rc.SetReadDeadline(time.Now().Add(photoReadTimeout)); err != nil && !errors.Is(err, http.ErrNotSupported) {
		s.writeError(w, r, fmt.Errorf("extend the read deadline: %w", err))
		return
	}
	rc.SetWriteDeadline(time.Now().Add(photoReadTimeout + WriteTimeout))
	body, err := readBody(w, r, iltod.MaxPhotoBytes)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	res, err := s.app.PutPhoto(r.Context(), sha, body)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	status := http.StatusCreated
	if !res.Stored {
		status = http.StatusOK
	}
	w.Header().Set("Cache-Control", cacheNone)
	s.writeJSONStatus(w, r, status, photoBody{SHA256: r.PathValue("sha256"), MediaType: res.MediaType, Stored: res.Stored})
}

// photo serves a public protocol photo (app.PublicPhoto), cacheable for good.
func (ps *publicSite) photo(w http.ResponseWriter, r *http.Request) {
	pe, err := ps.election(r.Context(), r.PathValue("election"))
	if err != nil {
		ps.fail(w, r, nil, err)
		return
	}
	sha, err := photoHash(r)
	if err != nil {
		ps.fail(w, r, &pe.e, err)
		return
	}
	b, err := ps.s.app.PublicPhoto(r.Context(), pe.e.ID, sha)
	if err != nil {
		ps.fail(w, r, &pe.e, err)
		return
	}
	servePhoto(w, r, b, cacheImmutable)
}

// conPhoto serves a photo of the election to staff who may see its station's photos
// (app.StaffPhoto).
func (s *Server) conPhoto(w http.ResponseWriter, r *http.Request, sess app.Session) {
	e, ok := s.conElection(w, r, sess)
	if !ok {
		return
	}
	sha, err := photoHash(r)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	b, err := s.app.StaffPhoto(r.Context(), e.ID, sha)
	if err != nil {
		s.conError(w, r, sess, e, err)
		return
	}
	servePhoto(w, r, b, cacheStaffPhoto)
}

// servePhoto writes the photo b, answering HEAD, ranges and If-None-Match (its ETag is
// its hash). The browser must not guess another type (nosniff) nor run anything in it.
func servePhoto(w http.ResponseWriter, r *http.Request, b iltod.Blob, cache string) {
	h := w.Header()
	h.Set("Content-Type", b.MediaType)
	h.Set("Cache-Control", cache)
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Content-Security-Policy", "default-src 'none'; sandbox")
	h.Set("ETag", `"`+r.PathValue("sha256")+`"`)
	http.ServeContent(w, r, "", time.Time{}, bytes.NewReader(b.Data))
}
