package iltod_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/iltod/iltod"
)

func TestSampleRecordValidate(t *testing.T) {
	ok := iltod.SampleRecord{Election: "mn-2024", Note: "drawn in public\n\twith dice", Stations: 3,
		Sample: []byte(`{"method":"stratified-v1","seed":"42","strata":[{"stations":["1","2"],"stratum":"Улаанбаатар"}]}`)}
	if err := ok.Validate(); err != nil {
		t.Errorf("a good sample: %v", err)
	}
	bad := iltod.SampleRecord{Election: "MN 2024", Version: -1, Note: "a\x00b", Sample: []byte(`{"seed":"42", "method":"x"}`)}
	err := bad.Validate()
	want := "5 problems:\nelection: \"MN 2024\" is not a valid election id\nversion: must not be negative\n" +
		"note: contains the control character U+0000\n" +
		"stations: must be at least 1: the number of stations drawn, reserves included\n" +
		"sample: must be canonical JSON: canonical JSON: the text is valid but not in canonical form"
	if err == nil || err.Error() != want {
		t.Errorf("got %v\nwant %s", err, want)
	}
	var ps iltod.Problems
	if !errors.As(err, &ps) || iltod.ErrorCodeOf(err) != iltod.EInvalid {
		t.Errorf("Validate returned %T, not Problems", err)
	}
	for sample, msg := range map[string]string{
		``:              "sample: is required",
		`[1,2]`:         "sample: must be a JSON object",
		`"x"`:           "sample: must be a JSON object",
		`{"a":1.5}`:     "sample: must be canonical JSON: canonical JSON: at byte",
		`{"a":1}` + " ": "sample: must be canonical JSON: canonical JSON: the text is valid but not in canonical form",
		`{"a":1,"a":2}`: "sample: must be canonical JSON",
	} {
		r := ok
		r.Sample = []byte(sample)
		if err := r.Validate(); err == nil || !strings.HasPrefix(err.Error(), msg) {
			t.Errorf("Sample %q: got %v, want %s…", sample, err, msg)
		}
	}
	big := ok
	big.Sample = []byte(`{"a":"` + strings.Repeat("x", iltod.MaxSampleSize) + `"}`)
	if err := big.Validate(); err == nil || !strings.Contains(err.Error(), "at most 16777216 are allowed") {
		t.Errorf("a sample too large: %v", err)
	}
}
