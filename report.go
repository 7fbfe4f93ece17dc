package iltod

import (
	"bytes"
	"encoding/json"
	"fmt"
	"sort"
	"time"
)

// Channel is how a report reached the server.
type Channel string

// The channels.
const (
	ChannelApp   Channel = "app"   // signed on the observer's enrolled device
	ChannelSMS   Channel = "sms"   // a coded SMS, attested by the server
	ChannelODK   Channel = "odk"   // an OpenRosa submission, attested by the server
	ChannelClerk Channel = "clerk" // entered by a clerk from a phone call or paper, attested by the server
)

// ValidReportID reports whether s can be a report id: 8 to 64 letters, digits, '_' and '-'
// (a UUID or a ULID qualifies). It is the regular expression ^[A-Za-z0-9_-]{8,64}$
// written out, which costs a twentieth of matching one, for every report taken.
func ValidReportID(s string) bool {
	if len(s) < 8 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case 'A' <= c && c <= 'Z', 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '_', c == '-':
		default:
			return false
		}
	}
	return true
}

// Report is one submission as its author wrote it: the payload that a device signs. Its
// canonical JSON (package canonjson) is what the signature covers.
//
// A report does not name its observer: the server knows the observer from the enrolled
// device (see Submission.Observer), and a report published with its envelope and proof
// then carries no observer identity, only the device's key, a pseudonym that the store
// alone can link to a person.
type Report struct {
	// ID is chosen by the client and makes submission idempotent: the same ID with the
	// same content is the same report; with other content it is a conflict.
	ID          string `json:"id"`
	Election    string `json:"election"`
	Station     string `json:"station"`
	Form        string `json:"form"`
	FormVersion int    `json:"form_version"`
	// Answers maps question tags (expanded, as K1, K2 …) to values. A tag that is absent
	// was not answered; a Value with NA set means "not applicable".
	Answers map[string]Value `json:"answers"`
	// DeviceTime is when the author finished the report by their own clock, RFC 3339.
	DeviceTime string `json:"device_time"`
	// Position is where the device was when the report was made, if the observer let
	// the app read it; nil when not given. QA compares it with the station's location
	// (the geofence check).
	Position *Position `json:"position,omitempty"`
}

// Position is a point on the WGS 84 ellipsoid as a device measured it, in whole
// micro-degrees, so that a signed report holds integers only (canonical JSON has no
// fractions): 47.918900° is 47918900. A micro-degree is at most 0.11 m.
type Position struct {
	LatE6 int64 `json:"lat_e6"`
	LonE6 int64 `json:"lon_e6"`
	// AccuracyM is the radius in metres within which the device says the true position
	// lies (the Geolocation API's accuracy, rounded up).
	AccuracyM int64 `json:"accuracy_m"`
}

// Limits of a Position.
const (
	MaxLatE6     = 90_000_000
	MaxLonE6     = 180_000_000
	MaxAccuracyM = 100_000
)

// Lat returns the latitude in degrees.
func (p Position) Lat() float64 { return float64(p.LatE6) / 1e6 }

// Lon returns the longitude in degrees.
func (p Position) Lon() float64 { return float64(p.LonE6) / 1e6 }

// Validate reports a latitude outside ±90°, a longitude outside ±180° and an accuracy
// outside 0..MaxAccuracyM metres, as Problems whose fields are the JSON names
// ("lat_e6").
func (p Position) Validate() error {
	var ps problems
	if p.LatE6 < -MaxLatE6 || p.LatE6 > MaxLatE6 {
		ps.msg("lat_e6", "error.position.lat", "Value", p.LatE6)
	}
	if p.LonE6 < -MaxLonE6 || p.LonE6 > MaxLonE6 {
		ps.msg("lon_e6", "error.position.lon", "Value", p.LonE6)
	}
	if p.AccuracyM < 0 || p.AccuracyM > MaxAccuracyM {
		ps.msg("accuracy_m", "error.position.accuracy", "Value", p.AccuracyM, "Max", MaxAccuracyM)
	}
	return ps.list.Err()
}

// ValueKind says what a Value holds.
type ValueKind uint8

// The kinds of value. JSON: NA is null, Int a number, Bool true or false, Str a string,
// List an array of strings.
const (
	NA ValueKind = iota
	Int
	Bool
	Str
	List
)

// Value is one answer. The zero Value is "not applicable".
type Value struct {
	Kind ValueKind
	Int  int64
	Bool bool
	Str  string
	List []string
}

// Constructors for values.
func IntValue(i int64) Value     { return Value{Kind: Int, Int: i} }
func BoolValue(b bool) Value     { return Value{Kind: Bool, Bool: b} }
func StrValue(s string) Value    { return Value{Kind: Str, Str: s} }
func ListValue(l []string) Value { return Value{Kind: List, List: l} }

// MaxSafeInt is the largest integer a report may carry, so that every JSON reader agrees.
const MaxSafeInt = 1<<53 - 1

// MarshalJSON encodes v as null, a number, a boolean, a string or an array of strings.
func (v Value) MarshalJSON() ([]byte, error) {
	switch v.Kind {
	case NA:
		return []byte("null"), nil
	case Int:
		return []byte(fmt.Sprint(v.Int)), nil
	case Bool:
		return json.Marshal(v.Bool)
	case Str:
		return json.Marshal(v.Str)
	case List:
		if v.List == nil {
			return []byte("[]"), nil
		}
		return json.Marshal(v.List)
	}
	return nil, fmt.Errorf("value of unknown kind %d", v.Kind)
}

