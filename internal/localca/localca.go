// Package localca keeps a small certificate authority on the local machine, so that a
// server on a laptop or a LAN can speak HTTPS to phones without a public certificate.
//
// A phone's browser gives web apps the features iltod's observer app needs (service
// workers, WebCrypto, IndexedDB persistence) only in a secure context: https with a
// certificate it trusts, or localhost. Installing this package's CA certificate once on
// each phone makes the server's certificate trusted on the LAN.
//
// The CA (ECDSA P-256, valid for ten years) is made once and kept in a directory as
// ca.crt and ca.key; the server's certificate (server.crt, server.key) is issued by it for
// the names the server is reached by, and reissued when those names change or it nears
// its end. Keys are written with mode 0600. Nothing here is safe for concurrent use by two
// processes on one directory.
package localca

import (
	"bytes"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha1"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"fmt"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// File names inside the directory given to Open.
const (
	CACertFile     = "ca.crt"
	CAKeyFile      = "ca.key"
	ServerCertFile = "server.crt"
	ServerKeyFile  = "server.key"
)

// Validity periods. Phones refuse a server certificate valid for more than 398 days
// (Apple's rule, which Chrome follows); LeafValidity stays under it, back-dating
// included.
const (
	CAValidity   = 10 * 365 * 24 * time.Hour
	LeafValidity = 396 * 24 * time.Hour
	// RenewBefore is how long before its end a server certificate is reissued.
	RenewBefore = 30 * 24 * time.Hour
	// backdate covers clocks slightly behind ours.
	backdate = time.Hour
)

// CA is the local certificate authority.
type CA struct {
	// Dir is the directory that holds the CA and the server certificate.
	Dir string
	// Cert is the CA's certificate; Key its private key.
	Cert *x509.Certificate
	Key  *ecdsa.PrivateKey
}

// Open loads the CA kept in dir, or creates it (and dir, mode 0700) if dir holds none.
// The CA is named "iltod local CA <hostname>". A directory holding only one of ca.crt and
// ca.key, or files that do not parse or do not match, is an error: Open never overwrites
// a CA, since phones may trust it.
func Open(dir string, now time.Time) (*CA, error) {
	certPath, keyPath := filepath.Join(dir, CACertFile), filepath.Join(dir, CAKeyFile)
	certPEM, cerr := os.ReadFile(certPath)
	keyPEM, kerr := os.ReadFile(keyPath)
	switch {
	case cerr == nil && kerr == nil:
		ca, err := parseCA(certPEM, keyPEM)
		if err != nil {
			return nil, fmt.Errorf("local CA in %s: %w", dir, err)
		}
		ca.Dir = dir
		return ca, nil
	case errors.Is(cerr, os.ErrNotExist) && errors.Is(kerr, os.ErrNotExist):
	case cerr != nil && !errors.Is(cerr, os.ErrNotExist):
		return nil, fmt.Errorf("read local CA: %w", cerr)
	case kerr != nil && !errors.Is(kerr, os.ErrNotExist):
		return nil, fmt.Errorf("read local CA key: %w", kerr)
	default:
		return nil, fmt.Errorf("local CA in %s: one of %s and %s is missing", dir, CACertFile, CAKeyFile)
	}
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("create local CA directory: %w", err)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, err
	}
	host, _ := os.Hostname()
	name := strings.TrimSpace("iltod local CA " + host)
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: name, Organization: []string{"iltod"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(CAValidity),
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign | x509.KeyUsageDigitalSignature,
		BasicConstraintsValid: true,
		IsCA:                  true,
		MaxPathLenZero:        true,
		SubjectKeyId:          keyID(&key.PublicKey),
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("create local CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, err
	}
	if err := writeKeyPair(certPath, keyPath, der, key); err != nil {
		return nil, err
	}
	return &CA{Dir: dir, Cert: cert, Key: key}, nil
}

func parseCA(certPEM, keyPEM []byte) (*CA, error) {
	cert, err := parseCertPEM(certPEM)
	if err != nil {
		return nil, err
	}
	if !cert.IsCA {
		return nil, errors.New("ca.crt is not a CA certificate")
	}
	key, err := parseKeyPEM(keyPEM)
	if err != nil {
		return nil, err
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, errors.New("ca.key does not match ca.crt")
	}
	return &CA{Cert: cert, Key: key}, nil
}

// PEM returns the CA certificate in PEM form, as ca.crt holds it.
func (ca *CA) PEM() []byte {
	return pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: ca.Cert.Raw})
}

