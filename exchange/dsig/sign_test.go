package dsig_test

import (
	"crypto/x509"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/xmlsafe"
)

const envelope = `<S:Envelope xmlns:S="http://schemas.xmlsoap.org/soap/envelope/">
  <S:Body>
    <SendRequestRequest xmlns="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1" xmlns:b="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1">
      <SenderProvidedRequestData Id="SIGNED_BY_CALLER">
        <MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</MessageID>
        <b:MessagePrimaryContent>
          <w:Writ xmlns:w="urn://mezhved/enforcement/writ/1.0" Number="ФС 012345678"><w:Amount>15000.00</w:Amount></w:Writ>
        </b:MessagePrimaryContent>
      </SenderProvidedRequestData>
      <CallerInformationSystemSignature/>
    </SendRequestRequest>
  </S:Body>
</S:Envelope>`

var pkis sync.Map

// testPKI returns a generated PKI per algorithm, shared by the tests.
func testPKI(t testing.TB, alg pki.Algorithm) *pki.Bundle {
	t.Helper()
	if b, ok := pkis.Load(alg); ok {
		return b.(*pki.Bundle)
	}
	b, err := pki.Generate(pki.Options{Algorithm: alg, Participants: []pki.Party{{Mnemonic: "COURT01", Name: "Court"}, {Mnemonic: "FSSP01", Name: "Bailiffs"}}})
	if err != nil {
		t.Fatal(err)
	}
	pkis.Store(alg, b)
	return b
}

