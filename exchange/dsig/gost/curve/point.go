package curve

// Points are kept in Jacobian coordinates (X:Y:Z), x = X/Z², y = Y/Z³, with
// Z = 0 for the point at infinity, or as affine (x, y) for table entries.
//
// The addition formulas below are the usual incomplete ones: their result is
// wrong when an operand is the point at infinity or when the operands are
// equal or opposite. How each caller deals with that:
//
//   - The variable-time paths (CombinedMult, checks on public points, table
//     precomputation) use jacAdd and jacAddAffine, which test for those cases
//     and branch.
//   - The constant-time paths (ScalarBaseMult, ScalarMult) use the unchecked
//     formulas and prove the equal and opposite cases impossible (see the
//     comments there); the two remaining cases, an accumulator still at
//     infinity and a zero digit, are handled by computing the sum anyway and
//     selecting the right value with masks.
//
// Doubling has no exceptional case in a group of odd order: only a point
// with Y = 0, of order 2, would double wrongly, and the point at infinity
// doubles to Z3 = 2·Y·Z = 0, the point at infinity again.

// affinePoint is a finite point in affine coordinates, Montgomery form.
type affinePoint struct {
	x, y fieldElement
}

// jacPoint is a point in Jacobian coordinates, Montgomery form; Z = 0 is the
// point at infinity.
type jacPoint struct {
	x, y, z fieldElement
}

// jacDouble sets r = 2·p. It branches only on the curve's a.
func (c *Curve) jacDouble(r, p *jacPoint) {
	f := &c.fp
	if c.aIsMinus3 {
		// dbl-2001-b: 3M + 5S.
		var delta, gamma, beta, alpha, t, x3, y3, z3 fieldElement
		f.sqr(&delta, &p.z)
		f.sqr(&gamma, &p.y)
		f.mul(&beta, &p.x, &gamma)
		f.sub(&t, &p.x, &delta)
		f.add(&alpha, &p.x, &delta)
		f.mul(&alpha, &alpha, &t)
		f.add(&t, &alpha, &alpha)
		f.add(&alpha, &alpha, &t) // α = 3·(X − δ)·(X + δ)
		f.sqr(&x3, &alpha)
		f.add(&beta, &beta, &beta)
		f.add(&beta, &beta, &beta) // 4β
		f.add(&t, &beta, &beta)
		f.sub(&x3, &x3, &t) // α² − 8β
		f.add(&z3, &p.y, &p.z)
		f.sqr(&z3, &z3)
		f.sub(&z3, &z3, &gamma)
		f.sub(&z3, &z3, &delta) // (Y + Z)² − γ − δ = 2·Y·Z
		f.sub(&y3, &beta, &x3)
		f.mul(&y3, &y3, &alpha)
		f.sqr(&gamma, &gamma)
		f.add(&gamma, &gamma, &gamma)
		f.add(&gamma, &gamma, &gamma)
		f.add(&gamma, &gamma, &gamma)
		f.sub(&y3, &y3, &gamma) // α·(4β − X3) − 8γ²
		r.x, r.y, r.z = x3, y3, z3
		return
	}
	// dbl-2007-bl: 1M + 8S + 1 multiplication by a.
	var xx, yy, yyyy, zz, s, m, t, x3, y3, z3 fieldElement
	f.sqr(&xx, &p.x)
	f.sqr(&yy, &p.y)
	f.sqr(&yyyy, &yy)
	f.sqr(&zz, &p.z)
	f.add(&s, &p.x, &yy)
	f.sqr(&s, &s)
	f.sub(&s, &s, &xx)
	f.sub(&s, &s, &yyyy)
	f.add(&s, &s, &s) // S = 4·X·Y²
	f.sqr(&t, &zz)
	f.mul(&m, &c.a, &t)
	f.add(&t, &xx, &xx)
	f.add(&t, &t, &xx)
	f.add(&m, &m, &t) // M = 3·X² + a·Z⁴
	f.sqr(&x3, &m)
	f.add(&t, &s, &s)
	f.sub(&x3, &x3, &t) // M² − 2S
	f.add(&z3, &p.y, &p.z)
	f.sqr(&z3, &z3)
	f.sub(&z3, &z3, &yy)
	f.sub(&z3, &z3, &zz) // 2·Y·Z
	f.sub(&y3, &s, &x3)
	f.mul(&y3, &y3, &m)
	f.add(&yyyy, &yyyy, &yyyy)
	f.add(&yyyy, &yyyy, &yyyy)
	f.add(&yyyy, &yyyy, &yyyy)
	f.sub(&y3, &y3, &yyyy) // M·(S − X3) − 8·Y⁴
	r.x, r.y, r.z = x3, y3, z3
}

