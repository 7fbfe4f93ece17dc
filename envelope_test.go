package iltod_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
)

func TestEnvelope(t *testing.T) {
	pub, priv, _ := ed25519.GenerateKey(rand.Reader)
	r := iltod.Report{ID: "report-0001", Election: "e", Station: "S1", Form: "f", FormVersion: 1,
		DeviceTime: "2024-06-28T07:00:00+08:00", Answers: map[string]iltod.Value{"A": iltod.IntValue(3), "B": {}, "C": iltod.StrValue("Сайн / <ok>")}}
	env, err := iltod.SignReport(r, priv)
	if err != nil {
		t.Fatal(err)
	}
	raw := env.Bytes()
	if !canonjson.IsCanonical(raw) {
		t.Fatalf("envelope bytes are not canonical JSON: %s", raw)
	}
	// Any formatting of the same envelope parses to the same canonical bytes.
	spaced := bytes.ReplaceAll(raw, []byte(`":"`), []byte(`" : "`))
	got, err := iltod.ParseEnvelope(spaced)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), raw) || got.Hash() != env.Hash() {
		t.Fatalf("reparsed envelope differs")
	}
	if err := got.Verify(); err != nil {
		t.Fatal(err)
	}
	back, err := got.Report()
	if err != nil || back.Answers["C"].Str != "Сайн / <ok>" || back.Answers["B"].Kind != iltod.NA {
		t.Fatalf("report = %+v, %v", back, err)
	}
	if !bytes.Equal(got.Key, pub) || iltod.KeyID(pub) != iltod.KeyID(got.Key) {
		t.Fatal("key differs")
	}
	// A flipped signature bit fails with bad_signature.
	got.Sig[3] ^= 0x10
	if err := got.Verify(); iltod.ErrorCodeOf(err) != iltod.EBadSignature {
		t.Fatalf("flipped signature: %v", err)
	}
}

// FuzzParseEnvelope: arbitrary bytes never panic the parser, and anything it accepts has
// canonical bytes that parse back to the same envelope.
func FuzzParseEnvelope(f *testing.F) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	env, _ := iltod.SignReport(iltod.Report{ID: "report-0001", Answers: map[string]iltod.Value{"A": iltod.IntValue(1)}}, priv)
	f.Add(env.Bytes())
	f.Add([]byte(`{"key":"","payload":"","sig":""}`))
	for _, payload := range []string{
		`{"answers":{"A":1,"B":null,"C":"x","D":["a"],"E":true},"device_time":"t","election":"e","form":"f","form_version":2,"id":"report-0001","station":"s"}`,
		`{"answers":{"A":[1]},"id":"report-0001"}`, `{"form_version":"2","id":"report-0001"}`, `{"ID":"report-0001"}`, `[]`,
		`{"id":"report-0001","position":{"accuracy_m":12,"lat_e6":47918900,"lon_e6":106917600}}`,
		`{"id":"report-0001","position":{"lat_e6":47918900,"lon_e6":106917600}}`,
		`{"id":"report-0001","position":{"accuracy_m":-1,"alt":3,"lat_e6":91000000,"lon_e6":"x"}}`,
		`{"id":"report-0001","position":null}`, `{"id":"report-0001","position":[1,2]}`,
	} {
		f.Add((&iltod.Envelope{Payload: []byte(payload), Key: make([]byte, 32), Sig: make([]byte, 64)}).Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		// The fast reading of the canonical form gives what encoding/json reads.
		if w, ok := iltod.CanonicalWire(data); ok {
			var want map[string]string
			dec := json.NewDecoder(bytes.NewReader(data))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&want); err != nil || dec.More() || len(want) != 3 ||
				want["key"] != w[0] || want["payload"] != w[1] || want["sig"] != w[2] {
				t.Fatalf("canonicalWire read %q as %q; encoding/json: %v %q", data, w, err, want)
			}
		}
		e, err := iltod.ParseEnvelope(data)
		if err != nil {
			return
		}
		raw := e.Bytes()
		if fresh := (&iltod.Envelope{Payload: e.Payload, Key: e.Key, Sig: e.Sig}).Bytes(); !bytes.Equal(raw, fresh) {
			t.Fatalf("envelope's bytes %q, its fields written again %q", raw, fresh)
		}
		if !canonjson.IsCanonical(raw) {
			t.Fatalf("accepted envelope's bytes are not canonical: %q", raw)
		}
		e2, err := iltod.ParseEnvelope(raw)
		if err != nil || !bytes.Equal(e2.Bytes(), raw) {
			t.Fatalf("canonical bytes do not parse back: %v", err)
		}
		// The report decoded from the parsed payload is what encoding/json reads, and
		// nothing encoding/json refuses is accepted.
		r, err := e.Report()
		if err != nil {
			return
		}
		var want iltod.Report
		dec := json.NewDecoder(bytes.NewReader(e.Payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("Report accepted %s, which encoding/json refuses: %v", e.Payload, err)
		}
		if !reflect.DeepEqual(r, want) {
			t.Fatalf("Report = %+v, encoding/json reads %+v", r, want)
		}
	})
}

