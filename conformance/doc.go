// Package conformance is the endpoint suite that SMEV 3 endpoints must pass
// (the adapter suite, for agency adapters, is conformance/adaptersuite).
//
// The endpoint suite is black-box: it talks to any SMEV 3 endpoint only over
// SOAP on HTTP(S), given its URL and a directory of the development
// registry's participant keys (the layout of `mezhved pki init`), as a
// Target. Cases returns its cases, grouped by ID: OP (every operation on the
// 1.1, 1.2 and 1.3 endpoints), FAULT (every refusal a client can provoke),
// SIG (signatures: tampering, wrapping, wrong keys and certificates,
// policy), SCHEMA (envelopes and payloads outside their schemas, located by
// line, column and path), DLV (redelivery, dead letters, deduplication,
// EOL, refusal, long polling, broadcast and routing, status events, order)
// and FLOW (the enforcement flows end to end). Run runs them in order and
// reports each Result; Open and Suite.RunCase run one at a time (the
// `mezhved conformance` command and the package's tests use them).
//
// Every answer the endpoint gives is also checked against the SMEV 3
// schemas. A fault is checked as the protocol defines it (HTTP 500, a SOAP
// 1.1 fault of class Client, the SMEV fault element of the caller's version,
// its SignatureVerificationFault code and ValidationError positions); unless
// Target.Generic is set, the hub's own detail is required too: the MZ code
// and retry class of its catalog in mz:FaultInfo, and line, column and path
// of each position. Cases that need what the protocol does not say (the
// visibility timeout, the number of deliveries, the long-poll time, the
// CA's key for expired certificates) are skipped, not passed, when the
// target does not give it.
//
// Cases are independent: each uses fresh MessageIDs and a TransactionCode
// of its own (starting "mzconf/"), and waits only for its own messages. A
// message the suite left in a queue earlier is acknowledged when met; anyone
// else's is left to its lease (it comes back when the lease runs out), and
// status events are consumed. The cases run one at a time and need the
// participants' queues to themselves: no adapter may consume them meanwhile.
package conformance
