package curve

import (
	"bytes"
	"errors"
	"math/big"
	"math/rand/v2"
	"sync"
	"testing"

	"go.cypherpunks.ru/gogost/v5/gost3410"
)

// testRand returns a deterministic source so that failures reproduce.
func testRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, 0x9e3779b97f4a7c15))
}

// randBytes returns n pseudo-random bytes.
func randBytes(r *rand.Rand, n int) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte(r.Uint32())
	}
	return b
}

// randBelow returns a pseudo-random integer in [1, n).
func randBelow(r *rand.Rand, n *big.Int) *big.Int {
	for {
		v := new(big.Int).SetBytes(randBytes(r, (n.BitLen()+7)/8))
		if v.Sign() > 0 && v.Cmp(n) < 0 {
			return v
		}
	}
}

// gostMul is gogost's k·(x, y) for the reduced k, with nil for infinity.
func gostMul(t testing.TB, g *gost3410.Curve, k, x, y *big.Int) (*big.Int, *big.Int) {
	t.Helper()
	kq := new(big.Int).Mod(k, g.Q)
	if kq.Sign() == 0 {
		return nil, nil
	}
	rx, ry, err := g.Exp(kq, x, y)
	if err != nil {
		t.Fatalf("gogost Exp: %v", err)
	}
	return rx, ry
}

// checkPoint compares a result with the expected point, nil meaning the
// point at infinity, which the package reports as errInfinity.
func checkPoint(t *testing.T, what string, x, y *big.Int, err error, wx, wy *big.Int) {
	t.Helper()
	if wx == nil {
		if !errors.Is(err, errInfinity) {
			t.Errorf("%s: got (%x, %x, %v), want the point at infinity error", what, x, y, err)
		}
		return
	}
	if err != nil {
		t.Errorf("%s: unexpected error %v", what, err)
		return
	}
	if x.Cmp(wx) != 0 || y.Cmp(wy) != 0 {
		t.Errorf("%s: got (%x, %x), want (%x, %x)", what, x, y, wx, wy)
	}
}

func hexInt(s string) *big.Int {
	v, ok := new(big.Int).SetString(s, 16)
	if !ok {
		panic("bad hex " + s)
	}
	return v
}

func TestNewRejectsBadParameters(t *testing.T) {
	a := gost3410.CurveIdGostR34102001CryptoProAParamSet()
	other := gost3410.CurveIdGostR34102001CryptoProBParamSet()
	one := big.NewInt(1)
	add := func(x, y *big.Int) *big.Int { return new(big.Int).Add(x, y) }
	composite := new(big.Int).Sub(new(big.Int).Lsh(one, 255), one) // divisible by 31
	tests := []struct {
		name             string
		p, q, a, b, x, y *big.Int
	}{
		{"nil p", nil, a.Q, a.A, a.B, a.X, a.Y},
		{"nil y", a.P, a.Q, a.A, a.B, a.X, nil},
		{"even p", add(a.P, one), a.Q, a.A, a.B, a.X, a.Y},
		{"composite p", composite, a.Q, a.A, a.B, a.X, a.Y},
		{"p of 257 bits", new(big.Int).Lsh(a.P, 1), a.Q, a.A, a.B, a.X, a.Y},
		{"p = 3", big.NewInt(3), a.Q, a.A, a.B, big.NewInt(0), big.NewInt(0)},
		{"composite q", a.P, composite, a.A, a.B, a.X, a.Y},
		{"even q", a.P, add(a.Q, one), a.A, a.B, a.X, a.Y},
		{"small q", a.P, big.NewInt(65537), a.A, a.B, a.X, a.Y},
		{"q of 257 bits", a.P, new(big.Int).Lsh(a.Q, 1), a.A, a.B, a.X, a.Y},
		{"q not the order of G", a.P, other.Q, a.A, a.B, a.X, a.Y},
		{"G not on the curve", a.P, a.Q, a.A, a.B, a.X, add(a.Y, one)},
		{"x not below p", a.P, a.Q, a.A, a.B, add(a.X, a.P), a.Y},
		{"negative y", a.P, a.Q, a.A, a.B, a.X, new(big.Int).Sub(a.Y, a.P)},
		{"singular curve", a.P, a.Q, big.NewInt(0), big.NewInt(0), big.NewInt(1), big.NewInt(1)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if c, err := New(tt.p, tt.q, tt.a, tt.b, tt.x, tt.y); err == nil {
				t.Fatalf("New accepted the parameters: %v", c)
			}
		})
	}

	// The same curve with a = −3 given as a negative number is accepted
	// and computes the same points.
	c1 := newFromGost(t, a)
	c2, err := New(a.P, a.Q, big.NewInt(-3), a.B, a.X, a.Y)
	if err != nil {
		t.Fatalf("New with a = -3: %v", err)
	}
	k := []byte{0x12, 0x34, 0x56, 0x78, 0x9a}
	x1, y1, err1 := c1.ScalarBaseMult(k)
	x2, y2, err2 := c2.ScalarBaseMult(k)
	if err1 != nil || err2 != nil || x1.Cmp(x2) != 0 || y1.Cmp(y2) != 0 {
		t.Fatalf("a = p−3 and a = −3 disagree")
	}
}