// DER returns the CA certificate's DER bytes: the form Android installs from a download
// served as application/x-x509-ca-cert.
func (ca *CA) DER() []byte { return ca.Cert.Raw }

// ServerCertificate returns the server certificate kept in the CA's directory if it was
// issued by this CA, covers every one of names (DNS names or IP addresses) and is valid
// for more than RenewBefore after now; otherwise it issues a new one for names, valid for
// LeafValidity, writes it, and returns it. reissued says which happened. The returned
// certificate's chain holds the leaf only: clients trust the CA itself.
func (ca *CA) ServerCertificate(names []string, now time.Time) (cert tls.Certificate, reissued bool, err error) {
	certPath, keyPath := filepath.Join(ca.Dir, ServerCertFile), filepath.Join(ca.Dir, ServerKeyFile)
	if c, err := tls.LoadX509KeyPair(certPath, keyPath); err == nil && ca.stillGood(c.Leaf, names, now) {
		return c, false, nil
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return tls.Certificate{}, false, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial(),
		Subject:               pkix.Name{CommonName: "iltod server", Organization: []string{"iltod"}},
		NotBefore:             now.Add(-backdate),
		NotAfter:              now.Add(-backdate).Add(LeafValidity),
		KeyUsage:              x509.KeyUsageDigitalSignature,
		ExtKeyUsage:           []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		BasicConstraintsValid: true,
		SubjectKeyId:          keyID(&key.PublicKey),
		AuthorityKeyId:        ca.Cert.SubjectKeyId,
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else if n != "" {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.Cert, &key.PublicKey, ca.Key)
	if err != nil {
		return tls.Certificate{}, false, fmt.Errorf("issue server certificate: %w", err)
	}
	if err := writeKeyPair(certPath, keyPath, der, key); err != nil {
		return tls.Certificate{}, false, err
	}
	leaf, err := x509.ParseCertificate(der)
	if err != nil {
		return tls.Certificate{}, false, err
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key, Leaf: leaf}, true, nil
}

// stillGood reports whether leaf was issued by ca, covers names and stays valid past
// now + RenewBefore.
func (ca *CA) stillGood(leaf *x509.Certificate, names []string, now time.Time) bool {
	if leaf == nil || leaf.CheckSignatureFrom(ca.Cert) != nil {
		return false
	}
	if now.Before(leaf.NotBefore) || !now.Add(RenewBefore).Before(leaf.NotAfter) {
		return false
	}
	for _, n := range names {
		if n != "" && leaf.VerifyHostname(n) != nil {
			return false
		}
	}
	return true
}

// Names returns the names a server listening on addr (host:port) is reached by:
// localhost, 127.0.0.1 and ::1, the machine's host name, the addresses of its network
// interfaces that are up and neither loopback nor link-local, and addr's host unless it
// is empty or an unspecified address (0.0.0.0, ::). The list is sorted, without repeats.
func Names(addr string) []string {
	names := []string{"localhost", "127.0.0.1", "::1"}
	if h, err := os.Hostname(); err == nil && validDNSName(h) {
		names = append(names, strings.ToLower(h))
	}
	names = append(names, LANAddresses()...)
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		host = addr
	}
	if ip := net.ParseIP(host); ip != nil {
		if !ip.IsUnspecified() {
			names = append(names, ip.String())
		}
	} else if validDNSName(host) {
		names = append(names, strings.ToLower(host))
	}
	slices.Sort(names)
	return slices.Compact(names)
}

