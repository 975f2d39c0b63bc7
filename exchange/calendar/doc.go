// Package calendar says which days are working days and when a processing
// deadline counted in working days ends.
//
// A Calendar is a time zone (Moscow time unless told otherwise) plus a list
// of exceptions to the five-day week: holidays, which are non-working days,
// and worked weekends, Saturdays or Sundays that the yearly government decree
// on transferred days off makes working days. Every other Monday to Friday is
// a working day and every other Saturday and Sunday is not. A day is a
// calendar date in the calendar's zone, so a request received at 23:30 UTC on
// a Sunday is received on Monday in Moscow.
//
// The exceptions come from a holiday file that an operator edits once a year
// (the format is documented on Parse; testdata/holidays-2026.txt is an
// example). Dates outside the file fall back to the five-day week, so a file
// that lacks a year's decree makes that year's deadlines wrong: early where
// its holidays are missing (the New Year holidays alone move a deadline by
// days), late where its worked Saturdays are. Add next year's decree before
// the new year; Calendar.Covers tells whether a year has one, and the hub
// warns when the current year, or in December the next, has none.
//
// Deadlines follow the rule Russian law uses for terms counted in days (Civil
// Code arts. 191 and 194; Federal Law 229-FZ "On Enforcement Proceedings",
// arts. 15-16): the day of the event is not counted, non-working days are not
// counted, and the term ends at midnight at the end of its last day. See
// Calendar.Due.
//
// A Calendar is immutable once built and safe for concurrent use. Parse and
// Load fail with a *ParseError that names the line and wraps one of the Err
// sentinels (ErrBadDate, ErrUnknownKind, ErrConflict...), for errors.Is.
package calendar
