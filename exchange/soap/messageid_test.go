package soap_test

import (
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"mezhved/exchange/soap"
)

// TestMessageIDTime: only a canonical lower-case version 1 UUID is a
// MessageID, and its time is the UUID's.
func TestMessageIDTime(t *testing.T) {
	v1 := uuid.Must(uuid.NewUUID())
	tests := []struct {
		name string
		id   string
		ok   bool
	}{
		{"version 1", v1.String(), true},
		{"upper case", strings.ToUpper(v1.String()), false},
		{"braces", "{" + v1.String() + "}", false},
		{"version 4", uuid.NewString(), false},
		{"not a UUID", "m-1", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			at, ok := soap.MessageIDTime(tc.id)
			if ok != tc.ok {
				t.Fatalf("MessageIDTime(%q) ok = %v, want %v", tc.id, ok, tc.ok)
			}
			if ok && time.Since(at).Abs() > time.Minute {
				t.Fatalf("MessageIDTime(%q) = %s, not about now", tc.id, at)
			}
		})
	}
}
