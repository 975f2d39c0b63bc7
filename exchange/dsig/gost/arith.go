package gost

import "go.cypherpunks.ru/gogost/v5/gost3410"

// newArithmetic picks the arithmetic for a curve.
func newArithmetic(c *gost3410.Curve) arithmetic { return libraryArithmetic{c} }
