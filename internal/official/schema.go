package official

import (
	"bytes"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// schemaJSON is the JSON Schema of NIST SP 1500-100 version 2, from the version2 branch
// of github.com/usnistgov/ElectionResultsReporting; see NIST_SCHEMA_SOURCE.md.
//
//go:embed NIST_V2_election_results_reporting.json
var schemaJSON []byte

// SchemaURL is where NIST publishes the schema. It names the embedded copy, which is never
// fetched.
const SchemaURL = "https://raw.githubusercontent.com/usnistgov/ElectionResultsReporting/version2/NIST_V2_election_results_reporting.json"

// compiledSchema is the schema as iltod validates with it (see discriminate), compiled
// once; originalSchema is the schema as published, which tests compare it with.
var (
	compiledSchema = sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema(true) })
	originalSchema = sync.OnceValues(func() (*jsonschema.Schema, error) { return compileSchema(false) })
)

// discriminatedURL names the schema iltod validates with, which is derived from the
// published one in memory.
const discriminatedURL = "https://github.com/iltod/iltod/internal/official/nist-1500-100-v2-discriminated.json"

func compileSchema(discriminated bool) (*jsonschema.Schema, error) {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(schemaJSON))
	if err != nil {
		return nil, fmt.Errorf("the embedded NIST schema: %w", err)
	}
	url := SchemaURL
	if discriminated {
		if doc, err = discriminate(doc); err != nil {
			return nil, fmt.Errorf("the embedded NIST schema: %w", err)
		}
		url = discriminatedURL
	}
	c := jsonschema.NewCompiler()
	if err := c.AddResource(url, doc); err != nil {
		return nil, fmt.Errorf("the embedded NIST schema: %w", err)
	}
	s, err := c.Compile(url)
	if err != nil {
		return nil, fmt.Errorf("the embedded NIST schema: %w", err)
	}
	return s, nil
}

// discriminate rewrites the schema so that a value is checked only against the class its
// "@type" names. The published schema lists a property's possible classes with oneOf:
// a Contest is a PartyContest, a BallotMeasureContest, a CandidateContest or a
// RetentionContest. Each class requires "@type" and admits one value of it, so exactly
// one alternative can match, and oneOf is the same as choosing the alternative by
// "@type". A validator of oneOf, though, validates every alternative in full, and reports
// every alternative's failures: on a report of a few thousand stations, ten times the work
// and a page of errors where one would do. So each such oneOf becomes a draft-07 chain
// of if (the @type is X) then (it is an X) else …, ending in a check that @type is one of
// the classes. The rewrite accepts exactly the documents the published schema accepts
// (TestSchemaEquivalence checks it), including the formats, which draft-07 asserts as
// draft-04 does.
func discriminate(doc any) (any, error) {
	root, ok := doc.(map[string]any)
	if !ok {
		return nil, errors.New("the schema is not an object")
	}
	defs, ok := root["definitions"].(map[string]any)
	if !ok {
		return nil, errors.New("the schema has no definitions")
	}
	classOf := func(ref any) (string, bool) {
		obj, ok := ref.(map[string]any)
		if !ok || len(obj) != 1 {
			return "", false
		}
		r, ok := obj["$ref"].(string)
		name, found := strings.CutPrefix(r, "#/definitions/")
		if !ok || !found {
			return "", false
		}
		def, _ := defs[name].(map[string]any)
		props, _ := def["properties"].(map[string]any)
		at, _ := props["@type"].(map[string]any)
		enum, _ := at["enum"].([]any)
		req, _ := def["required"].([]any)
		if len(enum) != 1 || enum[0] != name || !slices.Contains(req, any("@type")) {
			return "", false
		}
		return name, true
	}
	var walk func(v any) error
	walk = func(v any) error {
		switch x := v.(type) {
		case []any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
		case map[string]any:
			for _, e := range x {
				if err := walk(e); err != nil {
					return err
				}
			}
			alts, ok := x["oneOf"].([]any)
			if !ok {
				return nil
			}
			var names []any
			for _, a := range alts {
				name, ok := classOf(a)
				if !ok {
					return fmt.Errorf("a oneOf alternative %v is not a class with its own @type", a)
				}
				names = append(names, name)
			}
			delete(x, "oneOf")
			node := x
			for i, a := range alts {
				node["if"] = map[string]any{
					"properties": map[string]any{"@type": map[string]any{"enum": []any{names[i]}}},
					"required":   []any{"@type"},
				}
				node["then"] = a
				next := map[string]any{}
				node["else"] = next
				node = next
			}
			node["properties"] = map[string]any{"@type": map[string]any{"enum": names}}
			node["required"] = []any{"@type"}
		}
		return nil
	}
	if err := walk(root); err != nil {
		return nil, err
	}
	root["$schema"] = "http://json-schema.org/draft-07/schema#"
	return root, nil
}

