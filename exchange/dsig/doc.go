// Package dsig is the hub's XML signature profile: detached XMLDSig
// signatures over one element of the same document, referenced by its Id,
// with the SMEV 3 transform.
package dsig
