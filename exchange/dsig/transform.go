package dsig

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"

	"github.com/beevik/etree"

	"mezhved/exchange/xmlsafe"
)

// SMEVTransformURI names the SMEV 3 transform in a ds:Transform.
const SMEVTransformURI = "urn://smev-gov-ru/xmldsig/transform"

// The SMEV transform reads XML and writes it again with:
//
//  1. no XML declaration, processing instructions or comments;
//  2. no text made only of whitespace (characters up to U+0020);
//  3. no empty-element tags: always a start tag and an end tag;
//  4. no namespace declaration that is not used;
//  5. an element's namespace declared on the element when no ancestor in the
//     output declares it;
//  6. prefixes renamed ns1, ns2, ... in order of first use;
//  7. attributes sorted by namespace URI, then local name, unqualified ones
//     last;
//  8. namespace declarations before attributes: the element's own first, then
//     those of the attributes in the order of the sorted attributes.
//
// Its reference is the Java implementation SMEV uses, built on the JDK's StAX
// reader and writer; this one reproduces it byte for byte, including what the
// StAX reader does to text: it reports text in pieces, one piece for each
// character or entity reference and for each CDATA section, and rule 2 is
// applied to each piece. A piece made only of whitespace is dropped even
// inside a longer text (" &amp; " becomes "&amp;"). Inside a signature the
// transform reads the exclusive canonical form, where exactly the characters
// & < > and carriage return are written as references; AppendSMEV models that.
// TransformXML models a transform of the document as written.
//
// As in the reference, an element in no namespace gets a prefix bound to the
// empty namespace name (xmlns:ns1=""), and text is escaped &amp; &lt; &gt;,
// attribute values &amp; &lt; &gt; &quot; with tab, newline and carriage
// return written as they are.

// binding is one namespace declaration written to the output.
type binding struct {
	prefix string
	uri    string
}

// smevWriter writes the transform's output. Its methods are called in
// document order by a driver that resolves namespace names.
type smevWriter struct {
	buf      []byte
	decls    []binding // output declarations in scope, innermost last
	marks    []int     // len(decls) at each open element
	names    []qname   // output name of each open element
	counter  int
	attrs    []smevAttr
	prefixes []string // scratch of start
	cells    []cell
	runes    []rune // scratch of pieces
	depth    int
}

// newSMEVWriter returns a writer appending to dst, its stacks sized for
// the usual depth so that they need not grow.
func newSMEVWriter(dst []byte) *smevWriter {
	return &smevWriter{buf: dst, decls: make([]binding, 0, 8), marks: make([]int, 0, 16), names: make([]qname, 0, 16),
		attrs: make([]smevAttr, 0, 8), prefixes: make([]string, 0, 8)}
}

// qname is an output element name.
type qname struct {
	prefix, local string
}

type smevAttr struct {
	uri, local, value string
}

func (w *smevWriter) lookup(uri string) (string, bool) {
	for i := len(w.decls) - 1; i >= 0; i-- {
		if w.decls[i].uri == uri {
			return w.decls[i].prefix, true
		}
	}
	return "", false
}

func (w *smevWriter) declare(uri string) string {
	w.counter++
	p := "ns" + strconv.Itoa(w.counter)
	w.decls = append(w.decls, binding{prefix: p, uri: uri})
	return p
}

