package ftm

import (
	"bufio"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
)

// IDPrefix starts every id that iltod gives an FtM entity.
const IDPrefix = "iltod-"

// ID returns the deterministic id of the entity known by key in namespace:
// "iltod-" and the hex SHA-256 of namespace, a NUL byte and key. The same
// namespace and key always give the same id, so that repeated exports of
// the same actor or incident merge in FtM tools.
func ID(namespace, key string) string {
	h := sha256.Sum256([]byte(namespace + "\x00" + key))
	return IDPrefix + hex.EncodeToString(h[:])
}

// Writer writes FtM entities as JSON lines: one entity a line, in the
// order written, with properties' keys sorted (encoding/json sorts map
// keys) and empty values left out, so that the same entities always give
// the same bytes.
type Writer struct {
	w   *bufio.Writer
	err error
}

// NewWriter returns a Writer to w. Call Flush when done.
func NewWriter(w io.Writer) *Writer { return &Writer{w: bufio.NewWriter(w)} }

// Write writes one entity. It refuses an entity without id or schema. The
// first error sticks: later calls return it and write nothing.
func (w *Writer) Write(e Entity) error {
	if w.err != nil {
		return w.err
	}
	if e.ID == "" || e.Schema == "" {
		return errors.New("ftm: entity without id or schema")
	}
	props := map[string][]string{}
	for k, vs := range e.Properties {
		for _, v := range vs {
			if strings.TrimSpace(v) != "" {
				props[k] = append(props[k], v)
			}
		}
	}
	b, err := json.Marshal(Entity{ID: e.ID, Schema: e.Schema, Properties: props})
	if err != nil {
		w.err = err
		return err
	}
	b = append(b, '\n')
	if _, err := w.w.Write(b); err != nil {
		w.err = err
	}
	return w.err
}

// Flush writes any buffered entities to the underlying writer.
func (w *Writer) Flush() error {
	if w.err != nil {
		return w.err
	}
	w.err = w.w.Flush()
	return w.err
}

// MaxLine bounds one JSON line that ReadEntities accepts.
const MaxLine = 16 << 20

// ReadEntities reads FtM JSON lines: one entity object a line; blank lines
// are skipped. It fails, naming the line, on a line that is not a JSON
// object with a string id and schema and a properties object of string
// arrays, on trailing data after the object, or on a line longer than
// MaxLine. It does not check entities against a model: see
// Model.Validate.
func ReadEntities(r io.Reader) ([]Entity, error) {
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64<<10), MaxLine)
	var out []Entity
	n := 0
	for sc.Scan() {
		n++
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		dec := json.NewDecoder(strings.NewReader(line))
		dec.DisallowUnknownFields()
		var e Entity
		if err := dec.Decode(&e); err != nil {
			return nil, fmt.Errorf("ftm: line %d: %w", n, err)
		}
		if dec.More() {
			return nil, fmt.Errorf("ftm: line %d: data after the entity", n)
		}
		if e.ID == "" || e.Schema == "" {
			return nil, fmt.Errorf("ftm: line %d: entity without id or schema", n)
		}
		if e.Properties == nil {
			e.Properties = map[string][]string{}
		}
		out = append(out, e)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("ftm: line %d: %w", n+1, err)
	}
	return out, nil
}

func props(kv ...string) map[string][]string {
	p := map[string][]string{}
	for i := 0; i+1 < len(kv); i += 2 {
		if kv[i+1] != "" {
			p[kv[i]] = append(p[kv[i]], kv[i+1])
		}
	}
	return p
}

// Party describes a Person, Organization or PublicBody.
type Party struct {
	Name    string
	Aliases []string
	Country string // ISO 3166-1 alpha-2, lower case
	Notes   string
}

func party(schema, ns, key string, p Party) Entity {
	e := Entity{ID: ID(ns, schema+":"+key), Schema: schema,
		Properties: props("name", p.Name, "country", p.Country, "notes", p.Notes)}
	for _, a := range p.Aliases {
		if a != "" {
			e.Properties["alias"] = append(e.Properties["alias"], a)
		}
	}
	return e
}

