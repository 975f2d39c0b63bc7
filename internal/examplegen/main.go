// Command examplegen writes the example envelopes of schemas/examples: a
// signed call for each operation and each shipped message type, the hub's
// replies, and invalid calls named after the fault they must raise, with a
// fresh development PKI's certificates beside them (keys are not kept).
//
//	go run ./internal/examplegen -out schemas/examples
package main

import (
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"flag"
	"fmt"
	"io/fs"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"time"

	"crypto/rand"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/schemas"
)

func main() {
	out := flag.String("out", "schemas/examples", "directory to write the examples into (its *.xml, replies/, invalid/ and pki/ are replaced)")
	flag.Parse()
	if err := generate(*out); err != nil {
		fmt.Fprintln(os.Stderr, "examplegen:", err)
		os.Exit(1)
	}
}

type gen struct {
	dir    string
	pki    *pki.Bundle
	reg    *registry.Registry
	now    time.Time
	signer map[string]*dsig.Signer
}

// sender of each request type and of each response type in the examples.
var senders = map[string]string{
	"writ": "COURT01", "vehicle-query": "FSSP01", "account-query": "FSSP01", "bank-account-query": "FSSP01",
	"real-estate-query": "FSSP01", "income-query": "FSSP01", "decree": "FSSP01", "payment-notice": "EPGU01",
	"notification": "FSSP01",
	"writ-answer":  "FSSP01", "vehicle-answer": "GIBDD01", "account-answer": "FNS01", "bank-account-answer": "BANK044525225",
	"real-estate-answer": "ROSREESTR01", "income-answer": "SFR01", "decree-result": "BANK044525225",
}

func generate(dir string) error {
	cfg, err := registry.DevConfig()
	if err != nil {
		return err
	}
	var parties []pki.Party
	for _, p := range cfg.Participants {
		parties = append(parties, pki.Party{Mnemonic: p.Mnemonic, Name: p.Name})
	}
	b, err := pki.Generate(pki.Options{Participants: parties, Validity: 20 * 365 * 24 * time.Hour})
	if err != nil {
		return err
	}
	for _, sub := range []string{"pki", "replies", "invalid"} {
		if err := os.RemoveAll(filepath.Join(dir, sub)); err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Join(dir, sub), 0o755); err != nil {
			return err
		}
	}
	old, _ := filepath.Glob(filepath.Join(dir, "*.xml"))
	for _, f := range old {
		os.Remove(f)
	}
	// Certificates only: the examples need no keys to be checked.
	for name, id := range map[string]pki.Identity{"ca": b.CA, "hub": b.Hub} {
		if err := writeCert(filepath.Join(dir, "pki", name+".crt"), id.Certificate); err != nil {
			return err
		}
	}
	for m, id := range b.Participants {
		if err := writeCert(filepath.Join(dir, "pki", m+".crt"), id.Certificate); err != nil {
			return err
		}
	}
	reg, err := registry.Dev(filepath.Join(dir, "pki"))
	if err != nil {
		return err
	}
	g := &gen{dir: dir, pki: b, reg: reg, now: time.Now().UTC(), signer: map[string]*dsig.Signer{}}
	for m, id := range b.Participants {
		if g.signer[m], err = dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV); err != nil {
			return err
		}
	}
	steps := []func() error{g.calls, g.replies, g.invalid}
	for _, s := range steps {
		if err := s(); err != nil {
			return err
		}
	}
	return nil
}

func writeCert(path string, c *x509.Certificate) error {
	return os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o644)
}

// messageID returns a version 1 UUID.
func messageID() string {
	u, err := uuid.NewUUID()
	if err != nil {
		return "00000000-0000-1000-8000-000000000000"
	}
	return u.String()
}

