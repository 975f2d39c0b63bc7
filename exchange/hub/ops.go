package hub

import (
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange"
	"mezhved/exchange/fault"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/store"
)

func (h *Hub) sendRequest(ctx context.Context, reg *registry.Registry, a *exchange.Accepted, sender *registry.Participant) (*etree.Document, error) {
	d := a.Call.SendRequest
	t := a.Type
	now := h.now()
	m := &store.Message{
		ID: d.MessageID, Kind: store.Request, Sender: sender.Mnemonic, Type: t.Name,
		TransactionCode: d.TransactionCode, ReferenceID: d.ReferenceMessageID, Proceeding: proceeding(d.Content),
		Received: now, EOL: storedEOL(d.EOL), Digest: sha256.Sum256(a.Raw), Envelope: a.Raw,
	}
	for _, r := range a.Recipients {
		m.Recipients = append(m.Recipients, r.Mnemonic)
	}
	if !t.Deadline.IsZero() {
		m.Due = h.cfg.Calendar.Due(now, t.Deadline.WorkingDays, t.Deadline.Duration)
	}
	return h.acceptAnswered(ctx, m, a, h.policy(t), answer{op: soap.SendRequest, status: soap.StatusRequestIsQueued, reg: reg, sender: sender, typ: t})
}

// storedEOL is the end of life the hub keeps for a message whose envelope
// says eol. The store counts time in Unix nanoseconds, from 1970 to April
// 2262: a later EOL (9999-12-31 is a common way to say "never") ends
// beyond anything the hub will see, so the message has none; an earlier one
// has long passed (the door refuses it unless told not to check EOLs), so
// it is kept as 1970 and the next sweep expires the message.
func storedEOL(eol time.Time) time.Time {
	switch {
	case eol.IsZero():
		return eol
	case !eol.Before(time.Unix(0, math.MaxInt64)):
		return time.Time{}
	case eol.Before(time.Unix(0, 0)):
		return time.Unix(0, 0).UTC()
	}
	return eol
}

// answer says how the hub answers an accepted message, with the registry
// of the call.
type answer struct {
	op     soap.Operation
	status string
	reg    *registry.Registry
	sender *registry.Participant
	typ    *registry.MessageType
}

// acceptAnswered stores m and builds the hub's signed answer. The answer to
// a new message is known before its write commits, so it is built and
// signed while the commit (its fsync) is under way, on a processor that
// would otherwise wait for it; a message sent again is answered from its
// first acceptance instead.
func (h *Hub) acceptAnswered(ctx context.Context, m *store.Message, a *exchange.Accepted, p store.Policy, an answer) (*etree.Document, error) {
	build := func(stored *store.Message) (*etree.Document, error) {
		md := metadata(an.reg, stored, an.sender, an.typ)
		md.Status = an.status
		return soap.NewAccepted(a.Call.Version, an.op, md, h.cfg.Signer)
	}
	type built struct {
		doc *etree.Document
		err error
	}
	early := make(chan built, 1)
	go func() {
		doc, err := build(m)
		early <- built{doc, err}
	}()
	res, err := h.accept(ctx, m, a, p)
	b := <-early
	if err != nil {
		return nil, storeFault(err, m.ID)
	}
	if res.Duplicate {
		return build(res.Message)
	}
	h.log.Info("message accepted", "id", m.ID, "kind", m.Kind.String(), "sender", m.Sender, "type", m.Type, "recipients", len(m.Recipients))
	return b.doc, b.err
}

// accept stores a message; a MessageID already used is the message sent
// again (its first acceptance answered again) when resent says so. When the
// stored message cannot be read to tell, the error is the store's (a
// retryable failure), not ErrAlreadySent: the call may be a retry of that
// very message.
func (h *Hub) accept(ctx context.Context, m *store.Message, a *exchange.Accepted, p store.Policy) (*store.Accepted, error) {
	res, err := h.store.Accept(ctx, m, p)
	if errors.Is(err, store.ErrAlreadySent) {
		orig, same, rerr := h.resent(ctx, m.ID, a, m.Sender)
		if rerr != nil {
			return nil, rerr
		}
		if same {
			return &store.Accepted{Message: orig, Duplicate: true}, nil
		}
	}
	return res, err
}

// metadata describes a stored message as MessageMetadata, naming its
// participants as reg does.
func metadata(reg *registry.Registry, m *store.Message, sender *registry.Participant, t *registry.MessageType) *soap.Metadata {
	md := &soap.Metadata{MessageID: m.ID, MessageType: soap.MessageTypeRequest, SenderMnemonic: m.Sender, SendingTime: m.Received,
		InteractionType: "OIV2OIV"}
	if sender != nil {
		md.SenderName, md.InteractionType = sender.Name, sender.InteractionType
	}
	if m.Kind == store.Response {
		md.MessageType = soap.MessageTypeResponse
	} else if t != nil && t.Delivery.Kind == registry.Broadcast || len(m.Recipients) > 1 {
		md.MessageType = soap.MessageTypeBroadcast
	}
	if t != nil && m.Kind == store.Request {
		md.ContentType = t.Description
	}
	if len(m.Recipients) == 1 {
		md.DestinationName = m.Recipients[0]
		md.RecipientMnem = m.Recipients[0]
		if p, ok := reg.Participant(m.Recipients[0]); ok {
			md.RecipientName = p.Name
		}
	} else {
		// The schema's DestinationName holds 500 characters at most.
		md.DestinationName = truncate("broadcast:"+strings.Join(m.Recipients, ","), 500)
	}
	return md
}

