package schemas_test

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	xsd "github.com/jacoelho/xsd"
	"github.com/jacoelho/xsd/xsderrors"
)

const (
	enforcementDir     = "xsd/enforcement"
	enfCommonSchema    = "common.xsd"
	enfPayloadsDir     = "payloads"
	enfInvalidSubdir   = "invalid"
	enfXMLSchemaNS     = "http://www.w3.org/2001/XMLSchema"
	enfExpectedSamples = 16 // one per root element
)

// enforcementTypes is the contract: one schema file per type, one namespace
// per type, request and answer roots in the same namespace.
var enforcementTypes = []struct {
	name      string
	file      string
	namespace string
	roots     []string
}{
	{name: "writ", file: "writ.xsd", namespace: "urn://mezhved/enforcement/writ/1.0", roots: []string{"Writ", "WritAnswer"}},
	{name: "vehicle", file: "vehicle.xsd", namespace: "urn://mezhved/enforcement/vehicle/1.0", roots: []string{"VehicleQuery", "VehicleAnswer"}},
	{name: "account", file: "account.xsd", namespace: "urn://mezhved/enforcement/account/1.0", roots: []string{"AccountQuery", "AccountAnswer"}},
	{name: "bank-account", file: "bank-account.xsd", namespace: "urn://mezhved/enforcement/bank-account/1.0", roots: []string{"BankAccountQuery", "BankAccountAnswer"}},
	{name: "real-estate", file: "real-estate.xsd", namespace: "urn://mezhved/enforcement/real-estate/1.0", roots: []string{"RealEstateQuery", "RealEstateAnswer"}},
	{name: "income", file: "income.xsd", namespace: "urn://mezhved/enforcement/income/1.0", roots: []string{"IncomeQuery", "IncomeAnswer"}},
	{name: "decree", file: "decree.xsd", namespace: "urn://mezhved/enforcement/decree/1.0", roots: []string{"Decree", "DecreeResult"}},
	{name: "payment-notice", file: "payment-notice.xsd", namespace: "urn://mezhved/enforcement/payment-notice/1.0", roots: []string{"PaymentNotice"}},
	{name: "notification", file: "notification.xsd", namespace: "urn://mezhved/enforcement/notification/1.0", roots: []string{"Notification"}},
}

// enfSchemaFileByNamespace maps each enforcement namespace to its schema file.
func enfSchemaFileByNamespace(t *testing.T) map[string]string {
	t.Helper()
	m := make(map[string]string, len(enforcementTypes))
	for _, et := range enforcementTypes {
		if prev, dup := m[et.namespace]; dup {
			t.Fatalf("namespace %s used by both %s and %s", et.namespace, prev, et.file)
		}
		m[et.namespace] = et.file
	}
	return m
}

// enfRootsByNamespace maps each enforcement namespace to its root element names.
func enfRootsByNamespace() map[string][]string {
	m := make(map[string][]string, len(enforcementTypes))
	for _, et := range enforcementTypes {
		m[et.namespace] = et.roots
	}
	return m
}

// enfPayloadCase is one sample payload file and whether it must validate.
type enfPayloadCase struct {
	name  string
	path  string
	valid bool
}

type enfSchemaDoc struct {
	XMLName            xml.Name
	TargetNamespace    *string `xml:"targetNamespace,attr"`
	ElementFormDefault string  `xml:"elementFormDefault,attr"`
	Includes           []struct {
		SchemaLocation string `xml:"schemaLocation,attr"`
	} `xml:"http://www.w3.org/2001/XMLSchema include"`
	Elements []struct {
		Name string `xml:"name,attr"`
	} `xml:"http://www.w3.org/2001/XMLSchema element"`
}

func enfReadSchemaDoc(t *testing.T, path string) enfSchemaDoc {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc enfSchemaDoc
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	if doc.XMLName.Space != enfXMLSchemaNS || doc.XMLName.Local != "schema" {
		t.Fatalf("%s: root is %v, want xs:schema", path, doc.XMLName)
	}
	return doc
}

// enfRootElement returns the name of the document element of an XML file.
func enfRootElement(t *testing.T, data []byte) xml.Name {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err != nil {
			t.Fatalf("no root element: %v", err)
		}
		if se, ok := tok.(xml.StartElement); ok {
			return se.Name
		}
	}
}

