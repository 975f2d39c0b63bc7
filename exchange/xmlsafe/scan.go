package xmlsafe

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/beevik/etree"
)

// scanner reads a whole UTF-8 document held in memory and builds its tree.
// It implements the well-formedness rules of XML 1.0 (fifth edition) and of
// Namespaces in XML 1.0 for documents without a DTD: it is written for the
// hub's door, where encoding/xml's byte-at-a-time reading is the largest
// cost, and it refuses rather than repairs.
type scanner struct {
	opts Options
	data []byte // line ends already normalized to LF
	// src is data as one string: names, texts and values without
	// references are substrings of it, which costs no copy.
	src string
	pos int
	// scope holds the namespace declarations of each open element; binds
	// every declaration in scope, in document order, each linked to the
	// one of the same prefix it hides; innermost the index in binds of
	// each prefix's declaration in force. A lookup costs the same however
	// many declarations are in scope (a walk through them all, for every
	// element, let a 10 MB document with thousands of declarations in
	// scope cost a minute of CPU).
	scope     []nsScope
	binds     []binding
	innermost map[string]int
	text      []byte // scratch for text and attribute values
	attrs     []rawAttr
	// Slabs the tree's nodes are carved from: one allocation for many
	// nodes instead of one each.
	elems  []etree.Element
	texts  []etree.CharData
	attrB  []etree.Attr
	tokens []etree.Token
	// estimate is the first slabs' size (0: not yet counted).
	estimate int
}

// maxSlab bounds the nodes of one slab. The first slab of each kind is
// sized by an estimate from the document's bytes, which a hostile document
// can inflate (every '<' of a comment counts), so no slab is larger than
// this: a tree never holds more than maxSlab unused nodes of a kind.
const maxSlab = 4096

// slabSize is the size of a slab of nodes after one of last nodes (0 for
// the first): the estimate first, then twice the last, at most maxSlab.
func (s *scanner) slabSize(last int) int {
	if last > 0 {
		return min(2*last, maxSlab)
	}
	if s.estimate == 0 {
		// Every element and text node starts at or next to a '<'.
		s.estimate = bytes.Count(s.data, []byte{'<'}) + 1
	}
	return min(s.estimate/2+8, maxSlab)
}

func (s *scanner) newElement(prefix, local string) *etree.Element {
	if len(s.elems) == cap(s.elems) {
		s.elems = make([]etree.Element, 0, s.slabSize(cap(s.elems)))
	}
	// A few child slots each from a slab too (an element with more
	// children grows its own slice).
	const slots = 4
	if cap(s.tokens)-len(s.tokens) < slots {
		s.tokens = make([]etree.Token, 0, slots*s.slabSize(cap(s.tokens)/slots))
	}
	start := len(s.tokens)
	s.tokens = s.tokens[:start+slots]
	s.elems = append(s.elems, etree.Element{Space: prefix, Tag: local, Child: s.tokens[start : start : start+slots]})
	return &s.elems[len(s.elems)-1]
}

func (s *scanner) newText(data string) *etree.CharData {
	if len(s.texts) == cap(s.texts) {
		// Text nodes are about as many as the elements' tags.
		s.texts = make([]etree.CharData, 0, 2*s.slabSize(cap(s.texts)/2)-8)
	}
	s.texts = append(s.texts, etree.CharData{Data: data})
	return &s.texts[len(s.texts)-1]
}

// newAttrs returns an empty attribute slice with room for n, carved from a
// slab; its capacity is exactly n, so that a later append copies instead of
// overwriting a neighbour.
func (s *scanner) newAttrs(n int) []etree.Attr {
	if n == 0 {
		return nil
	}
	if cap(s.attrB)-len(s.attrB) < n {
		size := min(2*cap(s.attrB), maxSlab)
		if size == 0 {
			// Every attribute has an '=' (so may text).
			size = min(bytes.Count(s.data[s.pos:], []byte{'='})+n, maxSlab)
		}
		s.attrB = make([]etree.Attr, 0, max(n, size))
	}
	start := len(s.attrB)
	s.attrB = s.attrB[:start+n]
	return s.attrB[start : start : start+n]
}

