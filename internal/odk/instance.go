package odk

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/iltod/iltod"
)

// Instance is a submitted XForm instance as read from xml_submission_file: the root's
// form id and version, the station, meta/instanceID and the text of every other field.
type Instance struct {
	FormID     string
	Version    string
	InstanceID string
	Station    string
	// Fields maps the element names of the root's children (other than station and
	// meta) to their text, trimmed; a field left empty is absent.
	Fields map[string]string
}

// MaxInstance bounds the instance document read by ParseInstance.
const MaxInstance = 1 << 20

// Errors of ParseInstance.
var (
	ErrInstance = errors.New("odk: malformed instance")
)

// ParseInstance reads an instance document: one root element with attributes id and
// version, whose children are fields with text only, and a meta element holding
// instanceID. It rejects documents larger than MaxInstance, nested fields outside meta,
// a field given twice, and a missing id, version or instanceID, with an error wrapping
// ErrInstance. Namespaces are ignored; element names are taken as written.
func ParseInstance(data []byte) (*Instance, error) {
	if len(data) > MaxInstance {
		return nil, fmt.Errorf("%w: larger than %d bytes", ErrInstance, MaxInstance)
	}
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	in := &Instance{Fields: map[string]string{}}
	var path []string
	var text strings.Builder
	seen := map[string]bool{}
	rootDone := false
	for {
		tok, err := d.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("%w: %v", ErrInstance, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if rootDone {
				return nil, fmt.Errorf("%w: two root elements", ErrInstance)
			}
			name := t.Name.Local
			switch len(path) {
			case 0:
				for _, a := range t.Attr {
					switch a.Name.Local {
					case "id":
						in.FormID = a.Value
					case "version":
						in.Version = a.Value
					}
				}
			case 1:
				if seen[name] {
					return nil, fmt.Errorf("%w: field %s given twice", ErrInstance, name)
				}
				seen[name] = true
			case 2:
				if path[1] != "meta" {
					return nil, fmt.Errorf("%w: field %s inside %s", ErrInstance, name, path[1])
				}
			default:
				return nil, fmt.Errorf("%w: nested too deep", ErrInstance)
			}
			path = append(path, name)
			text.Reset()
		case xml.CharData:
			if text.Len()+len(t) > iltod.MaxTextAnswer*4 {
				return nil, fmt.Errorf("%w: field too long", ErrInstance)
			}
			text.Write(t)
		case xml.EndElement:
			v := strings.TrimSpace(text.String())
			text.Reset()
			switch len(path) {
			case 1:
				rootDone = true
			case 2:
				switch path[1] {
				case "meta":
				case "station":
					in.Station = v
				default:
					if v != "" {
						in.Fields[path[1]] = v
					}
				}
			case 3:
				if path[2] == "instanceID" {
					in.InstanceID = v
				}
			}
			path = path[:len(path)-1]
		}
	}
	if !rootDone {
		return nil, fmt.Errorf("%w: no root element", ErrInstance)
	}
	if in.FormID == "" || in.Version == "" || in.InstanceID == "" {
		return nil, fmt.Errorf("%w: no form id, version or instanceID", ErrInstance)
	}
	return in, nil
}

// ReportID derives a report id from an instanceID ("uuid:…"): the same instance always
// gives the same report, so a resubmission is a duplicate, and an instanceID reused for
// other content is a conflict.
func ReportID(instanceID string) (string, bool) {
	id := strings.TrimPrefix(instanceID, "uuid:")
	id = "odk-" + id
	return id, iltod.ValidReportID(id)
}

// AnswerProblem says which field could not be read as an answer.
type AnswerProblem struct {
	Field, Value string
}

func (p *AnswerProblem) Error() string {
	return "odk: field " + p.Field + ": cannot read " + strconv.Quote(p.Value)
}

// Answers converts the instance's fields to answers, by the XForm's fields (Fields of
// the same Input): integers, yes/no, select one and several (space-separated), time
// (the first HH:MM of an XForms time), text, and photos, whose value is the attachment's
// file name and is returned in photos (answer tag → file name) for the caller to replace
// by the image's hash. A field the XForm does not have, one that does not apply at the
// instance's station, and a value of the wrong shape are an *AnswerProblem.
func Answers(in *Instance, fields []Field) (answers map[string]iltod.Value, photos map[string]string, err error) {
	byName := map[string]Field{}
	for _, f := range fields {
		byName[f.Name] = f
	}
	answers = map[string]iltod.Value{}
	photos = map[string]string{}
	for name, v := range in.Fields {
		f, ok := byName[name]
		if !ok || (f.Stations != nil && !contains(f.Stations, in.Station)) {
			return nil, nil, &AnswerProblem{Field: name, Value: v}
		}
		bad := &AnswerProblem{Field: name, Value: v}
		switch f.Item.Question.Type {
		case iltod.Integer:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, nil, bad
			}
			answers[f.Tag] = iltod.IntValue(n)
		case iltod.YesNo:
			switch v {
			case "yes":
				answers[f.Tag] = iltod.BoolValue(true)
			case "no":
				answers[f.Tag] = iltod.BoolValue(false)
			default:
				return nil, nil, bad
			}
		case iltod.SelectOne:
			answers[f.Tag] = iltod.Value{Kind: iltod.Str, Str: v}
		case iltod.SelectMultiple:
			answers[f.Tag] = iltod.Value{Kind: iltod.List, List: strings.Fields(v)}
		case iltod.TimeOfDay:
			if len(v) < 5 || v[2] != ':' {
				return nil, nil, bad
			}
			answers[f.Tag] = iltod.Value{Kind: iltod.Str, Str: v[:5]}
		case iltod.Photo:
			photos[f.Tag] = v
		default:
			answers[f.Tag] = iltod.Value{Kind: iltod.Str, Str: v}
		}
	}
	return answers, photos, nil
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}
