package bench

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"time"

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
		_, err = io.Copy(io.Discard, resp.Body)
		return err
	}
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return err
	}
	return replyError(resp.Status, raw)
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
