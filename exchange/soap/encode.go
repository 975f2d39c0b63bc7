package soap

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
)

// Prefixes the codec writes. Readers must not depend on them.
const (
	prefixSOAP  = "soap"
	prefixTypes = "smev"
	prefixBasic = "basic"
	prefixFault = "fault"
)

// WriteSettings are the settings every envelope is written with: characters
// that XML parsing would otherwise change (CR in text; tab, newline and CR in
// attribute values) are written as references, so that what the hub signs
// reads back the same.
var WriteSettings = etree.WriteSettings{CanonicalText: true, CanonicalAttrVal: true}

// Marshal serializes a document with WriteSettings and an XML declaration.
func Marshal(doc *etree.Document) ([]byte, error) {
	doc.WriteSettings = WriteSettings
	var buf bytes.Buffer
	buf.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n")
	if _, err := doc.WriteTo(&buf); err != nil {
		return nil, err
	}
	return buf.Bytes(), nil
}

// builder creates elements of one version with the codec's prefixes.
type builder struct{ v Version }

// t and b add an element in the types or basic namespace: the prefix is set
// apart from the local name, so that no qualified name is built.
func (b builder) t(parent *etree.Element, local string) *etree.Element {
	el := parent.CreateElement(local)
	el.Space = prefixTypes
	return el
}

func (b builder) b(parent *etree.Element, local string) *etree.Element {
	el := parent.CreateElement(local)
	el.Space = prefixBasic
	return el
}

func (b builder) tText(parent *etree.Element, local, value string) *etree.Element {
	el := b.t(parent, local)
	el.SetText(value)
	return el
}

func (b builder) bText(parent *etree.Element, local, value string) *etree.Element {
	el := b.b(parent, local)
	el.SetText(value)
	return el
}

// envelope makes a SOAP envelope whose Body holds one element of the types
// namespace, which declares the version's namespaces.
func (b builder) envelope(op string) (*etree.Document, *etree.Element) {
	doc := etree.NewDocument()
	env := doc.CreateElement(prefixSOAP + ":Envelope")
	env.CreateAttr("xmlns:"+prefixSOAP, EnvelopeNS)
	body := env.CreateElement(prefixSOAP + ":Body")
	el := body.CreateElement(prefixTypes + ":" + op)
	el.CreateAttr("xmlns:"+prefixTypes, b.v.TypesNS())
	el.CreateAttr("xmlns:"+prefixBasic, b.v.BasicNS())
	return doc, el
}

// Default Id values of signed elements.
const (
	CallerSignedID = "SIGNED_BY_CALLER"
	HubSignedID    = "SIGNED_BY_SMEV"
)

// NewSendRequest builds a SendRequest call. d.Content is copied (with the
// namespace declarations it needs); d.ID defaults to SIGNED_BY_CALLER.
func NewSendRequest(v Version, d *RequestData, attachments []Attachment) *etree.Document {
	b := builder{v}
	doc, op := b.envelope(SendRequest.RequestElement())
	b.requestData(op, d)
	b.attachmentContents(op, attachments)
	return doc
}

func (b builder) requestData(parent *etree.Element, d *RequestData) *etree.Element {
	el := b.t(parent, "SenderProvidedRequestData")
	el.CreateAttr("Id", orDefault(d.ID, CallerSignedID))
	b.tText(el, "MessageID", d.MessageID)
	if d.ReferenceMessageID != "" {
		b.tText(el, "ReferenceMessageID", d.ReferenceMessageID)
	}
	if d.TransactionCode != "" {
		b.tText(el, "TransactionCode", d.TransactionCode)
	}
	if d.NodeID != "" {
		b.tText(el, "NodeID", d.NodeID)
	}
	if !d.EOL.IsZero() {
		b.tText(el, "EOL", FormatDateTime(d.EOL))
	}
	b.b(el, "MessagePrimaryContent").AddChild(Detach(d.Content))
	if d.PersonalSignature != nil {
		b.t(el, "PersonalSignature").AddChild(Detach(d.PersonalSignature))
	}
	b.attachmentHeaders(el, d.AttachmentHeaders)
	b.refAttachmentHeaders(el, d.RefAttachmentHeaders)
	if d.BusinessProcess != nil {
		el.AddChild(Detach(d.BusinessProcess))
	}
	if d.Test {
		b.t(el, "TestMessage")
	}
	return el
}

