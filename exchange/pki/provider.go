package pki

import (
	"crypto"
	"crypto/rand"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"sort"
	"sync"
	"time"
)

// Provider supplies a key algorithm the standard library does not know
// (GOST R 34.10-2012, registered by its package under a build tag). The
// package builds the certificates and CRLs itself and asks the provider only
// for keys and signatures.
type Provider struct {
	// GenerateKey makes a new private key.
	GenerateKey func() (crypto.Signer, error)
	// MarshalPublicKey returns the DER subjectPublicKeyInfo of a public key.
	MarshalPublicKey func(pub crypto.PublicKey) ([]byte, error)
	// SignatureAlgorithm is what certificates and CRLs signed by the
	// provider's keys name as their signature algorithm.
	SignatureAlgorithm pkix.AlgorithmIdentifier
	// Sign hashes tbs as the signature algorithm says and signs it, returning
	// the signature as the certificate's BIT STRING holds it.
	Sign func(priv crypto.Signer, tbs []byte) ([]byte, error)
	// MarshalPrivateKey returns the PKCS #8 DER form of a key;
	// ParsePrivateKey reads one (it is tried for PKCS #8 keys the standard
	// library cannot read).
	MarshalPrivateKey func(priv crypto.Signer) ([]byte, error)
	ParsePrivateKey   func(der []byte) (crypto.Signer, error)
	// Owns reports whether a key (private or public) is the provider's.
	Owns func(key any) bool
}

var providers = struct {
	sync.RWMutex
	m map[Algorithm]Provider
}{m: map[Algorithm]Provider{}}

// Register makes a provider's algorithm available to Generate, key parsing
// and certificate issuing.
func Register(alg Algorithm, p Provider) {
	providers.Lock()
	defer providers.Unlock()
	providers.m[alg] = p
}

func provider(alg Algorithm) (Provider, bool) {
	providers.RLock()
	defer providers.RUnlock()
	p, ok := providers.m[alg]
	return p, ok
}

// providerOf returns the provider that owns key, if any.
func providerOf(key any) (Provider, bool) {
	providers.RLock()
	defer providers.RUnlock()
	for _, p := range providers.m {
		if p.Owns(key) {
			return p, true
		}
	}
	return Provider{}, false
}

// Algorithms returns the algorithms this build can generate keys for.
func Algorithms() []Algorithm {
	out := []Algorithm{ECDSA, RSA}
	providers.RLock()
	defer providers.RUnlock()
	var extra []Algorithm
	for a := range providers.m {
		extra = append(extra, a)
	}
	sort.Slice(extra, func(i, j int) bool { return extra[i] < extra[j] })
	return append(out, extra...)
}

// CreateCertificate issues a certificate like x509.CreateCertificate, for
// standard keys and for a provider's: the public key, the issuer's key or
// both may be the provider's. It supports what the hub's PKI uses: subject,
// validity, key usage, extended key usage, basic constraints and key
// identifiers.
func CreateCertificate(tmpl, parent *x509.Certificate, pub crypto.PublicKey, parentKey crypto.Signer) ([]byte, error) {
	pubP, pubOwned := providerOf(pub)
	signP, signOwned := providerOf(parentKey.Public())
	if !pubOwned && !signOwned {
		return x509.CreateCertificate(rand.Reader, tmpl, parent, pub, parentKey)
	}
	if !signOwned {
		return nil, errors.New("pki: a provider's key can only be certified by a CA of the same provider")
	}
	var spki []byte
	var err error
	if pubOwned {
		spki, err = pubP.MarshalPublicKey(pub)
	} else {
		spki, err = x509.MarshalPKIXPublicKey(pub)
	}
	if err != nil {
		return nil, err
	}
	issuerKey := spki
	if parent != tmpl {
		issuerKey = parent.RawSubjectPublicKeyInfo
	}
	subject, err := asn1.Marshal(tmpl.Subject.ToRDNSequence())
	if err != nil {
		return nil, err
	}
	issuer := subject
	if parent != tmpl {
		issuer = parent.RawSubject
	}
	exts, err := extensions(tmpl, spki, issuerKey)
	if err != nil {
		return nil, err
	}
	tbs := tbsCertificate{
		Version:            2,
		SerialNumber:       tmpl.SerialNumber,
		SignatureAlgorithm: signP.SignatureAlgorithm,
		Issuer:             asn1.RawValue{FullBytes: issuer},
		Validity:           validity{tmpl.NotBefore.UTC(), tmpl.NotAfter.UTC()},
		Subject:            asn1.RawValue{FullBytes: subject},
		PublicKey:          asn1.RawValue{FullBytes: spki},
		Extensions:         exts,
	}
	return signTBS(signP, parentKey, tbs)
}

