package exchange_test

import (
	"bytes"
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
)

// The attack corpus. Every case starts from an envelope the ingress accepts,
// applies one attack to its bytes or to its tree, and states the one fault
// the ingress must answer with (or, for changes the signature rightly does
// not cover, that the envelope is still accepted).

// atkMutation turns an accepted envelope into an attack on it.
type atkMutation func(t *testing.T, raw []byte) []byte

// atkCase is one attack.
type atkCase struct {
	name string
	// base names the accepted envelope attacked: "request" (the default),
	// "response" or "get".
	base   string
	attack atkMutation
	// want is the fault Check must return; nil when the envelope must still
	// be accepted.
	want *fault.Kind
	// code is the SMEV SignatureVerificationFault code want must carry
	// (empty for faults that are not signature faults).
	code string
	// forged is text that only the forgery carries: it must never appear in
	// an element Check reports as verified and accepted.
	forged string
	// check inspects an accepted envelope.
	check func(t *testing.T, a *exchange.Accepted)
}

const (
	atkWritNS    = "urn://mezhved/enforcement/writ/1.0"
	atkVehicleNS = "urn://mezhved/enforcement/vehicle/1.0"
	atkID        = soap.CallerSignedID
)

func TestAttackCorpus(t *testing.T) {
	ctx := context.Background()
	now := time.Now()
	e := newEnv(t, exchange.Options{})
	court := e.pki.Participants["COURT01"]

	bases := map[string][]byte{
		"request": e.signed(t, "COURT01", soap.NewSendRequest(soap.V11,
			&soap.RequestData{MessageID: v1At(t, now), Content: payload(t, "Writ")}, nil)),
		"response": e.signed(t, "FSSP01", soap.NewSendResponse(soap.V11,
			&soap.ResponseData{MessageID: v1At(t, now), To: "mz1.attack-corpus", Content: payload(t, "WritAnswer")}, nil)),
		"get": e.signed(t, "FSSP01", soap.NewGetRequest(soap.V11,
			&soap.Selector{Timestamp: now, NamespaceURI: atkWritNS, RootElementLocalName: "Writ"})),
		// A request whose signed TransactionCode (an xs:string, whitespace
		// significant) has character references and several lines.
		"text": e.signed(t, "COURT01", soap.NewSendRequest(soap.V11,
			&soap.RequestData{MessageID: v1At(t, now), TransactionCode: "writ&&decree\nline two\nline three", Content: payload(t, "Writ")}, nil)),
	}
	// Every case must be able to fail: the envelopes it starts from are
	// accepted as they are and after the parse and write tree attacks use.
	for _, name := range []string{"request", "response", "get", "text"} {
		for _, raw := range [][]byte{bases[name], atkEdit(nil)(t, bases[name])} {
			a, err := e.in.Check(ctx, raw)
			if err != nil {
				t.Fatalf("the unmodified %s is refused: %v", name, err)
			}
			if a.Verified == nil || a.Verified.Element != a.Call.Signed || a.Sender == nil {
				t.Fatalf("the unmodified %s is accepted without a verified sender", name)
			}
		}
	}

	forgeAmount := atkSetText("Amount", "1.00")
	forgeProceeding := atkSetText("ProceedingNumber", "99999/99/99999-ИП")
	forgeSelector := func(t *testing.T, el *etree.Element) {
		atkSetText("NamespaceURI", atkVehicleNS)(t, el)
		atkSetText("RootElementLocalName", "VehicleQuery")(t, el)
	}
	noID := func(forge func(*testing.T, *etree.Element)) func(*testing.T, *etree.Element) {
		return func(t *testing.T, el *etree.Element) {
			forge(t, el)
			el.RemoveAttr("Id")
		}
	}
	reSign := atkSignInfo(court.Key, crypto.SHA256)
	decoy := func(attr string) atkMutation {
		return atkReplace("<soap:Body>", `<soap:Header><x:Decoy xmlns:x="urn://attack" `+attr+`="`+atkID+`"/></soap:Header><soap:Body>`)
	}
	retarget := atkEdit(func(t *testing.T, root *etree.Element) {
		// A genuine signature of the sender, over an element it did sign,
		// put where the signature over the operation's element belongs.
		note := atkHeader(root).CreateElement("x:Note")
		note.CreateAttr("xmlns:x", "urn://attack")
		note.CreateAttr("Id", "NOTE")
		note.SetText("signed by the sender for another purpose")
		s, err := dsig.NewSigner(court.Key, []*x509.Certificate{court.Certificate}, dsig.ProfileSMEV)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(note)
		if err != nil {
			t.Fatal(err)
		}
		holder := atkFind(t, root, "CallerInformationSystemSignature")
		holder.RemoveChildAt(0)
		holder.AddChild(sig)
		forgeAmount(t, atkFind(t, root, "SenderProvidedRequestData"))
	})
	moveSignature := func(to func(*testing.T, *etree.Element) *etree.Element, keepHolder bool) atkMutation {
		return atkEdit(func(t *testing.T, root *etree.Element) {
			sig := atkFind(t, root, "Signature")
			holder := sig.Parent()
			dst := to(t, root)
			holder.RemoveChild(sig)
			if !keepHolder {
				holder.Parent().RemoveChild(holder)
			}
			dst.AddChild(sig)
		})
	}
	inBPM := func(t *testing.T, root *etree.Element) *etree.Element {
		// BusinessProcessMetadata, the last child of the (first)
		// SenderProvidedRequestData, is the one place in it whose schema
		// admits any element, unvalidated.
		sprd := atkFind(t, root, "SenderProvidedRequestData")
		return sprd.CreateElement("smev:BusinessProcessMetadata")
	}
	inBPMWrapper := func(t *testing.T, root *etree.Element) *etree.Element {
		w := inBPM(t, root).CreateElement("w:Wrapper")
		w.CreateAttr("xmlns:w", "urn://attack")
		return w
	}
	inHeader := func(t *testing.T, root *etree.Element) *etree.Element { return atkHeader(root) }

	other := atkForeignPKI(t)
	deep := 200
	cases := []atkCase{
		// 1. Signature wrapping. The reference must name exactly one element
		// of the document, and that element must be the one the operation
		// requires to be signed; a second element with the signed Id, or
		// the signed element anywhere but in its place, is refused.
		//
		// Where both the moved original and the forgery are elements the
		// schema declares, their Id attributes are of type xs:ID and the
		// duplicate makes the envelope schema-invalid: the schema, which
		// runs first, refuses it as InvalidContent naming the duplicate ID.
		{name: "wrap/signed data moved into ds:Object, forgery in its place", attack: atkWrap("SenderProvidedRequestData", forgeAmount, atkInObject),
			want: fault.Schema, forged: ">1.00<"},
		{name: "wrap/signed data moved into the Header, forgery in its place", attack: atkWrap("SenderProvidedRequestData", forgeAmount, atkInHeader),
			want: fault.Schema, forged: ">1.00<"},
		{name: "wrap/signed response moved into ds:Object, forgery in its place", base: "response", attack: atkWrap("SenderProvidedResponseData", forgeProceeding, atkInObject),
			want: fault.Schema, forged: "99999/99/99999"},
		{name: "wrap/signed selector moved into the Header, forgery in its place", base: "get", attack: atkWrap("MessageTypeSelector", forgeSelector, atkInHeader),
			want: fault.Schema, forged: atkVehicleNS},
		// Out of the schema's sight (under BusinessProcessMetadata, whose
		// content is skipped) or with the forgery carrying no Id, the
		// signature verifier is what refuses the wrapping.
		{name: "wrap/signed data moved inside the forgery's skipped content", attack: atkWrap("SenderProvidedRequestData", forgeAmount, inBPMWrapper),
			want: fault.SignatureTarget, code: "IncorrectSignatureTarget", forged: ">1.00<"},
		{name: "wrap/signed data moved inside the forgery without Id", attack: atkWrap("SenderProvidedRequestData", noID(forgeAmount), inBPMWrapper),
			want: fault.SignatureTarget, code: "IncorrectSignatureTarget", forged: ">1.00<"},
		{name: "wrap/signed data moved into the Header, forgery without Id in its place", attack: atkWrap("SenderProvidedRequestData", noID(forgeAmount), atkInHeader),
			want: fault.SignatureTarget, code: "IncorrectSignatureTarget", forged: ">1.00<"},
		{name: "wrap/signed data moved into ds:Object, forgery without Id in its place", attack: atkWrap("SenderProvidedRequestData", noID(forgeAmount), atkInObject),
			want: fault.SignatureTarget, code: "IncorrectSignatureTarget", forged: ">1.00<"},
		{name: "wrap/signed response moved into the Header, forgery without Id in its place", base: "response", attack: atkWrap("SenderProvidedResponseData", noID(forgeProceeding), atkInHeader),
			want: fault.SignatureTarget, code: "IncorrectSignatureTarget", forged: "99999/99/99999"},
		{name: "wrap/signed selector moved into ds:Object, forgery without Id in its place", base: "get", attack: atkWrap("MessageTypeSelector", noID(forgeSelector), atkInObject),
			want: fault.SignatureTarget, code: "IncorrectSignatureTarget", forged: atkVehicleNS},
		// Two SenderProvidedRequestData in one operation break the operation's
		// content model, which the schema checks before anything is read.
		{name: "wrap/unsigned copy beside the signed data", attack: atkBeside("SenderProvidedRequestData", noID(forgeAmount), false),
			want: fault.Schema, forged: ">1.00<"},
		{name: "wrap/unsigned copy before the signed data", attack: atkBeside("SenderProvidedRequestData", noID(forgeAmount), true),
			want: fault.Schema, forged: ">1.00<"},
		{name: "wrap/copy with the same Id beside the signed data", attack: atkBeside("SenderProvidedRequestData", forgeAmount, false),
			want: fault.Schema, forged: ">1.00<"},
		{name: "wrap/duplicate Id on a Header element", attack: decoy("Id"), want: fault.SignatureTarget, code: "IncorrectSignatureTarget"},
		{name: "wrap/duplicate ID on a Header element", attack: decoy("ID"), want: fault.SignatureTarget, code: "IncorrectSignatureTarget"},
		{name: "wrap/duplicate id on a Header element", attack: decoy("id"), want: fault.SignatureTarget, code: "IncorrectSignatureTarget"},
		{name: "wrap/duplicate Id inside the signature", attack: atkEdit(func(t *testing.T, root *etree.Element) {
			atkInObject(t, root).CreateAttr("Id", atkID)
		}), want: fault.SignatureTarget, code: "IncorrectSignatureTarget"},
		{name: "wrap/signed element's Id renamed", attack: atkReplace(`Id="`+atkID+`"`, `Id="RENAMED"`),
			want: fault.SignatureTarget, code: "IncorrectSignatureTarget"},
		{name: "wrap/sender's valid signature over another element, data forged", attack: retarget,
			want: fault.SignatureTarget, code: "IncorrectSignatureTarget", forged: ">1.00<"},
		// A signature anywhere but in CallerInformationSystemSignature is not
		// the caller's signature: the call is unsigned.
		{name: "wrap/signature moved into the Header", attack: moveSignature(inHeader, false),
			want: fault.NoSignature, code: "NoSignatureFound"},
		{name: "wrap/signature moved inside the signed element", attack: moveSignature(inBPM, false),
			want: fault.NoSignature, code: "NoSignatureFound"},
		// An empty CallerInformationSystemSignature breaks its content model.
		{name: "wrap/signature moved into the Header, empty holder left", attack: moveSignature(inHeader, true), want: fault.Schema},
		{name: "wrap/KeyInfo certificate of another participant", attack: atkEdit(func(t *testing.T, root *etree.Element) {
			// GIBDD01 may send a writ: only the signature value stops this.
			atkFind(t, root, "X509Certificate").SetText(base64.StdEncoding.EncodeToString(e.pki.Participants["GIBDD01"].Certificate.Raw))
		}), want: fault.SignatureInvalid, code: "SignatureIsInvalid"},

		// 2. Tampering.
		{name: "tamper/DigestValue one bit", attack: atkFlipBit("DigestValue"), want: fault.SignatureInvalid, code: "SignatureIsInvalid"},
		{name: "tamper/SignatureValue one bit", attack: atkFlipBit("SignatureValue"), want: fault.SignatureInvalid, code: "SignatureIsInvalid"},
		{name: "tamper/one character of the payload", attack: atkReplace(">348912.45<", ">948912.45<"),
			want: fault.SignatureInvalid, code: "SignatureIsInvalid", forged: "948912.45"},
		{name: "tamper/one character of the MessageID", attack: atkEdit(func(t *testing.T, root *etree.Element) {
			id := atkFind(t, root, "MessageID")
			v := []byte(id.Text())
			if v[len(v)-1] == '0' {
				v[len(v)-1] = '1'
			} else {
				v[len(v)-1] = '0'
			}
			id.SetText(string(v))
		}), want: fault.SignatureInvalid, code: "SignatureIsInvalid"},

		// 3. Comments and whitespace. Exclusive c14n without comments leaves
		// comments out of the digest, and the decoder and the identifier
		// rules read text whole across them, so a comment inside signed text
		// changes neither what is verified nor what is read: accepted. The
		// SMEV transform drops text made only of whitespace, so indentation
		// between signed elements is not signed: accepted. Whitespace inside
		// a text value, next to other characters, is part of the value and
		// of the digest: refused (but see the two SMEV transform cases
		// below). The identifier case is accepted only if the check-digit
		// rule reads "7707083893", not "77070".
		{name: "c14n/comment inside a signed text value", attack: atkReplace("<DocumentNumber>ФС № 045123456<", "<DocumentNumber>ФС № <!-- x -->045123456<")},
		{name: "c14n/comment inside a signed identifier", attack: atkReplace("<INN>7707083893<", "<INN>77070<!---->83893<")},
		// The SMEV transform leaves processing instructions out of the digest
		// too, but etree's Text, and a recipient's reader like it, stops at
		// one: "045<?x?>123456" would be read as "045". Refused.
		{name: "c14n/processing instruction inside a signed text value (SMEV transform)",
			attack: atkReplace("<DocumentNumber>ФС № 045123456<", "<DocumentNumber>ФС № 045<?x?>123456<"),
			want:   fault.SignatureTarget, code: "IncorrectSignatureTarget"},
		{name: "c14n/comment inside the signed MessageID", attack: atkEdit(func(t *testing.T, root *etree.Element) {
			id := atkFind(t, root, "MessageID")
			v := id.Text()
			id.SetText(v[:8])
			id.CreateComment("x")
			id.CreateText(v[8:])
		}), check: func(t *testing.T, a *exchange.Accepted) {
			if want := atkFind(t, atkRoot(t, bases["request"]), "MessageID").Text(); a.Call.SendRequest.MessageID != want {
				t.Errorf("MessageID read as %q, signed %q", a.Call.SendRequest.MessageID, want)
			}
		}},
		{name: "c14n/whitespace between signed elements", attack: atkChain(
			atkReplace("</smev:MessageID><basic:MessagePrimaryContent>", "</smev:MessageID>\n  <basic:MessagePrimaryContent>\n    "),
			atkReplace("</Writ></basic:MessagePrimaryContent></smev:SenderProvidedRequestData>", "</Writ>\n  </basic:MessagePrimaryContent>\n</smev:SenderProvidedRequestData>"),
			atkReplace("<Issuer>\n    <Code>", "<Issuer>\n\t\t\n    <Code>"))},
		{name: "c14n/whitespace inside a signed text value", attack: atkReplace("<DocumentNumber>ФС № 045123456<", "<DocumentNumber>ФС №  045123456<"),
			want: fault.SignatureInvalid, code: "SignatureIsInvalid"},
		{name: "c14n/whitespace inside a signed string value", base: "text", attack: atkReplace(">writ&amp;&amp;decree\nline two", ">writ&amp;&amp;decree\nline  two"),
			want: fault.SignatureInvalid, code: "SignatureIsInvalid"},
		// The SMEV transform drops every text piece made only of whitespace,
		// as the JDK's StAX reader reports pieces: a character reference is a
		// piece of its own, and so can be a run of whitespace between line
		// breaks. Whitespace there is not signed, even inside an xs:string
		// value, so these changes verify, as they must for any verifier
		// that computes the SMEV transform as SMEV does.
		{name: "c14n/whitespace between two character references (SMEV transform)", base: "text",
			attack: atkReplace(">writ&amp;&amp;decree", ">writ&amp; &amp;decree")},
		{name: "c14n/whitespace-only lines inside signed text (SMEV transform)", base: "text",
			attack: atkReplace("line two\nline three<", "line two\n  \n  \nline three<")},

		// 4. Algorithm downgrades. Where the signer can make the downgraded
		// signature valid, it is, so that only the policy refuses it.
		{name: "downgrade/SignatureMethod rsa-sha1", attack: atkSetAttr("SignatureMethod", "Algorithm", dsig.SignatureRSASHA1),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "downgrade/SignatureMethod ecdsa-sha1, validly signed", attack: atkChain(
			atkSetAttr("SignatureMethod", "Algorithm", "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha1"), atkSignInfo(court.Key, crypto.SHA1)),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "downgrade/DigestMethod sha1, valid digest", attack: atkChain(
			atkSetAttr("DigestMethod", "Algorithm", dsig.DigestSHA1), atkDigest(crypto.SHA1), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "downgrade/CanonicalizationMethod inclusive c14n", attack: atkSetAttr("CanonicalizationMethod", "Algorithm", "http://www.w3.org/TR/2001/REC-xml-c14n-20010315"),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "downgrade/CanonicalizationMethod exc-c14n WithComments, validly signed", attack: atkChain(
			atkSetAttr("CanonicalizationMethod", "Algorithm", dsig.C14NExclusiveWithComments), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "downgrade/reference transform exc-c14n WithComments, validly signed", attack: atkChain(
			atkTransform(0, dsig.C14NExclusiveWithComments, ""), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},

		// 5. Transforms.
		{name: "transform/unknown in place of the SMEV transform", attack: atkChain(atkTransform(1, "urn://evil/transform", ""), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "transform/unknown after the SMEV transform", attack: atkChain(atkTransform(2, "urn://evil/transform", ""), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "transform/XPath filter", attack: atkChain(atkTransform(-1, "http://www.w3.org/TR/1999/REC-xpath-19991116", "ds:XPath"), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "transform/XSLT", attack: atkChain(atkTransform(-1, "http://www.w3.org/TR/1999/REC-xslt-19991116", "x:stylesheet"), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "transform/enveloped signature", attack: atkChain(atkTransform(-1, "http://www.w3.org/2000/09/xmldsig#enveloped-signature", ""), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},

		// 6. Reference forms other than a same-document "#Id".
		{name: "reference/external URI", attack: atkChain(atkSetAttr("Reference", "URI", "http://example.com/x"), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "reference/XPointer", attack: atkChain(atkSetAttr("Reference", "URI", "#xpointer(id('"+atkID+"'))"), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "reference/empty URI (the whole document)", attack: atkChain(atkSetAttr("Reference", "URI", ""), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},
		{name: "reference/bare Id without #", attack: atkChain(atkSetAttr("Reference", "URI", atkID), reSign),
			want: fault.SignatureAlgorithm, code: "SignatureIsInvalid"},

		// 7. The XML reader's limits.
		{name: "xml/DOCTYPE with entity expansion", attack: atkChain(atkReplace("<soap:Envelope ", atkLaughs+"<soap:Envelope "), atkReplace(">348912.45<", ">&lol9;<")),
			want: fault.XMLDoctype},
		{name: "xml/nesting beyond the depth limit", attack: atkReplace("<soap:Body>", `<soap:Header><x:d xmlns:x="urn://attack">`+
			strings.Repeat("<x:d>", deep)+strings.Repeat("</x:d>", deep)+"</x:d></soap:Header><soap:Body>"),
			want: fault.XMLTooDeep},
		{name: "xml/huge attribute value", attack: atkReplace("<soap:Body>", `<soap:Header><x:h xmlns:x="urn://attack" x:v="`+
			strings.Repeat("A", 64<<10+1)+`"/></soap:Header><soap:Body>`),
			want: fault.XMLLimit},
		// Elements under thousands of declarations, each resolved among them
		// by whatever reads the document next (the schema validator walks
		// them per element: 4.5 s for 850 KB of this).
		{name: "xml/namespace declarations flooding the scope", attack: atkReplace("<soap:Body>", `<soap:Header>`+
			strings.Repeat(`<x:n`+manyDeclarations(40)+` xmlns:x="urn://attack">`, 4)+strings.Repeat("<x:e/>", 1000)+
			strings.Repeat("</x:n>", 4)+`</soap:Header><soap:Body>`),
			want: fault.XMLLimit},

		// 8. Certificates and the registry: validly signed, by the wrong key
		// holder or with the wrong certificate.
		{name: "cert/expired", attack: atkResign(court.Key, atkMint(t, e.pki.CA, court.Key, "COURT01", now.Add(-2*365*24*time.Hour), now.Add(-24*time.Hour))),
			want: fault.CertificateExpired, code: "CertificateIsExpired"},
		{name: "cert/not yet valid", attack: atkResign(court.Key, atkMint(t, e.pki.CA, court.Key, "COURT01", now.Add(24*time.Hour), now.Add(365*24*time.Hour))),
			want: fault.CertificateExpired, code: "CertificateIsExpired"},
		{name: "cert/chains to an untrusted CA", attack: atkResign(other.Participants["COURT01"].Key, other.Participants["COURT01"].Certificate),
			want: fault.CertificateUntrusted, code: "CertificateIsNotFound"},
		{name: "cert/untrusted CA supplied in KeyInfo", attack: atkResign(other.Participants["COURT01"].Key, other.Participants["COURT01"].Certificate, other.CA.Certificate),
			want: fault.CertificateUntrusted, code: "CertificateIsNotFound"},
		{name: "cert/self-signed with the registered participant's key", attack: atkResign(court.Key, atkMint(t, pki.Identity{}, court.Key, "COURT01", now.Add(-time.Hour), now.Add(time.Hour))),
			want: fault.CertificateUntrusted, code: "CertificateIsNotFound"},
		{name: "cert/trusted but bound to no participant", attack: atkResign(e.pki.Hub.Key, e.pki.Hub.Certificate),
			want: fault.SenderNotRegistered},
		{name: "cert/registered participant sending a type it may not send", attack: atkResign(e.pki.Participants["BANK044525225"].Key, e.pki.Participants["BANK044525225"].Certificate),
			want: fault.AccessDenied},

		// Controls: the helpers that re-sign SignedInfo and recompute the
		// digest make signatures the ingress accepts, so the cases above
		// that use them fail only for what they change.
		{name: "control/digest recomputed, SignedInfo re-signed by the sender", attack: atkChain(atkDigest(crypto.SHA256), reSign)},
		{name: "control/re-signed by the sender", attack: atkResign(court.Key, court.Certificate)},
	}

	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			base := bases[tc.base]
			if tc.base == "" {
				base = bases["request"]
			}
			raw := tc.attack(t, bytes.Clone(base))
			if bytes.Equal(raw, base) {
				t.Fatal("the attack left the envelope unchanged")
			}
			a, err := e.in.Check(ctx, raw)
			if a != nil && tc.forged != "" {
				if s := atkString(t, a.Call.Signed); strings.Contains(s, tc.forged) {
					t.Errorf("forged content %q accepted as signed: %s", tc.forged, s)
				}
			}
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v; want accepted", err)
				}
				if a.Verified == nil || a.Verified.Element != a.Call.Signed || a.Sender == nil {
					t.Fatal("accepted without a verified signature over the operation's element")
				}
				if tc.check != nil {
					tc.check(t, a)
				}
				return
			}
			if a != nil {
				t.Errorf("Check returned an Accepted with the error %v", err)
			}
			t.Logf("refused: %v", err)
			var fe *fault.Error
			if !errors.As(err, &fe) {
				t.Fatalf("err = %v, want %s %s", err, tc.want.Code, tc.want.Name)
			}
			if fe.Kind != tc.want {
				t.Fatalf("fault %s %s %s (%v), want %s %s %s", fe.Kind.Code, fe.Kind.Name, fe.Kind.SignatureCode, err, tc.want.Code, tc.want.Name, tc.want.SignatureCode)
			}
			if fe.Kind.SignatureCode != tc.code {
				t.Fatalf("signature code %q, want %q", fe.Kind.SignatureCode, tc.code)
			}
		})
	}
}

// atkLaughs is the billion laughs: ten levels of tenfold entity expansion.
var atkLaughs = func() string {
	var b strings.Builder
	b.WriteString(`<!DOCTYPE soap:Envelope [<!ENTITY lol0 "lol">`)
	for i := 1; i <= 9; i++ {
		b.WriteString(`<!ENTITY lol` + string(rune('0'+i)) + ` "`)
		b.WriteString(strings.Repeat("&lol"+string(rune('0'+i-1))+";", 10))
		b.WriteString(`">`)
	}
	b.WriteString("]>\n")
	return b.String()
}()

// atkChain applies mutations in order.
func atkChain(ms ...atkMutation) atkMutation {
	return func(t *testing.T, raw []byte) []byte {
		for _, m := range ms {
			raw = m(t, raw)
		}
		return raw
	}
}

// atkReplace replaces the first occurrence of old, which must be there.
// manyDeclarations is n namespace declarations, of prefixes d0, d1...
func manyDeclarations(n int) string {
	var b strings.Builder
	for i := range n {
		fmt.Fprintf(&b, ` xmlns:d%d="urn://attack/%d"`, i, i)
	}
	return b.String()
}

func atkReplace(old, new string) atkMutation {
	return func(t *testing.T, raw []byte) []byte {
		t.Helper()
		if !bytes.Contains(raw, []byte(old)) {
			t.Fatalf("the envelope has no %.80q", old)
		}
		return bytes.Replace(raw, []byte(old), []byte(new), 1)
	}
}

// atkEdit parses the envelope, lets f change its tree (f may be nil) and
// writes it back as the codec writes envelopes.
func atkEdit(f func(t *testing.T, root *etree.Element)) atkMutation {
	return func(t *testing.T, raw []byte) []byte {
		t.Helper()
		doc := etree.NewDocument()
		if err := doc.ReadFromBytes(raw); err != nil {
			t.Fatal(err)
		}
		if f != nil {
			f(t, doc.Root())
		}
		doc.WriteSettings = soap.WriteSettings
		out, err := doc.WriteToBytes()
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
}

func atkRoot(t *testing.T, raw []byte) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

// atkFind returns the first element in document order under (and including)
// el whose local name is local.
func atkFind(t *testing.T, el *etree.Element, local string) *etree.Element {
	t.Helper()
	var found *etree.Element
	var walk func(*etree.Element)
	walk = func(x *etree.Element) {
		if found != nil {
			return
		}
		if x.Tag == local {
			found = x
			return
		}
		for c := range x.ChildElementsSeq() {
			walk(c)
		}
	}
	walk(el)
	if found == nil {
		t.Fatalf("no <%s> in <%s>", local, el.Tag)
	}
	return found
}

func atkString(t *testing.T, el *etree.Element) string {
	t.Helper()
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	s, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// atkSetText returns a forgery that sets the text of the first element named
// local.
func atkSetText(local, value string) func(*testing.T, *etree.Element) {
	return func(t *testing.T, el *etree.Element) {
		t.Helper()
		atkFind(t, el, local).SetText(value)
	}
}

// atkSetAttr sets an attribute of the first element named local.
func atkSetAttr(local, attr, value string) atkMutation {
	return atkEdit(func(t *testing.T, root *etree.Element) {
		atkFind(t, root, local).CreateAttr(attr, value)
	})
}

// atkHeader returns the SOAP Header, creating it.
func atkHeader(root *etree.Element) *etree.Element {
	for c := range root.ChildElementsSeq() {
		if c.Tag == "Header" {
			return c
		}
	}
	h := etree.NewElement("soap:Header")
	root.InsertChildAt(0, h)
	return h
}

// atkInHeader returns a new wrapper element in the SOAP Header.
func atkInHeader(t *testing.T, root *etree.Element) *etree.Element {
	w := atkHeader(root).CreateElement("w:Wrapper")
	w.CreateAttr("xmlns:w", "urn://attack")
	return w
}

// atkInObject returns a new wrapper element in a ds:Object of the caller's
// signature.
func atkInObject(t *testing.T, root *etree.Element) *etree.Element {
	w := atkFind(t, root, "Signature").CreateElement("ds:Object").CreateElement("w:Wrapper")
	w.CreateAttr("xmlns:w", "urn://attack")
	return w
}

// atkDeclare declares on el the prefixes the codec's envelopes use, so that
// el can be moved out of the operation element.
func atkDeclare(el *etree.Element) {
	el.CreateAttr("xmlns:smev", soap.V11.TypesNS())
	el.CreateAttr("xmlns:basic", soap.V11.BasicNS())
}

// atkWrap moves the signed element (named local) under the element dest
// returns and puts a copy changed by forge in its place.
func atkWrap(local string, forge func(*testing.T, *etree.Element), dest func(*testing.T, *etree.Element) *etree.Element) atkMutation {
	return atkEdit(func(t *testing.T, root *etree.Element) {
		signed := atkFind(t, root, local)
		forged := signed.Copy()
		forge(t, forged)
		parent, i := signed.Parent(), signed.Index()
		parent.RemoveChildAt(i)
		parent.InsertChildAt(i, forged)
		atkDeclare(signed)
		dest(t, root).AddChild(signed)
	})
}

// atkBeside puts a copy of the signed element (named local), changed by
// forge, next to it.
func atkBeside(local string, forge func(*testing.T, *etree.Element), before bool) atkMutation {
	return atkEdit(func(t *testing.T, root *etree.Element) {
		signed := atkFind(t, root, local)
		forged := signed.Copy()
		forge(t, forged)
		i := signed.Index() + 1
		if before {
			i--
		}
		signed.Parent().InsertChildAt(i, forged)
	})
}

// atkFlipBit flips one bit of the base64 value of the first element named
// local.
func atkFlipBit(local string) atkMutation {
	return atkEdit(func(t *testing.T, root *etree.Element) {
		el := atkFind(t, root, local)
		v, err := base64.StdEncoding.DecodeString(el.Text())
		if err != nil {
			t.Fatal(err)
		}
		v[len(v)/2] ^= 1
		el.SetText(base64.StdEncoding.EncodeToString(v))
	})
}

// atkTransform sets the Algorithm of the i-th ds:Transform of the reference,
// appending one when i is their number and prepending one when i is -1. A
// child names an element to put in the transform (its parameter).
func atkTransform(i int, alg, child string) atkMutation {
	return atkEdit(func(t *testing.T, root *etree.Element) {
		trs := atkFind(t, root, "Transforms")
		list := trs.ChildElements()
		var tr *etree.Element
		switch {
		case i >= 0 && i < len(list):
			tr = list[i]
		case i == len(list):
			tr = trs.CreateElement("ds:Transform")
		case i == -1:
			tr = etree.NewElement("ds:Transform")
			trs.InsertChildAt(0, tr)
		default:
			t.Fatalf("no transform %d", i)
		}
		tr.CreateAttr("Algorithm", alg)
		if child != "" {
			c := tr.CreateElement(child)
			if strings.HasPrefix(child, "x:") {
				c.CreateAttr("xmlns:x", "http://www.w3.org/1999/XSL/Transform")
				c.CreateAttr("version", "1.0")
			} else {
				c.SetText("not(ancestor-or-self::*[local-name()='Amount'])")
			}
		}
	})
}

// atkDigest recomputes the reference's DigestValue with h over the two
// transforms of an SMEV reference (exclusive c14n, then the SMEV transform).
func atkDigest(h crypto.Hash) atkMutation {
	return atkEdit(func(t *testing.T, root *etree.Element) {
		targets := dsig.ElementsByID(root, atkID)
		if len(targets) != 1 {
			t.Fatalf("%d elements have Id %s", len(targets), atkID)
		}
		data, err := dsig.AppendSMEV(nil, targets[0])
		if err != nil {
			t.Fatal(err)
		}
		w := h.New()
		w.Write(data)
		atkFind(t, root, "DigestValue").SetText(base64.StdEncoding.EncodeToString(w.Sum(nil)))
	})
}

// atkSignInfo signs SignedInfo again with key (ECDSA P-256), hashing its
// exclusive canonical form with h, whatever SignedInfo now says.
func atkSignInfo(key crypto.Signer, h crypto.Hash) atkMutation {
	return atkEdit(func(t *testing.T, root *etree.Element) {
		k, ok := key.(*ecdsa.PrivateKey)
		if !ok {
			t.Fatalf("key %T is not ECDSA", key)
		}
		canon, err := dsig.AppendExcC14N(nil, atkFind(t, root, "SignedInfo"), nil)
		if err != nil {
			t.Fatal(err)
		}
		w := h.New()
		w.Write(canon)
		r, s, err := ecdsa.Sign(rand.Reader, k, w.Sum(nil))
		if err != nil {
			t.Fatal(err)
		}
		v := make([]byte, 64)
		r.FillBytes(v[:32])
		s.FillBytes(v[32:])
		atkFind(t, root, "SignatureValue").SetText(base64.StdEncoding.EncodeToString(v))
	})
}

// atkResign signs the call again with key, certs[0] being its certificate
// and the others going into KeyInfo after it.
func atkResign(key crypto.Signer, certs ...*x509.Certificate) atkMutation {
	return atkEdit(func(t *testing.T, root *etree.Element) {
		s, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := soap.SignCall(root, s); err != nil {
			t.Fatal(err)
		}
	})
}

// atkMint issues a signing certificate for key valid from..until, by issuer
// (self-signed when issuer has no key).
func atkMint(t *testing.T, issuer pki.Identity, key crypto.Signer, cn string, from, until time.Time) *x509.Certificate {
	t.Helper()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 127))
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: cn, OrganizationalUnit: []string{"mezhved attack corpus"}},
		NotBefore:    from,
		NotAfter:     until,
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
	}
	parent, parentKey := tmpl, key
	if issuer.Key != nil {
		parent, parentKey = issuer.Certificate, issuer.Key
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, key.Public(), parentKey)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// atkForeignPKI is a development PKI with the same participants as the
// registry's, under a CA the ingress does not trust.
func atkForeignPKI(t *testing.T) *pki.Bundle {
	t.Helper()
	cfg, err := registry.DevConfig()
	if err != nil {
		t.Fatal(err)
	}
	var parties []pki.Party
	for _, p := range cfg.Participants {
		parties = append(parties, pki.Party{Mnemonic: p.Mnemonic, Name: p.Name})
	}
	b, err := pki.Generate(pki.Options{Participants: parties})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestWeakAlgorithmsByPolicy: a SHA-1 reference digest, refused by default
// (the downgrade case of the corpus), is accepted by a verifier that allows
// weak algorithms, so the policy and not a missing algorithm refuses it.
func TestWeakAlgorithmsByPolicy(t *testing.T) {
	ctx := context.Background()
	e := newEnv(t, exchange.Options{})
	court := e.pki.Participants["COURT01"]
	raw := e.signed(t, "COURT01", soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: v1At(t, time.Now()), Content: payload(t, "Writ")}, nil))
	weak := atkChain(atkSetAttr("DigestMethod", "Algorithm", dsig.DigestSHA1), atkDigest(crypto.SHA1), atkSignInfo(court.Key, crypto.SHA256))(t, raw)
	if _, err := e.in.Check(ctx, weak); !errors.Is(err, fault.SignatureAlgorithm) {
		t.Fatalf("by default: %v, want %s", err, fault.SignatureAlgorithm.Code)
	}
	lenient, err := exchange.NewIngress(e.reg, schemaSet(t),
		dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{e.pki.CA.Certificate}), nil, dsig.AllowWeak(true)), exchange.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lenient.Check(ctx, weak); err != nil {
		t.Fatalf("with weak algorithms allowed: %v", err)
	}
}
