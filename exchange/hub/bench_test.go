package hub_test

import (
	"context"
	"net/http"
	"runtime/debug"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mezhved/adapters"
	"mezhved/exchange/hub"
	"mezhved/exchange/soap"
)

// latencies collects durations from many goroutines.
type latencies struct {
	mu sync.Mutex
	d  []time.Duration
}

func (l *latencies) add(d time.Duration) {
	l.mu.Lock()
	l.d = append(l.d, d)
	l.mu.Unlock()
}

func (l *latencies) report(b *testing.B) {
	slices.Sort(l.d)
	if len(l.d) == 0 {
		return
	}
	q := func(p float64) float64 { return float64(l.d[int(p*float64(len(l.d)-1))].Microseconds()) / 1000 }
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
	b.ReportMetric(q(1), "max-ms")
}

// asServed sets the collector as `mezhved serve` does (hub.GCPercent) for
// the duration of a benchmark.
func asServed(b *testing.B) {
	old := debug.SetGCPercent(hub.GCPercent)
	b.Cleanup(func() { debug.SetGCPercent(old) })
}

func benchHTTPClient() *http.Client {
	return &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 256, MaxConnsPerHost: 256}}
}

// BenchmarkSendRequestHTTP measures durable SendRequest acceptance over HTTP
// on loopback: 32 concurrent senders post signed 4 KB requests (signed
// before the clock starts: senders sign on their own machines), and each
// answer comes only after the commit that holds the request is on disk.
func BenchmarkSendRequestHTTP(b *testing.B) {
	asServed(b)
	h := startHub(b, hubOptions{queueLimit: 10_000_000})
	court := h.client("COURT01")
	court.HTTP = benchHTTPClient()
	bodies := make([][]byte, b.N)
	for i := range bodies {
		id, _ := adapters.NewMessageID()
		doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: id, Content: payload(b, "Writ")}, nil)
		if _, err := soap.SignCall(doc.Root(), court.Signer); err != nil {
			b.Fatal(err)
		}
		body, err := soap.Marshal(doc)
		if err != nil {
			b.Fatal(err)
		}
		bodies[i] = body
	}
	court.Verifier = nil // the senders' own work, not the hub's
	var lat latencies
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range 32 {
		wg.Go(func() {
			for {
				i := next.Add(1) - 1
				if i >= int64(len(bodies)) {
					return
				}
				t0 := time.Now()
				if _, err := court.Post(context.Background(), bodies[i]); err != nil {
					b.Error(err)
					return
				}
				lat.add(time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "requests/s")
	lat.report(b)
}

// BenchmarkRoundTripHTTP measures full round trips over HTTP, every call
// signed as it is made: the court sends a writ, the bailiff service takes
// it, acknowledges it and answers, the court takes the answer and
// acknowledges it (six calls), with 64 such conversations at a time. Polls
// long-poll (a poll that finds the queue empty waits for a message instead of
// coming back at once).
// roundTripConversations is how many conversations run at a time.
var roundTripConversations = 64

func BenchmarkRoundTripHTTP(b *testing.B) {
	asServed(b)
	h := startHub(b, hubOptions{queueLimit: 10_000_000, longPoll: 5 * time.Second})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	court.HTTP, fssp.HTTP = benchHTTPClient(), benchHTTPClient()
	court.Verifier, fssp.Verifier = nil, nil
	writ, answer := payload(b, "Writ"), payload(b, "WritAnswer")
	ctx := context.Background()
	var lat latencies
	var next atomic.Int64
	b.ResetTimer()
	start := time.Now()
	var wg sync.WaitGroup
	for range roundTripConversations {
		wg.Go(func() {
			for next.Add(1) <= int64(b.N) {
				t0 := time.Now()
				r, err := court.SendRequest(ctx, &soap.RequestData{Content: writ}, nil)
				if err != nil {
					b.Error(err)
					return
				}
				_ = r
				var req *soap.DeliveredRequest
				for req == nil {
					g, err := fssp.GetRequest(ctx, "", "")
					if err != nil {
						b.Error(err)
						return
					}
					req = g.Request
				}
				if err := fssp.Ack(ctx, req.Data.MessageID, true); err != nil {
					b.Error(err)
					return
				}
				if _, err := fssp.SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: answer}, nil); err != nil {
					b.Error(err)
					return
				}
				var resp *soap.DeliveredResponse
				for resp == nil {
					g, err := court.GetResponse(ctx, "", "")
					if err != nil {
						b.Error(err)
						return
					}
					resp = g.Response
				}
				if err := court.Ack(ctx, resp.Data.MessageID, true); err != nil {
					b.Error(err)
					return
				}
				lat.add(time.Since(t0))
			}
		})
	}
	wg.Wait()
	b.StopTimer()
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "roundtrips/s")
	lat.report(b)
}