// UnmarshalJSON decodes what MarshalJSON writes. Numbers must be integers within
// ±MaxSafeInt; arrays must hold strings.
func (v *Value) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case len(b) == 0:
		return fmt.Errorf("empty value")
	case string(b) == "null":
		*v = Value{}
	case string(b) == "true" || string(b) == "false":
		*v = BoolValue(string(b) == "true")
	case b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*v = StrValue(s)
	case b[0] == '[':
		var l []string
		if err := json.Unmarshal(b, &l); err != nil {
			return fmt.Errorf("a list answer must hold only strings")
		}
		if l == nil {
			l = []string{}
		}
		*v = ListValue(l)
	default:
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return fmt.Errorf("an answer must be null, a whole number, true, false, a string or a list of strings")
		}
		i, err := n.Int64()
		if err != nil || i > MaxSafeInt || i < -MaxSafeInt {
			return fmt.Errorf("%s is not a whole number within ±2^53", truncate(n.String(), 30))
		}
		*v = IntValue(i)
	}
	return nil
}

func (v Value) String() string {
	b, _ := v.MarshalJSON()
	return string(b)
}

// Equal reports whether v and w are the same answer.
func (v Value) Equal(w Value) bool {
	if v.Kind != w.Kind {
		return false
	}
	switch v.Kind {
	case Int:
		return v.Int == w.Int
	case Bool:
		return v.Bool == w.Bool
	case Str:
		return v.Str == w.Str
	case List:
		if len(v.List) != len(w.List) {
			return false
		}
		a, b := append([]string(nil), v.List...), append([]string(nil), w.List...)
		sort.Strings(a)
		sort.Strings(b)
		for i := range a {
			if a[i] != b[i] {
				return false
			}
		}
	}
	return true
}

// ReviewStatus is where a report or a station record stands in review.
type ReviewStatus string

// The review statuses.
const (
	Unreviewed  ReviewStatus = "unreviewed"
	Verified    ReviewStatus = "verified"
	Rejected    ReviewStatus = "rejected"
	Quarantined ReviewStatus = "quarantined"
)

// CheckOutcome is the result of one QA check.
type CheckOutcome string

// The outcomes. A check that could not be evaluated (an answer missing or not
// applicable) is skipped, never counted as passed or failed.
const (
	CheckPass    CheckOutcome = "pass"
	CheckFail    CheckOutcome = "fail"
	CheckSkipped CheckOutcome = "skipped"
)

// CheckResult is one QA check's outcome on one report.
type CheckResult struct {
	// Code names the check: a built-in such as "over-voting" or a form rule's code.
	Code    string       `json:"code"`
	Outcome CheckOutcome `json:"outcome"`
	// Contest is the contest the check was about, if any.
	Contest string `json:"contest,omitempty"`
	// Detail says, as text, what was compared: "CB 1021 > registered 1000 (station
	// register) + allowance 5". QA leaves it empty and says it in Msg; a response or a
	// page sets it to Msg in its reader's language (DetailIn). A result made before QA
	// spoke the catalogue has only Detail, in English; one stored before QA left Detail
	// empty has both, Detail being Msg in English.
	Detail string `json:"detail,omitempty"`
	// Msg says what was compared as a message of the catalogue, to be written in the
	// reader's language (DetailIn); nil for results made before QA spoke the catalogue.
	Msg *Message `json:"msg,omitempty"`
}

// DetailIn returns c's detail in the language lang: Msg written in lang, or the English
// Detail when c has no Msg.
func (c CheckResult) DetailIn(lang string) string {
	if c.Msg != nil {
		return c.Msg.In(lang)
	}
	return c.Detail
}

// Flagged reports whether any check failed.
func Flagged(results []CheckResult) bool {
	for _, r := range results {
		if r.Outcome == CheckFail {
			return true
		}
	}
	return false
}

// Submission is a report as the server accepted it: the envelope it came in, how it was
// attested, when it arrived, its QA outcome and review status, and where it is in the log.
// Observer identity stays in the store; only EnvelopeHash reaches the log.
type Submission struct {
	Report Report `json:"report"`
	// Observer is the code of the observer who sent the report: for the app channel, the
	// observer the device was enrolled for. Sensitive: never published.
	Observer string  `json:"observer"`
	Channel  Channel `json:"channel"`
	Envelope []byte  `json:"envelope"`
	// EnvelopeHash is SHA-256 of Envelope, the value committed to the log.
	EnvelopeHash [32]byte      `json:"envelope_hash"`
	DeviceKey    string        `json:"device_key,omitempty"`
	Received     time.Time     `json:"received"`
	Checks       []CheckResult `json:"checks,omitempty"`
	Status       ReviewStatus  `json:"status"`
	// Seq is the store's sequence number of the acceptance event, which orders the log.
	Seq uint64 `json:"seq"`
}

// Device is an observer's enrolled signing key.
type Device struct {
	// KeyID is the hex SHA-256 of the public key, the device's stable name.
	KeyID     string     `json:"key_id"`
	PublicKey []byte     `json:"public_key"`
	Election  string     `json:"election"`
	Observer  string     `json:"observer"`
	Enrolled  time.Time  `json:"enrolled"`
	Revoked   *time.Time `json:"revoked,omitempty"`
}
