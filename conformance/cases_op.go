package conformance

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/soap"
)

// OP: every operation, on every version's endpoint.
func opCases() []Case {
	return []Case{
		{ID: "OP-001", Desc: "SendRequest over 1.1 is accepted: MessageMetadata of a REQUEST naming the MessageID and the sender, signed by the endpoint", Run: opSendRequest(soap.V11)},
		{ID: "OP-002", Desc: "SendRequest over 1.2 is accepted: MessageMetadata of a REQUEST naming the MessageID and the sender, signed by the endpoint", Run: opSendRequest(soap.V12)},
		{ID: "OP-003", Desc: "SendRequest over 1.3 is accepted: MessageMetadata of a REQUEST naming the MessageID and the sender, signed by the endpoint", Run: opSendRequest(soap.V13)},
		{ID: "OP-004", Desc: "GetRequest on an empty queue answers GetRequestResponse without a message", Run: opGetRequestEmpty},
		{ID: "OP-005", Desc: "GetRequest delivers a pending request as sent, with metadata, ReplyTo, the sender's signature and the endpoint's, both verifying", Run: opGetRequest},
		{ID: "OP-006", Desc: "GetRequest with a MessageTypeSelector hands out only that type, an older request of another type waiting", Run: opSelector},
		{ID: "OP-007", Desc: "Ack accepted=true is answered with AckResponse and ends the delivery: a second Ack finds nothing to acknowledge", Run: opAck},
		{ID: "OP-008", Desc: "SendResponse to a delivered request's ReplyTo is accepted: MessageMetadata of a RESPONSE, signed by the endpoint", Run: opSendResponse},
		{ID: "OP-009", Desc: "GetResponse delivers the answer with OriginalMessageId and OriginalTransactionCode of the request, the responder's signature verifying", Run: opGetResponse},
		{ID: "OP-010", Desc: "GetResponse on an empty queue answers GetResponseResponse without a message", Run: opGetResponseEmpty},
		{ID: "OP-011", Desc: "GetStatus hands out status events one by one, then answers GetStatusResponse without one", Run: opGetStatusEmpty},
		{ID: "OP-012", Desc: "GetIncomingQueueStatistics over 1.1 and 1.2 counts a request waiting in the caller's queue", Run: opStats},
		{ID: "OP-013", Desc: "1.3 has no GetIncomingQueueStatistics: a 1.3 call of it is refused as InvalidContent", Run: opStats13},
		{ID: "OP-014", Desc: "a request sent over 1.1 reaches a provider polling over 1.3, and its answer comes back over 1.1", Run: opCrossVersion},
		{ID: "OP-015", Desc: "a whole conversation over 1.3: SendRequest, GetRequest, Ack, SendResponse, GetResponse, Ack, signatures verifying", Run: opConversation13},
		{ID: "OP-016", Desc: "the WSDL of each version (GET ?wsdl) declares exactly that version's operations", Run: opWSDL},
		{ID: "OP-017", Desc: "SendResponse with RequestRejected instead of a payload reaches the consumer as that rejection", Run: opRejected},
	}
}

func opSendRequest(v soap.Version) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		court, bailiff := e.Participant("court"), e.Participant("bailiff")
		s, err := e.send(ctx, v, court, payload("Writ"))
		if err != nil {
			return err
		}
		md := s.Meta
		if md.MessageType != soap.MessageTypeRequest {
			return fmt.Errorf("MessageType %q, want %s", md.MessageType, soap.MessageTypeRequest)
		}
		if md.SenderMnemonic != "" && md.SenderMnemonic != court {
			return fmt.Errorf("the metadata names the sender %q, want %s", md.SenderMnemonic, court)
		}
		if md.SendingTime.IsZero() {
			return fmt.Errorf("the metadata has no SendingTimestamp")
		}
		if s.Reply.HubSignature == nil {
			return fmt.Errorf("SendRequestResponse carries no SMEVSignature over MessageMetadata")
		}
		if !e.s.t.Generic && md.Status != soap.StatusRequestIsQueued {
			return fmt.Errorf("the metadata's Status is %q, want %s", md.Status, soap.StatusRequestIsQueued)
		}
		if _, err := e.awaitRequest(ctx, v, bailiff, typeOf(payload("Writ")), s.ID); err != nil {
			return err
		}
		return e.ack(ctx, v, bailiff, s.ID, true)
	}
}

func opGetRequestEmpty(ctx context.Context, e *Env) error {
	// The court provides no type: its request queue is always empty.
	court := e.Participant("court")
	r, err := e.Client(court, soap.V11).GetRequest(ctx, "", "")
	if err != nil {
		return err
	}
	if r.Operation != soap.GetRequest {
		return fmt.Errorf("answered %sResponse, want GetRequestResponse", r.Operation)
	}
	if r.Request != nil {
		return fmt.Errorf("an empty queue delivered request %s", r.Request.Data.MessageID)
	}
	return nil
}

