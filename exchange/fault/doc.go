// Package fault is the catalog of every rejection the hub can give a caller.
//
// Each rejection is one SMEV 3 fault: the fault element of the protocol's
// faults namespace (Name, e.g. InvalidContent), a stable project code
// (Code, e.g. MZ-2001) that never changes meaning once released, a one-line
// description of the reason, and a retry class telling the caller what to do:
// retry the same message later, fix it and send it again, or stop.
//
// The catalog is a fixed table of *Kind values (see catalog.go); a rejection
// is an *Error that points to its Kind and carries the specific detail of this
// occurrence: a description, the positions of schema errors (line, column,
// path), the SignatureVerificationFault code, attachment sizes, and so on.
// Callers inspect errors with errors.As(err, &*fault.Error) and compare the
// Kind, never the text.
//
// The package has no dependencies beyond the standard library, so every other
// package of the hub can return catalog faults.
package fault