// enfCheckAccountHasBIC checks the identifier contract in a payload: every
// AccountNumber element has a sibling BIC element in the same parent.
func enfCheckAccountHasBIC(t *testing.T, data []byte) {
	t.Helper()
	type frame struct {
		path       string
		hasAccount bool
		hasBIC     bool
	}
	dec := xml.NewDecoder(bytes.NewReader(data))
	stack := []frame{{path: ""}}
	for {
		tok, err := dec.Token()
		if errors.Is(err, io.EOF) {
			return
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tok := tok.(type) {
		case xml.StartElement:
			parent := &stack[len(stack)-1]
			switch tok.Name.Local {
			case "AccountNumber":
				parent.hasAccount = true
			case "BIC":
				parent.hasBIC = true
			}
			stack = append(stack, frame{path: parent.path + "/" + tok.Name.Local})
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if f.hasAccount && !f.hasBIC {
				t.Errorf("%s has AccountNumber without a sibling BIC", f.path)
			}
		}
	}
}

func enfCompile(t *testing.T, files ...string) *xsd.Engine {
	t.Helper()
	sources := make([]xsd.SchemaSource, 0, len(files))
	for _, f := range files {
		sources = append(sources, xsd.File(filepath.Join(enforcementDir, f)))
	}
	engine, err := xsd.Compile(t.Context(), sources...)
	if err != nil {
		t.Fatalf("compile %v: %v", files, err)
	}
	return engine
}

func enfGlobPayloads(t *testing.T, dir string) []string {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatalf("no payloads in %s", dir)
	}
	return files
}

func TestEnforcementSchemaFiles(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(enforcementDir, "*.xsd"))
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, f := range files {
		got = append(got, filepath.Base(f))
	}
	want := []string{enfCommonSchema}
	for _, et := range enforcementTypes {
		want = append(want, et.file)
	}
	slices.Sort(got)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("schema files = %v, want %v", got, want)
	}

	common := enfReadSchemaDoc(t, filepath.Join(enforcementDir, enfCommonSchema))
	if common.TargetNamespace != nil {
		t.Errorf("%s must have no targetNamespace (chameleon include), has %q", enfCommonSchema, *common.TargetNamespace)
	}
	if common.ElementFormDefault != "qualified" {
		t.Errorf("%s: elementFormDefault = %q, want qualified", enfCommonSchema, common.ElementFormDefault)
	}

	seen := make(map[string]string)
	for _, et := range enforcementTypes {
		t.Run(et.name, func(t *testing.T) {
			doc := enfReadSchemaDoc(t, filepath.Join(enforcementDir, et.file))
			if doc.TargetNamespace == nil || *doc.TargetNamespace != et.namespace {
				t.Fatalf("targetNamespace = %v, want %s", doc.TargetNamespace, et.namespace)
			}
			if prev, dup := seen[et.namespace]; dup {
				t.Fatalf("namespace %s shared with %s", et.namespace, prev)
			}
			seen[et.namespace] = et.file
			if doc.ElementFormDefault != "qualified" {
				t.Errorf("elementFormDefault = %q, want qualified", doc.ElementFormDefault)
			}
			if len(doc.Includes) != 1 || doc.Includes[0].SchemaLocation != enfCommonSchema {
				t.Errorf("includes = %v, want exactly %s", doc.Includes, enfCommonSchema)
			}
			var roots []string
			for _, el := range doc.Elements {
				roots = append(roots, el.Name)
			}
			wantRoots := slices.Clone(et.roots)
			slices.Sort(roots)
			slices.Sort(wantRoots)
			if !slices.Equal(roots, wantRoots) {
				t.Errorf("global elements = %v, want %v", roots, wantRoots)
			}
		})
	}
	if len(seen) != len(enforcementTypes) {
		t.Errorf("%d distinct namespaces for %d type schemas", len(seen), len(enforcementTypes))
	}
}

func TestEnforcementSchemasCompile(t *testing.T) {
	for _, et := range enforcementTypes {
		t.Run(et.name, func(t *testing.T) {
			enfCompile(t, et.file)
		})
	}
}

func TestEnforcementSamplesValid(t *testing.T) {
	byNS := enfSchemaFileByNamespace(t)
	roots := enfRootsByNamespace()
	engines := make(map[string]*xsd.Engine, len(byNS))
	for ns, file := range byNS {
		engines[ns] = enfCompile(t, file)
	}

	var tests []enfPayloadCase
	for _, p := range enfGlobPayloads(t, enfPayloadsDir) {
		tests = append(tests, enfPayloadCase{name: strings.TrimSuffix(filepath.Base(p), ".xml"), path: p, valid: true})
	}

	covered := make(map[string]bool)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			root := enfRootElement(t, data)
			engine, ok := engines[root.Space]
			if !ok {
				t.Fatalf("root %s is in namespace %q, not one of the enforcement namespaces", root.Local, root.Space)
			}
			if !slices.Contains(roots[root.Space], root.Local) {
				t.Fatalf("root %s is not a root element of %s", root.Local, root.Space)
			}
			if root.Local != tc.name {
				t.Errorf("file %s holds root element %s", tc.path, root.Local)
			}
			covered[root.Local] = true
			if err := engine.Validate(t.Context(), bytes.NewReader(data)); err != nil {
				t.Fatalf("validate against %s: %v", byNS[root.Space], err)
			}
			enfCheckAccountHasBIC(t, data)
		})
	}

	var missing []string
	for _, et := range enforcementTypes {
		for _, r := range et.roots {
			if !covered[r] {
				missing = append(missing, r)
			}
		}
	}
	if len(missing) > 0 {
		t.Errorf("no valid sample for %v", missing)
	}
	if len(tests) != enfExpectedSamples {
		t.Errorf("%d samples, want %d (one per root element)", len(tests), enfExpectedSamples)
	}
}

