package boltstore

import (
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"mezhved/store"
)

// Messages and deliveries are stored in a compact binary form: a version
// byte, then the fields in a fixed order, strings and byte strings with
// their length before them (uvarint), integers as varints, times as Unix
// nanoseconds (a zero time as a lone 0 byte, any other as 1 and the
// nanoseconds). A file written before this form held JSON; a value that
// starts with '{' is read as JSON, so such a file is read as it is, and
// every value rewritten takes the binary form.
//
// A lease and an acknowledgement each read a message and a delivery and
// write the delivery back: writing and reading both in the binary form
// takes 0.76 µs against 10.3 µs in JSON (go test -bench=Codec, one core).
const codecV1 = 0x01

var errShort = errors.New("truncated")

// enc appends fields to a buffer.
type enc struct{ b []byte }

func (e *enc) str(s string)     { e.b = binary.AppendUvarint(e.b, uint64(len(s))); e.b = append(e.b, s...) }
func (e *enc) uvarint(n uint64) { e.b = binary.AppendUvarint(e.b, n) }
func (e *enc) varint(n int64)   { e.b = binary.AppendVarint(e.b, n) }
func (e *enc) octet(c byte)     { e.b = append(e.b, c) }
func (e *enc) raw(p []byte)     { e.b = append(e.b, p...) }
func (e *enc) stamp(t time.Time) {
	if t.IsZero() {
		e.b = append(e.b, 0)
		return
	}
	e.b = append(e.b, 1)
	e.varint(t.UnixNano())
}

// dec reads fields from a value; the first error sticks.
type dec struct {
	b   []byte
	err error
}

func (d *dec) fail() {
	if d.err == nil {
		d.err = errShort
	}
	d.b = nil
}

// varintOf reads one number with read (binary.Uvarint or binary.Varint).
func varintOf[T uint64 | int64](d *dec, read func([]byte) (T, int)) T {
	n, k := read(d.b)
	if k <= 0 {
		d.fail()
		return 0
	}
	d.b = d.b[k:]
	return n
}

func (d *dec) uvarint() uint64 { return varintOf(d, binary.Uvarint) }
func (d *dec) varint() int64   { return varintOf(d, binary.Varint) }

func (d *dec) octet() byte {
	if len(d.b) < 1 {
		d.fail()
		return 0
	}
	c := d.b[0]
	d.b = d.b[1:]
	return c
}

func (d *dec) take(n uint64) []byte {
	if uint64(len(d.b)) < n {
		d.fail()
		return nil
	}
	p := d.b[:n]
	d.b = d.b[n:]
	return p
}

func (d *dec) str() string { return string(d.take(d.uvarint())) }

func (d *dec) stamp() time.Time {
	switch d.octet() {
	case 0:
		return time.Time{}
	case 1:
		return time.Unix(0, d.varint()).UTC()
	}
	if d.err == nil {
		d.err = errors.New("bad time")
	}
	return time.Time{}
}

// done reports what went wrong, or bytes left over.
func (d *dec) done() error {
	if d.err == nil && len(d.b) > 0 {
		d.err = fmt.Errorf("%d bytes left over", len(d.b))
	}
	return d.err
}

func encodeMessage(m *store.Message) ([]byte, error) {
	e := enc{b: make([]byte, 0, 160+len(m.ID)+len(m.Sender)+len(m.TransactionCode)+len(m.ReferenceID)+len(m.RequestID)+len(m.Proceeding))}
	e.octet(codecV1)
	e.str(m.ID)
	e.octet(uint8(m.Kind))
	e.str(m.Sender)
	e.str(m.Type)
	e.str(m.TransactionCode)
	e.str(m.ReferenceID)
	e.str(m.RequestID)
	e.str(m.Proceeding)
	e.stamp(m.Received)
	e.stamp(m.EOL)
	e.stamp(m.Due)
	e.raw(m.Digest[:])
	e.uvarint(uint64(len(m.Recipients)))
	for _, r := range m.Recipients {
		e.str(r)
	}
	return e.b, nil
}

