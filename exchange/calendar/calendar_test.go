package calendar

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"
)

// moscowLoc is the zone the tests expect calendars to default to.
var moscowLoc = moscow()

// at returns a wall-clock time in loc.
func at(loc *time.Location, year int, month time.Month, day, hour, minute int) time.Time {
	return time.Date(year, month, day, hour, minute, 0, 0, loc)
}

// msk returns a Moscow wall-clock time.
func msk(year int, month time.Month, day, hour, minute int) time.Time {
	return at(moscowLoc, year, month, day, hour, minute)
}

// utc returns a UTC wall-clock time.
func utc(year int, month time.Month, day, hour, minute int) time.Time {
	return at(time.UTC, year, month, day, hour, minute)
}

// load2026 reads the example production calendar shipped in testdata.
func load2026(tb testing.TB) *Calendar {
	tb.Helper()
	c, err := Load("testdata/holidays-2026.txt")
	if err != nil {
		tb.Fatalf("Load: %v", err)
	}
	return c
}

// mustParse parses a holiday file given as a string.
func mustParse(tb testing.TB, text string) *Calendar {
	tb.Helper()
	c, err := Parse(strings.NewReader(text))
	if err != nil {
		tb.Fatalf("Parse(%q): %v", text, err)
	}
	return c
}

// workedSaturday is a calendar in which Saturday 2026-03-07 is worked.
const workedSaturday = "2026-03-07 working day off moved to 2026-03-09\n2026-03-09 holiday\n"

func TestIsWorkingDay(t *testing.T) {
	cal2026 := load2026(t)
	worked := mustParse(t, workedSaturday)
	utcWeekends := New(time.UTC, nil, nil)

	tests := []struct {
		name string
		cal  *Calendar
		t    time.Time
		want bool
	}{
		{"weekday", cal2026, msk(2026, 2, 10, 12, 0), true},
		{"weekday after the New Year holidays", cal2026, msk(2026, 1, 12, 9, 0), true},
		{"Saturday", cal2026, msk(2026, 2, 14, 12, 0), false},
		{"Sunday", cal2026, msk(2026, 2, 15, 12, 0), false},
		{"holiday on a Monday", cal2026, msk(2026, 2, 23, 12, 0), false},
		{"New Year holiday on a Monday", cal2026, msk(2026, 1, 5, 12, 0), false},
		{"Christmas on a Wednesday", cal2026, msk(2026, 1, 7, 12, 0), false},
		{"day off transferred to a Friday", cal2026, msk(2026, 1, 9, 12, 0), false},
		{"day off transferred to December 31", cal2026, msk(2026, 12, 31, 12, 0), false},
		{"Monday after a Sunday holiday", cal2026, msk(2026, 3, 9, 12, 0), false},
		{"Unity Day", cal2026, msk(2026, 11, 4, 12, 0), false},
		{"worked Saturday", worked, msk(2026, 3, 7, 12, 0), true},
		{"the same Saturday not worked", cal2026, msk(2026, 3, 7, 12, 0), false},
		{"Sunday next to a worked Saturday", worked, msk(2026, 3, 8, 12, 0), false},
		{"Default has no holidays", Default(), msk(2026, 1, 1, 12, 0), true},
		{"Default weekend", Default(), msk(2026, 1, 3, 12, 0), false},
		// 23:30 UTC on Sunday is 02:30 on Monday in Moscow.
		{"Sunday night UTC is Monday in Moscow", cal2026, utc(2026, 2, 15, 23, 30), true},
		{"Sunday night UTC in a UTC calendar", utcWeekends, utc(2026, 2, 15, 23, 30), false},
		// 21:30 UTC on Friday is 00:30 on Saturday in Moscow.
		{"Friday night UTC is Saturday in Moscow", cal2026, utc(2026, 2, 13, 21, 30), false},
		{"Friday night UTC in a UTC calendar", utcWeekends, utc(2026, 2, 13, 21, 30), true},
		{"last instant of a Friday in Moscow", cal2026, msk(2026, 2, 13, 23, 59).Add(59*time.Second + 999999999), true},
		{"first instant of a Saturday in Moscow", cal2026, msk(2026, 2, 14, 0, 0), false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.cal.IsWorkingDay(tt.t); got != tt.want {
				t.Errorf("IsWorkingDay(%v) = %v, want %v", tt.t, got, tt.want)
			}
		})
	}
}

