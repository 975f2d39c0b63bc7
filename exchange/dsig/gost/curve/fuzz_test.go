package curve

import (
	"math/big"
	"testing"

	"go.cypherpunks.ru/gogost/v5/gost3410"
)

// FuzzScalarMult compares ScalarBaseMult, ScalarMult and CombinedMult with
// gogost for fuzzer-chosen scalars on three parameter sets: one with a
// general a and cofactor 4, one with a = −3, and the test set with a = 7.
func FuzzScalarMult(f *testing.F) {
	type setup struct {
		g      *gost3410.Curve
		c      *Curve
		r      *big.Int // P = r·G
		px, py *big.Int
	}
	var setups []setup
	for _, g := range []*gost3410.Curve{
		gost3410.CurveIdtc26gost34102012256paramSetA(),
		gost3410.CurveIdGostR34102001CryptoProAParamSet(),
		gost3410.CurveIdGostR34102001TestParamSet(),
	} {
		r := hexInt("1d2c3b4a5968778695a4b3c2d1e0f00112233445566778899aabbccddeeff")
		px, py := gostMul(f, g, r, g.X, g.Y)
		setups = append(setups, setup{g, newFromGost(f, g), r, px, py})
	}

	f.Add(uint8(0), []byte{1}, []byte{1})
	f.Add(uint8(1), []byte{}, []byte{0})
	f.Add(uint8(2), []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff}, []byte{2})
	for i, s := range setups {
		q := s.g.Q
		f.Add(uint8(i), new(big.Int).Sub(q, big.NewInt(1)).Bytes(), q.Bytes())
		f.Add(uint8(i), q.Bytes(), new(big.Int).Add(q, big.NewInt(1)).Bytes())
		// u1 = −u2·r makes the combination cancel to infinity.
		u2 := big.NewInt(12345)
		u1 := new(big.Int).Mul(u2, s.r)
		u1.Neg(u1).Mod(u1, q)
		f.Add(uint8(i), u1.Bytes(), u2.Bytes())
	}

	f.Fuzz(func(t *testing.T, which uint8, k, u []byte) {
		if len(k) > 96 || len(u) > 96 {
			return
		}
		s := setups[int(which)%len(setups)]
		g := s.g
		kb := new(big.Int).SetBytes(k)

		wx, wy := gostMul(t, g, kb, g.X, g.Y)
		x, y, err := s.c.ScalarBaseMult(k)
		checkPoint(t, "ScalarBaseMult", x, y, err, wx, wy)

		wx, wy = gostMul(t, g, kb, s.px, s.py)
		x, y, err = s.c.ScalarMult(s.px, s.py, k)
		checkPoint(t, "ScalarMult", x, y, err, wx, wy)

		e := new(big.Int).Mul(new(big.Int).SetBytes(u), s.r)
		e.Add(e, kb)
		wx, wy = gostMul(t, g, e, g.X, g.Y)
		x, y, err = s.c.CombinedMult(s.px, s.py, k, u)
		checkPoint(t, "CombinedMult", x, y, err, wx, wy)
	})
}
