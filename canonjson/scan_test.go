package canonjson

import (
	"errors"
	"reflect"
	"testing"

	"golang.org/x/text/unicode/norm"
)

// sameSeeds are texts at the edges of the canonical form, for the differential fuzz tests.
var sameSeeds = []string{
	`{"answers":{"BC":898,"BI":900,"C1":410,"X1":"Сүхбаатар","X2":["a","b"],"X3":true,"X4":null,"X5":[]},"device_time":"2024-06-28T22:00:00+08:00","election":"example-2024","form":"results","form_version":1,"id":"bench-00000000-00","station":"UB-001"}`,
	`{"id":"report-0001","position":{"accuracy_m":12,"lat_e6":47918900,"lon_e6":-106917600}}`,
	`{"a":1,"a":2}`, `{"b":1,"a":2}`, `{"a":1,"b":{"d":1,"c":2}}`, `{"":1,"a":2}`, `{"a":1,"":2}`,
	"\"e\u0301\"", "\"\u00e9\"", "{\"\u00e9\":1,\"e\u0301\":2}", "{\"e\u0301\":1}", `"\u0065\u0301"`,
	`"a\"b\\c\b\f\n\r\t\u0001\u001f"`, `"\u0008"`, `"\u000a"`, `"\u001F"`, `"\/"`, `"\u0041"`, `"\ud83d\ude00"`, "\"\x7f\"",
	"\"\\n\u0303\"", "\"n\u0303\"", `{"\"":1,"\\":2}`, `{"\\":1,"\"":2}`, `{"a\n":1,"a\t":2}`, `{"a\t":1,"a\n":2}`,
	`9007199254740991`, `-9007199254740991`, `9007199254740992`, `10000000000000000`, `-0`, `0`, `-1`, `01`, `1.0`, `1e3`, `-`, `00`,
	`[]`, `{}`, ` []`, `[] `, `[1, 2]`, `[1,2,]`, `{"a":1,}`, `[true,false,null]`, `[tru]`, `nul`, `truex`, `"\xff"`, "\"\xed\xa0\x80\"", "\"\ufffd\"",
	`[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`, `[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]`,
	"\"\u0438\u0306\"", "\"\u0439\"", "\"Сүхбаатар\u0301\"", "\"\u0435\u0308л\"", "{\"\u0451\":\"\u0401\"}", "\"\u00c5\u212b\"", "\"\u0340\"",
	`{"Б":1,"B":2}`, `{"B":2,"Б":1}`, "\"\u1e0b\u0323\"", "\"\u1e0d\u0307\"", "\"\u0041\u030a\u0301\"",
}

// FuzzParseSame checks that Parse, Check and IsCanonical decide, return and explain
// exactly what the full parser, which re-writes every text and compares it, does (refParse).
func FuzzParseSame(f *testing.F) {
	for _, s := range sameSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		want, wantErr := refParse(data)
		got, err := Parse(data)
		if !sameError(err, wantErr) || !reflect.DeepEqual(got, want) {
			t.Fatalf("Parse(%q) = %#v, %v; was %#v, %v", data, got, err, want, wantErr)
		}
		if c := canonical(data); c != (wantErr == nil) {
			t.Fatalf("canonical(%q) = %v; the old parser: %v", data, c, wantErr)
		}
		sc := NewScanner(data)
		if _, ok := sc.value(0); (ok && sc.End()) != (wantErr == nil) {
			t.Fatalf("Scanner.value(%q) ok %v; the old parser: %v", data, ok, wantErr)
		}
		if IsCanonical(data) != (wantErr == nil) {
			t.Fatalf("IsCanonical(%q) = %v; the old parser: %v", data, IsCanonical(data), wantErr)
		}
		checkWant := wantErr
		if checkWant == nil || errors.Is(checkWant, ErrNotCanonical) {
			checkWant = refCheck(data)
		}
		if err := Check(data); !sameError(err, checkWant) {
			t.Fatalf("Check(%q) = %v; was %v", data, err, checkWant)
		}
	})
}

func sameError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	return reflect.TypeOf(a) == reflect.TypeOf(b) && a.Error() == b.Error() &&
		errors.Is(a, ErrNotCanonical) == errors.Is(b, ErrNotCanonical)
}

// TestScannerSeeds runs the differential check on the seeds in every test run.
func TestScannerSeeds(t *testing.T) {
	for _, s := range sameSeeds {
		want, wantErr := refParse([]byte(s))
		got, err := Parse([]byte(s))
		if !sameError(err, wantErr) || !reflect.DeepEqual(got, want) {
			t.Errorf("Parse(%q) = %#v, %v; was %#v, %v", s, got, err, want, wantErr)
		}
		if c := canonical([]byte(s)); c != (wantErr == nil) {
			t.Errorf("canonical(%q) = %v; the old parser: %v", s, c, wantErr)
		}
	}
}

// benchPayload is the payload of BenchmarkParse.
var benchPayload = []byte(`{"answers":{"BC":898,"BI":900,"C1":410,"C2":380,"C3":420,"C4":400,"CV":880,"LV":870,"PB":450,"PR":420,"RV":1320,"X1":"Сүхбаатар","X2":["a","b"],"X3":true},"device_time":"2024-06-28T22:00:00+08:00","election":"example-2024","form":"results","form_version":1,"id":"bench-00000000-00","station":"UB-001"}`)

// BenchmarkParseOld is BenchmarkParse by the full parser alone, to compare in one run.
func BenchmarkParseOld(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := refParse(benchPayload); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkIsCanonical is the check alone, as ParseEnvelope makes it.
func BenchmarkIsCanonical(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if !IsCanonical(benchPayload) {
			b.Fatal("not canonical")
		}
	}
}

// TestNFCAlone checks the claim of nfcAlone: a string of ASCII and runes it marks is in
// NFC, for every pair of such runes (longer strings are sequences of segments, each
// starting at a rune that combines with nothing before it), and that the Scanner reads
// strings of marked runes as canonical only when they are.
func TestNFCAlone(t *testing.T) {
	var marked []rune
	for r := rune(0); r < 0x800; r++ {
		if r < 0x80 || nfcAlone[r>>6]&(1<<(r&0x3f)) != 0 {
			if !norm.NFC.IsNormalString(string(r)) || !norm.NFC.PropertiesString(string(r)).BoundaryBefore() {
				t.Fatalf("U+%04X is marked but does not stand alone", r)
			}
			marked = append(marked, r)
		}
	}
	if len(marked) < 1000 {
		t.Fatalf("only %d runes marked", len(marked))
	}
	for _, a := range marked {
		for _, b := range marked {
			if s := string([]rune{a, b}); !norm.NFC.IsNormalString(s) {
				t.Fatalf("%q is not in NFC", s)
			}
		}
	}
	// Every rune below U+0800, after a marked one, or before, or after e: read as a
	// string exactly when the old parser finds it canonical.
	for r := rune(0x20); r < 0x800; r++ {
		for _, s := range []string{string(r), string(r) + "\u0301", "e" + string(r), string(r) + "\u0435", "\u0435" + string(r)} {
			text := []byte(`"` + s + `"`)
			if text[1] == '"' || text[1] == '\\' {
				continue
			}
			_, err := refParse(text)
			if c := canonical(text); c != (err == nil) {
				t.Errorf("canonical(%q) = %v; the old parser: %v", text, c, err)
			}
		}
	}
}
