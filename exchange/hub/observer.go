package hub

import (
	"time"

	"mezhved/exchange/soap"
	"mezhved/store"
)

// Observer is told what the hub does, for metrics (package metrics is one).
// Its methods must be fast and safe for concurrent use.
type Observer interface {
	// Call reports one SOAP call: its operation, its message type (if
	// known), "ok" or the fault code, and how long it took.
	Call(op soap.Operation, typ, result string, d time.Duration)
	// Delivered reports a message leased to its recipient.
	Delivered(typ string)
	// Acked reports an acknowledgement and, for an accepted one, how long
	// after the message's acceptance it came.
	Acked(typ string, accepted bool, sinceAccepted time.Duration)
	// Swept reports what a sweep changed.
	Swept(r store.SweepResult)
}

type noObserver struct{}

func (noObserver) Call(soap.Operation, string, string, time.Duration) {}
func (noObserver) Delivered(string)                                   {}
func (noObserver) Acked(string, bool, time.Duration)                  {}
func (noObserver) Swept(store.SweepResult)                            {}