type rawAttr struct {
	prefix, local, value string
	start                int
}

// nsScope is one element's namespace declarations.
type nsScope struct {
	prefixes []string
	uris     []string
}

// normalizeLineEnds applies XML end-of-line handling (§2.11): CR LF and a
// lone CR become LF. It copies only when there is a CR.
func normalizeLineEnds(b []byte) []byte {
	if bytes.IndexByte(b, '\r') < 0 {
		return b
	}
	out := make([]byte, 0, len(b))
	for i := 0; i < len(b); i++ {
		if b[i] == '\r' {
			out = append(out, '\n')
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			continue
		}
		out = append(out, b[i])
	}
	return out
}

// failAt reports an error at byte offset off.
func (s *scanner) failAt(off int, sentinel error, format string, args ...any) error {
	if off > len(s.data) {
		off = len(s.data)
	}
	line := 1 + bytes.Count(s.data[:off], []byte{'\n'})
	lineStart := bytes.LastIndexByte(s.data[:off], '\n') + 1
	col := 1 + utf8.RuneCount(s.data[lineStart:off])
	return &Error{Err: sentinel, Line: line, Column: col, Msg: fmt.Sprintf(format, args...)}
}

func (s *scanner) fail(sentinel error, format string, args ...any) error {
	return s.failAt(s.pos, sentinel, format, args...)
}

func (s *scanner) lookup(prefix string) (string, bool) {
	switch prefix {
	case "xml":
		return XMLNamespace, true
	case "xmlns":
		return XMLNSNamespace, true
	}
	if i, ok := s.innermost[prefix]; ok {
		return s.binds[i].uri, true
	}
	return "", prefix == ""
}

// binding is a namespace declaration in scope; hides is the index in
// scanner.binds of the declaration of the same prefix it hides, -1 for
// none.
type binding struct {
	prefix, uri string
	hides       int
}

// push opens an element's scope of namespace declarations.
func (s *scanner) push(sc nsScope) {
	s.scope = append(s.scope, sc)
	if len(sc.prefixes) == 0 {
		return
	}
	if s.innermost == nil {
		s.innermost = make(map[string]int, 8)
	}
	for i, p := range sc.prefixes {
		hides, ok := s.innermost[p]
		if !ok {
			hides = -1
		}
		s.innermost[p] = len(s.binds)
		s.binds = append(s.binds, binding{prefix: p, uri: sc.uris[i], hides: hides})
	}
}

// pop closes the innermost element's scope.
func (s *scanner) pop() {
	n := len(s.scope[len(s.scope)-1].prefixes)
	s.scope = s.scope[:len(s.scope)-1]
	for range n {
		b := s.binds[len(s.binds)-1]
		s.binds = s.binds[:len(s.binds)-1]
		if b.hides < 0 {
			delete(s.innermost, b.prefix)
		} else {
			s.innermost[b.prefix] = b.hides
		}
	}
}

func (s *scanner) hasPrefix(p string) bool { return bytes.HasPrefix(s.data[s.pos:], []byte(p)) }

func (s *scanner) skipSpace() int {
	start := s.pos
	for s.pos < len(s.data) {
		switch s.data[s.pos] {
		case ' ', '\t', '\n':
			s.pos++
		default:
			return s.pos - start
		}
	}
	return s.pos - start
}

