package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// quick is a configuration that runs every scenario in moments: hubs in the
// test's process, tiny durations and counts, a backlog of 2,000.
func quick(t *testing.T) Config {
	return Config{Scenarios: AllScenarios(), Duration: 400 * time.Millisecond, Warmup: 100 * time.Millisecond,
		Clients: 4, Conversations: 4, QueueClients: []int{2, 4}, Rates: []float64{40}, Banks: []int{3}, Recipients: []int{3, 5}, Backlog: []int{0, 2000},
		PresignRate: 400, LimitSamples: 50, DataDir: t.TempDir(),
		Profile: []SizeClass{{"3 kB", 3_000, 0.5}, {"10 kB", 10_000, 0.4}, {"100 kB", 100_000, 0.1}}}
}

// TestRunEveryScenario runs each scenario briefly and checks that every
// figure of the report is there and sane.
func TestRunEveryScenario(t *testing.T) {
	rep, err := Run(context.Background(), quick(t))
	if err != nil {
		t.Fatal(err)
	}
	if rep.Hub != "in-process" || rep.Host.Cores < 1 || rep.Seconds <= 0 {
		t.Errorf("report header: hub %q, cores %d, seconds %g", rep.Hub, rep.Host.Cores, rep.Seconds)
	}
	want := map[Scenario][]string{
		Ingest:     {"ingest", "ingest at 50%"},
		RoundTrip:  {"round trips"},
		Broadcast:  {"broadcast to 3 banks"},
		Recipients: {"ingest routed over 3 queues", "ingest routed over 5 queues"},
		Mixed:      {"mixed sizes at 40/s"},
		Backlog:    {"round trips, backlog 0", "ingest, backlog 0", "round trips, backlog 2,000", "ingest, backlog 2,000"},
	}
	for s, names := range want {
		for _, name := range names {
			t.Run(name, func(t *testing.T) {
				x := rep.find(s, name)
				if x == nil {
					t.Fatalf("no result %q of %s", name, s)
				}
				checkResult(t, x)
			})
		}
	}
	if x := rep.find(Backlog, "ingest, backlog 2,000"); x != nil && (x.Backlog != 2000 || x.Stored < 2000) {
		t.Errorf("backlog row: backlog %d, stored %d; want 2,000 and at least as many stored", x.Backlog, x.Stored)
	}
	if x := rep.find(Broadcast, "broadcast"); x != nil && (x.Deliveries <= 0 || x.DeliveriesPerSecond <= 0 || x.Recipients != 3) {
		t.Errorf("broadcast: %d deliveries (%g/s) to %d banks", x.Deliveries, x.DeliveriesPerSecond, x.Recipients)
	}
	if x := rep.find(Mixed, "mixed"); x != nil && (x.Rate != 40 || !strings.Contains(x.Note, "100 kB→")) {
		t.Errorf("mixed: rate %g, note %q", x.Rate, x.Note)
	}

	l := rep.Limit
	if l == nil {
		t.Fatal("no limit")
	}
	if len(l.Stages) != 6 || l.EnvelopeBytes < 3000 || l.CPUMicros <= 0 || l.CPUBound <= 0 || l.Pipeline <= 0 || l.PipelineCPU <= 0 || l.Hub <= 0 || l.Ratio <= 0 {
		t.Errorf("limit: %+v", l)
	}
	if x := rep.find(Limit, "ingest, between the limit's halves"); x == nil || x.PerSecond != l.Hub || x.Errors != 0 {
		t.Errorf("the limit's ratio is not of the hub's run between its halves: %+v, hub %g/s", x, l.Hub)
	}
	for _, s := range l.Stages {
		if s.Micros <= 0 || s.Allocs <= 0 {
			t.Errorf("limit stage %q: %g µs, %g allocs", s.Name, s.Micros, s.Allocs)
		}
	}

	c := rep.JetStream
	if c == nil {
		t.Fatal("no JetStream comparison")
	}
	for _, x := range c.runs() {
		if x.Count <= 0 || x.Deliveries <= 0 || x.DeliveriesPerSecond <= 0 || x.Latency.P99 <= 0 || x.CPUPerOp <= 0 || x.Errors != 0 {
			t.Errorf("%s: published %d, consumed %d (%g/s), p99 %g ms, CPU %g ms, %d errors (%s)",
				x.Name, x.Count, x.Deliveries, x.DeliveriesPerSecond, x.Latency.P99, x.CPUPerOp, x.Errors, x.ErrorSummary)
		}
	}
	if c.Ratio <= 0 || c.StoreRatio <= 0 || c.EnvelopeBytes < 2000 {
		t.Errorf("comparison: ratio %g, store ratio %g, envelope %d B", c.Ratio, c.StoreRatio, c.EnvelopeBytes)
	}
	if len(c.Levels) != 2 || c.Levels[0].Clients != 2 || c.Levels[1].Clients != 4 {
		t.Fatalf("comparison levels: %+v, want 2 and 4 clients", c.Levels)
	}
	for _, l := range c.Levels {
		if mean := (l.JetStream.DeliveriesPerSecond + l.JetStreamAfter.DeliveriesPerSecond) / 2; math.Abs(l.Ratio-l.Hub.DeliveriesPerSecond/mean) > 1e-9 {
			t.Errorf("%d clients: ratio %g, want the hub's %g/s over the mean of JetStream's runs, %g/s", l.Clients, l.Ratio, l.Hub.DeliveriesPerSecond, mean)
		}
		if l.Hub.Clients != l.Clients || l.JetStream.Clients != l.Clients {
			t.Errorf("%d clients: the runs had %d and %d", l.Clients, l.Hub.Clients, l.JetStream.Clients)
		}
	}
	if best := max(c.Levels[0].Hub.DeliveriesPerSecond, c.Levels[1].Hub.DeliveriesPerSecond) / max(c.Levels[0].PeerRate, c.Levels[1].PeerRate); math.Abs(c.Ratio-best) > 1e-9 {
		t.Errorf("ratio %g, want the hub's best over JetStream's best, %g", c.Ratio, best)
	}

	if len(rep.Targets) != 6 {
		t.Errorf("%d targets, want 6", len(rep.Targets))
	}
	for _, tg := range rep.Targets {
		if tg.Met == nil {
			t.Errorf("target %q not measured (%s)", tg.Name, tg.Got)
		}
	}

	var table bytes.Buffer
	if err := rep.WriteTable(&table); err != nil {
		t.Fatal(err)
	}
	for _, s := range []string{"ingest at 50%", "round trips, backlog 2,000", "The limit", "NATS JetStream", "Targets:"} {
		if !strings.Contains(table.String(), s) {
			t.Errorf("the table has no %q:\n%s", s, table.String())
		}
	}
	var js bytes.Buffer
	if err := rep.WriteJSON(&js); err != nil {
		t.Fatal(err)
	}
	var back Report
	if err := json.Unmarshal(js.Bytes(), &back); err != nil {
		t.Fatal(err)
	}
	if len(back.Results) != len(rep.Results) || back.Limit == nil || back.JetStream == nil {
		t.Errorf("the JSON lost results: %d of %d", len(back.Results), len(rep.Results))
	}
}

