package hub

import (
	"github.com/beevik/etree"

	"mezhved/exchange/soap"
)

// Faults each operation declares in the WSDL, as the published WSDL of
// message exchange 1.1 declares them (1.3 adds PersonalAccessDenied to
// SendRequest and has no GetIncomingQueueStatistics).
var operationFaults = map[soap.Operation][]string{
	soap.SendRequest: {"BusinessDataTypeIsNotSupported", "TransactionCodeInvalid", "SignatureVerificationFault", "InvalidContent",
		"AttachmentContentMiscoordination", "AttachmentSizeLimitExceeded", "QuoteLimitExceeded", "AccessDenied", "SenderIsNotRegistered",
		"RecipientIsNotFound", "DestinationOverflow", "SMEVFailure", "MessageIsAlreadySent", "InvalidMessageIdFormat", "StaleMessageId", "EndOfLife"},
	soap.SendResponse: {"BusinessDataTypeIsNotSupported", "SignatureVerificationFault", "SMEVFailure", "InvalidContent",
		"AttachmentContentMiscoordination", "AttachmentSizeLimitExceeded", "QuoteLimitExceeded", "IncorrectResponseContentType",
		"SenderIsNotRegistered", "RecipientIsNotFound", "DestinationOverflow", "MessageIsAlreadySent", "InvalidMessageIdFormat", "StaleMessageId"},
	soap.GetStatus:                  {"InvalidContent", "SignatureVerificationFault", "SenderIsNotRegistered", "UnknownMessageType", "SMEVFailure"},
	soap.GetRequest:                 {"InvalidContent", "SignatureVerificationFault", "SenderIsNotRegistered", "UnknownMessageType", "SMEVFailure"},
	soap.GetResponse:                {"InvalidContent", "SignatureVerificationFault", "SenderIsNotRegistered", "UnknownMessageType", "SMEVFailure"},
	soap.Ack:                        {"InvalidContent", "SignatureVerificationFault", "SenderIsNotRegistered", "SMEVFailure", "TargetMessageIsNotFound"},
	soap.GetIncomingQueueStatistics: {"InvalidContent", "SignatureVerificationFault", "SenderIsNotRegistered", "SMEVFailure"},
}

// faultMessages are the fault messages of the WSDL: message name (before
// "Exception") and element.
var faultMessages = [][2]string{
	{"BusinessDataTypeIsNotSupported", "BusinessDataTypeIsNotSupported"}, {"SignatureVerificationFault", "SignatureVerificationFault"},
	{"InvalidContent", "InvalidContent"}, {"AttachmentContentMiscoordination", "AttachmentContentMiscoordination"},
	{"AttachmentSizeLimitExceeded", "AttachmentSizeLimitExceeded"}, {"QuoteLimitExceeded", "QuoteLimitExceeded"},
	{"AccessDenied", "AccessDenied"}, {"PersonalAccessDenied", "PersonalAccessDenied"}, {"MessageIsAlreadySent", "MessageIsAlreadySent"},
	{"InvalidMessageIdFormat", "InvalidMessageIdFormat"}, {"StaleMessageId", "StaleMessageId"}, {"EndOfLife", "EndOfLifeReached"},
	{"SMEVFailure", "SMEVFailure"}, {"TransactionCodeInvalid", "TransactionCodeInvalid"}, {"RequestIsNotFound", "RequestIsNotFound"},
	{"TargetMessageIsNotFound", "TargetMessageIsNotFound"}, {"IncorrectResponseContentType", "IncorrectResponseContentType"},
	{"SenderIsNotRegistered", "SenderIsNotRegistered"}, {"RecipientIsNotFound", "RecipientIsNotFound"},
	{"UnknownMessageType", "UnknownMessageType"}, {"DestinationOverflow", "DestinationOverflow"},
}

