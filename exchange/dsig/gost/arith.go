package gost

import (
	"math/big"

	"go.cypherpunks.ru/gogost/v5/gost3410"

	"mezhved/exchange/dsig/gost/curve"
)

// fastArithmetic does the curve work with package curve: Montgomery field
// arithmetic in fixed limbs, constant time in the secret scalar of signing.
type fastArithmetic struct{ c *curve.Curve }

func (a fastArithmetic) baseMult(k []byte) (*big.Int, *big.Int, error) {
	return a.c.ScalarBaseMult(k)
}

func (a fastArithmetic) combinedMult(px, py *big.Int, u1, u2 []byte) (*big.Int, *big.Int, error) {
	return a.c.CombinedMult(px, py, u1, u2)
}

// inSubgroup reports whether a point lies in the subgroup of order q (on
// curves with a cofactor, a point of the curve may not).
func (a fastArithmetic) inSubgroup(x, y *big.Int) bool {
	_, _, err := a.c.ScalarMult(x, y, []byte{1})
	return err == nil
}

// newArithmetic picks the arithmetic for a curve: package curve, or the
// library's should the parameters not suit it.
func newArithmetic(c *gost3410.Curve) arithmetic {
	fc, err := curve.New(c.P, c.Q, c.A, c.B, c.X, c.Y)
	if err != nil {
		return libraryArithmetic{c}
	}
	return fastArithmetic{fc}
}