func opGetRequest(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	writ := payload("Writ")
	want, err := canonical(writ)
	if err != nil {
		return err
	}
	s, err := e.send(ctx, soap.V11, court, writ)
	if err != nil {
		return err
	}
	r, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(writ), s.ID)
	if err != nil {
		return err
	}
	got := r.Request
	if err := samePayload(got.Data.Content, want); err != nil {
		return fmt.Errorf("the payload changed: %w", err)
	}
	if got.Data.TransactionCode != s.Code {
		return fmt.Errorf("TransactionCode %q, sent %q", got.Data.TransactionCode, s.Code)
	}
	if got.Metadata.MessageID != s.ID || got.Metadata.SenderMnemonic != court {
		return fmt.Errorf("the metadata names message %q from %q, want %s from %s", got.Metadata.MessageID, got.Metadata.SenderMnemonic, s.ID, court)
	}
	if got.ReplyTo == "" {
		return fmt.Errorf("no ReplyTo")
	}
	if r.HubSignature == nil {
		return fmt.Errorf("the delivered Request carries no SMEVSignature")
	}
	if err := e.verifyFrom(r.Envelope, got.SenderSignature, got.DataElement, court); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, bailiff, s.ID, true)
}

func opSelector(ctx context.Context, e *Env) error {
	portal, court, bailiff := e.Participant("portal"), e.Participant("court"), e.Participant("bailiff")
	notice, err := e.send(ctx, soap.V11, portal, payload("PaymentNotice"))
	if err != nil {
		return err
	}
	writ, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), writ.ID, notice.ID); err != nil {
		return fmt.Errorf("selecting Writ: %w", err)
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("PaymentNotice")), notice.ID, writ.ID); err != nil {
		return fmt.Errorf("selecting PaymentNotice: %w", err)
	}
	if err := e.ack(ctx, soap.V11, bailiff, writ.ID, true); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, bailiff, notice.ID, true)
}

func opAck(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID); err != nil {
		return err
	}
	c := e.Client(bailiff, soap.V11)
	r, err := c.Do(ctx, soap.NewAck(soap.V11, &soap.AckTarget{MessageID: s.ID, Accepted: true}))
	if err != nil {
		return fmt.Errorf("Ack: %w", err)
	}
	if r.Operation != soap.Ack {
		return fmt.Errorf("Ack answered %sResponse", r.Operation)
	}
	err = c.Ack(ctx, s.ID, true)
	if f := faultOf(err); f == nil || f.Name != "TargetMessageIsNotFound" {
		return fmt.Errorf("a second Ack of %s: %v, want TargetMessageIsNotFound", s.ID, err)
	}
	return nil
}

func opSendResponse(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	r, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID)
	if err != nil {
		return err
	}
	if err := e.ack(ctx, soap.V11, bailiff, s.ID, true); err != nil {
		return err
	}
	a, err := e.respond(ctx, soap.V11, bailiff, r.Request.ReplyTo, payload("WritAnswer"))
	if err != nil {
		return err
	}
	if a.Meta.MessageType != soap.MessageTypeResponse {
		return fmt.Errorf("MessageType %q, want %s", a.Meta.MessageType, soap.MessageTypeResponse)
	}
	if a.Reply.HubSignature == nil {
		return fmt.Errorf("SendResponseResponse carries no SMEVSignature over MessageMetadata")
	}
	if !e.s.t.Generic && a.Meta.Status != soap.StatusResponseIsAccepted {
		return fmt.Errorf("the metadata's Status is %q, want %s", a.Meta.Status, soap.StatusResponseIsAccepted)
	}
	resp, err := e.awaitResponse(ctx, soap.V11, court, responseTo(s.ID))
	if err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, court, resp.Response.Data.MessageID, true)
}

func opGetResponse(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	c, err := e.converse(ctx, soap.V11, court, bailiff, payload("Writ"), func(*soap.DeliveredRequest) *etree.Element { return payload("WritAnswer") })
	if err != nil {
		return err
	}
	r := c.Response
	resp := r.Response
	if resp.OriginalTransactionCode != c.Request.Code {
		return fmt.Errorf("OriginalTransactionCode %q, want the request's %q", resp.OriginalTransactionCode, c.Request.Code)
	}
	if resp.Metadata.SenderMnemonic != bailiff || resp.Metadata.MessageType != soap.MessageTypeResponse {
		return fmt.Errorf("the metadata names a %q from %q, want a RESPONSE from %s", resp.Metadata.MessageType, resp.Metadata.SenderMnemonic, bailiff)
	}
	if r.HubSignature == nil {
		return fmt.Errorf("the delivered Response carries no SMEVSignature")
	}
	return e.verifyFrom(r.Envelope, resp.SenderSignature, resp.DataElement, bailiff)
}

