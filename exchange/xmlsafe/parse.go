package xmlsafe

import (
	"bytes"
	"encoding/xml"
	"errors"
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
}

// Defaults of Options.
const (
	DefaultMaxBytes     = 10 << 20
	DefaultMaxDepth     = 128
	DefaultMaxAttrs     = 256
	DefaultMaxAttrValue = 64 << 10
)

// DefaultOptions returns the default limits.
func DefaultOptions() Options {
	return Options{
		MaxBytes:     DefaultMaxBytes,
		MaxDepth:     DefaultMaxDepth,
		MaxAttrs:     DefaultMaxAttrs,
		MaxAttrValue: DefaultMaxAttrValue,
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
	b := builder{opts: o, data: utf8data}
	doc, err := b.build()
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

// nsScope is one element's namespace declarations.
type nsScope struct {
	prefixes []string
	uris     []string
}

type builder struct {
	opts  Options
	data  []byte
	dec   *xml.Decoder
	scope []nsScope
}

func (b *builder) fail(sentinel error, format string, args ...any) error {
	line, col := b.dec.InputPos()
	return &Error{Err: sentinel, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

// lookup resolves a prefix against the declarations in scope.
func (b *builder) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return XMLNamespace, true
	case "xmlns":
		return XMLNSNamespace, true
	}
	for i := len(b.scope) - 1; i >= 0; i-- {
		s := &b.scope[i]
		for j := len(s.prefixes) - 1; j >= 0; j-- {
			if s.prefixes[j] == prefix {
				return s.uris[j], true
			}
		}
	}
	if prefix == "" {
		return "", true
	}
	return "", false
}

func (b *builder) build() (*etree.Document, error) {
	b.dec = xml.NewDecoder(bytes.NewReader(b.data))
	b.dec.Strict = true
	b.dec.CharsetReader = func(label string, r io.Reader) (io.Reader, error) {
		return nil, fmt.Errorf("encoding %q", label)
	}
	doc := etree.NewDocument()
	stack := make([]*etree.Element, 0, 16)
	rootSeen := false
	first := true
	for {
		start := b.dec.InputOffset()
		tok, err := b.dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				if strings.Contains(se.Msg, "encoding") {
					return nil, b.fail(ErrEncoding, "%s", se.Msg)
				}
				return nil, b.fail(ErrMalformed, "%s", se.Msg)
			}
			return nil, b.fail(ErrMalformed, "%v", err)
		}
		if tok == nil {
			return nil, b.fail(ErrMalformed, "unreadable input")
		}
		isFirst := first
		first = false
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) == 0 {
				if rootSeen {
					return nil, b.fail(ErrMalformed, "a second root element <%s>", qname(t.Name))
				}
				rootSeen = true
			}
			if len(stack)+1 > b.opts.MaxDepth {
				return nil, b.fail(ErrTooDeep, "element <%s> is at depth %d, the limit is %d", qname(t.Name), len(stack)+1, b.opts.MaxDepth)
			}
			el, err := b.startElement(t, b.data[start:b.dec.InputOffset()])
			if err != nil {
				return nil, err
			}
			if len(stack) == 0 {
				doc.AddChild(el)
			} else {
				stack[len(stack)-1].AddChild(el)
			}
			stack = append(stack, el)
		case xml.EndElement:
			if len(stack) == 0 {
				return nil, b.fail(ErrMalformed, "unexpected end tag </%s>", qname(t.Name))
			}
			top := stack[len(stack)-1]
			if top.Space != t.Name.Space || top.Tag != t.Name.Local {
				return nil, b.fail(ErrMalformed, "end tag </%s> does not match <%s>", qname(t.Name), top.FullTag())
			}
			stack = stack[:len(stack)-1]
			b.scope = b.scope[:len(b.scope)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if !isWhitespace(t) {
					return nil, b.fail(ErrMalformed, "text outside the root element")
				}
				continue
			}
			stack[len(stack)-1].AddChild(etree.NewText(string(t)))
		case xml.Comment:
			c := etree.NewComment(string(t))
			if len(stack) == 0 {
				doc.AddChild(c)
			} else {
				stack[len(stack)-1].AddChild(c)
			}
		case xml.ProcInst:
			if strings.EqualFold(t.Target, "xml") {
				if !isFirst || t.Target != "xml" {
					return nil, b.fail(ErrMalformed, "an XML declaration is allowed only at the very start")
				}
				if bytes.Contains(t.Inst, []byte(`version="1.1"`)) || bytes.Contains(t.Inst, []byte(`version='1.1'`)) {
					return nil, b.fail(ErrMalformed, "XML 1.1 is not supported")
				}
				continue
			}
			pi := etree.NewProcInst(t.Target, string(t.Inst))
			if len(stack) == 0 {
				doc.AddChild(pi)
			} else {
				stack[len(stack)-1].AddChild(pi)
			}
		case xml.Directive:
			return nil, b.fail(ErrDoctype, "<!%s", truncate(string(t), 40))
		}
	}
	if len(stack) != 0 {
		return nil, b.fail(ErrMalformed, "unexpected end of input inside <%s>", stack[len(stack)-1].FullTag())
	}
	if !rootSeen {
		return nil, b.fail(ErrMalformed, "no root element")
	}
	return doc, nil
}

