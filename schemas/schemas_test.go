package schemas_test

import (
	"context"
	"errors"
	"io/fs"
	"path"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"mezhved/schemas"
)

// compiled compiles the envelope schemas with every shipped enforcement
// type, once per test binary.
func compiled(t testing.TB) *schemas.Set {
	t.Helper()
	var srcs []schemas.Source
	for _, p := range schemas.EnforcementTypes() {
		srcs = append(srcs, schemas.Builtin(p))
	}
	set, err := schemas.Compile(context.Background(), srcs, 0)
	if err != nil {
		t.Fatal(err)
	}
	return set
}

func wrap(v, payload string) string {
	return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
		`<t:SendRequestRequest xmlns:t="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/` + v + `" xmlns:b="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/` + v + `">` +
		`<t:SenderProvidedRequestData Id="S"><t:MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</t:MessageID>` +
		`<b:MessagePrimaryContent>` + payload + `</b:MessagePrimaryContent></t:SenderProvidedRequestData>` +
		`</t:SendRequestRequest></soap:Body></soap:Envelope>`
}

func TestSetValidatesEnvelopeAndPayload(t *testing.T) {
	set := compiled(t)
	samples, err := fs.Glob(schemas.Files(), "payloads/*.xml")
	if err != nil || len(samples) != 16 {
		t.Fatalf("samples: %v %d", err, len(samples))
	}
	for _, name := range samples {
		data, _ := fs.ReadFile(schemas.Files(), name)
		for _, v := range []string{"1.1", "1.2", "1.3"} {
			t.Run(path.Base(name)+"/"+v, func(t *testing.T) {
				if err := set.Validate(context.Background(), []byte(wrap(v, string(data)))); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

func TestSetReportsPositions(t *testing.T) {
	set := compiled(t)
	doc := wrap("1.1", "\n<w:WritAnswer xmlns:w=\"urn://mezhved/enforcement/writ/1.0\">\n<w:Bogus/>\n</w:WritAnswer>")
	err := set.Validate(context.Background(), []byte(doc))
	var ve *schemas.ValidationError
	if !errors.As(err, &ve) || len(ve.Issues) == 0 {
		t.Fatalf("err = %v", err)
	}
	i := ve.Issues[0]
	if i.Line != 3 || i.Column == 0 || !strings.Contains(i.Path, "WritAnswer") {
		t.Fatalf("issue = %+v", i)
	}
}

func TestSetUnknownPayloadIsLax(t *testing.T) {
	set := compiled(t)
	if err := set.Validate(context.Background(), []byte(wrap("1.3", `<x:Any xmlns:x="urn://other"><x:y/></x:Any>`))); err != nil {
		t.Fatal(err)
	}
}

func TestCheckIdentifiers(t *testing.T) {
	tests := []struct {
		name  string
		xml   string
		paths []string
	}{
		{name: "valid", xml: `<d:Decree xmlns:d="urn://mezhved/enforcement/decree/1.0"><d:ProceedingNumber>12345/24/77001-ИП</d:ProceedingNumber><d:Account><d:AccountNumber>30101810400000000225</d:AccountNumber><d:BIC>044525225</d:BIC></d:Account><d:INN>7707083893</d:INN></d:Decree>`},
		{name: "bad INN", xml: `<d:Decree xmlns:d="urn://mezhved/enforcement/decree/1.0"><d:Debtor><d:INN>7707083894</d:INN></d:Debtor></d:Decree>`, paths: []string{"/Decree/Debtor/INN"}},
		{name: "account key", xml: `<d:Decree xmlns:d="urn://mezhved/enforcement/decree/1.0"><d:Account><d:AccountNumber>30101810500000000225</d:AccountNumber><d:BIC>044525225</d:BIC></d:Account></d:Decree>`, paths: []string{"/Decree/Account/AccountNumber"}},
		{name: "BIC under another prefix of the same namespace", xml: `<d:Decree xmlns:d="urn://mezhved/enforcement/decree/1.0" xmlns:e="urn://mezhved/enforcement/decree/1.0"><d:Account><d:AccountNumber>30101810400000000225</d:AccountNumber><e:BIC>044525225</e:BIC></d:Account></d:Decree>`},
		{name: "BIC of another namespace", xml: `<d:Decree xmlns:d="urn://mezhved/enforcement/decree/1.0" xmlns:e="urn://other"><d:Account><d:AccountNumber>30101810400000000225</d:AccountNumber><e:BIC>044525225</e:BIC></d:Account></d:Decree>`, paths: []string{"/Decree/Account/AccountNumber"}},
		{name: "account without BIC", xml: `<d:Decree xmlns:d="urn://mezhved/enforcement/decree/1.0"><d:Account><d:AccountNumber>30101810400000000225</d:AccountNumber></d:Account></d:Decree>`, paths: []string{"/Decree/Account/AccountNumber"}},
		{name: "two bad of many", xml: `<d:A xmlns:d="urn://mezhved/enforcement/x/1.0"><d:VIN>1M8GDM9AXKP042788</d:VIN><d:VIN>1M8GDM9AXKP04278O</d:VIN><d:SNILS>11223344596</d:SNILS></d:A>`, paths: []string{"/A/VIN[2]", "/A/SNILS"}},
		{name: "other namespace ignored", xml: `<x:A xmlns:x="urn://other"><x:INN>1</x:INN></x:A>`},
		{name: "comment does not cut the value", xml: `<d:A xmlns:d="urn://mezhved/enforcement/x/1.0"><d:INN>770708<!-- -->3893</d:INN></d:A>`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			doc := etree.NewDocument()
			if err := doc.ReadFromString(tc.xml); err != nil {
				t.Fatal(err)
			}
			issues := schemas.CheckIdentifiers(doc.Root(), schemas.EnforcementIdentifiers())
			var got []string
			for _, i := range issues {
				got = append(got, i.Path)
				if strings.Contains(i.Reason, "7707083894") {
					t.Errorf("reason repeats the value: %s", i.Reason)
				}
			}
			if strings.Join(got, ",") != strings.Join(tc.paths, ",") {
				t.Fatalf("paths = %v, want %v (%v)", got, tc.paths, issues)
			}
		})
	}
}
