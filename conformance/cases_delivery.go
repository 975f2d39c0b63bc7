package conformance

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/soap"
)

// DLV: delivery semantics (README "Delivery semantics"). "Not delivered"
// is checked with a fence: a later message of the same queue and type must
// arrive first, which a queue that hands out its oldest message would not
// allow if the forbidden one were still there.
func deliveryCases() []Case {
	return []Case{
		{ID: "DLV-001", Desc: "a request not acknowledged is delivered again once the visibility timeout runs out, not before", Run: dlvRedelivery},
		{ID: "DLV-002", Desc: "a leased request is hidden from further polls while its lease lasts", Run: dlvHidden},
		{ID: "DLV-003", Desc: "a late Ack (after the lease ran out, before another delivery) still ends the delivery", Run: dlvLateAck},
		{ID: "DLV-004", Desc: "after the maximum number of deliveries without Ack the request is a dead letter: requestIsRejectedBySmev (MZ-5004) to the sender, no more deliveries", Run: dlvDeadLetter},
		{ID: "DLV-005", Desc: "the same envelope sent twice gets the original MessageMetadata back and is delivered once", Run: dlvDedupRequest},
		{ID: "DLV-006", Desc: "the same response sent twice gets the original MessageMetadata back and reaches the consumer once", Run: dlvDedupResponse},
		{ID: "DLV-007", Desc: "a request whose EOL passes in the queue is not delivered: requestIsRejectedBySmev (MZ-2008) to the sender", Run: dlvEOL},
		{ID: "DLV-008", Desc: "Ack accepted=false ends the delivery and tells the sender requestIsRejectedBySmev (MZ-5005)", Run: dlvRefused},
		{ID: "DLV-009", Desc: "long polling: a GetRequest waiting on an empty queue returns the request sent during the wait, at once", Run: dlvLongPoll},
		{ID: "DLV-010", Desc: "broadcast: a bank account query without a BIC reaches every bank, each acknowledged and answered separately", Run: dlvBroadcast},
		{ID: "DLV-011", Desc: "routing: a bank account query naming a BIC reaches that bank only", Run: dlvRouted},
		{ID: "DLV-012", Desc: "status events: underProcessing to the consumer when its request is acknowledged, responseIsDelivered to the provider when its answer is", Run: dlvStatus},
		{ID: "DLV-013", Desc: "a queue hands out its requests in the order they were accepted", Run: dlvOrder},
	}
}

// writType is the type of the court's writs, which the delivery cases use.
var writType = qname{"urn://mezhved/enforcement/writ/1.0", "Writ"}

// fence sends another writ and checks that the bailiff receives it without
// receiving any of forbid first, then acknowledges it.
func (e *Env) fence(ctx context.Context, forbid ...string) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	f, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, writType, f.ID, forbid...); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, bailiff, f.ID, true)
}

func (e *Env) needVisibility() error {
	if e.s.t.Visibility <= 0 {
		return skip("the target's visibility timeout is not known (set it to run this case)")
	}
	return nil
}

func dlvRedelivery(ctx context.Context, e *Env) error {
	if err := e.needVisibility(); err != nil {
		return err
	}
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	first, err := e.awaitRequestTimed(ctx, soap.V11, bailiff, writType, s.ID)
	if err != nil {
		return err
	}
	second, err := e.awaitRequestTimed(ctx, soap.V11, bailiff, writType, s.ID)
	if err != nil {
		return fmt.Errorf("not delivered again: %w", err)
	}
	if after := second.End.Sub(first.Start); after < e.s.t.Visibility-50*time.Millisecond {
		return fmt.Errorf("delivered again %s after the first delivery, before the visibility timeout of %s", after.Round(time.Millisecond), e.s.t.Visibility)
	}
	a, b := first.Request, second.Request
	if b.Data.TransactionCode != a.Data.TransactionCode || b.ReplyTo == "" {
		return fmt.Errorf("the second delivery differs from the first")
	}
	return e.ack(ctx, soap.V11, bailiff, s.ID, true)
}

func dlvHidden(ctx context.Context, e *Env) error {
	if v := e.s.t.Visibility; v > 0 && v < 500*time.Millisecond {
		return skip("a visibility timeout of %s is too short to see a lease last", v)
	}
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, writType, s.ID); err != nil {
		return err
	}
	if err := e.fence(ctx, s.ID); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, bailiff, s.ID, true)
}

