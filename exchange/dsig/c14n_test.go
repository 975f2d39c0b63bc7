package dsig_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"mezhved/exchange/dsig"
	"mezhved/exchange/xmlsafe"
)

func TestExcC14NVectors(t *testing.T) {
	ins, _ := filepath.Glob("testdata/c14n/*.in.xml")
	if len(ins) == 0 {
		t.Fatal("no vectors")
	}
	for _, in := range ins {
		t.Run(strings.TrimSuffix(filepath.Base(in), ".in.xml"), func(t *testing.T) {
			doc, err := xmlsafe.Parse(mustRead(t, in), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dsig.AppendExcC14N(nil, doc.Root(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if want := mustRead(t, strings.Replace(in, ".in.xml", ".out.xml", 1)); !bytes.Equal(got, want) {
				t.Fatalf("\n got %s\nwant %s", got, want)
			}
		})
	}
}

// TestExcC14NSubtree canonicalizes an element whose namespaces are declared
// on its ancestors, and compares with goxmldsig's canonicalizer.
func TestExcC14NSubtree(t *testing.T) {
	tests := []struct {
		name, doc, path string
		inclusive       []string
		want            string
	}{
		{
			name: "inherited prefixes",
			doc:  `<e:Env xmlns:e="urn://e" xmlns:t="urn://t" xmlns="urn://d"><e:Body><t:Data Id="x"><In>v</In></t:Data></e:Body></e:Env>`,
			path: "//Data",
			want: `<t:Data xmlns:t="urn://t" Id="x"><In xmlns="urn://d">v</In></t:Data>`,
		},
		{
			name:      "inclusive prefix list",
			doc:       `<e:Env xmlns:e="urn://e" xmlns:u="urn://u"><e:Body><e:Data/></e:Body></e:Env>`,
			path:      "//Data",
			inclusive: []string{"u"},
			want:      `<e:Data xmlns:e="urn://e" xmlns:u="urn://u"></e:Data>`,
		},
		{
			name: "default namespace not declared when empty",
			doc:  `<r><a><b/></a></r>`,
			path: "//a",
			want: `<a><b></b></a>`,
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc, err := xmlsafe.Parse([]byte(tc.doc), nil)
			if err != nil {
				t.Fatal(err)
			}
			el := doc.Root().FindElement(tc.path)
			got, err := dsig.AppendExcC14N(nil, el, tc.inclusive)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tc.want {
				t.Fatalf("\n got %s\nwant %s", got, tc.want)
			}
		})
	}
}

// TestExcC14NMatchesXmllint compares whole documents with libxml2 when
// xmllint is installed.
func TestExcC14NMatchesXmllint(t *testing.T) {
	if _, err := exec.LookPath("xmllint"); err != nil {
		if os.Getenv("MEZHVED_REQUIRE_INTEROP") == "1" {
			t.Fatal("xmllint is required (apt-get install libxml2-utils)")
		}
		t.Skip("xmllint not installed")
	}
	// The corpus: documents with neither comments nor anything outside the
	// root element, so that xmllint's output (which keeps comments) is the
	// exclusive canonical form byte for byte. Then the SMEV transform corpus,
	// where xmllint's output is read again to drop comments.
	direct, _ := filepath.Glob("testdata/c14n/*.xml")
	for _, in := range direct {
		if strings.HasSuffix(in, ".in.xml") || strings.HasSuffix(in, ".out.xml") {
			continue
		}
		t.Run("corpus/"+strings.TrimSuffix(filepath.Base(in), ".xml"), func(t *testing.T) {
			want, err := exec.Command("xmllint", "--exc-c14n", in).Output()
			if err != nil {
				t.Fatalf("xmllint refuses %s: %v", in, err)
			}
			doc, err := xmlsafe.Parse(mustRead(t, in), nil)
			if err != nil {
				t.Fatal(err)
			}
			got, err := dsig.AppendExcC14N(nil, doc.Root(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("\n got %q\nwant %q", got, want)
			}
		})
	}
	ins, _ := filepath.Glob("testdata/transform/*.in.xml")
	for _, in := range ins {
		name := strings.TrimSuffix(filepath.Base(in), ".in.xml")
		t.Run("transform/"+name, func(t *testing.T) {
			out, err := exec.Command("xmllint", "--exc-c14n", in).Output()
			if err != nil {
				t.Skipf("xmllint refuses %s: %v", name, err)
			}
			doc, err := xmlsafe.Parse(mustRead(t, in), nil)
			if err != nil {
				t.Fatal(err)
			}
			ref, err := xmlsafe.Parse(out, nil)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := dsig.AppendExcC14N(nil, ref.Root(), nil)
			got, err := dsig.AppendExcC14N(nil, doc.Root(), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, want) {
				t.Fatalf("\n got %s\nwant %s", got, want)
			}
		})
	}
}
