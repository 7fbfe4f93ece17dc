package synth_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/synth"
)

func TestPackageValidates(t *testing.T) {
	for _, n := range []int{0, 1, 2, 49, 50, 777, 4001, 25_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := synth.Package(n, int64(n)+7)
			if err := p.Validate(); err != nil {
				t.Fatalf("Validate: %v", err)
			}
			if got := len(p.Stations); got != n {
				t.Errorf("got %d stations, want %d", got, n)
			}
			sum := p.Summarize()
			for _, l := range iltod.Levels {
				if sum.ByLevel[l] == 0 {
					t.Errorf("no area of level %s", l)
				}
			}
			for _, k := range []iltod.SystemKind{iltod.FPTP, iltod.BlockVote, iltod.TwoRound, iltod.ListPR} {
				if sum.BySystem[string(k)] == 0 {
					t.Errorf("no contest with system %s", k)
				}
			}
			kinds := map[iltod.FormKind]bool{}
			for _, f := range p.Forms {
				kinds[f.Kind] = true
			}
			if len(kinds) != 3 || len(p.Forms) != 5 {
				t.Errorf("forms: %d of kinds %v, want 5 forms of 3 kinds", len(p.Forms), kinds)
			}
			sh := synth.ShapeFor(n)
			if want := 1 + sh.Regions*(1+sh.DistrictsPerRegion*(1+sh.SubdistrictsPerDistrict)); len(p.Areas) != want {
				t.Errorf("got %d areas, want %d for shape %+v", len(p.Areas), want, sh)
			}
		})
	}
}

func TestPackageDeterministic(t *testing.T) {
	enc := func(p *iltod.Package) string {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	a, b := enc(synth.Package(500, 42)), enc(synth.Package(500, 42))
	if a != b {
		t.Error("two packages from the same seed differ")
	}
	if c := enc(synth.Package(500, 43)); c == a {
		t.Error("packages from different seeds are identical")
	}
}

func TestStationCodesShuffled(t *testing.T) {
	p := synth.Package(1000, 1)
	codes := make([]string, len(p.Stations))
	for i, s := range p.Stations {
		codes[i] = s.Code
	}
	if slices.IsSorted(codes) {
		t.Error("station codes are in load order; they should be shuffled")
	}
	direct := 0
	ix := iltod.NewAreaIndex(p.Areas)
	for _, s := range p.Stations {
		if a, _ := ix.Area(s.Area); a.Level == iltod.LevelDistrict {
			direct++
		}
	}
	if direct != 20 {
		t.Errorf("%d stations lie directly in a district, want 20", direct)
	}
}

func TestShapeFor(t *testing.T) {
	for _, tc := range []struct {
		stations int
		want     synth.Shape
	}{
		{0, synth.Shape{1, 1, 1}},
		{2200, synth.Shape{1, 8, 11}},
		{100_000, synth.Shape{21, 16, 12}},
		{iltod.MaxStations, synth.Shape{21, 30, 40}},
	} {
		if got := synth.ShapeFor(tc.stations); got != tc.want {
			t.Errorf("ShapeFor(%d) = %+v, want %+v", tc.stations, got, tc.want)
		}
	}
}

func BenchmarkPackage(b *testing.B) {
	for b.Loop() {
		synth.Package(100_000, 1)
	}
}
