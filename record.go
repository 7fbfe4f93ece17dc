package iltod

import (
	"slices"
	"sort"
)

// StationRecord is the merged view of one station's reports on one form: for each
// question, the value the observers agree on, or a conflict that keeps the field out of
// analysis until a reviewer resolves it.
type StationRecord struct {
	Election string `json:"election"`
	Station  string `json:"station"`
	Form     string `json:"form"`
	// Reports are the ids of the reports merged, in Seq order: one per observer, the
	// observer's latest.
	Reports []string `json:"reports"`
	// Entries parallel Reports: for each observer's entry, the channels by which that
	// observer reported on this station and form (app, sms, odk, clerk). An observer who
	// sent the same report by several channels is one entry with several channels, never
	// several entries. Entries name no observer.
	Entries []RecordEntry    `json:"entries,omitempty"`
	Fields  map[string]Field `json:"fields"`
	// Conflicts lists the tags in conflict, sorted.
	Conflicts []string `json:"conflicts,omitempty"`
}

// RecordEntry is one observer's entry in a station record: the report that counts and
// every channel by which the observer reported, sorted.
type RecordEntry struct {
	Report   string    `json:"report"`
	Channels []Channel `json:"channels"`
}

// Field is one question of a station record.
type Field struct {
	// Value is the agreed or resolved value; meaningless while Conflict is set.
	Value    Value `json:"value"`
	Conflict bool  `json:"conflict,omitempty"`
	// Variants lists each distinct value reported and the reports that gave it, when
	// there is more than one.
	Variants []Variant `json:"variants,omitempty"`
	// ResolvedBy is the Seq of the review event whose resolution gives Value, or 0.
	ResolvedBy uint64 `json:"resolved_by,omitempty"`
}

// Variant is one value reported for a field, and by which reports.
type Variant struct {
	Value   Value    `json:"value"`
	Reports []string `json:"reports"`
}

// MergeRecord merges the submissions of one station on one form (any version) with the
// reviewers' resolutions. Rejected and quarantined submissions are left out. Of each
// observer's submissions only the latest (highest Seq) counts: a later report corrects an
// earlier one. A field on which the counted reports disagree is a conflict, unless a
// resolution for it is newer than every report that gave it a value; a report that
// arrives after a resolution reopens the conflict if it disagrees. Merging is a pure
// function of its inputs, so anyone holding the same reports gets the same record.
func MergeRecord(election, station, form string, subs []Submission, res []Resolution) StationRecord {
	rec := StationRecord{Election: election, Station: station, Form: form, Fields: map[string]Field{}}
	latest := map[string]Submission{}
	channels := map[string][]Channel{}
	for _, s := range subs {
		if s.Report.Station != station || s.Report.Form != form || s.Status == Rejected || s.Status == Quarantined {
			continue
		}
		if prev, ok := latest[s.Observer]; !ok || s.Seq > prev.Seq {
			latest[s.Observer] = s
		}
		if !slices.Contains(channels[s.Observer], s.Channel) {
			channels[s.Observer] = append(channels[s.Observer], s.Channel)
		}
	}
	counted := make([]Submission, 0, len(latest))
	for _, s := range latest {
		counted = append(counted, s)
	}
	sort.Slice(counted, func(i, j int) bool { return counted[i].Seq < counted[j].Seq })
	resolved := map[string]Resolution{}
	for _, r := range res {
		if r.Station != station || r.Form != form {
			continue
		}
		if prev, ok := resolved[r.Tag]; !ok || r.Seq > prev.Seq {
			resolved[r.Tag] = r
		}
	}
	type acc struct {
		cands  []Variant
		newest uint64
	}
	fields := map[string]*acc{}
	for _, s := range counted {
		rec.Reports = append(rec.Reports, s.Report.ID)
		chs := channels[s.Observer]
		slices.Sort(chs)
		rec.Entries = append(rec.Entries, RecordEntry{Report: s.Report.ID, Channels: chs})
		for tag, v := range s.Report.Answers {
			a := fields[tag]
			if a == nil {
				a = &acc{}
				fields[tag] = a
			}
			a.newest = max(a.newest, s.Seq)
			found := false
			for i := range a.cands {
				if a.cands[i].Value.Equal(v) {
					a.cands[i].Reports = append(a.cands[i].Reports, s.Report.ID)
					found = true
					break
				}
			}
			if !found {
				a.cands = append(a.cands, Variant{Value: v, Reports: []string{s.Report.ID}})
			}
		}
	}
	for tag, a := range fields {
		f := Field{Value: a.cands[0].Value}
		if len(a.cands) > 1 {
			f.Variants = a.cands
			if r, ok := resolved[tag]; ok && r.Seq > a.newest {
				f.Value, f.ResolvedBy = r.Value, r.Seq
			} else {
				f.Conflict = true
				rec.Conflicts = append(rec.Conflicts, tag)
			}
		}
		rec.Fields[tag] = f
	}
	sort.Strings(rec.Conflicts)
	return rec
}
