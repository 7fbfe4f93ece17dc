package electionpkg

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"go.yaml.in/yaml/v3"
	"golang.org/x/text/unicode/norm"
)

// parseYAML parses one YAML (or JSON) document and returns its top node, or a problem.
func parseYAML(file string, data []byte, ps *problems) *yaml.Node {
	var doc yaml.Node
	dec := yaml.NewDecoder(bytes.NewReader(data))
	if err := dec.Decode(&doc); err != nil {
		line, msg := yamlErrorLine(err)
		ps.add(file, line, "", "%s", msg)
		return nil
	}
	if len(doc.Content) != 1 {
		ps.msg(file, 1, "", "error.package.file_empty")
		return nil
	}
	var extra yaml.Node
	if err := dec.Decode(&extra); err == nil {
		ps.msg(file, extra.Line, "", "error.package.yaml_many")
		return nil
	}
	return doc.Content[0]
}

// yamlErrorLine pulls the line out of a yaml error message ("yaml: line 3: …").
func yamlErrorLine(err error) (int, string) {
	msg := strings.TrimPrefix(err.Error(), "yaml: ")
	if rest, ok := strings.CutPrefix(msg, "line "); ok {
		if i := strings.Index(rest, ":"); i > 0 {
			if n, err := strconv.Atoi(rest[:i]); err == nil {
				return n, "not valid YAML: " + strings.TrimSpace(rest[i+1:])
			}
		}
	}
	return 1, "not valid YAML: " + msg
}

// decodeNode decodes n into target, a pointer to a domain type, using the type's JSON
// field names. It reports unknown fields, wrong types and duplicate keys at their lines,
// normalises strings to NFC, and returns false if it found any problem.
func decodeNode(file string, n *yaml.Node, target any, path string, ps *problems) bool {
	before := len(ps.list)
	v := toValue(file, n, reflect.TypeOf(target).Elem(), path, ps)
	if len(ps.list) > before {
		return false
	}
	data, err := json.Marshal(v)
	if err == nil {
		err = json.Unmarshal(data, target)
	}
	if err != nil {
		ps.add(file, n.Line, path, "%v", err)
		return false
	}
	return true
}

func join(path, key string) string {
	if path == "" {
		return key
	}
	return path + "." + key
}

