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

// Encode returns the stored form of a record.
func (r *Record) Encode() ([]byte, error) { return json.Marshal(r) }

// DecodeRecord reads a stored record.
func DecodeRecord(data []byte) (Record, error) {
	var r Record
	if err := json.Unmarshal(data, &r); err != nil {
		return r, fmt.Errorf("%w: %v", ErrCorrupt, err)
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
