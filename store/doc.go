// Package store will keep the hub's messages durably: the envelopes as
// received, message state, per-recipient queues in arrival order, the
// deduplication index and the hash-chained journal, behind an interface that
// a replicated engine can implement, with an embedded bbolt implementation.
//
// It imports no sibling package of the hub.
package store
