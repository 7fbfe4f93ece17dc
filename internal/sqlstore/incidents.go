package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/locales"
)

// CreateIncident stores a new incident with its event; see iltod.IncidentStore.
func (s *Store) CreateIncident(ctx context.Context, in iltod.IncidentRecord, ev iltod.Event) (iltod.Event, error) {
	in = utcIncident(in)
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := incidentRefs(ctx, tx, in); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM incidents WHERE election = $1 AND id = $2`,
			in.Election, in.ID).Scan(&n); err != nil {
			return fmt.Errorf("look up incident: %w", err)
		}
		if n > 0 {
			return iltod.E(iltod.EConflict, "error.incident.exists", locales.Args{"ID": in.ID})
		}
		var err error
		if ev, err = incidentEvent(ctx, tx, in, ev); err != nil {
			return err
		}
		doc, err := json.Marshal(in)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO incidents (election, id, seq, status, doc) VALUES ($1, $2, $3, $4, $5)`,
			in.Election, in.ID, int64(ev.Seq), string(in.Status), doc)
		return wrap(err, "store incident")
	})
	if err != nil {
		return iltod.Event{}, internal(wrap(err, "create incident"))
	}
	return ev, nil
}

// UpdateIncident replaces a stored incident with its event; see iltod.IncidentStore.
func (s *Store) UpdateIncident(ctx context.Context, in iltod.IncidentRecord, from iltod.IncidentStatus, ev iltod.Event) (iltod.Event, error) {
	in = utcIncident(in)
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := incidentRefs(ctx, tx, in); err != nil {
			return err
		}
		var status string
		err := tx.QueryRowContext(ctx, `SELECT status FROM incidents WHERE election = $1 AND id = $2`+s.d.forShare,
			in.Election, in.ID).Scan(&status)
		switch {
		case errors.Is(err, sql.ErrNoRows):
			return iltod.E(iltod.ENotFound, "error.incident.not_found", locales.Args{"ID": in.ID})
		case err != nil:
			return fmt.Errorf("read incident: %w", err)
		case status != string(from):
			return iltod.E(iltod.EConflict, "error.incident.stale", nil)
		}
		if ev, err = incidentEvent(ctx, tx, in, ev); err != nil {
			return err
		}
		doc, err := json.Marshal(in)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE incidents SET status = $3, doc = $4 WHERE election = $1 AND id = $2`,
			in.Election, in.ID, string(in.Status), doc)
		return wrap(err, "update incident")
	})
	if err != nil {
		return iltod.Event{}, internal(wrap(err, "update incident"))
	}
	return ev, nil
}

// incidentEvent sets ev's fields for in and adds it.
func incidentEvent(ctx context.Context, tx *tx, in iltod.IncidentRecord, ev iltod.Event) (iltod.Event, error) {
	h, err := iltod.IncidentDigest(in)
	if err != nil {
		return ev, err
	}
	ev.Election, ev.Kind, ev.Subject, ev.Hash = in.Election, iltod.EventIncident, iltod.IncidentSubject(in.ID), h
	return addEvent(ctx, tx, ev)
}

// incidentRefs returns ENotFound unless the election, the incident's station or area,
// and its linked actors exist.
func incidentRefs(ctx context.Context, tx *tx, in iltod.IncidentRecord) error {
	if err := electionExists(ctx, tx, in.Election); err != nil {
		return err
	}
	if in.Place.Station != "" {
		if err := exists(ctx, tx, `SELECT count(*) FROM stations WHERE election = $1 AND code = $2`, in.Election, in.Place.Station,
			iltod.E(iltod.ENotFound, "error.incident.field", locales.Args{"Field": "place"})); err != nil {
			return err
		}
	}
	if in.Place.Area != "" {
		if err := exists(ctx, tx, `SELECT count(*) FROM areas WHERE election = $1 AND code = $2`, in.Election, in.Place.Area,
			iltod.E(iltod.ENotFound, "error.incident.field", locales.Args{"Field": "place"})); err != nil {
			return err
		}
	}
	for _, l := range in.Actors {
		if err := actorExists(ctx, tx, in.Election, l.Actor); err != nil {
			return err
		}
	}
	return nil
}

func actorExists(ctx context.Context, tx *tx, election, code string) error {
	return exists(ctx, tx, `SELECT count(*) FROM actors WHERE election = $1 AND code = $2`, election, code,
		iltod.E(iltod.ENotFound, "error.incident.actor_not_found", locales.Args{"Code": code}))
}

// exists runs query (a count with $1 election, $2 code) and returns notFound for 0.
func exists(ctx context.Context, tx *tx, query, election, code string, notFound error) error {
	var n int
	if err := tx.QueryRowContext(ctx, query, election, code).Scan(&n); err != nil {
		return fmt.Errorf("look up %s: %w", code, err)
	}
	if n == 0 {
		return notFound
	}
	return nil
}

// Incident returns one incident; see iltod.IncidentStore.
func (s *Store) Incident(ctx context.Context, election, id string) (iltod.IncidentRecord, error) {
	var doc []byte
	err := s.read.QueryRowContext(ctx, `SELECT doc FROM incidents WHERE election = $1 AND id = $2`, election, id).Scan(&doc)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return iltod.IncidentRecord{}, iltod.E(iltod.ENotFound, "error.incident.not_found", locales.Args{"ID": id})
	case err != nil:
		return iltod.IncidentRecord{}, internal(fmt.Errorf("read incident: %w", err))
	}
	var in iltod.IncidentRecord
	if err := json.Unmarshal(doc, &in); err != nil {
		return iltod.IncidentRecord{}, internal(fmt.Errorf("decode incident: %w", err))
	}
	return in, nil
}

// Incidents returns an election's incidents in report order; see iltod.IncidentStore.
func (s *Store) Incidents(ctx context.Context, election string) ([]iltod.IncidentRecord, error) {
	return docs[iltod.IncidentRecord](ctx, s, election, `SELECT doc FROM incidents WHERE election = $1 ORDER BY seq`)
}

// docs decodes the doc column of the rows of query ($1 election), after checking that
// the election exists.
func docs[T any](ctx context.Context, s *Store, election, query string) ([]T, error) {
	if err := electionExists(ctx, s.read, election); err != nil {
		return nil, err
	}
	rows, err := s.read.QueryContext(ctx, query, election)
	if err != nil {
		return nil, internal(fmt.Errorf("list: %w", err))
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		var doc []byte
		if err := rows.Scan(&doc); err != nil {
			return nil, internal(fmt.Errorf("list: %w", err))
		}
		var v T
		if err := json.Unmarshal(doc, &v); err != nil {
			return nil, internal(fmt.Errorf("decode: %w", err))
		}
		out = append(out, v)
	}
	return out, internal(rows.Err())
}

// recordEvent sets ev's Election, Kind, Subject and Hash (the SHA-256 of v's canonical
// JSON), adds it and returns it with v's JSON.
func recordEvent(ctx context.Context, tx *tx, election, subject string, v any, ev iltod.Event) (iltod.Event, []byte, error) {
	doc, err := canonjson.Marshal(v)
	if err != nil {
		return ev, nil, err
	}
	ev.Election, ev.Kind, ev.Subject, ev.Hash = election, iltod.EventActor, subject, sha256.Sum256(doc)
	ev, err = addEvent(ctx, tx, ev)
	return ev, doc, err
}

// PutActor stores or replaces an actor with its event; see iltod.IncidentStore.
func (s *Store) PutActor(ctx context.Context, a iltod.Actor, ev iltod.Event) (iltod.Event, error) {
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, a.Election); err != nil {
			return err
		}
		var doc []byte
		var err error
		if ev, doc, err = recordEvent(ctx, tx, a.Election, "actor/"+a.Code, a, ev); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM actors WHERE election = $1 AND code = $2`, a.Election, a.Code); err != nil {
			return fmt.Errorf("replace actor: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO actors (election, code, doc) VALUES ($1, $2, $3)`, a.Election, a.Code, doc)
		return wrap(err, "store actor")
	})
	if err != nil {
		return iltod.Event{}, internal(wrap(err, "put actor"))
	}
	return ev, nil
}

