package postgres

import (
	"encoding/json"
	"strings"

	"github.com/iltod/iltod"
)

// records is a package encoded for storage: the JSON of each record, and the path of
// each area and station. It is built before the write transaction begins, so that the
// transaction lasts only as long as the copy.
type records struct {
	p                          *iltod.Package
	election                   []byte
	areas, stations            [][]byte
	contests, observers, forms [][]byte
	areaPaths, stationPaths    []string
}

func encodePackage(p *iltod.Package) (*records, error) {
	r := &records{p: p}
	var err error
	if r.election, err = json.Marshal(&p.Election); err != nil {
		return nil, err
	}
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

func encodeAll[T any](vs []T) ([][]byte, error) {
	out := make([][]byte, len(vs))
	for i := range vs {
		b, err := json.Marshal(&vs[i])
		if err != nil {
			return nil, err
		}
		out[i] = b
	}
	return out, nil
}

// pathRange returns the bounds lo <= path < hi of the paths that start with prefix, a path
// ending in '/': hi is prefix with that '/' replaced by the next byte, '0'. The path
// column has the "C" collation, so the bounds compare bytes; unlike LIKE they need no
// escaping, and they use the index on path.
func pathRange(prefix string) (lo, hi string) {
	return prefix, prefix[:len(prefix)-1] + "0"
}
