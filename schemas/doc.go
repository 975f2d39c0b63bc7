// Package schemas holds the XML Schemas the hub validates against, embedded in
// the binary with go:embed, and the validator interface the rest of the hub
// uses.
//
// The schemas are written for this project: the SMEV 3 envelope (SOAP 1.1, and
// the types, basic and faults schemas of message exchange 1.1, 1.2 and 1.3)
// and one schema per shipped enforcement message type, each in its own
// namespace urn://mezhved/enforcement/<type>/1.0. Validation uses
// github.com/jacoelho/xsd (pure Go, streaming, no DTDs, no network).
//
// Identifier check rules that XSD cannot express (check digits of INN, OGRN,
// SNILS, the account key computed with the BIC, ...) live in the ident
// subpackage and are applied to the payload by this package.
//
// This package imports no sibling package of the hub.
package schemas
