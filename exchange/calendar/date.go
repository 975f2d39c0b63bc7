package calendar

import (
	"cmp"
	"fmt"
	"time"
)

// Date is a calendar date with no time and no zone: the unit a holiday file
// and a working-day count deal in.
type Date struct {
	Year  int
	Month time.Month
	Day   int
}

// DateOf returns the date of t in t's own location. Convert t with In first
// to get the date somewhere else.
func DateOf(t time.Time) Date {
	y, m, d := t.Date()
	return Date{y, m, d}
}

// ParseDate reads a date written YYYY-MM-DD, with exactly four, two and two
// digits, and checks that the date exists.
func ParseDate(s string) (Date, error) {
	if len(s) != len("2006-01-02") || s[4] != '-' || s[7] != '-' {
		return Date{}, fmt.Errorf("%q: want YYYY-MM-DD", s)
	}
	year, ok1 := digits(s[0:4])
	month, ok2 := digits(s[5:7])
	day, ok3 := digits(s[8:10])
	if !ok1 || !ok2 || !ok3 {
		return Date{}, fmt.Errorf("%q: want YYYY-MM-DD", s)
	}
	d := Date{year, time.Month(month), day}
	if !d.Valid() {
		return Date{}, fmt.Errorf("%q: no such date", s)
	}
	return d, nil
}

// digits reads a string of ASCII digits; strconv.Atoi would also take signs.
func digits(s string) (int, bool) {
	n := 0
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, false
		}
		n = n*10 + int(s[i]-'0')
	}
	return n, true
}

// Valid reports whether d exists and can be written as YYYY-MM-DD: years 1
// to 9999, months 1 to 12, and a day the month has.
func (d Date) Valid() bool {
	if d.Year < 1 || d.Year > 9999 || d.Month < time.January || d.Month > time.December || d.Day < 1 {
		return false
	}
	// time.Date normalises day 31 of a 30-day month into the next month;
	// a date that survives unchanged exists.
	return DateOf(d.noon()) == d
}

// String returns d as YYYY-MM-DD.
func (d Date) String() string {
	return fmt.Sprintf("%04d-%02d-%02d", d.Year, int(d.Month), d.Day)
}

// Weekday returns the day of the week of d.
func (d Date) Weekday() time.Weekday { return d.noon().Weekday() }

// AddDays returns the date n days after d (before it if n is negative).
func (d Date) AddDays(n int) Date {
	return DateOf(time.Date(d.Year, d.Month, d.Day+n, 12, 0, 0, 0, time.UTC))
}

// Compare returns -1, 0 or +1 as d is before, equal to or after e.
func (d Date) Compare(e Date) int {
	if c := cmp.Compare(d.Year, e.Year); c != 0 {
		return c
	}
	if c := cmp.Compare(d.Month, e.Month); c != 0 {
		return c
	}
	return cmp.Compare(d.Day, e.Day)
}

// noon is d at noon UTC: a zone without daylight saving, so day arithmetic
// never lands on a shifted hour.
func (d Date) noon() time.Time {
	return time.Date(d.Year, d.Month, d.Day, 12, 0, 0, 0, time.UTC)
}

// isWeekend reports whether d is a Saturday or a Sunday.
func (d Date) isWeekend() bool {
	wd := d.Weekday()
	return wd == time.Saturday || wd == time.Sunday
}
