package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"encoding/asn1"
	"fmt"
	"hash"
	"slices"
	"sync"
)

// Object identifiers of the content types, attributes and default
// algorithms.
var (
	oidData       = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 1}
	oidSignedData = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 7, 2}

	oidAttrContentType   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 3}
	oidAttrMessageDigest = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 4}
	oidAttrSigningTime   = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 9, 5}

	oidSHA1   = asn1.ObjectIdentifier{1, 3, 14, 3, 2, 26}
	oidSHA256 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 1}
	oidSHA384 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 2}
	oidSHA512 = asn1.ObjectIdentifier{2, 16, 840, 1, 101, 3, 4, 2, 3}

	oidRSAEncryption = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 1}
	oidSHA256WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 11}
	oidSHA384WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 12}
	oidSHA512WithRSA = asn1.ObjectIdentifier{1, 2, 840, 113549, 1, 1, 13}

	oidECPublicKey     = asn1.ObjectIdentifier{1, 2, 840, 10045, 2, 1}
	oidECDSAWithSHA256 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 2}
	oidECDSAWithSHA384 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 3}
	oidECDSAWithSHA512 = asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 3, 4}
)

// oidNames makes error messages readable for the identifiers this package
// knows by itself.
var oidNames = map[string]string{
	oidData.String():              "id-data",
	oidSignedData.String():        "id-signedData",
	oidAttrContentType.String():   "contentType",
	oidAttrMessageDigest.String(): "messageDigest",
	oidAttrSigningTime.String():   "signingTime",
	oidSHA1.String():              "SHA-1",
	oidSHA256.String():            "SHA-256",
	oidSHA384.String():            "SHA-384",
	oidSHA512.String():            "SHA-512",
	oidRSAEncryption.String():     "rsaEncryption",
	oidSHA256WithRSA.String():     "sha256WithRSAEncryption",
	oidSHA384WithRSA.String():     "sha384WithRSAEncryption",
	oidSHA512WithRSA.String():     "sha512WithRSAEncryption",
	oidECPublicKey.String():       "id-ecPublicKey",
	oidECDSAWithSHA256.String():   "ecdsa-with-SHA256",
	oidECDSAWithSHA384.String():   "ecdsa-with-SHA384",
	oidECDSAWithSHA512.String():   "ecdsa-with-SHA512",
}

// describeOID is an OID in dotted form, followed by its name when known.
func describeOID(oid asn1.ObjectIdentifier) string {
	s := oid.String()
	if name, ok := oidNames[s]; ok {
		return s + " (" + name + ")"
	}
	return s
}

// SignatureAlgorithm is one kind of signature a SignerInfo can carry.
// Register it with RegisterSignature.
type SignatureAlgorithm struct {
	// Name is used in error messages, e.g. "RSA PKCS#1 v1.5".
	Name string
	// OIDs this algorithm answers to in SignerInfo.signatureAlgorithm:
	// rsaEncryption and sha256WithRSAEncryption both mean RSA PKCS#1 v1.5.
	// The first one is what SignDetached writes.
	OIDs []asn1.ObjectIdentifier
	// Pairs reports whether signatureOID (one of OIDs) may be used with
	// the digest algorithm digestOID. A key-only OID such as rsaEncryption
	// pairs with every digest Verify supports; an OID that names its digest,
	// such as sha256WithRSAEncryption, only with that digest.
	Pairs func(signatureOID, digestOID asn1.ObjectIdentifier) bool
	// Fits reports whether a signing certificate's key can make and check
	// this kind of signature (key type, size, curve). It gets the whole
	// certificate because some keys (GOST) are not parsed by crypto/x509:
	// PublicKey is nil and RawSubjectPublicKeyInfo holds them.
	Fits func(cert *x509.Certificate) bool
	// Verify checks signature over digest (made with digestOID) with the
	// key of cert, which Fits accepted. It returns an error wrapping
	// ErrSignature when the signature is wrong, ErrAlgorithm when the
	// combination is not supported; an error wrapping neither counts as a
	// wrong signature. It must not panic on any signature bytes.
	Verify func(cert *x509.Certificate, digestOID asn1.ObjectIdentifier, digest, signature []byte) error

	// Sign makes a signature over digest (made with Digest) with key; nil
	// when the algorithm only verifies.
	Sign func(key crypto.Signer, digest []byte) ([]byte, error)
	// Digest is the digest algorithm Sign pairs with.
	Digest asn1.ObjectIdentifier
	// FitsKey reports whether Sign can sign with a key having this public
	// key.
	FitsKey func(pub crypto.PublicKey) bool
	// NullParameters makes SignDetached write NULL parameters in
	// SignerInfo.signatureAlgorithm (RSA, RFC 3370 §3.2) instead of leaving
	// them absent (ECDSA, RFC 5753 §2.1.1).
	NullParameters bool
}

