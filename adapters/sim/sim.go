package sim

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"sync"
	"time"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
)

// Participant codes of the development registry (exchange/registry/dev.json).
const (
	Court         = dataset.IssuerCourt         // COURT01: court writs
	Bailiffs      = "FSSP01"                    // the bailiff service
	TrafficPolice = dataset.IssuerTrafficPolice // GIBDD01: fines; vehicles and driving licences
	TaxService    = dataset.IssuerTax           // FNS01: tax debts; which banks
	LandRegistry  = "ROSREESTR01"               // real estate
	PensionFund   = "SFR01"                     // incomes
	Portal        = "EPGU01"                    // the citizen portal
)

// Agencies returns the names of every simulated agency: every participant
// of the development registry.
func Agencies() []string {
	out := []string{Court, Bailiffs, TrafficPolice, TaxService, LandRegistry, PensionFund}
	for _, b := range dataset.Banks() {
		out = append(out, b.Participant)
	}
	return append(out, Portal)
}

// Config configures the simulated agencies.
type Config struct {
	// Data is the data set every agency acts on (required).
	Data *dataset.DataSet
	// Client returns the hub client of a participant (required).
	Client func(mnemonic string) *adapters.Client
	// Rate is the number of writs per second over all issuers; 0 submits
	// them all at once. Case i of the data set goes at i/Rate seconds after
	// the start, whichever issuer sends it.
	Rate float64
	// Overdue is how long a request may go unanswered before it counts as
	// overdue. Default 30 s.
	Overdue time.Duration
	// Logger gets the agencies' logs: message ids, types, counts and case
	// ids, never payload contents or personal data. Default: discarded.
	Logger *slog.Logger
	// State returns the adapter state of a participant. Default: a new
	// memory state for each.
	State func(mnemonic string) adapters.State
	// Deferred names agencies that Run leaves out; the caller runs each
	// (its adapter and driver from Sim.Agency) when it wants, to simulate an
	// agency that comes online late. Their messages wait in the hub.
	Deferred []string
}

func (c *Config) check() error {
	if c.Data == nil {
		return errors.New("sim: Config.Data is required")
	}
	if c.Client == nil {
		return errors.New("sim: Config.Client is required")
	}
	if c.Rate < 0 {
		return errors.New("sim: Config.Rate must not be negative")
	}
	for i := range c.Data.Cases {
		if is := c.Data.Cases[i].Issuer; is != Court && is != TrafficPolice && is != TaxService {
			return fmt.Errorf("sim: case %s: no simulated issuer %q", c.Data.Cases[i].ID, is)
		}
	}
	for _, name := range c.Deferred {
		if !slices.Contains(Agencies(), name) {
			return fmt.Errorf("sim: Config.Deferred: no agency %q", name)
		}
	}
	return nil
}

func (c *Config) logger() *slog.Logger {
	if c.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return c.Logger
}

func (c *Config) state(name string) adapters.State {
	if c.State == nil {
		return adapters.NewMemoryState()
	}
	return c.State(name)
}

// participant is one organisation: its adapter, its driver, and the roles
// it plays (the traffic police and the tax service also issue writs).
type participant struct {
	name    string
	adapter *adapters.Adapter
	issuer  *issuer
	bailiff *bailiff
	traffic *trafficPolice
	tax     *taxService
	land    *landRegistry
	pension *pensionFund
	bank    *bank
	portal  *portal
}

// drive runs what the participant does on its own initiative (an issuer's
// submissions) until it is done or ctx ends.
func (p *participant) drive(ctx context.Context) error {
	if p.issuer == nil {
		return nil
	}
	return p.issuer.submit(ctx)
}

// Workers per queue: the bailiff sends several messages for most messages it
// takes, so it gets more.
const (
	agencyWorkers  = 3
	bailiffWorkers = 8
)

func build(name string, cfg *Config, st *stats) (*participant, error) {
	client := cfg.Client(name)
	if client == nil {
		return nil, fmt.Errorf("sim: no client for %s", name)
	}
	log := cfg.logger().With("agency", name)
	a := &adapters.Adapter{Client: client, Requests: map[string]adapters.RequestHandler{}, Responses: map[string]adapters.ResponseHandler{},
		Status: st.statusHandler, State: cfg.state(name), Workers: agencyWorkers, StatusInterval: 200 * time.Millisecond, Logger: log}
	base := agency{name: name, ds: cfg.Data, log: log, stats: st, adapter: a}
	p := &participant{name: name, adapter: a}
	// Each role adds its handlers to the participant's adapter.
	var roles []interface{ install(*adapters.Adapter) }
	switch name {
	case Court:
		p.issuer = newIssuer(base, cfg.Rate)
		roles = append(roles, p.issuer)
	case TrafficPolice:
		p.issuer, p.traffic = newIssuer(base, cfg.Rate), newTrafficPolice(base)
		roles = append(roles, p.issuer, p.traffic)
	case TaxService:
		p.issuer, p.tax = newIssuer(base, cfg.Rate), &taxService{agency: base}
		roles = append(roles, p.issuer, p.tax)
	case Bailiffs:
		a.Workers = bailiffWorkers
		p.bailiff = newBailiff(base)
		roles = append(roles, p.bailiff)
	case LandRegistry:
		p.land = newLandRegistry(base)
		roles = append(roles, p.land)
	case PensionFund:
		p.pension = &pensionFund{agency: base}
		roles = append(roles, p.pension)
	case Portal:
		p.portal = newPortal(base)
		roles = append(roles, p.portal)
	default:
		for _, b := range dataset.Banks() {
			if b.Participant == name {
				p.bank = newBank(base, b)
				roles = append(roles, p.bank)
			}
		}
		if p.bank == nil {
			return nil, fmt.Errorf("sim: no agency %q (want one of %v)", name, Agencies())
		}
	}
	for _, r := range roles {
		r.install(a)
	}
	seen := &sync.Map{}
	for typ, h := range a.Requests {
		a.Requests[typ] = exclusive(seen, h)
	}
	return p, nil
}

