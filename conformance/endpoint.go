package conformance

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"mezhved/adapters"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/schemas"
)

// Target is an SMEV 3 endpoint to put through the endpoint suite, and what
// the suite must know of it that the protocol does not say.
type Target struct {
	// URL is the endpoint's base URL (http://host:8080), its endpoint prefix
	// (http://host:8080/ws/) or one of its endpoints (.../ws/1.1): the suite
	// posts to <base>/ws/1.1, /ws/1.2 and /ws/1.3.
	URL string
	// PKIDir is a directory in the layout `mezhved pki init` writes: ca.crt
	// (the CA the endpoint trusts, and the one its own signatures chain to)
	// and <MNEMONIC>.key, <MNEMONIC>.crt for every participant of the
	// development registry, bound to those certificates on the endpoint.
	// Optional: ca.key (to mint expired and not yet valid certificates, SIG-
	// cases that are skipped without it) and hub.key, hub.crt (a trusted
	// certificate bound to no participant, FAULT-013).
	PKIDir string
	// TLSRoots are the CAs the endpoint's TLS certificate is checked against
	// for an https URL (default: the certificates of PKIDir). Over https every
	// participant presents its own key and certificate as its TLS client
	// certificate, as a hub with mutual TLS requires.
	TLSRoots []*x509.Certificate
	// HTTP, when set, is the HTTP client of every call, in place of the ones
	// the suite makes.
	HTTP *http.Client
	// Visibility is the endpoint's visibility timeout (serve --visibility):
	// how long a delivered message stays hidden without an Ack. Zero skips
	// the cases that wait for it to run out (redelivery, late Ack, dead
	// letter).
	Visibility time.Duration
	// MaxAttempts is the number of deliveries after which an unacknowledged
	// message is a dead letter (serve --max-attempts). Zero skips the
	// dead-letter case.
	MaxAttempts int
	// LongPoll is how long the endpoint holds a GetRequest on an empty queue
	// (serve --long-poll). Zero skips the long-polling case.
	LongPoll time.Duration
	// MaxEnvelope is the endpoint's envelope size limit (serve
	// --max-envelope). Default 10 MiB.
	MaxEnvelope int64
	// Generic runs the suite against an SMEV 3 endpoint that is not mezhved:
	// faults are checked as the protocol defines them (a SOAP 1.1 fault, HTTP
	// 500, the SMEV fault element of the caller's version with its
	// SignatureVerificationFault code and ValidationError positions), and
	// the hub's own detail (mz:FaultInfo: the MZ code, the retry class,
	// line, column and path of each position) and status codes are not
	// required. Without it they are.
	Generic bool
	// Timeout bounds each wait of a case for one message, status event or
	// answer. Default 15 s (and at least twice LongPoll).
	Timeout time.Duration
}

// Case is one check of the endpoint suite.
type Case struct {
	// ID names the case: its group (OP, FAULT, SIG, SCHEMA, DLV, FLOW) and a
	// number, e.g. "OP-001". IDs are stable.
	ID string
	// Desc says in one line what the endpoint must do.
	Desc string
	// Run performs the case; a nil error is a pass. An error wrapping
	// ErrSkipped means the case cannot run against this target.
	Run func(ctx context.Context, e *Env) error
}

// ErrSkipped is wrapped by the error of a case that could not run against
// the target (a setting it needs is missing); such a case neither passes nor
// fails.
var ErrSkipped = errors.New("conformance: skipped")

// skip returns an ErrSkipped error with a reason.
func skip(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrSkipped, fmt.Sprintf(format, args...))
}

// Result is the outcome of one case.
type Result struct {
	ID, Desc string
	// Err is nil when the case passed; it wraps ErrSkipped when it was
	// skipped.
	Err     error
	Elapsed time.Duration
}

// Skipped reports whether the case was skipped.
func (r Result) Skipped() bool { return errors.Is(r.Err, ErrSkipped) }

// Run runs the cases whose ID matches filter (every case when nil), in
// order, against the target, reporting each result as it comes, and returns
// how many passed and failed (skipped cases count in neither). A target that
// cannot be set up (its PKI directory unreadable, say) is reported as one
// failed result with the ID "SETUP".
func Run(ctx context.Context, t Target, filter *regexp.Regexp, report func(Result)) (passed, failed int) {
	if report == nil {
		report = func(Result) {}
	}
	s, err := Open(ctx, t)
	if err != nil {
		report(Result{ID: "SETUP", Desc: "load the target's keys and schemas", Err: err})
		return 0, 1
	}
	for _, c := range Cases() {
		if filter != nil && !filter.MatchString(c.ID) {
			continue
		}
		r := s.RunCase(ctx, c)
		report(r)
		switch {
		case r.Skipped():
		case r.Err == nil:
			passed++
		default:
			failed++
		}
	}
	return passed, failed
}

