package curve

import (
	"math/big"
	"testing"
)

// fieldModuli returns p and q of every parameter set.
func fieldModuli() map[string]*big.Int {
	m := map[string]*big.Int{}
	for _, gc := range gostCurves() {
		m[gc.name+" p"] = gc.g.P
		m[gc.name+" q"] = gc.g.Q
	}
	return m
}

// fieldSamples returns edge values and pseudo-random values below m.
func fieldSamples(m *big.Int, seed uint64) []*big.Int {
	one := big.NewInt(1)
	vals := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(2),
		new(big.Int).Sub(m, one),
		new(big.Int).Sub(m, big.NewInt(2)),
		new(big.Int).Rsh(m, 1),
		new(big.Int).Mod(new(big.Int).Lsh(one, 255), m),
		new(big.Int).Mod(new(big.Int).Sub(new(big.Int).Lsh(one, 256), one), m),
	}
	r := testRand(seed)
	for i := 0; i < 200; i++ {
		vals = append(vals, new(big.Int).Mod(new(big.Int).SetBytes(randBytes(r, 32)), m))
	}
	return vals
}

func TestFieldArithmetic(t *testing.T) {
	seed := uint64(0)
	for name, m := range fieldModuli() {
		seed++
		f := newMontField(m)
		vals := fieldSamples(m, seed)
		for i, xv := range vals {
			yv := vals[(i*7+3)%len(vals)]
			x, y := f.toMont(xv), f.toMont(yv)
			if got := f.fromMont(&x); got.Cmp(xv) != 0 {
				t.Fatalf("%s: Montgomery round trip of %x gave %x", name, xv, got)
			}
			var z fieldElement
			check := func(op string, want *big.Int) {
				t.Helper()
				want.Mod(want, m)
				if got := f.fromMont(&z); got.Cmp(want) != 0 {
					t.Fatalf("%s: %s(%x, %x) = %x, want %x", name, op, xv, yv, got, want)
				}
			}
			f.add(&z, &x, &y)
			check("add", new(big.Int).Add(xv, yv))
			f.sub(&z, &x, &y)
			check("sub", new(big.Int).Sub(xv, yv))
			f.neg(&z, &x)
			check("neg", new(big.Int).Neg(xv))
			f.mul(&z, &x, &y)
			check("mul", new(big.Int).Mul(xv, yv))
			f.sqr(&z, &x)
			check("sqr", new(big.Int).Mul(xv, xv))
			z = x
			f.mul(&z, &z, &z) // aliasing
			check("mul aliased", new(big.Int).Mul(xv, xv))
			f.invert(&z, &x)
			if xv.Sign() == 0 {
				check("invert", big.NewInt(0))
			} else {
				check("invert", new(big.Int).ModInverse(xv, m))
			}
		}
	}
}

func TestMasks(t *testing.T) {
	for a := uint64(0); a < 40; a++ {
		for b := uint64(0); b < 40; b++ {
			want := uint64(0)
			if a == b {
				want = ^uint64(0)
			}
			if got := eqMask(a, b); got != want {
				t.Fatalf("eqMask(%d, %d) = %x", a, b, got)
			}
		}
	}
	for _, a := range []uint64{0, 1, 2, 15, 1 << 63, ^uint64(0)} {
		want := ^uint64(0)
		if a == 0 {
			want = 0
		}
		if got := nonZeroMask(a); got != want {
			t.Fatalf("nonZeroMask(%x) = %x", a, got)
		}
	}
	if (&fieldElement{}).zeroMask() != ^uint64(0) || (&fieldElement{0, 0, 0, 1 << 63}).zeroMask() != 0 {
		t.Fatal("zeroMask")
	}
}

func TestReduceScalar(t *testing.T) {
	for ci, gc := range gostCurves() {
		c := newFromGost(t, gc.g)
		r := testRand(700 + uint64(ci))
		inputs := [][]byte{nil, {0}, {1}, gc.g.Q.Bytes(), make([]byte, 100)}
		for n := 0; n <= 100; n++ {
			inputs = append(inputs, randBytes(r, n))
			ff := make([]byte, n)
			for i := range ff {
				ff[i] = 0xff
			}
			inputs = append(inputs, ff)
		}
		for _, k := range inputs {
			s := c.reduceScalar(k)
			want := new(big.Int).Mod(new(big.Int).SetBytes(k), gc.g.Q)
			if got := bigOf(&s); got.Cmp(want) != 0 {
				t.Fatalf("%s: reduceScalar(%x) = %x, want %x", gc.name, k, got, want)
			}
		}
	}
}

