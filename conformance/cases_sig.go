package conformance

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
)

// SIG: the caller's signature. Every refused variant starts from an
// envelope the endpoint accepts (SIG-001) and changes one thing; the
// wrapping attacks are those of exchange/attack_test.go, over the wire.
func sigCases() []Case {
	return []Case{
		{ID: "SIG-001", Desc: "a call signed in the SMEV profile (exclusive c14n, then the SMEV transform) is accepted", Run: sigValid(dsig.ProfileSMEV)},
		{ID: "SIG-002", Desc: "a call signed with exclusive c14n alone (what any XMLDSig toolkit makes) is accepted", Run: sigValid(dsig.ProfileStandard)},
		{ID: "SIG-003", Desc: "indentation added between signed elements after signing still verifies (whitespace-only text is not signed)", Run: sigWhitespace},
		{ID: "SIG-004", Desc: "a payload changed after signing is SignatureIsInvalid (MZ-3003)", Run: sigTamper(func(raw []byte) ([]byte, error) { return replace(raw, ">348912.45<", ">948912.45<") })},
		{ID: "SIG-005", Desc: "a MessageID changed after signing is SignatureIsInvalid (MZ-3003)", Run: sigTamperMessageID},
		{ID: "SIG-006", Desc: "SignedInfo changed after signing (its DigestValue) is SignatureIsInvalid (MZ-3003)", Run: sigTamper(flipBit("DigestValue"))},
		{ID: "SIG-007", Desc: "a SignatureValue changed by one bit is SignatureIsInvalid (MZ-3003)", Run: sigTamper(flipBit("SignatureValue"))},
		{ID: "SIG-008", Desc: "wrapping: signed data moved into the Header, a forgery without Id in its place, is IncorrectSignatureTarget (MZ-3002)", Run: sigWrapHeader},
		{ID: "SIG-009", Desc: "wrapping: signed data moved into ds:Object, a forgery with its Id in its place, is refused (duplicate ID, MZ-2001)", Run: sigWrapObject},
		{ID: "SIG-010", Desc: "wrapping: a decoy Header element with the signed Id is IncorrectSignatureTarget (MZ-3002)", Run: sigDecoy},
		{ID: "SIG-011", Desc: "the sender's valid signature over another element of the envelope is IncorrectSignatureTarget (MZ-3002)", Run: sigRetarget},
		{ID: "SIG-012", Desc: "the signature moved out of CallerInformationSystemSignature leaves the call unsigned: NoSignatureFound (MZ-3001)", Run: sigMoved},
		{ID: "SIG-013", Desc: "an unsigned call is NoSignatureFound (MZ-3001)", Run: sigUnsigned},
		{ID: "SIG-014", Desc: "signed with one participant's key, another's certificate in KeyInfo: SignatureIsInvalid (MZ-3003)", Run: sigWrongKey},
		{ID: "SIG-015", Desc: "a self-signed certificate is CertificateIsNotFound (MZ-3006)", Run: sigSelfSigned},
		{ID: "SIG-016", Desc: "a certificate of an untrusted CA, with or without that CA in KeyInfo, is CertificateIsNotFound (MZ-3006)", Run: sigUntrustedCA},
		{ID: "SIG-017", Desc: "an expired certificate of the trusted CA is CertificateIsExpired (MZ-3007)", Run: sigValidity(-2*365*24*time.Hour, -24*time.Hour)},
		{ID: "SIG-018", Desc: "a not yet valid certificate of the trusted CA is CertificateIsExpired (MZ-3007)", Run: sigValidity(24*time.Hour, 365*24*time.Hour)},
		{ID: "SIG-019", Desc: "a SHA-1 reference digest, validly signed, is refused by policy: SignatureIsInvalid (MZ-3005)", Run: sigSHA1},
		{ID: "SIG-020", Desc: "an XPath transform, validly signed, is refused by policy: SignatureIsInvalid (MZ-3005)", Run: sigXPath},
		{ID: "SIG-021", Desc: "a Reference to an external URI, validly signed, is refused by policy: SignatureIsInvalid (MZ-3005)", Run: sigExternalURI},
	}
}

func sigExpect(mz, code string) expect {
	return expect{name: "SignatureVerificationFault", sig: code, mz: mz}
}

