package app

import (
	"context"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/auth"
	"github.com/iltod/iltod/locales"
)

// SessionTTL is how long a staff session lasts without signing in again.
const SessionTTL = 12 * time.Hour

// TOTPIssuer names the installation in authenticator apps.
const TOTPIssuer = "iltod"

// signIn is what sign-in keeps in memory. The rate limits and the last accepted TOTP step
// of each login (a code is good once) are in the store, so that they hold across every
// server instance sharing it (docs/cluster.md).
type signIn struct {
	params    auth.Params
	dummyHash string // verified for unknown logins, so timing does not reveal them
	dummyOnce sync.Once
	// hashing bounds the argon2id computations at once: each takes 64 MiB.
	hashing chan struct{}
}

func (a *App) signIn() *signIn {
	a.signInOnce.Do(func() {
		a.signin = &signIn{
			params:  a.passwordParams,
			hashing: make(chan struct{}, 2),
		}
	})
	return a.signin
}

// SetPasswordParams sets the argon2id cost (auth.DefaultParams unless set). Tests use
// auth.TestParams. Call it before use.
func (a *App) SetPasswordParams(p auth.Params) { a.passwordParams = p }

func (s *signIn) hash(pw string) (string, error) {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	return auth.HashPassword(pw, s.params)
}

func (s *signIn) verify(pw, phc string) (bool, error) {
	s.hashing <- struct{}{}
	defer func() { <-s.hashing }()
	return auth.VerifyPassword(pw, phc)
}

// NewStaff is what an administrator gives to create an account.
type NewStaff struct {
	Login, Name string
	Role        Role
	Areas       []string
	Password    string
}

// CreateStaff creates a staff account with a password and a new TOTP secret, and returns
// the secret and its otpauth:// URL for the person's authenticator app: they are shown
// once and never again. Admin only; a logged staff event names the account, its role and
// areas, never its secrets.
func (a *App) CreateStaff(ctx context.Context, n NewStaff) (secret, otpauthURL string, err error) {
	if err := authorize(ctx, actionManageStaff); err != nil {
		return "", "", err
	}
	if err := auth.CheckPassword(n.Password); err != nil {
		return "", "", err
	}
	acct := iltod.StaffAccount{Login: n.Login, Name: n.Name, Role: string(n.Role), Areas: n.Areas}
	if err := acct.Validate(); err != nil {
		return "", "", err
	}
	if secret, otpauthURL, err = auth.NewTOTPSecret(TOTPIssuer, n.Login); err != nil {
		return "", "", err
	}
	if acct.PasswordHash, err = a.signIn().hash(n.Password); err != nil {
		return "", "", err
	}
	acct.TOTPSecret = secret
	ev, err := a.staffEvent(ctx, "", iltod.EventStaff, iltod.StaffSubject(n.Login), map[string]any{
		"action": "create staff account", "login": n.Login, "name": n.Name, "role": string(n.Role), "areas": orEmpty(n.Areas),
	})
	if err != nil {
		return "", "", err
	}
	if err := a.store.CreateStaff(ctx, acct, ev); err != nil {
		return "", "", err
	}
	a.log.Info("staff account created", "login", n.Login, "role", n.Role, "actor", actorName(ctx))
	a.notifyLog()
	return secret, otpauthURL, nil
}

// StaffChange changes an account; nil fields stay as they are.
type StaffChange struct {
	Name     *string
	Role     *Role
	Areas    *[]string
	Password *string
	Disabled *bool
	// NewTOTP replaces the TOTP secret (a lost phone); the new one is returned once.
	NewTOTP bool
}

// UpdateStaff changes an account as c says and returns a new TOTP secret and URL if one
// was asked for. Admin only. Disabling an account ends its sessions.
func (a *App) UpdateStaff(ctx context.Context, login string, c StaffChange) (secret, otpauthURL string, err error) {
	if err := authorize(ctx, actionManageStaff); err != nil {
		return "", "", err
	}
	acct, err := a.store.StaffAccount(ctx, login)
	if err != nil {
		return "", "", err
	}
	detail := map[string]any{"action": "update staff account", "login": login}
	if c.Name != nil {
		acct.Name, detail["name"] = *c.Name, *c.Name
	}
	if c.Role != nil {
		acct.Role, detail["role"] = string(*c.Role), string(*c.Role)
	}
	if c.Areas != nil {
		acct.Areas, detail["areas"] = *c.Areas, orEmpty(*c.Areas)
	}
	if c.Disabled != nil {
		acct.Disabled, detail["disabled"] = *c.Disabled, *c.Disabled
	}
	if c.Password != nil {
		if err := auth.CheckPassword(*c.Password); err != nil {
			return "", "", err
		}
		if acct.PasswordHash, err = a.signIn().hash(*c.Password); err != nil {
			return "", "", err
		}
		detail["password"] = "changed"
	}
	if c.NewTOTP {
		if secret, otpauthURL, err = auth.NewTOTPSecret(TOTPIssuer, login); err != nil {
			return "", "", err
		}
		acct.TOTPSecret = secret
		detail["totp"] = "replaced"
	}
	if err := acct.Validate(); err != nil {
		return "", "", err
	}
	ev, err := a.staffEvent(ctx, "", iltod.EventStaff, iltod.StaffSubject(login), detail)
	if err != nil {
		return "", "", err
	}
	if err := a.store.UpdateStaff(ctx, acct, ev); err != nil {
		return "", "", err
	}
	a.log.Info("staff account changed", "login", login, "actor", actorName(ctx))
	a.notifyLog()
	return secret, otpauthURL, nil
}

