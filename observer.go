package iltod

import (
	"fmt"
	"regexp"
	"strconv"
)

// ObserverRole is what an observer does on election day.
type ObserverRole string

// The observer roles.
const (
	// Static observers stay at their assigned station all day.
	Static ObserverRole = "static"
	// Mobile observers visit several assigned stations.
	Mobile ObserverRole = "mobile"
	// Supervisor observers oversee other observers and may report from any station they supervise.
	Supervisor ObserverRole = "supervisor"
)

var (
	observerCodeRe = regexp.MustCompile(`^[0-9]{3,10}$`)
	phoneRe        = regexp.MustCompile(`^\+[1-9][0-9]{6,14}$`)
	pinRe          = regexp.MustCompile(`^[0-9]{4,8}$`)
)

// Observer is a citizen observer. Name and Phones identify a person and are sensitive:
// they MUST NOT appear on a public page, in the log, or in a public export.
type Observer struct {
	// Code is the short numeric code the observer types in an SMS report.
	Code string `json:"code"`
	Name string `json:"name"`
	// Phones are E.164 numbers, e.g. "+97699112233"; SMS reports are matched by them.
	Phones []string `json:"phones,omitempty"`
	// Stations are the codes of the stations the observer may report from.
	Stations   []string     `json:"stations,omitempty"`
	Role       ObserverRole `json:"role"`
	Supervisor string       `json:"supervisor,omitempty"`
	// Lang is the language the observer reads (a language of the election), in which
	// SMS replies are written; "" means the election's first language.
	Lang string `json:"lang,omitempty"`
	// PIN, 4 to 8 digits, authenticates the observer's SMS reports from a phone number
	// that several observers share; each observer of a shared number MUST have one.
	// Sensitive, as Phones are.
	PIN string `json:"pin,omitempty"`
}

// Validate checks the observer's own fields. Stations and the supervisor are checked by
// Package.Validate.
func (o *Observer) Validate() error {
	var ps problems
	if !observerCodeRe.MatchString(o.Code) {
		ps.msg("code", "error.package.bad_observer_code", "Value", strconv.Quote(truncate(o.Code, 20)))
	}
	if o.Name == "" {
		ps.msg("name", "error.package.required")
	} else if msg := checkString(o.Name, MaxTextLen); msg.Key != "" {
		ps.put("name", msg)
	}
	seen := map[string]bool{}
	for i, p := range o.Phones {
		f := indexField("phones", i)
		if !phoneRe.MatchString(p) {
			ps.msg(f, "error.package.bad_phone", "Value", strconv.Quote(truncate(p, 20)))
		} else if seen[p] {
			ps.msg(f, "error.package.listed_twice", "Value", p)
		}
		seen[p] = true
	}
	if o.PIN != "" && !pinRe.MatchString(o.PIN) {
		ps.msg("pin", "error.package.sms.bad_pin")
	}
	switch o.Role {
	case Static, Mobile:
		if len(o.Stations) == 0 {
			ps.msg("stations", "error.package.needs_station", "Role", o.Role)
		}
	case Supervisor:
	default:
		ps.msg("role", "error.package.one_of", "Value", strconv.Quote(truncate(string(o.Role), 20)), "Options", Lit("static, mobile, supervisor"))
	}
	if o.Role == Static && len(o.Stations) > 1 {
		ps.msg("stations", "error.package.static_one", "Count", len(o.Stations))
	}
	seen = map[string]bool{}
	for i, s := range o.Stations {
		if seen[s] {
			ps.msg(indexField("stations", i), "error.package.station_twice", "Station", strconv.Quote(truncate(s, 70)))
		}
		seen[s] = true
	}
	if o.Supervisor != "" && o.Supervisor == o.Code {
		ps.msg("supervisor", "error.package.self_supervisor")
	}
	return ps.list.Err()
}

// String returns the observer's code only, so that a stray log line cannot leak a name.
func (o *Observer) String() string { return fmt.Sprintf("observer %s", o.Code) }