func TestEnforcementSamplesInvalid(t *testing.T) {
	byNS := enfSchemaFileByNamespace(t)
	engines := make(map[string]*xsd.Engine, len(byNS))
	for ns, file := range byNS {
		engines[ns] = enfCompile(t, file)
	}

	var tests []enfPayloadCase
	for _, p := range enfGlobPayloads(t, filepath.Join(enfPayloadsDir, enfInvalidSubdir)) {
		tests = append(tests, enfPayloadCase{name: strings.TrimSuffix(filepath.Base(p), ".xml"), path: p})
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			root := enfRootElement(t, data)
			engine, ok := engines[root.Space]
			if !ok {
				t.Fatalf("root %s is in namespace %q, not one of the enforcement namespaces", root.Local, root.Space)
			}
			if !strings.HasPrefix(tc.name, root.Local+"-") {
				t.Errorf("file name %s does not start with its root element %s-", tc.name, root.Local)
			}
			enfRequireValidationError(t, engine.Validate(t.Context(), bytes.NewReader(data)))
		})
	}
}

func enfRequireValidationError(t *testing.T, err error) {
	t.Helper()
	if err == nil {
		t.Fatal("schema-invalid payload validated")
	}
	xerr, ok := errors.AsType[*xsderrors.Error](err)
	if !ok {
		t.Fatalf("error is not an *xsderrors.Error: %v", err)
	}
	if xerr.Category != xsderrors.CategoryValidation {
		t.Errorf("category = %s, want %s: %v", xerr.Category, xsderrors.CategoryValidation, err)
	}
	if xerr.Line <= 0 {
		t.Errorf("error has no line: %v", err)
	}
	t.Logf("%v", err)
}

// TestEnforcementCombinedEngine compiles all type schemas in one engine: the
// chameleon-included common types then exist once per namespace.
func TestEnforcementCombinedEngine(t *testing.T) {
	var files []string
	for _, et := range enforcementTypes {
		files = append(files, et.file)
	}
	engine := enfCompile(t, files...)
	known := enfSchemaFileByNamespace(t)

	var tests []enfPayloadCase
	for _, p := range enfGlobPayloads(t, enfPayloadsDir) {
		tests = append(tests, enfPayloadCase{name: "valid/" + filepath.Base(p), path: p, valid: true})
	}
	for _, p := range enfGlobPayloads(t, filepath.Join(enfPayloadsDir, enfInvalidSubdir)) {
		tests = append(tests, enfPayloadCase{name: "invalid/" + filepath.Base(p), path: p})
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(tc.path)
			if err != nil {
				t.Fatal(err)
			}
			if root := enfRootElement(t, data); known[root.Space] == "" {
				t.Fatalf("root %s is in namespace %q, not one of the enforcement namespaces", root.Local, root.Space)
			}
			err = engine.Validate(t.Context(), bytes.NewReader(data))
			if tc.valid {
				if err != nil {
					t.Fatalf("validate: %v", err)
				}
				return
			}
			enfRequireValidationError(t, err)
		})
	}
}