func TestIsOnCurve(t *testing.T) {
	g := gost3410.CurveIdtc26gost34102012256paramSetA()
	c := newFromGost(t, g)
	one := big.NewInt(1)
	negY := new(big.Int).Sub(g.P, g.Y)
	tests := []struct {
		name string
		x, y *big.Int
		want bool
	}{
		{"G", g.X, g.Y, true},
		{"−G", g.X, negY, true},
		{"y + 1", g.X, new(big.Int).Add(g.Y, one), false},
		{"x + p", new(big.Int).Add(g.X, g.P), g.Y, false},
		{"y − p", g.X, new(big.Int).Sub(g.Y, g.P), false},
		{"y = p", g.X, g.P, false},
		{"origin", new(big.Int), new(big.Int), false},
		{"nil x", nil, g.Y, false},
		{"nil y", g.X, nil, false},
	}
	for _, tt := range tests {
		if got := c.IsOnCurve(tt.x, tt.y); got != tt.want {
			t.Errorf("%s: IsOnCurve = %v, want %v", tt.name, got, tt.want)
		}
	}
}

// TestScalarBaseMultRandom compares k·G with gogost for random scalars of
// the natural length and of twice it (exercising the reduction).
func TestScalarBaseMultRandom(t *testing.T) {
	n := 200
	if testing.Short() {
		n = 20
	}
	for ci, gc := range gostCurves() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			c := newFromGost(t, gc.g)
			r := testRand(uint64(ci))
			for i := 0; i < n; i++ {
				k := randBytes(r, 32)
				if i%10 == 9 {
					k = randBytes(r, 64)
				}
				x, y, err := c.ScalarBaseMult(k)
				wx, wy := gostMul(t, gc.g, new(big.Int).SetBytes(k), gc.g.X, gc.g.Y)
				checkPoint(t, "ScalarBaseMult", x, y, err, wx, wy)
			}
		})
	}
}

// TestScalarMultRandom compares k·P with gogost for random P = r·G.
func TestScalarMultRandom(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 10
	}
	for ci, gc := range gostCurves() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			c := newFromGost(t, gc.g)
			r := testRand(100 + uint64(ci))
			for i := 0; i < n; i++ {
				px, py := gostMul(t, gc.g, randBelow(r, gc.g.Q), gc.g.X, gc.g.Y)
				k := randBytes(r, 32)
				x, y, err := c.ScalarMult(px, py, k)
				wx, wy := gostMul(t, gc.g, new(big.Int).SetBytes(k), px, py)
				checkPoint(t, "ScalarMult", x, y, err, wx, wy)
			}
		})
	}
}

// TestCombinedMultRandom checks u1·G + u2·P for P = r·G against gogost's
// ((u1 + u2·r) mod q)·G.
func TestCombinedMultRandom(t *testing.T) {
	n := 100
	if testing.Short() {
		n = 10
	}
	for ci, gc := range gostCurves() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			c := newFromGost(t, gc.g)
			rnd := testRand(200 + uint64(ci))
			for i := 0; i < n; i++ {
				r := randBelow(rnd, gc.g.Q)
				px, py := gostMul(t, gc.g, r, gc.g.X, gc.g.Y)
				u1, u2 := randBytes(rnd, 32), randBytes(rnd, 32)
				x, y, err := c.CombinedMult(px, py, u1, u2)
				e := new(big.Int).Mul(new(big.Int).SetBytes(u2), r)
				e.Add(e, new(big.Int).SetBytes(u1))
				wx, wy := gostMul(t, gc.g, e, gc.g.X, gc.g.Y)
				checkPoint(t, "CombinedMult", x, y, err, wx, wy)
			}
		})
	}
}

