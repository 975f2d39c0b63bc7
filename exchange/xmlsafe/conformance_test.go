package xmlsafe_test

import (
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"mezhved/exchange/xmlsafe"
)

// wellFormedness lists documents on both sides of XML 1.0 and Namespaces
// well-formedness (without DTDs, which the reader refuses).
var wellFormedness = []struct {
	name string
	doc  string
	ok   bool
	// ns marks a rule of Namespaces in XML (which xmllint reports only as a
	// warning).
	ns bool
}{
	{"minimal", `<a/>`, true, false},
	{"declaration", `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><a/>`, true, false},
	{"declaration single quotes", `<?xml version='1.0' encoding='utf-8'?><a/>`, true, false},
	{"declaration no version", `<?xml encoding="UTF-8"?><a/>`, false, false},
	{"declaration wrong order", `<?xml encoding="UTF-8" version="1.0"?><a/>`, false, false},
	{"declaration bad standalone", `<?xml version="1.0" standalone="maybe"?><a/>`, false, false},
	{"bom", "\xEF\xBB\xBF<a/>", true, false},
	{"comment", `<a><!-- x - y --></a>`, true, false},
	{"comment double dash", `<a><!-- x -- y --></a>`, false, false},
	{"comment ending dash", `<a><!-- x ---></a>`, false, false},
	{"pi", `<a><?target some data?></a>`, true, false},
	{"pi xml-like target", `<a><?xml-stylesheet href="x"?></a>`, true, false},
	{"pi reserved target", `<a><?XmL data?></a>`, false, false},
	{"pi no space", `<a><?target"data"?></a>`, false, false},
	{"cdata", `<a><![CDATA[<b>&</b>]]></a>`, true, false},
	{"cdata outside root", `<![CDATA[x]]><a/>`, false, false},
	{"cdata end in text", `<a>]]></a>`, false, false},
	{"references", `<a b="&lt;&#x20;&#32;&quot;">&amp;&apos;&gt;&#x10FFFF;</a>`, true, false},
	{"unknown entity", `<a>&nbsp;</a>`, false, false},
	{"reference to a non-character", `<a>&#0;</a>`, false, false},
	{"reference to a surrogate", `<a>&#xD800;</a>`, false, false},
	{"bare ampersand", `<a>x & y</a>`, false, false},
	{"lt in attribute", `<a b="<"/>`, false, false},
	{"unquoted attribute", `<a b=c/>`, false, false},
	{"attribute without value", `<a b/>`, false, false},
	{"no space between attributes", `<a b="1"c="2"/>`, false, false},
	{"duplicate attribute", `<a b="1" b="2"/>`, false, false},
	{"names", `<_a.b-c:d xmlns:_a.b-c="u" é="1" 𐀀="2"/>`, true, false},
	{"name starting with digit", `<1a/>`, false, false},
	{"name starting with dash", `<a -b="1"/>`, false, false},
	{"two colons", `<a:b:c xmlns:a="u"/>`, false, true},
	{"empty local part", `<a: xmlns:a="u"/>`, false, true},
	{"control character", "<a>\x0b</a>", false, false},
	{"noncharacter", "<a>\uFFFE</a>", false, false},
	{"tab newline cr", "<a>\t\n\r</a>", true, false},
	{"mismatched tags", `<a></b>`, false, false},
	{"end tag with space", `<a></a >`, true, false},
	{"start tag with space", `<a ></a>`, true, false},
	{"text after root", `<a/>x`, false, false},
	{"whitespace after root", "<a/> \n", true, false},
	{"comment after root", `<a/><!--c-->`, true, false},
	{"two roots", `<a/><b/>`, false, false},
	{"undeclared prefix", `<p:a/>`, false, true},
	{"xmlns prefix on element", `<xmlns:a/>`, false, true},
	{"xml prefix", `<a xml:lang="ru"/>`, true, false},
	{"default undeclaration", `<a xmlns="u"><b xmlns=""/></a>`, true, false},
	{"prefix of a closed sibling", `<a><b xmlns:p="u"/><p:c/></a>`, false, true},
	{"prefix of a closed child", `<a><b xmlns:p="u"><c/></b><p:c/></a>`, false, true},
	{"redeclared prefix, the outer back in force", `<a xmlns:p="u1"><b xmlns:p="u2"><p:c/></b><p:c/></a>`, true, false},
	{"unterminated", `<a><b></b>`, false, false},
	{"unterminated comment", `<a><!-- x</a>`, false, false},
	{"unterminated attribute", `<a b="1/>`, false, false},
}

