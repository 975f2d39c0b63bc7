package fault

// SMEV fault element names (the faults namespace of the protocol).
const (
	NameInvalidContent                   = "InvalidContent"
	NameBusinessDataTypeIsNotSupported   = "BusinessDataTypeIsNotSupported"
	NameSignatureVerificationFault       = "SignatureVerificationFault"
	NameSenderIsNotRegistered            = "SenderIsNotRegistered"
	NameAccessDenied                     = "AccessDenied"
	NameRecipientIsNotFound              = "RecipientIsNotFound"
	NameMessageIsAlreadySent             = "MessageIsAlreadySent"
	NameInvalidMessageIDFormat           = "InvalidMessageIdFormat"
	NameStaleMessageID                   = "StaleMessageId"
	NameEndOfLifeReached                 = "EndOfLifeReached"
	NameAttachmentSizeLimitExceeded      = "AttachmentSizeLimitExceeded"
	NameAttachmentContentMiscoordination = "AttachmentContentMiscoordination"
	NameDestinationOverflow              = "DestinationOverflow"
	NameTargetMessageIsNotFound          = "TargetMessageIsNotFound"
	NameUnknownMessageType               = "UnknownMessageType"
	NameIncorrectResponseContentType     = "IncorrectResponseContentType"
	NameSMEVFailure                      = "SMEVFailure"
)

