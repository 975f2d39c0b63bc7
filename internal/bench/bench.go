package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"mezhved/internal/procs"
)

// Scenario names one part of a bench run.
type Scenario string

// Scenarios, in the order Run runs them.
const (
	// Ingest: signed 4 KB SendRequests (signed before they are sent), from
	// concurrent clients as fast as the hub answers, then at half that
	// rate on a fixed schedule (the accept latency at half load).
	Ingest Scenario = "ingest"
	// Limit: the unavoidable work per message measured in the bench's
	// process on the same envelopes, and the hub's ingest against it.
	Limit Scenario = "limit"
	// RoundTrip: send, get, ack, respond, get, ack; every call signed as
	// it is made.
	RoundTrip Scenario = "roundtrip"
	// Broadcast: bank account queries copied to every bank, each bank
	// taking and acknowledging its copies.
	Broadcast Scenario = "broadcast"
	// Recipients: queries routed over 10 or 1,000 banks' queues.
	Recipients Scenario = "recipients"
	// Mixed: X-Road's mix of message sizes, as fast as the hub answers,
	// then in steps of request rate.
	Mixed Scenario = "mixed"
	// JetStream: the hub's durable queue (signatures off) against NATS
	// JetStream embedded, file storage with fsync on every write.
	JetStream Scenario = "jetstream"
	// Backlog: ingest and round trips with 0, 100,000 (or 1,000,000)
	// messages already queued.
	Backlog Scenario = "backlog"
)

// AllScenarios returns every scenario in the order Run runs them.
func AllScenarios() []Scenario {
	return []Scenario{Ingest, Limit, RoundTrip, Broadcast, Recipients, Mixed, JetStream, Backlog}
}

// ParseScenarios reads a comma-separated list of scenario names; "all" is
// every one.
func ParseScenarios(s string) ([]Scenario, error) {
	var out []Scenario
	for _, name := range strings.Split(s, ",") {
		name = strings.TrimSpace(name)
		if name == "all" {
			return AllScenarios(), nil
		}
		if !slices.Contains(AllScenarios(), Scenario(name)) {
			return nil, fmt.Errorf("%w: unknown scenario %q (want %s or all)", ErrConfig, name, joinScenarios(AllScenarios()))
		}
		if !slices.Contains(out, Scenario(name)) {
			out = append(out, Scenario(name))
		}
	}
	return out, nil
}

func joinScenarios(s []Scenario) string {
	var names []string
	for _, x := range s {
		names = append(names, string(x))
	}
	return strings.Join(names, ", ")
}

// ErrConfig is returned when a Config is not usable.
var ErrConfig = errors.New("bench: configuration")

// Config says what a bench run measures and how.
type Config struct {
	// Scenarios to run; default all.
	Scenarios []Scenario
	// Duration of each measured run, after Warmup. Defaults 10s and 2s.
	Duration time.Duration
	Warmup   time.Duration
	// Clients is how many senders post at once. Default 32.
	Clients int
	// Conversations is how many round trips run at once. Default 64.
	Conversations int
	// QueueClients are the JetStream comparison's numbers of publishers
	// (and as many consumers), one level of the comparison each. Default
	// 32, 128.
	QueueClients []int
	// Rates are the steps of the mixed profile, in messages per second.
	// Default: a quarter, half, three quarters and all of the rate the
	// hub reached with Clients senders.
	Rates []float64
	// Banks are the broadcast's numbers of banks. Default 10.
	Banks []int
	// Recipients are the numbers of queues routed over. Default 10, 1000.
	Recipients []int
	// Backlog are the numbers of messages queued before a run. Default 0,
	// 100000.
	Backlog []int
	// HubURL, when set, is a hub to measure instead of one the bench
	// starts (its development PKI at PKIDir). Only what its answers show
	// is measured then: no CPU, memory or store size, no backlog.
	HubURL string
	PKIDir string
	// DataDir holds the bench's PKI, registries and every hub's store.
	// Default: a temporary directory, removed at the end.
	DataDir string
	// HubCommand, when set, makes the command that runs a hub process
	// with the given `mezhved` arguments ("serve", ...); the hub's CPU
	// and memory are then its own. Nil: hubs run in the bench's process.
	HubCommand func(args []string) *exec.Cmd
	// HubLogLevel is the hub process's --log-level. Default warn.
	HubLogLevel string
	// PresignRate is how many messages per second of a run are signed
	// before it starts (senders sign on their own machines); a run that
	// goes faster signs the rest as it sends. Default 6,000.
	PresignRate float64
	// ClientProcs is how many processors (GOMAXPROCS) the bench's clients
	// use while they load a hub in another process or at HubURL: they need
	// a fraction of a core, and the fewer their threads, the less they
	// contend with the hub's for the machine. Default 1; negative: every
	// core. The limit and the JetStream comparison, which run in the
	// bench's process, use every core. Run is not to be called twice at
	// once (GOMAXPROCS is the process's).
	ClientProcs int
	// Progress receives a line about the run in progress. Nil: none.
	Progress io.Writer
	// Profile is the mixed scenario's sizes. Default MixedProfile.
	Profile []SizeClass
	// LimitSamples is how many messages each stage of the limit is timed
	// over. Default 2,000.
	LimitSamples int
}