func TestDue(t *testing.T) {
	cal2026 := load2026(t)
	worked := mustParse(t, workedSaturday)
	utcWeekends := New(time.UTC, nil, nil)

	tests := []struct {
		name        string
		cal         *Calendar
		start       time.Time
		workingDays int
		d           time.Duration
		want        time.Time
	}{
		// Across weekends.
		{"1wd from Friday afternoon ends with Monday", cal2026, msk(2026, 2, 13, 15, 0), 1, 0, msk(2026, 2, 17, 0, 0)},
		{"1wd from Saturday ends with Monday", cal2026, msk(2026, 2, 14, 10, 0), 1, 0, msk(2026, 2, 17, 0, 0)},
		{"1wd from late Sunday ends with Monday", cal2026, msk(2026, 2, 15, 23, 59), 1, 0, msk(2026, 2, 17, 0, 0)},
		{"1wd from Monday midnight ends with Tuesday", cal2026, msk(2026, 2, 16, 0, 0), 1, 0, msk(2026, 2, 18, 0, 0)},
		{"1wd from Monday evening ends with Tuesday", cal2026, msk(2026, 2, 16, 23, 59), 1, 0, msk(2026, 2, 18, 0, 0)},
		{"2wd from Monday ends with Wednesday", cal2026, msk(2026, 2, 16, 9, 0), 2, 0, msk(2026, 2, 19, 0, 0)},
		{"5wd from Monday ends with next Monday", cal2026, msk(2026, 2, 2, 9, 0), 5, 0, msk(2026, 2, 10, 0, 0)},
		// Across holidays.
		{"2wd from Friday before a Monday holiday", cal2026, msk(2026, 2, 20, 9, 0), 2, 0, msk(2026, 2, 26, 0, 0)},
		{"1wd from New Year's Eve ends after the New Year holidays", cal2026, msk(2025, 12, 31, 12, 0), 1, 0, msk(2026, 1, 13, 0, 0)},
		{"2wd from New Year's Eve", cal2026, msk(2025, 12, 31, 12, 0), 2, 0, msk(2026, 1, 14, 0, 0)},
		{"1wd from a holiday ends with the next working day", cal2026, msk(2026, 1, 8, 12, 0), 1, 0, msk(2026, 1, 13, 0, 0)},
		{"1wd over Victory Day moved to Monday", cal2026, msk(2026, 5, 8, 16, 0), 1, 0, msk(2026, 5, 13, 0, 0)},
		{"1wd into a worked Saturday", worked, msk(2026, 3, 6, 16, 0), 1, 0, msk(2026, 3, 8, 0, 0)},
		{"2wd over a worked Saturday and its day off", worked, msk(2026, 3, 6, 16, 0), 2, 0, msk(2026, 3, 11, 0, 0)},
		{"beyond the file: five-day week", cal2026, msk(2026, 12, 30, 12, 0), 1, 0, msk(2027, 1, 2, 0, 0)},
		// Durations run on weekends and holidays alike.
		{"48h from Friday afternoon", cal2026, msk(2026, 2, 13, 15, 0), 0, 48 * time.Hour, msk(2026, 2, 15, 15, 0)},
		{"30m", cal2026, msk(2026, 1, 1, 23, 45), 0, 30 * time.Minute, msk(2026, 1, 2, 0, 15)},
		{"working days take precedence over a duration", cal2026, msk(2026, 2, 13, 15, 0), 1, time.Hour, msk(2026, 2, 17, 0, 0)},
		{"no deadline", cal2026, msk(2026, 2, 13, 15, 0), 0, 0, time.Time{}},
		{"negative values are no deadline", cal2026, msk(2026, 2, 13, 15, 0), -1, -time.Hour, time.Time{}},
		// Day boundaries: the day of the start is the day in the calendar's zone.
		{"Sunday 23:30 UTC is Monday in Moscow", cal2026, utc(2026, 2, 15, 23, 30), 1, 0, utc(2026, 2, 17, 21, 0)},
		{"Sunday 23:30 UTC in a UTC calendar", utcWeekends, utc(2026, 2, 15, 23, 30), 1, 0, utc(2026, 2, 17, 0, 0)},
		{"Thursday 21:30 UTC is Friday in Moscow", cal2026, utc(2026, 2, 12, 21, 30), 1, 0, msk(2026, 2, 17, 0, 0)},
		{"Thursday 21:30 UTC in a UTC calendar", utcWeekends, utc(2026, 2, 12, 21, 30), 1, 0, utc(2026, 2, 14, 0, 0)},
		{"Monday 21:00 UTC is Tuesday midnight in Moscow", cal2026, utc(2026, 2, 16, 21, 0), 1, 0, msk(2026, 2, 19, 0, 0)},
		{"Monday 20:59 UTC is still Monday in Moscow", cal2026, utc(2026, 2, 16, 20, 59), 1, 0, msk(2026, 2, 18, 0, 0)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.cal.Due(tt.start, tt.workingDays, tt.d)
			if !got.Equal(tt.want) || got.IsZero() != tt.want.IsZero() {
				t.Errorf("Due(%v, %d, %v) = %v, want %v", tt.start, tt.workingDays, tt.d, got, tt.want)
			}
		})
	}
}

