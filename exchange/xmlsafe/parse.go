package xmlsafe

import (
	"bytes"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
	"golang.org/x/text/encoding/charmap"
)

// Namespace names fixed by the XML and Namespaces recommendations.
const (
	XMLNamespace   = "http://www.w3.org/XML/1998/namespace"
	XMLNSNamespace = "http://www.w3.org/2000/xmlns/"
)

// Options limit what Parse accepts. The zero value of a field means its
// default; DefaultOptions returns the defaults.
type Options struct {
	// MaxBytes is the largest input accepted, in bytes. Default 10 MiB.
	MaxBytes int64
	// MaxDepth is the deepest element nesting accepted (the root is depth 1).
	// Default 128.
	MaxDepth int
	// MaxAttrs is the largest number of attributes (namespace declarations
	// included) on one element. Default 256.
	MaxAttrs int
	// MaxAttrValue is the longest attribute value accepted, in bytes.
	// Default 64 KiB.
	MaxAttrValue int
	// MaxNamespaces is the most namespace declarations in scope at once
	// (on an element and its ancestors). Default 64; a SMEV envelope has
	// about a dozen in all. Every consumer of the document resolves each
	// element's prefix among them: a schema validator that walks them per
	// element costs in proportion to elements times declarations.
	MaxNamespaces int
}

// Defaults of Options.
const (
	DefaultMaxBytes      = 10 << 20
	DefaultMaxDepth      = 128
	DefaultMaxAttrs      = 256
	DefaultMaxAttrValue  = 64 << 10
	DefaultMaxNamespaces = 64
)

// DefaultOptions returns the default limits.
func DefaultOptions() Options {
	return Options{
		MaxBytes:      DefaultMaxBytes,
		MaxDepth:      DefaultMaxDepth,
		MaxAttrs:      DefaultMaxAttrs,
		MaxAttrValue:  DefaultMaxAttrValue,
		MaxNamespaces: DefaultMaxNamespaces,
	}
}

func (o *Options) withDefaults() Options {
	r := DefaultOptions()
	if o == nil {
		return r
	}
	if o.MaxBytes > 0 {
		r.MaxBytes = o.MaxBytes
	}
	if o.MaxDepth > 0 {
		r.MaxDepth = o.MaxDepth
	}
	if o.MaxNamespaces > 0 {
		r.MaxNamespaces = o.MaxNamespaces
	}
	if o.MaxAttrs > 0 {
		r.MaxAttrs = o.MaxAttrs
	}
	if o.MaxAttrValue > 0 {
		r.MaxAttrValue = o.MaxAttrValue
	}
	return r
}

// Document is a parsed input.
type Document struct {
	*etree.Document
	// UTF8 is the input as UTF-8: the bytes received, or their transcoding
	// when the declared encoding was windows-1251 (with the declaration
	// rewritten to say UTF-8, so that line numbers are unchanged). Schema
	// validation reads these bytes.
	UTF8 []byte
	// Encoding is the encoding the input declared, lower-cased; "utf-8" when
	// it declared none.
	Encoding string
}

// ReadAll reads r up to opts.MaxBytes and parses it. A longer input is
// refused with ErrTooLarge without reading more than one byte past the limit.
func ReadAll(r io.Reader, opts *Options) (*Document, error) {
	o := opts.withDefaults()
	data, err := io.ReadAll(io.LimitReader(r, o.MaxBytes+1))
	if err != nil {
		return nil, err
	}
	return Parse(data, &o)
}

// Parse parses data, which it does not retain unless it is already UTF-8 (in
// which case Document.UTF8 is data itself).
func Parse(data []byte, opts *Options) (*Document, error) {
	o := opts.withDefaults()
	if int64(len(data)) > o.MaxBytes {
		return nil, &Error{Err: ErrTooLarge, Msg: fmt.Sprintf("%d bytes or more, the limit is %d", len(data), o.MaxBytes)}
	}
	utf8data, enc, err := toUTF8(data)
	if err != nil {
		return nil, err
	}
	norm := normalizeLineEnds(utf8data)
	sc := scanner{opts: o, data: norm, src: string(norm)}
	doc, err := sc.build()
	if err != nil {
		return nil, err
	}
	return &Document{Document: doc, UTF8: utf8data, Encoding: enc}, nil
}

// toUTF8 returns the input as UTF-8, transcoding windows-1251.
func toUTF8(data []byte) ([]byte, string, error) {
	if len(data) >= 2 && (data[0] == 0xFE && data[1] == 0xFF || data[0] == 0xFF && data[1] == 0xFE) {
		return nil, "", &Error{Err: ErrEncoding, Msg: "UTF-16 input (byte order mark)"}
	}
	body := data
	if bytes.HasPrefix(body, []byte("\xEF\xBB\xBF")) {
		body = body[3:]
	}
	enc, valStart, valEnd := declaredEncoding(body)
	switch enc {
	case "", "utf-8", "utf8":
		if enc == "" {
			enc = "utf-8"
		}
		if enc == "utf8" {
			return nil, "", &Error{Err: ErrEncoding, Msg: `encoding "utf8" is not a registered name; use "UTF-8"`}
		}
		if !utf8.Valid(data) {
			return nil, "", &Error{Err: ErrEncoding, Msg: "the bytes are not valid UTF-8"}
		}
		return data, enc, nil
	case "windows-1251", "cp1251", "x-cp1251":
		if bytes.IndexByte(body, 0x98) >= 0 {
			return nil, "", &Error{Err: ErrEncoding, Msg: "byte 0x98 is not defined in windows-1251"}
		}
		var out bytes.Buffer
		out.Grow(len(body) + len(body)/2)
		out.Write(body[:valStart])
		out.WriteString("UTF-8")
		rest, err := charmap.Windows1251.NewDecoder().Bytes(body[valEnd:])
		if err != nil {
			return nil, "", &Error{Err: ErrEncoding, Msg: "the bytes are not valid windows-1251"}
		}
		out.Write(rest)
		return out.Bytes(), enc, nil
	default:
		return nil, "", &Error{Err: ErrEncoding, Msg: fmt.Sprintf("declared encoding %q; only UTF-8 and windows-1251 are accepted", enc)}
	}
}