// DefaultConfig returns the defaults.
func DefaultConfig() Config {
	return Config{
		Scenarios:     AllScenarios(),
		Duration:      10 * time.Second,
		Warmup:        2 * time.Second,
		Clients:       32,
		Conversations: 64,
		QueueClients:  []int{32, 128},
		Banks:         []int{10},
		Recipients:    []int{10, 1000},
		Backlog:       []int{0, 100_000},
		HubLogLevel:   "warn",
		PresignRate:   6000,
		ClientProcs:   1,
		Profile:       MixedProfile,
		LimitSamples:  2000,
	}
}

func (c Config) withDefaults() Config {
	d := DefaultConfig()
	if len(c.Scenarios) == 0 {
		c.Scenarios = d.Scenarios
	}
	if c.Duration <= 0 {
		c.Duration = d.Duration
	}
	if c.Warmup < 0 {
		c.Warmup = 0
	}
	if c.Clients <= 0 {
		c.Clients = d.Clients
	}
	if c.Conversations <= 0 {
		c.Conversations = d.Conversations
	}
	if len(c.QueueClients) == 0 {
		c.QueueClients = d.QueueClients
	}
	if len(c.Banks) == 0 {
		c.Banks = d.Banks
	}
	if len(c.Recipients) == 0 {
		c.Recipients = d.Recipients
	}
	if len(c.Backlog) == 0 {
		c.Backlog = d.Backlog
	}
	if c.HubLogLevel == "" {
		c.HubLogLevel = d.HubLogLevel
	}
	if c.ClientProcs == 0 {
		c.ClientProcs = d.ClientProcs
	}
	if c.PresignRate <= 0 {
		c.PresignRate = d.PresignRate
	}
	if len(c.Profile) == 0 {
		c.Profile = d.Profile
	}
	if c.LimitSamples <= 0 {
		c.LimitSamples = d.LimitSamples
	}
	return c
}

// Validate checks the configuration.
func (c Config) Validate() error {
	for _, s := range c.Scenarios {
		if !slices.Contains(AllScenarios(), s) {
			return fmt.Errorf("%w: unknown scenario %q", ErrConfig, s)
		}
	}
	if c.HubURL != "" && c.PKIDir == "" {
		return fmt.Errorf("%w: a hub given by URL needs the PKI its participants' keys are in (PKIDir, --pki)", ErrConfig)
	}
	if c.HubURL == "" && c.PKIDir != "" {
		return fmt.Errorf("%w: PKIDir (--pki) is for a hub given by URL; the bench makes its own PKI for its hubs", ErrConfig)
	}
	for _, r := range c.Rates {
		if r <= 0 {
			return fmt.Errorf("%w: a rate must be positive", ErrConfig)
		}
	}
	for _, n := range slices.Concat(c.Banks, c.Recipients) {
		if n < 1 || n > 100_000 {
			return fmt.Errorf("%w: a number of banks must be between 1 and 100,000", ErrConfig)
		}
	}
	for _, n := range c.QueueClients {
		if n < 1 || n > 1000 {
			return fmt.Errorf("%w: the comparison's number of clients must be between 1 and 1,000", ErrConfig)
		}
	}
	share := 0.0
	for _, sc := range c.Profile {
		if sc.Bytes <= 0 || sc.Share <= 0 {
			return fmt.Errorf("%w: a size class needs a size and a share", ErrConfig)
		}
		share += sc.Share
	}
	if len(c.Profile) > 0 && (share < 0.999 || share > 1.001) {
		return fmt.Errorf("%w: the size classes' shares add up to %g, not 1", ErrConfig, share)
	}
	for _, n := range c.Backlog {
		if n < 0 {
			return fmt.Errorf("%w: a backlog cannot be negative", ErrConfig)
		}
	}
	return nil
}

// bencher runs the scenarios of one Run.
type bencher struct {
	cfg  Config
	w    *world
	prog *progress
	rep  *Report
	dirs atomic.Int64

	// maxIngest is the rate the ingest scenario reached.
	maxIngest float64
}

