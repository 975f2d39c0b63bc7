package exchange

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/cms"
	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/schemas"
)

// Options configure the ingress checks. The zero value of a field means its
// default (see DefaultOptions).
type Options struct {
	// MaxEnvelope is the largest envelope accepted, in bytes. Default 10 MiB.
	MaxEnvelope int64
	// MaxDepth is the deepest element nesting accepted. Default 128.
	MaxDepth int
	// AllowUnsigned accepts calls without a caller signature (their sender
	// is then unknown to Check, and the access rules are applied when the
	// caller names one: see Authorize). A signature that is present is
	// always verified. For tests only.
	AllowUnsigned bool
	// StaleAfter refuses a MessageID whose UUID timestamp is older than this
	// (StaleMessageId) or further in the future than MaxClockSkew. 0 leaves
	// it unchecked, as an offline check of archived envelopes must.
	StaleAfter time.Duration
	// MaxClockSkew is how far in the future a MessageID's timestamp, or a
	// poll's, may be. Default 5 minutes.
	MaxClockSkew time.Duration
	// PollWindow refuses a signed poll (GetRequest, GetResponse, GetStatus,
	// GetIncomingQueueStatistics) whose signed Timestamp is older than this
	// or further in the future than MaxClockSkew (StaleTimestamp), so that
	// a captured poll cannot be replayed later to take the signer's
	// messages or status events. 0 leaves it unchecked, as an offline check
	// of archived envelopes must.
	PollWindow time.Duration
	// CheckEOL refuses a message whose EOL has passed.
	CheckEOL bool
	// OnVerify, when set, is told of every caller signature verified at the
	// door: its method (empty when the signature was refused before the
	// method was read) and the error, nil when it verified (metrics).
	OnVerify func(method string, err error)
	// AttachmentLimit is the default largest total size of a message's
	// attachments, for types that set none. Default 5 MiB.
	AttachmentLimit int64
	// Identifiers says which payload elements carry identifiers and get
	// check-digit validation. Default: the shipped enforcement rules.
	Identifiers *schemas.IdentifierRules
	// Now is the clock. Default time.Now.
	Now func() time.Time
}

// DefaultOptions returns the defaults.
func DefaultOptions() Options {
	ids := schemas.EnforcementIdentifiers()
	return Options{
		MaxEnvelope:     xmlsafe.DefaultMaxBytes,
		MaxDepth:        xmlsafe.DefaultMaxDepth,
		MaxClockSkew:    5 * time.Minute,
		AttachmentLimit: 5 << 20,
		Identifiers:     &ids,
		Now:             time.Now,
	}
}

func (o Options) withDefaults() Options {
	d := DefaultOptions()
	if o.MaxEnvelope > 0 {
		d.MaxEnvelope = o.MaxEnvelope
	}
	if o.MaxDepth > 0 {
		d.MaxDepth = o.MaxDepth
	}
	if o.MaxClockSkew > 0 {
		d.MaxClockSkew = o.MaxClockSkew
	}
	if o.AttachmentLimit > 0 {
		d.AttachmentLimit = o.AttachmentLimit
	}
	if o.Identifiers != nil {
		d.Identifiers = o.Identifiers
	}
	if o.Now != nil {
		d.Now = o.Now
	}
	d.AllowUnsigned = o.AllowUnsigned
	d.StaleAfter = o.StaleAfter
	d.PollWindow = o.PollWindow
	d.CheckEOL = o.CheckEOL
	d.OnVerify = o.OnVerify
	return d
}

// Ingress checks envelopes at the door. It is safe for concurrent use.
type Ingress struct {
	reg      *registry.Registry
	schemas  schemas.Validator
	verifier *dsig.Verifier
	opts     Options
}

// NewIngress builds the checks from a registry, a validator compiled with the
// registry's schemas, and a signature verifier (nil only with
// opts.AllowUnsigned, to accept unsigned calls and refuse signed ones).
func NewIngress(reg *registry.Registry, v schemas.Validator, verifier *dsig.Verifier, opts Options) (*Ingress, error) {
	if reg == nil || v == nil {
		return nil, errors.New("exchange: an ingress needs a registry and a validator")
	}
	if verifier == nil && !opts.AllowUnsigned {
		return nil, errors.New("exchange: an ingress needs a signature verifier")
	}
	return &Ingress{reg: reg, schemas: v, verifier: verifier, opts: opts.withDefaults()}, nil
}

