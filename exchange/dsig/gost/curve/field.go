package curve

import (
	"math/big"
	"math/bits"
)

// fieldElement is an integer modulo an odd modulus m < 2^256, four 64-bit
// limbs, least significant first. Inside the curve arithmetic it always holds
// the Montgomery form x·R mod m with R = 2^256, fully reduced (< m), so equal
// values have equal representations.
type fieldElement [4]uint64

// montField is Montgomery arithmetic modulo one odd m < 2^256. The same code
// serves the coordinate field (m = p) and the scalars (m = q).
//
// The arithmetic (add, sub, neg, mul, sqr, invert) runs in time independent
// of the operand values.
type montField struct {
	m   fieldElement // the modulus
	inv uint64       // −m⁻¹ mod 2^64
	rr  fieldElement // R² mod m: multiplying by it enters Montgomery form
	one fieldElement // R mod m: the Montgomery form of 1
	e   fieldElement // m − 2, the Fermat inversion exponent
}

// newMontField returns the arithmetic modulo m, which must be odd, > 2 and
// < 2^256.
func newMontField(m *big.Int) *montField {
	f := new(montField)
	f.m = limbsOf(m)

	// Newton iteration for m⁻¹ mod 2^64: each step doubles the number of
	// correct low bits, and x = m is already correct to 3 bits for odd m.
	x := f.m[0]
	for i := 0; i < 5; i++ {
		x *= 2 - f.m[0]*x
	}
	f.inv = -x

	r := new(big.Int).Lsh(big.NewInt(1), 256)
	f.one = limbsOf(new(big.Int).Mod(r, m))
	f.rr = limbsOf(new(big.Int).Mod(new(big.Int).Mul(r, r), m))
	f.e = limbsOf(new(big.Int).Sub(m, big.NewInt(2)))
	return f
}

// limbsOf converts 0 ≤ v < 2^256 to limbs.
func limbsOf(v *big.Int) fieldElement {
	var buf [32]byte
	v.FillBytes(buf[:])
	return limbsFromBytes(&buf)
}

// limbsFromBytes reads a 32-byte big-endian integer.
func limbsFromBytes(b *[32]byte) fieldElement {
	var z fieldElement
	for i := 0; i < 4; i++ {
		off := 24 - 8*i
		z[i] = uint64(b[off])<<56 | uint64(b[off+1])<<48 | uint64(b[off+2])<<40 |
			uint64(b[off+3])<<32 | uint64(b[off+4])<<24 | uint64(b[off+5])<<16 |
			uint64(b[off+6])<<8 | uint64(b[off+7])
	}
	return z
}

// bigOf converts limbs to a new big.Int.
func bigOf(z *fieldElement) *big.Int {
	var buf [32]byte
	for i := 0; i < 4; i++ {
		off := 24 - 8*i
		v := z[i]
		for j := 7; j >= 0; j-- {
			buf[off+j] = byte(v)
			v >>= 8
		}
	}
	return new(big.Int).SetBytes(buf[:])
}

// toMont returns the Montgomery form of 0 ≤ v < m.
func (f *montField) toMont(v *big.Int) fieldElement {
	z := limbsOf(v)
	f.mul(&z, &z, &f.rr)
	return z
}

// fromMont returns the integer a Montgomery-form element stands for.
func (f *montField) fromMont(x *fieldElement) *big.Int {
	z := f.plain(x)
	return bigOf(&z)
}

// plain leaves Montgomery form: x·R⁻¹ mod m.
func (f *montField) plain(x *fieldElement) fieldElement {
	var z fieldElement
	f.mul(&z, x, &fieldElement{1})
	return z
}

