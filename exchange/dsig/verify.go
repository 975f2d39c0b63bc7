package dsig

import (
	"crypto/subtle"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
)

// Verifier checks detached signatures against a trust store. It is safe for
// concurrent use.
type Verifier struct {
	trust     *TrustStore
	now       func() time.Time
	cache     certCache
	allowWeak bool
	revoked   RevocationChecker
}

// RevocationChecker says whether a certificate of a verified chain has been
// revoked; *CRLSet is one.
type RevocationChecker interface {
	// CheckChain returns an error wrapping ErrRevoked when a certificate of
	// chain (leaf first) is revoked at now.
	CheckChain(chain []*x509.Certificate, now time.Time) error
}

// Option configures a Verifier.
type Option func(*Verifier)

// AllowWeak makes the verifier accept weak algorithms (SHA-1 digests and
// RSA-SHA1 signatures), which it refuses by default.
func AllowWeak(allow bool) Option { return func(v *Verifier) { v.allowWeak = allow } }

// WithRevocation makes the verifier consult r for every chain it accepts,
// including chains it verified before (a revocation takes effect at once).
func WithRevocation(r RevocationChecker) Option { return func(v *Verifier) { v.revoked = r } }

// certCache remembers parsed KeyInfo certificates and the chains already
// verified for them, so that a participant's every call does not pay for
// parsing and checking the same certificate again. A chain is reused only
// within the validity period of every certificate in it.
type certCache struct {
	mu     sync.Mutex
	parsed map[string]*x509.Certificate // by the base64 text of KeyInfo
	chains map[string]verifiedChain     // by the leaf's DER
}

type verifiedChain struct {
	chain       []*x509.Certificate
	from, until time.Time
}

const certCacheSize = 4096

// parse returns the certificate written in base64 in an X509Certificate
// element.
func (c *certCache) parse(text string) (*x509.Certificate, error) {
	c.mu.Lock()
	cert, ok := c.parsed[text]
	c.mu.Unlock()
	if ok {
		return cert, nil
	}
	der, err := decodeBase64(text)
	if err != nil {
		return nil, fmt.Errorf("%w: X509Certificate: %v", ErrMalformed, err)
	}
	if cert, err = x509.ParseCertificate(der); err != nil {
		return nil, fmt.Errorf("%w: X509Certificate: %v", ErrCertificate, err)
	}
	c.mu.Lock()
	if c.parsed == nil || len(c.parsed) >= certCacheSize {
		c.parsed = map[string]*x509.Certificate{}
	}
	c.parsed[text] = cert
	c.mu.Unlock()
	return cert, nil
}

func (c *certCache) chain(leaf *x509.Certificate, now time.Time) ([]*x509.Certificate, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, ok := c.chains[string(leaf.Raw)]
	if !ok || now.Before(v.from) || now.After(v.until) {
		return nil, false
	}
	return v.chain, true
}

func (c *certCache) remember(chain []*x509.Certificate) {
	v := verifiedChain{chain: chain, from: chain[0].NotBefore, until: chain[0].NotAfter}
	for _, x := range chain[1:] {
		if x.NotBefore.After(v.from) {
			v.from = x.NotBefore
		}
		if x.NotAfter.Before(v.until) {
			v.until = x.NotAfter
		}
	}
	c.mu.Lock()
	if c.chains == nil || len(c.chains) >= certCacheSize {
		c.chains = map[string]verifiedChain{}
	}
	c.chains[string(chain[0].Raw)] = v
	c.mu.Unlock()
}

// NewVerifier returns a verifier that trusts t and reads the time from now
// (time.Now when nil).
func NewVerifier(t *TrustStore, now func() time.Time, opts ...Option) *Verifier {
	if now == nil {
		now = time.Now
	}
	v := &Verifier{trust: t, now: now}
	for _, o := range opts {
		o(v)
	}
	return v
}

// Verified is what a successful verification establishes.
type Verified struct {
	// Element is the element the signature covers: the one element of the
	// document whose Id the reference names. Only this element (and its
	// descendants) may be trusted.
	Element *etree.Element
	// Certificate signed it; Chain leads from it to a trust anchor.
	Certificate *x509.Certificate
	Chain       []*x509.Certificate
	// SignatureMethod and Transforms are the algorithms used.
	SignatureMethod string
	Transforms      []string
}

