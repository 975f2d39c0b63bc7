package curve

import (
	"crypto/rand"
	"math/big"
	"testing"

	"go.cypherpunks.ru/gogost/v5/gost3410"
)

// benchSetup returns paramSetA in both implementations, a public point
// P = r·G and two random scalars below q.
func benchSetup(b *testing.B) (*gost3410.Curve, *Curve, *big.Int, *big.Int, []byte, []byte) {
	g := gost3410.CurveIdtc26gost34102012256paramSetA()
	c := newFromGost(b, g)
	r, _ := rand.Int(rand.Reader, g.Q)
	px, py, err := g.Exp(r.Add(r, big.NewInt(1)), g.X, g.Y)
	if err != nil {
		b.Fatal(err)
	}
	k1, _ := rand.Int(rand.Reader, g.Q)
	k2, _ := rand.Int(rand.Reader, g.Q)
	return g, c, px, py, k1.FillBytes(make([]byte, 32)), k2.FillBytes(make([]byte, 32))
}

func BenchmarkScalarBaseMult(b *testing.B) {
	_, c, _, _, k, _ := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.ScalarBaseMult(k); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkScalarMult(b *testing.B) {
	_, c, px, py, k, _ := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.ScalarMult(px, py, k); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkCombinedMult(b *testing.B) {
	_, c, px, py, u1, u2 := benchSetup(b)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := c.CombinedMult(px, py, u1, u2); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGogostExp is gogost's k·G, for comparison with ScalarBaseMult.
func BenchmarkGogostExp(b *testing.B) {
	g, _, _, _, k, _ := benchSetup(b)
	kb := new(big.Int).SetBytes(k)
	b.ReportAllocs()
	for b.Loop() {
		if _, _, err := g.Exp(kb, g.X, g.Y); err != nil {
			b.Fatal(err)
		}
	}
}
