package dsig

import (
	"crypto"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"sync"

	"github.com/beevik/etree"
)

// Profile selects the transforms of a reference.
type Profile int

const (
	// ProfileSMEV: exclusive c14n, then the SMEV transform (what SMEV 3
	// requires of its participants).
	ProfileSMEV Profile = iota
	// ProfileStandard: exclusive c14n only, which any XMLDSig toolkit
	// (xmlsec1, Apache Santuario) verifies.
	ProfileStandard
)

// ParseProfile reads "smev" or "standard".
func ParseProfile(s string) (Profile, error) {
	switch s {
	case "smev":
		return ProfileSMEV, nil
	case "standard":
		return ProfileStandard, nil
	}
	return 0, fmt.Errorf("dsig: unknown profile %q (want smev or standard)", s)
}

// Signer makes detached signatures with one key. It is safe for concurrent
// use if its key is.
type Signer struct {
	key     crypto.Signer
	certs   []*x509.Certificate
	method  string
	profile Profile
	// tags are the qualified names of the signature's elements and
	// certText the certificates in base64, made once: every signature has
	// them.
	tags     signatureTags
	certText []string
}

// signatureTags are the qualified names Sign writes.
type signatureTags struct {
	xmlns, signature, signedInfo, c14nMethod, signatureMethod, reference, transforms, transform,
	digestMethod, digestValue, signatureValue, keyInfo, x509Data, x509Certificate string
}

func newSignatureTags(prefix string) signatureTags {
	p := prefix + ":"
	return signatureTags{xmlns: "xmlns:" + prefix, signature: p + "Signature", signedInfo: p + "SignedInfo",
		c14nMethod: p + "CanonicalizationMethod", signatureMethod: p + "SignatureMethod", reference: p + "Reference",
		transforms: p + "Transforms", transform: p + "Transform", digestMethod: p + "DigestMethod", digestValue: p + "DigestValue",
		signatureValue: p + "SignatureValue", keyInfo: p + "KeyInfo", x509Data: p + "X509Data", x509Certificate: p + "X509Certificate"}
}

// NewSigner returns a signer for key, whose certificate is certs[0]; further
// certificates (intermediates) go into KeyInfo too. The signature algorithm
// follows the key: ECDSA P-256 with SHA-256, RSA (2048 bits or more) with
// SHA-256, or a registered provider's (GOST R 34.10-2012 with Streebog), whose
// digest the references use too.
func NewSigner(key crypto.Signer, certs []*x509.Certificate, profile Profile) (*Signer, error) {
	if len(certs) == 0 {
		return nil, errors.New("dsig: a signer needs its certificate")
	}
	method, err := SignatureMethodFor(key.Public())
	if err != nil {
		return nil, err
	}
	certKey, err := PublicKey(certs[0])
	if err != nil {
		return nil, err
	}
	if !publicKeysEqual(key.Public(), certKey) {
		return nil, errors.New("dsig: the key does not match the certificate")
	}
	s := &Signer{key: key, certs: certs, method: method, profile: profile, tags: newSignatureTags("ds")}
	for _, c := range certs {
		s.certText = append(s.certText, base64.StdEncoding.EncodeToString(c.Raw))
	}
	return s, nil
}

// Certificate returns the signer's certificate.
func (s *Signer) Certificate() *x509.Certificate { return s.certs[0] }

func publicKeysEqual(a, b crypto.PublicKey) bool {
	type equaler interface{ Equal(crypto.PublicKey) bool }
	e, ok := a.(equaler)
	return ok && e.Equal(b)
}

