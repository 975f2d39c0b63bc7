// Package pki makes the development public-key infrastructure of a hub: a
// certificate authority, the hub's own key and certificate, and a key and
// certificate for each participant, as PEM files in one directory.
//
// The files are ca.crt and ca.key (the CA), hub.key and hub.crt, and
// <MNEMONIC>.key and <MNEMONIC>.crt for each participant; keys are PKCS#8
// and written with mode 0600. Keys are ECDSA P-256 by default, or RSA-2048.
// The certificates name the participant's mnemonic as the subject's common
// name and its name as the organization.
//
// This is for development and tests. A hub in production trusts the CAs its
// participants' certificates come from and binds certificates to
// participants in its registry.
package pki