func checkResult(t *testing.T, x *Result) {
	t.Helper()
	if x.Count <= 0 || x.PerSecond <= 0 || x.Seconds <= 0 {
		t.Errorf("%d done, %g/s in %gs", x.Count, x.PerSecond, x.Seconds)
	}
	if x.Errors != 0 {
		t.Errorf("%d errors: %s", x.Errors, x.ErrorSummary)
	}
	l := x.Latency
	if l.P50 <= 0 || l.P95 < l.P50 || l.P99 < l.P95 || l.Max < l.P99 {
		t.Errorf("latency %+v", l)
	}
	if x.CPUPerOp <= 0 || x.PeakRSS <= 0 || x.PeakAnon <= 0 || x.PeakAnon > x.PeakRSS {
		t.Errorf("CPU %g ms/op, peak RSS %g MiB, anon %g MiB", x.CPUPerOp, x.PeakRSS, x.PeakAnon)
	}
	if x.StoreBytes <= 0 || x.Stored <= 0 || x.StorePerMessage < 1000 {
		t.Errorf("store %d B for %d messages", x.StoreBytes, x.Stored)
	}
	m := x.Machine
	if m.BusyPercent <= 0 || m.BusyPercent > 100.5 || m.OthersPercent < 0 || m.StealPercent < 0 ||
		math.Abs(m.BusyPercent+m.IdlePercent-100) > 1e-9 {
		t.Errorf("machine %+v", m)
	}
}

// TestRunFailures: a hub that cannot be reached fails the scenarios that
// need it, and the report says why.
func TestRunFailures(t *testing.T) {
	dir := t.TempDir()
	w, err := newWorld(dir, 2)
	if err != nil {
		t.Fatal(err)
	}
	cfg := Config{Scenarios: []Scenario{Ingest}, Duration: 200 * time.Millisecond, Warmup: 0, Clients: 2, PresignRate: 100,
		HubURL: "http://127.0.0.1:1", PKIDir: w.pkiDir, DataDir: filepath.Join(dir, "data")}
	rep, err := Run(context.Background(), cfg)
	if err == nil {
		t.Fatal("a run against no hub succeeded")
	}
	if rep == nil || len(rep.Errors) != 1 || !strings.Contains(rep.Errors[0], "nothing succeeded") {
		t.Fatalf("report errors: %v", rep.Errors)
	}
	if rep.Targets[0].Met != nil {
		t.Errorf("ingest target %+v, want not measured", rep.Targets[0])
	}
}

