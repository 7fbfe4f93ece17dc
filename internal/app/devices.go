package app

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"strings"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// codeAlphabet avoids letters and digits that read alike (I, L, O, 0, 1) on a phone.
const codeAlphabet = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"

// CodeLength is the number of characters of an enrollment code (about 50 bits).
const CodeLength = 10

// DefaultEnrollmentTTL is how long an enrollment code stays valid.
const DefaultEnrollmentTTL = 7 * 24 * time.Hour

// normalizeCode upper-cases a typed code and drops spaces and hyphens.
func normalizeCode(code string) string {
	return strings.Map(func(r rune) rune {
		switch {
		case r == ' ' || r == '-':
			return -1
		case r >= 'a' && r <= 'z':
			return r - 'a' + 'A'
		}
		return r
	}, code)
}

func hashCode(code string) [32]byte {
	return sha256.Sum256([]byte("iltod enrollment\n" + normalizeCode(code)))
}

// oneTimeCode draws a new one-time code of CodeLength characters of codeAlphabet, with a
// hyphen in the middle for reading aloud (normalizeCode drops it).
func oneTimeCode() string {
	b := make([]byte, CodeLength)
	rand.Read(b)
	var sb strings.Builder
	for i, x := range b {
		if i == CodeLength/2 {
			sb.WriteByte('-')
		}
		sb.WriteByte(codeAlphabet[int(x)%len(codeAlphabet)])
	}
	return sb.String()
}

// authorizeObserverCode is authorizeObserver for the observer with the given code, which
// must exist (ENotFound).
func (a *App) authorizeObserverCode(ctx context.Context, act action, election, observer string) error {
	obs, err := a.store.Observer(ctx, election, observer)
	if err != nil {
		return err
	}
	return a.authorizeObserver(ctx, act, election, obs)
}

// IssueEnrollment creates a one-time code with which the observer's device can enroll
// its key, valid for ttl (DefaultEnrollmentTTL if 0). The code is returned once and only
// its hash is stored. Coordinators and admins may issue codes.
func (a *App) IssueEnrollment(ctx context.Context, election, observer string, ttl time.Duration) (code string, expires time.Time, err error) {
	if err := authorize(ctx, actionManageDevices); err != nil {
		return "", time.Time{}, err
	}
	if ttl <= 0 {
		ttl = DefaultEnrollmentTTL
	}
	if err := a.authorizeObserverCode(ctx, actionManageDevices, election, observer); err != nil {
		return "", time.Time{}, err
	}
	code = oneTimeCode()
	now := a.now().UTC().Truncate(time.Second)
	e := iltod.Enrollment{CodeHash: hashCode(code), Election: election, Observer: observer,
		Issued: now, Expires: now.Add(ttl), IssuedBy: actorName(ctx)}
	ev, err := a.staffEvent(ctx, election, iltod.EventDevice, "observer/"+observer, map[string]any{
		"action": "issue-enrollment", "expires": e.Expires.Format(time.RFC3339)})
	if err != nil {
		return "", time.Time{}, err
	}
	if err := a.store.CreateEnrollment(ctx, e, ev); err != nil {
		return "", time.Time{}, err
	}
	return code, e.Expires, nil
}

// Enroll binds key to the observer for whom code was issued, consuming the code. The
// code is the authentication: no actor is needed. An unknown code is ENotFound; a used
// or expired code, or a key already enrolled, EConflict.
func (a *App) Enroll(ctx context.Context, code string, key ed25519.PublicKey) (iltod.Device, error) {
	if len(key) != ed25519.PublicKeySize {
		return iltod.Device{}, iltod.E(iltod.EInvalid, "error.app.key_size", nil)
	}
	if n := len(normalizeCode(code)); n != CodeLength {
		return iltod.Device{}, iltod.E(iltod.EInvalid, "error.app.enroll_code_length", locales.Args{"Length": CodeLength})
	}
	d := iltod.Device{KeyID: iltod.KeyID(key), PublicKey: key, Enrolled: a.now().UTC().Truncate(time.Millisecond)}
	// The store sets the event's election, and the device's, from the code.
	ev, err := a.event("device", "", iltod.EventDevice, d.KeyID, map[string]any{
		"action": "enroll", "key_id": d.KeyID})
	if err != nil {
		return iltod.Device{}, err
	}
	ev.Time = d.Enrolled
	dev, err := a.store.ClaimEnrollment(ctx, hashCode(code), d, ev)
	if err != nil {
		if iltod.ErrorCodeOf(err) == iltod.ENotFound {
			return iltod.Device{}, iltod.E(iltod.ENotFound, "error.app.enroll_code_unknown", nil)
		}
		return iltod.Device{}, err
	}
	return dev, nil
}

// RevokeDevice revokes a device's key: its later reports are refused. Coordinators and
// admins may revoke.
func (a *App) RevokeDevice(ctx context.Context, keyID, reason string) error {
	if err := authorize(ctx, actionManageDevices); err != nil {
		return err
	}
	if err := checkReason(reason); err != nil {
		return err
	}
	d, err := a.store.Device(ctx, keyID)
	if err != nil {
		return err
	}
	if len(ActorFrom(ctx).Areas) > 0 {
		obs, err := a.store.Observer(ctx, d.Election, d.Observer)
		if err != nil {
			return err
		}
		if err := a.authorizeObserver(ctx, actionManageDevices, d.Election, obs); err != nil {
			return err
		}
	}
	ev, err := a.staffEvent(ctx, d.Election, iltod.EventDevice, keyID, map[string]any{
		"action": "revoke", "observer": d.Observer, "reason": reason})
	if err != nil {
		return err
	}
	if err := a.store.RevokeDevice(ctx, keyID, ev); err != nil {
		return err
	}
	a.devices.Delete(keyID)
	return nil
}

// Devices lists the devices of an observer, or of all observers when observer is "".
// Coordinators and admins may list devices; a coordinator limited to areas sees only those
// of observers with a station in them.
func (a *App) Devices(ctx context.Context, election, observer string) ([]iltod.Device, error) {
	if err := authorize(ctx, actionManageDevices); err != nil {
		return nil, err
	}
	ds, err := a.store.Devices(ctx, election, observer)
	if err != nil || len(ActorFrom(ctx).Areas) == 0 {
		return ds, err
	}
	// A coordinator limited to areas sees the devices of observers with a station there.
	el, err := a.election(ctx, election)
	if err != nil {
		return nil, err
	}
	kept := ds[:0]
	for _, d := range ds {
		if o, ok := el.observers[d.Observer]; ok && a.authorizeObserver(ctx, actionManageDevices, election, *o) == nil {
			kept = append(kept, d)
		}
	}
	if observer != "" && len(kept) == 0 && len(ds) > 0 {
		return nil, errObserverOutside(observer)
	}
	return kept, nil
}

// authorizeObserver is authorize for an action on an observer: a coordinator limited to
// areas may act only on observers with a station in one of them.
func (a *App) authorizeObserver(ctx context.Context, act action, election string, obs iltod.Observer) error {
	if err := authorize(ctx, act); err != nil {
		return err
	}
	actor := ActorFrom(ctx)
	if len(actor.Areas) == 0 {
		return nil
	}
	el, err := a.election(ctx, election)
	if err != nil {
		return err
	}
	for _, code := range obs.Stations {
		if st, ok := el.stations[code]; ok && actor.covers(el.areas, st.Area) {
			return nil
		}
	}
	return errObserverOutside(obs.Code)
}