type digestAlgorithm struct {
	oid     asn1.ObjectIdentifier
	newHash func() hash.Hash
	weak    bool
}

// registry holds the algorithms. Registration normally happens in init
// functions, but the lock makes a later registration safe next to running
// verifications too.
var registry = struct {
	sync.RWMutex
	digests    map[string]digestAlgorithm
	signatures []*SignatureAlgorithm // in registration order: SignDetached takes the first that fits
	byOID      map[string]*SignatureAlgorithm
}{
	digests: map[string]digestAlgorithm{},
	byOID:   map[string]*SignatureAlgorithm{},
}

// RegisterDigest makes a digest algorithm usable in SignerInfo.digestAlgorithm.
// A weak one is refused unless Options.AllowWeak is set. It panics when oid
// is not a valid OID, newHash is nil or oid is already registered: these are
// programming errors, found at start-up.
func RegisterDigest(oid asn1.ObjectIdentifier, newHash func() hash.Hash, weak bool) {
	if _, err := asn1.Marshal(oid); err != nil || len(oid) < 2 {
		panic(fmt.Sprintf("cms: RegisterDigest: invalid OID %v", oid))
	}
	if newHash == nil {
		panic("cms: RegisterDigest: nil hash constructor for " + oid.String())
	}
	registry.Lock()
	defer registry.Unlock()
	key := oid.String()
	if _, dup := registry.digests[key]; dup {
		panic("cms: RegisterDigest: " + describeOID(oid) + " is already registered")
	}
	registry.digests[key] = digestAlgorithm{oid: slices.Clone(oid), newHash: newHash, weak: weak}
}

// RegisterSignature makes a signature algorithm usable in
// SignerInfo.signatureAlgorithm and, when it has Sign, by SignDetached. It
// panics when the algorithm lacks OIDs, Pairs, Fits or Verify, when it has
// Sign without Digest and FitsKey, or when one of its OIDs is already
// registered: these are programming errors, found at start-up.
func RegisterSignature(a SignatureAlgorithm) {
	if len(a.OIDs) == 0 || a.Pairs == nil || a.Fits == nil || a.Verify == nil {
		panic("cms: RegisterSignature: " + a.Name + " needs OIDs, Pairs, Fits and Verify")
	}
	if a.Sign != nil && (len(a.Digest) == 0 || a.FitsKey == nil) {
		panic("cms: RegisterSignature: " + a.Name + " has Sign but no Digest or FitsKey")
	}
	a.OIDs = slices.Clone(a.OIDs)
	for i, oid := range a.OIDs {
		if _, err := asn1.Marshal(oid); err != nil || len(oid) < 2 {
			panic(fmt.Sprintf("cms: RegisterSignature: %s: invalid OID %v", a.Name, oid))
		}
		a.OIDs[i] = slices.Clone(oid)
	}
	if a.Sign != nil {
		if _, err := asn1.Marshal(a.Digest); err != nil || len(a.Digest) < 2 {
			panic(fmt.Sprintf("cms: RegisterSignature: %s: invalid Digest OID %v", a.Name, a.Digest))
		}
	}
	a.Digest = slices.Clone(a.Digest)
	registry.Lock()
	defer registry.Unlock()
	for _, oid := range a.OIDs {
		if other, dup := registry.byOID[oid.String()]; dup {
			panic("cms: RegisterSignature: " + describeOID(oid) + " of " + a.Name + " is already registered by " + other.Name)
		}
	}
	alg := &a
	registry.signatures = append(registry.signatures, alg)
	for _, oid := range a.OIDs {
		registry.byOID[oid.String()] = alg
	}
}

func lookupDigest(oid asn1.ObjectIdentifier) (digestAlgorithm, bool) {
	registry.RLock()
	defer registry.RUnlock()
	d, ok := registry.digests[oid.String()]
	return d, ok
}

func lookupSignature(oid asn1.ObjectIdentifier) (*SignatureAlgorithm, bool) {
	registry.RLock()
	defer registry.RUnlock()
	a, ok := registry.byOID[oid.String()]
	return a, ok
}

func signatureAlgorithms() []*SignatureAlgorithm {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Clone(registry.signatures)
}

// RSA keys are accepted from 2048 bits (shorter ones are breakable or
// close to it) up to 16384 bits (beyond that a key only serves to make the
// verifier work).
const (
	minRSABits = 2048
	maxRSABits = 16384
)

// shaHashes maps the SHA digests to what crypto/rsa needs to build the
// PKCS#1 v1.5 DigestInfo.
var shaHashes = map[string]crypto.Hash{
	oidSHA1.String():   crypto.SHA1,
	oidSHA256.String(): crypto.SHA256,
	oidSHA384.String(): crypto.SHA384,
	oidSHA512.String(): crypto.SHA512,
}

