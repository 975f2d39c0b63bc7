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
	inters        []*x509.Certificate
	leaves        []*x509.Certificate
}

// NewTrustStore sorts certs into anchors, intermediates and leaves.
func NewTrustStore(certs []*x509.Certificate) *TrustStore {
	t := &TrustStore{roots: x509.NewCertPool(), intermediates: x509.NewCertPool()}
	for _, c := range certs {
		switch {
		case c.IsCA && bytes.Equal(c.RawIssuer, c.RawSubject) && CheckSignatureFrom(c, c) == nil:
			t.roots.AddCert(c)
			t.anchors = append(t.anchors, c)
		case c.IsCA:
			t.intermediates.AddCert(c)
			t.inters = append(t.inters, c)
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
	if needsProvider(cert) || slices.ContainsFunc(extra, needsProvider) {
		return t.buildChain(cert, extra, now)
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

// hasNameConstraints reports whether a CA certificate constrains the names
// of the certificates below it.
func hasNameConstraints(c *x509.Certificate) bool {
	return c.PermittedDNSDomainsCritical || len(c.PermittedDNSDomains) > 0 || len(c.ExcludedDNSDomains) > 0 ||
		len(c.PermittedIPRanges) > 0 || len(c.ExcludedIPRanges) > 0 || len(c.PermittedEmailAddresses) > 0 ||
		len(c.ExcludedEmailAddresses) > 0 || len(c.PermittedURIDomains) > 0 || len(c.ExcludedURIDomains) > 0
}

// needsProvider reports whether crypto/x509 cannot check a certificate by
// itself: its key or its signature uses an algorithm that a registered
// provider (GOST) handles.
func needsProvider(c *x509.Certificate) bool {
	return c.PublicKey == nil || c.SignatureAlgorithm == x509.UnknownSignatureAlgorithm
}

// maxChainLength bounds path building.
const maxChainLength = 8

// maxSignatureChecks bounds the signatures path building checks, as
// crypto/x509 does (100): certificates that all name one another as issuer
// (one key, many serial numbers, sent with a signature) would otherwise
// have it try every path of up to maxChainLength of them.
const maxSignatureChecks = 100

// buildChain finds a path from leaf to an anchor for chains crypto/x509
// cannot verify, checking what it would: each signature (through
// CheckSignatureFrom), that issuers are CAs allowed to sign certificates,
// path length constraints, unhandled critical extensions and every validity
// period.
func (t *TrustStore) buildChain(leaf *x509.Certificate, extra []*x509.Certificate, now time.Time) ([]*x509.Certificate, error) {
	pool := slices.Concat(t.anchors, t.inters, extra)
	var lastErr error
	checks := 0
	var walk func(chain []*x509.Certificate) []*x509.Certificate
	walk = func(chain []*x509.Certificate) []*x509.Certificate {
		cur := chain[len(chain)-1]
		if slices.ContainsFunc(t.anchors, func(a *x509.Certificate) bool { return bytes.Equal(a.Raw, cur.Raw) }) {
			return chain
		}
		if len(chain) >= maxChainLength {
			return nil
		}
		for _, cand := range pool {
			if !bytes.Equal(cand.RawSubject, cur.RawIssuer) {
				continue
			}
			if len(cur.AuthorityKeyId) > 0 && len(cand.SubjectKeyId) > 0 && !bytes.Equal(cur.AuthorityKeyId, cand.SubjectKeyId) {
				continue
			}
			if slices.ContainsFunc(chain, func(c *x509.Certificate) bool { return bytes.Equal(c.Raw, cand.Raw) }) {
				continue
			}
			if !cand.BasicConstraintsValid || !cand.IsCA {
				lastErr = fmt.Errorf("%s is not a CA", cand.Subject)
				continue
			}
			if (cand.MaxPathLen > 0 || cand.MaxPathLenZero) && len(chain)-1 > cand.MaxPathLen {
				lastErr = fmt.Errorf("%s permits %d intermediate CAs below it", cand.Subject, cand.MaxPathLen)
				continue
			}
			if hasNameConstraints(cand) {
				// Not checked on this path: refused rather than ignored.
				lastErr = fmt.Errorf("%s constrains the names below it, which this path building does not check", cand.Subject)
				continue
			}
			if checks == maxSignatureChecks {
				lastErr = fmt.Errorf("more than %d signatures to check to find a path", maxSignatureChecks)
				return nil
			}
			checks++
			if err := CheckSignatureFrom(cur, cand); err != nil {
				lastErr = fmt.Errorf("%s is not signed by %s: %v", cur.Subject, cand.Subject, err)
				continue
			}
			if c := walk(append(chain, cand)); c != nil {
				return c
			}
		}
		return nil
	}
	chain := walk([]*x509.Certificate{leaf})
	if chain == nil {
		if lastErr == nil {
			lastErr = errors.New("no trusted issuer")
		}
		return nil, fmt.Errorf("%w: %s: %v", ErrCertificate, leaf.Subject, lastErr)
	}
	for _, c := range chain {
		if len(c.UnhandledCriticalExtensions) > 0 {
			return nil, fmt.Errorf("%w: %s has an unhandled critical extension %s", ErrCertificate, c.Subject, c.UnhandledCriticalExtensions[0])
		}
		if now.Before(c.NotBefore) || now.After(c.NotAfter) {
			return nil, fmt.Errorf("%w: %s is valid from %s to %s, now is %s", ErrExpired,
				c.Subject, c.NotBefore.UTC().Format(time.RFC3339), c.NotAfter.UTC().Format(time.RFC3339), now.UTC().Format(time.RFC3339))
		}
	}
	return chain, nil
}

// Certificates returns every certificate of the store: anchors,
// intermediates and leaves.
func (t *TrustStore) Certificates() []*x509.Certificate {
	return slices.Concat(t.anchors, t.inters, t.leaves)
}

// ExpiringWithin returns the certificates of certs whose validity ends
// between now and now+d: the ones an operator must renew soon.
func ExpiringWithin(certs []*x509.Certificate, now time.Time, d time.Duration) []*x509.Certificate {
	var out []*x509.Certificate
	for _, c := range certs {
		if !c.NotAfter.Before(now) && c.NotAfter.Before(now.Add(d)) {
			out = append(out, c)
		}
	}
	return out
}

// Fingerprint returns the SHA-256 of a certificate's DER encoding, in
// lower-case hex: the form the registry binds certificates to participants
// with.
func Fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	return fmt.Sprintf("%x", sum)
}
