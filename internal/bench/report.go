package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math"
	"os"
	"runtime"
	"strings"
	"text/tabwriter"
	"time"
)

// Report is what a bench run measured.
type Report struct {
	Started time.Time `json:"started"`
	Seconds float64   `json:"seconds"`
	Host    Host      `json:"host"`
	// Hub says where the hubs ran: "process" (a `mezhved serve` process
	// per run: CPU and memory are its own), "in-process" (in the bench's
	// process, with the clients) or "external URL".
	Hub string `json:"hub"`
	// ClientProcs is the GOMAXPROCS of the bench's clients when the hub
	// is another process (Config.ClientProcs); 0 when they share this
	// process with the hub.
	ClientProcs int      `json:"clientProcs,omitempty"`
	Duration    float64  `json:"durationSeconds"`
	Warmup      float64  `json:"warmupSeconds"`
	Results     []Result `json:"results"`
	// Limit is the unavoidable work per message and the hub against it.
	Limit *LimitResult `json:"limit,omitempty"`
	// JetStream compares the hub's durable queue with NATS JetStream.
	JetStream *Comparison `json:"jetstream,omitempty"`
	Targets   []Target    `json:"targets"`
	Errors    []string    `json:"errors,omitempty"`
	// Skipped names the scenarios a hub given by URL cannot run, and why.
	Skipped []string `json:"skipped,omitempty"`
}

// Host describes the machine.
type Host struct {
	Cores int `json:"cores"`
	// Procs is the Go processors (GOMAXPROCS) of the hubs, the limit and
	// the JetStream comparison: one more than the cores unless the
	// environment's GOMAXPROCS says (internal/procs).
	Procs     int     `json:"goProcessors"`
	CPU       string  `json:"cpu"`
	Go        string  `json:"go"`
	OS        string  `json:"os"`
	LoadStart float64 `json:"loadAverage1mAtStart"`
}

// Result is one measured run.
type Result struct {
	Scenario string `json:"scenario"`
	// Name says what ran: "ingest", "ingest at 50% (1,700/s)", ...
	Name string `json:"name"`
	// Unit is what Count counts: messages, round trips, broadcasts.
	Unit string `json:"unit"`
	// Clients is how many operations were in flight at most; Rate, when
	// set, the open loop's offered rate per second.
	Clients    int     `json:"clients"`
	Rate       float64 `json:"offeredRate,omitempty"`
	Backlog    int     `json:"backlog,omitempty"`
	Recipients int     `json:"recipients,omitempty"`
	// Seconds is the measured window; Count the operations that ended in
	// it, Errors those that failed.
	Seconds      float64 `json:"seconds"`
	Count        int64   `json:"count"`
	Errors       int64   `json:"errors"`
	ErrorSummary string  `json:"errorSummary,omitempty"`
	PerSecond    float64 `json:"perSecond"`
	// Deliveries are the copies taken and acknowledged (broadcast) or the
	// messages consumed (jetstream), in the window.
	Deliveries          int64   `json:"deliveries,omitempty"`
	DeliveriesPerSecond float64 `json:"deliveriesPerSecond,omitempty"`
	// Latency of each operation (LatencyOf: accept, round trip, publish),
	// from its start, or in an open loop from when it was due.
	Latency   Latency `json:"latencyMs"`
	LatencyOf string  `json:"latencyOf"`
	// CPUPerOp is the CPU time per operation of CPUScope: the hub's
	// process, or the bench's process with the hub and its clients in it.
	CPUPerOp float64 `json:"cpuMsPerOp"`
	CPUScope string  `json:"cpuScope"`
	// ClientCPUPerOp is the bench's (the clients') CPU per operation when
	// the hub is a process of its own.
	ClientCPUPerOp float64 `json:"clientCpuMsPerOp,omitempty"`
	// PeakRSS is the peak resident set (VmHWM) of the process CPUScope
	// names, in MiB; it counts the store's mapped pages that were read.
	// PeakAnon is the peak of its anonymous memory (heap, stacks) sampled
	// during the window, in MiB.
	PeakRSS  float64 `json:"peakRssMiB,omitempty"`
	PeakAnon float64 `json:"peakAnonMiB,omitempty"`
	// StoreBytes is the store file's size on disk at the end; Stored the
	// messages it holds; StorePerMessage their ratio.
	StoreBytes      int64   `json:"storeBytes,omitempty"`
	Stored          int64   `json:"storedMessages,omitempty"`
	StorePerMessage float64 `json:"storeBytesPerMessage,omitempty"`
	// Machine is how busy the machine was meanwhile.
	Machine Machine `json:"machine"`
	Note    string  `json:"note,omitempty"`
}

