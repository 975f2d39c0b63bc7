package soap

import (
	"encoding/base64"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/xmlsafe"
)

// DecodeCall reads a request envelope: the SOAP envelope, the operation in
// its Body, the element the operation signs and the caller's signature. It
// checks the structure the protocol needs beyond the schema (one operation,
// exactly one element in MessagePrimaryContent) and returns *fault.Error
// values of the catalog.
func DecodeCall(root *etree.Element) (*Call, error) {
	body, err := envelopeBody(root)
	if err != nil {
		return nil, err
	}
	ops := body.ChildElements()
	if len(ops) != 1 {
		return nil, fault.New(fault.EnvelopeStructure, "the SOAP Body must hold exactly one operation element, it holds %d", len(ops))
	}
	op := ops[0]
	v, ok := versionOfTypesNS(op.NamespaceURI())
	if !ok {
		return nil, fault.New(fault.EnvelopeStructure, "the Body holds <%s> in namespace %q, not an SMEV 3 message-exchange operation", op.Tag, op.NamespaceURI())
	}
	o, ok := operationOfRequest(op.Tag)
	if !ok || !o.Supported(v) {
		return nil, fault.New(fault.EnvelopeStructure, "<%s> is not an operation request of message exchange %s", op.Tag, v)
	}
	c := &Call{Version: v, Operation: o, Envelope: root, Body: op}
	d := decoder{v: v}
	signedNS := v.TypesNS()
	if o == GetRequest || o == GetResponse || o == Ack || o == GetStatus || o == GetIncomingQueueStatistics {
		signedNS = v.BasicNS()
	}
	signed := d.children(op, signedNS, o.SignedElement())
	if len(signed) != 1 {
		return nil, fault.New(fault.EnvelopeStructure, "<%s> must hold exactly one %s, it holds %d", op.Tag, o.SignedElement(), len(signed))
	}
	c.Signed = signed[0]
	if sigHolder := d.child(op, v.TypesNS(), "CallerInformationSystemSignature"); sigHolder != nil {
		for s := range sigHolder.ChildElementsSeq() {
			if s.Tag == "Signature" && s.NamespaceURI() == dsig.Namespace {
				c.Signature = s
				break
			}
		}
	}
	switch o {
	case SendRequest:
		c.SendRequest, err = d.requestData(c.Signed)
		c.Attachments = d.attachments(op)
	case SendResponse:
		c.SendResponse, err = d.responseData(c.Signed)
		c.Attachments = d.attachments(op)
	case GetRequest, GetResponse:
		c.Selector, err = d.selector(c.Signed)
	case Ack:
		c.Ack, err = d.ackTarget(c.Signed)
	case GetStatus, GetIncomingQueueStatistics:
		c.Timestamp, err = d.timestamp(c.Signed)
		if n := d.child(op, v.TypesNS(), "NodeID"); n != nil {
			c.NodeID = text(n)
		}
	}
	if err != nil {
		return nil, err
	}
	return c, nil
}

// envelopeBody checks the SOAP 1.1 envelope and returns its Body.
func envelopeBody(root *etree.Element) (*etree.Element, error) {
	if root == nil || root.Tag != "Envelope" || root.NamespaceURI() != EnvelopeNS {
		return nil, fault.New(fault.EnvelopeStructure, "the root element is not a SOAP 1.1 Envelope (namespace %s)", EnvelopeNS)
	}
	var body *etree.Element
	for c := range root.ChildElementsSeq() {
		if c.NamespaceURI() != EnvelopeNS {
			continue
		}
		switch c.Tag {
		case "Body":
			if body != nil {
				return nil, fault.New(fault.EnvelopeStructure, "the envelope has two Body elements")
			}
			body = c
		case "Header":
		default:
			return nil, fault.New(fault.EnvelopeStructure, "unexpected <%s> in the envelope", c.FullTag())
		}
	}
	if body == nil {
		return nil, fault.New(fault.EnvelopeStructure, "the envelope has no Body")
	}
	return body, nil
}

type decoder struct{ v Version }