// CreateCRL issues a revocation list like x509.CreateRevocationList, for
// standard and provider CA keys.
func CreateCRL(tmpl *x509.RevocationList, issuer *x509.Certificate, key crypto.Signer) ([]byte, error) {
	p, owned := providerOf(key.Public())
	if !owned {
		return x509.CreateRevocationList(rand.Reader, tmpl, issuer, key)
	}
	type revoked struct {
		Serial     *big.Int
		Time       time.Time
		Extensions []pkix.Extension `asn1:"optional"`
	}
	type tbsCRL struct {
		Version    int
		Algorithm  pkix.AlgorithmIdentifier
		Issuer     asn1.RawValue
		ThisUpdate time.Time
		NextUpdate time.Time
		Revoked    []revoked        `asn1:"optional,omitempty"`
		Extensions []pkix.Extension `asn1:"optional,explicit,tag:0"`
	}
	t := tbsCRL{Version: 1, Algorithm: p.SignatureAlgorithm, Issuer: asn1.RawValue{FullBytes: issuer.RawSubject},
		ThisUpdate: tmpl.ThisUpdate.UTC(), NextUpdate: tmpl.NextUpdate.UTC()}
	for _, e := range tmpl.RevokedCertificateEntries {
		r := revoked{Serial: e.SerialNumber, Time: e.RevocationTime.UTC()}
		if e.ReasonCode != 0 {
			v, err := asn1.Marshal(asn1.Enumerated(e.ReasonCode))
			if err != nil {
				return nil, err
			}
			r.Extensions = []pkix.Extension{{Id: oidReasonCode, Value: v}}
		}
		t.Revoked = append(t.Revoked, r)
	}
	number := tmpl.Number
	if number == nil {
		number = big.NewInt(1)
	}
	num, err := asn1.Marshal(number)
	if err != nil {
		return nil, err
	}
	aki, err := asn1.Marshal(authorityKeyID{ID: issuer.SubjectKeyId})
	if err != nil {
		return nil, err
	}
	t.Extensions = []pkix.Extension{{Id: oidAuthorityKeyID, Value: aki}, {Id: oidCRLNumber, Value: num}}
	der, err := asn1.Marshal(t)
	if err != nil {
		return nil, err
	}
	return signDER(p, key, der)
}

type tbsCertificate struct {
	Version            int `asn1:"explicit,tag:0"`
	SerialNumber       *big.Int
	SignatureAlgorithm pkix.AlgorithmIdentifier
	Issuer             asn1.RawValue
	Validity           validity
	Subject            asn1.RawValue
	PublicKey          asn1.RawValue
	Extensions         []pkix.Extension `asn1:"optional,explicit,tag:3"`
}

type validity struct {
	NotBefore, NotAfter time.Time
}

type authorityKeyID struct {
	ID []byte `asn1:"optional,tag:0"`
}

var (
	oidSubjectKeyID     = asn1.ObjectIdentifier{2, 5, 29, 14}
	oidKeyUsage         = asn1.ObjectIdentifier{2, 5, 29, 15}
	oidBasicConstraints = asn1.ObjectIdentifier{2, 5, 29, 19}
	oidCRLNumber        = asn1.ObjectIdentifier{2, 5, 29, 20}
	oidReasonCode       = asn1.ObjectIdentifier{2, 5, 29, 21}
	oidAuthorityKeyID   = asn1.ObjectIdentifier{2, 5, 29, 35}
	oidExtKeyUsage      = asn1.ObjectIdentifier{2, 5, 29, 37}
)

var extKeyUsageOIDs = map[x509.ExtKeyUsage]asn1.ObjectIdentifier{
	x509.ExtKeyUsageServerAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 1},
	x509.ExtKeyUsageClientAuth:      {1, 3, 6, 1, 5, 5, 7, 3, 2},
	x509.ExtKeyUsageCodeSigning:     {1, 3, 6, 1, 5, 5, 7, 3, 3},
	x509.ExtKeyUsageEmailProtection: {1, 3, 6, 1, 5, 5, 7, 3, 4},
	x509.ExtKeyUsageTimeStamping:    {1, 3, 6, 1, 5, 5, 7, 3, 8},
}

