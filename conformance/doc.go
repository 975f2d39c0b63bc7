// Package conformance will hold a black-box suite that any SMEV 3 endpoint
// can be run against, given its URL and participant keys: every operation,
// every fault a client can provoke, signature, schema and delivery cases.
package conformance