func (b builder) attachmentHeaders(parent *etree.Element, hs []AttachmentHeader) {
	if len(hs) == 0 {
		return
	}
	list := b.b(parent, "AttachmentHeaderList")
	for _, h := range hs {
		e := b.b(list, "AttachmentHeader")
		b.bText(e, "contentId", h.ContentID)
		b.bText(e, "MimeType", h.MimeType)
		if len(h.SignaturePKCS7) > 0 {
			b.bText(e, "SignaturePKCS7", base64.StdEncoding.EncodeToString(h.SignaturePKCS7))
		}
	}
}

func (b builder) refAttachmentHeaders(parent *etree.Element, hs []RefAttachmentHeader) {
	if len(hs) == 0 {
		return
	}
	list := b.b(parent, "RefAttachmentHeaderList")
	for _, h := range hs {
		e := b.b(list, "RefAttachmentHeader")
		b.bText(e, "uuid", h.UUID)
		b.bText(e, "Hash", h.Hash)
		b.bText(e, "MimeType", h.MimeType)
		if len(h.SignaturePKCS7) > 0 {
			b.bText(e, "SignaturePKCS7", base64.StdEncoding.EncodeToString(h.SignaturePKCS7))
		}
	}
}

func (b builder) attachmentContents(parent *etree.Element, as []Attachment) {
	if len(as) == 0 {
		return
	}
	list := b.b(parent, "AttachmentContentList")
	for _, a := range as {
		e := b.b(list, "AttachmentContent")
		b.bText(e, "Id", a.ID)
		b.bText(e, "Content", a.Content)
	}
}

// NewSendResponse builds a SendResponse call.
func NewSendResponse(v Version, d *ResponseData, attachments []Attachment) *etree.Document {
	b := builder{v}
	doc, op := b.envelope(SendResponse.RequestElement())
	b.responseData(op, d)
	b.attachmentContents(op, attachments)
	return doc
}

func (b builder) responseData(parent *etree.Element, d *ResponseData) *etree.Element {
	el := b.t(parent, "SenderProvidedResponseData")
	el.CreateAttr("Id", orDefault(d.ID, CallerSignedID))
	b.tText(el, "MessageID", d.MessageID)
	b.tText(el, "To", d.To)
	switch {
	case d.Content != nil:
		b.b(el, "MessagePrimaryContent").AddChild(Detach(d.Content))
		if d.PersonalSignature != nil {
			b.t(el, "PersonalSignature").AddChild(Detach(d.PersonalSignature))
		}
		b.attachmentHeaders(el, d.AttachmentHeaders)
		b.refAttachmentHeaders(el, d.RefAttachmentHeaders)
	case len(d.Rejections) > 0:
		for _, r := range d.Rejections {
			rr := b.t(el, "RequestRejected")
			b.tText(rr, "RejectionReasonCode", r.Code)
			b.tText(rr, "RejectionReasonDescription", r.Description)
		}
	case d.Status != nil:
		rs := b.t(el, "RequestStatus")
		b.tText(rs, "StatusCode", strconv.Itoa(d.Status.Code))
		for _, p := range d.Status.Parameters {
			sp := b.t(rs, "StatusParameter")
			b.tText(sp, "Key", p.Key)
			b.tText(sp, "Value", p.Value)
		}
		b.tText(rs, "StatusDescription", d.Status.Description)
	case d.AsyncStatus != nil:
		b.asyncStatus(el, d.AsyncStatus)
	}
	return el
}

func (b builder) asyncStatus(parent *etree.Element, s *AsyncStatus) {
	el := b.t(parent, "AsyncProcessingStatus")
	b.tText(el, "OriginalMessageId", s.OriginalMessageID)
	category := s.Category
	if b.v == V13 && category == StatusResponseIsDelivered {
		category = StatusMessageIsDelivered // 1.3 has no responseIsDelivered
	}
	b.tText(el, "StatusCategory", category)
	if s.Details != "" {
		b.tText(el, "StatusDetails", s.Details)
	}
	if s.FaultCode != "" || s.FaultDescription != "" {
		f := b.t(el, "SmevFault")
		if s.FaultCode != "" {
			b.bText(f, "Code", s.FaultCode)
		}
		if s.FaultDescription != "" {
			b.bText(f, "Description", s.FaultDescription)
		}
	}
}

// NewGetRequest builds a GetRequest call (GetResponse with NewGetResponse).
func NewGetRequest(v Version, s *Selector) *etree.Document {
	return newSelectorCall(v, GetRequest, s)
}

// NewGetResponse builds a GetResponse call.
func NewGetResponse(v Version, s *Selector) *etree.Document {
	return newSelectorCall(v, GetResponse, s)
}

