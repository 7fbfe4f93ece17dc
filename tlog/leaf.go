package tlog

import (
	"bytes"
	"encoding/hex"
	"fmt"
	"strconv"

	"github.com/iltod/iltod"
	"github.com/iltod/iltod/canonjson"
	"github.com/transparency-dev/merkle/rfc6962"
)

// LeafData is the content of one log leaf: what the log makes public about an event.
type LeafData struct {
	// Election is the election the event belongs to ("e"), or "" for an event of the
	// installation as a whole (a change to a staff account). A report always has one.
	Election string
	// Hash is what the event commits to ("h"): for a report, the SHA-256 of its envelope.
	Hash [32]byte
	// Seq is the store's event sequence number ("n"). The leaf at index i has Seq i+1.
	Seq uint64
	// Kind is the event kind ("t").
	Kind iltod.EventKind
}

// MaxLeafSize bounds the bytes of a leaf that ParseLeaf accepts.
const MaxLeafSize = 1024

// Leaf returns the log leaf of ev: the canonical JSON of
//
//	{"e": election, "h": lower-case hex of ev.Hash, "n": ev.Seq, "t": ev.Kind}
//
// It never holds an event's content or who caused it. Leaf does not validate ev; the
// result parses with ParseLeaf whenever ev's fields are valid (see LeafData.Marshal).
func Leaf(ev iltod.Event) []byte {
	return LeafData{Election: ev.Election, Hash: ev.Hash, Seq: ev.Seq, Kind: ev.Kind}.Marshal()
}

// Marshal returns the canonical JSON of l, the bytes the log holds. A valid leaf's
// strings need no escaping (ParseLeaf admits only lower-case letters, digits and '-'), so
// it is written directly; a leaf with anything else goes through canonjson, and a leaf
// that cannot be canonical is written anyway so that ParseLeaf rejects it rather than a
// panic. TestLeaf checks the direct form against canonjson.
func (l LeafData) Marshal() []byte {
	if plain(l.Election) && plain(string(l.Kind)) && l.Seq <= canonjson.MaxInt {
		b := make([]byte, 0, 96+len(l.Election)+len(l.Kind))
		b = append(b, `{"e":"`...)
		b = append(b, l.Election...)
		b = append(b, `","h":"`...)
		b = hex.AppendEncode(b, l.Hash[:])
		b = append(b, `","n":`...)
		b = strconv.AppendUint(b, l.Seq, 10)
		b = append(b, `,"t":"`...)
		b = append(b, l.Kind...)
		return append(b, `"}`...)
	}
	b, err := canonjson.Marshal(struct {
		E string `json:"e"`
		H string `json:"h"`
		N uint64 `json:"n"`
		T string `json:"t"`
	}{l.Election, hex.EncodeToString(l.Hash[:]), l.Seq, string(l.Kind)})
	if err != nil {
		return fmt.Appendf(nil, `{"e":%q,"h":"%x","n":%d,"t":%q}`, l.Election, l.Hash, l.Seq, l.Kind)
	}
	return b
}

// plain reports whether s is written as itself in canonical JSON and is already NFC:
// lower-case ASCII letters, digits and '-' only.
func plain(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}

// LeafHash returns the RFC 6962 leaf hash of leaf: SHA-256(0x00 ‖ leaf).
func LeafHash(leaf []byte) [32]byte {
	return [32]byte(rfc6962.DefaultHasher.HashLeaf(leaf))
}

