package main

import (
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"mezhved/internal/hubtest"
)

// caseLine is one case's line of `mezhved conformance`.
var caseLine = regexp.MustCompile(`^(PASS|FAIL|SKIP) ([A-Z]+-\d{3}) (.+)$`)

// TestConformanceCommand: `mezhved conformance` against a development hub,
// restricted to a few cases, prints a PASS line for each (and a SKIP line
// for the redelivery case, whose visibility timeout it is not told), then
// the summary, and exits 0.
func TestConformanceCommand(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{LongPoll: time.Second})
	code, out, errs := mezhved(t, "", "conformance", "--hub", h.URL, "--pki", h.PKIDir, "--long-poll", "1s",
		"--run", "^(OP-001|FAULT-013|SIG-004|SCHEMA-003|DLV-001)$")
	if code != 0 {
		t.Fatalf("exit %d\n%s%s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 6 {
		t.Fatalf("%d lines, want 5 cases and the summary:\n%s", len(lines), out)
	}
	want := map[string]string{"OP-001": "PASS", "FAULT-013": "PASS", "SIG-004": "PASS", "SCHEMA-003": "PASS", "DLV-001": "SKIP"}
	passLine := regexp.MustCompile(` \(\d+(\.\d+)?(µs|ms|s)\)$`)
	for _, line := range lines[:5] {
		m := caseLine.FindStringSubmatch(line)
		if m == nil {
			t.Fatalf("not a case line: %q", line)
		}
		if want[m[2]] != m[1] {
			t.Errorf("%q: want %s %s", line, want[m[2]], m[2])
		}
		delete(want, m[2])
		if m[1] == "PASS" && !passLine.MatchString(line) {
			t.Errorf("%q does not end with the elapsed time", line)
		}
	}
	if len(want) != 0 {
		t.Errorf("cases not reported: %v", want)
	}
	if lines[5] != "4 passed, 0 failed, 1 skipped" {
		t.Errorf("summary %q", lines[5])
	}
}

// TestConformanceCommandFails: against an endpoint that answers every call
// with something that is not SMEV 3, the cases fail, each with its reason,
// and the command exits 1.
func TestConformanceCommandFails(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	bogus := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/xml")
		w.Write([]byte(`<?xml version="1.0"?><nothing/>`))
	}))
	defer bogus.Close()
	code, out, errs := mezhved(t, "", "conformance", "--hub", bogus.URL, "--pki", h.PKIDir, "--run", "^(OP-001|FAULT-001)$")
	if code != 1 {
		t.Fatalf("exit %d, want 1\n%s%s", code, out, errs)
	}
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	if len(lines) != 3 || lines[2] != "0 passed, 2 failed" {
		t.Fatalf("want two FAIL lines and the summary:\n%s", out)
	}
	failLine := regexp.MustCompile(`^FAIL (OP-001|FAULT-001) .+ \(\d+(\.\d+)?(µs|ms|s)\): .+$`)
	for _, line := range lines[:2] {
		if !failLine.MatchString(line) {
			t.Errorf("not a FAIL line with its reason: %q", line)
		}
	}
}

func TestConformanceCommandUsage(t *testing.T) {
	dir := t.TempDir()
	for _, args := range [][]string{
		{"conformance"},
		{"conformance", "--hub", "http://127.0.0.1:1"},
		{"conformance", "--pki", dir},
		{"conformance", "--hub", "http://127.0.0.1:1", "--pki", dir, "--run", "("},
		{"conformance", "--hub", "http://127.0.0.1:1", "--pki", dir, "extra"},
	} {
		if code, _, _ := mezhved(t, "", args...); code != 2 {
			t.Errorf("%q: exit %d, want 2", args, code)
		}
	}
	code, out, _ := mezhved(t, "", "conformance", "--list")
	if code != 0 || !strings.Contains(out, "OP-001 ") || !strings.Contains(out, "FLOW-008 ") {
		t.Errorf("--list: exit %d\n%s", code, out)
	}
}