// TestDueIsEndOfDay checks the meaning of the returned instant: the last
// nanosecond of the last working day is on time, midnight after it is late.
func TestDueIsEndOfDay(t *testing.T) {
	c := load2026(t)
	due := c.Due(msk(2026, 2, 13, 15, 0), 1, 0)
	if last := due.Add(-time.Nanosecond); !c.IsWorkingDay(last) || DateOf(last.In(moscowLoc)) != (Date{2026, 2, 16}) {
		t.Errorf("the instant before Due, %v, is not on Monday 2026-02-16 in Moscow", last)
	}
	if DateOf(due.In(moscowLoc)) != (Date{2026, 2, 17}) {
		t.Errorf("Due = %v, want midnight starting Tuesday 2026-02-17 in Moscow", due)
	}
	if got := due.In(moscowLoc); got.Hour() != 0 || got.Minute() != 0 || got.Second() != 0 || got.Nanosecond() != 0 {
		t.Errorf("Due = %v, want midnight in Moscow", got)
	}
}

// naiveDue counts working days one by one through IsWorkingDay, with no
// week skipping and no Date arithmetic: the reference Due is checked against.
func naiveDue(c *Calendar, start time.Time, n int) time.Time {
	loc := c.Location()
	y, m, d := start.In(loc).Date()
	day := time.Date(y, m, d, 12, 0, 0, 0, loc)
	for n > 0 {
		day = time.Date(day.Year(), day.Month(), day.Day()+1, 12, 0, 0, 0, loc)
		if c.IsWorkingDay(day) {
			n--
		}
	}
	return time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, loc)
}

func TestDueMatchesDayByDayCount(t *testing.T) {
	calendars := map[string]*Calendar{
		"2026":            load2026(t),
		"worked Saturday": mustParse(t, workedSaturday),
		"default":         Default(),
		"nil":             nil,
	}
	counts := []int{1, 2, 3, 4, 5, 6, 7, 9, 10, 11, 15, 20, 23, 31, 100, 247, 248, 400}
	for name, c := range calendars {
		t.Run(name, func(t *testing.T) {
			for day := msk(2025, 12, 1, 10, 0); day.Before(msk(2027, 1, 20, 0, 0)); day = day.AddDate(0, 0, 1) {
				for _, n := range counts {
					if got, want := c.Due(day, n, 0), naiveDue(c, day, n); !got.Equal(want) {
						t.Fatalf("Due(%v, %d) = %v, counting day by day gives %v", day, n, got, want)
					}
				}
			}
		})
	}
}

func TestDueHugeCountIsCapped(t *testing.T) {
	c := load2026(t)
	start := msk(2026, 2, 13, 15, 0)
	capped := c.Due(start, maxWorkingDays, 0)
	if got := c.Due(start, int(^uint(0)>>1), 0); !got.Equal(capped) {
		t.Errorf("Due(max int) = %v, want the cap %v", got, capped)
	}
	if !capped.After(msk(5000, 1, 1, 0, 0)) {
		t.Errorf("Due(%d working days) = %v, want thousands of years ahead", maxWorkingDays, capped)
	}
	if got, want := c.Due(start, 5000, 0), naiveDue(c, start, 5000); !got.Equal(want) {
		t.Errorf("Due(5000) = %v, counting day by day gives %v", got, want)
	}
}

func TestZeroAndNilCalendarAreDefault(t *testing.T) {
	var zero Calendar
	var nilCal *Calendar
	start := utc(2026, 2, 15, 23, 30) // Monday in Moscow
	want := Default().Due(start, 1, 0)
	for name, c := range map[string]*Calendar{"zero": &zero, "nil": nilCal} {
		if got := c.Due(start, 1, 0); !got.Equal(want) {
			t.Errorf("%s calendar: Due = %v, want %v", name, got, want)
		}
		if !c.IsWorkingDay(start) {
			t.Errorf("%s calendar: %v is not a working day", name, start)
		}
		if got := c.Location().String(); got != moscowLoc.String() {
			t.Errorf("%s calendar: zone %q, want %q", name, got, moscowLoc)
		}
	}
}

