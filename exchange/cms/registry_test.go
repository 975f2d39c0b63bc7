package cms

import (
	"crypto"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/sha512"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"hash"
	"io"
	"math/big"
	"strings"
	"testing"
	"time"
)

// A made-up algorithm stands in for GOST R 34.10-2012 with Streebog: its
// keys are unknown to crypto/x509 (PublicKey stays nil), its digest is
// registered with RegisterDigest, it answers to a key OID and a
// signature-with-digest OID, like the GOST ones do. The "signature" is an
// HMAC keyed with the public key: worthless as cryptography, enough to
// tell whether VerifyDetached goes through the registered functions.
var (
	fakeKeyOID    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 7, 1}
	fakeSigOID    = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 7, 2}
	fakeDigestOID = asn1.ObjectIdentifier{1, 3, 6, 1, 4, 1, 99999, 7, 3}
)

type fakePublicKey []byte

type fakeKey struct{ pub fakePublicKey }

func (k *fakeKey) Public() crypto.PublicKey { return k.pub }

func (k *fakeKey) Sign(_ io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	return fakeMAC(k.pub, digest), nil
}

func fakeMAC(key, digest []byte) []byte {
	m := hmac.New(sha256.New, key)
	m.Write(digest)
	return m.Sum(nil)
}

// fakePublicKeyOf reads the key out of RawSubjectPublicKeyInfo, as a GOST
// provider does.
func fakePublicKeyOf(cert *x509.Certificate) (fakePublicKey, bool) {
	var spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	rest, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki)
	if err != nil || len(rest) != 0 || !spki.Algorithm.Algorithm.Equal(fakeKeyOID) {
		return nil, false
	}
	return spki.Key.Bytes, true
}

var fakeCalls struct{ verify, sign int }

func init() {
	RegisterDigest(fakeDigestOID, func() hash.Hash { return sha512.New512_256() }, false)
	RegisterSignature(SignatureAlgorithm{
		Name: "fake",
		OIDs: []asn1.ObjectIdentifier{fakeSigOID, fakeKeyOID},
		Pairs: func(sig, digest asn1.ObjectIdentifier) bool {
			return digest.Equal(fakeDigestOID)
		},
		Fits: func(cert *x509.Certificate) bool {
			_, ok := fakePublicKeyOf(cert)
			return ok
		},
		Verify: func(cert *x509.Certificate, digestOID asn1.ObjectIdentifier, digest, signature []byte) error {
			fakeCalls.verify++
			pub, _ := fakePublicKeyOf(cert)
			if !hmac.Equal(fakeMAC(pub, digest), signature) {
				return errors.New("fake signature mismatch")
			}
			return nil
		},
		Digest: fakeDigestOID,
		Sign: func(key crypto.Signer, digest []byte) ([]byte, error) {
			fakeCalls.sign++
			return key.Sign(rand.Reader, digest, nil)
		},
		FitsKey: func(pub crypto.PublicKey) bool {
			_, ok := pub.(fakePublicKey)
			return ok
		},
	})
}