// TestEnvelopePosition: a report's position is read strictly, and one out of range is
// refused as invalid with a message that names the field.
func TestEnvelopePosition(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	r := iltod.Report{ID: "report-0001", Election: "e", Station: "S1", Form: "f", FormVersion: 1,
		DeviceTime: "2024-06-28T07:00:00+08:00", Answers: map[string]iltod.Value{"A": iltod.IntValue(3)},
		Position: &iltod.Position{LatE6: 47918900, LonE6: -106917600, AccuracyM: 12}}
	env, err := iltod.SignReport(r, priv)
	if err != nil {
		t.Fatal(err)
	}
	if want := `"position":{"accuracy_m":12,"lat_e6":47918900,"lon_e6":-106917600}`; !bytes.Contains(env.Payload, []byte(want)) {
		t.Fatalf("payload %s lacks %s", env.Payload, want)
	}
	parsed, err := iltod.ParseEnvelope(env.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	back, err := parsed.Report()
	if err != nil || !reflect.DeepEqual(back, r) {
		t.Fatalf("report = %+v, %v; want %+v", back, err, r)
	}

	cases := []struct {
		name, position, field string
	}{
		{"latitude beyond the pole", `{"accuracy_m":5,"lat_e6":90000001,"lon_e6":0}`, "position.lat_e6"},
		{"longitude beyond the antimeridian", `{"accuracy_m":5,"lat_e6":0,"lon_e6":-180000001}`, "position.lon_e6"},
		{"negative accuracy", `{"accuracy_m":-1,"lat_e6":0,"lon_e6":0}`, "position.accuracy_m"},
		{"accuracy too coarse", `{"accuracy_m":100001,"lat_e6":0,"lon_e6":0}`, "position.accuracy_m"},
		{"unknown field", `{"accuracy_m":5,"altitude_m":1200,"lat_e6":0,"lon_e6":0}`, ""},
		{"missing field", `{"lat_e6":0,"lon_e6":0}`, ""},
		{"degrees as a string", `{"accuracy_m":5,"lat_e6":"47.9","lon_e6":0}`, ""},
		{"not an object", `[47918900,106917600]`, ""},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			payload := []byte(`{"answers":{},"device_time":"2024-06-28T07:00:00+08:00","election":"e","form":"f","form_version":1,"id":"report-0001","position":` + tc.position + `,"station":"S1"}`)
			if !canonjson.IsCanonical(payload) {
				t.Fatalf("test payload not canonical: %s", payload)
			}
			e := &iltod.Envelope{Payload: payload, Key: priv.Public().(ed25519.PublicKey), Sig: ed25519.Sign(priv, iltod.SignedMessage(payload))}
			parsed, err := iltod.ParseEnvelope(e.Bytes())
			if err != nil {
				t.Fatal(err)
			}
			_, err = parsed.Report()
			if iltod.ErrorCodeOf(err) != iltod.EInvalid {
				t.Fatalf("Report() = %v (%s), want invalid", err, iltod.ErrorCodeOf(err))
			}
			if tc.field == "" {
				return
			}
			var ps iltod.Problems
			if !errors.As(err, &ps) || len(ps) != 1 || ps[0].Field != tc.field || ps[0].Msg == nil || !strings.HasPrefix(ps[0].Msg.Key, "error.position.") {
				t.Fatalf("problems = %#v, want one of field %s from the catalogue", ps, tc.field)
			}
			if en, mn := ps[0].MessageIn("en"), ps[0].MessageIn("mn"); en == mn || !strings.Contains(err.Error(), tc.field) {
				t.Errorf("messages %q / %q, error %q", en, mn, err)
			}
		})
	}
}