// Actors returns an election's actors by code; see iltod.IncidentStore.
func (s *Store) Actors(ctx context.Context, election string) ([]iltod.Actor, error) {
	return docs[iltod.Actor](ctx, s, election, `SELECT doc FROM actors WHERE election = $1 ORDER BY code`)
}

// PutPosition stores or replaces a position with its event; see iltod.IncidentStore.
func (s *Store) PutPosition(ctx context.Context, p iltod.ActorPosition, ev iltod.Event) (iltod.Event, error) {
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, p.Election); err != nil {
			return err
		}
		if err := actorExists(ctx, tx, p.Election, p.Body); err != nil {
			return err
		}
		var doc []byte
		var err error
		if ev, doc, err = recordEvent(ctx, tx, p.Election, "position/"+p.Code, p, ev); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM actor_positions WHERE election = $1 AND code = $2`, p.Election, p.Code); err != nil {
			return fmt.Errorf("replace position: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO actor_positions (election, code, body, doc) VALUES ($1, $2, $3, $4)`,
			p.Election, p.Code, p.Body, doc)
		return wrap(err, "store position")
	})
	if err != nil {
		return iltod.Event{}, internal(wrap(err, "put position"))
	}
	return ev, nil
}

// Positions returns an election's positions by code; see iltod.IncidentStore.
func (s *Store) Positions(ctx context.Context, election string) ([]iltod.ActorPosition, error) {
	return docs[iltod.ActorPosition](ctx, s, election, `SELECT doc FROM actor_positions WHERE election = $1 ORDER BY code`)
}

