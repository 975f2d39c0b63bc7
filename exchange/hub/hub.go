package hub

import (
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/beevik/etree"
	"golang.org/x/time/rate"

	"mezhved/exchange"
	"mezhved/exchange/calendar"
	"mezhved/exchange/fault"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/store"
)

// GCPercent is the garbage collector's target that `mezhved serve` sets
// when GOGC is not set: the hub's live heap is small (a few megabytes) and
// its calls allocate freely, so collecting at 5x the live heap instead of 2x
// costs little memory and saves a tenth of the CPU under load.
const GCPercent = 400

// Defaults of Config.
const (
	DefaultVisibility    = 60 * time.Second
	DefaultMaxAttempts   = 5
	DefaultQueueLimit    = 100_000
	DefaultLongPoll      = 10 * time.Second
	DefaultSweepInterval = time.Second
	// DefaultCheckpointEvery and DefaultCheckpointInterval: when the hub
	// signs a journal checkpoint.
	DefaultCheckpointEvery    = 10_000
	DefaultCheckpointInterval = time.Minute
	// DefaultUnidentifiedRejections: how many refusals per second of sends
	// whose sender the door did not establish are journaled, in bursts of
	// ten times as many.
	DefaultUnidentifiedRejections = 100
)

// Config assembles a hub. Registry, Ingress, Store, Signer and ReplyKey are
// required.
type Config struct {
	Registry *registry.Registry
	// Ingress checks every call at the door.
	Ingress *exchange.Ingress
	// Store keeps messages durably.
	Store store.Store
	// Waiters wakes long polls; the store's commit notifications must feed
	// it (see NewWaiters). Nil: a hub of its own, without wake-ups from the
	// store (polls then wait the whole LongPoll).
	Waiters *Waiters
	// Signer makes the hub's signatures (SMEVSignature).
	Signer soap.Signer
	// ReplyKey authenticates ReplyTo tokens (at least 32 bytes).
	ReplyKey []byte
	// Visibility, MaxAttempts and QueueLimit are the delivery defaults for
	// types that set none. Defaults: 60s, 5, 100,000.
	Visibility  time.Duration
	MaxAttempts int
	QueueLimit  int64
	// LongPoll is the longest a GetRequest or GetResponse waits for a
	// message when the queue is empty. Default 10s; negative: do not wait.
	LongPoll time.Duration
	// SweepInterval is how often leases, attempts and EOLs are checked.
	// Default 1s.
	SweepInterval time.Duration
	// CheckpointEvery and CheckpointInterval say when the hub signs a
	// journal checkpoint: once CheckpointEvery records were added since the
	// last one, or CheckpointInterval after it if any record was added.
	// Defaults: 10,000 records, 1 minute. A last checkpoint is signed when
	// Run ends. The Signer must be able to sign bytes (a *dsig.Signer is).
	CheckpointEvery    uint64
	CheckpointInterval time.Duration
	// Observer is told of every call, delivery, acknowledgement and sweep
	// (metrics). Default: nobody.
	Observer Observer
	// Calendar counts the working days of deadlines. Default: weekends
	// only, Moscow time.
	Calendar *calendar.Calendar
	// RateLimit is how many messages (SendRequest, SendResponse) a sender
	// may send per second on average, with bursts of RateBurst; over it a
	// send is refused with a retryable fault (MZ-9003). Zero: no limit.
	// A participant's own limit in the registry overrides it.
	RateLimit float64
	RateBurst int
	// UnidentifiedRejections bounds the journal records of refused sends
	// whose sender the door did not establish (an envelope refused before
	// its signature was verified, or an unsigned one), per second, in
	// bursts of ten times as many: anyone who reaches the port could
	// otherwise add a durable record with every request. Over it a refusal
	// is answered and counted as any other, and not journaled; the log
	// says how many were not. Sends refused from a verified sender are
	// always journaled. Default DefaultUnidentifiedRejections.
	UnidentifiedRejections float64
	// AllowUnsigned accepts unsigned calls, the caller being named by the
	// X-Mezhved-Participant header (insecure test mode).
	AllowUnsigned bool
	// BenchUnsigned is for `mezhved bench` only (internal/bench, its
	// comparison with a message broker): the hub signs nothing, so its
	// answers carry no SMEVSignature and the journal gets no signed
	// checkpoints. With AllowUnsigned and unsigned calls it takes every
	// signature out of what is measured. `mezhved serve` has no flag for it.
	BenchUnsigned bool
	// Logger receives operational events (no payload data). Default: discard.
	Logger *slog.Logger
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// Hub serves the SMEV 3 message-exchange operations over a store.
type Hub struct {
	door     atomic.Pointer[door]
	draining atomic.Bool
	cfg      Config
	store    store.Store
	waiters  *Waiters
	replyTo  *replyTokens
	// unidentified is the journal's budget for refusals of sends from
	// senders not established; unjournaled counts those over it since the
	// log last said so, at unjournaledSaid.
	unidentified    *rate.Limiter
	unjournaled     atomic.Int64
	unjournaledSaid atomic.Int64
	log             *slog.Logger
	now             func() time.Time
}

// New builds a hub.
func New(cfg Config) (*Hub, error) {
	if cfg.Registry == nil || cfg.Ingress == nil || cfg.Store == nil || cfg.Signer == nil {
		return nil, errors.New("hub: a hub needs a registry, an ingress, a store and a signer")
	}
	if len(cfg.ReplyKey) < 32 {
		return nil, errors.New("hub: the ReplyTo key must have at least 32 bytes")
	}
	if cfg.BenchUnsigned {
		cfg.Signer = nil // answers without SMEVSignature, no checkpoints
	}
	if cfg.Visibility <= 0 {
		cfg.Visibility = DefaultVisibility
	}
	if cfg.MaxAttempts <= 0 {
		cfg.MaxAttempts = DefaultMaxAttempts
	}
	if cfg.QueueLimit <= 0 {
		cfg.QueueLimit = DefaultQueueLimit
	}
	if cfg.LongPoll == 0 {
		cfg.LongPoll = DefaultLongPoll
	}
	if cfg.SweepInterval <= 0 {
		cfg.SweepInterval = DefaultSweepInterval
	}
	if cfg.Observer == nil {
		cfg.Observer = noObserver{}
	}
	if cfg.Calendar == nil {
		cfg.Calendar = calendar.Default()
	}
	if cfg.CheckpointEvery == 0 {
		cfg.CheckpointEvery = DefaultCheckpointEvery
	}
	if cfg.CheckpointInterval <= 0 {
		cfg.CheckpointInterval = DefaultCheckpointInterval
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.UnidentifiedRejections <= 0 {
		cfg.UnidentifiedRejections = DefaultUnidentifiedRejections
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Waiters == nil {
		cfg.Waiters = NewWaiters()
	}
	h := &Hub{cfg: cfg, store: cfg.Store, waiters: cfg.Waiters, replyTo: newReplyTokens(cfg.ReplyKey),
		unidentified: rate.NewLimiter(rate.Limit(cfg.UnidentifiedRejections), max(1, int(10*cfg.UnidentifiedRejections))),
		log:          cfg.Logger, now: cfg.Now}
	h.door.Store(&door{reg: cfg.Registry, ingress: cfg.Ingress})
	return h, nil
}

// door is the registry and the ingress the hub works with; Reload swaps
// them as one.
type door struct {
	reg     *registry.Registry
	ingress *exchange.Ingress
	// limiters are the senders' rate limiters under reg (mnemonic ->
	// *rate.Limiter): a call that arrived before a Reload keeps to the
	// limits of its own registry and leaves none behind for later calls.
	limiters sync.Map
}

// reg is the registry in force.
func (h *Hub) reg() *registry.Registry { return h.door.Load().reg }

// Registry returns the registry in force (it changes on Reload).
func (h *Hub) Registry() *registry.Registry { return h.reg() }

// Reload puts a new registry and ingress (with its trust store and
// revocation lists) in force. Calls in progress finish with the ones they
// started with; connections are not touched.
func (h *Hub) Reload(reg *registry.Registry, in *exchange.Ingress) {
	h.door.Store(&door{reg: reg, ingress: in})
	h.log.Info("registry and trust reloaded", "participants", len(reg.Participants()), "types", len(reg.Types()))
}

// logRefusal logs a refused call: the fault, and what is known of the
// caller and the message; never the payload.
func (h *Hub) logRefusal(a *exchange.Accepted, err error) {
	attrs := []any{"err", err.Error()}
	var fe *fault.Error
	if errors.As(err, &fe) {
		attrs = []any{"code", fe.Kind.Code, "fault", fe.Kind.Name}
	}
	if a != nil {
		attrs = append(attrs, "operation", a.Call.Operation)
		if a.Sender != nil {
			attrs = append(attrs, "sender", a.Sender.Mnemonic)
		}
		switch {
		case a.Call.SendRequest != nil:
			attrs = append(attrs, "id", a.Call.SendRequest.MessageID)
		case a.Call.SendResponse != nil:
			attrs = append(attrs, "id", a.Call.SendResponse.MessageID)
		}
	}
	h.log.Info("refused", attrs...)
}

// observeCall reports a call to the observer.
func (h *Hub) observeCall(a *exchange.Accepted, raw []byte, err error, d time.Duration) {
	op, typ, result := soap.Operation("unknown"), "", "ok"
	if a != nil {
		op = a.Call.Operation
		if a.Type != nil {
			typ = a.Type.Name
		}
	} else {
		// Refused at the door: the operation as the envelope names it.
		for _, o := range soap.Operations() {
			if containsOp(raw, string(o)+"Request") {
				op = o
				break
			}
		}
	}
	if err != nil {
		result = fault.Failure.Code
		var fe *fault.Error
		if errors.As(err, &fe) {
			result = fe.Kind.Code
		}
	}
	h.cfg.Observer.Call(op, typ, result, d)
}

// limiter returns the sender's rate limiter under d's registry, nil when it
// has no limit.
func (h *Hub) limiter(d *door, p *registry.Participant) *rate.Limiter {
	r, burst := h.cfg.RateLimit, h.cfg.RateBurst
	if p.RateLimit > 0 {
		r, burst = p.RateLimit, p.RateBurst
	}
	if r <= 0 {
		return nil
	}
	if burst <= 0 {
		burst = max(1, int(r))
	}
	if l, ok := d.limiters.Load(p.Mnemonic); ok {
		return l.(*rate.Limiter)
	}
	l, _ := d.limiters.LoadOrStore(p.Mnemonic, rate.NewLimiter(rate.Limit(r), burst))
	return l.(*rate.Limiter)
}

// SetDraining switches drain mode: while on, new messages (SendRequest,
// SendResponse) are refused with a retryable fault, and polls,
// acknowledgements and status calls are still served, so that queues empty
// before maintenance.
func (h *Hub) SetDraining(on bool) {
	if h.draining.Swap(on) != on {
		h.log.Warn("drain mode", "on", on)
	}
}

// Draining reports whether drain mode is on.
func (h *Hub) Draining() bool { return h.draining.Load() }

// Run sweeps leases, attempts and EOLs and signs journal checkpoints until
// ctx ends; then it signs a last checkpoint.
func (h *Hub) Run(ctx context.Context) error {
	t := time.NewTicker(h.cfg.SweepInterval)
	defer t.Stop()
	cp := newCheckpointer(h)
	defer cp.final()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-t.C:
			r, err := h.store.Sweep(ctx, h.now())
			h.cfg.Observer.Swept(r)
			if err != nil {
				if ctx.Err() != nil {
					return nil
				}
				h.log.Error("sweep failed", "err", err)
				continue
			}
			if r.Redelivered+r.DeadLettered+r.Expired+r.Overdue > 0 {
				h.log.Info("sweep", "redelivered", r.Redelivered, "deadLettered", r.DeadLettered, "expired", r.Expired, "overdue", r.Overdue)
			}
			cp.maybe(ctx)
		}
	}
}

// policy returns the delivery policy of a type.
func (h *Hub) policy(t *registry.MessageType) store.Policy {
	p := store.Policy{Visibility: h.cfg.Visibility, MaxAttempts: h.cfg.MaxAttempts, QueueLimit: h.cfg.QueueLimit}
	if t != nil {
		if t.VisibilityTimeout > 0 {
			p.Visibility = t.VisibilityTimeout
		}
		if t.MaxAttempts > 0 {
			p.MaxAttempts = t.MaxAttempts
		}
		if t.QueueLimit > 0 {
			p.QueueLimit = t.QueueLimit
		}
	}
	return p
}

// Reply is the hub's answer to one call.
type Reply struct {
	// Status is the HTTP status: 200, or 500 for a SOAP fault.
	Status int
	Body   []byte
	// Fault is the rejection, when the reply is a fault.
	Fault *fault.Error
}

// Call handles one SOAP call posted to the endpoint of version v. caller
// names the participant of an unsigned call in insecure mode (ignored
// otherwise).
func (h *Hub) Call(ctx context.Context, v soap.Version, raw []byte, caller string) *Reply {
	return h.CallFrom(ctx, v, raw, caller, nil)
}

// CallFrom is Call for a call that came over a TLS connection whose client
// presented peer (verified by the TLS layer): the certificate must be bound
// to the participant that signed the call, so that one participant's
// connection cannot carry another's calls.
func (h *Hub) CallFrom(ctx context.Context, v soap.Version, raw []byte, caller string, peer *x509.Certificate) *Reply {
	start := time.Now()
	doc, a, err := h.call(ctx, v, raw, caller, peer)
	h.observeCall(a, raw, err, time.Since(start))
	if err != nil && ctx.Err() != nil && errors.Is(err, ctx.Err()) {
		// The caller went away (a long poll it gave up, a shutdown): there
		// is nobody to answer, and the call was not refused at the door.
		h.log.Debug("call abandoned by the caller", "err", err)
		body, _ := soap.Marshal(soap.NewFault(v, fault.Wrap(fault.Failure, err, "the call was abandoned")))
		return &Reply{Status: 500, Body: body}
	}
	if err != nil {
		h.journalRejection(ctx, raw, a, err)
		h.logRefusal(a, err)
	}
	var body []byte
	if err == nil {
		if body, err = soap.Marshal(doc); err == nil {
			return &Reply{Status: 200, Body: body}
		}
	}
	{
		var fe *fault.Error
		if !errors.As(err, &fe) {
			h.log.Error("call failed", "err", err)
			fe = fault.Wrap(fault.Failure, err, "the hub could not process the call; send it again (a message the hub did store is recognised and answered as the first time)")
		}
		if fe.Kind == fault.Failure && fe.Err != nil {
			h.log.Error("hub failure", "err", fe.Err)
		}
		body, _ = soap.Marshal(soap.NewFault(v, fe))
		return &Reply{Status: 500, Body: body, Fault: fe}
	}
}

// call handles one call with the registry and ingress in force when it
// arrived: a Reload while it runs does not mix the old with the new.
func (h *Hub) call(ctx context.Context, v soap.Version, raw []byte, caller string, peer *x509.Certificate) (*etree.Document, *exchange.Accepted, error) {
	d := h.door.Load()
	a, err := d.ingress.Check(ctx, raw)
	if err != nil {
		return nil, nil, err
	}
	if a.Call.Version != v {
		return nil, a, fault.New(fault.EnvelopeStructure, "this endpoint speaks message exchange %s; the envelope is %s (post it to /ws/%s)", v, a.Call.Version, a.Call.Version)
	}
	if peer != nil {
		p, ok := d.reg.ByCertificate(peer)
		if !ok {
			return nil, a, fault.New(fault.AccessDenied, "the TLS client certificate %q is bound to no participant", peer.Subject.CommonName)
		}
		if a.Sender != nil && a.Sender.Mnemonic != p.Mnemonic {
			return nil, a, fault.New(fault.AccessDenied, "the call is signed by %s but comes over %s's TLS connection", a.Sender.Mnemonic, p.Mnemonic)
		}
		caller = p.Mnemonic
	}
	signed := a.Sender != nil
	who, err := h.caller(d.reg, a, caller)
	if err != nil {
		return nil, a, err
	}
	if !signed {
		// The ingress did not know the sender of an unsigned call: its
		// access rules apply to the participant named now.
		if err := d.ingress.Authorize(a, who); err != nil {
			return nil, a, err
		}
	}
	if a.Call.Operation == soap.SendRequest || a.Call.Operation == soap.SendResponse {
		if h.draining.Load() {
			return nil, a, fault.New(fault.Draining, "the hub is draining; send again later")
		}
		if l := h.limiter(d, who); l != nil && !l.Allow() {
			return nil, a, fault.New(fault.RateLimited, "%s sends more than %g messages per second (bursts of %d); send again after a pause", who.Mnemonic, float64(l.Limit()), l.Burst())
		}
	}
	var doc *etree.Document
	switch a.Call.Operation {
	case soap.SendRequest:
		doc, err = h.sendRequest(ctx, d.reg, a, who)
	case soap.SendResponse:
		doc, err = h.sendResponse(ctx, d.reg, a, who)
	case soap.GetRequest:
		doc, err = h.get(ctx, d.reg, a, who, store.Request)
	case soap.GetResponse:
		doc, err = h.get(ctx, d.reg, a, who, store.Response)
	case soap.Ack:
		doc, err = h.ack(ctx, a, who)
	case soap.GetStatus:
		doc, err = h.status(ctx, a, who)
	case soap.GetIncomingQueueStatistics:
		doc, err = h.stats(ctx, a, who)
	default:
		err = fault.New(fault.EnvelopeStructure, "unknown operation %s", a.Call.Operation)
	}
	return doc, a, err
}

// caller is the participant making the call: the signer, or in insecure
// mode the participant the header names, looked up in reg (the registry
// the call was checked with).
func (h *Hub) caller(reg *registry.Registry, a *exchange.Accepted, named string) (*registry.Participant, error) {
	if a.Sender != nil {
		return a.Sender, nil
	}
	if !h.cfg.AllowUnsigned {
		return nil, fault.New(fault.NoSignature, "the call is not signed")
	}
	p, ok := reg.Participant(named)
	if !ok {
		return nil, fault.New(fault.SenderNotRegistered, "an unsigned call must name a registered participant in the X-Mezhved-Participant header")
	}
	a.Sender = p
	return p, nil
}

// journalRejection records a refused SendRequest or SendResponse, with what
// is known of it (a is nil when the door refused it).
func (h *Hub) journalRejection(ctx context.Context, raw []byte, a *exchange.Accepted, err error) {
	var fe *fault.Error
	if !errors.As(err, &fe) || len(raw) == 0 {
		return
	}
	switch fe.Kind {
	case fault.Failure, fault.RateLimited, fault.Draining:
		// The hub's own trouble, or a send turned away for now without
		// being looked at (a rate limit journaling each refusal would
		// turn every refused call into a durable write): answered and
		// counted, not journaled.
		return
	}
	// Polls and acknowledgements that fail are answered, not journaled: the
	// journal records what happened to messages.
	r := store.Rejection{Time: h.now(), Fault: fe.Kind.Code, Digest: sha256.Sum256(raw)}
	switch {
	case a == nil:
		if !(containsOp(raw, "SendRequestRequest") || containsOp(raw, "SendResponseRequest")) {
			return
		}
	case a.Call.Operation == soap.SendRequest:
		r.MessageID = a.Call.SendRequest.MessageID
	case a.Call.Operation == soap.SendResponse:
		r.MessageID = a.Call.SendResponse.MessageID
	default:
		return
	}
	if a != nil {
		if a.Sender != nil {
			r.Sender = a.Sender.Mnemonic
		}
		if a.Type != nil {
			r.Type = a.Type.Name
		}
	}
	if (a == nil || a.Sender == nil) && !h.unidentified.Allow() {
		h.unjournaledRejection()
		return
	}
	// The caller is answered even if the store cannot write now.
	if jerr := h.store.Reject(context.WithoutCancel(ctx), r); jerr != nil {
		h.log.Error("journaling a rejection failed", "err", jerr)
	}
}

// unjournaledRejection counts a refusal left out of the journal, and says so
// in the log at most once a minute.
func (h *Hub) unjournaledRejection() {
	n := h.unjournaled.Add(1)
	now := h.now().UnixNano()
	said := h.unjournaledSaid.Load()
	if now-said < int64(time.Minute) || !h.unjournaledSaid.CompareAndSwap(said, now) {
		return
	}
	h.unjournaled.Add(-n)
	h.log.Warn("refused sends from senders not established were not journaled: more than the journal takes from them",
		"count", n, "per_second", h.cfg.UnidentifiedRejections)
}

func containsOp(raw []byte, op string) bool {
	return strings.Contains(string(raw[:min(len(raw), 4096)]), op)
}

// storeFault maps a store error to its fault.
func storeFault(err error, id string) error {
	var qf *store.QueueFullError
	switch {
	case errors.As(err, &qf):
		return &fault.Error{Kind: fault.DestinationOverflow, Destination: qf.Queue, Err: err,
			Description: fmt.Sprintf("the queue %s is full (%d messages); send the message again later", qf.Queue, qf.Pending)}
	case errors.Is(err, store.ErrAlreadySent):
		return fault.Wrap(fault.AlreadySent, err, "the MessageID %s was already used for another message", id)
	case errors.Is(err, store.ErrNotFound):
		return fault.Wrap(fault.TargetNotFound, err, "no unacknowledged message %s is leased to the caller", id)
	case errors.Is(err, store.ErrInvalid):
		// Sending it again would not help.
		return fault.Wrap(fault.EnvelopeStructure, err, "the hub cannot keep the message %s as it is", id)
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return fault.Wrap(fault.Failure, err, "the call ended before the hub answered; send it again")
	}
	return fault.Wrap(fault.Failure, err, "the hub could not store the change; send it again (a message that did reach the disk is recognised and answered as the first time)")
}

// parseStored reads a stored envelope again. The door accepted it under its
// own size limit (`serve --max-envelope` may set it above the parser's
// default), so the envelope's own size bounds this parse.
func parseStored(m *store.Message) (*soap.Call, error) {
	doc, err := xmlsafe.Parse(m.Envelope, &xmlsafe.Options{MaxBytes: int64(len(m.Envelope)) + 1})
	if err != nil {
		return nil, fmt.Errorf("hub: stored envelope %s: %w", m.ID, err)
	}
	return soap.DecodeCall(doc.Root())
}
