package gost

import (
	"crypto"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"hash"
	"io"
	"math/big"

	"go.cypherpunks.ru/gogost/v5/gost3410"
	"go.cypherpunks.ru/gogost/v5/gost34112012256"
)

// Algorithm identifiers.
const (
	// SignatureMethod is the XMLDSig URI of GOST R 34.10-2012 (256) with
	// GOST R 34.11-2012 (256).
	SignatureMethod = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256"
	// DigestMethod is the XMLDSig URI of GOST R 34.11-2012 (256).
	DigestMethod = "urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34112012-256"
)

// Size is the length of a signature, and twice the length of a coordinate.
const Size = 64

// NewHash returns a Streebog-256 hash.
func NewHash() hash.Hash { return gost34112012256.New() }

// arithmetic is the elliptic-curve work signing and verification need.
type arithmetic interface {
	// baseMult returns k·G for a secret k (big-endian).
	baseMult(k []byte) (x, y *big.Int, err error)
	// combinedMult returns u1·G + u2·P for public scalars (big-endian).
	combinedMult(px, py *big.Int, u1, u2 []byte) (x, y *big.Int, err error)
}

// PublicKey is a GOST R 34.10-2012 public key.
type PublicKey struct {
	set  *paramSet
	X, Y *big.Int
}

// ParamSet returns the name of the key's curve parameter set.
func (k *PublicKey) ParamSet() string { return k.set.name }

// Equal reports whether two keys are the same point on the same curve.
func (k *PublicKey) Equal(other crypto.PublicKey) bool {
	o, ok := other.(*PublicKey)
	return ok && o.set == k.set && o.X.Cmp(k.X) == 0 && o.Y.Cmp(k.Y) == 0
}

// raw returns LE(X) || LE(Y), the form certificates carry.
func (k *PublicKey) raw() []byte {
	out := make([]byte, Size)
	k.X.FillBytes(out[:Size/2])
	k.Y.FillBytes(out[Size/2:])
	reverse(out[:Size/2])
	reverse(out[Size/2:])
	return out
}

// PrivateKey is a GOST R 34.10-2012 private key. It is a crypto.Signer whose
// Sign takes a Streebog-256 digest as the hash function returns it.
type PrivateKey struct {
	set *paramSet
	d   *big.Int
	pub *PublicKey
}

// GenerateKey makes a key on the default parameter set (CryptoPro A) from
// rnd (crypto/rand when nil).
func GenerateKey(rnd io.Reader) (*PrivateKey, error) {
	return generateKey(defaultSet, rnd)
}

func generateKey(set *paramSet, rnd io.Reader) (*PrivateKey, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	for {
		raw := make([]byte, Size/2)
		if _, err := io.ReadFull(rnd, raw); err != nil {
			return nil, err
		}
		d := new(big.Int).SetBytes(raw)
		if d.Sign() > 0 && d.Cmp(set.q) < 0 {
			return newPrivateKey(set, d)
		}
	}
}

func newPrivateKey(set *paramSet, d *big.Int) (*PrivateKey, error) {
	if d.Sign() <= 0 || d.Cmp(set.q) >= 0 {
		return nil, errors.New("gost: private key out of range")
	}
	x, y, err := set.arith.baseMult(d.FillBytes(make([]byte, Size/2)))
	if err != nil {
		return nil, err
	}
	return &PrivateKey{set: set, d: d, pub: &PublicKey{set: set, X: x, Y: y}}, nil
}

// Public returns the key's *PublicKey.
func (k *PrivateKey) Public() crypto.PublicKey { return k.pub }

// Sign signs a Streebog-256 digest (opts is ignored) and returns s || r.
func (k *PrivateKey) Sign(rnd io.Reader, digest []byte, _ crypto.SignerOpts) ([]byte, error) {
	if rnd == nil {
		rnd = rand.Reader
	}
	if len(digest) != Size/2 {
		return nil, fmt.Errorf("gost: digest is %d bytes, want %d", len(digest), Size/2)
	}
	q := k.set.q
	e := digestInt(digest, q)
	kb := make([]byte, Size/2+8) // extra bytes make k mod q all but uniform
	for {
		if _, err := io.ReadFull(rnd, kb); err != nil {
			return nil, err
		}
		n := new(big.Int).SetBytes(kb)
		n.Mod(n, q)
		if n.Sign() == 0 {
			continue
		}
		cx, _, err := k.set.arith.baseMult(n.FillBytes(make([]byte, Size/2)))
		if err != nil {
			return nil, err
		}
		r := cx.Mod(cx, q)
		if r.Sign() == 0 {
			continue
		}
		// s = r·d + k·e (mod q)
		s := new(big.Int).Mul(r, k.d)
		s.Add(s, n.Mul(n, e))
		s.Mod(s, q)
		if s.Sign() == 0 {
			continue
		}
		out := make([]byte, Size)
		s.FillBytes(out[:Size/2])
		r.FillBytes(out[Size/2:])
		return out, nil
	}
}

