package store

import (
	"errors"
	"fmt"
)

// Errors of the store.
var (
	// ErrNotFound is returned when a message, or a delivery leased to the
	// caller, does not exist.
	ErrNotFound = errors.New("store: not found")
	// ErrAlreadySent is returned by Accept when the MessageID exists with
	// another sender or another envelope.
	ErrAlreadySent = errors.New("store: message ID already used")
	// ErrQueueFull is returned (as a *QueueFullError) by Accept when a
	// recipient's queue holds QueueLimit messages.
	ErrQueueFull = errors.New("store: queue full")
	// ErrUnavailable is returned when the store cannot write (a failed or
	// full disk, a closed store); reads keep working.
	ErrUnavailable = errors.New("store: unavailable for writing")
	// ErrCorrupt is returned when stored data cannot be read back or the
	// journal chain is broken.
	ErrCorrupt = errors.New("store: corrupt data")
	// ErrInvalid is returned when a write asks for something the store's
	// contents contradict (a checkpoint of a record that does not exist, or
	// with another hash).
	ErrInvalid = errors.New("store: invalid request")
	// ErrClosed is returned after Close.
	ErrClosed = errors.New("store: closed")
)

// QueueFullError names the full queue.
type QueueFullError struct {
	Queue   string
	Pending int64
}

func (e *QueueFullError) Error() string {
	return fmt.Sprintf("store: queue %s is full (%d messages)", e.Queue, e.Pending)
}

// Unwrap makes a QueueFullError match ErrQueueFull.
func (e *QueueFullError) Unwrap() error { return ErrQueueFull }

// QueueName names a participant's queue of a kind.
func QueueName(participant string, k Kind) string { return participant + ":" + k.String() }