// declaredEncoding finds the encoding pseudo-attribute of an XML declaration
// at the start of b. It returns the lower-cased name and the byte range of the
// value, or "" when there is no declaration or no encoding in it.
func declaredEncoding(b []byte) (string, int, int) {
	if !bytes.HasPrefix(b, []byte("<?xml")) || len(b) < 6 || !isSpace(b[5]) {
		return "", 0, 0
	}
	end := bytes.Index(b, []byte("?>"))
	if end < 0 {
		return "", 0, 0
	}
	decl := b[:end]
	i := bytes.Index(decl, []byte("encoding"))
	if i < 0 {
		return "", 0, 0
	}
	j := i + len("encoding")
	for j < len(decl) && isSpace(decl[j]) {
		j++
	}
	if j >= len(decl) || decl[j] != '=' {
		return "", 0, 0
	}
	j++
	for j < len(decl) && isSpace(decl[j]) {
		j++
	}
	if j >= len(decl) || (decl[j] != '"' && decl[j] != '\'') {
		return "", 0, 0
	}
	q := decl[j]
	k := bytes.IndexByte(decl[j+1:], q)
	if k < 0 {
		return "", 0, 0
	}
	return strings.ToLower(string(decl[j+1 : j+1+k])), j + 1, j + 1 + k
}

func isSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// AttrValues re-reads the attribute values of a raw start tag, already
// checked by encoding/xml, and returns them in order, normalized as XML 1.0
// §3.3.3 says for CDATA attributes: a literal tab, newline or carriage return
// (a CR LF pair counting as one) becomes a space, while characters written as
// references are kept. It returns nil if the tag cannot be read.
func AttrValues(raw []byte) []string {
	var vals []string
	i := 1 // skip '<'
	for i < len(raw) && !isSpace(raw[i]) && raw[i] != '>' && raw[i] != '/' {
		i++
	}
	for {
		for i < len(raw) && isSpace(raw[i]) {
			i++
		}
		if i >= len(raw) || raw[i] == '>' || raw[i] == '/' {
			return vals
		}
		for i < len(raw) && raw[i] != '=' && !isSpace(raw[i]) {
			i++
		}
		for i < len(raw) && (isSpace(raw[i]) || raw[i] == '=') {
			i++
		}
		if i >= len(raw) || (raw[i] != '"' && raw[i] != '\'') {
			return nil
		}
		q := raw[i]
		end := bytes.IndexByte(raw[i+1:], q)
		if end < 0 {
			return nil
		}
		vals = append(vals, normalizeAttr(raw[i+1:i+1+end]))
		i += end + 2
	}
}

func normalizeAttr(v []byte) string {
	var b strings.Builder
	b.Grow(len(v))
	for i := 0; i < len(v); i++ {
		c := v[i]
		switch c {
		case '\r':
			if i+1 < len(v) && v[i+1] == '\n' {
				i++
			}
			b.WriteByte(' ')
		case '\t', '\n':
			b.WriteByte(' ')
		case '&':
			semi := bytes.IndexByte(v[i:], ';')
			if semi < 0 {
				b.WriteByte(c)
				continue
			}
			b.WriteString(ResolveReference(string(v[i+1 : i+semi])))
			i += semi
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// ResolveReference resolves a predefined entity or character reference, given
// the text between & and ; as encoding/xml has already checked it.
func ResolveReference(name string) string {
	switch name {
	case "lt":
		return "<"
	case "gt":
		return ">"
	case "amp":
		return "&"
	case "quot":
		return `"`
	case "apos":
		return "'"
	}
	if strings.HasPrefix(name, "#") {
		var r rune
		var err error
		if strings.HasPrefix(name, "#x") {
			_, err = fmt.Sscanf(name[2:], "%x", &r)
		} else {
			_, err = fmt.Sscanf(name[1:], "%d", &r)
		}
		if err == nil && utf8.ValidRune(r) {
			return string(r)
		}
	}
	return "&" + name + ";"
}

// Text returns the character data of el joined across comments and
// processing instructions ("" for nil). etree's Element.Text stops at the
// first of them; signatures leave both out of their digests, so a reader
// that stopped there would read a value nobody signed.
func Text(el *etree.Element) string {
	if el == nil {
		return ""
	}
	var b strings.Builder
	for _, t := range el.Child {
		if cd, ok := t.(*etree.CharData); ok {
			b.WriteString(cd.Data)
		}
	}
	return b.String()
}