var (
	sigInvalid = sigExpect("MZ-3003", "SignatureIsInvalid")
	sigTarget  = sigExpect("MZ-3002", "IncorrectSignatureTarget")
	sigNone    = sigExpect("MZ-3001", "NoSignatureFound")
	sigPolicy  = sigExpect("MZ-3005", "SignatureIsInvalid")
	sigCert    = sigExpect("MZ-3006", "CertificateIsNotFound")
	sigExpired = sigExpect("MZ-3007", "CertificateIsExpired")
)

// acceptedWrit posts a court's writ and checks that it is accepted and
// reaches the bailiff, who acknowledges it.
func (e *Env) acceptedWrit(ctx context.Context, raw []byte) error {
	a, err := e.post(ctx, soap.V11, e.Participant("court"), raw)
	if err != nil {
		return err
	}
	if err := wantAccepted(a); err != nil {
		return err
	}
	if a.Reply.Metadata == nil {
		return fmt.Errorf("accepted without MessageMetadata")
	}
	id := a.Reply.Metadata.MessageID
	bailiff := e.Participant("bailiff")
	if _, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(payload("Writ")), id); err != nil {
		return err
	}
	return e.ack(ctx, soap.V11, bailiff, id, true)
}

func sigValid(profile dsig.Profile) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		p := e.s.parties[e.Participant("court")]
		s, err := dsig.NewSigner(p.key, p.certs, profile)
		if err != nil {
			return err
		}
		raw, err := signWith(e.request(soap.V11, payload("Writ"), nil), s)
		if err != nil {
			return err
		}
		return e.acceptedWrit(ctx, raw)
	}
}

func sigWhitespace(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	for _, r := range [][2]string{
		{"</smev:MessageID>", "</smev:MessageID>\n  "},
		{"</Writ></basic:MessagePrimaryContent>", "</Writ>\n  </basic:MessagePrimaryContent>\n"},
		{"<Issuer>\n    <Code>", "<Issuer>\n\t\t\n    <Code>"},
	} {
		if raw, err = replace(raw, r[0], r[1]); err != nil {
			return err
		}
	}
	return e.acceptedWrit(ctx, raw)
}

// sigTamper changes a court's signed writ with change and expects
// SignatureIsInvalid.
func sigTamper(change func([]byte) ([]byte, error)) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		raw, err := e.writ()
		if err != nil {
			return err
		}
		if raw, err = change(raw); err != nil {
			return err
		}
		return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigInvalid)
	}
}

// flipBit flips one bit of the base64 value of the first element named
// local.
func flipBit(local string) func([]byte) ([]byte, error) {
	return func(raw []byte) ([]byte, error) {
		return edit(raw, func(root *etree.Element) error {
			el, err := mustFind(root, local)
			if err != nil {
				return err
			}
			v, err := base64.StdEncoding.DecodeString(el.Text())
			if err != nil {
				return err
			}
			v[len(v)/2] ^= 1
			el.SetText(base64.StdEncoding.EncodeToString(v))
			return nil
		})
	}
}

func sigTamperMessageID(ctx context.Context, e *Env) error {
	return sigTamper(func(raw []byte) ([]byte, error) {
		return edit(raw, func(root *etree.Element) error {
			id, err := mustFind(root, "MessageID")
			if err != nil {
				return err
			}
			id.SetText(newID()) // a valid, fresh MessageID: only the signature is wrong
			return nil
		})
	})(ctx, e)
}

// wrapped moves the signed SenderProvidedRequestData of a court's writ
// under the element dest returns and puts a forged copy in its place.
func (e *Env) wrapped(keepID bool, dest func(root *etree.Element) (*etree.Element, error)) ([]byte, error) {
	raw, err := e.writ()
	if err != nil {
		return nil, err
	}
	v := soap.V11
	return edit(raw, func(root *etree.Element) error {
		signed, err := mustFind(root, "SenderProvidedRequestData")
		if err != nil {
			return err
		}
		forged := signed.Copy()
		set(find(forged, "Writ"), "Amount", "1.00")
		if !keepID {
			forged.RemoveAttr("Id")
		}
		parent, i := signed.Parent(), signed.Index()
		parent.RemoveChildAt(i)
		parent.InsertChildAt(i, forged)
		signed.CreateAttr("xmlns:smev", v.TypesNS())
		signed.CreateAttr("xmlns:basic", v.BasicNS())
		to, err := dest(root)
		if err != nil {
			return err
		}
		to.AddChild(signed)
		return nil
	})
}

