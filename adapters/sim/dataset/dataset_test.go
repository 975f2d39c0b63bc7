package dataset_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"testing"
	"time"

	"mezhved/adapters/sim/dataset"
	"mezhved/schemas/ident"
)

// generated caches the data sets the tests share; Generate is deterministic,
// so sharing them changes nothing.
var generated = map[[2]uint64]*dataset.DataSet{}

func gen(tb testing.TB, seed uint64, cases int) *dataset.DataSet {
	tb.Helper()
	k := [2]uint64{seed, uint64(cases)}
	if ds, ok := generated[k]; ok {
		return ds
	}
	ds := dataset.Generate(seed, cases)
	generated[k] = ds
	return ds
}

func TestGenerateDeterministic(t *testing.T) {
	a := dataset.Generate(42, 200)
	b := dataset.Generate(42, 200)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("Generate(42, 200) returned different data sets on two calls")
	}
	if len(a.Cases) != 200 {
		t.Fatalf("got %d cases, want 200", len(a.Cases))
	}
	for _, seed := range []uint64{0, 1, 43} {
		if c := dataset.Generate(seed, 200); reflect.DeepEqual(a, c) || reflect.DeepEqual(a.Debtors, c.Debtors) {
			t.Errorf("Generate(%d, 200) equals Generate(42, 200)", seed)
		}
	}
	if ds := dataset.Generate(42, 0); len(ds.Cases) != 0 || len(ds.Debtors) != 0 {
		t.Errorf("Generate(42, 0): %d cases, %d debtors, want none", len(ds.Cases), len(ds.Debtors))
	}
}

// goldenDigest is the SHA-256 of the JSON dump of Generate(42, 50). It
// changes only when the generator is changed on purpose; a change with an
// unchanged generator means generation differs between machines or Go
// versions.
const goldenDigest = "94db4e83312de3ecb353974581f5d37c5b93c7b19b915a1b5802d5c5b78211aa"

func TestGenerateGolden(t *testing.T) {
	var buf bytes.Buffer
	if err := dataset.Write(&buf, dataset.Generate(42, 50)); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(buf.Bytes())
	if got := hex.EncodeToString(sum[:]); got != goldenDigest {
		t.Errorf("digest of Generate(42, 50) is %s, want %s", got, goldenDigest)
	}
}

// idValue is one identifier to check, with the BIC for accounts.
type idValue struct {
	where string
	value string
	bic   string
}

func partyIDs(where string, p dataset.Party) []idValue {
	out := []idValue{{where: where + " INN", value: p.INN}}
	if p.IsPerson() {
		out = append(out, idValue{where: where + " SNILS", value: p.SNILS})
	} else {
		out = append(out, idValue{where: where + " OGRN", value: p.OGRN})
	}
	return out
}

