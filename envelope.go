package iltod

import (
	"bytes"
	"crypto/ed25519"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/internal/edverify"
)

// Envelope is a report as it travels from a device: the canonical JSON of the Report
// (Payload), the device's Ed25519 public key, and its signature over SignedMessage(Payload).
//
// On the wire an envelope is the JSON object {"key": …, "payload": …, "sig": …} with each
// value in standard base64 (RFC 4648, with padding). The envelope's own bytes, which the
// server stores and whose SHA-256 the log commits to, are the canonical JSON of that
// object (package canonjson). See docs/reports.md.
type Envelope struct {
	Payload []byte
	Key     ed25519.PublicKey
	Sig     []byte

	raw []byte // the canonical bytes, once computed
}

// Limits on envelopes.
const (
	// MaxEnvelopeSize bounds the canonical bytes of one envelope.
	MaxEnvelopeSize = 64 << 10
	// MaxAnswers bounds the answers of one report.
	MaxAnswers = 2000
)

// signingPrefix separates report signatures from any other use of a device key.
const signingPrefix = "iltod report v1\n"

// requestPrefix separates the signatures of device requests (DeviceRequest) from those
// of reports: a report can never be replayed as a request, nor a request as a report.
const requestPrefix = "iltod request v1\n"

// SignedMessage returns the bytes a device signs for a payload: "iltod report v1\n"
// followed by the payload.
func SignedMessage(payload []byte) []byte {
	return append([]byte(signingPrefix), payload...)
}

// RequestMessage returns the bytes a device signs for the payload of a request:
// "iltod request v1\n" followed by the payload.
func RequestMessage(payload []byte) []byte {
	return append([]byte(requestPrefix), payload...)
}

type wireEnvelope struct {
	Key     string `json:"key"`
	Payload string `json:"payload"`
	Sig     string `json:"sig"`
}

// Bytes returns the canonical bytes of the envelope. Standard base64 needs no escaping
// in JSON, and the keys are already in order, so the canonical form is written directly;
// a test checks it against canonjson. The result is computed once; do not modify the
// fields after calling Bytes.
func (e *Envelope) Bytes() []byte {
	if e.raw != nil {
		return e.raw
	}
	enc := base64.StdEncoding
	b := make([]byte, 0, 32+enc.EncodedLen(len(e.Key))+enc.EncodedLen(len(e.Payload))+enc.EncodedLen(len(e.Sig)))
	b = append(b, `{"key":"`...)
	b = enc.AppendEncode(b, e.Key)
	b = append(b, `","payload":"`...)
	b = enc.AppendEncode(b, e.Payload)
	b = append(b, `","sig":"`...)
	b = enc.AppendEncode(b, e.Sig)
	b = append(b, `"}`...)
	e.raw = b
	return b
}

// Hash returns the SHA-256 of the envelope's canonical bytes.
func (e *Envelope) Hash() [32]byte { return sha256.Sum256(e.Bytes()) }

// KeyID returns the device key id: the lower-case hex SHA-256 of the public key.
func KeyID(key ed25519.PublicKey) string {
	h := sha256.Sum256(key)
	return hex.EncodeToString(h[:])
}

// ParseEnvelope reads an envelope in its wire form (any JSON formatting) and checks its
// shape: exactly the three fields, valid base64, a 32-byte key, a 64-byte signature, a
// payload that is canonical JSON, and a size within MaxEnvelopeSize. It does not verify
// the signature; Verify does. Errors have code EInvalid.
func ParseEnvelope(data []byte) (*Envelope, error) {
	if len(data) > 2*MaxEnvelopeSize {
		return nil, E(ETooLarge, "error.envelope_too_large", map[string]any{"Max": MaxEnvelopeSize})
	}
	fields, ok := canonicalWire(data)
	if !ok {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		var w wireEnvelope
		if err := dec.Decode(&w); err != nil {
			return nil, E(EInvalid, "error.envelope_not_json", map[string]any{"Detail": err.Error()})
		}
		if dec.More() {
			return nil, E(EInvalid, "error.envelope_trailing", nil)
		}
		fields = [3][]byte{[]byte(w.Key), []byte(w.Payload), []byte(w.Sig)}
	}
	// Strictly canonical base64 in the canonical form (what devices send) encodes back to
	// the same text, so those bytes are the envelope's canonical bytes as they came.
	var raw []byte
	var d [3][]byte
	var errs [3]error
	if ok {
		if d, errs = decodeWire(fields, base64.StdEncoding.Strict()); errs == [3]error{} {
			raw = data
		}
	}
	if raw == nil {
		d, errs = decodeWire(fields, base64.StdEncoding)
	}
	key, payload, sig := d[0], d[1], d[2]
	err1, err2, err3 := errs[0], errs[1], errs[2]
	switch {
	case err1 != nil || len(key) != ed25519.PublicKeySize:
		return nil, E(EInvalid, "error.envelope_key", nil)
	case err2 != nil || len(payload) == 0:
		return nil, E(EInvalid, "error.envelope_payload", nil)
	case err3 != nil || len(sig) != ed25519.SignatureSize:
		return nil, E(EInvalid, "error.envelope_sig", nil)
	}
	e := &Envelope{Payload: payload, Key: key, Sig: sig}
	if raw != nil {
		e.raw = bytes.Clone(raw) // not the caller's: a request's buffer holds many envelopes
	}
	if n := len(e.Bytes()); n > MaxEnvelopeSize {
		return nil, E(ETooLarge, "error.envelope_size", map[string]any{"Size": n, "Max": MaxEnvelopeSize})
	}
	if err := canonjson.Check(payload); err != nil {
		return nil, E(EInvalid, "error.payload_not_canonical", map[string]any{"Detail": err.Error()})
	}
	return e, nil
}

