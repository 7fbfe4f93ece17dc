package app

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/analysis"
	"github.com/iltod/iltod/internal/incident"
	"github.com/iltod/iltod/internal/qa"
)

// electionTTL bounds how long an election's reference data is cached. Within one process
// LoadPackage drops the cache at once; the TTL covers a reload by another instance.
const electionTTL = 30 * time.Second

// election is an election's reference data, indexed for intake: read once, shared by all
// requests, never modified after it is built.
type election struct {
	e         iltod.Election
	areas     *iltod.AreaIndex
	stations  map[string]*iltod.Station
	contests  []iltod.Contest
	observers map[string]*iltod.Observer
	// byPhone maps a phone number to the codes of the observers who have it, in load
	// order: one, or several who share the phone (each with a PIN).
	byPhone map[string][]string
	// supervised maps a supervisor's code to the stations of the observers they supervise.
	supervised map[string]map[string]bool
	forms      map[formKey]*iltod.Form
	loaded     time.Time
	// areaList and stationOrder keep the package's order, which a sampling frame follows.
	areaList      []iltod.Area
	stationOrder  []string
	observerOrder []string

	// taxonomy is the election's incident taxonomy (App.Taxonomy), read once.
	taxonomyOnce sync.Once
	taxonomy     *incident.Taxonomy
	taxonomyErr  error

	analysisOnce sync.Once
	analysis     *analysis.Election
	analysisErr  error

	sheets sync.Map // sheetKey → *qa.Sheet
}

type formKey struct {
	code    string
	version int
}

type sheetKey struct {
	station string
	form    formKey
}

type electionCache struct {
	mu sync.Mutex
	m  map[string]*election
}

func (c *electionCache) drop(id string) {
	c.mu.Lock()
	delete(c.m, id)
	c.mu.Unlock()
}

// election returns the reference data of election id, loading it if needed.
func (a *App) election(ctx context.Context, id string) (*election, error) {
	c := &a.cache
	c.mu.Lock()
	el, ok := c.m[id]
	c.mu.Unlock()
	if ok && a.now().Sub(el.loaded) < electionTTL {
		return el, nil
	}
	p, err := iltod.LoadPackage(ctx, a.store, id)
	if err != nil {
		return nil, err
	}
	el = indexElection(p, a.now())
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]*election{}
	}
	c.m[id] = el
	c.mu.Unlock()
	return el, nil
}

func indexElection(p *iltod.Package, now time.Time) *election {
	el := &election{
		e:          p.Election,
		areas:      iltod.NewAreaIndex(p.Areas),
		stations:   make(map[string]*iltod.Station, len(p.Stations)),
		contests:   p.Contests,
		observers:  make(map[string]*iltod.Observer, len(p.Observers)),
		byPhone:    make(map[string][]string, len(p.Observers)),
		supervised: map[string]map[string]bool{},
		forms:      map[formKey]*iltod.Form{},
		loaded:     now,
	}
	el.areaList = p.Areas
	for i := range p.Stations {
		el.stations[p.Stations[i].Code] = &p.Stations[i]
		el.stationOrder = append(el.stationOrder, p.Stations[i].Code)
	}
	for i := range p.Observers {
		o := &p.Observers[i]
		el.observers[o.Code] = o
		el.observerOrder = append(el.observerOrder, o.Code)
		for _, ph := range o.Phones {
			el.byPhone[ph] = append(el.byPhone[ph], o.Code)
		}
		if o.Supervisor != "" {
			set := el.supervised[o.Supervisor]
			if set == nil {
				set = map[string]bool{}
				el.supervised[o.Supervisor] = set
			}
			for _, s := range o.Stations {
				set[s] = true
			}
		}
	}
	for i := range p.Forms {
		f := &p.Forms[i]
		el.forms[formKey{f.Code, f.Version}] = f
	}
	return el
}

// mayReport reports whether observer o may report for station: it is assigned to o, or
// o supervises an observer assigned to it.
func (el *election) mayReport(o *iltod.Observer, station string) bool {
	for _, s := range o.Stations {
		if s == station {
			return true
		}
	}
	return o.Role == iltod.Supervisor && el.supervised[o.Code][station]
}

// sheet returns the form as it applies at a station, cached.
func (el *election) sheet(f *iltod.Form, st *iltod.Station) (*qa.Sheet, error) {
	k := sheetKey{st.Code, formKey{f.Code, f.Version}}
	if s, ok := el.sheets.Load(k); ok {
		return s.(*qa.Sheet), nil
	}
	s, err := qa.Expand(f, *st, el.contests, el.areas)
	if err != nil {
		return nil, fmt.Errorf("form %s v%d at station %s: %w", f.Code, f.Version, st.Code, err)
	}
	el.sheets.Store(k, s)
	return s, nil
}

// latestForm returns the latest version of a form.
func (el *election) latestForm(code string) (*iltod.Form, bool) {
	var best *iltod.Form
	for k, f := range el.forms {
		if k.code == code && (best == nil || f.Version > best.Version) {
			best = f
		}
	}
	return best, best != nil
}

// resultsForms returns the codes of the forms whose latest version counts results, sorted.
func (el *election) resultsForms() []string {
	var out []string
	for k := range el.forms {
		f, _ := el.latestForm(k.code)
		if f.Version != k.version || slices.Contains(out, k.code) {
			continue
		}
		for _, q := range f.Questions {
			if q.Count != "" {
				out = append(out, k.code)
				break
			}
		}
	}
	slices.Sort(out)
	return out
}

// formCodes returns the codes of the election's forms, sorted, each once.
func (el *election) formCodes() []string {
	var out []string
	for k := range el.forms {
		if !slices.Contains(out, k.code) {
			out = append(out, k.code)
		}
	}
	slices.Sort(out)
	return out
}
