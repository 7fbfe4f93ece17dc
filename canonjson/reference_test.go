package canonjson

// The full parser, which re-writes every text in canonical form and compares it, was
// Parse's only way before the Scanner (scan.go) and is still its fallback (parseFull):
// Parse, Check and IsCanonical must decide, return and explain exactly what it does.
// FuzzParseSame compares them.

// refParse is Parse by the full parser alone.
func refParse(data []byte) (any, error) { return parseFull(data) }

// refCheck is Check by the full parser alone.
func refCheck(data []byte) error {
	_, err := parseFull(data)
	return err
}