// toValue converts n to a JSON-ready value of type t, reporting what does not fit.
func toValue(file string, n *yaml.Node, t reflect.Type, path string, ps *problems) any {
	if n.Kind == yaml.AliasNode {
		ps.msg(file, n.Line, path, "error.package.yaml_alias")
		return nil
	}
	if n.Kind == yaml.ScalarNode && n.Tag == "!!null" {
		return nil
	}
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	// scalar returns n's value, or adds the problem key (what n must be) if n holds no
	// single value.
	scalar := func(key string) (string, bool) {
		if n.Kind != yaml.ScalarNode {
			ps.msg(file, n.Line, path, key)
			return "", false
		}
		return n.Value, true
	}
	switch t.Kind() {
	case reflect.String:
		s, ok := scalar("error.package.must_text")
		if !ok {
			return nil
		}
		if !utf8.ValidString(s) {
			ps.msg(file, n.Line, path, "error.package.not_utf8")
			return nil
		}
		return norm.NFC.String(s)
	case reflect.Int, reflect.Int64, reflect.Int32:
		s, ok := scalar("error.package.must_whole")
		if !ok {
			return nil
		}
		i, err := strconv.ParseInt(strings.ReplaceAll(s, "_", ""), 10, 64)
		if err != nil {
			ps.msg(file, n.Line, path, "error.official.not_whole", "Value", strconv.Quote(trunc(s)))
			return nil
		}
		return i
	case reflect.Float64:
		s, ok := scalar("error.package.must_number")
		if !ok {
			return nil
		}
		f, err := strconv.ParseFloat(s, 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			ps.msg(file, n.Line, path, "error.package.not_number", "Value", strconv.Quote(trunc(s)))
			return nil
		}
		return f
	case reflect.Bool:
		s, ok := scalar("error.package.must_bool")
		if !ok {
			return nil
		}
		switch s {
		case "true", "True", "TRUE":
			return true
		case "false", "False", "FALSE":
			return false
		}
		ps.msg(file, n.Line, path, "error.package.not_bool", "Value", strconv.Quote(trunc(s)))
		return nil
	case reflect.Slice:
		if n.Kind != yaml.SequenceNode {
			ps.msg(file, n.Line, path, "error.package.must_list")
			return nil
		}
		out := make([]any, len(n.Content))
		for i, c := range n.Content {
			out[i] = toValue(file, c, t.Elem(), fmt.Sprintf("%s[%d]", path, i), ps)
		}
		return out
	case reflect.Map:
		if n.Kind != yaml.MappingNode {
			ps.msg(file, n.Line, path, "error.package.must_texts")
			return nil
		}
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			if _, dup := out[k.Value]; dup {
				ps.msg(file, k.Line, join(path, k.Value), "error.package.given_twice")
				continue
			}
			out[k.Value] = toValue(file, val, t.Elem(), join(path, k.Value), ps)
		}
		return out
	case reflect.Struct:
		if n.Kind != yaml.MappingNode {
			ps.msg(file, n.Line, path, "error.package.must_map")
			return nil
		}
		fields := jsonFields(t)
		out := map[string]any{}
		for i := 0; i+1 < len(n.Content); i += 2 {
			k, val := n.Content[i], n.Content[i+1]
			ft, ok := fields[k.Value]
			switch {
			case !ok:
				ps.msg(file, k.Line, join(path, k.Value), "error.package.unknown_field", "Known", strings.Join(fieldNames(t), ", "))
				continue
			case out[k.Value] != nil:
				ps.msg(file, k.Line, join(path, k.Value), "error.package.given_twice")
				continue
			}
			out[k.Value] = toValue(file, val, ft, join(path, k.Value), ps)
		}
		return out
	}
	ps.add(file, n.Line, path, "cannot hold a value of type %s", t)
	return nil
}

// jsonFields maps the JSON names of t's exported fields to their types.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	m := map[string]reflect.Type{}
	for i := 0; i < t.NumField(); i++ {
		f := t.Field(i)
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if name == "-" || !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		m[name] = f.Type
	}
	return m
}

func fieldNames(t reflect.Type) []string {
	var names []string
	for i := 0; i < t.NumField(); i++ {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			names = append(names, name)
		}
	}
	return names
}

// lineOf returns the line of the node at path (as "choices[3].party") below n, or of the
// deepest node on the way there that exists.
func lineOf(n *yaml.Node, path string) int {
	line := n.Line
	for _, seg := range splitPath(path) {
		if n.Kind == yaml.MappingNode && seg.key != "" {
			found := false
			for i := 0; i+1 < len(n.Content); i += 2 {
				if n.Content[i].Value == seg.key {
					line, n, found = n.Content[i].Line, n.Content[i+1], true
					break
				}
			}
			if !found {
				return line
			}
			continue
		}
		if n.Kind == yaml.SequenceNode && seg.key == "" && seg.index < len(n.Content) {
			n = n.Content[seg.index]
			line = n.Line
			continue
		}
		return line
	}
	return line
}

type segment struct {
	key   string
	index int
}

// splitPath splits "a.b[2].c" into a, b, [2], c.
func splitPath(path string) []segment {
	var out []segment
	for _, part := range strings.Split(path, ".") {
		if part == "" {
			continue
		}
		name, rest, _ := strings.Cut(part, "[")
		if name != "" {
			out = append(out, segment{key: name})
		}
		for rest != "" {
			num, after, _ := strings.Cut(rest, "]")
			i, err := strconv.Atoi(num)
			if err != nil {
				break
			}
			out = append(out, segment{index: i})
			rest = strings.TrimPrefix(after, "[")
		}
	}
	return out
}
