package adapters

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"mezhved/exchange/dsig"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
)

// Client calls a hub's SOAP endpoint as one participant: it builds each
// call, signs it with the participant's key, posts it and decodes the
// answer. It is safe for concurrent use.
type Client struct {
	// URL is the hub's endpoint, e.g. http://127.0.0.1:8080/ws/1.1.
	URL string
	// Version of the calls; default 1.1.
	Version soap.Version
	// Signer signs every call. Nil sends unsigned calls (a hub in insecure
	// mode then reads Participant).
	Signer soap.Signer
	// Participant is sent in the X-Mezhved-Participant header of unsigned
	// calls.
	Participant string
	// Verifier, when set, checks the hub's signature of every answer the
	// hub signs (the acceptance of SendRequest and SendResponse, and a
	// non-empty GetRequest, GetResponse or GetStatus answer): an answer
	// without that signature, or whose signature does not verify, is
	// refused with ErrHubSignature.
	Verifier *dsig.Verifier
	// HubCertificate, when set (with Verifier), is the hub's signing
	// certificate (hub.crt of the development PKI): the signature of an
	// answer must be made with exactly this certificate. Without it any
	// certificate that chains to the Verifier's trust anchors is taken as
	// the hub's — and when that CA also issues the participants'
	// certificates, as the development PKI's does, any participant could
	// then pass for the hub. Set it (or HubFingerprint) in production.
	HubCertificate *x509.Certificate
	// HubFingerprint, when not zero, is the SHA-256 of the DER of the hub's
	// signing certificate; it works as HubCertificate does (both, when set,
	// must match).
	HubFingerprint [32]byte
	// HTTP is the HTTP client. Default http.DefaultClient.
	HTTP *http.Client
	// Now is the clock (for Timestamps). Default time.Now.
	Now func() time.Time
}

// ErrHubSignature is returned (wrapped, with the reason) when an answer the
// hub signs has no hub signature, its signature does not verify, or it was
// made with a certificate other than the configured hub's.
var ErrHubSignature = errors.New("adapters: the hub's signature does not verify")

// ErrUndecodable is returned (wrapped, with the reason) when the hub's
// answer is not a SOAP envelope of SMEV 3 that can be read. A retry of the
// same call is not expected to cure it (see Retryable).
var ErrUndecodable = errors.New("adapters: the hub's answer cannot be decoded")

// HTTPError is a hub (or proxy) answer that is not SOAP: its HTTP status
// and the start of its body.
type HTTPError struct {
	StatusCode int
	Status     string
	Body       string // at most 200 bytes
}

func (e *HTTPError) Error() string {
	return fmt.Sprintf("adapters: the hub answered %s: %s", e.Status, e.Body)
}

// NewMessageID returns a version 1 UUID, as SMEV requires of a MessageID.
func NewMessageID() (string, error) {
	u, err := uuid.NewUUID()
	if err != nil {
		return "", err
	}
	return u.String(), nil
}

func (c *Client) version() soap.Version {
	if c.Version == "" {
		return soap.V11
	}
	return c.Version
}

func (c *Client) now() time.Time {
	if c.Now == nil {
		return time.Now()
	}
	return c.Now()
}

// Do signs and posts a call envelope and decodes the answer, which must
// answer that call (see Call). A SOAP fault is returned as a *soap.Fault
// error together with the reply.
func (c *Client) Do(ctx context.Context, doc *etree.Document) (*soap.Reply, error) {
	call, err := soap.DecodeCall(doc.Root())
	if err != nil {
		return nil, err
	}
	if c.Signer != nil {
		if _, err := soap.SignCall(doc.Root(), c.Signer); err != nil {
			return nil, err
		}
	}
	body, err := soap.Marshal(doc)
	if err != nil {
		return nil, err
	}
	return c.post(ctx, body, call)
}

