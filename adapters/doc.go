// Package adapters is the agency side of the hub.
//
// Client calls a hub as one participant: it builds each of the seven calls,
// signs it with the participant's key, posts it, decodes the answer and
// (given a verifier) checks the hub's signature on it. NewHTTPClient is the
// transport it should use: pooled connections and transport-level retries
// (go-retryablehttp) for what a retry may cure.
//
// Adapter runs an agency: one RequestHandler per request type it takes, one
// ResponseHandler per answer type it waits for, a StatusHandler. It polls
// the hub (long polls), calls the handler, stores the signed answer in its
// State before sending it, and acknowledges only after the answer was
// accepted: a restart resends the same bytes (which the hub recognises)
// instead of handling the request again, and a request delivered again
// because an acknowledgement was lost is recognised. Calls are retried with
// jittered exponential backoff when the failure may pass (a transport
// failure, a fault of the retry class) and never when the call itself must
// change (a fix-and-resend or stop fault). The bridges (package bridge) and
// the simulated agencies (package sim) are built on it; every adapter must
// pass adaptersuite.RunAdapterSuite (package conformance/adaptersuite).
package adapters