// start writes a start tag. attrs are the element's attributes without
// namespace declarations; start sorts them in place.
func (w *smevWriter) start(uri, local string, attrs []smevAttr) {
	mark := len(w.decls)
	w.marks = append(w.marks, mark)
	prefix, ok := w.lookup(uri)
	if !ok {
		prefix = w.declare(uri)
	}
	w.names = append(w.names, qname{prefix: prefix, local: local})
	if len(attrs) > 1 {
		slices.SortStableFunc(attrs, compareAttrs)
	}
	prefixes := w.prefixes[:0]
	for _, a := range attrs {
		p := ""
		if a.uri != "" {
			if p, ok = w.lookup(a.uri); !ok {
				p = w.declare(a.uri)
			}
		}
		prefixes = append(prefixes, p)
	}
	w.prefixes = prefixes
	w.buf = append(w.buf, '<')
	w.buf = append(w.buf, prefix...)
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, local...)
	for _, d := range w.decls[mark:] {
		w.buf = append(w.buf, " xmlns:"...)
		w.buf = append(w.buf, d.prefix...)
		w.buf = append(w.buf, `="`...)
		w.buf = appendEscaped(w.buf, d.uri, true)
		w.buf = append(w.buf, '"')
	}
	for i, a := range attrs {
		w.buf = append(w.buf, ' ')
		if prefixes[i] != "" {
			w.buf = append(w.buf, prefixes[i]...)
			w.buf = append(w.buf, ':')
		}
		w.buf = append(w.buf, a.local...)
		w.buf = append(w.buf, `="`...)
		w.buf = appendEscaped(w.buf, a.value, true)
		w.buf = append(w.buf, '"')
	}
	w.buf = append(w.buf, '>')
}

// piece writes one piece of text as the StAX reader reports it, unless it is
// only whitespace.
func (w *smevWriter) piece(s string) {
	for i := 0; i < len(s); i++ {
		if s[i] > ' ' {
			// Java's String.trim() removes characters up to U+0020 only.
			w.buf = appendEscaped(w.buf, s, false)
			return
		}
	}
}

func (w *smevWriter) end() {
	n := len(w.names) - 1
	w.buf = append(w.buf, "</"...)
	w.buf = append(w.buf, w.names[n].prefix...)
	w.buf = append(w.buf, ':')
	w.buf = append(w.buf, w.names[n].local...)
	w.buf = append(w.buf, '>')
	w.names = w.names[:n]
	w.decls = w.decls[:w.marks[n]]
	w.marks = w.marks[:n]
}

// appendEscaped escapes & < > in text, and " too in attribute values, as the
// JDK's XMLStreamWriter does.
func appendEscaped(dst []byte, s string, attr bool) []byte {
	last := 0
	for i := 0; i < len(s); i++ {
		var esc string
		switch s[i] {
		case '&':
			esc = "&amp;"
		case '<':
			esc = "&lt;"
		case '>':
			esc = "&gt;"
		case '"':
			if !attr {
				continue
			}
			esc = "&quot;"
		default:
			continue
		}
		dst = append(dst, s[last:i]...)
		dst = append(dst, esc...)
		last = i + 1
	}
	return append(dst, s[last:]...)
}

// compareAttrs orders attributes by namespace URI then local name, qualified
// before unqualified, comparing strings as Java does (by UTF-16 code units).
func compareAttrs(x, y smevAttr) int {
	switch {
	case x.uri == "" && y.uri == "":
		return compareJava(x.local, y.local)
	case x.uri != "" && y.uri != "":
		if c := compareJava(x.uri, y.uri); c != 0 {
			return c
		}
		return compareJava(x.local, y.local)
	case x.uri == "":
		return 1
	default:
		return -1
	}
}

// compareJava compares two UTF-8 strings in the order of their UTF-16
// encodings, which differs from byte order only between characters above
// U+FFFF and characters in U+E000..U+FFFF.
func compareJava(a, b string) int {
	n := min(len(a), len(b))
	i := 0
	for i < n && a[i] == b[i] {
		i++
	}
	if i == n {
		return len(a) - len(b)
	}
	ca, cb := a[i], b[i]
	// Both differing bytes start a character (the common prefix ends on a
	// character boundary unless they are continuation bytes of characters
	// with the same lead byte, which order the same in both encodings).
	supA, supB := ca >= 0xF0, cb >= 0xF0
	if supA != supB && ca >= 0xEE && cb >= 0xEE {
		// One is above U+FFFF (a surrogate pair, D800..DBFF first) and the
		// other in U+E000..U+FFFF: UTF-16 puts the surrogate pair first.
		if supA {
			return -1
		}
		return 1
	}
	return int(ca) - int(cb)
}

