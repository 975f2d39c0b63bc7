package soap

import (
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"mezhved/exchange/fault"
)

// FaultInfoNS is the namespace of the hub's own fault detail entry, which
// follows the SMEV fault element in detail: the stable code, the retry class
// and every position of a validation error, for clients that want them
// without parsing text.
const FaultInfoNS = "urn://mezhved/fault/1.0"

// smevFaultTyped lists the fault elements whose type extends basic:SmevFault
// (and so carry Code and Description); the others are basic:Void, empty.
func smevFaultTyped(v Version, name string) bool {
	switch name {
	case fault.NameInvalidContent, fault.NameBusinessDataTypeIsNotSupported, fault.NameSignatureVerificationFault,
		fault.NameAttachmentSizeLimitExceeded, fault.NameDestinationOverflow, "TransactionCodeInvalid", "QuoteLimitExceeded":
		return true
	case fault.NameEndOfLifeReached:
		return v == V13
	}
	return false
}

// NewFault builds a SOAP 1.1 fault envelope for a rejection, in version v.
// faultcode is soap:Server for the hub's own failures and soap:Client
// otherwise; faultstring is "CODE Name: description".
func NewFault(v Version, e *fault.Error) *etree.Document {
	doc := etree.NewDocument()
	env := doc.CreateElement(prefixSOAP + ":Envelope")
	env.CreateAttr("xmlns:"+prefixSOAP, EnvelopeNS)
	f := env.CreateElement(prefixSOAP + ":Body").CreateElement(prefixSOAP + ":Fault")
	code := prefixSOAP + ":Client"
	if e.Kind.ServerSide() {
		code = prefixSOAP + ":Server"
	}
	f.CreateElement("faultcode").SetText(code)
	f.CreateElement("faultstring").SetText(e.Kind.Code + " " + e.Error())
	detail := f.CreateElement("detail")

	k := e.Kind
	el := detail.CreateElement(prefixFault + ":" + k.Name)
	el.CreateAttr("xmlns:"+prefixFault, v.FaultsNS())
	if smevFaultTyped(v, k.Name) {
		el.CreateAttr("xmlns:"+prefixBasic, v.BasicNS())
		el.CreateElement(prefixBasic + ":Code").SetText(k.Code)
		el.CreateElement(prefixBasic + ":Description").SetText(e.Text())
		fx := func(local, value string) { el.CreateElement(prefixFault + ":" + local).SetText(value) }
		switch k.Name {
		case fault.NameInvalidContent:
			if len(e.Positions) == 0 {
				ve := el.CreateElement(prefixFault + ":ValidationError")
				ve.CreateAttr("errorPosition", "0")
				ve.SetText(orDefault(e.Description, k.Summary))
			}
			for _, p := range e.Positions {
				ve := el.CreateElement(prefixFault + ":ValidationError")
				ve.CreateAttr("errorPosition", strconv.Itoa(p.Line))
				ve.SetText(p.String())
			}
		case fault.NameBusinessDataTypeIsNotSupported:
			fx("RootElementLocalName", e.RootLocalName)
			fx("RootElementNamespaceURI", e.RootNamespace)
		case fault.NameSignatureVerificationFault:
			fx("SignatureVerificationFault", k.SignatureCode)
		case fault.NameAttachmentSizeLimitExceeded:
			fx("PermittedTotalAttachmentSize", strconv.FormatInt(e.PermittedSize, 10))
			fx("RealTotalAttachmentSize", strconv.FormatInt(e.RealSize, 10))
		case fault.NameDestinationOverflow:
			fx("MessageBrokerAddress", "mezhved")
			fx("DestinationName", e.Destination)
		}
	}

	info := detail.CreateElement("mz:FaultInfo")
	info.CreateAttr("xmlns:mz", FaultInfoNS)
	info.CreateElement("mz:Code").SetText(k.Code)
	info.CreateElement("mz:Name").SetText(k.Name)
	if k.SignatureCode != "" {
		info.CreateElement("mz:SignatureCode").SetText(k.SignatureCode)
	}
	info.CreateElement("mz:Retry").SetText(k.Retry.String())
	info.CreateElement("mz:Description").SetText(orDefault(e.Description, k.Summary))
	for _, p := range e.Positions {
		pe := info.CreateElement("mz:Position")
		if p.Line > 0 {
			pe.CreateAttr("line", strconv.Itoa(p.Line))
			pe.CreateAttr("column", strconv.Itoa(p.Column))
		}
		if p.Path != "" {
			pe.CreateAttr("path", p.Path)
		}
		pe.SetText(p.Reason)
	}
	return doc
}

// Fault is a SOAP fault as a client reads it.
type Fault struct {
	FaultCode   string `json:"faultcode"` // e.g. soap:Client
	FaultString string `json:"faultstring"`
	// Name is the local name of the SMEV fault element in detail
	// (InvalidContent, ...); empty when the fault carries none.
	Name string `json:"name,omitempty"`
	// Code, Retry and Description come from the hub's FaultInfo (or from
	// basic:Code and basic:Description of the SMEV fault).
	Code          string           `json:"code,omitempty"`
	Retry         string           `json:"retry,omitempty"`
	Description   string           `json:"description,omitempty"`
	SignatureCode string           `json:"signatureCode,omitempty"`
	Positions     []fault.Position `json:"positions,omitempty"`
}

// Error returns "Name: description" (or the faultstring).
func (f *Fault) Error() string {
	if f.Name == "" {
		return "SOAP fault " + f.FaultCode + ": " + f.FaultString
	}
	d := f.Description
	if d == "" {
		d = f.FaultString
	}
	if f.SignatureCode != "" {
		return f.Name + ": " + f.SignatureCode + ": " + d
	}
	return f.Name + ": " + d
}

func decodeFault(fe *etree.Element) *Fault {
	f := &Fault{}
	for c := range fe.ChildElementsSeq() {
		switch c.Tag {
		case "faultcode":
			f.FaultCode = trimmed(c)
		case "faultstring":
			f.FaultString = text(c)
		case "detail":
			for d := range c.ChildElementsSeq() {
				ns := d.NamespaceURI()
				switch {
				case ns == FaultInfoNS && d.Tag == "FaultInfo":
					for x := range d.ChildElementsSeq() {
						switch x.Tag {
						case "Code":
							f.Code = text(x)
						case "Name":
							f.Name = text(x)
						case "SignatureCode":
							f.SignatureCode = text(x)
						case "Retry":
							f.Retry = text(x)
						case "Description":
							f.Description = text(x)
						case "Position":
							line, _ := strconv.Atoi(x.SelectAttrValue("line", "0"))
							col, _ := strconv.Atoi(x.SelectAttrValue("column", "0"))
							f.Positions = append(f.Positions, fault.Position{Line: line, Column: col, Path: x.SelectAttrValue("path", ""), Reason: text(x)})
						}
					}
				case strings.HasPrefix(ns, nsBase+"faults/") && f.Name == "":
					f.Name = d.Tag
					for x := range d.ChildElementsSeq() {
						switch x.Tag {
						case "Code":
							if f.Code == "" {
								f.Code = text(x)
							}
						case "Description":
							if f.Description == "" {
								f.Description = text(x)
							}
						case "SignatureVerificationFault":
							f.SignatureCode = trimmed(x)
						}
					}
				}
			}
		}
	}
	return f
}
