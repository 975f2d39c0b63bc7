// Package gost is the GOST provider of the signature layer: GOST R 34.10-2012
// signatures with 256-bit keys and the GOST R 34.11-2012 (Streebog) 256-bit
// hash, which Russian agencies sign with.
//
// Importing the package registers, from its init function:
//   - with package dsig, the XMLDSig signature method
//     urn:ietf:params:xml:ns:cpxmlsec:algorithms:gostr34102012-gostr34112012-256
//     and the digest method ...:gostr34112012-256, the reading of GOST public
//     keys from certificates, and the checking of GOST-signed certificates
//     and CRLs;
//   - with package pki, the "gost" key algorithm (keys, PKCS #8,
//     certificates and CRLs), so that `mezhved pki init --alg gost` works;
//   - with package cms, the GOST signature of a detached CMS attachment
//     signature.
//
// Conventions (RFC 9215, RFC 4491 §2.2.2, and the CryptoPro XMLDSig profile
// SMEV uses): the hash is read as a little-endian number, as the standard
// defines it; a signature is 64 bytes, s then r, each big-endian; a public
// key in a certificate is an OCTET STRING of X then Y, each little-endian.
// Keys on any of the 256-bit parameter sets (TC26 A–D, CryptoPro A–C and
// XchA/XchB) are read; new keys use CryptoPro A
// (1.2.643.2.2.35.1), the set of most qualified certificates in use.
//
// The hash, the curve parameters and the key types come from
// go.cypherpunks.ru/gogost/v5 (served as github.com/flant/gogost/v5), which
// is GPL-3.0: the package is imported only by files under the build tag
// gost, so a binary built with the tag includes GPL-3.0 code and one built
// without it does not (and cannot verify GOST signatures). The elliptic-curve
// arithmetic of signing and verification is done by package curve, which is
// about ten times faster than the library's.
package gost