// decodeWire decodes an envelope's three base64 fields with enc into one buffer: the
// three together are one allocation.
func decodeWire(fields [3][]byte, enc *base64.Encoding) (out [3][]byte, errs [3]error) {
	n := 0
	for _, f := range fields {
		n += enc.DecodedLen(len(f))
	}
	buf := make([]byte, 0, n)
	for i, f := range fields {
		start := len(buf)
		buf, errs[i] = enc.AppendDecode(buf, f)
		out[i] = buf[start:len(buf):len(buf)]
	}
	return out, errs
}

// canonicalWire reads an envelope written exactly as Envelope.Bytes writes it,
// {"key":"…","payload":"…","sig":"…"} with nothing but base64's characters in the
// values, which is how devices send it. Anything else is not ok, and ParseEnvelope reads
// it with encoding/json, which gives the same fields for what canonicalWire reads
// (FuzzParseEnvelope checks it) at several times the cost.
func canonicalWire(data []byte) (fields [3][]byte, ok bool) {
	rest := data
	field := func(name string) ([]byte, bool) {
		if !bytes.HasPrefix(rest, []byte(name)) {
			return nil, false
		}
		rest = rest[len(name):]
		for i, c := range rest {
			switch {
			case c == '"':
				v := rest[:i]
				rest = rest[i+1:]
				return v, true
			case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '+', c == '/', c == '=':
			default:
				return nil, false
			}
		}
		return nil, false
	}
	var ok1, ok2, ok3 bool
	fields[0], ok1 = field(`{"key":"`)
	if ok1 {
		fields[1], ok2 = field(`,"payload":"`)
	}
	if ok2 {
		fields[2], ok3 = field(`,"sig":"`)
	}
	return fields, ok3 && string(rest) == "}"
}

// IsCanonicalWire reports whether data is an envelope written exactly as Envelope.Bytes
// writes it: {"key":"…","payload":"…","sig":"…"} with only base64's characters in the
// values. Such bytes are one JSON object, whose values ParseEnvelope still checks.
func IsCanonicalWire(data []byte) bool {
	_, ok := canonicalWire(data)
	return ok
}

// Verify checks the signature of a report: over SignedMessage(Payload). It returns an
// *Error with code EBadSignature if it does not verify.
func (e *Envelope) Verify() error { return e.verify(SignedMessage(e.Payload)) }

// VerifyRequest checks the signature of a device request: over RequestMessage(Payload).
// It returns an *Error with code EBadSignature if it does not verify, as it does for a
// report's envelope, whose signature is over another message.
func (e *Envelope) VerifyRequest() error { return e.verify(RequestMessage(e.Payload)) }

// signatures verifies envelopes' signatures with exactly crypto/ed25519's rule, keeping
// the expanded keys of the devices seen most recently: a device signs every report with
// the same key, and expanding it is a third of a verification.
var signatures = edverify.New(0)

func (e *Envelope) verify(msg []byte) error {
	if !signatures.Verify(e.Key, msg, e.Sig) {
		return E(EBadSignature, "error.bad_signature", nil)
	}
	return nil
}

// Report decodes the payload. Unknown fields, fields of the wrong type, a missing id and
// answers that are not values are errors with code EInvalid; the report's own fields are
// checked by the caller.
func (e *Envelope) Report() (Report, error) {
	r, ok := decodeReport(e.Payload)
	if !ok {
		return reportOf(e.Payload)
	}
	return checkReport(r)
}

// reportOf decodes payload by the general path: canonjson.Parse to generic values, then
// reportFrom. It is what Report does when decodeReport declines, and the reference its
// tests hold decodeReport to; nothing else calls it.
func reportOf(payload []byte) (Report, error) {
	doc, err := canonjson.Parse(payload)
	if err != nil {
		return Report{}, E(EInvalid, "error.payload_not_canonical", map[string]any{"Detail": err.Error()})
	}
	r, err := reportFrom(doc)
	if err != nil {
		return Report{}, E(EInvalid, "error.payload_not_report", map[string]any{"Detail": err.Error()})
	}
	return checkReport(r)
}

