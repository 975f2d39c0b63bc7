package gost

import (
	"crypto"
	"crypto/x509/pkix"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"

	"go.cypherpunks.ru/gogost/v5/gost3410"
)

// Object identifiers (RFC 9215, TC26).
var (
	// OIDPublicKey is id-tc26-gost3410-12-256, the key algorithm.
	OIDPublicKey = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 1, 1}
	// OIDDigest is id-tc26-gost3411-12-256, Streebog-256.
	OIDDigest = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 2, 2}
	// OIDSignature is id-tc26-signwithdigest-gost3410-12-256, the signature
	// algorithm of certificates and CRLs.
	OIDSignature = asn1.ObjectIdentifier{1, 2, 643, 7, 1, 1, 3, 2}
)

// paramSet is one 256-bit curve parameter set.
type paramSet struct {
	oid  asn1.ObjectIdentifier
	name string
	// cryptoPro sets carry the digest OID in a key's parameters.
	cryptoPro bool
	q         *big.Int
	curve     *gost3410.Curve
	arith     arithmetic
}

var paramSets []*paramSet

// defaultSet is CryptoPro A.
var defaultSet *paramSet

func init() {
	for _, s := range []struct {
		oid       asn1.ObjectIdentifier
		name      string
		cryptoPro bool
		curve     func() *gost3410.Curve
	}{
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 1}, "CryptoPro-A", true, gost3410.CurveIdGostR34102001CryptoProAParamSet},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 2}, "CryptoPro-B", true, gost3410.CurveIdGostR34102001CryptoProBParamSet},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 35, 3}, "CryptoPro-C", true, gost3410.CurveIdGostR34102001CryptoProCParamSet},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 0}, "CryptoPro-XchA", true, gost3410.CurveIdGostR34102001CryptoProXchAParamSet},
		{asn1.ObjectIdentifier{1, 2, 643, 2, 2, 36, 1}, "CryptoPro-XchB", true, gost3410.CurveIdGostR34102001CryptoProXchBParamSet},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 1}, "TC26-256-A", false, gost3410.CurveIdtc26gost34102012256paramSetA},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 2}, "TC26-256-B", false, gost3410.CurveIdtc26gost34102012256paramSetB},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 3}, "TC26-256-C", false, gost3410.CurveIdtc26gost34102012256paramSetC},
		{asn1.ObjectIdentifier{1, 2, 643, 7, 1, 2, 1, 1, 4}, "TC26-256-D", false, gost3410.CurveIdtc26gost34102012256paramSetD},
	} {
		c := s.curve()
		ps := &paramSet{oid: s.oid, name: s.name, cryptoPro: s.cryptoPro, q: c.Q, curve: c}
		ps.arith = newArithmetic(c)
		paramSets = append(paramSets, ps)
	}
	defaultSet = paramSets[0]
}

func paramSetByOID(oid asn1.ObjectIdentifier) (*paramSet, error) {
	for _, s := range paramSets {
		if s.oid.Equal(oid) {
			return s, nil
		}
	}
	return nil, fmt.Errorf("gost: parameter set %s is not a supported 256-bit set", oid)
}

// keyParameters is GostR3410-2012-PublicKeyParameters.
type keyParameters struct {
	PublicKeyParamSet asn1.ObjectIdentifier
	DigestParamSet    asn1.ObjectIdentifier `asn1:"optional"`
}

func (s *paramSet) algorithm() (pkix.AlgorithmIdentifier, error) {
	kp := keyParameters{PublicKeyParamSet: s.oid}
	if s.cryptoPro {
		kp.DigestParamSet = OIDDigest
	}
	der, err := asn1.Marshal(kp)
	if err != nil {
		return pkix.AlgorithmIdentifier{}, err
	}
	return pkix.AlgorithmIdentifier{Algorithm: OIDPublicKey, Parameters: asn1.RawValue{FullBytes: der}}, nil
}

// readAlgorithm checks a key AlgorithmIdentifier and returns its set.
func readAlgorithm(a pkix.AlgorithmIdentifier) (*paramSet, error) {
	if !a.Algorithm.Equal(OIDPublicKey) {
		return nil, fmt.Errorf("gost: key algorithm %s is not GOST R 34.10-2012 (256)", a.Algorithm)
	}
	var kp keyParameters
	if rest, err := asn1.Unmarshal(a.Parameters.FullBytes, &kp); err != nil || len(rest) > 0 {
		return nil, errors.New("gost: unreadable key parameters")
	}
	if len(kp.DigestParamSet) > 0 && !kp.DigestParamSet.Equal(OIDDigest) {
		return nil, fmt.Errorf("gost: key digest parameters %s are not Streebog-256", kp.DigestParamSet)
	}
	return paramSetByOID(kp.PublicKeyParamSet)
}

type subjectPublicKeyInfo struct {
	Algorithm pkix.AlgorithmIdentifier
	Key       asn1.BitString
}

