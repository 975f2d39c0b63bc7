// Package hubtest runs a development hub in the test process, on
// 127.0.0.1:0 over a store in a temporary directory, with the development
// registry and a PKI for every participant, for the tests of the packages
// that talk to a hub (adapters, simulated agencies, conformance).
package hubtest

import (
	"context"
	"crypto/x509"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/hub"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/schemas"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// Options configure the hub; zero values are the hub's defaults, except
// LongPoll (1 s) and the sweep (every 20 ms), which suit tests.
type Options struct {
	Visibility  time.Duration
	MaxAttempts int
	QueueLimit  int64
	LongPoll    time.Duration
	// Wrap, when set, wraps the store the hub uses (to inject failures).
	Wrap func(store.Store) store.Store
	// Opened, when set, is called with the store each time the hub opens
	// it (at Start and at every Restart), before the hub uses it: to
	// attach a faulty file layer.
	Opened func(*boltstore.Store) error
	// Now is the hub's clock (default time.Now); Observer its observer.
	Now      func() time.Time
	Observer hub.Observer
	// SweepInterval (default 20 ms) and CheckpointInterval (default the
	// hub's) as in hub.Config.
	SweepInterval      time.Duration
	CheckpointInterval time.Duration
}

// Hub is a running development hub.
type Hub struct {
	// URL is the endpoint prefix: URL+"1.1" is the 1.1 endpoint.
	URL      string
	Dir      string
	PKIDir   string
	PKI      *pki.Bundle
	Registry *registry.Registry
	Store    *boltstore.Store

	t       testing.TB
	cfg     hub.Config
	wrap    func(store.Store) store.Store
	opened  func(*boltstore.Store) error
	srv     *http.Server
	cancel  context.CancelFunc
	stopped chan struct{}
}

var (
	once    sync.Once
	bundle  *pki.Bundle
	set     *schemas.Set
	initErr error
)

func shared() (*pki.Bundle, *schemas.Set, error) {
	once.Do(func() {
		cfg, err := registry.DevConfig()
		if err != nil {
			initErr = err
			return
		}
		var parties []pki.Party
		for _, p := range cfg.Participants {
			parties = append(parties, pki.Party{Mnemonic: p.Mnemonic, Name: p.Name})
		}
		// Valid from three days ago, so that a hub clock set back stays
		// inside every certificate's validity.
		if bundle, initErr = pki.Generate(pki.Options{Participants: parties, Now: time.Now().Add(-72 * time.Hour)}); initErr != nil {
			return
		}
		reg, err := registry.Dev("")
		if err != nil {
			initErr = err
			return
		}
		set, initErr = reg.CompileSchemas(context.Background(), 0)
	})
	return bundle, set, initErr
}

// Start runs a hub until the test ends.
func Start(t testing.TB, o Options) *Hub {
	t.Helper()
	b, set, err := shared()
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	pkiDir := filepath.Join(dir, "pki")
	if err := b.WriteDir(pkiDir); err != nil {
		t.Fatal(err)
	}
	reg, err := registry.Dev(pkiDir)
	if err != nil {
		t.Fatal(err)
	}
	in, err := exchange.NewIngress(reg, set, dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil),
		exchange.Options{StaleAfter: time.Hour, CheckEOL: true})
	if err != nil {
		t.Fatal(err)
	}
	signer, err := dsig.NewSigner(b.Hub.Key, []*x509.Certificate{b.Hub.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	if o.LongPoll == 0 {
		o.LongPoll = time.Second
	}
	if o.SweepInterval == 0 {
		o.SweepInterval = 20 * time.Millisecond
	}
	h := &Hub{Dir: dir, PKIDir: pkiDir, PKI: b, Registry: reg, t: t, wrap: o.Wrap, opened: o.Opened, cfg: hub.Config{Registry: reg, Ingress: in,
		Signer: signer, ReplyKey: []byte(strings.Repeat("k", 32)), Visibility: o.Visibility, MaxAttempts: o.MaxAttempts, QueueLimit: o.QueueLimit,
		LongPoll: o.LongPoll, SweepInterval: o.SweepInterval, CheckpointInterval: o.CheckpointInterval, Now: o.Now, Observer: o.Observer}}
	h.start()
	t.Cleanup(h.Stop)
	return h
}

func (h *Hub) start() {
	t := h.t
	waiters := hub.NewWaiters()
	st, err := boltstore.Open(filepath.Join(h.Dir, "mezhved.db"), &boltstore.Options{Notify: waiters.Notify})
	if err != nil {
		t.Fatalf("the hub's store does not open: %v", err)
	}
	if h.opened != nil {
		if err := h.opened(st); err != nil {
			st.Close()
			t.Fatal(err)
		}
	}
	h.Store = st
	// As serve does: the store remembers the trust and the hub's
	// certificates, so that the journal verifies on its own.
	for role, cert := range map[string]*x509.Certificate{store.RoleTrust: h.PKI.CA.Certificate, store.RoleHub: h.PKI.Hub.Certificate} {
		if err := st.AddCertificates(context.Background(), role, [][]byte{cert.Raw}, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
	cfg := h.cfg
	cfg.Store = st
	if h.wrap != nil {
		cfg.Store = h.wrap(st)
	}
	cfg.Waiters = waiters
	hb, err := hub.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	addr := "127.0.0.1:0"
	if h.URL != "" { // a restart keeps the address, as clients know it
		addr = strings.TrimSuffix(strings.TrimPrefix(h.URL, "http://"), "/ws/")
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	h.URL = "http://" + ln.Addr().String() + "/ws/"
	h.srv = &http.Server{Handler: hb.Handler(10 << 20)}
	go h.srv.Serve(ln)
	ctx, cancel := context.WithCancel(context.Background())
	h.cancel = cancel
	h.stopped = make(chan struct{})
	go func() {
		defer close(h.stopped)
		hb.Run(ctx)
	}()
}

// Stop stops the hub (calls in progress finish first).
func (h *Hub) Stop() {
	if h.srv == nil {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	h.srv.Shutdown(ctx)
	h.cancel()
	<-h.stopped
	if err := h.Store.Close(); err != nil {
		h.t.Errorf("closing the store: %v", err)
	}
	h.srv = nil
}

// Restart stops the hub and starts it again on the same address and store.
func (h *Hub) Restart() {
	h.Stop()
	h.start()
}

// Signer returns a participant's signer.
func (h *Hub) Signer(mnemonic string) *dsig.Signer {
	h.t.Helper()
	id, ok := h.PKI.Participants[mnemonic]
	if !ok {
		h.t.Fatalf("no participant %s", mnemonic)
	}
	s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		h.t.Fatal(err)
	}
	return s
}

// Client returns a participant's client of the 1.1 endpoint, verifying the
// hub's signatures, over adapters.NewHTTPClient.
func (h *Hub) Client(mnemonic string) *adapters.Client {
	h.t.Helper()
	return &adapters.Client{URL: h.URL + string(soap.V11), Version: soap.V11, Signer: h.Signer(mnemonic), HTTP: adapters.NewHTTPClient(),
		Verifier: dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{h.PKI.CA.Certificate}), nil)}
}

// Payload returns a copy of the sample payload schemas/payloads/<root>.xml.
func Payload(t testing.TB, root string) *etree.Element {
	t.Helper()
	_, file, _, _ := runtime.Caller(0)
	data, err := os.ReadFile(filepath.Join(filepath.Dir(file), "..", "..", "schemas", "payloads", root+".xml"))
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}
