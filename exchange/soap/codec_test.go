package soap_test

import (
	"bytes"
	"context"
	"crypto/x509"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/beevik/etree"
	xsd "github.com/jacoelho/xsd"

	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/schemas"
)

const publicDir = "../../../shared/reference/smev3"

// publicEngine compiles the published SMEV 3 schemas of a version (types and
// faults).
func publicEngine(t *testing.T, v soap.Version) *xsd.Engine {
	t.Helper()
	dir := filepath.Join(publicDir, string(v))
	if _, err := os.Stat(dir); err != nil {
		t.Skip("the public schemas are not beside the project")
	}
	e, err := xsd.Compile(context.Background(),
		xsd.File(filepath.Join(dir, "smev-message-exchange-types-"+string(v)+".xsd")),
		xsd.File(filepath.Join(dir, "smev-message-exchange-faults-"+string(v)+".xsd")))
	if err != nil {
		t.Fatal(err)
	}
	return e
}

var hub = func() pki.Identity {
	b, err := pki.Generate(pki.Options{})
	if err != nil {
		panic(err)
	}
	return b.Hub
}()

func hubSigner(t *testing.T) *dsig.Signer {
	t.Helper()
	s, err := dsig.NewSigner(hub.Key, []*x509.Certificate{hub.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func writ() *etree.Element {
	doc := etree.NewDocument()
	if err := doc.ReadFromString(`<w:Writ xmlns:w="urn://example/writ/1.0"><w:Amount>1.00</w:Amount></w:Writ>`); err != nil {
		panic(err)
	}
	return doc.Root()
}

// written builds every envelope the codec writes, in version v.
func written(t *testing.T, v soap.Version) map[string]*etree.Document {
	t.Helper()
	now := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	s := hubSigner(t)
	rd := &soap.RequestData{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", ReferenceMessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77",
		TransactionCode: "tx-1", NodeID: "node", EOL: now.Add(time.Hour), Content: writ(), Test: true,
		AttachmentHeaders:    []soap.AttachmentHeader{{ContentID: "att-1", MimeType: "application/pdf", SignaturePKCS7: []byte{1, 2}}},
		RefAttachmentHeaders: []soap.RefAttachmentHeader{{UUID: "f1", Hash: "abc", MimeType: "text/plain"}}}
	atts := []soap.Attachment{{ID: "att-1", Content: "AAEC"}}
	docs := map[string]*etree.Document{
		"SendRequest":  soap.NewSendRequest(v, rd, atts),
		"SendResponse": soap.NewSendResponse(v, &soap.ResponseData{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", To: "token", Content: writ()}, atts),
		"SendResponse/rejected": soap.NewSendResponse(v, &soap.ResponseData{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", To: "token",
			Rejections: []soap.Rejection{{Code: "NO_DATA", Description: "nothing found"}}}, nil),
		"SendResponse/status": soap.NewSendResponse(v, &soap.ResponseData{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", To: "token",
			Status: &soap.RequestStatus{Code: 3, Parameters: []soap.KeyValue{{Key: "k", Value: "v"}}, Description: "in work"}}, nil),
		"GetRequest":        soap.NewGetRequest(v, &soap.Selector{Timestamp: now}),
		"GetRequest/typed":  soap.NewGetRequest(v, &soap.Selector{Timestamp: now, NamespaceURI: "urn://mezhved/enforcement/writ/1.0", RootElementLocalName: "Writ", NodeID: "n"}),
		"GetResponse":       soap.NewGetResponse(v, &soap.Selector{Timestamp: now}),
		"Ack":               soap.NewAck(v, &soap.AckTarget{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", Accepted: true}),
		"GetStatus":         soap.NewGetStatus(v, &soap.Timestamp{Time: now}),
		"AckResponse":       soap.NewAckReply(v),
		"GetRequest/empty":  mustDoc(soap.NewGetRequestReply(v, nil, s)),
		"GetResponse/empty": mustDoc(soap.NewGetResponseReply(v, nil, s)),
		"GetStatus/empty":   mustDoc(soap.NewStatusReply(v, nil, s)),
	}
	if v != soap.V13 {
		docs["GetIncomingQueueStatistics"] = soap.NewGetIncomingQueueStatistics(v, &soap.Timestamp{Time: now}, "node")
		docs["GetIncomingQueueStatisticsResponse"] = soap.NewQueueStatisticsReply(v, []soap.QueueStatistics{{QueueName: "q", Pending: 2}})
	}
	md := &soap.Metadata{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", MessageType: soap.MessageTypeRequest, SenderMnemonic: "COURT01", SenderName: "Суд",
		SendingTime: now, DestinationName: "FSSP01", RecipientMnem: "FSSP01", RecipientName: "ФССП", ContentType: "Writ", InteractionType: "OIV2OIV",
		DeliveryTime: now, Status: soap.StatusRequestIsQueued}
	docs["SendRequestResponse"] = mustDoc(soap.NewAccepted(v, soap.SendRequest, md, s))
	docs["SendResponseResponse"] = mustDoc(soap.NewAccepted(v, soap.SendResponse, md, s))
	// Deliveries carry the sender's element as stored: here one of each
	// version, to exercise the change of namespaces.
	for _, from := range soap.Versions() {
		call := soap.NewSendRequest(from, rd, atts)
		c, err := soap.DecodeCall(call.Root())
		if err != nil {
			t.Fatal(err)
		}
		docs["GetRequestResponse/from-"+string(from)] = mustDoc(soap.NewGetRequestReply(v, &soap.Delivered{Data: c.Signed, Metadata: *md, ReplyTo: "token", Attachments: atts}, s))
		resp := soap.NewSendResponse(from, &soap.ResponseData{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", To: "token", Content: writ()}, nil)
		rc, err := soap.DecodeCall(resp.Root())
		if err != nil {
			t.Fatal(err)
		}
		docs["GetResponseResponse/from-"+string(from)] = mustDoc(soap.NewGetResponseReply(v, &soap.Delivered{Data: rc.Signed, Metadata: *md,
			OriginalMessageID: md.MessageID, OriginalTransactionCode: "tx", ReferenceMessageID: md.MessageID}, s))
	}
	docs["GetStatusResponse"] = mustDoc(soap.NewStatusReply(v, &soap.AsyncStatus{OriginalMessageID: md.MessageID, Category: soap.StatusRequestIsRejectedBySmev,
		Details: "expired", FaultCode: "MZ-2008", FaultDescription: "EOL passed"}, s))
	for _, k := range fault.All() {
		e := &fault.Error{Kind: k, Description: "something specific", Positions: []fault.Position{{Line: 3, Column: 7, Path: "/a/b", Reason: "bad"}},
			PermittedSize: 10, RealSize: 20, RootNamespace: "urn://x", RootLocalName: "X", Destination: "FSSP01"}
		docs["Fault/"+k.Code] = soap.NewFault(v, e)
	}
	docs["Fault/no-positions"] = soap.NewFault(v, fault.New(fault.EnvelopeTooLarge, "11 MiB"))
	// Calls are signed, as they travel (GetStatus requires the signature).
	for name, doc := range docs {
		if _, err := soap.DecodeCall(doc.Root()); err == nil {
			if _, err := soap.SignCall(doc.Root(), s); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
		}
	}
	return docs
}

func mustDoc(d *etree.Document, err error) *etree.Document {
	if err != nil {
		panic(err)
	}
	return d
}

// bodyElements returns the elements the public schemas describe: the Body's
// child, or each detail entry of a fault.
func bodyElements(t *testing.T, doc *etree.Document) []*etree.Element {
	t.Helper()
	body := doc.Root().ChildElements()[0]
	child := body.ChildElements()[0]
	if child.Tag != "Fault" {
		return []*etree.Element{child}
	}
	var out []*etree.Element
	for _, d := range child.SelectElement("detail").ChildElements() {
		if d.NamespaceURI() != soap.FaultInfoNS {
			out = append(out, d)
		}
	}
	return out
}

// TestWrittenValidatesAgainstPublicSchemas: everything the codec writes
// validates against the published schemas (1.1 and 1.3), and whole envelopes
// validate against the hub's own schemas (1.1, 1.2, 1.3).
func TestWrittenValidatesAgainstPublicSchemas(t *testing.T) {
	ours, err := schemas.Compile(context.Background(), []schemas.Source{schemas.Builtin("enforcement/writ.xsd")}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, v := range soap.Versions() {
		var public *xsd.Engine
		if v != soap.V12 {
			public = publicEngine(t, v)
		}
		for name, doc := range written(t, v) {
			t.Run(string(v)+"/"+name, func(t *testing.T) {
				out, err := soap.Marshal(doc)
				if err != nil {
					t.Fatal(err)
				}
				if err := ours.Validate(context.Background(), out); err != nil {
					t.Fatalf("our schema: %v\n%.600s", err, out)
				}
				if public == nil {
					return
				}
				for _, el := range bodyElements(t, doc) {
					d := etree.NewDocument()
					d.SetRoot(soap.Detach(el))
					b, err := d.WriteToBytes()
					if err != nil {
						t.Fatal(err)
					}
					if err := public.Validate(context.Background(), bytes.NewReader(b)); err != nil {
						t.Fatalf("public schema: %v\n%.600s", err, b)
					}
				}
			})
		}
	}
}

// TestRoundTrip decodes what the codec writes.
func TestRoundTrip(t *testing.T) {
	for _, v := range soap.Versions() {
		docs := written(t, v)
		t.Run(string(v), func(t *testing.T) {
			c := decodeCall(t, docs["SendRequest"])
			d := c.SendRequest
			if c.Operation != soap.SendRequest || c.Version != v || d.MessageID != "db0486d0-3c08-11e5-95e2-d4c9eff07b77" || d.TransactionCode != "tx-1" ||
				!d.Test || d.Content.Tag != "Writ" || len(d.AttachmentHeaders) != 1 || d.AttachmentHeaders[0].ContentID != "att-1" ||
				len(c.Attachments) != 1 || c.Attachments[0].DecodedSize() != 3 || d.EOL.IsZero() || len(d.RefAttachmentHeaders) != 1 {
				t.Fatalf("SendRequest decoded as %+v %+v", c, d)
			}
			if r := decodeCall(t, docs["SendResponse/rejected"]).SendResponse; len(r.Rejections) != 1 || r.Rejections[0].Code != "NO_DATA" || r.To != "token" {
				t.Fatalf("rejection = %+v", r)
			}
			if r := decodeCall(t, docs["SendResponse/status"]).SendResponse; r.Status == nil || r.Status.Code != 3 || r.Status.Parameters[0].Value != "v" {
				t.Fatalf("status = %+v", r)
			}
			if s := decodeCall(t, docs["GetRequest/typed"]).Selector; s.RootElementLocalName != "Writ" || s.NodeID != "n" || s.Timestamp.IsZero() {
				t.Fatalf("selector = %+v", s)
			}
			if a := decodeCall(t, docs["Ack"]).Ack; !a.Accepted || a.MessageID != "db0486d0-3c08-11e5-95e2-d4c9eff07b77" {
				t.Fatalf("ack = %+v", a)
			}
			r := decodeReply(t, docs["SendRequestResponse"])
			if r.Metadata == nil || r.Metadata.SenderName != "Суд" || r.HubSignature == nil || r.Metadata.SendingTime.IsZero() {
				t.Fatalf("accepted = %+v", r)
			}
			if r := decodeReply(t, docs["GetRequestResponse/from-"+string(v)]); r.Request == nil || r.Request.Data.Content.Tag != "Writ" || r.Request.ReplyTo != "token" || len(r.Request.Attachments) != 1 {
				t.Fatalf("delivered request = %+v", r)
			}
			if r := decodeReply(t, docs["GetResponseResponse/from-1.1"]); r.Response == nil || r.Response.OriginalMessageID == "" || r.Response.Data.To != "token" {
				t.Fatalf("delivered response = %+v", r)
			}
			if r := decodeReply(t, docs["GetRequest/empty"]); r.Request != nil || r.Operation != soap.GetRequest {
				t.Fatalf("empty = %+v", r)
			}
			if r := decodeReply(t, docs["GetStatusResponse"]); r.Status == nil || r.Status.FaultCode != "MZ-2008" {
				t.Fatalf("status = %+v", r)
			}
			f := decodeReply(t, docs["Fault/MZ-2001"]).Fault
			if f == nil || f.Name != "InvalidContent" || f.Code != "MZ-2001" || f.Retry != "fix-and-resend" || len(f.Positions) != 1 || f.Positions[0].Line != 3 {
				t.Fatalf("fault = %+v", f)
			}
			if f := decodeReply(t, docs["Fault/MZ-3003"]).Fault; f.SignatureCode != "SignatureIsInvalid" || f.FaultCode != "soap:Client" {
				t.Fatalf("fault = %+v", f)
			}
			if f := decodeReply(t, docs["Fault/MZ-9001"]).Fault; f.FaultCode != "soap:Server" {
				t.Fatalf("fault = %+v", f)
			}
		})
	}
}

// reread serializes and parses a document, as the other side does.
func reread(t *testing.T, doc *etree.Document) *xmlsafe.Document {
	t.Helper()
	out, err := soap.Marshal(doc)
	if err != nil {
		t.Fatal(err)
	}
	d, err := xmlsafe.Parse(out, nil)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func decodeCall(t *testing.T, doc *etree.Document) *soap.Call {
	t.Helper()
	c, err := soap.DecodeCall(reread(t, doc).Root())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func decodeReply(t *testing.T, doc *etree.Document) *soap.Reply {
	t.Helper()
	r, err := soap.DecodeReply(reread(t, doc).Root())
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// TestHubSignaturesVerify: the hub's signatures in replies verify after a
// trip over the wire, including the sender's signature passed on with a
// delivered message of the same version.
func TestHubSignaturesVerify(t *testing.T) {
	b, err := pki.Generate(pki.Options{Participants: []pki.Party{{Mnemonic: "COURT01", Name: "c"}}})
	if err != nil {
		t.Fatal(err)
	}
	court, err := dsig.NewSigner(b.Participants["COURT01"].Key, []*x509.Certificate{b.Participants["COURT01"].Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	hubS, err := dsig.NewSigner(b.Hub.Key, []*x509.Certificate{b.Hub.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	verifier := dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil)
	for _, v := range soap.Versions() {
		t.Run(string(v), func(t *testing.T) {
			call := soap.NewSendRequest(v, &soap.RequestData{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", Content: writ()}, nil)
			// Send the call over the wire, as the hub stores it.
			signed := reread(t, call)
			if _, err := soap.SignCall(signed.Root(), court); err != nil {
				t.Fatal(err)
			}
			stored := reread(t, signed.Document)
			sc, err := soap.DecodeCall(stored.Root())
			if err != nil {
				t.Fatal(err)
			}
			reply, err := soap.NewGetRequestReply(v, &soap.Delivered{Data: sc.Signed, SenderSignature: sc.Signature, Metadata: soap.Metadata{MessageType: "REQUEST", SenderMnemonic: "COURT01", SendingTime: time.Now(), DestinationName: "FSSP01"}, ReplyTo: "t"}, hubS)
			if err != nil {
				t.Fatal(err)
			}
			got := reread(t, reply)
			r, err := soap.DecodeReply(got.Root())
			if err != nil {
				t.Fatal(err)
			}
			if _, err := verifier.Verify(got.Root(), r.HubSignature, r.HubSigned); err != nil {
				t.Fatalf("hub signature: %v", err)
			}
			vs, err := verifier.Verify(got.Root(), r.Request.SenderSignature, r.Request.DataElement)
			if err != nil {
				t.Fatalf("sender signature passed on: %v", err)
			}
			if vs.Certificate.Subject.CommonName != "COURT01" {
				t.Fatal(vs.Certificate.Subject)
			}
		})
	}
}

func ExampleNewFault() {
	doc := soap.NewFault(soap.V11, fault.New(fault.AccessDenied, "BANK044525225 may not send writ"))
	out, _ := soap.Marshal(doc)
	fmt.Println(bytes.Contains(out, []byte("<fault:AccessDenied")), bytes.Contains(out, []byte("<mz:Retry>stop</mz:Retry>")))
	// Output: true true
}
