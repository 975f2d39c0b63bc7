// Package admin is the hub's administration API: JSON over HTTP, for the
// people on call (operators: queues, dead letters and their redrive, drain
// mode) and for auditors (read-only: messages with their timelines from the
// journal, the journal itself, a consistent snapshot of the store). Every
// request is made by an identified Caller holding roles; the listener
// decides who that is (a TLS client certificate mapped to a role, or, on the
// hub's admin socket, a process of the hub's own user as PeerUID tells it),
// and every change is logged and, for a redrive, journaled with who made it.
package admin
