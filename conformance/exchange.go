package conformance

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/dsig"
	"mezhved/exchange/soap"
	"mezhved/schemas"
	"mezhved/schemas/ident"
)

// The conversation helpers. A case sends with fresh MessageIDs and a
// TransactionCode of its own (the run's marker, the case's ID and a
// number), and waits for exactly its own messages: what else a poll hands
// out is either left over from the suite (its TransactionCode starts with
// markerPrefix: acknowledged, so that it leaves the queue) or someone
// else's (left alone: it comes back to its owner when its lease runs out).
// A participant the suite plays must have no other consumer while it runs.

// sent is a request or response the case sent.
type sent struct {
	ID, Code string
	Meta     *soap.Metadata
	Reply    *soap.Reply
}

// sendData sends a request as from over version v; d's MessageID and
// TransactionCode are made when empty. The answer must be MessageMetadata
// naming the MessageID.
func (e *Env) sendData(ctx context.Context, v soap.Version, from string, d *soap.RequestData) (*sent, error) {
	if d.MessageID == "" {
		d.MessageID = newID()
	}
	if d.TransactionCode == "" {
		d.TransactionCode = e.code()
	}
	r, err := e.Client(from, v).SendRequest(ctx, d, nil)
	if err != nil {
		return nil, fmt.Errorf("SendRequest %s by %s over %s: %w", d.Content.Tag, from, v, err)
	}
	if r.Metadata == nil || r.Metadata.MessageID != d.MessageID {
		return nil, fmt.Errorf("SendRequest %s: the answer's MessageMetadata does not name MessageID %s: %+v", d.Content.Tag, d.MessageID, r.Metadata)
	}
	return &sent{ID: d.MessageID, Code: d.TransactionCode, Meta: r.Metadata, Reply: r}, nil
}

// send sends a request with content as from over v.
func (e *Env) send(ctx context.Context, v soap.Version, from string, content *etree.Element) (*sent, error) {
	return e.sendData(ctx, v, from, &soap.RequestData{Content: content})
}

// respond answers a delivered request as from over v.
func (e *Env) respond(ctx context.Context, v soap.Version, from, to string, content *etree.Element) (*sent, error) {
	d := &soap.ResponseData{MessageID: newID(), To: to, Content: content}
	r, err := e.Client(from, v).SendResponse(ctx, d, nil)
	if err != nil {
		return nil, fmt.Errorf("SendResponse by %s over %s: %w", from, v, err)
	}
	if r.Metadata == nil || r.Metadata.MessageID != d.MessageID {
		return nil, fmt.Errorf("SendResponse: the answer's MessageMetadata does not name MessageID %s: %+v", d.MessageID, r.Metadata)
	}
	return &sent{ID: d.MessageID, Meta: r.Metadata, Reply: r}, nil
}

// ack acknowledges a delivered message as who over v.
func (e *Env) ack(ctx context.Context, v soap.Version, who, id string, accepted bool) error {
	if err := e.Client(who, v).Ack(ctx, id, accepted); err != nil {
		return fmt.Errorf("Ack(%s, accepted=%t) by %s: %w", id, accepted, who, err)
	}
	return nil
}

// qname names a message type: its payload root.
type qname struct{ ns, local string }

// any selects every type.
var anyType = qname{}

func typeOf(el *etree.Element) qname { return qname{el.NamespaceURI(), el.Tag} }

// awaitRequest polls GetRequest as to over v (selecting type t) until the
// request want arrives, and returns the reply that delivered it. A request
// in forbid arriving first fails the wait: it must not have been delivered.
func (e *Env) awaitRequest(ctx context.Context, v soap.Version, to string, t qname, want string, forbid ...string) (*soap.Reply, error) {
	p, err := e.awaitRequestTimed(ctx, v, to, t, want, forbid...)
	if err != nil {
		return nil, err
	}
	return p.Reply, nil
}

// polled is a reply with the time its call was made and answered.
type polled struct {
	*soap.Reply
	Start, End time.Time
}

// awaitRequestTimed is awaitRequest that also says when the delivering
// poll started and ended.
func (e *Env) awaitRequestTimed(ctx context.Context, v soap.Version, to string, t qname, want string, forbid ...string) (*polled, error) {
	ctx, cancel := context.WithTimeout(ctx, e.s.t.Timeout)
	defer cancel()
	c := e.Client(to, v)
	others := 0
	for {
		start := time.Now()
		r, err := c.GetRequest(ctx, t.ns, t.local)
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("request %s did not reach %s within %s (%d other messages seen)", want, to, e.s.t.Timeout, others)
			}
			return nil, fmt.Errorf("GetRequest by %s over %s: %w", to, v, err)
		}
		if r.Request == nil {
			if err := adapters.Sleep(ctx, 20*time.Millisecond); err != nil {
				return nil, fmt.Errorf("request %s did not reach %s within %s (%d other messages seen)", want, to, e.s.t.Timeout, others)
			}
			continue
		}
		id := r.Request.Data.MessageID
		switch {
		case id == want:
			return &polled{Reply: r, Start: start, End: time.Now()}, nil
		case slices.Contains(forbid, id):
			return nil, fmt.Errorf("request %s was delivered to %s, and must not have been", id, to)
		}
		others++
		e.leftover(ctx, v, to, id, r.Request.Data.TransactionCode)
	}
}

