package registry_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"mezhved/exchange/pki"
	"mezhved/exchange/registry"
	"mezhved/schemas"
)

func TestDevRegistry(t *testing.T) {
	r, err := registry.Dev("")
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"COURT01", "FSSP01", "GIBDD01", "FNS01", "ROSREESTR01", "SFR01", "BANK044525225", "BANK044525593", "EPGU01"}
	var got []string
	for _, p := range r.Participants() {
		got = append(got, p.Mnemonic)
	}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("participants = %v", got)
	}
	if len(r.Types()) != 16 {
		t.Fatalf("%d types, want 16 (9 requests, 7 answers)", len(r.Types()))
	}
	writ, ok := r.Type("urn://mezhved/enforcement/writ/1.0", "Writ")
	if !ok || writ.Deadline.WorkingDays != 3 {
		t.Fatalf("writ = %+v", writ)
	}
	court, _ := r.Participant("COURT01")
	bank, _ := r.Participant("BANK044525225")
	if !writ.MaySend(court) || writ.MaySend(bank) {
		t.Fatal("writ senders wrong")
	}
}

func TestDevBindsCertificates(t *testing.T) {
	dir := t.TempDir()
	b, err := pki.Generate(pki.Options{Participants: []pki.Party{{Mnemonic: "COURT01", Name: "c"}, {Mnemonic: "FSSP01", Name: "f"}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.WriteDir(dir); err != nil {
		t.Fatal(err)
	}
	r, err := registry.Dev(dir)
	if err != nil {
		t.Fatal(err)
	}
	p, ok := r.ByCertificate(b.Participants["COURT01"].Certificate)
	if !ok || p.Mnemonic != "COURT01" {
		t.Fatalf("ByCertificate = %v %v", p, ok)
	}
	if _, ok := r.ByCertificate(b.Hub.Certificate); ok {
		t.Fatal("the hub certificate is bound to a participant")
	}
}

func payload(t *testing.T, s string) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromString(s); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

func TestRoute(t *testing.T) {
	r, err := registry.Dev("")
	if err != nil {
		t.Fatal(err)
	}
	decree, _ := r.TypeByName("decree")
	bankQuery, _ := r.TypeByName("bank-account-query")
	writ, _ := r.TypeByName("writ")
	tests := []struct {
		name string
		typ  *registry.MessageType
		xml  string
		want string
		err  error
	}{
		{name: "unicast", typ: writ, xml: `<Writ/>`, want: "FSSP01"},
		{name: "decree to bank by BIC", typ: decree, xml: `<Decree><Targets><Account><AccountNumber>1</AccountNumber><BIC>044525593</BIC></Account></Targets></Decree>`, want: "BANK044525593"},
		{name: "decree to land registry", typ: decree, xml: `<Decree><Targets><CadastralNumber>77:01:0001001:1234</CadastralNumber></Targets></Decree>`, want: "ROSREESTR01"},
		{name: "decree to traffic police", typ: decree, xml: `<Decree><Targets><DrivingLicence/></Targets></Decree>`, want: "GIBDD01"},
		{name: "decree with an empty BIC", typ: decree, xml: `<Decree><Targets><Account><AccountNumber>1</AccountNumber><BIC> </BIC></Account></Targets></Decree>`, err: registry.ErrNoRecipient},
		{name: "decree to unknown bank", typ: decree, xml: `<Decree><Targets><Account><BIC>044525974</BIC></Account></Targets></Decree>`, err: registry.ErrNoRecipient},
		{name: "decree without target", typ: decree, xml: `<Decree/>`, err: registry.ErrNoRecipient},
		{name: "bank query to one bank", typ: bankQuery, xml: `<BankAccountQuery><BIC>044525225</BIC></BankAccountQuery>`, want: "BANK044525225"},
		{name: "bank query broadcast", typ: bankQuery, xml: `<BankAccountQuery/>`, want: "BANK044525225,BANK044525593"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ps, err := r.Route(tc.typ, payload(t, tc.xml))
			if !errors.Is(err, tc.err) {
				t.Fatalf("err = %v, want %v", err, tc.err)
			}
			var got []string
			for _, p := range ps {
				got = append(got, p.Mnemonic)
			}
			if strings.Join(got, ",") != tc.want {
				t.Fatalf("route = %v, want %s", got, tc.want)
			}
		})
	}
}

func TestConfigErrors(t *testing.T) {
	base := `{"participants":[%p],"types":[%s]}`
	const parties = `{"mnemonic":"A","name":"a","role":"x"},{"mnemonic":"B","name":"b","role":"y"}`
	const banks = `{"mnemonic":"A","name":"a","role":"x"},{"mnemonic":"B","name":"b","role":"bank","routing":{"bic":"044525225"}},` +
		`{"mnemonic":"C","name":"c","role":"bank","routing":{"bic":"044525974"}}`
	const routedByBIC = `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["role:bank"],` +
		`"delivery":{"kind":"routed","rules":[{"path":"X","key":"%k"}]}}`
	tests := []struct{ name, types, participants string }{
		{"routing key no provider has", strings.Replace(routedByBIC, "%k", "bik", 1), banks},
		{"two providers with one routing value", strings.Replace(routedByBIC, "%k", "bic", 1), strings.Replace(banks, "044525974", "044525225", 1)},
		{"interaction type outside SMEV's", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["B"]}`,
			strings.Replace(parties, `"role":"x"`, `"role":"x","interactionType":"portal"`, 1)},
		{"unknown field", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["B"],"bogus":1}`, ""},
		{"unknown provider", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["C"]}`, ""},
		{"unknown role", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["role:z"]}`, ""},
		{"no schema", `{"name":"t","namespace":"u","root":"R","direction":"request","providers":["B"]}`, ""},
		{"bad direction", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"sideways","providers":["B"]}`, ""},
		{"unicast with two providers", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["A","B"]}`, ""},
		{"bad deadline", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["B"],"deadline":"2 days"}`, ""},
		{"rule with key and to", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["B"],"delivery":{"kind":"routed","rules":[{"path":"X","key":"k","to":"B"}]}}`, ""},
		{"unknown answer", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["B"],"answers":["nope"]}`, ""},
		{"duplicate root", `{"name":"t","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"response"},{"name":"t2","namespace":"u","root":"R","schema":"builtin:enforcement/writ.xsd","direction":"response"}`, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			f := filepath.Join(dir, "registry.json")
			participants := tc.participants
			if participants == "" {
				participants = parties
			}
			doc := strings.Replace(strings.Replace(base, "%s", tc.types, 1), "%p", participants, 1)
			if err := os.WriteFile(f, []byte(doc), 0o644); err != nil {
				t.Fatal(err)
			}
			if _, err := registry.Load(f); !errors.Is(err, registry.ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
		})
	}
}

