package conformance_test

import (
	"context"
	"errors"
	"regexp"
	"testing"
	"time"

	"mezhved/conformance"
	"mezhved/internal/hubtest"
)

// TestEndpointSuite runs every case of the endpoint suite against a
// development hub in the test process, with a short visibility timeout and
// two attempts so that the redelivery and dead-letter cases are quick (and
// long enough that a lease outlasts a few calls on a loaded machine).
func TestEndpointSuite(t *testing.T) {
	const (
		visibility  = 2 * time.Second
		maxAttempts = 2
		longPoll    = time.Second
	)
	h := hubtest.Start(t, hubtest.Options{Visibility: visibility, MaxAttempts: maxAttempts, LongPoll: longPoll})
	ctx := context.Background()
	s, err := conformance.Open(ctx, conformance.Target{URL: h.URL, PKIDir: h.PKIDir, Visibility: visibility, MaxAttempts: maxAttempts, LongPoll: longPoll})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range conformance.Cases() {
		t.Run(c.ID, func(t *testing.T) {
			r := s.RunCase(ctx, c)
			switch {
			case r.Skipped():
				t.Fatalf("skipped against the development hub: %v", r.Err)
			case r.Err != nil:
				t.Fatalf("%s: %v", c.Desc, r.Err)
			}
			t.Logf("%s (%s)", c.Desc, r.Elapsed.Round(time.Millisecond))
		})
	}
}

// TestEndpointSuiteGeneric: what the suite checks of an endpoint that is
// not mezhved (the protocol's fault structure, without MZ codes) holds for
// the hub too.
func TestEndpointSuiteGeneric(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	n := 0
	passed, failed := conformance.Run(context.Background(), conformance.Target{URL: h.URL, PKIDir: h.PKIDir, Generic: true},
		regexp.MustCompile(`^(FAULT|SIG|SCHEMA)-`), func(r conformance.Result) {
			n++
			if r.Err != nil {
				t.Errorf("%s %s: %v", r.ID, r.Desc, r.Err)
			}
		})
	if n == 0 || passed != n || failed != 0 {
		t.Fatalf("%d cases: %d passed, %d failed", n, passed, failed)
	}
}

// TestRun: Run reports only the cases the filter selects, counts skipped
// cases in neither total, and reports a target it cannot set up.
func TestRun(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	var got []conformance.Result
	passed, failed := conformance.Run(context.Background(), conformance.Target{URL: h.URL + "1.1", PKIDir: h.PKIDir},
		regexp.MustCompile(`^(OP-001|DLV-001)$`), func(r conformance.Result) { got = append(got, r) })
	if passed != 1 || failed != 0 || len(got) != 2 {
		t.Fatalf("%d passed, %d failed, %d reported: %+v", passed, failed, len(got), got)
	}
	if got[0].ID != "OP-001" || got[0].Err != nil || got[0].Desc == "" || got[0].Elapsed <= 0 {
		t.Errorf("OP-001: %+v", got[0])
	}
	if got[1].ID != "DLV-001" || !got[1].Skipped() || !errors.Is(got[1].Err, conformance.ErrSkipped) {
		t.Errorf("DLV-001 without a visibility timeout: %+v, want skipped", got[1])
	}

	got = nil
	passed, failed = conformance.Run(context.Background(), conformance.Target{URL: h.URL, PKIDir: t.TempDir()}, nil,
		func(r conformance.Result) { got = append(got, r) })
	if passed != 0 || failed != 1 || len(got) != 1 || got[0].ID != "SETUP" || got[0].Err == nil {
		t.Fatalf("an empty PKI directory: %d passed, %d failed, %+v", passed, failed, got)
	}
}

// TestCases: IDs are unique, grouped, and every case says what it checks.
func TestCases(t *testing.T) {
	id := regexp.MustCompile(`^(OP|FAULT|SIG|SCHEMA|DLV|FLOW)-\d{3}$`)
	seen := map[string]bool{}
	for _, c := range conformance.Cases() {
		if !id.MatchString(c.ID) || seen[c.ID] || c.Desc == "" || c.Run == nil {
			t.Errorf("case %q (%q): a unique group-number ID, a description and a Run are required", c.ID, c.Desc)
		}
		seen[c.ID] = true
	}
}
