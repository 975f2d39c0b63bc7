package xmlsafe_test

import (
	"bytes"
	"errors"
	"fmt"
	"runtime"
	"strings"
	"testing"

	"github.com/beevik/etree"
	"golang.org/x/text/encoding/charmap"

	"mezhved/exchange/xmlsafe"
)

func TestParseRefusals(t *testing.T) {
	deep := strings.Repeat("<a>", 200) + strings.Repeat("</a>", 200)
	manyAttrs := "<a " + func() string {
		var b strings.Builder
		for i := range 300 {
			b.WriteString(" a")
			b.WriteString(strings.Repeat("x", i%7))
			b.WriteString(string(rune('a' + i%26)))
			b.WriteString(strings.Repeat("y", i/26))
			b.WriteString(`="1"`)
		}
		return b.String()
	}() + "/>"
	// 65 declarations in scope: 33 on the root, 32 more on a child.
	declare := func(from, to int) string {
		var b strings.Builder
		for i := from; i < to; i++ {
			fmt.Fprintf(&b, ` xmlns:p%d="u"`, i)
		}
		return b.String()
	}
	manyNamespaces := "<a" + declare(0, 33) + "><b" + declare(33, 65) + "/></a>"
	tests := []struct {
		name string
		in   string
		opts *xmlsafe.Options
		want error
	}{
		{name: "doctype", in: `<!DOCTYPE a><a/>`, want: xmlsafe.ErrDoctype},
		{name: "billion laughs", in: `<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;">]><lolz>&lol2;</lolz>`, want: xmlsafe.ErrDoctype},
		{name: "external entity", in: `<!DOCTYPE a [<!ENTITY xxe SYSTEM "file:///etc/passwd">]><a>&xxe;</a>`, want: xmlsafe.ErrDoctype},
		{name: "undeclared entity", in: `<a>&xxe;</a>`, want: xmlsafe.ErrMalformed},
		{name: "too deep", in: deep, want: xmlsafe.ErrTooDeep},
		{name: "too large", in: "<a>" + strings.Repeat("x", 100) + "</a>", opts: &xmlsafe.Options{MaxBytes: 50}, want: xmlsafe.ErrTooLarge},
		{name: "huge attribute", in: `<a b="` + strings.Repeat("x", 70000) + `"/>`, want: xmlsafe.ErrLimit},
		{name: "too many attributes", in: manyAttrs, want: xmlsafe.ErrLimit},
		{name: "too many namespaces in scope", in: manyNamespaces, want: xmlsafe.ErrLimit},
		{name: "two roots", in: `<a/><b/>`, want: xmlsafe.ErrMalformed},
		{name: "text after root", in: `<a/>x`, want: xmlsafe.ErrMalformed},
		{name: "no root", in: `<!-- nothing -->`, want: xmlsafe.ErrMalformed},
		{name: "empty", in: ``, want: xmlsafe.ErrMalformed},
		{name: "mismatched end", in: `<a><b></a></b>`, want: xmlsafe.ErrMalformed},
		{name: "unclosed", in: `<a><b>`, want: xmlsafe.ErrMalformed},
		{name: "undeclared prefix", in: `<p:a/>`, want: xmlsafe.ErrMalformed},
		{name: "undeclared attribute prefix", in: `<a p:x="1"/>`, want: xmlsafe.ErrMalformed},
		{name: "duplicate attribute", in: `<a x="1" x="2"/>`, want: xmlsafe.ErrMalformed},
		{name: "duplicate expanded attribute", in: `<a xmlns:p="u" xmlns:q="u" p:x="1" q:x="2"/>`, want: xmlsafe.ErrMalformed},
		{name: "duplicate Id", in: `<a Id="1" Id="1"/>`, want: xmlsafe.ErrMalformed},
		{name: "empty prefix declaration", in: `<a xmlns:p=""/>`, want: xmlsafe.ErrMalformed},
		{name: "xmlns prefix declared", in: `<a xmlns:xmlns="u"/>`, want: xmlsafe.ErrMalformed},
		{name: "xml prefix rebound", in: `<a xmlns:xml="u"/>`, want: xmlsafe.ErrMalformed},
		{name: "utf-16 bom", in: "\xFF\xFE<\x00a\x00/\x00>\x00", want: xmlsafe.ErrEncoding},
		{name: "latin1 declared", in: `<?xml version="1.0" encoding="ISO-8859-1"?><a/>`, want: xmlsafe.ErrEncoding},
		{name: "invalid utf-8", in: "<a>\xff\xfe</a>", want: xmlsafe.ErrEncoding},
		{name: "late declaration", in: `<a><?xml version="1.0"?></a>`, want: xmlsafe.ErrMalformed},
		{name: "xml 1.1", in: `<?xml version="1.1"?><a/>`, want: xmlsafe.ErrMalformed},
		{name: "lt in attribute", in: `<a x="<"/>`, want: xmlsafe.ErrMalformed},
		{name: "control character", in: "<a>\x01</a>", want: xmlsafe.ErrMalformed},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := xmlsafe.Parse([]byte(tc.in), tc.opts)
			if !errors.Is(err, tc.want) {
				t.Fatalf("Parse() error = %v, want %v", err, tc.want)
			}
			var xe *xmlsafe.Error
			if !errors.As(err, &xe) {
				t.Fatalf("error %T is not *xmlsafe.Error", err)
			}
		})
	}
}