// Verify checks the ds:Signature element sig, which lives in doc, and
// requires one of its References (every one of which must verify) to name
// want (when want is not nil). It
// checks, in order: the structure; the algorithms against the policy
// (exclusive c14n, a registered non-weak signature method and digest:
// RSA-SHA256, ECDSA-P256-SHA256, and GOST R 34.10-2012 with Streebog when its
// provider is built in; a same-document "#Id" reference; exclusive c14n
// optionally followed by the SMEV transform); that the Id names exactly one
// element of the document and that it is want; the digest; the signature
// value with the certificate in KeyInfo; and the certificate chain to a trust
// anchor at the current time, with revocation when configured.
//
// A nil error promises that Verified.Element is exactly what the signer
// signed; nothing else of the document is covered.
func (v *Verifier) Verify(doc *etree.Element, sig *etree.Element, want *etree.Element) (*Verified, error) {
	if sig == nil {
		return nil, ErrNoSignature
	}
	if sig.Tag != "Signature" || sig.NamespaceURI() != Namespace {
		return nil, fmt.Errorf("%w: <%s> is not a ds:Signature", ErrMalformed, sig.FullTag())
	}
	si, err := onlyChild(sig, "SignedInfo")
	if err != nil {
		return nil, err
	}
	cm, err := onlyChild(si, "CanonicalizationMethod")
	if err != nil {
		return nil, err
	}
	if alg := cm.SelectAttrValue("Algorithm", ""); alg != C14NExclusive {
		return nil, fmt.Errorf("%w: CanonicalizationMethod %q (want %s)", ErrAlgorithm, alg, C14NExclusive)
	}
	siInclusive, err := inclusivePrefixes(cm)
	if err != nil {
		return nil, err
	}
	sm, err := onlyChild(si, "SignatureMethod")
	if err != nil {
		return nil, err
	}
	method := sm.SelectAttrValue("Algorithm", "")
	alg, ok := lookupMethod(method)
	if !ok {
		return nil, fmt.Errorf("%w: SignatureMethod %q is not supported", ErrAlgorithm, method)
	}
	if alg.Weak && !v.allowWeak {
		return nil, fmt.Errorf("%w: SignatureMethod %q is weak and refused by policy", ErrAlgorithm, method)
	}
	refs := dsChildren(si, "Reference")
	if len(refs) == 0 || len(refs) > maxReferences {
		return nil, fmt.Errorf("%w: SignedInfo has %d references (1 to %d are accepted)", ErrMalformed, len(refs), maxReferences)
	}
	// Resolve every reference first: a signature that does not cover want
	// is refused before any digest is computed. Then every digest must
	// match; the reference that names want is the result.
	resolved := make([]*reference, len(refs))
	var chosen *reference
	for i, ref := range refs {
		r, err := resolveReference(doc, ref, v.allowWeak)
		if err != nil {
			return nil, err
		}
		resolved[i] = r
		if chosen == nil && (want == nil || r.target == want) {
			chosen = r
		}
	}
	if chosen == nil {
		return nil, fmt.Errorf("%w: the signature covers %s, not the <%s> the operation requires to be signed", ErrTarget, describeRefs(refs), want.Tag)
	}
	for _, r := range resolved {
		if err := r.check(); err != nil {
			return nil, err
		}
	}
	target, transforms := chosen.target, chosen.transforms

	// KeyInfo: the signing certificate first, then any intermediates.
	certs, err := v.keyInfoCertificates(sig)
	if err != nil {
		return nil, err
	}
	pub, err := PublicKey(certs[0])
	if err != nil {
		return nil, err
	}
	if !alg.Fits(pub) {
		return nil, fmt.Errorf("%w: SignatureMethod %s does not fit the certificate's %T key", ErrAlgorithm, method, pub)
	}
	svEl, err := onlyChild(sig, "SignatureValue")
	if err != nil {
		return nil, err
	}
	value, err := decodeBase64(svEl.Text())
	if err != nil {
		return nil, fmt.Errorf("%w: SignatureValue: %v", ErrMalformed, err)
	}
	buf := getBuffer()
	defer putBuffer(buf)
	canon, err := AppendExcC14N((*buf)[:0], si, siInclusive)
	if err != nil {
		return nil, err
	}
	*buf = canon
	h := alg.NewHash()
	h.Write(canon)
	if err := alg.Verify(pub, h.Sum(nil), value); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrSignatureValue, err)
	}
	chain, err := v.VerifyCertificate(certs[0], certs[1:])
	if err != nil {
		return nil, err
	}
	return &Verified{Element: target, Certificate: certs[0], Chain: chain, SignatureMethod: method, Transforms: transforms}, nil
}

