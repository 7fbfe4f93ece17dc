package electionpkg

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"

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
