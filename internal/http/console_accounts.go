package http

import (
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"

	"github.com/boombuler/barcode/qr"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/locales"
)

type conAccountRow struct {
	Login, Name, Role, Areas string
	Disabled, Self           bool
	Created, Updated         string
	Action                   string
}

// conSecret is a TOTP secret just made, shown once: after an account is created or its
// second factor is reset.
type conSecret struct {
	Login, Secret, URL string
	// QR is the otpauth URL as a QR code in inline SVG, for an authenticator app to scan.
	QR template.HTML
	// Reset is set when the secret replaces an earlier one.
	Reset bool
}

type conAccountsData struct {
	Accounts []conAccountRow
	Roles    []conOption
	Secret   *conSecret
	// Form holds the values (never the password) of a form sent back with a problem.
	Form map[string]string
}

// conRoles are the staff roles in the order the form lists them.
var conRoles = []app.Role{app.RoleCoordinator, app.RoleReviewer, app.RoleClerk, app.RoleAnalyst, app.RoleAdmin}

// conAccounts lists the staff accounts (without secrets) with a form to create one and,
// for each, forms to disable or enable it and to reset its password or second factor.
// Admins only: app refuses the others.
func (s *Server) conAccounts(w http.ResponseWriter, r *http.Request, sess app.Session) {
	s.conAccountsPage(w, r, sess, http.StatusOK, "", nil)
}

func (s *Server) conAccountsPage(w http.ResponseWriter, r *http.Request, sess app.Session, status int, errMsg string, secret *conSecret) {
	accts, err := s.app.StaffAccounts(r.Context())
	if err != nil {
		s.conError(w, r, sess, nil, err)
		return
	}
	p := conPage(r, sess, nil, "console.accounts_title")
	p.FlashError = errMsg
	d := &conAccountsData{Secret: secret}
	for _, a := range accts {
		d.Accounts = append(d.Accounts, conAccountRow{Login: a.Login, Name: a.Name, Role: tr(p.Lang, "console.role_"+a.Role),
			Areas: strings.Join(a.Areas, ", "), Disabled: a.Disabled, Self: a.Login == sess.Actor.Staff,
			Created: conTime(a.Created), Updated: conTime(a.Updated), Action: p.ConURL("/staff/accounts/" + a.Login)})
	}
	if r.Method == http.MethodPost && secret == nil {
		d.Form = map[string]string{"login": r.PostFormValue("login"), "name": r.PostFormValue("name"),
			"role": r.PostFormValue("role"), "areas": r.PostFormValue("areas")}
	}
	chosen := string(app.RoleCoordinator)
	if d.Form != nil && d.Form["role"] != "" {
		chosen = d.Form["role"]
	}
	for _, role := range conRoles {
		d.Roles = append(d.Roles, conOption{Code: string(role), Label: tr(p.Lang, "console.role_"+string(role)), Selected: string(role) == chosen})
	}
	p.Data = d
	s.conRender(w, r, status, "con_accounts", p)
}

// conCreateAccount creates a staff account (app.CreateStaff, logged) and shows its TOTP
// secret once, as text, as an otpauth URL and as a QR code.
func (s *Server) conCreateAccount(w http.ResponseWriter, r *http.Request, sess app.Session) {
	login := strings.ToLower(strings.TrimSpace(r.PostFormValue("login")))
	n := app.NewStaff{Login: login, Name: strings.TrimSpace(r.PostFormValue("name")),
		Role: app.Role(r.PostFormValue("role")), Areas: conList(r.PostFormValue("areas")), Password: r.PostFormValue("password")}
	secret, url, err := s.app.CreateStaff(r.Context(), n)
	if err != nil {
		s.conFail(w, r, sess, nil, err, func(status int, msg string) { s.conAccountsPage(w, r, sess, status, msg, nil) })
		return
	}
	s.conAccountsPage(w, r, sess, http.StatusOK, "", conNewSecret(pageLang(r, nil), login, secret, url, false))
}

// conChangeAccount disables or enables an account, sets a new password, or replaces the
// second factor (app.UpdateStaff, logged) as the form's action says.
func (s *Server) conChangeAccount(w http.ResponseWriter, r *http.Request, sess app.Session) {
	login := r.PathValue("login")
	var c app.StaffChange
	action := r.PostFormValue("action")
	switch action {
	case "disable", "enable":
		disabled := action == "disable"
		c.Disabled = &disabled
	case "password":
		pw := r.PostFormValue("password")
		c.Password = &pw
	case "totp":
		c.NewTOTP = true
	default:
		s.conError(w, r, sess, nil, iltod.E(iltod.EInvalid, "error.unknown_change", locales.Args{"Action": strconv.Quote(action)}))
		return
	}
	secret, url, err := s.app.UpdateStaff(r.Context(), login, c)
	if err != nil {
		s.conFail(w, r, sess, nil, err, func(status int, msg string) { s.conAccountsPage(w, r, sess, status, msg, nil) })
		return
	}
	if c.NewTOTP {
		s.conAccountsPage(w, r, sess, http.StatusOK, "", conNewSecret(pageLang(r, nil), login, secret, url, true))
		return
	}
	key := map[string]string{"disable": "disabled", "enable": "enabled", "password": "password"}[action]
	conRedirect(w, r, "/staff/accounts", key, login)
}

func conNewSecret(lang, login, secret, url string, reset bool) *conSecret {
	return &conSecret{Login: login, Secret: secret, URL: url, QR: conQR(url, tr(lang, "console.qr_label")), Reset: reset}
}

// conQR draws text as a QR code in inline SVG (no data: URI, so the Content-Security-
// Policy needs none), one unit per module with the standard quiet zone of four: a white
// square and one black path with a rectangle per horizontal run of dark modules. label is
// the image's accessible name. It returns "" if text cannot be encoded.
func conQR(text, label string) template.HTML {
	code, err := qr.Encode(text, qr.M, qr.Auto)
	if err != nil {
		return ""
	}
	b := code.Bounds()
	const quiet = 4
	size := b.Dx() + 2*quiet
	dark := func(x, y int) bool {
		r, _, _, _ := code.At(x, y).RGBA()
		return r < 0x8000
	}
	var path strings.Builder
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; {
			if !dark(x, y) {
				x++
				continue
			}
			start := x
			for x < b.Max.X && dark(x, y) {
				x++
			}
			fmt.Fprintf(&path, "M%d %dh%dv1h-%dz", start-b.Min.X+quiet, y-b.Min.Y+quiet, x-start, x-start)
		}
	}
	return template.HTML(fmt.Sprintf(`<svg class="con-qr" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 %d %d" role="img" aria-label="%s" shape-rendering="crispEdges">`+
		`<rect width="%d" height="%d" fill="#fff"/><path fill="#000" d="%s"/></svg>`,
		size, size, template.HTMLEscapeString(label), size, size, path.String()))
}
