package store

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"time"
)

// Record is one journal record. Records are chained: Hash is the SHA-256 of
// the previous record's hash followed by this record's canonical form, so
// changing, removing or reordering any record breaks every hash after it.
type Record struct {
	Seq             uint64    `json:"seq"`
	Time            time.Time `json:"time"`
	Event           string    `json:"event"`
	MessageID       string    `json:"messageId,omitempty"`
	ReferenceID     string    `json:"referenceId,omitempty"`
	TransactionCode string    `json:"transactionCode,omitempty"`
	Sender          string    `json:"sender,omitempty"`
	Recipient       string    `json:"recipient,omitempty"`
	Type            string    `json:"type,omitempty"`
	Proceeding      string    `json:"proceeding,omitempty"`
	Detail          string    `json:"detail,omitempty"`
	// EnvelopeSHA256 is the digest of the stored envelope (hex).
	EnvelopeSHA256 string `json:"envelopeSha256,omitempty"`
	Prev           string `json:"prev"`
	Hash           string `json:"hash"`
}

// GenesisHash is the Prev of the first record.
var GenesisHash = hex.EncodeToString(make([]byte, sha256.Size))

// canonical is the byte form that is hashed: every field but Hash, each as a
// length-prefixed string, in a fixed order.
func (r *Record) canonical() []byte {
	var b []byte
	field := func(s string) {
		b = binary.BigEndian.AppendUint32(b, uint32(len(s)))
		b = append(b, s...)
	}
	b = binary.BigEndian.AppendUint64(b, r.Seq)
	field(r.Time.UTC().Format(time.RFC3339Nano))
	for _, s := range []string{r.Event, r.MessageID, r.ReferenceID, r.TransactionCode, r.Sender, r.Recipient, r.Type, r.Proceeding, r.Detail, r.EnvelopeSHA256} {
		field(s)
	}
	return b
}

// ComputeHash returns the record's hash given its Prev.
func (r *Record) ComputeHash() string {
	prev, err := hex.DecodeString(r.Prev)
	if err != nil {
		prev = []byte(r.Prev)
	}
	h := sha256.New()
	h.Write(prev)
	h.Write(r.canonical())
	return hex.EncodeToString(h.Sum(nil))
}

// Seal sets Prev and Hash.
func (r *Record) Seal(prev string) {
	r.Prev = prev
	r.Hash = r.ComputeHash()
}

// recordFormat is the first byte of a stored record in the binary form
// (older stores hold JSON, which starts with '{').
const recordFormat = 0x01

// Encode returns the stored form of a record: a format byte, the canonical
// form that is hashed, then Prev and Hash as 32 bytes each. Reading it back
// needs no parser of text, which keeps verification of long journals fast.
func (r *Record) Encode() ([]byte, error) {
	prev, err1 := hex.DecodeString(r.Prev)
	hash, err2 := hex.DecodeString(r.Hash)
	if err1 != nil || err2 != nil || len(prev) != sha256.Size || len(hash) != sha256.Size {
		return nil, fmt.Errorf("store: record %d is not sealed", r.Seq)
	}
	b := append([]byte{recordFormat}, r.canonical()...)
	b = append(b, prev...)
	return append(b, hash...), nil
}

// DecodeRecord reads a stored record, in either stored form.
func DecodeRecord(data []byte) (Record, error) {
	var r Record
	if len(data) > 0 && data[0] == '{' {
		if err := json.Unmarshal(data, &r); err != nil {
			return r, fmt.Errorf("%w: %v", ErrCorrupt, err)
		}
		return r, nil
	}
	if len(data) < 1+8+2*sha256.Size || data[0] != recordFormat {
		return r, fmt.Errorf("%w: a journal record of %d bytes in an unknown form", ErrCorrupt, len(data))
	}
	body, tail := data[1:len(data)-2*sha256.Size], data[len(data)-2*sha256.Size:]
	r.Prev = hex.EncodeToString(tail[:sha256.Size])
	r.Hash = hex.EncodeToString(tail[sha256.Size:])
	r.Seq = binary.BigEndian.Uint64(body)
	body = body[8:]
	field := func() (string, bool) {
		if len(body) < 4 {
			return "", false
		}
		n := binary.BigEndian.Uint32(body)
		if uint64(len(body)-4) < uint64(n) {
			return "", false
		}
		v := string(body[4 : 4+n])
		body = body[4+n:]
		return v, true
	}
	ts, ok := field()
	if !ok {
		return r, fmt.Errorf("%w: journal record %d is truncated", ErrCorrupt, r.Seq)
	}
	t, err := time.Parse(time.RFC3339Nano, ts)
	if err != nil {
		return r, fmt.Errorf("%w: journal record %d: %v", ErrCorrupt, r.Seq, err)
	}
	r.Time = t
	for _, dst := range []*string{&r.Event, &r.MessageID, &r.ReferenceID, &r.TransactionCode, &r.Sender, &r.Recipient, &r.Type, &r.Proceeding, &r.Detail, &r.EnvelopeSHA256} {
		if *dst, ok = field(); !ok {
			return r, fmt.Errorf("%w: journal record %d is truncated", ErrCorrupt, r.Seq)
		}
	}
	if len(body) != 0 {
		return r, fmt.Errorf("%w: journal record %d has %d bytes too many", ErrCorrupt, r.Seq, len(body))
	}
	return r, nil
}

// ChainError locates the first broken record of a journal.
type ChainError struct {
	Seq    uint64
	Reason string
}

func (e *ChainError) Error() string {
	return fmt.Sprintf("journal broken at record %d: %s", e.Seq, e.Reason)
}

// Unwrap makes a ChainError match ErrCorrupt.
func (e *ChainError) Unwrap() error { return ErrCorrupt }

// ChainVerifier checks records one by one, in order.
type ChainVerifier struct {
	next uint64
	prev string
	// Records counts the records checked.
	Records uint64
	// First and Last are the times of the first and last record.
	First, Last time.Time
}

// NewChainVerifier starts at the first record.
func NewChainVerifier() *ChainVerifier { return &ChainVerifier{next: 1, prev: GenesisHash} }

// NewChainVerifierAt starts at record seq, whose predecessor's hash is
// prev: a slice of a journal (an archive, a journal pruned before seq).
func NewChainVerifierAt(seq uint64, prev string) *ChainVerifier {
	return &ChainVerifier{next: seq, prev: prev}
}

// Check verifies the next record.
func (v *ChainVerifier) Check(r Record) error {
	switch {
	case r.Seq != v.next:
		return &ChainError{Seq: v.next, Reason: fmt.Sprintf("record %d is missing (found %d)", v.next, r.Seq)}
	case r.Prev != v.prev:
		return &ChainError{Seq: r.Seq, Reason: "its previous-record hash does not match the record before it"}
	case r.ComputeHash() != r.Hash:
		return &ChainError{Seq: r.Seq, Reason: "its hash does not match its content"}
	}
	if v.Records == 0 {
		v.First = r.Time
	}
	v.Last = r.Time
	v.Records++
	v.next++
	v.prev = r.Hash
	return nil
}
