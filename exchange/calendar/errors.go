package calendar

import (
	"errors"
	"fmt"
)

// Errors of reading a holiday file. A *ParseError wraps one of them.
var (
	// ErrSyntax is returned when a line is not an entry at all: a date
	// without a kind, invalid UTF-8, a control character, or a line too long.
	ErrSyntax = errors.New("calendar: syntax error")
	// ErrBadDate is returned when a date is not YYYY-MM-DD or does not exist
	// (2026-02-30).
	ErrBadDate = errors.New("calendar: bad date")
	// ErrUnknownKind is returned when the word after a date is neither
	// "holiday" nor "working".
	ErrUnknownKind = errors.New("calendar: unknown kind")
	// ErrNotWeekend is returned when a "working" entry names a Monday to
	// Friday: those are working days already, so the entry is most likely a
	// mistyped date.
	ErrNotWeekend = errors.New("calendar: working entry on a weekday")
	// ErrConflict is returned when a date is listed twice with different
	// kinds.
	ErrConflict = errors.New("calendar: conflicting entries")
	// ErrBadZone is returned when a zone directive is malformed, comes after
	// the first date, or names a zone that cannot be loaded.
	ErrBadZone = errors.New("calendar: bad zone")
)

// Errors of writing a holiday file.
var (
	// ErrZoneName is returned by Write when the calendar's zone has a name
	// that a zone directive cannot load back, such as a time.FixedZone made
	// by the caller.
	ErrZoneName = errors.New("calendar: zone cannot be written by name")
)

// ParseError reports what is wrong with one line of a holiday file.
type ParseError struct {
	File   string // the path given to Load; empty for Parse
	Line   int    // 1-based
	Err    error  // one of the sentinel errors above
	Detail string // what was found and what was expected
}

func (e *ParseError) Error() string {
	where := fmt.Sprintf("line %d", e.Line)
	if e.File != "" {
		where = fmt.Sprintf("%s:%d", e.File, e.Line)
	}
	return fmt.Sprintf("%v: %s: %s", e.Err, where, e.Detail)
}

// Unwrap returns the sentinel error, for errors.Is.
func (e *ParseError) Unwrap() error { return e.Err }