func TestIdentifiersValid(t *testing.T) {
	ds := gen(t, 7, 1000)
	byKind := map[ident.Kind][]idValue{}
	add := func(k ident.Kind, v idValue) { byKind[k] = append(byKind[k], v) }
	addParty := func(where string, p dataset.Party) {
		for _, v := range partyIDs(where, p) {
			switch {
			case v.where == where+" INN":
				add(ident.INN, v)
			case p.IsPerson():
				add(ident.SNILS, v)
			default:
				add(ident.OGRN, v)
			}
		}
	}
	for i, d := range ds.Debtors {
		addParty(fmt.Sprintf("debtor %d", i), d.Party)
	}
	for _, c := range ds.Cases {
		addParty(c.ID+" creditor", c.Creditor)
		if c.Payment != nil && c.Payment.BIC != "" {
			add(ident.BIC, idValue{where: c.ID + " payment", value: c.Payment.BIC})
		}
	}
	for i, a := range ds.Accounts {
		where := fmt.Sprintf("account %d", i)
		add(ident.Account, idValue{where: where, value: a.Number, bic: a.BIC})
		add(ident.BIC, idValue{where: where, value: a.BIC})
	}
	for i, v := range ds.Vehicles {
		add(ident.VIN, idValue{where: fmt.Sprintf("vehicle %d", i), value: v.VIN})
	}
	for i, p := range ds.Properties {
		add(ident.Cadastral, idValue{where: fmt.Sprintf("property %d", i), value: p.CadastralNumber})
	}
	for i, in := range ds.Incomes {
		add(ident.INN, idValue{where: fmt.Sprintf("income %d employer", i), value: in.EmployerINN})
	}
	for _, b := range dataset.Banks() {
		add(ident.BIC, idValue{where: b.Participant, value: b.BIC})
	}

	tests := []struct {
		name string
		kind ident.Kind
		min  int // at least this many values must be checked
	}{
		{name: "INN", kind: ident.INN, min: 1000},
		{name: "OGRN", kind: ident.OGRN, min: 50},
		{name: "SNILS", kind: ident.SNILS, min: 500},
		{name: "BIC", kind: ident.BIC, min: 1000},
		{name: "account with BIC", kind: ident.Account, min: 1000},
		{name: "VIN", kind: ident.VIN, min: 500},
		{name: "cadastral number", kind: ident.Cadastral, min: 300},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			values := byKind[tt.kind]
			if len(values) < tt.min {
				t.Fatalf("only %d values, want at least %d", len(values), tt.min)
			}
			for _, v := range values {
				if err := ident.Check(tt.kind, v.value, v.bic); err != nil {
					t.Errorf("%s: %q: %v", v.where, v.value, err)
				}
			}
		})
	}

	// Both INN lengths and both cadastral quarter widths occur.
	lengths := map[int]int{}
	for _, v := range byKind[ident.INN] {
		lengths[len(v.value)]++
	}
	if lengths[10] == 0 || lengths[12] == 0 {
		t.Errorf("INN lengths %v, want both 10 and 12", lengths)
	}
	quarter := regexp.MustCompile(`^\d\d:\d\d:(\d+):`)
	widths := map[int]int{}
	for _, v := range byKind[ident.Cadastral] {
		widths[len(quarter.FindStringSubmatch(v.value)[1])]++
	}
	if widths[6] == 0 || widths[7] == 0 {
		t.Errorf("cadastral quarter widths %v, want both 6 and 7", widths)
	}
}

var (
	plateRE   = regexp.MustCompile(`^[АВЕКМНОРСТУХ][0-9]{3}[АВЕКМНОРСТУХ]{2}[0-9]{2,3}$`)
	licenceRE = regexp.MustCompile(`^[0-9]{10}$`)
	uinRE     = regexp.MustCompile(`^[0-9]{25}$`)
	kppRE     = regexp.MustCompile(`^[0-9]{4}[0-9A-Z]{2}[0-9]{3}$`)
	postalRE  = regexp.MustCompile(`^[0-9]{6}$`)
	shareRE   = regexp.MustCompile(`^1/[1-4]$`)
	areaRE    = regexp.MustCompile(`^[1-9][0-9]*(\.[0-9])?$`)
)

func checkDate(t *testing.T, where, d string) time.Time {
	t.Helper()
	v, err := time.Parse(dataset.DateLayout, d)
	if err != nil {
		t.Errorf("%s: date %q: %v", where, d, err)
	}
	return v
}

