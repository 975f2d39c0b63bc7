package calendar

import (
	"sync"
	"time"
)

// moscowZone is the default zone: the hub serves Russian agencies, whose
// working days are counted in Moscow time.
const moscowZone = "Europe/Moscow"

// mskName names the fixed UTC+3 zone used when the zone database has no
// Europe/Moscow. Moscow has kept UTC+3 without daylight saving since October
// 2014, so for current dates the two agree.
const mskName = "MSK"

// maxWorkingDays caps a deadline in working days (about 3,800 years) so that
// an absurd registry value cannot overflow date arithmetic.
const maxWorkingDays = 1_000_000

var (
	mskZone = time.FixedZone(mskName, 3*60*60)
	moscow  = sync.OnceValue(func() *time.Location {
		loc, _ := loadZone(moscowZone, time.LoadLocation) // cannot fail: falls back to MSK
		return loc
	})
)

// loadZone loads a zone by name with load (time.LoadLocation outside
// tests). The name MSK is the fixed UTC+3 zone; Europe/Moscow falls back to
// it when the zone database is missing, since nothing from the system is
// embedded in the binary.
func loadZone(name string, load func(string) (*time.Location, error)) (*time.Location, error) {
	if name == mskName {
		return mskZone, nil
	}
	loc, err := load(name)
	if err != nil && name == moscowZone {
		return mskZone, nil
	}
	return loc, err
}

// kind is what a holiday file says about a date.
type kind uint8

const (
	holiday kind = iota + 1 // a non-working day, whatever its weekday
	working                 // a Saturday or Sunday that is worked
)

func (k kind) String() string {
	if k == working {
		return "working"
	}
	return "holiday"
}

// entry is one exception to the five-day week.
type entry struct {
	kind kind
	// note is the free text after the kind in a holiday file, kept so that
	// Write gives the operator back what they wrote.
	note string
}

// Calendar says which days are working days, in a time zone. The zero value
// and a nil *Calendar behave like Default. A Calendar is immutable and safe
// for concurrent use.
type Calendar struct {
	loc     *time.Location
	entries map[Date]entry
	// last is the latest date in entries: after it every week has exactly
	// five working days, which lets Due skip whole weeks.
	last Date
}

// New returns a calendar in loc (Moscow time if nil) with the given
// holidays and worked weekend days. A date in both lists is a holiday: when
// the lists disagree, the later deadline is the one nobody is blamed for.
// Dates that do not exist (see Date.Valid) are ignored, and so are worked
// weekend days that fall on a Monday to Friday, which are working days
// anyway.
func New(loc *time.Location, holidays []Date, workingWeekends []Date) *Calendar {
	if loc == nil {
		loc = moscow()
	}
	c := &Calendar{loc: loc, entries: make(map[Date]entry, len(holidays)+len(workingWeekends))}
	for _, d := range workingWeekends {
		if d.Valid() && d.isWeekend() {
			c.entries[d] = entry{kind: working}
		}
	}
	for _, d := range holidays {
		if d.Valid() {
			c.entries[d] = entry{kind: holiday}
		}
	}
	c.last = lastDate(c.entries)
	return c
}

// Default returns a calendar of weekends only, in Moscow time.
func Default() *Calendar { return &Calendar{loc: moscow()} }

// Covers reports whether the calendar holds exceptions in year, that is,
// whether its file has that year's decree: every year has holidays, so a
// year without any is a year the file does not cover.
func (c *Calendar) Covers(year int) bool {
	if c == nil {
		return false
	}
	for d := range c.entries {
		if d.Year == year {
			return true
		}
	}
	return false
}

// Location returns the zone in which the calendar tells days apart.
func (c *Calendar) Location() *time.Location {
	if c == nil || c.loc == nil {
		return moscow()
	}
	return c.loc
}

// IsWorkingDay reports whether t falls on a working day in the calendar's
// zone: a Monday to Friday that is not a holiday, or a worked weekend day.
func (c *Calendar) IsWorkingDay(t time.Time) bool {
	return c.isWorking(DateOf(t.In(c.Location())))
}

func (c *Calendar) isWorking(d Date) bool {
	if c != nil {
		if e, ok := c.entries[d]; ok {
			return e.kind == working
		}
	}
	return !d.isWeekend()
}

// Due returns when a deadline started at start ends: the first instant at
// which an answer is late. An answer is on time if it comes before Due.
//
// With workingDays > 0 the deadline ends at midnight, in the calendar's
// zone, at the end of the workingDays-th working day after the date of
// start. The date of start itself is never counted, whether or not it is a
// working day: a request received at 09:00 on Monday with 1 working day is
// due by the end of Tuesday, and one received on Friday afternoon or on
// Saturday is due by the end of Monday. This is how Russian law counts terms
// in days (Civil Code art. 191 and Federal Law 229-FZ art. 16: a term starts
// on the day after the event; 229-FZ art. 15: non-working days are not
// counted in it; Civil Code art. 194: it ends at 24:00 of its last day). It
// also gives every request the same number of whole working days whatever
// hour it arrives, rather than charging a request received at 17:59 for a
// day that is nearly over. A Saturday or holiday start therefore gains
// nothing over a start on the working day before it, and the one rule covers
// both cases.
//
// Otherwise, with d > 0, the deadline is start+d, in calendar time: hours
// run on weekends too. With neither, there is no deadline and Due returns
// the zero Time. workingDays takes precedence over d, and values above a
// million working days count as a million.
func (c *Calendar) Due(start time.Time, workingDays int, d time.Duration) time.Time {
	switch {
	case workingDays > 0:
		loc := c.Location()
		last := c.nthWorkingDayAfter(DateOf(start.In(loc)), min(workingDays, maxWorkingDays))
		return time.Date(last.Year, last.Month, last.Day+1, 0, 0, 0, 0, loc)
	case d > 0:
		return start.Add(d)
	default:
		return time.Time{}
	}
}

// nthWorkingDayAfter returns the n-th working day after day (n > 0).
func (c *Calendar) nthWorkingDayAfter(day Date, n int) Date {
	var last Date
	if c != nil {
		last = c.last
	}
	for n > 0 {
		if n > 5 && day.Compare(last) >= 0 {
			// Past the last exception any seven days in a row hold exactly
			// five working days: skip whole weeks, leaving at least one
			// working day to find by stepping.
			weeks := (n - 1) / 5
			day = day.AddDays(7 * weeks)
			n -= 5 * weeks
		}
		day = day.AddDays(1)
		if c.isWorking(day) {
			n--
		}
	}
	return day
}

func lastDate(entries map[Date]entry) Date {
	var last Date
	for d := range entries {
		if d.Compare(last) > 0 {
			last = d
		}
	}
	return last
}