// edgeScalars are scalars at the borders of the reduction, of the digit
// windows and of the wNAF recoding, for a curve of order q.
func edgeScalars(q *big.Int) map[string][]byte {
	one := big.NewInt(1)
	pow2 := func(n uint) *big.Int { return new(big.Int).Lsh(one, n) }
	sub := func(x *big.Int, v int64) *big.Int { return new(big.Int).Sub(x, big.NewInt(v)) }
	top := uint(q.BitLen() - 1)
	m := map[string][]byte{
		"empty":           {},
		"0":               {0},
		"32 zero bytes":   make([]byte, 32),
		"1":               {1},
		"2":               {2},
		"15":              {15},
		"16":              {16},
		"17":              {17},
		"q−1":             sub(q, 1).Bytes(),
		"q−2":             sub(q, 2).Bytes(),
		"q−16":            sub(q, 16).Bytes(),
		"q":               q.Bytes(),
		"q+1":             new(big.Int).Add(q, one).Bytes(),
		"2q":              new(big.Int).Lsh(q, 1).Bytes(),
		"2^256−1":         bytes.Repeat([]byte{0xff}, 32),
		"2^512−1":         bytes.Repeat([]byte{0xff}, 64),
		"1 in 40 bytes":   append(make([]byte, 39), 1),
		"q in 33 bytes":   append([]byte{0}, q.FillBytes(make([]byte, 32))...),
		"2^top":           pow2(top).Bytes(),
		"2^top−1":         sub(pow2(top), 1).Bytes(),
		"2^252−1":         sub(pow2(252), 1).Bytes(),
		"2^128":           pow2(128).Bytes(),
		"2^128−1":         sub(pow2(128), 1).Bytes(),
		"alternating":     bytes.Repeat([]byte{0xf0}, 31),
		"sparse":          new(big.Int).Add(pow2(200), pow2(4)).Bytes(),
		"(q−1)/2":         new(big.Int).Rsh(q, 1).Bytes(),
		"(q+1)/2":         new(big.Int).Rsh(new(big.Int).Add(q, one), 1).Bytes(),
		"q−2^64":          new(big.Int).Sub(q, pow2(64)).Bytes(),
		"top digit alone": new(big.Int).Lsh(big.NewInt(1), uint(4*((q.BitLen()-1)/4))).Bytes(),
	}
	return m
}

func TestEdgeScalars(t *testing.T) {
	for ci, gc := range gostCurves() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			c := newFromGost(t, gc.g)
			rnd := testRand(300 + uint64(ci))
			r := randBelow(rnd, gc.g.Q)
			px, py := gostMul(t, gc.g, r, gc.g.X, gc.g.Y)
			for name, k := range edgeScalars(gc.g.Q) {
				kb := new(big.Int).SetBytes(k)
				wx, wy := gostMul(t, gc.g, kb, gc.g.X, gc.g.Y)
				x, y, err := c.ScalarBaseMult(k)
				checkPoint(t, "ScalarBaseMult("+name+")", x, y, err, wx, wy)
				x, y, err = c.ScalarMult(gc.g.X, gc.g.Y, k)
				checkPoint(t, "ScalarMult(G, "+name+")", x, y, err, wx, wy)
				x, y, err = c.CombinedMult(px, py, k, nil)
				checkPoint(t, "CombinedMult("+name+", 0)", x, y, err, wx, wy)

				wx, wy = gostMul(t, gc.g, kb, px, py)
				x, y, err = c.ScalarMult(px, py, k)
				checkPoint(t, "ScalarMult(P, "+name+")", x, y, err, wx, wy)
				x, y, err = c.CombinedMult(px, py, nil, k)
				checkPoint(t, "CombinedMult(0, "+name+")", x, y, err, wx, wy)
			}
		})
	}
}