// build parses the document.
func (s *scanner) build() (*etree.Document, error) {
	doc := etree.NewDocument()
	if bytes.HasPrefix(s.data, []byte("\xEF\xBB\xBF")) {
		s.pos = 3
	}
	if s.hasPrefix("<?xml") && s.pos+5 < len(s.data) && isSpace(s.data[s.pos+5]) {
		if err := s.xmlDecl(); err != nil {
			return nil, err
		}
	}
	stack := make([]*etree.Element, 0, 16)
	rootSeen := false
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if c != '<' {
			if len(stack) == 0 {
				if s.skipSpace() == 0 {
					return nil, s.fail(ErrMalformed, "text outside the root element")
				}
				continue
			}
			if err := s.charData(stack[len(stack)-1]); err != nil {
				return nil, err
			}
			continue
		}
		switch {
		case s.hasPrefix("</"):
			if len(stack) == 0 {
				return nil, s.fail(ErrMalformed, "an end tag without a start tag")
			}
			if err := s.endTag(stack[len(stack)-1]); err != nil {
				return nil, err
			}
			stack = stack[:len(stack)-1]
			s.pop()
		case s.hasPrefix("<!--"):
			c, err := s.comment()
			if err != nil {
				return nil, err
			}
			parentOf(doc, stack).AddChild(c)
		case s.hasPrefix("<?"):
			pi, err := s.procInst()
			if err != nil {
				return nil, err
			}
			parentOf(doc, stack).AddChild(pi)
		case s.hasPrefix("<![CDATA["):
			if len(stack) == 0 {
				return nil, s.fail(ErrMalformed, "a CDATA section outside the root element")
			}
			if err := s.cdata(stack[len(stack)-1]); err != nil {
				return nil, err
			}
		case s.hasPrefix("<!"):
			end := min(s.pos+40, len(s.data))
			return nil, s.fail(ErrDoctype, "%s", strings.ToValidUTF8(string(s.data[s.pos:end]), "?"))
		default:
			if len(stack) == 0 && rootSeen {
				return nil, s.fail(ErrMalformed, "a second root element")
			}
			if len(stack)+1 > s.opts.MaxDepth {
				return nil, s.fail(ErrTooDeep, "an element at depth %d, the limit is %d", len(stack)+1, s.opts.MaxDepth)
			}
			el, empty, err := s.startTag()
			if err != nil {
				return nil, err
			}
			parentOf(doc, stack).AddChild(el)
			rootSeen = true
			if empty {
				s.pop()
			} else {
				stack = append(stack, el)
			}
		}
	}
	if len(stack) != 0 {
		return nil, s.fail(ErrMalformed, "unexpected end of input inside <%s>", stack[len(stack)-1].FullTag())
	}
	if !rootSeen {
		return nil, s.fail(ErrMalformed, "no root element")
	}
	return doc, nil
}

func parentOf(doc *etree.Document, stack []*etree.Element) *etree.Element {
	if len(stack) == 0 {
		return &doc.Element
	}
	return stack[len(stack)-1]
}

// xmlDecl reads <?xml version="1.0" encoding="..." standalone="..."?>.
func (s *scanner) xmlDecl() error {
	start := s.pos
	s.pos += 5
	seen := 0
	for {
		sp := s.skipSpace()
		if s.hasPrefix("?>") {
			s.pos += 2
			if seen == 0 {
				return s.failAt(start, ErrMalformed, "the XML declaration has no version")
			}
			return nil
		}
		if sp == 0 {
			return s.fail(ErrMalformed, "malformed XML declaration")
		}
		name := s.scanUntil("= \t\n?")
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '=' {
			return s.fail(ErrMalformed, "malformed XML declaration")
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.data) || (s.data[s.pos] != '"' && s.data[s.pos] != '\'') {
			return s.fail(ErrMalformed, "malformed XML declaration")
		}
		q := s.data[s.pos]
		end := bytes.IndexByte(s.data[s.pos+1:], q)
		if end < 0 {
			return s.fail(ErrMalformed, "malformed XML declaration")
		}
		val := string(s.data[s.pos+1 : s.pos+1+end])
		s.pos += end + 2
		switch {
		case name == "version" && seen == 0:
			if val != "1.0" {
				return s.failAt(start, ErrMalformed, "XML version %q is not supported (only 1.0)", val)
			}
			seen = 1
		case name == "encoding" && seen == 1:
			if !validEncName(val) {
				return s.failAt(start, ErrMalformed, "malformed encoding name %q", val)
			}
			seen = 2
		case name == "standalone" && seen >= 1 && seen <= 2:
			if val != "yes" && val != "no" {
				return s.failAt(start, ErrMalformed, "standalone must be yes or no")
			}
			seen = 3
		default:
			return s.failAt(start, ErrMalformed, "malformed XML declaration")
		}
	}
}

