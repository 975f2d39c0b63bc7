package dsig

import (
	"bytes"
	"context"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"fmt"
	"hash/fnv"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"time"
)

// CRLSet holds the certificate revocation lists found in a directory, each
// verified against the trust store (its issuer must be an anchor or an
// intermediate there). Reload re-reads the directory when its contents
// changed, so that an operator drops a new CRL in and the hub applies it
// without a restart. A CRLSet is safe for concurrent use.
type CRLSet struct {
	dir   string
	trust *TrustStore

	mu      sync.RWMutex
	revoked map[string]revocation // by issuer subject DER + serial
	lists   []CRLInfo
	stamp   uint64 // of the directory listing the lists came from
}

type revocation struct {
	at     time.Time
	reason int
}

// CRLInfo describes one loaded list.
type CRLInfo struct {
	File       string
	Issuer     string
	Number     string
	ThisUpdate time.Time
	NextUpdate time.Time
	Revoked    int
}

// LoadCRLs reads every *.crl, *.pem and *.der file of dir (PEM "X509 CRL"
// blocks or DER). Each list must be signed by a CA certificate of trust; a
// list that cannot be read or verified is an error, so that a hub never
// starts with a revocation silently missing.
func LoadCRLs(dir string, trust *TrustStore) (*CRLSet, error) {
	s := &CRLSet{dir: dir, trust: trust}
	if _, err := s.Reload(); err != nil {
		return nil, err
	}
	return s, nil
}

// Reload re-reads the directory if any file in it was added, removed or
// changed since the last load, and reports whether it did. On an error the
// lists already loaded stay in force: a broken file never lifts a
// revocation.
func (s *CRLSet) Reload() (bool, error) {
	files, stamp, err := s.listing()
	if err != nil {
		return false, err
	}
	s.mu.RLock()
	same := s.lists != nil && stamp == s.stamp
	s.mu.RUnlock()
	if same {
		return false, nil
	}
	revoked := map[string]revocation{}
	lists := []CRLInfo{}
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			return false, err
		}
		crls, err := parseCRLs(data)
		if err != nil {
			return false, fmt.Errorf("%s: %w", f, err)
		}
		for _, crl := range crls {
			issuer, err := s.issuerOf(crl)
			if err != nil {
				return false, fmt.Errorf("%s: %w", f, err)
			}
			info := CRLInfo{File: filepath.Base(f), Issuer: issuer.Subject.String(), ThisUpdate: crl.ThisUpdate, NextUpdate: crl.NextUpdate,
				Revoked: len(crl.RevokedCertificateEntries)}
			if crl.Number != nil {
				info.Number = crl.Number.String()
			}
			for _, e := range crl.RevokedCertificateEntries {
				revoked[revocationKey(crl.RawIssuer, e.SerialNumber.Bytes())] = revocation{at: e.RevocationTime, reason: e.ReasonCode}
			}
			lists = append(lists, info)
		}
	}
	s.mu.Lock()
	s.revoked, s.lists, s.stamp = revoked, lists, stamp
	s.mu.Unlock()
	return true, nil
}

// Watch reloads the directory every interval until ctx ends, reporting each
// reload (or failure) to report, which may be nil.
func (s *CRLSet) Watch(ctx context.Context, interval time.Duration, report func(changed bool, err error)) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			changed, err := s.Reload()
			if report != nil && (changed || err != nil) {
				report(changed, err)
			}
		}
	}
}

// Lists describes the lists in force.
func (s *CRLSet) Lists() []CRLInfo {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return slices.Clone(s.lists)
}

// CheckChain implements RevocationChecker: every certificate of chain but
// the anchor is looked up in the lists of its issuer.
func (s *CRLSet) CheckChain(chain []*x509.Certificate, now time.Time) error {
	s.mu.RLock()
	defer s.mu.RUnlock()
	if len(s.revoked) == 0 {
		return nil
	}
	for _, c := range chain[:max(len(chain)-1, 1)] {
		r, ok := s.revoked[revocationKey(c.RawIssuer, c.SerialNumber.Bytes())]
		if ok && !r.at.After(now) {
			return fmt.Errorf("%w: %s (serial %x) was revoked on %s%s", ErrRevoked, c.Subject, c.SerialNumber,
				r.at.UTC().Format(time.RFC3339), reasonText(r.reason))
		}
	}
	return nil
}

func revocationKey(issuer, serial []byte) string {
	return string(issuer) + "\x00" + string(serial)
}

// issuerOf finds the trusted CA that signed a list and checks the signature.
func (s *CRLSet) issuerOf(crl *x509.RevocationList) (*x509.Certificate, error) {
	var lastErr error
	for _, c := range slices.Concat(s.trust.anchors, s.trust.inters) {
		if !bytes.Equal(c.RawSubject, crl.RawIssuer) {
			continue
		}
		if len(crl.AuthorityKeyId) > 0 && len(c.SubjectKeyId) > 0 && !bytes.Equal(crl.AuthorityKeyId, c.SubjectKeyId) {
			continue
		}
		if lastErr = CheckCRLSignature(crl, c); lastErr == nil {
			return c, nil
		}
	}
	if lastErr != nil {
		return nil, fmt.Errorf("the CRL's signature does not verify: %v", lastErr)
	}
	return nil, errors.New("the CRL's issuer is not a CA of the trust store")
}

// listing returns the CRL files of the directory in name order and a stamp
// of their names, sizes and modification times.
func (s *CRLSet) listing() ([]string, uint64, error) {
	entries, err := os.ReadDir(s.dir)
	if err != nil {
		return nil, 0, err
	}
	h := fnv.New64a()
	var files []string
	for _, e := range entries {
		switch strings.ToLower(filepath.Ext(e.Name())) {
		case ".crl", ".pem", ".der":
		default:
			continue
		}
		info, err := e.Info()
		if err != nil || info.IsDir() {
			continue
		}
		files = append(files, filepath.Join(s.dir, e.Name()))
		fmt.Fprintf(h, "%s\x00%d\x00%d\n", e.Name(), info.Size(), info.ModTime().UnixNano())
	}
	return files, h.Sum64(), nil
}

// parseCRLs reads PEM "X509 CRL" blocks, or one DER list.
func parseCRLs(data []byte) ([]*x509.RevocationList, error) {
	if !bytes.Contains(data, []byte("-----BEGIN")) {
		crl, err := x509.ParseRevocationList(data)
		if err != nil {
			return nil, err
		}
		return []*x509.RevocationList{crl}, nil
	}
	var out []*x509.RevocationList
	for {
		var b *pem.Block
		b, data = pem.Decode(data)
		if b == nil {
			break
		}
		if b.Type != "X509 CRL" {
			continue
		}
		crl, err := x509.ParseRevocationList(b.Bytes)
		if err != nil {
			return nil, err
		}
		out = append(out, crl)
	}
	if len(out) == 0 {
		return nil, errors.New("no X509 CRL block")
	}
	return out, nil
}

// reasonText names an RFC 5280 revocation reason.
func reasonText(code int) string {
	names := map[int]string{1: "key compromise", 2: "CA compromise", 3: "affiliation changed", 4: "superseded",
		5: "cessation of operation", 6: "certificate hold", 9: "privilege withdrawn", 10: "AA compromise"}
	if n, ok := names[code]; ok {
		return " (" + n + ")"
	}
	return ""
}
