package fault

import (
	"fmt"
	"strings"
)

// Retry tells a caller what to do after a rejection.
type Retry int

// Retry classes.
const (
	// RetryLater: the message was fine; the hub could not take it now. Send the
	// same message (same MessageID) again later, with backoff.
	RetryLater Retry = iota + 1
	// FixAndResend: the message is wrong. Resending it unchanged fails the same
	// way; correct it (and give it a new MessageID) first.
	FixAndResend
	// Stop: resending cannot help (already sent, not registered, not
	// permitted). A person must look at it.
	Stop
)

// String returns the retry class as the README and the JSON output spell it.
func (r Retry) String() string {
	switch r {
	case RetryLater:
		return "retry"
	case FixAndResend:
		return "fix-and-resend"
	case Stop:
		return "stop"
	}
	return fmt.Sprintf("Retry(%d)", int(r))
}

// Kind is one entry of the catalog. Kinds are compared by pointer; each is
// also an error value, so errors.Is(err, fault.Schema) reports whether err is
// a rejection of that kind.
type Kind struct {
	// Code is the stable project code, e.g. "MZ-2001".
	Code string
	// Name is the local name of the SMEV fault element, e.g. "InvalidContent".
	Name string
	// SignatureCode is the value of the SignatureVerificationFault enumeration
	// (NoSignatureFound, IncorrectSignatureTarget, SignatureIsInvalid,
	// CertificateIsNotFound, CertificateIsExpired, PoorSOAPEnvelopeFormat)
	// when Name is SignatureVerificationFault; empty otherwise.
	SignatureCode string
	// Summary says in one line what the fault means, for the catalog table.
	Summary string
	// Retry is what the caller should do.
	Retry Retry
}

// Error implements error so that a Kind can be a target of errors.Is.
func (k *Kind) Error() string { return k.Code + " " + k.Name }

// ServerSide reports whether the fault is the hub's own failure (SOAP
// faultcode Server) rather than the caller's (faultcode Client).
func (k *Kind) ServerSide() bool { return k.Retry == RetryLater }

// Position locates one validation error in the input.
type Position struct {
	// Line and Column are 1-based positions in the envelope as received (after
	// transcoding to UTF-8); zero when unknown.
	Line   int `json:"line,omitempty"`
	Column int `json:"column,omitempty"`
	// Path is the element path, e.g. /Envelope/Body/SendRequestRequest/...;
	// empty when unknown.
	Path string `json:"path,omitempty"`
	// Reason says what is wrong at this position.
	Reason string `json:"reason"`
}

// String formats the position as "line L, column C, PATH: REASON", leaving
// out the parts that are unknown.
func (p Position) String() string {
	var b strings.Builder
	if p.Line > 0 {
		fmt.Fprintf(&b, "line %d, column %d", p.Line, p.Column)
	}
	if p.Path != "" {
		if b.Len() > 0 {
			b.WriteString(", ")
		}
		b.WriteString(p.Path)
	}
	if p.Reason != "" {
		if b.Len() > 0 {
			b.WriteString(": ")
		}
		b.WriteString(p.Reason)
	}
	return b.String()
}

// Error is one rejection: its Kind and what is specific to this occurrence.
// Every field except Kind is optional.
type Error struct {
	Kind *Kind
	// Description is the specific reason, safe to show to the caller: it names
	// elements and limits, never personal data from the payload.
	Description string
	// Positions lists schema and identifier errors, in document order.
	Positions []Position
	// PermittedSize and RealSize are set for AttachmentSizeLimitExceeded.
	PermittedSize, RealSize int64
	// RootNamespace and RootLocalName are set for
	// BusinessDataTypeIsNotSupported.
	RootNamespace, RootLocalName string
	// Destination is set for DestinationOverflow.
	Destination string
	// Err is the internal cause, for logs; it is never sent to the caller.
	Err error
}

// New returns a rejection of kind k with a formatted description.
func New(k *Kind, format string, args ...any) *Error {
	return &Error{Kind: k, Description: fmt.Sprintf(format, args...)}
}

// Wrap returns a rejection of kind k whose internal cause is err.
func Wrap(k *Kind, err error, format string, args ...any) *Error {
	return &Error{Kind: k, Description: fmt.Sprintf(format, args...), Err: err}
}

// Error returns "Name: description" (with the signature code for signature
// faults), the form `mezhved check` prints.
func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.Kind.Name)
	b.WriteString(": ")
	if e.Kind.SignatureCode != "" {
		b.WriteString(e.Kind.SignatureCode)
		b.WriteString(": ")
	}
	b.WriteString(e.Text())
	return b.String()
}

// Text returns the description followed by the first positions, on one line.
func (e *Error) Text() string {
	d := e.Description
	if d == "" {
		d = e.Kind.Summary
	}
	if len(e.Positions) == 0 {
		return d
	}
	var b strings.Builder
	b.WriteString(d)
	const shown = 3
	for i, p := range e.Positions {
		if i == shown {
			fmt.Fprintf(&b, "; and %d more", len(e.Positions)-shown)
			break
		}
		b.WriteString("; ")
		b.WriteString(p.String())
	}
	return b.String()
}

// Unwrap returns the internal cause.
func (e *Error) Unwrap() error { return e.Err }

// Is reports whether target is this error's Kind.
func (e *Error) Is(target error) bool {
	k, ok := target.(*Kind)
	return ok && k == e.Kind
}
