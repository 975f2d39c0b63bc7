package conformance

import (
	"context"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"fmt"
	"math/big"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
)

// FAULT: every refusal a client can provoke, each with its SMEV fault (the
// hard check) and the hub's MZ code.
func faultCases() []Case {
	return []Case{
		{ID: "FAULT-001", Desc: "an envelope that is not well-formed XML is InvalidContent (MZ-1002) naming the line", Run: faultMalformed},
		{ID: "FAULT-002", Desc: "a document that is not a SOAP envelope is InvalidContent (MZ-1006)", Run: faultNotSOAP},
		{ID: "FAULT-003", Desc: "an unknown operation in the Body is InvalidContent (MZ-1006)", Run: faultUnknownOperation},
		{ID: "FAULT-004", Desc: "a DOCTYPE with entity declarations is refused unexpanded as InvalidContent (MZ-1003)", Run: faultDoctype},
		{ID: "FAULT-005", Desc: "elements nested beyond the depth limit are InvalidContent (MZ-1004)", Run: faultDeep},
		{ID: "FAULT-006", Desc: "an envelope one byte over the size limit is InvalidContent (MZ-1001)", Run: faultOversize},
		{ID: "FAULT-007", Desc: "an encoding other than UTF-8 or windows-1251 is InvalidContent (MZ-1005)", Run: faultEncoding},
		{ID: "FAULT-008", Desc: "an attribute value over the length limit is InvalidContent (MZ-1008)", Run: faultLongAttribute},
		{ID: "FAULT-009", Desc: "a 1.1 envelope posted to the 1.3 endpoint is InvalidContent (MZ-1006), answered in 1.3", Run: faultWrongEndpoint},
		{ID: "FAULT-010", Desc: "two elements in MessagePrimaryContent are InvalidContent", Run: faultTwoRoots},
		{ID: "FAULT-011", Desc: "a payload of an unregistered type is BusinessDataTypeIsNotSupported (MZ-2003)", Run: faultUnknownType},
		{ID: "FAULT-012", Desc: "a response type sent with SendRequest is BusinessDataTypeIsNotSupported (MZ-2003)", Run: faultResponseAsRequest},
		{ID: "FAULT-013", Desc: "a MessageID that is not a version 1 UUID is InvalidMessageIdFormat (MZ-2004)", Run: faultMessageIDFormat},
		{ID: "FAULT-014", Desc: "a MessageID made a year ago is StaleMessageId (MZ-2005)", Run: faultStaleMessageID},
		{ID: "FAULT-015", Desc: "a request whose EOL has passed is EndOfLifeReached (MZ-2008)", Run: faultEOLPassed},
		{ID: "FAULT-016", Desc: "a call signed with a trusted certificate bound to no participant is SenderIsNotRegistered (MZ-4001)", Run: faultUnknownSender},
		{ID: "FAULT-017", Desc: "a participant sending a type it may not send (a bank's writ) is AccessDenied (MZ-4002)", Run: faultNotPermitted},
		{ID: "FAULT-018", Desc: "a decree routed by a BIC no bank has is RecipientIsNotFound (MZ-4003)", Run: faultNoRecipient},
		{ID: "FAULT-019", Desc: "a MessageID sent again with other content is MessageIsAlreadySent (MZ-5001)", Run: faultDuplicateID},
		{ID: "FAULT-020", Desc: "another participant's MessageID is MessageIsAlreadySent (MZ-5001)", Run: faultForeignID},
		{ID: "FAULT-021", Desc: "an INN with a wrong check digit is InvalidContent (MZ-2002) naming the element's path", Run: faultIdentifier("INN", "Debtor/Person/INN", "500100732258")},
		{ID: "FAULT-022", Desc: "a SNILS with a wrong check number is InvalidContent (MZ-2002) naming the element's path", Run: faultIdentifier("SNILS", "Debtor/Person/SNILS", "14850221649")},
		{ID: "FAULT-023", Desc: "an account number whose key does not match its BIC is InvalidContent (MZ-2002) naming the element's path", Run: faultAccountKey},
		{ID: "FAULT-024", Desc: "an Ack of a message nobody sent is TargetMessageIsNotFound (MZ-5002)", Run: faultAckUnknown},
		{ID: "FAULT-025", Desc: "an Ack of a message delivered to someone else is TargetMessageIsNotFound (MZ-5002), the recipient's Ack still counting", Run: faultAckOthers},
		{ID: "FAULT-026", Desc: "an Ack of a queued message not yet delivered is TargetMessageIsNotFound (MZ-5002)", Run: faultAckUndelivered},
		{ID: "FAULT-027", Desc: "GetRequest selecting an unregistered type is UnknownMessageType (MZ-2009)", Run: faultSelectorUnknown},
		{ID: "FAULT-028", Desc: "GetRequest selecting a type the caller does not provide is UnknownMessageType (MZ-2009)", Run: faultSelectorNotProvider},
		{ID: "FAULT-029", Desc: "SendResponse carrying a request type is IncorrectResponseContentType (MZ-2010)", Run: faultResponseRequestType},
		{ID: "FAULT-030", Desc: "SendResponse with an answer type of another request type is IncorrectResponseContentType (MZ-2010)", Run: faultWrongAnswerType},
		{ID: "FAULT-031", Desc: "SendResponse to a To the endpoint never issued is RecipientIsNotFound (MZ-4003)", Run: faultForgedReplyTo},
		{ID: "FAULT-032", Desc: "SendResponse by a participant that did not receive the request is AccessDenied (MZ-4002)", Run: faultNotRecipientAnswers},
		{ID: "FAULT-033", Desc: "an attachment header without its content is AttachmentContentMiscoordination (MZ-2006)", Run: faultAttachmentMiscoordination},
		{ID: "FAULT-034", Desc: "attachments over the type's limit are AttachmentSizeLimitExceeded (MZ-2007)", Run: faultAttachmentTooLarge},
	}
}

