package store

import (
	"context"
	"io"
	"time"
)

// Kind says which queue a message goes to: a request goes to its
// providers' request queues, a response to its requester's response queue.
type Kind uint8

// Kinds.
const (
	Request Kind = iota + 1
	Response
)

func (k Kind) String() string {
	switch k {
	case Request:
		return "requests"
	case Response:
		return "responses"
	}
	return "unknown"
}

// Message is one accepted message: the envelope as received and what the hub
// decided about it.
type Message struct {
	// ID is the sender's MessageID; it is unique in the store.
	ID   string
	Kind Kind
	// Sender is the sending participant's mnemonic.
	Sender string
	// Type is the message type's name; empty for a response that carries no
	// payload (a rejection or a status).
	Type            string
	TransactionCode string
	ReferenceID     string
	// RequestID is, for a response, the MessageID of the request it answers.
	RequestID string
	// Proceeding is the enforcement proceeding number found in the payload,
	// if any (it lets an auditor follow a proceeding through the journal).
	Proceeding string
	Received   time.Time
	// EOL is the end of the message's life; zero when none.
	EOL time.Time
	// Due is, for a request, when each recipient's response is due (its
	// type's deadline on the hub's working-day calendar); zero when none.
	// A response from a recipient clears its due date; one not come by it
	// makes the request overdue there.
	Due time.Time
	// Digest is the SHA-256 of Envelope.
	Digest [32]byte
	// Envelope is the SOAP envelope as received, byte for byte (so that its
	// signatures stay verifiable).
	Envelope []byte
	// Recipients are the mnemonics the message is delivered to.
	Recipients []string
}

// Policy bounds a message's deliveries. It is stored with the message, so
// that sweeps need nothing else.
type Policy struct {
	// Visibility is how long a lease hides a message from other polls.
	Visibility time.Duration
	// MaxAttempts is how many leases a delivery gets before it becomes a
	// dead letter.
	MaxAttempts int
	// QueueLimit is the most messages a recipient's queue may hold; 0 is no
	// limit.
	QueueLimit int64
}

// Accepted is the outcome of Accept.
type Accepted struct {
	// Message is the stored message. On a duplicate it is the original.
	Message *Message
	// Duplicate reports that the same sender had already sent this
	// MessageID with the same envelope digest; nothing was stored twice.
	Duplicate bool
}

// Leased is a message handed to its recipient for a visibility timeout.
type Leased struct {
	Message *Message
	// Attempt counts leases of this delivery, 1 for the first.
	Attempt int
	// Until is when the lease ends unless acknowledged.
	Until time.Time
	// Delivered is the time of this lease.
	Delivered time.Time
}

// Selector filters a lease by message type; an empty one takes any type.
type Selector struct {
	Types []string
}

// Event kinds reported to a message's sender through status events and
// recorded in the journal.
const (
	EventReceived       = "received"        // accepted and stored
	EventRejected       = "rejected"        // refused at the door (Detail: fault code)
	EventQueued         = "queued"          // put in a recipient's queue
	EventLeased         = "leased"          // handed to its recipient
	EventRedelivered    = "redelivered"     // lease ran out; queued again
	EventAcked          = "acked"           // acknowledged with accepted=true
	EventRefused        = "refused"         // acknowledged with accepted=false
	EventExpired        = "expired"         // its EOL passed before acknowledgement
	EventDeadLettered   = "dead-lettered"   // MaxAttempts leases without acknowledgement
	EventResponseLinked = "response-linked" // a response to it was accepted
	EventStatusSent     = "status-sent"     // a status event was handed to the sender
	EventRedriven       = "redriven"        // a dead or expired delivery queued again by an operator (Detail: who)
	EventOverdue        = "overdue"         // a recipient's response did not come by the request's due date
)

// StatusEvent tells a sender what happened to its message at one recipient.
type StatusEvent struct {
	Seq       uint64
	Consumer  string // the sender the event is for
	MessageID string
	Recipient string
	Event     string // one of the Event constants
	Detail    string
	Time      time.Time
}

// QueueStat is the number of messages waiting in one queue.
type QueueStat struct {
	Queue   string // <mnemonic>:requests or <mnemonic>:responses
	Pending int64
}

// SweepResult counts what a sweep changed.
type SweepResult struct {
	Redelivered, DeadLettered, Expired, Overdue int
}

// Writer changes queues. Every method is safe for concurrent use; a nil
// error promises the change and its journal records are durable (synced to
// disk) before the method returns. ctx cancels waiting for the write, not the
// write itself once it has started.
type Writer interface {
	// Accept stores a new message and queues one delivery per recipient. If
	// the ID exists: the same sender with the same digest gets the original
	// (Duplicate); anything else is ErrAlreadySent. A full recipient queue is
	// ErrQueueFull and stores nothing.
	Accept(ctx context.Context, m *Message, p Policy) (*Accepted, error)
	// Lease hands the oldest available message of the recipient's queue of
	// kind k matching sel to it until now+Visibility; nil when there is none.
	Lease(ctx context.Context, recipient string, k Kind, sel Selector, now time.Time) (*Leased, error)
	// Ack ends a leased delivery: accepted=true acknowledges it,
	// accepted=false records the recipient's refusal. Either way the sender
	// gets a status event. A message that is not leased to the recipient is
	// ErrNotFound.
	Ack(ctx context.Context, recipient, messageID string, accepted bool, now time.Time) (*Message, error)
	// Sweep requeues deliveries whose lease ran out, dead-letters those out
	// of attempts and expires those past their EOL.
	Sweep(ctx context.Context, now time.Time) (SweepResult, error)
	// NextStatus removes and returns the consumer's oldest status event; nil
	// when there is none.
	NextStatus(ctx context.Context, consumer string, now time.Time) (*StatusEvent, error)
	// Reject records a call refused at the door in the journal.
	Reject(ctx context.Context, r Rejection) error
}

// Rejection is a refused call, for the journal.
type Rejection struct {
	Time      time.Time
	MessageID string // when known
	Sender    string // when known
	Type      string // when known
	Fault     string // the fault's code
	Digest    [32]byte
}

// Reader reads the store. Safe for concurrent use; reads do not wait for
// writes and keep working when writes fail.
type Reader interface {
	// Message returns a stored message with its envelope, or ErrNotFound.
	Message(ctx context.Context, id string) (*Message, error)
	// Stats returns the pending counts of a participant's queues.
	Stats(ctx context.Context, participant string) ([]QueueStat, error)
	// Journal calls fn for each journal record from seq from on, in order.
	Journal(ctx context.Context, from uint64, fn func(Record) error) error
}

// Store is a durable store of the hub.
type Store interface {
	Writer
	Reader
	Auditor
	io.Closer
}