// soapHeader returns the SOAP Header of an envelope, creating it.
func soapHeader(root *etree.Element) *etree.Element {
	for c := range root.ChildElementsSeq() {
		if c.Tag == "Header" {
			return c
		}
	}
	h := etree.NewElement("soap:Header")
	root.InsertChildAt(0, h)
	return h
}

func wrapper(parent *etree.Element) *etree.Element {
	w := parent.CreateElement("w:Wrapper")
	w.CreateAttr("xmlns:w", "urn://conformance/attack")
	return w
}

func sigWrapHeader(ctx context.Context, e *Env) error {
	raw, err := e.wrapped(false, func(root *etree.Element) (*etree.Element, error) { return wrapper(soapHeader(root)), nil })
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigTarget)
}

func sigWrapObject(ctx context.Context, e *Env) error {
	raw, err := e.wrapped(true, func(root *etree.Element) (*etree.Element, error) {
		sig, err := mustFind(root, "Signature")
		if err != nil {
			return nil, err
		}
		return wrapper(sig.CreateElement("ds:Object")), nil
	})
	if err != nil {
		return err
	}
	// Both copies are declared by the schema, so the duplicate xs:ID makes
	// the envelope invalid before the signature is looked at; an endpoint
	// that checks the signature first refuses it as a wrong target.
	x := expect{name: "InvalidContent", also: []string{"SignatureVerificationFault"}, mz: "MZ-2001"}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, x)
}

func sigDecoy(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	if raw, err = header(raw, `<x:Decoy xmlns:x="urn://conformance/attack" Id="`+soap.CallerSignedID+`"/>`); err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigTarget)
}

func sigRetarget(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	p := e.s.parties[e.Participant("court")]
	raw, err = edit(raw, func(root *etree.Element) error {
		note := soapHeader(root).CreateElement("x:Note")
		note.CreateAttr("xmlns:x", "urn://conformance/attack")
		note.CreateAttr("Id", "NOTE")
		note.SetText("signed by the sender for another purpose")
		sig, err := p.signer.Sign(note)
		if err != nil {
			return err
		}
		old, err := mustFind(root, "Signature")
		if err != nil {
			return err
		}
		holder := old.Parent()
		holder.RemoveChild(old)
		holder.AddChild(sig)
		set(find(root, "Writ"), "Amount", "1.00")
		return nil
	})
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigTarget)
}

func sigMoved(ctx context.Context, e *Env) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	raw, err = edit(raw, func(root *etree.Element) error {
		sig, err := mustFind(root, "Signature")
		if err != nil {
			return err
		}
		holder := sig.Parent()
		holder.Parent().RemoveChild(holder)
		soapHeader(root).AddChild(sig)
		return nil
	})
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigNone)
}

func sigUnsigned(ctx context.Context, e *Env) error {
	raw, err := soap.Marshal(e.request(soap.V11, payload("Writ"), nil))
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigNone)
}

// resigned is a writ signed with key, certs in KeyInfo (certs[0] being
// taken as the key's certificate, without checking).
func (e *Env) resigned(key *pki.Identity, certs ...*x509.Certificate) ([]byte, error) {
	s, err := dsig.NewSigner(key.Key, []*x509.Certificate{key.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		return nil, err
	}
	raw, err := signWith(e.request(soap.V11, payload("Writ"), nil), s)
	if err != nil {
		return nil, err
	}
	if len(certs) == 0 {
		return raw, nil
	}
	return edit(raw, func(root *etree.Element) error {
		data, err := mustFind(root, "X509Data")
		if err != nil {
			return err
		}
		for _, c := range data.ChildElements() {
			data.RemoveChild(c)
		}
		for _, c := range certs {
			data.CreateElement("ds:X509Certificate").SetText(base64.StdEncoding.EncodeToString(c.Raw))
		}
		return nil
	})
}

func (e *Env) identity(mnemonic string) *pki.Identity {
	p := e.s.parties[mnemonic]
	return &pki.Identity{Key: p.key, Certificate: p.certs[0]}
}

func sigWrongKey(ctx context.Context, e *Env) error {
	// The traffic police may send writs too: only the signature value tells
	// that the court's certificate did not sign this.
	raw, err := e.resigned(e.identity(e.Participant("traffic-police")), e.identity(e.Participant("court")).Certificate)
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigInvalid)
}

