package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"

	"mezhved/exchange/hub"
	"mezhved/internal/bench"
)

// hubCommand makes the command that runs a hub process for `mezhved
// bench`: this binary with the given arguments. Tests replace it.
var hubCommand = func(args []string) *exec.Cmd {
	exe, err := os.Executable()
	if err != nil {
		exe = os.Args[0]
	}
	return exec.Command(exe, args...)
}

func runBench(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved bench", stderr)
	d := bench.DefaultConfig()
	scenarios := fs.String("scenario", "all", "scenarios, comma-separated: ingest, limit, roundtrip, broadcast, recipients, mixed, jetstream, backlog, or all")
	duration := fs.Duration("duration", d.Duration, "measured time of each run")
	warmup := fs.Duration("warmup", d.Warmup, "warm-up before each run's measured time")
	clients := fs.Int("clients", d.Clients, "concurrent senders")
	queueClients := fs.String("queue-clients", ints(d.QueueClients), "the JetStream comparison's numbers of publishers (and as many consumers), comma-separated; each peer is taken at its best")
	conversations := fs.Int("conversations", d.Conversations, "round trips in flight at once")
	rates := fs.String("rate", "", "the mixed profile's steps, messages per second, comma-separated (default: 25, 50, 75 and 100% of the rate it reaches)")
	banks := fs.String("banks", ints(d.Banks), "the broadcast's numbers of banks, comma-separated")
	recipients := fs.String("recipients", ints(d.Recipients), "numbers of queues to route over, comma-separated")
	backlog := fs.String("backlog", ints(d.Backlog), "messages queued before the backlog runs, comma-separated (e.g. 0,100000,1000000)")
	hubURL := fs.String("hub", "", "measure the hub at this URL (a development hub: its PKI at --pki) instead of starting hubs")
	pkiDir := fs.String("pki", "", "with --hub: the hub's development PKI (the participants' keys)")
	jsonFile := fs.String("json", "", "also write the report as JSON to this file (- for standard output, instead of the table)")
	data := fs.String("data", "", "directory for the bench's PKI, registries and stores (kept); default a temporary one, removed")
	inProcess := fs.Bool("in-process", false, "run the hubs in the bench's process instead of as `mezhved serve` processes (their CPU and memory are then shared with the clients)")
	hubLog := fs.String("hub-log-level", d.HubLogLevel, "--log-level of the hub processes")
	clientProcs := fs.Int("client-procs", d.ClientProcs, "processors (GOMAXPROCS) of the bench's clients while they load a hub process or --hub; 0: every core (the limit and JetStream comparison use every core)")
	presign := fs.Float64("presign-rate", d.PresignRate, "messages per second of each run to sign before it starts (senders sign on their own machines)")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the bench's process to this file (with --in-process it holds the hubs too)")
	hubProfiles := fs.String("hub-cpuprofile", "", "write a CPU profile of each hub process to this directory (hub-1.prof, hub-2.prof, ... in the order the runs start)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: mezhved bench [--scenario LIST] [--duration D] [--clients N] [--rate LIST] [--backlog LIST] [--json FILE] [--data DIR]\n       mezhved bench --hub URL --pki DIR [--scenario ingest,roundtrip,broadcast,mixed]\n\nA load generator of concurrent signed clients over HTTP on loopback, against hubs it starts\n(a `mezhved serve` process per run) or the hub at --hub. Prints a table (and JSON with --json);\na progress line on standard error while it runs.")
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	cfg := bench.Config{Duration: *duration, Warmup: *warmup, Clients: *clients, Conversations: *conversations, HubURL: *hubURL, PKIDir: *pkiDir,
		DataDir: *data, HubLogLevel: *hubLog, PresignRate: *presign, ClientProcs: *clientProcs, Progress: stderr}
	if cfg.ClientProcs <= 0 {
		cfg.ClientProcs = -1 // every core (the Config's 0 is its default, 1)
	}
	var err error
	if cfg.Scenarios, err = bench.ParseScenarios(*scenarios); err != nil {
		return usageError(fs, "--scenario: %v", err)
	}
	if cfg.Rates, err = floats(*rates); err != nil {
		return usageError(fs, "--rate: %v", err)
	}
	for _, f := range []struct {
		name string
		in   string
		out  *[]int
	}{{"--queue-clients", *queueClients, &cfg.QueueClients}, {"--banks", *banks, &cfg.Banks}, {"--recipients", *recipients, &cfg.Recipients}, {"--backlog", *backlog, &cfg.Backlog}} {
		if *f.out, err = parseInts(f.in); err != nil {
			return usageError(fs, "%s: %v", f.name, err)
		}
	}
	if !*inProcess && *hubURL == "" {
		cfg.HubCommand = hubCommand
		if dir := *hubProfiles; dir != "" {
			if err := os.MkdirAll(dir, 0o755); err != nil {
				return err
			}
			var n atomic.Int64
			cfg.HubCommand = func(args []string) *exec.Cmd {
				return hubCommand(append(args, "--cpuprofile", filepath.Join(dir, fmt.Sprintf("hub-%d.prof", n.Add(1)))))
			}
		}
	} else if *hubProfiles != "" {
		return usageError(fs, "--hub-cpuprofile needs hub processes (not --in-process or --hub)")
	}
	if err := cfg.Validate(); err != nil {
		return usageError(fs, "%v", err)
	}
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(hub.GCPercent) // as `mezhved serve` runs
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM, syscall.SIGINT)
	defer stop()
	stopProfile, err := startCPUProfile(*cpuProfile)
	if err != nil {
		return err
	}
	defer stopProfile()
	rep, runErr := bench.Run(ctx, cfg)
	if rep == nil {
		return runErr
	}
	if *jsonFile == "-" {
		if err := rep.WriteJSON(stdout); err != nil {
			return err
		}
	} else {
		if err := rep.WriteTable(stdout); err != nil {
			return err
		}
		if *jsonFile != "" {
			if err := writeJSONFile(*jsonFile, rep); err != nil {
				return err
			}
		}
	}
	if runErr != nil {
		fmt.Fprintf(stderr, "mezhved bench: %v\n", runErr)
		return exitError{1}
	}
	return nil
}

func writeJSONFile(path string, rep *bench.Report) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if err := rep.WriteJSON(f); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// parseInts reads "0,100000,1000000" (an underscore may group digits).
func parseInts(s string) ([]int, error) {
	var out []int
	for _, f := range strings.Split(s, ",") {
		f = strings.ReplaceAll(strings.TrimSpace(f), "_", "")
		if f == "" {
			continue
		}
		n, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("%q is not a whole number", f)
		}
		out = append(out, n)
	}
	if len(out) == 0 {
		return nil, errors.New("no number given")
	}
	return out, nil
}

func floats(s string) ([]float64, error) {
	var out []float64
	for _, f := range strings.Split(s, ",") {
		if f = strings.TrimSpace(f); f == "" {
			continue
		}
		v, err := strconv.ParseFloat(f, 64)
		if err != nil || v <= 0 {
			return nil, fmt.Errorf("%q is not a positive number", f)
		}
		out = append(out, v)
	}
	return out, nil
}

func ints(v []int) string {
	var s []string
	for _, n := range v {
		s = append(s, strconv.Itoa(n))
	}
	return strings.Join(s, ",")
}
