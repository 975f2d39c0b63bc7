// Package registry holds who takes part in the exchange and what they
// exchange: participants (mnemonic, name, role, the certificates that
// identify them, routing keys such as a BIC) and message types (the payload
// root element, its schema, who may send it, who provides it, how it is
// delivered, its processing deadline and attachment limit).
//
// A registry is read from a JSON file (the format is in the README and in
// dev.json, the built-in development registry), validated as a whole, and
// then immutable. Lookups are by mnemonic, by certificate (SHA-256
// fingerprint) and by payload root element.
//
// The built-in development registry has the participants COURT01, FSSP01,
// GIBDD01, FNS01, ROSREESTR01, SFR01, BANK044525225, BANK044525593 and EPGU01
// and the shipped enforcement types; Dev binds their certificates from a
// directory made by `mezhved pki init`.
package registry