// proceeding finds the first ProceedingNumber element in a payload.
func proceeding(content *etree.Element) string {
	if content == nil {
		return ""
	}
	var found string
	var walk func(el *etree.Element) bool
	walk = func(el *etree.Element) bool {
		if el.Tag == "ProceedingNumber" {
			found = strings.TrimSpace(xmlsafe.Text(el))
			return true
		}
		for c := range el.ChildElementsSeq() {
			if walk(c) {
				return true
			}
		}
		return false
	}
	walk(content)
	return found
}

func (h *Hub) sendResponse(ctx context.Context, reg *registry.Registry, a *exchange.Accepted, responder *registry.Participant) (*etree.Document, error) {
	d := a.Call.SendResponse
	requestID, requester, ok := h.replyTo.open(d.To)
	if !ok {
		return nil, fault.New(fault.RecipientNotFound, "To is not a ReplyTo address this hub issued; copy it from the request's ReplyTo")
	}
	req, err := h.store.Message(ctx, requestID)
	if errors.Is(err, store.ErrNotFound) {
		return nil, fault.Wrap(fault.RecipientNotFound, err, "the request this To answers is not in the hub")
	}
	if err != nil {
		// The request may well be there: the store could not say.
		return nil, storeFault(err, requestID)
	}
	if req.Sender != requester || !slices.Contains(req.Recipients, responder.Mnemonic) {
		return nil, fault.New(fault.AccessDenied, "%s did not receive the request this To answers", responder.Mnemonic)
	}
	reqType, _ := reg.TypeByName(req.Type)
	typ := ""
	if a.Type != nil {
		typ = a.Type.Name
		if reqType != nil && !slices.Contains(reqType.Answers, a.Type.Name) {
			return nil, fault.New(fault.ResponseContentType, "%s does not answer %s; its answers are %s", a.Type.Root.Local, req.Type, strings.Join(reqType.Answers, ", "))
		}
	}
	now := h.now()
	ref := req.ReferenceID
	if ref == "" {
		ref = req.ID
	}
	m := &store.Message{
		ID: d.MessageID, Kind: store.Response, Sender: responder.Mnemonic, Type: typ, TransactionCode: req.TransactionCode,
		ReferenceID: ref, RequestID: req.ID, Proceeding: proceeding(d.Content), Received: now, Digest: sha256.Sum256(a.Raw),
		Envelope: a.Raw, Recipients: []string{requester},
	}
	return h.acceptAnswered(ctx, m, a, h.policy(a.Type), answer{op: soap.SendResponse, status: soap.StatusResponseIsAccepted, reg: reg, sender: responder, typ: a.Type})
}

// get serves GetRequest and GetResponse: the oldest message of the caller's
// queue that the selector admits, waiting up to LongPoll for one.
func (h *Hub) get(ctx context.Context, reg *registry.Registry, a *exchange.Accepted, who *registry.Participant, k store.Kind) (*etree.Document, error) {
	var sel store.Selector
	if t := a.Selected; t != nil {
		sel.Types = []string{t.Name}
	}
	queue := store.QueueName(who.Mnemonic, k)
	var deadline <-chan time.Time
	if h.cfg.LongPoll > 0 {
		timer := time.NewTimer(h.cfg.LongPoll)
		defer timer.Stop()
		deadline = timer.C
	}
	for {
		// Take the wake-up channel before looking, so that a message that
		// arrives in between is not missed.
		wake := h.waiters.channel(queue)
		l, err := h.store.Lease(ctx, who.Mnemonic, k, sel, h.now())
		if err != nil {
			return nil, storeFault(err, "")
		}
		if l != nil {
			return h.deliver(reg, a.Call.Version, l, who)
		}
		if deadline == nil {
			return h.empty(a.Call.Version, k)
		}
		select {
		case <-wake:
		case <-deadline:
			return h.empty(a.Call.Version, k)
		case <-ctx.Done():
			return nil, fault.Wrap(fault.Failure, ctx.Err(), "the poll ended")
		}
	}
}

func (h *Hub) empty(v soap.Version, k store.Kind) (*etree.Document, error) {
	if k == store.Request {
		return soap.NewGetRequestReply(v, nil, h.cfg.Signer)
	}
	return soap.NewGetResponseReply(v, nil, h.cfg.Signer)
}