// awaitResponse polls GetResponse as consumer over v until a response that
// match accepts arrives. A response of a request in forbid fails the wait.
func (e *Env) awaitResponse(ctx context.Context, v soap.Version, consumer string, match func(*soap.DeliveredResponse) bool) (*soap.Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, e.s.t.Timeout)
	defer cancel()
	c := e.Client(consumer, v)
	others := 0
	for {
		r, err := c.GetResponse(ctx, "", "")
		if err != nil {
			if ctx.Err() != nil {
				return nil, fmt.Errorf("the response did not reach %s within %s (%d other messages seen)", consumer, e.s.t.Timeout, others)
			}
			return nil, fmt.Errorf("GetResponse by %s over %s: %w", consumer, v, err)
		}
		if r.Response == nil {
			if err := adapters.Sleep(ctx, 20*time.Millisecond); err != nil {
				return nil, fmt.Errorf("the response did not reach %s within %s (%d other messages seen)", consumer, e.s.t.Timeout, others)
			}
			continue
		}
		if match(r.Response) {
			return r, nil
		}
		others++
		e.leftover(ctx, v, consumer, r.Response.Data.MessageID, r.Response.OriginalTransactionCode)
	}
}

// responseTo matches the responses to a request.
func responseTo(requestID string) func(*soap.DeliveredResponse) bool {
	return func(r *soap.DeliveredResponse) bool { return r.OriginalMessageID == requestID }
}

// leftover disposes of a message a wait did not look for: the suite's own
// are acknowledged, anyone else's are left to their lease.
func (e *Env) leftover(ctx context.Context, v soap.Version, who, id, code string) {
	if strings.HasPrefix(code, markerPrefix) {
		e.Client(who, v).Ack(ctx, id, true)
	}
}

// awaitStatus polls GetStatus as consumer over v until a status event of
// message id that match accepts arrives (match nil: any). Other events are
// consumed on the way.
func (e *Env) awaitStatus(ctx context.Context, v soap.Version, consumer, id string, match func(*soap.AsyncStatus) bool) (*soap.Reply, error) {
	ctx, cancel := context.WithTimeout(ctx, e.s.t.Timeout)
	defer cancel()
	c := e.Client(consumer, v)
	var seen []string
	for {
		r, err := c.GetStatus(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			return nil, fmt.Errorf("GetStatus by %s over %s: %w", consumer, v, err)
		}
		if st := r.Status; st != nil {
			if st.OriginalMessageID == id {
				if match == nil || match(st) {
					return r, nil
				}
				seen = append(seen, fmt.Sprintf("%s %s %s", st.Category, st.FaultCode, st.Details))
			}
			continue
		}
		if adapters.Sleep(ctx, 25*time.Millisecond) != nil {
			break
		}
	}
	return nil, fmt.Errorf("no matching status event of %s reached %s within %s (its events: %q)", id, consumer, e.s.t.Timeout, seen)
}

// statusIs matches a category and, for a mezhved target, a fault code.
func (e *Env) statusIs(category, code string) func(*soap.AsyncStatus) bool {
	return func(st *soap.AsyncStatus) bool {
		return st.Category == category && (e.s.t.Generic || code == "" || st.FaultCode == code)
	}
}

// conversation is a request answered: what each side saw.
type conversation struct {
	Request  *sent
	Received *soap.Reply // the provider's GetRequest
	Answer   *sent
	Response *soap.Reply // the consumer's GetResponse
}

