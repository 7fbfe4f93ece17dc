package qa

import (
	"math"
	"strings"
	"sync/atomic"
	"time"

	"github.com/iltod/iltod"
)

// The codes of the checks on where and when a report was made. They run on every report
// that arrives from a device, whatever its form's kind, after the form's own checks
// (internal/app). A form rule may not take these codes.
const (
	// Geofence: the device's position is within the election's geofence, plus the
	// position's stated accuracy, of the station's location.
	Geofence = "geofence"
	// DeviceClock: the device's clock, as sent in the Iltod-Device-Time header, is within
	// the election's clock tolerance of the server's, and the report is not dated after
	// it reached the server by more than that tolerance.
	DeviceClock = "device-clock"
)

// fieldCodes are the codes of CheckGeofence and CheckDeviceClock.
var fieldCodes = []string{Geofence, DeviceClock}

// EarthRadius is the mean radius of the Earth in metres (IUGG R1 = (2a + b) / 3 of the
// WGS 84 ellipsoid), the radius Haversine uses.
const EarthRadius = 6371008.8

// Haversine returns the great-circle distance in metres between two points given in
// degrees, on a sphere of radius EarthRadius. On the ellipsoid the true distance differs
// by at most about 0.5%, far less than a geofence needs.
func Haversine(lat1, lon1, lat2, lon2 float64) float64 {
	const rad = math.Pi / 180
	φ1, φ2 := lat1*rad, lat2*rad
	dφ, dλ := (lat2-lat1)*rad, (lon2-lon1)*rad
	h := math.Sin(dφ/2)*math.Sin(dφ/2) + math.Cos(φ1)*math.Cos(φ2)*math.Sin(dλ/2)*math.Sin(dλ/2)
	h = min(max(h, 0), 1)
	return 2 * EarthRadius * math.Asin(math.Sqrt(h))
}

// CheckGeofence compares a report's position with its station's location: it passes
// when the distance between them is at most geofence metres plus the position's
// accuracy, and fails otherwise. It is skipped when the report carries no position or
// the station has no location. The distance is rounded to the metre. The result's message
// shares storage with other results: callers MUST NOT modify it.
func CheckGeofence(st iltod.Station, pos *iltod.Position, geofence int) iltod.CheckResult {
	switch {
	case pos == nil:
		return result(Geofence, iltod.CheckSkipped, "", msg("qa.check.geofence.no_position", nil))
	case st.Location == nil:
		return result(Geofence, iltod.CheckSkipped, "", msg("qa.check.geofence.no_location", nil))
	}
	d := int64(math.Round(Haversine(st.Location.Lat, st.Location.Lon, pos.Lat(), pos.Lon())))
	limit := int64(geofence) + pos.AccuracyM
	a := args{"Distance": distance(d), "Limit": distance(limit), "Geofence": distance(int64(geofence)), "Accuracy": distance(pos.AccuracyM)}
	if d > limit {
		return result(Geofence, iltod.CheckFail, "", msg("qa.check.geofence.fail", a))
	}
	return result(Geofence, iltod.CheckPass, "", msg("qa.check.geofence.pass", a))
}

// distance writes a distance in metres: in metres below 10 km, else in whole kilometres.
// The message of a distance below shortDistances metres is made once and shared.
func distance(m int64) iltod.Message {
	if m >= 0 && m < shortDistances {
		if d := distances[m].Load(); d != nil {
			return *d
		}
		d := msg("qa.check.geofence.metres", args{"N": num(m)})
		distances[m].Store(&d)
		return d
	}
	if m < 10_000 {
		return msg("qa.check.geofence.metres", args{"N": num(m)})
	}
	return msg("qa.check.geofence.km", args{"N": num((m + 500) / 1000)})
}

// shortDistances bounds the distances whose messages distance keeps: those of a phone
// at its station, of its accuracy and of the geofence, which every report writes.
const shortDistances = 2048