func TestConfigValidate(t *testing.T) {
	tests := []struct {
		name string
		cfg  Config
	}{
		{"unknown scenario", Config{Scenarios: []Scenario{"nap"}}},
		{"hub without PKI", Config{HubURL: "http://127.0.0.1:8080"}},
		{"PKI without hub", Config{PKIDir: "pki"}},
		{"negative rate", Config{Rates: []float64{-1}}},
		{"no banks", Config{Banks: []int{0}}},
		{"no publishers", Config{QueueClients: []int{32, 0}}},
		{"too many publishers", Config{QueueClients: []int{1001}}},
		{"negative backlog", Config{Backlog: []int{-5}}},
		{"shares", Config{Profile: []SizeClass{{"1 kB", 1000, 0.5}}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.cfg.Validate(); !errors.Is(err, ErrConfig) {
				t.Fatalf("Validate: %v, want ErrConfig", err)
			}
		})
	}
	if err := DefaultConfig().Validate(); err != nil {
		t.Fatalf("the defaults: %v", err)
	}
	if _, err := ParseScenarios("ingest,nap"); !errors.Is(err, ErrConfig) {
		t.Fatalf("ParseScenarios: %v", err)
	}
	if s, err := ParseScenarios("all"); err != nil || len(s) != len(AllScenarios()) {
		t.Fatalf("ParseScenarios(all): %v %v", s, err)
	}
}

func TestQuantiles(t *testing.T) {
	var d []time.Duration
	for i := 1; i <= 1000; i++ {
		d = append(d, time.Duration(i)*time.Millisecond)
	}
	got := quantiles(d)
	if got != (Latency{P50: 500, P95: 950, P99: 990, Max: 1000}) {
		t.Fatalf("quantiles: %+v", got)
	}
	if thousands(1234567) != "1,234,567" || thousands(-1000) != "-1,000" || thousands(12) != "12" {
		t.Fatal("thousands")
	}
}

func TestClassOrder(t *testing.T) {
	order := classOrder(MixedProfile)
	counts := make([]int, len(MixedProfile))
	for _, c := range order {
		counts[c]++
	}
	for i, c := range MixedProfile {
		if want := int(c.Share*1000 + 0.5); counts[i] != want {
			t.Errorf("%s: %d of 1,000, want %d", c.Name, counts[i], want)
		}
	}
}

func TestBacklogVerdict(t *testing.T) {
	run := func(unit string, level int, rate, cpu, anon float64) Result {
		return Result{Scenario: string(Backlog), Unit: unit, Backlog: level, PerSecond: rate, CPUPerOp: cpu, CPUScope: scopeHubProcess, PeakAnon: anon}
	}
	tests := []struct {
		name    string
		results []Result
		want    string
		ok      bool
	}{
		{"between two runs of the base", []Result{
			run("round trips", 0, 600, 2.0, 40), run("messages", 0, 3000, 0.40, 40),
			run("round trips", 1_000_000, 550, 2.2, 50), run("messages", 1_000_000, 3300, 0.42, 50),
			run("round trips", 0, 500, 2.4, 40), run("messages", 0, 3600, 0.44, 40),
		}, "messages 100% (hub CPU per op +0%) of the runs before and after, round trips 100% (hub CPU per op +0%) of the runs before and after", true},
		{"the nearest base runs only", []Result{
			run("messages", 0, 1000, 0.5, 40), run("messages", 0, 3000, 0.4, 40),
			run("messages", 1000, 3000, 0.4, 40), run("messages", 1_000_000, 2000, 0.6, 40), run("messages", 0, 3000, 0.4, 40),
		}, "messages 67% (hub CPU per op +50%) of the runs before and after", false},
		{"one base run before (a report of earlier versions)", []Result{
			run("messages", 0, 3000, 0.4, 40), run("messages", 100_000, 2850, 0.4, 40),
		}, "messages 95% (hub CPU per op +0%)", true},
		{"memory grows", []Result{
			run("messages", 0, 3000, 0.4, 40), run("messages", 100_000, 3000, 0.4, 200),
		}, "messages 100% (hub CPU per op +0%), anon memory 40→200 MiB", false},
		{"one level", []Result{run("messages", 0, 3000, 0.4, 40)}, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := (&Report{Results: tt.results}).backlogVerdict()
			if tt.want == "" {
				if v != nil {
					t.Fatalf("a verdict without two levels: %+v", v)
				}
				return
			}
			if v == nil {
				t.Fatal("no verdict")
			}
			if got := strings.Join(v.got, ", "); got != tt.want || v.ok != tt.ok {
				t.Errorf("got %q (%v), want %q (%v)", got, v.ok, tt.want, tt.ok)
			}
		})
	}
}