func (d decoder) children(el *etree.Element, ns, local string) []*etree.Element {
	var out []*etree.Element
	for c := range el.ChildElementsSeq() {
		if c.Tag == local && c.NamespaceURI() == ns {
			out = append(out, c)
		}
	}
	return out
}

func (d decoder) child(el *etree.Element, ns, local string) *etree.Element {
	for c := range el.ChildElementsSeq() {
		if c.Tag == local && c.NamespaceURI() == ns {
			return c
		}
	}
	return nil
}

// text returns the character data of el, joined across comments and
// processing instructions: a comment inside signed text must not cut the
// value a receiver reads (exclusive c14n leaves comments out of the digest).
func text(el *etree.Element) string { return xmlsafe.Text(el) }

// trimmed is text with the whitespace XML Schema collapses for tokens removed.
func trimmed(el *etree.Element) string { return strings.TrimSpace(text(el)) }

func idOf(el *etree.Element) string { return el.SelectAttrValue("Id", "") }

func (d decoder) requestData(el *etree.Element) (*RequestData, error) {
	t, b := d.v.TypesNS(), d.v.BasicNS()
	r := &RequestData{
		ID:                 idOf(el),
		MessageID:          trimmed(d.child(el, t, "MessageID")),
		ReferenceMessageID: trimmed(d.child(el, t, "ReferenceMessageID")),
		TransactionCode:    text(d.child(el, t, "TransactionCode")),
		NodeID:             text(d.child(el, t, "NodeID")),
		Test:               d.child(el, t, "TestMessage") != nil,
	}
	if eol := d.child(el, t, "EOL"); eol != nil {
		tm, err := parseDateTime(trimmed(eol))
		if err != nil {
			return nil, fault.New(fault.Schema, "EOL %q is not an xs:dateTime", trimmed(eol))
		}
		r.EOL = tm
	}
	content, err := d.primaryContent(el)
	if err != nil {
		return nil, err
	}
	r.Content = content
	r.PersonalSignature = d.signatureIn(d.child(el, t, "PersonalSignature"))
	r.AttachmentHeaders = d.attachmentHeaders(d.child(el, b, "AttachmentHeaderList"))
	r.RefAttachmentHeaders = d.refAttachmentHeaders(d.child(el, b, "RefAttachmentHeaderList"))
	r.BusinessProcess = d.child(el, t, "BusinessProcessMetadata")
	return r, nil
}

// primaryContent returns the single element under MessagePrimaryContent.
func (d decoder) primaryContent(el *etree.Element) (*etree.Element, error) {
	mpc := d.children(el, d.v.BasicNS(), "MessagePrimaryContent")
	if len(mpc) != 1 {
		return nil, fault.New(fault.PrimaryContentRoot, "<%s> must hold one MessagePrimaryContent, it holds %d", el.Tag, len(mpc))
	}
	roots := mpc[0].ChildElements()
	if len(roots) != 1 {
		return nil, fault.New(fault.PrimaryContentRoot, "MessagePrimaryContent holds %d elements; it must hold exactly one, the payload's root", len(roots))
	}
	for _, t := range mpc[0].Child {
		if cd, ok := t.(*etree.CharData); ok && strings.TrimSpace(cd.Data) != "" {
			return nil, fault.New(fault.PrimaryContentRoot, "MessagePrimaryContent holds text beside its root element")
		}
	}
	return roots[0], nil
}

func (d decoder) signatureIn(holder *etree.Element) *etree.Element {
	if holder == nil {
		return nil
	}
	for s := range holder.ChildElementsSeq() {
		if s.Tag == "Signature" && s.NamespaceURI() == dsig.Namespace {
			return s
		}
	}
	return nil
}

func (d decoder) attachmentHeaders(list *etree.Element) []AttachmentHeader {
	if list == nil {
		return nil
	}
	b := d.v.BasicNS()
	var out []AttachmentHeader
	for _, h := range d.children(list, b, "AttachmentHeader") {
		ah := AttachmentHeader{
			ContentID: trimmed(d.child(h, b, "contentId")),
			MimeType:  trimmed(d.child(h, b, "MimeType")),
		}
		if s := d.child(h, b, "SignaturePKCS7"); s != nil {
			ah.SignaturePKCS7, _ = decodeBase64(text(s))
		}
		out = append(out, ah)
	}
	return out
}

