// Package adaptersuite is the adapter suite: any agency adapter (a Go
// handler, a bridge, a simulated agency) is run against a development hub
// in the test process and must handle each request once and acknowledge
// it, ride out a hub restart and a hub outage, and recognise a request the
// hub delivers again because its acknowledgement was lost or late instead
// of handling it twice.
//
// It lives apart from package conformance, the black-box endpoint suite,
// because it needs the testing package and an in-process hub, which the
// mezhved command (mezhved conformance) must not carry.
package adaptersuite