// TestCombinedMultExceptional drives the interleaved loop through doubling
// and cancelling additions with P = ±G, 2G and scalars that make the two
// halves equal or opposite.
func TestCombinedMultExceptional(t *testing.T) {
	for ci, gc := range gostCurves() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			c := newFromGost(t, gc.g)
			q := gc.g.Q
			rnd := testRand(400 + uint64(ci))
			qm1 := new(big.Int).Sub(q, big.NewInt(1))
			rs := []*big.Int{big.NewInt(1), qm1, big.NewInt(2), big.NewInt(3), randBelow(rnd, q)}
			for _, r := range rs {
				px, py := gostMul(t, gc.g, r, gc.g.X, gc.g.Y)
				rInv := new(big.Int).ModInverse(r, q)
				u := randBelow(rnd, q)
				cases := [][2]*big.Int{
					{big.NewInt(0), big.NewInt(0)},
					{big.NewInt(1), big.NewInt(1)},
					{big.NewInt(1), qm1},
					{qm1, big.NewInt(1)},
					{big.NewInt(2), qm1},
					{big.NewInt(3), big.NewInt(5)},
					{u, new(big.Int).Mod(new(big.Int).Mul(u, rInv), q)}, // u1·G = u2·P
					{u, new(big.Int).Mod(new(big.Int).Neg(new(big.Int).Mul(u, rInv)), q)}, // u1·G = −u2·P
					{new(big.Int).Mod(new(big.Int).Mul(u, r), q), u},
					{q, q},
				}
				for _, cs := range cases {
					x, y, err := c.CombinedMult(px, py, cs[0].Bytes(), cs[1].Bytes())
					e := new(big.Int).Mul(cs[1], r)
					e.Add(e, cs[0])
					wx, wy := gostMul(t, gc.g, e, gc.g.X, gc.g.Y)
					checkPoint(t, "CombinedMult("+cs[0].Text(16)+", "+cs[1].Text(16)+") with P = "+r.Text(16)+"·G", x, y, err, wx, wy)
				}
			}
		})
	}
}

func TestRejectsPointsOffTheCurve(t *testing.T) {
	g := gost3410.CurveIdtc26gost34102012256paramSetB()
	c := newFromGost(t, g)
	k := []byte{7}
	bad := [][2]*big.Int{
		{g.X, new(big.Int).Add(g.Y, big.NewInt(1))},
		{new(big.Int).Add(g.X, g.P), g.Y},
		{nil, g.Y},
		{new(big.Int), new(big.Int)},
	}
	for _, pt := range bad {
		if _, _, err := c.ScalarMult(pt[0], pt[1], k); !errors.Is(err, errNotOnCurve) {
			t.Errorf("ScalarMult(%v, %v): err = %v, want errNotOnCurve", pt[0], pt[1], err)
		}
		if _, _, err := c.CombinedMult(pt[0], pt[1], k, k); !errors.Is(err, errNotOnCurve) {
			t.Errorf("CombinedMult(%v, %v): err = %v, want errNotOnCurve", pt[0], pt[1], err)
		}
	}
}

// randomCurvePoint returns a point of the curve found by trying random x.
func randomCurvePoint(t *testing.T, g *gost3410.Curve, rnd *rand.Rand) (*big.Int, *big.Int) {
	t.Helper()
	for {
		x := randBelow(rnd, g.P)
		rhs := new(big.Int).Mul(x, x)
		rhs.Add(rhs, g.A)
		rhs.Mul(rhs, x)
		rhs.Add(rhs, g.B)
		rhs.Mod(rhs, g.P)
		if y := new(big.Int).ModSqrt(rhs, g.P); y != nil {
			return x, y
		}
	}
}

