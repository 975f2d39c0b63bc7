package calendar

import (
	"bytes"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// sameCalendar reports how a and b differ, or "" if they are the same
// calendar: same zone name, same entries with the same notes.
func sameCalendar(a, b *Calendar) string {
	if a == nil {
		a = &Calendar{}
	}
	if b == nil {
		b = &Calendar{}
	}
	if a.Location().String() != b.Location().String() {
		return "zone " + a.Location().String() + " vs " + b.Location().String()
	}
	if !maps.Equal(a.entries, b.entries) {
		return "entries differ"
	}
	if a.last != b.last {
		return "last date " + a.last.String() + " vs " + b.last.String()
	}
	return ""
}

func TestLoad2026(t *testing.T) {
	c := load2026(t)
	if got := c.Location().String(); got != moscowLoc.String() {
		t.Errorf("zone = %q, want %q", got, moscowLoc)
	}
	// The totals the production calendar publishes; they catch a line
	// dropped, mistyped or added.
	working, off := 0, 0
	for d := (Date{2026, 1, 1}); d.Year == 2026; d = d.AddDays(1) {
		if c.IsWorkingDay(msk(d.Year, d.Month, d.Day, 12, 0)) {
			working++
		} else {
			off++
		}
	}
	if working != 247 || off != 118 {
		t.Errorf("2026 has %d working days and %d days off, want 247 and 118", working, off)
	}
	if e := c.entries[Date{2026, 11, 4}]; e.kind != holiday || e.note != "Unity Day" {
		t.Errorf("2026-11-04 = %+v, want holiday Unity Day", e)
	}
}

func TestParse(t *testing.T) {
	text := "\uFEFF# comment\r\n\r\n  zone   UTC  # trailing comment\n" +
		"2026-01-01\tholiday   New\u00a0Year  # note\n" +
		"2026-03-07 working\n" +
		"2026-01-01 holiday another note for the same kind\n"
	c := mustParse(t, text)
	if c.Location() != time.UTC {
		t.Errorf("zone = %v, want UTC", c.Location())
	}
	want := map[Date]entry{
		{2026, 1, 1}: {kind: holiday, note: "New Year"},
		{2026, 3, 7}: {kind: working},
	}
	if !maps.Equal(c.entries, want) {
		t.Errorf("entries = %+v, want %+v", c.entries, want)
	}

	if c := mustParse(t, "2026-01-01 holiday\n"); c.Location().String() != moscowLoc.String() {
		t.Errorf("zone without a directive = %v, want %v", c.Location(), moscowLoc)
	}
	if c := mustParse(t, "zone MSK\n"); c.Location() != mskZone {
		t.Errorf("zone MSK = %v, want the fixed UTC+3 zone", c.Location())
	}
	if c := mustParse(t, ""); len(c.entries) != 0 {
		t.Errorf("empty file: entries = %v", c.entries)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		name     string
		text     string
		wantErr  error
		wantLine int
	}{
		{"month 13", "2026-13-01 holiday\n", ErrBadDate, 1},
		{"February 30", "# header\n2026-02-30 holiday\n", ErrBadDate, 2},
		{"unpadded date", "2026-1-1 holiday\n", ErrBadDate, 1},
		{"words before the date", "holiday 2026-01-01\n", ErrBadDate, 1},
		{"unknown kind", "# c\n\n2026-01-01 feast\n", ErrUnknownKind, 3},
		{"kind in capitals", "2026-01-01 Holiday\n", ErrUnknownKind, 1},
		{"no kind", "2026-01-01 holiday\n2026-01-02\n", ErrSyntax, 2},
		{"no kind before a comment", "2026-01-02 # holiday\n", ErrSyntax, 1},
		{"holiday then working", "2026-03-07 holiday\n\n2026-03-07 working\n", ErrConflict, 3},
		{"working then holiday", "2026-03-07 working\n2026-03-08 holiday\n2026-03-07 holiday\n", ErrConflict, 3},
		{"working weekday", "2026-03-09 working\n", ErrNotWeekend, 1},
		{"zone after a date", "2026-01-01 holiday\nzone Europe/Moscow\n", ErrBadZone, 2},
		{"zone twice", "zone UTC\nzone UTC\n", ErrBadZone, 2},
		{"unknown zone", "# c\nzone Nowhere/Atlantis\n", ErrBadZone, 2},
		{"zone without a name", "zone\n", ErrBadZone, 1},
		{"zone with two names", "zone Europe/Moscow UTC\n", ErrBadZone, 1},
		{"invalid UTF-8", "2026-01-01 holiday ok\n2026-01-02 holiday \xff\n", ErrSyntax, 2},
		{"control character", "2026-01-01 holiday a\x00b\n", ErrSyntax, 1},
		{"line too long", "2026-01-01 holiday\n" + strings.Repeat("x", maxLineLen+1) + "\n", ErrSyntax, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse(strings.NewReader(tt.text))
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Parse = %v, %v; want %v", c, err, tt.wantErr)
			}
			var pe *ParseError
			if !errors.As(err, &pe) {
				t.Fatalf("error %v is not a *ParseError", err)
			}
			if pe.Line != tt.wantLine {
				t.Errorf("line %d, want %d (%v)", pe.Line, tt.wantLine, err)
			}
			if want := fmt.Sprintf("line %d:", tt.wantLine); !strings.Contains(err.Error(), want) {
				t.Errorf("message %q does not name %q", err, want)
			}
		})
	}
}