func validEncName(v string) bool {
	if v == "" || !(v[0] >= 'A' && v[0] <= 'Z' || v[0] >= 'a' && v[0] <= 'z') {
		return false
	}
	for i := 1; i < len(v); i++ {
		c := v[i]
		if !(c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (s *scanner) scanUntil(stops string) string {
	start := s.pos
	for s.pos < len(s.data) && strings.IndexByte(stops, s.data[s.pos]) < 0 {
		s.pos++
	}
	return string(s.data[start:s.pos])
}

// checkChars checks that b holds only XML characters (the input is valid
// UTF-8 already).
//
// In valid UTF-8 the only characters outside the XML Char production are the
// C0 controls (other than tab and newline; CR is gone by now) and U+FFFE and
// U+FFFF (EF BF BE, EF BF BF): a byte loop finds them.
func (s *scanner) checkChars(off int, b []byte) error {
	for i, c := range b {
		switch {
		case c < 0x20 && c != '\t' && c != '\n':
			return s.failAt(off+i, ErrMalformed, "character U+%04X is not allowed in XML", c)
		case c == 0xEF && i+2 < len(b) && b[i+1] == 0xBF && (b[i+2] == 0xBE || b[i+2] == 0xBF):
			return s.failAt(off+i, ErrMalformed, "character U+FFF%X is not allowed in XML", b[i+2]&0xF)
		}
	}
	return nil
}

func isChar(r rune) bool {
	return r == 0x9 || r == 0xA || r == 0xD || (r >= 0x20 && r <= 0xD7FF) || (r >= 0xE000 && r <= 0xFFFD) || (r >= 0x10000 && r <= 0x10FFFF)
}

func (s *scanner) comment() (*etree.Comment, error) {
	start := s.pos
	s.pos += 4
	end := bytes.Index(s.data[s.pos:], []byte("--"))
	if end < 0 {
		return nil, s.failAt(start, ErrMalformed, "unterminated comment")
	}
	body := s.data[s.pos : s.pos+end]
	s.pos += end
	if !s.hasPrefix("-->") {
		return nil, s.fail(ErrMalformed, `"--" inside a comment`)
	}
	if err := s.checkChars(start+4, body); err != nil {
		return nil, err
	}
	s.pos += 3
	return etree.NewComment(s.src[start+4 : start+4+len(body)]), nil
}

func (s *scanner) procInst() (*etree.ProcInst, error) {
	start := s.pos
	s.pos += 2
	target, err := s.name()
	if err != nil {
		return nil, err
	}
	if strings.EqualFold(target, "xml") {
		return nil, s.failAt(start, ErrMalformed, "an XML declaration is allowed only at the very start")
	}
	if strings.Contains(target, ":") {
		return nil, s.failAt(start, ErrMalformed, "a processing instruction target may not contain a colon")
	}
	end := bytes.Index(s.data[s.pos:], []byte("?>"))
	if end < 0 {
		return nil, s.failAt(start, ErrMalformed, "unterminated processing instruction")
	}
	body := s.data[s.pos : s.pos+end]
	if len(body) > 0 && !isSpace(body[0]) {
		return nil, s.fail(ErrMalformed, "a processing instruction target must be followed by whitespace")
	}
	if err := s.checkChars(s.pos, body); err != nil {
		return nil, err
	}
	s.pos += end + 2
	return etree.NewProcInst(target, strings.TrimLeft(string(body), " \t\n")), nil
}

func (s *scanner) cdata(parent *etree.Element) error {
	start := s.pos
	s.pos += 9
	end := bytes.Index(s.data[s.pos:], []byte("]]>"))
	if end < 0 {
		return s.failAt(start, ErrMalformed, "unterminated CDATA section")
	}
	body := s.data[s.pos : s.pos+end]
	if err := s.checkChars(s.pos, body); err != nil {
		return err
	}
	s.pos += end + 3
	parent.AddChild(s.newText(s.src[s.pos-3-len(body) : s.pos-3]))
	return nil
}

// charData reads text up to the next '<', resolving references.
func (s *scanner) charData(parent *etree.Element) error {
	start := s.pos
	end := bytes.IndexByte(s.data[s.pos:], '<')
	if end < 0 {
		end = len(s.data) - s.pos
	}
	raw := s.data[s.pos : s.pos+end]
	if i := bytes.Index(raw, []byte("]]>")); i >= 0 {
		return s.failAt(start+i, ErrMalformed, `"]]>" in text`)
	}
	if err := s.checkChars(start, raw); err != nil {
		return err
	}
	s.pos += end
	if bytes.IndexByte(raw, '&') < 0 {
		parent.AddChild(s.newText(s.src[start : start+len(raw)]))
		return nil
	}
	out, err := s.resolve(start, raw, false)
	if err != nil {
		return err
	}
	parent.AddChild(s.newText(out))
	return nil
}

// resolve replaces references in raw text or an attribute value; in an
// attribute value (attr) a literal tab or newline becomes a space.
func (s *scanner) resolve(off int, raw []byte, attr bool) (string, error) {
	b := s.text[:0]
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '&':
			semi := bytes.IndexByte(raw[i:], ';')
			if semi < 0 {
				return "", s.failAt(off+i, ErrMalformed, "an unterminated reference")
			}
			name := raw[i+1 : i+semi]
			r, ok := reference(name)
			if !ok {
				return "", s.failAt(off+i, ErrMalformed, "unknown or invalid reference &%s; (there are no entity declarations)", truncate(strings.ToValidUTF8(string(name), "?"), 20))
			}
			b = utf8.AppendRune(b, r)
			i += semi
		case attr && (c == '\t' || c == '\n'):
			b = append(b, ' ')
		default:
			b = append(b, c)
		}
	}
	s.text = b
	return string(b), nil
}

// reference resolves a predefined entity or a character reference.
func reference(name []byte) (rune, bool) {
	switch string(name) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "quot":
		return '"', true
	case "apos":
		return '\'', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 || len(digits) > 8 {
		return 0, false
	}
	for _, d := range digits {
		if !(d >= '0' && d <= '9' || base == 16 && (d >= 'a' && d <= 'f' || d >= 'A' && d <= 'F')) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(digits), base, 32)
	if err != nil || !isChar(rune(n)) {
		return 0, false
	}
	return rune(n), true
}

// name reads an XML Name.
func (s *scanner) name() (string, error) {
	start := s.pos
	first := true
	for s.pos < len(s.data) {
		c := s.data[s.pos]
		if c < 0x80 {
			if isASCIINameChar(c, first) {
				s.pos++
				first = false
				continue
			}
			break
		}
		r, n := utf8.DecodeRune(s.data[s.pos:])
		if !isNameRune(r, first) {
			break
		}
		s.pos += n
		first = false
	}
	if s.pos == start {
		return "", s.fail(ErrMalformed, "a name was expected")
	}
	return s.src[start:s.pos], nil
}

func isASCIINameChar(c byte, first bool) bool {
	if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == ':' {
		return true
	}
	return !first && (c >= '0' && c <= '9' || c == '-' || c == '.')
}

func isNameRune(r rune, first bool) bool {
	switch {
	case r >= 0xC0 && r <= 0xD6, r >= 0xD8 && r <= 0xF6, r >= 0xF8 && r <= 0x2FF, r >= 0x370 && r <= 0x37D,
		r >= 0x37F && r <= 0x1FFF, r >= 0x200C && r <= 0x200D, r >= 0x2070 && r <= 0x218F, r >= 0x2C00 && r <= 0x2FEF,
		r >= 0x3001 && r <= 0xD7FF, r >= 0xF900 && r <= 0xFDCF, r >= 0xFDF0 && r <= 0xFFFD, r >= 0x10000 && r <= 0xEFFFF:
		return true
	}
	return !first && (r == 0xB7 || r >= 0x300 && r <= 0x36F || r >= 0x203F && r <= 0x2040)
}

// splitQName splits a name into prefix and local part, both NCNames.
func splitQName(n string) (string, string, bool) {
	i := strings.IndexByte(n, ':')
	if i < 0 {
		return "", n, true
	}
	prefix, local := n[:i], n[i+1:]
	if prefix == "" || local == "" || strings.IndexByte(local, ':') >= 0 {
		return "", "", false
	}
	// The local part must start with a name start character.
	r, _ := utf8.DecodeRuneInString(local)
	if r < 0x80 {
		if !isASCIINameChar(byte(r), true) {
			return "", "", false
		}
	} else if !isNameRune(r, true) {
		return "", "", false
	}
	return prefix, local, true
}

func (s *scanner) endTag(top *etree.Element) error {
	start := s.pos
	s.pos += 2
	n, err := s.name()
	if err != nil {
		return err
	}
	s.skipSpace()
	if s.pos >= len(s.data) || s.data[s.pos] != '>' {
		return s.fail(ErrMalformed, "malformed end tag </%s", n)
	}
	s.pos++
	prefix, local, _ := splitQName(n)
	if prefix != top.Space || local != top.Tag {
		return s.failAt(start, ErrMalformed, "end tag </%s> does not match <%s>", n, top.FullTag())
	}
	return nil
}

// startTag reads a start tag or an empty-element tag, pushes its namespace
// scope and returns the element.
func (s *scanner) startTag() (*etree.Element, bool, error) {
	tagStart := s.pos
	s.pos++
	n, err := s.name()
	if err != nil {
		return nil, false, err
	}
	prefix, local, ok := splitQName(n)
	if !ok {
		return nil, false, s.failAt(tagStart, ErrMalformed, "element name %q is not a qualified name", n)
	}
	attrs := s.attrs[:0]
	empty := false
	for {
		sp := s.skipSpace()
		if s.pos >= len(s.data) {
			return nil, false, s.fail(ErrMalformed, "unexpected end of input in the tag <%s", n)
		}
		if s.data[s.pos] == '>' {
			s.pos++
			break
		}
		if s.hasPrefix("/>") {
			s.pos += 2
			empty = true
			break
		}
		if sp == 0 {
			return nil, false, s.fail(ErrMalformed, "whitespace is required between attributes of <%s>", n)
		}
		astart := s.pos
		an, err := s.name()
		if err != nil {
			return nil, false, err
		}
		ap, al, ok := splitQName(an)
		if !ok {
			return nil, false, s.failAt(astart, ErrMalformed, "attribute name %q is not a qualified name", an)
		}
		s.skipSpace()
		if s.pos >= len(s.data) || s.data[s.pos] != '=' {
			return nil, false, s.fail(ErrMalformed, "attribute %s of <%s> has no value", an, n)
		}
		s.pos++
		s.skipSpace()
		if s.pos >= len(s.data) || (s.data[s.pos] != '"' && s.data[s.pos] != '\'') {
			return nil, false, s.fail(ErrMalformed, "the value of attribute %s must be quoted", an)
		}
		q := s.data[s.pos]
		end := bytes.IndexByte(s.data[s.pos+1:], q)
		if end < 0 {
			return nil, false, s.fail(ErrMalformed, "unterminated value of attribute %s", an)
		}
		raw := s.data[s.pos+1 : s.pos+1+end]
		if end > s.opts.MaxAttrValue {
			return nil, false, s.failAt(astart, ErrLimit, "attribute %s of <%s> is %d bytes long, the limit is %d", an, n, end, s.opts.MaxAttrValue)
		}
		if i := bytes.IndexByte(raw, '<'); i >= 0 {
			return nil, false, s.failAt(s.pos+1+i, ErrMalformed, "'<' in the value of attribute %s", an)
		}
		if err := s.checkChars(s.pos+1, raw); err != nil {
			return nil, false, err
		}
		var val string
		if bytes.IndexByte(raw, '&') < 0 && bytes.IndexByte(raw, '\t') < 0 && bytes.IndexByte(raw, '\n') < 0 {
			val = s.src[s.pos+1 : s.pos+1+end]
		} else if val, err = s.resolve(s.pos+1, raw, true); err != nil {
			return nil, false, err
		}
		s.pos += end + 2
		if len(attrs) == s.opts.MaxAttrs {
			return nil, false, s.failAt(astart, ErrLimit, "element <%s> has more than %d attributes", n, s.opts.MaxAttrs)
		}
		for _, a := range attrs {
			if a.prefix == ap && a.local == al {
				return nil, false, s.failAt(astart, ErrMalformed, "attribute %s appears twice on <%s>", an, n)
			}
		}
		attrs = append(attrs, rawAttr{prefix: ap, local: al, value: val, start: astart})
	}
	s.attrs = attrs[:0]

	var sc nsScope
	el := s.newElement(prefix, local)
	el.Attr = s.newAttrs(len(attrs))
	for _, a := range attrs {
		switch {
		case a.prefix == "xmlns":
			if a.local == "xmlns" || (a.local == "xml") != (a.value == XMLNamespace) || a.value == XMLNSNamespace {
				return nil, false, s.failAt(a.start, ErrMalformed, "reserved namespace declaration xmlns:%s=%q", a.local, a.value)
			}
			if a.value == "" {
				return nil, false, s.failAt(a.start, ErrMalformed, "xmlns:%s may not be empty in XML 1.0", a.local)
			}
			sc.prefixes = append(sc.prefixes, a.local)
			sc.uris = append(sc.uris, a.value)
		case a.prefix == "" && a.local == "xmlns":
			if a.value == XMLNamespace || a.value == XMLNSNamespace {
				return nil, false, s.failAt(a.start, ErrMalformed, "reserved namespace %q as the default namespace", a.value)
			}
			sc.prefixes = append(sc.prefixes, "")
			sc.uris = append(sc.uris, a.value)
		}
		el.Attr = append(el.Attr, etree.Attr{Space: a.prefix, Key: a.local, Value: a.value})
	}
	if len(s.binds)+len(sc.prefixes) > s.opts.MaxNamespaces {
		return nil, false, s.failAt(tagStart, ErrLimit, "<%s> brings the namespace declarations in scope to %d, the limit is %d", n, len(s.binds)+len(sc.prefixes), s.opts.MaxNamespaces)
	}
	s.push(sc)
	if prefix == "xmlns" {
		return nil, false, s.failAt(tagStart, ErrMalformed, "the prefix xmlns may not name an element")
	}
	if _, ok := s.lookup(prefix); !ok {
		return nil, false, s.failAt(tagStart, ErrMalformed, "prefix %q of <%s> is not declared", prefix, n)
	}
	// Attributes must be unique by expanded name too.
	type expanded struct{ uri, local string }
	var seen []expanded
	for _, a := range attrs {
		if a.prefix == "xmlns" || a.prefix == "" {
			continue
		}
		uri, ok := s.lookup(a.prefix)
		if !ok {
			return nil, false, s.failAt(a.start, ErrMalformed, "prefix %q of attribute %s:%s is not declared", a.prefix, a.prefix, a.local)
		}
		e := expanded{uri, a.local}
		for _, x := range seen {
			if x == e {
				return nil, false, s.failAt(a.start, ErrMalformed, "attribute {%s}%s appears twice on <%s>", uri, a.local, n)
			}
		}
		seen = append(seen, e)
	}
	_ = tagStart
	return el, empty, nil
}
