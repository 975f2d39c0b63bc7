package xmlsafe

import (
	"errors"
	"fmt"
)

// Errors returned by Parse, wrapped in an *Error.
var (
	// ErrTooLarge is returned when the input is longer than Options.MaxBytes.
	ErrTooLarge = errors.New("xmlsafe: input too large")
	// ErrDoctype is returned when the input has a DOCTYPE or any other
	// markup declaration (<!ENTITY, <!ELEMENT, ...).
	ErrDoctype = errors.New("xmlsafe: DOCTYPE and entity declarations are refused")
	// ErrTooDeep is returned when elements nest deeper than Options.MaxDepth.
	ErrTooDeep = errors.New("xmlsafe: elements nested too deep")
	// ErrLimit is returned when an element has more attributes than
	// Options.MaxAttrs, an attribute value is longer than
	// Options.MaxAttrValue, or more namespace declarations are in scope
	// than Options.MaxNamespaces.
	ErrLimit = errors.New("xmlsafe: attribute limit exceeded")
	// ErrEncoding is returned when the declared encoding is not UTF-8 or
	// windows-1251, or the bytes are not valid in it.
	ErrEncoding = errors.New("xmlsafe: unsupported encoding")
	// ErrMalformed is returned when the input is not well-formed XML with
	// namespaces.
	ErrMalformed = errors.New("xmlsafe: malformed XML")
)

// Error is a refusal with the position where reading stopped.
type Error struct {
	// Err is one of the sentinels above.
	Err error
	// Line and Column are 1-based; zero when the refusal is about the input
	// as a whole (its size, its encoding).
	Line, Column int
	// Msg says what was found.
	Msg string
}

func (e *Error) Error() string {
	if e.Line > 0 {
		return fmt.Sprintf("%v at line %d, column %d: %s", e.Err, e.Line, e.Column, e.Msg)
	}
	return fmt.Sprintf("%v: %s", e.Err, e.Msg)
}

// Unwrap returns the sentinel.
func (e *Error) Unwrap() error { return e.Err }
