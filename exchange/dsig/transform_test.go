package dsig_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mezhved/exchange/dsig"
	"mezhved/exchange/xmlsafe"
)

// referenceDir holds the examples published with the SMEV 3 specification.
const referenceDir = "../../../shared/reference/smev3/transform"

func TestTransformReferenceExamples(t *testing.T) {
	ins, _ := filepath.Glob(filepath.Join(referenceDir, "example-*.in.xml"))
	if len(ins) == 0 {
		t.Skip("reference examples not found beside the project")
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.xml")
		t.Run(name, func(t *testing.T) {
			checkTransform(t, in, strings.Replace(in, ".in.xml", ".out.xml", 1))
		})
	}
}

func TestTransformVectors(t *testing.T) {
	ins, err := filepath.Glob("testdata/transform/*.in.xml")
	if err != nil || len(ins) == 0 {
		t.Fatalf("no vectors: %v", err)
	}
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.xml")
		t.Run(name, func(t *testing.T) {
			checkTransform(t, in, strings.Replace(in, ".in.xml", ".out.xml", 1))
		})
		t.Run(name+"/c14n", func(t *testing.T) {
			input := mustRead(t, in)
			want := mustRead(t, strings.Replace(in, ".in.xml", ".c14n.out.xml", 1))
			doc, err := xmlsafe.Parse(input, nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dsig.AppendSMEV(nil, doc.Root())
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("AppendSMEV:\n got %s\nwant %s", got, want)
			}
		})
	}
}

func checkTransform(t *testing.T, in, out string) {
	t.Helper()
	input, want := mustRead(t, in), mustRead(t, out)
	got, err := dsig.TransformXML(input, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got, want) {
		t.Fatalf("TransformXML:\n got %s\nwant %s", got, want)
	}
}

// TestAppendSMEVSubtree checks that a subtree's prefixes resolve against its
// ancestors and that the output does not depend on them otherwise.
func TestAppendSMEVSubtree(t *testing.T) {
	doc, err := xmlsafe.Parse([]byte(`<e:Env xmlns:e="urn://e" xmlns:t="urn://t" xmlns:u="urn://unused"><e:Body><t:Data Id="x" t:a="1"><t:In>v</t:In></t:Data></e:Body></e:Env>`), nil)
	if err != nil {
		t.Fatal(err)
	}
	el := doc.Root().FindElement("//Data")
	got, err := dsig.AppendSMEV(nil, el)
	if err != nil {
		t.Fatal(err)
	}
	want := `<ns1:Data xmlns:ns1="urn://t" ns1:a="1" Id="x"><ns1:In>v</ns1:In></ns1:Data>`
	if string(got) != want {
		t.Fatalf("got  %s\nwant %s", got, want)
	}
}

func mustRead(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