// StaffAccounts lists every account, without secrets. Admin only.
func (a *App) StaffAccounts(ctx context.Context) ([]iltod.StaffAccount, error) {
	if err := authorize(ctx, actionManageStaff); err != nil {
		return nil, err
	}
	accts, err := a.store.StaffAccounts(ctx)
	for i := range accts {
		accts[i].PasswordHash, accts[i].TOTPSecret = "", ""
	}
	return accts, err
}

// Session is a signed-in staff member as the web layer keeps it.
type Session struct {
	// Token goes in the session cookie; the store keeps only its hash.
	Token   string
	CSRF    string
	Actor   Actor
	Expires time.Time
}

// ErrSignIn is the one answer to a failed sign-in, whatever failed, so that it tells an
// attacker nothing about which part was wrong.
var ErrSignIn = iltod.E(iltod.EUnauthorized, "error.app.sign_in", nil)

// SignIn checks a login, password and TOTP code and opens a session. Attempts are limited
// per login and per client address (ip); a refused attempt is ERateLimited with the wait.
// Every outcome is logged without the password or code; failures return ErrSignIn.
func (a *App) SignIn(ctx context.Context, login, password, code, ip string) (Session, error) {
	s := a.signIn()
	now := a.now()
	if wait, err := a.store.TakeToken(ctx, "ip:"+ip, auth.IPBurst, auth.IPEvery, now); err != nil {
		return Session{}, err
	} else if wait > 0 {
		return Session{}, iltod.E(iltod.ERateLimited, "error.app.sign_in_limit_ip", locales.Args{"Seconds": waitSeconds(wait)})
	}
	if wait, err := a.store.TakeToken(ctx, "login:"+login, auth.LoginBurst, auth.LoginEvery, now); err != nil {
		return Session{}, err
	} else if wait > 0 {
		return Session{}, iltod.E(iltod.ERateLimited, "error.app.sign_in_limit_login", locales.Args{"Seconds": waitSeconds(wait)})
	}
	acct, err := a.store.StaffAccount(ctx, login)
	if err != nil && iltod.ErrorCodeOf(err) != iltod.ENotFound {
		return Session{}, err
	}
	if err != nil || acct.PasswordHash == "" || acct.Disabled {
		s.dummyOnce.Do(func() { s.dummyHash, _ = auth.HashPassword("not a password of anyone", s.params) })
		s.verify(password, s.dummyHash)
		a.log.Warn("staff sign-in refused", "login", login, "ip", ip, "why", "unknown or disabled account")
		return Session{}, ErrSignIn
	}
	ok, err := s.verify(password, acct.PasswordHash)
	if err != nil {
		return Session{}, err
	}
	if !ok {
		a.log.Warn("staff sign-in refused", "login", login, "ip", ip, "why", "password")
		return Session{}, ErrSignIn
	}
	last, err := a.store.TOTPStep(ctx, login)
	if err != nil {
		return Session{}, err
	}
	step, ok := auth.ValidateTOTP(acct.TOTPSecret, code, now, last)
	if ok {
		// A compare-and-set: of instances offered the same code at once, one wins.
		switch err := a.store.UseTOTPStep(ctx, login, step); iltod.ErrorCodeOf(err) {
		case "":
		case iltod.EConflict:
			ok = false
		default:
			return Session{}, err
		}
	}
	if !ok {
		a.log.Warn("staff sign-in refused", "login", login, "ip", ip, "why", "second factor")
		return Session{}, ErrSignIn
	}
	if err := a.store.ResetTokens(ctx, "login:"+login); err != nil {
		return Session{}, err
	}
	token, hash := auth.NewToken()
	sess := iltod.Session{TokenHash: hash, Login: login, Created: now, Expires: now.Add(SessionTTL), CSRF: auth.NewCSRF()}
	if err := a.store.CreateSession(ctx, sess); err != nil {
		return Session{}, err
	}
	a.log.Info("staff signed in", "login", login, "ip", ip)
	return Session{Token: token, CSRF: sess.CSRF, Actor: actorOf(acct), Expires: sess.Expires}, nil
}

// SessionFor returns the session of a token from a cookie, or EUnauthorized if it is
// unknown, expired or of a disabled account.
func (a *App) SessionFor(ctx context.Context, token string) (Session, error) {
	if token == "" {
		return Session{}, iltod.E(iltod.EUnauthorized, "error.app.not_signed_in", nil)
	}
	sess, err := a.store.Session(ctx, auth.HashToken(token), a.now())
	if iltod.ErrorCodeOf(err) == iltod.ENotFound {
		return Session{}, iltod.E(iltod.EUnauthorized, "error.app.session_ended", nil)
	}
	if err != nil {
		return Session{}, err
	}
	acct, err := a.store.StaffAccount(ctx, sess.Login)
	if err != nil {
		return Session{}, err
	}
	if acct.Disabled {
		return Session{}, iltod.E(iltod.EUnauthorized, "error.app.account_disabled", nil)
	}
	return Session{Token: token, CSRF: sess.CSRF, Actor: actorOf(acct), Expires: sess.Expires}, nil
}

// SignOut ends the session of a token.
func (a *App) SignOut(ctx context.Context, token string) error {
	return a.store.DeleteSession(ctx, auth.HashToken(token))
}

func actorOf(acct iltod.StaffAccount) Actor {
	return Actor{Staff: acct.Login, Role: Role(acct.Role), Areas: acct.Areas}
}

func orEmpty(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