// TestCompileSchemasDeclaresRoots: a type whose schema does not declare its
// root element (a namespace typo, the wrong file) is refused, since the
// door's lax payload validation would let such a payload through unchecked.
func TestCompileSchemasDeclaresRoots(t *testing.T) {
	base := `{"participants":[{"mnemonic":"A","name":"a","role":"x"},{"mnemonic":"B","name":"b","role":"y"}],"types":[%s]}`
	writNS := schemas.EnforcementNamespace("writ")
	tests := []struct {
		name, types string
		ok          bool
	}{
		{"declared", `{"name":"w","namespace":"` + writNS + `","root":"Writ","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["B"]}`, true},
		{"namespace typo", `{"name":"w","namespace":"` + writNS + `x","root":"Writ","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["B"]}`, false},
		{"root not in its schema", `{"name":"q","namespace":"urn:q","root":"Q","schema":"builtin:enforcement/writ.xsd","direction":"request","providers":["B"]}`, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := filepath.Join(t.TempDir(), "registry.json")
			if err := os.WriteFile(f, []byte(strings.Replace(base, "%s", tc.types, 1)), 0o644); err != nil {
				t.Fatal(err)
			}
			reg, err := registry.Load(f)
			if err != nil {
				t.Fatal(err)
			}
			_, err = reg.CompileSchemas(context.Background(), 0)
			if tc.ok != (err == nil) || (!tc.ok && !errors.Is(err, registry.ErrConfig)) {
				t.Fatalf("CompileSchemas: %v; want ok=%v (ErrConfig otherwise)", err, tc.ok)
			}
		})
	}
	dev, err := registry.Dev("")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := dev.CompileSchemas(context.Background(), 0); err != nil {
		t.Fatalf("the development registry: %v", err)
	}
}
