package sqlstore_test

import (
	"context"
	"testing"

	"github.com/iltod/iltod/internal/electionpkg"
	"github.com/iltod/iltod/internal/incident"
)

// TestElectionTaxonomy stores an election that carries its package's incident taxonomy
// and reads it back: in both stores it is the same taxonomy, whatever JSON's key order
// the database keeps.
func TestElectionTaxonomy(t *testing.T) {
	each(t, func(t *testing.T, b backend) {
		ctx := context.Background()
		s, err := b.open(ctx, b.fresh(t))
		if err != nil {
			t.Fatal(err)
		}
		defer s.Close()
		p, err := electionpkg.ReadDir("../../docs/example")
		if err != nil {
			t.Fatal(err)
		}
		want, err := incident.Default().JSON()
		if err != nil {
			t.Fatal(err)
		}
		p.Election.Taxonomy = want
		if err := s.CreateElection(ctx, p, false); err != nil {
			t.Fatal(err)
		}
		e, err := s.Election(ctx, p.Election.ID)
		if err != nil {
			t.Fatal(err)
		}
		tax, err := incident.FromJSON(e.Taxonomy)
		if err != nil {
			t.Fatalf("the stored taxonomy %s: %v", e.Taxonomy, err)
		}
		if got, _ := tax.JSON(); string(got) != string(want) {
			t.Errorf("stored %s, want %s", got, want)
		}
	})
}