// startElement checks a start tag and builds its element. raw is the tag as
// it appears in the input, used to normalize attribute values.
func (b *builder) startElement(t xml.StartElement, raw []byte) (*etree.Element, error) {
	if len(t.Attr) > b.opts.MaxAttrs {
		return nil, b.fail(ErrLimit, "element <%s> has %d attributes, the limit is %d", qname(t.Name), len(t.Attr), b.opts.MaxAttrs)
	}
	var normalized []string
	if len(t.Attr) > 0 && bytes.ContainsAny(raw, "\t\n\r") {
		normalized = AttrValues(raw)
		if len(normalized) != len(t.Attr) {
			return nil, b.fail(ErrMalformed, "cannot read the attributes of <%s>", qname(t.Name))
		}
	}
	var sc nsScope
	el := etree.NewElement(t.Name.Local)
	el.Space = t.Name.Space
	el.Attr = make([]etree.Attr, 0, len(t.Attr))
	for i, a := range t.Attr {
		if len(a.Value) > b.opts.MaxAttrValue {
			return nil, b.fail(ErrLimit, "attribute %s of <%s> is %d bytes long, the limit is %d", qname(a.Name), qname(t.Name), len(a.Value), b.opts.MaxAttrValue)
		}
		if normalized != nil {
			a.Value = normalized[i]
		}
		for _, prev := range t.Attr[:i] {
			if prev.Name == a.Name {
				return nil, b.fail(ErrMalformed, "attribute %s appears twice on <%s>", qname(a.Name), qname(t.Name))
			}
		}
		switch {
		case a.Name.Space == "xmlns":
			if a.Name.Local == "xmlns" || (a.Name.Local == "xml") != (a.Value == XMLNamespace) || a.Value == XMLNSNamespace {
				return nil, b.fail(ErrMalformed, "reserved namespace declaration xmlns:%s=%q", a.Name.Local, a.Value)
			}
			if a.Value == "" {
				return nil, b.fail(ErrMalformed, "xmlns:%s may not be empty in XML 1.0", a.Name.Local)
			}
			sc.prefixes = append(sc.prefixes, a.Name.Local)
			sc.uris = append(sc.uris, a.Value)
		case a.Name.Space == "" && a.Name.Local == "xmlns":
			if a.Value == XMLNamespace || a.Value == XMLNSNamespace {
				return nil, b.fail(ErrMalformed, "reserved namespace %q as the default namespace", a.Value)
			}
			sc.prefixes = append(sc.prefixes, "")
			sc.uris = append(sc.uris, a.Value)
		}
		if strings.Contains(a.Name.Local, ":") {
			return nil, b.fail(ErrMalformed, "attribute name %q has more than one colon", qname(a.Name))
		}
		el.Attr = append(el.Attr, etree.Attr{Space: a.Name.Space, Key: a.Name.Local, Value: a.Value})
	}
	b.scope = append(b.scope, sc)
	if strings.Contains(t.Name.Local, ":") {
		return nil, b.fail(ErrMalformed, "element name %q has more than one colon", t.Name.Local)
	}
	if _, ok := b.lookup(t.Name.Space); !ok {
		return nil, b.fail(ErrMalformed, "prefix %q of <%s> is not declared", t.Name.Space, qname(t.Name))
	}
	// Attributes must be unique by expanded name too.
	var seen []xml.Name
	for _, a := range t.Attr {
		if a.Name.Space == "xmlns" || a.Name.Space == "" {
			continue
		}
		uri, ok := b.lookup(a.Name.Space)
		if !ok {
			return nil, b.fail(ErrMalformed, "prefix %q of attribute %s is not declared", a.Name.Space, qname(a.Name))
		}
		n := xml.Name{Space: uri, Local: a.Name.Local}
		for _, s := range seen {
			if s == n {
				return nil, b.fail(ErrMalformed, "attribute {%s}%s appears twice on <%s>", uri, a.Name.Local, qname(t.Name))
			}
		}
		seen = append(seen, n)
	}
	return el, nil
}

func qname(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	return n.Space + ":" + n.Local
}

func isWhitespace(b []byte) bool {
	for _, c := range b {
		if !isSpace(c) {
			return false
		}
	}
	return true
}

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