// add sets z = x + y mod m.
func (f *montField) add(z, x, y *fieldElement) {
	t0, c := bits.Add64(x[0], y[0], 0)
	t1, c := bits.Add64(x[1], y[1], c)
	t2, c := bits.Add64(x[2], y[2], c)
	t3, c := bits.Add64(x[3], y[3], c)
	// The sum may need 257 bits when m is close to 2^256, so the carry takes
	// part in the comparison with m.
	s0, b := bits.Sub64(t0, f.m[0], 0)
	s1, b := bits.Sub64(t1, f.m[1], b)
	s2, b := bits.Sub64(t2, f.m[2], b)
	s3, b := bits.Sub64(t3, f.m[3], b)
	_, b = bits.Sub64(c, 0, b)
	keep := -b // all ones when the sum is below m
	z[0] = t0&keep | s0&^keep
	z[1] = t1&keep | s1&^keep
	z[2] = t2&keep | s2&^keep
	z[3] = t3&keep | s3&^keep
}

// sub sets z = x − y mod m.
func (f *montField) sub(z, x, y *fieldElement) {
	t0, b := bits.Sub64(x[0], y[0], 0)
	t1, b := bits.Sub64(x[1], y[1], b)
	t2, b := bits.Sub64(x[2], y[2], b)
	t3, b := bits.Sub64(x[3], y[3], b)
	mask := -b // all ones when the difference went negative: add m back
	t0, c := bits.Add64(t0, f.m[0]&mask, 0)
	t1, c = bits.Add64(t1, f.m[1]&mask, c)
	t2, c = bits.Add64(t2, f.m[2]&mask, c)
	t3, _ = bits.Add64(t3, f.m[3]&mask, c)
	z[0], z[1], z[2], z[3] = t0, t1, t2, t3
}

// neg sets z = −x mod m.
func (f *montField) neg(z, x *fieldElement) {
	f.sub(z, &fieldElement{}, x)
}

// invert sets z = x⁻¹ mod m (Montgomery form in and out) as x^(m−2), which is
// the inverse for prime m, and 0 for x = 0. The exponent is public, so a
// fixed 4-bit window indexed by it leaks nothing about x.
func (f *montField) invert(z, x *fieldElement) {
	var table [16]fieldElement
	table[0] = f.one
	table[1] = *x
	for i := 2; i < 16; i++ {
		f.mul(&table[i], &table[i-1], x)
	}
	acc := f.one
	for i := 63; i >= 0; i-- {
		f.sqr(&acc, &acc)
		f.sqr(&acc, &acc)
		f.sqr(&acc, &acc)
		f.sqr(&acc, &acc)
		d := (f.e[i/16] >> (4 * uint(i%16))) & 15
		f.mul(&acc, &acc, &table[d])
	}
	*z = acc
}

// isZero reports whether x = 0, branching on the result: for public values.
func (x *fieldElement) isZero() bool {
	return x[0]|x[1]|x[2]|x[3] == 0
}

// zeroMask returns all ones when x = 0 and zero otherwise, without branching.
func (x *fieldElement) zeroMask() uint64 {
	return ^nonZeroMask(x[0] | x[1] | x[2] | x[3])
}

// selectFE sets z = x when mask is all ones and z = y when mask is zero.
func selectFE(z, x, y *fieldElement, mask uint64) {
	z[0] = x[0]&mask | y[0]&^mask
	z[1] = x[1]&mask | y[1]&^mask
	z[2] = x[2]&mask | y[2]&^mask
	z[3] = x[3]&mask | y[3]&^mask
}

