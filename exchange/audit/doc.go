// Package audit is what an auditor does with the hub's journal: verify it
// (the hash chain, the hub's signed checkpoints, every stored envelope's
// digest and the signature it carried, against the trust of its time),
// replay it (the timeline of a message, a transaction or a proceeding, and
// the queue state rebuilt from the journal alone), and export evidence
// archives that verify on a machine with nothing but the binary.
//
// The package reads a store through store.Reader and store.Auditor and
// never writes to it.
package audit
