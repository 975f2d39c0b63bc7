package soap

import (
	"time"

	"github.com/beevik/etree"
)

// Call is one decoded request envelope: the operation a caller invokes.
// Exactly one of the operation fields is set, as Operation says.
//
// Every value is read from inside Signed (the element the operation requires
// the caller to sign) or, for attachment contents, from the operation
// element outside the signature, as the protocol places them. A receiver
// verifies Signature over Signed before it trusts any field.
type Call struct {
	Version   Version
	Operation Operation
	// Envelope is the document's root; Body the operation element.
	Envelope, Body *etree.Element
	// Signed is the element the operation requires to be signed.
	Signed *etree.Element
	// Signature is the ds:Signature in CallerInformationSystemSignature, nil
	// when the call is unsigned.
	Signature *etree.Element

	SendRequest  *RequestData
	SendResponse *ResponseData
	Selector     *Selector    // GetRequest, GetResponse
	Ack          *AckTarget   // Ack
	Timestamp    *Timestamp   // GetStatus, GetIncomingQueueStatistics
	NodeID       string       // GetIncomingQueueStatistics
	Attachments  []Attachment // SendRequest, SendResponse (AttachmentContentList)
}

// RequestData is SenderProvidedRequestData.
type RequestData struct {
	ID                 string // the Id attribute
	MessageID          string
	ReferenceMessageID string
	TransactionCode    string
	NodeID             string
	EOL                time.Time // zero when absent
	// Content is the single element under MessagePrimaryContent: the payload,
	// whose qualified name is the message type.
	Content              *etree.Element
	PersonalSignature    *etree.Element // ds:Signature, or nil
	AttachmentHeaders    []AttachmentHeader
	RefAttachmentHeaders []RefAttachmentHeader
	BusinessProcess      *etree.Element // BusinessProcessMetadata, or nil
	Test                 bool           // TestMessage present
}

// ResponseData is SenderProvidedResponseData. Exactly one of Content,
// Rejections, Status and AsyncStatus is set.
type ResponseData struct {
	ID        string
	MessageID string
	To        string
	Content   *etree.Element
	// PersonalSignature and the attachment headers accompany Content.
	PersonalSignature    *etree.Element
	AttachmentHeaders    []AttachmentHeader
	RefAttachmentHeaders []RefAttachmentHeader
	Rejections           []Rejection
	Status               *RequestStatus
	AsyncStatus          *AsyncStatus
}

// Rejection is one RequestRejected of a response.
type Rejection struct {
	Code        string // ACCESS_DENIED, NO_DATA, UNKNOWN_REQUEST_DESCRIPTION, FAILURE
	Description string
}

// RequestStatus is the RequestStatus of a response (a business status).
type RequestStatus struct {
	Code        int
	Parameters  []KeyValue
	Description string
}

// KeyValue is a StatusParameter.
type KeyValue struct{ Key, Value string }

// AsyncStatus is AsyncProcessingStatus: a status event of the hub.
type AsyncStatus struct {
	OriginalMessageID string `json:"originalMessageId"`
	Category          string `json:"category"` // InteractionStatusType
	Details           string `json:"details,omitempty"`
	FaultCode         string `json:"faultCode,omitempty"`        // SmevFault/Code, optional
	FaultDescription  string `json:"faultDescription,omitempty"` // SmevFault/Description, optional
}

// AttachmentHeader is one AttachmentHeader (signed with the data).
type AttachmentHeader struct {
	ContentID      string
	MimeType       string
	SignaturePKCS7 []byte
}

// RefAttachmentHeader is one RefAttachmentHeader: a file exchanged outside
// the message.
type RefAttachmentHeader struct {
	UUID           string
	Hash           string
	MimeType       string
	SignaturePKCS7 []byte
}

// Attachment is one AttachmentContent. Content is the raw base64 text as
// received; DecodedSize computes its size without keeping a copy.
type Attachment struct {
	ID      string
	Content string
}

// Selector is MessageTypeSelector.
type Selector struct {
	ID                   string
	NamespaceURI         string // empty: any type
	RootElementLocalName string
	Timestamp            time.Time
	NodeID               string
}

// AckTarget is AckTargetMessage.
type AckTarget struct {
	ID        string
	MessageID string
	Accepted  bool
}

// Timestamp is the basic:Timestamp signed by GetStatus and
// GetIncomingQueueStatistics.
type Timestamp struct {
	ID   string
	Time time.Time
}

// Metadata is MessageMetadata, filled in by the hub.
type Metadata struct {
	ID              string    `json:"-"` // Id attribute, the target of SMEVSignature
	MessageID       string    `json:"messageId"`
	MessageType     string    `json:"messageType"` // REQUEST, BROADCAST, RESPONSE
	SenderMnemonic  string    `json:"sender"`
	SenderName      string    `json:"senderName,omitempty"`
	SendingTime     time.Time `json:"sendingTime"`
	DestinationName string    `json:"destination,omitempty"` // 1.1 and 1.2
	RecipientMnem   string    `json:"recipient,omitempty"`
	RecipientName   string    `json:"recipientName,omitempty"`
	ContentType     string    `json:"contentType,omitempty"`     // DetectedContentTypeName, 1.1 and 1.2, optional
	InteractionType string    `json:"interactionType,omitempty"` // 1.1 and 1.2 (OIV2OIV, PGU2OIV, ...)
	DeliveryTime    time.Time `json:"deliveryTime,omitzero"`
	Status          string    `json:"status,omitempty"`
}

// QueueStatistics is one entry of GetIncomingQueueStatisticsResponse.
type QueueStatistics struct {
	QueueName string `json:"queue"`
	Pending   int64  `json:"pending"`
}
