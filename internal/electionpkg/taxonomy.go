package electionpkg

import (
	"bytes"
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/incident"
)

// TaxonomyFile is the optional file of an election package that replaces the default
// incident taxonomy (package incident describes its format).
const TaxonomyFile = "taxonomy.yaml"

// ReadTaxonomy returns the incident taxonomy of the package in dir: its taxonomy.yaml
// if it has one, else the default. A taxonomy.yaml that does not parse is an error
// (incident.Parse's), never a silent fall-back to the default.
func ReadTaxonomy(dir string) (*incident.Taxonomy, error) {
	f, err := os.Open(filepath.Join(dir, TaxonomyFile))
	if errors.Is(err, fs.ErrNotExist) {
		return incident.Default(), nil
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return incident.Parse(f)
}

// readTaxonomy reads the package's taxonomy.yaml, if it has one, into the election
// (iltod.Election.Taxonomy), so that the taxonomy is stored with it. A file that does
// not parse is a problem of the package.
func (r *reader) readTaxonomy() {
	if _, err := fs.Stat(r.fsys, TaxonomyFile); errors.Is(err, fs.ErrNotExist) {
		return
	}
	data, ok := r.readFile(TaxonomyFile)
	if !ok {
		return
	}
	t, err := incident.Parse(bytes.NewReader(data))
	if err == nil {
		r.pkg.Election.Taxonomy, err = t.JSON()
	}
	if err != nil {
		var e *iltod.Error
		if !errors.As(err, &e) || e.Key == "" {
			r.ps.msg(TaxonomyFile, 0, "", "error.package.cannot_read", "Err", err)
			return
		}
		var pairs []any
		for k, v := range e.Data {
			pairs = append(pairs, k, v)
		}
		r.ps.msg(TaxonomyFile, 0, "", e.Key, pairs...)
	}
}

// taxonomyYAML renders an election's taxonomy back as the taxonomy.yaml it came from:
// category codes local to their group, as incident.Parse reads them.
func taxonomyYAML(raw []byte) ([]byte, error) {
	t, err := incident.FromJSON(raw)
	if err != nil {
		return nil, err
	}
	for gi := range t.Groups {
		g := &t.Groups[gi]
		for ci := range g.Categories {
			g.Categories[ci].Code = strings.TrimPrefix(g.Categories[ci].Code, g.Code+".")
		}
	}
	return toYAML(t, "")
}
