package main

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mezhved/internal/bench"
)

// childHubs makes `mezhved bench` start its hub processes as this test
// binary running `mezhved serve` (see TestMain).
func childHubs(t *testing.T) {
	t.Helper()
	old := hubCommand
	hubCommand = func(args []string) *exec.Cmd {
		exe, err := os.Executable()
		if err != nil {
			t.Error(err)
		}
		cmd := exec.Command(exe)
		cmd.Env = append(os.Environ(), childEnv+"="+strings.Join(args, " "))
		return cmd
	}
	t.Cleanup(func() { hubCommand = old })
}

func TestBenchIngest(t *testing.T) {
	childHubs(t)
	dir := t.TempDir()
	jsonFile := filepath.Join(dir, "bench.json")
	var stdout, stderr bytes.Buffer
	code := run([]string{"bench", "--scenario", "ingest", "--duration", "1s", "--warmup", "200ms", "--clients", "4",
		"--presign-rate", "800", "--json", jsonFile, "--data", filepath.Join(dir, "data"), "--hub-cpuprofile", filepath.Join(dir, "prof")}, nil, &stdout, &stderr)
	if code != 0 {
		t.Fatalf("exit %d\nstdout:\n%s\nstderr:\n%s", code, stdout.String(), stderr.String())
	}
	// Each hub process wrote its CPU profile (gzip-compressed protobuf).
	for _, name := range []string{"hub-1.prof", "hub-2.prof"} {
		p, err := os.ReadFile(filepath.Join(dir, "prof", name))
		if err != nil || len(p) < 2 || p[0] != 0x1f || p[1] != 0x8b {
			t.Errorf("the hub's profile %s: %d bytes, %v", name, len(p), err)
		}
	}
	out := stdout.String()
	for _, want := range []string{"hub: process, its clients on 1 processor(s)", "p99 ms", "peak RSS MiB", "store B/msg", "ingest at 50%", "the hub's own process", "Targets:", "ingest  ", "not measured"} {
		if !strings.Contains(out, want) {
			t.Errorf("the table has no %q:\n%s", want, out)
		}
	}
	data, err := os.ReadFile(jsonFile)
	if err != nil {
		t.Fatal(err)
	}
	var rep bench.Report
	if err := json.Unmarshal(data, &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Hub != "process" || len(rep.Results) != 2 {
		t.Fatalf("report: hub %q, %d results", rep.Hub, len(rep.Results))
	}
	for _, r := range rep.Results {
		if r.Count <= 0 || r.PerSecond <= 0 || r.Latency.P99 <= 0 || r.CPUPerOp <= 0 || r.ClientCPUPerOp <= 0 || r.PeakRSS <= 0 || r.StorePerMessage <= 0 || r.Errors != 0 {
			t.Errorf("%s: %+v", r.Name, r)
		}
	}
	if rep.Results[1].Rate <= 0 || rep.Results[1].Rate > rep.Results[0].PerSecond {
		t.Errorf("half rate %g of %g", rep.Results[1].Rate, rep.Results[0].PerSecond)
	}
}

func TestBenchUsage(t *testing.T) {
	for _, args := range [][]string{
		{"bench", "--scenario", "nap"},
		{"bench", "--backlog", "many"},
		{"bench", "--rate", "-3"},
		{"bench", "--hub", "http://127.0.0.1:8080"},
		{"bench", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, nil, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (%s)", args, code, stderr.String())
		}
	}
}
