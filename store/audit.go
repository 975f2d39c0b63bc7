package store

import (
	"context"
	"fmt"
	"strconv"
	"time"
)

// Checkpoint is the hub's signed statement that the journal, up to record
// Seq, ends in Hash. Because every record's hash covers all records before
// it, a checkpoint vouches for the whole journal up to Seq: an edit anywhere
// before it breaks either the chain or the checkpoint.
type Checkpoint struct {
	Seq  uint64    `json:"seq"`
	Hash string    `json:"hash"`
	Time time.Time `json:"time"`
	// Method is the XMLDSig URI of the signature algorithm; Signature is its
	// value over SignedBytes; Certificates is the signer's chain, DER, leaf
	// first.
	Method       string   `json:"method"`
	Signature    []byte   `json:"signature"`
	Certificates [][]byte `json:"certificates"`
}

// SignedBytes is what a checkpoint's signature covers: a fixed text form
// of the sequence number, the chain hash and the time.
func (c *Checkpoint) SignedBytes() []byte {
	return fmt.Appendf(nil, "mezhved journal checkpoint 1\nseq %s\nhash %s\ntime %s\n",
		strconv.FormatUint(c.Seq, 10), c.Hash, c.Time.UTC().Format(time.RFC3339Nano))
}

// IndexField names a journal index.
type IndexField byte

// Journal indexes: each finds the records whose field has a value, in
// order, without reading the rest of the journal.
const (
	// ByMessage: records whose MessageID is the value.
	ByMessage IndexField = 'm'
	// ByReference: records whose ReferenceID is the value (the responses
	// linked to a request, messages that reference another).
	ByReference IndexField = 'r'
	// ByTransaction: records with the transaction code.
	ByTransaction IndexField = 't'
	// ByProceeding: records with the enforcement proceeding number.
	ByProceeding IndexField = 'p'
	// ByParticipant: records whose Sender or Recipient is the mnemonic.
	ByParticipant IndexField = 's'
)

// IndexValues returns the (field, value) pairs under which a record is
// indexed.
func (r *Record) IndexValues() [][2]string {
	var out [][2]string
	add := func(f IndexField, v string) {
		if v != "" {
			out = append(out, [2]string{string(f), v})
		}
	}
	add(ByMessage, r.MessageID)
	add(ByReference, r.ReferenceID)
	add(ByTransaction, r.TransactionCode)
	add(ByProceeding, r.Proceeding)
	add(ByParticipant, r.Sender)
	if r.Recipient != r.Sender {
		add(ByParticipant, r.Recipient)
	}
	return out
}

// Certificate roles.
const (
	RoleTrust = "trust"
	RoleHub   = "hub"
)

// Auditor is the part of a store that audits use: signed checkpoints, the
// certificates the hub trusted, and the journal's indexes.
type Auditor interface {
	// AddCheckpoint stores a checkpoint. Its Seq must name a record of the
	// journal and its Hash be that record's hash (ErrCorrupt otherwise).
	AddCheckpoint(ctx context.Context, c Checkpoint) error
	// Checkpoints calls fn for each checkpoint in sequence order.
	Checkpoints(ctx context.Context, fn func(Checkpoint) error) error
	// Head returns the last record's sequence number and hash (0 and
	// GenesisHash for an empty journal).
	Head(ctx context.Context) (uint64, string, error)
	// AddCertificates remembers certificates (DER) in a role: RoleTrust for
	// the CAs the hub trusts, so that signatures can later be checked
	// against the trust of their time; RoleHub for the hub's own, which
	// sign checkpoints.
	AddCertificates(ctx context.Context, role string, ders [][]byte, at time.Time) error
	// Certificates returns the certificates remembered in a role.
	Certificates(ctx context.Context, role string) ([][]byte, error)
	// JournalBy calls fn, in sequence order, for each record indexed under
	// field with the value.
	JournalBy(ctx context.Context, field IndexField, value string, fn func(Record) error) error
	// EachDelivery calls fn for every delivery the store holds (one per
	// message and recipient), in no particular order.
	EachDelivery(ctx context.Context, fn func(DeliveryState) error) error
	// Deliveries returns the state of each delivery of a message, by
	// recipient.
	Deliveries(ctx context.Context, id string) (map[string]string, error)
	// Overdue returns the requests whose response from a recipient is past
	// its due date and has not come.
	Overdue(ctx context.Context) ([]OverdueRequest, error)
	// Queues returns every queue that holds messages, with how many and
	// when the oldest was received.
	Queues(ctx context.Context) ([]QueueInfo, error)
	// Redrive queues a dead letter again, its attempts reset, and journals
	// who did it (ErrNotFound when the delivery is not a dead letter).
	Redrive(ctx context.Context, messageID, recipient, by string, now time.Time) error
	// JournalBase says where the journal starts: after the records a
	// retention cut removed (Seq 0 and GenesisHash when none was).
	JournalBase(ctx context.Context) (Base, error)
	// Prune removes the journal's records up to and including upto, which
	// must carry a signed checkpoint, and the messages received in them
	// (envelopes, state, deliveries), all of whose deliveries must have
	// ended; archive is the digest of the evidence archive that holds what
	// is removed. The journal then starts after upto.
	Prune(ctx context.Context, upto uint64, archive string) (PruneResult, error)
}

// OverdueRequest is a request a recipient has not answered by its due
// date.
type OverdueRequest struct {
	MessageID string    `json:"messageId"`
	Recipient string    `json:"recipient"`
	Sender    string    `json:"sender"`
	Type      string    `json:"type"`
	Received  time.Time `json:"received"`
	Due       time.Time `json:"due"`
}

// QueueInfo describes one queue.
type QueueInfo struct {
	Queue   string    `json:"queue"`
	Pending int64     `json:"pending"`
	Oldest  time.Time `json:"oldest,omitzero"` // receipt of the message next to be delivered (a redriven one goes to the back)
}

// Base is where a pruned journal starts.
type Base struct {
	// Seq is the last record removed; Hash its hash, which the next
	// record's Prev names and a signed checkpoint covers.
	Seq  uint64 `json:"seq"`
	Hash string `json:"hash"`
	// Archive is the digest of the archive that holds the removed records.
	Archive string `json:"archive,omitempty"`
}

// PruneResult counts what Prune removed.
type PruneResult struct {
	Records, Messages int
}

// DeliveryState is where one delivery of a message stands.
type DeliveryState struct {
	MessageID string `json:"messageId"`
	Recipient string `json:"recipient"`
	// State is one of the Delivery constants.
	State    string `json:"state"`
	Attempts int    `json:"attempts"`
}

// Delivery states.
const (
	DeliveryQueued  = "queued"
	DeliveryLeased  = "leased"
	DeliveryAcked   = "acked"
	DeliveryRefused = "refused"
	DeliveryDead    = "dead"
	DeliveryExpired = "expired"
)