// ValidateNIST checks that data is a JSON document that validates against the NIST SP
// 1500-100 v2 schema. It returns nil, or an *Error whose problems name file and the JSON
// path of each fault, such as Election[0].Contest[1]: missing property 'VotesAllowed'.
func ValidateNIST(file string, data []byte) error {
	ps := &problems{file: file}
	if !decodeAndValidate(ps, data) {
		return ps.err()
	}
	return nil
}

// decodeAndValidate parses data as JSON and validates it against the schema, adding
// what is wrong to ps.
func decodeAndValidate(ps *problems, data []byte) bool {
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
	if err != nil {
		jsonProblem(ps, data, err)
		return false
	}
	s, err := compiledSchema()
	if err != nil {
		ps.add(0, "", "%v", err)
		return false
	}
	err = s.Validate(doc)
	if err == nil {
		return true
	}
	var ve *jsonschema.ValidationError
	if !errors.As(err, &ve) {
		ps.add(0, "", "%v", err)
		return false
	}
	seen := map[string]bool{}
	for _, leaf := range leaves(ve) {
		msg := leaf.ErrorKind.LocalizedString(printer)
		p := Problem{Field: jsonPath(leaf.InstanceLocation), Message: msg}
		if key := p.Field + "\x00" + p.Message; !seen[key] {
			seen[key] = true
			ps.add(0, p.Field, "%s", p.Message)
		}
	}
	return false
}

var printer = message.NewPrinter(language.English)

// leaves returns the errors that say what is wrong, rather than that a part failed.
func leaves(ve *jsonschema.ValidationError) []*jsonschema.ValidationError {
	if len(ve.Causes) == 0 {
		return []*jsonschema.ValidationError{ve}
	}
	var out []*jsonschema.ValidationError
	for _, c := range ve.Causes {
		out = append(out, leaves(c)...)
	}
	return out
}

// jsonPath writes a location as Election[0].Contest[2].@id.
func jsonPath(loc []string) string {
	var b strings.Builder
	for _, tok := range loc {
		if _, err := strconv.Atoi(tok); err == nil {
			fmt.Fprintf(&b, "[%s]", tok)
			continue
		}
		if b.Len() > 0 {
			b.WriteByte('.')
		}
		b.WriteString(tok)
	}
	return b.String()
}

// jsonProblem reports a JSON syntax error at its line.
func jsonProblem(ps *problems, data []byte, err error) {
	var se *json.SyntaxError
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &se):
		ps.msg(lineAt(data, se.Offset), "", "error.official.not_json", "Err", se)
	case errors.As(err, &te):
		ps.msg(lineAt(data, te.Offset), te.Field, "error.official.not_json", "Err", te)
	case errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, io.EOF):
		ps.msg(lineAt(data, int64(len(data))), "", "error.official.json_early")
	default:
		ps.msg(0, "", "error.official.not_json", "Err", err)
	}
}

// lineAt returns the line of the byte at offset in data.
func lineAt(data []byte, offset int64) int {
	if offset > int64(len(data)) {
		offset = int64(len(data))
	}
	return 1 + bytes.Count(data[:offset], []byte("\n"))
}
