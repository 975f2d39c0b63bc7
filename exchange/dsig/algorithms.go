package dsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"hash"
	"math/big"
	"slices"
	"sync"
)

// Namespace and algorithm identifiers of XMLDSig.
const (
	Namespace = "http://www.w3.org/2000/09/xmldsig#"

	C14NExclusive             = "http://www.w3.org/2001/10/xml-exc-c14n#"
	C14NExclusiveWithComments = "http://www.w3.org/2001/10/xml-exc-c14n#WithComments"

	DigestSHA256 = "http://www.w3.org/2001/04/xmlenc#sha256"
	DigestSHA1   = "http://www.w3.org/2000/09/xmldsig#sha1"

	SignatureRSASHA256   = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	SignatureECDSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#ecdsa-sha256"
	SignatureRSASHA1     = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
)

// SignatureMethod is one XMLDSig signature algorithm. The standard ones are
// built in; a provider package (GOST, under its build tag) registers more
// with RegisterSignatureMethod.
type SignatureMethod struct {
	// Digest is the DigestMethod a signer using this method writes in its
	// references (the verifier accepts any permitted one).
	Digest string
	// NewHash hashes the canonical SignedInfo before Sign and Verify.
	NewHash func() hash.Hash
	// Fits reports whether a public key can be used with the method.
	Fits func(pub crypto.PublicKey) bool
	// Verify checks a SignatureValue over a SignedInfo digest.
	Verify func(pub crypto.PublicKey, digest, sig []byte) error
	// Sign makes a SignatureValue; nil for a method that only verifies.
	Sign func(key crypto.Signer, digest []byte) ([]byte, error)
	// Weak methods (SHA-1) are refused unless the verifier allows them.
	Weak bool
}

type digestMethod struct {
	newHash func() hash.Hash
	weak    bool
}

// registry holds the algorithms. Providers register from init functions;
// the lock makes a late registration safe too.
var registry = struct {
	sync.RWMutex
	methods    map[string]SignatureMethod
	digests    map[string]digestMethod
	publicKeys map[string]func(spki []byte) (crypto.PublicKey, error) // by algorithm OID
	certSigs   map[string]func(pub crypto.PublicKey, signed, sig []byte) error
	order      []string // signature methods in registration order, for SignatureMethodFor
}{
	methods:    map[string]SignatureMethod{},
	digests:    map[string]digestMethod{},
	publicKeys: map[string]func([]byte) (crypto.PublicKey, error){},
	certSigs:   map[string]func(crypto.PublicKey, []byte, []byte) error{},
}

// RegisterSignatureMethod makes a signature method known under its URI.
func RegisterSignatureMethod(uri string, m SignatureMethod) {
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.methods[uri]; !ok {
		registry.order = append(registry.order, uri)
	}
	registry.methods[uri] = m
}

// RegisterDigestMethod makes a DigestMethod known under its URI. A weak one
// is refused unless the verifier allows weak algorithms.
func RegisterDigestMethod(uri string, newHash func() hash.Hash, weak bool) {
	registry.Lock()
	defer registry.Unlock()
	registry.digests[uri] = digestMethod{newHash: newHash, weak: weak}
}

// RegisterPublicKey teaches PublicKey to read a subjectPublicKeyInfo whose
// algorithm the standard library does not know (crypto/x509 leaves
// Certificate.PublicKey nil for them).
func RegisterPublicKey(algorithm asn1.ObjectIdentifier, parse func(spki []byte) (crypto.PublicKey, error)) {
	registry.Lock()
	defer registry.Unlock()
	registry.publicKeys[algorithm.String()] = parse
}

// RegisterCertificateSignature teaches CheckSignatureFrom a certificate (and
// CRL) signature algorithm the standard library does not know: verify checks
// sig over the DER of the signed part with the issuer's key.
func RegisterCertificateSignature(algorithm asn1.ObjectIdentifier, verify func(pub crypto.PublicKey, signed, sig []byte) error) {
	registry.Lock()
	defer registry.Unlock()
	registry.certSigs[algorithm.String()] = verify
}

func lookupMethod(uri string) (SignatureMethod, bool) {
	registry.RLock()
	defer registry.RUnlock()
	m, ok := registry.methods[uri]
	return m, ok
}

func lookupDigest(uri string) (digestMethod, bool) {
	registry.RLock()
	defer registry.RUnlock()
	d, ok := registry.digests[uri]
	return d, ok
}