// ParseLeaf parses a log leaf. It accepts exactly the bytes Leaf writes for a valid
// event: canonical JSON with the four members e, h, n and t and nothing else; an election
// id of lower-case letters, digits and '-', or "" for an event of the installation (never
// for a report); 64 lower-case hex digits; a sequence number from 1 to 2^53-1; and a kind
// of lower-case letters, digits and '-' (kinds unknown today are accepted, so that old
// verifiers read new logs). Marshal of the result returns b. It returns an error
// describing the first problem.
func ParseLeaf(b []byte) (LeafData, error) {
	if len(b) > MaxLeafSize {
		return LeafData{}, fmt.Errorf("leaf is %d bytes; at most %d are allowed", len(b), MaxLeafSize)
	}
	// The log follower and every promise parse each leaf, so this reads the one form by
	// hand; FuzzParseLeaf checks it against the regular expressions it replaced.
	election, hash, seq, kind, ok := leafFields(b)
	if !ok {
		return LeafData{}, fmt.Errorf("leaf %q is not of the form {\"e\":ELECTION,\"h\":HEX,\"n\":SEQ,\"t\":KIND}", truncate(b, 120))
	}
	var l LeafData
	l.Election = string(election)
	if l.Election != "" && !iltod.ValidElectionID(l.Election) {
		return LeafData{}, fmt.Errorf("leaf election %q is not a valid election id", l.Election)
	}
	if _, err := hex.Decode(l.Hash[:], hash); err != nil {
		return LeafData{}, fmt.Errorf("leaf hash: %v", err)
	}
	var n uint64
	for _, c := range seq {
		n = n*10 + uint64(c-'0')
	}
	if n > canonjson.MaxInt {
		return LeafData{}, fmt.Errorf("leaf sequence number %d is above 2^53-1", n)
	}
	l.Seq = n
	l.Kind = iltod.EventKind(kind)
	if !validKind(kind) {
		return LeafData{}, fmt.Errorf("leaf kind %q is not valid", l.Kind)
	}
	if l.Election == "" && l.Kind == iltod.EventReport {
		return LeafData{}, fmt.Errorf("leaf of a report names no election")
	}
	if !bytes.Equal(l.Marshal(), b) {
		return LeafData{}, fmt.Errorf("leaf %q is not in canonical form", truncate(b, 120))
	}
	return l, nil
}

// leafFields splits b of the form {"e":"E","h":"H","n":N,"t":"T"}, where E and T hold
// no '"' or '\\', H is 64 lower-case hex digits and N is 1 to 16 digits without a
// leading zero.
func leafFields(b []byte) (election, hash, seq, kind []byte, ok bool) {
	rest := b
	lit := func(s string) bool {
		if !bytes.HasPrefix(rest, []byte(s)) {
			return false
		}
		rest = rest[len(s):]
		return true
	}
	str := func() ([]byte, bool) {
		for i, c := range rest {
			switch c {
			case '\\':
				return nil, false
			case '"':
				v := rest[:i]
				rest = rest[i+1:]
				return v, true
			}
		}
		return nil, false
	}
	if !lit(`{"e":"`) {
		return
	}
	if election, ok = str(); !ok {
		return
	}
	if ok = lit(`,"h":"`) && len(rest) >= 64; !ok {
		return
	}
	hash, rest = rest[:64], rest[64:]
	for _, c := range hash {
		if !('0' <= c && c <= '9' || 'a' <= c && c <= 'f') {
			return nil, nil, nil, nil, false
		}
	}
	if ok = lit(`","n":`); !ok {
		return
	}
	i := 0
	for i < len(rest) && '0' <= rest[i] && rest[i] <= '9' {
		i++
	}
	if ok = i >= 1 && i <= 16 && rest[0] != '0'; !ok {
		return
	}
	seq, rest = rest[:i], rest[i:]
	if ok = lit(`,"t":"`); !ok {
		return
	}
	if kind, ok = str(); !ok {
		return
	}
	ok = string(rest) == "}"
	return
}

// validKind reports whether s is an event kind a leaf may name: 1 to 32 lower-case
// letters, digits and '-', the first a letter.
func validKind(s []byte) bool {
	if len(s) == 0 || len(s) > 32 || !('a' <= s[0] && s[0] <= 'z') {
		return false
	}
	for _, c := range s {
		switch {
		case 'a' <= c && c <= 'z', '0' <= c && c <= '9', c == '-':
		default:
			return false
		}
	}
	return true
}

func truncate(b []byte, n int) string {
	if len(b) <= n {
		return string(b)
	}
	return string(b[:n]) + "…"
}
