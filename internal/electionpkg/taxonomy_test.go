package electionpkg

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/iltod/iltod"
)

func TestReadTaxonomy(t *testing.T) {
	dir := t.TempDir()
	tx, err := ReadTaxonomy(dir)
	if err != nil {
		t.Fatalf("ReadTaxonomy without a file: %v", err)
	}
	if _, ok := tx.Category("election.vote_buying"); !ok {
		t.Error("without a file, the default taxonomy is not used")
	}
	own := "version: 1\nseverities: [{code: low, label: {en: Low, mn: Бага}}]\n" +
		"groups: [{code: local, label: {en: Local}, categories: [{code: noise, label: {en: Noise}}]}]\n"
	if err := os.WriteFile(filepath.Join(dir, TaxonomyFile), []byte(own), 0o600); err != nil {
		t.Fatal(err)
	}
	tx, err = ReadTaxonomy(dir)
	if err != nil {
		t.Fatalf("ReadTaxonomy: %v", err)
	}
	if _, ok := tx.Category("local.noise"); !ok {
		t.Error("the package's own category is missing")
	}
	if _, ok := tx.Category("election.vote_buying"); ok {
		t.Error("the package's taxonomy is merged with the default; it should replace it")
	}
	if err := os.WriteFile(filepath.Join(dir, TaxonomyFile), []byte("version: 2\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadTaxonomy(dir); iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("a bad taxonomy.yaml: %v, want EInvalid", err)
	}
}