// Accepted is an envelope that passed every check.
type Accepted struct {
	// Raw is the envelope as received; Doc its parse.
	Raw []byte
	Doc *xmlsafe.Document
	// Call is the decoded operation. Every field it holds comes from the
	// verified element (or, for attachment contents, from where the protocol
	// puts them outside the signature).
	Call *soap.Call
	// Verified is the caller's verified signature; nil for an unsigned call
	// accepted with AllowUnsigned.
	Verified *dsig.Verified
	// Personal is the verified personal signature over the payload root
	// (PersonalSignature), when the message carries one.
	Personal *dsig.Verified
	// Sender is the participant the signing certificate is bound to; nil
	// for an unsigned call.
	Sender *registry.Participant
	// Type is the payload's message type (SendRequest, SendResponse).
	Type *registry.MessageType
	// Selected is the type a GetRequest's or GetResponse's
	// MessageTypeSelector names; nil when it names none.
	Selected *registry.MessageType
	// Recipients of a request, by the type's delivery rule.
	Recipients []*registry.Participant
	// MessageTime is the timestamp in a version 1 MessageID.
	MessageTime time.Time
}

// Check runs the whole ingress validation of one envelope: size, XML safety,
// schema (envelope and payload in one pass), structure, signature and
// certificate, sender, message type and permission, MessageID, EOL,
// identifiers, attachments and routing. A rejection is a *fault.Error.
func (in *Ingress) Check(ctx context.Context, raw []byte) (*Accepted, error) {
	doc, err := xmlsafe.Parse(raw, &xmlsafe.Options{MaxBytes: in.opts.MaxEnvelope, MaxDepth: in.opts.MaxDepth})
	if err != nil {
		return nil, xmlFault(err)
	}
	if err := in.schemas.Validate(ctx, doc.UTF8); err != nil {
		return nil, schemaFault(err)
	}
	call, err := soap.DecodeCall(doc.Root())
	if err != nil {
		return nil, err
	}
	a := &Accepted{Raw: raw, Doc: doc, Call: call}
	if err := in.checkSignature(a); err != nil {
		return nil, err
	}
	switch call.Operation {
	case soap.SendRequest:
		err = in.checkSendRequest(a)
	case soap.SendResponse:
		err = in.checkSendResponse(a)
	case soap.GetRequest, soap.GetResponse:
		if err = in.checkPollTime(a, call.Selector.Timestamp); err == nil {
			err = in.checkSelector(a)
		}
	case soap.GetStatus, soap.GetIncomingQueueStatistics:
		if call.Timestamp != nil {
			err = in.checkPollTime(a, call.Timestamp.Time)
		}
	}
	if err != nil {
		return nil, err
	}
	return a, nil
}

func (in *Ingress) checkSignature(a *Accepted) error {
	c := a.Call
	if c.Signature == nil {
		if in.opts.AllowUnsigned {
			return nil
		}
		return fault.New(fault.NoSignature, "%s has no CallerInformationSystemSignature over %s", c.Body.Tag, c.Signed.Tag)
	}
	if in.verifier == nil {
		return fault.New(fault.CertificateUntrusted, "this hub has no trust store and cannot verify signatures")
	}
	v, err := in.verifier.Verify(c.Envelope, c.Signature, c.Signed)
	if in.opts.OnVerify != nil {
		method := ""
		if v != nil {
			method = v.SignatureMethod
		} else if sm := c.Signature.FindElement("./SignedInfo/SignatureMethod"); sm != nil {
			method = sm.SelectAttrValue("Algorithm", "")
		}
		in.opts.OnVerify(method, err)
	}
	if err != nil {
		return signatureFault(err)
	}
	a.Verified = v
	p, ok := in.reg.ByCertificate(v.Certificate)
	if !ok {
		return fault.New(fault.SenderNotRegistered, "the certificate %q (serial %x) is not bound to a participant", v.Certificate.Subject.CommonName, v.Certificate.SerialNumber)
	}
	a.Sender = p
	return nil
}

func (in *Ingress) checkMessageID(id string) (time.Time, error) {
	t, ok := soap.MessageIDTime(id)
	if !ok {
		return time.Time{}, fault.New(fault.MessageIDFormat, "MessageID must be a lower-case version 1 UUID")
	}
	if in.opts.StaleAfter > 0 {
		now := in.opts.Now()
		if t.Before(now.Add(-in.opts.StaleAfter)) {
			return t, fault.New(fault.StaleMessageID, "the MessageID was made at %s, more than %s ago", t.Format(time.RFC3339), in.opts.StaleAfter)
		}
		if t.After(now.Add(in.opts.MaxClockSkew)) {
			return t, fault.New(fault.StaleMessageID, "the MessageID was made at %s, in the future (check the sender's clock)", t.Format(time.RFC3339))
		}
	}
	return t, nil
}

