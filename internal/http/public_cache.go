package http

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/app"
)

// The public site's data, kept stale-while-revalidate.
//
// The page cache renders a page again every pageCacheTTL, and readers of that page wait
// for the render. The data a render reads comes from internal/app, whose inputs expire
// every two seconds too; reloading them takes tens of milliseconds on the demo and more on
// a busy election night, and whoever asks first waits for it. On the request path that
// wait would fall on every reader who arrives meanwhile. So the site keeps what it read
// from app here, and once a value is older than publicDataTTL it is served as it is while
// one goroutine reloads it: renders never wait for app after the first, and a page shows
// data at most publicDataTTL plus one reload old.

// Lifetimes of the site's data.
const (
	// publicDataTTL is the age after which a value is reloaded in the background.
	publicDataTTL = 2 * time.Second
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

// publicData is what the site reads from internal/app, each kind in its own cache.
type publicData struct {
	elections  staleCache[*publicElection]
	snapshots  staleCache[*areaSnapshot]
	reports    staleCache[*analysis.Report]
	coverage   staleCache[map[string]app.AreaCoverage]
	comparison staleCache[[]analysis.StationComparison]
	incidents  staleCache[[]app.IncidentSummary]
	releases   staleCache[[]iltod.OfficialRelease]
}

// reloadFailed logs a failed background reload; the page goes on showing the last data.
func (ps *publicSite) reloadFailed(err error) {
	ps.s.log.Error("public site: reload data", "err", err)
}

// election returns the election id with its contests. It returns an *iltod.Error with
// code ENotFound if there is no such election.
func (ps *publicSite) election(ctx context.Context, id string) (*publicElection, error) {
	if !iltod.ValidElectionID(id) {
		return nil, iltod.Errorf(iltod.ENotFound, "no election %q", id)
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
	return ps.cache.snapshots.get(ctx, election, func(ctx context.Context) (*areaSnapshot, error) {
		return ps.s.areas.get(ctx, election, func(ctx context.Context) (*areaSnapshot, error) {
			return buildAreaSnapshot(ctx, ps.s.app, election)
		})
	}, ps.reloadFailed)
}

// analyze returns the analysis of an election with opt. Callers MUST NOT modify it.
func (ps *publicSite) analyze(ctx context.Context, election string, opt analysis.Options) (*analysis.Report, error) {
	key := election + "\x00" + opt.Area + "\x00" + opt.Contest + "\x00" + strconv.FormatBool(opt.NoForensics)
	return ps.cache.reports.get(ctx, key, func(ctx context.Context) (*analysis.Report, error) {
		return ps.s.app.Analyze(ctx, election, opt)
	}, ps.reloadFailed)
}

// coverage returns the election's reporting coverage by area code.
func (ps *publicSite) coverage(ctx context.Context, election string) (map[string]app.AreaCoverage, error) {
	return ps.cache.coverage.get(ctx, election, func(ctx context.Context) (map[string]app.AreaCoverage, error) {
		list, err := ps.s.app.Coverage(ctx, election)
		if err != nil {
			return nil, err
		}
		m := make(map[string]app.AreaCoverage, len(list))
		for _, c := range list {
			m[c.Area] = c
		}
		return m, nil
	}, ps.reloadFailed)
}

// comparison returns the station-by-station comparison of the election.
func (ps *publicSite) comparison(ctx context.Context, election string) ([]analysis.StationComparison, error) {
	return ps.cache.comparison.get(ctx, election, func(ctx context.Context) ([]analysis.StationComparison, error) {
		return ps.s.app.Comparison(ctx, election)
	}, ps.reloadFailed)
}

// incidentCounts returns the election's incident counts.
func (ps *publicSite) incidentCounts(ctx context.Context, election string) ([]app.IncidentSummary, error) {
	return ps.cache.incidents.get(ctx, election, func(ctx context.Context) ([]app.IncidentSummary, error) {
		return ps.s.app.Incidents(ctx, election)
	}, ps.reloadFailed)
}

// releases returns the election's official releases.
func (ps *publicSite) releases(ctx context.Context, election string) ([]iltod.OfficialRelease, error) {
	return ps.cache.releases.get(ctx, election, func(ctx context.Context) ([]iltod.OfficialRelease, error) {
		return ps.s.app.OfficialReleases(ctx, election)
	}, ps.reloadFailed)
}
