package tlog

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/url"
	"strconv"
	"strings"

	f_note "github.com/transparency-dev/formats/note"
	"golang.org/x/mod/sumdb/note"
)

// Policy is a C2SP tlog-policy (c2sp.org/tlog-policy): the logs and witnesses a
// verifier knows, and the quorum of witnesses that must cosign a checkpoint before it is
// believed. The same file configures the log's witnesses (internal/ledger) and the
// offline verifiers (iltod verify), so both enforce one rule.
//
// A Policy from ParsePolicy is valid; one built by hand should be checked by parsing
// its Marshal. Policies are read-only once parsed and safe for concurrent use.
type Policy struct {
	Logs      []PolicyLog
	Witnesses []PolicyWitness
	// Groups are in the order they were defined; a group only names witnesses and
	// groups defined before it.
	Groups []PolicyGroup
	// Quorum names the witness or group whose cosignature is required, or "none".
	Quorum string

	verifiers map[string]note.Verifier // witness name → cosignature verifier
}

// PolicyLog is a "log VKEY [URL]" line.
type PolicyLog struct {
	VKey string
	URL  string
}

// PolicyWitness is a "witness NAME VKEY [URL]" line. VKey is a tlog-cosignature key
// (signature type 0x04); URL is the witness's submission prefix, which a log needs and
// an offline verifier does not.
type PolicyWitness struct {
	Name string
	VKey string
	URL  string
}

// PolicyGroup is a "group NAME K|any|all MEMBER…" line.
type PolicyGroup struct {
	Name string
	// Threshold is how many members must have witnessed: 1 for "any", len(Members)
	// for "all".
	Threshold int
	// Keyword is "any", "all" or "" (a number was written).
	Keyword string
	Members []string
}

// Limits on a policy that ParsePolicy enforces.
const (
	MaxPolicySize    = 64 << 10
	maxPolicyEntries = 256
)

var policyKeywords = map[string]bool{
	"log": true, "witness": true, "group": true, "quorum": true,
	"any": true, "all": true, "none": true,
}