// converse runs one request-response exchange: from sends req to the
// provider to over v, the provider receives it (checking that it carries
// req), acknowledges it and answers with what answer makes of the
// delivered request; from receives the answer (checking that it refers to
// its request) and acknowledges it.
func (e *Env) converse(ctx context.Context, v soap.Version, from, to string, req *etree.Element, answer func(*soap.DeliveredRequest) *etree.Element) (*conversation, error) {
	t := typeOf(req)
	want, err := canonical(req)
	if err != nil {
		return nil, err
	}
	c := &conversation{}
	if c.Request, err = e.send(ctx, v, from, req); err != nil {
		return nil, err
	}
	if c.Received, err = e.awaitRequest(ctx, v, to, t, c.Request.ID); err != nil {
		return nil, err
	}
	got := c.Received.Request
	if err := samePayload(got.Data.Content, want); err != nil {
		return nil, fmt.Errorf("the request %s reached %s changed: %w", t.local, to, err)
	}
	if got.Metadata.SenderMnemonic != "" && got.Metadata.SenderMnemonic != from {
		return nil, fmt.Errorf("the request reached %s as sent by %q, want %s", to, got.Metadata.SenderMnemonic, from)
	}
	if got.ReplyTo == "" {
		return nil, fmt.Errorf("the request reached %s without ReplyTo", to)
	}
	if err := e.ack(ctx, v, to, c.Request.ID, true); err != nil {
		return nil, err
	}
	content := answer(got)
	wantAnswer, err := canonical(content)
	if err != nil {
		return nil, err
	}
	if c.Answer, err = e.respond(ctx, v, to, got.ReplyTo, content); err != nil {
		return nil, err
	}
	if c.Response, err = e.awaitResponse(ctx, v, from, responseTo(c.Request.ID)); err != nil {
		return nil, err
	}
	resp := c.Response.Response
	if resp.Data.MessageID != c.Answer.ID {
		return nil, fmt.Errorf("%s received response %s to %s, want %s", from, resp.Data.MessageID, c.Request.ID, c.Answer.ID)
	}
	if err := samePayload(resp.Data.Content, wantAnswer); err != nil {
		return nil, fmt.Errorf("the answer reached %s changed: %w", from, err)
	}
	if resp.OriginalTransactionCode != "" && resp.OriginalTransactionCode != c.Request.Code {
		return nil, fmt.Errorf("the answer's OriginalTransactionCode is %q, want the request's %q", resp.OriginalTransactionCode, c.Request.Code)
	}
	if err := e.ack(ctx, v, from, resp.Data.MessageID, true); err != nil {
		return nil, err
	}
	return c, nil
}

// canonical is the exclusive canonical form of a payload (namespace
// declarations of ancestors included where used), which survives the trip
// through the endpoint unchanged.
func canonical(el *etree.Element) ([]byte, error) {
	if el == nil {
		return nil, errors.New("no payload")
	}
	return dsig.AppendExcC14N(nil, el, nil)
}

// samePayload checks that el has the canonical form want.
func samePayload(el *etree.Element, want []byte) error {
	got, err := canonical(el)
	if err != nil {
		return err
	}
	if !bytes.Equal(got, want) {
		return fmt.Errorf("got %.300s, want %.300s", got, want)
	}
	return nil
}

// verifyFrom checks that sig (a sender's signature passed on with a
// delivered message) verifies over signed in the delivered envelope and was
// made with the participant's certificate.
func (e *Env) verifyFrom(root, sig, signed *etree.Element, mnemonic string) error {
	if sig == nil {
		return errors.New("no SenderInformationSystemSignature")
	}
	vf, err := e.s.verifier.Verify(root, sig, signed)
	if err != nil {
		return fmt.Errorf("the sender's signature does not verify in the delivered message: %w", err)
	}
	if !vf.Certificate.Equal(e.s.parties[mnemonic].certs[0]) {
		return fmt.Errorf("the sender's signature was made by %q, not %s", vf.Certificate.Subject.CommonName, mnemonic)
	}
	return nil
}

// Payloads: the shipped samples (schemas/payloads), parsed once.

var sampleFiles = func() map[string][]byte {
	out := map[string][]byte{}
	entries, _ := fs.Glob(schemas.Files(), "payloads/*.xml")
	for _, name := range entries {
		data, err := fs.ReadFile(schemas.Files(), name)
		if err == nil {
			out[strings.TrimSuffix(path.Base(name), ".xml")] = data
		}
	}
	return out
}()

// payload returns a fresh copy of the sample payload of a root element
// (Writ, Decree...). An unknown root gives an element no endpoint accepts.
func payload(root string) *etree.Element {
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(sampleFiles[root]); err != nil || doc.Root() == nil {
		return etree.NewElement("NoSample" + root)
	}
	return doc.Root()
}

// set sets the text of the element at a path of local names under el; a
// missing path is left as is (the endpoint then sees the sample value).
func set(el *etree.Element, path, value string) *etree.Element {
	x := el
	for _, step := range strings.Split(path, "/") {
		var next *etree.Element
		for c := range x.ChildElementsSeq() {
			if c.Tag == step {
				next = c
				break
			}
		}
		if next == nil {
			return el
		}
		x = next
	}
	x.SetText(value)
	return el
}

// text returns the text at a path of local names under el.
func text(el *etree.Element, path string) string {
	x := el
	for _, step := range strings.Split(path, "/") {
		var next *etree.Element
		for c := range x.ChildElementsSeq() {
			if c.Tag == step {
				next = c
				break
			}
		}
		if next == nil {
			return ""
		}
		x = next
	}
	return strings.TrimSpace(x.Text())
}

// account returns a valid 20-digit account number at the bank with the BIC,
// its last digits taken from serial.
func account(bic string, serial int) string {
	for k := 0; k <= 9; k++ {
		a := fmt.Sprintf("40817810%d%011d", k, serial%100000000000)
		if ident.CheckAccount(a, bic) == nil {
			return a
		}
	}
	return "40817810000000000000"
}
