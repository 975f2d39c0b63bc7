package gost

import (
	"crypto"
	"crypto/rand"
	"crypto/x509/pkix"
	"fmt"

	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
)

func init() {
	dsig.RegisterDigestMethod(DigestMethod, NewHash, false)
	dsig.RegisterSignatureMethod(SignatureMethod, dsig.SignatureMethod{
		Digest:  DigestMethod,
		NewHash: NewHash,
		Fits: func(pub crypto.PublicKey) bool {
			_, ok := pub.(*PublicKey)
			return ok
		},
		Verify: func(pub crypto.PublicKey, digest, sig []byte) error {
			return Verify(pub.(*PublicKey), digest, sig)
		},
		Sign: func(key crypto.Signer, digest []byte) ([]byte, error) {
			return key.Sign(rand.Reader, digest, nil)
		},
	})
	dsig.RegisterPublicKey(OIDPublicKey, func(spki []byte) (crypto.PublicKey, error) {
		return ParsePublicKey(spki)
	})
	dsig.RegisterCertificateSignature(OIDSignature, verifyTBS)
	// Some CAs name the key algorithm as the signature algorithm.
	dsig.RegisterCertificateSignature(OIDPublicKey, verifyTBS)

	pki.Register(pki.GOST, pki.Provider{
		GenerateKey: func() (crypto.Signer, error) { return GenerateKey(rand.Reader) },
		MarshalPublicKey: func(pub crypto.PublicKey) ([]byte, error) {
			k, ok := pub.(*PublicKey)
			if !ok {
				return nil, fmt.Errorf("gost: a %T is not a GOST key", pub)
			}
			return MarshalPublicKey(k)
		},
		SignatureAlgorithm: pkix.AlgorithmIdentifier{Algorithm: OIDSignature},
		Sign:               signTBS,
		MarshalPrivateKey: func(priv crypto.Signer) ([]byte, error) {
			k, ok := priv.(*PrivateKey)
			if !ok {
				return nil, fmt.Errorf("gost: a %T is not a GOST key", priv)
			}
			return MarshalPrivateKey(k)
		},
		ParsePrivateKey: func(der []byte) (crypto.Signer, error) { return ParsePrivateKey(der) },
		Owns: func(key any) bool {
			switch key.(type) {
			case *PublicKey, *PrivateKey:
				return true
			}
			return false
		},
	})
}