// AppendSMEV appends to dst the SMEV transform of the exclusive canonical form
// of el (the two transforms of an SMEV reference), computed from the tree in
// one pass. Namespace prefixes used in el are resolved against el's ancestors
// as well.
func AppendSMEV(dst []byte, el *etree.Element) ([]byte, error) {
	w := newSMEVWriter(dst)
	in := newNSStack()
	in.loadAncestors(el)
	if err := w.element(in, el); err != nil {
		return dst, err
	}
	return w.buf, nil
}

func (w *smevWriter) element(in *nsStack, el *etree.Element) error {
	w.depth++
	if w.depth > maxTransformDepth {
		return fmt.Errorf("%w: elements nested deeper than %d", ErrTransform, maxTransformDepth)
	}
	in.push(el)
	uri, ok := in.resolve(el.Space)
	if !ok {
		return fmt.Errorf("%w: prefix %q of <%s> is not declared", ErrTransform, el.Space, el.FullTag())
	}
	attrs := w.attrs[:0]
	for _, a := range el.Attr {
		if a.Space == "xmlns" || (a.Space == "" && a.Key == "xmlns") {
			continue
		}
		au := ""
		if a.Space != "" {
			if au, ok = in.resolve(a.Space); !ok {
				return fmt.Errorf("%w: prefix %q of attribute %s is not declared", ErrTransform, a.Space, a.FullKey())
			}
		}
		attrs = append(attrs, smevAttr{uri: au, local: a.Key, value: a.Value})
	}
	// start sorts attrs; keep the backing array for the next element.
	w.start(uri, el.Tag, attrs)
	w.attrs = attrs[:0]
	// A run of text between two pieces of markup: usually one CharData,
	// written as it is; joined only when comments split it.
	var runArr [1]string
	run := runArr[:0]
	flush := func() {
		text := ""
		switch len(run) {
		case 0:
			return
		case 1:
			text = run[0]
		default:
			text = strings.Join(run, "")
		}
		run = run[:0]
		if text != "" {
			w.canonicalText(text)
		}
	}
	for _, tok := range el.Child {
		switch t := tok.(type) {
		case *etree.CharData:
			run = append(run, t.Data)
		case *etree.Element:
			flush()
			if err := w.element(in, t); err != nil {
				return err
			}
		case *etree.ProcInst:
			// Exclusive c14n keeps processing instructions; the StAX reader
			// then ends the text piece there.
			flush()
		case *etree.Comment:
			// Removed by exclusive c14n: text on both sides joins.
		}
	}
	flush()
	w.end()
	in.pop()
	w.depth--
	return nil
}

// canonicalText writes a text node as the StAX reader reports its exclusive
// canonical form, where & < > and CR are written as references.
func (w *smevWriter) canonicalText(s string) {
	if onlySpace(s) {
		return // every piece of it would be dropped (indentation)
	}
	if !needsSplit(s, true) {
		w.piece(s) // one piece: the common case
		return
	}
	cells := w.cells[:0]
	for _, r := range s {
		cells = append(cells, cell{r: r, ref: r == '&' || r == '<' || r == '>' || r == '\r'})
	}
	w.cells = cells
	w.pieces(cells)
}

// onlySpace reports whether s has only characters up to U+0020.
func onlySpace(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] > ' ' {
			return false
		}
	}
	return true
}

// needsSplit reports whether the StAX reader could report s in more than one
// piece: it has a newline, a ']', a character above U+FFFF, or (in a
// canonical form, where they are written as references) & < > or CR.
func needsSplit(s string, canonical bool) bool {
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '\n' || c == ']' || c >= 0xF0:
			return true
		case canonical && (c == '&' || c == '<' || c == '>' || c == '\r'):
			return true
		}
	}
	return false
}

