package cms

import (
	"bytes"
	"crypto"
	"crypto/x509"
	"encoding/asn1"
	"errors"
	"fmt"
	"slices"
	"time"
)

// SignDetached makes the DER of a ContentInfo holding a detached SignedData
// over content: one SignerInfo (version 1, issuerAndSerialNumber) with the
// signed attributes contentType (id-data), signingTime (unless signingTime
// is zero) and messageDigest; certs[0], the signer's certificate, and the
// other certs in SignedData.certificates; no encapsulated content.
//
// The algorithm is the first registered one whose FitsKey accepts the key's
// public part and whose Fits accepts certs[0]; the signature is verified
// with certs[0] before it is returned, so a key that does not belong to the
// certificate is an error, whatever the algorithm.
func SignDetached(content []byte, key crypto.Signer, certs []*x509.Certificate, signingTime time.Time) ([]byte, error) {
	if key == nil {
		return nil, errors.New("cms: SignDetached: no key")
	}
	if len(certs) == 0 || certs[0] == nil {
		return nil, errors.New("cms: SignDetached: the signer's certificate must come first in certs")
	}
	if len(certs) > maxCertificates {
		return nil, fmt.Errorf("cms: SignDetached: %d certificates, over the limit of %d that VerifyDetached accepts", len(certs), maxCertificates)
	}
	cert := certs[0]
	pub := key.Public()
	// Keys crypto/x509 does not parse (GOST) leave PublicKey nil; for them
	// the verification after signing is the check that key and certificate
	// belong together.
	if cert.PublicKey != nil {
		k, ok := pub.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !k.Equal(cert.PublicKey) {
			return nil, fmt.Errorf("cms: SignDetached: the key does not belong to certificate %s", describeCert(cert))
		}
	}

	var alg *SignatureAlgorithm
	for _, a := range signatureAlgorithms() {
		if a.Sign != nil && a.FitsKey(pub) && a.Fits(cert) {
			alg = a
			break
		}
	}
	if alg == nil {
		return nil, algorithmError("no registered signature algorithm signs with a %T and certificate %s with %s",
			pub, describeCert(cert), describeKey(cert))
	}
	digest, ok := lookupDigest(alg.Digest)
	if !ok {
		return nil, algorithmError("%s signs with digest %s, which is not registered", alg.Name, describeOID(alg.Digest))
	}
	if !alg.Pairs(alg.OIDs[0], alg.Digest) {
		return nil, algorithmError("%s: its own %s does not pair with its digest %s", alg.Name, describeOID(alg.OIDs[0]), describeOID(alg.Digest))
	}

	h := digest.newHash()
	h.Write(content)
	contentDigest := h.Sum(nil)

	// signedAttrs as a DER SET OF: the elements sorted by their encoding
	// (X.690 §11.6).
	attrList := [][]byte{
		attribute(oidAttrContentType, mustMarshal(oidData)),
		attribute(oidAttrMessageDigest, tlv(tagOctetString, contentDigest)),
	}
	if !signingTime.IsZero() {
		// UTCTime for 1950 to 2049, GeneralizedTime otherwise (RFC 5652
		// §11.3), both in UTC with whole seconds, as DER wants.
		t, err := asn1.Marshal(signingTime.UTC().Truncate(time.Second))
		if err != nil {
			return nil, fmt.Errorf("cms: SignDetached: signing time %v: %w", signingTime, err)
		}
		attrList = append(attrList, attribute(oidAttrSigningTime, t))
	}
	slices.SortFunc(attrList, bytes.Compare)
	attrs := tlv(tagSet, attrList...)

	h = digest.newHash()
	h.Write(attrs)
	attrsDigest := h.Sum(nil)
	signature, err := alg.Sign(key, attrsDigest)
	if err != nil {
		return nil, fmt.Errorf("cms: SignDetached: %s: %w", alg.Name, err)
	}
	if err := alg.Verify(cert, alg.Digest, attrsDigest, signature); err != nil {
		return nil, fmt.Errorf("cms: SignDetached: the signature made does not verify with certificate %s: %w", describeCert(cert), err)
	}

	// In SignerInfo the attributes are [0] IMPLICIT: same contents, other
	// tag.
	attrs[0] = tagContext0
	digestAlgID := tlv(tagSequence, mustMarshal(alg.Digest))
	sigAlgID := tlv(tagSequence, mustMarshal(alg.OIDs[0]))
	if alg.NullParameters {
		sigAlgID = tlv(tagSequence, mustMarshal(alg.OIDs[0]), []byte{tagNull, 0})
	}
	serial, err := asn1.Marshal(cert.SerialNumber)
	if err != nil {
		return nil, fmt.Errorf("cms: SignDetached: serial number of %s: %w", describeCert(cert), err)
	}
	signerInfo := tlv(tagSequence,
		mustMarshal(1),
		tlv(tagSequence, cert.RawIssuer, serial),
		digestAlgID,
		attrs,
		sigAlgID,
		tlv(tagOctetString, signature),
	)

	// CertificateSet is a SET OF too: sorted, and each certificate once.
	var certList [][]byte
	for _, c := range certs {
		if c == nil {
			return nil, errors.New("cms: SignDetached: nil certificate in certs")
		}
		certList = append(certList, c.Raw)
	}
	slices.SortFunc(certList, bytes.Compare)
	certList = slices.CompactFunc(certList, bytes.Equal)

	signedData := tlv(tagSequence,
		mustMarshal(1),
		tlv(tagSet, digestAlgID),
		tlv(tagSequence, mustMarshal(oidData)),
		tlv(tagContext0, certList...),
		tlv(tagSet, signerInfo),
	)
	return tlv(tagSequence, mustMarshal(oidSignedData), tlv(tagContext0, signedData)), nil
}

// attribute is the DER of Attribute ::= SEQUENCE { attrType, attrValues
// SET OF } with one value.
func attribute(oid asn1.ObjectIdentifier, value []byte) []byte {
	return tlv(tagSequence, mustMarshal(oid), tlv(tagSet, value))
}

// mustMarshal encodes values that cannot fail to encode: small integers
// and OIDs checked when registered.
func mustMarshal(v any) []byte {
	b, err := asn1.Marshal(v)
	if err != nil {
		panic("cms: encoding " + fmt.Sprint(v) + ": " + err.Error())
	}
	return b
}