// request builds a SendRequest envelope of content over v with a fresh
// MessageID and this case's TransactionCode, changed by mutate.
func (e *Env) request(v soap.Version, content *etree.Element, mutate func(*soap.RequestData)) *etree.Document {
	d := &soap.RequestData{MessageID: newID(), TransactionCode: e.code(), Content: content}
	if mutate != nil {
		mutate(d)
	}
	return soap.NewSendRequest(v, d, nil)
}

// signedRequest is request signed by from.
func (e *Env) signedRequest(v soap.Version, from string, content *etree.Element, mutate func(*soap.RequestData)) ([]byte, error) {
	return e.sign(e.request(v, content, mutate), from)
}

// writ is a court's signed writ over 1.1.
func (e *Env) writ() ([]byte, error) {
	return e.signedRequest(soap.V11, e.Participant("court"), payload("Writ"), nil)
}

var invalidContent = func(mz string) expect { return expect{name: "InvalidContent", mz: mz} }

func faultMalformed(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	if raw, err = replace(raw, "</smev:MessageID>", "</smev:MessageId>"); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, expect{name: "InvalidContent", mz: "MZ-1002", pos: posLine, line: lineOf(raw, "</smev:MessageId>")})
}

func faultNotSOAP(ctx context.Context, e *Env) error {
	raw, err := canonical(payload("Writ"))
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, invalidContent("MZ-1006"))
}

