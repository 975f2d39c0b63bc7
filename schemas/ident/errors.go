package ident

import "errors"

// Sentinel errors. Every error returned by this package wraps exactly one of
// them, so callers can classify failures with [errors.Is].
var (
	// ErrUnknownKind is returned when a [Kind] is not one of the kinds listed
	// by [Kinds]: by [ParseKind] for an unrecognised name and by [Check] for
	// an unrecognised kind.
	ErrUnknownKind = errors.New("ident: unknown kind")

	// ErrFormat is returned when a value has the wrong length, contains a
	// character that is not allowed, or does not have the required shape
	// (separators, group widths, prefix, suffix). For [CheckAccount] it is
	// also returned when the accompanying BIC is malformed.
	ErrFormat = errors.New("ident: invalid format")

	// ErrCheckDigit is returned when a value is well formed but one of its
	// check digits (INN, OGRN, OGRNIP), its check number (SNILS) or its
	// control key (bank account, computed with the BIC) does not match the
	// value computed from the other digits.
	ErrCheckDigit = errors.New("ident: check digit mismatch")
)

// Error describes why a value failed a check.
//
// Reason never contains the checked value itself, which may be personal
// data (an individual's INN or SNILS, a bank account); it only mentions
// positions, lengths and expected digits.
type Error struct {
	// Kind is the kind of identifier that was checked. It is empty when the
	// kind itself was not recognised (Err is ErrUnknownKind).
	Kind Kind
	// Reason is a short human-readable explanation, without the value.
	Reason string
	// Err is one of ErrUnknownKind, ErrFormat or ErrCheckDigit.
	Err error
}

// Error returns "<kind>: <reason>", for example
// "inn: check digit 12 is 3, expected 5". When Kind is empty the prefix is
// "ident".
func (e *Error) Error() string {
	if e == nil {
		return "<nil>"
	}
	prefix := string(e.Kind)
	if prefix == "" {
		prefix = "ident"
	}
	return prefix + ": " + e.Reason
}

// Unwrap returns the sentinel error (ErrUnknownKind, ErrFormat or
// ErrCheckDigit).
func (e *Error) Unwrap() error {
	if e == nil {
		return nil
	}
	return e.Err
}

func formatError(k Kind, reason string) error {
	return &Error{Kind: k, Reason: reason, Err: ErrFormat}
}

func checkDigitError(k Kind, reason string) error {
	return &Error{Kind: k, Reason: reason, Err: ErrCheckDigit}
}
