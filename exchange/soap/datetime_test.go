package soap

import (
	"testing"
	"time"
)

// TestParseDateTime: xs:dateTime as the schema takes it, including what
// time.Parse alone does not: years beyond four digits or before year 1,
// and 24:00:00, the end of a day.
func TestParseDateTime(t *testing.T) {
	msk := time.FixedZone("", 3*60*60)
	tests := []struct {
		in   string
		want time.Time
		bad  bool
	}{
		{in: "2030-01-01T00:00:00Z", want: time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2030-01-01T10:20:30.123+03:00", want: time.Date(2030, 1, 1, 10, 20, 30, 123e6, msk)},
		{in: "2030-01-01T10:20:30", want: time.Date(2030, 1, 1, 10, 20, 30, 0, time.UTC)},
		{in: "2024-02-29T12:00:00Z", want: time.Date(2024, 2, 29, 12, 0, 0, 0, time.UTC)},
		{in: "2030-01-01T24:00:00Z", want: time.Date(2030, 1, 2, 0, 0, 0, 0, time.UTC)},
		{in: "2030-12-31T24:00:00.000+03:00", want: time.Date(2031, 1, 1, 0, 0, 0, 0, msk)},
		{in: "12030-01-01T00:00:00Z", want: time.Date(12030, 1, 1, 0, 0, 0, 0, time.UTC)},
		{in: "-0001-06-01T00:00:00Z", want: time.Date(-1, 6, 1, 0, 0, 0, 0, time.UTC)},
		{in: "2030-01-01T24:00:01Z", bad: true},
		{in: "2030-01-01T24:00:00.5Z", bad: true},
		{in: "02030-01-01T00:00:00Z", bad: true},
		{in: "203-01-01T00:00:00Z", bad: true},
		{in: "+2030-01-01T00:00:00Z", bad: true},
		{in: "2030-13-01T00:00:00Z", bad: true},
		{in: "2030-01-01", bad: true},
		{in: "", bad: true},
	}
	for _, tc := range tests {
		got, err := parseDateTime(tc.in)
		if tc.bad {
			if err == nil {
				t.Errorf("parseDateTime(%q) = %v, want an error", tc.in, got)
			}
			continue
		}
		if err != nil || !got.Equal(tc.want) {
			t.Errorf("parseDateTime(%q) = %v, %v; want %v", tc.in, got, err, tc.want)
		}
	}
}