func sigSelfSigned(ctx context.Context, e *Env) error {
	court := e.identity(e.Participant("court"))
	cert, err := mint(nil, court, e.Participant("court"), time.Now().Add(-time.Hour), time.Now().Add(time.Hour))
	if err != nil {
		return err
	}
	raw, err := e.resigned(&pki.Identity{Key: court.Key, Certificate: cert})
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigCert)
}

func sigUntrustedCA(ctx context.Context, e *Env) error {
	court := e.Participant("court")
	other, err := pki.Generate(pki.Options{Participants: []pki.Party{{Mnemonic: court, Name: e.s.parties[court].name}}})
	if err != nil {
		return err
	}
	leaf := other.Participants[court]
	for _, certs := range [][]*x509.Certificate{{leaf.Certificate}, {leaf.Certificate, other.CA.Certificate}} {
		raw, err := e.resigned(&leaf, certs...)
		if err != nil {
			return err
		}
		if err := e.postFault(ctx, soap.V11, court, raw, sigCert); err != nil {
			return fmt.Errorf("with %d certificates in KeyInfo: %w", len(certs), err)
		}
	}
	return nil
}

func sigValidity(from, until time.Duration) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		if e.s.ca == nil {
			return skip("the PKI directory has no ca.key to issue a certificate outside its validity period")
		}
		court := e.identity(e.Participant("court"))
		now := time.Now()
		cert, err := mint(e.s.ca, court, e.Participant("court"), now.Add(from), now.Add(until))
		if err != nil {
			return err
		}
		raw, err := e.resigned(&pki.Identity{Key: court.Key, Certificate: cert})
		if err != nil {
			return err
		}
		return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigExpired)
	}
}

// resignInfo signs SignedInfo again as the court, whatever it now says, so
// that only the signature policy can refuse what was changed in it.
func (e *Env) resignInfo(root *etree.Element) error {
	si, err := mustFind(root, "SignedInfo")
	if err != nil {
		return err
	}
	canon, err := dsig.AppendExcC14N(nil, si, nil)
	if err != nil {
		return err
	}
	_, value, err := e.s.parties[e.Participant("court")].signer.SignBytes(canon)
	if err != nil {
		return err
	}
	sv, err := mustFind(root, "SignatureValue")
	if err != nil {
		return err
	}
	sv.SetText(base64.StdEncoding.EncodeToString(value))
	return nil
}

// policyCase changes a court's signed writ's signature with change, signs
// SignedInfo again and expects the policy's refusal.
func policyCase(ctx context.Context, e *Env, change func(root *etree.Element) error) error {
	raw, err := e.writ()
	if err != nil {
		return err
	}
	raw, err = edit(raw, func(root *etree.Element) error {
		if err := change(root); err != nil {
			return err
		}
		return e.resignInfo(root)
	})
	if err != nil {
		return err
	}
	return e.postFault(ctx, soap.V11, e.Participant("court"), raw, sigPolicy)
}

func sigSHA1(ctx context.Context, e *Env) error {
	return policyCase(ctx, e, func(root *etree.Element) error {
		targets := dsig.ElementsByID(root, soap.CallerSignedID)
		if len(targets) != 1 {
			return fmt.Errorf("%d elements have the Id %s", len(targets), soap.CallerSignedID)
		}
		data, err := dsig.AppendSMEV(nil, targets[0])
		if err != nil {
			return err
		}
		sum := sha1.Sum(data)
		dm, err := mustFind(root, "DigestMethod")
		if err != nil {
			return err
		}
		dm.CreateAttr("Algorithm", dsig.DigestSHA1)
		find(root, "DigestValue").SetText(base64.StdEncoding.EncodeToString(sum[:]))
		return nil
	})
}

func sigXPath(ctx context.Context, e *Env) error {
	return policyCase(ctx, e, func(root *etree.Element) error {
		trs, err := mustFind(root, "Transforms")
		if err != nil {
			return err
		}
		tr := etree.NewElement("ds:Transform")
		tr.CreateAttr("Algorithm", "http://www.w3.org/TR/1999/REC-xpath-19991116")
		tr.CreateElement("ds:XPath").SetText("not(ancestor-or-self::*[local-name()='Amount'])")
		trs.InsertChildAt(0, tr)
		return nil
	})
}

func sigExternalURI(ctx context.Context, e *Env) error {
	return policyCase(ctx, e, func(root *etree.Element) error {
		ref, err := mustFind(root, "Reference")
		if err != nil {
			return err
		}
		ref.CreateAttr("URI", "http://example.com/writ.xml")
		return nil
	})
}
