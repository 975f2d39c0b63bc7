package soap

import (
	"time"

	"github.com/google/uuid"
)

// MessageIDTime returns when a MessageID was made. ok is false unless id is
// what SMEV requires of a MessageID: a version 1 UUID in its canonical,
// lower-case form.
func MessageIDTime(id string) (t time.Time, ok bool) {
	u, err := uuid.Parse(id)
	if err != nil || u.Version() != 1 || u.String() != id {
		return time.Time{}, false
	}
	sec, nsec := u.Time().UnixTime()
	return time.Unix(sec, nsec).UTC(), true
}
