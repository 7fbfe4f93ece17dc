package iltod_test

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

func TestDeviceRequest(t *testing.T) {
	_, priv, _ := ed25519.GenerateKey(rand.Reader)
	req := iltod.DeviceRequest{Op: iltod.RequestStatus, Time: "2024-06-28T21:00:00+08:00", IDs: []string{"report-0001", "report-0002"}}
	env, err := iltod.SignRequest(req, priv)
	if err != nil {
		t.Fatal(err)
	}
	got, err := iltod.ParseEnvelope(env.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	if err := got.VerifyRequest(); err != nil {
		t.Fatalf("VerifyRequest: %v", err)
	}
	// Domain separation: a request's signature is no report's, and a report's no request's.
	if err := got.Verify(); iltod.ErrorCodeOf(err) != iltod.EBadSignature {
		t.Errorf("a request verified as a report: %v", err)
	}
	rep, _ := iltod.SignReport(iltod.Report{ID: "report-0001"}, priv)
	if err := rep.VerifyRequest(); iltod.ErrorCodeOf(err) != iltod.EBadSignature {
		t.Errorf("a report verified as a request: %v", err)
	}
	back, err := got.Request()
	if err != nil || !reflect.DeepEqual(back, req) {
		t.Fatalf("Request = %+v, %v", back, err)
	}

	ids := make([]string, iltod.MaxRequestIDs+1)
	for i := range ids {
		ids[i] = "report-0001"
	}
	many, _ := json.Marshal(ids)
	for _, tc := range []struct{ payload, key string }{
		{`{"op":"assignment","time":"2024-06-28T21:00:00Z"}`, ""},
		{`{"ids":["report-0001"],"op":"status","time":"2024-06-28T21:00:00Z"}`, ""},
		{`[]`, "error.request.not_object"},
		{`{"op":"delete","time":"2024-06-28T21:00:00Z"}`, "error.request.op"},
		{`{"op":"assignment"}`, "error.request.time"},
		{`{"op":"assignment","time":"yesterday"}`, "error.request.time"},
		{`{"op":"assignment","time":5}`, "error.request.time"},
		{`{"op":"status","time":"2024-06-28T21:00:00Z"}`, "error.request.ids"},
		{`{"ids":[],"op":"status","time":"2024-06-28T21:00:00Z"}`, "error.request.ids"},
		{`{"ids":` + string(many) + `,"op":"status","time":"2024-06-28T21:00:00Z"}`, "error.request.ids"},
		{`{"ids":"report-0001","op":"status","time":"2024-06-28T21:00:00Z"}`, "error.request.ids"},
		{`{"ids":["short"],"op":"status","time":"2024-06-28T21:00:00Z"}`, "error.request.bad_id"},
		{`{"ids":["report-0001"],"op":"assignment","time":"2024-06-28T21:00:00Z"}`, "error.request.ids_unwanted"},
		{`{"op":"assignment","station":"X","time":"2024-06-28T21:00:00Z"}`, "error.request.field"},
	} {
		e := &iltod.Envelope{Payload: []byte(tc.payload), Key: make([]byte, 32), Sig: make([]byte, 64)}
		p, err := iltod.ParseEnvelope(e.Bytes())
		if err != nil {
			t.Fatalf("%s: %v", tc.payload, err)
		}
		_, err = p.Request()
		var ie *iltod.Error
		switch {
		case tc.key == "" && err != nil:
			t.Errorf("%.60s: %v", tc.payload, err)
		case tc.key != "" && (!asError(err, &ie) || ie.Key != tc.key || ie.Code != iltod.EInvalid):
			t.Errorf("%.60s: error %v, want %s", tc.payload, err, tc.key)
		}
	}
}

func asError(err error, target **iltod.Error) bool {
	e, ok := err.(*iltod.Error)
	if ok {
		*target = e
	}
	return ok
}

// FuzzDeviceRequest: no payload panics Request, and what it accepts is what
// encoding/json reads, within the limits it promises.
func FuzzDeviceRequest(f *testing.F) {
	for _, s := range []string{
		`{"op":"assignment","time":"2024-06-28T21:00:00Z"}`,
		`{"ids":["report-0001","report-0002"],"op":"status","time":"2024-06-28T21:00:00+08:00"}`,
		`{"ids":[1],"op":"status","time":"2024-06-28T21:00:00Z"}`, `{"op":null}`, `[]`, `"x"`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		e := &iltod.Envelope{Payload: payload, Key: make([]byte, 32), Sig: make([]byte, 64)}
		p, err := iltod.ParseEnvelope(e.Bytes())
		if err != nil {
			return
		}
		r, err := p.Request()
		if err != nil {
			return
		}
		var want iltod.DeviceRequest
		dec := json.NewDecoder(bytes.NewReader(payload))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&want); err != nil {
			t.Fatalf("Request accepted %s, which encoding/json refuses: %v", payload, err)
		}
		if !reflect.DeepEqual(r, want) {
			t.Fatalf("Request = %+v, encoding/json reads %+v", r, want)
		}
		if (r.Op == iltod.RequestStatus) != (len(r.IDs) > 0) || len(r.IDs) > iltod.MaxRequestIDs || strings.TrimSpace(r.Time) == "" {
			t.Fatalf("accepted %+v", r)
		}
	})
}
