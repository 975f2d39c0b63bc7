package bench

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/google/uuid"

	"mezhved/adapters"
	"mezhved/exchange/hub"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
)

// newHTTPClient is the bench's HTTP client: keep-alive connections enough
// for every worker, no retries (a failure is counted, not hidden), each
// exchange bounded to two minutes, on the lean transport.
func newHTTPClient(conns int) *http.Client {
	return &http.Client{Transport: newLeanTransport(conns*2, 2*time.Minute)}
}

// poster posts ready envelopes to a hub.
type poster struct {
	url string
	hc  *http.Client
	// participant names the caller of unsigned calls (the hub in
	// insecure mode reads it).
	participant string
}

// post sends one envelope. An answer other than 200 is an error: the SOAP
// fault the hub answered with when it is one.
func (p *poster) post(ctx context.Context, b body) error {
	return p.exchange(ctx, b, nil)
}

// exchange sends one envelope and, when into is not nil, reads the 200
// answer into it (else discards it).
func (p *poster) exchange(ctx context.Context, b body, into *bytes.Buffer) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, p.url, b.reader())
	if err != nil {
		return err
	}
	req.ContentLength = b.n
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	if p.participant != "" {
		req.Header.Set(hub.ParticipantHeader, p.participant)
	}
	resp, err := p.hc.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode == http.StatusOK {
		if into != nil {
			_, err = into.ReadFrom(resp.Body)
		} else {
			_, err = io.Copy(io.Discard, resp.Body)
		}
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	return replyError(resp.Status, raw)
}

// soapConsumer takes and acknowledges requests over SOAP, unsigned, with
// as little work of its own as a client can do, since it shares the
// processors with the hub it measures (as a message broker's client does
// little: one binary fetch, one ack): its GetRequest is one envelope built
// once (an unsigned GetRequest has nothing that must change between
// calls), its Ack a template the message's ID goes into, and of an answer
// it reads only the delivered message's ID.
type soapConsumer struct {
	p                *poster
	get              body
	ackHead, ackTail []byte
	// ack is the Ack being sent: one slice, so that the request goes out
	// in one write (see body.reader).
	ack []byte
	buf bytes.Buffer
}

// ackMarker stands for the message's ID in the Ack template.
const ackMarker = "mezhved-bench-ack-target"

func newSOAPConsumer(p *poster) (*soapConsumer, error) {
	get, err := soap.Marshal(soap.NewGetRequest(soap.V11, &soap.Selector{Timestamp: time.Now()}))
	if err != nil {
		return nil, err
	}
	ack, err := soap.Marshal(soap.NewAck(soap.V11, &soap.AckTarget{MessageID: ackMarker, Accepted: true}))
	if err != nil {
		return nil, err
	}
	head, tail, ok := bytes.Cut(ack, []byte(ackMarker))
	if !ok {
		return nil, fmt.Errorf("bench: the Ack template has no place for the ID")
	}
	return &soapConsumer{p: p, get: oneBody(get), ackHead: head, ackTail: tail}, nil
}

// consume takes one request and acknowledges it; errEmpty when the queue
// had none.
func (c *soapConsumer) consume(ctx context.Context) error {
	c.buf.Reset()
	if err := c.p.exchange(ctx, c.get, &c.buf); err != nil {
		return err
	}
	id, ok, err := deliveredID(c.buf.Bytes())
	if err != nil {
		return err
	}
	if !ok {
		return errEmpty
	}
	c.ack = append(append(append(c.ack[:0], c.ackHead...), id...), c.ackTail...)
	return c.p.post(ctx, oneBody(c.ack))
}

// deliveredID finds the MessageID of the message a GetRequest answer
// delivers (the first MessageID element: the sender's data comes first);
// ok is false when the answer delivers nothing. An ID that is not a UUID
// is an error.
func deliveredID(answer []byte) (id []byte, ok bool, err error) {
	const tag = "MessageID>"
	for rest := answer; ; {
		i := bytes.Index(rest, []byte(tag))
		if i < 0 {
			return nil, false, nil
		}
		if i == 0 || (rest[i-1] != ':' && rest[i-1] != '<') {
			rest = rest[i+len(tag):]
			continue
		}
		value := rest[i+len(tag):]
		end := bytes.IndexByte(value, '<')
		if end < 0 || !isUUID(value[:end]) {
			return nil, false, fmt.Errorf("bench: the GetRequest answer's MessageID is not a UUID")
		}
		return value[:end], true, nil
	}
}

// isUUID says whether b is a UUID in its plain textual form
// (xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx; uuid.ParseBytes also takes the
// braced and URN forms).
func isUUID(b []byte) bool {
	if len(b) != 36 {
		return false
	}
	_, err := uuid.ParseBytes(b)
	return err == nil
}

// replyError reads the fault of an answer that is not 200.
func replyError(status string, raw []byte) error {
	doc, err := xmlsafe.Parse(raw, nil)
	if err != nil {
		return fmt.Errorf("bench: the hub answered %s", status)
	}
	r, err := soap.DecodeReply(doc.Root())
	if err != nil {
		return fmt.Errorf("bench: the hub answered %s", status)
	}
	if r.Fault != nil {
		return r.Fault
	}
	return fmt.Errorf("bench: the hub answered %s", status)
}

// participantClient is a participant's client that signs every call as it
// makes it (unsigned, with the participant named, when unsigned is set).
// It does not verify the hub's signatures: that is the participant's work,
// not the hub's.
func (b *bencher) participantClient(url, mnemonic string, hc *http.Client, unsigned bool) (*adapters.Client, error) {
	c := &adapters.Client{URL: url, Version: soap.V11, HTTP: hc}
	if unsigned {
		c.Participant = mnemonic
		return c, nil
	}
	s, err := b.w.signer(mnemonic)
	if err != nil {
		return nil, err
	}
	c.Signer = s
	return c, nil
}
