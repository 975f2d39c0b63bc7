package soap

import (
	"fmt"
	"strconv"

	"github.com/beevik/etree"
)

// Reply is a decoded answer of the hub to one call. Exactly one of the
// fields after Body is set, or none for an empty queue or an Ack.
type Reply struct {
	Version   Version
	Operation Operation
	Envelope  *etree.Element
	Body      *etree.Element
	// HubSigned is the element the hub signed and HubSignature its
	// ds:Signature (SMEVSignature), when present.
	HubSigned, HubSignature *etree.Element

	Fault    *Fault
	Metadata *Metadata          // SendRequest, SendResponse
	Request  *DeliveredRequest  // GetRequest (nil: queue empty)
	Response *DeliveredResponse // GetResponse (nil: queue empty)
	Status   *AsyncStatus       // GetStatus (nil: no event)
	Stats    []QueueStatistics  // GetIncomingQueueStatistics
}

// DeliveredRequest is a request as a provider receives it.
type DeliveredRequest struct {
	Data            *RequestData
	DataElement     *etree.Element
	Metadata        Metadata
	ReplyTo         string
	SenderSignature *etree.Element
	Attachments     []Attachment
}

// DeliveredResponse is a response as a consumer receives it.
type DeliveredResponse struct {
	OriginalMessageID, OriginalTransactionCode, ReferenceMessageID string

	Data            *ResponseData
	DataElement     *etree.Element
	Metadata        Metadata
	SenderSignature *etree.Element
	Attachments     []Attachment
}

