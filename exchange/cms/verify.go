package cms

import (
	"bytes"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// DefaultMaxSize is the largest DER signature VerifyDetached reads unless
// Options.MaxSize says otherwise: a signature with its certificates is a
// few kilobytes.
const DefaultMaxSize = 1 << 20

// Limits on what one signature may hold. An SMEV attachment is signed by
// one party, rarely by two; the certificate limit leaves room for a chain
// and a few cross certificates. Beyond these, an input only serves to make
// the verifier work.
const (
	maxSigners          = 8
	maxCertificates     = 16
	maxAttributes       = 32
	maxDigestAlgorithms = 8
)

// Options tunes VerifyDetached. The zero value (or a nil *Options) is the
// strict default.
type Options struct {
	// AllowWeak accepts digests registered as weak (SHA-1), refused by
	// default.
	AllowWeak bool
	// MaxSize caps the size of the DER signature; zero or less means
	// DefaultMaxSize (1 MiB).
	MaxSize int
}

// SignerInfo is what one verified SignerInfo establishes.
type SignerInfo struct {
	// Certificate is the certificate that signed, one of
	// Signed.Certificates.
	Certificate *x509.Certificate
	// SigningTime is the signingTime signed attribute, zero if absent. It
	// is what the signer claims, not a trusted time.
	SigningTime time.Time
	// DigestOID and SignatureOID are SignerInfo.digestAlgorithm and
	// SignerInfo.signatureAlgorithm as received.
	DigestOID, SignatureOID asn1.ObjectIdentifier
}

// Signed is what a verified detached signature establishes. Its top-level
// fields describe the first SignerInfo; Signers lists all of them, every
// one verified.
type Signed struct {
	// Signer is the certificate that signed (of the first SignerInfo).
	Signer *x509.Certificate
	// Certificates is every certificate the SignedData carried, in the
	// order received, for the caller's chain building. They are not
	// trusted for being here.
	Certificates []*x509.Certificate
	// SigningTime is the first signer's signingTime attribute, zero if
	// absent.
	SigningTime time.Time
	// DigestOID and SignatureOID are the first signer's algorithms.
	DigestOID, SignatureOID asn1.ObjectIdentifier
	// Signers holds every SignerInfo in the order received; Signers[0] is
	// the one the fields above describe. A caller that needs to trust each
	// signer checks each Certificate.
	Signers []SignerInfo
}

// signedData is the part of a parsed SignedData verification needs.
type signedData struct {
	version          int
	digestAlgorithms []asn1.ObjectIdentifier
	certificates     []*x509.Certificate
	signers          []signerInfo
}

type signerInfo struct {
	version int
	// sid: either issuer and serial, or subjectKeyID.
	issuer       []byte // DER of the issuer Name
	serial       *big.Int
	subjectKeyID []byte

	digestAlgorithm    algorithmIdentifier
	signatureAlgorithm algorithmIdentifier
	signature          []byte

	// signedAttrs is the [0] IMPLICIT element exactly as received, nil
	// when absent.
	signedAttrs   []byte
	messageDigest []byte
	signingTime   time.Time
}

// VerifyDetached checks a detached SignedData (DER of a ContentInfo) over
// content. Every SignerInfo must verify. It checks the signatures only: the
// caller checks the signer's certificate chain, validity, key usage and
// revocation with its own trust store.
func VerifyDetached(der, content []byte, opts *Options) (*Signed, error) {
	var o Options
	if opts != nil {
		o = *opts
	}
	if o.MaxSize <= 0 {
		o.MaxSize = DefaultMaxSize
	}
	if len(der) > o.MaxSize {
		return nil, malformed("signature is %d bytes, over the limit of %d", len(der), o.MaxSize)
	}
	sd, err := parseContentInfo(der)
	if err != nil {
		return nil, err
	}
	// Everything that needs no cryptography is checked for every signer
	// before any digest or signature is computed: a refusal costs little.
	resolved := make([]resolvedSigner, len(sd.signers))
	for i := range sd.signers {
		if resolved[i], err = resolveSigner(sd, &sd.signers[i], i, &o); err != nil {
			return nil, err
		}
	}
	out := &Signed{Certificates: sd.certificates}
	// The content is hashed once per digest algorithm, however many
	// signers use it.
	contentDigests := map[string][]byte{}
	for i, r := range resolved {
		if err := r.verify(&sd.signers[i], content, contentDigests); err != nil {
			return nil, err
		}
		out.Signers = append(out.Signers, SignerInfo{
			Certificate:  r.cert,
			SigningTime:  sd.signers[i].signingTime,
			DigestOID:    sd.signers[i].digestAlgorithm.oid,
			SignatureOID: sd.signers[i].signatureAlgorithm.oid,
		})
	}
	first := out.Signers[0]
	out.Signer = first.Certificate
	out.SigningTime = first.SigningTime
	out.DigestOID = first.DigestOID
	out.SignatureOID = first.SignatureOID
	return out, nil
}

// resolvedSigner is a SignerInfo with its algorithms and certificate found
// and checked against each other.
type resolvedSigner struct {
	where  string
	digest digestAlgorithm
	alg    *SignatureAlgorithm
	cert   *x509.Certificate
}

func resolveSigner(sd *signedData, si *signerInfo, index int, o *Options) (resolvedSigner, error) {
	r := resolvedSigner{where: fmt.Sprintf("SignerInfo[%d]", index)}
	where := r.where

	digestOID := si.digestAlgorithm.oid
	var ok bool
	if r.digest, ok = lookupDigest(digestOID); !ok {
		return r, algorithmError("%s.digestAlgorithm %s is not supported", where, describeOID(digestOID))
	}
	if r.digest.weak && !o.AllowWeak {
		return r, algorithmError("%s.digestAlgorithm %s is weak and refused (Options.AllowWeak is not set)", where, describeOID(digestOID))
	}
	if err := si.digestAlgorithm.checkParameters(where + ".digestAlgorithm"); err != nil {
		return r, err
	}
	if !slices.ContainsFunc(sd.digestAlgorithms, digestOID.Equal) {
		return r, malformed("%s.digestAlgorithm %s is not listed in SignedData.digestAlgorithms", where, describeOID(digestOID))
	}

	sigOID := si.signatureAlgorithm.oid
	if r.alg, ok = lookupSignature(sigOID); !ok {
		return r, algorithmError("%s.signatureAlgorithm %s is not supported", where, describeOID(sigOID))
	}
	if err := si.signatureAlgorithm.checkParameters(where + ".signatureAlgorithm"); err != nil {
		return r, err
	}
	// The signature algorithm identifier is not covered by the signature:
	// without this check, ecdsa-with-SHA384 could be swapped in for
	// ecdsa-with-SHA256 and still verify.
	if !r.alg.Pairs(sigOID, digestOID) {
		return r, algorithmError("%s: signatureAlgorithm %s cannot be used with digestAlgorithm %s",
			where, describeOID(sigOID), describeOID(digestOID))
	}

	var err error
	if r.cert, err = findSigner(sd.certificates, si, where); err != nil {
		return r, err
	}
	if !r.alg.Fits(r.cert) {
		return r, algorithmError("%s: signer certificate %s has %s, which does not fit signatureAlgorithm %s (%s)",
			where, describeCert(r.cert), describeKey(r.cert), describeOID(sigOID), r.alg.Name)
	}
	return r, nil
}

// verify checks the SignerInfo's messageDigest and signature.
func (r resolvedSigner) verify(si *signerInfo, content []byte, contentDigests map[string][]byte) error {
	digestOID := r.digest.oid
	contentDigest, ok := contentDigests[digestOID.String()]
	if !ok {
		h := r.digest.newHash()
		h.Write(content)
		contentDigest = h.Sum(nil)
		contentDigests[digestOID.String()] = contentDigest
	}

	// Without signed attributes the signature is over the content's
	// digest; with them, over the digest of the attributes, which bind the
	// content through messageDigest (RFC 5652 §5.4).
	signedDigest := contentDigest
	if si.signedAttrs != nil {
		if !bytes.Equal(si.messageDigest, contentDigest) {
			return signatureError("%s: messageDigest attribute %s does not match the content's %s digest %x",
				r.where, shortHex(si.messageDigest), describeOID(digestOID), contentDigest)
		}
		// The signature covers the attributes' DER with the SET OF tag in
		// place of [0] IMPLICIT: the bytes as received, only re-tagged,
		// never re-encoded, so a signature over a sender's encoding
		// verifies even where that encoding is not the one this package
		// would write (a SET OF left unsorted, for one).
		attrs := bytes.Clone(si.signedAttrs)
		attrs[0] = tagSet
		h := r.digest.newHash()
		h.Write(attrs)
		signedDigest = h.Sum(nil)
	}
	if err := r.alg.Verify(r.cert, digestOID, signedDigest, si.signature); err != nil {
		return inContext(err, fmt.Sprintf("%s, signer %s", r.where, describeCert(r.cert)))
	}
	return nil
}

// contextError is an error from a SignatureAlgorithm's Verify with the
// SignerInfo it is about: the sentinel first, as in every error of this
// package, then where, then what Verify said.
type contextError struct {
	msg  string
	errs []error
}

func (e *contextError) Error() string   { return e.msg }
func (e *contextError) Unwrap() []error { return e.errs }

// inContext places err under the sentinel it wraps (ErrSignature when it
// wraps none: a Verify that fails without saying why found the signature
// wrong) and adds where it happened.
func inContext(err error, where string) error {
	sentinel := ErrSignature
	for _, s := range []error{ErrMalformed, ErrAlgorithm, ErrSignature, ErrNoSigner} {
		if errors.Is(err, s) {
			sentinel = s
			break
		}
	}
	detail := strings.TrimPrefix(err.Error(), sentinel.Error()+": ")
	return &contextError{
		msg:  sentinel.Error() + ": " + where + ": " + detail,
		errs: []error{sentinel, err},
	}
}

// findSigner picks the certificate the SignerInfo's sid names. Several
// different certificates answering to one sid are refused: which of them
// signed would then depend on order, and the caller's trust decision
// could be about another certificate than the one that verified.
func findSigner(certs []*x509.Certificate, si *signerInfo, where string) (*x509.Certificate, error) {
	var found *x509.Certificate
	for _, c := range certs {
		var match bool
		if si.subjectKeyID != nil {
			match = len(c.SubjectKeyId) > 0 && bytes.Equal(c.SubjectKeyId, si.subjectKeyID)
		} else {
			match = bytes.Equal(c.RawIssuer, si.issuer) && c.SerialNumber != nil && c.SerialNumber.Cmp(si.serial) == 0
		}
		if !match {
			continue
		}
		if found != nil && !bytes.Equal(found.Raw, c.Raw) {
			return nil, malformed("%s.sid matches two different certificates, %s and %s", where, describeCert(found), describeCert(c))
		}
		found = c
	}
	if found == nil {
		if si.subjectKeyID != nil {
			return nil, fmt.Errorf("%w: no certificate in SignedData.certificates matches %s.sid (subjectKeyIdentifier %s)",
				ErrNoSigner, where, shortHex(si.subjectKeyID))
		}
		return nil, fmt.Errorf("%w: no certificate in SignedData.certificates matches %s.sid (issuer %s, serial %s)",
			ErrNoSigner, where, describeName(si.issuer), describeSerial(si.serial))
	}
	return found, nil
}

// parseContentInfo reads ContentInfo ::= SEQUENCE { contentType, [0]
// EXPLICIT content } holding SignedData, and nothing after it.
func parseContentInfo(der []byte) (*signedData, error) {
	ci, rest, err := read(der, elemSequence, "ContentInfo")
	if err != nil {
		return nil, err
	}
	if len(rest) != 0 {
		return nil, malformed("%d bytes of trailing data after ContentInfo", len(rest))
	}
	contentType, b, err := readOID(ci.Bytes, "ContentInfo.contentType")
	if err != nil {
		return nil, err
	}
	if !contentType.Equal(oidSignedData) {
		return nil, malformed("ContentInfo.contentType is %s, want %s", describeOID(contentType), describeOID(oidSignedData))
	}
	content, b, err := read(b, elemContext0, "ContentInfo.content")
	if err != nil {
		return nil, err
	}
	if err := noTrailing(b, "ContentInfo"); err != nil {
		return nil, err
	}
	sd, b, err := read(content.Bytes, elemSequence, "SignedData")
	if err != nil {
		return nil, err
	}
	if err := noTrailing(b, "ContentInfo.content"); err != nil {
		return nil, err
	}
	return parseSignedData(sd.Bytes)
}

// parseSignedData reads
//
//	SignedData ::= SEQUENCE {
//	  version CMSVersion,
//	  digestAlgorithms SET OF DigestAlgorithmIdentifier,
//	  encapContentInfo EncapsulatedContentInfo,
//	  certificates [0] IMPLICIT CertificateSet OPTIONAL,
//	  crls [1] IMPLICIT RevocationInfoChoices OPTIONAL,
//	  signerInfos SET OF SignerInfo }
func parseSignedData(b []byte) (*signedData, error) {
	sd := &signedData{}
	var err error
	if sd.version, b, err = readInt(b, "SignedData.version"); err != nil {
		return nil, err
	}
	// RFC 5652 §5.1: 1, 3, 4 or 5 depending on what the SignedData holds.
	switch sd.version {
	case 1, 3, 4, 5:
	default:
		return nil, malformed("SignedData.version is %d, want 1, 3, 4 or 5", sd.version)
	}

	set, b, err := read(b, elemSet, "SignedData.digestAlgorithms")
	if err != nil {
		return nil, err
	}
	for s := set.Bytes; len(s) > 0; {
		if len(sd.digestAlgorithms) == maxDigestAlgorithms {
			return nil, malformed("SignedData.digestAlgorithms has more than %d entries", maxDigestAlgorithms)
		}
		var a algorithmIdentifier
		if a, s, err = readAlgorithmIdentifier(s, fmt.Sprintf("SignedData.digestAlgorithms[%d]", len(sd.digestAlgorithms))); err != nil {
			return nil, err
		}
		sd.digestAlgorithms = append(sd.digestAlgorithms, a.oid)
	}

	if b, err = parseEncapContentInfo(b); err != nil {
		return nil, err
	}

	if next(b, elemContext0) {
		var certs asn1.RawValue
		if certs, b, err = read(b, elemContext0, "SignedData.certificates"); err != nil {
			return nil, err
		}
		if sd.certificates, err = parseCertificates(certs.Bytes); err != nil {
			return nil, err
		}
	}
	if next(b, elemContext1) {
		// Revocation information is the caller's business, through its
		// own trust store; it is skipped, not trusted.
		if _, b, err = read(b, elemContext1, "SignedData.crls"); err != nil {
			return nil, err
		}
	}

	set, b, err = read(b, elemSet, "SignedData.signerInfos")
	if err != nil {
		return nil, err
	}
	if err := noTrailing(b, "SignedData"); err != nil {
		return nil, err
	}
	for s := set.Bytes; len(s) > 0; {
		if len(sd.signers) == maxSigners {
			return nil, malformed("SignedData.signerInfos has more than %d entries", maxSigners)
		}
		where := fmt.Sprintf("SignerInfo[%d]", len(sd.signers))
		var v asn1.RawValue
		if v, s, err = read(s, elemSequence, where); err != nil {
			return nil, err
		}
		si, err := parseSignerInfo(v.Bytes, where)
		if err != nil {
			return nil, err
		}
		if si.version == 3 && sd.version < 3 {
			return nil, malformed("SignedData.version is %d but %s is version 3 (RFC 5652 §5.1 wants 3 or more)", sd.version, where)
		}
		sd.signers = append(sd.signers, si)
	}
	if len(sd.signers) == 0 {
		return nil, malformed("SignedData.signerInfos is empty: nothing is signed")
	}
	return sd, nil
}

// parseEncapContentInfo reads EncapsulatedContentInfo ::= SEQUENCE {
// eContentType, eContent [0] EXPLICIT OCTET STRING OPTIONAL }, which must
// be id-data without eContent: the content is the attachment, passed
// separately.
func parseEncapContentInfo(b []byte) ([]byte, error) {
	eci, rest, err := read(b, elemSequence, "SignedData.encapContentInfo")
	if err != nil {
		return nil, err
	}
	eContentType, inner, err := readOID(eci.Bytes, "encapContentInfo.eContentType")
	if err != nil {
		return nil, err
	}
	if !eContentType.Equal(oidData) {
		return nil, malformed("encapContentInfo.eContentType is %s, want %s", describeOID(eContentType), describeOID(oidData))
	}
	if next(inner, elemContext0) {
		return nil, malformed("encapContentInfo.eContent is present: a detached signature must not encapsulate content")
	}
	if err := noTrailing(inner, "encapContentInfo"); err != nil {
		return nil, err
	}
	return rest, nil
}

// parseCertificates reads the CertificateSet. Only X.509 certificates are
// kept; the other CertificateChoices (attribute and other certificates)
// cannot sign and are skipped, but counted against the limit.
func parseCertificates(b []byte) ([]*x509.Certificate, error) {
	var certs []*x509.Certificate
	for i := 0; len(b) > 0; i++ {
		if i == maxCertificates {
			return nil, malformed("SignedData.certificates has more than %d entries", maxCertificates)
		}
		what := fmt.Sprintf("SignedData.certificates[%d]", i)
		v, rest, err := readAny(b, what)
		if err != nil {
			return nil, err
		}
		b = rest
		if identifierOf(v) != elemSequence {
			if v.Class == asn1.ClassContextSpecific && v.IsCompound && v.Tag <= 3 {
				continue
			}
			return nil, malformed("%s is %s, want a certificate or another CertificateChoices", what, identifierOf(v))
		}
		c, err := x509.ParseCertificate(v.FullBytes)
		if err != nil {
			return nil, malformed("%s: %v", what, err)
		}
		certs = append(certs, c)
	}
	return certs, nil
}

// parseSignerInfo reads
//
//	SignerInfo ::= SEQUENCE {
//	  version CMSVersion,
//	  sid SignerIdentifier,
//	  digestAlgorithm DigestAlgorithmIdentifier,
//	  signedAttrs [0] IMPLICIT SignedAttributes OPTIONAL,
//	  signatureAlgorithm SignatureAlgorithmIdentifier,
//	  signature SignatureValue,
//	  unsignedAttrs [1] IMPLICIT UnsignedAttributes OPTIONAL }
func parseSignerInfo(b []byte, where string) (signerInfo, error) {
	var si signerInfo
	var err error
	if si.version, b, err = readInt(b, where+".version"); err != nil {
		return si, err
	}

	switch {
	case next(b, elemSequence):
		// issuerAndSerialNumber ::= SEQUENCE { issuer Name, serialNumber }
		var ias asn1.RawValue
		if ias, b, err = read(b, elemSequence, where+".sid"); err != nil {
			return si, err
		}
		issuer, rest, err := read(ias.Bytes, elemSequence, where+".sid.issuer")
		if err != nil {
			return si, err
		}
		serial, rest, err := read(rest, elemInteger, where+".sid.serialNumber")
		if err != nil {
			return si, err
		}
		if err := noTrailing(rest, where+".sid"); err != nil {
			return si, err
		}
		si.issuer = issuer.FullBytes
		si.serial = new(big.Int)
		if _, err := asn1.Unmarshal(serial.FullBytes, &si.serial); err != nil {
			return si, malformed("%s.sid.serialNumber: %v", where, err)
		}
		if si.version != 1 {
			return si, malformed("%s.version is %d with issuerAndSerialNumber, want 1 (RFC 5652 §5.3)", where, si.version)
		}
	case next(b, elemPrimitive0):
		// subjectKeyIdentifier [0] IMPLICIT OCTET STRING
		var ski asn1.RawValue
		if ski, b, err = read(b, elemPrimitive0, where+".sid"); err != nil {
			return si, err
		}
		if len(ski.Bytes) == 0 {
			return si, malformed("%s.sid.subjectKeyIdentifier is empty", where)
		}
		si.subjectKeyID = ski.Bytes
		if si.version != 3 {
			return si, malformed("%s.version is %d with subjectKeyIdentifier, want 3 (RFC 5652 §5.3)", where, si.version)
		}
	default:
		v, _, err := readAny(b, where+".sid")
		if err != nil {
			return si, err
		}
		return si, malformed("%s.sid is %s, want issuerAndSerialNumber (SEQUENCE) or subjectKeyIdentifier ([0] primitive)", where, identifierOf(v))
	}

	if si.digestAlgorithm, b, err = readAlgorithmIdentifier(b, where+".digestAlgorithm"); err != nil {
		return si, err
	}
	if next(b, elemContext0) {
		var attrs asn1.RawValue
		if attrs, b, err = read(b, elemContext0, where+".signedAttrs"); err != nil {
			return si, err
		}
		if err := parseSignedAttributes(attrs.Bytes, &si, where); err != nil {
			return si, err
		}
		si.signedAttrs = attrs.FullBytes
	}
	if si.signatureAlgorithm, b, err = readAlgorithmIdentifier(b, where+".signatureAlgorithm"); err != nil {
		return si, err
	}
	sig, b, err := read(b, elemOctetString, where+".signature")
	if err != nil {
		return si, err
	}
	if len(sig.Bytes) == 0 {
		return si, malformed("%s.signature is empty", where)
	}
	si.signature = sig.Bytes
	if next(b, elemContext1) {
		// Unsigned attributes (countersignatures, timestamps) are not
		// covered by the signature and are not used.
		if _, b, err = read(b, elemContext1, where+".unsignedAttrs"); err != nil {
			return si, err
		}
	}
	if err := noTrailing(b, where); err != nil {
		return si, err
	}
	return si, nil
}

// parseSignedAttributes reads SignedAttributes ::= SET SIZE (1..MAX) OF
// Attribute and the three attributes this package uses. RFC 5652 §11
// allows each of contentType, messageDigest and signingTime once, with
// one value; contentType and messageDigest are required (§5.3).
func parseSignedAttributes(b []byte, si *signerInfo, where string) error {
	var contentTypes, digests, times int
	for i := 0; len(b) > 0; i++ {
		if i == maxAttributes {
			return malformed("%s.signedAttrs has more than %d attributes", where, maxAttributes)
		}
		what := fmt.Sprintf("%s.signedAttrs[%d]", where, i)
		attr, rest, err := read(b, elemSequence, what)
		if err != nil {
			return err
		}
		b = rest
		attrType, inner, err := readOID(attr.Bytes, what+".attrType")
		if err != nil {
			return err
		}
		values, inner, err := read(inner, elemSet, what+".attrValues")
		if err != nil {
			return err
		}
		if err := noTrailing(inner, what); err != nil {
			return err
		}
		switch {
		case attrType.Equal(oidAttrContentType):
			contentTypes++
			v, err := singleValue(values.Bytes, what+" (contentType)")
			if err != nil {
				return err
			}
			ct, _, err := readOID(v.FullBytes, what+" (contentType) value")
			if err != nil {
				return err
			}
			if !ct.Equal(oidData) {
				return malformed("%s: contentType attribute is %s, want %s", where, describeOID(ct), describeOID(oidData))
			}
		case attrType.Equal(oidAttrMessageDigest):
			digests++
			v, err := singleValue(values.Bytes, what+" (messageDigest)")
			if err != nil {
				return err
			}
			if identifierOf(v) != elemOctetString {
				return malformed("%s (messageDigest) value is %s, want %s", what, identifierOf(v), elemOctetString)
			}
			si.messageDigest = v.Bytes
		case attrType.Equal(oidAttrSigningTime):
			times++
			v, err := singleValue(values.Bytes, what+" (signingTime)")
			if err != nil {
				return err
			}
			if v.IsCompound || v.Class != asn1.ClassUniversal || (v.Tag != asn1.TagUTCTime && v.Tag != asn1.TagGeneralizedTime) {
				return malformed("%s (signingTime) value is %s, want UTCTime or GeneralizedTime", what, identifierOf(v))
			}
			if _, err := asn1.Unmarshal(v.FullBytes, &si.signingTime); err != nil {
				return malformed("%s (signingTime): %v", what, err)
			}
		}
	}
	switch {
	case contentTypes != 1:
		return malformed("%s.signedAttrs has %d contentType attributes, want exactly 1", where, contentTypes)
	case digests != 1:
		return malformed("%s.signedAttrs has %d messageDigest attributes, want exactly 1", where, digests)
	case times > 1:
		return malformed("%s.signedAttrs has %d signingTime attributes, want at most 1", where, times)
	}
	return nil
}

// singleValue reads the only value of an attribute's SET.
func singleValue(set []byte, what string) (asn1.RawValue, error) {
	v, rest, err := readAny(set, what+" value")
	if err != nil {
		return v, err
	}
	if len(rest) != 0 {
		return v, malformed("%s has more than one value", what)
	}
	return v, nil
}
