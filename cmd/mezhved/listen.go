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
	"runtime"
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

// socketPeerKey is the context key under which the admin socket's server
// keeps the peer of each connection.
type socketPeerKey struct{}

// socketPeer is the process at the other end of an admin socket connection,
// as the kernel tells it: its effective uid, or why it is not known.
type socketPeer struct {
	uid int
	err error
}

// socketConnContext is the admin socket server's ConnContext: it records
// each connection's peer (SO_PEERCRED) for socketCaller and socketPeerOnly.
func socketConnContext(ctx context.Context, c net.Conn) context.Context {
	uid, err := admin.PeerUID(c)
	return context.WithValue(ctx, socketPeerKey{}, socketPeer{uid: uid, err: err})
}

// socketPeerAllowed reports whether a process running as uid may use the
// admin socket of a hub running as hubUID: only the hub's own user, or root.
func socketPeerAllowed(uid, hubUID int) bool { return uid == hubUID || uid == 0 }

// socketCaller identifies the callers of the admin socket of a hub running
// as hubUID: a process of the hub's own user (or root) has every role; one
// of any other user is named by its uid and has none (403); a connection
// whose peer is not known is not identified (401).
func socketCaller(hubUID int) func(*http.Request) (admin.Caller, bool) {
	return func(r *http.Request) (admin.Caller, bool) {
		p, ok := r.Context().Value(socketPeerKey{}).(socketPeer)
		if !ok || p.err != nil {
			return admin.Caller{}, false
		}
		if !socketPeerAllowed(p.uid, hubUID) {
			return admin.Caller{Name: fmt.Sprintf("uid %d on the admin socket", p.uid)}, true
		}
		return admin.Caller{Name: "admin-socket", Roles: []string{admin.Operator, admin.Auditor}}, true
	}
}

// socketPeerOnly serves h on the admin socket to the hub's own user and
// root only (the health checks and metrics as well as the API); anyone
// else is refused with 403.
func socketPeerOnly(hubUID int, h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, ok := r.Context().Value(socketPeerKey{}).(socketPeer)
		if !ok || p.err != nil || !socketPeerAllowed(p.uid, hubUID) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintln(w, `{"error": "the admin socket serves only the hub's own user"}`)
			return
		}
		h.ServeHTTP(w, r)
	})
}

// listenAdminSocket listens on DATA/admin.sock, a socket only its owner may
// connect to. It is made in a fresh directory that only the hub's user may
// enter, given mode 0600 there and only then moved into place: it is never
// open to others, whatever the umask or the data directory's mode. Where the
// system cannot tell who connects (no SO_PEERCRED), there is no socket.
func listenAdminSocket(data string) (net.Listener, error) {
	if !admin.PeerCredentials {
		return nil, fmt.Errorf("admin socket: this system (%s) does not tell who connects to a socket", runtime.GOOS)
	}
	// A short name: a socket's path is limited to about 100 bytes.
	dir, err := os.MkdirTemp(data, ".s") // 0700
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	defer os.RemoveAll(dir)
	tmp := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", tmp)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	// The file moves: closing the listener must not unlink whatever is at
	// its first path then.
	ln.(*net.UnixListener).SetUnlinkOnClose(false)
	if err := os.Chmod(tmp, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	// Rename replaces a socket left by a hub that did not stop cleanly.
	if err := os.Rename(tmp, filepath.Join(data, adminSocket)); err != nil {
		ln.Close()
		return nil, fmt.Errorf("admin socket: %w", err)
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