func TestParseKeepsContent(t *testing.T) {
	in := `<?xml version="1.0" encoding="UTF-8"?>
<!-- lead -->
<p:root xmlns:p="urn://p" xmlns="urn://d" a="1"><child>текст &amp; <![CDATA[<raw>]]></child><?pi data?><!--c--></p:root>
`
	doc, err := xmlsafe.Parse([]byte(in), nil)
	if err != nil {
		t.Fatal(err)
	}
	root := doc.Root()
	if root.Space != "p" || root.Tag != "root" || root.NamespaceURI() != "urn://p" {
		t.Fatalf("root = %s {%s}", root.FullTag(), root.NamespaceURI())
	}
	child := root.SelectElement("child")
	if child == nil || child.NamespaceURI() != "urn://d" {
		t.Fatalf("child missing or in wrong namespace")
	}
	if got := child.Text(); got != "текст & <raw>" {
		t.Fatalf("child text = %q", got)
	}
	if doc.Encoding != "utf-8" || !bytes.Equal(doc.UTF8, []byte(in)) {
		t.Fatalf("UTF8/Encoding not kept: %q", doc.Encoding)
	}
	var pis, comments int
	for _, tok := range root.Child {
		switch tok.(type) {
		case *etree.ProcInst:
			pis++
		case *etree.Comment:
			comments++
		}
	}
	if pis != 1 || comments != 1 {
		t.Fatalf("pis=%d comments=%d, want 1 and 1", pis, comments)
	}
}