// ParsePolicy parses a tlog-policy text. It follows the C2SP specification: lines of
// words separated by spaces and tabs, "#" comment lines, only tab, newline and
// printable octets; names defined once and not keywords; groups and the quorum naming
// only what is defined above them; each name a member of a group at most once; 1 ≤ k ≤
// n; exactly one quorum line; no key twice. It also requires witness keys to be Ed25519
// cosignature keys (type 0x04), log keys to be Ed25519 note keys (type 0x01), and URLs
// to be absolute http or https URLs without a fragment. The error names the line.
func ParsePolicy(text []byte) (*Policy, error) {
	if len(text) > MaxPolicySize {
		return nil, fmt.Errorf("policy is %d bytes; at most %d are allowed", len(text), MaxPolicySize)
	}
	p := &Policy{verifiers: map[string]note.Verifier{}}
	defined := map[string]bool{"none": true}
	keys := map[string]string{} // raw public key → what defined it
	quorumLine := 0
	lines := strings.Split(string(text), "\n")
	for i, line := range lines {
		ln := i + 1
		for j := 0; j < len(line); j++ {
			if c := line[j]; c < 0x20 && c != '\t' || c == 0x7f {
				return nil, fmt.Errorf("policy line %d: control character 0x%02x", ln, c)
			}
		}
		f := strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == '\t' })
		if len(f) == 0 || strings.HasPrefix(f[0], "#") {
			continue
		}
		if len(p.Logs)+len(p.Witnesses)+len(p.Groups) >= maxPolicyEntries {
			return nil, fmt.Errorf("policy line %d: more than %d entries", ln, maxPolicyEntries)
		}
		errf := func(format string, args ...any) error {
			return fmt.Errorf("policy line %d: "+format, append([]any{ln}, args...)...)
		}
		checkKey := func(vkey, what string) error {
			raw, err := vkeyPublic(vkey)
			if err != nil {
				return errf("%v", err)
			}
			if prev, ok := keys[string(raw)]; ok {
				return errf("%s uses the same key as %s", what, prev)
			}
			keys[string(raw)] = what
			return nil
		}
		switch f[0] {
		case "log":
			if len(f) < 2 || len(f) > 3 {
				return nil, errf("want: log VKEY [URL]")
			}
			if _, err := note.NewVerifier(f[1]); err != nil {
				return nil, errf("log key %q: %v", f[1], err)
			}
			l := PolicyLog{VKey: f[1]}
			if len(f) == 3 {
				if err := checkURL(f[2]); err != nil {
					return nil, errf("%v", err)
				}
				l.URL = f[2]
			}
			if err := checkKey(l.VKey, "log "+l.VKey); err != nil {
				return nil, err
			}
			p.Logs = append(p.Logs, l)
		case "witness":
			if len(f) < 3 || len(f) > 4 {
				return nil, errf("want: witness NAME VKEY [URL]")
			}
			w := PolicyWitness{Name: f[1], VKey: f[2]}
			if err := checkName(w.Name, defined); err != nil {
				return nil, errf("%v", err)
			}
			v, err := cosignatureVerifier(w.VKey)
			if err != nil {
				return nil, errf("witness %s: %v", w.Name, err)
			}
			if len(f) == 4 {
				if err := checkURL(f[3]); err != nil {
					return nil, errf("%v", err)
				}
				w.URL = f[3]
			}
			if err := checkKey(w.VKey, "witness "+w.Name); err != nil {
				return nil, err
			}
			defined[w.Name] = true
			p.verifiers[w.Name] = v
			p.Witnesses = append(p.Witnesses, w)
		case "group":
			if len(f) < 4 {
				return nil, errf("want: group NAME K|any|all MEMBER…")
			}
			g := PolicyGroup{Name: f[1], Members: f[3:]}
			if err := checkName(g.Name, defined); err != nil {
				return nil, errf("%v", err)
			}
			seen := map[string]bool{}
			for _, m := range g.Members {
				if m == "none" || !defined[m] {
					return nil, errf("group %s: member %q is not a witness or group defined above", g.Name, m)
				}
				if seen[m] {
					return nil, errf("group %s: member %q is listed twice", g.Name, m)
				}
				seen[m] = true
			}
			switch k := f[2]; k {
			case "any":
				g.Threshold, g.Keyword = 1, k
			case "all":
				g.Threshold, g.Keyword = len(g.Members), k
			default:
				n, err := strconv.Atoi(k)
				if err != nil || strconv.Itoa(n) != k || n < 1 || n > len(g.Members) {
					return nil, errf("group %s: threshold %q is not any, all, or a number from 1 to %d", g.Name, k, len(g.Members))
				}
				g.Threshold = n
			}
			defined[g.Name] = true
			p.Groups = append(p.Groups, g)
		case "quorum":
			if len(f) != 2 {
				return nil, errf("want: quorum NAME")
			}
			if quorumLine != 0 {
				return nil, errf("a second quorum line (the first is line %d)", quorumLine)
			}
			if !defined[f[1]] {
				return nil, errf("quorum %q is not a witness or group defined above", f[1])
			}
			p.Quorum, quorumLine = f[1], ln
		default:
			return nil, errf("unknown keyword %q", truncate([]byte(f[0]), 40))
		}
	}
	if quorumLine == 0 {
		return nil, fmt.Errorf("policy has no quorum line")
	}
	return p, nil
}

// Marshal returns p in a canonical text form: the logs, the witnesses, the groups and
// the quorum, one per line, separated by single spaces, without comments. Parsing it
// gives p again.
func (p *Policy) Marshal() []byte {
	var b bytes.Buffer
	for _, l := range p.Logs {
		b.WriteString("log " + l.VKey)
		if l.URL != "" {
			b.WriteString(" " + l.URL)
		}
		b.WriteByte('\n')
	}
	for _, w := range p.Witnesses {
		b.WriteString("witness " + w.Name + " " + w.VKey)
		if w.URL != "" {
			b.WriteString(" " + w.URL)
		}
		b.WriteByte('\n')
	}
	for _, g := range p.Groups {
		k := g.Keyword
		if k == "" {
			k = strconv.Itoa(g.Threshold)
		}
		fmt.Fprintf(&b, "group %s %s %s\n", g.Name, k, strings.Join(g.Members, " "))
	}
	fmt.Fprintf(&b, "quorum %s\n", p.Quorum)
	return b.Bytes()
}