func TestFormatsAndUniqueness(t *testing.T) {
	ds := gen(t, 7, 1000)
	seen := map[string]string{}
	unique := func(kind, v, where string) {
		t.Helper()
		if prev, ok := seen[kind+v]; ok {
			t.Errorf("%s %q of %s already used by %s", kind, v, where, prev)
		}
		seen[kind+v] = where
	}

	for i, d := range ds.Debtors {
		where := fmt.Sprintf("debtor %d", i)
		unique("inn", d.INN, where)
		if !postalRE.MatchString(d.Address.PostalCode) || d.Address.RegionCode == "" || d.Address.Locality == "" {
			t.Errorf("%s: incomplete address %+v", where, d.Address)
		}
		switch d.Kind {
		case dataset.KindPerson:
			unique("snils", d.SNILS, where)
			unique("licence", d.DrivingLicence, where)
			if len(d.INN) != 12 || d.LastName == "" || d.FirstName == "" || d.MiddleName == "" || d.Name != "" || d.OGRN != "" {
				t.Errorf("%s: inconsistent person %+v", where, d)
			}
			if !licenceRE.MatchString(d.DrivingLicence) {
				t.Errorf("%s: driving licence %q", where, d.DrivingLicence)
			}
			checkDate(t, where, d.BirthDate)
		case dataset.KindOrganization:
			unique("ogrn", d.OGRN, where)
			if len(d.INN) != 10 || d.Name == "" || d.SNILS != "" || d.LastName != "" || d.DrivingLicence != "" || !kppRE.MatchString(d.KPP) {
				t.Errorf("%s: inconsistent organisation %+v", where, d)
			}
		default:
			t.Errorf("%s: kind %q", where, d.Kind)
		}
	}

	for i, v := range ds.Vehicles {
		where := fmt.Sprintf("vehicle %d", i)
		unique("vin", v.VIN, where)
		unique("plate", v.Plate, where)
		if !plateRE.MatchString(v.Plate) {
			t.Errorf("%s: plate %q", where, v.Plate)
		}
		if v.Model == "" || v.Year < 2000 || v.Year > 2024 {
			t.Errorf("%s: model %q year %d", where, v.Model, v.Year)
		}
		if reg := checkDate(t, where, v.RegistrationDate); reg.Year() < v.Year {
			t.Errorf("%s: registered %s before its year %d", where, v.RegistrationDate, v.Year)
		}
	}

	balances := map[string]int{}
	for i, a := range ds.Accounts {
		where := fmt.Sprintf("account %d", i)
		unique("account", a.Number, where)
		if a.Currency != "RUB" || a.Balance < 0 || a.Kind == "" {
			t.Errorf("%s: %+v", where, a)
		}
		checkDate(t, where, a.OpenedDate)
		switch {
		case a.Balance == 0:
			balances["zero"]++
		case a.Balance < 50_000_00:
			balances["small"]++
		default:
			balances["large"]++
		}
	}
	if balances["zero"] == 0 || balances["small"] == 0 || balances["large"] == 0 {
		t.Errorf("balances %v: want zero, small and large ones", balances)
	}

	for i, p := range ds.Properties {
		where := fmt.Sprintf("property %d", i)
		unique("cadastral", p.CadastralNumber, where)
		if !shareRE.MatchString(p.Share) || !areaRE.MatchString(p.Area) || p.Address.RegionCode == "" {
			t.Errorf("%s: %+v", where, p)
		}
		if (p.Share == "1/1") != (p.RightKind == "ownership") {
			t.Errorf("%s: share %s with right kind %s", where, p.Share, p.RightKind)
		}
		switch p.Kind {
		case dataset.PropertyFlat, dataset.PropertyHouse, dataset.PropertyLand:
		default:
			t.Errorf("%s: kind %q", where, p.Kind)
		}
		checkDate(t, where, p.RightRegisteredDate)
	}

	for i, in := range ds.Incomes {
		where := fmt.Sprintf("income %d", i)
		from, to := checkDate(t, where, in.From), checkDate(t, where, in.To)
		if from.Day() != 1 || to.AddDate(0, 0, 1).Day() != 1 || !from.AddDate(0, in.Months, -1).Equal(to) {
			t.Errorf("%s: period %s..%s is not %d whole months", where, in.From, in.To, in.Months)
		}
		if in.Monthly <= 0 || in.Total() != in.Monthly*int64(in.Months) || in.Employer == "" {
			t.Errorf("%s: %+v", where, in)
		}
	}

	kinds := map[string]dataset.Subject{
		dataset.DocWritOfExecution: "", dataset.DocCourtOrder: "", dataset.DocTrafficFine: "", dataset.DocTaxAct: "",
	}
	issuers := map[dataset.Subject]string{
		dataset.SubjectChildSupport: dataset.IssuerCourt, dataset.SubjectLoan: dataset.IssuerCourt,
		dataset.SubjectFine: dataset.IssuerTrafficPolice, dataset.SubjectTax: dataset.IssuerTax,
	}
	for _, c := range ds.Cases {
		unique("writ", c.DocumentNumber, c.ID)
		if _, ok := kinds[c.DocumentKind]; !ok {
			t.Errorf("%s: document kind %q", c.ID, c.DocumentKind)
		}
		if issuers[c.Subject] != c.Issuer || c.IssuerName == "" {
			t.Errorf("%s: subject %q issued by %q (%q)", c.ID, c.Subject, c.Issuer, c.IssuerName)
		}
		if c.Debt <= 0 || c.SubjectText == "" || c.CaseNumber == "" || len(c.DocumentNumber) > 100 {
			t.Errorf("%s: %+v", c.ID, c)
		}
		if checkDate(t, c.ID, c.DecisionEffectiveDate).After(checkDate(t, c.ID, c.DocumentDate)) {
			t.Errorf("%s: decision effective %s after the writ %s", c.ID, c.DecisionEffectiveDate, c.DocumentDate)
		}
		if c.ChildSupport != (c.Subject == dataset.SubjectChildSupport) {
			t.Errorf("%s: ChildSupport %v for subject %q", c.ID, c.ChildSupport, c.Subject)
		}
		if c.ChildSupport && (!c.Debtor.IsPerson() || !c.Creditor.IsPerson() || c.Debtor.DrivingLicence == "") {
			t.Errorf("%s: child support needs person debtor with licence and person creditor", c.ID)
		}
		if p := c.Payment; p != nil {
			unique("uin", p.UIN, c.ID)
			if p.Amount <= 0 || p.Amount > c.Debt || !uinRE.MatchString(p.UIN) || (p.Channel == dataset.ChannelBank) != (p.BIC != "") {
				t.Errorf("%s: payment %+v", c.ID, *p)
			}
			if checkDate(t, c.ID, p.Date).Before(checkDate(t, c.ID, c.DocumentDate)) {
				t.Errorf("%s: paid %s before the writ %s", c.ID, p.Date, c.DocumentDate)
			}
		}
	}
}