func TestParseNormalizesAttributes(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want string
	}{
		{name: "newline", in: "<a x=\"1\n2\"/>", want: "1 2"},
		{name: "tab", in: "<a x=\"1\t2\"/>", want: "1 2"},
		{name: "crlf", in: "<a x=\"1\r\n2\"/>", want: "1 2"},
		{name: "char refs kept", in: "<a\n x=\"1&#10;2&#x9;3&#13;\"/>", want: "1\n2\t3\r"},
		{name: "entities", in: "<a x='&lt;&amp;&gt;&quot;&apos;\n'/>", want: `<&>"' `},
		{name: "no whitespace", in: "<a\n x=\"plain\"/>", want: "plain"},
		{name: "cyrillic", in: "<a x=\"Иван\nИванов\"/>", want: "Иван Иванов"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := xmlsafe.Parse([]byte(tc.in), nil)
			if err != nil {
				t.Fatal(err)
			}
			if got := doc.Root().SelectAttrValue("x", "?"); got != tc.want {
				t.Fatalf("x = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestParseWindows1251(t *testing.T) {
	src := `<?xml version="1.0" encoding="windows-1251"?>` + "\n" + `<a x="Пётр">Судебный пристав</a>`
	enc, err := charmap.Windows1251.NewEncoder().String(src)
	if err != nil {
		t.Fatal(err)
	}
	doc, err := xmlsafe.Parse([]byte(enc), nil)
	if err != nil {
		t.Fatal(err)
	}
	if doc.Encoding != "windows-1251" {
		t.Fatalf("Encoding = %q", doc.Encoding)
	}
	if got := doc.Root().Text(); got != "Судебный пристав" {
		t.Fatalf("text = %q", got)
	}
	if got := doc.Root().SelectAttrValue("x", ""); got != "Пётр" {
		t.Fatalf("attr = %q", got)
	}
	want := strings.Replace(src, "windows-1251", "UTF-8", 1)
	if string(doc.UTF8) != want {
		t.Fatalf("UTF8 = %q, want %q", doc.UTF8, want)
	}
}

func TestErrorPosition(t *testing.T) {
	_, err := xmlsafe.Parse([]byte("<a>\n<b>\n</a>"), nil)
	var xe *xmlsafe.Error
	if !errors.As(err, &xe) {
		t.Fatalf("err = %v", err)
	}
	if xe.Line != 3 {
		t.Fatalf("line = %d, want 3 (%v)", xe.Line, err)
	}
}

func TestReadAllLimit(t *testing.T) {
	r := strings.NewReader("<a>" + strings.Repeat("x", 1000) + "</a>")
	_, err := xmlsafe.ReadAll(r, &xmlsafe.Options{MaxBytes: 100})
	if !errors.Is(err, xmlsafe.ErrTooLarge) {
		t.Fatalf("err = %v", err)
	}
	if r.Len() < 800 {
		t.Fatalf("read %d bytes past a 100-byte limit", 1007-r.Len())
	}
}

// TestParseMemoryBounded: what a document allocates follows the nodes it
// has, not the bytes that look like the start of one: '<' inside a comment
// or CDATA, '=' in text.
func TestParseMemoryBounded(t *testing.T) {
	const n = 1 << 20
	tests := []struct {
		name string
		doc  string
	}{
		{"'<' in a comment", "<r><!--" + strings.Repeat("<", n) + "-->x</r>"},
		{"'<' in CDATA", "<r><![CDATA[" + strings.Repeat("<", n) + "]]></r>"},
		{"'=' in text", "<r a=\"1\">" + strings.Repeat("=", n) + "</r>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			doc := []byte(tt.doc)
			var before, after runtime.MemStats
			runtime.GC()
			runtime.ReadMemStats(&before)
			if _, err := xmlsafe.Parse(doc, &xmlsafe.Options{MaxBytes: 4 << 20}); err != nil {
				t.Fatal(err)
			}
			runtime.ReadMemStats(&after)
			// The document as a string and its text once more, and slabs of
			// at most maxSlab nodes.
			if got, limit := after.TotalAlloc-before.TotalAlloc, uint64(4*len(doc)+(4<<20)); got > limit {
				t.Errorf("parsing %d bytes allocated %d bytes, more than %d", len(doc), got, limit)
			}
		})
	}
}

// TestText: text is read whole across comments and processing instructions.
func TestText(t *testing.T) {
	if got := xmlsafe.Text(nil); got != "" {
		t.Errorf("Text(nil) = %q", got)
	}
	for _, tc := range []struct{ xml, want string }{
		{"<a>045123456</a>", "045123456"},
		{"<a>045<!-- x -->123456</a>", "045123456"},
		{"<a>045<?x y?>123456</a>", "045123456"},
		{"<a>0<b>not mine</b>45</a>", "045"},
	} {
		doc, err := xmlsafe.Parse([]byte(tc.xml), nil)
		if err != nil {
			t.Fatal(err)
		}
		if got := xmlsafe.Text(doc.Root()); got != tc.want {
			t.Errorf("Text(%s) = %q, want %q", tc.xml, got, tc.want)
		}
	}
}

// TestNamespaceScopes: each element's namespace is the declaration in force
// where it stands: an inner declaration hides an outer one of its prefix
// until its element ends.
func TestNamespaceScopes(t *testing.T) {
	doc, err := xmlsafe.Parse([]byte(`<a xmlns="d1" xmlns:p="u1"><b xmlns="d2" xmlns:p="u2"><p:c/><e/></b><p:f/><g xmlns=""/><h/></a>`), nil)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]string{"a": "d1", "b": "d2", "c": "u2", "e": "d2", "f": "u1", "g": "", "h": "d1"}
	got := map[string]string{}
	var walk func(*etree.Element)
	walk = func(e *etree.Element) {
		got[e.Tag] = e.NamespaceURI()
		for _, c := range e.ChildElements() {
			walk(c)
		}
	}
	walk(doc.Root())
	for tag, ns := range want {
		if got[tag] != ns {
			t.Errorf("<%s> in %q, want %q", tag, got[tag], ns)
		}
	}
}

// BenchmarkParseManyDeclarations parses a document whose elements stand
// under thousands of namespace declarations (126 levels of 256): its cost
// must stay that of its bytes, not of its bytes times its declarations.
func BenchmarkParseManyDeclarations(b *testing.B) {
	var doc bytes.Buffer
	for level := range 126 {
		doc.WriteString("<e")
		for i := range 256 {
			fmt.Fprintf(&doc, ` xmlns:p%d_%d="u"`, level, i)
		}
		doc.WriteString(">")
	}
	doc.WriteString("<r>" + strings.Repeat("<x/>", 100_000) + "</r>")
	doc.WriteString(strings.Repeat("</e>", 126))
	// The default limit of declarations in scope would refuse it at once;
	// this measures the parser's own lookups.
	opts := &xmlsafe.Options{MaxBytes: int64(doc.Len()) + 1, MaxNamespaces: 1 << 16}
	b.SetBytes(int64(doc.Len()))
	for b.Loop() {
		if _, err := xmlsafe.Parse(doc.Bytes(), opts); err != nil {
			b.Fatal(err)
		}
	}
}

// TestNamespacesInScopeLimit: the declarations counted are those in scope:
// as many as the limit on each of many siblings is well within it.
func TestNamespacesInScopeLimit(t *testing.T) {
	var b strings.Builder
	b.WriteString("<a>")
	for range 100 {
		b.WriteString("<b")
		for i := range xmlsafe.DefaultMaxNamespaces {
			fmt.Fprintf(&b, ` xmlns:p%d="u"`, i)
		}
		b.WriteString("/>")
	}
	b.WriteString("</a>")
	if _, err := xmlsafe.Parse([]byte(b.String()), nil); err != nil {
		t.Fatal(err)
	}
}