// extensions encodes the template's extensions the way crypto/x509 does.
func extensions(tmpl *x509.Certificate, spki, issuerSPKI []byte) ([]pkix.Extension, error) {
	var out []pkix.Extension
	add := func(id asn1.ObjectIdentifier, critical bool, v any) error {
		der, err := asn1.Marshal(v)
		if err != nil {
			return err
		}
		out = append(out, pkix.Extension{Id: id, Critical: critical, Value: der})
		return nil
	}
	if tmpl.KeyUsage != 0 {
		var bits asn1.BitString
		for i := 0; i < 9; i++ {
			if tmpl.KeyUsage&(1<<i) != 0 {
				bits.BitLength = i + 1
			}
		}
		bits.Bytes = make([]byte, (bits.BitLength+7)/8)
		for i := 0; i < bits.BitLength; i++ {
			if tmpl.KeyUsage&(1<<i) != 0 {
				bits.Bytes[i/8] |= 0x80 >> (i % 8)
			}
		}
		if err := add(oidKeyUsage, true, bits); err != nil {
			return nil, err
		}
	}
	if len(tmpl.ExtKeyUsage) > 0 {
		var oids []asn1.ObjectIdentifier
		for _, u := range tmpl.ExtKeyUsage {
			oid, ok := extKeyUsageOIDs[u]
			if !ok {
				return nil, fmt.Errorf("pki: extended key usage %d is not supported for provider keys", u)
			}
			oids = append(oids, oid)
		}
		if err := add(oidExtKeyUsage, false, oids); err != nil {
			return nil, err
		}
	}
	if tmpl.BasicConstraintsValid {
		type basicConstraints struct {
			IsCA       bool `asn1:"optional"`
			MaxPathLen int  `asn1:"optional,default:-1"`
		}
		bc := basicConstraints{IsCA: tmpl.IsCA, MaxPathLen: -1}
		if tmpl.IsCA && (tmpl.MaxPathLen > 0 || tmpl.MaxPathLenZero) {
			bc.MaxPathLen = tmpl.MaxPathLen
		}
		if err := add(oidBasicConstraints, true, bc); err != nil {
			return nil, err
		}
	}
	ski := keyID(spki)
	if len(tmpl.SubjectKeyId) > 0 {
		ski = tmpl.SubjectKeyId
	}
	if err := add(oidSubjectKeyID, false, ski); err != nil {
		return nil, err
	}
	if err := add(oidAuthorityKeyID, false, authorityKeyID{ID: keyID(issuerSPKI)}); err != nil {
		return nil, err
	}
	if len(tmpl.DNSNames) > 0 || len(tmpl.IPAddresses) > 0 || len(tmpl.EmailAddresses) > 0 || len(tmpl.URIs) > 0 {
		return nil, errors.New("pki: subject alternative names are not supported for provider keys")
	}
	return out, nil
}

// keyID is the subject key identifier of RFC 5280 §4.2.1.2 method 1: the
// SHA-1 of the subjectPublicKey bits (an identifier, not a security measure).
func keyID(spki []byte) []byte {
	var info struct {
		Algorithm asn1.RawValue
		Key       asn1.BitString
	}
	if _, err := asn1.Unmarshal(spki, &info); err != nil {
		sum := sha1.Sum(spki)
		return sum[:]
	}
	sum := sha1.Sum(info.Key.Bytes)
	return sum[:]
}

func signTBS(p Provider, key crypto.Signer, tbs tbsCertificate) ([]byte, error) {
	der, err := asn1.Marshal(tbs)
	if err != nil {
		return nil, err
	}
	return signDER(p, key, der)
}

// signDER wraps a DER to-be-signed structure with its signature.
func signDER(p Provider, key crypto.Signer, tbs []byte) ([]byte, error) {
	sig, err := p.Sign(key, tbs)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(struct {
		TBS       asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, p.SignatureAlgorithm, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
}

// marshalPrivateKey writes any supported key as PKCS #8.
func marshalPrivateKey(key crypto.Signer) ([]byte, error) {
	if p, ok := providerOf(key); ok {
		return p.MarshalPrivateKey(key)
	}
	return x509.MarshalPKCS8PrivateKey(key)
}

// parsePKCS8 reads a PKCS #8 key with the standard library or a provider.
func parsePKCS8(der []byte) (any, error) {
	k, err := x509.ParsePKCS8PrivateKey(der)
	if err == nil {
		return k, nil
	}
	providers.RLock()
	ps := make([]Provider, 0, len(providers.m))
	for _, p := range providers.m {
		ps = append(ps, p)
	}
	providers.RUnlock()
	for _, p := range ps {
		if k, perr := p.ParsePrivateKey(der); perr == nil {
			return k, nil
		}
	}
	return nil, err
}

// isStandard reports whether alg is one the standard library handles.
func isStandard(alg Algorithm) bool { return slices.Contains([]Algorithm{ECDSA, RSA}, alg) }
