package http

import "net/http"

// route is one entry of the server's routing table.
type route struct {
	// pattern is a net/http ServeMux pattern with a method, e.g. "GET /api/v1/elections".
	pattern string
	handler http.Handler
}

// routes lists every route the server answers. It is the only place routes are declared;
// docs/openapi.yaml documents each /api/v1/ route here, and a test keeps the two in step.
// A GET route also answers HEAD.
func (s *Server) routes() []route {
	rs := []route{
		// Pages and their assets.
		{"GET /{$}", http.HandlerFunc(s.statusPage)},
		{"GET /static/{file}", http.HandlerFunc(s.static)},
		{"GET /healthz", http.HandlerFunc(s.healthz)},
		// The local CA's certificate, for phones to install (tls.go; 404 unless -tls-auto).
		{"GET /tls/ca.crt", http.HandlerFunc(s.caCert)},
		{"GET /tls/ca.pem", http.HandlerFunc(s.caCert)},

		// The observer app (observe.go): its page, script, styles, words and service worker.
		{"GET /observe", http.RedirectHandler("/observe/", http.StatusMovedPermanently)},
		{"GET /observe/{$}", http.HandlerFunc(s.observeShell)},
		{"GET /observe/{file}", http.HandlerFunc(s.observeFile)},

		// The public, read-only JSON API.
		{"GET /api/v1/elections", http.HandlerFunc(s.listElections)},
		{"GET /api/v1/elections/{election}", s.election(s.getElection)},
		{"GET /api/v1/elections/{election}/areas", s.election(s.listAreas)},
		{"GET /api/v1/elections/{election}/areas/{code}", s.election(s.getArea)},
		{"GET /api/v1/elections/{election}/stations", s.election(s.listStations)},
		{"GET /api/v1/elections/{election}/stations/{code}", s.election(s.getStation)},
		{"GET /api/v1/elections/{election}/contests", s.election(s.listContests)},
		{"GET /api/v1/elections/{election}/contests/{code}", s.election(s.getContest)},
		{"GET /api/v1/elections/{election}/forms", s.election(s.listForms)},
		{"GET /api/v1/elections/{election}/forms/{code}", s.election(s.getForm)},
		{"GET /api/v1/elections/{election}/forms/{code}/versions/{version}", s.election(s.getFormVersion)},

		// Results verification: the analyses, and the results they read as downloads.
		{"GET /api/v1/elections/{election}/analysis", s.election(s.getAnalysis)},
		{"GET /api/v1/elections/{election}/analysis/pvt", s.election(s.getPVT)},
		{"GET /api/v1/elections/{election}/analysis/comparison", s.election(s.getComparison)},
		{"GET /api/v1/elections/{election}/analysis/forensics", s.election(s.getForensics)},
		{"GET /api/v1/elections/{election}/analysis/seats", s.election(s.getSeats)},
		{"GET /api/v1/elections/{election}/official", s.election(s.listOfficial)},
		{"GET /api/v1/elections/{election}/official/{version}", http.HandlerFunc(s.getOfficialResults)},
		{"GET /api/v1/elections/{election}/observed", http.HandlerFunc(s.getObserved)},
		{"GET /api/v1/elections/{election}/comparison", http.HandlerFunc(s.getStationComparison)},
		{"GET /api/v1/elections/{election}/envelopes", http.HandlerFunc(s.getEnvelopes)},

		// Observers' devices: enrollment, reports, receipts.
		{"POST /api/v1/devices", http.HandlerFunc(s.enrollDevice)},
		{"POST /api/v1/devices/self", http.HandlerFunc(s.deviceSelf)},
		{"POST /api/v1/devices/self/status", http.HandlerFunc(s.deviceSelfStatus)},
		{"POST /api/v1/reports", http.HandlerFunc(s.submitReports)},
		{"GET /api/v1/reports/{id}/receipt", http.HandlerFunc(s.getReceipt)},
		// Protocol photos that accepted reports name (photos.go).
		{"PUT /api/v1/photos/{sha256}", http.HandlerFunc(s.putPhoto)},

		// The transparency log: the tlog-tiles tree, for partners to verify and mirror.
		{"GET /log/", http.HandlerFunc(s.logFiles)},

		// Staff sign-in (web_signin.go).
		{"GET /staff/login", http.HandlerFunc(s.signInPage)},
		{"POST /staff/login", http.HandlerFunc(s.signIn)},
		{"POST /staff/logout", s.staff(s.signOut)},
	}
	// SMS and messenger gateways' webhooks (sms_gateways.go).
	rs = append(rs, s.smsRoutes()...)
	// The public results site (public*.go) and the staff console (console*.go).
	rs = append(rs, s.publicRoutes()...)
	// Documented incidents' public data: API, downloads, evidence copies (public_incidents_api.go).
	rs = append(rs, s.publicIncidentRoutes()...)
	// The anonymous incident form and its follow-up, with no account (report_anon.go).
	rs = append(rs, s.reportAnonRoutes()...)
	// The OpenRosa server for ODK Collect, Enketo and Tella (odk.go).
	rs = append(rs, s.odkRoutes()...)
	// Incidents in the console (console_incidents*.go), and from devices and ODK (incidents_api.go).
	rs = append(rs, s.incidentConsoleRoutes()...)
	rs = append(rs, s.incidentChannelRoutes()...)
	return append(rs, s.consoleRoutes()...)
}