func TestParseErrorNamesConflictingLine(t *testing.T) {
	_, err := Parse(strings.NewReader("\n2026-03-07 working\n2026-03-07 holiday\n"))
	if err == nil || !strings.Contains(err.Error(), "working on line 2") {
		t.Errorf("error %v does not name the first entry's line", err)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "holidays.txt")
	if err := os.WriteFile(path, []byte("zone Europe/Moscow\n2026-01-01 holliday\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := Load(path)
	var pe *ParseError
	if !errors.As(err, &pe) || !errors.Is(err, ErrUnknownKind) {
		t.Fatalf("Load = %v, want a *ParseError wrapping ErrUnknownKind", err)
	}
	if pe.File != path || pe.Line != 2 || !strings.Contains(err.Error(), path+":2:") {
		t.Errorf("error %q: file %q line %d, want %s:2", err, pe.File, pe.Line, path)
	}

	if _, err := Load(filepath.Join(dir, "missing.txt")); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("Load(missing) = %v, want fs.ErrNotExist", err)
	}
}

func TestWriteRoundTrip(t *testing.T) {
	calendars := map[string]*Calendar{
		"2026":    load2026(t),
		"default": Default(),
		"zero":    {},
		"nil":     nil,
		"new":     New(time.UTC, []Date{{2026, 1, 1}}, []Date{{2026, 3, 7}}),
		"MSK":     New(mskZone, []Date{{2026, 1, 1}}, nil),
	}
	for name, c := range calendars {
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			if err := c.Write(&buf); err != nil {
				t.Fatalf("Write: %v", err)
			}
			back, err := Parse(&buf)
			if err != nil {
				t.Fatalf("Parse(Write()): %v\n%s", err, buf.String())
			}
			if diff := sameCalendar(c, back); diff != "" {
				t.Errorf("round trip changed the calendar: %s", diff)
			}
		})
	}

	var buf bytes.Buffer
	if err := load2026(t).Write(&buf); err != nil {
		t.Fatal(err)
	}
	wantStart := "zone Europe/Moscow\n2026-01-01 holiday New Year holidays\n2026-01-02 holiday New Year holidays\n"
	if moscowLoc == mskZone {
		wantStart = strings.Replace(wantStart, "Europe/Moscow", "MSK", 1)
	}
	if !strings.HasPrefix(buf.String(), wantStart) {
		t.Errorf("Write output starts\n%s\nwant\n%s", buf.String()[:min(len(wantStart), buf.Len())], wantStart)
	}
}

func TestWriteUnnamedZone(t *testing.T) {
	for _, loc := range []*time.Location{
		time.FixedZone("UTC+5", 5*3600),
		time.FixedZone("", 3600),
		time.FixedZone("a b", 3600),
	} {
		var buf bytes.Buffer
		if err := New(loc, nil, nil).Write(&buf); !errors.Is(err, ErrZoneName) {
			t.Errorf("Write in zone %q = %v, want ErrZoneName", loc, err)
		}
	}
}
