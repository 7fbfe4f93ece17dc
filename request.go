package iltod

import (
	"crypto/ed25519"
	"strconv"
	"time"

	"github.com/iltod/iltod/canonjson"
)

// DeviceRequest is what an enrolled device asks of the server besides sending reports:
// its assignment, or the state of its reports. It travels in an Envelope like a report,
// but signed over RequestMessage(payload), so that a report's signature can never pass
// for a request's nor the other way round. See docs/reports.md, "Device requests".
//
// No time window is enforced: a request only reads, and a replay returns the same data
// to whoever captured the reply.
type DeviceRequest struct {
	// Op is RequestAssignment or RequestStatus.
	Op string `json:"op"`
	// Time is the device's clock when it made the request, RFC 3339.
	Time string `json:"time"`
	// IDs are the report ids whose state is asked, for RequestStatus only: 1 to
	// MaxRequestIDs of them.
	IDs []string `json:"ids,omitempty"`
}

// The operations of a DeviceRequest.
const (
	RequestAssignment = "assignment"
	RequestStatus     = "status"
)

// MaxRequestIDs bounds the report ids of one status request.
const MaxRequestIDs = 1000

// Request decodes the payload as a device request and checks it: an object with a known
// op, the device time in RFC 3339, and for a status request between 1 and MaxRequestIDs
// valid report ids (and for any other, none). Errors have code EInvalid.
func (e *Envelope) Request() (DeviceRequest, error) {
	doc, err := canonjson.Parse(e.Payload)
	if err != nil {
		return DeviceRequest{}, E(EInvalid, "error.payload_not_canonical", map[string]any{"Detail": err.Error()})
	}
	return requestFrom(doc)
}

// requestFrom builds a DeviceRequest from a parsed canonical payload and checks it.
func requestFrom(doc any) (DeviceRequest, error) {
	var r DeviceRequest
	obj, ok := doc.(map[string]any)
	if !ok {
		return r, E(EInvalid, "error.request.not_object", nil)
	}
	for key, v := range obj {
		switch key {
		case "op":
			s, _ := v.(string)
			r.Op = s
		case "time":
			s, ok := v.(string)
			if !ok {
				return r, E(EInvalid, "error.request.time", nil)
			}
			r.Time = s
		case "ids":
			list, ok := v.([]any)
			if !ok {
				return r, E(EInvalid, "error.request.ids", map[string]any{"Max": MaxRequestIDs})
			}
			r.IDs = make([]string, len(list))
			for i, x := range list {
				id, ok := x.(string)
				if !ok || !ValidReportID(id) {
					return r, E(EInvalid, "error.request.bad_id", map[string]any{"Index": i + 1})
				}
				r.IDs[i] = id
			}
		default:
			return r, E(EInvalid, "error.request.field", map[string]any{"Field": strconv.Quote(truncate(key, 40))})
		}
	}
	switch {
	case r.Op != RequestAssignment && r.Op != RequestStatus:
		return r, E(EInvalid, "error.request.op", map[string]any{"Assignment": RequestAssignment, "Status": RequestStatus})
	case !validTime(r.Time):
		return r, E(EInvalid, "error.request.time", nil)
	case r.Op == RequestStatus && (len(r.IDs) == 0 || len(r.IDs) > MaxRequestIDs):
		return r, E(EInvalid, "error.request.ids", map[string]any{"Max": MaxRequestIDs})
	case r.Op != RequestStatus && r.IDs != nil:
		return r, E(EInvalid, "error.request.ids_unwanted", nil)
	}
	return r, nil
}

func validTime(s string) bool {
	_, err := time.Parse(time.RFC3339, s)
	return err == nil
}

// SignRequest returns the envelope of r signed with priv for a device request.
func SignRequest(r DeviceRequest, priv ed25519.PrivateKey) (*Envelope, error) {
	return sign(r, priv, RequestMessage)
}
