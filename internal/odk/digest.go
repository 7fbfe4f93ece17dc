package odk

import (
	"crypto/hmac"
	"crypto/md5"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"strconv"
	"strings"
	"time"
)

// HA1 returns MD5(username ":" realm ":" password) in lower-case hexadecimal, the secret
// that HTTP Digest authentication with the MD5 algorithm (RFC 7616 §3.4.2) derives from a
// password. A server stores HA1 only: it verifies responses without the password.
func HA1(username, realm, password string) string {
	h := md5.Sum([]byte(username + ":" + realm + ":" + password))
	return hex.EncodeToString(h[:])
}

// Digest issues and verifies HTTP Digest challenges (RFC 7616) with algorithm MD5 and
// qop "auth", as ODK Collect speaks them. Nonces are stateless: a nonce is the time it
// was issued and an HMAC of that time under Key, so the server keeps no nonce table and
// any replica with the same Key accepts it until TTL has passed. A nonce can thus be
// replayed within its TTL; submissions are idempotent by their instanceID, so a replay
// changes nothing. A Digest is safe for concurrent use.
type Digest struct {
	// Realm names the protection space; it is part of every HA1, so changing it
	// invalidates every stored credential.
	Realm string
	// Key binds nonces to this server; 32 random bytes. MUST NOT be empty.
	Key []byte
	// TTL is how long a nonce is accepted; 0 means DefaultNonceTTL.
	TTL time.Duration
	// Now is the clock; nil means time.Now.
	Now func() time.Time
}

// DefaultNonceTTL is how long a nonce stays valid when Digest.TTL is 0. ODK Collect
// answers a 401 at once, so a short life suffices; it is long enough for a slow upload.
const DefaultNonceTTL = 30 * time.Minute

// NewKey returns 32 random bytes for Digest.Key.
func NewKey() []byte {
	b := make([]byte, 32)
	rand.Read(b)
	return b
}

func (d *Digest) now() time.Time {
	if d.Now != nil {
		return d.Now()
	}
	return time.Now()
}

func (d *Digest) ttl() time.Duration {
	if d.TTL > 0 {
		return d.TTL
	}
	return DefaultNonceTTL
}

func (d *Digest) mac(ts []byte) []byte {
	m := hmac.New(sha256.New, d.Key)
	m.Write([]byte("iltod odk nonce\n" + d.Realm + "\n"))
	m.Write(ts)
	return m.Sum(nil)[:16]
}

// Nonce returns a fresh nonce: base64url(8-byte Unix nanoseconds ‖ 16-byte HMAC).
func (d *Digest) Nonce() string {
	ts := binary.BigEndian.AppendUint64(nil, uint64(d.now().UnixNano()))
	return base64.RawURLEncoding.EncodeToString(append(ts, d.mac(ts)...))
}

// checkNonce reports whether nonce was issued by this Digest (fresh is false when it
// was, but has expired).
func (d *Digest) checkNonce(nonce string) (valid, fresh bool) {
	b, err := base64.RawURLEncoding.DecodeString(nonce)
	if err != nil || len(b) != 24 {
		return false, false
	}
	if !hmac.Equal(b[8:], d.mac(b[:8])) {
		return false, false
	}
	issued := time.Unix(0, int64(binary.BigEndian.Uint64(b[:8])))
	age := d.now().Sub(issued)
	return true, age >= -time.Minute && age <= d.ttl()
}

// Challenge returns the value of a WWW-Authenticate header with a fresh nonce; stale
// says the client's nonce had expired while its credentials were right (RFC 7616 §3.3),
// so it may retry without asking the user.
func (d *Digest) Challenge(stale bool) string {
	s := `Digest realm=` + strconv.Quote(d.Realm) + `, qop="auth", algorithm=MD5, nonce="` + d.Nonce() + `"`
	if stale {
		s += `, stale=true`
	}
	return s
}

// Errors of Digest.Verify. ErrStale means the credentials may be right but the nonce
// expired: answer with a challenge that says stale=true.
var (
	ErrNoCredentials  = errors.New("digest: no credentials")
	ErrBadCredentials = errors.New("digest: bad credentials")
	ErrStale          = errors.New("digest: stale nonce")
)

// Credentials are the fields of an Authorization: Digest header.
type Credentials struct {
	Username, Realm, Nonce, URI, Response, Algorithm, QOP, NC, CNonce, Opaque string
}

