package app

import (
	"context"
	"time"
)

// formTokenSecret names the shared secret that keys the anonymous forms' tokens.
const formTokenSecret = "anonymous-form-tokens"

// FormTokenKey returns the key of the anonymous forms' tokens: the same on every server
// instance sharing the store, so that a form one instance gave is good on another. It is
// read from the store once and kept.
func (a *App) FormTokenKey(ctx context.Context) ([]byte, error) {
	a.formKeyMu.Lock()
	defer a.formKeyMu.Unlock()
	if a.formKey == nil {
		k, err := a.store.SharedSecret(ctx, formTokenSecret)
		if err != nil {
			return nil, err
		}
		a.formKey = k
	}
	return a.formKey, nil
}

// SpendFormToken marks a form token (its MAC) spent, at now, until until, on every
// instance: a form sent twice, to one instance or two, files one report. It returns
// EConflict if the token is spent already.
func (a *App) SpendFormToken(ctx context.Context, mac []byte, now, until time.Time) error {
	return a.store.SpendToken(ctx, append([]byte("form:"), mac...), now, until)
}

// ReleaseFormToken unspends a form token, for a submission refused with nothing stored.
func (a *App) ReleaseFormToken(ctx context.Context, mac []byte) error {
	return a.store.ReleaseToken(ctx, append([]byte("form:"), mac...))
}
