package adapters

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/soap"
)

// Request is a request delivered to an agency.
type Request struct {
	MessageID       string
	Sender          string // the sender's mnemonic
	TransactionCode string
	// Payload is the request's content: its root element names its type.
	Payload     *etree.Element
	Attachments []soap.Attachment
	Headers     []soap.AttachmentHeader
	Delivered   time.Time
}

// Type is the payload root's local name (Writ, VehicleQuery, ...).
func (r *Request) Type() string { return r.Payload.Tag }

// Answer is an agency's answer to a request.
type Answer struct {
	Payload     *etree.Element
	Attachments []soap.Attachment
	Headers     []soap.AttachmentHeader
}

// Response is a response delivered to the agency that sent the request.
type Response struct {
	MessageID string
	// RequestID is the MessageID of the request it answers.
	RequestID       string
	Sender          string
	TransactionCode string
	Payload         *etree.Element // nil for a rejection or a status
	Rejections      []soap.Rejection
	Delivered       time.Time
}

// RequestHandler answers one request: an Answer to send back, nil to
// acknowledge it without answering, or an error. A *Refusal error refuses
// the request (Ack with accepted=false) for good; any other error leaves it
// unacknowledged, so that the hub delivers it again after its visibility
// timeout.
type RequestHandler func(ctx context.Context, r *Request) (*Answer, error)

// ResponseHandler takes in one response; an error leaves it to be
// delivered again.
type ResponseHandler func(ctx context.Context, r *Response) error

// StatusHandler takes in one status event about a message the agency sent.
type StatusHandler func(ctx context.Context, s *soap.AsyncStatus) error

// Refusal refuses a request for good.
type Refusal struct{ Reason string }

func (r *Refusal) Error() string { return "refused: " + r.Reason }

// Refuse returns a *Refusal.
func Refuse(format string, args ...any) error { return &Refusal{Reason: fmt.Sprintf(format, args...)} }

// Adapter runs an agency against the hub: it takes the requests and
// responses delivered to it, calls the handler of each message type,
// answers, and acknowledges a message only after what the handler did is
// durable; it backs off on transport failures and on faults whose retry
// class says so, and never retries a fault that says the call must change.
// One function per message type is all an agency writes.
type Adapter struct {
	Client *Client
	// Requests and Responses map payload root local names to handlers; a
	// "*" entry takes any other type.
	Requests  map[string]RequestHandler
	Responses map[string]ResponseHandler
	Status    StatusHandler
	// State remembers what was done with each message. Default: memory.
	State State
	// Workers polling each kind of queue. Default 2.
	Workers int
	// StatusInterval is how often GetStatus is polled when empty. Default 1s.
	StatusInterval time.Duration
	// MaxAttempts bounds how many times one call to the hub (posting an
	// answer, an Ack, a Send) is made while it fails in a way a retry may
	// cure; after that the failure is returned (a delivered message is then
	// left unacknowledged, for the hub to deliver again). Default 8 (with
	// the backoff, about half a minute); negative: until ctx ends.
	MaxAttempts int
	Logger      *slog.Logger

	once sync.Once
	// handling holds the IDs of the messages a worker is dealing with: a
	// copy the hub delivers again while the first is still being handled
	// (its lease ran out) is left to that worker.
	handling sync.Map
}

func (a *Adapter) init() {
	a.once.Do(func() {
		if a.State == nil {
			a.State = NewMemoryState()
		}
		if a.Workers <= 0 {
			a.Workers = 2
		}
		if a.StatusInterval <= 0 {
			a.StatusInterval = time.Second
		}
		if a.MaxAttempts == 0 {
			a.MaxAttempts = DefaultMaxAttempts
		}
		if a.Logger == nil {
			a.Logger = slog.New(slog.DiscardHandler)
		}
	})
}

// Run polls until ctx ends.
func (a *Adapter) Run(ctx context.Context) error {
	a.init()
	var wg sync.WaitGroup
	if len(a.Requests) > 0 {
		for range a.Workers {
			wg.Go(func() { a.poll(ctx, a.nextRequest) })
		}
	}
	if len(a.Responses) > 0 {
		for range a.Workers {
			wg.Go(func() { a.poll(ctx, a.nextResponse) })
		}
	}
	if a.Status != nil {
		wg.Go(func() { a.pollStatus(ctx) })
	}
	wg.Wait()
	return nil
}