// SignatureMethods returns the URIs of every known signature method.
func SignatureMethods() []string {
	registry.RLock()
	defer registry.RUnlock()
	return slices.Clone(registry.order)
}

// SignatureMethodFor picks the signature method for a public key: the first
// registered non-weak method that fits it.
func SignatureMethodFor(pub crypto.PublicKey) (string, error) {
	registry.RLock()
	defer registry.RUnlock()
	for _, uri := range registry.order {
		if m := registry.methods[uri]; !m.Weak && m.Sign != nil && m.Fits(pub) {
			return uri, nil
		}
	}
	return "", fmt.Errorf("%w: no signature method for a %T key (ECDSA P-256, RSA of 2048 bits or more, or a provider's)", ErrAlgorithm, pub)
}

// PublicKey returns a certificate's public key: the one crypto/x509 parsed,
// or one a registered provider reads from the subjectPublicKeyInfo.
func PublicKey(cert *x509.Certificate) (crypto.PublicKey, error) {
	if cert.PublicKey != nil {
		return cert.PublicKey, nil
	}
	key := string(cert.RawSubjectPublicKeyInfo)
	keyCache.Lock()
	pub, ok := keyCache.m[key]
	keyCache.Unlock()
	if ok {
		return pub, nil
	}
	var spki struct {
		Algorithm struct {
			OID    asn1.ObjectIdentifier
			Params asn1.RawValue `asn1:"optional"`
		}
		Key asn1.BitString
	}
	if rest, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err != nil || len(rest) > 0 {
		return nil, fmt.Errorf("%w: %s: unreadable subjectPublicKeyInfo", ErrCertificate, cert.Subject)
	}
	registry.RLock()
	parse := registry.publicKeys[spki.Algorithm.OID.String()]
	registry.RUnlock()
	if parse == nil {
		return nil, fmt.Errorf("%w: %s: public key algorithm %s is not supported (is the provider built in?)", ErrAlgorithm, cert.Subject, spki.Algorithm.OID)
	}
	pub, err := parse(cert.RawSubjectPublicKeyInfo)
	if err != nil {
		return nil, fmt.Errorf("%w: %s: %v", ErrCertificate, cert.Subject, err)
	}
	keyCache.Lock()
	if keyCache.m == nil || len(keyCache.m) >= certCacheSize {
		keyCache.m = map[string]crypto.PublicKey{}
	}
	keyCache.m[key] = pub
	keyCache.Unlock()
	return pub, nil
}

// keyCache remembers the public keys providers read, by SPKI bytes.
var keyCache struct {
	sync.Mutex
	m map[string]crypto.PublicKey
}

// signedObject is the outer shape shared by certificates and CRLs.
type signedObject struct {
	Signed    asn1.RawValue
	Algorithm struct {
		OID    asn1.ObjectIdentifier
		Params asn1.RawValue `asn1:"optional"`
	}
	Signature asn1.BitString
}

// CheckSignatureFrom checks that parent signed child: with crypto/x509 for
// the standard algorithms, with a registered provider otherwise.
func CheckSignatureFrom(child, parent *x509.Certificate) error {
	if child.SignatureAlgorithm != x509.UnknownSignatureAlgorithm && parent.PublicKey != nil {
		return child.CheckSignatureFrom(parent)
	}
	if parent.BasicConstraintsValid && !parent.IsCA {
		return fmt.Errorf("%s is not a CA", parent.Subject)
	}
	if parent.KeyUsage != 0 && parent.KeyUsage&x509.KeyUsageCertSign == 0 {
		return fmt.Errorf("%s may not sign certificates", parent.Subject)
	}
	return checkSignedObject(child.Raw, parent)
}

// CheckCRLSignature checks that issuer signed a CRL.
func CheckCRLSignature(crl *x509.RevocationList, issuer *x509.Certificate) error {
	if crl.SignatureAlgorithm != x509.UnknownSignatureAlgorithm && issuer.PublicKey != nil {
		return crl.CheckSignatureFrom(issuer)
	}
	if issuer.KeyUsage != 0 && issuer.KeyUsage&x509.KeyUsageCRLSign == 0 {
		return fmt.Errorf("%s may not sign CRLs", issuer.Subject)
	}
	return checkSignedObject(crl.Raw, issuer)
}