// jacAddUnchecked sets r = p1 + p2 (add-2007-bl: 11M + 5S) for finite
// p1 ≠ ±p2. No branches. Z3 = 2·Z1·Z2·H with H = U2 − U1, so for finite
// operands Z3 = 0 exactly when p1 = ±p2.
func (c *Curve) jacAddUnchecked(r, p1, p2 *jacPoint) {
	f := &c.fp
	var z1z1, z2z2, u1, u2, s1, s2, h, rr, i, j, v, x3, y3, z3 fieldElement
	f.sqr(&z1z1, &p1.z)
	f.sqr(&z2z2, &p2.z)
	f.mul(&u1, &p1.x, &z2z2)
	f.mul(&u2, &p2.x, &z1z1)
	f.mul(&s1, &p1.y, &p2.z)
	f.mul(&s1, &s1, &z2z2)
	f.mul(&s2, &p2.y, &p1.z)
	f.mul(&s2, &s2, &z1z1)
	f.sub(&h, &u2, &u1)
	f.sub(&rr, &s2, &s1)
	f.add(&i, &h, &h)
	f.sqr(&i, &i) // I = (2H)²
	f.mul(&j, &h, &i)
	f.add(&rr, &rr, &rr) // r = 2·(S2 − S1)
	f.mul(&v, &u1, &i)
	f.sqr(&x3, &rr)
	f.sub(&x3, &x3, &j)
	f.sub(&x3, &x3, &v)
	f.sub(&x3, &x3, &v) // r² − J − 2V
	f.sub(&y3, &v, &x3)
	f.mul(&y3, &y3, &rr)
	f.mul(&s1, &s1, &j)
	f.add(&s1, &s1, &s1)
	f.sub(&y3, &y3, &s1) // r·(V − X3) − 2·S1·J
	f.add(&z3, &p1.z, &p2.z)
	f.sqr(&z3, &z3)
	f.sub(&z3, &z3, &z1z1)
	f.sub(&z3, &z3, &z2z2)
	f.mul(&z3, &z3, &h) // ((Z1 + Z2)² − Z1² − Z2²)·H
	r.x, r.y, r.z = x3, y3, z3
}