func payload(root string) (*etree.Element, error) {
	data, err := fs.ReadFile(schemas.Files(), "payloads/"+root+".xml")
	if err != nil {
		return nil, err
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(data); err != nil {
		return nil, err
	}
	return doc.Root(), nil
}

// write signs (when signer is not nil) and writes an envelope.
func (g *gen) write(name string, doc *etree.Document, signer soap.Signer) error {
	if signer != nil {
		if _, err := soap.SignCall(doc.Root(), signer); err != nil {
			return fmt.Errorf("%s: %w", name, err)
		}
	}
	out, err := soap.Marshal(doc)
	if err != nil {
		return err
	}
	return os.WriteFile(filepath.Join(g.dir, name), out, 0o644)
}

// writ attachment: a tiny PDF.
const pdf = "%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj 2 0 obj<</Type/Pages/Count 0/Kids[]>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"

func (g *gen) sendRequest(v soap.Version, t *registry.MessageType) (*etree.Document, error) {
	content, err := payload(t.Root.Local)
	if err != nil {
		return nil, err
	}
	d := &soap.RequestData{MessageID: messageID(), Content: content, TransactionCode: "example-" + t.Name}
	var atts []soap.Attachment
	if t.Name == "writ" {
		d.AttachmentHeaders = []soap.AttachmentHeader{{ContentID: "att-1", MimeType: "application/pdf"}}
		atts = []soap.Attachment{{ID: "att-1", Content: base64.StdEncoding.EncodeToString([]byte(pdf))}}
	}
	return soap.NewSendRequest(v, d, atts), nil
}

func (g *gen) sendResponse(v soap.Version, t *registry.MessageType) (*etree.Document, error) {
	content, err := payload(t.Root.Local)
	if err != nil {
		return nil, err
	}
	d := &soap.ResponseData{MessageID: messageID(), To: "mz1.example-reply-token", Content: content}
	return soap.NewSendResponse(v, d, nil), nil
}

func (g *gen) calls() error {
	for _, t := range g.reg.Types() {
		s := g.signer[senders[t.Name]]
		var doc *etree.Document
		var err error
		name := t.Name
		if t.Direction == registry.Request {
			doc, err = g.sendRequest(soap.V11, t)
			name += ".send-request.xml"
		} else {
			doc, err = g.sendResponse(soap.V11, t)
			name += ".send-response.xml"
		}
		if err != nil {
			return err
		}
		if err := g.write(name, doc, s); err != nil {
			return err
		}
	}
	writ, _ := g.reg.TypeByName("writ")
	for _, v := range []soap.Version{soap.V12, soap.V13} {
		doc, err := g.sendRequest(v, writ)
		if err != nil {
			return err
		}
		if err := g.write("writ.send-request."+string(v)+".xml", doc, g.signer["COURT01"]); err != nil {
			return err
		}
	}
	ts := &soap.Timestamp{Time: g.now}
	sel := &soap.Selector{Timestamp: g.now}
	typed := &soap.Selector{Timestamp: g.now, NamespaceURI: writ.Root.Space, RootElementLocalName: writ.Root.Local}
	calls := []struct {
		name string
		doc  *etree.Document
		who  string
	}{
		{"get-request.xml", soap.NewGetRequest(soap.V11, sel), "FSSP01"},
		{"get-request.typed.xml", soap.NewGetRequest(soap.V11, typed), "FSSP01"},
		{"get-request.1.3.xml", soap.NewGetRequest(soap.V13, sel), "GIBDD01"},
		{"get-response.xml", soap.NewGetResponse(soap.V11, sel), "COURT01"},
		{"ack.xml", soap.NewAck(soap.V11, &soap.AckTarget{MessageID: messageID(), Accepted: true}), "FSSP01"},
		{"ack.rejected.xml", soap.NewAck(soap.V11, &soap.AckTarget{MessageID: messageID(), Accepted: false}), "FSSP01"},
		{"get-status.xml", soap.NewGetStatus(soap.V11, ts), "COURT01"},
		{"get-incoming-queue-statistics.xml", soap.NewGetIncomingQueueStatistics(soap.V11, ts, ""), "FSSP01"},
	}
	for _, c := range calls {
		if err := g.write(c.name, c.doc, g.signer[c.who]); err != nil {
			return err
		}
	}
	return nil
}

func (g *gen) hubSigner() (*dsig.Signer, error) {
	return dsig.NewSigner(g.pki.Hub.Key, []*x509.Certificate{g.pki.Hub.Certificate}, dsig.ProfileSMEV)
}

func (g *gen) replies() error {
	hub, err := g.hubSigner()
	if err != nil {
		return err
	}
	writ, _ := g.reg.TypeByName("writ")
	court, _ := g.reg.Participant("COURT01")
	fssp, _ := g.reg.Participant("FSSP01")
	md := &soap.Metadata{MessageID: messageID(), MessageType: soap.MessageTypeRequest, SenderMnemonic: court.Mnemonic, SenderName: court.Name,
		SendingTime: g.now, DestinationName: fssp.Mnemonic, RecipientMnem: fssp.Mnemonic, RecipientName: fssp.Name,
		ContentType: writ.Description, InteractionType: court.InteractionType, Status: soap.StatusRequestIsQueued}
	accepted, err := soap.NewAccepted(soap.V11, soap.SendRequest, md, hub)
	if err != nil {
		return err
	}
	// A delivered request: the writ call as the court sent it.
	call, err := g.sendRequest(soap.V11, writ)
	if err != nil {
		return err
	}
	c, err := soap.SignCall(call.Root(), g.signer["COURT01"])
	if err != nil {
		return err
	}
	dmd := *md
	dmd.DeliveryTime = g.now.Add(2 * time.Second)
	dmd.Status = ""
	delivered, err := soap.NewGetRequestReply(soap.V11, &soap.Delivered{Data: c.Signed, SenderSignature: c.Signature, Metadata: dmd,
		ReplyTo: "mz1.example-reply-token", Attachments: c.Attachments}, hub)
	if err != nil {
		return err
	}
	// A delivered response: the bailiff service's answer.
	wa, _ := g.reg.TypeByName("writ-answer")
	rcall, err := g.sendResponse(soap.V11, wa)
	if err != nil {
		return err
	}
	rc, err := soap.SignCall(rcall.Root(), g.signer["FSSP01"])
	if err != nil {
		return err
	}
	rmd := soap.Metadata{MessageID: rc.SendResponse.MessageID, MessageType: soap.MessageTypeResponse, SenderMnemonic: fssp.Mnemonic, SenderName: fssp.Name,
		SendingTime: g.now.Add(time.Minute), DestinationName: court.Mnemonic, RecipientMnem: court.Mnemonic, RecipientName: court.Name,
		InteractionType: fssp.InteractionType, DeliveryTime: g.now.Add(2 * time.Minute)}
	response, err := soap.NewGetResponseReply(soap.V11, &soap.Delivered{Data: rc.Signed, SenderSignature: rc.Signature, Metadata: rmd,
		OriginalMessageID: md.MessageID, ReferenceMessageID: md.MessageID}, hub)
	if err != nil {
		return err
	}
	status, err := soap.NewStatusReply(soap.V11, &soap.AsyncStatus{OriginalMessageID: md.MessageID, Category: soap.StatusResponseIsDelivered,
		Details: "the response was delivered to COURT01"}, hub)
	if err != nil {
		return err
	}
	empty, err := soap.NewGetRequestReply(soap.V11, nil, hub)
	if err != nil {
		return err
	}
	fe := fault.New(fault.Identifier, "1 identifier(s) fail their check rule")
	fe.Positions = []fault.Position{{Path: "/Envelope/Body/SendRequestRequest/SenderProvidedRequestData/MessagePrimaryContent/Writ/Debtor/Person/INN", Reason: "inn: check digit 12 is 0, expected 9"}}
	replies := map[string]*etree.Document{
		"send-request-response.xml":                  accepted,
		"get-request-response.xml":                   delivered,
		"get-request-response.empty.xml":             empty,
		"get-response-response.xml":                  response,
		"get-status-response.xml":                    status,
		"get-incoming-queue-statistics-response.xml": soap.NewQueueStatisticsReply(soap.V11, []soap.QueueStatistics{{QueueName: "FSSP01:requests", Pending: 3}, {QueueName: "FSSP01:responses", Pending: 1}}),
		"ack-response.xml":                           soap.NewAckReply(soap.V11),
		"fault.invalid-content.xml":                  soap.NewFault(soap.V11, fe),
	}
	for name, doc := range replies {
		if err := g.write(filepath.Join("replies", name), doc, nil); err != nil {
			return err
		}
	}
	return nil
}

// invalid writes calls that must be refused, each named
// <FaultName>[.<SignatureCode>].<what>.xml.
func (g *gen) invalid() error {
	writ, _ := g.reg.TypeByName("writ")
	signedWrit := func(mutate func(*soap.RequestData)) (string, error) {
		content, err := payload("Writ")
		if err != nil {
			return "", err
		}
		d := &soap.RequestData{MessageID: messageID(), Content: content}
		if mutate != nil {
			mutate(d)
		}
		doc := soap.NewSendRequest(soap.V11, d, nil)
		if _, err := soap.SignCall(doc.Root(), g.signer["COURT01"]); err != nil {
			return "", err
		}
		out, err := soap.Marshal(doc)
		return string(out), err
	}
	good, err := signedWrit(nil)
	if err != nil {
		return err
	}
	files := map[string]string{}
	files["InvalidContent.not-well-formed.xml"] = good[:len(good)/2]
	files["InvalidContent.doctype.xml"] = strings.Replace(good, "\n<soap:Envelope", "\n<!DOCTYPE lolz [<!ENTITY lol \"lol\"><!ENTITY lol2 \"&lol;&lol;&lol;\">]>\n<soap:Envelope", 1)
	files["InvalidContent.schema-missing-message-id.xml"] = cutElement(good, "smev:MessageID")
	files["InvalidContent.deep-nesting.xml"] = strings.Replace(good, "<Subject>", strings.Repeat("<x>", 200)+strings.Repeat("</x>", 200)+"<Subject>", 1)
	badINN, err := signedWrit(func(d *soap.RequestData) {
		for _, el := range d.Content.FindElements("//INN") {
			if el.Text() == "500100732259" {
				el.SetText("500100732250")
			}
		}
	})
	if err != nil {
		return err
	}
	files["InvalidContent.identifier-inn-check-digit.xml"] = badINN
	files["SignatureVerificationFault.NoSignatureFound.unsigned.xml"] = cutElement(good, "smev:CallerInformationSystemSignature")
	files["SignatureVerificationFault.SignatureIsInvalid.tampered-amount.xml"] = strings.Replace(good, "348912.45", "348.45", 1)
	files["SignatureVerificationFault.SignatureIsInvalid.sha1-digest.xml"] = strings.Replace(good, dsig.DigestSHA256, dsig.DigestSHA1, 1)
	files["SignatureVerificationFault.IncorrectSignatureTarget.wrapped.xml"] = wrap(good)
	// A second element with the signed Id, where the schema does not look
	// (BusinessProcessMetadata is not validated).
	files["SignatureVerificationFault.IncorrectSignatureTarget.duplicate-id.xml"] = strings.Replace(good, "</smev:SenderProvidedRequestData>",
		`<smev:BusinessProcessMetadata><x:Step xmlns:x="urn://example/bpm" Id="SIGNED_BY_CALLER"/></smev:BusinessProcessMetadata></smev:SenderProvidedRequestData>`, 1)

	// Signed by strangers.
	foreign, err := pki.Generate(pki.Options{Participants: []pki.Party{{Mnemonic: "COURT01", Name: "not the registered court"}}})
	if err != nil {
		return err
	}
	expired, err := g.expiredIdentity()
	if err != nil {
		return err
	}
	for name, id := range map[string]pki.Identity{
		"SignatureVerificationFault.CertificateIsNotFound.foreign-ca.xml": foreign.Participants["COURT01"],
		"SignatureVerificationFault.CertificateIsExpired.xml":             expired,
		"SenderIsNotRegistered.hub-certificate.xml":                       g.pki.Hub,
		"AccessDenied.bank-sends-writ.xml":                                g.pki.Participants["BANK044525225"],
	} {
		s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
		if err != nil {
			return err
		}
		doc, err := g.sendRequest(soap.V11, writ)
		if err != nil {
			return err
		}
		if _, err := soap.SignCall(doc.Root(), s); err != nil {
			return err
		}
		out, err := soap.Marshal(doc)
		if err != nil {
			return err
		}
		files[name] = string(out)
	}

	v4, err := signedWrit(func(d *soap.RequestData) { d.MessageID = uuid.NewString() })
	if err != nil {
		return err
	}
	files["InvalidMessageIdFormat.uuid-version-4.xml"] = v4

	other := etree.NewElement("x:Unregistered")
	other.CreateAttr("xmlns:x", "urn://example/unregistered/1.0")
	unknown := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: messageID(), Content: other}, nil)
	decree, err := payload("Decree")
	if err != nil {
		return err
	}
	decree.RemoveChild(decree.SelectElement("Targets"))
	noRecipient := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: messageID(), Content: decree}, nil)
	content, err := payload("Writ")
	if err != nil {
		return err
	}
	miscoordinated := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: messageID(), Content: content,
		AttachmentHeaders: []soap.AttachmentHeader{{ContentID: "att-1", MimeType: "application/pdf"}}},
		[]soap.Attachment{{ID: "att-2", Content: base64.StdEncoding.EncodeToString([]byte(pdf))}})
	writPayload, err := payload("Writ")
	if err != nil {
		return err
	}
	requestAsResponse := soap.NewSendResponse(soap.V11, &soap.ResponseData{MessageID: messageID(), To: "mz1.example-reply-token", Content: writPayload}, nil)
	unknownSel := soap.NewGetRequest(soap.V11, &soap.Selector{Timestamp: g.now, NamespaceURI: "urn://example/unregistered/1.0", RootElementLocalName: "Unregistered"})
	for _, c := range []struct {
		name string
		doc  *etree.Document
		who  string
	}{
		{"BusinessDataTypeIsNotSupported.unregistered-type.xml", unknown, "FSSP01"},
		{"RecipientIsNotFound.decree-without-target.xml", noRecipient, "FSSP01"},
		{"AttachmentContentMiscoordination.header-without-content.xml", miscoordinated, "COURT01"},
		{"IncorrectResponseContentType.writ-as-response.xml", requestAsResponse, "FSSP01"},
		{"UnknownMessageType.get-request-unregistered-type.xml", unknownSel, "FSSP01"},
	} {
		if err := g.write(filepath.Join("invalid", c.name), c.doc, g.signer[c.who]); err != nil {
			return err
		}
	}
	for name, data := range files {
		if err := os.WriteFile(filepath.Join(g.dir, "invalid", name), []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

// expiredIdentity issues COURT01 a certificate from the example CA that
// expired a year ago.
func (g *gen) expiredIdentity() (pki.Identity, error) {
	key := g.pki.Participants["COURT01"].Key
	serial, _ := rand.Int(rand.Reader, big.NewInt(1<<62))
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: "COURT01", Organization: []string{"expired"}},
		NotBefore:    g.now.AddDate(-3, 0, 0),
		NotAfter:     g.now.AddDate(-1, 0, 0),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, g.pki.CA.Certificate, key.Public(), g.pki.CA.Key)
	if err != nil {
		return pki.Identity{}, err
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		return pki.Identity{}, err
	}
	return pki.Identity{Key: key, Certificate: c}, nil
}

