package canonjson_test

import (
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"testing"

	"golang.org/x/text/unicode/norm"

	"github.com/iltod/iltod/canonjson"
)

func TestCanonicalize(t *testing.T) {
	cases := []struct{ in, want string }{
		{`{"b":1, "a":[true,false,null], "c":{"z":"x","y":-0}}`, `{"a":[true,false,null],"b":1,"c":{"y":0,"z":"x"}}`},
		{` [ ] `, `[]`},
		{`{}`, `{}`},
		{`"a\/b\u0041\n\u0001\u007f"`, "\"a/bA\\n\\u0001\x7f\""},
		{`"\ud83d\ude00"`, `"😀"`},
		{`"<&>"`, `"<&>"`},
		{`9007199254740991`, `9007199254740991`},
		{`-9007199254740991`, `-9007199254740991`},
		// Keys sort by UTF-8 bytes: upper case before lower, Latin before Cyrillic.
		{`{"б":1,"a":2,"B":3,"é":4}`, `{"B":3,"a":2,"é":4,"б":1}`},
		// NFC: e + combining acute becomes é.
		{"\"e\u0301\"", "\"\u00e9\""},
		{`"Баянгол"`, `"Баянгол"`},
	}
	for _, tc := range cases {
		got, err := canonjson.Canonicalize([]byte(tc.in))
		if err != nil {
			t.Errorf("Canonicalize(%s): %v", tc.in, err)
			continue
		}
		if string(got) != tc.want {
			t.Errorf("Canonicalize(%s) = %s, want %s", tc.in, got, tc.want)
		}
		if !canonjson.IsCanonical(got) {
			t.Errorf("output %s is not canonical by IsCanonical", got)
		}
	}
}

func TestRejects(t *testing.T) {
	for _, in := range []string{
		``, `{`, `{"a":1,}`, `[1,]`, `{"a":1,"a":2}`, "{\"\u00e9\":1,\"e\u0301\":2}",
		`1.0`, `1e3`, `01`, `9007199254740992`, `-9007199254740992`, `NaN`, `"\x00"`,
		"\"\xff\"", `"\ud83d"`, `"\x"`, `{"a":1} x`, `tru`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	} {
		if got, err := canonjson.Canonicalize([]byte(in)); err == nil {
			t.Errorf("Canonicalize(%q) = %s, want an error", in, got)
		}
	}
}

func TestCheck(t *testing.T) {
	if err := canonjson.Check([]byte(`{"a":1}`)); err != nil {
		t.Errorf("canonical text: %v", err)
	}
	if err := canonjson.Check([]byte(`{"a": 1}`)); !errors.Is(err, canonjson.ErrNotCanonical) {
		t.Errorf("spaced text: %v", err)
	}
	var se *canonjson.SyntaxError
	if err := canonjson.Check([]byte(`{"a":1.5}`)); !errors.As(err, &se) {
		t.Errorf("fraction: %v", err)
	}
}

func ExampleCanonicalize() {
	out, err := canonjson.Canonicalize([]byte(`{"station": "UB-001", "answers": {"K2": 17, "K1": 240}}`))
	fmt.Println(string(out), err)
	// Output: {"answers":{"K1":240,"K2":17},"station":"UB-001"} <nil>
}

// FuzzCanonicalize checks on arbitrary input that canonicalisation never panics, is
// idempotent, and keeps the meaning encoding/json reads (up to NFC).
func FuzzCanonicalize(f *testing.F) {
	for _, s := range []string{`{"b":1,"a":[true,null]}`, `"\u00e9"`, `[-0, 12, "x\ty"]`, `{"a":{"b":{"c":[]}}}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := canonjson.Canonicalize(data)
		if err != nil {
			return
		}
		c2, err := canonjson.Canonicalize(c)
		if err != nil || string(c2) != string(c) {
			t.Fatalf("not idempotent: %q -> %q -> %q (%v)", data, c, c2, err)
		}
		var a, b any
		if json.Unmarshal(data, &a) != nil {
			t.Fatalf("accepted %q, which encoding/json rejects", data)
		}
		if err := json.Unmarshal(c, &b); err != nil {
			t.Fatalf("canonical output %q is not JSON: %v", c, err)
		}
		if !reflect.DeepEqual(nfc(a), b) {
			t.Fatalf("meaning changed: %q -> %q", data, c)
		}
	})
}

func nfc(v any) any {
	switch x := v.(type) {
	case string:
		return norm.NFC.String(x)
	case []any:
		for i := range x {
			x[i] = nfc(x[i])
		}
	case map[string]any:
		m := map[string]any{}
		for k, val := range x {
			m[norm.NFC.String(k)] = nfc(val)
		}
		return m
	case float64:
		if x == 0 {
			return float64(0) // -0 is written 0
		}
	}
	return v
}

func TestParse(t *testing.T) {
	v, err := canonjson.Parse([]byte(`{"a":[1,"x",null,true],"b":{"c":-7}}`))
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]any{"a": []any{int64(1), "x", nil, true}, "b": map[string]any{"c": int64(-7)}}
	if !reflect.DeepEqual(v, want) {
		t.Fatalf("Parse = %#v", v)
	}
	if _, err := canonjson.Parse([]byte(`{"b":1,"a":2}`)); !errors.Is(err, canonjson.ErrNotCanonical) {
		t.Errorf("unsorted keys: %v", err)
	}
	var se *canonjson.SyntaxError
	if _, err := canonjson.Parse([]byte(`{"a":1.5}`)); !errors.As(err, &se) {
		t.Errorf("fraction: %v", err)
	}
}

// BenchmarkParse parses a results report's payload, as the server does for every report.
func BenchmarkParse(b *testing.B) {
	payload := []byte(`{"answers":{"BC":898,"BI":900,"C1":410,"C2":380,"C3":420,"C4":400,"CV":880,"LV":870,"PB":450,"PR":420,"RV":1320,"X1":"Сүхбаатар","X2":["a","b"],"X3":true},"device_time":"2024-06-28T22:00:00+08:00","election":"example-2024","form":"results","form_version":1,"id":"bench-00000000-00","station":"UB-001"}`)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := canonjson.Parse(payload); err != nil {
			b.Fatal(err)
		}
	}
}
