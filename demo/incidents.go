package demo

import (
	"bytes"
	_ "embed"
	"fmt"

	"go.yaml.in/yaml/v3"

	"github.com/iltod/iltod"
)

// The demonstration's incidents: a fictional, clearly marked set of actors (a governor,
// a police chief, their bodies, an organisation), their positions, and incidents in every
// state of review, which `iltod demo` loads through the app's own steps. Names say
// "(fictional)" and "(зохиомол)"; narratives begin with "Fictional demonstration".

//go:embed incidents.yaml
var incidentsYAML []byte

// Incidents is the demonstration's set of actors, positions, occupancies and incidents.
type Incidents struct {
	// Reason is the reason given for each step of review.
	Reason      string          `yaml:"reason"`
	Actors      []DemoActor     `yaml:"actors"`
	Positions   []DemoPosition  `yaml:"positions"`
	Occupancies []DemoOccupancy `yaml:"occupancies"`
	Incidents   []DemoIncident  `yaml:"incidents"`
}

// DemoActor is an actor of the demonstration.
type DemoActor struct {
	Code      string          `yaml:"code"`
	Kind      iltod.ActorKind `yaml:"kind"`
	Name      iltod.Text      `yaml:"name"`
	Country   string          `yaml:"country"`
	BirthDate string          `yaml:"birth_date"`
	Notes     string          `yaml:"notes"`
}

// DemoPosition is a position in a body of the demonstration.
type DemoPosition struct {
	Code  string     `yaml:"code"`
	Body  string     `yaml:"body"`
	Title iltod.Text `yaml:"title"`
}

// DemoOccupancy is an actor holding a position from Start (YYYY-MM-DD).
type DemoOccupancy struct {
	Actor    string `yaml:"actor"`
	Position string `yaml:"position"`
	Start    string `yaml:"start"`
}

// DemoIncident is an incident of the demonstration and the state it is brought to.
type DemoIncident struct {
	// Key names the incident in the demonstration (its id is drawn at random).
	Key      string `yaml:"key"`
	Category string `yaml:"category"`
	Severity string `yaml:"severity"`
	// Start and End are RFC 3339 times; End may be empty.
	Start     string               `yaml:"start"`
	End       string               `yaml:"end"`
	Place     DemoPlace            `yaml:"place"`
	Source    iltod.IncidentSource `yaml:"source"`
	Narrative string               `yaml:"narrative"`
	Evidence  []DemoEvidence       `yaml:"evidence"`
	// Status is where review brings it: unverified, corroborated, verified or rejected.
	Status iltod.IncidentStatus `yaml:"status"`
	// Redactions name what is hidden; "evidence/N" names the Nth evidence. A verified
	// incident is redacted (prepared for publication) unless Unredacted.
	Redactions []iltod.Redaction `yaml:"redactions"`
	Unredacted bool              `yaml:"unredacted"`
	// PublicCopy lists the evidence (by index) whose published copy is made: JPEGs only.
	PublicCopy []int      `yaml:"public_copy"`
	Links      []DemoLink `yaml:"links"`
}

// DemoPlace is one of a station, an area or a position.
type DemoPlace struct {
	Station  string `yaml:"station"`
	Area     string `yaml:"area"`
	Position *struct {
		Lat       float64 `yaml:"lat"`
		Lon       float64 `yaml:"lon"`
		AccuracyM int64   `yaml:"accuracy_m"`
	} `yaml:"position"`
}

// DemoEvidence is a piece of evidence: a text document, or a JPEG photo that the demo
// draws (with an EXIF GPS position, which its published copy loses).
type DemoEvidence struct {
	Kind    string `yaml:"kind"` // "text" or "jpeg"
	Text    string `yaml:"text"`
	Caption string `yaml:"caption"`
}

// DemoLink links an actor in a role, resting on evidence by index.
type DemoLink struct {
	Actor    string          `yaml:"actor"`
	Role     iltod.ActorRole `yaml:"role"`
	Evidence []int           `yaml:"evidence"`
}

// LoadIncidents returns the demonstration's incidents, actors and positions.
func LoadIncidents() (*Incidents, error) {
	var in Incidents
	dec := yaml.NewDecoder(bytes.NewReader(incidentsYAML))
	dec.KnownFields(true)
	if err := dec.Decode(&in); err != nil {
		return nil, fmt.Errorf("demo incidents: %w", err)
	}
	return &in, nil
}
