package cms

import (
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha1"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"math/big"
	"sync"
	"testing"
	"time"
)

// testKey is a key with its certificate, issued by a test CA.
type testKey struct {
	key  crypto.Signer
	cert *x509.Certificate
	ca   *x509.Certificate
}

var (
	testKeysMu sync.Mutex
	testKeys   = map[string]*testKey{}
	caKey      crypto.Signer
	caCert     *x509.Certificate
	serialSeq  int64 = 100
)

// testCA is one ECDSA CA shared by all tests: key generation is what makes
// tests slow, and nothing here depends on the CA's key type.
func testCA(t testing.TB) (crypto.Signer, *x509.Certificate) {
	t.Helper()
	testKeysMu.Lock()
	defer testKeysMu.Unlock()
	if caCert != nil {
		return caKey, caCert
	}
	k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "Test CA", Organization: []string{"mezhved test"}},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(24 * time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, k.Public(), k)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	caKey, caCert = k, c
	return caKey, caCert
}

// newTestKey makes a fresh key of kind ("rsa2048", "rsa1024", "p256",
// "p384", "p224") and a leaf certificate for it named cn.
func newTestKey(t testing.TB, kind, cn string) *testKey {
	t.Helper()
	var key crypto.Signer
	var err error
	switch kind {
	case "rsa2048":
		key, err = rsa.GenerateKey(rand.Reader, 2048)
	case "rsa1024":
		key, err = rsa.GenerateKey(rand.Reader, 1024)
	case "p256":
		key, err = ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	case "p384":
		key, err = ecdsa.GenerateKey(elliptic.P384(), rand.Reader)
	case "p224":
		key, err = ecdsa.GenerateKey(elliptic.P224(), rand.Reader)
	default:
		t.Fatalf("unknown key kind %q", kind)
	}
	if err != nil {
		t.Fatal(err)
	}
	return issue(t, key, cn)
}

// issue makes a leaf certificate for key from the test CA.
func issue(t testing.TB, key crypto.Signer, cn string) *testKey {
	t.Helper()
	ck, cc := testCA(t)
	testKeysMu.Lock()
	serialSeq++
	serial := serialSeq
	testKeysMu.Unlock()
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(serial),
		Subject:      pkix.Name{CommonName: cn, Organization: []string{"mezhved test"}},
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(24 * time.Hour),
		KeyUsage:     x509.KeyUsageDigitalSignature | x509.KeyUsageContentCommitment,
		// Leaf certificates get no SubjectKeyId from crypto/x509 unless
		// asked; the subjectKeyIdentifier sid needs one.
		SubjectKeyId: []byte{byte(serial >> 8), byte(serial), 0xc3, 0x5a, 0x01},
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, cc, key.Public(), ck)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{key: key, cert: c, ca: cc}
}

// sharedKey returns a key of kind made once per test binary.
func sharedKey(t testing.TB, kind string) *testKey {
	t.Helper()
	testKeysMu.Lock()
	k := testKeys[kind]
	testKeysMu.Unlock()
	if k != nil {
		return k
	}
	k = newTestKey(t, kind, "Signer "+kind)
	testKeysMu.Lock()
	defer testKeysMu.Unlock()
	if existing := testKeys[kind]; existing != nil {
		return existing
	}
	testKeys[kind] = k
	return k
}

// The builder below makes SignedData with encoding/asn1's struct
// marshaling, independently of SignDetached, so that tests can make what
// SignDetached never would: other digests, no attributes, bad attributes,
// encapsulated content, several signers.

type tAlgID struct {
	Algorithm  asn1.ObjectIdentifier
	Parameters asn1.RawValue `asn1:"optional"`
}

type tAttr struct {
	Type   asn1.ObjectIdentifier
	Values []asn1.RawValue `asn1:"set"`
}

type tIssuerSerial struct {
	Issuer asn1.RawValue
	Serial *big.Int
}

type tSignerInfo struct {
	Version            int
	SID                asn1.RawValue
	DigestAlgorithm    tAlgID
	SignedAttrs        asn1.RawValue `asn1:"optional"`
	SignatureAlgorithm tAlgID
	Signature          []byte
}

type tEncap struct {
	Type    asn1.ObjectIdentifier
	Content asn1.RawValue `asn1:"optional"`
}

type tSignedData struct {
	Version          int
	DigestAlgorithms []tAlgID `asn1:"set"`
	Encap            tEncap
	Certificates     asn1.RawValue `asn1:"optional"`
	SignerInfos      []tSignerInfo `asn1:"set"`
}

type tContentInfo struct {
	Type    asn1.ObjectIdentifier
	Content asn1.RawValue
}

var asn1Null = asn1.RawValue{FullBytes: []byte{0x05, 0x00}}

// spec describes one SignerInfo and, for the first spec, the SignedData
// around it. Zero fields take the usual values.
type spec struct {
	signer    *testKey
	content   []byte
	hash      crypto.Hash           // default SHA-256
	digestOID asn1.ObjectIdentifier // default from hash
	sigOID    asn1.ObjectIdentifier // default rsaEncryption or ecdsa-with-SHA256
	sigNull   bool                  // NULL parameters in signatureAlgorithm
	ski       bool                  // subjectKeyIdentifier sid
	noAttrs   bool
	// attrs, when set, edits the attribute list before it is encoded (in
	// list order, not sorted).
	attrs func([]tAttr) []tAttr
	// sign replaces key.Sign.
	sign func(digest []byte) []byte
	// siVersion overrides SignerInfo.version.
	siVersion int

	// SignedData level, read from the first spec only.
	certs      []*x509.Certificate // default: the signers' certificates
	noCerts    bool
	eContent   []byte
	digestAlgs []asn1.ObjectIdentifier // default: the signers' digests
	sdVersion  int
	others     []spec // more SignerInfos
}