func (d decoder) refAttachmentHeaders(list *etree.Element) []RefAttachmentHeader {
	if list == nil {
		return nil
	}
	b := d.v.BasicNS()
	var out []RefAttachmentHeader
	for _, h := range d.children(list, b, "RefAttachmentHeader") {
		rh := RefAttachmentHeader{
			UUID:     trimmed(d.child(h, b, "uuid")),
			Hash:     trimmed(d.child(h, b, "Hash")),
			MimeType: trimmed(d.child(h, b, "MimeType")),
		}
		if s := d.child(h, b, "SignaturePKCS7"); s != nil {
			rh.SignaturePKCS7, _ = decodeBase64(text(s))
		}
		out = append(out, rh)
	}
	return out
}

func (d decoder) attachments(op *etree.Element) []Attachment {
	b := d.v.BasicNS()
	list := d.child(op, b, "AttachmentContentList")
	if list == nil {
		return nil
	}
	var out []Attachment
	for _, a := range d.children(list, b, "AttachmentContent") {
		out = append(out, Attachment{ID: trimmed(d.child(a, b, "Id")), Content: text(d.child(a, b, "Content"))})
	}
	return out
}

func (d decoder) responseData(el *etree.Element) (*ResponseData, error) {
	t, b := d.v.TypesNS(), d.v.BasicNS()
	r := &ResponseData{
		ID:        idOf(el),
		MessageID: trimmed(d.child(el, t, "MessageID")),
		To:        text(d.child(el, t, "To")),
	}
	switch {
	case len(d.children(el, b, "MessagePrimaryContent")) > 0:
		content, err := d.primaryContent(el)
		if err != nil {
			return nil, err
		}
		r.Content = content
		r.PersonalSignature = d.signatureIn(d.child(el, t, "PersonalSignature"))
		r.AttachmentHeaders = d.attachmentHeaders(d.child(el, b, "AttachmentHeaderList"))
		r.RefAttachmentHeaders = d.refAttachmentHeaders(d.child(el, b, "RefAttachmentHeaderList"))
	case len(d.children(el, t, "RequestRejected")) > 0:
		for _, rr := range d.children(el, t, "RequestRejected") {
			r.Rejections = append(r.Rejections, Rejection{
				Code:        trimmed(d.child(rr, t, "RejectionReasonCode")),
				Description: text(d.child(rr, t, "RejectionReasonDescription")),
			})
		}
	case d.child(el, t, "RequestStatus") != nil:
		rs := d.child(el, t, "RequestStatus")
		code, err := strconv.Atoi(trimmed(d.child(rs, t, "StatusCode")))
		if err != nil {
			return nil, fault.New(fault.Schema, "RequestStatus/StatusCode is not an integer")
		}
		st := &RequestStatus{Code: code, Description: text(d.child(rs, t, "StatusDescription"))}
		for _, p := range d.children(rs, t, "StatusParameter") {
			st.Parameters = append(st.Parameters, KeyValue{Key: text(d.child(p, t, "Key")), Value: text(d.child(p, t, "Value"))})
		}
		r.Status = st
	case d.child(el, t, "AsyncProcessingStatus") != nil:
		r.AsyncStatus = d.asyncStatus(d.child(el, t, "AsyncProcessingStatus"))
	default:
		return nil, fault.New(fault.EnvelopeStructure, "SenderProvidedResponseData holds no MessagePrimaryContent, RequestRejected, RequestStatus or AsyncProcessingStatus")
	}
	return r, nil
}

func (d decoder) asyncStatus(el *etree.Element) *AsyncStatus {
	t, b := d.v.TypesNS(), d.v.BasicNS()
	s := &AsyncStatus{
		OriginalMessageID: trimmed(d.child(el, t, "OriginalMessageId")),
		Category:          trimmed(d.child(el, t, "StatusCategory")),
		Details:           text(d.child(el, t, "StatusDetails")),
	}
	if f := d.child(el, t, "SmevFault"); f != nil {
		s.FaultCode = text(d.child(f, b, "Code"))
		s.FaultDescription = text(d.child(f, b, "Description"))
	}
	return s
}

