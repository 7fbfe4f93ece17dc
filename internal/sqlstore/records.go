package sqlstore

import (
	"encoding/json"
	"strings"

	"github.com/iltod/iltod"
)

// records is a package encoded for storage: the JSON of each record, and the path of
// each area and station. It is built before the write transaction begins, so that the
// database is locked only while rows are inserted.
type records struct {
	p                          *iltod.Package
	election                   string
	areas, areaPaths           []string
	stations, stationPaths     []string
	contests, observers, forms []string
}

func encodePackage(p *iltod.Package) (*records, error) {
	r := &records{p: p}
	b, err := json.Marshal(&p.Election)
	if err != nil {
		return nil, err
	}
	r.election = string(b)
	ix := iltod.NewAreaIndex(p.Areas)
	paths := make(map[string]string, len(p.Areas))
	path := func(area string) string {
		if v, ok := paths[area]; ok {
			return v
		}
		v := "/" + strings.Join(ix.Path(area), "/") + "/"
		paths[area] = v
		return v
	}
	r.areaPaths = make([]string, len(p.Areas))
	for i := range p.Areas {
		r.areaPaths[i] = path(p.Areas[i].Code)
	}
	r.stationPaths = make([]string, len(p.Stations))
	for i := range p.Stations {
		r.stationPaths[i] = path(p.Stations[i].Area)
	}
	if r.areas, err = encodeAll(p.Areas); err != nil {
		return nil, err
	}
	if r.stations, err = encodeAll(p.Stations); err != nil {
		return nil, err
	}
	if r.contests, err = encodeAll(p.Contests); err != nil {
		return nil, err
	}
	if r.observers, err = encodeAll(p.Observers); err != nil {
		return nil, err
	}
	if r.forms, err = encodeAll(p.Forms); err != nil {
		return nil, err
	}
	return r, nil
}

// encodeAll returns the JSON of each of vs, as text: SQLite keeps a string as TEXT.
func encodeAll[T any](vs []T) ([]string, error) {
	out := make([]string, len(vs))
	for i := range vs {
		b, err := json.Marshal(&vs[i])
		if err != nil {
			return nil, err
		}
		out[i] = string(b)
	}
	return out, nil
}

// pathRange returns the bounds lo <= path < hi of the paths that start with prefix, a path
// ending in '/': hi is prefix with that '/' replaced by the next byte, '0'. Comparing with
// bounds rather than LIKE needs no escaping and uses the index on path. (On PostgreSQL
// the path column has the "C" collation, so the bounds compare bytes.)
func pathRange(prefix string) (lo, hi string) {
	if prefix == "" {
		return "", ""
	}
	return prefix, prefix[:len(prefix)-1] + "0"
}
