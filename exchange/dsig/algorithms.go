package dsig

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"errors"
	"fmt"
	"hash"
	"math/big"
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

// digestAlgorithms maps a DigestMethod to its hash. SHA-1 is deliberately
// absent: it is refused.
var digestAlgorithms = map[string]func() hash.Hash{
	DigestSHA256: sha256.New,
}

// signatureAlgorithm verifies and makes one kind of signature value.
type signatureAlgorithm struct {
	hash   crypto.Hash
	newH   func() hash.Hash
	verify func(pub crypto.PublicKey, digest, sig []byte) error
	sign   func(key crypto.Signer, digest []byte) ([]byte, error)
	// fits reports whether a public key can be used with the algorithm.
	fits func(pub crypto.PublicKey) bool
}

var signatureAlgorithms = map[string]signatureAlgorithm{
	SignatureRSASHA256: {
		hash: crypto.SHA256, newH: sha256.New,
		fits: func(pub crypto.PublicKey) bool {
			k, ok := pub.(*rsa.PublicKey)
			return ok && k.N.BitLen() >= 2048
		},
		verify: func(pub crypto.PublicKey, digest, sig []byte) error {
			return rsa.VerifyPKCS1v15(pub.(*rsa.PublicKey), crypto.SHA256, digest, sig)
		},
		sign: func(key crypto.Signer, digest []byte) ([]byte, error) {
			return key.Sign(rand.Reader, digest, crypto.SHA256)
		},
	},
	SignatureECDSASHA256: {
		hash: crypto.SHA256, newH: sha256.New,
		fits: func(pub crypto.PublicKey) bool {
			k, ok := pub.(*ecdsa.PublicKey)
			return ok && k.Curve == elliptic.P256()
		},
		verify: func(pub crypto.PublicKey, digest, sig []byte) error {
			// XMLDSig writes r and s side by side, each as long as the
			// curve's order (RFC 4050, XMLDSig 1.1 §6.4.3), not as DER.
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
		},
		sign: func(key crypto.Signer, digest []byte) ([]byte, error) {
			k, ok := key.(*ecdsa.PrivateKey)
			if !ok {
				return nil, errors.New("not an ECDSA private key")
			}
			r, s, err := ecdsa.Sign(rand.Reader, k, digest)
			if err != nil {
				return nil, err
			}
			n := (k.Curve.Params().BitSize + 7) / 8
			out := make([]byte, 2*n)
			r.FillBytes(out[:n])
			s.FillBytes(out[n:])
			return out, nil
		},
	},
}

// signatureMethodFor picks the signature algorithm for a public key.
func signatureMethodFor(pub crypto.PublicKey) (string, error) {
	for _, uri := range []string{SignatureECDSASHA256, SignatureRSASHA256} {
		if signatureAlgorithms[uri].fits(pub) {
			return uri, nil
		}
	}
	return "", fmt.Errorf("%w: key type %T (want ECDSA P-256 or RSA of 2048 bits or more)", ErrAlgorithm, pub)
}
