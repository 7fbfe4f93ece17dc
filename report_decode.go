package iltod

import "github.com/iltod/iltod/canonjson"

// decodeReport reads a payload in the shape devices write, straight into a Report: the
// canonical JSON of an object with only the fields of a Report, each of its type (not
// null), answers that are null, true, false, whole numbers, strings or lists of strings,
// and a position with its three fields. It does not build the generic value that
// reportFrom reads, and it checks the canonical form as it goes.
//
// ok is true only if the payload is canonical and reportFrom would give the same Report
// without error; for anything else (which may still be a valid report, such as one with
// a null field) it is false, and Report takes the generic path, which decides and
// explains. FuzzReportSame compares the two.
func decodeReport(payload []byte) (r Report, ok bool) {
	s := canonjson.NewScanner(payload)
	if !s.Skip('{') {
		return Report{}, false
	}
	if s.Skip('}') {
		return Report{}, s.End()
	}
	var prev string
	for first := true; ; first = false {
		key, ok := s.Key(prev, first)
		if !ok {
			return Report{}, false
		}
		prev = key
		switch key {
		case "answers":
			r.Answers, ok = decodeAnswers(&s)
		case "device_time":
			r.DeviceTime, ok = s.Str()
		case "election":
			r.Election, ok = s.Str()
		case "form":
			r.Form, ok = s.Str()
		case "form_version":
			var n int64
			n, ok = s.Int()
			ok = ok && n >= -1<<31 && n <= 1<<31-1
			r.FormVersion = int(n)
		case "id":
			r.ID, ok = s.Str()
		case "position":
			r.Position, ok = decodePosition(&s)
		case "station":
			r.Station, ok = s.Str()
		default:
			ok = false
		}
		if !ok {
			return Report{}, false
		}
		if !s.Skip(',') {
			if s.Skip('}') && s.End() {
				return r, true
			}
			return Report{}, false
		}
	}
}

// decodeAnswers reads the object of a report's answers, for decodeReport.
func decodeAnswers(s *canonjson.Scanner) (map[string]Value, bool) {
	if !s.Skip('{') {
		return nil, false
	}
	if s.Skip('}') {
		return map[string]Value{}, true
	}
	// Gathered first (on the stack for most reports), to make the map its final size.
	type answer struct {
		tag string
		val Value
	}
	var buf [32]answer
	list := buf[:0]
	var prev string
	for first := true; ; first = false {
		tag, ok := s.Key(prev, first)
		if !ok {
			return nil, false
		}
		prev = tag
		var v Value
		switch s.Next() {
		case 'n':
			ok = s.Null()
		case 't', 'f':
			var b bool
			b, ok = s.Bool()
			v = BoolValue(b)
		case '"':
			var str string
			str, ok = s.Str()
			v = StrValue(str)
		case '[':
			var l []string
			l, ok = decodeList(s)
			v = ListValue(l)
		default:
			var n int64
			n, ok = s.Int()
			v = IntValue(n)
		}
		if !ok {
			return nil, false
		}
		list = append(list, answer{tag, v})
		if !s.Skip(',') {
			if !s.Skip('}') {
				return nil, false
			}
			break
		}
	}
	m := make(map[string]Value, len(list))
	for _, a := range list {
		m[a.tag] = a.val
	}
	return m, true
}

// decodeList reads a list answer: an array of strings.
func decodeList(s *canonjson.Scanner) ([]string, bool) {
	if !s.Skip('[') {
		return nil, false
	}
	var buf [16]string
	l := buf[:0]
	if !s.Skip(']') {
		for {
			str, ok := s.Str()
			if !ok {
				return nil, false
			}
			l = append(l, str)
			if !s.Skip(',') {
				if !s.Skip(']') {
					return nil, false
				}
				break
			}
		}
	}
	return append(make([]string, 0, len(l)), l...), true
}

// decodePosition reads a position: exactly {"accuracy_m":…,"lat_e6":…,"lon_e6":…}.
func decodePosition(s *canonjson.Scanner) (*Position, bool) {
	var p Position
	ok := s.Skip('{')
	for i, f := range [...]struct {
		key string
		dst *int64
	}{{"accuracy_m", &p.AccuracyM}, {"lat_e6", &p.LatE6}, {"lon_e6", &p.LonE6}} {
		if ok && i > 0 {
			ok = s.Skip(',')
		}
		var key string
		if ok {
			key, ok = s.Key("", true)
		}
		if ok && key == f.key {
			*f.dst, ok = s.Int()
		} else {
			ok = false
		}
	}
	if !ok || !s.Skip('}') {
		return nil, false
	}
	return &p, true
}