// ownedBy returns the elements of all whose owner is inn, computed without
// the package's lookups.
func ownedBy[T any](all []T, inn string, owner func(T) string) []T {
	var out []T
	for _, v := range all {
		if owner(v) == inn {
			out = append(out, v)
		}
	}
	return out
}

func TestLookups(t *testing.T) {
	ds := gen(t, 7, 1000)
	var vehicles, accounts, properties, incomes int
	for i, d := range ds.Debtors {
		where := fmt.Sprintf("debtor %d", i)
		keys := []dataset.DebtorKey{d.Key(), {INN: d.INN}, {INN: "000000000000", SNILS: d.SNILS}}
		if !d.IsPerson() {
			keys = keys[:2]
		} else {
			keys = append(keys, dataset.DebtorKey{SNILS: d.SNILS})
		}
		wantV := ownedBy(ds.Vehicles, d.INN, func(v dataset.Vehicle) string { return v.OwnerINN })
		wantA := ownedBy(ds.Accounts, d.INN, func(a dataset.BankAccount) string { return a.OwnerINN })
		wantP := ownedBy(ds.Properties, d.INN, func(p dataset.Property) string { return p.OwnerINN })
		wantI := ownedBy(ds.Incomes, d.INN, func(in dataset.Income) string { return in.OwnerINN })
		for _, key := range keys {
			if got, ok := ds.FindDebtor(key); !ok || got.INN != d.INN {
				t.Fatalf("%s: FindDebtor(%+v) = %v, %v", where, key, got, ok)
			}
			if got := ds.VehiclesOf(key); !reflect.DeepEqual(got, wantV) {
				t.Errorf("%s: VehiclesOf(%+v) = %v, want %v", where, key, got, wantV)
			}
			if got := ds.AccountsOf(key); !reflect.DeepEqual(got, wantA) {
				t.Errorf("%s: AccountsOf(%+v) = %v, want %v", where, key, got, wantA)
			}
			if got := ds.PropertiesOf(key); !reflect.DeepEqual(got, wantP) {
				t.Errorf("%s: PropertiesOf(%+v) = %v, want %v", where, key, got, wantP)
			}
			if got := ds.IncomesOf(key); !reflect.DeepEqual(got, wantI) {
				t.Errorf("%s: IncomesOf(%+v) = %v, want %v", where, key, got, wantI)
			}
		}
		key := d.Key()

		// Accounts are ordered by BIC, then number; AccountsAt splits them
		// by bank; BanksOf lists the banks that hold them.
		all := ds.AccountsOf(key)
		if !slices.IsSortedFunc(all, func(a, b dataset.BankAccount) int {
			if a.BIC != b.BIC {
				return cmpString(a.BIC, b.BIC)
			}
			return cmpString(a.Number, b.Number)
		}) {
			t.Errorf("%s: AccountsOf not ordered by BIC and number: %v", where, all)
		}
		var joined []dataset.BankAccount
		var wantBanks []string
		for _, b := range dataset.Banks() {
			at := ds.AccountsAt(key, b.BIC)
			for _, a := range at {
				if a.BIC != b.BIC {
					t.Errorf("%s: AccountsAt(%s) returned an account at %s", where, b.BIC, a.BIC)
				}
			}
			if len(at) > 0 {
				wantBanks = append(wantBanks, b.BIC)
			}
			joined = append(joined, at...)
		}
		if !reflect.DeepEqual(joined, all) {
			t.Errorf("%s: AccountsAt over all banks = %v, AccountsOf = %v", where, joined, all)
		}
		if got := ds.BanksOf(key); !reflect.DeepEqual(got, wantBanks) {
			t.Errorf("%s: BanksOf = %v, want %v", where, got, wantBanks)
		}

		if len(wantV) > 3 || len(wantA) > 3 || len(wantP) > 2 || len(wantI) > 2 {
			t.Errorf("%s: owns %d vehicles, %d accounts, %d properties, %d incomes", where, len(wantV), len(wantA), len(wantP), len(wantI))
		}
		if !d.IsPerson() && len(wantI) > 0 {
			t.Errorf("%s: organisation with incomes", where)
		}
		for _, c := range ds.CasesOf(key) {
			if c.Debtor.INN != d.INN {
				t.Errorf("%s: CasesOf returned %s of debtor %s", where, c.ID, c.Debtor.INN)
			}
		}
		vehicles += len(wantV)
		accounts += len(wantA)
		properties += len(wantP)
		incomes += len(wantI)
	}
	// Every asset belongs to exactly one debtor.
	if vehicles != len(ds.Vehicles) || accounts != len(ds.Accounts) || properties != len(ds.Properties) || incomes != len(ds.Incomes) {
		t.Errorf("assets owned by debtors: %d/%d/%d/%d, in data set: %d/%d/%d/%d",
			vehicles, accounts, properties, incomes, len(ds.Vehicles), len(ds.Accounts), len(ds.Properties), len(ds.Incomes))
	}

	// Every case's debtor is in Debtors, unchanged; fines go to vehicle
	// owners; some debtors have several cases.
	repeated := 0
	for i := range ds.Cases {
		c := &ds.Cases[i]
		d, ok := ds.FindDebtor(c.Debtor.Key())
		if !ok || !reflect.DeepEqual(*d, c.Debtor) {
			t.Errorf("%s: debtor not in Debtors or different", c.ID)
		}
		if c.Subject == dataset.SubjectFine && len(ds.VehiclesOf(c.Debtor.Key())) == 0 {
			t.Errorf("%s: traffic fine for a debtor without vehicles", c.ID)
		}
		if got, ok := ds.FindCase(c.DocumentNumber); !ok || got != c {
			t.Errorf("%s: FindCase(%q) = %v, %v", c.ID, c.DocumentNumber, got, ok)
		}
		if n := len(ds.CasesOf(c.Debtor.Key())); n > 1 {
			repeated++
		}
	}
	if repeated == 0 {
		t.Error("no debtor has more than one case")
	}
	if len(ds.Debtors) >= len(ds.Cases) {
		t.Errorf("%d debtors for %d cases, want fewer debtors", len(ds.Debtors), len(ds.Cases))
	}

	// Unknown debtors own nothing.
	for _, key := range []dataset.DebtorKey{{}, {INN: "7707083893"}, {SNILS: "00000000000"}} {
		if _, ok := ds.FindDebtor(key); ok {
			t.Errorf("FindDebtor(%+v) found a debtor", key)
		}
		if ds.VehiclesOf(key) != nil || ds.AccountsOf(key) != nil || ds.AccountsAt(key, dataset.BICSberbank) != nil ||
			ds.BanksOf(key) != nil || ds.PropertiesOf(key) != nil || ds.IncomesOf(key) != nil || ds.CasesOf(key) != nil {
			t.Errorf("lookups for unknown %+v returned assets", key)
		}
	}
	if _, ok := ds.FindCase("no such writ"); ok {
		t.Error("FindCase found an unknown writ")
	}
}