// poll calls next until ctx ends, backing off after failures.
func (a *Adapter) poll(ctx context.Context, next func(context.Context) (bool, error)) {
	var b backoff
	for ctx.Err() == nil {
		_, err := next(ctx)
		if err == nil {
			b.reset()
			continue
		}
		if ctx.Err() != nil {
			return
		}
		a.Logger.Warn("polling the hub failed; backing off", "err", err)
		if Sleep(ctx, b.next()) != nil {
			return
		}
	}
}

func (a *Adapter) pollStatus(ctx context.Context) {
	var b backoff
	for ctx.Err() == nil {
		r, err := a.Client.GetStatus(ctx)
		switch {
		case err != nil:
			if ctx.Err() != nil {
				return
			}
			a.Logger.Warn("GetStatus failed; backing off", "err", err)
			if Sleep(ctx, b.next()) != nil {
				return
			}
		case r.Status == nil:
			b.reset()
			if Sleep(ctx, a.StatusInterval) != nil {
				return
			}
		default:
			b.reset()
			a.handleStatus(ctx, r.Status)
		}
	}
}

// handleStatus calls the status handler until it succeeds or ctx ends,
// backing off between attempts: the hub handed the event out for good
// (GetStatus takes it off its queue), so giving up would lose it.
func (a *Adapter) handleStatus(ctx context.Context, s *soap.AsyncStatus) {
	var b backoff
	for {
		err := a.Status(ctx, s)
		if err == nil {
			return
		}
		if ctx.Err() != nil {
			a.Logger.Error("the status handler failed and the adapter is stopping; the event is lost", "message", s.OriginalMessageID, "err", err)
			return
		}
		a.Logger.Warn("the status handler failed; retrying", "message", s.OriginalMessageID, "err", err)
		if Sleep(ctx, b.next()) != nil {
			a.Logger.Error("the status handler failed and the adapter is stopping; the event is lost", "message", s.OriginalMessageID, "err", err)
			return
		}
	}
}

// nextRequest takes one request and deals with it.
func (a *Adapter) nextRequest(ctx context.Context) (bool, error) {
	r, err := a.Client.GetRequest(ctx, "", "")
	if err != nil {
		return false, err
	}
	if r.Request == nil {
		return false, nil
	}
	return true, a.handleRequest(ctx, r.Request)
}

func (a *Adapter) handleRequest(ctx context.Context, d *soap.DeliveredRequest) error {
	id := d.Data.MessageID
	if _, busy := a.handling.LoadOrStore(id, true); busy {
		a.Logger.Debug("delivered again while still being handled; left to the first worker", "message", id)
		return nil
	}
	defer a.handling.Delete(id)
	rec, seen, err := a.State.Get(id)
	if err != nil {
		return err
	}
	if !seen {
		req := &Request{MessageID: id, Sender: d.Metadata.SenderMnemonic, TransactionCode: d.Data.TransactionCode, Payload: d.Data.Content,
			Attachments: d.Attachments, Headers: d.Data.AttachmentHeaders, Delivered: d.Metadata.DeliveryTime}
		h := a.Requests[req.Type()]
		if h == nil {
			h = a.Requests["*"]
		}
		if h == nil {
			rec = Record{Phase: PhaseDone, Accepted: false}
			a.Logger.Warn("no handler for the type; refusing", "type", req.Type(), "message", id)
		} else {
			ans, err := h(ctx, req)
			var refusal *Refusal
			switch {
			case errors.As(err, &refusal):
				a.Logger.Info("request refused", "message", id, "reason", refusal.Reason)
				rec = Record{Phase: PhaseDone, Accepted: false}
			case err != nil:
				// Left unacknowledged: the hub delivers it again later.
				a.Logger.Warn("the handler failed; the request will be delivered again", "message", id, "err", err)
				return nil
			case ans == nil:
				rec = Record{Phase: PhaseDone, Accepted: true}
			default:
				env, err := a.answerEnvelope(d, ans)
				if err != nil {
					return err
				}
				rec = Record{Phase: PhaseAnswered, Answer: env, Accepted: true}
			}
		}
		rec.At = time.Now()
		if err := a.State.Put(id, rec); err != nil {
			return err
		}
	}
	if rec.Phase == PhaseAnswered {
		_, err := a.retry(ctx, func() (*soap.Reply, error) { return a.Client.Call(ctx, rec.Answer) })
		var f *soap.Fault
		switch {
		case err == nil:
		case errors.Is(err, ErrHubSignature):
			// The hub answered, and stored the answer, but its signature of
			// the acceptance does not verify (or is not the hub's): the
			// answer is not refused for that, but someone must look.
			a.Logger.Error("ALERT: the hub accepted the answer but its signature of the acceptance does not verify; acknowledging the request",
				"message", id, "err", err)
		case errors.As(err, &f) && !Retryable(err):
			// The answer itself is wrong (a schema or signature fault): it
			// cannot go; the request is refused rather than left to loop.
			a.Logger.Error("the hub refused the answer; refusing the request", "message", id, "err", err)
			rec.Accepted = false
		default:
			// Not sent (or not known to be): the request is left
			// unacknowledged, and the stored answer goes again when the hub
			// delivers it again.
			return fmt.Errorf("adapters: posting the answer to %s: %w", id, err)
		}
		rec.Phase, rec.Answer = PhaseSent, nil
		if err := a.State.Put(id, rec); err != nil {
			return err
		}
	}
	if err := a.ack(ctx, id, rec.Accepted); err != nil {
		return err
	}
	rec.Phase = PhaseDone
	return a.State.Put(id, rec)
}

