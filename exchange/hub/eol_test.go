package hub

import (
	"math"
	"testing"
	"time"
)

// TestStoredEOL: the end of life kept for what an envelope says.
func TestStoredEOL(t *testing.T) {
	at := time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		eol  time.Time
		want time.Time
	}{
		{"none", time.Time{}, time.Time{}},
		{"ordinary", at, at},
		{"9999-12-31", time.Date(9999, 12, 31, 23, 59, 59, 0, time.UTC), time.Time{}},
		{"just past the store's years", time.Unix(0, math.MaxInt64), time.Time{}},
		{"the store's last instant", time.Unix(0, math.MaxInt64-1), time.Unix(0, math.MaxInt64-1)},
		{"before 1970", time.Date(1900, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, 0).UTC()},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := storedEOL(tt.eol); !got.Equal(tt.want) {
				t.Errorf("storedEOL(%s) = %s, want %s", tt.eol, got, tt.want)
			}
		})
	}
}
