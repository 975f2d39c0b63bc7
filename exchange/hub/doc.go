// Package hub is the store-and-forward broker behind the SOAP endpoints: it
// runs each call through the ingress checks, then accepts, leases,
// acknowledges and reports messages on a store.Store, and answers in the
// caller's version with the hub's signature.
//
// Semantics (defaults in parentheses, each configurable per message type in
// the registry):
//
//   - SendRequest stores the envelope as received and queues it for each
//     recipient the type's delivery rule names; the answer comes only after
//     the commit that holds it is on disk.
//   - GetRequest and GetResponse lease the oldest available message of the
//     caller's queue that the MessageTypeSelector admits, for the visibility
//     timeout (60s); with an empty queue they wait up to LongPoll (10s) and
//     return as soon as a message arrives.
//   - Ack with accepted=true ends a delivery; accepted=false records the
//     recipient's refusal. Without an Ack the message is delivered again
//     when the lease runs out, up to MaxAttempts (5) deliveries; then it is a
//     dead letter. A message past its EOL expires. The sender learns each
//     end through GetStatus.
//   - The same sender sending the same message again (same MessageID,
//     same signed data after the SMEV transform, same attachments; the
//     signature values may differ, as when a client signs its retry again)
//     gets the original MessageMetadata; a MessageID used for other content
//     or by another sender is MessageIsAlreadySent.
//   - ReplyTo is an HMAC-authenticated token naming the request and its
//     sender: a SendResponse reaches exactly that sender's response queue,
//     and only a recipient of the request may send it.
//   - A full queue (QueueLimit, 100,000 messages) is DestinationOverflow; a
//     store that cannot write is SMEVFailure, and reads keep working.
package hub