func TestWellFormedness(t *testing.T) {
	for _, tc := range wellFormedness {
		t.Run(tc.name, func(t *testing.T) {
			_, err := xmlsafe.Parse([]byte(tc.doc), nil)
			if (err == nil) != tc.ok {
				t.Fatalf("Parse(%q) error = %v, want ok=%v", tc.doc, err, tc.ok)
			}
			if err != nil && !errors.Is(err, xmlsafe.ErrMalformed) {
				t.Fatalf("error %v is not ErrMalformed", err)
			}
		})
	}
}

// TestWellFormednessMatchesXmllint checks the table against libxml2 when
// xmllint is installed, so that the table itself is right.
func TestWellFormednessMatchesXmllint(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		t.Skip("xmllint not installed")
	}
	dir := t.TempDir()
	for i, tc := range wellFormedness {
		t.Run(tc.name, func(t *testing.T) {
			if tc.ns {
				t.Skip("a namespace rule: xmllint only warns")
			}
			f := filepath.Join(dir, strings.ReplaceAll(tc.name, " ", "_")+".xml")
			if err := os.WriteFile(f, []byte(tc.doc), 0o644); err != nil {
				t.Fatal(err)
			}
			err := exec.Command("xmllint", "--noout", "--nonet", f).Run()
			if (err == nil) != tc.ok {
				t.Fatalf("case %d: xmllint ok=%v, table says %v", i, err == nil, tc.ok)
			}
		})
	}
}

// FuzzParseMatchesEncodingXML: whatever the reader accepts, encoding/xml
// (through etree) reads to the same elements, attributes and text.
func FuzzParseMatchesEncodingXML(f *testing.F) {
	for _, tc := range wellFormedness {
		f.Add([]byte(tc.doc))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		ours, err := xmlsafe.Parse(data, &xmlsafe.Options{MaxBytes: 1 << 20, MaxDepth: 64})
		if err != nil {
			return
		}
		if strings.ContainsAny(string(data), "\r\t") || strings.Contains(string(data), "\n") {
			return // encoding/xml does not normalize attribute values
		}
		ref := etree.NewDocument()
		ref.ReadSettings.PreserveCData = false
		if err := ref.ReadFromBytes(data); err != nil {
			if strings.Contains(err.Error(), "invalid XML name") {
				return // encoding/xml knows only the names of XML 1.0 before the fifth edition
			}
			t.Fatalf("encoding/xml refuses what we accept: %v\n%q", err, data)
		}
		if a, b := shape(ours.Root()), shape(ref.Root()); a != b {
			t.Fatalf("trees differ:\nours %s\nref  %s\nin   %q", a, b, data)
		}
	})
}

// shape writes elements, attributes and joined text.
func shape(el *etree.Element) string {
	var b strings.Builder
	var walk func(e *etree.Element)
	walk = func(e *etree.Element) {
		b.WriteString("<" + e.FullTag())
		for _, a := range e.Attr {
			b.WriteString(" " + a.FullKey() + "=" + a.Value)
		}
		b.WriteString(">")
		for _, c := range e.Child {
			switch x := c.(type) {
			case *etree.Element:
				walk(x)
			case *etree.CharData:
				b.WriteString(x.Data)
			}
		}
		b.WriteString("</>")
	}
	walk(el)
	return b.String()
}