// VerifyCertificate checks that cert chains to a trust anchor now (through
// the store's intermediates and extra), that every certificate of the chain
// is within its validity period and, when the verifier has revocation lists,
// that none is revoked. It returns the chain, leaf first.
func (v *Verifier) VerifyCertificate(cert *x509.Certificate, extra []*x509.Certificate) ([]*x509.Certificate, error) {
	now := v.now()
	chain, ok := v.cache.chain(cert, now)
	if !ok {
		var err error
		if chain, err = v.trust.Verify(cert, extra, now); err != nil {
			return nil, err
		}
		v.cache.remember(chain)
	}
	if v.revoked != nil {
		if err := v.revoked.CheckChain(chain, now); err != nil {
			return nil, err
		}
	}
	return chain, nil
}

// AllowsWeak reports whether the verifier accepts weak algorithms.
func (v *Verifier) AllowsWeak() bool { return v.allowWeak }

// maxReferences bounds the work one signature can ask for.
const maxReferences = 8

func describeRefs(refs []*etree.Element) string {
	var ids []string
	for _, r := range refs {
		ids = append(ids, fmt.Sprintf("%q", r.SelectAttrValue("URI", "")))
	}
	return "the element(s) " + strings.Join(ids, ", ")
}

// reference is one resolved Reference.
type reference struct {
	uri          string
	target       *etree.Element
	transforms   []string
	inclusive    []string
	digestMethod string
	digest       []byte
}

// check computes the reference's digest and compares it.
func (r *reference) check() error {
	// The SMEV transform leaves processing instructions out of the digest,
	// yet they stay in the element the hub and the recipient read (and
	// etree's Text stops at one): content nobody signed. Refused.
	if slices.Contains(r.transforms, SMEVTransformURI) && holdsProcInst(r.target) {
		return fmt.Errorf("%w: reference %q: the signed element holds a processing instruction, which the SMEV transform leaves unsigned", ErrTarget, r.uri)
	}
	got, err := referenceDigest(r.target, r.transforms, r.inclusive, r.digestMethod)
	if err != nil {
		return err
	}
	if subtle.ConstantTimeCompare(got, r.digest) != 1 {
		return fmt.Errorf("%w: reference %q", ErrDigest, r.uri)
	}
	return nil
}

// holdsProcInst reports whether a processing instruction is anywhere in el.
func holdsProcInst(el *etree.Element) bool {
	for _, t := range el.Child {
		switch t := t.(type) {
		case *etree.ProcInst:
			return true
		case *etree.Element:
			if holdsProcInst(t) {
				return true
			}
		}
	}
	return false
}

// resolveReference checks one Reference against the policy and finds the one
// element it names.
func resolveReference(doc *etree.Element, ref *etree.Element, allowWeak bool) (*reference, error) {
	uri := ref.SelectAttrValue("URI", "")
	if !strings.HasPrefix(uri, "#") || len(uri) == 1 || strings.HasPrefix(uri, "#xpointer(") {
		return nil, fmt.Errorf("%w: Reference URI %q (only a same-document \"#Id\" is accepted)", ErrAlgorithm, uri)
	}
	id := uri[1:]
	var transforms []string
	var inclusive []string
	if trs := dsChildren(ref, "Transforms"); len(trs) > 1 {
		return nil, fmt.Errorf("%w: more than one Transforms", ErrMalformed)
	} else if len(trs) == 1 {
		for _, t := range dsChildren(trs[0], "Transform") {
			a := t.SelectAttrValue("Algorithm", "")
			transforms = append(transforms, a)
			if a == C14NExclusive {
				p, err := inclusivePrefixes(t)
				if err != nil {
					return nil, err
				}
				inclusive = p
			}
		}
	}
	dm, err := onlyChild(ref, "DigestMethod")
	if err != nil {
		return nil, err
	}
	dv, err := onlyChild(ref, "DigestValue")
	if err != nil {
		return nil, err
	}
	wantDigest, err := decodeBase64(dv.Text())
	if err != nil {
		return nil, fmt.Errorf("%w: DigestValue: %v", ErrMalformed, err)
	}
	if d, ok := lookupDigest(dm.SelectAttrValue("Algorithm", "")); !ok {
		return nil, fmt.Errorf("%w: DigestMethod %q is not supported", ErrAlgorithm, dm.SelectAttrValue("Algorithm", ""))
	} else if d.weak && !allowWeak {
		return nil, fmt.Errorf("%w: DigestMethod %q is weak and refused by policy", ErrAlgorithm, dm.SelectAttrValue("Algorithm", ""))
	}
	if len(transforms) == 0 || transforms[0] != C14NExclusive || len(transforms) > 2 || (len(transforms) == 2 && transforms[1] != SMEVTransformURI) {
		return nil, fmt.Errorf("%w: transforms %q (want exclusive c14n, optionally followed by %s)", ErrAlgorithm, transforms, SMEVTransformURI)
	}

	matches := ElementsByID(doc, id)
	switch {
	case len(matches) == 0:
		return nil, fmt.Errorf("%w: no element has Id %q", ErrTarget, id)
	case len(matches) > 1:
		return nil, fmt.Errorf("%w: %d elements have Id %q", ErrTarget, len(matches), id)
	}
	target := matches[0]
	for p := target; p != nil; p = p.Parent() {
		if p == ref {
			return nil, fmt.Errorf("%w: the reference points into the signature", ErrTarget)
		}
	}
	return &reference{uri: uri, target: target, transforms: transforms, inclusive: inclusive,
		digestMethod: dm.SelectAttrValue("Algorithm", ""), digest: wantDigest}, nil
}