// checkReport checks what a decoded report must hold whichever path decoded it.
func checkReport(r Report) (Report, error) {
	if !ValidReportID(r.ID) {
		return Report{}, E(EInvalid, "error.report_id", map[string]any{"ID": strconv.Quote(truncate(r.ID, 70))})
	}
	if len(r.Answers) > MaxAnswers {
		return Report{}, E(ETooLarge, "error.too_many_answers", map[string]any{"Count": len(r.Answers), "Max": MaxAnswers})
	}
	if r.Position != nil {
		var ps problems
		ps.nest("position", r.Position.Validate())
		if err := ps.list.Err(); err != nil {
			return Report{}, err
		}
	}
	return r, nil
}

// positionFrom builds a Position from a parsed canonical value: an object with exactly
// the fields lat_e6, lon_e6 and accuracy_m, each a whole number. Ranges are checked by
// Position.Validate.
func positionFrom(v any) (*Position, error) {
	obj, ok := v.(map[string]any)
	if !ok {
		return nil, fmt.Errorf("position must be an object")
	}
	var p Position
	fields := []struct {
		name string
		dst  *int64
	}{{"lat_e6", &p.LatE6}, {"lon_e6", &p.LonE6}, {"accuracy_m", &p.AccuracyM}}
	for _, f := range fields {
		n, ok := obj[f.name].(int64)
		if !ok {
			return nil, fmt.Errorf("position.%s must be a whole number", f.name)
		}
		*f.dst = n
	}
	if len(obj) != len(fields) {
		for key := range obj {
			if key != "lat_e6" && key != "lon_e6" && key != "accuracy_m" {
				return nil, fmt.Errorf("unknown field %q in position", truncate(key, 40))
			}
		}
	}
	return &p, nil
}

// reportFrom builds a Report from a parsed canonical payload, as encoding/json would
// decode it with unknown fields disallowed.
func reportFrom(doc any) (Report, error) {
	var r Report
	obj, ok := doc.(map[string]any)
	if !ok {
		return r, fmt.Errorf("a report is a JSON object")
	}
	str := func(key string, dst *string) error {
		v, ok := obj[key]
		if !ok || v == nil {
			return nil
		}
		s, ok := v.(string)
		if !ok {
			return fmt.Errorf("%s must be a string", key)
		}
		*dst = s
		return nil
	}
	for key, v := range obj {
		var err error
		switch key {
		case "id":
			err = str(key, &r.ID)
		case "election":
			err = str(key, &r.Election)
		case "station":
			err = str(key, &r.Station)
		case "form":
			err = str(key, &r.Form)
		case "device_time":
			err = str(key, &r.DeviceTime)
		case "form_version":
			n, ok := v.(int64)
			if v != nil && (!ok || n < -1<<31 || n > 1<<31-1) {
				err = fmt.Errorf("form_version must be a whole number")
			}
			r.FormVersion = int(n)
		case "answers":
			if v == nil {
				continue
			}
			m, ok := v.(map[string]any)
			if !ok {
				return r, fmt.Errorf("answers must be an object")
			}
			r.Answers = make(map[string]Value, len(m))
			for tag, a := range m {
				val, err := valueFrom(a)
				if err != nil {
					return r, fmt.Errorf("answer %s: %v", truncate(tag, 20), err)
				}
				r.Answers[tag] = val
			}
		case "position":
			if v == nil {
				continue
			}
			if r.Position, err = positionFrom(v); err != nil {
				return r, err
			}
		default:
			err = fmt.Errorf("unknown field %q", truncate(key, 40))
		}
		if err != nil {
			return r, err
		}
	}
	return r, nil
}

// valueFrom converts a parsed canonical JSON value to an answer, as Value.UnmarshalJSON.
func valueFrom(v any) (Value, error) {
	switch x := v.(type) {
	case nil:
		return Value{}, nil
	case bool:
		return BoolValue(x), nil
	case int64:
		return IntValue(x), nil
	case string:
		return StrValue(x), nil
	case []any:
		l := make([]string, len(x))
		for i, s := range x {
			str, ok := s.(string)
			if !ok {
				return Value{}, fmt.Errorf("a list answer must hold only strings")
			}
			l[i] = str
		}
		return ListValue(l), nil
	}
	return Value{}, fmt.Errorf("an answer must be null, a whole number, true, false, a string or a list of strings")
}

// SignReport returns the envelope of r signed with priv: what a device sends.
func SignReport(r Report, priv ed25519.PrivateKey) (*Envelope, error) {
	return sign(r, priv, SignedMessage)
}

// sign returns the envelope of v's canonical JSON signed with priv over message(payload).
func sign(v any, priv ed25519.PrivateKey, message func([]byte) []byte) (*Envelope, error) {
	payload, err := canonjson.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("canonical payload: %w", err)
	}
	return &Envelope{
		Payload: payload,
		Key:     priv.Public().(ed25519.PublicKey),
		Sig:     ed25519.Sign(priv, message(payload)),
	}, nil
}