// Call posts a ready call envelope (signed already, when it is to be) and
// decodes the answer, which must answer that call: the same operation, and
// for SendRequest and SendResponse the acceptance of the very message sent.
// An answer to anything else (one replayed, or made by whoever answered in
// the hub's place) is ErrUndecodable, never taken for the hub's acceptance.
func (c *Client) Call(ctx context.Context, body []byte) (*soap.Reply, error) {
	doc, err := xmlsafe.Parse(body, &xmlsafe.Options{MaxBytes: int64(len(body)) + 1})
	if err != nil {
		return nil, fmt.Errorf("adapters: the envelope to send: %w", err)
	}
	call, err := soap.DecodeCall(doc.Root())
	if err != nil {
		return nil, fmt.Errorf("adapters: the envelope to send: %w", err)
	}
	return c.post(ctx, body, call)
}

func (c *Client) post(ctx context.Context, body []byte, call *soap.Call) (*soap.Reply, error) {
	r, err := c.Post(ctx, body)
	if r == nil || r.Fault != nil {
		return r, err
	}
	if merr := answers(r, call); merr != nil {
		return r, merr
	}
	return r, err
}

// answers checks that r answers call.
func answers(r *soap.Reply, call *soap.Call) error {
	if r.Operation != call.Operation {
		return fmt.Errorf("%w: the %s call was answered as %s", ErrUndecodable, call.Operation, r.Operation)
	}
	var sent string
	switch call.Operation {
	case soap.SendRequest:
		sent = call.SendRequest.MessageID
	case soap.SendResponse:
		sent = call.SendResponse.MessageID
	default:
		return nil
	}
	if r.Metadata == nil || r.Metadata.MessageID != sent {
		got := ""
		if r.Metadata != nil {
			got = r.Metadata.MessageID
		}
		return fmt.Errorf("%w: the acceptance is of message %q, not of %q, the one sent", ErrUndecodable, got, sent)
	}
	return nil
}

// Post sends a ready envelope and decodes the answer, whatever call it
// answers (Call checks that).
func (c *Client) Post(ctx context.Context, body []byte) (*soap.Reply, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.URL, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "text/xml; charset=utf-8")
	if c.Signer == nil && c.Participant != "" {
		req.Header.Set("X-Mezhved-Participant", c.Participant)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var raw []byte
	if n := resp.ContentLength; n > 0 && n <= 64<<20 {
		raw = make([]byte, n)
		if _, err := io.ReadFull(resp.Body, raw); err != nil {
			return nil, err
		}
	} else if raw, err = io.ReadAll(io.LimitReader(resp.Body, 64<<20)); err != nil {
		return nil, err
	}
	if !strings.Contains(resp.Header.Get("Content-Type"), "xml") {
		return nil, &HTTPError{StatusCode: resp.StatusCode, Status: resp.Status, Body: strings.TrimSpace(string(raw[:min(len(raw), 200)]))}
	}
	doc, err := xmlsafe.Parse(raw, &xmlsafe.Options{MaxBytes: 64 << 20})
	if err != nil {
		return nil, fmt.Errorf("%w (HTTP %s): %w", ErrUndecodable, resp.Status, err)
	}
	r, err := soap.DecodeReply(doc.Root())
	if err != nil {
		return nil, fmt.Errorf("%w (HTTP %s): %w", ErrUndecodable, resp.Status, err)
	}
	if r.Fault != nil {
		return r, r.Fault
	}
	if err := c.checkHubSignature(doc.Root(), r); err != nil {
		return r, err
	}
	return r, nil
}

// hubSigns reports whether the hub signs the answer r: the acceptance of a
// message, and a delivered request, response or status event (see
// soap.NewAccepted and the hub's Get* answers). An empty queue's answer,
// an Ack's and the statistics are not signed.
func hubSigns(r *soap.Reply) bool {
	switch r.Operation {
	case soap.SendRequest, soap.SendResponse:
		return true
	case soap.GetRequest:
		return r.Request != nil
	case soap.GetResponse:
		return r.Response != nil
	case soap.GetStatus:
		return r.Status != nil
	}
	return false
}