// MarshalPublicKey returns the DER subjectPublicKeyInfo of a key.
func MarshalPublicKey(k *PublicKey) ([]byte, error) {
	alg, err := k.set.algorithm()
	if err != nil {
		return nil, err
	}
	point, err := asn1.Marshal(k.raw())
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(subjectPublicKeyInfo{Algorithm: alg, Key: asn1.BitString{Bytes: point, BitLength: 8 * len(point)}})
}

// ParsePublicKey reads a DER subjectPublicKeyInfo and checks that the point
// is on the curve.
func ParsePublicKey(der []byte) (*PublicKey, error) {
	var spki subjectPublicKeyInfo
	if rest, err := asn1.Unmarshal(der, &spki); err != nil || len(rest) > 0 {
		return nil, errors.New("gost: unreadable subjectPublicKeyInfo")
	}
	set, err := readAlgorithm(spki.Algorithm)
	if err != nil {
		return nil, err
	}
	var point []byte
	if rest, err := asn1.Unmarshal(spki.Key.RightAlign(), &point); err != nil || len(rest) > 0 {
		return nil, errors.New("gost: the public key is not an OCTET STRING")
	}
	if len(point) != Size {
		return nil, fmt.Errorf("gost: the public key is %d bytes, want %d", len(point), Size)
	}
	le := append([]byte(nil), point...)
	reverse(le[:Size/2])
	reverse(le[Size/2:])
	x, y := new(big.Int).SetBytes(le[:Size/2]), new(big.Int).SetBytes(le[Size/2:])
	if x.Cmp(set.curve.P) >= 0 || y.Cmp(set.curve.P) >= 0 || !set.curve.Contains(x, y) {
		return nil, errors.New("gost: the public key is not a point of its curve")
	}
	if f, ok := set.arith.(fastArithmetic); ok && !f.inSubgroup(x, y) {
		return nil, errors.New("gost: the public key is not in the curve's prime-order subgroup")
	}
	return &PublicKey{set: set, X: x, Y: y}, nil
}

type pkcs8 struct {
	Version    int
	Algorithm  pkix.AlgorithmIdentifier
	PrivateKey []byte
}

// MarshalPrivateKey returns the PKCS #8 DER form of a key: the private value
// as a little-endian OCTET STRING (RFC 9215 §4.3).
func MarshalPrivateKey(k *PrivateKey) ([]byte, error) {
	alg, err := k.set.algorithm()
	if err != nil {
		return nil, err
	}
	raw := k.d.FillBytes(make([]byte, Size/2))
	reverse(raw)
	inner, err := asn1.Marshal(raw)
	if err != nil {
		return nil, err
	}
	return asn1.Marshal(pkcs8{Algorithm: alg, PrivateKey: inner})
}

// ParsePrivateKey reads a PKCS #8 GOST key. The private value may be a
// little-endian OCTET STRING, a bare little-endian value, or an INTEGER, as
// different tools write it.
func ParsePrivateKey(der []byte) (*PrivateKey, error) {
	var p pkcs8
	if rest, err := asn1.Unmarshal(der, &p); err != nil || len(rest) > 0 {
		return nil, errors.New("gost: unreadable PKCS #8 key")
	}
	set, err := readAlgorithm(p.Algorithm)
	if err != nil {
		return nil, err
	}
	var d *big.Int
	var octets []byte
	var integer *big.Int
	switch {
	case len(p.PrivateKey) == Size/2:
		le := append([]byte(nil), p.PrivateKey...)
		reverse(le)
		d = new(big.Int).SetBytes(le)
	case unmarshalAll(p.PrivateKey, &octets) == nil && len(octets) == Size/2:
		le := append([]byte(nil), octets...)
		reverse(le)
		d = new(big.Int).SetBytes(le)
	case unmarshalAll(p.PrivateKey, &integer) == nil:
		d = integer
	default:
		return nil, errors.New("gost: unreadable private value")
	}
	return newPrivateKey(set, d)
}

func unmarshalAll(der []byte, v any) error {
	rest, err := asn1.Unmarshal(der, v)
	if err == nil && len(rest) > 0 {
		err = errors.New("trailing data")
	}
	return err
}

// signTBS signs the DER of a certificate's or CRL's signed part.
func signTBS(key crypto.Signer, tbs []byte) ([]byte, error) {
	k, ok := key.(*PrivateKey)
	if !ok {
		return nil, fmt.Errorf("gost: a %T is not a GOST key", key)
	}
	h := NewHash()
	h.Write(tbs)
	return k.Sign(nil, h.Sum(nil), nil)
}

// verifyTBS checks a certificate's or CRL's signature.
func verifyTBS(pub crypto.PublicKey, tbs, sig []byte) error {
	k, ok := pub.(*PublicKey)
	if !ok {
		return fmt.Errorf("the issuer's %T key cannot check a GOST signature", pub)
	}
	h := NewHash()
	h.Write(tbs)
	return Verify(k, h.Sum(nil), sig)
}