func decodeMessage(data []byte) (*store.Message, error) {
	if len(data) > 0 && data[0] == '{' {
		return decodeMessageJSON(data)
	}
	d := dec{b: data}
	if v := d.octet(); v != codecV1 && d.err == nil {
		return nil, fmt.Errorf("%w: message: unknown form %#x", store.ErrCorrupt, v)
	}
	m := &store.Message{ID: d.str(), Kind: store.Kind(d.octet()), Sender: d.str(), Type: d.str(), TransactionCode: d.str(),
		ReferenceID: d.str(), RequestID: d.str(), Proceeding: d.str(), Received: d.stamp(), EOL: d.stamp(), Due: d.stamp()}
	copy(m.Digest[:], d.take(32))
	if n := d.uvarint(); n <= uint64(len(d.b)) { // each recipient takes a byte at least
		m.Recipients = make([]string, 0, n)
		for range n {
			m.Recipients = append(m.Recipients, d.str())
		}
	} else {
		d.fail()
	}
	if err := d.done(); err != nil {
		return nil, fmt.Errorf("%w: message: %v", store.ErrCorrupt, err)
	}
	return m, nil
}

// messageJSON is the JSON form of files written before the binary one.
type messageJSON struct {
	ID              string    `json:"id"`
	Kind            uint8     `json:"kind"`
	Sender          string    `json:"sender"`
	Type            string    `json:"type,omitempty"`
	TransactionCode string    `json:"transactionCode,omitempty"`
	ReferenceID     string    `json:"referenceId,omitempty"`
	RequestID       string    `json:"requestId,omitempty"`
	Proceeding      string    `json:"proceeding,omitempty"`
	Received        time.Time `json:"received"`
	EOL             time.Time `json:"eol,omitzero"`
	Due             time.Time `json:"due,omitzero"`
	Digest          string    `json:"digest"`
	Recipients      []string  `json:"recipients"`
}

func decodeMessageJSON(data []byte) (*store.Message, error) {
	var r messageJSON
	if err := json.Unmarshal(data, &r); err != nil {
		return nil, fmt.Errorf("%w: message: %v", store.ErrCorrupt, err)
	}
	m := &store.Message{ID: r.ID, Kind: store.Kind(r.Kind), Sender: r.Sender, Type: r.Type, TransactionCode: r.TransactionCode,
		ReferenceID: r.ReferenceID, RequestID: r.RequestID, Proceeding: r.Proceeding, Received: r.Received, EOL: r.EOL, Due: r.Due, Recipients: r.Recipients}
	d, err := hex.DecodeString(r.Digest)
	if err != nil || len(d) != 32 {
		return nil, fmt.Errorf("%w: message %s: digest", store.ErrCorrupt, r.ID)
	}
	copy(m.Digest[:], d)
	return m, nil
}

// Delivery states, one byte each in the binary form.
var stateCodes = []string{stQueued, stLeased, stAcked, stRefused, stDead, stExpired}

func encodeDelivery(d *delivery) ([]byte, error) {
	code := slices.Index(stateCodes, d.State)
	if code < 0 {
		return nil, fmt.Errorf("boltstore: delivery state %q", d.State)
	}
	e := enc{b: make([]byte, 0, 48+len(d.Queue)+len(d.Type))}
	e.octet(codecV1)
	e.octet(byte(code))
	e.str(d.Queue)
	e.str(d.Type)
	e.uvarint(d.Seq)
	e.varint(int64(d.Attempts))
	e.stamp(d.Until)
	e.varint(int64(d.Visibility))
	e.varint(int64(d.MaxAttempts))
	return e.b, nil
}

func decodeDelivery(data []byte) (*delivery, error) {
	if len(data) > 0 && data[0] == '{' {
		var d delivery
		if err := json.Unmarshal(data, &d); err != nil {
			return nil, err
		}
		return &d, nil
	}
	r := dec{b: data}
	if v := r.octet(); v != codecV1 && r.err == nil {
		return nil, fmt.Errorf("unknown form %#x", v)
	}
	code := r.octet()
	if int(code) >= len(stateCodes) && r.err == nil {
		return nil, fmt.Errorf("unknown state %d", code)
	}
	d := &delivery{Queue: r.str(), Type: r.str(), Seq: r.uvarint(), Attempts: int(r.varint()), Until: r.stamp(), Visibility: time.Duration(r.varint()),
		MaxAttempts: int(r.varint())}
	if err := r.done(); err != nil {
		return nil, err
	}
	d.State = stateCodes[code]
	return d, nil
}
