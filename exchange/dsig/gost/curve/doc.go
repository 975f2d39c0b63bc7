// Package curve is elliptic-curve arithmetic for GOST R 34.10-2012 with
// 256-bit parameter sets: short Weierstrass curves y² = x³ + a·x + b over a
// prime field of at most 256 bits, with a base point G of prime order q.
//
// It exists for speed. Affine math/big arithmetic spends milliseconds per
// signature and per verification; this package keeps coordinates as four
// 64-bit limbs in Montgomery form, works in Jacobian coordinates with a
// single field inversion per result, computes k·G from a table of all
// multiples j·16^i·G made once in New (one mixed addition per 4-bit digit,
// no doubling) and the verification combination u1·G + u2·P with
// interleaved wNAF (shared doublings, a precomputed table of odd multiples
// of G). It is generic in p, q, a and b: parameter sets with a = −3 get the
// cheaper doubling formula, the others the general one. The package does not
// sign or verify: it provides the point multiplications those need.
//
// # Constant time
//
// ScalarBaseMult and ScalarMult take secret scalars (private keys,
// ephemeral keys) and run in time independent of their values: the scalar
// is reduced modulo q by Montgomery multiplications rather than division,
// the windows are fixed, every table lookup reads the whole table row and
// keeps the wanted entry with masks, exceptional cases of the addition
// formulas are ruled out by the argument given at each function, and the
// remaining ones (the accumulator at the point at infinity, a zero digit) are
// handled by masked selection. The final inversion is Fermat's, by a
// fixed-window exponentiation with the public exponent p − 2. Time does
// depend on the byte length of the scalar and on whether the result is the
// point at infinity, reported as an error. The input point of ScalarMult is
// treated as public: on curves whose cofactor is not 1 (tc26 paramSetA)
// it is checked to lie in the subgroup of order q in variable time.
//
// CombinedMult, IsOnCurve and New are for public data and run in variable
// time: wNAF recoding and additions branch on the scalars, and
// CombinedMult's final inversion uses math/big.
//
// The package has no assembly. The constant-time claims rest on math/bits'
// Add64, Sub64 and Mul64, documented as taking time independent of their
// inputs, and on mask arithmetic that the compiler has no reason to turn into
// branches; they cover timing and memory access patterns, not power or
// electromagnetic leakage.
package curve