// WSDL builds the service description of version v served at address. Its
// schemas are imported from xsd/<file> relative to the WSDL's own URL
// (/ws/<v>/xsd/types.xsd beside /ws/<v>?wsdl).
func WSDL(v soap.Version, address string) *etree.Document {
	doc := etree.NewDocument()
	doc.CreateProcInst("xml", `version="1.0" encoding="UTF-8"`)
	d := doc.CreateElement("wsdl:definitions")
	d.CreateAttr("xmlns:wsdl", "http://schemas.xmlsoap.org/wsdl/")
	d.CreateAttr("xmlns:soap", "http://schemas.xmlsoap.org/wsdl/soap/")
	d.CreateAttr("xmlns:xs", "http://www.w3.org/2001/XMLSchema")
	d.CreateAttr("xmlns:tns", v.ServiceNS())
	d.CreateAttr("xmlns:types", v.TypesNS())
	d.CreateAttr("xmlns:fault", v.FaultsNS())
	d.CreateAttr("targetNamespace", v.ServiceNS())
	d.CreateElement("wsdl:documentation").SetText("SMEV 3 message exchange " + string(v) + " served by mezhved.")

	schema := d.CreateElement("wsdl:types").CreateElement("xs:schema")
	for _, imp := range [][2]string{{v.TypesNS(), "types.xsd"}, {v.FaultsNS(), "faults.xsd"}} {
		i := schema.CreateElement("xs:import")
		i.CreateAttr("namespace", imp[0])
		i.CreateAttr("schemaLocation", string(v)+"/xsd/"+imp[1])
	}

	part := func(name, element string) {
		m := d.CreateElement("wsdl:message")
		m.CreateAttr("name", name)
		p := m.CreateElement("wsdl:part")
		p.CreateAttr("name", "parameters")
		p.CreateAttr("element", element)
	}
	ops := operationsOf(v)
	for _, o := range ops {
		part(o.RequestElement()+"Msg", "types:"+o.RequestElement())
		part(o.ResponseElement()+"Msg", "types:"+o.ResponseElement())
	}
	for _, f := range faultMessages {
		if f[0] == "PersonalAccessDenied" && v != soap.V13 {
			continue
		}
		part(f[0]+"Exception", "fault:"+f[1])
	}

	pt := d.CreateElement("wsdl:portType")
	pt.CreateAttr("name", "SMEVMessageExchangePortType")
	for _, o := range ops {
		op := pt.CreateElement("wsdl:operation")
		op.CreateAttr("name", string(o))
		op.CreateElement("wsdl:input").CreateAttr("message", "tns:"+o.RequestElement()+"Msg")
		op.CreateElement("wsdl:output").CreateAttr("message", "tns:"+o.ResponseElement()+"Msg")
		for _, f := range faultsOf(v, o) {
			fe := op.CreateElement("wsdl:fault")
			fe.CreateAttr("name", f+"Fault")
			fe.CreateAttr("message", "tns:"+f+"Exception")
		}
	}

	b := d.CreateElement("wsdl:binding")
	b.CreateAttr("name", "SMEVMessageExchangeSoap11Binding")
	b.CreateAttr("type", "tns:SMEVMessageExchangePortType")
	sb := b.CreateElement("soap:binding")
	sb.CreateAttr("transport", "http://schemas.xmlsoap.org/soap/http")
	sb.CreateAttr("style", "document")
	for _, o := range ops {
		op := b.CreateElement("wsdl:operation")
		op.CreateAttr("name", string(o))
		op.CreateElement("soap:operation").CreateAttr("soapAction", "urn:"+string(o))
		op.CreateElement("wsdl:input").CreateElement("soap:body").CreateAttr("use", "literal")
		op.CreateElement("wsdl:output").CreateElement("soap:body").CreateAttr("use", "literal")
		for _, f := range faultsOf(v, o) {
			fe := op.CreateElement("wsdl:fault")
			fe.CreateAttr("name", f+"Fault")
			sf := fe.CreateElement("soap:fault")
			sf.CreateAttr("name", f+"Fault")
			sf.CreateAttr("use", "literal")
		}
	}

	svc := d.CreateElement("wsdl:service")
	svc.CreateAttr("name", "SMEVMessageExchangeService")
	port := svc.CreateElement("wsdl:port")
	port.CreateAttr("name", "SMEVMessageExchangeEndpoint")
	port.CreateAttr("binding", "tns:SMEVMessageExchangeSoap11Binding")
	port.CreateElement("soap:address").CreateAttr("location", address)
	doc.Indent(2)
	return doc
}

func operationsOf(v soap.Version) []soap.Operation {
	var out []soap.Operation
	for _, o := range soap.Operations() {
		if o.Supported(v) {
			out = append(out, o)
		}
	}
	return out
}

func faultsOf(v soap.Version, o soap.Operation) []string {
	fs := operationFaults[o]
	if v == soap.V13 && o == soap.SendRequest {
		out := append([]string(nil), fs[:8]...)
		out = append(out, "PersonalAccessDenied")
		return append(out, fs[8:]...)
	}
	return fs
}
