package cms

import (
	"bytes"
	"crypto"
	"crypto/sha256"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"math/big"
	"strings"
	"testing"
	"time"
)

var attachment = []byte("%PDF-1.7\nИсполнительный документ № 2-1234/2025\n\x00\x01\x02binary tail\xff")

func TestRoundTrip(t *testing.T) {
	signingTime := time.Date(2025, 11, 3, 12, 30, 15, 0, time.UTC)
	for _, kind := range []string{"rsa2048", "p256", "p384"} {
		t.Run(kind, func(t *testing.T) {
			k := sharedKey(t, kind)
			der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert, k.ca}, signingTime)
			if err != nil {
				t.Fatal(err)
			}
			got, err := VerifyDetached(der, attachment, nil)
			if err != nil {
				t.Fatal(err)
			}
			if !got.Signer.Equal(k.cert) {
				t.Errorf("Signer is %s, want %s", got.Signer.Subject, k.cert.Subject)
			}
			if len(got.Certificates) != 2 {
				t.Errorf("%d certificates, want the signer's and the CA's", len(got.Certificates))
			}
			if !got.SigningTime.Equal(signingTime) {
				t.Errorf("SigningTime %v, want %v", got.SigningTime, signingTime)
			}
			if !got.DigestOID.Equal(oidSHA256) {
				t.Errorf("DigestOID %v", got.DigestOID)
			}
			wantSig := oidECDSAWithSHA256
			if kind == "rsa2048" {
				wantSig = oidRSAEncryption
			}
			if !got.SignatureOID.Equal(wantSig) {
				t.Errorf("SignatureOID %v, want %v", got.SignatureOID, wantSig)
			}
			if len(got.Signers) != 1 || got.Signers[0].Certificate != got.Signer {
				t.Errorf("Signers %+v", got.Signers)
			}
		})
	}
}

func TestSignDetachedEncoding(t *testing.T) {
	k := sharedKey(t, "p256")
	t.Run("GeneralizedTime after 2049", func(t *testing.T) {
		when := time.Date(2051, 1, 2, 3, 4, 5, 0, time.FixedZone("MSK", 3*3600))
		der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert}, when)
		if err != nil {
			t.Fatal(err)
		}
		// GeneralizedTime "20510102000405Z": the time in UTC.
		if !bytes.Contains(der, append([]byte{asn1.TagGeneralizedTime, 15}, "20510102000405Z"...)) {
			t.Error("signingTime is not GeneralizedTime in UTC")
		}
		got, err := VerifyDetached(der, attachment, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !got.SigningTime.Equal(when) {
			t.Errorf("SigningTime %v, want %v", got.SigningTime, when)
		}
	})
	t.Run("no signing time", func(t *testing.T) {
		der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert}, time.Time{})
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyDetached(der, attachment, nil)
		if err != nil {
			t.Fatal(err)
		}
		if !got.SigningTime.IsZero() {
			t.Errorf("SigningTime %v, want zero", got.SigningTime)
		}
	})
	t.Run("duplicate certificates written once", func(t *testing.T) {
		der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert, k.ca, k.cert}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		got, err := VerifyDetached(der, attachment, nil)
		if err != nil {
			t.Fatal(err)
		}
		if len(got.Certificates) != 2 {
			t.Errorf("%d certificates, want 2", len(got.Certificates))
		}
	})
}

