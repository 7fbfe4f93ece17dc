package http

import (
	"crypto/tls"
	"encoding/pem"
	"net/http"
)

// SetTLS makes Serve and Start speak HTTPS with c (which must hold a certificate or a
// way to get one); nil, the default, means plain HTTP. The server keeps a clone of c.
// Serving over HTTPS, also mark the console's cookies Secure (see WebConfig). Call it
// before serving.
func (s *Server) SetTLS(c *tls.Config) {
	if c == nil {
		s.tls = nil
		return
	}
	s.tls = c.Clone()
	if s.tls.MinVersion < tls.VersionTLS12 {
		s.tls.MinVersion = tls.VersionTLS12
	}
}

// SetLocalCA makes the server offer the certificate of the local CA that issued its own
// (see package internal/localca), given in DER, for phones to install: as DER at
// GET /tls/ca.crt, which Android installs, and as PEM at GET /tls/ca.pem. Without it,
// both answer 404. Call it before serving.
func (s *Server) SetLocalCA(der []byte) { s.caDER = der }

// caCert answers the local CA's certificate: DER at /tls/ca.crt, PEM at /tls/ca.pem.
func (s *Server) caCert(w http.ResponseWriter, r *http.Request) {
	if s.caDER == nil {
		s.pageError(w, r, errNoRoute(r.URL.Path))
		return
	}
	h := w.Header()
	h.Set("Cache-Control", cacheNone)
	body, name := s.caDER, "iltod-ca.crt"
	h.Set("Content-Type", "application/x-x509-ca-cert")
	if r.URL.Path == "/tls/ca.pem" {
		body, name = pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: s.caDER}), "iltod-ca.pem"
		h.Set("Content-Type", "application/x-pem-file")
	}
	h.Set("Content-Disposition", `attachment; filename="`+name+`"`)
	w.Write(body)
}