func cmpString(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func TestWrite(t *testing.T) {
	ds := gen(t, 7, 1000)
	var buf bytes.Buffer
	if err := dataset.Write(&buf, ds); err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(buf.Bytes(), []byte("\n  \"Cases\": [\n")) {
		t.Error("output is not indented with two spaces")
	}
	if !bytes.Contains(buf.Bytes(), []byte("«")) || bytes.Contains(buf.Bytes(), []byte(`\u00`)) {
		t.Error("non-ASCII characters are escaped")
	}
	var back dataset.DataSet
	if err := json.Unmarshal(buf.Bytes(), &back); err != nil {
		t.Fatalf("output is not JSON: %v", err)
	}
	if !reflect.DeepEqual(&back, ds) {
		t.Error("decoding the output does not give the data set back")
	}

	if err := dataset.Write(failingWriter{}, ds); !errors.Is(err, errWrite) {
		t.Errorf("Write to a failing writer returned %v, want %v", err, errWrite)
	}
}

var errWrite = errors.New("write failed")

type failingWriter struct{}

func (failingWriter) Write([]byte) (int, error) { return 0, errWrite }

func TestConcurrentLookups(t *testing.T) {
	ds := gen(t, 42, 200)
	done := make(chan struct{})
	for w := 0; w < 4; w++ {
		go func() {
			defer func() { done <- struct{}{} }()
			for i := range ds.Cases {
				c := &ds.Cases[i]
				if w%2 == 0 {
					ds.Expected(c)
				} else {
					ds.BanksOf(c.Debtor.Key())
				}
			}
		}()
	}
	for w := 0; w < 4; w++ {
		<-done
	}
}

func TestPartyHelpers(t *testing.T) {
	tests := []struct {
		name   string
		p      dataset.Party
		person bool
		want   string
	}{
		{name: "person", p: dataset.Party{Kind: dataset.KindPerson, LastName: "Иванов", FirstName: "Пётр", MiddleName: "Сергеевич"}, person: true, want: "Иванов Пётр Сергеевич"},
		{name: "person without middle name", p: dataset.Party{Kind: dataset.KindPerson, LastName: "Иванов", FirstName: "Пётр"}, person: true, want: "Иванов Пётр"},
		{name: "organisation", p: dataset.Party{Kind: dataset.KindOrganization, Name: "ООО «Вектор»"}, want: "ООО «Вектор»"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.p.DisplayName(); got != tt.want {
				t.Errorf("DisplayName() = %q, want %q", got, tt.want)
			}
			if got := tt.p.IsPerson(); got != tt.person {
				t.Errorf("IsPerson() = %v, want %v", got, tt.person)
			}
		})
	}
}

func ExampleGenerate() {
	ds := dataset.Generate(42, 100)
	fmt.Println(len(ds.Cases), "cases,", len(ds.Debtors), "debtors")
	c := &ds.Cases[1]
	key := c.Debtor.Key()
	fmt.Println(c.ID, c.Issuer, c.DocumentKind, c.Subject)
	fmt.Println("banks:", ds.BanksOf(key))
	for _, a := range ds.Expected(c).Arrests {
		fmt.Println("arrest", a.Account, a.BIC, a.Arrested, "of", a.Requested)
	}
	// Output:
	// 100 cases, 86 debtors
	// C00002 COURT01 writ-of-execution loan
	// banks: [044525225 044525593]
	// arrest 40817810738255887397 044525225 1202406 of 139686062
	// arrest 40817810502953156143 044525593 0 of 138483656
}