var distances [shortDistances]atomic.Pointer[iltod.Message]

// DeviceTimeHeader is the request header in which a device sends its clock's time, RFC
// 3339, when it sends reports. It is not signed: it says only how far the phone's clock
// was from the server's when it sent.
const DeviceTimeHeader = "Iltod-Device-Time"

// ParseDeviceTime reads the value of the Iltod-Device-Time header: an RFC 3339 time,
// with or without fractional seconds, with surrounding spaces ignored.
func ParseDeviceTime(header string) (time.Time, bool) {
	s := strings.TrimSpace(header)
	if s == "" || len(s) > 64 {
		return time.Time{}, false
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, false
	}
	return t, true
}

// CheckDeviceClock judges the clock of the device that sent a report. sent is the
// Iltod-Device-Time header of the request ("" when absent), deviceTime the report's
// device_time, received when the server received it, and tol the election's clock
// tolerance.
//
// It fails when sent differs from received by more than tol either way (the phone's
// clock is wrong), or when deviceTime is later than received + tol (the report is dated
// in the future, whatever the header says); it passes when sent is within tol and the
// report is not dated in the future. A report dated well before it was received is not
// suspect: a phone without signal queues its reports. Without a readable header it is
// skipped, unless deviceTime already fails it. deviceTime is expected to be valid RFC
// 3339; one that is not is ignored.
func CheckDeviceClock(deviceTime, sent string, received time.Time, tol time.Duration) iltod.CheckResult {
	tolMsg := duration(tol, false)
	if dt, err := time.Parse(time.RFC3339, deviceTime); err == nil {
		if ahead := dt.Sub(received); ahead > tol {
			return result(DeviceClock, iltod.CheckFail, "", msg("qa.check.device_clock.future_fail",
				args{"DeviceTime": iltod.Lit(deviceTime), "Skew": duration(ahead, true), "Tolerance": tolMsg}))
		}
	}
	if strings.TrimSpace(sent) == "" {
		return result(DeviceClock, iltod.CheckSkipped, "", msg("qa.check.device_clock.no_header", nil))
	}
	st, ok := ParseDeviceTime(sent)
	if !ok {
		return result(DeviceClock, iltod.CheckSkipped, "", msg("qa.check.device_clock.bad_header", args{"Header": quoted(sent, 40)}))
	}
	skew := st.Sub(received)
	if abs(skew) < time.Second {
		return result(DeviceClock, iltod.CheckPass, "", msg("qa.check.device_clock.in_step", nil))
	}
	fail := skew > tol || skew < -tol
	a := args{"Skew": duration(abs(skew), fail), "Tolerance": tolMsg}
	var key string
	switch {
	case fail && skew > 0:
		key = "qa.check.device_clock.ahead_fail"
	case fail:
		key = "qa.check.device_clock.behind_fail"
	case skew > 0:
		key = "qa.check.device_clock.ahead_pass"
	default:
		key = "qa.check.device_clock.behind_pass"
	}
	outcome := iltod.CheckPass
	if fail {
		outcome = iltod.CheckFail
	}
	return result(DeviceClock, outcome, "", msg(key, a))
}

func abs(d time.Duration) time.Duration {
	if d < 0 {
		return -d
	}
	return d
}

// duration writes d, which is not negative: in seconds below two minutes, else in
// minutes, rounded up when up is set (so that a failing skew never reads as equal to the
// tolerance) and down otherwise.
func duration(d time.Duration, up bool) iltod.Message {
	if d < 2*time.Minute {
		s := d / time.Second
		if up && d%time.Second != 0 {
			s++
		}
		return iltod.MsgN("qa.check.device_clock.seconds", int(s), nil)
	}
	m := d / time.Minute
	if up && d%time.Minute != 0 {
		m++
	}
	return iltod.MsgN("qa.check.device_clock.minutes", int(m), nil)
}