func dlvLateAck(ctx context.Context, e *Env) error {
	if err := e.needVisibility(); err != nil {
		return err
	}
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	p, err := e.awaitRequestTimed(ctx, soap.V11, bailiff, writType, s.ID)
	if err != nil {
		return err
	}
	// Wait out the lease (and a little more) before acknowledging.
	if err := adapters.Sleep(ctx, time.Until(p.Start.Add(e.s.t.Visibility+250*time.Millisecond))); err != nil {
		return err
	}
	if err := e.ack(ctx, soap.V11, bailiff, s.ID, true); err != nil {
		return fmt.Errorf("the late Ack: %w", err)
	}
	return e.fence(ctx, s.ID)
}

func dlvDeadLetter(ctx context.Context, e *Env) error {
	if err := e.needVisibility(); err != nil {
		return err
	}
	n := e.s.t.MaxAttempts
	if n <= 0 {
		return skip("the target's maximum number of deliveries is not known (set it to run this case)")
	}
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	for i := 1; i <= n; i++ {
		if _, err := e.awaitRequest(ctx, soap.V11, bailiff, writType, s.ID); err != nil {
			return fmt.Errorf("delivery %d of %d: %w", i, n, err)
		}
	}
	if _, err := e.awaitStatus(ctx, soap.V11, court, s.ID, e.statusIs(soap.StatusRequestIsRejectedBySmev, "MZ-5004")); err != nil {
		return err
	}
	return e.fence(ctx, s.ID)
}

func dlvDedupRequest(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	raw, err := e.signedRequest(soap.V11, court, payload("Writ"), nil)
	if err != nil {
		return err
	}
	var metas []*soap.Metadata
	for i := range 2 {
		a, err := e.post(ctx, soap.V11, court, raw)
		if err != nil {
			return err
		}
		if err := wantAccepted(a); err != nil {
			return fmt.Errorf("send %d: %w", i+1, err)
		}
		if a.Reply.Metadata == nil {
			return fmt.Errorf("send %d: no MessageMetadata", i+1)
		}
		metas = append(metas, a.Reply.Metadata)
	}
	a, b := metas[0], metas[1]
	if a.MessageID != b.MessageID || !a.SendingTime.Equal(b.SendingTime) || a.MessageType != b.MessageType {
		return fmt.Errorf("the second send was answered %s sent %s, the first %s sent %s: want the original metadata", b.MessageID, b.SendingTime, a.MessageID, a.SendingTime)
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, writType, a.MessageID); err != nil {
		return err
	}
	if err := e.ack(ctx, soap.V11, bailiff, a.MessageID, true); err != nil {
		return err
	}
	return e.fence(ctx, a.MessageID)
}

func dlvDedupResponse(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, to, err := e.answerable(ctx)
	if err != nil {
		return err
	}
	raw, err := e.sign(soap.NewSendResponse(soap.V11, &soap.ResponseData{MessageID: newID(), To: to, Content: payload("WritAnswer")}, nil), bailiff)
	if err != nil {
		return err
	}
	var metas []*soap.Metadata
	for i := range 2 {
		a, err := e.post(ctx, soap.V11, bailiff, raw)
		if err != nil {
			return err
		}
		if err := wantAccepted(a); err != nil {
			return fmt.Errorf("send %d: %w", i+1, err)
		}
		if a.Reply.Metadata == nil {
			return fmt.Errorf("send %d: no MessageMetadata", i+1)
		}
		metas = append(metas, a.Reply.Metadata)
	}
	if a, b := metas[0], metas[1]; a.MessageID != b.MessageID || !a.SendingTime.Equal(b.SendingTime) {
		return fmt.Errorf("the second send was answered %s sent %s, the first %s sent %s: want the original metadata", b.MessageID, b.SendingTime, a.MessageID, a.SendingTime)
	}
	rid := metas[0].MessageID
	if _, err := e.awaitResponse(ctx, soap.V11, court, responseTo(s.ID)); err != nil {
		return err
	}
	if err := e.ack(ctx, soap.V11, court, rid, true); err != nil {
		return err
	}
	// A second conversation's answer must come next, not the first answer again.
	s2, to2, err := e.answerable(ctx)
	if err != nil {
		return err
	}
	r2, err := e.respond(ctx, soap.V11, bailiff, to2, payload("WritAnswer"))
	if err != nil {
		return err
	}
	again := false
	if _, err := e.awaitResponse(ctx, soap.V11, court, func(r *soap.DeliveredResponse) bool {
		again = again || r.Data.MessageID == rid
		return r.OriginalMessageID == s2.ID
	}); err != nil {
		return err
	}
	if again {
		return fmt.Errorf("response %s reached the consumer twice", rid)
	}
	return e.ack(ctx, soap.V11, court, r2.ID, true)
}