func (in *Ingress) checkSendRequest(a *Accepted) error {
	d := a.Call.SendRequest
	var err error
	if a.MessageTime, err = in.checkMessageID(d.MessageID); err != nil {
		return err
	}
	if in.opts.CheckEOL && !d.EOL.IsZero() && !d.EOL.After(in.opts.Now()) {
		return fault.New(fault.EndOfLife, "the message's EOL %s has passed", d.EOL.UTC().Format(time.RFC3339))
	}
	t, err := in.payloadType(d.Content)
	if err != nil {
		return err
	}
	if t.Direction != registry.Request {
		return &fault.Error{Kind: fault.UnsupportedType, Description: fmt.Sprintf("%s is a response type; send it with SendResponse", t.Root.Local),
			RootNamespace: t.Root.Space, RootLocalName: t.Root.Local}
	}
	a.Type = t
	if a.Sender != nil {
		if err := mayRequest(a.Sender, t); err != nil {
			return err
		}
	}
	if err := in.checkPayload(a, d.Content, d.PersonalSignature, d.AttachmentHeaders, t); err != nil {
		return err
	}
	recipients, err := in.reg.Route(t, d.Content)
	if err != nil {
		return fault.Wrap(fault.RecipientNotFound, err, "%v", err)
	}
	a.Recipients = recipients
	return nil
}

func (in *Ingress) checkSendResponse(a *Accepted) error {
	d := a.Call.SendResponse
	var err error
	if a.MessageTime, err = in.checkMessageID(d.MessageID); err != nil {
		return err
	}
	if d.Content == nil {
		// A rejection or a status: no payload to type, but the attachments
		// it may carry are checked as any others (the schema allows them).
		return in.checkAttachments(a.Call.Attachments, d.AttachmentHeaders, nil)
	}
	t, err := in.payloadType(d.Content)
	if err != nil {
		return err
	}
	if t.Direction != registry.Response {
		return fault.New(fault.ResponseContentType, "%s is registered as a request type; a response must carry an answer type", t.Root.Local)
	}
	a.Type = t
	return in.checkPayload(a, d.Content, d.PersonalSignature, d.AttachmentHeaders, t)
}

// payloadType finds the registered type of a payload root.
func (in *Ingress) payloadType(content *etree.Element) (*registry.MessageType, error) {
	ns, local := content.NamespaceURI(), content.Tag
	t, ok := in.reg.Type(ns, local)
	if !ok {
		return nil, &fault.Error{Kind: fault.UnsupportedType, Description: fmt.Sprintf("{%s}%s is not a registered message type", ns, local),
			RootNamespace: ns, RootLocalName: local}
	}
	return t, nil
}

// checkPayload applies the personal signature, identifier and attachment
// rules.
func (in *Ingress) checkPayload(a *Accepted, content, personal *etree.Element, headers []soap.AttachmentHeader, t *registry.MessageType) error {
	if err := in.checkPersonalSignature(a, content, personal, t); err != nil {
		return err
	}
	if issues := schemas.CheckIdentifiers(content, *in.opts.Identifiers); len(issues) > 0 {
		e := fault.New(fault.Identifier, "%d identifier(s) fail their check rule", len(issues))
		for _, i := range issues {
			e.Positions = append(e.Positions, fault.Position{Path: i.Path, Reason: i.Reason})
		}
		return e
	}
	return in.checkAttachments(a.Call.Attachments, headers, t)
}

// checkPersonalSignature verifies a personal signature (over the element
// directly under MessagePrimaryContent) when there is one, and requires one
// when the message type does. The signer is a person: the certificate must
// chain to a trusted CA, but need not be bound to a participant.
func (in *Ingress) checkPersonalSignature(a *Accepted, content, personal *etree.Element, t *registry.MessageType) error {
	if personal == nil {
		if t.PersonalSignatureRequired {
			return fault.New(fault.PersonalSignature, "%s requires a personal signature (PersonalSignature) over <%s>", t.Name, content.Tag)
		}
		return nil
	}
	if in.verifier == nil {
		return fault.New(fault.PersonalSignature, "this hub has no trust store and cannot verify the personal signature")
	}
	v, err := in.verifier.Verify(a.Call.Envelope, personal, content)
	if err != nil {
		return fault.Wrap(fault.PersonalSignature, err, "the personal signature over <%s>: %s", content.Tag, strings.TrimPrefix(err.Error(), "dsig: "))
	}
	a.Personal = v
	return nil
}