// Suite is a target made ready for the cases: its participants' keys
// loaded, its schemas compiled. It is safe for concurrent use, but the
// cases assume they run one at a time (they share the participants' queues).
type Suite struct {
	t        Target
	base     string // .../ws
	run      string // this run's marker
	parties  map[string]*party
	roles    map[string][]string
	banks    map[string]string // mnemonic -> BIC
	verifier *dsig.Verifier
	ca       *pki.Identity // nil without ca.key
	hub      *pki.Identity // nil without hub.key
	schemas  *schemas.Set
}

// party is one participant as the suite plays it.
type party struct {
	mnemonic, name, role string
	key                  crypto.Signer
	certs                []*x509.Certificate
	signer               *dsig.Signer
	http                 *http.Client
}

// markerPrefix starts the TransactionCode of every request the suite sends,
// so that a later run recognises (and acknowledges) what an earlier one
// left in a queue.
const markerPrefix = "mzconf/"

// Open prepares a target: it loads the participants' keys from PKIDir and
// compiles the SMEV schemas the endpoint's replies are checked against.
func Open(ctx context.Context, t Target) (*Suite, error) {
	if t.URL == "" || t.PKIDir == "" {
		return nil, errors.New("conformance: the target needs a URL and a PKI directory")
	}
	if t.MaxEnvelope <= 0 {
		t.MaxEnvelope = 10 << 20
	}
	if t.Timeout <= 0 {
		t.Timeout = 15 * time.Second
	}
	t.Timeout = max(t.Timeout, 2*t.LongPoll+5*time.Second, t.Visibility+5*time.Second)
	s := &Suite{t: t, base: baseURL(t.URL), parties: map[string]*party{}, roles: map[string][]string{}, banks: map[string]string{}}
	var b [6]byte
	rand.Read(b[:])
	s.run = hex.EncodeToString(b[:])

	trust, err := dsig.LoadTrustStore(filepath.Join(t.PKIDir, "ca.crt"))
	if err != nil {
		return nil, fmt.Errorf("conformance: %w", err)
	}
	s.verifier = dsig.NewVerifier(trust, nil)
	roots := t.TLSRoots
	if len(roots) == 0 && strings.HasPrefix(s.base, "https://") {
		if roots, err = dsig.LoadCertificates(t.PKIDir); err != nil {
			return nil, fmt.Errorf("conformance: %w", err)
		}
	}
	cfg, err := registry.DevConfig()
	if err != nil {
		return nil, err
	}
	for _, pc := range cfg.Participants {
		key, certs, err := pki.LoadIdentity(filepath.Join(t.PKIDir, pc.Mnemonic+".key"), filepath.Join(t.PKIDir, pc.Mnemonic+".crt"))
		if err != nil {
			return nil, fmt.Errorf("conformance: participant %s: %w", pc.Mnemonic, err)
		}
		signer, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV)
		if err != nil {
			return nil, fmt.Errorf("conformance: participant %s: %w", pc.Mnemonic, err)
		}
		p := &party{mnemonic: pc.Mnemonic, name: pc.Name, role: pc.Role, key: key, certs: certs, signer: signer}
		p.http = s.httpClient(roots, key, certs)
		s.parties[pc.Mnemonic] = p
		s.roles[pc.Role] = append(s.roles[pc.Role], pc.Mnemonic)
		if bic := pc.Routing["bic"]; bic != "" {
			s.banks[pc.Mnemonic] = bic
		}
	}
	for _, role := range []string{"court", "bailiff", "traffic-police", "tax", "land-registry", "pension-fund", "bank", "portal"} {
		if len(s.roles[role]) == 0 {
			return nil, fmt.Errorf("conformance: the development registry has no participant of role %s", role)
		}
	}
	if len(s.roles["bank"]) < 2 {
		return nil, errors.New("conformance: the development registry needs two banks")
	}
	s.ca = optionalIdentity(t.PKIDir, "ca")
	s.hub = optionalIdentity(t.PKIDir, "hub")

	reg, err := registry.Dev("")
	if err != nil {
		return nil, err
	}
	if s.schemas, err = reg.CompileSchemas(ctx, 0); err != nil {
		return nil, err
	}
	return s, nil
}