func dlvEOL(ctx context.Context, e *Env) error {
	court := e.Participant("court")
	eol := time.Now().Add(1500 * time.Millisecond)
	s, err := e.sendData(ctx, soap.V11, court, &soap.RequestData{Content: payload("Writ"), EOL: eol})
	if err != nil {
		return err
	}
	if err := adapters.Sleep(ctx, time.Until(eol.Add(300*time.Millisecond))); err != nil {
		return err
	}
	if err := e.fence(ctx, s.ID); err != nil {
		return err
	}
	_, err = e.awaitStatus(ctx, soap.V11, court, s.ID, e.statusIs(soap.StatusRequestIsRejectedBySmev, "MZ-2008"))
	return err
}

func dlvRefused(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, writType, s.ID); err != nil {
		return err
	}
	if err := e.ack(ctx, soap.V11, bailiff, s.ID, false); err != nil {
		return err
	}
	if _, err := e.awaitStatus(ctx, soap.V11, court, s.ID, e.statusIs(soap.StatusRequestIsRejectedBySmev, "MZ-5005")); err != nil {
		return err
	}
	return e.fence(ctx, s.ID)
}

func dlvLongPoll(ctx context.Context, e *Env) error {
	lp := e.s.t.LongPoll
	if lp <= 0 {
		return skip("the target's long-poll time is not known (set it to run this case)")
	}
	bailiff, fund := e.Participant("bailiff"), e.Participant("pension-fund")
	query := payload("IncomeQuery")
	t := typeOf(query)
	id := newID()
	type result struct {
		p   *polled
		err error
	}
	done := make(chan result, 1)
	go func() {
		p, err := e.awaitRequestTimed(ctx, soap.V11, fund, t, id)
		done <- result{p, err}
	}()
	if err := adapters.Sleep(ctx, min(lp/3, 500*time.Millisecond)); err != nil {
		return err
	}
	sendStart := time.Now()
	_, err := e.sendData(ctx, soap.V11, bailiff, &soap.RequestData{MessageID: id, Content: query})
	sendEnd := time.Now()
	if err != nil {
		return err // the poller ends with the case's context
	}
	r := <-done
	if r.err != nil {
		return r.err
	}
	if r.p.Start.After(sendStart) {
		return fmt.Errorf("the poll that delivered started after the request was sent: the endpoint did not hold the empty poll")
	}
	if late := r.p.End.Sub(sendEnd); late > lp/2 {
		return fmt.Errorf("the waiting poll returned %s after the request was accepted (long poll %s)", late.Round(time.Millisecond), lp)
	}
	return e.ack(ctx, soap.V11, fund, id, true)
}

// bankAnswer is a bank's answer to a bank account query: one account.
func bankAnswer(bic string, serial int) *etree.Element {
	a := payload("BankAccountAnswer")
	accounts := 0
	for _, c := range a.ChildElements() {
		if c.Tag == "Account" {
			if accounts > 0 {
				a.RemoveChild(c)
				continue
			}
			accounts++
			set(c, "AccountNumber", account(bic, serial))
			set(c, "BIC", bic)
		}
	}
	return a
}