func newSelectorCall(v Version, o Operation, s *Selector) *etree.Document {
	b := builder{v}
	doc, op := b.envelope(o.RequestElement())
	el := b.b(op, "MessageTypeSelector")
	el.CreateAttr("Id", orDefault(s.ID, CallerSignedID))
	if s.NamespaceURI != "" {
		b.bText(el, "NamespaceURI", s.NamespaceURI)
		b.bText(el, "RootElementLocalName", s.RootElementLocalName)
	}
	b.bText(el, "Timestamp", FormatDateTime(s.Timestamp))
	if s.NodeID != "" {
		b.bText(el, "NodeID", s.NodeID)
	}
	return doc
}

// NewAck builds an Ack call.
func NewAck(v Version, a *AckTarget) *etree.Document {
	b := builder{v}
	doc, op := b.envelope(Ack.RequestElement())
	el := b.bText(op, "AckTargetMessage", a.MessageID)
	el.CreateAttr("Id", orDefault(a.ID, CallerSignedID))
	el.CreateAttr("accepted", strconv.FormatBool(a.Accepted))
	return doc
}

// NewGetStatus builds a GetStatus call.
func NewGetStatus(v Version, ts *Timestamp) *etree.Document {
	b := builder{v}
	doc, op := b.envelope(GetStatus.RequestElement())
	b.timestamp(op, ts)
	return doc
}

// NewGetIncomingQueueStatistics builds a GetIncomingQueueStatistics call
// (1.1 and 1.2 only).
func NewGetIncomingQueueStatistics(v Version, ts *Timestamp, nodeID string) *etree.Document {
	b := builder{v}
	doc, op := b.envelope(GetIncomingQueueStatistics.RequestElement())
	if nodeID != "" {
		b.tText(op, "NodeID", nodeID)
	}
	b.timestamp(op, ts)
	return doc
}

func (b builder) timestamp(parent *etree.Element, ts *Timestamp) {
	el := b.bText(parent, "Timestamp", FormatDateTime(ts.Time))
	el.CreateAttr("Id", orDefault(ts.ID, CallerSignedID))
}

// metadata writes MessageMetadata in the version's shape.
func (b builder) metadata(parent *etree.Element, m *Metadata) *etree.Element {
	el := b.t(parent, "MessageMetadata")
	if m.ID != "" {
		el.CreateAttr("Id", m.ID)
	}
	if m.MessageID != "" {
		b.tText(el, "MessageId", m.MessageID)
	}
	b.tText(el, "MessageType", m.MessageType)
	if b.v == V13 {
		if m.SenderName != "" {
			s := b.t(el, "Sender")
			if m.SenderMnemonic != "" {
				b.tText(s, "Mnemonic", m.SenderMnemonic)
			}
			b.tText(s, "HumanReadableName", m.SenderName)
		}
		b.tText(el, "SendingTimestamp", FormatDateTime(m.SendingTime))
	} else {
		s := b.t(el, "Sender")
		b.tText(s, "Mnemonic", m.SenderMnemonic)
		b.tText(s, "HumanReadableName", orDefault(m.SenderName, m.SenderMnemonic))
		b.tText(el, "SendingTimestamp", FormatDateTime(m.SendingTime))
		b.tText(el, "DestinationName", orDefault(m.DestinationName, "unknown"))
	}
	if m.RecipientMnem != "" || m.RecipientName != "" {
		r := b.t(el, "Recipient")
		if m.RecipientMnem != "" {
			b.tText(r, "Mnemonic", m.RecipientMnem)
		}
		b.tText(r, "HumanReadableName", orDefault(m.RecipientName, m.RecipientMnem))
	}
	if b.v != V13 {
		sd := b.t(el, "SupplementaryData")
		if m.ContentType != "" {
			b.tText(sd, "DetectedContentTypeName", m.ContentType)
		}
		b.tText(sd, "InteractionType", orDefault(m.InteractionType, "NotDetected"))
	}
	if !m.DeliveryTime.IsZero() {
		b.tText(el, "DeliveryTimestamp", FormatDateTime(m.DeliveryTime))
	}
	if m.Status != "" {
		b.tText(el, "Status", m.Status)
	}
	return el
}

// Signer signs one element of a document the codec builds, returning the
// ds:Signature to place beside it. *dsig.Signer satisfies it.
type Signer interface {
	Sign(target *etree.Element, more ...*etree.Element) (*etree.Element, error)
}

// hubSign signs target (giving it an Id) and places the signature in a new
// SMEVSignature element appended to parent. A nil signer writes no
// signature (a hub in insecure test mode).
func (b builder) hubSign(s Signer, parent, target *etree.Element) error {
	if s == nil {
		return nil
	}
	if target.SelectAttr("Id") == nil {
		target.CreateAttr("Id", HubSignedID)
	}
	sig, err := s.Sign(target)
	if err != nil {
		return fmt.Errorf("soap: hub signature: %w", err)
	}
	b.t(parent, "SMEVSignature").AddChild(sig)
	return nil
}

