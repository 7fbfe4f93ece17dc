package main

import (
	"crypto/tls"
	"flag"
	"net"
	"net/http"
	"path/filepath"
	"time"

	iltodhttp "github.com/iltod/iltod/internal/http"
	"github.com/iltod/iltod/internal/localca"
	"github.com/iltod/iltod/internal/simulate"
	"github.com/iltod/iltod/locales"
)

// TLSConfig says whether the server speaks HTTPS, and with which certificate: the files
// CertFile and KeyFile (PEM, the certificate first in its chain), or, with Auto, one
// issued by a local CA kept in the data directory (see package internal/localca). The
// zero value serves plain HTTP.
type TLSConfig struct {
	CertFile, KeyFile string
	Auto              bool
}

// TLSDir is where -tls-auto keeps its local CA and the server's certificate inside the
// data directory.
const TLSDir = "tls"

func (c *TLSConfig) register(fs *flag.FlagSet) {
	fs.StringVar(&c.CertFile, "tls-cert", env(envTLSCert, ""), "cli.tls.flag_cert")
	fs.StringVar(&c.KeyFile, "tls-key", env(envTLSKey, ""), "cli.tls.flag_key")
	fs.BoolVar(&c.Auto, "tls-auto", envBool(envTLSAuto), "cli.tls.flag_auto")
}

// enabled reports whether c asks for HTTPS.
func (c *TLSConfig) enabled() bool { return c.Auto || c.CertFile != "" || c.KeyFile != "" }

// setUpTLS configures srv to speak HTTPS as m's configuration says, if it says so: it
// loads the certificate, or with -tls-auto opens the local CA in the data directory and
// has it issue (or reuse) a certificate for the names the server is reached by, then
// offers the CA's certificate at /tls/ca.crt. It sets m.Cert and m.CA.
func (m *Main) setUpTLS(srv *iltodhttp.Server, now time.Time) error {
	c := &m.Config.TLS
	if !c.enabled() {
		return nil
	}
	var cert tls.Certificate
	switch {
	case c.Auto && (c.CertFile != "" || c.KeyFile != ""):
		return usageErr("cli.tls.auto_or_files", nil)
	case c.Auto:
		if m.Config.Store.DataDir == "" {
			return usageErr("cli.tls.auto_data", nil)
		}
		ca, err := localca.Open(filepath.Join(m.Config.Store.DataDir, TLSDir), now)
		if err != nil {
			return fail("cli.tls.ca", locales.Args{"Err": err})
		}
		if cert, _, err = ca.ServerCertificate(localca.Names(m.Config.Addr), now); err != nil {
			return fail("cli.tls.ca", locales.Args{"Err": err})
		}
		m.CA = ca
		srv.SetLocalCA(ca.DER())
	case c.CertFile == "" || c.KeyFile == "":
		return usageErr("cli.tls.both_files", nil)
	default:
		var err error
		if cert, err = tls.LoadX509KeyPair(c.CertFile, c.KeyFile); err != nil {
			return fail("cli.tls.load", locales.Args{"Err": err})
		}
	}
	m.Cert = &cert
	srv.SetTLS(&tls.Config{Certificates: []tls.Certificate{cert}})
	srv.SetWebConfig(iltodhttp.WebConfig{SecureCookies: true})
	return nil
}

// selfClient returns an HTTP client for m's own server: the demo's simulated devices use
// it. Over HTTPS it accepts exactly the certificate the server presents, whatever names
// it holds, since the client dials an address it knows to be the server's own.
func (m *Main) selfClient() *http.Client {
	if m.Cert == nil {
		return nil
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.MaxIdleConns = 2 * simulate.DefaultConcurrency
	tr.MaxIdleConnsPerHost = simulate.DefaultConcurrency
	tr.TLSClientConfig = localca.PinnedConfig(m.Cert.Certificate[0])
	return &http.Client{Timeout: 30 * time.Second, Transport: tr}
}

// phoneBase returns the base URL a phone on the same network would use: the server's
// address, except that a server listening on every interface (0.0.0.0 or ::) is named by
// its first LAN address, or localhost if it has none.
func (m *Main) phoneBase() string {
	host, port, err := net.SplitHostPort(m.Addr.String())
	if err != nil {
		return m.URL()
	}
	if ip := net.ParseIP(host); ip != nil && ip.IsUnspecified() {
		host = "localhost"
		if lan := localca.LANAddresses(); len(lan) > 0 {
			host = lan[0]
		}
	}
	return m.scheme() + "://" + net.JoinHostPort(host, port) + "/"
}