// mul sets z = x·y·R⁻¹ mod m by finely integrated product scanning: each
// column of the product x·y and of the reduction multiple u·m is summed into
// a three-word accumulator, the Montgomery digit u_k chosen so that the
// column's low word vanishes. x and y must be below 2^256 and at least one of
// them below m; the result, below 2m before the final subtraction, is then
// canonical. z may alias x or y.
func (f *montField) mul(z, x, y *fieldElement) {
	var a0, a1, a2, hi, lo, c uint64
	var u0, u1, u2, u3 uint64
	var r0, r1, r2, r3 uint64
	hi, lo = bits.Mul64(x[0], y[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	u0 = a0 * f.inv
	hi, lo = bits.Mul64(u0, f.m[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[0], y[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[1], y[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u0, f.m[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	u1 = a0 * f.inv
	hi, lo = bits.Mul64(u1, f.m[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[0], y[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[1], y[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[2], y[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u0, f.m[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u1, f.m[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	u2 = a0 * f.inv
	hi, lo = bits.Mul64(u2, f.m[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[0], y[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[1], y[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[2], y[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[3], y[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u0, f.m[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u1, f.m[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u2, f.m[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	u3 = a0 * f.inv
	hi, lo = bits.Mul64(u3, f.m[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[1], y[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[2], y[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[3], y[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u1, f.m[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u2, f.m[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u3, f.m[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	r0 = a0
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[2], y[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[3], y[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u2, f.m[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u3, f.m[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	r1 = a0
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[3], y[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u3, f.m[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	r2 = a0
	a0, a1, a2 = a1, a2, 0
	r3 = a0
	a0, a1, a2 = a1, a2, 0
	// a0 is now the word above r3; it takes part in the comparison with m.
	s0, b := bits.Sub64(r0, f.m[0], 0)
	s1, b := bits.Sub64(r1, f.m[1], b)
	s2, b := bits.Sub64(r2, f.m[2], b)
	s3, b := bits.Sub64(r3, f.m[3], b)
	_, b = bits.Sub64(a0, 0, b)
	keep := -b
	z[0] = r0&keep | s0&^keep
	z[1] = r1&keep | s1&^keep
	z[2] = r2&keep | s2&^keep
	z[3] = r3&keep | s3&^keep
}

// sqr sets z = x²·R⁻¹ mod m for x < m, as mul does but computing each cross
// product x_i·x_j (i < j) once and doubling it.
func (f *montField) sqr(z, x *fieldElement) {
	var a0, a1, a2, hi, lo, c uint64
	var u0, u1, u2, u3 uint64
	var r0, r1, r2, r3 uint64
	hi, lo = bits.Mul64(x[0], x[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	u0 = a0 * f.inv
	hi, lo = bits.Mul64(u0, f.m[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[0], x[1])
	a2 += hi >> 63
	hi = hi<<1 | lo>>63
	lo <<= 1
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u0, f.m[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	u1 = a0 * f.inv
	hi, lo = bits.Mul64(u1, f.m[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[0], x[2])
	a2 += hi >> 63
	hi = hi<<1 | lo>>63
	lo <<= 1
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[1], x[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u0, f.m[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u1, f.m[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	u2 = a0 * f.inv
	hi, lo = bits.Mul64(u2, f.m[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[0], x[3])
	a2 += hi >> 63
	hi = hi<<1 | lo>>63
	lo <<= 1
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[1], x[2])
	a2 += hi >> 63
	hi = hi<<1 | lo>>63
	lo <<= 1
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u0, f.m[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u1, f.m[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u2, f.m[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	u3 = a0 * f.inv
	hi, lo = bits.Mul64(u3, f.m[0])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[1], x[3])
	a2 += hi >> 63
	hi = hi<<1 | lo>>63
	lo <<= 1
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(x[2], x[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u1, f.m[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u2, f.m[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u3, f.m[1])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	r0 = a0
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[2], x[3])
	a2 += hi >> 63
	hi = hi<<1 | lo>>63
	lo <<= 1
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u2, f.m[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u3, f.m[2])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	r1 = a0
	a0, a1, a2 = a1, a2, 0
	hi, lo = bits.Mul64(x[3], x[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	hi, lo = bits.Mul64(u3, f.m[3])
	a0, c = bits.Add64(a0, lo, 0)
	a1, c = bits.Add64(a1, hi, c)
	a2 += c
	r2 = a0
	a0, a1, a2 = a1, a2, 0
	r3 = a0
	a0, a1, a2 = a1, a2, 0
	s0, b := bits.Sub64(r0, f.m[0], 0)
	s1, b := bits.Sub64(r1, f.m[1], b)
	s2, b := bits.Sub64(r2, f.m[2], b)
	s3, b := bits.Sub64(r3, f.m[3], b)
	_, b = bits.Sub64(a0, 0, b)
	keep := -b
	z[0] = r0&keep | s0&^keep
	z[1] = r1&keep | s1&^keep
	z[2] = r2&keep | s2&^keep
	z[3] = r3&keep | s3&^keep
}
