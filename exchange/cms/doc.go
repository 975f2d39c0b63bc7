// Package cms verifies and makes detached CMS signatures (RFC 5652
// SignedData) over attachment bytes, as SMEV 3 carries them in
// AttachmentHeader/SignaturePKCS7.
//
// It is deliberately small and strict: DER only (no indefinite lengths),
// content type id-data, no encapsulated content, at most 8 SignerInfos,
// 16 certificates and 32 signed attributes per SignerInfo, and at most
// Options.MaxSize bytes (1 MiB by default), so that a hostile signature
// cannot make it work hard. It checks signatures, not
// trust: VerifyDetached tells which certificate signed, and the caller
// builds and checks that certificate's chain, validity and revocation
// against its own trust store.
//
// Algorithms live in a registry. RSA PKCS#1 v1.5 (keys of 2048 to 16384
// bits) and ECDSA over P-256, P-384 and P-521 with SHA-256, SHA-384 and
// SHA-512 are registered by default; SHA-1 is registered as weak and
// refused unless Options.AllowWeak is set. Other algorithms, such as
// GOST R 34.10-2012 with Streebog, are added by a provider package calling
// RegisterDigest and RegisterSignature from its init function; the
// provider's certificates need not be understood by crypto/x509, since a
// SignatureAlgorithm receives the whole certificate and can read
// RawSubjectPublicKeyInfo itself.
//
// When a SignedData holds several SignerInfos, every one of them must
// verify; VerifyDetached reports all of them, the first one also in the
// top-level fields of Signed.
package cms
