package iltod_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"reflect"
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
	} {
		f.Add((&iltod.Envelope{Payload: []byte(payload), Key: make([]byte, 32), Sig: make([]byte, 64)}).Bytes())
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		e, err := iltod.ParseEnvelope(data)
		if err != nil {
			return
		}
		raw := e.Bytes()
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
