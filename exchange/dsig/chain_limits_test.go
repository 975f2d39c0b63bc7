package dsig_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
)

func issue(t testing.TB, tmpl, parent *x509.Certificate, pub crypto.PublicKey, key crypto.Signer) *x509.Certificate {
	t.Helper()
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent, pub, key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// unknownAlgorithm is a certificate signed with an algorithm crypto/x509
// does not know (its OID altered), such as a GOST one is to it: with one
// among the certificates that come with a signature, the trust store builds
// the path itself.
func unknownAlgorithm(t testing.TB) *x509.Certificate {
	k := newKey(t)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(77), Subject: pkix.Name{CommonName: "unknown algorithm"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &k.PublicKey, k)
	if err != nil {
		t.Fatal(err)
	}
	ecdsaWithSHA256 := []byte{0x06, 0x08, 0x2a, 0x86, 0x48, 0xce, 0x3d, 0x04, 0x03, 0x02}
	c, err := x509.ParseCertificate(bytes.ReplaceAll(der, ecdsaWithSHA256, append(ecdsaWithSHA256[:9:9], 0x7f)))
	if err != nil {
		t.Fatal(err)
	}
	if c.SignatureAlgorithm != x509.UnknownSignatureAlgorithm {
		t.Fatal("the altered certificate's algorithm is still known")
	}
	return c
}

// TestPathBuildingBounded: CA certificates that all name one another as
// issuer (one key, many serial numbers), sent with a signature, cost path
// building a bounded number of signature checks, not one per path of up to
// eight of them.
func TestPathBuildingBounded(t *testing.T) {
	b := testPKI(t, pki.ECDSA)
	trust := dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate})
	k := newKey(t)
	now := time.Now()
	ca := &x509.Certificate{SerialNumber: big.NewInt(1000), Subject: pkix.Name{CommonName: "Attacker CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}
	leaf := issue(t, &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "COURT01"},
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: now.Add(-time.Hour), NotAfter: now.Add(time.Hour)}, ca, &newKey(t).PublicKey, k)
	var extra []*x509.Certificate
	for i := range 7 {
		c := *ca
		c.SerialNumber = big.NewInt(int64(2000 + i))
		extra = append(extra, issue(t, &c, &c, &k.PublicKey, k))
	}
	extra = append(extra, unknownAlgorithm(t))
	_, err := trust.Verify(leaf, extra, now)
	if !errors.Is(err, dsig.ErrCertificate) || !strings.Contains(err.Error(), "signatures to check") {
		t.Fatalf("err = %v, want the path search stopped at its budget", err)
	}
}

// TestPathBuildingRefusesNameConstraints: a CA that constrains the names
// below it is refused on the path the trust store builds itself (which does
// not check them), not passed over: a certificate that crypto/x509 refuses
// for its name is refused with an unknown-algorithm certificate beside it.
func TestPathBuildingRefusesNameConstraints(t *testing.T) {
	now := time.Now()
	nb, na := now.Add(-time.Hour), now.Add(time.Hour)
	rk, ik := newKey(t), newKey(t)
	rootT := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "Root"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: nb, NotAfter: na}
	root := issue(t, rootT, rootT, &rk.PublicKey, rk)
	inter := issue(t, &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "Court CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign, NotBefore: nb, NotAfter: na, PermittedEmailAddresses: []string{"court.example"}}, root, &ik.PublicKey, rk)
	leaf := issue(t, &x509.Certificate{SerialNumber: big.NewInt(3), Subject: pkix.Name{CommonName: "x"}, EmailAddresses: []string{"ceo@bank.example"},
		KeyUsage: x509.KeyUsageDigitalSignature, NotBefore: nb, NotAfter: na}, inter, &newKey(t).PublicKey, ik)
	trust := dsig.NewTrustStore([]*x509.Certificate{root, inter})
	for name, extra := range map[string][]*x509.Certificate{"alone": nil, "with an unknown-algorithm certificate": {unknownAlgorithm(t)}} {
		if _, err := trust.Verify(leaf, extra, now); !errors.Is(err, dsig.ErrCertificate) {
			t.Errorf("%s: err = %v, want the name outside the CA's constraints refused", name, err)
		}
	}
}

// TestKeyInfoCertificatesBounded: a KeyInfo with more certificates than a
// path can have is refused before any is looked at.
func TestKeyInfoCertificatesBounded(t *testing.T) {
	b := testPKI(t, pki.ECDSA)
	id := b.Participants["COURT01"]
	chain := []*x509.Certificate{id.Certificate}
	for range 8 {
		chain = append(chain, b.CA.Certificate)
	}
	src := signEnvelope(t, envelope, id, dsig.ProfileSMEV, chain[1:]...)
	_, _, err := verify(t, src, dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate}), nil)
	if !errors.Is(err, dsig.ErrCertificate) || !strings.Contains(err.Error(), "more than 8 certificates") {
		t.Fatalf("err = %v, want the KeyInfo of 9 certificates refused", err)
	}
}