// Verify checks a signature s || r over a Streebog-256 digest.
func Verify(pub *PublicKey, digest, sig []byte) error {
	if len(sig) != Size {
		return fmt.Errorf("GOST signature is %d bytes, want %d", len(sig), Size)
	}
	if len(digest) != Size/2 {
		return fmt.Errorf("GOST digest is %d bytes, want %d", len(digest), Size/2)
	}
	q := pub.set.q
	s := new(big.Int).SetBytes(sig[:Size/2])
	r := new(big.Int).SetBytes(sig[Size/2:])
	if r.Sign() <= 0 || r.Cmp(q) >= 0 || s.Sign() <= 0 || s.Cmp(q) >= 0 {
		return errors.New("GOST signature out of range")
	}
	e := digestInt(digest, q)
	v := new(big.Int).ModInverse(e, q)
	z1 := new(big.Int).Mul(s, v)
	z1.Mod(z1, q)
	z2 := new(big.Int).Mul(r, v)
	z2.Mod(z2, q)
	z2.Sub(q, z2).Mod(z2, q)
	cx, _, err := pub.set.arith.combinedMult(pub.X, pub.Y, z1.FillBytes(make([]byte, Size/2)), z2.FillBytes(make([]byte, Size/2)))
	if err != nil {
		return errors.New("GOST verification failed")
	}
	cx.Mod(cx, q)
	if subtle.ConstantTimeCompare(cx.FillBytes(make([]byte, Size/2)), r.FillBytes(make([]byte, Size/2))) != 1 {
		return errors.New("GOST verification failed")
	}
	return nil
}

// digestInt reads a digest as the standard does (little-endian), modulo q,
// with 0 replaced by 1.
func digestInt(digest []byte, q *big.Int) *big.Int {
	le := make([]byte, len(digest))
	copy(le, digest)
	reverse(le)
	e := new(big.Int).SetBytes(le)
	e.Mod(e, q)
	if e.Sign() == 0 {
		e.SetInt64(1)
	}
	return e
}

func reverse(b []byte) {
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
}

// libraryArithmetic does the curve work with gogost's affine arithmetic. It
// is the reference the fast arithmetic is tested against.
type libraryArithmetic struct{ c *gost3410.Curve }

func (a libraryArithmetic) baseMult(k []byte) (*big.Int, *big.Int, error) {
	return a.c.Exp(new(big.Int).SetBytes(k), a.c.X, a.c.Y)
}

func (a libraryArithmetic) combinedMult(px, py *big.Int, u1, u2 []byte) (*big.Int, *big.Int, error) {
	x1, y1, err := a.c.Exp(new(big.Int).SetBytes(u1), a.c.X, a.c.Y)
	if err != nil {
		return nil, nil, err
	}
	x2, y2, err := a.c.Exp(new(big.Int).SetBytes(u2), px, py)
	if err != nil {
		return nil, nil, err
	}
	return affineAdd(a.c.P, a.c.A, x1, y1, x2, y2)
}

// affineAdd adds two affine points (neither the point at infinity).
func affineAdd(p, a, x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int, error) {
	var l *big.Int
	if x1.Cmp(x2) == 0 {
		if new(big.Int).Add(y1, y2).Mod(new(big.Int).Add(y1, y2), p).Sign() == 0 {
			return nil, nil, errors.New("gost: the sum is the point at infinity")
		}
		// tangent: (3x² + a) / 2y
		num := new(big.Int).Mul(x1, x1)
		num.Mul(num, big.NewInt(3)).Add(num, a)
		den := new(big.Int).Lsh(y1, 1)
		l = num.Mul(num, den.ModInverse(den.Mod(den, p), p))
	} else {
		num := new(big.Int).Sub(y2, y1)
		den := new(big.Int).Sub(x2, x1)
		den.Mod(den, p)
		l = num.Mul(num, den.ModInverse(den, p))
	}
	l.Mod(l, p)
	x3 := new(big.Int).Mul(l, l)
	x3.Sub(x3, x1).Sub(x3, x2).Mod(x3, p)
	y3 := new(big.Int).Sub(x1, x3)
	y3.Mul(y3, l).Sub(y3, y1).Mod(y3, p)
	return x3, y3, nil
}