// The catalog. Codes are stable: a released code keeps its meaning forever;
// new reasons get new codes. 1xxx: the envelope as XML; 2xxx: its content;
// 3xxx: its signature; 4xxx: who may send what; 5xxx: delivery; 9xxx: the
// hub's own failures.
var (
	EnvelopeTooLarge = &Kind{Code: "MZ-1001", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "the envelope is larger than the configured limit"}
	XMLMalformed = &Kind{Code: "MZ-1002", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "the envelope is not well-formed XML"}
	XMLDoctype = &Kind{Code: "MZ-1003", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "the envelope has a DOCTYPE or an entity declaration, which are refused"}
	XMLTooDeep = &Kind{Code: "MZ-1004", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "elements are nested deeper than the configured limit"}
	XMLEncoding = &Kind{Code: "MZ-1005", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "the declared encoding is neither UTF-8 nor windows-1251, or the bytes do not match it"}
	EnvelopeStructure = &Kind{Code: "MZ-1006", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "not a SOAP 1.1 envelope whose Body holds one SMEV 3 operation"}
	PrimaryContentRoot = &Kind{Code: "MZ-1007", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "MessagePrimaryContent must hold exactly one element"}
	XMLLimit = &Kind{Code: "MZ-1008", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "an element has more attributes, an attribute value is longer, or more namespace declarations are in scope than the configured limit"}

	Schema = &Kind{Code: "MZ-2001", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "the envelope or its payload does not validate against its schema"}
	Identifier = &Kind{Code: "MZ-2002", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "an identifier (INN, OGRN, SNILS, BIC, account, VIN, cadastral or proceeding number) fails its check rule"}
	UnsupportedType = &Kind{Code: "MZ-2003", Name: NameBusinessDataTypeIsNotSupported, Retry: Stop,
		Summary: "the payload's root element is not a registered message type"}
	MessageIDFormat = &Kind{Code: "MZ-2004", Name: NameInvalidMessageIDFormat, Retry: FixAndResend,
		Summary: "MessageID is not a version 1 UUID"}
	StaleMessageID = &Kind{Code: "MZ-2005", Name: NameStaleMessageID, Retry: FixAndResend,
		Summary: "the MessageID's timestamp is older than the staleness window"}
	AttachmentMiscoordination = &Kind{Code: "MZ-2006", Name: NameAttachmentContentMiscoordination, Retry: FixAndResend,
		Summary: "attachment headers and attachment contents do not match one to one"}
	AttachmentTooLarge = &Kind{Code: "MZ-2007", Name: NameAttachmentSizeLimitExceeded, Retry: FixAndResend,
		Summary: "the attachments are larger than the message type permits"}
	EndOfLife = &Kind{Code: "MZ-2008", Name: NameEndOfLifeReached, Retry: FixAndResend,
		Summary: "the message's EOL has passed"}
	UnknownMessageType = &Kind{Code: "MZ-2009", Name: NameUnknownMessageType, Retry: FixAndResend,
		Summary: "the MessageTypeSelector names a type that is not registered or not the caller's"}
	ResponseContentType = &Kind{Code: "MZ-2010", Name: NameIncorrectResponseContentType, Retry: FixAndResend,
		Summary: "a response carries a payload that is registered as a request type"}
	StaleTimestamp = &Kind{Code: "MZ-2011", Name: NameInvalidContent, Retry: FixAndResend,
		Summary: "a signed poll's Timestamp is outside the window around the hub's clock (a poll replayed or held back, or a clock off)"}

	NoSignature = &Kind{Code: "MZ-3001", Name: NameSignatureVerificationFault, SignatureCode: "NoSignatureFound", Retry: FixAndResend,
		Summary: "the call is not signed"}
	SignatureTarget = &Kind{Code: "MZ-3002", Name: NameSignatureVerificationFault, SignatureCode: "IncorrectSignatureTarget", Retry: FixAndResend,
		Summary: "the signature does not cover the element the operation requires to be signed"}
	SignatureInvalid = &Kind{Code: "MZ-3003", Name: NameSignatureVerificationFault, SignatureCode: "SignatureIsInvalid", Retry: FixAndResend,
		Summary: "a digest or the signature value does not match the signed content"}
	SignatureMalformed = &Kind{Code: "MZ-3004", Name: NameSignatureVerificationFault, SignatureCode: "SignatureIsInvalid", Retry: FixAndResend,
		Summary: "the XMLDSig structure is incomplete or malformed"}
	SignatureAlgorithm = &Kind{Code: "MZ-3005", Name: NameSignatureVerificationFault, SignatureCode: "SignatureIsInvalid", Retry: FixAndResend,
		Summary: "an algorithm, transform or reference form is not permitted by the signature policy"}
	CertificateUntrusted = &Kind{Code: "MZ-3006", Name: NameSignatureVerificationFault, SignatureCode: "CertificateIsNotFound", Retry: FixAndResend,
		Summary: "the signing certificate is missing or does not chain to a trusted CA"}
	CertificateExpired = &Kind{Code: "MZ-3007", Name: NameSignatureVerificationFault, SignatureCode: "CertificateIsExpired", Retry: FixAndResend,
		Summary: "the signing certificate (or one in its chain) is outside its validity period"}
	CertificateRevoked = &Kind{Code: "MZ-3008", Name: NameSignatureVerificationFault, SignatureCode: "CertificateIsNotFound", Retry: FixAndResend,
		Summary: "the signing certificate (or one in its chain) is on a revocation list"}
	PersonalSignature = &Kind{Code: "MZ-3009", Name: NameSignatureVerificationFault, SignatureCode: "SignatureIsInvalid", Retry: FixAndResend,
		Summary: "the personal signature over the payload is missing where the message type requires one, or does not verify"}
	AttachmentSignature = &Kind{Code: "MZ-3010", Name: NameSignatureVerificationFault, SignatureCode: "SignatureIsInvalid", Retry: FixAndResend,
		Summary: "an attachment's detached CMS signature (SignaturePKCS7) does not verify"}

	SenderNotRegistered = &Kind{Code: "MZ-4001", Name: NameSenderIsNotRegistered, Retry: Stop,
		Summary: "the signing certificate belongs to no registered participant"}
	AccessDenied = &Kind{Code: "MZ-4002", Name: NameAccessDenied, Retry: Stop,
		Summary: "the sender is not permitted to send this message type"}
	RecipientNotFound = &Kind{Code: "MZ-4003", Name: NameRecipientIsNotFound, Retry: FixAndResend,
		Summary: "no recipient matches the routing of the message"}

	AlreadySent = &Kind{Code: "MZ-5001", Name: NameMessageIsAlreadySent, Retry: Stop,
		Summary: "a different message with this MessageID was already accepted from this sender"}
	TargetNotFound = &Kind{Code: "MZ-5002", Name: NameTargetMessageIsNotFound, Retry: Stop,
		Summary: "no unacknowledged message with this id is leased to the caller"}
	DestinationOverflow = &Kind{Code: "MZ-5003", Name: NameDestinationOverflow, Retry: RetryLater,
		Summary: "the recipient's queue is full"}
	// Reported through GetStatus, not as SOAP faults:
	DeadLetter = &Kind{Code: "MZ-5004", Name: NameEndOfLifeReached, Retry: FixAndResend,
		Summary: "(status) the recipient did not acknowledge the message in the permitted number of deliveries"}
	RecipientRefused = &Kind{Code: "MZ-5005", Name: NameSMEVFailure, Retry: Stop,
		Summary: "(status) the recipient refused the message (Ack with accepted=false)"}

	Failure = &Kind{Code: "MZ-9001", Name: NameSMEVFailure, Retry: RetryLater,
		Summary: "the hub failed to process the call; send it again (a message it did store is recognised)"}
	Draining = &Kind{Code: "MZ-9002", Name: NameSMEVFailure, Retry: RetryLater,
		Summary: "the hub is draining for maintenance and takes no new messages; polls and acknowledgements still work"}
	RateLimited = &Kind{Code: "MZ-9003", Name: NameSMEVFailure, Retry: RetryLater,
		Summary: "the sender is over its rate limit; send again after a pause"}
)

// All returns the catalog in code order.
func All() []*Kind {
	return []*Kind{
		EnvelopeTooLarge, XMLMalformed, XMLDoctype, XMLTooDeep, XMLEncoding, EnvelopeStructure, PrimaryContentRoot, XMLLimit,
		Schema, Identifier, UnsupportedType, MessageIDFormat, StaleMessageID, AttachmentMiscoordination,
		AttachmentTooLarge, EndOfLife, UnknownMessageType, ResponseContentType, StaleTimestamp,
		NoSignature, SignatureTarget, SignatureInvalid, SignatureMalformed, SignatureAlgorithm,
		CertificateUntrusted, CertificateExpired, CertificateRevoked, PersonalSignature, AttachmentSignature,
		SenderNotRegistered, AccessDenied, RecipientNotFound,
		AlreadySent, TargetNotFound, DestinationOverflow, DeadLetter, RecipientRefused,
		Failure, Draining, RateLimited,
	}
}

// ByCode returns the catalog entry with the given code, or nil.
func ByCode(code string) *Kind {
	for _, k := range All() {
		if k.Code == code {
			return k
		}
	}
	return nil
}