// answerEnvelope builds and signs the SendResponse of an answer.
func (a *Adapter) answerEnvelope(d *soap.DeliveredRequest, ans *Answer) ([]byte, error) {
	mid, err := NewMessageID()
	if err != nil {
		return nil, err
	}
	doc := soap.NewSendResponse(a.Client.version(), &soap.ResponseData{MessageID: mid, To: d.ReplyTo, Content: ans.Payload,
		AttachmentHeaders: ans.Headers}, ans.Attachments)
	if a.Client.Signer != nil {
		if _, err := soap.SignCall(doc.Root(), a.Client.Signer); err != nil {
			return nil, err
		}
	}
	s, err := soap.Marshal(doc)
	return []byte(s), err
}

// ack acknowledges, treating "not found" as done: the delivery was already
// acknowledged (a retry after a lost answer) or has been taken back.
func (a *Adapter) ack(ctx context.Context, id string, accepted bool) error {
	_, err := a.retry(ctx, func() (*soap.Reply, error) { return nil, a.Client.Ack(ctx, id, accepted) })
	var f *soap.Fault
	if errors.As(err, &f) && f.Name == "TargetMessageIsNotFound" {
		return nil
	}
	return err
}

// nextResponse takes one response and deals with it.
func (a *Adapter) nextResponse(ctx context.Context) (bool, error) {
	r, err := a.Client.GetResponse(ctx, "", "")
	if err != nil {
		return false, err
	}
	if r.Response == nil {
		return false, nil
	}
	d := r.Response
	id := d.Data.MessageID
	if _, busy := a.handling.LoadOrStore(id, true); busy {
		return true, nil
	}
	defer a.handling.Delete(id)
	rec, seen, err := a.State.Get(id)
	if err != nil {
		return true, err
	}
	if !seen {
		resp := &Response{MessageID: id, RequestID: d.OriginalMessageID, Sender: d.Metadata.SenderMnemonic, TransactionCode: d.OriginalTransactionCode,
			Payload: d.Data.Content, Rejections: d.Data.Rejections, Delivered: d.Metadata.DeliveryTime}
		typ := "*"
		if resp.Payload != nil {
			typ = resp.Payload.Tag
		}
		h := a.Responses[typ]
		if h == nil {
			h = a.Responses["*"]
		}
		accepted := true
		if h == nil {
			a.Logger.Warn("no handler for the response type; refusing", "type", typ, "message", id)
			accepted = false
		} else if err := h(ctx, resp); err != nil {
			var refusal *Refusal
			if !errors.As(err, &refusal) {
				a.Logger.Warn("the response handler failed; the response will be delivered again", "message", id, "err", err)
				return true, nil
			}
			accepted = false
		}
		rec = Record{Phase: PhaseSent, Accepted: accepted, At: time.Now()}
		if err := a.State.Put(id, rec); err != nil {
			return true, err
		}
	}
	if err := a.ack(ctx, id, rec.Accepted); err != nil {
		return true, err
	}
	rec.Phase = PhaseDone
	return true, a.State.Put(id, rec)
}

