package iltod

import "context"

// StationQuery selects stations. The zero value selects all stations of the election in
// code order, up to the store's default limit.
type StationQuery struct {
	// Area, if set, keeps only stations at or below this area.
	Area string
	// After, if set, starts after the station with this code (keyset pagination).
	After string
	// Limit caps the number returned; 0 means DefaultStationLimit, and it is never above
	// MaxStationLimit.
	Limit int
}

// Limits on one page of stations.
const (
	DefaultStationLimit = 500
	MaxStationLimit     = 10_000
)

// EffectiveLimit returns the limit a store applies for q.
func (q StationQuery) EffectiveLimit() int {
	switch {
	case q.Limit <= 0:
		return DefaultStationLimit
	case q.Limit > MaxStationLimit:
		return MaxStationLimit
	}
	return q.Limit
}

// Store keeps elections. Implementation: internal/sqlstore, on SQLite (the embedded
// default) or PostgreSQL; internal/storetest is the conformance suite both pass.
//
// Every method is safe for concurrent use. Methods return an *Error with code ENotFound
// when the election or the named record does not exist, EConflict as documented, and
// wrap any other failure as EInternal. Stores do not authorise: callers in internal/app do.
// Slices returned are the caller's to keep.
type Store interface {
	// IntakeStore keeps devices, reports, review decisions and the events the log
	// commits to.
	IntakeStore

	// OfficialStore keeps the releases of official results, each with its import event.
	OfficialStore

	// AdminStore keeps PVT samples, staff accounts and sign-in sessions.
	AdminStore

	// BlobStore keeps photos (and other content-addressed bytes) and finds the reports
	// that name a photo.
	BlobStore

	// MessageStore keeps the messages of the messaging channels (SMS, messengers) and
	// the messenger accounts linked to observers.
	MessageStore
	// ODKStore keeps the observers' OpenRosa (ODK Collect) credentials.
	ODKStore
	// IncidentStore keeps incidents, actors, positions and occupancies (docs/incidents.md).
	IncidentStore
	// FollowupStore keeps the hashes of the anonymous reporters' follow-up codes.
	FollowupStore
	// ClusterStore keeps what instances sharing the store coordinate through: the
	// log's checkpoints and signer, TOTP steps used and rate limits.
	ClusterStore

	// CreateElection stores p in one transaction: on any error nothing is stored. p MUST
	// have passed p.Validate; the store need not check it again. It returns EConflict if
	// an election with the same id exists, unless replace is true, in which case the old
	// election and everything it holds is replaced in the same transaction. An election
	// that has events cannot be replaced (EConflict): the log commits to its events, and
	// a store MUST NOT delete any.
	CreateElection(ctx context.Context, p *Package, replace bool) error

	// DeleteElection removes an election and everything it holds. It returns EConflict if
	// the election has events, which a store MUST NOT delete.
	DeleteElection(ctx context.Context, id string) error

	// Elections returns all elections ordered by date, then id.
	Elections(ctx context.Context) ([]Election, error)
	// Election returns one election.
	Election(ctx context.Context, id string) (Election, error)
	// Summary counts what an election holds; it equals Summarize of the stored package.
	Summary(ctx context.Context, id string) (Summary, error)

	// Areas returns all areas of an election in the order they were loaded.
	Areas(ctx context.Context, election string) ([]Area, error)
	// Area returns one area.
	Area(ctx context.Context, election, code string) (Area, error)

	// Stations returns the stations selected by q, ordered by code. The Area of q, if set,
	// must exist (ENotFound otherwise).
	Stations(ctx context.Context, election string, q StationQuery) ([]Station, error)
	// Station returns one station.
	Station(ctx context.Context, election, code string) (Station, error)

	// Contests returns all contests of an election in the order they were loaded.
	Contests(ctx context.Context, election string) ([]Contest, error)
	// Contest returns one contest.
	Contest(ctx context.Context, election, code string) (Contest, error)

	// Forms returns every version of every form, ordered by code and version.
	Forms(ctx context.Context, election string) ([]Form, error)
	// Form returns one version of a form; version 0 means the latest.
	Form(ctx context.Context, election, code string, version int) (Form, error)

	// Observers returns all observers of an election in the order they were loaded.
	// Observers are sensitive: callers MUST authorise before passing them on.
	Observers(ctx context.Context, election string) ([]Observer, error)
	// Observer returns one observer.
	Observer(ctx context.Context, election, code string) (Observer, error)

	// Close releases the store's resources.
	Close() error
}

// LoadPackage reads a whole election back from s, in the order it was loaded.
func LoadPackage(ctx context.Context, s Store, id string) (*Package, error) {
	e, err := s.Election(ctx, id)
	if err != nil {
		return nil, err
	}
	p := &Package{Election: e}
	if p.Areas, err = s.Areas(ctx, id); err != nil {
		return nil, err
	}
	for after := ""; ; {
		page, err := s.Stations(ctx, id, StationQuery{After: after, Limit: MaxStationLimit})
		if err != nil {
			return nil, err
		}
		p.Stations = append(p.Stations, page...)
		if len(page) < MaxStationLimit {
			break
		}
		after = page[len(page)-1].Code
	}
	if p.Contests, err = s.Contests(ctx, id); err != nil {
		return nil, err
	}
	if p.Observers, err = s.Observers(ctx, id); err != nil {
		return nil, err
	}
	if p.Forms, err = s.Forms(ctx, id); err != nil {
		return nil, err
	}
	return p, nil
}
