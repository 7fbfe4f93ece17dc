package http

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
)

// areaCacheTTL is how long an area snapshot is reused. It equals the max-age clients are
// told to cache public data for, so the cache shows a replaced election no later than a
// browser or CDN would.
const areaCacheTTL = 5 * time.Second

// areaBuildTimeout bounds the building of one snapshot. The build does not stop when the
// request that started it is abandoned, since other requests may be waiting for it.
const areaBuildTimeout = 2 * time.Minute

// areaSnapshot is an election's area tree with, for each area, the stations at or below it
// and their registered voters. It is immutable once built, so requests share it freely.
type areaSnapshot struct {
	areas      []iltod.Area // in load order
	index      *iltod.AreaIndex
	pos        map[string]int // area code → index in areas
	stations   []int          // stations at or below areas[i]
	registered []int64        // registered voters at or below areas[i]
	root       *areaNode      // the tree from the country down; nil if there are no areas
}

// areaNode is one node of the area tree as the API returns it.
type areaNode struct {
	Code       string       `json:"code"`
	Level      iltod.Level  `json:"level"`
	Name       iltod.Text   `json:"name"`
	Location   *iltod.Point `json:"location,omitempty"`
	Stations   int          `json:"stations"`
	Registered int64        `json:"registered"`
	Children   []*areaNode  `json:"children"`
}

// areaTotals is an area with its station totals, as the flat list and lists of children
// return it.
type areaTotals struct {
	iltod.Area
	Stations   int   `json:"stations"`
	Registered int64 `json:"registered"`
}

// areaRef names an area in a path of ancestors.
type areaRef struct {
	Code  string      `json:"code"`
	Level iltod.Level `json:"level"`
	Name  iltod.Text  `json:"name"`
}

// buildAreaSnapshot reads an election's areas and every one of its stations through a. It
// costs one pass over the stations, a page of iltod.MaxStationLimit at a time.
func buildAreaSnapshot(ctx context.Context, a *app.App, election string) (*areaSnapshot, error) {
	areas, err := a.Areas(ctx, election)
	if err != nil {
		return nil, err
	}
	snap := &areaSnapshot{
		areas:      areas,
		index:      iltod.NewAreaIndex(areas),
		pos:        make(map[string]int, len(areas)),
		stations:   make([]int, len(areas)),
		registered: make([]int64, len(areas)),
	}
	for i, ar := range areas {
		snap.pos[ar.Code] = i
	}
	type direct struct {
		stations   int
		registered int64
	}
	byArea := map[string]direct{}
	for after := ""; ; {
		page, err := a.Stations(ctx, election, iltod.StationQuery{After: after, Limit: iltod.MaxStationLimit})
		if err != nil {
			return nil, err
		}
		for _, st := range page {
			d := byArea[st.Area]
			d.stations++
			d.registered += int64(st.Registered)
			byArea[st.Area] = d
		}
		if len(page) < iltod.MaxStationLimit {
			break
		}
		after = page[len(page)-1].Code
	}
	for code, d := range byArea {
		for _, c := range snap.index.Path(code) {
			if i, ok := snap.pos[c]; ok {
				snap.stations[i] += d.stations
				snap.registered[i] += d.registered
			}
		}
	}
	for _, code := range snap.index.Children("") {
		if i := snap.pos[code]; areas[i].Level == iltod.LevelCountry {
			snap.root = snap.node(code, map[string]bool{})
			break
		}
	}
	return snap, nil
}

// node builds the subtree under code. seen guards against a cycle, which a validated
// package cannot hold but which must not hang the server if one ever did.
func (snap *areaSnapshot) node(code string, seen map[string]bool) *areaNode {
	seen[code] = true
	i := snap.pos[code]
	ar := &snap.areas[i]
	n := &areaNode{
		Code: ar.Code, Level: ar.Level, Name: ar.Name, Location: ar.Location,
		Stations: snap.stations[i], Registered: snap.registered[i],
		Children: []*areaNode{},
	}
	for _, c := range snap.index.Children(code) {
		if !seen[c] {
			n.Children = append(n.Children, snap.node(c, seen))
		}
	}
	return n
}

// totals returns the area at index i with its totals.
func (snap *areaSnapshot) totals(i int) areaTotals {
	return areaTotals{Area: snap.areas[i], Stations: snap.stations[i], Registered: snap.registered[i]}
}

// refs returns references to the areas with the given codes, skipping unknown codes.
func (snap *areaSnapshot) refs(codes []string) []areaRef {
	out := make([]areaRef, 0, len(codes))
	for _, c := range codes {
		if i, ok := snap.pos[c]; ok {
			ar := &snap.areas[i]
			out = append(out, areaRef{Code: ar.Code, Level: ar.Level, Name: ar.Name})
		}
	}
	return out
}

// areaCache keeps one areaSnapshot per election for areaCacheTTL. Concurrent requests for
// the same election share a single build. Failed builds are not kept. It is safe for
// concurrent use.
type areaCache struct {
	ttl time.Duration
	now func() time.Time

	mu      sync.Mutex
	entries map[string]*areaEntry
}

// areaEntry is one election's snapshot, or the build of it in progress: snap and err are
// set before ready is closed and never change afterwards.
type areaEntry struct {
	ready   chan struct{}
	snap    *areaSnapshot
	err     error
	expires time.Time
}

func newAreaCache(ttl time.Duration) *areaCache {
	return &areaCache{ttl: ttl, now: time.Now, entries: map[string]*areaEntry{}}
}

// get returns the snapshot of election, building it with build if none is fresh. It
// returns ctx's error if ctx ends while it waits.
func (c *areaCache) get(ctx context.Context, election string, build func(context.Context) (*areaSnapshot, error)) (*areaSnapshot, error) {
	c.mu.Lock()
	now := c.now()
	e, ok := c.entries[election]
	if ok && e.fresh(now) {
		c.mu.Unlock()
		return e.wait(ctx)
	}
	for id, old := range c.entries {
		if !old.fresh(now) {
			delete(c.entries, id)
		}
	}
	e = &areaEntry{ready: make(chan struct{})}
	c.entries[election] = e
	c.mu.Unlock()

	go func() {
		bctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), areaBuildTimeout)
		defer cancel()
		snap, err := build(bctx)
		if err != nil {
			err = fmt.Errorf("build area snapshot of %s: %w", election, err)
		}
		c.mu.Lock()
		e.snap, e.err, e.expires = snap, err, c.now().Add(c.ttl)
		if err != nil && c.entries[election] == e {
			delete(c.entries, election)
		}
		c.mu.Unlock()
		close(e.ready)
	}()
	return e.wait(ctx)
}

// fresh reports whether e is still being built or has not yet expired. c.mu must be held.
func (e *areaEntry) fresh(now time.Time) bool {
	select {
	case <-e.ready:
		return e.err == nil && now.Before(e.expires)
	default:
		return true
	}
}

func (e *areaEntry) wait(ctx context.Context) (*areaSnapshot, error) {
	select {
	case <-e.ready:
		return e.snap, e.err
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