// Person builds a Person entity whose id derives from ns and key.
func Person(ns, key string, p Party) Entity { return party("Person", ns, key, p) }

// Organization builds an Organization entity whose id derives from ns and key.
func Organization(ns, key string, p Party) Entity { return party("Organization", ns, key, p) }

// PublicBody builds a PublicBody entity whose id derives from ns and key.
func PublicBody(ns, key string, p Party) Entity { return party("PublicBody", ns, key, p) }

// Position builds a Position named name within the organisation (or public
// body) whose entity id is orgID; orgID may be empty.
func Position(ns, key, name, orgID, country string) Entity {
	return Entity{ID: ID(ns, "Position:"+key), Schema: "Position",
		Properties: props("name", name, "organization", orgID, "country", country)}
}

// Occupancy builds the Occupancy of the Position postID by the Person
// holderID, with optional ISO 8601 start and end dates. Its id derives
// from the two ids and the start date.
func Occupancy(ns, holderID, postID, startDate, endDate string) Entity {
	return Entity{ID: ID(ns, "Occupancy:"+holderID+":"+postID+":"+startDate), Schema: "Occupancy",
		Properties: props("holder", holderID, "post", postID, "startDate", startDate, "endDate", endDate)}
}

// EventSpec describes an Event. Date is one ISO 8601 date; or StartDate and
// EndDate bound a span.
type EventSpec struct {
	Name        string
	Date        string
	StartDate   string
	EndDate     string
	Country     string
	Location    string
	Description string
	Involved    []string // entity ids of LegalEntity descendants
}

// Event builds an Event entity whose id derives from ns and key.
func Event(ns, key string, s EventSpec) Entity {
	e := Entity{ID: ID(ns, "Event:"+key), Schema: "Event",
		Properties: props("name", s.Name, "date", s.Date, "startDate", s.StartDate, "endDate", s.EndDate,
			"country", s.Country, "location", s.Location, "description", s.Description)}
	for _, id := range s.Involved {
		if id != "" {
			e.Properties["involved"] = append(e.Properties["involved"], id)
		}
	}
	return e
}

// DocumentSpec describes a Document or Image. SHA256 is the evidence hash
// iltod logs; FtM's contentHash is a SHA-1 checksum, so it is set only
// from SHA1, and the SHA-256 is kept in the entity's notes as
// "sha256:<hex>" and makes the id. The entity's name (which Thing
// requires) is Title, or FileName without one.
type DocumentSpec struct {
	FileName string
	MimeType string
	Title    string
	SHA256   string
	SHA1     string
	Date     string
}

func document(schema, ns string, s DocumentSpec) Entity {
	key := s.SHA256
	if key == "" {
		key = s.FileName
	}
	notes := ""
	if s.SHA256 != "" {
		notes = "sha256:" + s.SHA256
	}
	name := s.Title
	if name == "" {
		name = s.FileName
	}
	return Entity{ID: ID(ns, schema+":"+key), Schema: schema,
		Properties: props("name", name, "fileName", s.FileName, "mimeType", s.MimeType, "title", s.Title,
			"contentHash", s.SHA1, "notes", notes, "date", s.Date)}
}

// Document builds a Document entity; its id derives from ns and the
// SHA-256 (or, without one, the file name).
func Document(ns string, s DocumentSpec) Entity { return document("Document", ns, s) }

// Image builds an Image entity, as Document does.
func Image(ns string, s DocumentSpec) Entity { return document("Image", ns, s) }

// Documentation links the document documentID to the entity entityID
// (any Thing), with an optional role such as "evidence".
func Documentation(ns, documentID, entityID, role string) Entity {
	return Entity{ID: ID(ns, "Documentation:"+documentID+":"+entityID), Schema: "Documentation",
		Properties: props("document", documentID, "entity", entityID, "role", role)}
}
