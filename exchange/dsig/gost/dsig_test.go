package gost_test

import (
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/dsig"
	"mezhved/exchange/dsig/gost"
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

func bundle(t testing.TB) *pki.Bundle {
	t.Helper()
	b, err := pki.Generate(pki.Options{Algorithm: pki.GOST, Participants: []pki.Party{{Mnemonic: "COURT01", Name: "Арбитражный суд"}, {Mnemonic: "FSSP01", Name: "ФССП"}}})
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sign(t testing.TB, id pki.Identity) string {
	t.Helper()
	doc, err := xmlsafe.Parse([]byte(envelope), nil)
	if err != nil {
		t.Fatal(err)
	}
	s, err := dsig.NewSigner(id.Key, []*x509.Certificate{id.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := s.Sign(doc.Root().FindElement("//SenderProvidedRequestData"))
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

func verify(t testing.TB, src string, v *dsig.Verifier) (*dsig.Verified, error) {
	t.Helper()
	doc, err := xmlsafe.Parse([]byte(src), nil)
	if err != nil {
		t.Fatal(err)
	}
	var sig *etree.Element
	if c := doc.Root().FindElement("//CallerInformationSystemSignature"); c != nil && len(c.ChildElements()) > 0 {
		sig = c.ChildElements()[0]
	}
	return v.Verify(doc.Root(), sig, doc.Root().FindElement("//SendRequestRequest/SenderProvidedRequestData"))
}

// A GOST PKI made by pki.Generate signs envelopes the verifier accepts, with
// the GOST algorithms named, and any one-bit change is refused.
func TestSignVerify(t *testing.T) {
	b := bundle(t)
	for _, c := range []*x509.Certificate{b.CA.Certificate, b.Participants["COURT01"].Certificate} {
		if c.PublicKey != nil || c.SignatureAlgorithm != x509.UnknownSignatureAlgorithm {
			t.Fatalf("crypto/x509 was expected not to know GOST: %T, %v", c.PublicKey, c.SignatureAlgorithm)
		}
	}
	src := sign(t, b.Participants["COURT01"])
	for _, want := range []string{gost.SignatureMethod, gost.DigestMethod} {
		if !strings.Contains(src, want) {
			t.Fatalf("the signature does not name %s", want)
		}
	}
	v := dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil)
	got, err := verify(t, src, v)
	if err != nil {
		t.Fatal(err)
	}
	if got.Certificate.Subject.CommonName != "COURT01" || len(got.Chain) != 2 || got.SignatureMethod != gost.SignatureMethod {
		t.Fatalf("verified %s by %s with a chain of %d", got.SignatureMethod, got.Certificate.Subject, len(got.Chain))
	}

	// One bit of the signed content, of the digest and of the signature value.
	for _, c := range []struct{ name, from, to string }{
		{"content", "15000.00", "15000.01"},
		{"attribute", "ФС 012345678", "ФС 012345679"},
	} {
		if _, err := verify(t, strings.Replace(src, c.from, c.to, 1), v); !errors.Is(err, dsig.ErrDigest) {
			t.Errorf("%s changed: %v, want ErrDigest", c.name, err)
		}
	}
	doc, _ := xmlsafe.Parse([]byte(src), nil)
	for _, tag := range []string{"DigestValue", "SignatureValue"} {
		el := doc.Root().FindElement("//" + tag)
		orig := el.Text()
		raw := decode(t, orig)
		raw[len(raw)/2] ^= 0x01
		el.SetText(encode(raw))
		mutated, _ := doc.WriteToString()
		el.SetText(orig)
		_, err := verify(t, mutated, v)
		if err == nil || !(errors.Is(err, dsig.ErrDigest) || errors.Is(err, dsig.ErrSignatureValue)) {
			t.Errorf("%s with one bit flipped: %v", tag, err)
		}
	}

	// Another GOST PKI's CA is not trusted.
	other := bundle(t)
	if _, err := verify(t, src, dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{other.CA.Certificate}), nil)); !errors.Is(err, dsig.ErrCertificate) {
		t.Errorf("foreign CA: %v, want ErrCertificate", err)
	}
	// Outside the validity period.
	later := func() time.Time { return time.Now().Add(20 * 365 * 24 * time.Hour) }
	if _, err := verify(t, src, dsig.NewVerifier(dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), later)); !errors.Is(err, dsig.ErrExpired) {
		t.Errorf("expired: %v, want ErrExpired", err)
	}
}

// Keys and certificates written by the PKI read back, and a GOST CA's CRL
// revokes a GOST certificate; the CRL directory is reloaded without a
// restart.
func TestKeysAndRevocation(t *testing.T) {
	b := bundle(t)
	dir := t.TempDir()
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	key, certs, err := pki.LoadIdentity(filepath.Join(dir, "COURT01.key"), filepath.Join(dir, "COURT01.crt"))
	if err != nil {
		t.Fatal(err)
	}
	if !key.Public().(*gost.PublicKey).Equal(b.Participants["COURT01"].Key.Public()) {
		t.Fatal("the key read back differs")
	}
	src := sign(t, pki.Identity{Key: key, Certificate: certs[0]})

	trust := dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate})
	crlDir := t.TempDir()
	crls, err := dsig.LoadCRLs(crlDir, trust)
	if err != nil {
		t.Fatal(err)
	}
	v := dsig.NewVerifier(trust, nil, dsig.WithRevocation(crls))
	if _, err := verify(t, src, v); err != nil {
		t.Fatalf("before revocation: %v", err)
	}
	now := time.Now()
	der, err := pki.CreateCRL(&x509.RevocationList{
		Number: big.NewInt(1), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(24 * time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: certs[0].SerialNumber, RevocationTime: now.Add(-time.Second), ReasonCode: 1}},
	}, b.CA.Certificate, b.CA.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(crlDir, "ca.crl"), pem.EncodeToMemory(&pem.Block{Type: "X509 CRL", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
	if changed, err := crls.Reload(); err != nil || !changed {
		t.Fatalf("reload: changed %v, %v", changed, err)
	}
	_, err = verify(t, src, v)
	if !errors.Is(err, dsig.ErrRevoked) || !strings.Contains(err.Error(), "key compromise") {
		t.Fatalf("after revocation: %v, want ErrRevoked (key compromise)", err)
	}
	// A CRL signed by another CA is refused, and the lists in force stay.
	other := bundle(t)
	bad, err := pki.CreateCRL(&x509.RevocationList{Number: big.NewInt(2), ThisUpdate: now, NextUpdate: now.Add(time.Hour)}, other.CA.Certificate, other.CA.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(crlDir, "other.crl"), bad, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := crls.Reload(); err == nil {
		t.Fatal("a CRL from an untrusted issuer was loaded")
	}
	if _, err := verify(t, src, v); !errors.Is(err, dsig.ErrRevoked) {
		t.Fatalf("a failed reload lifted the revocation: %v", err)
	}
}

func decode(t testing.TB, s string) []byte {
	t.Helper()
	b, err := base64.StdEncoding.DecodeString(strings.TrimSpace(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func encode(b []byte) string { return base64.StdEncoding.EncodeToString(b) }
