package http

import (
	"strconv"
	"time"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/internal/app"
	"github.com/iltod/iltod/internal/reportjson"
)

// appendReceipt appends the JSON of rc as the API sends it in the language lang: the
// fields of app.Receipt as encoding/json names them, with only the checks that did not
// pass unless all is set, each check's detail written in lang (checksIn).
// A phone shows the failures; every passed check would add a few hundred bytes a report
// to an answer on a weak link, and on election night encoding and reading them cost the
// server and its clients as much as a tenth of ingest. checks_passed counts those left
// out, so that a client can tell "all passed" from "none ran". TestReceiptJSON checks the
// encoding against encoding/json.
func appendReceipt(b []byte, rc *app.Receipt, lang string, all bool) []byte {
	b = append(b, `{"election":`...)
	b = iltod.AppendJSONString(b, rc.Election)
	b = append(b, `,"id":`...)
	b = iltod.AppendJSONString(b, rc.ID)
	if rc.Duplicate {
		b = append(b, `,"duplicate":true`...)
	}
	b = append(b, `,"seq":`...)
	b = strconv.AppendUint(b, rc.Seq, 10)
	b = append(b, `,"envelope_sha256":`...)
	b = iltod.AppendJSONString(b, rc.Hash)
	b = append(b, `,"received":"`...)
	b = rc.Received.AppendFormat(b, time.RFC3339Nano)
	b = append(b, '"')
	checks, passed := rc.Checks, 0
	if !all {
		checks = nil
		for _, c := range rc.Checks {
			if c.Outcome == iltod.CheckPass {
				passed++
			} else {
				checks = append(checks, c)
			}
		}
	}
	if len(checks) > 0 {
		b = append(b, `,"checks":`...)
		b = reportjson.AppendChecks(b, checksIn(checks, lang))
	}
	if !all {
		b = append(b, `,"checks_passed":`...)
		b = strconv.AppendInt(b, int64(passed), 10)
	}
	b = append(b, `,"flagged":`...)
	b = strconv.AppendBool(b, rc.Flagged)
	if rc.Promise != "" {
		b = append(b, `,"promise":`...)
		b = iltod.AppendJSONString(b, rc.Promise)
	}
	return append(b, '}')
}

// appendResult appends one result of a batch: {"receipt": …} or {"error": {…}}.
func appendResult(b []byte, res resultBody, lang string, all bool) []byte {
	if res.Error != nil {
		b = append(b, `{"error":{"code":`...)
		b = iltod.AppendJSONString(b, string(res.Error.Code))
		b = append(b, `,"message":`...)
		b = iltod.AppendJSONString(b, res.Error.Message)
		return append(b, "}}"...)
	}
	b = append(b, `{"receipt":`...)
	b = appendReceipt(b, res.Receipt, lang, all)
	return append(b, '}')
}
