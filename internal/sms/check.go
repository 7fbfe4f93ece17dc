package sms

import (
	"fmt"

	"github.com/iltod/iltod"
)

// Warnings returns, for each form of p, its SMS prefix and each tag an SMS carries that
// Typeable refuses: an observer on a Cyrillic keyboard could not type them, or would
// type a digit for I, L or O. Photo and text questions are left out, since an SMS does
// not carry their tags (a photo cannot be sent by SMS; a text answer comes after '@').
// They are warnings: such a form still works from the observer app and a Latin keyboard.
func Warnings(p *iltod.Package) iltod.Problems {
	var out iltod.Problems
	for i, f := range p.Forms {
		add := func(field, key, value string) {
			pr := iltod.Problemf(field, iltod.Msg(key, iltod.Lits("Form", f.Code, "Value", value)))
			pr.Record, pr.Index = iltod.RecordForm, i
			out = append(out, pr)
		}
		if f.SMSPrefix == "" {
			continue
		}
		if !Typeable(f.SMSPrefix) {
			add("sms_prefix", "error.package.sms.untypeable_prefix", f.SMSPrefix)
		}
		for j, q := range f.Questions {
			if q.Type == iltod.Photo || q.Type == iltod.TextAnswer {
				continue
			}
			if !Typeable(q.Tag) {
				add(fmt.Sprintf("questions[%d].tag", j), "error.package.sms.untypeable_tag", q.Tag)
			}
		}
	}
	return out
}