// fakeCertificate makes a certificate for a fake key by hand, since
// crypto/x509 cannot issue one for a key type it does not know.
func fakeCertificate(t *testing.T, pub fakePublicKey) *x509.Certificate {
	t.Helper()
	ck, cc := testCA(t)
	type validity struct{ NotBefore, NotAfter time.Time }
	type spki struct {
		Algorithm pkix.AlgorithmIdentifier
		Key       asn1.BitString
	}
	type tbsCertificate struct {
		Version   int `asn1:"explicit,tag:0"`
		Serial    *big.Int
		Signature pkix.AlgorithmIdentifier
		Issuer    asn1.RawValue
		Validity  validity
		Subject   pkix.RDNSequence
		SPKI      spki
	}
	ecdsaSHA256 := pkix.AlgorithmIdentifier{Algorithm: oidECDSAWithSHA256}
	now := time.Now().UTC().Truncate(time.Second)
	tbs := mustAsn1(t, tbsCertificate{
		Version:   2,
		Serial:    big.NewInt(7777),
		Signature: ecdsaSHA256,
		Issuer:    asn1.RawValue{FullBytes: cc.RawSubject},
		Validity:  validity{now.Add(-time.Hour), now.Add(time.Hour)},
		Subject:   pkix.Name{CommonName: "Fake-key signer"}.ToRDNSequence(),
		SPKI: spki{
			Algorithm: pkix.AlgorithmIdentifier{Algorithm: fakeKeyOID, Parameters: asn1.NullRawValue},
			Key:       asn1.BitString{Bytes: pub, BitLength: 8 * len(pub)},
		},
	})
	d := sha256.Sum256(tbs)
	sig, err := ck.Sign(rand.Reader, d[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	der := mustAsn1(t, struct {
		TBS       asn1.RawValue
		Algorithm pkix.AlgorithmIdentifier
		Signature asn1.BitString
	}{asn1.RawValue{FullBytes: tbs}, ecdsaSHA256, asn1.BitString{Bytes: sig, BitLength: 8 * len(sig)}})
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	if c.PublicKey != nil {
		t.Fatalf("crypto/x509 parsed the fake key as %T", c.PublicKey)
	}
	if err := c.CheckSignatureFrom(cc); err != nil {
		t.Fatalf("fake certificate does not chain to the test CA: %v", err)
	}
	return c
}

func TestRegisteredAlgorithm(t *testing.T) {
	pub := make(fakePublicKey, 32)
	rand.Read(pub)
	key := &fakeKey{pub: pub}
	cert := fakeCertificate(t, pub)
	_, ca := testCA(t)

	before := fakeCalls
	der, err := SignDetached(attachment, key, []*x509.Certificate{cert, ca}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	if fakeCalls.sign != before.sign+1 {
		t.Fatal("SignDetached did not use the registered Sign")
	}
	got, err := VerifyDetached(der, attachment, nil)
	if err != nil {
		t.Fatal(err)
	}
	if fakeCalls.verify < before.verify+2 {
		t.Fatal("SignDetached and VerifyDetached did not both use the registered Verify")
	}
	if !got.Signer.Equal(cert) || !got.SignatureOID.Equal(fakeSigOID) || !got.DigestOID.Equal(fakeDigestOID) {
		t.Fatalf("got signer %s, signature %v, digest %v", got.Signer.Subject, got.SignatureOID, got.DigestOID)
	}

	// A Verify that fails without a sentinel is a wrong signature.
	_, err = VerifyDetached(der, attachment[1:], nil)
	if !errors.Is(err, ErrSignature) {
		t.Fatalf("tampered content: %v, want ErrSignature", err)
	}
	wrongKey := spec{signer: &testKey{key: key, cert: cert}, content: attachment, digestOID: fakeDigestOID, sigOID: fakeKeyOID,
		sign: func(d []byte) []byte { return fakeMAC([]byte("another key"), d) }}
	wrongKey.hash = crypto.SHA512_256
	_, err = VerifyDetached(wrongKey.der(t), attachment, nil)
	if !errors.Is(err, ErrSignature) || !strings.Contains(err.Error(), "fake signature mismatch") {
		t.Fatalf("wrong signature: %v, want ErrSignature saying what Verify said", err)
	}

	// The key OID works as well as the signature OID, with the registered
	// digest only.
	viaKeyOID := wrongKey
	viaKeyOID.sign = func(d []byte) []byte { return fakeMAC(pub, d) }
	if _, err := VerifyDetached(viaKeyOID.der(t), attachment, nil); err != nil {
		t.Fatalf("key OID: %v", err)
	}
	withSHA256 := viaKeyOID
	withSHA256.hash, withSHA256.digestOID = crypto.SHA256, oidSHA256
	if _, err := VerifyDetached(withSHA256.der(t), attachment, nil); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("fake algorithm with SHA-256: %v, want ErrAlgorithm", err)
	}

	// An RSA certificate does not fit the fake algorithm.
	rsaKey := sharedKey(t, "rsa2048")
	mismatch := spec{signer: rsaKey, content: attachment, digestOID: fakeDigestOID, hash: crypto.SHA512_256, sigOID: fakeSigOID,
		sign: func(d []byte) []byte { return []byte{1} }}
	if _, err := VerifyDetached(mismatch.der(t), attachment, nil); !errors.Is(err, ErrAlgorithm) {
		t.Fatalf("RSA certificate with the fake algorithm: %v, want ErrAlgorithm", err)
	}
}

func TestRegisterRefusesDuplicates(t *testing.T) {
	mustPanic := func(name string, f func()) {
		t.Helper()
		defer func() {
			if recover() == nil {
				t.Errorf("%s: no panic", name)
			}
		}()
		f()
	}
	mustPanic("digest registered twice", func() { RegisterDigest(oidSHA256, sha256.New, false) })
	mustPanic("signature OID registered twice", func() {
		RegisterSignature(SignatureAlgorithm{
			Name:   "impostor",
			OIDs:   []asn1.ObjectIdentifier{oidRSAEncryption},
			Pairs:  func(_, _ asn1.ObjectIdentifier) bool { return true },
			Fits:   func(*x509.Certificate) bool { return true },
			Verify: func(*x509.Certificate, asn1.ObjectIdentifier, []byte, []byte) error { return nil },
		})
	})
	mustPanic("no Verify", func() {
		RegisterSignature(SignatureAlgorithm{Name: "incomplete", OIDs: []asn1.ObjectIdentifier{{1, 2, 3, 9}}})
	})
	mustPanic("invalid OID", func() { RegisterDigest(asn1.ObjectIdentifier{7}, sha256.New, false) })
}
