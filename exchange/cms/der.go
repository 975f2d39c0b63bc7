package cms

import (
	"crypto/ecdsa"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/asn1"
	"fmt"
	"math/big"
)

// DER identifier octets this package reads and writes.
const (
	tagInteger     = 0x02
	tagOctetString = 0x04
	tagNull        = 0x05
	tagOID         = 0x06
	tagSequence    = 0x30
	tagSet         = 0x31
	tagContext0    = 0xa0 // [0], constructed
	tagContext1    = 0xa1 // [1], constructed
)

// element is the expected identifier of one DER element, for reading.
type element struct {
	class, tag int
	compound   bool
}

var (
	elemSequence    = element{asn1.ClassUniversal, asn1.TagSequence, true}
	elemSet         = element{asn1.ClassUniversal, asn1.TagSet, true}
	elemOID         = element{asn1.ClassUniversal, asn1.TagOID, false}
	elemInteger     = element{asn1.ClassUniversal, asn1.TagInteger, false}
	elemOctetString = element{asn1.ClassUniversal, asn1.TagOctetString, false}
	elemContext0    = element{asn1.ClassContextSpecific, 0, true}
	elemContext1    = element{asn1.ClassContextSpecific, 1, true}
	elemPrimitive0  = element{asn1.ClassContextSpecific, 0, false}
)

func (e element) String() string {
	form := "primitive"
	if e.compound {
		form = "constructed"
	}
	switch e.class {
	case asn1.ClassUniversal:
		names := map[int]string{
			asn1.TagInteger: "INTEGER", asn1.TagOctetString: "OCTET STRING", asn1.TagNull: "NULL",
			asn1.TagOID: "OBJECT IDENTIFIER", asn1.TagSequence: "SEQUENCE", asn1.TagSet: "SET",
			asn1.TagUTCTime: "UTCTime", asn1.TagGeneralizedTime: "GeneralizedTime",
		}
		if n, ok := names[e.tag]; ok {
			return fmt.Sprintf("%s (%s)", n, form)
		}
		return fmt.Sprintf("universal tag %d (%s)", e.tag, form)
	case asn1.ClassContextSpecific:
		return fmt.Sprintf("[%d] (%s)", e.tag, form)
	case asn1.ClassApplication:
		return fmt.Sprintf("[APPLICATION %d] (%s)", e.tag, form)
	default:
		return fmt.Sprintf("[PRIVATE %d] (%s)", e.tag, form)
	}
}

func identifierOf(v asn1.RawValue) element { return element{v.Class, v.Tag, v.IsCompound} }

// readAny reads the DER element at the start of b, whatever its tag, and
// returns what follows it. encoding/asn1 refuses indefinite and non-minimal
// lengths and truncated data, so only DER framing gets through.
func readAny(b []byte, what string) (asn1.RawValue, []byte, error) {
	var v asn1.RawValue
	if len(b) == 0 {
		return v, nil, malformed("%s is missing", what)
	}
	rest, err := asn1.Unmarshal(b, &v)
	if err != nil {
		return v, nil, malformed("%s: %v", what, err)
	}
	return v, rest, nil
}

// read reads the DER element at the start of b, which must be want.
func read(b []byte, want element, what string) (asn1.RawValue, []byte, error) {
	v, rest, err := readAny(b, what)
	if err != nil {
		return v, nil, err
	}
	if got := identifierOf(v); got != want {
		return v, nil, malformed("%s is %s, want %s", what, got, want)
	}
	return v, rest, nil
}

// next reports whether b starts with an element with the identifier e.
// Only single-octet identifiers are recognized, which is all the optional
// fields of SignedData use.
func next(b []byte, e element) bool {
	if len(b) == 0 || b[0]&0x1f == 0x1f {
		return false
	}
	return int(b[0]>>6) == e.class && int(b[0]&0x1f) == e.tag && (b[0]&0x20 != 0) == e.compound
}

// noTrailing checks that nothing follows the last field of a structure.
func noTrailing(rest []byte, what string) error {
	if len(rest) != 0 {
		return malformed("%d unexpected bytes after the last field of %s", len(rest), what)
	}
	return nil
}

func readOID(b []byte, what string) (asn1.ObjectIdentifier, []byte, error) {
	v, rest, err := read(b, elemOID, what)
	if err != nil {
		return nil, nil, err
	}
	var oid asn1.ObjectIdentifier
	if _, err := asn1.Unmarshal(v.FullBytes, &oid); err != nil {
		return nil, nil, malformed("%s: %v", what, err)
	}
	return oid, rest, nil
}

func readInt(b []byte, what string) (int, []byte, error) {
	v, rest, err := read(b, elemInteger, what)
	if err != nil {
		return 0, nil, err
	}
	var n int
	if _, err := asn1.Unmarshal(v.FullBytes, &n); err != nil {
		return 0, nil, malformed("%s: %v", what, err)
	}
	return n, rest, nil
}

