package dsig_test

import (
	"context"
	"crypto/x509"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"testing"
	"time"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
)

// TestCRLWatch: a list dropped into the directory takes effect without a
// restart, through Watch, and broken files never lift a revocation.
func TestCRLWatch(t *testing.T) {
	b := testPKI(t, pki.ECDSA)
	court := b.Participants["COURT01"]
	trust := dsig.NewTrustStore([]*x509.Certificate{b.CA.Certificate})
	dir := t.TempDir()
	crls, err := dsig.LoadCRLs(dir, trust)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	reports := make(chan error, 16)
	go crls.Watch(ctx, 5*time.Millisecond, func(_ bool, err error) { reports <- err })

	v := dsig.NewVerifier(trust, nil, dsig.WithRevocation(crls))
	if _, err := v.VerifyCertificate(court.Certificate, nil); err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	der, err := pki.CreateCRL(&x509.RevocationList{Number: big.NewInt(1), ThisUpdate: now.Add(-time.Minute), NextUpdate: now.Add(time.Hour),
		RevokedCertificateEntries: []x509.RevocationListEntry{{SerialNumber: court.Certificate.SerialNumber, RevocationTime: now.Add(-time.Second)}}},
		b.CA.Certificate, b.CA.Key)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "ca.crl"), der, 0o644); err != nil {
		t.Fatal(err)
	}
	deadline := time.After(10 * time.Second)
	for {
		if _, err := v.VerifyCertificate(court.Certificate, nil); errors.Is(err, dsig.ErrRevoked) {
			break
		}
		select {
		case err := <-reports:
			if err != nil {
				t.Fatalf("reload: %v", err)
			}
		case <-deadline:
			t.Fatal("the revocation was not picked up")
		}
	}
	if l := crls.Lists(); len(l) != 1 || l[0].Revoked != 1 || l[0].Number != "1" {
		t.Fatalf("lists in force: %+v", l)
	}
	// A file that is not a CRL: the reload fails, the revocation stays.
	if err := os.WriteFile(filepath.Join(dir, "junk.crl"), []byte("not a CRL"), 0o644); err != nil {
		t.Fatal(err)
	}
	// Reports of the earlier reload may still be queued; a failing one comes
	// at every tick until the junk goes.
	for failed := false; !failed; {
		select {
		case err := <-reports:
			failed = err != nil
		case <-time.After(10 * time.Second):
			t.Fatal("no failed reload was reported")
		}
	}
	if l := crls.Lists(); len(l) != 1 {
		t.Fatalf("a failed reload changed the lists in force: %+v", l)
	}
	if _, err := v.VerifyCertificate(court.Certificate, nil); !errors.Is(err, dsig.ErrRevoked) {
		t.Fatalf("after a failed reload: %v", err)
	}
}

func TestExpiringWithin(t *testing.T) {
	now := time.Date(2026, 11, 24, 0, 0, 0, 0, time.UTC)
	cert := func(days int) *x509.Certificate {
		return &x509.Certificate{NotAfter: now.Add(time.Duration(days) * 24 * time.Hour)}
	}
	certs := []*x509.Certificate{cert(-1), cert(0), cert(10), cert(29), cert(30), cert(400)}
	got := dsig.ExpiringWithin(certs, now, 30*24*time.Hour)
	if len(got) != 3 || got[0] != certs[1] || got[1] != certs[2] || got[2] != certs[3] {
		t.Fatalf("expiring: %v", got)
	}
}