func TestWNAF(t *testing.T) {
	r := testRand(800)
	ks := []*big.Int{
		big.NewInt(0), big.NewInt(1), big.NewInt(63), big.NewInt(64), big.NewInt(127),
		new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), 256), big.NewInt(1)),
	}
	for i := 0; i < 300; i++ {
		ks = append(ks, new(big.Int).SetBytes(randBytes(r, 32)))
	}
	for _, w := range []uint{pNAFWidth, gNAFWidth} {
		for _, k := range ks {
			kl := limbsOf(k)
			var naf [maxNAFLen]int8
			n := wnaf(&naf, &kl, w)
			sum := new(big.Int)
			last := -int(w)
			for i := n - 1; i >= 0; i-- {
				sum.Lsh(sum, 1)
				d := int(naf[i])
				sum.Add(sum, big.NewInt(int64(d)))
				if d == 0 {
					continue
				}
				if d%2 == 0 || d >= 1<<(w-1) || d <= -(1<<(w-1)) {
					t.Fatalf("w=%d k=%x: digit %d", w, k, d)
				}
				if last-i < int(w) && last >= 0 {
					t.Fatalf("w=%d k=%x: non-zero digits %d and %d closer than w", w, k, last, i)
				}
				last = i
			}
			if sum.Cmp(k) != 0 {
				t.Fatalf("w=%d: wNAF of %x sums to %x", w, k, sum)
			}
		}
	}
}

// TestJacobianExceptionalCases checks the variable-time additions on the
// cases the unchecked formulas get wrong, and that those formulas signal
// p1 = ±p2 by Z3 = 0.
func TestJacobianExceptionalCases(t *testing.T) {
	for ci, gc := range gostCurves() {
		c := newFromGost(t, gc.g)
		ref := refOf(gc.g)
		r := testRand(900 + uint64(ci))
		f := &c.fp
		toJac := func(x, y *big.Int) jacPoint {
			if x == nil {
				return jacPoint{}
			}
			// A random Z exercises the projective representation.
			z := f.toMont(randBelow(r, gc.g.P))
			var z2, z3 fieldElement
			f.sqr(&z2, &z)
			f.mul(&z3, &z2, &z)
			xm, ym := f.toMont(x), f.toMont(y)
			var p jacPoint
			f.mul(&p.x, &xm, &z2)
			f.mul(&p.y, &ym, &z3)
			p.z = z
			return p
		}
		fromJac := func(p *jacPoint) (*big.Int, *big.Int) {
			x, y, err := c.jacToBig(p)
			if err != nil {
				return nil, nil
			}
			return x, y
		}
		same := func(ax, ay, bx, by *big.Int) bool {
			if ax == nil || bx == nil {
				return ax == nil && bx == nil
			}
			return ax.Cmp(bx) == 0 && ay.Cmp(by) == 0
		}
		px, py := gostMul(t, gc.g, randBelow(r, gc.g.Q), gc.g.X, gc.g.Y)
		qx, qy := gostMul(t, gc.g, randBelow(r, gc.g.Q), gc.g.X, gc.g.Y)
		nx, ny := ref.neg(px, py)
		pairs := [][4]*big.Int{
			{px, py, px, py},   // P + P
			{px, py, nx, ny},   // P + (−P)
			{nil, nil, px, py}, // ∞ + P
			{px, py, nil, nil}, // P + ∞
			{nil, nil, nil, nil},
			{px, py, qx, qy},
		}
		for i, pr := range pairs {
			wx, wy := ref.add(pr[0], pr[1], pr[2], pr[3])
			a, b := toJac(pr[0], pr[1]), toJac(pr[2], pr[3])
			var s jacPoint
			c.jacAdd(&s, &a, &b)
			if gx, gy := fromJac(&s); !same(gx, gy, wx, wy) {
				t.Errorf("%s: jacAdd case %d wrong", gc.name, i)
			}
			if pr[2] != nil {
				aff := affinePoint{f.toMont(pr[2]), f.toMont(pr[3])}
				c.jacAddAffine(&s, &a, &aff)
				if gx, gy := fromJac(&s); !same(gx, gy, wx, wy) {
					t.Errorf("%s: jacAddAffine case %d wrong", gc.name, i)
				}
				if pr[0] != nil {
					c.jacAddAffineUnchecked(&s, &a, &aff)
					if s.z.isZero() != (pr[0].Cmp(pr[2]) == 0) {
						t.Errorf("%s: jacAddAffineUnchecked case %d: Z3 = 0 is %v", gc.name, i, s.z.isZero())
					}
				}
			}
			if pr[0] != nil && pr[2] != nil {
				c.jacAddUnchecked(&s, &a, &b)
				if s.z.isZero() != (pr[0].Cmp(pr[2]) == 0) {
					t.Errorf("%s: jacAddUnchecked case %d: Z3 = 0 is %v", gc.name, i, s.z.isZero())
				}
			}
			wx, wy = ref.add(pr[0], pr[1], pr[0], pr[1])
			c.jacDouble(&s, &a)
			if gx, gy := fromJac(&s); !same(gx, gy, wx, wy) {
				t.Errorf("%s: jacDouble case %d wrong", gc.name, i)
			}
		}
	}
}
