package dsig

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// TrustStore holds the certificates a verifier trusts: self-signed CA
// certificates are trust anchors, other CA certificates are intermediates
// that may complete a chain, and end-entity certificates found beside them
// are kept as Leaves (a registry may bind them to participants). A TrustStore
// is immutable once built and safe for concurrent use.
type TrustStore struct {
	roots         *x509.CertPool
	intermediates *x509.CertPool
	anchors       []*x509.Certificate
	leaves        []*x509.Certificate
}

// NewTrustStore sorts certs into anchors, intermediates and leaves.
func NewTrustStore(certs []*x509.Certificate) *TrustStore {
	t := &TrustStore{roots: x509.NewCertPool(), intermediates: x509.NewCertPool()}
	for _, c := range certs {
		switch {
		case c.IsCA && bytes.Equal(c.RawIssuer, c.RawSubject) && c.CheckSignatureFrom(c) == nil:
			t.roots.AddCert(c)
			t.anchors = append(t.anchors, c)
		case c.IsCA:
			t.intermediates.AddCert(c)
		default:
			t.leaves = append(t.leaves, c)
		}
	}
	return t
}

// LoadTrustStore reads PEM certificates from a file, or from every *.crt,
// *.pem and *.cer file of a directory.
func LoadTrustStore(path string) (*TrustStore, error) {
	certs, err := LoadCertificates(path)
	if err != nil {
		return nil, err
	}
	t := NewTrustStore(certs)
	if len(t.anchors) == 0 {
		return nil, fmt.Errorf("dsig: %s holds no self-signed CA certificate to trust", path)
	}
	return t, nil
}

// LoadCertificates reads every PEM CERTIFICATE block of a file, or of the
// *.crt, *.pem and *.cer files of a directory in name order.
func LoadCertificates(path string) ([]*x509.Certificate, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, err
	}
	files := []string{path}
	if st.IsDir() {
		files = nil
		entries, err := os.ReadDir(path)
		if err != nil {
			return nil, err
		}
		for _, e := range entries {
			switch strings.ToLower(filepath.Ext(e.Name())) {
			case ".crt", ".pem", ".cer":
				if !e.IsDir() {
					files = append(files, filepath.Join(path, e.Name()))
				}
			}
		}
	}
	var certs []*x509.Certificate
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return nil, err
		}
		cs, err := ParseCertificatesPEM(data)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		certs = append(certs, cs...)
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("dsig: no certificate in %s", path)
	}
	return certs, nil
}

// ParseCertificatesPEM returns the certificates of every CERTIFICATE block in
// data; other blocks (keys) are skipped.
func ParseCertificatesPEM(data []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "CERTIFICATE" {
			continue
		}
		c, err := x509.ParseCertificate(b.Bytes)
		if err != nil {
			return nil, err
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// Anchors returns the trust anchors.
func (t *TrustStore) Anchors() []*x509.Certificate { return slices.Clone(t.anchors) }

// Leaves returns the end-entity certificates that were loaded with the store.
func (t *TrustStore) Leaves() []*x509.Certificate { return slices.Clone(t.leaves) }

// Verify checks that cert chains to an anchor at time now, using the store's
// intermediates and extra (certificates that came with the signature). It
// returns the chain, leaf first.
func (t *TrustStore) Verify(cert *x509.Certificate, extra []*x509.Certificate, now time.Time) ([]*x509.Certificate, error) {
	if cert.KeyUsage != 0 && cert.KeyUsage&(x509.KeyUsageDigitalSignature|x509.KeyUsageContentCommitment) == 0 {
		return nil, fmt.Errorf("%w: the certificate's key usage does not permit signatures", ErrCertificate)
	}
	inter := t.intermediates
	if len(extra) > 0 {
		inter = t.intermediates.Clone()
		for _, c := range extra {
			inter.AddCert(c)
		}
	}
	chains, err := cert.Verify(x509.VerifyOptions{
		Roots:         t.roots,
		Intermediates: inter,
		CurrentTime:   now,
		KeyUsages:     []x509.ExtKeyUsage{x509.ExtKeyUsageAny},
	})
	if err != nil {
		var inv x509.CertificateInvalidError
		if errors.As(err, &inv) && inv.Reason == x509.Expired {
			return nil, fmt.Errorf("%w: %s is valid from %s to %s, now is %s", ErrExpired,
				inv.Cert.Subject, inv.Cert.NotBefore.UTC().Format(time.RFC3339), inv.Cert.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrCertificate, cert.Subject, err)
	}
	return chains[0], nil
}

// Fingerprint returns the SHA-256 of a certificate's DER encoding, in
// lower-case hex: the form the registry binds certificates to participants
// with.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return fmt.Sprintf("%x", sum)
}
