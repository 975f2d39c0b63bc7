// Package store defines how the hub keeps messages durably: the Store
// interface (a Writer that changes queues, a Reader), the message and
// delivery model, and the hash-chained journal record.
//
// The interface speaks of messages, queues, leases and acknowledgements,
// never of an engine's types, so that a replicated engine can implement it;
// boltstore is the embedded implementation (one bbolt file, one writer with
// group commit), and storetest is the suite every implementation must pass.
//
// Semantics every implementation keeps:
//
//   - a write returns only after it is durable, with its journal records, in
//     the same atomic commit;
//   - each recipient has a request queue and a response queue, in arrival
//     order; a lease takes the oldest available message and hides it for the
//     visibility timeout of its policy;
//   - a delivery ends with an acknowledgement (accepted or refused), a dead
//     letter after MaxAttempts leases, or expiry at its EOL; each end gives
//     the sender a status event;
//   - a MessageID is unique in the store; the same sender sending the same
//     envelope again gets the original back.
//
// It imports no sibling package of the hub.
package store