func TestComparisonRatios(t *testing.T) {
	rate := func(r float64) Result { return Result{DeliveriesPerSecond: r} }
	tests := []struct {
		name                  string
		js, after             float64
		wantPeer, wantHub, st float64
	}{
		{"both runs", 3000, 4000, 3500, 0.8, 1.2},
		{"no second run", 3500, 0, 3500, 0.8, 1.2},
		{"JetStream carried nothing", 0, 0, 0, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := &Level{Hub: rate(2800), Store: rate(4200), JetStream: rate(tt.js), JetStreamAfter: rate(tt.after)}
			l.ratios()
			if math.Abs(l.PeerRate-tt.wantPeer) > 1e-9 || math.Abs(l.Ratio-tt.wantHub) > 1e-9 || math.Abs(l.StoreRatio-tt.st) > 1e-9 {
				t.Errorf("peer %g/s, ratios %g and %g; want %g/s, %g and %g", l.PeerRate, l.Ratio, l.StoreRatio, tt.wantPeer, tt.wantHub, tt.st)
			}
		})
	}
}

// TestComparisonBest: over several levels each peer is taken at its best,
// whichever level that is.
func TestComparisonBest(t *testing.T) {
	rate := func(r float64) Result { return Result{DeliveriesPerSecond: r} }
	c := &Comparison{Levels: []Level{
		{Clients: 32, Hub: rate(3000), Store: rate(5000), JetStream: rate(4200), JetStreamAfter: rate(4000)},
		{Clients: 128, Hub: rate(4300), Store: rate(11000), JetStream: rate(3900), JetStreamAfter: rate(3700)},
	}}
	c.ratios()
	if c.PeerRate != 4100 || c.HubRate != 4300 || c.StoreRate != 11000 {
		t.Errorf("best rates: JetStream %g, hub %g, store %g; want 4100, 4300, 11000", c.PeerRate, c.HubRate, c.StoreRate)
	}
	if math.Abs(c.Ratio-4300.0/4100) > 1e-9 || math.Abs(c.StoreRatio-11000.0/4100) > 1e-9 {
		t.Errorf("ratios %g and %g", c.Ratio, c.StoreRatio)
	}
	if math.Abs(c.Levels[0].Ratio-3000.0/4100) > 1e-9 || math.Abs(c.Levels[1].Ratio-4300.0/3800) > 1e-9 {
		t.Errorf("level ratios %g and %g", c.Levels[0].Ratio, c.Levels[1].Ratio)
	}
	if n, r := c.best(func(l *Level) float64 { return l.PeerRate }); n != 32 || r != 4100 {
		t.Errorf("JetStream's best level %d at %g/s, want 32 at 4100", n, r)
	}
	var none Comparison
	none.ratios()
	if none.Ratio != 0 || none.PeerRate != 0 {
		t.Errorf("no levels: ratio %g, peer %g", none.Ratio, none.PeerRate)
	}
}

// TestBusier: the limit's two halves are reported by the busier of their
// figures, the idle time by the smaller; a half not measured does not hide
// the other's.
func TestBusier(t *testing.T) {
	measured := func(busy, others float64) Machine {
		return Machine{BusyPercent: busy, OthersPercent: others, IdlePercent: 100 - busy}
	}
	tests := []struct {
		name     string
		a, b     Machine
		want     Machine
		wantIdle string
	}{
		{"both measured", measured(80, 1), measured(90, 3), Machine{BusyPercent: 90, OthersPercent: 3, IdlePercent: 10}, "10"},
		{"one measured", Machine{}, measured(75, 2), Machine{BusyPercent: 75, OthersPercent: 2, IdlePercent: 25}, "25"},
		{"neither", Machine{}, Machine{}, Machine{}, "-"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, m := range []Machine{busier(tt.a, tt.b), busier(tt.b, tt.a)} {
				if m != tt.want || m.idle() != tt.wantIdle {
					t.Errorf("busier = %+v (idle %q); want %+v (idle %q)", m, m.idle(), tt.want, tt.wantIdle)
				}
			}
		})
	}
}

