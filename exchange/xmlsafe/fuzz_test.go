package xmlsafe_test

import (
	"os"
	"path/filepath"
	"testing"

	"mezhved/exchange/xmlsafe"
)

// FuzzParse checks that Parse never panics and that what it accepts survives
// a write and a second read.
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		`<a/>`,
		`<?xml version="1.0" encoding="UTF-8"?><p:a xmlns:p="u" x="1&#10;"><b>t</b><!--c--><?pi x?></p:a>`,
		"<a x=\"1\n2\">&lt;</a>",
		`<!DOCTYPE a><a/>`,
	} {
		f.Add([]byte(s))
	}
	files, _ := filepath.Glob("../../schemas/examples/*.xml")
	for _, name := range files {
		if data, err := os.ReadFile(name); err == nil {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		doc, err := xmlsafe.Parse(data, &xmlsafe.Options{MaxBytes: 1 << 20, MaxDepth: 64})
		if err != nil {
			return
		}
		out, err := doc.WriteToBytes()
		if err != nil {
			t.Fatalf("write: %v", err)
		}
		if _, err := xmlsafe.Parse(out, nil); err != nil {
			t.Fatalf("re-read of %q failed: %v\nwritten: %q", data, err, out)
		}
	})
}