// NewAccepted builds the answer to SendRequest or SendResponse: the message's
// metadata, signed by the hub.
func NewAccepted(v Version, o Operation, m *Metadata, s Signer) (*etree.Document, error) {
	b := builder{v}
	doc, op := b.envelope(o.ResponseElement())
	md := b.metadata(op, m)
	if err := b.hubSign(s, op, md); err != nil {
		return nil, err
	}
	return doc, nil
}

// Delivered is a stored message as the hub hands it to its recipient.
type Delivered struct {
	// Data is the sender's SenderProvidedRequestData or
	// SenderProvidedResponseData element, as received. Building the reply
	// moves it (and SenderSignature) out of its document into the reply:
	// the caller's tree loses it.
	Data *etree.Element
	// SenderSignature is the sender's ds:Signature over Data, or nil. It is
	// passed on only when Data keeps the recipient's version (a signature
	// does not survive a change of namespace).
	SenderSignature *etree.Element
	Metadata        Metadata
	ReplyTo         string // requests only
	// OriginalMessageID, OriginalTransactionCode and ReferenceMessageID
	// describe the request a response answers.
	OriginalMessageID, OriginalTransactionCode, ReferenceMessageID string
	Attachments                                                    []Attachment
}

// NewGetRequestReply builds the answer to GetRequest: the next request, or
// none (d nil) when the queue is empty. The hub signs the Request element.
func NewGetRequestReply(v Version, d *Delivered, s Signer) (*etree.Document, error) {
	b := builder{v}
	doc, op := b.envelope(GetRequest.ResponseElement())
	if d == nil {
		return doc, nil
	}
	rm := b.t(op, "RequestMessage")
	req := b.t(rm, "Request")
	sameVersion := b.addData(req, d.Data)
	b.metadata(req, &d.Metadata)
	if v != V13 || d.ReplyTo != "" {
		b.tText(req, "ReplyTo", d.ReplyTo)
	}
	if sameVersion && d.SenderSignature != nil {
		b.t(req, "SenderInformationSystemSignature").AddChild(move(d.SenderSignature))
	}
	b.attachmentContents(rm, d.Attachments)
	req.CreateAttr("Id", freeID(doc.Root(), HubSignedID, d.Attachments))
	if err := b.hubSign(s, rm, req); err != nil {
		return nil, err
	}
	return doc, nil
}

// freeID returns base, or the first of base_2, base_3... that no element of
// root carries as its Id and no attachment content has: the sender's data
// delivered in the answer may use any Id of its own.
func freeID(root *etree.Element, base string, attachments []Attachment) string {
	taken := func(id string) bool {
		return len(dsig.ElementsByID(root, id)) > 0 || slices.ContainsFunc(attachments, func(a Attachment) bool { return a.ID == id })
	}
	id := base
	for n := 2; taken(id); n++ {
		id = fmt.Sprintf("%s_%d", base, n)
	}
	return id
}

// NewGetResponseReply builds the answer to GetResponse: the next response, or
// none (d nil). The hub signs the Response element.
func NewGetResponseReply(v Version, d *Delivered, s Signer) (*etree.Document, error) {
	b := builder{v}
	doc, op := b.envelope(GetResponse.ResponseElement())
	if d == nil {
		return doc, nil
	}
	rm := b.t(op, "ResponseMessage")
	resp := b.t(rm, "Response")
	if d.OriginalMessageID != "" {
		b.tText(resp, "OriginalMessageId", d.OriginalMessageID)
	}
	if d.OriginalTransactionCode != "" {
		b.tText(resp, "OriginalTransactionCode", d.OriginalTransactionCode)
	}
	if d.ReferenceMessageID != "" {
		b.tText(resp, "ReferenceMessageID", d.ReferenceMessageID)
	}
	sameVersion := b.addData(resp, d.Data)
	b.metadata(resp, &d.Metadata)
	if sameVersion && d.SenderSignature != nil {
		b.t(resp, "SenderInformationSystemSignature").AddChild(move(d.SenderSignature))
	}
	b.attachmentContents(rm, d.Attachments)
	resp.CreateAttr("Id", freeID(doc.Root(), HubSignedID, d.Attachments))
	if err := b.hubSign(s, rm, resp); err != nil {
		return nil, err
	}
	return doc, nil
}

