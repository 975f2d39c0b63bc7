// Package conformance holds suites that implementations must pass.
//
// RunAdapterSuite is the adapter suite: any agency adapter (a Go handler,
// a bridge, a simulated agency) is run against a development hub and must
// handle each request once and acknowledge it, ride out a hub restart and a
// hub outage, and recognise a request the hub delivers again because its
// acknowledgement was lost or late instead of handling it twice.
//
// The black-box suite of SMEV 3 endpoints (every operation, every fault a
// client can provoke, signature, schema and delivery cases) is to come.
package conformance