// algorithmIdentifier is an AlgorithmIdentifier whose parameters are
// either absent or NULL: the only forms the digest and signature
// algorithms here take (RFC 5754 §2, RFC 3370 §3.2, RFC 5753 §2.1.1).
type algorithmIdentifier struct {
	oid asn1.ObjectIdentifier
	// params holds the parameters' DER when they are present but not NULL;
	// they are refused when the algorithm is used.
	params []byte
}

func readAlgorithmIdentifier(b []byte, what string) (algorithmIdentifier, []byte, error) {
	var a algorithmIdentifier
	seq, rest, err := read(b, elemSequence, what)
	if err != nil {
		return a, nil, err
	}
	oid, inner, err := readOID(seq.Bytes, what+".algorithm")
	if err != nil {
		return a, nil, err
	}
	a.oid = oid
	if len(inner) > 0 {
		p, after, err := readAny(inner, what+".parameters")
		if err != nil {
			return a, nil, err
		}
		if err := noTrailing(after, what); err != nil {
			return a, nil, err
		}
		if !(p.Class == asn1.ClassUniversal && p.Tag == asn1.TagNull && !p.IsCompound && len(p.Bytes) == 0) {
			a.params = p.FullBytes
		}
	}
	return a, rest, nil
}

// checkParameters refuses parameters other than absent or NULL.
func (a algorithmIdentifier) checkParameters(what string) error {
	if a.params != nil {
		return algorithmError("%s %s has parameters (%d bytes of DER); only absent or NULL parameters are accepted",
			what, describeOID(a.oid), len(a.params))
	}
	return nil
}

// appendTLV appends one DER element with the identifier octet tag and the
// concatenation of parts as its contents.
func appendTLV(b []byte, tag byte, parts ...[]byte) []byte {
	n := 0
	for _, p := range parts {
		n += len(p)
	}
	b = append(b, tag)
	if n < 0x80 {
		b = append(b, byte(n))
	} else {
		var l [8]byte
		i := len(l)
		for m := n; m > 0; m >>= 8 {
			i--
			l[i] = byte(m)
		}
		b = append(b, 0x80|byte(len(l)-i))
		b = append(b, l[i:]...)
	}
	for _, p := range parts {
		b = append(b, p...)
	}
	return b
}

func tlv(tag byte, parts ...[]byte) []byte { return appendTLV(nil, tag, parts...) }

// Messages quote what the input says (names, identifiers), so they are cut
// to a readable length: a hostile input must not make an error message
// megabytes long.
const maxQuoted = 64

// shortHex is b in hex, cut after maxQuoted bytes.
func shortHex(b []byte) string {
	if len(b) <= maxQuoted {
		return fmt.Sprintf("%x", b)
	}
	return fmt.Sprintf("%x... (%d bytes)", b[:maxQuoted], len(b))
}

// shortString is s quoted, cut after maxQuoted runes.
func shortString(s string) string {
	if r := []rune(s); len(r) > maxQuoted {
		return fmt.Sprintf("%q... (%d characters)", string(r[:maxQuoted]), len(r))
	}
	return fmt.Sprintf("%q", s)
}

// describeName is a distinguished name in its string form, for messages.
func describeName(der []byte) string {
	var rdn pkix.RDNSequence
	if rest, err := asn1.Unmarshal(der, &rdn); err != nil || len(rest) != 0 {
		return fmt.Sprintf("unparsable name of %d bytes", len(der))
	}
	var n pkix.Name
	n.FillFromRDNSequence(&rdn)
	return shortString(n.String())
}

// describeKey names a certificate's key for messages: type and size, or the
// SubjectPublicKeyInfo algorithm for keys crypto/x509 does not parse.
func describeKey(cert *x509.Certificate) string {
	switch k := cert.PublicKey.(type) {
	case *rsa.PublicKey:
		return fmt.Sprintf("an RSA-%d key", k.N.BitLen())
	case *ecdsa.PublicKey:
		return "an ECDSA " + k.Curve.Params().Name + " key"
	case nil:
		var spki struct {
			Algorithm pkix.AlgorithmIdentifier
			Key       asn1.BitString
		}
		if _, err := asn1.Unmarshal(cert.RawSubjectPublicKeyInfo, &spki); err == nil {
			return "a key of algorithm " + describeOID(spki.Algorithm.Algorithm)
		}
		return "an unparsable key"
	default:
		return fmt.Sprintf("a %s key", cert.PublicKeyAlgorithm)
	}
}

// describeCert names a certificate for messages.
func describeCert(cert *x509.Certificate) string {
	return fmt.Sprintf("%s (serial %s)", shortString(cert.Subject.String()), describeSerial(cert.SerialNumber))
}

// describeSerial is a serial number in decimal, or its size when it is
// longer than any real one (RFC 5280 §4.1.2.2 allows 20 octets).
func describeSerial(n *big.Int) string {
	if n == nil {
		return "none"
	}
	if n.BitLen() > 8*maxQuoted {
		return fmt.Sprintf("of %d bits", n.BitLen())
	}
	return n.String()
}