// DecodeReply reads an answer envelope of the hub: one of the seven
// responses, or a SOAP fault.
func DecodeReply(root *etree.Element) (*Reply, error) {
	body, err := envelopeBody(root)
	if err != nil {
		return nil, err
	}
	els := body.ChildElements()
	if len(els) != 1 {
		return nil, fmt.Errorf("soap: the reply Body holds %d elements", len(els))
	}
	el := els[0]
	r := &Reply{Envelope: root, Body: el}
	if el.Tag == "Fault" && el.NamespaceURI() == EnvelopeNS {
		r.Fault = decodeFault(el)
		return r, nil
	}
	v, ok := versionOfTypesNS(el.NamespaceURI())
	if !ok {
		return nil, fmt.Errorf("soap: <%s> in %q is not an SMEV 3 reply", el.Tag, el.NamespaceURI())
	}
	o, ok := operationOfResponse(el.Tag)
	if !ok {
		return nil, fmt.Errorf("soap: <%s> is not an SMEV 3 reply", el.Tag)
	}
	r.Version, r.Operation = v, o
	d := decoder{v: v}
	t := v.TypesNS()
	hubSig := func(holder *etree.Element, signed *etree.Element) {
		if s := d.signatureIn(d.child(holder, t, "SMEVSignature")); s != nil {
			r.HubSignature, r.HubSigned = s, signed
		}
	}
	switch o {
	case SendRequest, SendResponse:
		md := d.child(el, t, "MessageMetadata")
		if md == nil {
			return nil, fmt.Errorf("soap: %s has no MessageMetadata", el.Tag)
		}
		m := d.metadata(md)
		r.Metadata = &m
		hubSig(el, md)
	case GetRequest:
		rm := d.child(el, t, "RequestMessage")
		if rm == nil {
			return r, nil
		}
		req := d.child(rm, t, "Request")
		if req == nil {
			return nil, fmt.Errorf("soap: RequestMessage has no Request")
		}
		spd := d.child(req, t, "SenderProvidedRequestData")
		if spd == nil {
			return nil, fmt.Errorf("soap: Request has no SenderProvidedRequestData")
		}
		data, err := d.requestData(spd)
		if err != nil {
			return nil, err
		}
		dr := &DeliveredRequest{Data: data, DataElement: spd, ReplyTo: text(d.child(req, t, "ReplyTo")), Attachments: d.attachments(rm)}
		if md := d.child(req, t, "MessageMetadata"); md != nil {
			dr.Metadata = d.metadata(md)
		}
		dr.SenderSignature = d.signatureIn(d.child(req, t, "SenderInformationSystemSignature"))
		r.Request = dr
		hubSig(rm, req)
	case GetResponse:
		rm := d.child(el, t, "ResponseMessage")
		if rm == nil {
			return r, nil
		}
		resp := d.child(rm, t, "Response")
		if resp == nil {
			return nil, fmt.Errorf("soap: ResponseMessage has no Response")
		}
		spd := d.child(resp, t, "SenderProvidedResponseData")
		if spd == nil {
			return nil, fmt.Errorf("soap: Response has no SenderProvidedResponseData")
		}
		data, err := d.responseData(spd)
		if err != nil {
			return nil, err
		}
		dr := &DeliveredResponse{
			OriginalMessageID:       trimmed(d.child(resp, t, "OriginalMessageId")),
			OriginalTransactionCode: text(d.child(resp, t, "OriginalTransactionCode")),
			ReferenceMessageID:      trimmed(d.child(resp, t, "ReferenceMessageID")),
			Data:                    data, DataElement: spd, Attachments: d.attachments(rm),
		}
		if md := d.child(resp, t, "MessageMetadata"); md != nil {
			dr.Metadata = d.metadata(md)
		}
		dr.SenderSignature = d.signatureIn(d.child(resp, t, "SenderInformationSystemSignature"))
		r.Response = dr
		hubSig(rm, resp)
	case GetStatus:
		msg := d.child(el, t, "SmevAsyncProcessingMessage")
		if msg == nil {
			return r, nil
		}
		data := d.child(msg, t, "AsyncProcessingStatusData")
		if data == nil {
			return nil, fmt.Errorf("soap: SmevAsyncProcessingMessage has no AsyncProcessingStatusData")
		}
		if st := d.child(data, t, "AsyncProcessingStatus"); st != nil {
			r.Status = d.asyncStatus(st)
		}
		hubSig(msg, data)
	case GetIncomingQueueStatistics:
		for _, q := range d.children(el, t, "QueueStatistics") {
			n, _ := strconv.ParseInt(q.SelectAttrValue("pendingMessageNumber", "0"), 10, 64)
			r.Stats = append(r.Stats, QueueStatistics{QueueName: q.SelectAttrValue("queueName", ""), Pending: n})
		}
	case Ack:
	}
	return r, nil
}

func (d decoder) metadata(el *etree.Element) Metadata {
	t := d.v.TypesNS()
	m := Metadata{
		ID:              idOf(el),
		MessageID:       trimmed(d.child(el, t, "MessageId")),
		MessageType:     trimmed(d.child(el, t, "MessageType")),
		DestinationName: text(d.child(el, t, "DestinationName")),
		Status:          trimmed(d.child(el, t, "Status")),
	}
	if s := d.child(el, t, "Sender"); s != nil {
		m.SenderMnemonic = text(d.child(s, t, "Mnemonic"))
		m.SenderName = text(d.child(s, t, "HumanReadableName"))
	}
	if r := d.child(el, t, "Recipient"); r != nil {
		m.RecipientMnem = text(d.child(r, t, "Mnemonic"))
		m.RecipientName = text(d.child(r, t, "HumanReadableName"))
	}
	if sd := d.child(el, t, "SupplementaryData"); sd != nil {
		m.ContentType = text(d.child(sd, t, "DetectedContentTypeName"))
		m.InteractionType = trimmed(d.child(sd, t, "InteractionType"))
	}
	m.SendingTime, _ = parseDateTime(trimmed(d.child(el, t, "SendingTimestamp")))
	if dt := d.child(el, t, "DeliveryTimestamp"); dt != nil {
		m.DeliveryTime, _ = parseDateTime(trimmed(dt))
	}
	return m
}
