// Package boltstore is the embedded implementation of store.Store: one
// bbolt file holds envelopes, message state, queues, the deduplication index,
// the journal with its indexes and signed checkpoints, and the certificates
// the hub trusted.
//
// All writes go through one writer goroutine that groups the operations
// waiting for it into a single bbolt transaction: many messages share one
// commit (and its fsync), and a caller is answered only after the commit that
// holds its change. An operation that refuses (not found, already sent, a
// full queue, invalid) leaves nothing behind and does not spoil its batch:
// the transaction is rolled back and the rest of the batch runs again
// without it (operations check before they write, so this is rare); a
// failed commit (a full disk) fails the whole batch and changes nothing.
// Times are kept as Unix nanoseconds, so a message's times must fall
// between 1970 and April 2262 (ErrInvalid otherwise). Reads run in their own read
// transactions and keep working when writes fail.
//
// Bucket layout (keys; values):
//
//	meta        "journal-seq", "journal-hash", "queue-seq", "status-seq"; counters;
//	            "index-version"; "journal-base" (JSON of the retention cut)
//	messages    <id>; the message without its envelope (codec.go; JSON in files of earlier versions)
//	envelopes   <id>; the envelope as received
//	deliveries  <id> 0x00 <recipient>; the delivery's state (codec.go; or JSON)
//	ready       <queue> 0x00 <type> 0x00 <seq:8>; <id>   (available deliveries, in arrival order)
//	inflight    <until:8> <id> 0x00 <recipient>; ""     (leased deliveries, by lease end)
//	eol         <eol:8> <id>; ""                          (messages with an end of life)
//	status      <consumer> 0x00 <seq:8>; JSON of a status event
//	counts      <queue>; pending messages (8 bytes)
//	journal     <seq:8>; the record in its binary form (store.Record.Encode)
//	journal-index  <field> <value> 0x00 <seq:8>; ""      (records by message, reference,
//	            transaction, proceeding, participant)
//	checkpoints <seq:8>; JSON of a signed checkpoint
//	certificates <role> 0x00 <sha256>; JSON of a remembered certificate
//
// Integers in keys are big-endian so that keys sort by them; times are Unix
// nanoseconds.
package boltstore