// optionalIdentity loads DIR/name.key and DIR/name.crt, nil when either is
// missing or unreadable.
func optionalIdentity(dir, name string) *pki.Identity {
	if _, err := os.Stat(filepath.Join(dir, name+".key")); err != nil {
		return nil
	}
	key, certs, err := pki.LoadIdentity(filepath.Join(dir, name+".key"), filepath.Join(dir, name+".crt"))
	if err != nil {
		return nil
	}
	return &pki.Identity{Key: key, Certificate: certs[0]}
}

// baseURL returns the URL the version endpoints hang from: ".../ws".
func baseURL(u string) string {
	u = strings.TrimRight(u, "/")
	for _, v := range soap.Versions() {
		u = strings.TrimSuffix(u, "/"+string(v))
	}
	u = strings.TrimRight(u, "/")
	if !strings.HasSuffix(u, "/ws") {
		u += "/ws"
	}
	return u
}

// httpClient is a participant's HTTP client: the target's, or one that
// presents the participant's certificate over TLS. Every answer it reads is
// checked against the SMEV schemas (see checkingTransport).
func (s *Suite) httpClient(roots []*x509.Certificate, key crypto.Signer, certs []*x509.Certificate) *http.Client {
	hc := s.t.HTTP
	if hc == nil {
		if strings.HasPrefix(s.base, "https://") {
			hc = adapters.NewHTTPClientTLS(adapters.ClientTLS(roots, key, certs))
		} else {
			hc = adapters.NewHTTPClient()
		}
	}
	base := hc.Transport
	if base == nil {
		base = http.DefaultTransport
	}
	c := *hc
	c.Transport = &checkingTransport{base: base, suite: s}
	return &c
}

// Endpoint returns the URL of the version's endpoint.
func (s *Suite) Endpoint(v soap.Version) string { return s.base + "/" + string(v) }

// RunCase runs one case with a fresh Env and a deadline.
func (s *Suite) RunCase(ctx context.Context, c Case) Result {
	e := &Env{s: s, id: c.ID, marker: markerPrefix + s.run + "/" + c.ID}
	limit := 4*s.t.Timeout + time.Duration(max(s.t.MaxAttempts, 1)+2)*s.t.Visibility
	ctx, cancel := context.WithTimeout(context.WithValue(ctx, envKey{}, e), limit)
	defer cancel()
	start := time.Now()
	err := c.Run(ctx, e)
	if err == nil {
		err = e.replyProblems()
	}
	if err != nil && !errors.Is(err, ErrSkipped) && ctx.Err() != nil && !errors.Is(err, ctx.Err()) {
		err = fmt.Errorf("%w (the case ran out of time: %v)", err, ctx.Err())
	}
	return Result{ID: c.ID, Desc: c.Desc, Err: err, Elapsed: time.Since(start)}
}

// Cases returns every case of the endpoint suite, in ID order.
func Cases() []Case {
	var all []Case
	for _, group := range [][]Case{opCases(), faultCases(), sigCases(), schemaCases(), deliveryCases(), flowCases()} {
		all = append(all, group...)
	}
	return all
}

// Env is what a case works with: the target's participants, their clients,
// and helpers to send, await and inspect. One Env serves one case.
type Env struct {
	s      *Suite
	id     string
	marker string

	mu       sync.Mutex
	seq      int
	problems []string
}

type envKey struct{}

// Participant returns the mnemonic of the first participant of a role of
// the development registry (court, bailiff, traffic-police, tax,
// land-registry, pension-fund, bank, portal); n picks the n-th (banks).
func (e *Env) Participant(role string, n ...int) string {
	i := 0
	if len(n) > 0 {
		i = n[0]
	}
	return e.s.roles[role][i]
}

// BIC returns a bank participant's BIC.
func (e *Env) BIC(bank string) string { return e.s.banks[bank] }

// Client returns a participant's client of the version's endpoint, which
// signs every call and verifies the endpoint's signatures.
func (e *Env) Client(mnemonic string, v soap.Version) *adapters.Client {
	p := e.s.parties[mnemonic]
	return &adapters.Client{URL: e.s.Endpoint(v), Version: v, Signer: p.signer, HTTP: p.http, Verifier: e.s.verifier}
}

// code returns a fresh TransactionCode of this case.
func (e *Env) code() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.seq++
	return fmt.Sprintf("%s/%d", e.marker, e.seq)
}

// note records a problem found in an answer outside the case's own checks
// (an answer that does not validate against the schemas); it fails the case.
func (e *Env) note(format string, args ...any) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.problems) < 5 {
		e.problems = append(e.problems, fmt.Sprintf(format, args...))
	}
}

func (e *Env) replyProblems() error {
	e.mu.Lock()
	defer e.mu.Unlock()
	if len(e.problems) == 0 {
		return nil
	}
	return errors.New(strings.Join(slices.Compact(e.problems), "; "))
}