// Sign returns a ds:Signature over target (and over more, one Reference
// each), which must carry an Id attribute and stay in its document: digests
// are computed in the namespace context of their ancestors. The caller places
// the returned element (a sibling of target in SMEV, never inside it).
func (s *Signer) Sign(target *etree.Element, more ...*etree.Element) (*etree.Element, error) {
	m, _ := lookupMethod(s.method)
	transforms := []string{C14NExclusive, SMEVTransformURI}
	if s.profile == ProfileStandard {
		transforms = transforms[:1]
	}
	tg := &s.tags
	sig := etree.NewElement(tg.signature)
	sig.CreateAttr(tg.xmlns, Namespace)
	si := sig.CreateElement(tg.signedInfo)
	si.CreateElement(tg.c14nMethod).CreateAttr("Algorithm", C14NExclusive)
	si.CreateElement(tg.signatureMethod).CreateAttr("Algorithm", s.method)
	for _, el := range append([]*etree.Element{target}, more...) {
		id := el.SelectAttrValue("Id", "")
		if id == "" {
			return nil, fmt.Errorf("%w: the element to sign has no Id attribute", ErrTarget)
		}
		digest, err := referenceDigest(el, transforms, nil, m.Digest)
		if err != nil {
			return nil, err
		}
		ref := si.CreateElement(tg.reference)
		ref.CreateAttr("URI", "#"+id)
		tr := ref.CreateElement(tg.transforms)
		for _, t := range transforms {
			tr.CreateElement(tg.transform).CreateAttr("Algorithm", t)
		}
		ref.CreateElement(tg.digestMethod).CreateAttr("Algorithm", m.Digest)
		ref.CreateElement(tg.digestValue).SetText(base64.StdEncoding.EncodeToString(digest))
	}

	buf := getBuffer()
	defer putBuffer(buf)
	canon, err := AppendExcC14N((*buf)[:0], si, nil)
	if err != nil {
		return nil, err
	}
	*buf = canon
	h := m.NewHash()
	h.Write(canon)
	value, err := m.Sign(s.key, h.Sum(nil))
	if err != nil {
		return nil, fmt.Errorf("dsig: signing: %w", err)
	}
	sig.CreateElement(tg.signatureValue).SetText(base64.StdEncoding.EncodeToString(value))
	x509Data := sig.CreateElement(tg.keyInfo).CreateElement(tg.x509Data)
	for _, c := range s.certText {
		x509Data.CreateElement(tg.x509Certificate).SetText(c)
	}
	return sig, nil
}

// referenceDigest applies a reference's transforms to target and hashes the
// result.
func referenceDigest(target *etree.Element, transforms []string, inclusive []string, digestMethod string) ([]byte, error) {
	d, ok := lookupDigest(digestMethod)
	newH := d.newHash
	if !ok {
		return nil, fmt.Errorf("%w: digest method %q", ErrAlgorithm, digestMethod)
	}
	buf := getBuffer()
	defer putBuffer(buf)
	var err error
	switch {
	case len(transforms) == 2 && transforms[0] == C14NExclusive && transforms[1] == SMEVTransformURI:
		// The SMEV transform reads the canonical form: computed in one pass.
		*buf, err = AppendSMEV((*buf)[:0], target)
	case len(transforms) == 1 && transforms[0] == C14NExclusive:
		*buf, err = AppendExcC14N((*buf)[:0], target, inclusive)
	default:
		return nil, fmt.Errorf("%w: transforms %q (want exclusive c14n, optionally followed by %s)", ErrAlgorithm, transforms, SMEVTransformURI)
	}
	if err != nil {
		return nil, err
	}
	h := newH()
	h.Write(*buf)
	return h.Sum(nil), nil
}

// buffers are reused for the canonical forms that are only hashed.
var buffers = sync.Pool{New: func() any { b := make([]byte, 0, 8<<10); return &b }}

func getBuffer() *[]byte { return buffers.Get().(*[]byte) }

// putBuffer returns a buffer to the pool unless it grew large.
func putBuffer(b *[]byte) {
	if cap(*b) <= 1<<20 {
		buffers.Put(b)
	}
}

// SignBytes signs data (not XML: a journal checkpoint, say) with the
// signer's key and signature method, which it returns with the value.
func (s *Signer) SignBytes(data []byte) (method string, value []byte, err error) {
	m, _ := lookupMethod(s.method)
	h := m.NewHash()
	h.Write(data)
	value, err = m.Sign(s.key, h.Sum(nil))
	if err != nil {
		return "", nil, fmt.Errorf("dsig: signing: %w", err)
	}
	return s.method, value, nil
}

// Certificates returns the signer's certificate and the intermediates that
// go with it.
func (s *Signer) Certificates() []*x509.Certificate { return slices.Clone(s.certs) }

// VerifyBytes checks a value made by SignBytes with the key of cert. Weak
// methods are refused unless allowWeak. It does not check the certificate's
// chain (VerifyCertificate does).
func VerifyBytes(cert *x509.Certificate, method string, data, value []byte, allowWeak bool) error {
	m, ok := lookupMethod(method)
	if !ok {
		return fmt.Errorf("%w: signature method %q is not supported", ErrAlgorithm, method)
	}
	if m.Weak && !allowWeak {
		return fmt.Errorf("%w: signature method %q is weak and refused by policy", ErrAlgorithm, method)
	}
	pub, err := PublicKey(cert)
	if err != nil {
		return err
	}
	if !m.Fits(pub) {
		return fmt.Errorf("%w: signature method %s does not fit the certificate's %T key", ErrAlgorithm, method, pub)
	}
	h := m.NewHash()
	h.Write(data)
	if err := m.Verify(pub, h.Sum(nil), value); err != nil {
		return fmt.Errorf("%w: %v", ErrSignatureValue, err)
	}
	return nil
}