// TestQueueLoadEndsWhenPublishesEndLate: a publish that stored its message
// (and a consumer took it, and its slot) but failed as the run ended must
// not leave its publisher waiting for a slot that will never come back.
func TestQueueLoadEndsWhenPublishesEndLate(t *testing.T) {
	b := &bencher{cfg: Config{Warmup: 10 * time.Millisecond, Duration: 50 * time.Millisecond}, prog: newProgress(io.Discard)}
	stored := make(chan struct{}, 64)
	publish := func(ctx context.Context) error {
		select {
		case stored <- struct{}{}:
		case <-ctx.Done():
			return ctx.Err()
		}
		<-ctx.Done() // the answer comes only after the run has ended
		return ctx.Err()
	}
	newConsumer := func() (consumer, error) {
		return consumer{consume: func(ctx context.Context) error {
			select {
			case <-stored:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}, nil
	}
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.queueLoad(context.Background(), "publishes answered late", 4, publish, newConsumer)
	}()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		t.Fatal("the run did not end: a publisher waits for a slot a consumer took")
	}
}

// TestQueueLoadCountsFailuresInTheWindow: a consumer's failure in the
// warm-up is not the measured window's, any more than its successes then.
func TestQueueLoadCountsFailuresInTheWindow(t *testing.T) {
	b := &bencher{cfg: Config{Warmup: 200 * time.Millisecond, Duration: 100 * time.Millisecond}, prog: newProgress(io.Discard)}
	queue := make(chan struct{}, 1024)
	publish := func(ctx context.Context) error {
		select {
		case queue <- struct{}{}:
			return nil
		case <-ctx.Done():
			return ctx.Err()
		}
	}
	newConsumer := func() (consumer, error) {
		first := true
		return consumer{consume: func(ctx context.Context) error {
			if first { // at once, well within the warm-up
				first = false
				return errors.New("a hiccup in the warm-up")
			}
			select {
			case <-queue:
				return nil
			case <-ctx.Done():
				return ctx.Err()
			}
		}}, nil
	}
	r, err := b.queueLoad(t.Context(), "a consumer failing once in the warm-up", 2, publish, newConsumer)
	if err != nil {
		t.Fatal(err)
	}
	if r.Errors != 0 || r.ErrorSummary != "" {
		t.Fatalf("%d errors (%q) in a window where nothing failed", r.Errors, r.ErrorSummary)
	}
	if r.Deliveries == 0 {
		t.Fatal("nothing consumed in the window")
	}
}

// TestBacklogRemovesStoresWhenItFails: the backlog's stores (gigabytes at
// the larger levels) go when a fill fails, not only after their runs.
func TestBacklogRemovesStoresWhenItFails(t *testing.T) {
	dir := t.TempDir()
	w, err := newWorld(filepath.Join(dir, "world"), 2)
	if err != nil {
		t.Fatal(err)
	}
	data := filepath.Join(dir, "data")
	b := &bencher{cfg: Config{Backlog: []int{0, 1000, 5000}, DataDir: data}, w: w, prog: newProgress(io.Discard)}
	ctx, cancel := context.WithCancel(t.Context())
	cancel() // every fill fails
	if err := b.backlog(ctx); err == nil {
		t.Fatal("a backlog whose fills were cancelled succeeded")
	}
	left, err := os.ReadDir(data)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		t.Fatal(err)
	}
	for _, e := range left {
		t.Errorf("%s left behind", e.Name())
	}
}

// TestEnvelopes: the comparison's envelopes are the first with a fresh
// MessageID each, and an envelope that does not hold its ID once is refused.
func TestEnvelopes(t *testing.T) {
	const id = "6f1c2a3e-0b2c-11ef-8000-0242ac120002"
	raw := []byte("<e><MessageID>" + id + "</MessageID><x/></e>")
	envs, err := newEnvelopes(raw, id)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for range 3 {
		e, err := envs.next()
		if err != nil {
			t.Fatal(err)
		}
		if want := strings.Replace(string(raw), id, e.id, 1); string(e.raw) != want || e.id == id || seen[e.id] {
			t.Fatalf("envelope %q with ID %s (seen before: %v)", e.raw, e.id, seen[e.id])
		}
		seen[e.id] = true
	}
	if string(raw) != "<e><MessageID>"+id+"</MessageID><x/></e>" {
		t.Errorf("the first envelope changed: %s", raw)
	}
	for _, bad := range []string{"<e/>", "<e>" + id + id + "</e>"} {
		if _, err := newEnvelopes([]byte(bad), id); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}