// checkAttachments requires headers and contents to match one to one and
// their total size to stay within the type's limit.
func (in *Ingress) checkAttachments(contents []soap.Attachment, headers []soap.AttachmentHeader, t *registry.MessageType) error {
	if len(contents) != len(headers) {
		return fault.New(fault.AttachmentMiscoordination, "%d attachment headers but %d attachment contents", len(headers), len(contents))
	}
	byID := make(map[string]int, len(contents))
	var total int64
	for _, c := range contents {
		if _, dup := byID[c.ID]; dup {
			return fault.New(fault.AttachmentMiscoordination, "two attachment contents have the Id %q", c.ID)
		}
		n := c.DecodedSize()
		if n < 0 {
			return fault.New(fault.Schema, "the content of attachment %q is not valid base64", c.ID)
		}
		byID[c.ID] = 1
		total += n
	}
	for _, h := range headers {
		if byID[h.ContentID] != 1 {
			return fault.New(fault.AttachmentMiscoordination, "attachment header %q has no content with that Id (or shares it)", h.ContentID)
		}
		byID[h.ContentID] = 2
	}
	limit := in.opts.AttachmentLimit
	if t != nil && t.AttachmentLimit > 0 {
		limit = t.AttachmentLimit
	}
	if total > limit {
		return &fault.Error{Kind: fault.AttachmentTooLarge, PermittedSize: limit, RealSize: total,
			Description: fmt.Sprintf("the attachments total %d bytes; %d are permitted", total, limit)}
	}
	for _, h := range headers {
		if h.SignaturePKCS7 == nil {
			continue
		}
		i := slices.IndexFunc(contents, func(c soap.Attachment) bool { return c.ID == h.ContentID })
		if err := in.checkAttachmentSignature(h, contents[i]); err != nil {
			return err
		}
	}
	return nil
}

// checkAttachmentSignature verifies the detached CMS signature
// (SignaturePKCS7) of one attachment over its bytes, and the signer's
// certificate as the caller's is checked: chain, validity, revocation. The
// signer is whoever made the file (an official, a court's system), so the
// certificate need not be bound to a participant.
func (in *Ingress) checkAttachmentSignature(h soap.AttachmentHeader, c soap.Attachment) error {
	if in.verifier == nil {
		return fault.New(fault.AttachmentSignature, "attachment %q: this hub has no trust store and cannot verify its signature", h.ContentID)
	}
	data, err := c.Decode()
	if err != nil {
		return fault.New(fault.Schema, "the content of attachment %q is not valid base64", c.ID)
	}
	signed, err := cms.VerifyDetached(h.SignaturePKCS7, data, &cms.Options{AllowWeak: in.verifier.AllowsWeak(), MaxSize: maxAttachmentSignature})
	if err != nil {
		return fault.Wrap(fault.AttachmentSignature, err, "attachment %q: %v", h.ContentID, err)
	}
	for _, s := range signed.Signers {
		if _, err := in.verifier.VerifyCertificate(s.Certificate, signed.Certificates); err != nil {
			return fault.Wrap(fault.AttachmentSignature, err, "attachment %q: the signer's certificate: %s", h.ContentID, strings.TrimPrefix(err.Error(), "dsig: "))
		}
	}
	return nil
}

// maxAttachmentSignature bounds the DER of one SignaturePKCS7: a signature
// with a few certificates is a few kilobytes.
const maxAttachmentSignature = 256 << 10

// checkSelector checks a MessageTypeSelector that names a type, and keeps
// the type in a.Selected.
// checkPollTime refuses a signed poll whose signed Timestamp t is outside
// PollWindow.
func (in *Ingress) checkPollTime(a *Accepted, t time.Time) error {
	if in.opts.PollWindow <= 0 || a.Verified == nil {
		return nil
	}
	now := in.opts.Now()
	if t.Before(now.Add(-in.opts.PollWindow)) {
		return fault.New(fault.StaleTimestamp, "the %s was signed at %s, more than %s ago; sign each poll as it is sent",
			a.Call.Operation, t.UTC().Format(time.RFC3339), in.opts.PollWindow)
	}
	if t.After(now.Add(in.opts.MaxClockSkew)) {
		return fault.New(fault.StaleTimestamp, "the %s was signed at %s, in the future (check the caller's clock)",
			a.Call.Operation, t.UTC().Format(time.RFC3339))
	}
	return nil
}

func (in *Ingress) checkSelector(a *Accepted) error {
	s := a.Call.Selector
	if s.NamespaceURI == "" {
		return nil
	}
	t, ok := in.reg.Type(s.NamespaceURI, s.RootElementLocalName)
	if !ok {
		return fault.New(fault.UnknownMessageType, "{%s}%s is not a registered message type", s.NamespaceURI, s.RootElementLocalName)
	}
	a.Selected = t
	if a.Sender == nil {
		return nil
	}
	return maySelect(a.Call.Operation, a.Sender, t)
}