// ParseAuthorization parses an Authorization header value of scheme Digest (RFC 7616
// §3.4): comma-separated name=value pairs, values a token or a quoted string. It returns
// ErrNoCredentials for another scheme or an empty header, and ErrBadCredentials for a
// malformed one.
func ParseAuthorization(h string) (Credentials, error) {
	var c Credentials
	scheme, rest, _ := strings.Cut(strings.TrimSpace(h), " ")
	if !strings.EqualFold(scheme, "Digest") {
		return c, ErrNoCredentials
	}
	if len(rest) > 4096 {
		return c, ErrBadCredentials
	}
	seen := map[string]bool{}
	for {
		rest = strings.TrimLeft(rest, " \t,")
		if rest == "" {
			break
		}
		eq := strings.IndexByte(rest, '=')
		if eq <= 0 {
			return c, ErrBadCredentials
		}
		name := strings.ToLower(strings.TrimSpace(rest[:eq]))
		rest = strings.TrimLeft(rest[eq+1:], " \t")
		var val string
		if strings.HasPrefix(rest, `"`) {
			var sb strings.Builder
			i := 1
			for ; i < len(rest) && rest[i] != '"'; i++ {
				if rest[i] == '\\' && i+1 < len(rest) {
					i++
				}
				sb.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return c, ErrBadCredentials
			}
			val, rest = sb.String(), rest[i+1:]
		} else {
			end := strings.IndexAny(rest, ", \t")
			if end < 0 {
				end = len(rest)
			}
			val, rest = rest[:end], rest[end:]
		}
		if seen[name] {
			return c, ErrBadCredentials
		}
		seen[name] = true
		switch name {
		case "username":
			c.Username = val
		case "realm":
			c.Realm = val
		case "nonce":
			c.Nonce = val
		case "uri":
			c.URI = val
		case "response":
			c.Response = val
		case "algorithm":
			c.Algorithm = val
		case "qop":
			c.QOP = val
		case "nc":
			c.NC = val
		case "cnonce":
			c.CNonce = val
		case "opaque":
			c.Opaque = val
		}
	}
	if c.Username == "" || c.Nonce == "" || c.URI == "" || c.Response == "" {
		return c, ErrBadCredentials
	}
	return c, nil
}

// Verify checks the Authorization header of a request with method and request URI
// (the path and query as sent) against ha1, the stored HA1 of c.Username, which the
// caller looks up with the username from ParseAuthorization. It accepts algorithm MD5
// (or none given) with qop "auth", or with no qop (RFC 2069 clients); the response is
// compared in constant time. It returns nil, ErrBadCredentials or ErrStale.
func (d *Digest) Verify(c Credentials, method, requestURI, ha1 string) error {
	if c.Realm != d.Realm || (c.Algorithm != "" && !strings.EqualFold(c.Algorithm, "MD5")) {
		return ErrBadCredentials
	}
	if c.URI != requestURI {
		return ErrBadCredentials
	}
	valid, fresh := d.checkNonce(c.Nonce)
	if !valid {
		return ErrBadCredentials
	}
	if c.QOP != "" && (c.QOP != "auth" || c.NC == "" || c.CNonce == "") {
		return ErrBadCredentials
	}
	want := DigestResponse(ha1, c.Nonce, c.NC, c.CNonce, c.QOP, method, c.URI)
	if subtle.ConstantTimeCompare([]byte(want), []byte(strings.ToLower(c.Response))) != 1 {
		return ErrBadCredentials
	}
	if !fresh {
		return ErrStale
	}
	return nil
}

// DigestResponse returns the request-digest of RFC 7616 §3.4.1 with MD5, in lower-case hex:
// with qop "auth", MD5(ha1:nonce:nc:cnonce:auth:MD5(method:uri)); with no qop (RFC
// 2069), MD5(ha1:nonce:MD5(method:uri)).
func DigestResponse(ha1, nonce, nc, cnonce, qop, method, uri string) string {
	ha2 := md5hex(method + ":" + uri)
	if qop == "" {
		return md5hex(ha1 + ":" + nonce + ":" + ha2)
	}
	return md5hex(ha1 + ":" + nonce + ":" + nc + ":" + cnonce + ":" + qop + ":" + ha2)
}

func md5hex(s string) string {
	h := md5.Sum([]byte(s))
	return hex.EncodeToString(h[:])
}

// Authorize computes the Authorization header a client sends in answer to challenge
// (a WWW-Authenticate value), for tests and tools: qop auth, nc 00000001.
func Authorize(challenge, method, uri, username, password, cnonce string) (string, error) {
	c, err := ParseAuthorization(challenge + `, username="x", uri="x", response="x"`)
	if err != nil {
		return "", err
	}
	nc := "00000001"
	resp := DigestResponse(HA1(username, c.Realm, password), c.Nonce, nc, cnonce, "auth", method, uri)
	return `Digest username=` + strconv.Quote(username) + `, realm=` + strconv.Quote(c.Realm) +
		`, nonce="` + c.Nonce + `", uri=` + strconv.Quote(uri) + `, algorithm=MD5, qop=auth, nc=` + nc +
		`, cnonce="` + cnonce + `", response="` + resp + `"`, nil
}
