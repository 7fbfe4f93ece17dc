package main

import (
	"regexp"
	"strings"
	"testing"
)

// TestSMSCommand loads the example and runs coded messages through iltod sms on each
// store: a Cyrillic report is accepted with a receipt, a figure out of range gets the
// exact reply, the CLI's words follow -lang and the reply's the observer's language, and
// a messenger link code is issued.
func TestSMSCommand(t *testing.T) {
	for name, flags := range storeArgs(t) {
		t.Run(name, func(t *testing.T) {
			if code, _, errOut := iltodCmd(t, append([]string{"load"}, append(flags, exampleDir)...)...); code != 0 {
				t.Fatalf("load: exit %d: %s", code, errOut)
			}
			sms := func(lang string, args ...string) (int, string, string) {
				return iltodCmd(t, append(append([]string{"sms", "-lang", lang}, flags...), args...)...)
			}
			code, out, errOut := sms("en", "-election", "example-2024", "-from", "+97600000001", "ОР 1001 АА 0715 АВ 1 АС 12")
			if code != 0 || !regexp.MustCompile(`^reply \(mn, UCS-2, 24 of 70\): Хүлээн авлаа OP [0-9A-F]{8}\n$`).MatchString(out) {
				t.Errorf("a Cyrillic report: exit %d: %q %s", code, out, errOut)
			}
			code, out, _ = sms("mn", "-election", "example-2024", "-from", "+97600000001", "OP 1001 AA 0715 AB 1 AC 25")
			if want := "хариу (mn, GSM-7, 160-аас 11): AC: 25 > 20\n"; code != 0 || out != want {
				t.Errorf("out of range: exit %d: %q, want %q", code, out, want)
			}
			if code, _, errOut := sms("en", "-election", "example-2024", "OP 1001"); code != 2 || !strings.Contains(errOut, "give -election ID and -from NUMBER") {
				t.Errorf("no -from: exit %d: %s", code, errOut)
			}
			if code, _, errOut := sms("en", "-election", "nowhere", "-from", "+97600000001", "OP 1001"); code != 1 || errOut == "" {
				t.Errorf("an unknown election: exit %d: %s", code, errOut)
			}
			code, out, _ = sms("en", "-election", "example-2024", "-link", "1001")
			if code != 0 || !regexp.MustCompile(`messenger link code for observer 1001, valid until \S+: [A-Z0-9]{5}-[A-Z0-9]{5} `).MatchString(out) {
				t.Errorf("-link: exit %d: %q", code, out)
			}
		})
	}
}

// TestLoadWarnsUntypeable: iltod load warns, in the reader's language, about the
// example's SMS prefixes and tags a Cyrillic keyboard cannot type, and still loads; the
// demo's forms draw no warning.
func TestLoadWarnsUntypeable(t *testing.T) {
	code, out, errOut := iltodCmd(t, "load", "-check", exampleDir)
	if code != 0 || !strings.Contains(out, "example-2024") {
		t.Fatalf("load -check: exit %d: %s", code, errOut)
	}
	for _, want := range []string{
		"warning: form 1: sms_prefix: form opening: the SMS prefix OP cannot be typed on both a Latin and a Cyrillic keyboard",
		"warning: form 1: questions[3].tag: form opening: the tag AD cannot be typed",
		"warning: form 2: questions[0].tag: form results: the tag RV cannot be typed",
	} {
		if !strings.Contains(errOut, want) {
			t.Errorf("the warnings lack %q:\n%s", want, errOut)
		}
	}
	if strings.Contains(errOut, "tag AA") || strings.Contains(errOut, "tag PB") {
		t.Errorf("a typeable tag is warned about:\n%s", errOut)
	}
	_, _, errOut = iltodCmd(t, "load", "-lang", "mn", "-check", exampleDir)
	if !strings.Contains(errOut, "анхааруулга: form 1: sms_prefix: opening маягт: OP SMS угтварыг") {
		t.Errorf("the Mongolian warnings:\n%s", errOut)
	}
	code, _, errOut = iltodCmd(t, "load", "-check", "../../demo/mongolia2024")
	if code != 0 || strings.Contains(errOut, "warning") {
		t.Errorf("the demo: exit %d, warnings:\n%s", code, errOut)
	}
}