// TestPointsOutsideTheSubgroup uses paramSetA, whose group has order 4q:
// ScalarMult refuses points of order 2q, 4q, 2 or 4, and CombinedMult
// computes (u1 mod q)·G + (u2 mod q)·P exactly for them, checked against the
// independent affine reference.
func TestPointsOutsideTheSubgroup(t *testing.T) {
	g := gost3410.CurveIdtc26gost34102012256paramSetA()
	c := newFromGost(t, g)
	ref := refOf(g)
	rnd := testRand(500)
	var points [][2]*big.Int
	for len(points) < 8 {
		x, y := randomCurvePoint(t, g, rnd)
		tx, ty := ref.mul(g.Q, x, y) // the component of order dividing 4
		if tx == nil {
			continue // already in the subgroup
		}
		points = append(points, [2]*big.Int{x, y}, [2]*big.Int{tx, ty})
		if dx, dy := ref.add(tx, ty, tx, ty); dx != nil {
			points = append(points, [2]*big.Int{dx, dy}) // order 2
		}
	}
	for _, pt := range points {
		if !c.IsOnCurve(pt[0], pt[1]) {
			t.Fatalf("test point not on the curve")
		}
		if _, _, err := c.ScalarMult(pt[0], pt[1], []byte{5}); !errors.Is(err, errNotInSubgroup) {
			t.Errorf("ScalarMult accepted a point outside the subgroup: %v", err)
		}
		for _, u := range [][2]*big.Int{
			{big.NewInt(0), big.NewInt(1)},
			{big.NewInt(0), big.NewInt(2)},
			{big.NewInt(0), big.NewInt(4)},
			{big.NewInt(1), big.NewInt(2)},
			{randBelow(rnd, g.Q), randBelow(rnd, g.Q)},
			{randBelow(rnd, g.Q), new(big.Int).Add(g.Q, big.NewInt(3))},
		} {
			x, y, err := c.CombinedMult(pt[0], pt[1], u[0].Bytes(), u[1].Bytes())
			gx, gy := ref.mul(new(big.Int).Mod(u[0], g.Q), g.X, g.Y)
			px, py := ref.mul(new(big.Int).Mod(u[1], g.Q), pt[0], pt[1])
			wx, wy := ref.add(gx, gy, px, py)
			checkPoint(t, "CombinedMult outside the subgroup", x, y, err, wx, wy)
		}
		// Clearing the cofactor gives a point of the subgroup, which
		// ScalarMult accepts.
		sx, sy := ref.mul(big.NewInt(4), pt[0], pt[1])
		if sx == nil {
			continue
		}
		k := randBytes(rnd, 32)
		x, y, err := c.ScalarMult(sx, sy, k)
		wx, wy := ref.mul(new(big.Int).Mod(new(big.Int).SetBytes(k), g.Q), sx, sy)
		checkPoint(t, "ScalarMult after clearing the cofactor", x, y, err, wx, wy)
	}
}

// verifyGOST is GOST R 34.10-2012 verification built on CombinedMult, as a
// caller of the package would write it. sig is s||r, big-endian.
func verifyGOST(c *Curve, q, px, py *big.Int, digest, sig []byte) bool {
	if len(sig) != 64 {
		return false
	}
	s := new(big.Int).SetBytes(sig[:32])
	r := new(big.Int).SetBytes(sig[32:])
	if r.Sign() <= 0 || r.Cmp(q) >= 0 || s.Sign() <= 0 || s.Cmp(q) >= 0 {
		return false
	}
	e := new(big.Int).Mod(new(big.Int).SetBytes(digest), q)
	if e.Sign() == 0 {
		e.SetInt64(1)
	}
	v := new(big.Int).ModInverse(e, q)
	z1 := new(big.Int).Mul(s, v)
	z1.Mod(z1, q)
	z2 := new(big.Int).Mul(r, v)
	z2.Neg(z2).Mod(z2, q)
	x, _, err := c.CombinedMult(px, py, z1.Bytes(), z2.Bytes())
	if err != nil {
		return false
	}
	return x.Mod(x, q).Cmp(r) == 0
}