func opGetResponseEmpty(ctx context.Context, e *Env) error {
	// The land registry sends no requests: its response queue stays empty.
	registry := e.Participant("land-registry")
	r, err := e.Client(registry, soap.V11).GetResponse(ctx, "", "")
	if err != nil {
		return err
	}
	if r.Operation != soap.GetResponse {
		return fmt.Errorf("answered %sResponse, want GetResponseResponse", r.Operation)
	}
	if r.Response != nil {
		return fmt.Errorf("an empty queue delivered response %s", r.Response.Data.MessageID)
	}
	return nil
}

func opGetStatusEmpty(ctx context.Context, e *Env) error {
	// Make one event, then take events until none is left.
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID); err != nil {
		return err
	}
	if err := e.ack(ctx, soap.V11, bailiff, s.ID, true); err != nil {
		return err
	}
	if _, err := e.awaitStatus(ctx, soap.V11, court, s.ID, nil); err != nil {
		return err
	}
	c := e.Client(court, soap.V11)
	for range 10000 {
		r, err := c.GetStatus(ctx)
		if err != nil {
			return err
		}
		if r.Operation != soap.GetStatus {
			return fmt.Errorf("answered %sResponse, want GetStatusResponse", r.Operation)
		}
		if r.Status == nil {
			return nil
		}
		if r.Status.OriginalMessageID == "" || r.Status.Category == "" {
			return fmt.Errorf("a status event without OriginalMessageId or status category: %+v", r.Status)
		}
		if r.Status.OriginalMessageID == s.ID && r.Status.Category == soap.StatusUnderProcessing {
			return fmt.Errorf("the status event of %s was handed out twice", s.ID)
		}
	}
	return fmt.Errorf("%s's status events do not run out", court)
}

// pending is the total of a stats answer.
func pending(stats []soap.QueueStatistics) int64 {
	var n int64
	for _, q := range stats {
		n += q.Pending
	}
	return n
}

func opStats(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	for _, v := range []soap.Version{soap.V11, soap.V12} {
		c := e.Client(bailiff, v)
		before, err := c.Stats(ctx)
		if err != nil {
			return fmt.Errorf("over %s: %w", v, err)
		}
		s, err := e.send(ctx, v, court, payload("Writ"))
		if err != nil {
			return err
		}
		after, err := c.Stats(ctx)
		if err != nil {
			return fmt.Errorf("over %s: %w", v, err)
		}
		if after.Operation != soap.GetIncomingQueueStatistics {
			return fmt.Errorf("over %s: answered %sResponse", v, after.Operation)
		}
		if pending(after.Stats) < pending(before.Stats)+1 {
			return fmt.Errorf("over %s: %d messages pending after a request was queued for %s, %d before", v, pending(after.Stats), bailiff, pending(before.Stats))
		}
		if !e.s.t.Generic && !slices.ContainsFunc(after.Stats, func(q soap.QueueStatistics) bool { return q.QueueName == bailiff+":requests" && q.Pending > 0 }) {
			return fmt.Errorf("over %s: no queue %s:requests with a pending message: %+v", v, bailiff, after.Stats)
		}
		if _, err := e.awaitRequest(ctx, v, bailiff, typeOf(payload("Writ")), s.ID); err != nil {
			return err
		}
		if err := e.ack(ctx, v, bailiff, s.ID, true); err != nil {
			return err
		}
	}
	return nil
}

func opStats13(ctx context.Context, e *Env) error {
	bailiff := e.Participant("bailiff")
	doc := soap.NewGetIncomingQueueStatistics(soap.V13, &soap.Timestamp{Time: time.Now()}, "")
	// The codec will not sign an operation 1.3 lacks: sign the Timestamp by hand.
	root := doc.Root()
	ts, err := mustFind(root, "Timestamp")
	if err != nil {
		return err
	}
	sig, err := e.s.parties[bailiff].signer.Sign(ts)
	if err != nil {
		return err
	}
	ts.Parent().CreateElement("smev:CallerInformationSystemSignature").AddChild(sig)
	raw, err := soap.Marshal(doc)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V13, bailiff, raw, expect{name: "InvalidContent", mz: "MZ-1006"})
}