// LimitResult is the unavoidable work per message, measured in the
// bench's process on the ingest scenario's envelopes.
type LimitResult struct {
	EnvelopeBytes int `json:"envelopeBytes"`
	// Stages are the work's parts, CPU microseconds per message, one at a
	// time on one goroutine.
	Stages []Stage `json:"stages"`
	// CPUMicros is their sum; CPUBound the messages per second the cores
	// could do at that cost.
	CPUMicros float64 `json:"cpuMicrosPerMessage"`
	Cores     int     `json:"cores"`
	CPUBound  float64 `json:"cpuBoundPerSecond"`
	// Pipeline is the stages run together by concurrent workers for the
	// run's duration, each write committed in a group and fsync'd: the
	// limit. PipelineCPU is its CPU per message (ms).
	Pipeline    float64 `json:"pipelinePerSecond"`
	PipelineCPU float64 `json:"pipelineCpuMsPerMessage"`
	Workers     int     `json:"workers"`
	// Pipeline is measured in two halves, and Hub, the hub's ingest rate,
	// between them (the result named "ingest, between the limit's
	// halves"); Ratio is Hub over Pipeline.
	Hub   float64 `json:"hubPerSecond,omitempty"`
	Ratio float64 `json:"ratio,omitempty"`
	// HubCPU is the hub's CPU per message in the ingest scenario (ms) and
	// CPURatio PipelineCPU over it: the share of the hub's CPU that is
	// the unavoidable work.
	HubCPU   float64 `json:"hubCpuMsPerMessage,omitempty"`
	CPURatio float64 `json:"cpuRatio,omitempty"`
	Machine  Machine `json:"machine"`
}

// Stage is one part of the unavoidable work.
type Stage struct {
	Name   string  `json:"name"`
	Micros float64 `json:"cpuMicrosPerMessage"`
	Allocs float64 `json:"allocsPerMessage"`
}

// Comparison is the hub's durable queue against JetStream, on the same
// envelopes, at one or more numbers of publishers (and as many
// consumers), every peer in the bench's process.
type Comparison struct {
	EnvelopeBytes int     `json:"envelopeBytes"`
	Levels        []Level `json:"levels"`
	// PeerRate is JetStream's rate at its best level (the mean of that
	// level's two runs), HubRate and StoreRate the hub's and its store's
	// at theirs; Ratio is HubRate over PeerRate, StoreRatio StoreRate
	// over it: each peer at the concurrency that suits it best.
	PeerRate   float64  `json:"peerRate"`
	HubRate    float64  `json:"hubRate"`
	StoreRate  float64  `json:"storeRate"`
	Ratio      float64  `json:"ratio"`
	StoreRatio float64  `json:"storeRatio"`
	Notes      []string `json:"notes"`
}

// Level is the comparison at one number of publishers and consumers.
type Level struct {
	Clients int `json:"clients"`
	// Hub is the hub over HTTP with every signature off; Store the hub's
	// store alone (Accept, Lease, Ack); JetStream the peer, run before
	// them, and JetStreamAfter the peer again, after them.
	Hub            Result `json:"hub"`
	Store          Result `json:"store"`
	JetStream      Result `json:"jetstream"`
	JetStreamAfter Result `json:"jetstreamAfter"`
	// PeerRate is the mean of the two JetStream runs' rates; Ratio is Hub
	// over it, StoreRatio Store over it.
	PeerRate   float64 `json:"peerRate"`
	Ratio      float64 `json:"ratio"`
	StoreRatio float64 `json:"storeRatio"`
}