// HasLog reports whether the policy lists no logs (it then accepts any log the
// verifier is given) or lists one with the verifier key vkey.
func (p *Policy) HasLog(vkey string) bool {
	if len(p.Logs) == 0 {
		return true
	}
	for _, l := range p.Logs {
		if l.VKey == vkey {
			return true
		}
	}
	return false
}

// verifierList returns the cosignature verifiers of the policy's witnesses.
func (p *Policy) verifierList() []note.Verifier {
	vs := make([]note.Verifier, 0, len(p.Witnesses))
	for _, w := range p.Witnesses {
		vs = append(vs, p.verifiers[w.Name])
	}
	return vs
}

// cosigners returns the names of the policy's witnesses among the verified signatures
// of n, in policy order.
func (p *Policy) cosigners(n *note.Note) []string {
	var names []string
	for _, w := range p.Witnesses {
		v := p.verifiers[w.Name]
		for _, s := range n.Sigs {
			if s.Name == v.Name() && s.Hash == v.KeyHash() {
				names = append(names, w.Name)
				break
			}
		}
	}
	return names
}

// Satisfied reports whether witnesses with the given policy names satisfy the quorum.
func (p *Policy) Satisfied(cosigned []string) bool {
	have := map[string]bool{"none": true}
	for _, c := range cosigned {
		if p.verifiers[c] != nil {
			have[c] = true
		}
	}
	for _, g := range p.Groups {
		n := 0
		for _, m := range g.Members {
			if have[m] {
				n++
			}
		}
		if n >= g.Threshold {
			have[g.Name] = true
		}
	}
	return have[p.Quorum]
}

func checkName(name string, defined map[string]bool) error {
	if policyKeywords[name] {
		return fmt.Errorf("%q is a keyword and cannot be a name", name)
	}
	if defined[name] {
		return fmt.Errorf("name %q is defined twice", name)
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Fragment != "" || strings.Contains(s, "#") {
		return fmt.Errorf("%q is not an absolute http(s) URL without a fragment", truncate([]byte(s), 100))
	}
	return nil
}

// vkeyPublic returns the algorithm byte and public key of a verifier key NAME+HASH+KEY.
func vkeyPublic(vkey string) ([]byte, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("key %q is not NAME+HASH+KEY", truncate([]byte(vkey), 100))
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(raw) < 2 {
		return nil, fmt.Errorf("key %q has bad base64", truncate([]byte(vkey), 100))
	}
	return raw[1:], nil
}

// cosignatureVerifier returns the verifier of a tlog-cosignature/v1 key: Ed25519 with
// signature type 0x04, whose key hash matches.
func cosignatureVerifier(vkey string) (note.Verifier, error) {
	parts := strings.SplitN(vkey, "+", 3)
	if len(parts) != 3 {
		return nil, fmt.Errorf("key %q is not NAME+HASH+KEY", truncate([]byte(vkey), 100))
	}
	raw, err := base64.StdEncoding.Strict().DecodeString(parts[2])
	if err != nil || len(raw) != 33 || raw[0] != 0x04 {
		return nil, fmt.Errorf("key %q is not an Ed25519 cosignature key (type 0x04)", truncate([]byte(vkey), 100))
	}
	v, err := f_note.NewVerifierForCosignatureV1(vkey)
	if err != nil {
		return nil, fmt.Errorf("key %q: %v", truncate([]byte(vkey), 100), err)
	}
	if fmt.Sprintf("%08x", v.KeyHash()) != parts[1] {
		return nil, fmt.Errorf("key %q: the key hash does not match the key", truncate([]byte(vkey), 100))
	}
	return v, nil
}
