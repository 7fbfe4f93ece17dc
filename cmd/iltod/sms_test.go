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