// TestEnforcementVariants edits a valid sample (first match of re replaced by
// with) and checks the verdict: the other branches of the choices validate,
// and facets the samples do not exercise are enforced.
func TestEnforcementVariants(t *testing.T) {
	const person = `(?s)<Person>.*?</Person>`
	const entrepreneur = `<Organization>
      <Name>ИП Иванов Пётр Сергеевич</Name>
      <INN>500100732259</INN>
      <OGRNIP>324500100012347</OGRNIP>
    </Organization>`
	tests := []struct {
		name   string
		sample string
		re     string
		with   string
		valid  bool
	}{
		{name: "debtor is an entrepreneur", sample: "VehicleQuery", re: person, with: entrepreneur, valid: true},
		{name: "vehicles not found", sample: "VehicleAnswer", re: `(?s)<Vehicle>.*</Vehicle>`, with: `<NotFound/>`, valid: true},
		{name: "accounts not found", sample: "BankAccountAnswer", re: `(?s)<Account>.*</Account>`, with: `<NotFound><Comment>Счета не открывались</Comment></NotFound>`, valid: true},
		{name: "writ rejected", sample: "WritAnswer", re: `(?s)<Accepted>.*</Accepted>`, with: `<Rejected><ReasonCode>term-expired</ReasonCode><ReasonText>Истёк срок предъявления исполнительного документа к исполнению.</ReasonText></Rejected>`, valid: true},
		{name: "decree not executed", sample: "DecreeResult", re: `(?s)<Status>.*</ReasonText>`, with: `<Status>not-executed</Status><Reason>object-not-found</Reason>`, valid: true},
		{name: "lift decree with reference", sample: "Decree", re: `(?s)<Kind>arrest-funds</Kind>(.*)<Text>`, with: `<Kind>lift-arrest</Kind>$1<LiftedDecree><DecreeNumber>77001/24/1034567</DecreeNumber><DecreeDate>2024-03-15</DecreeDate></LiftedDecree><Text>`, valid: true},
		{name: "driving licence target", sample: "Decree", re: `(?s)<Targets>.*</Targets>`, with: `<Targets><DrivingLicence><Number>7712345678</Number></DrivingLicence></Targets>`, valid: true},
		{name: "amount without currency", sample: "PaymentNotice", re: ` Currency="RUB"`, with: ``, valid: true},
		{name: "mixed decree targets", sample: "Decree", re: `</Account>\s*</Targets>`, with: `</Account><VIN>Z94CB41A3GR323022</VIN></Targets>`},
		{name: "person INN of 10 digits", sample: "Writ", re: `500100732259`, with: `5001007322`},
		{name: "INN of 11 digits", sample: "IncomeAnswer", re: `7729012342`, with: `77290123421`},
		{name: "INN in non-ASCII digits", sample: "Writ", re: `7707083893`, with: `٧٧٠٧٠٨٣٨٩٣`},
		{name: "BIC with spaces", sample: "PaymentNotice", re: `<BIC>044525593`, with: `<BIC> 044525593 `},
		{name: "OGRN of 12 digits", sample: "Writ", re: `1027700132195`, with: `102770013219`},
		{name: "SNILS with separators", sample: "IncomeQuery", re: `14850221648`, with: `148-502-216 48`},
		{name: "proceeding number without suffix", sample: "Notification", re: `12345/24/77001-ИП`, with: `12345/24/77001`},
		{name: "digits in a name", sample: "VehicleQuery", re: `Иванов<`, with: `Иванов2<`},
		{name: "empty subject", sample: "Writ", re: `(?s)<Subject>.*</Subject>`, with: `<Subject>   </Subject>`},
		{name: "lower-case currency", sample: "IncomeAnswer", re: `Currency="RUB"`, with: `Currency="rub"`},
		{name: "date time without zone", sample: "DecreeResult", re: `\+03:00</ExecutedAt>`, with: `</ExecutedAt>`},
		{name: "two-digit year", sample: "VehicleAnswer", re: `<Year>2016`, with: `<Year>16`},
		{name: "zero share", sample: "RealEstateAnswer", re: `<Decimal>1</Decimal>`, with: `<Decimal>0</Decimal>`},
		{name: "share over one", sample: "RealEstateAnswer", re: `<Decimal>1</Decimal>`, with: `<Decimal>1.5</Decimal>`},
		{name: "unknown account kind", sample: "BankAccountAnswer", re: `<Kind>deposit`, with: `<Kind>brokerage`},
		{name: "both vehicle and not found", sample: "VehicleAnswer", re: `</Vehicle>`, with: `</Vehicle><NotFound/>`},
		{name: "unknown element", sample: "AccountQuery", re: `</Debtor>`, with: `</Debtor><Comment>x</Comment>`},
		{name: "unqualified common element", sample: "RealEstateQuery", re: `<LastName>Иванов</LastName>`, with: `<LastName xmlns="">Иванов</LastName>`},
		{name: "identifier in an attribute", sample: "BankAccountQuery", re: `<BIC>`, with: `<BIC INN="7707083893">`},
	}
	engines := make(map[string]*xsd.Engine)
	files := enfSchemaFileByNamespace(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join(enfPayloadsDir, tc.sample+".xml"))
			if err != nil {
				t.Fatal(err)
			}
			re := regexp.MustCompile(tc.re)
			loc := re.FindSubmatchIndex(data)
			if loc == nil {
				t.Fatalf("%q does not occur in %s", tc.re, tc.sample)
			}
			repl := re.Expand(nil, []byte(tc.with), data, loc)
			data = slices.Concat(data[:loc[0]], repl, data[loc[1]:])
			ns := enfRootElement(t, data).Space
			engine, ok := engines[ns]
			if !ok {
				engine = enfCompile(t, files[ns])
				engines[ns] = engine
			}
			err = engine.Validate(t.Context(), bytes.NewReader(data))
			if tc.valid {
				if err != nil {
					t.Fatalf("validate: %v\n%s", err, data)
				}
				return
			}
			enfRequireValidationError(t, err)
		})
	}
}