func checkSignedObject(der []byte, issuer *x509.Certificate) error {
	var o signedObject
	if rest, err := asn1.Unmarshal(der, &o); err != nil || len(rest) > 0 {
		return errors.New("unreadable signed structure")
	}
	registry.RLock()
	verify := registry.certSigs[o.Algorithm.OID.String()]
	registry.RUnlock()
	if verify == nil {
		return fmt.Errorf("signature algorithm %s is not supported (is the provider built in?)", o.Algorithm.OID)
	}
	pub, err := PublicKey(issuer)
	if err != nil {
		return err
	}
	if o.Signature.BitLength%8 != 0 {
		return errors.New("the signature is not a whole number of bytes")
	}
	return verify(pub, o.Signed.FullBytes, o.Signature.Bytes)
}

func init() {
	RegisterDigestMethod(DigestSHA256, sha256.New, false)
	RegisterDigestMethod(DigestSHA1, sha1.New, true)
	RegisterSignatureMethod(SignatureECDSASHA256, SignatureMethod{
		Digest: DigestSHA256, NewHash: sha256.New,
		Fits: func(pub crypto.PublicKey) bool {
			k, ok := pub.(*ecdsa.PublicKey)
			return ok && k.Curve == elliptic.P256()
		},
		Verify: verifyECDSA,
		Sign:   signECDSA,
	})
	RegisterSignatureMethod(SignatureRSASHA256, SignatureMethod{
		Digest: DigestSHA256, NewHash: sha256.New,
		Fits: fitsRSA,
		Verify: func(pub crypto.PublicKey, digest, sig []byte) error {
			return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, digest, sig)
		},
		Sign: func(key crypto.Signer, digest []byte) ([]byte, error) {
			return key.Sign(rand.Reader, digest, crypto.SHA256)
		},
	})
	RegisterSignatureMethod(SignatureRSASHA1, SignatureMethod{
		Digest: DigestSHA1, NewHash: sha1.New, Weak: true,
		Fits: fitsRSA,
		Verify: func(pub crypto.PublicKey, digest, sig []byte) error {
			return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA1, digest, sig)
		},
	})
}

func fitsRSA(pub crypto.PublicKey) bool {
	k, ok := pub.(*rsa.PublicKey)
	return ok && k.N.BitLen() >= 2048
}

// verifyECDSA checks an XMLDSig ECDSA value: r and s side by side, each as
// long as the curve's order (RFC 4050, XMLDSig 1.1 §6.4.3), not DER.
func verifyECDSA(pub crypto.PublicKey, digest, sig []byte) error {
	k := pub.(*ecdsa.PublicKey)
	n := (k.Curve.Params().BitSize + 7) / 8
	if len(sig) != 2*n {
		return fmt.Errorf("ECDSA signature value is %d bytes, want %d", len(sig), 2*n)
	}
	r := new(big.Int).SetBytes(sig[:n])
	s := new(big.Int).SetBytes(sig[n:])
	if !ecdsa.Verify(k, digest, r, s) {
		return errors.New("ECDSA verification failed")
	}
	return nil
}

// signECDSA makes an XMLDSig ECDSA value. A key held elsewhere (a token, an
// HSM) answers in DER, which is rewritten as r and s side by side.
func signECDSA(key crypto.Signer, digest []byte) ([]byte, error) {
	var r, s *big.Int
	if k, ok := key.(*ecdsa.PrivateKey); ok {
		var err error
		if r, s, err = ecdsa.Sign(rand.Reader, k, digest); err != nil {
			return nil, err
		}
	} else {
		der, err := key.Sign(rand.Reader, digest, crypto.SHA256)
		if err != nil {
			return nil, err
		}
		var rs struct{ R, S *big.Int }
		if rest, err := asn1.Unmarshal(der, &rs); err != nil || len(rest) > 0 {
			return nil, errors.New("the key's ECDSA signature is not DER")
		}
		r, s = rs.R, rs.S
	}
	n := (key.Public().(*ecdsa.PublicKey).Curve.Params().BitSize + 7) / 8
	if r.Sign() <= 0 || s.Sign() <= 0 || r.BitLen() > 8*n || s.BitLen() > 8*n {
		return nil, errors.New("the key's ECDSA signature is out of range")
	}
	out := make([]byte, 2*n)
	r.FillBytes(out[:n])
	s.FillBytes(out[n:])
	return out, nil
}