// signEnvelope signs SenderProvidedRequestData of src, with the signer's
// certificate and extra ones in its KeyInfo, and returns the serialized
// envelope.
func signEnvelope(t testing.TB, src string, id pki.Identity, profile dsig.Profile, extra ...*x509.Certificate) string {
	t.Helper()
	doc, err := xmlsafe.Parse([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	target := doc.Root().FindElement("//SenderProvidedRequestData")
	s, err := dsig.NewSigner(id.Key, append([]*x509.Certificate{id.Certificate}, extra...), profile)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(target)
	if err != nil {
		t.Fatal(err)
	}
	doc.Root().FindElement("//CallerInformationSystemSignature").AddChild(sig)
	out, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// verify parses an envelope and verifies its caller signature, requiring it
// to cover SenderProvidedRequestData.
func verify(t testing.TB, src string, trust *dsig.TrustStore, now func() time.Time) (*dsig.Verified, *xmlsafe.Document, error) {
	t.Helper()
	doc, err := xmlsafe.Parse([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var sig *etree.Element
	if c := doc.Root().FindElement("//CallerInformationSystemSignature"); c != nil && len(c.ChildElements()) > 0 {
		sig = c.ChildElements()[0]
	}
	want := doc.Root().FindElement("//SendRequestRequest/SenderProvidedRequestData")
	v, err := dsig.NewVerifier(trust, now).Verify(doc.Root(), sig, want)
	return v, doc, err
}

func TestSignVerifyRoundTrip(t *testing.T) {
	for _, alg := range []pki.Algorithm{pki.ECDSA, pki.RSA} {
		for _, profile := range []string{"smev", "standard"} {
			t.Run(string(alg)+"/"+profile, func(t *testing.T) {
				b := testPKI(t, alg)
				p, _ := dsig.ParseProfile(profile)
				src := signEnvelope(t, envelope, b.Participants["COURT01"], p)
				v, doc, err := verify(t, src, dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil)
				if err != nil {
					t.Fatal(err)
				}
				if v.Element != doc.Root().FindElement("//SenderProvidedRequestData") {
					t.Fatal("Verified.Element is not the signed element")
				}
				if v.Certificate.Subject.CommonName != "COURT01" || len(v.Chain) != 2 {
					t.Fatalf("signer %s, chain of %d", v.Certificate.Subject, len(v.Chain))
				}
			})
		}
	}
}

func TestVerifyRejects(t *testing.T) {
	b := testPKI(t, pki.ECDSA)
	other := testPKI(t, pki.RSA)
	trust := dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate})
	good := signEnvelope(t, envelope, b.Participants["COURT01"], dsig.ProfileSMEV)
	standard := signEnvelope(t, envelope, b.Participants["COURT01"], dsig.ProfileStandard)
	signedByOtherCA := signEnvelope(t, envelope, other.Participants["COURT01"], dsig.ProfileSMEV)
	later := func() time.Time { return b.CA.Certificate.NotAfter.Add(time.Hour) }

	tests := []struct {
		name  string
		src   string
		now   func() time.Time
		trust *dsig.TrustStore
		want  error
	}{
		{name: "no signature", src: envelope, want: dsig.ErrNoSignature},
		{name: "tampered payload", src: strings.Replace(good, "15000.00", "15000.01", 1), want: dsig.ErrDigest},
		{name: "tampered MessageID", src: strings.Replace(good, "db0486d0", "db0486d1", 1), want: dsig.ErrDigest},
		{name: "tampered attribute", src: strings.Replace(good, "ФС 012345678", "ФС 012345679", 1), want: dsig.ErrDigest},
		{name: "tampered digest value", src: tamperBase64(good, "DigestValue>"), want: dsig.ErrDigest},
		{name: "tampered signature value", src: tamperBase64(good, "SignatureValue>"), want: dsig.ErrSignatureValue},
		{name: "tampered standard payload", src: strings.Replace(standard, "15000.00", "15000.01", 1), want: dsig.ErrDigest},
		{name: "whitespace in standard profile", src: strings.Replace(standard, "<w:Amount>", "<w:Amount> ", 1), want: dsig.ErrDigest},
		{name: "duplicate Id", src: strings.Replace(good, "<CallerInformationSystemSignature>", `<Extra Id="SIGNED_BY_CALLER"/><CallerInformationSystemSignature>`, 1), want: dsig.ErrTarget},
		{name: "reference to another element", src: retarget(t, good), want: dsig.ErrTarget},
		{name: "unknown CA", src: signedByOtherCA, want: dsig.ErrCertificate},
		{name: "expired certificate", src: good, now: later, want: dsig.ErrExpired},
		{name: "not yet valid", src: good, now: func() time.Time { return b.CA.Certificate.NotBefore.Add(-time.Hour) }, want: dsig.ErrExpired},
		{name: "sha1 digest", src: strings.Replace(good, dsig.DigestSHA256, dsig.DigestSHA1, 1), want: dsig.ErrAlgorithm},
		{name: "rsa-sha1", src: strings.Replace(good, dsig.SignatureECDSASHA256, dsig.SignatureRSASHA1, 1), want: dsig.ErrAlgorithm},
		{name: "unknown transform", src: strings.Replace(good, dsig.SMEVTransformURI, "http://www.w3.org/TR/1999/REC-xslt-19991116", 1), want: dsig.ErrAlgorithm},
		{name: "external reference", src: strings.Replace(good, `URI="#SIGNED_BY_CALLER"`, `URI="http://evil.example/x.xml"`, 1), want: dsig.ErrAlgorithm},
		{name: "xpointer reference", src: strings.Replace(good, `URI="#SIGNED_BY_CALLER"`, `URI="#xpointer(/)"`, 1), want: dsig.ErrAlgorithm},
		{name: "whole document reference", src: strings.Replace(good, `URI="#SIGNED_BY_CALLER"`, `URI=""`, 1), want: dsig.ErrAlgorithm},
		{name: "inclusive c14n", src: strings.Replace(good, `<ds:CanonicalizationMethod Algorithm="`+dsig.C14NExclusive, `<ds:CanonicalizationMethod Algorithm="http://www.w3.org/TR/2001/REC-xml-c14n-20010315`, 1), want: dsig.ErrAlgorithm},
		{name: "no KeyInfo", src: cut(good, "<ds:KeyInfo>", "</ds:KeyInfo>"), want: dsig.ErrCertificate},
		{name: "no SignedInfo", src: cut(good, "<ds:SignedInfo>", "</ds:SignedInfo>"), want: dsig.ErrMalformed},
		{name: "bad base64", src: strings.Replace(good, "<ds:SignatureValue>", "<ds:SignatureValue>!!", 1), want: dsig.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tr := trust
			if tc.trust != nil {
				tr = tc.trust
			}
			_, _, err := verify(t, tc.src, tr, tc.now)
			if !errors.Is(err, tc.want) {
				t.Fatalf("err = %v, want %v", err, tc.want)
			}
		})
	}
}

// TestVerifyCommentsNotSigned: exclusive c14n without comments leaves
// comments out of the digest, so a comment inserted into signed text
// verifies; what matters is that the text is read whole (the codec's job).
func TestVerifyCommentsNotSigned(t *testing.T) {
	b := testPKI(t, pki.ECDSA)
	good := signEnvelope(t, envelope, b.Participants["COURT01"], dsig.ProfileSMEV)
	src := strings.Replace(good, "15000.00", "15000<!-- -->.00", 1)
	if _, _, err := verify(t, src, dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil); err != nil {
		t.Fatal(err)
	}
}

func tamperBase64(s, after string) string {
	i := strings.Index(s, after) + len(after)
	c := s[i]
	r := byte('A')
	if c == 'A' {
		r = 'B'
	}
	return s[:i] + string(r) + s[i+1:]
}

func cut(s, from, to string) string {
	i := strings.Index(s, from)
	j := strings.Index(s, to) + len(to)
	return s[:i] + s[j:]
}

// retarget moves the Id to MessagePrimaryContent: the signature then covers
// another element than the operation requires.
func retarget(t testing.TB, s string) string {
	t.Helper()
	s = strings.Replace(s, `<SenderProvidedRequestData Id="SIGNED_BY_CALLER">`, `<SenderProvidedRequestData>`, 1)
	return strings.Replace(s, `<b:MessagePrimaryContent>`, `<b:MessagePrimaryContent Id="SIGNED_BY_CALLER">`, 1)
}

// TestVerifyTwoReferences: every reference must verify, and one must name the
// element the operation signs.
func TestVerifyTwoReferences(t *testing.T) {
	b := testPKI(t, pki.ECDSA)
	id := b.Participants["COURT01"]
	trust := dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate})
	src := strings.Replace(envelope, "<b:MessagePrimaryContent>", `<b:MessagePrimaryContent Id="CONTENT">`, 1)
	sign := func(order ...string) string {
		doc, err := xmlsafe.Parse([]byte(src), nil)
		if err != nil {
			t.Fatal(err)
		}
		var els []*etree.Element
		for _, path := range order {
			els = append(els, doc.Root().FindElement(path))
		}
		s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
		if err != nil {
			t.Fatal(err)
		}
		sig, err := s.Sign(els[0], els[1:]...)
		if err != nil {
			t.Fatal(err)
		}
		doc.Root().FindElement("//CallerInformationSystemSignature").AddChild(sig)
		out, _ := doc.WriteToString()
		return out
	}
	both := sign("//MessagePrimaryContent", "//SenderProvidedRequestData")
	if v, _, err := verify(t, both, trust, nil); err != nil || v.Element.Tag != "SenderProvidedRequestData" {
		t.Fatalf("two references: %v", err)
	}
	if _, _, err := verify(t, strings.Replace(both, "15000.00", "15000.10", 1), trust, nil); !errors.Is(err, dsig.ErrDigest) {
		t.Fatalf("tampered inside both: %v", err)
	}
	if _, _, err := verify(t, sign("//MessagePrimaryContent"), trust, nil); !errors.Is(err, dsig.ErrTarget) {
		t.Fatalf("only the content signed: %v", err)
	}
}
