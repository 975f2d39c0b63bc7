package exchange_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange"
	"mezhved/exchange/fault"
	"mezhved/exchange/soap"
)

// TestPollWindow: a signed poll whose signed Timestamp is older than the
// window, or further ahead than the clock skew allows, is refused, so that
// a captured one cannot be replayed later; an unsigned one, and any with
// no window set, is not looked at.
func TestPollWindow(t *testing.T) {
	now := time.Now()
	e := newEnv(t, exchange.Options{PollWindow: 10 * time.Minute, AllowUnsigned: true, Now: func() time.Time { return now }})
	offline := newEnv(t, exchange.Options{})
	get := func(at time.Time) *etree.Document { return soap.NewGetRequest(soap.V11, &soap.Selector{Timestamp: at}) }
	status := func(at time.Time) *etree.Document { return soap.NewGetStatus(soap.V11, &soap.Timestamp{Time: at}) }
	unsigned := func(doc *etree.Document) []byte {
		raw, err := soap.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return raw
	}
	tests := []struct {
		name  string
		in    *exchange.Ingress
		raw   []byte
		stale bool
	}{
		{"a GetRequest signed now", e.in, e.signed(t, "FSSP01", get(now)), false},
		{"a GetRequest signed nine minutes ago", e.in, e.signed(t, "FSSP01", get(now.Add(-9*time.Minute))), false},
		{"a GetRequest signed twenty minutes ago", e.in, e.signed(t, "FSSP01", get(now.Add(-20*time.Minute))), true},
		{"a GetRequest signed ten minutes ahead", e.in, e.signed(t, "FSSP01", get(now.Add(10*time.Minute))), true},
		{"a GetStatus signed a day ago", e.in, e.signed(t, "COURT01", status(now.Add(-24*time.Hour))), true},
		{"an unsigned GetRequest of a day ago", e.in, unsigned(get(now.Add(-24 * time.Hour))), false},
		{"a GetRequest of a day ago, no window", offline.in, offline.signed(t, "FSSP01", get(now.Add(-24*time.Hour))), false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := tc.in.Check(context.Background(), tc.raw)
			if tc.stale != errors.Is(err, fault.StaleTimestamp) || (!tc.stale && err != nil) {
				t.Fatalf("err = %v, want stale %v", err, tc.stale)
			}
		})
	}
}