// ratios sets the hub's and the store's rates against the mean of the two
// JetStream runs (the one run when there is no second).
func (l *Level) ratios() {
	n, sum := 0.0, 0.0
	for _, r := range []Result{l.JetStream, l.JetStreamAfter} {
		if r.DeliveriesPerSecond > 0 {
			n, sum = n+1, sum+r.DeliveriesPerSecond
		}
	}
	if n == 0 {
		return
	}
	l.PeerRate = sum / n
	l.Ratio = l.Hub.DeliveriesPerSecond / l.PeerRate
	l.StoreRatio = l.Store.DeliveriesPerSecond / l.PeerRate
}

// runs are the level's runs in the order they ran.
func (l *Level) runs() []Result {
	return []Result{l.JetStream, l.Hub, l.Store, l.JetStreamAfter}
}

// ratios sets each level's ratios, and the best rate of each peer over
// the levels against JetStream's best.
func (c *Comparison) ratios() {
	for i := range c.Levels {
		c.Levels[i].ratios()
	}
	_, c.PeerRate = c.best(peerRate)
	_, c.HubRate = c.best(hubRate)
	_, c.StoreRate = c.best(storeRate)
	c.Ratio, c.StoreRatio = 0, 0
	if c.PeerRate > 0 {
		c.Ratio = c.HubRate / c.PeerRate
		c.StoreRatio = c.StoreRate / c.PeerRate
	}
}

// The rates a level is judged by, JetStream's the mean of its two runs.
func peerRate(l *Level) float64  { return l.PeerRate }
func hubRate(l *Level) float64   { return l.Hub.DeliveriesPerSecond }
func storeRate(l *Level) float64 { return l.Store.DeliveriesPerSecond }

// best is the level where rate is highest, and that rate.
func (c *Comparison) best(rate func(*Level) float64) (clients int, r float64) {
	for i := range c.Levels {
		if x := rate(&c.Levels[i]); x > r {
			clients, r = c.Levels[i].Clients, x
		}
	}
	return clients, r
}

// runs are the comparison's runs in the order they ran.
func (c *Comparison) runs() []Result {
	var rs []Result
	for i := range c.Levels {
		rs = append(rs, c.Levels[i].runs()...)
	}
	return rs
}

// Target is one of the targets and how the run fared.
type Target struct {
	Name string `json:"name"`
	Want string `json:"want"`
	Got  string `json:"got"`
	// Met is nil when the run did not measure it.
	Met *bool `json:"met"`
}

func newReport(cfg Config) *Report {
	return &Report{Started: time.Now(), Duration: cfg.Duration.Seconds(), Warmup: cfg.Warmup.Seconds(),
		Host: Host{Cores: runtime.NumCPU(), Procs: runtime.GOMAXPROCS(0), CPU: cpuModel(), Go: runtime.Version(), OS: runtime.GOOS + "/" + runtime.GOARCH, LoadStart: loadAverage()}}
}

func (r *Report) finish() {
	r.Seconds = time.Since(r.Started).Seconds()
	r.Targets = r.targets()
}

