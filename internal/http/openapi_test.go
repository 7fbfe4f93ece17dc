package http

import (
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"go.yaml.in/yaml/v3"

	"github.com/iltod/iltod/internal/app"
)

// openAPIPath is docs/openapi.yaml, relative to this package's directory.
var openAPIPath = filepath.Join("..", "..", "docs", "openapi.yaml")

// TestOpenAPIMatchesRoutes checks that docs/openapi.yaml documents every /api/v1/ route
// of routes.go with its method, and documents no route the server does not have.
func TestOpenAPIMatchesRoutes(t *testing.T) {
	raw, err := os.ReadFile(openAPIPath)
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := yaml.Unmarshal(raw, &doc); err != nil {
		t.Fatalf("parse %s: %v", openAPIPath, err)
	}
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi version %q, want 3.1.x", v)
	}
	paths, ok := doc["paths"].(map[string]any)
	if !ok {
		t.Fatalf("no paths in %s", openAPIPath)
	}

	documented := map[string]bool{} // "GET /api/v1/…"
	methods := []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}
	for p, item := range paths {
		ops, ok := item.(map[string]any)
		if !ok {
			t.Errorf("path %s is not an object", p)
			continue
		}
		for _, m := range methods {
			if _, ok := ops[m]; ok {
				documented[strings.ToUpper(m)+" "+p] = true
			}
		}
	}

	served := map[string]bool{}
	srv := NewServer(app.New(nil, nil), nil)
	for _, rt := range srv.routes() {
		method, path, ok := strings.Cut(rt.pattern, " ")
		if !ok {
			t.Errorf("route %q has no method", rt.pattern)
			continue
		}
		path = strings.TrimSuffix(path, "{$}")
		served[method+" "+path] = true
		if strings.HasPrefix(path, "/api/v1/") && !documented[method+" "+path] {
			t.Errorf("route %s is not documented in %s", rt.pattern, openAPIPath)
		}
	}
	for op := range documented {
		if !served[op] {
			t.Errorf("%s documents %s, which routes.go does not serve", openAPIPath, op)
		}
	}
	if !documented["GET /api/v1/elections"] {
		t.Errorf("the test found no documented API routes")
	}

	// Every path parameter in a documented path is declared, and every $ref resolves.
	for p, item := range paths {
		declared := map[string]bool{}
		collectParams(item, declared, doc)
		for _, seg := range strings.Split(p, "/") {
			if strings.HasPrefix(seg, "{") && !declared[strings.Trim(seg, "{}")] {
				t.Errorf("%s: path parameter %s is not declared", p, seg)
			}
		}
	}
	var refs []string
	collectRefs(doc, &refs)
	sort.Strings(refs)
	for _, r := range refs {
		if resolveRef(doc, r) == nil {
			t.Errorf("$ref %s does not resolve", r)
		}
	}
	if len(refs) == 0 {
		t.Errorf("no $ref found; the document's shape has changed")
	}
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	for _, name := range []string{"Election", "Summary", "AreaNode", "Area", "Station", "Contest", "System",
		"Choice", "Form", "Question", "Option", "Rule", "Error"} {
		if _, ok := schemas[name]; !ok {
			t.Errorf("no schema %s", name)
		}
	}
}

// collectParams records the names of the path parameters declared on a path item and its
// operations, following $refs.
func collectParams(v any, out map[string]bool, doc map[string]any) {
	m, ok := v.(map[string]any)
	if !ok {
		return
	}
	if ps, ok := m["parameters"].([]any); ok {
		for _, p := range ps {
			pm, _ := p.(map[string]any)
			if r, ok := pm["$ref"].(string); ok {
				pm, _ = resolveRef(doc, r).(map[string]any)
			}
			if pm["in"] == "path" {
				name, _ := pm["name"].(string)
				out[name] = true
			}
		}
	}
	for _, k := range []string{"get", "put", "post", "delete", "patch"} {
		if op, ok := m[k]; ok {
			collectParams(op, out, doc)
		}
	}
}

func collectRefs(v any, out *[]string) {
	switch x := v.(type) {
	case map[string]any:
		for k, w := range x {
			if s, ok := w.(string); ok && k == "$ref" {
				*out = append(*out, s)
			}
			collectRefs(w, out)
		}
	case []any:
		for _, w := range x {
			collectRefs(w, out)
		}
	}
}

// resolveRef follows a local JSON pointer such as "#/components/schemas/Area".
func resolveRef(doc map[string]any, ref string) any {
	ptr, ok := strings.CutPrefix(ref, "#/")
	if !ok {
		return nil
	}
	var cur any = doc
	for _, part := range strings.Split(ptr, "/") {
		part = strings.ReplaceAll(strings.ReplaceAll(part, "~1", "/"), "~0", "~")
		m, ok := cur.(map[string]any)
		if !ok {
			return nil
		}
		if cur, ok = m[part]; !ok {
			return nil
		}
	}
	return cur
}