// PutOccupancy stores or replaces an occupancy with its event; see iltod.IncidentStore.
func (s *Store) PutOccupancy(ctx context.Context, o iltod.Occupancy, ev iltod.Event) (iltod.Event, error) {
	o.Start, o.End = o.Start.UTC(), o.End.UTC()
	err := s.writeTx(ctx, func(tx *tx) error {
		if err := electionExists(ctx, tx, o.Election); err != nil {
			return err
		}
		if err := actorExists(ctx, tx, o.Election, o.Actor); err != nil {
			return err
		}
		if err := exists(ctx, tx, `SELECT count(*) FROM actor_positions WHERE election = $1 AND code = $2`, o.Election, o.Position,
			iltod.E(iltod.ENotFound, "error.incident.position_not_found", locales.Args{"Code": o.Position})); err != nil {
			return err
		}
		var doc []byte
		var err error
		if ev, doc, err = recordEvent(ctx, tx, o.Election, "occupancy/"+o.Actor+"/"+o.Position, o, ev); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM occupancies WHERE election = $1 AND actor = $2 AND position = $3 AND start = $4`,
			o.Election, o.Actor, o.Position, formatTime(o.Start)); err != nil {
			return fmt.Errorf("replace occupancy: %w", err)
		}
		_, err = tx.ExecContext(ctx, `INSERT INTO occupancies (election, actor, position, start, doc) VALUES ($1, $2, $3, $4, $5)`,
			o.Election, o.Actor, o.Position, formatTime(o.Start), doc)
		return wrap(err, "store occupancy")
	})
	if err != nil {
		return iltod.Event{}, internal(wrap(err, "put occupancy"))
	}
	return ev, nil
}

// Occupancies returns an election's occupancies; see iltod.IncidentStore.
func (s *Store) Occupancies(ctx context.Context, election string) ([]iltod.Occupancy, error) {
	return docs[iltod.Occupancy](ctx, s, election, `SELECT doc FROM occupancies WHERE election = $1 ORDER BY actor, position, start`)
}

// utcIncident returns in with its times in UTC, as the store keeps them.
func utcIncident(in iltod.IncidentRecord) iltod.IncidentRecord {
	in.Start, in.End, in.Reported = in.Start.UTC(), in.End.UTC(), in.Reported.UTC()
	return in
}
