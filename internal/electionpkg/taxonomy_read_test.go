package electionpkg_test

import (
	"errors"
	"strings"
	"testing"
	"testing/fstest"

	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/incident"
)

// examplePackageFS returns the example package's files in memory, plus extra.
func examplePackageFS(t *testing.T, extra map[string]string) fstest.MapFS {
	t.Helper()
	m := example(t)
	for k, v := range extra {
		m[k] = &fstest.MapFile{Data: []byte(v)}
	}
	return m
}

// TestReadPackageTaxonomy reads a package with a taxonomy.yaml: the election carries
// it, the package's files written back hold it again, and a bad one is a problem of
// the package, located in its file.
func TestReadPackageTaxonomy(t *testing.T) {
	p, err := electionpkg.Read(examplePackageFS(t, nil))
	if err != nil {
		t.Fatal(err)
	}
	if p.Election.Taxonomy != nil {
		t.Errorf("a package without taxonomy.yaml carries %s", p.Election.Taxonomy)
	}
	own := "version: 1\nseverities: [{code: low, label: {en: Low, mn: Бага}}]\n" +
		"groups: [{code: local, label: {en: Local, mn: Орон нутаг}, categories: [{code: noise, label: {en: Noise, mn: Чимээ}}]}]\n"
	p, err = electionpkg.Read(examplePackageFS(t, map[string]string{electionpkg.TaxonomyFile: own}))
	if err != nil {
		t.Fatal(err)
	}
	tax, err := incident.FromJSON(p.Election.Taxonomy)
	if err != nil {
		t.Fatalf("the election's taxonomy: %v", err)
	}
	if _, ok := tax.Category("local.noise"); !ok {
		t.Errorf("taxonomy %+v lacks local.noise", tax)
	}
	files, err := electionpkg.Files(p)
	if err != nil {
		t.Fatal(err)
	}
	back := fstest.MapFS{}
	for _, f := range files {
		back[f.Name] = &fstest.MapFile{Data: f.Data}
	}
	if back[electionpkg.TaxonomyFile] == nil {
		t.Fatal("the written package has no taxonomy.yaml")
	}
	again, err := electionpkg.Read(back)
	if err != nil {
		t.Fatalf("read the written package: %v", err)
	}
	if string(again.Election.Taxonomy) != string(p.Election.Taxonomy) {
		t.Errorf("round trip:\n%s\n%s", again.Election.Taxonomy, p.Election.Taxonomy)
	}

	_, err = electionpkg.Read(examplePackageFS(t, map[string]string{electionpkg.TaxonomyFile: "version: 2\n"}))
	var pe *electionpkg.Error
	if !errors.As(err, &pe) || len(pe.Problems) != 1 || pe.Problems[0].File != electionpkg.TaxonomyFile || !strings.Contains(pe.Problems[0].Message, "version 2") {
		t.Errorf("a bad taxonomy.yaml: %v", err)
	}
}
