// Package exchange is the hub's vocabulary and its door: the ingress checks
// that every envelope passes before anything else happens to it.
//
// An Ingress checks, in this order, and rejects with one fault of the
// catalog (package fault) at the first failure: the envelope's size and XML
// safety (xmlsafe); its schema, envelope and payload in one streaming pass
// (schemas); its structure (soap); the caller's signature over the element
// the operation signs, and the certificate's chain and validity (dsig); the
// participant the certificate is bound to (registry); then, for a request or
// a response, the MessageID (a version 1 UUID, not stale), the EOL, the
// message type and whether the sender may send it, the identifiers in the
// payload, the attachments and the routing.
//
// Only the verified element is read after the signature check: the decoded
// call holds values read from the element the signature's reference
// resolved to, never from a second copy elsewhere in the document.
//
// Subpackages: fault (the catalog), xmlsafe (hardened XML reading), soap
// (the SOAP 1.1 codec of the seven operations), dsig (the signature
// profile), registry (participants and message types) and pki (the
// development PKI).
package exchange