func faultUnknownOperation(ctx context.Context, e *Env) error {
	v := soap.V11
	raw := fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8"?>
<soap:Envelope xmlns:soap="%s"><soap:Body><smev:CancelRequestRequest xmlns:smev="%s" xmlns:basic="%s"><basic:Timestamp Id="SIGNED_BY_CALLER">%s</basic:Timestamp></smev:CancelRequestRequest></soap:Body></soap:Envelope>`,
		soap.EnvelopeNS, v.TypesNS(), v.BasicNS(), soap.FormatDateTime(time.Now()))
	return e.postFault(ctx, v, e.Participant("court"), []byte(raw), invalidContent("MZ-1006"))
}

func faultDoctype(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	var b strings.Builder
	b.WriteString(`<!DOCTYPE soap:Envelope [<!ENTITY lol0 "lol">`)
	for i := 1; i <= 9; i++ {
		fmt.Fprintf(&b, `<!ENTITY lol%d "%s">`, i, strings.Repeat(fmt.Sprintf("&lol%d;", i-1), 10))
	}
	b.WriteString("]>\n<soap:Envelope ")
	if raw, err = replace(raw, "<soap:Envelope ", b.String()); err != nil {
		return err
	}
	if raw, err = replace(raw, ">348912.45<", ">&lol9;<"); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, invalidContent("MZ-1003"))
}

// header puts xml into a new SOAP Header of a signed envelope.
func header(raw []byte, xml string) ([]byte, error) {
	return replace(raw, "<soap:Body>", "<soap:Header>"+xml+"</soap:Header><soap:Body>")
}

func faultDeep(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	const deep = 1000
	if raw, err = header(raw, `<x:d xmlns:x="urn://conformance">`+strings.Repeat("<x:d>", deep)+strings.Repeat("</x:d>", deep)+"</x:d>"); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, invalidContent("MZ-1004"))
}

func faultOversize(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	// A comment after the envelope fills it to one byte over the limit.
	fill := int(e.s.t.MaxEnvelope) + 1 - len(raw) - len("\n<!---->")
	if fill < 0 {
		return skip("the envelope limit %d is smaller than a writ", e.s.t.MaxEnvelope)
	}
	raw = append(raw, "\n<!--"+strings.Repeat("x", fill)+"-->"...)
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, invalidContent("MZ-1001"))
}

func faultEncoding(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	if raw, err = replace(raw, `encoding="UTF-8"`, `encoding="KOI8-R"`); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, invalidContent("MZ-1005"))
}

func faultLongAttribute(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	if raw, err = header(raw, `<x:h xmlns:x="urn://conformance" x:v="`+strings.Repeat("A", 1<<20)+`"/>`); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, invalidContent("MZ-1008"))
}

func faultWrongEndpoint(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V13, e.Participant("court"), raw, invalidContent("MZ-1006"))
}

func faultTwoRoots(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	if raw, err = replace(raw, "</basic:MessagePrimaryContent>", `<Note xmlns="urn://conformance">second</Note></basic:MessagePrimaryContent>`); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, expect{name: "InvalidContent", mz: "MZ-2001", pos: posLine, path: "MessagePrimaryContent"})
}

func faultUnknownType(ctx context.Context, e *Env) error {
	content := etree.NewElement("Petition")
	content.CreateAttr("xmlns", "urn://conformance/unregistered/1.0")
	content.SetText("not a registered type")
	raw, err := e.signedRequest(soap.V11, e.Participant("court"), content, nil)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, expect{name: "BusinessDataTypeIsNotSupported", mz: "MZ-2003"})
}

func faultResponseAsRequest(ctx context.Context, e *Env) error {
	raw, err := e.signedRequest(soap.V11, e.Participant("bailiff"), payload("WritAnswer"), nil)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("bailiff"), raw, expect{name: "BusinessDataTypeIsNotSupported", mz: "MZ-2003"})
}

func faultMessageIDFormat(ctx context.Context, e *Env) error {
	raw, err := e.signedRequest(soap.V11, e.Participant("court"), payload("Writ"), func(d *soap.RequestData) {
		d.MessageID = "6f1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d" // version 4
	})
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, expect{name: "InvalidMessageIdFormat", mz: "MZ-2004"})
}

func faultStaleMessageID(ctx context.Context, e *Env) error {
	raw, err := e.signedRequest(soap.V11, e.Participant("court"), payload("Writ"), func(d *soap.RequestData) {
		d.MessageID = idAt(time.Now().AddDate(-1, 0, 0))
	})
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, expect{name: "StaleMessageId", mz: "MZ-2005"})
}

func faultEOLPassed(ctx context.Context, e *Env) error {
	raw, err := e.signedRequest(soap.V11, e.Participant("court"), payload("Writ"), func(d *soap.RequestData) {
		d.EOL = time.Now().Add(-time.Hour)
	})
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, expect{name: "EndOfLifeReached", mz: "MZ-2008"})
}

// mint issues a certificate for key, valid from..until, by the PKI's CA
// (self-signed when ca is nil).
func mint(ca *pki.Identity, key *pki.Identity, cn string, from, until time.Time) (*x509.Certificate, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, OrganizationalUnit: []string{"mezhved conformance"}},
		NotBefore:    from,
		NotAfter:     until,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	parent, parentKey := tmpl, key.Key
	if ca != nil {
		parent, parentKey = ca.Certificate, ca.Key
	}
	der, err := pki.CreateCertificate(tmpl, parent, key.Key.Public(), parentKey)
	if err != nil {
		return nil, err
	}
	return x509.ParseCertificate(der)
}

func faultUnknownSender(ctx context.Context, e *Env) error {
	id := e.s.hub
	if id == nil {
		if e.s.ca == nil {
			return skip("the PKI directory has neither hub.key nor ca.key to make a trusted certificate bound to no participant")
		}
		p := e.s.parties[e.Participant("court")]
		cert, err := mint(e.s.ca, &pki.Identity{Key: p.key}, "CONFORMANCE-STRANGER", time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
		if err != nil {
			return err
		}
		id = &pki.Identity{Key: p.key, Certificate: cert}
	}
	s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		return err
	}
	raw, err := signWith(e.request(soap.V11, payload("Writ"), nil), s)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, expect{name: "SenderIsNotRegistered", mz: "MZ-4001"})
}

func faultNotPermitted(ctx context.Context, e *Env) error {
	bank := e.Participant("bank")
	raw, err := e.signedRequest(soap.V11, bank, payload("Writ"), nil)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, bank, raw, expect{name: "AccessDenied", mz: "MZ-4002"})
}

// unknownBIC is a valid BIC of a credit institution no bank of the
// development registry has.
const unknownBIC = "044525999"

// decreeFor is the sample arrest decree with one account at a bank.
func decreeFor(bic string, serial int) *etree.Element {
	d := payload("Decree")
	targets := find(d, "Targets")
	if targets != nil {
		for _, c := range targets.ChildElements() {
			targets.RemoveChild(c)
		}
		acc := targets.CreateElement("Account")
		acc.CreateElement("AccountNumber").SetText(account(bic, serial))
		acc.CreateElement("BIC").SetText(bic)
	}
	return d
}

func faultNoRecipient(ctx context.Context, e *Env) error {
	bailiff := e.Participant("bailiff")
	raw, err := e.signedRequest(soap.V11, bailiff, decreeFor(unknownBIC, 1234567), nil)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, bailiff, raw, expect{name: "RecipientIsNotFound", mz: "MZ-4003"})
}

func faultDuplicateID(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	raw, err := e.signedRequest(soap.V11, court, set(payload("Writ"), "Amount", "1.00"), func(d *soap.RequestData) { d.MessageID = s.ID })
	if err != nil {
		return err
	}
	if err := e.postFault(ctx, soap.V11, court, raw, expect{name: "MessageIsAlreadySent", mz: "MZ-5001"}); err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, bailiff, s.ID, true)
}

func faultForeignID(ctx context.Context, e *Env) error {
	court, police, bailiff := e.Participant("court"), e.Participant("traffic-police"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	raw, err := e.signedRequest(soap.V11, police, payload("Writ"), func(d *soap.RequestData) { d.MessageID = s.ID })
	if err != nil {
		return err
	}
	if err := e.postFault(ctx, soap.V11, police, raw, expect{name: "MessageIsAlreadySent", mz: "MZ-5001"}); err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, bailiff, s.ID, true)
}

func faultIdentifier(element, path, value string) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		court := e.Participant("court")
		raw, err := e.signedRequest(soap.V11, court, set(payload("Writ"), path, value), nil)
		if err != nil {
			return err
		}
		return e.postFault(ctx, soap.V11, court, raw, expect{name: "InvalidContent", mz: "MZ-2002", pos: posPath, path: element})
	}
}

func faultAccountKey(ctx context.Context, e *Env) error {
	bailiff, bank := e.Participant("bailiff"), e.Participant("bank")
	d := decreeFor(e.BIC(bank), 7654321)
	acc := find(d, "AccountNumber")
	n := []byte(acc.Text())
	n[8] = '0' + (n[8]-'0'+1)%10 // the control key
	acc.SetText(string(n))
	raw, err := e.signedRequest(soap.V11, bailiff, d, nil)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, bailiff, raw, expect{name: "InvalidContent", mz: "MZ-2002", pos: posPath, path: "AccountNumber"})
}

// ackFault sends an Ack that must be refused.
func (e *Env) ackFault(ctx context.Context, who, id string) error {
	raw, err := e.sign(soap.NewAck(soap.V11, &soap.AckTarget{MessageID: id, Accepted: true}), who)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, who, raw, expect{name: "TargetMessageIsNotFound", mz: "MZ-5002"})
}

func faultAckUnknown(ctx context.Context, e *Env) error {
	return e.ackFault(ctx, e.Participant("bailiff"), newID())
}

func faultAckOthers(ctx context.Context, e *Env) error {
	court, bailiff, police := e.Participant("court"), e.Participant("bailiff"), e.Participant("traffic-police")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID); err != nil {
		return err
	}
	// Neither the sender nor a third party may acknowledge the bailiff's delivery.
	if err := e.ackFault(ctx, court, s.ID); err != nil {
		return fmt.Errorf("the sender's Ack: %w", err)
	}
	if err := e.ackFault(ctx, police, s.ID); err != nil {
		return fmt.Errorf("a third party's Ack: %w", err)
	}
	return e.ack(ctx, soap.V11, bailiff, s.ID, true)
}

func faultAckUndelivered(ctx context.Context, e *Env) error {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return err
	}
	if err := e.ackFault(ctx, bailiff, s.ID); err != nil {
		return err
	}
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, bailiff, s.ID, true)
}

// getFault sends a GetRequest with a selector that must be refused.
func (e *Env) getFault(ctx context.Context, who string, t qname) error {
	raw, err := e.sign(soap.NewGetRequest(soap.V11, &soap.Selector{Timestamp: time.Now(), NamespaceURI: t.ns, RootElementLocalName: t.local}), who)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, who, raw, expect{name: "UnknownMessageType", mz: "MZ-2009"})
}

func faultSelectorUnknown(ctx context.Context, e *Env) error {
	return e.getFault(ctx, e.Participant("bailiff"), qname{"urn://conformance/unregistered/1.0", "Petition"})
}

func faultSelectorNotProvider(ctx context.Context, e *Env) error {
	return e.getFault(ctx, e.Participant("bank"), typeOf(payload("Writ")))
}

// answerable sends a writ from the court and has the bailiff receive and
// acknowledge it, for the cases that answer it wrongly; it returns the
// request and its ReplyTo.
func (e *Env) answerable(ctx context.Context) (*sent, string, error) {
	court, bailiff := e.Participant("court"), e.Participant("bailiff")
	s, err := e.send(ctx, soap.V11, court, payload("Writ"))
	if err != nil {
		return nil, "", err
	}
	r, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), s.ID)
	if err != nil {
		return nil, "", err
	}
	if err := e.ack(ctx, soap.V11, bailiff, s.ID, true); err != nil {
		return nil, "", err
	}
	return s, r.Request.ReplyTo, nil
}

// responseFault sends a response that must be refused.
func (e *Env) responseFault(ctx context.Context, from, to string, content *etree.Element, x expect) error {
	raw, err := e.sign(soap.NewSendResponse(soap.V11, &soap.ResponseData{MessageID: newID(), To: to, Content: content}, nil), from)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, from, raw, x)
}

func faultResponseRequestType(ctx context.Context, e *Env) error {
	_, to, err := e.answerable(ctx)
	if err != nil {
		return err
	}
	return e.responseFault(ctx, e.Participant("bailiff"), to, payload("VehicleQuery"), expect{name: "IncorrectResponseContentType", mz: "MZ-2010"})
}

func faultWrongAnswerType(ctx context.Context, e *Env) error {
	_, to, err := e.answerable(ctx)
	if err != nil {
		return err
	}
	return e.responseFault(ctx, e.Participant("bailiff"), to, payload("VehicleAnswer"), expect{name: "IncorrectResponseContentType", mz: "MZ-2010"})
}

func faultForgedReplyTo(ctx context.Context, e *Env) error {
	_, to, err := e.answerable(ctx)
	if err != nil {
		return err
	}
	// The token with a character of its MAC changed; with the last one
	// changed (in base64 without padding its low bits are unused, so a
	// lenient decoder reads the same MAC: the string is still not one the
	// endpoint issued); and a plain mnemonic.
	variant := func(i int) string {
		b := []byte(to)
		if b[i] == 'A' {
			b[i] = 'B'
		} else {
			b[i] = 'A'
		}
		return string(b)
	}
	mac := strings.LastIndexByte(to, '.') + 1
	forged := []string{variant(mac + (len(to)-mac)/2), variant(len(to) - 1), e.Participant("court")}
	bailiff := e.Participant("bailiff")
	for _, bad := range forged {
		if err := e.responseFault(ctx, bailiff, bad, payload("WritAnswer"), expect{name: "RecipientIsNotFound", mz: "MZ-4003"}); err != nil {
			return fmt.Errorf("To %q: %w", bad, err)
		}
	}
	return nil
}

func faultNotRecipientAnswers(ctx context.Context, e *Env) error {
	_, to, err := e.answerable(ctx)
	if err != nil {
		return err
	}
	// The traffic police did not receive the writ, though it holds a valid To.
	return e.responseFault(ctx, e.Participant("traffic-police"), to, payload("WritAnswer"), expect{name: "AccessDenied", mz: "MZ-4002"})
}

func faultAttachmentMiscoordination(ctx context.Context, e *Env) error {
	court := e.Participant("court")
	raw, err := e.signedRequest(soap.V11, court, payload("Writ"), func(d *soap.RequestData) {
		d.AttachmentHeaders = []soap.AttachmentHeader{{ContentID: "att-1", MimeType: "application/pdf"}}
	})
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, court, raw, expect{name: "AttachmentContentMiscoordination", mz: "MZ-2006"})
}

// decreeAttachmentLimit is the decree type's attachment limit in the
// development registry (5 MiB).
const decreeAttachmentLimit = 5 << 20

func faultAttachmentTooLarge(ctx context.Context, e *Env) error {
	size := decreeAttachmentLimit + 3
	if need := int64(size*4/3 + 64<<10); need > e.s.t.MaxEnvelope {
		return skip("an envelope with %d bytes of attachment is over the target's envelope limit %d", size, e.s.t.MaxEnvelope)
	}
	bailiff, bank := e.Participant("bailiff"), e.Participant("bank")
	doc := e.request(soap.V11, decreeFor(e.BIC(bank), 1), func(d *soap.RequestData) {
		d.AttachmentHeaders = []soap.AttachmentHeader{{ContentID: "scan", MimeType: "application/pdf"}}
	})
	raw, err := e.sign(doc, bailiff)
	if err != nil {
		return err
	}
	content := base64.StdEncoding.EncodeToString(make([]byte, size))
	list := fmt.Sprintf(`<basic:AttachmentContentList><basic:AttachmentContent><basic:Id>scan</basic:Id><basic:Content>%s</basic:Content></basic:AttachmentContent></basic:AttachmentContentList>`, content)
	// The contents follow the signed data, outside the signature.
	if raw, err = replace(raw, "</smev:SenderProvidedRequestData>", "</smev:SenderProvidedRequestData>"+list); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, bailiff, raw, expect{name: "AttachmentSizeLimitExceeded", mz: "MZ-2007"})
}
