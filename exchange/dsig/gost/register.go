package gost

import (
	"crypto"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"

	"mezhved/exchange/cms"
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

	cms.RegisterDigest(OIDDigest, NewHash, false)
	cms.RegisterSignature(cms.SignatureAlgorithm{
		Name: "GOST R 34.10-2012 (256)",
		// The key algorithm, as CryptoPro and OpenSSL write it, and the
		// signature-with-digest identifier.
		OIDs: []asn1.ObjectIdentifier{OIDPublicKey, OIDSignature},
		Pairs: func(_, digest asn1.ObjectIdentifier) bool {
			return digest.Equal(OIDDigest)
		},
		Fits: func(cert *x509.Certificate) bool {
			pub, err := dsig.PublicKey(cert)
			_, ok := pub.(*PublicKey)
			return err == nil && ok
		},
		Verify: func(cert *x509.Certificate, _ asn1.ObjectIdentifier, digest, sig []byte) error {
			pub, err := dsig.PublicKey(cert)
			if err != nil {
				return err
			}
			k, ok := pub.(*PublicKey)
			if !ok {
				return fmt.Errorf("gost: the certificate's %T key is not a GOST key", pub)
			}
			return Verify(k, digest, sig)
		},
		Sign: func(key crypto.Signer, digest []byte) ([]byte, error) {
			return key.Sign(rand.Reader, digest, nil)
		},
		Digest: OIDDigest,
		FitsKey: func(pub crypto.PublicKey) bool {
			_, ok := pub.(*PublicKey)
			return ok
		},
	})

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
