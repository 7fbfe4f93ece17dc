package iltod

import (
	"crypto/ed25519"
	"errors"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/iltod/iltod/canonjson"
)

// refReport is Envelope.Report by the general path alone (reportOf: generic values,
// then reportFrom), which decodeReport must agree with.
func refReport(payload []byte) (Report, error) { return reportOf(payload) }

// reportSeeds are payloads at the edges of what decodeReport reads.
var reportSeeds = []string{
	`{"answers":{"BC":898,"BI":900,"C1":410,"C2":380,"C3":420,"C4":400,"CV":880,"LV":870,"PB":450,"PR":420,"RV":1320,"X1":"Сүхбаатар","X2":["a","b"],"X3":true},"device_time":"2024-06-28T22:00:00+08:00","election":"example-2024","form":"results","form_version":1,"id":"bench-00000000-00","station":"UB-001"}`,
	`{"answers":{"A":1,"B":null,"C":"x","D":["a"],"E":true,"F":false,"G":[],"H":-9007199254740991,"I":"a\"b\\c\n\u0001"},"device_time":"t","election":"e","form":"f","form_version":2,"id":"report-0001","station":"s"}`,
	`{"answers":{"A":[1]},"id":"report-0001"}`, `{"form_version":"2","id":"report-0001"}`, `{"ID":"report-0001"}`, `[]`, `{}`, `null`,
	`{"form_version":2147483647,"id":"report-0001"}`, `{"form_version":2147483648,"id":"report-0001"}`, `{"form_version":-2147483649,"id":"report-0001"}`,
	`{"form_version":null,"id":null,"station":null}`, `{"answers":null,"id":"report-0001","position":null}`,
	`{"id":"report-0001","position":{"accuracy_m":12,"lat_e6":47918900,"lon_e6":106917600}}`,
	`{"id":"report-0001","position":{"accuracy_m":12,"lat_e6":91000000,"lon_e6":106917600}}`,
	`{"id":"report-0001","position":{"lat_e6":47918900,"lon_e6":106917600}}`,
	`{"id":"report-0001","position":{"accuracy_m":-1,"alt":3,"lat_e6":91000000,"lon_e6":"x"}}`,
	`{"id":"report-0001","position":{"accuracy_m":1,"lat_e6":2,"lon_e6":3,"z":4}}`,
	`{"id":"report-0001","position":{"accuracy_m":1,"lat_e6":2}}`, `{"id":"report-0001","position":{}}`,
	`{"id":"report-0001","position":[1,2]}`, `{"id":"bad id!"}`, `{"id":"report-0001","id":"report-0002"}`,
	`{"station":"s","id":"report-0001"}`, `{"id": "report-0001"}`, `{"id":"report-0001"} `,
	"{\"answers\":{\"e\u0301\":1},\"id\":\"report-0001\"}", "{\"answers\":{\"\u00e9\":\"\u0415\u0308\"},\"id\":\"report-0001\"}",
	"{\"answers\":{\"A\":\"\u0401\"},\"id\":\"report-0001\",\"station\":\"\u0423\u0411-001\"}",
	`{"answers":{"A":1,"A":2},"id":"report-0001"}`, `{"answers":{"B":1,"A":2},"id":"report-0001"}`,
	`{"answers":{"A":1.5},"id":"report-0001"}`, `{"answers":{"A":-0},"id":"report-0001"}`, `{"answers":{"A":9007199254740992},"id":"report-0001"}`,
	`{"answers":{"A":{"b":1}},"id":"report-0001"}`, `{"answers":{"A":["x",null]},"id":"report-0001"}`, `{"answers":{"A":"\/"},"id":"report-0001"}`,
	`{"answers":[],"id":"report-0001"}`, `{"answers":{"A":tru},"id":"report-0001"}`, `{"answers":{"A":"\u0008"},"id":"report-0001"}`,
	`{"election":"e","extra":1,"id":"report-0001"}`,
}

