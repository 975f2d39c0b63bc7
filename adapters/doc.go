// Package adapters is the agency side of the hub. Client calls a hub as one
// participant: it builds each of the seven calls, signs it with the
// participant's key, posts it, decodes the answer and (given a verifier)
// checks the hub's signature on it. The handler interface, the simulated
// agencies and the webhook and file bridges are built on it.
package adapters