// SendOptions go with a request.
type SendOptions struct {
	// MessageID is the request's MessageID: a version 1 UUID (as
	// NewMessageID makes). Empty: a new one. Set it to send again, under
	// the same MessageID, a request whose outcome is unknown (Send failed
	// with a *SendError): the hub takes the same request from the same
	// sender again as the message it already has, not as a second one.
	MessageID          string
	TransactionCode    string
	ReferenceMessageID string
	EOL                time.Time
	Attachments        []soap.Attachment
	Headers            []soap.AttachmentHeader
}

// SendError is the error of a Send that failed once its MessageID was
// chosen: whether the hub has the request may be unknown. Sending it again
// with SendOptions.MessageID set to MessageID (and the same payload) cannot
// make a second request. It unwraps to the cause (a *soap.Fault, ...).
type SendError struct {
	MessageID string
	Err       error
}

func (e *SendError) Error() string {
	return fmt.Sprintf("adapters: sending %s: %v", e.MessageID, e.Err)
}

func (e *SendError) Unwrap() error { return e.Err }

// Send sends a request and returns the hub's metadata (whose MessageID is
// the request's). The envelope is built and signed once; a retry (after a
// transport failure or a fault of the retry class) posts the same bytes,
// which the hub recognises as the same message, so a request is never
// accepted twice. An invalid SendOptions.MessageID is a plain error (nothing
// was sent); any later failure is a *SendError carrying the MessageID used.
func (a *Adapter) Send(ctx context.Context, payload *etree.Element, o SendOptions) (*soap.Metadata, error) {
	a.init()
	mid := o.MessageID
	if mid == "" {
		var err error
		if mid, err = NewMessageID(); err != nil {
			return nil, err
		}
	} else if _, ok := soap.MessageIDTime(mid); !ok {
		return nil, fmt.Errorf("adapters: SendOptions.MessageID %q is not a version 1 UUID in its canonical form", mid)
	}
	fail := func(err error) (*soap.Metadata, error) { return nil, &SendError{MessageID: mid, Err: err} }
	doc := soap.NewSendRequest(a.Client.version(), &soap.RequestData{MessageID: mid, TransactionCode: o.TransactionCode,
		ReferenceMessageID: o.ReferenceMessageID, EOL: o.EOL, Content: payload, AttachmentHeaders: o.Headers}, o.Attachments)
	if a.Client.Signer != nil {
		if _, err := soap.SignCall(doc.Root(), a.Client.Signer); err != nil {
			return fail(err)
		}
	}
	body, err := soap.Marshal(doc)
	if err != nil {
		return fail(err)
	}
	r, err := a.retry(ctx, func() (*soap.Reply, error) { return a.Client.Call(ctx, []byte(body)) })
	if err != nil {
		return fail(err)
	}
	return r.Metadata, nil
}

// DefaultMaxAttempts is Adapter.MaxAttempts when it is not set.
const DefaultMaxAttempts = 8

// retry makes a call until it succeeds, fails in a way a retry cannot cure,
// was made MaxAttempts times, or ctx ends.
func (a *Adapter) retry(ctx context.Context, call func() (*soap.Reply, error)) (*soap.Reply, error) {
	var b backoff
	for n := 1; ; n++ {
		r, err := call()
		if err == nil || !Retryable(err) {
			return r, err
		}
		if a.MaxAttempts > 0 && n >= a.MaxAttempts {
			return r, fmt.Errorf("adapters: giving up after %d attempts: %w", n, err)
		}
		a.Logger.Warn("a call to the hub failed; retrying", "attempt", n, "err", err)
		if Sleep(ctx, b.next()) != nil {
			return r, err
		}
	}
}

// backoff is exponential with full jitter, from 100 ms up to 30 s.
type backoff struct{ n int }

func (b *backoff) next() time.Duration {
	limit := 100 * time.Millisecond << min(b.n, 9)
	b.n++
	return time.Duration(rand.Int64N(int64(min(limit, 30*time.Second)))) + time.Millisecond
}

func (b *backoff) reset() { b.n = 0 }

// Sleep waits d, or until ctx ends: then it returns ctx's error.
func Sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return ctx.Err()
	case <-t.C:
		return nil
	}
}
