package adaptersuite

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/soap"
	"mezhved/internal/hubtest"
	"mezhved/store"
)

// AdapterCase describes an adapter to put through the adapter suite: an
// agency that takes requests of one type and answers them (or only
// acknowledges them).
type AdapterCase struct {
	// Participant is the agency the adapter runs as (its key signs); Sender
	// is a participant that may send it Request.
	Participant, Sender string
	// Request returns a request payload the adapter must handle; each call
	// may return a different one.
	Request func(t testing.TB, n int) *etree.Element
	// Answers says whether the adapter answers each request (or only
	// acknowledges it).
	Answers bool
	// New builds the adapter over a client and a state; the suite runs it.
	New func(t testing.TB, c *adapters.Client, st adapters.State) *adapters.Adapter
}

// RunAdapterSuite checks what every adapter must do: handle each request
// once and acknowledge it; ride out a hub restart and a hub outage; not
// handle a request again when its acknowledgement was lost and the hub
// delivered it a second time; and, when its adapter state survives its own
// restart, not answer twice.
func RunAdapterSuite(t *testing.T, c AdapterCase) {
	t.Run("each request handled once", func(t *testing.T) {
		h := hubtest.Start(t, hubtest.Options{})
		s := newSuite(t, h, c, nil)
		ids := s.sendN(t, 5)
		s.waitDone(t, ids)
	})
	t.Run("hub restart", func(t *testing.T) {
		h := hubtest.Start(t, hubtest.Options{})
		s := newSuite(t, h, c, nil)
		first := s.sendN(t, 1)
		s.waitDone(t, first)
		h.Restart()
		s.waitDone(t, s.sendN(t, 2))
	})
	t.Run("hub outage", func(t *testing.T) {
		h := hubtest.Start(t, hubtest.Options{})
		watch := &watchErrors{}
		s := newSuite(t, h, c, watch)
		h.Stop()
		// The adapter meets a closed port, and backs off.
		deadline := time.Now().Add(10 * time.Second)
		for watch.failures.Load() == 0 {
			if time.Now().After(deadline) {
				t.Fatal("the adapter did not call the hub while it was down")
			}
			time.Sleep(10 * time.Millisecond)
		}
		h.Restart()
		s.waitDone(t, s.sendN(t, 2))
	})
	t.Run("redelivered before its acknowledgement arrives", func(t *testing.T) {
		// Acks cannot reach the hub for longer than the visibility timeout:
		// the hub delivers the request again, and the adapter must
		// recognise it instead of handling it a second time. Attempts are
		// many: on a loaded machine the test sees the second delivery late,
		// and the request must not go dead meanwhile.
		h := hubtest.Start(t, hubtest.Options{Visibility: 200 * time.Millisecond, MaxAttempts: 1000})
		drop := &dropAcks{}
		drop.until.Store(time.Now().Add(time.Hour).UnixNano())
		s := newSuite(t, h, c, drop)
		ids := s.sendN(t, 1)
		deadline := time.Now().Add(10 * time.Second)
		for {
			d, _ := h.Store.Deliveries(context.Background(), ids[0])
			if d[c.Participant] == "leased" && drop.dropped.Load() > 0 {
				var attempts int
				h.Store.JournalBy(context.Background(), store.ByMessage, ids[0], func(r store.Record) error {
					if r.Event == store.EventLeased {
						attempts++
					}
					return nil
				})
				if attempts >= 2 {
					break
				}
			}
			if time.Now().After(deadline) {
				t.Fatal("the request was not delivered a second time")
			}
			time.Sleep(10 * time.Millisecond)
		}
		drop.until.Store(0)
		s.waitDone(t, ids)
	})
	t.Run("acknowledgement lost", func(t *testing.T) {
		h := hubtest.Start(t, hubtest.Options{Visibility: 300 * time.Millisecond})
		lose := &loseAck{}
		lose.toLose.Store(1)
		s := newSuite(t, h, c, lose)
		s.waitDone(t, s.sendN(t, 1))
		deadline := time.Now().Add(10 * time.Second)
		for lose.acks.Load() < 2 {
			if time.Now().After(deadline) {
				t.Fatalf("the adapter made %d Ack calls; after losing one it must make another", lose.acks.Load())
			}
			time.Sleep(10 * time.Millisecond)
		}
	})
}