func (d decoder) selector(el *etree.Element) (*Selector, error) {
	b := d.v.BasicNS()
	s := &Selector{
		ID:                   idOf(el),
		NamespaceURI:         trimmed(d.child(el, b, "NamespaceURI")),
		RootElementLocalName: trimmed(d.child(el, b, "RootElementLocalName")),
		NodeID:               text(d.child(el, b, "NodeID")),
	}
	tm, err := parseDateTime(trimmed(d.child(el, b, "Timestamp")))
	if err != nil {
		return nil, fault.New(fault.Schema, "MessageTypeSelector/Timestamp is not an xs:dateTime")
	}
	s.Timestamp = tm
	return s, nil
}

func (d decoder) ackTarget(el *etree.Element) (*AckTarget, error) {
	a := &AckTarget{ID: idOf(el), MessageID: trimmed(el)}
	switch strings.TrimSpace(el.SelectAttrValue("accepted", "")) {
	case "true", "1":
		a.Accepted = true
	case "false", "0":
	default:
		return nil, fault.New(fault.Schema, "AckTargetMessage/@accepted must be true or false")
	}
	return a, nil
}

func (d decoder) timestamp(el *etree.Element) (*Timestamp, error) {
	tm, err := parseDateTime(trimmed(el))
	if err != nil {
		return nil, fault.New(fault.Schema, "Timestamp is not an xs:dateTime")
	}
	return &Timestamp{ID: idOf(el), Time: tm}, nil
}

// parseDateTime reads an xs:dateTime. A value without a time zone is taken
// as UTC. time.Parse reads years of four digits and hours up to 23, where
// xs:dateTime also has longer years, negative ones, and 24:00:00, the end
// of a day (the next day's start).
func parseDateTime(s string) (time.Time, error) {
	bad := &time.ParseError{Value: s, Message: ": not an xs:dateTime"}
	body := strings.TrimPrefix(s, "-")
	i := strings.IndexByte(body, '-')
	if i < 4 || (i > 4 && body[0] == '0') {
		return time.Time{}, bad
	}
	year, err := strconv.Atoi(body[:i])
	if err != nil || body[0] == '+' {
		return time.Time{}, bad
	}
	if len(body) != len(s) {
		year = -year
	}
	// The rest is read in a leap year, so that any day the schema let
	// through is one time.Parse takes.
	rest := "2000" + body[i:]
	endOfDay := false
	if t := strings.IndexByte(rest, 'T'); t > 0 && strings.HasPrefix(rest[t:], "T24:00:00") {
		frac := rest[t+len("T24:00:00"):]
		if strings.HasPrefix(frac, ".") {
			frac = strings.TrimLeft(frac[1:], "0")
		}
		if frac != "" && frac[0] >= '0' && frac[0] <= '9' {
			return time.Time{}, bad // past the end of the day
		}
		rest, endOfDay = rest[:t]+"T00:00:00"+rest[t+len("T24:00:00"):], true
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999"} {
		t, err := time.Parse(layout, rest)
		if err != nil {
			continue
		}
		t = time.Date(year, t.Month(), t.Day(), t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
		if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
		return t, nil
	}
	return time.Time{}, bad
}

// FormatDateTime writes an xs:dateTime in UTC with milliseconds.
func FormatDateTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z07:00")
}

func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}

// Decode returns the attachment's bytes.
func (a Attachment) Decode() ([]byte, error) { return decodeBase64(a.Content) }

// DecodedSize returns the number of bytes the attachment's base64 content
// decodes to, or -1 when it is not valid base64.
func (a Attachment) DecodedSize() int64 {
	n := 0
	pad := 0
	for i := 0; i < len(a.Content); i++ {
		c := a.Content[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			continue
		case c == '=':
			pad++
		case pad > 0:
			return -1
		case c >= 'A' && c <= 'Z', c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '+', c == '/':
		default:
			return -1
		}
		n++
	}
	if n%4 != 0 || pad > 2 {
		return -1
	}
	return int64(n/4*3 - pad)
}