func TestNew(t *testing.T) {
	sat, sun, mon := Date{2026, 3, 7}, Date{2026, 3, 8}, Date{2026, 3, 9}
	c := New(nil,
		[]Date{mon, sun, {2026, 2, 30}, {2026, 13, 1}},
		[]Date{sat, sun, {2026, 3, 10}},
	)
	if got := c.Location().String(); got != moscowLoc.String() {
		t.Errorf("New(nil) zone = %q, want %q", got, moscowLoc)
	}
	tests := []struct {
		name string
		day  Date
		want bool
	}{
		{"worked Saturday", sat, true},
		{"holiday wins over worked", sun, false},
		{"holiday", mon, false},
		{"worked weekday is ignored", Date{2026, 3, 10}, true},
		{"March 2 is not made a holiday by February 30", Date{2026, 3, 2}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := c.IsWorkingDay(msk(tt.day.Year, tt.day.Month, tt.day.Day, 12, 0)); got != tt.want {
				t.Errorf("IsWorkingDay(%v) = %v, want %v", tt.day, got, tt.want)
			}
		})
	}
	want := map[Date]entry{sat: {kind: working}, sun: {kind: holiday}, mon: {kind: holiday}}
	if !maps.Equal(c.entries, want) {
		t.Errorf("entries = %v, want %v", c.entries, want)
	}
}

func TestLoadZone(t *testing.T) {
	noDatabase := func(string) (*time.Location, error) { return nil, errors.New("no zone database") }
	tests := []struct {
		name       string
		zone       string
		load       func(string) (*time.Location, error)
		wantName   string
		wantOffset int
		wantErr    bool
	}{
		{"Moscow from the database", moscowZone, time.LoadLocation, moscowZone, 3 * 3600, false},
		{"Moscow without a database", moscowZone, noDatabase, mskName, 3 * 3600, false},
		{"MSK by name", mskName, noDatabase, mskName, 3 * 3600, false},
		{"other zones need the database", "Asia/Yekaterinburg", noDatabase, "", 0, true},
		{"other zone from the database", "Asia/Yekaterinburg", time.LoadLocation, "Asia/Yekaterinburg", 5 * 3600, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			loc, err := loadZone(tt.zone, tt.load)
			if tt.wantErr {
				if err == nil {
					t.Fatalf("loadZone(%q) = %v, want an error", tt.zone, loc)
				}
				return
			}
			if err != nil {
				t.Fatalf("loadZone(%q): %v", tt.zone, err)
			}
			_, offset := time.Date(2026, 2, 1, 12, 0, 0, 0, loc).Zone()
			if loc.String() != tt.wantName || offset != tt.wantOffset {
				t.Errorf("loadZone(%q) = %s UTC%+d s, want %s UTC%+d s", tt.zone, loc, offset, tt.wantName, tt.wantOffset)
			}
		})
	}
}

func TestDate(t *testing.T) {
	tests := []struct {
		in      string
		want    Date
		wantErr bool
	}{
		{"2026-01-01", Date{2026, 1, 1}, false},
		{"2028-02-29", Date{2028, 2, 29}, false},
		{"9999-12-31", Date{9999, 12, 31}, false},
		{"2026-02-29", Date{}, true},
		{"2026-04-31", Date{}, true},
		{"2026-00-10", Date{}, true},
		{"2026-13-01", Date{}, true},
		{"2026-01-00", Date{}, true},
		{"0000-01-01", Date{}, true},
		{"2026-1-1", Date{}, true},
		{"2026/01/01", Date{}, true},
		{"+026-01-01", Date{}, true},
		{"2026-01-01x", Date{}, true},
		{"", Date{}, true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := ParseDate(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Fatalf("ParseDate(%q) = %v, %v; want %v, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
			if err == nil && got.String() != tt.in {
				t.Errorf("String() = %q, want %q", got.String(), tt.in)
			}
		})
	}
	if got := (Date{2026, 12, 31}).AddDays(1); got != (Date{2027, 1, 1}) {
		t.Errorf("AddDays over a year end = %v", got)
	}
	if got := (Date{2026, 3, 7}).Weekday(); got != time.Saturday {
		t.Errorf("Weekday(2026-03-07) = %v, want Saturday", got)
	}
}

func TestCovers(t *testing.T) {
	cal, err := Parse(strings.NewReader("2026-01-01 holiday\n2026-11-01 working\n"))
	if err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		cal  *Calendar
		year int
		want bool
	}{
		{cal, 2026, true}, {cal, 2025, false}, {cal, 2027, false},
		{Default(), 2026, false}, {nil, 2026, false},
	} {
		if got := tc.cal.Covers(tc.year); got != tc.want {
			t.Errorf("Covers(%d) = %v, want %v", tc.year, got, tc.want)
		}
	}
}
