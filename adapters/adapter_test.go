package adapters_test

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"mezhved/adapters"
	"mezhved/exchange/soap"
	"mezhved/internal/hubtest"
	"mezhved/store"
)

// collector gathers what an agency received.
type collector struct {
	mu        sync.Mutex
	responses []*adapters.Response
	statuses  []*soap.AsyncStatus
}

func (c *collector) response(_ context.Context, r *adapters.Response) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.responses = append(c.responses, r)
	return nil
}

func (c *collector) status(_ context.Context, s *soap.AsyncStatus) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.statuses = append(c.statuses, s)
	return nil
}

func (c *collector) count() (int, int) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.responses), len(c.statuses)
}

func eventually(t *testing.T, within time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func run(t *testing.T, a *adapters.Adapter) context.CancelFunc {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		a.Run(ctx)
	}()
	stop := func() {
		cancel()
		<-done
	}
	t.Cleanup(stop)
	return stop
}

// TestAdapterRoundTrip: one function per message type on each side; the
// writ is answered, the answer reaches the court, both sides acknowledge.
func TestAdapterRoundTrip(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	var calls atomic.Int32
	bailiffs := &adapters.Adapter{Client: h.Client("FSSP01"), Requests: map[string]adapters.RequestHandler{
		"Writ": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
			calls.Add(1)
			if r.Sender != "COURT01" || r.TransactionCode != "case-1" {
				t.Errorf("request %+v", r)
			}
			return &adapters.Answer{Payload: hubtest.Payload(t, "WritAnswer")}, nil
		},
	}}
	got := &collector{}
	court := &adapters.Adapter{Client: h.Client("COURT01"), Responses: map[string]adapters.ResponseHandler{"WritAnswer": got.response},
		Status: got.status, StatusInterval: 20 * time.Millisecond}
	run(t, bailiffs)
	run(t, court)
	md, err := court.Send(context.Background(), hubtest.Payload(t, "Writ"), adapters.SendOptions{TransactionCode: "case-1"})
	if err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the answer and the status", func() bool { r, s := got.count(); return r == 1 && s >= 1 })
	if r := got.responses[0]; r.RequestID != md.MessageID || r.Sender != "FSSP01" || r.TransactionCode != "case-1" || r.Payload.Tag != "WritAnswer" {
		t.Fatalf("response %+v", r)
	}
	if calls.Load() != 1 {
		t.Fatalf("the handler ran %d times", calls.Load())
	}
	eventually(t, 5*time.Second, "the response's delivery acknowledged", func() bool {
		d, _ := h.Store.Deliveries(context.Background(), got.responses[0].MessageID)
		return d["COURT01"] == "acked"
	})
}

// failing fails SendResponse calls while on is set, as a network that
// drops them would.
type failing struct {
	on   atomic.Bool
	seen atomic.Int32
}

func (f *failing) RoundTrip(r *http.Request) (*http.Response, error) {
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if bytes.Contains(body, []byte("SendResponseRequest")) {
		f.seen.Add(1)
		if f.on.Load() {
			return nil, errors.New("connection reset")
		}
	}
	return http.DefaultTransport.RoundTrip(r)
}

// TestAdapterRestartSafety: an adapter stops after its handler finished but
// before the answer reached the hub; a new adapter on the same state file
// sends the same answer, without running the handler again, and the court
// gets exactly one answer.
func TestAdapterRestartSafety(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{Visibility: 300 * time.Millisecond})
	statePath := filepath.Join(t.TempDir(), "state.db")
	var calls atomic.Int32
	handlers := map[string]adapters.RequestHandler{"Writ": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
		calls.Add(1)
		return &adapters.Answer{Payload: hubtest.Payload(t, "WritAnswer")}, nil
	}}
	court := h.Client("COURT01")
	md, err := court.SendRequest(context.Background(), &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil)
	if err != nil {
		t.Fatal(err)
	}

	net := &failing{}
	net.on.Store(true)
	c1 := h.Client("FSSP01")
	c1.HTTP = &http.Client{Transport: net}
	st1, err := adapters.OpenFileState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	stop := run(t, &adapters.Adapter{Client: c1, Requests: handlers, State: st1, Workers: 1})
	eventually(t, 5*time.Second, "the first attempt to answer", func() bool { return net.seen.Load() > 0 })
	stop()
	st1.Close()
	if calls.Load() != 1 {
		t.Fatalf("the handler ran %d times", calls.Load())
	}

	st2, err := adapters.OpenFileState(statePath)
	if err != nil {
		t.Fatal(err)
	}
	defer st2.Close()
	run(t, &adapters.Adapter{Client: h.Client("FSSP01"), Requests: handlers, State: st2, Workers: 1})
	var answer *soap.DeliveredResponse
	eventually(t, 10*time.Second, "the answer", func() bool {
		r, err := court.GetResponse(context.Background(), "", "")
		if err == nil && r.Response != nil {
			answer = r.Response
		}
		return answer != nil
	})
	if answer.OriginalMessageID != md.Metadata.MessageID || calls.Load() != 1 {
		t.Fatalf("answer to %s, handler ran %d times", answer.OriginalMessageID, calls.Load())
	}
	eventually(t, 5*time.Second, "the request acknowledged", func() bool {
		d, _ := h.Store.Deliveries(context.Background(), md.Metadata.MessageID)
		return d["FSSP01"] == "acked"
	})
	if err := court.Ack(context.Background(), answer.Data.MessageID, true); err != nil {
		t.Fatal(err)
	}
	if r, _ := court.GetResponse(context.Background(), "", ""); r.Response != nil {
		t.Fatal("a second answer reached the court")
	}
}