// cell is one character of text as the StAX reader meets it: written as
// itself, or as a reference.
type cell struct {
	r   rune
	ref bool
}

// pieces splits a run of text (everything between two pieces of markup) into
// the pieces the JDK's StAX reader (com.sun.org.apache.xerces XML scanner,
// not coalescing) reports, and writes each. The reader:
//   - reports each reference as a piece of its own;
//   - otherwise reads a unit (leading newlines, then characters up to a
//     newline, ']', '&', '<' or a character above U+FFFF); if markup follows
//     the unit, the unit is the piece; otherwise a run of ']' joins it, a
//     character above U+FFFF joins it and ends it, and else a second unit
//     (with its own trailing run of ']') joins it and ends it.
//
// Caveat: the JDK reader also ends a unit where its character buffer ends
// (after the first 32 characters of the input, then every 8 KiB or so). This
// model does not follow those cuts, so a text that spans such a boundary and
// has a whitespace-only piece next to it may come out differently. Inside a
// signature the first boundary falls in the signed element's start tag; the
// next matters only for signed elements longer than about 8 KiB.
func (w *smevWriter) pieces(c []cell) {
	i, n := 0, len(c)
	buf := w.runes[:0]
	defer func() { w.runes = buf[:0] }()
	unit := func() {
		for i < n && !c[i].ref && c[i].r == '\n' {
			buf = append(buf, '\n')
			i++
		}
		for i < n && !c[i].ref && c[i].r != '\n' && c[i].r != ']' && c[i].r < 0x10000 {
			buf = append(buf, c[i].r)
			i++
		}
	}
	brackets := func() {
		for i < n && !c[i].ref && c[i].r == ']' {
			buf = append(buf, ']')
			i++
		}
	}
	for i < n {
		if c[i].ref {
			w.piece(string(c[i].r))
			i++
			continue
		}
		buf = buf[:0]
		unit()
		switch {
		case i == n || c[i].ref:
			// Markup or a reference follows.
		case c[i].r >= 0x10000:
			buf = append(buf, c[i].r)
			i++
		default:
			// A newline or ']' follows: the ']' run, then one more unit
			// and its own ']' run.
			brackets()
			unit()
			brackets()
		}
		w.piece(string(buf))
	}
}

// maxTransformDepth bounds recursion; the parser's own limit is far lower.
const maxTransformDepth = 4096

// nsStack resolves input prefixes.
type nsStack struct {
	prefixes []string
	uris     []string
	marks    []int
}

func newNSStack() *nsStack {
	return &nsStack{prefixes: make([]string, 0, 16), uris: make([]string, 0, 16), marks: make([]int, 0, 16)}
}

func (s *nsStack) loadAncestors(el *etree.Element) {
	var arr [8]*etree.Element
	chain := arr[:0]
	for p := el.Parent(); p != nil; p = p.Parent() {
		chain = append(chain, p)
	}
	for i := len(chain) - 1; i >= 0; i-- {
		s.push(chain[i])
	}
}

func (s *nsStack) push(el *etree.Element) {
	s.marks = append(s.marks, len(s.prefixes))
	for _, a := range el.Attr {
		switch {
		case a.Space == "xmlns":
			s.prefixes = append(s.prefixes, a.Key)
			s.uris = append(s.uris, a.Value)
		case a.Space == "" && a.Key == "xmlns":
			s.prefixes = append(s.prefixes, "")
			s.uris = append(s.uris, a.Value)
		}
	}
}

func (s *nsStack) pop() {
	n := len(s.marks) - 1
	s.prefixes = s.prefixes[:s.marks[n]]
	s.uris = s.uris[:s.marks[n]]
	s.marks = s.marks[:n]
}

func (s *nsStack) resolve(prefix string) (string, bool) {
	if prefix == "xml" {
		return xmlsafe.XMLNamespace, true
	}
	for i := len(s.prefixes) - 1; i >= 0; i-- {
		if s.prefixes[i] == prefix {
			return s.uris[i], true
		}
	}
	return "", prefix == ""
}

