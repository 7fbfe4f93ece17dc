// Package app is the one place where iltod's rules run, above storage: it validates input,
// authorises the actor, persists through an iltod.Store, and (in later work) commits events
// to the log. The HTTP server and the command line call App; neither talks to a store
// directly, so no rule is written twice.
package app

import (
	"context"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/auth"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/internal/qa"
	"github.com/iltod/iltod/locales"
)

// App holds the parts the rules need. It is safe for concurrent use. Call Close when done.
type App struct {
	store iltod.Store
	log   *slog.Logger
	tlog  Log
	now   func() time.Time
	cache electionCache
	// inputsCache caches what analyses read (see analysisTTL).
	inputsCache inputCache

	signInOnce     sync.Once
	signin         *signIn
	passwordParams auth.Params
	// devices caches enrolled devices by key id (see deviceTTL).
	devices sync.Map

	// outbound is the sender broadcasts go through (SetSender, broadcast.go).
	outbound atomic.Pointer[outbound]
	// recipients are the age recipients evidence is sealed to (evidence.go).
	recipients recipientsSlot

	// formKey is the anonymous forms' token key, read once (formtokens.go).
	formKeyMu sync.Mutex
	formKey   []byte

	commitMu  sync.RWMutex
	closed    bool
	startOnce sync.Once
	committer *committer
	// preparing counts the submissions being checked that will be handed to the
	// committer soon: it waits a little for them (see groupWait).
	preparing atomic.Int64
}

// New returns an App over store. A nil logger discards.
func New(store iltod.Store, logger *slog.Logger) *App {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	return &App{store: store, log: logger, now: time.Now, passwordParams: auth.DefaultParams}
}

// SetLog makes the app give receipt promises and proofs from l. Call it before use.
func (a *App) SetLog(l Log) { a.tlog = l }

// SetClock replaces the clock, for tests. Call it before use.
func (a *App) SetClock(now func() time.Time) { a.now = now }

// Store returns the store behind a, for wiring and tests.
func (a *App) Store() iltod.Store { return a.store }

// LoadPackage validates p and stores it in one transaction. It returns Problems (code
// EInvalid) and stores nothing when p is invalid, and EConflict when the election exists
// and replace is false. Only the system actor (the operator's command line) and admins
// may load.
func (a *App) LoadPackage(ctx context.Context, p *iltod.Package, replace bool) error {
	if err := authorize(ctx, actionLoad); err != nil {
		return err
	}
	if err := p.Validate(); err != nil {
		return err
	}
	if err := qa.ValidateForms(p); err != nil {
		return err
	}
	if len(p.Election.Taxonomy) > 0 {
		if _, err := incident.FromJSON(p.Election.Taxonomy); err != nil {
			return err
		}
	}
	if err := a.store.CreateElection(ctx, p, replace); err != nil {
		return err
	}
	a.cache.drop(p.Election.ID)
	a.dropInputs(p.Election.ID)
	s := p.Summarize()
	a.log.InfoContext(ctx, "election loaded", "election", p.Election.ID, "stations", s.Stations,
		"areas", s.Areas, "contests", s.Contests, "forms", s.Forms, "replace", replace)
	return nil
}

// ExportPackage returns the whole election, observers included; only the system actor and
// admins may export it, since observers' identities are in it.
func (a *App) ExportPackage(ctx context.Context, election string) (*iltod.Package, error) {
	if err := authorize(ctx, actionExport); err != nil {
		return nil, err
	}
	return iltod.LoadPackage(ctx, a.store, election)
}

// Elections lists every election. Public.
func (a *App) Elections(ctx context.Context) ([]iltod.Election, error) {
	return a.store.Elections(ctx)
}

// Election returns one election. Public.
func (a *App) Election(ctx context.Context, id string) (iltod.Election, error) {
	return a.store.Election(ctx, id)
}

// Summary counts what an election holds. Public.
func (a *App) Summary(ctx context.Context, id string) (iltod.Summary, error) {
	return a.store.Summary(ctx, id)
}

// Areas returns an election's area tree in load order. Public.
func (a *App) Areas(ctx context.Context, election string) ([]iltod.Area, error) {
	return a.store.Areas(ctx, election)
}

// Area returns one area. Public.
func (a *App) Area(ctx context.Context, election, code string) (iltod.Area, error) {
	return a.store.Area(ctx, election, code)
}

// Stations returns a page of stations. Public: stations carry no observer data.
func (a *App) Stations(ctx context.Context, election string, q iltod.StationQuery) ([]iltod.Station, error) {
	if q.Area != "" && !iltod.ValidCode(q.Area) {
		return nil, iltod.E(iltod.EInvalid, "error.app.area_code", locales.Args{"Area": q.Area})
	}
	if q.After != "" && !iltod.ValidCode(q.After) {
		return nil, iltod.E(iltod.EInvalid, "error.app.after_code", locales.Args{"After": q.After})
	}
	return a.store.Stations(ctx, election, q)
}

// Station returns one station. Public.
func (a *App) Station(ctx context.Context, election, code string) (iltod.Station, error) {
	return a.store.Station(ctx, election, code)
}

// Contests returns an election's contests in load order. Public.
func (a *App) Contests(ctx context.Context, election string) ([]iltod.Contest, error) {
	return a.store.Contests(ctx, election)
}

// Contest returns one contest. Public.
func (a *App) Contest(ctx context.Context, election, code string) (iltod.Contest, error) {
	return a.store.Contest(ctx, election, code)
}

// Forms returns every version of every form. Public: observers' devices fetch them.
func (a *App) Forms(ctx context.Context, election string) ([]iltod.Form, error) {
	return a.store.Forms(ctx, election)
}

// Form returns one version of a form, 0 meaning the latest. Public.
func (a *App) Form(ctx context.Context, election, code string, version int) (iltod.Form, error) {
	if version < 0 {
		return iltod.Form{}, iltod.E(iltod.EInvalid, "error.app.form_version", nil)
	}
	return a.store.Form(ctx, election, code, version)
}

// Observers returns an election's observers. Observers' names and phones are sensitive:
// only staff who manage observers may read them.
func (a *App) Observers(ctx context.Context, election string) ([]iltod.Observer, error) {
	if err := authorize(ctx, actionReadObservers); err != nil {
		return nil, err
	}
	return a.store.Observers(ctx, election)
}