// LANAddresses returns the addresses of the machine's network interfaces that are up and
// neither loopback nor link-local, IPv4 first: the addresses a phone on the same network
// may use.
func LANAddresses() []string {
	ifaces, err := net.Interfaces()
	if err != nil {
		return nil
	}
	var v4, v6 []string
	for _, ifc := range ifaces {
		if ifc.Flags&net.FlagUp == 0 || ifc.Flags&net.FlagLoopback != 0 {
			continue
		}
		addrs, err := ifc.Addrs()
		if err != nil {
			continue
		}
		for _, a := range addrs {
			n, ok := a.(*net.IPNet)
			if !ok || n.IP.IsLoopback() || n.IP.IsLinkLocalUnicast() || n.IP.IsMulticast() || n.IP.IsUnspecified() {
				continue
			}
			if ip4 := n.IP.To4(); ip4 != nil {
				v4 = append(v4, ip4.String())
			} else {
				v6 = append(v6, n.IP.String())
			}
		}
	}
	return append(v4, v6...)
}

// validDNSName reports whether s can be a certificate's DNS name: letters, digits,
// hyphens and dots, no empty label.
func validDNSName(s string) bool {
	if s == "" || len(s) > 253 {
		return false
	}
	for _, label := range strings.Split(s, ".") {
		if label == "" || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			return false
		}
		for _, r := range label {
			if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-') {
				return false
			}
		}
	}
	return true
}

func serial() *big.Int {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		panic(err) // crypto/rand does not fail
	}
	return n.Add(n, big.NewInt(1))
}

// keyID is the subject key identifier of RFC 5280 §4.2.1.2, method 1.
func keyID(pub *ecdsa.PublicKey) []byte {
	b, _ := pub.Bytes()
	h := sha1.Sum(b)
	return h[:]
}

func parseCertPEM(b []byte) (*x509.Certificate, error) {
	block, _ := pem.Decode(b)
	if block == nil || block.Type != "CERTIFICATE" {
		return nil, errors.New("no PEM certificate")
	}
	return x509.ParseCertificate(block.Bytes)
}

func parseKeyPEM(b []byte) (*ecdsa.PrivateKey, error) {
	block, _ := pem.Decode(b)
	if block == nil {
		return nil, errors.New("no PEM private key")
	}
	k, err := x509.ParsePKCS8PrivateKey(block.Bytes)
	if err != nil {
		return nil, err
	}
	ek, ok := k.(*ecdsa.PrivateKey)
	if !ok {
		return nil, errors.New("the private key is not ECDSA")
	}
	return ek, nil
}

// writeKeyPair writes a certificate and its key as PEM, each to a temporary file renamed
// into place, the key with mode 0600.
func writeKeyPair(certPath, keyPath string, der []byte, key *ecdsa.PrivateKey) error {
	kb, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return err
	}
	if err := writeFile(keyPath, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: kb}), 0o600); err != nil {
		return err
	}
	return writeFile(certPath, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644)
}

func writeFile(path string, b []byte, mode os.FileMode) error {
	tmp := path + ".tmp"
	f, err := os.OpenFile(tmp, os.O_WRONLY|os.O_CREATE|os.O_TRUNC, mode)
	if err != nil {
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	_, err = f.Write(b)
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Chmod(tmp, mode)
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		os.Remove(tmp)
		return fmt.Errorf("write %s: %w", filepath.Base(path), err)
	}
	return nil
}

// PinnedConfig returns a client TLS configuration that accepts exactly the server
// certificate der, whatever names it holds and whoever issued it, and nothing else: for a
// process that calls its own server at an address the certificate may not name (the
// demo's simulated devices dial 0.0.0.0).
func PinnedConfig(der []byte) *tls.Config {
	want := bytes.Clone(der)
	return &tls.Config{
		// The chain and names are not checked against roots; the one certificate is
		// pinned by VerifyConnection instead.
		InsecureSkipVerify: true,
		VerifyConnection: func(cs tls.ConnectionState) error {
			if len(cs.PeerCertificates) == 0 || !bytes.Equal(cs.PeerCertificates[0].Raw, want) {
				return errors.New("localca: the server presented a certificate other than the pinned one")
			}
			return nil
		},
	}
}
