package dsig_test

import (
	"bytes"
	"math/rand/v2"
	"os"
	"os/exec"
	"strings"
	"testing"

	"mezhved/exchange/dsig"
	"mezhved/exchange/xmlsafe"
)

// TestTransformOracle compares the transform with a reference model run as a
// separate program, on random texts. It runs only when MEZHVED_SMEV_ORACLE
// names that program: it reads documents separated by NUL bytes on stdin and
// writes their transforms separated by NUL bytes (see
// testdata/transform/oracle). Texts are kept where the JDK reader's buffer
// boundaries do not cut them (see the caveat in transform.go).
func TestTransformOracle(t *testing.T) {
	oracle := os.Getenv("MEZHVED_SMEV_ORACLE")
	if oracle == "" {
		t.Skip("MEZHVED_SMEV_ORACLE is not set")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	atoms := []string{"a", "я", " ", "  ", "\n", "\t", "]", "]]", "x>", "&amp;", "&lt;", "&gt;", "&#xD;", "&#10;", "&#x20;", "&#65;", "😀", "&#x1F600;", "\r\n", "<![CDATA[ x]]>", "<![CDATA[ ]]>", "<!--c-->", "<?p i?>", "<e/>"}
	var raw, canon []string
	for range 3000 {
		var b strings.Builder
		n := 1 + rng.IntN(12)
		if rng.IntN(20) == 0 {
			n = 200 + rng.IntN(500)
		}
		for range n {
			b.WriteString(atoms[rng.IntN(len(atoms))])
		}
		// The padding keeps every text past the reader's first buffer (32
		// characters); documents stay under its second (8 KiB).
		raw = append(raw, `<r xmlns="urn://r"><pad>0123456789012345</pad>`+b.String()+`</r>`)
		// The canonical-form check: the oracle reads the exclusive
		// canonical form of the same document.
		doc, err := xmlsafe.Parse([]byte(raw[len(raw)-1]), nil)
		if err != nil {
			t.Fatal(err)
		}
		c, err := dsig.AppendExcC14N(nil, doc.Root(), nil)
		if err != nil {
			t.Fatal(err)
		}
		canon = append(canon, string(c))
	}
	all := append(append([]string{}, raw...), canon...)
	cmd := exec.Command("sh", "-c", oracle)
	cmd.Stdin = strings.NewReader(strings.Join(all, "\x00"))
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("oracle: %v", err)
	}
	want := bytes.Split(bytes.TrimSuffix(out, []byte{0}), []byte{0})
	if len(want) != len(all) {
		t.Fatalf("oracle gave %d outputs for %d inputs", len(want), len(all))
	}
	fails := 0
	for i, in := range raw {
		got, err := dsig.TransformXML([]byte(in), nil)
		if err != nil {
			t.Fatalf("TransformXML(%q): %v", in, err)
		}
		if !bytes.Equal(got, want[i]) && fails < 5 && len(in) < 300 {
			fails++
			t.Errorf("raw %q:\n got %q\nwant %q", in, got, want[i])
		}
	}
	for i, in := range canon {
		doc, err := xmlsafe.Parse([]byte(raw[i]), nil)
		if err != nil {
			t.Fatal(err)
		}
		got, err := dsig.AppendSMEV(nil, doc.Root())
		if err != nil {
			t.Fatal(err)
		}
		if w := want[len(raw)+i]; !bytes.Equal(got, w) && fails < 10 && len(in) < 300 {
			fails++
			t.Errorf("canonical %q:\n got %q\nwant %q", in, got, w)
		}
	}
}
