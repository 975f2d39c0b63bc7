package soap

import (
	"fmt"
	"strings"
)

// EnvelopeNS is the SOAP 1.1 envelope namespace.
const EnvelopeNS = "http://schemas.xmlsoap.org/soap/envelope/"

// Version is a version of the SMEV 3 message-exchange namespaces.
type Version string

// Versions the codec reads and writes.
const (
	V11 Version = "1.1"
	V12 Version = "1.2"
	V13 Version = "1.3"
)

// Versions lists the supported versions.
func Versions() []Version { return []Version{V11, V12, V13} }

const nsBase = "urn://x-artefacts-smev-gov-ru/services/message-exchange/types/"

// TypesNS is the namespace of the operations and their main elements.
func (v Version) TypesNS() string { return nsBase + string(v) }

// BasicNS is the namespace of the basic types (MessagePrimaryContent, ...).
func (v Version) BasicNS() string { return nsBase + "basic/" + string(v) }

// FaultsNS is the namespace of the fault elements.
func (v Version) FaultsNS() string { return nsBase + "faults/" + string(v) }

// ServiceNS is the target namespace of the version's WSDL.
func (v Version) ServiceNS() string {
	return "urn://x-artefacts-smev-gov-ru/services/message-exchange/" + string(v)
}

// ParseVersion reads "1.1", "1.2" or "1.3".
func ParseVersion(s string) (Version, error) {
	for _, v := range Versions() {
		if string(v) == s {
			return v, nil
		}
	}
	return "", fmt.Errorf("soap: unknown SMEV version %q (want 1.1, 1.2 or 1.3)", s)
}

// versionOfTypesNS returns the version whose types namespace is ns.
func versionOfTypesNS(ns string) (Version, bool) {
	if !strings.HasPrefix(ns, nsBase) {
		return "", false
	}
	v := Version(strings.TrimPrefix(ns, nsBase))
	for _, known := range Versions() {
		if v == known {
			return v, true
		}
	}
	return "", false
}

// Operation is one of the seven SMEV 3 message-exchange operations.
type Operation string

// Operations.
const (
	SendRequest                Operation = "SendRequest"
	GetRequest                 Operation = "GetRequest"
	SendResponse               Operation = "SendResponse"
	GetResponse                Operation = "GetResponse"
	Ack                        Operation = "Ack"
	GetStatus                  Operation = "GetStatus"
	GetIncomingQueueStatistics Operation = "GetIncomingQueueStatistics"
)

// Operations lists the operations in the order of the WSDL.
func Operations() []Operation {
	return []Operation{SendRequest, GetRequest, SendResponse, GetResponse, Ack, GetStatus, GetIncomingQueueStatistics}
}

// RequestElement is the local name of the operation's input element.
func (o Operation) RequestElement() string {
	if o == Ack {
		return "AckRequest"
	}
	return string(o) + "Request"
}

// ResponseElement is the local name of the operation's output element.
func (o Operation) ResponseElement() string {
	if o == Ack {
		return "AckResponse"
	}
	return string(o) + "Response"
}

// SignedElement is the local name of the element a caller signs for the
// operation: the Id-referenced target of CallerInformationSystemSignature.
func (o Operation) SignedElement() string {
	switch o {
	case SendRequest:
		return "SenderProvidedRequestData"
	case SendResponse:
		return "SenderProvidedResponseData"
	case GetRequest, GetResponse:
		return "MessageTypeSelector"
	case Ack:
		return "AckTargetMessage"
	default:
		return "Timestamp"
	}
}

// Supported reports whether version v defines the operation (1.3 has no
// GetIncomingQueueStatistics).
func (o Operation) Supported(v Version) bool {
	return !(v == V13 && o == GetIncomingQueueStatistics)
}

func operationOfRequest(local string) (Operation, bool) {
	for _, o := range Operations() {
		if o.RequestElement() == local {
			return o, true
		}
	}
	return "", false
}

func operationOfResponse(local string) (Operation, bool) {
	for _, o := range Operations() {
		if o.ResponseElement() == local {
			return o, true
		}
	}
	return "", false
}

// Message types of MessageMetadata/MessageType.
const (
	MessageTypeRequest   = "REQUEST"
	MessageTypeBroadcast = "BROADCAST"
	MessageTypeResponse  = "RESPONSE"
)

// Interaction statuses (basic:InteractionStatusType).
const (
	StatusDoesNotExist            = "doesNotExist"
	StatusRequestIsQueued         = "requestIsQueued"
	StatusRequestIsAcceptedBySmev = "requestIsAcceptedBySmev"
	StatusRequestIsRejectedBySmev = "requestIsRejectedBySmev"
	StatusUnderProcessing         = "underProcessing"
	StatusResponseIsAccepted      = "responseIsAcceptedBySmev"
	StatusCancelled               = "cancelled"
	StatusResponseIsDelivered     = "responseIsDelivered"
	// StatusMessageIsDelivered is 1.3's word for it: a 1.3 answer carries
	// it where the others carry StatusResponseIsDelivered.
	StatusMessageIsDelivered = "messageIsDelivered"
)