type suite struct {
	h       *hubtest.Hub
	c       AdapterCase
	sender  *adapters.Client
	mu      sync.Mutex
	answers map[string]int // request ID -> answers received
	n       int
}

func newSuite(t *testing.T, h *hubtest.Hub, c AdapterCase, rt http.RoundTripper) *suite {
	s := &suite{h: h, c: c, sender: h.Client(c.Sender), answers: map[string]int{}}
	client := h.Client(c.Participant)
	if rt != nil {
		client.HTTP = &http.Client{Transport: rt}
	}
	a := c.New(t, client, adapters.NewMemoryState())
	run(t, a)
	if c.Answers {
		collector := &adapters.Adapter{Client: s.sender, Responses: map[string]adapters.ResponseHandler{"*": func(_ context.Context, r *adapters.Response) error {
			s.mu.Lock()
			defer s.mu.Unlock()
			s.answers[r.RequestID]++
			return nil
		}}}
		run(t, collector)
	}
	return s
}

func run(t *testing.T, a *adapters.Adapter) {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(ctx)
	}()
	t.Cleanup(func() {
		cancel()
		<-done
	})
}

func (s *suite) sendN(t *testing.T, n int) []string {
	t.Helper()
	var ids []string
	for range n {
		s.n++
		r, err := s.sender.SendRequest(context.Background(), &soap.RequestData{Content: s.c.Request(t, s.n)}, nil)
		if err != nil {
			t.Fatalf("sending the request: %v", err)
		}
		ids = append(ids, r.Metadata.MessageID)
	}
	return ids
}

// waitDone waits until every request is acknowledged by the adapter and,
// if it answers, answered exactly once; then it checks no second answer
// comes.
func (s *suite) waitDone(t *testing.T, ids []string) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for _, id := range ids {
		for {
			d, err := s.h.Store.Deliveries(context.Background(), id)
			s.mu.Lock()
			answered := s.answers[id]
			s.mu.Unlock()
			if err == nil && d[s.c.Participant] == "acked" && (!s.c.Answers || answered >= 1) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("request %s: delivery %v, %d answers (want acknowledged and answered)", id, d, answered)
			}
			time.Sleep(20 * time.Millisecond)
		}
	}
	// The journal says how many answers the hub took for each request.
	for _, id := range ids {
		linked := 0
		s.h.Store.JournalBy(context.Background(), store.ByMessage, id, func(r store.Record) error {
			if r.Event == store.EventResponseLinked {
				linked++
			}
			return nil
		})
		s.mu.Lock()
		got := s.answers[id]
		s.mu.Unlock()
		if s.c.Answers && (linked != 1 || got != 1) {
			t.Fatalf("request %s was answered %d times (%d received)", id, linked, got)
		}
		if !s.c.Answers && linked != 0 {
			t.Fatalf("request %s was answered", id)
		}
	}
}

// loseAck delivers the adapter's Ack calls to the hub but reports the first
// toLose of them failed, as a connection that breaks after sending would:
// the hub has the acknowledgement, the adapter does not know it.
type loseAck struct{ toLose, acks atomic.Int32 }

func (l *loseAck) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err == nil && bytes.Contains(body, []byte("AckRequest")) {
		l.acks.Add(1)
		if l.toLose.Add(-1) >= 0 {
			resp.Body.Close()
			return nil, errors.New("connection reset after the request was sent")
		}
	}
	return resp, err
}

// watchErrors counts the calls that failed to reach the hub.
type watchErrors struct{ failures atomic.Int32 }

func (w *watchErrors) RoundTrip(r *http.Request) (*http.Response, error) {
	resp, err := http.DefaultTransport.RoundTrip(r)
	if err != nil {
		w.failures.Add(1)
	}
	return resp, err
}

// dropAcks fails every Ack call before it reaches the hub until the time
// in until (Unix nanoseconds).
type dropAcks struct{ until, dropped atomic.Int64 }

func (d *dropAcks) RoundTrip(r *http.Request) (*http.Response, error) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	if bytes.Contains(body, []byte("AckRequest")) && time.Now().UnixNano() < d.until.Load() {
		d.dropped.Add(1)
		return nil, errors.New("network unreachable")
	}
	return http.DefaultTransport.RoundTrip(r)
}
