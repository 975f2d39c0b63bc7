package dsig

import "errors"

// Errors returned by Verify, Sign and the transforms. Verify wraps them with
// the specifics; inspect them with errors.Is.
var (
	// ErrNoSignature is returned when there is no ds:Signature where one is
	// required.
	ErrNoSignature = errors.New("dsig: no signature")
	// ErrMalformed is returned when the ds:Signature lacks a required part
	// (SignedInfo, SignatureValue, a Reference, KeyInfo...) or a value is not
	// valid base64.
	ErrMalformed = errors.New("dsig: malformed signature")
	// ErrAlgorithm is returned when an algorithm, a transform or a reference
	// form is not permitted (SHA-1, an external or XPointer URI, an unknown
	// transform...).
	ErrAlgorithm = errors.New("dsig: algorithm or transform not permitted")
	// ErrTarget is returned when a reference does not resolve to exactly one
	// element, or the signature does not cover the element that must be
	// signed.
	ErrTarget = errors.New("dsig: wrong signature target")
	// ErrDigest is returned when a reference's digest does not match the
	// content it references.
	ErrDigest = errors.New("dsig: digest mismatch")
	// ErrSignatureValue is returned when SignatureValue does not verify with
	// the certificate's key.
	ErrSignatureValue = errors.New("dsig: signature value does not verify")
	// ErrCertificate is returned when the signing certificate is missing,
	// unreadable, unfit for signing, or does not chain to a trust anchor.
	ErrCertificate = errors.New("dsig: certificate not trusted")
	// ErrExpired is returned when the signing certificate or one in its chain
	// is outside its validity period.
	ErrExpired = errors.New("dsig: certificate outside its validity period")
	// ErrRevoked is returned when the signing certificate or one in its chain
	// has been revoked.
	ErrRevoked = errors.New("dsig: certificate revoked")
	// ErrTransform is returned when a transform cannot be computed (an
	// undeclared prefix, nesting beyond the transform's own limit).
	ErrTransform = errors.New("dsig: transform failed")
)