// TestAdapterNeverRetriesFixAndResend: an answer the hub refuses as invalid
// is sent once; the request is then refused, and its sender told so.
func TestAdapterNeverRetriesFixAndResend(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{})
	net := &failing{}
	c := h.Client("FSSP01")
	c.HTTP = &http.Client{Transport: net}
	run(t, &adapters.Adapter{Client: c, Requests: map[string]adapters.RequestHandler{"Writ": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
		bad := hubtest.Payload(t, "WritAnswer")
		bad.CreateElement("Unexpected") // not in the schema: InvalidContent, fix and resend
		return &adapters.Answer{Payload: bad}, nil
	}}})
	got := &collector{}
	court := &adapters.Adapter{Client: h.Client("COURT01"), Status: got.status, StatusInterval: 20 * time.Millisecond}
	run(t, court)
	if _, err := court.Send(context.Background(), hubtest.Payload(t, "Writ"), adapters.SendOptions{}); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the refusal's status", func() bool { _, s := got.count(); return s == 1 })
	if s := got.statuses[0]; s.Category != soap.StatusRequestIsRejectedBySmev || !strings.Contains(s.Details, "FSSP01") {
		t.Fatalf("status %+v", s)
	}
	if n := net.seen.Load(); n != 1 {
		t.Fatalf("the invalid answer was sent %d times", n)
	}
}

func TestRetryable(t *testing.T) {
	for _, c := range []struct {
		err  error
		want bool
	}{
		{errors.New("connection refused"), true},
		{&soap.Fault{Name: "InvalidContent", Retry: "fix-and-resend"}, false},
		{&soap.Fault{Name: "DestinationOverflow", Retry: "retry"}, true},
		{&soap.Fault{Name: "SMEVFailure", Retry: "retry"}, true},
		{&soap.Fault{Name: "SenderIsNotRegistered", Retry: "stop"}, false},
		{&soap.Fault{Name: "SMEVFailure"}, true}, // a hub that sends no class
		{&soap.Fault{Name: "SignatureVerificationFault"}, false},
		{context.Canceled, false},
		{adapters.ErrHubSignature, false},
	} {
		if got := adapters.Retryable(c.err); got != c.want {
			t.Errorf("Retryable(%v) = %v, want %v", c.err, got, c.want)
		}
	}
}

// TestAdapterSlowHandler: a handler slower than the visibility timeout is
// not run a second time when the hub delivers the request again meanwhile.
func TestAdapterSlowHandler(t *testing.T) {
	h := hubtest.Start(t, hubtest.Options{Visibility: 100 * time.Millisecond})
	var calls atomic.Int32
	release := make(chan struct{})
	run(t, &adapters.Adapter{Client: h.Client("FSSP01"), Workers: 2, Requests: map[string]adapters.RequestHandler{
		"Writ": func(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
			calls.Add(1)
			<-release
			return &adapters.Answer{Payload: hubtest.Payload(t, "WritAnswer")}, nil
		},
	}})
	md, err := h.Client("COURT01").SendRequest(context.Background(), &soap.RequestData{Content: hubtest.Payload(t, "Writ")}, nil)
	if err != nil {
		t.Fatal(err)
	}
	// Wait until the hub has delivered the request a second time.
	eventually(t, 10*time.Second, "a second delivery", func() bool {
		leases := 0
		h.Store.JournalBy(context.Background(), store.ByMessage, md.Metadata.MessageID, func(r store.Record) error {
			if r.Event == store.EventLeased {
				leases++
			}
			return nil
		})
		return leases >= 2
	})
	close(release)
	eventually(t, 10*time.Second, "the request acknowledged", func() bool {
		d, _ := h.Store.Deliveries(context.Background(), md.Metadata.MessageID)
		return d["FSSP01"] == "acked"
	})
	if n := calls.Load(); n != 1 {
		t.Fatalf("the handler ran %d times", n)
	}
}