// cutElement removes the first element with the given qualified name (and
// its content) from a serialized envelope.
func cutElement(s, qname string) string {
	i := strings.Index(s, "<"+qname)
	if i < 0 {
		return s
	}
	end := "</" + qname + ">"
	j := strings.Index(s[i:], end)
	if j < 0 {
		return s
	}
	return s[:i] + s[i+j+len(end):]
}

// wrap performs signature wrapping: the signed SenderProvidedRequestData moves
// into the SOAP Header, and a forged one (another debtor amount, no Id) takes
// its place in the Body.
func wrap(s string) string {
	i := strings.Index(s, "<smev:SenderProvidedRequestData")
	end := "</smev:SenderProvidedRequestData>"
	j := strings.Index(s, end) + len(end)
	signed := s[i:j]
	forged := strings.Replace(strings.Replace(signed, ` Id="SIGNED_BY_CALLER"`, "", 1), "348912.45", "1.00", 1)
	// The moved element must keep its namespace declarations.
	moved := strings.Replace(signed, "<smev:SenderProvidedRequestData", `<smev:SenderProvidedRequestData xmlns:smev="`+soap.V11.TypesNS()+`" xmlns:basic="`+soap.V11.BasicNS()+`"`, 1)
	out := s[:i] + forged + s[j:]
	return strings.Replace(out, "<soap:Body>", "<soap:Header>"+moved+"</soap:Header><soap:Body>", 1)
}