// errInProgress leaves a request unacknowledged while another delivery of
// it is being handled.
var errInProgress = errors.New("sim: the request is being handled by an earlier delivery")

// exclusive keeps a request from being handled twice: when its visibility
// timeout runs out while its handler is still busy, the hub delivers it
// again, and the second delivery must not answer it a second time. It is
// left unacknowledged instead; by its next delivery the adapter state
// knows it is done. A request whose handler failed may be handled again.
func exclusive(seen *sync.Map, h adapters.RequestHandler) adapters.RequestHandler {
	return func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
		if _, busy := seen.LoadOrStore(r.MessageID, true); busy {
			return nil, errInProgress
		}
		ans, err := h(ctx, r)
		var refusal *adapters.Refusal
		if err != nil && !errors.As(err, &refusal) {
			seen.Delete(r.MessageID)
		}
		return ans, err
	}
}

// Agency builds one agency on its own, for running it in its own process:
// its adapter, and its driver (an issuer's submission of its writs; for the
// other agencies a function that returns nil at once). Run both until the
// context ends. The agency's counts are its own.
func Agency(name string, cfg Config) (*adapters.Adapter, func(context.Context) error, error) {
	if err := cfg.check(); err != nil {
		return nil, nil, err
	}
	p, err := build(name, &cfg, newStats(cfg.Overdue))
	if err != nil {
		return nil, nil, err
	}
	return p.adapter, p.drive, nil
}

// Sim is every agency of the development registry acting on one data set,
// in one process. Each agency keeps its own state, as separate
// organisations do; they share nothing but the data set and reach each
// other only through the hub.
type Sim struct {
	cfg   Config
	ds    *dataset.DataSet
	st    *stats
	parts map[string]*participant

	poke     chan struct{}
	done     chan struct{}
	doneOnce sync.Once
}

// New builds the simulation; Run runs it.
func New(cfg Config) (*Sim, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	s := &Sim{cfg: cfg, ds: cfg.Data, st: newStats(cfg.Overdue), parts: map[string]*participant{},
		poke: make(chan struct{}, 1), done: make(chan struct{})}
	s.st.changed = func() {
		select {
		case s.poke <- struct{}{}:
		default:
		}
	}
	for _, name := range Agencies() {
		p, err := build(name, &s.cfg, s.st)
		if err != nil {
			return nil, err
		}
		s.parts[name] = p
	}
	return s, nil
}

// Agency returns one agency of the simulation: its adapter and its driver
// (see the function Agency). Use it to run an agency of Config.Deferred.
func (s *Sim) Agency(name string) (*adapters.Adapter, func(context.Context) error, error) {
	p, ok := s.parts[name]
	if !ok {
		return nil, nil, fmt.Errorf("sim: no agency %q", name)
	}
	return p.adapter, p.drive, nil
}

// Run runs every agency but the deferred ones, and the submission of every
// writ, until ctx ends. It returns the drivers' failures (a writ the hub
// refused for good), if any, once ctx has ended.
func (s *Sim) Run(ctx context.Context) error {
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		errs []error
	)
	for _, name := range Agencies() {
		if slices.Contains(s.cfg.Deferred, name) {
			continue
		}
		p := s.parts[name]
		wg.Go(func() { p.adapter.Run(ctx) })
		wg.Go(func() {
			if err := p.drive(ctx); err != nil && ctx.Err() == nil {
				mu.Lock()
				errs = append(errs, fmt.Errorf("%s: %w", name, err))
				mu.Unlock()
			}
		})
	}
	wg.Go(func() { s.watch(ctx) })
	wg.Wait()
	return errors.Join(errs...)
}

// watch closes Done once every case is in its final state, looking again
// after every change an agency reports.
func (s *Sim) watch(ctx context.Context) {
	tick := time.NewTicker(time.Second) // a safety net for a missed poke
	defer tick.Stop()
	for {
		if s.finished() {
			s.doneOnce.Do(func() { close(s.done) })
			return
		}
		select {
		case <-ctx.Done():
			return
		case <-s.poke:
		case <-tick.C:
		}
	}
}

// Done is closed when every case has reached its final state (see Check
// for what it must agree with).
func (s *Sim) Done() <-chan struct{} { return s.done }

// Progress returns the counts so far; it is safe at any time.
func (s *Sim) Progress() Summary { return s.st.summary() }

// agency is what every role of a participant has.
type agency struct {
	name    string
	ds      *dataset.DataSet
	log     *slog.Logger
	stats   *stats
	adapter *adapters.Adapter
}