// pairsWith builds a Pairs function from a table: each signature OID to the
// digests it may be used with.
func pairsWith(table map[string][]asn1.ObjectIdentifier) func(sig, digest asn1.ObjectIdentifier) bool {
	return func(sig, digest asn1.ObjectIdentifier) bool {
		return slices.ContainsFunc(table[sig.String()], digest.Equal)
	}
}

var anySHA = []asn1.ObjectIdentifier{oidSHA1, oidSHA256, oidSHA384, oidSHA512}

func rsaKeyFits(pub crypto.PublicKey) bool {
	k, ok := pub.(*rsa.PublicKey)
	return ok && k.N != nil && k.N.BitLen() >= minRSABits && k.N.BitLen() <= maxRSABits
}

func ecdsaKeyFits(pub crypto.PublicKey) bool {
	k, ok := pub.(*ecdsa.PublicKey)
	if !ok {
		return false
	}
	// P-224 is left out: 112-bit security is below what the other
	// algorithms give.
	switch k.Curve {
	case elliptic.P256(), elliptic.P384(), elliptic.P521():
		return true
	}
	return false
}

var rsaPKCS1v15 = SignatureAlgorithm{
	Name: "RSA PKCS#1 v1.5",
	// rsaEncryption first: it is what OpenSSL and most CMS producers write
	// (RFC 3370 §3.2).
	OIDs: []asn1.ObjectIdentifier{oidRSAEncryption, oidSHA256WithRSA, oidSHA384WithRSA, oidSHA512WithRSA},
	Pairs: pairsWith(map[string][]asn1.ObjectIdentifier{
		oidRSAEncryption.String(): anySHA,
		oidSHA256WithRSA.String(): {oidSHA256},
		oidSHA384WithRSA.String(): {oidSHA384},
		oidSHA512WithRSA.String(): {oidSHA512},
	}),
	Fits: func(cert *x509.Certificate) bool { return rsaKeyFits(cert.PublicKey) },
	Verify: func(cert *x509.Certificate, digestOID asn1.ObjectIdentifier, digest, signature []byte) error {
		h, ok := shaHashes[digestOID.String()]
		if !ok {
			return algorithmError("RSA PKCS#1 v1.5 cannot use digest %s", describeOID(digestOID))
		}
		pub, ok := cert.PublicKey.(*rsa.PublicKey)
		if !ok {
			return algorithmError("RSA PKCS#1 v1.5 needs an RSA key, the certificate has %s", describeKey(cert))
		}
		if err := rsa.VerifyPKCS1v15(pub, h, digest, signature); err != nil {
			return signatureError("RSA PKCS#1 v1.5 signature value is wrong: %v", err)
		}
		return nil
	},
	Digest:         oidSHA256,
	NullParameters: true,
	FitsKey:        rsaKeyFits,
	Sign: func(key crypto.Signer, digest []byte) ([]byte, error) {
		return key.Sign(rand.Reader, digest, crypto.SHA256)
	},
}

var ecdsaAlgorithm = SignatureAlgorithm{
	Name: "ECDSA",
	OIDs: []asn1.ObjectIdentifier{oidECDSAWithSHA256, oidECDSAWithSHA384, oidECDSAWithSHA512, oidECPublicKey},
	Pairs: pairsWith(map[string][]asn1.ObjectIdentifier{
		oidECPublicKey.String():     anySHA,
		oidECDSAWithSHA256.String(): {oidSHA256},
		oidECDSAWithSHA384.String(): {oidSHA384},
		oidECDSAWithSHA512.String(): {oidSHA512},
	}),
	Fits: func(cert *x509.Certificate) bool { return ecdsaKeyFits(cert.PublicKey) },
	Verify: func(cert *x509.Certificate, digestOID asn1.ObjectIdentifier, digest, signature []byte) error {
		// CMS carries ECDSA-Sig-Value as DER (RFC 5753 §2.1.1), unlike
		// XMLDSig's fixed-width r||s.
		pub, ok := cert.PublicKey.(*ecdsa.PublicKey)
		if !ok {
			return algorithmError("ECDSA needs an ECDSA key, the certificate has %s", describeKey(cert))
		}
		if !ecdsa.VerifyASN1(pub, digest, signature) {
			return signatureError("ECDSA signature value is wrong")
		}
		return nil
	},
	Digest:  oidSHA256,
	FitsKey: ecdsaKeyFits,
	Sign: func(key crypto.Signer, digest []byte) ([]byte, error) {
		// crypto.Signer implementations of ECDSA return ASN.1 DER, which
		// is what CMS wants.
		return key.Sign(rand.Reader, digest, crypto.SHA256)
	},
}

func init() {
	RegisterDigest(oidSHA256, sha256.New, false)
	RegisterDigest(oidSHA384, sha512.New384, false)
	RegisterDigest(oidSHA512, sha512.New, false)
	RegisterDigest(oidSHA1, sha1.New, true)
	RegisterSignature(rsaPKCS1v15)
	RegisterSignature(ecdsaAlgorithm)
}
