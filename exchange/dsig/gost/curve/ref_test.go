package curve

import (
	"math/big"
	"testing"

	"go.cypherpunks.ru/gogost/v5/gost3410"
)

// gostCurve is one of the 256-bit parameter sets gogost ships.
type gostCurve struct {
	name string
	g    *gost3410.Curve
}

// gostCurves lists every 256-bit short Weierstrass parameter set of gogost.
func gostCurves() []gostCurve {
	return []gostCurve{
		{"GostR34102001TestParamSet", gost3410.CurveIdGostR34102001TestParamSet()},
		{"GostR34102001CryptoProAParamSet", gost3410.CurveIdGostR34102001CryptoProAParamSet()},
		{"GostR34102001CryptoProBParamSet", gost3410.CurveIdGostR34102001CryptoProBParamSet()},
		{"GostR34102001CryptoProCParamSet", gost3410.CurveIdGostR34102001CryptoProCParamSet()},
		{"GostR34102001CryptoProXchAParamSet", gost3410.CurveIdGostR34102001CryptoProXchAParamSet()},
		{"GostR34102001CryptoProXchBParamSet", gost3410.CurveIdGostR34102001CryptoProXchBParamSet()},
		{"tc26gost34102012256paramSetA", gost3410.CurveIdtc26gost34102012256paramSetA()},
		{"tc26gost34102012256paramSetB", gost3410.CurveIdtc26gost34102012256paramSetB()},
		{"tc26gost34102012256paramSetC", gost3410.CurveIdtc26gost34102012256paramSetC()},
		{"tc26gost34102012256paramSetD", gost3410.CurveIdtc26gost34102012256paramSetD()},
	}
}

// newFromGost builds our curve from gogost's parameters.
func newFromGost(tb testing.TB, g *gost3410.Curve) *Curve {
	tb.Helper()
	c, err := New(g.P, g.Q, g.A, g.B, g.X, g.Y)
	if err != nil {
		tb.Fatalf("New(%s): %v", g.Name, err)
	}
	return c
}

// refCurve is affine big.Int arithmetic written independently of both the
// package and gogost, with every exceptional case spelt out. nil coordinates
// stand for the point at infinity.
type refCurve struct {
	p, a, b *big.Int
}

func refOf(g *gost3410.Curve) refCurve { return refCurve{g.P, g.A, g.B} }

func (r refCurve) add(x1, y1, x2, y2 *big.Int) (*big.Int, *big.Int) {
	if x1 == nil {
		return x2, y2
	}
	if x2 == nil {
		return x1, y1
	}
	p := r.p
	var lambda big.Int
	if x1.Cmp(x2) == 0 {
		sum := new(big.Int).Add(y1, y2)
		if sum.Mod(sum, p).Sign() == 0 {
			return nil, nil // P + (−P), including points of order 2
		}
		num := new(big.Int).Mul(x1, x1)
		num.Mul(num, big.NewInt(3))
		num.Add(num, r.a)
		den := new(big.Int).Lsh(y1, 1)
		den.ModInverse(den, p)
		lambda.Mul(num, den)
	} else {
		num := new(big.Int).Sub(y2, y1)
		den := new(big.Int).Sub(x2, x1)
		den.Mod(den, p)
		den.ModInverse(den, p)
		lambda.Mul(num, den)
	}
	lambda.Mod(&lambda, p)
	x3 := new(big.Int).Mul(&lambda, &lambda)
	x3.Sub(x3, x1)
	x3.Sub(x3, x2)
	x3.Mod(x3, p)
	y3 := new(big.Int).Sub(x1, x3)
	y3.Mul(y3, &lambda)
	y3.Sub(y3, y1)
	y3.Mod(y3, p)
	return x3, y3
}

func (r refCurve) neg(x, y *big.Int) (*big.Int, *big.Int) {
	if x == nil {
		return nil, nil
	}
	return x, new(big.Int).Mod(new(big.Int).Neg(y), r.p)
}

// mul is double-and-add on the unreduced k ≥ 0.
func (r refCurve) mul(k, x, y *big.Int) (*big.Int, *big.Int) {
	var ax, ay *big.Int
	for i := k.BitLen() - 1; i >= 0; i-- {
		ax, ay = r.add(ax, ay, ax, ay)
		if k.Bit(i) == 1 {
			ax, ay = r.add(ax, ay, x, y)
		}
	}
	return ax, ay
}
