package analysis

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/iltod/iltod/locales"
	"github.com/iltod/iltod/stats/pvt"
)

// The ways a frame can be stratified, besides an area level name such as "region".
const (
	// ByStratum stratifies by each station's own Stratum label.
	ByStratum = "stratum"
	// ByNone draws a simple random sample: one stratum.
	ByNone = "none"
)

// SampleDoc is a PVT sample as iltod stores it with the election: the sample and the rule
// that built the frame it was drawn from, so that anyone can rebuild the frame from the
// election package and check the draw (pvt.Sample.Verify).
type SampleDoc struct {
	// StratifyBy says how each station's stratum was set: ByStratum, ByNone, or the name of
	// an area level (each station's ancestor at that level, e.g. "region").
	StratifyBy string     `json:"stratify_by"`
	Sample     pvt.Sample `json:"sample"`
}

// Frame returns the sampling frame of the election: every station in package order, with
// its stratum set by the rule `by` (see SampleDoc.StratifyBy). A station with no ancestor
// at the level, or no Stratum label under ByStratum, gets the label "" — its own stratum.
func (x *Election) Frame(by string) ([]pvt.FrameStation, error) {
	switch by {
	case ByStratum, ByNone:
	default:
		if iltod.Level(by).Rank() < 0 {
			return nil, iltod.E(iltod.EInvalid, "stats.analysis.err_stratify", locales.Args{"By": strconv.Quote(by), "Stratum": strconv.Quote(ByStratum), "None": strconv.Quote(ByNone)})
		}
	}
	frame := make([]pvt.FrameStation, len(x.Stations))
	for i := range x.Stations {
		s := &x.Stations[i]
		frame[i].Code = s.Code
		switch by {
		case ByStratum:
			frame[i].Stratum = s.Stratum
		case ByNone:
		default:
			for _, a := range x.anc[i] {
				if x.Areas[a].Level == iltod.Level(by) {
					frame[i].Stratum = x.Areas[a].Code
				}
			}
		}
	}
	return frame, nil
}

// Draw draws a PVT sample from the election's frame stratified by `by`.
func (x *Election) Draw(by string, opt pvt.DrawOptions) (SampleDoc, error) {
	frame, err := x.Frame(by)
	if err != nil {
		return SampleDoc{}, err
	}
	s, err := pvt.Draw(frame, opt)
	if err != nil {
		return SampleDoc{}, iltod.E(iltod.EInvalid, "stats.analysis.err_draw", locales.Args{"Reason": textOf(err)})
	}
	return SampleDoc{StratifyBy: by, Sample: s}, nil
}

// Marshal returns the canonical JSON of d, as the store keeps it.
func (d SampleDoc) Marshal() ([]byte, error) { return canonjson.Marshal(d) }

// ParseSample reads a SampleDoc from JSON.
func ParseSample(data []byte) (SampleDoc, error) {
	var d SampleDoc
	if err := json.Unmarshal(data, &d); err != nil {
		return SampleDoc{}, fmt.Errorf("analysis: sample: %w", err)
	}
	return d, nil
}

// drawn is a sample placed on the election: the stratum of every frame station and the
// primary sampled stations.
type drawn struct {
	doc     SampleDoc
	strata  []string       // stratum labels, index = stratum id
	stratum []int32        // per station: stratum id
	sampled map[int32]bool // station index → drawn (primary, not reserve)
}

// Sample is a SampleDoc placed on an election by Election.Place: checked against the
// election's frame and indexed. It is read-only and safe for concurrent use.
type Sample struct {
	x *Election
	d *drawn
}

// Doc returns the sample as stored.
func (s *Sample) Doc() SampleDoc { return s.d.doc }

// Place checks that d was drawn from this election's frame (pvt.Sample.Verify) and
// indexes it for Run. A sample that does not fit is EInvalid.
func (x *Election) Place(d SampleDoc) (*Sample, error) {
	p, err := x.place(d)
	if err != nil {
		return nil, err
	}
	return &Sample{x: x, d: p}, nil
}

// place checks the sample against the election's frame and indexes it.
func (x *Election) place(d SampleDoc) (*drawn, error) {
	frame, err := x.Frame(d.StratifyBy)
	if err != nil {
		return nil, err
	}
	if err := d.Sample.Verify(frame); err != nil {
		return nil, iltod.E(iltod.EInvalid, "stats.analysis.err_sample_misfit", locales.Args{"Reason": textOf(err)})
	}
	p := &drawn{doc: d, stratum: make([]int32, len(frame)), sampled: map[int32]bool{}}
	ids := map[string]int32{}
	for i, f := range frame {
		id, ok := ids[f.Stratum]
		if !ok {
			id = int32(len(p.strata))
			ids[f.Stratum] = id
			p.strata = append(p.strata, f.Stratum)
		}
		p.stratum[i] = id
	}
	for _, st := range d.Sample.Strata {
		for _, code := range st.Stations {
			s, ok := x.station[code]
			if !ok {
				return nil, iltod.E(iltod.EInvalid, "stats.analysis.err_sample_station", locales.Args{"Station": strconv.Quote(code)})
			}
			p.sampled[s] = true
		}
	}
	return p, nil
}