// TransformXML applies the SMEV transform to an XML document as written (what
// `mezhved dsig transform` does): text pieces follow the references and CDATA
// sections of the input. The document is read with the limits of
// xmlsafe.Parse (opts may be nil for the defaults).
func TransformXML(in []byte, opts *xmlsafe.Options) ([]byte, error) {
	doc, err := xmlsafe.Parse(in, opts)
	if err != nil {
		return nil, err
	}
	data := doc.UTF8
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	w := smevWriter{buf: make([]byte, 0, len(data))}
	var ns nsStack
	for {
		start := dec.InputOffset()
		tok, err := dec.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			// xmlsafe.Parse accepted the document; the same decoder cannot
			// fail on it.
			return nil, fmt.Errorf("%w: %v", ErrTransform, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			el := etree.Element{Space: t.Name.Space, Tag: t.Name.Local}
			for _, a := range t.Attr {
				el.Attr = append(el.Attr, etree.Attr{Space: a.Name.Space, Key: a.Name.Local, Value: a.Value})
			}
			// Attribute values come from the tree, which holds them
			// normalized.
			ns.push(&el)
			uri, _ := ns.resolve(t.Name.Space)
			var attrs []smevAttr
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				au := ""
				if a.Name.Space != "" {
					au, _ = ns.resolve(a.Name.Space)
				}
				attrs = append(attrs, smevAttr{uri: au, local: a.Name.Local, value: a.Value})
			}
			if bytes.ContainsAny(data[start:dec.InputOffset()], "\t\n\r") {
				vals := xmlsafe.AttrValues(data[start:dec.InputOffset()])
				k := 0
				for i, a := range t.Attr {
					if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
						continue
					}
					attrs[k].value = vals[i]
					k++
				}
			}
			w.start(uri, t.Name.Local, attrs)
		case xml.EndElement:
			w.end()
			ns.pop()
		case xml.CharData:
			w.rawText(data[start:dec.InputOffset()], t)
		}
	}
	return w.buf, nil
}

// rawText writes a text token of the input as the StAX reader reports it:
// a CDATA section is one piece; other text is split as pieces describes, with
// references as written.
func (w *smevWriter) rawText(raw []byte, decoded []byte) {
	if bytes.HasPrefix(raw, []byte("<![CDATA[")) {
		w.piece(string(decoded))
		return
	}
	if bytes.IndexByte(raw, '&') < 0 {
		// No references; the decoder has normalized newlines already.
		s := string(decoded)
		if !needsSplit(s, false) {
			w.piece(s)
			return
		}
		cells := w.cells[:0]
		for _, r := range s {
			cells = append(cells, cell{r: r})
		}
		w.cells = cells
		w.pieces(cells)
		return
	}
	cells := w.cells[:0]
	for len(raw) > 0 {
		amp := bytes.IndexByte(raw, '&')
		lit := raw
		if amp >= 0 {
			lit = raw[:amp]
		}
		for _, r := range normalizeNewlines(lit) {
			cells = append(cells, cell{r: r})
		}
		if amp < 0 {
			break
		}
		semi := bytes.IndexByte(raw[amp:], ';')
		for _, r := range xmlsafe.ResolveReference(string(raw[amp+1 : amp+semi])) {
			cells = append(cells, cell{r: r, ref: true})
		}
		raw = raw[amp+semi+1:]
	}
	w.cells = cells
	w.pieces(cells)
}

// normalizeNewlines applies XML end-of-line handling to literal text.
func normalizeNewlines(b []byte) string {
	if bytes.IndexByte(b, '\r') < 0 {
		return string(b)
	}
	s := strings.ReplaceAll(string(b), "\r\n", "\n")
	return strings.ReplaceAll(s, "\r", "\n")
}