// Run runs the configured scenarios and reports on them. A scenario that
// fails is reported in Report.Errors and the others still run; the error
// returned then names the ones that failed.
func Run(ctx context.Context, cfg Config) (*Report, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	// The limit, the JetStream comparison and hubs in this process run
	// with the processors a hub process gives itself (see internal/procs).
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(0))
	procs.ForStore()
	b := &bencher{cfg: cfg, prog: newProgress(cfg.Progress)}
	b.rep = newReport(cfg)
	if cfg.DataDir == "" {
		dir, err := os.MkdirTemp("", "mezhved-bench-")
		if err != nil {
			return nil, err
		}
		defer os.RemoveAll(dir)
		b.cfg.DataDir = dir
	} else if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
		return nil, err
	}
	var err error
	if cfg.HubURL != "" {
		b.w, err = loadWorld(cfg.PKIDir)
	} else {
		maxBanks := 2
		if slices.Contains(cfg.Scenarios, Broadcast) {
			maxBanks = max(maxBanks, slices.Max(cfg.Banks))
		}
		if slices.Contains(cfg.Scenarios, Recipients) {
			maxBanks = max(maxBanks, slices.Max(cfg.Recipients))
		}
		b.w, err = newWorld(b.cfg.DataDir, maxBanks)
	}
	if err != nil {
		return nil, err
	}
	b.rep.Hub = b.hubMode()
	if b.rep.Hub != "in-process" && b.cfg.ClientProcs > 0 {
		b.rep.ClientProcs = b.cfg.ClientProcs
	}
	runs := map[Scenario]func(context.Context) error{
		Ingest: b.ingest, Limit: b.limit, RoundTrip: b.roundTrip, Broadcast: b.broadcast, Recipients: b.recipients,
		Mixed: b.mixed, JetStream: b.jetStream, Backlog: b.backlog,
	}
	var failed []string
	for _, s := range AllScenarios() {
		if !slices.Contains(cfg.Scenarios, s) {
			continue
		}
		if cfg.HubURL != "" && !slices.Contains(externalScenarios, s) {
			b.rep.Skipped = append(b.rep.Skipped, fmt.Sprintf("%s: needs a hub the bench starts (its registry, its store or its process)", s))
			continue
		}
		if err := runs[s](ctx); err != nil {
			if ctx.Err() != nil {
				b.rep.finish()
				return b.rep, ctx.Err()
			}
			b.prog.note("%s: %v", s, err)
			b.rep.Errors = append(b.rep.Errors, fmt.Sprintf("%s: %v", s, err))
			failed = append(failed, string(s))
		}
	}
	b.rep.finish()
	if len(failed) > 0 {
		return b.rep, fmt.Errorf("bench: %s failed", strings.Join(failed, ", "))
	}
	return b.rep, nil
}

// externalScenarios are those a hub given by URL can be measured with.
var externalScenarios = []Scenario{Ingest, RoundTrip, Broadcast, Mixed}

// hubMode says where the hubs run.
func (b *bencher) hubMode() string {
	switch {
	case b.cfg.HubURL != "":
		return "external " + b.cfg.HubURL
	case b.cfg.HubCommand != nil:
		return "process"
	}
	return "in-process"
}

// dataDir returns a new directory for one hub's data.
func (b *bencher) dataDir(name string) string {
	return filepath.Join(b.cfg.DataDir, fmt.Sprintf("%02d-%s", b.dirs.Add(1), name))
}

// runFor is the warm-up and the measured time of one run.
func (b *bencher) runFor() time.Duration { return b.cfg.Warmup + b.cfg.Duration }

// pool is a run's envelopes, signed before it starts; when they run out
// the rest are made as they are sent (and counted).
type pool struct {
	bodies []body
	next   atomic.Int64
	build  func(i int64) (body, error)
	late   atomic.Int64
}

// take returns the next envelope.
func (p *pool) take() (body, error) {
	i := p.next.Add(1) - 1
	if i < int64(len(p.bodies)) {
		b := p.bodies[i]
		p.bodies[i] = body{} // sent once; let it go
		return b, nil
	}
	p.late.Add(1)
	return p.build(i)
}

// presign makes n envelopes with make, on every core.
func (b *bencher) presign(ctx context.Context, name string, n int, build func(i int64) (body, error)) (*pool, error) {
	p := &pool{bodies: make([]body, n), build: build}
	start := time.Now()
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, runtime.GOMAXPROCS(0))
	for range runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := next.Add(1) - 1
				if i >= int64(n) {
					return
				}
				bd, err := build(i)
				if err != nil {
					errs <- err
					return
				}
				p.bodies[i] = bd
			}
		})
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		return nil, err
	}
	if ctx.Err() != nil {
		return nil, ctx.Err()
	}
	if n > 1000 {
		b.prog.note("%-34s signed %s envelopes in %.1fs", name, thousands(int64(n)), time.Since(start).Seconds())
	}
	return p, nil
}

// presignCount is how many envelopes a run at rate (0: as fast as it goes)
// needs signed beforehand.
func (b *bencher) presignCount(rate float64) int {
	if rate <= 0 {
		rate = b.cfg.PresignRate
	}
	return int(rate*b.runFor().Seconds()*1.05) + 2*b.cfg.Clients
}