func opCrossVersion(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	writ := payload("Writ")
	want, err := canonical(writ)
	if err != nil {
		return err
	}
	s, err := e.send(ctx, soap.V11, court, writ)
	if err != nil {
		return err
	}
	r, err := e.awaitRequest(ctx, soap.V13, bailiff, typeOf(writ), s.ID)
	if err != nil {
		return err
	}
	if r.Version != soap.V13 {
		return fmt.Errorf("a 1.3 poll was answered in %s", r.Version)
	}
	if err := samePayload(r.Request.Data.Content, want); err != nil {
		return fmt.Errorf("the payload changed between versions: %w", err)
	}
	if r.HubSignature == nil {
		return fmt.Errorf("the delivered Request carries no SMEVSignature")
	}
	if err := e.ack(ctx, soap.V13, bailiff, s.ID, true); err != nil {
		return err
	}
	a, err := e.respond(ctx, soap.V13, bailiff, r.Request.ReplyTo, payload("WritAnswer"))
	if err != nil {
		return err
	}
	resp, err := e.awaitResponse(ctx, soap.V11, court, responseTo(s.ID))
	if err != nil {
		return err
	}
	if resp.Version != soap.V11 || resp.Response.Data.MessageID != a.ID {
		return fmt.Errorf("the answer came as %s in %s, want %s in 1.1", resp.Response.Data.MessageID, resp.Version, a.ID)
	}
	return e.ack(ctx, soap.V11, court, a.ID, true)
}

func opConversation13(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	c, err := e.converse(ctx, soap.V13, court, bailiff, payload("Writ"), func(*soap.DeliveredRequest) *etree.Element { return payload("WritAnswer") })
	if err != nil {
		return err
	}
	for _, r := range []*soap.Reply{c.Request.Reply, c.Received, c.Answer.Reply, c.Response} {
		if r.Version != soap.V13 {
			return fmt.Errorf("%sResponse came in %s", r.Operation, r.Version)
		}
		if r.HubSignature == nil {
			return fmt.Errorf("%sResponse carries no SMEVSignature", r.Operation)
		}
	}
	if err := e.verifyFrom(c.Received.Envelope, c.Received.Request.SenderSignature, c.Received.Request.DataElement, court); err != nil {
		return err
	}
	return e.verifyFrom(c.Response.Envelope, c.Response.Response.SenderSignature, c.Response.Response.DataElement, bailiff)
}

const wsdlNS = "http://schemas.xmlsoap.org/wsdl/"

func opWSDL(ctx context.Context, e *Env) error {
	hc := e.s.parties[e.Participant("court")].http
	for _, v := range soap.Versions() {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, e.s.Endpoint(v)+"?wsdl", nil)
		if err != nil {
			return err
		}
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
		resp.Body.Close()
		if err != nil {
			return err
		}
		if resp.StatusCode != http.StatusOK {
			return fmt.Errorf("GET %s?wsdl: HTTP %d", e.s.Endpoint(v), resp.StatusCode)
		}
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(body); err != nil {
			return fmt.Errorf("the %s WSDL: %w", v, err)
		}
		root := doc.Root()
		if root == nil || root.Tag != "definitions" || root.NamespaceURI() != wsdlNS {
			return fmt.Errorf("the %s WSDL is not wsdl:definitions", v)
		}
		ops := map[string]bool{}
		for _, pt := range root.ChildElements() {
			if pt.Tag != "portType" || pt.NamespaceURI() != wsdlNS {
				continue
			}
			for _, op := range pt.ChildElements() {
				if op.Tag == "operation" {
					ops[op.SelectAttrValue("name", "")] = true
				}
			}
		}
		for _, o := range soap.Operations() {
			if ops[string(o)] != o.Supported(v) {
				return fmt.Errorf("the %s WSDL's portType declares %s: %t, want %t", v, o, ops[string(o)], o.Supported(v))
			}
		}
		if strings.Contains(string(body), "message-exchange/types/1.") && !strings.Contains(string(body), v.TypesNS()) {
			return fmt.Errorf("the %s WSDL does not refer to %s", v, v.TypesNS())
		}
	}
	return nil
}

func opRejected(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	r, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID)
	if err != nil {
		return err
	}
	if err := e.ack(ctx, soap.V11, bailiff, s.ID, true); err != nil {
		return err
	}
	d := &soap.ResponseData{MessageID: newID(), To: r.Request.ReplyTo, Rejections: []soap.Rejection{{Code: "NO_DATA", Description: "conformance: no such case"}}}
	if _, err := e.Client(bailiff, soap.V11).SendResponse(ctx, d, nil); err != nil {
		return fmt.Errorf("SendResponse with RequestRejected: %w", err)
	}
	resp, err := e.awaitResponse(ctx, soap.V11, court, responseTo(s.ID))
	if err != nil {
		return err
	}
	got := resp.Response.Data
	if got.Content != nil || len(got.Rejections) != 1 || got.Rejections[0].Code != "NO_DATA" || got.Rejections[0].Description != "conformance: no such case" {
		return fmt.Errorf("the consumer received %+v, want the rejection NO_DATA", got.Rejections)
	}
	return e.ack(ctx, soap.V11, court, got.MessageID, true)
}
