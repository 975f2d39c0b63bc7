package dsig_test

import (
	"bytes"
	"testing"

	"mezhved/exchange/dsig"
	"mezhved/exchange/xmlsafe"
)

// benchDocument builds a payload of about n bytes: records of Cyrillic text,
// attributes, identifiers and indentation, as enforcement answers look.
func benchDocument(n int) []byte {
	var b bytes.Buffer
	b.WriteString(`<a:BankAccountAnswer xmlns:a="urn://mezhved/enforcement/bank-account/1.0" xmlns:x="urn://example/extra">` + "\n")
	for i := 0; b.Len() < n; i++ {
		b.WriteString(`  <a:Account x:checked="true" Kind="current">` + "\n")
		b.WriteString(`    <a:AccountNumber>40817810938001234567</a:AccountNumber>` + "\n")
		b.WriteString(`    <a:BIC>044525225</a:BIC>` + "\n")
		b.WriteString(`    <a:Holder>Иванов Пётр Сергеевич &amp; сыновья</a:Holder>` + "\n")
		b.WriteString(`    <a:Balance Currency="RUB">12345.67</a:Balance>` + "\n")
		b.WriteString("  </a:Account>\n")
	}
	b.WriteString("</a:BankAccountAnswer>")
	return b.Bytes()
}

// BenchmarkTransform measures the SMEV transform, from the tree (what a
// signature digests) and from bytes (what `mezhved dsig transform` does,
// parsing included). Throughput is input bytes per second.
func BenchmarkTransform(b *testing.B) {
	for _, size := range []int{4 << 10, 256 << 10} {
		data := benchDocument(size)
		name := "4KB"
		if size > 4<<10 {
			name = "256KB"
		}
		doc, err := xmlsafe.Parse(data, nil)
		if err != nil {
			b.Fatal(err)
		}
		b.Run("tree/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			buf := make([]byte, 0, len(data))
			for b.Loop() {
				var err error
				if buf, err = dsig.AppendSMEV(buf[:0], doc.Root()); err != nil {
					b.Fatal(err)
				}
			}
		})
		b.Run("bytes/"+name, func(b *testing.B) {
			b.SetBytes(int64(len(data)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := dsig.TransformXML(data, nil); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkExcC14N measures exclusive canonicalization from the tree.
func BenchmarkExcC14N(b *testing.B) {
	data := benchDocument(256 << 10)
	doc, err := xmlsafe.Parse(data, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(data)))
	b.ReportAllocs()
	buf := make([]byte, 0, len(data))
	for b.Loop() {
		if buf, err = dsig.AppendExcC14N(buf[:0], doc.Root(), nil); err != nil {
			b.Fatal(err)
		}
	}
}