func dlvBroadcast(ctx context.Context, e *Env) error {
	bailiff := e.Participant("bailiff")
	banks := []string{e.Participant("bank", 0), e.Participant("bank", 1)}
	q := payload("BankAccountQuery")
	if b := find(q, "BIC"); b != nil {
		q.RemoveChild(b)
	}
	s, err := e.send(ctx, soap.V11, bailiff, q)
	if err != nil {
		return err
	}
	if s.Meta.MessageType != soap.MessageTypeBroadcast {
		return fmt.Errorf("MessageType %q, want %s", s.Meta.MessageType, soap.MessageTypeBroadcast)
	}
	for i, bank := range banks {
		r, err := e.awaitRequest(ctx, soap.V11, bank, typeOf(q), s.ID)
		if err != nil {
			return err
		}
		if err := e.ack(ctx, soap.V11, bank, s.ID, true); err != nil {
			return err
		}
		if _, err := e.respond(ctx, soap.V11, bank, r.Request.ReplyTo, bankAnswer(e.BIC(bank), 1000+i)); err != nil {
			return err
		}
	}
	var from []string
	for range banks {
		r, err := e.awaitResponse(ctx, soap.V11, bailiff, func(r *soap.DeliveredResponse) bool {
			return r.OriginalMessageID == s.ID && !slices.Contains(from, r.Metadata.SenderMnemonic)
		})
		if err != nil {
			return fmt.Errorf("after answers from %v: %w", from, err)
		}
		from = append(from, r.Response.Metadata.SenderMnemonic)
		if err := e.ack(ctx, soap.V11, bailiff, r.Response.Data.MessageID, true); err != nil {
			return err
		}
	}
	slices.Sort(from)
	if want := slices.Sorted(slices.Values(banks)); !slices.Equal(from, want) {
		return fmt.Errorf("answers came from %v, want %v", from, want)
	}
	// One acknowledgement event per recipient.
	for range banks {
		if _, err := e.awaitStatus(ctx, soap.V11, bailiff, s.ID, e.statusIs(soap.StatusUnderProcessing, "")); err != nil {
			return err
		}
	}
	return nil
}

func dlvRouted(ctx context.Context, e *Env) error {
	bailiff, a, b := e.Participant("bailiff"), e.Participant("bank", 0), e.Participant("bank", 1)
	t := typeOf(payload("BankAccountQuery"))
	toB, err := e.send(ctx, soap.V11, bailiff, set(payload("BankAccountQuery"), "BIC", e.BIC(b)))
	if err != nil {
		return err
	}
	if toB.Meta.MessageType != soap.MessageTypeRequest {
		return fmt.Errorf("MessageType %q, want %s", toB.Meta.MessageType, soap.MessageTypeRequest)
	}
	if !e.s.t.Generic && toB.Meta.RecipientMnem != b {
		return fmt.Errorf("the metadata names the recipient %q, want %s", toB.Meta.RecipientMnem, b)
	}
	toA, err := e.send(ctx, soap.V11, bailiff, set(payload("BankAccountQuery"), "BIC", e.BIC(a)))
	if err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, a, t, toA.ID, toB.ID); err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, b, t, toB.ID, toA.ID); err != nil {
		return err
	}
	if err := e.ack(ctx, soap.V11, a, toA.ID, true); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, b, toB.ID, true)
}

func dlvStatus(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	c, err := e.converse(ctx, soap.V11, court, bailiff, payload("Writ"), func(*soap.DeliveredRequest) *etree.Element { return payload("WritAnswer") })
	if err != nil {
		return err
	}
	r, err := e.awaitStatus(ctx, soap.V11, court, c.Request.ID, e.statusIs(soap.StatusUnderProcessing, ""))
	if err != nil {
		return err
	}
	if r.HubSignature == nil {
		return fmt.Errorf("the status event carries no SMEVSignature")
	}
	_, err = e.awaitStatus(ctx, soap.V11, bailiff, c.Answer.ID, e.statusIs(soap.StatusResponseIsDelivered, ""))
	return err
}

func dlvOrder(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	var ids []string
	for range 3 {
		s, err := e.send(ctx, soap.V11, court, payload("Writ"))
		if err != nil {
			return err
		}
		ids = append(ids, s.ID)
	}
	for i, id := range ids {
		if _, err := e.awaitRequest(ctx, soap.V11, bailiff, writType, id, ids[i+1:]...); err != nil {
			return fmt.Errorf("request %d of %d: %w", i+1, len(ids), err)
		}
		if err := e.ack(ctx, soap.V11, bailiff, id, true); err != nil {
			return err
		}
	}
	return nil
}
