package exchange_test

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/fault"
	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/exchange/soap"
)

// TestTrust covers the certificate side of the door: an intermediate CA, a
// key rollover (two certificates bound to one participant), revocation from
// a CRL directory reloaded while the ingress runs, and a trusted certificate
// bound to no participant.
func TestTrust(t *testing.T) {
	now := time.Now()
	dir := t.TempDir()
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
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	// An intermediate CA under the root, and the court's second key issued
	// by it: the certificate it rolls over to.
	inter, interKey := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "mezhved issuing CA"}, IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageCRLSign}, b.CA)
	next, nextKey := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "COURT01", Organization: []string{"rollover"}},
		KeyUsage: x509.KeyUsageDigitalSignature}, pki.Identity{Key: interKey, Certificate: inter})
	stray, strayKey := issue(t, &x509.Certificate{Subject: pkix.Name{CommonName: "NOBODY"}, KeyUsage: x509.KeyUsageDigitalSignature}, b.CA)
	writePEM(t, filepath.Join(dir, "COURT01-next.crt"), next.Raw)
	for i := range cfg.Participants {
		m := cfg.Participants[i].Mnemonic
		cfg.Participants[i].Certificates = []string{filepath.Join(dir, m+".crt")}
		if m == "COURT01" {
			cfg.Participants[i].Certificates = append(cfg.Participants[i].Certificates, filepath.Join(dir, "COURT01-next.crt"))
		}
	}
	reg, err := registry.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	trust := dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate, inter})
	crlDir := t.TempDir()
	crls, err := dsig.LoadCRLs(crlDir, trust)
	if err != nil {
		t.Fatal(err)
	}
	in, err := exchange.NewIngress(reg, schemaSet(t), dsig.NewVerifier(trust, nil, dsig.WithRevocation(crls)), exchange.Options{})
	if err != nil {
		t.Fatal(err)
	}
	e := &env{pki: b, reg: reg, in: in}
	writ := func(signer pki.Identity) []byte {
		doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: v1At(t, now), Content: payload(t, "Writ")}, nil)
		s, err := dsig.NewSigner(signer.Key, []*x509.Certificate{signer.Certificate}, dsig.ProfileSMEV)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := soap.SignCall(doc.Root(), s); err != nil {
			t.Fatal(err)
		}
		out, err := soap.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		return []byte(out)
	}
	check := func(raw []byte) (*exchange.Accepted, error) { return e.in.Check(context.Background(), raw) }

	oldKey, newKey := b.Participants["COURT01"], pki.Identity{Key: nextKey, Certificate: next}
	for name, id := range map[string]pki.Identity{"old certificate": oldKey, "new certificate, through the intermediate": newKey} {
		a, err := check(writ(id))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if a.Sender.Mnemonic != "COURT01" {
			t.Fatalf("%s: sender %s", name, a.Sender.Mnemonic)
		}
	}
	if _, err := check(writ(pki.Identity{Key: strayKey, Certificate: stray})); !errors.Is(err, fault.SenderNotRegistered) {
		t.Fatalf("a trusted certificate bound to no participant: %v", err)
	}

	// The root revokes the court's old certificate; the intermediate's CRL
	// revokes nothing yet. The ingress picks the lists up on reload.
	crl := func(issuer pki.Identity, number int64, serials ...*big.Int) []byte {
		tmpl := &x509.RevocationList{Number: big.NewInt(number), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour)}
		for _, s := range serials {
			tmpl.RevokedCertificateEntries = append(tmpl.RevokedCertificateEntries, x509.RevocationListEntry{SerialNumber: s, RevocationTime: now.Add(-time.Second), ReasonCode: 4})
		}
		der, err := pki.CreateCRL(tmpl, issuer.Certificate, issuer.Key)
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	os.WriteFile(filepath.Join(crlDir, "root.crl"), crl(b.CA, 1, oldKey.Certificate.SerialNumber), 0o644)
	os.WriteFile(filepath.Join(crlDir, "issuing.crl"), crl(pki.Identity{Key: interKey, Certificate: inter}, 1), 0o644)
	if changed, err := crls.Reload(); err != nil || !changed {
		t.Fatalf("reload: %v %v", changed, err)
	}
	if _, err := check(writ(oldKey)); !errors.Is(err, fault.CertificateRevoked) {
		t.Fatalf("revoked certificate: %v, want %s", err, fault.CertificateRevoked.Code)
	}
	if _, err := check(writ(newKey)); err != nil {
		t.Fatalf("the rolled-over certificate after the old one's revocation: %v", err)
	}
	// Revoking the intermediate cuts off everything it issued.
	os.WriteFile(filepath.Join(crlDir, "root.crl"), crl(b.CA, 2, oldKey.Certificate.SerialNumber, inter.SerialNumber), 0o644)
	if _, err := crls.Reload(); err != nil {
		t.Fatal(err)
	}
	if _, err := check(writ(newKey)); !errors.Is(err, fault.CertificateRevoked) {
		t.Fatalf("certificate under a revoked intermediate: %v, want %s", err, fault.CertificateRevoked.Code)
	}
}

// issue makes a certificate for a fresh ECDSA key, signed by parent.
func issue(t *testing.T, tmpl *x509.Certificate, parent pki.Identity) (*x509.Certificate, *ecdsa.PrivateKey) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.SerialNumber = big.NewInt(time.Now().UnixNano())
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	der, err := x509.CreateCertificate(rand.Reader, tmpl, parent.Certificate, &key.PublicKey, parent.Key)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return c, key
}

func writePEM(t *testing.T, path string, der []byte) {
	t.Helper()
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o644); err != nil {
		t.Fatal(err)
	}
}
