package calendar

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"os"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// maxLineLen bounds a line of a holiday file; real lines are a few dozen
// bytes, so anything longer is not a holiday file.
const maxLineLen = 4096

// Load reads a holiday file (see Parse). A *ParseError from it names path.
func Load(path string) (*Calendar, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("calendar: %w", err)
	}
	defer f.Close()
	return parse(f, path)
}

// Parse reads a holiday file: plain UTF-8 text, one entry per line.
//
//	# Russian production calendar 2026
//	zone Europe/Moscow
//	2026-01-01 holiday New Year holidays
//	2026-11-04 holiday Unity Day
//	2026-03-07 working
//
// A # starts a comment that runs to the end of the line; blank lines are
// ignored. An entry is a date written YYYY-MM-DD, a kind, and an optional
// note: "holiday" makes the date a non-working day, "working" makes a
// Saturday or Sunday a working day (a day off transferred by decree). Words
// are separated by any white space; the note is kept with single spaces.
// A date listed twice with the same kind keeps its first note; with
// different kinds it is an error.
//
// An optional directive "zone NAME", before the first entry, sets the zone
// in which days are told apart; NAME is an IANA zone such as Europe/Moscow,
// or MSK for fixed UTC+3. Without it the zone is Europe/Moscow.
//
// Errors are *ParseError values naming the line and wrapping ErrSyntax,
// ErrBadDate, ErrUnknownKind, ErrNotWeekend, ErrConflict or ErrBadZone.
func Parse(r io.Reader) (*Calendar, error) { return parse(r, "") }

func parse(r io.Reader, file string) (*Calendar, error) {
	c := &Calendar{entries: make(map[Date]entry)}
	firstLine := make(map[Date]int) // where each date was first listed, for conflict messages
	line := 0
	fail := func(err error, format string, args ...any) error {
		return &ParseError{File: file, Line: line, Err: err, Detail: fmt.Sprintf(format, args...)}
	}

	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 256), maxLineLen)
	for sc.Scan() {
		line++
		text := sc.Text()
		if line == 1 {
			// Editors on Windows start UTF-8 files with a byte order mark.
			text = strings.TrimPrefix(text, "\uFEFF")
		}
		if !utf8.ValidString(text) {
			return nil, fail(ErrSyntax, "invalid UTF-8")
		}
		if i := strings.IndexByte(text, '#'); i >= 0 {
			text = text[:i]
		}
		for _, r := range text {
			if unicode.IsControl(r) && !unicode.IsSpace(r) {
				return nil, fail(ErrSyntax, "control character %U", r)
			}
		}
		fields := strings.Fields(text)
		if len(fields) == 0 {
			continue
		}

		if fields[0] == "zone" {
			if c.loc != nil || len(c.entries) > 0 {
				return nil, fail(ErrBadZone, "the zone directive must come once, before the first date")
			}
			if len(fields) != 2 {
				return nil, fail(ErrBadZone, "want one zone name, as in: zone Europe/Moscow")
			}
			loc, err := loadZone(fields[1], time.LoadLocation)
			if err != nil {
				return nil, fail(ErrBadZone, "%q: %v", fields[1], err)
			}
			c.loc = loc
			continue
		}

		date, err := ParseDate(fields[0])
		if err != nil {
			return nil, fail(ErrBadDate, "%v", err)
		}
		if len(fields) < 2 {
			return nil, fail(ErrSyntax, "%s: want a kind after the date: holiday or working", date)
		}
		var k kind
		switch fields[1] {
		case "holiday":
			k = holiday
		case "working":
			k = working
		default:
			return nil, fail(ErrUnknownKind, "%q after %s: want holiday or working", fields[1], date)
		}
		if k == working && !date.isWeekend() {
			return nil, fail(ErrNotWeekend, "%s is a %s: only a Saturday or Sunday can be made a working day", date, date.Weekday())
		}
		if prev, ok := c.entries[date]; ok {
			if prev.kind != k {
				return nil, fail(ErrConflict, "%s is listed as %s on line %d and as %s here", date, prev.kind, firstLine[date], k)
			}
			continue
		}
		c.entries[date] = entry{kind: k, note: strings.Join(fields[2:], " ")}
		firstLine[date] = line
	}
	if err := sc.Err(); err != nil {
		if errors.Is(err, bufio.ErrTooLong) {
			line++
			return nil, fail(ErrSyntax, "line longer than %d bytes", maxLineLen)
		}
		if file != "" {
			return nil, fmt.Errorf("calendar: reading %s: %w", file, err)
		}
		return nil, fmt.Errorf("calendar: reading: %w", err)
	}
	if c.loc == nil {
		c.loc = moscow()
	}
	c.last = lastDate(c.entries)
	return c, nil
}

// Write writes the calendar as a holiday file that Parse reads back to the
// same calendar: the zone directive, then one line per date in date order,
// with its note. Comments are not kept. Write fails with ErrZoneName if the
// zone's name cannot be loaded back (a time.FixedZone other than MSK).
func (c *Calendar) Write(w io.Writer) error {
	loc := c.Location()
	// LoadLocation("") is UTC, so an empty name would load back, but as
	// another zone; a name with spaces or # would not survive the line.
	name := loc.String()
	if name == "" || strings.ContainsFunc(name, func(r rune) bool { return r == '#' || unicode.IsSpace(r) }) {
		return fmt.Errorf("%w: %q", ErrZoneName, name)
	}
	if _, err := loadZone(name, time.LoadLocation); err != nil {
		return fmt.Errorf("%w: %q", ErrZoneName, name)
	}
	var entries map[Date]entry
	if c != nil {
		entries = c.entries
	}
	dates := make([]Date, 0, len(entries))
	for d := range entries {
		dates = append(dates, d)
	}
	slices.SortFunc(dates, Date.Compare)

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "zone %s\n", name)
	for _, d := range dates {
		e := entries[d]
		if e.note == "" {
			fmt.Fprintf(bw, "%s %s\n", d, e.kind)
		} else {
			fmt.Fprintf(bw, "%s %s %s\n", d, e.kind, e.note)
		}
	}
	return bw.Flush()
}