func TestSignDetachedRefuses(t *testing.T) {
	p256 := sharedKey(t, "p256")
	rsaKey := sharedKey(t, "rsa2048")
	weak := sharedKey(t, "rsa1024")
	for _, tc := range []struct {
		name  string
		key   crypto.Signer
		certs []*x509.Certificate
		want  error
		msg   string
	}{
		{"no certificate", p256.key, nil, nil, "must come first"},
		{"key of another certificate", p256.key, []*x509.Certificate{rsaKey.cert}, nil, "does not belong"},
		{"RSA-1024", weak.key, []*x509.Certificate{weak.cert}, ErrAlgorithm, "RSA-1024"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := SignDetached(attachment, tc.key, tc.certs, time.Now())
			if err == nil {
				t.Fatal("signed")
			}
			if tc.want != nil && !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// flip returns a copy of b with the byte at i inverted.
func flip(b []byte, i int) []byte {
	c := bytes.Clone(b)
	c[i] ^= 0xff
	return c
}

func TestVerifyDetached(t *testing.T) {
	rsaKey := sharedKey(t, "rsa2048")
	p256 := sharedKey(t, "p256")
	other := sharedKey(t, "p384")
	weakRSA := sharedKey(t, "rsa1024")
	p224 := sharedKey(t, "p224")
	signed := func(k *testKey) []byte {
		der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert, k.ca}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return der
	}
	rsaDER, ecDER := signed(rsaKey), signed(p256)
	contentDigest := sha256.Sum256(attachment)
	tamperedDigest := func(der []byte) []byte {
		i := bytes.Index(der, contentDigest[:])
		if i < 0 {
			t.Fatal("messageDigest not found in the signature")
		}
		return flip(der, i+5)
	}
	dropAttr := func(oid asn1.ObjectIdentifier) func([]tAttr) []tAttr {
		return func(attrs []tAttr) []tAttr {
			var out []tAttr
			for _, a := range attrs {
				if !a.Type.Equal(oid) {
					out = append(out, a)
				}
			}
			return out
		}
	}
	repeatAttr := func(oid asn1.ObjectIdentifier) func([]tAttr) []tAttr {
		return func(attrs []tAttr) []tAttr {
			for _, a := range attrs {
				if a.Type.Equal(oid) {
					return append(attrs, a)
				}
			}
			return attrs
		}
	}
	setAttr := func(oid asn1.ObjectIdentifier, values ...asn1.RawValue) func([]tAttr) []tAttr {
		return func(attrs []tAttr) []tAttr {
			for i := range attrs {
				if attrs[i].Type.Equal(oid) {
					attrs[i].Values = values
				}
			}
			return attrs
		}
	}
	raw := func(v any) asn1.RawValue { return asn1.RawValue{FullBytes: mustAsn1(t, v)} }

	manyCerts := make([]*x509.Certificate, 17)
	for i := range manyCerts {
		manyCerts[i] = p256.ca
	}
	manyCerts[0] = p256.cert
	var nineSigners []spec
	for range 8 {
		nineSigners = append(nineSigners, spec{signer: p256})
	}
	manyAttrs := func(attrs []tAttr) []tAttr {
		for len(attrs) < 33 {
			attrs = append(attrs, tAttr{Type: asn1.ObjectIdentifier{1, 2, 3, len(attrs)}, Values: []asn1.RawValue{raw(1)}})
		}
		return attrs
	}
	unsorted := func(attrs []tAttr) []tAttr {
		// messageDigest, signingTime, contentType: not the DER order.
		return []tAttr{attrs[2], attrs[1], attrs[0]}
	}

	for _, tc := range []struct {
		name    string
		der     []byte
		content []byte // nil: attachment
		opts    *Options
		want    error  // nil: verifies
		msg     string // in the error message
	}{
		{name: "RSA", der: rsaDER},
		{name: "ECDSA", der: ecDER},
		{name: "RSA tampered content", der: rsaDER, content: flip(attachment, 3), want: ErrSignature, msg: "messageDigest attribute"},
		{name: "ECDSA tampered content", der: ecDER, content: append(bytes.Clone(attachment), 0), want: ErrSignature, msg: "messageDigest attribute"},
		{name: "RSA tampered messageDigest", der: tamperedDigest(rsaDER), want: ErrSignature, msg: "messageDigest attribute"},
		{name: "ECDSA tampered messageDigest", der: tamperedDigest(ecDER), want: ErrSignature},
		{name: "RSA tampered signature", der: flip(rsaDER, len(rsaDER)-1), want: ErrSignature, msg: "RSA PKCS#1 v1.5 signature value"},
		{name: "ECDSA tampered signature", der: flip(ecDER, len(ecDER)-1), want: ErrSignature, msg: "ECDSA signature value"},
		{
			name: "messageDigest of other content, correctly signed",
			der:  spec{signer: p256, content: []byte("other")}.der(t),
			want: ErrSignature, msg: "does not match the content's 2.16.840.1.101.3.4.2.1 (SHA-256) digest",
		},
		{name: "no signed attributes", der: spec{signer: rsaKey, content: attachment, noAttrs: true}.der(t)},
		{name: "no signed attributes, tampered content", der: spec{signer: p256, content: attachment, noAttrs: true}.der(t), content: []byte("x"), want: ErrSignature},
		{name: "signed attributes in received order, not re-sorted", der: spec{signer: p256, content: attachment, attrs: unsorted}.der(t)},
		{name: "subjectKeyIdentifier sid", der: spec{signer: p256, content: attachment, ski: true}.der(t)},
		{name: "sha256WithRSAEncryption", der: spec{signer: rsaKey, content: attachment, sigOID: oidSHA256WithRSA, sigNull: true}.der(t)},
		{name: "sha384WithRSAEncryption with SHA-384", der: spec{signer: rsaKey, content: attachment, hash: crypto.SHA384, sigOID: oidSHA384WithRSA}.der(t)},
		{name: "id-ecPublicKey with SHA-512", der: spec{signer: p256, content: attachment, hash: crypto.SHA512, sigOID: oidECPublicKey}.der(t)},
		{
			name: "two signers",
			der:  spec{signer: p256, content: attachment, others: []spec{{signer: rsaKey}}}.der(t),
		},
		{
			name: "two signers, second signature wrong",
			der:  spec{signer: p256, content: attachment, others: []spec{{signer: rsaKey, sign: func([]byte) []byte { return make([]byte, 256) }}}}.der(t),
			want: ErrSignature, msg: "SignerInfo[1]",
		},

		// Signer certificate.
		{
			name: "sid names a certificate not included",
			der:  spec{signer: p256, content: attachment, certs: []*x509.Certificate{other.cert, p256.ca}}.der(t),
			want: ErrNoSigner, msg: "serial " + p256.cert.SerialNumber.String(),
		},
		{
			name: "subjectKeyIdentifier names a certificate not included",
			der:  spec{signer: p256, content: attachment, ski: true, certs: []*x509.Certificate{other.cert}}.der(t),
			want: ErrNoSigner, msg: "subjectKeyIdentifier",
		},
		{name: "no certificates", der: spec{signer: p256, content: attachment, noCerts: true}.der(t), want: ErrNoSigner},

		// Algorithms.
		{name: "SHA-1 refused by default", der: spec{signer: rsaKey, content: attachment, hash: crypto.SHA1}.der(t), want: ErrAlgorithm, msg: "1.3.14.3.2.26 (SHA-1) is weak"},
		{name: "SHA-1 with AllowWeak", der: spec{signer: rsaKey, content: attachment, hash: crypto.SHA1}.der(t), opts: &Options{AllowWeak: true}},
		{
			name: "unknown digest",
			der:  spec{signer: p256, content: attachment, digestOID: asn1.ObjectIdentifier{1, 2, 3, 4}}.der(t),
			want: ErrAlgorithm, msg: "digestAlgorithm 1.2.3.4 is not supported",
		},
		{
			name: "unknown signature algorithm",
			der:  spec{signer: p256, content: attachment, sigOID: asn1.ObjectIdentifier{1, 2, 840, 10045, 4, 1}}.der(t),
			want: ErrAlgorithm, msg: "signatureAlgorithm 1.2.840.10045.4.1 is not supported",
		},
		{
			name: "sha256WithRSAEncryption with SHA-384",
			der:  spec{signer: rsaKey, content: attachment, hash: crypto.SHA384, sigOID: oidSHA256WithRSA}.der(t),
			want: ErrAlgorithm, msg: "cannot be used with digestAlgorithm 2.16.840.1.101.3.4.2.2 (SHA-384)",
		},
		{
			name: "RSA algorithm, ECDSA key",
			der:  spec{signer: p256, content: attachment, sigOID: oidRSAEncryption, sign: func([]byte) []byte { return []byte{1} }}.der(t),
			want: ErrAlgorithm, msg: "an ECDSA P-256 key, which does not fit",
		},
		{name: "RSA-1024 refused", der: spec{signer: weakRSA, content: attachment}.der(t), want: ErrAlgorithm, msg: "RSA-1024"},
		{name: "ECDSA P-224 refused", der: spec{signer: p224, content: attachment}.der(t), want: ErrAlgorithm, msg: "P-224"},
		// Structure.
		{name: "encapsulated content", der: spec{signer: p256, content: attachment, eContent: attachment}.der(t), want: ErrMalformed, msg: "eContent is present"},
		{name: "trailing garbage", der: append(bytes.Clone(ecDER), 0x00), want: ErrMalformed, msg: "trailing data after ContentInfo"},
		{name: "trailing element", der: append(bytes.Clone(ecDER), 0x05, 0x00), want: ErrMalformed, msg: "trailing data"},
		{name: "empty", der: nil, want: ErrMalformed, msg: "ContentInfo is missing"},
		{name: "not DER at all", der: []byte("-----BEGIN PKCS7-----"), want: ErrMalformed},
		{
			name: "indefinite length",
			der:  append(append([]byte{0x30, 0x80}, ecDER[headerLen(ecDER):]...), 0, 0),
			want: ErrMalformed, msg: "indefinite length",
		},
		{
			name: "id-data instead of SignedData",
			der:  mustAsn1(t, tContentInfo{Type: oidData, Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustAsn1(t, attachment)}}),
			want: ErrMalformed, msg: "ContentInfo.contentType is 1.2.840.113549.1.7.1 (id-data)",
		},
		{name: "SignedData version 2", der: spec{signer: p256, content: attachment, sdVersion: 2}.der(t), want: ErrMalformed, msg: "SignedData.version is 2"},
		{name: "SignerInfo version 3 with issuerAndSerialNumber", der: spec{signer: p256, content: attachment, siVersion: 3, sdVersion: 3}.der(t), want: ErrMalformed, msg: "want 1"},
		{name: "subjectKeyIdentifier in SignedData version 1", der: spec{signer: p256, content: attachment, ski: true, sdVersion: 1}.der(t), want: ErrMalformed, msg: "SignedData.version is 1"},
		{
			name: "digest not listed in digestAlgorithms",
			der:  spec{signer: p256, content: attachment, digestAlgs: []asn1.ObjectIdentifier{oidSHA384}}.der(t),
			want: ErrMalformed, msg: "not listed in SignedData.digestAlgorithms",
		},
		{name: "no contentType attribute", der: spec{signer: p256, content: attachment, attrs: dropAttr(oidAttrContentType)}.der(t), want: ErrMalformed, msg: "0 contentType attributes"},
		{name: "no messageDigest attribute", der: spec{signer: p256, content: attachment, attrs: dropAttr(oidAttrMessageDigest)}.der(t), want: ErrMalformed, msg: "0 messageDigest attributes"},
		{name: "two messageDigest attributes", der: spec{signer: p256, content: attachment, attrs: repeatAttr(oidAttrMessageDigest)}.der(t), want: ErrMalformed, msg: "2 messageDigest attributes"},
		{name: "two signingTime attributes", der: spec{signer: p256, content: attachment, attrs: repeatAttr(oidAttrSigningTime)}.der(t), want: ErrMalformed, msg: "2 signingTime"},
		{
			name: "messageDigest with two values",
			der:  spec{signer: p256, content: attachment, attrs: setAttr(oidAttrMessageDigest, raw(contentDigest[:]), raw(contentDigest[:]))}.der(t),
			want: ErrMalformed, msg: "more than one value",
		},
		{
			name: "contentType other than id-data",
			der:  spec{signer: p256, content: attachment, attrs: setAttr(oidAttrContentType, raw(oidSignedData))}.der(t),
			want: ErrMalformed, msg: "contentType attribute is 1.2.840.113549.1.7.2",
		},
		{
			name: "signingTime not a time",
			der:  spec{signer: p256, content: attachment, attrs: setAttr(oidAttrSigningTime, raw("2025"))}.der(t),
			want: ErrMalformed, msg: "want UTCTime or GeneralizedTime",
		},
		{name: "33 attributes", der: spec{signer: p256, content: attachment, attrs: manyAttrs}.der(t), want: ErrMalformed, msg: "more than 32 attributes"},
		{name: "17 certificates", der: spec{signer: p256, content: attachment, certs: manyCerts}.der(t), want: ErrMalformed, msg: "more than 16 entries"},
		{name: "9 signers", der: spec{signer: p256, content: attachment, others: nineSigners}.der(t), want: ErrMalformed, msg: "more than 8 entries"},
		{name: "over MaxSize", der: ecDER, opts: &Options{MaxSize: len(ecDER) - 1}, want: ErrMalformed, msg: "over the limit"},
		{name: "at MaxSize", der: ecDER, opts: &Options{MaxSize: len(ecDER)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			content := tc.content
			if content == nil {
				content = attachment
			}
			got, err := VerifyDetached(tc.der, content, tc.opts)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				if got.Signer == nil || len(got.Signers) == 0 {
					t.Fatalf("verified without a signer: %+v", got)
				}
				return
			}
			if err == nil {
				t.Fatalf("verified, want %v", tc.want)
			}
			if !errors.Is(err, tc.want) {
				t.Errorf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// headerLen is the length of the identifier and length octets of the DER
// element at the start of b.
func headerLen(b []byte) int {
	if b[1] < 0x80 {
		return 2
	}
	return 2 + int(b[1]&0x7f)
}

func TestAlgorithmParameters(t *testing.T) {
	p256 := sharedKey(t, "p256")
	rsaKey := sharedKey(t, "rsa2048")
	build := func(k *testKey, edit func(*tSignerInfo)) []byte {
		s := spec{signer: k, content: attachment}
		si := s.signerInfo(t)
		edit(&si)
		return mustAsn1(t, tContentInfo{
			Type: oidSignedData,
			Content: asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: mustAsn1(t, tSignedData{
				Version:          1,
				DigestAlgorithms: []tAlgID{{Algorithm: oidSHA256}},
				Encap:            tEncap{Type: oidData},
				Certificates:     asn1.RawValue{Class: asn1.ClassContextSpecific, Tag: 0, IsCompound: true, Bytes: k.cert.Raw},
				SignerInfos:      []tSignerInfo{si},
			})},
		})
	}
	for _, tc := range []struct {
		name string
		der  []byte
		want error
		msg  string
	}{
		{"digest NULL parameters", build(p256, func(si *tSignerInfo) { si.DigestAlgorithm.Parameters = asn1Null }), nil, ""},
		{"RSA absent parameters", build(rsaKey, func(si *tSignerInfo) { si.SignatureAlgorithm.Parameters = asn1.RawValue{} }), nil, ""},
		{
			"digest parameters INTEGER",
			build(p256, func(si *tSignerInfo) { si.DigestAlgorithm.Parameters = asn1.RawValue{FullBytes: []byte{2, 1, 0}} }),
			ErrAlgorithm, "SignerInfo[0].digestAlgorithm 2.16.840.1.101.3.4.2.1 (SHA-256) has parameters",
		},
		{
			"signature parameters SEQUENCE",
			build(rsaKey, func(si *tSignerInfo) { si.SignatureAlgorithm.Parameters = asn1.RawValue{FullBytes: []byte{0x30, 0}} }),
			ErrAlgorithm, "signatureAlgorithm 1.2.840.113549.1.1.1 (rsaEncryption) has parameters",
		},
		{
			"serial number of another certificate",
			build(p256, func(si *tSignerInfo) {
				si.SID = asn1.RawValue{FullBytes: mustAsn1(t, tIssuerSerial{Issuer: asn1.RawValue{FullBytes: p256.cert.RawIssuer}, Serial: big.NewInt(999999)})}
			}),
			ErrNoSigner, "serial 999999",
		},
		{
			"issuer of another certificate",
			build(p256, func(si *tSignerInfo) {
				si.SID = asn1.RawValue{FullBytes: mustAsn1(t, tIssuerSerial{Issuer: asn1.RawValue{FullBytes: p256.cert.RawSubject}, Serial: p256.cert.SerialNumber})}
			}),
			ErrNoSigner, "Signer p256",
		},
		{
			"sid of another type",
			build(p256, func(si *tSignerInfo) { si.SID = asn1.RawValue{FullBytes: []byte{0x04, 1, 1}} }),
			ErrMalformed, "sid is OCTET STRING",
		},
		{"empty signature", build(p256, func(si *tSignerInfo) { si.Signature = []byte{} }), ErrMalformed, "signature is empty"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyDetached(tc.der, attachment, nil)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if !strings.Contains(err.Error(), tc.msg) {
				t.Errorf("error %q does not say %q", err, tc.msg)
			}
		})
	}
}

// TestAmbiguousSigner: two different certificates answering to one sid are
// refused rather than tried in order.
func TestAmbiguousSigner(t *testing.T) {
	a := sharedKey(t, "p256")
	b := newTestKey(t, "p256", "Impostor")
	// Same serial and issuer, different certificate and key.
	twin := issueWithSerial(t, b.key, a.cert.SerialNumber)
	der := spec{signer: a, content: attachment, certs: []*x509.Certificate{twin.cert, a.cert}}.der(t)
	_, err := VerifyDetached(der, attachment, nil)
	if !errors.Is(err, ErrMalformed) || !strings.Contains(err.Error(), "matches two different certificates") {
		t.Fatalf("error %v, want ErrMalformed for an ambiguous sid", err)
	}
	// The same certificate twice is not ambiguous.
	der = spec{signer: a, content: attachment, certs: []*x509.Certificate{a.cert, a.cert}}.der(t)
	if _, err := VerifyDetached(der, attachment, nil); err != nil {
		t.Fatalf("same certificate twice: %v", err)
	}
}

func issueWithSerial(t *testing.T, key crypto.Signer, serial *big.Int) *testKey {
	t.Helper()
	ck, cc := testCA(t)
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      cc.Subject,
		NotBefore:    time.Now().Add(-time.Hour),
		NotAfter:     time.Now().Add(time.Hour),
	}
	tmpl.Subject.CommonName = "Twin"
	der, err := x509.CreateCertificate(nil, tmpl, cc, key.Public(), ck)
	if err != nil {
		t.Fatal(err)
	}
	c, err := x509.ParseCertificate(der)
	if err != nil {
		t.Fatal(err)
	}
	return &testKey{key: key, cert: c, ca: cc}
}

// TestTruncated: every prefix of a valid signature is refused as malformed,
// without a panic.
func TestTruncated(t *testing.T) {
	for _, kind := range []string{"rsa2048", "p256"} {
		k := sharedKey(t, kind)
		der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert, k.ca}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		for n := range len(der) {
			_, err := VerifyDetached(der[:n], attachment, nil)
			if !errors.Is(err, ErrMalformed) {
				t.Fatalf("%s: prefix of %d of %d bytes: error %v, want ErrMalformed", kind, n, len(der), err)
			}
		}
	}
}

// TestEveryByteChanged: no single changed byte makes VerifyDetached panic;
// a change outside the certificates (which are not covered by the
// signature: the caller checks them) is always refused.
func TestEveryByteChanged(t *testing.T) {
	k := sharedKey(t, "p256")
	der, err := SignDetached(attachment, k.key, []*x509.Certificate{k.cert}, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	certAt := bytes.Index(der, k.cert.Raw)
	for i := range der {
		for _, x := range []byte{0x01, 0x80, 0xff} {
			c := bytes.Clone(der)
			c[i] ^= x
			_, err := VerifyDetached(c, attachment, nil)
			inCert := i >= certAt && i < certAt+len(k.cert.Raw)
			if err == nil && !inCert {
				t.Fatalf("byte %d xor %#x outside the certificate: verified", i, x)
			}
		}
	}
}

// TestMessagesStayShort: an error message quotes the input, but never at
// the input's length.
func TestMessagesStayShort(t *testing.T) {
	p256 := sharedKey(t, "p256")
	huge := bytes.Repeat([]byte{0xab}, 100_000)
	for _, tc := range []struct {
		name string
		der  []byte
		want error
	}{
		{
			"huge messageDigest",
			spec{signer: p256, content: attachment, attrs: func(attrs []tAttr) []tAttr {
				attrs[2].Values = []asn1.RawValue{{FullBytes: mustAsn1(t, huge)}}
				return attrs
			}}.der(t),
			ErrSignature,
		},
		{
			"huge subjectKeyIdentifier",
			spec{signer: &testKey{key: p256.key, cert: &x509.Certificate{SubjectKeyId: huge}}, content: attachment, ski: true,
				certs: []*x509.Certificate{p256.cert}}.der(t),
			ErrNoSigner,
		},
		{
			"huge issuer",
			spec{signer: &testKey{key: p256.key, cert: &x509.Certificate{RawIssuer: mustAsn1(t, asn1.RawValue{Tag: asn1.TagSequence, IsCompound: true, Bytes: huge}), SerialNumber: new(big.Int).SetBytes(huge)}},
				content: attachment, certs: []*x509.Certificate{p256.cert}}.der(t),
			ErrNoSigner,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := VerifyDetached(tc.der, attachment, nil)
			if !errors.Is(err, tc.want) {
				t.Fatalf("error %v, want %v", err, tc.want)
			}
			if len(err.Error()) > 600 {
				t.Errorf("message of %d bytes: %.300s...", len(err.Error()), err)
			}
		})
	}
}