// jacAddAffineUnchecked sets r = p1 + p2 (madd-2007-bl: 7M + 4S) for finite
// p1 ≠ ±p2 and affine p2. No branches. Z3 = 2·Z1·H with H = U2 − X1, so for
// finite p1 Z3 = 0 exactly when p1 = ±p2.
func (c *Curve) jacAddAffineUnchecked(r, p1 *jacPoint, p2 *affinePoint) {
	f := &c.fp
	var z1z1, u2, s2, h, rr, hh, i, j, v, t, x3, y3, z3 fieldElement
	f.sqr(&z1z1, &p1.z)
	f.mul(&u2, &p2.x, &z1z1)
	f.mul(&s2, &p2.y, &p1.z)
	f.mul(&s2, &s2, &z1z1)
	f.sub(&h, &u2, &p1.x)
	f.sub(&rr, &s2, &p1.y)
	f.sqr(&hh, &h)
	f.add(&i, &hh, &hh)
	f.add(&i, &i, &i) // I = 4·H²
	f.mul(&j, &h, &i)
	f.add(&rr, &rr, &rr) // r = 2·(S2 − Y1)
	f.mul(&v, &p1.x, &i)
	f.sqr(&x3, &rr)
	f.sub(&x3, &x3, &j)
	f.sub(&x3, &x3, &v)
	f.sub(&x3, &x3, &v) // r² − J − 2V
	f.sub(&y3, &v, &x3)
	f.mul(&y3, &y3, &rr)
	f.mul(&t, &p1.y, &j)
	f.add(&t, &t, &t)
	f.sub(&y3, &y3, &t) // r·(V − X3) − 2·Y1·J
	f.add(&z3, &p1.z, &h)
	f.sqr(&z3, &z3)
	f.sub(&z3, &z3, &z1z1)
	f.sub(&z3, &z3, &hh) // (Z1 + H)² − Z1² − H²
	r.x, r.y, r.z = x3, y3, z3
}

// jacAdd sets r = p1 + p2 for any two points. Variable time.
func (c *Curve) jacAdd(r, p1, p2 *jacPoint) {
	if p1.z.isZero() {
		*r = *p2
		return
	}
	if p2.z.isZero() {
		*r = *p1
		return
	}
	var sum jacPoint
	c.jacAddUnchecked(&sum, p1, p2)
	if sum.z.isZero() {
		// Equal x: p1 = p2 or p1 = −p2. Compare Y1·Z2³ with Y2·Z1³.
		f := &c.fp
		var s1, s2, t fieldElement
		f.sqr(&t, &p2.z)
		f.mul(&t, &t, &p2.z)
		f.mul(&s1, &p1.y, &t)
		f.sqr(&t, &p1.z)
		f.mul(&t, &t, &p1.z)
		f.mul(&s2, &p2.y, &t)
		if s1 == s2 {
			c.jacDouble(r, p1)
		} else {
			*r = jacPoint{}
		}
		return
	}
	*r = sum
}

// jacAddAffine sets r = p1 + p2 for any p1 and a finite affine p2. Variable
// time.
func (c *Curve) jacAddAffine(r, p1 *jacPoint, p2 *affinePoint) {
	if p1.z.isZero() {
		r.x, r.y, r.z = p2.x, p2.y, c.fp.one
		return
	}
	var sum jacPoint
	c.jacAddAffineUnchecked(&sum, p1, p2)
	if sum.z.isZero() {
		// Equal x: compare Y1 with y2·Z1³.
		f := &c.fp
		var s2, t fieldElement
		f.sqr(&t, &p1.z)
		f.mul(&t, &t, &p1.z)
		f.mul(&s2, &p2.y, &t)
		if s2 == p1.y {
			c.jacDouble(r, p1)
		} else {
			*r = jacPoint{}
		}
		return
	}
	*r = sum
}

// jacNeg sets r = −p.
func (c *Curve) jacNeg(r, p *jacPoint) {
	r.x = p.x
	c.fp.neg(&r.y, &p.y)
	r.z = p.z
}

// selectJac sets r = a when mask is all ones, r = b when it is zero.
func selectJac(r, a, b *jacPoint, mask uint64) {
	selectFE(&r.x, &a.x, &b.x, mask)
	selectFE(&r.y, &a.y, &b.y, mask)
	selectFE(&r.z, &a.z, &b.z, mask)
}

// eqMask returns all ones when a = b and zero otherwise, for a, b < 2^63,
// without branching on them.
func eqMask(a, b uint64) uint64 {
	return -(((a ^ b) - 1) >> 63)
}

// nonZeroMask returns all ones when a ≠ 0 and zero otherwise, without
// branching on a.
func nonZeroMask(a uint64) uint64 {
	return -((a | -a) >> 63)
}