// Authorize applies to p, as the maker of the call, the checks of Check
// that depend on who makes it: that p may send the type of a SendRequest,
// and that p provides the type a GetRequest's selector names. Check applies
// them to the signer; a caller that accepts unsigned calls (AllowUnsigned)
// and learns the participant otherwise (the hub's insecure mode, which
// reads it from a header) must call Authorize itself. a is what Check
// accepted.
func (in *Ingress) Authorize(a *Accepted, p *registry.Participant) error {
	if p == nil {
		return fault.New(fault.SenderNotRegistered, "the call names no participant")
	}
	switch a.Call.Operation {
	case soap.SendRequest:
		if a.Type != nil {
			return mayRequest(p, a.Type)
		}
	case soap.GetRequest, soap.GetResponse:
		if a.Selected != nil {
			return maySelect(a.Call.Operation, p, a.Selected)
		}
	}
	return nil
}

// mayRequest refuses a SendRequest of type t by p unless p is one of the
// type's senders.
func mayRequest(p *registry.Participant, t *registry.MessageType) error {
	if !t.MaySend(p) {
		return fault.New(fault.AccessDenied, "%s may not send %s (%s)", p.Mnemonic, t.Name, t.Root.Local)
	}
	return nil
}

// maySelect refuses a GetRequest by p whose selector names t unless t is a
// request type that p provides (a GetResponse may name any type).
func maySelect(op soap.Operation, p *registry.Participant, t *registry.MessageType) error {
	if op == soap.GetRequest && (t.Direction != registry.Request || !t.Provides(p)) {
		return fault.New(fault.UnknownMessageType, "%s does not provide %s", p.Mnemonic, t.Root.Local)
	}
	return nil
}

// xmlFault maps a refusal of the XML reader to its fault.
func xmlFault(err error) error {
	var xe *xmlsafe.Error
	if !errors.As(err, &xe) {
		return fault.Wrap(fault.XMLMalformed, err, "the envelope cannot be read")
	}
	kind := fault.XMLMalformed
	switch {
	case errors.Is(err, xmlsafe.ErrTooLarge):
		kind = fault.EnvelopeTooLarge
	case errors.Is(err, xmlsafe.ErrDoctype):
		kind = fault.XMLDoctype
	case errors.Is(err, xmlsafe.ErrTooDeep):
		kind = fault.XMLTooDeep
	case errors.Is(err, xmlsafe.ErrEncoding):
		kind = fault.XMLEncoding
	case errors.Is(err, xmlsafe.ErrLimit):
		kind = fault.XMLLimit
	}
	e := fault.New(kind, "%s", xe.Msg)
	if xe.Line > 0 {
		e.Positions = []fault.Position{{Line: xe.Line, Column: xe.Column, Reason: xe.Msg}}
		e.Description = kind.Summary
	}
	return e
}

// schemaFault maps a validation failure to InvalidContent with its positions.
func schemaFault(err error) error {
	var ve *schemas.ValidationError
	if !errors.As(err, &ve) {
		return fault.Wrap(fault.Failure, err, "schema validation could not run")
	}
	e := fault.New(fault.Schema, "%d schema error(s)", len(ve.Issues))
	for _, i := range ve.Issues {
		e.Positions = append(e.Positions, fault.Position{Line: i.Line, Column: i.Column, Path: i.Path, Reason: i.Reason})
	}
	return e
}

// signatureFault maps a verification failure to its fault.
func signatureFault(err error) error {
	kind := fault.SignatureMalformed
	switch {
	case errors.Is(err, dsig.ErrNoSignature):
		kind = fault.NoSignature
	case errors.Is(err, dsig.ErrAlgorithm):
		kind = fault.SignatureAlgorithm
	case errors.Is(err, dsig.ErrTarget):
		kind = fault.SignatureTarget
	case errors.Is(err, dsig.ErrDigest), errors.Is(err, dsig.ErrSignatureValue):
		kind = fault.SignatureInvalid
	case errors.Is(err, dsig.ErrExpired):
		kind = fault.CertificateExpired
	case errors.Is(err, dsig.ErrRevoked):
		kind = fault.CertificateRevoked
	case errors.Is(err, dsig.ErrCertificate):
		kind = fault.CertificateUntrusted
	}
	return fault.Wrap(kind, err, "%s", strings.TrimPrefix(err.Error(), "dsig: "))
}