// TestVerificationMatchesGogost signs with gogost and checks that
// verification through CombinedMult agrees with gogost's VerifyDigest on the
// genuine signatures and on forgeries.
func TestVerificationMatchesGogost(t *testing.T) {
	n := 15
	if testing.Short() {
		n = 3
	}
	for ci, gc := range gostCurves() {
		t.Run(gc.name, func(t *testing.T) {
			t.Parallel()
			c := newFromGost(t, gc.g)
			rnd := testRand(600 + uint64(ci))
			for i := 0; i < n; i++ {
				prv, err := gost3410.NewPrivateKeyBE(gc.g, randBelow(rnd, gc.g.Q).FillBytes(make([]byte, 32)))
				if err != nil {
					t.Fatal(err)
				}
				pub, err := prv.PublicKey()
				if err != nil {
					t.Fatal(err)
				}
				digest := randBytes(rnd, 32)
				sig, err := prv.SignDigest(digest, bytes.NewReader(randBytes(rnd, 32*16)))
				if err != nil {
					t.Fatal(err)
				}
				flip := func(b []byte, i int) []byte {
					b = bytes.Clone(b)
					b[i] ^= 1
					return b
				}
				otherDigest := randBytes(rnd, 32)
				q := gc.g.Q.FillBytes(make([]byte, 32))
				cases := []struct {
					name     string
					digest   []byte
					sig      []byte
					accepted bool
				}{
					{"genuine", digest, sig, true},
					{"other digest", otherDigest, sig, false},
					{"digest bit flipped", flip(digest, 31), sig, false},
					{"s bit flipped", digest, flip(sig, 31), false},
					{"r bit flipped", digest, flip(sig, 63), false},
					{"r and s swapped", digest, append(bytes.Clone(sig[32:]), sig[:32]...), false},
					{"s = 0", digest, append(make([]byte, 32), sig[32:]...), false},
					{"r = q", digest, append(bytes.Clone(sig[:32]), q...), false},
				}
				for _, tc := range cases {
					want, err := pub.VerifyDigest(tc.digest, tc.sig)
					if err != nil {
						t.Fatalf("%s: gogost: %v", tc.name, err)
					}
					got := verifyGOST(c, gc.g.Q, pub.X, pub.Y, tc.digest, tc.sig)
					if got != want || got != tc.accepted {
						t.Errorf("%s: CombinedMult verification %v, gogost %v, want %v", tc.name, got, want, tc.accepted)
					}
				}
			}
		})
	}
}

// TestStandardExample is the 256-bit example of GOST R 34.10-2012,
// appendix A.1, on the test parameter set.
func TestStandardExample(t *testing.T) {
	g := gost3410.CurveIdGostR34102001TestParamSet()
	c := newFromGost(t, g)
	d := hexInt("7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28")
	e := hexInt("2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5")
	k := hexInt("77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3")
	wantR := hexInt("41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493")
	wantS := hexInt("01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40")
	qx := hexInt("7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B")
	qy := hexInt("26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA")

	x, y, err := c.ScalarBaseMult(d.Bytes())
	if err != nil || x.Cmp(qx) != 0 || y.Cmp(qy) != 0 {
		t.Fatalf("d·G = (%x, %x, %v), want (%x, %x)", x, y, err, qx, qy)
	}
	cx, _, err := c.ScalarBaseMult(k.Bytes())
	if err != nil {
		t.Fatal(err)
	}
	r := new(big.Int).Mod(cx, g.Q)
	if r.Cmp(wantR) != 0 {
		t.Fatalf("r = %x, want %x", r, wantR)
	}
	s := new(big.Int).Mul(r, d)
	s.Add(s, new(big.Int).Mul(k, e))
	s.Mod(s, g.Q)
	if s.Cmp(wantS) != 0 {
		t.Fatalf("s = %x, want %x", s, wantS)
	}
	sig := append(wantS.FillBytes(make([]byte, 32)), wantR.FillBytes(make([]byte, 32))...)
	digest := e.FillBytes(make([]byte, 32))
	if !verifyGOST(c, g.Q, qx, qy, digest, sig) {
		t.Fatal("the standard's signature does not verify")
	}
	pub := &gost3410.PublicKey{C: g, X: qx, Y: qy}
	if ok, err := pub.VerifyDigest(digest, sig); !ok || err != nil {
		t.Fatalf("gogost rejects the standard's signature: %v", err)
	}
	sig[31] ^= 1
	if verifyGOST(c, g.Q, qx, qy, digest, sig) {
		t.Fatal("a modified signature verifies")
	}
}

// TestConcurrentUse shares one Curve between goroutines; run with -race.
func TestConcurrentUse(t *testing.T) {
	g := gost3410.CurveIdtc26gost34102012256paramSetA()
	c := newFromGost(t, g)
	k := []byte{1, 2, 3, 4, 5, 6, 7, 8, 9}
	wx, wy, err := c.ScalarBaseMult(k)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 4; i++ {
		wg.Go(func() {
			for j := 0; j < 5; j++ {
				x, y, err := c.ScalarBaseMult(k)
				checkPoint(t, "ScalarBaseMult", x, y, err, wx, wy)
				x, y, err = c.CombinedMult(g.X, g.Y, k, nil)
				checkPoint(t, "CombinedMult", x, y, err, wx, wy)
				x, y, err = c.ScalarMult(g.X, g.Y, k)
				checkPoint(t, "ScalarMult", x, y, err, wx, wy)
			}
		})
	}
	wg.Wait()
}
