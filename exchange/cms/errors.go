package cms

import (
	"errors"
	"fmt"
)

// Errors returned by VerifyDetached and SignDetached. They are wrapped with
// the specifics (which field, which OID, which SignerInfo); inspect them
// with errors.Is.
var (
	// ErrMalformed is returned when the input is not DER, is not a
	// ContentInfo holding SignedData, breaks a structural rule of RFC 5652
	// or of the detached profile (encapsulated content present, a required
	// signed attribute missing or repeated), has trailing data, or exceeds
	// a size or count limit.
	ErrMalformed = errors.New("cms: malformed signature")
	// ErrAlgorithm is returned when a digest or signature algorithm is not
	// registered, is registered weak and not allowed, has parameters that
	// are not accepted, is not paired with the other algorithm, or does not
	// fit the signer's key.
	ErrAlgorithm = errors.New("cms: algorithm not accepted")
	// ErrSignature is returned when the messageDigest attribute does not
	// match the content or the signature value does not verify.
	ErrSignature = errors.New("cms: signature does not verify")
	// ErrNoSigner is returned when no certificate carried in the SignedData
	// matches a SignerInfo's signer identifier.
	ErrNoSigner = errors.New("cms: signer certificate not found")
)

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

func algorithmError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrAlgorithm}, args...)...)
}

func signatureError(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrSignature}, args...)...)
}
