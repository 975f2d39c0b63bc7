package main

import (
	"context"
	"crypto"
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"mezhved/adapters"
	"mezhved/exchange/admin"
	"mezhved/exchange/dsig"
	"mezhved/store/boltstore"
)

// tlsFlags configure a TLS listener.
type tlsFlags struct {
	cert, key  string
	clientCA   string
	clientAuth string // none, request, require
}

// serverTLS returns the TLS configuration of a listener: TLS 1.2 at least
// (1.3 is chosen whenever the client offers it), and client certificates
// verified against clientCA as clientAuth says.
func serverTLS(f tlsFlags) (*tls.Config, error) {
	cert, err := tls.LoadX509KeyPair(f.cert, f.key)
	if err != nil {
		return nil, fmt.Errorf("TLS certificate: %w", err)
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12, Certificates: []tls.Certificate{cert}}
	if f.clientCA == "" {
		if f.clientAuth == "require" {
			return nil, fmt.Errorf("client certificates required, but no client CA given")
		}
		return cfg, nil
	}
	certs, err := dsig.LoadCertificates(f.clientCA)
	if err != nil {
		return nil, fmt.Errorf("TLS client CA: %w", err)
	}
	pool := x509.NewCertPool()
	for _, c := range certs {
		pool.AddCert(c)
	}
	cfg.ClientCAs = pool
	switch f.clientAuth {
	case "", "request":
		cfg.ClientAuth = tls.VerifyClientCertIfGiven
	case "require":
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	case "none":
		cfg.ClientAuth = tls.NoClientCert
	default:
		return nil, fmt.Errorf("client authentication %q (want none, request or require)", f.clientAuth)
	}
	return cfg, nil
}

// roleCerts maps certificates to admin roles.
type roleCerts map[string]admin.Caller // by SHA-256 fingerprint

func loadRoles(operators, auditors []string) (roleCerts, error) {
	roles := roleCerts{}
	for _, r := range []struct {
		role  string
		files []string
	}{{admin.Operator, operators}, {admin.Auditor, auditors}} {
		for _, f := range r.files {
			certs, err := dsig.LoadCertificates(f)
			if err != nil {
				return nil, err
			}
			for _, c := range certs {
				fp := dsig.Fingerprint(c)
				caller := roles[fp]
				caller.Name = c.Subject.CommonName
				caller.Roles = append(caller.Roles, r.role)
				roles[fp] = caller
			}
		}
	}
	return roles, nil
}

// identify is the admin API's identification over TLS: the verified client
// certificate's roles.
func (rc roleCerts) identify(r *http.Request) (admin.Caller, bool) {
	if r.TLS == nil || len(r.TLS.VerifiedChains) == 0 {
		return admin.Caller{}, false
	}
	c, ok := rc[dsig.Fingerprint(r.TLS.VerifiedChains[0][0])]
	return c, ok
}

// publicMux serves the SOAP endpoints with the health checks beside them.
func publicMux(soap, health http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/", soap)
	mux.Handle("GET /healthz", health)
	mux.Handle("GET /readyz", health)
	return mux
}

// adminMux serves the admin API with the health checks and the metrics
// beside them.
func adminMux(api, health, metrics http.Handler) http.Handler {
	mux := http.NewServeMux()
	mux.Handle("/admin/", api)
	mux.Handle("GET /metrics", metrics)
	mux.Handle("GET /healthz", health)
	mux.Handle("GET /readyz", health)
	return mux
}

// storeWritable is the readiness check of the store: a write through its
// writer commits (an empty certificate list changes nothing).
func storeWritable(st *boltstore.Store) admin.Check {
	return admin.Check{Name: "store", Fn: func(ctx context.Context) error {
		return st.AddCertificates(ctx, "probe", nil, time.Now())
	}}
}

// socketCaller is who reaches the admin socket: the user who owns the data
// directory, with every role.
func socketCaller(*http.Request) (admin.Caller, bool) {
	return admin.Caller{Name: "admin-socket", Roles: []string{admin.Operator, admin.Auditor}}, true
}

// listenAdminSocket listens on DATA/admin.sock (0600).
func listenAdminSocket(data string) (net.Listener, error) {
	path := filepath.Join(data, adminSocket)
	if err := os.Remove(path); err != nil && !os.IsNotExist(err) {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	return ln, nil
}

// multiFlag is a flag that may be given several times.
type multiFlag []string

func (m *multiFlag) String() string { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error {
	*m = append(*m, v)
	return nil
}

// hubHTTPClient is the HTTP client a participant's command calls the hub
// with: for an https hub, the hub's certificate is checked against the CAs
// of caPath (a PEM file or directory) and the participant's certificate is
// presented.
func hubHTTPClient(hubURL, caPath string, key crypto.Signer, certs []*x509.Certificate) (*http.Client, error) {
	if !strings.HasPrefix(hubURL, "https://") {
		return adapters.NewHTTPClient(), nil
	}
	if caPath == "" {
		return nil, fmt.Errorf("an https hub needs the CA its certificate is checked against (--trust or --tls-ca)")
	}
	roots, err := dsig.LoadCertificates(caPath)
	if err != nil {
		return nil, err
	}
	return adapters.NewHTTPClientTLS(adapters.ClientTLS(roots, key, certs)), nil
}