// addData moves a stored sender-provided element into parent, in the
// builder's version. It reports whether the version was already the same
// (otherwise its namespaces were rewritten).
func (b builder) addData(parent, data *etree.Element) bool {
	from, ok := versionOfTypesNS(data.NamespaceURI())
	c := move(data)
	same := ok && from == b.v
	if !same && ok {
		retargetVersion(c, from, b.v)
	}
	parent.AddChild(c)
	return same
}

// retargetVersion rewrites the message-exchange namespace declarations of a
// detached element from one version to another.
func retargetVersion(el *etree.Element, from, to Version) {
	repl := map[string]string{from.TypesNS(): to.TypesNS(), from.BasicNS(): to.BasicNS()}
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		for i, a := range e.Attr {
			if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
				if n, ok := repl[a.Value]; ok {
					e.Attr[i].Value = n
				}
			}
		}
		for c := range e.ChildElementsSeq() {
			walk(c)
		}
	}
	walk(el)
}

// NewStatusReply builds the answer to GetStatus: the next status event, or
// none (st nil). The hub signs AsyncProcessingStatusData.
func NewStatusReply(v Version, st *AsyncStatus, s Signer) (*etree.Document, error) {
	b := builder{v}
	doc, op := b.envelope(GetStatus.ResponseElement())
	if st == nil {
		return doc, nil
	}
	msg := b.t(op, "SmevAsyncProcessingMessage")
	data := b.t(msg, "AsyncProcessingStatusData")
	data.CreateAttr("Id", HubSignedID)
	b.asyncStatus(data, st)
	if err := b.hubSign(s, msg, data); err != nil {
		return nil, err
	}
	return doc, nil
}

// NewQueueStatisticsReply builds the answer to GetIncomingQueueStatistics.
func NewQueueStatisticsReply(v Version, stats []QueueStatistics) *etree.Document {
	b := builder{v}
	doc, op := b.envelope(GetIncomingQueueStatistics.ResponseElement())
	for _, s := range stats {
		q := b.t(op, "QueueStatistics")
		q.CreateAttr("queueName", s.QueueName)
		q.CreateAttr("pendingMessageNumber", strconv.FormatInt(s.Pending, 10))
	}
	return doc
}

// NewAckReply builds the (empty) answer to Ack.
func NewAckReply(v Version) *etree.Document {
	doc, _ := builder{v}.envelope(Ack.ResponseElement())
	return doc
}

// Detach returns a copy of el that declares every namespace prefix in scope
// at el which el does not declare itself, so that the copy means the same
// wherever it is placed. The copy has no parent.
func Detach(el *etree.Element) *etree.Element {
	return declareInScope(el.Copy(), el)
}

// move takes el out of its parent, declaring on it every namespace prefix
// in scope there, so that it means the same wherever it is placed next.
func move(el *etree.Element) *etree.Element {
	p := el.Parent()
	if p == nil {
		return el
	}
	// Declarations are gathered while el still hangs under p.
	declareInScope(el, el)
	p.RemoveChild(el)
	return el
}

// declareInScope adds to c (a copy of el, or el itself) a declaration of every
// namespace prefix in scope at el that el does not declare itself.
func declareInScope(c, el *etree.Element) *etree.Element {
	declared := map[string]bool{}
	for _, a := range c.Attr {
		if a.Space == "xmlns" {
			declared[a.Key] = true
		} else if a.Space == "" && a.Key == "xmlns" {
			declared[""] = true
		}
	}
	for p := el.Parent(); p != nil; p = p.Parent() {
		for _, a := range p.Attr {
			switch {
			case a.Space == "xmlns" && !declared[a.Key]:
				declared[a.Key] = true
				c.CreateAttr("xmlns:"+a.Key, a.Value)
			case a.Space == "" && a.Key == "xmlns" && !declared[""]:
				declared[""] = true
				c.CreateAttr("xmlns", a.Value)
			}
		}
	}
	if !declared[""] {
		// The copy may land under an element with a default namespace; an
		// element in no namespace must stay there.
		if usesDefaultNamespace(c) {
			c.CreateAttr("xmlns", "")
		}
	}
	return c
}

// usesDefaultNamespace reports whether an unprefixed element occurs in el's
// subtree before any default namespace declaration.
func usesDefaultNamespace(el *etree.Element) bool {
	if el.Space == "" {
		return true
	}
	for c := range el.ChildElementsSeq() {
		if c.SelectAttr("xmlns") != nil {
			continue
		}
		if usesDefaultNamespace(c) {
			return true
		}
	}
	return false
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

// timeNow is replaced in tests.
var timeNow = time.Now
