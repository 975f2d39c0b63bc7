package calendar

import (
	"bytes"
	"errors"
	"os"
	"testing"
	"time"
)

// FuzzParse checks that Parse never panics, that it fails only with a
// *ParseError naming a line, and that whatever it accepts is written back
// by Write to a file that parses to the same calendar.
func FuzzParse(f *testing.F) {
	sample, err := os.ReadFile("testdata/holidays-2026.txt")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(sample)
	for _, seed := range []string{
		"",
		"zone MSK\n2026-03-07 working\n",
		"zone UTC\n2026-01-01 holiday a  b\n2026-01-01 holiday c\n",
		"\uFEFF2026-01-01 holiday\r\n",
		"2026-13-01 holiday\n",
		"2026-03-07 holiday\n2026-03-07 working\n",
		"2026-03-09 working\n",
		"2026-01-01 holiday\nzone Europe/Moscow\n",
		"zone Nowhere/Atlantis\n",
		"2026-01-01 holiday \xff\n",
		"2026-01-01 holiday\u2028x\u00a0y\n",
		"9999-12-31 holiday\n0001-01-01 holiday\n",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse(bytes.NewReader(data))
		if err != nil {
			var pe *ParseError
			if !errors.As(err, &pe) || pe.Line < 1 {
				t.Fatalf("Parse error %v is not a *ParseError with a line", err)
			}
			return
		}
		var buf bytes.Buffer
		if err := c.Write(&buf); err != nil {
			t.Fatalf("Write of a parsed calendar: %v", err)
		}
		written := buf.String()
		back, err := Parse(&buf)
		if err != nil {
			t.Fatalf("Parse(Write()): %v\n%s", err, written)
		}
		if diff := sameCalendar(c, back); diff != "" {
			t.Fatalf("round trip changed the calendar: %s\n%s", diff, written)
		}
		// Whatever parses can be used: nothing panics or runs away.
		start := time.Date(2026, 1, 1, 12, 0, 0, 0, time.UTC)
		if c.last != (Date{}) {
			start = time.Date(c.last.Year, c.last.Month, c.last.Day, 12, 0, 0, 0, time.UTC)
		}
		c.IsWorkingDay(start)
		if due := c.Due(start, 10, 0); !due.After(start) {
			t.Fatalf("Due(%v, 10) = %v, not after the start", start, due)
		}
	})
}
