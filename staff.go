package iltod

import (
	"bytes"
	"context"
	"strconv"
	"time"

	"github.com/iltod/iltod/canonjson"
)

// The staff roles: what a staff account may do is decided by internal/app from its role.
// StaffAccount.Role holds one of these names.
const (
	RoleAdmin       = "admin"
	RoleCoordinator = "coordinator"
	RoleAnalyst     = "analyst"
	RoleReviewer    = "reviewer"
	RoleClerk       = "clerk"
)

// ValidRole reports whether role is one of the five staff roles.
func ValidRole(role string) bool {
	switch role {
	case RoleAdmin, RoleCoordinator, RoleAnalyst, RoleReviewer, RoleClerk:
		return true
	}
	return false
}

// Limits on the fields of a staff account.
const (
	MinLoginLen        = 3
	MaxLoginLen        = 64
	MaxStaffNameLen    = 200
	MaxStaffAreas      = 1000
	MaxPasswordHashLen = 1024
	MaxTOTPSecretLen   = 256
)

// StaffAccount is a person who signs in to the staff interface. Accounts belong to the
// installation, not to an election. AdminStore has no way to delete one: an account that
// must no longer sign in is disabled, so that the logins named in events keep their
// meaning.
//
// PasswordHash and TOTPSecret are secrets. They are not part of the account's JSON form,
// and they MUST NOT appear in the Detail of an account's event (stores refuse a Detail
// that holds either; see CheckStaffDetail): event details may be published.
type StaffAccount struct {
	// Login is the name the person signs in with: 3 to 64 lower-case ASCII letters,
	// digits, '.', '-' and '_'. It never changes.
	Login string `json:"login"`
	// Name is the person's name as shown to other staff.
	Name string `json:"name"`
	// Role is one of RoleAdmin, RoleCoordinator, RoleAnalyst, RoleReviewer, RoleClerk.
	Role string `json:"role"`
	// Areas are the codes of the areas a coordinator is limited to, at and below each;
	// none means every area. Only a coordinator may have areas. Stores keep them sorted,
	// each once, and return nil for none.
	Areas []string `json:"areas,omitempty"`
	// PasswordHash is an argon2id PHC string made by internal/auth; "" means no password
	// is set and the account cannot sign in with one. The store keeps it as opaque text.
	PasswordHash string `json:"-"`
	// TOTPSecret is the account's time-based one-time password secret, "" if none. The
	// store keeps it as opaque text.
	TOTPSecret string `json:"-"`
	// Disabled accounts cannot sign in: stores keep no session of theirs.
	Disabled bool `json:"disabled"`
	// Created is when the account was created, the time of its first event; the store
	// sets it.
	Created time.Time `json:"created"`
	// Updated is when the account last changed, the time of its latest event; the store
	// sets it.
	Updated time.Time `json:"updated"`
}