var hashOIDs = map[crypto.Hash]asn1.ObjectIdentifier{
	crypto.SHA1: oidSHA1, crypto.SHA256: oidSHA256, crypto.SHA384: oidSHA384, crypto.SHA512: oidSHA512,
}

func mustAsn1(t testing.TB, v any) []byte {
	t.Helper()
	b, err := asn1.Marshal(v)
	if err != nil {
		t.Fatalf("asn1.Marshal(%T): %v", v, err)
	}
	return b
}

func (s spec) withDefaults() spec {
	if s.hash == 0 {
		s.hash = crypto.SHA256
	}
	if s.digestOID == nil {
		s.digestOID = hashOIDs[s.hash]
	}
	if s.sigOID == nil {
		if _, ok := s.signer.key.Public().(*rsa.PublicKey); ok {
			s.sigOID = oidRSAEncryption
			s.sigNull = true
		} else {
			s.sigOID = oidECDSAWithSHA256
		}
	}
	return s
}

func digestOf(h crypto.Hash, data []byte) []byte {
	if h == crypto.SHA1 {
		d := sha1.Sum(data)
		return d[:]
	}
	w := h.New()
	w.Write(data)
	return w.Sum(nil)
}

func (s spec) signerInfo(t testing.TB) tSignerInfo {
	t.Helper()
	s = s.withDefaults()
	si := tSignerInfo{
		Version:            1,
		DigestAlgorithm:    tAlgID{Algorithm: s.digestOID},
		SignatureAlgorithm: tAlgID{Algorithm: s.sigOID},
	}
	if s.sigNull {
		si.SignatureAlgorithm.Parameters = asn1Null
	}
	if s.ski {
		si.Version = 3
		si.SID = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, Bytes: s.signer.cert.SubjectKeyId}
	} else {
		si.SID = asn1.RawValue{FullBytes: mustAsn1(t, tIssuerSerial{
			Issuer: asn1.RawValue{FullBytes: s.signer.cert.RawIssuer},
			Serial: s.signer.cert.SerialNumber,
		})}
	}
	if s.siVersion != 0 {
		si.Version = s.siVersion
	}
	contentDigest := digestOf(s.hash, s.content)
	toSign := contentDigest
	if !s.noAttrs {
		attrs := []tAttr{
			{Type: oidAttrContentType, Values: []asn1.RawValue{{FullBytes: mustAsn1(t, oidData)}}},
			{Type: oidAttrSigningTime, Values: []asn1.RawValue{{FullBytes: mustAsn1(t, time.Date(2025, 3, 14, 9, 26, 53, 0, time.UTC))}}},
			{Type: oidAttrMessageDigest, Values: []asn1.RawValue{{FullBytes: mustAsn1(t, contentDigest)}}},
		}
		if s.attrs != nil {
			attrs = s.attrs(attrs)
		}
		var inner []byte
		for _, a := range attrs {
			inner = append(inner, mustAsn1(t, a)...)
		}
		set := mustAsn1(t, asn1.RawValue{Class: asn1.ClassUniversal, Tag: asn1.TagSet, IsCompound: true, Bytes: inner})
		toSign = digestOf(s.hash, set)
		si.SignedAttrs = asn1.RawValue{FullBytes: mustAsn1(t, asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: inner})}
	}
	if s.sign != nil {
		si.Signature = s.sign(toSign)
	} else {
		sig, err := s.signer.key.Sign(rand.Reader, toSign, s.hash)
		if err != nil {
			t.Fatal(err)
		}
		si.Signature = sig
	}
	return si
}

// der makes the ContentInfo.
func (s spec) der(t testing.TB) []byte {
	t.Helper()
	all := append([]spec{s}, s.others...)
	sd := tSignedData{Version: 1, Encap: tEncap{Type: oidData}}
	var certs []byte
	for _, o := range all {
		if o.content == nil {
			o.content = s.content
		}
		o = o.withDefaults()
		si := o.signerInfo(t)
		sd.SignerInfos = append(sd.SignerInfos, si)
		if si.Version == 3 {
			sd.Version = 3
		}
		if s.digestAlgs == nil {
			sd.DigestAlgorithms = append(sd.DigestAlgorithms, tAlgID{Algorithm: o.digestOID})
		}
		if s.certs == nil {
			certs = append(certs, o.signer.cert.Raw...)
		}
	}
	for _, d := range s.digestAlgs {
		sd.DigestAlgorithms = append(sd.DigestAlgorithms, tAlgID{Algorithm: d})
	}
	for _, c := range s.certs {
		certs = append(certs, c.Raw...)
	}
	if !s.noCerts {
		sd.Certificates = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: certs}
	}
	if s.eContent != nil {
		sd.Encap.Content = asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustAsn1(t, s.eContent)}
	}
	if s.sdVersion != 0 {
		sd.Version = s.sdVersion
	}
	return mustAsn1(t, tContentInfo{
		Type:    oidSignedData,
		Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustAsn1(t, sd)},
	})
}
