// Package xmlsafe reads untrusted XML into an etree document, refusing what a
// hub that faces the network must refuse.
//
// Parse enforces, while it reads and before it builds anything large:
//
//   - a size cap (default 10 MiB);
//   - an element depth cap (default 128) and a cap on attributes per element
//     and on the length of one attribute value;
//   - no DOCTYPE and no entity declaration of any kind (so no entity
//     expansion, internal or external);
//   - UTF-8 input, or windows-1251 when the XML declaration says so, which is
//     transcoded to UTF-8 before parsing (other encodings are refused);
//   - namespace well-formedness: every prefix declared, no attribute twice
//     (by qualified name or by expanded name), exactly one root element and
//     nothing but comments, processing instructions and whitespace around it.
//
// It also applies the attribute-value normalization of XML 1.0 §3.3.3 that
// encoding/xml leaves out (a literal tab, newline or carriage return in an
// attribute value becomes a space; character references keep their
// character), so that canonical forms computed from the tree equal those of
// other XML toolkits.
//
// Every refusal is an *Error whose Err is one of the sentinels in errors.go,
// with the line and column where reading stopped.
package xmlsafe