// ValidLogin reports whether s has the form of a login: 3 to 64 lower-case ASCII letters,
// digits, '.', '-' and '_'.
func ValidLogin(s string) bool {
	if len(s) < MinLoginLen || len(s) > MaxLoginLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// Validate checks the fields a caller gives: a valid Login; a single-line Name of 1 to
// MaxStaffNameLen characters; a Role of the five; Areas only for a coordinator, each a
// valid code, at most MaxStaffAreas of them (a code may repeat: stores keep it once); and
// a PasswordHash and TOTPSecret without control characters, of at most
// MaxPasswordHashLen and MaxTOTPSecretLen characters. Created and Updated are not
// checked: the store sets them. It returns nil or Problems, whose messages never repeat
// the secrets.
func (a *StaffAccount) Validate() error {
	var ps problems
	switch {
	case a.Login == "":
		ps.msg("login", "error.package.required")
	case !ValidLogin(a.Login):
		ps.msg("login", "error.package.bad_login", "Value", strconv.Quote(truncate(a.Login, 70)), "Min", MinLoginLen, "Max", MaxLoginLen)
	}
	switch {
	case a.Name == "":
		ps.msg("name", "error.package.required")
	default:
		if msg := checkString(a.Name, MaxStaffNameLen); msg.Key != "" {
			ps.put("name", msg)
		}
	}
	switch {
	case a.Role == "":
		ps.msg("role", "error.package.role_required")
	case !ValidRole(a.Role):
		ps.msg("role", "error.package.bad_role", "Value", strconv.Quote(truncate(a.Role, 70)))
	}
	switch {
	case len(a.Areas) > 0 && a.Role != RoleCoordinator:
		ps.msg("areas", "error.package.areas_coordinator", "Role", truncate(a.Role, 70))
	case len(a.Areas) > MaxStaffAreas:
		ps.msg("areas", "error.package.too_many_areas", "Count", len(a.Areas), "Max", MaxStaffAreas)
	default:
		for i, code := range a.Areas {
			checkCode(&ps, "areas["+strconv.Itoa(i)+"]", code)
		}
	}
	if msg := checkString(a.PasswordHash, MaxPasswordHashLen); msg.Key != "" {
		ps.put("password_hash", msg)
	}
	if msg := checkString(a.TOTPSecret, MaxTOTPSecretLen); msg.Key != "" {
		ps.put("totp_secret", msg)
	}
	return ps.list.Err()
}

// StaffSubject returns the Subject of the event of a change to a staff account:
// "staff/LOGIN".
func StaffSubject(login string) string { return "staff/" + login }

// minSecretLen is the shortest secret CheckStaffDetail looks for in a detail: a shorter
// one (none that internal/auth makes) could match by chance.
const minSecretLen = 16

// CheckStaffDetail checks the Detail of the event of a change to the staff account a: it
// must be canonical JSON (package canonjson), since the event's Hash commits to it, and
// it must not contain a's PasswordHash or TOTPSecret (when at least 16 bytes long). It
// returns an *Error with code EInvalid, whose message never repeats a secret.
func CheckStaffDetail(a StaffAccount, detail []byte) error {
	if len(detail) == 0 {
		return Errorf(EInvalid, "the event of a change to a staff account needs a detail: who changed what")
	}
	if err := canonjson.Check(detail); err != nil {
		return &Error{Code: EInvalid, Message: "the detail of a staff account's event must be canonical JSON", Err: err}
	}
	for _, secret := range []struct{ name, value string }{{"password hash", a.PasswordHash}, {"TOTP secret", a.TOTPSecret}} {
		if len(secret.value) >= minSecretLen && bytes.Contains(detail, []byte(secret.value)) {
			return Errorf(EInvalid, "the detail of a staff account's event holds the account's %s, which must never be logged", secret.name)
		}
	}
	return nil
}

// Session is a staff member's signed-in session, kept in the store so that every server
// instance sharing it knows the session. The store keeps only the SHA-256 of the session
// token (internal/auth.HashToken), so that a copy of the database cannot be used to sign
// in.
type Session struct {
	TokenHash [32]byte
	// Login is the staff account signed in.
	Login   string
	Created time.Time
	// Expires is when the session ends: it is found only at times before Expires.
	Expires time.Time
	// CSRF is the token that forms of the session must send back.
	CSRF string
}

// AdminStore keeps what the staff interface manages: the PVT samples of elections, staff
// accounts, and sign-in sessions.
//
// Samples and staff accounts are stored with an event in the same transaction, as
// IntakeStore and OfficialStore do: the store assigns the event's Seq (gapless, in commit
// order, across all events) and sets its Election, Kind, Subject and Hash as each method
// says, keeping the Time and Detail the caller built. A change to a staff account belongs
// to no election: its event has the Election "", which the log (package tlog) accepts as
// an event of the installation. Sessions carry no event: signing in and out changes no
// data. A store never changes or deletes a sample.
//
// Times are kept to the nanosecond and returned in UTC. Implementations are safe for
// concurrent use; errors follow Store's conventions (ENotFound, EConflict and EInvalid as
// documented; EInternal for anything else).
type AdminStore interface {
	// SaveSample stores the sample r with its event, in one transaction. It checks r
	// (SampleRecord.Validate) and returns EInvalid with the Problems in its chain, and
	// ENotFound for an unknown election.
	//
	// The store assigns the Version, one more than the election's latest (from 1); sets
	// Drawn to ev.Time, Hash to the SHA-256 of r.Sample and Seq to the event's; and sets
	// ev's Election (r's), Kind (EventSample), Subject (SampleSubject) and Hash (the
	// same). It returns the record as stored. Concurrent saves get distinct versions in
	// commit order.
	SaveSample(ctx context.Context, r SampleRecord, ev Event) (SampleRecord, error)
	// Samples returns the samples of an election in version order; none (an empty slice)
	// if none was saved. It returns ENotFound for an unknown election.
	Samples(ctx context.Context, election string) ([]SampleRecord, error)
	// Sample returns one sample of an election, version 0 meaning the latest. It returns
	// ENotFound for an unknown election or version, and for version 0 if the election has
	// no sample.
	Sample(ctx context.Context, election string, version int) (SampleRecord, error)

	// CreateStaff stores a new account a with its event, in one transaction. It checks a
	// (StaffAccount.Validate) and ev.Detail (CheckStaffDetail), returning EInvalid, and
	// returns EConflict if an account with a's login exists; then nothing is stored. The
	// store sets Created and Updated to ev.Time, keeps Areas sorted and each once, and
	// sets ev's Election (""), Kind (EventStaff), Subject (StaffSubject) and Hash (the
	// SHA-256 of ev.Detail).
	CreateStaff(ctx context.Context, a StaffAccount, ev Event) error
	// UpdateStaff replaces every field of the account with a's login but Login and
	// Created, with its event, in one transaction, checking a and ev as CreateStaff does.
	// It sets Updated to ev.Time and sets ev as CreateStaff does. It returns ENotFound if
	// the account does not exist. Disabling an account deletes its sessions in the same
	// transaction.
	UpdateStaff(ctx context.Context, a StaffAccount, ev Event) error
	// StaffAccount returns one account, secrets included. It returns ENotFound if there
	// is none with this login.
	StaffAccount(ctx context.Context, login string) (StaffAccount, error)
	// StaffAccounts returns every account in login order (byte order), secrets included.
	StaffAccounts(ctx context.Context) ([]StaffAccount, error)

	// CreateSession stores s. It returns EInvalid if s has no Login or CSRF token, a zero
	// TokenHash, or an Expires not after Created; ENotFound if the account does not exist;
	// and EConflict if the account is disabled or a session with the same TokenHash
	// exists. In the same transaction it deletes every session that expired at or before
	// s.Created. A disabled account thus never has a session: UpdateStaff deletes them
	// when it disables one.
	CreateSession(ctx context.Context, s Session) error
	// Session returns the session whose token has the SHA-256 tokenHash. It returns
	// ENotFound if there is none, if it has expired at now (now is not before Expires),
	// or if its account is disabled.
	Session(ctx context.Context, tokenHash [32]byte, now time.Time) (Session, error)
	// DeleteSession deletes one session (signing out). Deleting a session that does not
	// exist is not an error.
	DeleteSession(ctx context.Context, tokenHash [32]byte) error
	// DeleteSessions deletes every session of the account with this login (signing out
	// everywhere). An account without sessions, or an unknown login, is not an error.
	DeleteSessions(ctx context.Context, login string) error
}
