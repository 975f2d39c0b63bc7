package bench

import (
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"mezhved/exchange/soap"
)

// Latency is a distribution of latencies, in milliseconds.
type Latency struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
}

// tally counts the outcomes of one run's operations from many goroutines:
// the latencies of those that succeeded within the measured window, the
// errors by kind, and live counters for the progress line.
type tally struct {
	measuring atomic.Bool
	ok        atomic.Int64
	failed    atomic.Int64
	extra     atomic.Int64 // a second count (deliveries of a broadcast, consumed messages)

	mu      sync.Mutex
	lat     []time.Duration
	errKind map[string]int64
	errOne  string
}

func newTally() *tally { return &tally{errKind: map[string]int64{}} }

// shard is one goroutine's part of a tally, merged when it stops.
type shard struct {
	t   *tally
	lat []time.Duration
}

func (t *tally) shard() *shard { return &shard{t: t, lat: make([]time.Duration, 0, 4096)} }

// done records an operation that ended now after d.
func (s *shard) done(d time.Duration, err error) {
	if !s.t.measuring.Load() {
		return
	}
	if err != nil {
		s.t.fail(err)
		return
	}
	s.t.ok.Add(1)
	s.lat = append(s.lat, d)
}

// flush merges the shard into its tally.
func (s *shard) flush() {
	s.t.mu.Lock()
	s.t.lat = append(s.t.lat, s.lat...)
	s.t.mu.Unlock()
	s.lat = s.lat[:0]
}

func (t *tally) fail(err error) {
	t.failed.Add(1)
	kind := "error"
	var f *soap.Fault
	if errors.As(err, &f) {
		kind = f.Name
		if f.Code != "" {
			kind = f.Code + " " + f.Name
		}
	}
	t.mu.Lock()
	t.errKind[kind]++
	if t.errOne == "" {
		t.errOne = err.Error()
	}
	t.mu.Unlock()
}

// count adds to the second count while measuring.
func (t *tally) count(n int64) {
	if t.measuring.Load() {
		t.extra.Add(n)
	}
}

// countFailure records a failure of the second count's work while
// measuring, as count does its successes: one in the warm-up or as the run
// ends is no more the window's than a success then.
func (t *tally) countFailure(err error) {
	if t.measuring.Load() {
		t.fail(err)
	}
}

// latency returns the distribution of the latencies recorded.
func (t *tally) latency() Latency {
	t.mu.Lock()
	defer t.mu.Unlock()
	return quantiles(t.lat)
}

func quantiles(d []time.Duration) Latency {
	if len(d) == 0 {
		return Latency{}
	}
	slices.Sort(d)
	q := func(p float64) float64 {
		i := int(p*float64(len(d))+0.5) - 1
		i = max(0, min(i, len(d)-1))
		return ms(d[i])
	}
	return Latency{P50: q(0.50), P95: q(0.95), P99: q(0.99), Max: ms(d[len(d)-1])}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

// errorSummary names the errors of a run: "12 × MZ-9001 DestinationOverflow; first: ...".
func (t *tally) errorSummary() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	if len(t.errKind) == 0 {
		return ""
	}
	s := ""
	kinds := make([]string, 0, len(t.errKind))
	for k := range t.errKind {
		kinds = append(kinds, k)
	}
	slices.Sort(kinds)
	for _, k := range kinds {
		if s != "" {
			s += ", "
		}
		s += fmt.Sprintf("%d × %s", t.errKind[k], k)
	}
	return s + "; first: " + t.errOne
}

// thousands formats n with thin separators: 1,234,567.
func thousands(n int64) string {
	s := fmt.Sprint(n)
	neg := n < 0
	if neg {
		s = s[1:]
	}
	var out []byte
	for i, c := range []byte(s) {
		if i > 0 && (len(s)-i)%3 == 0 {
			out = append(out, ',')
		}
		out = append(out, c)
	}
	if neg {
		return "-" + string(out)
	}
	return string(out)
}