// checkHubSignature checks, when a Verifier is set, the hub's signature of
// an answer the hub signs, and that it was made by the configured hub
// certificate.
func (c *Client) checkHubSignature(root *etree.Element, r *soap.Reply) error {
	if c.Verifier == nil {
		return nil
	}
	if r.HubSignature == nil {
		if hubSigns(r) {
			return fmt.Errorf("%w: the %s answer carries no SMEVSignature", ErrHubSignature, r.Operation)
		}
		return nil
	}
	v, err := c.Verifier.Verify(root, r.HubSignature, r.HubSigned)
	if err != nil {
		return fmt.Errorf("%w: %v", ErrHubSignature, err)
	}
	if c.HubCertificate != nil && !bytes.Equal(v.Certificate.Raw, c.HubCertificate.Raw) {
		return fmt.Errorf("%w: signed by %q, not by the hub's certificate %q", ErrHubSignature, v.Certificate.Subject, c.HubCertificate.Subject)
	}
	if c.HubFingerprint != ([32]byte{}) && sha256.Sum256(v.Certificate.Raw) != c.HubFingerprint {
		return fmt.Errorf("%w: signed by %q, whose SHA-256 fingerprint is not the hub's", ErrHubSignature, v.Certificate.Subject)
	}
	return nil
}

// SendRequest sends a request whose payload is content (copied). d's
// MessageID is made when empty.
func (c *Client) SendRequest(ctx context.Context, d *soap.RequestData, attachments []soap.Attachment) (*soap.Reply, error) {
	if d.MessageID == "" {
		id, err := NewMessageID()
		if err != nil {
			return nil, err
		}
		d.MessageID = id
	}
	return c.Do(ctx, soap.NewSendRequest(c.version(), d, attachments))
}

// SendResponse sends a response (to is the request's ReplyTo).
func (c *Client) SendResponse(ctx context.Context, d *soap.ResponseData, attachments []soap.Attachment) (*soap.Reply, error) {
	if d.MessageID == "" {
		id, err := NewMessageID()
		if err != nil {
			return nil, err
		}
		d.MessageID = id
	}
	return c.Do(ctx, soap.NewSendResponse(c.version(), d, attachments))
}

// GetRequest takes the next request (of the type {ns}root when ns is not
// empty); Reply.Request is nil when there is none.
func (c *Client) GetRequest(ctx context.Context, ns, root string) (*soap.Reply, error) {
	return c.Do(ctx, soap.NewGetRequest(c.version(), &soap.Selector{Timestamp: c.now(), NamespaceURI: ns, RootElementLocalName: root}))
}

// GetResponse takes the next response; Reply.Response is nil when there is
// none.
func (c *Client) GetResponse(ctx context.Context, ns, root string) (*soap.Reply, error) {
	return c.Do(ctx, soap.NewGetResponse(c.version(), &soap.Selector{Timestamp: c.now(), NamespaceURI: ns, RootElementLocalName: root}))
}

// Ack acknowledges a delivered message.
func (c *Client) Ack(ctx context.Context, messageID string, accepted bool) error {
	_, err := c.Do(ctx, soap.NewAck(c.version(), &soap.AckTarget{MessageID: messageID, Accepted: accepted}))
	return err
}

// GetStatus takes the next status event; Reply.Status is nil when there is
// none.
func (c *Client) GetStatus(ctx context.Context) (*soap.Reply, error) {
	return c.Do(ctx, soap.NewGetStatus(c.version(), &soap.Timestamp{Time: c.now()}))
}

// Stats returns the pending counts of the caller's queues.
func (c *Client) Stats(ctx context.Context) (*soap.Reply, error) {
	return c.Do(ctx, soap.NewGetIncomingQueueStatistics(c.version(), &soap.Timestamp{Time: c.now()}, ""))
}
