// Package reportjson writes the JSON the stores keep for reports and their QA checks:
// the same JSON encoding/json writes, written directly, because a store encodes every
// report of a batch while the devices wait and encoding/json spends most of its time on
// reflection. The store uses it on SQLite and PostgreSQL alike, so both keep the same bytes.
package reportjson

import (
	"fmt"
	"strconv"

	"github.com/iltod/iltod"
)

// AppendReport appends the JSON of r: what json.Marshal writes, but with the answers in
// no particular order, and written directly, since AcceptReports encodes every report of
// a batch while the caller waits and encoding/json spends most of its time on reflection,
// on sorting the answers and on checking the output of Value.MarshalJSON. TestReportJSON
// checks that json.Unmarshal reads the same Report back from both.
func AppendReport(b []byte, r *iltod.Report) ([]byte, error) {
	b = append(b, `{"id":`...)
	b = iltod.AppendJSONString(b, r.ID)
	b = append(b, `,"election":`...)
	b = iltod.AppendJSONString(b, r.Election)
	b = append(b, `,"station":`...)
	b = iltod.AppendJSONString(b, r.Station)
	b = append(b, `,"form":`...)
	b = iltod.AppendJSONString(b, r.Form)
	b = append(b, `,"form_version":`...)
	b = strconv.AppendInt(b, int64(r.FormVersion), 10)
	b = append(b, `,"answers":`...)
	if r.Answers == nil {
		b = append(b, "null"...)
	} else {
		b = append(b, '{')
		first := true
		for tag, v := range r.Answers {
			if !first {
				b = append(b, ',')
			}
			first = false
			b = iltod.AppendJSONString(b, tag)
			b = append(b, ':')
			switch v.Kind {
			case iltod.NA:
				b = append(b, "null"...)
			case iltod.Int:
				b = strconv.AppendInt(b, v.Int, 10)
			case iltod.Bool:
				b = strconv.AppendBool(b, v.Bool)
			case iltod.Str:
				b = iltod.AppendJSONString(b, v.Str)
			case iltod.List:
				b = append(b, '[')
				for j, s := range v.List {
					if j > 0 {
						b = append(b, ',')
					}
					b = iltod.AppendJSONString(b, s)
				}
				b = append(b, ']')
			default:
				return nil, fmt.Errorf("answer %s: value of unknown kind %d", tag, v.Kind)
			}
		}
		b = append(b, '}')
	}
	b = append(b, `,"device_time":`...)
	b = iltod.AppendJSONString(b, r.DeviceTime)
	if p := r.Position; p != nil {
		b = append(b, `,"position":{"lat_e6":`...)
		b = strconv.AppendInt(b, p.LatE6, 10)
		b = append(b, `,"lon_e6":`...)
		b = strconv.AppendInt(b, p.LonE6, 10)
		b = append(b, `,"accuracy_m":`...)
		b = strconv.AppendInt(b, p.AccuracyM, 10)
		b = append(b, '}')
	}
	return append(b, '}'), nil
}

// AppendChecks appends the JSON of cs, as json.Marshal writes it.
func AppendChecks(b []byte, cs []iltod.CheckResult) []byte {
	if cs == nil {
		return append(b, "null"...)
	}
	b = append(b, '[')
	for i, c := range cs {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, `{"code":`...)
		b = iltod.AppendJSONString(b, c.Code)
		b = append(b, `,"outcome":`...)
		b = iltod.AppendJSONString(b, string(c.Outcome))
		if c.Contest != "" {
			b = append(b, `,"contest":`...)
			b = iltod.AppendJSONString(b, c.Contest)
		}
		if c.Detail != "" {
			b = append(b, `,"detail":`...)
			b = iltod.AppendJSONString(b, c.Detail)
		}
		if c.Msg != nil {
			b = append(b, `,"msg":`...)
			b = c.Msg.AppendJSON(b)
		}
		b = append(b, '}')
	}
	return append(b, ']')
}
