package http

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/locales"
)

// What the public site reads on every request, before the page cache: the election (to
// choose the page's language and check the query) and its area snapshot (to check ?area=).
//
// The page cache renders pages again in the background, so a render may wait for
// internal/app without any reader waiting. These two lookups run on every request, though,
// and the stores' own caches make whoever comes first after they expire wait for a reload
// (the area snapshot reads every station: tens of milliseconds). So the site keeps them
// here, and once a value is older than publicDataTTL it is served as it is while one
// goroutine reloads it: after the first request no reader waits for the store.

// Lifetimes of the site's data.
const (
	// publicDataTTL is the age after which a value is reloaded in the background: that of
	// a rendered page.
	publicDataTTL = pageCacheTTL
	// publicDataMaxStale is the age beyond which a value is no longer served while it
	// is reloaded: the reader waits for a fresh one. It bounds how stale a page can be
	// when reloads keep failing.
	publicDataMaxStale = time.Minute
	// publicLoadTimeout bounds one load.
	publicLoadTimeout = time.Minute
	// publicRetryAfter is how long after a failed reload the next is tried.
	publicRetryAfter = time.Second
	// publicCacheKeys bounds the keys of one cache; beyond it the cache is emptied.
	publicCacheKeys = 10_000
)

// staleCache keeps values by key, loading each once and then reloading it in the
// background when it is older than publicDataTTL. It is safe for concurrent use.
type staleCache[T any] struct {
	// ttl and maxStale override publicDataTTL and publicDataMaxStale when set (tests).
	ttl, maxStale time.Duration

	mu sync.Mutex
	m  map[string]*staleEntry[T]
}

// staleEntry is one value, or its first load in progress. val, err and at are set before
// ready is closed and never change afterwards; loading and retry are guarded by the
// cache's mutex.
type staleEntry[T any] struct {
	ready   chan struct{}
	val     T
	err     error
	at      time.Time
	loading bool
	retry   time.Time
}

// fresh returns the value of key if it is loaded and younger than publicDataTTL, as get
// would return it without loading anything: the readers' path, which then needs no load
// function made for it.
func (c *staleCache[T]) fresh(key string) (T, bool) {
	ttl := publicDataTTL
	if c.ttl > 0 {
		ttl = c.ttl
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if e := c.m[key]; e != nil {
		select {
		case <-e.ready:
			if e.err == nil && time.Since(e.at) < ttl {
				return e.val, true
			}
		default:
		}
	}
	var zero T
	return zero, false
}

// get returns the value of key, loading it with load if there is none (or if it is older
// than publicDataMaxStale), and starting a background reload if it is older than
// publicDataTTL. A failed load is not kept: the next get tries again. A failed background
// reload is passed to failed and the old value kept.
func (c *staleCache[T]) get(ctx context.Context, key string, load func(context.Context) (T, error), failed func(error)) (T, error) {
	ttl, maxStale := publicDataTTL, publicDataMaxStale
	if c.ttl > 0 {
		ttl, maxStale = c.ttl, c.maxStale
	}
	now := time.Now()
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*staleEntry[T]{}
	}
	if e := c.m[key]; e != nil {
		select {
		case <-e.ready:
			age := now.Sub(e.at)
			if age < ttl {
				c.mu.Unlock()
				return e.val, nil
			}
			if age < maxStale {
				if !e.loading && now.After(e.retry) {
					e.loading = true
					go c.reload(key, e, load, failed)
				}
				c.mu.Unlock()
				return e.val, nil
			}
		default:
			c.mu.Unlock()
			select {
			case <-e.ready:
				return e.val, e.err
			case <-ctx.Done():
				var zero T
				return zero, ctx.Err()
			}
		}
	}
	if len(c.m) >= publicCacheKeys {
		clear(c.m)
	}
	e := &staleEntry[T]{ready: make(chan struct{})}
	c.m[key] = e
	c.mu.Unlock()

	// The load must finish for every reader waiting for it, even if this one goes away.
	lctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), publicLoadTimeout)
	defer cancel()
	v, err := load(lctx)
	c.mu.Lock()
	e.val, e.err, e.at = v, err, time.Now()
	if err != nil && c.m[key] == e {
		delete(c.m, key)
	}
	c.mu.Unlock()
	close(e.ready)
	return v, err
}

// reload loads key again in the background and replaces old with the new value.
func (c *staleCache[T]) reload(key string, old *staleEntry[T], load func(context.Context) (T, error), failed func(error)) {
	ctx, cancel := context.WithTimeout(context.Background(), publicLoadTimeout)
	defer cancel()
	v, err := load(ctx)
	c.mu.Lock()
	defer c.mu.Unlock()
	old.loading = false
	if err != nil {
		old.retry = time.Now().Add(publicRetryAfter)
		failed(err)
		return
	}
	if c.m[key] == old {
		e := &staleEntry[T]{ready: make(chan struct{}), val: v, at: time.Now()}
		close(e.ready)
		c.m[key] = e
	}
}

// publicData is what the site keeps of internal/app, each kind in its own cache.
type publicData struct {
	elections staleCache[*publicElection]
	snapshots staleCache[*areaSnapshot]
}

// reloadFailed logs a failed background reload; the site goes on with the last value.
func (ps *publicSite) reloadFailed(err error) {
	ps.s.log.Error("public site: reload data", "err", err)
}

// election returns the election id with its contests. It returns an *iltod.Error with
// code ENotFound if there is no such election.
func (ps *publicSite) election(ctx context.Context, id string) (*publicElection, error) {
	// Only a valid id is ever kept, so a kept one needs no check.
	if pe, ok := ps.cache.elections.fresh(id); ok {
		return pe, nil
	}
	if !iltod.ValidElectionID(id) {
		return nil, iltod.E(iltod.ENotFound, "error.no_election", locales.Args{"Election": strconv.Quote(id)})
	}
	return ps.cache.elections.get(ctx, id, func(ctx context.Context) (*publicElection, error) {
		e, err := ps.s.app.Election(ctx, id)
		if err != nil {
			return nil, err
		}
		cs, err := ps.s.app.Contests(ctx, id)
		if err != nil {
			return nil, err
		}
		return newPublicElection(e, cs), nil
	}, ps.reloadFailed)
}

// snapshot returns the election's area snapshot (areas.go), shared with the API's cache.
func (ps *publicSite) snapshot(ctx context.Context, election string) (*areaSnapshot, error) {
	if snap, ok := ps.cache.snapshots.fresh(election); ok {
		return snap, nil
	}
	return ps.cache.snapshots.get(ctx, election, func(ctx context.Context) (*areaSnapshot, error) {
		return ps.s.areas.get(ctx, election, func(ctx context.Context) (*areaSnapshot, error) {
			return buildAreaSnapshot(ctx, ps.s.app, election)
		})
	}, ps.reloadFailed)
}