// deliver builds the reply that hands a leased message to its recipient.
func (h *Hub) deliver(reg *registry.Registry, v soap.Version, l *store.Leased, who *registry.Participant) (*etree.Document, error) {
	m := l.Message
	h.cfg.Observer.Delivered(m.Type)
	h.log.Info("delivered", "id", m.ID, "recipient", who.Mnemonic, "type", m.Type, "attempt", l.Attempt)
	c, err := parseStored(m)
	if err != nil {
		return nil, fault.Wrap(fault.Failure, err, "a stored message cannot be read")
	}
	sender, _ := reg.Participant(m.Sender)
	t, _ := reg.TypeByName(m.Type)
	md := metadata(reg, m, sender, t)
	md.ID = ""
	md.DeliveryTime = l.Delivered
	md.RecipientMnem, md.RecipientName = who.Mnemonic, who.Name
	d := &soap.Delivered{Data: c.Signed, SenderSignature: c.Signature, Metadata: *md, Attachments: c.Attachments}
	if m.Kind == store.Request {
		d.ReplyTo = h.replyTo.issue(m.ID, m.Sender)
		return soap.NewGetRequestReply(v, d, h.cfg.Signer)
	}
	d.OriginalMessageID = m.RequestID
	d.ReferenceMessageID = m.ReferenceID
	d.OriginalTransactionCode = m.TransactionCode // a response keeps its request's
	return soap.NewGetResponseReply(v, d, h.cfg.Signer)
}

func (h *Hub) ack(ctx context.Context, a *exchange.Accepted, who *registry.Participant) (*etree.Document, error) {
	t := a.Call.Ack
	now := h.now()
	m, err := h.store.Ack(ctx, who.Mnemonic, t.MessageID, t.Accepted, now)
	if err != nil {
		return nil, storeFault(err, t.MessageID)
	}
	h.cfg.Observer.Acked(m.Type, t.Accepted, now.Sub(m.Received))
	h.log.Info("acknowledged", "id", m.ID, "recipient", who.Mnemonic, "accepted", t.Accepted)
	return soap.NewAckReply(a.Call.Version), nil
}

// status serves GetStatus: the caller's next status event.
func (h *Hub) status(ctx context.Context, a *exchange.Accepted, who *registry.Participant) (*etree.Document, error) {
	e, err := h.store.NextStatus(ctx, who.Mnemonic, h.now())
	if err != nil {
		return nil, storeFault(err, "")
	}
	if e == nil {
		return soap.NewStatusReply(a.Call.Version, nil, h.cfg.Signer)
	}
	return soap.NewStatusReply(a.Call.Version, h.asyncStatus(ctx, e), h.cfg.Signer)
}

// asyncStatus states a store event in the protocol's vocabulary.
func (h *Hub) asyncStatus(ctx context.Context, e *store.StatusEvent) *soap.AsyncStatus {
	s := &soap.AsyncStatus{OriginalMessageID: e.MessageID, Details: truncate(fmt.Sprintf("%s: %s", e.Recipient, e.Detail), 500)}
	kind := store.Request
	if m, err := h.store.Message(ctx, e.MessageID); err == nil {
		kind = m.Kind
	}
	switch e.Event {
	case store.EventAcked:
		s.Category = soap.StatusUnderProcessing
		if kind == store.Response {
			s.Category = soap.StatusResponseIsDelivered
		}
	case store.EventRefused:
		s.Category = soap.StatusRequestIsRejectedBySmev
		s.FaultCode, s.FaultDescription = fault.RecipientRefused.Code, fault.RecipientRefused.Summary
	case store.EventExpired:
		s.Category = soap.StatusRequestIsRejectedBySmev
		s.FaultCode, s.FaultDescription = fault.EndOfLife.Code, fault.EndOfLife.Summary
	case store.EventDeadLettered:
		s.Category = soap.StatusRequestIsRejectedBySmev
		s.FaultCode, s.FaultDescription = fault.DeadLetter.Code, fault.DeadLetter.Summary
	case store.EventOverdue:
		// Still the provider's to answer, but late: the consumer is told.
		s.Category = soap.StatusUnderProcessing
		s.Details = truncate("overdue: "+e.Detail, 500)
	default:
		s.Category = soap.StatusRequestIsQueued
	}
	return s
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && (s[n]&0xC0) == 0x80 {
		n--
	}
	return s[:n]
}

func (h *Hub) stats(ctx context.Context, a *exchange.Accepted, who *registry.Participant) (*etree.Document, error) {
	st, err := h.store.Stats(ctx, who.Mnemonic)
	if err != nil {
		return nil, storeFault(err, "")
	}
	var out []soap.QueueStatistics
	for _, q := range st {
		out = append(out, soap.QueueStatistics{QueueName: q.Queue, Pending: q.Pending})
	}
	return soap.NewQueueStatisticsReply(a.Call.Version, out), nil
}