// FuzzReportSame checks that Envelope.Report, and ParseEnvelope, decide and return
// exactly what they did when every payload went through generic values (refReport).
func FuzzReportSame(f *testing.F) {
	for _, s := range reportSeeds {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		want, wantErr := refReport(payload)
		got, err := (&Envelope{Payload: payload}).Report()
		if !sameReportError(err, wantErr) || !reflect.DeepEqual(got, want) {
			t.Fatalf("Report(%q) = %+v, %v; was %+v, %v", payload, got, err, want, wantErr)
		}
		if r, ok := decodeReport(payload); ok {
			doc, err := canonjson.Parse(payload)
			if err != nil {
				t.Fatalf("decodeReport read %q, which is not canonical: %v", payload, err)
			}
			if r2, err := reportFrom(doc); err != nil || !reflect.DeepEqual(r, r2) {
				t.Fatalf("decodeReport(%q) = %+v; reportFrom: %+v, %v", payload, r, r2, err)
			}
		}
		// ParseEnvelope refuses the same payloads with the same error.
		e := &Envelope{Payload: payload, Key: make(ed25519.PublicKey, ed25519.PublicKeySize), Sig: make([]byte, ed25519.SignatureSize)}
		_, err = ParseEnvelope(e.Bytes())
		var envWant error
		if len(e.Bytes()) > MaxEnvelopeSize {
			return
		} else if len(payload) == 0 {
			envWant = E(EInvalid, "error.envelope_payload", nil)
		} else if _, perr := canonjson.Parse(payload); perr != nil {
			envWant = E(EInvalid, "error.payload_not_canonical", map[string]any{"Detail": perr.Error()})
		}
		if !sameReportError(err, envWant) {
			t.Fatalf("ParseEnvelope(payload %q): %v; was %v", payload, err, envWant)
		}
	})
}

// TestReportSeeds runs the differential check of FuzzReportSame on its seeds in every
// test run, and checks that decodeReport reads the usual shapes itself.
func TestReportSeeds(t *testing.T) {
	for _, s := range reportSeeds {
		want, wantErr := refReport([]byte(s))
		got, err := (&Envelope{Payload: []byte(s)}).Report()
		if !sameReportError(err, wantErr) || !reflect.DeepEqual(got, want) {
			t.Errorf("Report(%s) = %+v, %v; was %+v, %v", s, got, err, want, wantErr)
		}
	}
	for _, s := range reportSeeds[:2] {
		if _, ok := decodeReport([]byte(s)); !ok {
			t.Errorf("decodeReport does not read %s", s)
		}
	}
}

// sameReportError reports whether two errors of Report are the same: the same code and
// message key, and the same text except for payload_not_report, whose detail names one
// of possibly several faults, picked by map order.
func sameReportError(a, b error) bool {
	if a == nil || b == nil {
		return a == b
	}
	var ea, eb *Error
	if errors.As(a, &ea) != errors.As(b, &eb) || ErrorCodeOf(a) != ErrorCodeOf(b) {
		return false
	}
	if ea != nil && (ea.Key != eb.Key || ea.Code != eb.Code) {
		return false
	}
	if ea != nil && ea.Key == "error.payload_not_report" {
		return true
	}
	return a.Error() == b.Error() && reflect.TypeOf(a) == reflect.TypeOf(b)
}

var benchEnvelope = func() []byte {
	return (&Envelope{Payload: []byte(reportSeeds[0]), Key: make([]byte, 32), Sig: make([]byte, 64)}).Bytes()
}()

// BenchmarkParseEnvelopeReport is what the server does with every report's envelope
// before verifying it: ParseEnvelope, then Report.
func BenchmarkParseEnvelopeReport(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		e, err := ParseEnvelope(benchEnvelope)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := e.Report(); err != nil {
			b.Fatal(err)
		}
	}
}

// reportIDRe is what ValidReportID was.
var reportIDRe = regexp.MustCompile(`^[A-Za-z0-9_-]{8,64}$`)

// FuzzValidReportID checks ValidReportID against the regular expression it replaced.
func FuzzValidReportID(f *testing.F) {
	for _, s := range []string{"report-0001", "01J0ABCDEFGHJKMNPQRSTVWXYZ", "short", "bad id!!", "report-0001\n", "\nreport-0001",
		"abcdefgh", "abcdefg", strings.Repeat("a", 64), strings.Repeat("a", 65), "отчёт-0001", "report_0001é", "report-0001\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidReportID(s), reportIDRe.MatchString(s); got != want {
			t.Fatalf("ValidReportID(%q) = %v, the regular expression %v", s, got, want)
		}
	})
}

// electionIDRe is what ValidElectionID was.
var electionIDRe = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,63}$`)

// FuzzValidElectionID checks ValidElectionID against the regular expression it replaced.
func FuzzValidElectionID(f *testing.F) {
	for _, s := range []string{"mn-2024", "a", "", "-mn", "mn-", "0mn", "MN-2024", "mn_2024", "mn 2024", "mn-2024\n",
		strings.Repeat("a", 64), strings.Repeat("a", 65), "сонгууль", "mn-2024\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if got, want := ValidElectionID(s), electionIDRe.MatchString(s); got != want {
			t.Fatalf("ValidElectionID(%q) = %v, the regular expression %v", s, got, want)
		}
	})
}