// cpuModel is the processor's name from /proc/cpuinfo.
func cpuModel() string {
	data, err := os.ReadFile("/proc/cpuinfo")
	if err != nil {
		return ""
	}
	for _, line := range strings.Split(string(data), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// find returns the first result of a scenario whose name begins so.
func (r *Report) find(scenario Scenario, prefix string) *Result {
	for i := range r.Results {
		if r.Results[i].Scenario == string(scenario) && strings.HasPrefix(r.Results[i].Name, prefix) {
			return &r.Results[i]
		}
	}
	return nil
}

func (r *Report) targets() []Target {
	met := func(ok bool) *bool { return &ok }
	var ts []Target
	add := func(name, want string, got string, ok *bool) {
		ts = append(ts, Target{Name: name, Want: want, Got: got, Met: ok})
	}
	if x := r.find(Ingest, "ingest"); x != nil {
		add("ingest", "≥ 3,000/s", fmt.Sprintf("%.0f/s", x.PerSecond), met(x.PerSecond >= 3000))
	} else {
		add("ingest", "≥ 3,000/s", "not measured", nil)
	}
	if x := r.find(RoundTrip, "round trips"); x != nil {
		add("round trips", "≥ 500/s", fmt.Sprintf("%.0f/s", x.PerSecond), met(x.PerSecond >= 500))
	} else {
		add("round trips", "≥ 500/s", "not measured", nil)
	}
	if x := r.find(Ingest, "ingest at 50%"); x != nil {
		add("p99 accept latency at half the maximum rate", "< 25 ms", fmt.Sprintf("%.1f ms", x.Latency.P99), met(x.Latency.P99 < 25))
	} else {
		add("p99 accept latency at half the maximum rate", "< 25 ms", "not measured", nil)
	}
	if r.Limit != nil && r.Limit.Ratio > 0 {
		add("hub throughput / the limit", "≥ 70%", fmt.Sprintf("%.1f%%", 100*r.Limit.Ratio), met(r.Limit.Ratio >= 0.7))
	} else {
		add("hub throughput / the limit", "≥ 70%", "not measured", nil)
	}
	if r.JetStream != nil && r.JetStream.Ratio > 0 {
		add("hub's durable queue / JetStream (fsync always)", "≥ 1.0", fmt.Sprintf("%.2f, each at its best", r.JetStream.Ratio), met(r.JetStream.Ratio >= 1))
	} else {
		add("hub's durable queue / JetStream (fsync always)", "≥ 1.0", "not measured", nil)
	}
	// No degradation: the largest backlog's rates within 10% of the
	// smallest's, and its anonymous memory within 64 MiB. The smallest
	// level runs before and after each larger one (the backlog scenario):
	// the largest is set against the mean of the runs beside it.
	if bl := r.backlogVerdict(); bl != nil {
		add(fmt.Sprintf("no degradation with a backlog of %s (vs %s)", thousands(int64(bl.level)), thousands(int64(bl.base))),
			"≥ 90% of the rate, memory bounded", strings.Join(bl.got, ", "), met(bl.ok))
	} else {
		add("no degradation with a backlog of 1,000,000", "≥ 90% of the rate, memory bounded", "not measured", nil)
	}
	return ts
}

// backlogCompare is the largest backlog's runs against the smallest's.
type backlogCompare struct {
	base, level int
	got         []string
	ok          bool
}

// backlogVerdict compares, for ingest and round trips, the largest
// backlog's run with the mean of the smallest backlog's runs just before
// and after it; nil without two levels.
func (r *Report) backlogVerdict() *backlogCompare {
	var idx []int
	for i, x := range r.Results {
		if x.Scenario == string(Backlog) {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil
	}
	c := &backlogCompare{base: r.Results[idx[0]].Backlog, level: r.Results[idx[0]].Backlog, ok: true}
	for _, i := range idx {
		c.base, c.level = min(c.base, r.Results[i].Backlog), max(c.level, r.Results[i].Backlog)
	}
	if c.level == c.base {
		return nil
	}
	for _, unit := range []string{"messages", "round trips"} {
		// The largest level's last run of this unit, and the smallest
		// level's nearest runs on either side of it.
		at := -1
		for _, i := range idx {
			if x := r.Results[i]; x.Unit == unit && x.Backlog == c.level {
				at = i
			}
		}
		if at < 0 {
			continue
		}
		var beside []*Result
		for _, dir := range []int{-1, 1} {
			for i := at + dir; i >= 0 && i < len(r.Results); i += dir {
				if x := &r.Results[i]; x.Scenario == string(Backlog) && x.Unit == unit && x.Backlog == c.base {
					beside = append(beside, x)
					break
				}
			}
		}
		if len(beside) == 0 {
			continue
		}
		b := &r.Results[at]
		var rate, cpu, anon float64
		for _, a := range beside {
			rate += a.PerSecond / float64(len(beside))
			cpu += a.CPUPerOp / float64(len(beside))
			anon = max(anon, a.PeakAnon)
		}
		if rate == 0 {
			continue
		}
		ratio := b.PerSecond / rate
		g := fmt.Sprintf("%s %.0f%%", unit, 100*ratio)
		if cpu > 0 && b.CPUPerOp > 0 && b.CPUScope == scopeHubProcess {
			// The cost the backlog adds, apart from what the clients
			// sharing the machine took from the rate.
			g += fmt.Sprintf(" (hub CPU per op %+.0f%%)", math.Round(100*(b.CPUPerOp/cpu-1))+0) // +0: no "-0"
		}
		if len(beside) == 2 {
			g += " of the runs before and after"
		}
		c.got = append(c.got, g)
		c.ok = c.ok && ratio >= 0.9
		if anon > 0 && b.PeakAnon > anon+64 {
			c.ok = false
			c.got = append(c.got, fmt.Sprintf("anon memory %.0f→%.0f MiB", anon, b.PeakAnon))
		}
	}
	if len(c.got) == 0 {
		return nil
	}
	return c
}

// busyOthers is the share of the machine taken by other processes above
// which the table warns that its figures are disturbed.
const busyOthers = 10

// busiest is the largest share of the machine other processes took during
// a run.
func (r *Report) busiest() float64 {
	m := 0.0
	for _, x := range r.Results {
		m = max(m, x.Machine.OthersPercent)
	}
	if r.Limit != nil {
		m = max(m, r.Limit.Machine.OthersPercent)
	}
	if r.JetStream != nil {
		for _, x := range r.JetStream.runs() {
			m = max(m, x.Machine.OthersPercent)
		}
	}
	return m
}

// WriteJSON writes the report as indented JSON.
func (r *Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

// WriteTable writes the report as text tables.
func (r *Report) WriteTable(w io.Writer) error {
	hub := r.Hub
	if r.ClientProcs > 0 {
		hub += fmt.Sprintf(", its clients on %d processor(s)", r.ClientProcs)
	}
	fmt.Fprintf(w, "mezhved bench: %d cores (%s), %s, %s, %d Go processors; hub: %s; %gs per run after a %gs warm-up; load average %.2f at start\n\n",
		r.Host.Cores, r.Host.CPU, r.Host.Go, r.Host.OS, r.Host.Procs, hub, r.Duration, r.Warmup, r.Host.LoadStart)
	if len(r.Results) > 0 {
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "run\t\tdone\tper s\tp50 ms\tp95 ms\tp99 ms\tmax ms\tCPU ms/op\t(clients)\tpeak RSS MiB\t(anon)\tstore B/msg\terrors\tothers %\tsteal %\tidle %\t")
		for _, x := range r.Results {
			rssv, anon, store := "-", "-", "-"
			if x.PeakRSS > 0 {
				rssv = fmt.Sprintf("%.0f", x.PeakRSS)
			}
			if x.PeakAnon > 0 {
				anon = fmt.Sprintf("%.0f", x.PeakAnon)
			}
			if x.StorePerMessage > 0 {
				store = thousands(int64(x.StorePerMessage + 0.5))
			}
			cpu, clients := "-", "-"
			if x.CPUPerOp > 0 {
				cpu = fmt.Sprintf("%.3f", x.CPUPerOp)
			}
			if x.ClientCPUPerOp > 0 {
				clients = fmt.Sprintf("%.3f", x.ClientCPUPerOp)
			}
			fmt.Fprintf(tw, "%s\t%s\t%s\t%.0f\t%.1f\t%.1f\t%.1f\t%.1f\t%s\t%s\t%s\t%s\t%s\t%s\t%.0f\t%.0f\t%s\t\n",
				x.Name, x.Unit, thousands(x.Count), x.PerSecond, x.Latency.P50, x.Latency.P95, x.Latency.P99, x.Latency.Max,
				cpu, clients, rssv, anon, store, thousands(x.Errors), x.Machine.OthersPercent, x.Machine.StealPercent, x.Machine.idle())
		}
		tw.Flush()
		for _, x := range r.Results {
			if x.Note != "" {
				fmt.Fprintf(w, "  %s: %s\n", x.Name, x.Note)
			}
			if x.ErrorSummary != "" {
				fmt.Fprintf(w, "  %s: errors: %s\n", x.Name, x.ErrorSummary)
			}
		}
		if len(r.Results) > 0 {
			fmt.Fprintf(w, "  CPU ms/op: %s; (clients): the bench's process, when the hub is another.\n", r.Results[0].CPUScope)
		}
		if strings.HasPrefix(r.Hub, "external") {
			fmt.Fprintln(w, "  others %: every process but the bench's, the hub's included.")
		} else if busy := r.busiest(); busy >= busyOthers {
			fmt.Fprintf(w, "  Other processes took up to %.0f%% of the machine during a run (others %%): those figures are not comparable with a quiet machine's.\n", busy)
		}
	}
	if l := r.Limit; l != nil {
		fmt.Fprintf(w, "\nThe limit: the unavoidable work per %s B message, one goroutine, CPU µs (allocations):\n", thousands(int64(l.EnvelopeBytes)))
		for _, s := range l.Stages {
			fmt.Fprintf(w, "  %-40s %8.1f µs  (%.0f allocs)\n", s.Name, s.Micros, s.Allocs)
		}
		fmt.Fprintf(w, "  %-40s %8.1f µs: %s/s on %d cores\n", "sum", l.CPUMicros, thousands(int64(l.CPUBound)), l.Cores)
		fmt.Fprintf(w, "  all stages together, %d workers, group commit, in two halves around the hub's run: %s/s, %.3f CPU ms/message (others %.0f%%, steal %.0f%%, idle %s%%)\n",
			l.Workers, thousands(int64(l.Pipeline)), l.PipelineCPU, l.Machine.OthersPercent, l.Machine.StealPercent, l.Machine.idle())
		if l.Ratio > 0 {
			fmt.Fprintf(w, "  the hub's ingest between them, %d clients: %s/s = %.1f%% of the limit", l.Workers, thousands(int64(l.Hub)), 100*l.Ratio)
			if l.CPURatio > 0 {
				fmt.Fprintf(w, "; the unavoidable work is %.0f%% of the hub's CPU per message (%.3f of %.3f ms)", 100*l.CPURatio, l.PipelineCPU, l.HubCPU)
			}
			fmt.Fprintln(w)
		}
	}
	if c := r.JetStream; c != nil {
		fmt.Fprintf(w, "\nThe hub's durable queue against NATS JetStream (embedded, file storage, fsync on every write), %s B envelopes, publish + consume + ack:\n",
			thousands(int64(c.EnvelopeBytes)))
		tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
		fmt.Fprintln(tw, "clients\tpeer\tpublished\tconsumed+acked\tper s\tpublish p50 ms\tp99 ms\tCPU ms/msg\terrors\t")
		for _, l := range c.Levels {
			for _, x := range l.runs() {
				fmt.Fprintf(tw, "%d\t%s\t%s\t%s\t%.0f\t%.1f\t%.1f\t%.3f\t%s\t\n", l.Clients, x.Name, thousands(x.Count), thousands(x.Deliveries), x.DeliveriesPerSecond,
					x.Latency.P50, x.Latency.P99, x.CPUPerOp, thousands(x.Errors))
			}
		}
		tw.Flush()
		for _, l := range c.Levels {
			fmt.Fprintf(w, "  %d clients: hub / JetStream %.2f, store / JetStream %.2f (JetStream's rate the mean of its runs before and after, %.0f/s)\n",
				l.Clients, l.Ratio, l.StoreRatio, l.PeerRate)
		}
		if c.PeerRate > 0 {
			hn, hr := c.best(hubRate)
			sn, sr := c.best(storeRate)
			jn, jr := c.best(peerRate)
			fmt.Fprintf(w, "  each at its best: hub %.0f/s (%d clients), store %.0f/s (%d), JetStream %.0f/s (%d): hub / JetStream %.2f, store / JetStream %.2f\n",
				hr, hn, sr, sn, jr, jn, c.Ratio, c.StoreRatio)
		}
		for _, n := range c.Notes {
			fmt.Fprintf(w, "  %s\n", n)
		}
	}
	if len(r.Targets) > 0 {
		fmt.Fprintln(w, "\nTargets:")
		for _, t := range r.Targets {
			mark := "  ?"
			if t.Met != nil {
				mark = "  ok"
				if !*t.Met {
					mark = "  MISSED"
				}
			}
			fmt.Fprintf(w, "%-7s %-55s %-36s %s\n", mark, t.Name, t.Want, t.Got)
		}
	}
	if len(r.Skipped) > 0 {
		fmt.Fprintln(w)
	}
	for _, s := range r.Skipped {
		fmt.Fprintf(w, "skipped: %s\n", s)
	}
	for _, e := range r.Errors {
		fmt.Fprintf(w, "\nerror: %s\n", e)
	}
	return nil
}