// ElementsByID returns every element under (and including) root with an Id,
// ID or id attribute (in no namespace) equal to id. A signature whose Id is
// not unique must be refused: that is how signature wrapping hides a second,
// unsigned copy of the signed element.
func ElementsByID(root *etree.Element, id string) []*etree.Element {
	var out []*etree.Element
	var walk func(el *etree.Element)
	walk = func(el *etree.Element) {
		for _, a := range el.Attr {
			if a.Space == "" && (a.Key == "Id" || a.Key == "ID" || a.Key == "id") && a.Value == id {
				out = append(out, el)
				break
			}
		}
		for _, c := range el.Child {
			if ce, ok := c.(*etree.Element); ok {
				walk(ce)
			}
		}
	}
	walk(root)
	return out
}

// maxKeyInfoCertificates bounds the certificates a signature's KeyInfo may
// carry: the signer's and the intermediates up to a trusted CA, a path no
// longer than maxChainLength.
const maxKeyInfoCertificates = maxChainLength

func (v *Verifier) keyInfoCertificates(sig *etree.Element) ([]*x509.Certificate, error) {
	kis := dsChildren(sig, "KeyInfo")
	if len(kis) != 1 {
		return nil, fmt.Errorf("%w: the signature has no KeyInfo with the signing certificate", ErrCertificate)
	}
	var certs []*x509.Certificate
	for _, xd := range dsChildren(kis[0], "X509Data") {
		for _, xc := range dsChildren(xd, "X509Certificate") {
			if len(certs) == maxKeyInfoCertificates {
				return nil, fmt.Errorf("%w: KeyInfo carries more than %d certificates", ErrCertificate, maxKeyInfoCertificates)
			}
			c, err := v.cache.parse(xc.Text())
			if err != nil {
				return nil, err
			}
			certs = append(certs, c)
		}
	}
	if len(certs) == 0 {
		return nil, fmt.Errorf("%w: KeyInfo carries no X509Certificate", ErrCertificate)
	}
	return certs, nil
}

// dsChildren returns the child elements of el in the XMLDSig namespace with
// the given local name.
func dsChildren(el *etree.Element, local string) []*etree.Element {
	var out []*etree.Element
	for c := range el.ChildElementsSeq() {
		if c.Tag == local && c.NamespaceURI() == Namespace {
			out = append(out, c)
		}
	}
	return out
}

func onlyChild(el *etree.Element, local string) (*etree.Element, error) {
	var only *etree.Element
	n := 0
	for c := range el.ChildElementsSeq() {
		if c.Tag == local && c.NamespaceURI() == Namespace {
			only = c
			n++
		}
	}
	if n != 1 {
		return nil, fmt.Errorf("%w: <%s> must have exactly one ds:%s, it has %d", ErrMalformed, el.Tag, local, n)
	}
	return only, nil
}

// inclusivePrefixes reads an InclusiveNamespaces PrefixList under a
// CanonicalizationMethod or Transform element.
func inclusivePrefixes(el *etree.Element) ([]string, error) {
	for c := range el.ChildElementsSeq() {
		if c.Tag == "InclusiveNamespaces" && c.NamespaceURI() == C14NExclusive {
			return strings.Fields(c.SelectAttrValue("PrefixList", "")), nil
		}
		return nil, fmt.Errorf("%w: unexpected <%s> in <%s>", ErrAlgorithm, c.FullTag(), el.Tag)
	}
	return nil, nil
}

// decodeBase64 decodes base64 text that may be wrapped over lines.
func decodeBase64(s string) ([]byte, error) {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
	return base64.StdEncoding.DecodeString(s)
}
