package sim

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
	hubregistry "mezhved/exchange/registry"
	"mezhved/exchange/soap"
	"mezhved/schemas"
)

var (
	schemaOnce sync.Once
	schemaSet  *schemas.Set
	schemaErr  error
)

// validate checks a payload as the hub does at the door: against its
// schema, inside a SendRequest envelope, and with the identifier checks.
func validate(t *testing.T, what string, payload *etree.Element) {
	t.Helper()
	schemaOnce.Do(func() {
		reg, err := hubregistry.Dev("")
		if err != nil {
			schemaErr = err
			return
		}
		schemaSet, schemaErr = schemas.Compile(context.Background(), reg.SchemaSources(), 0)
	})
	if schemaErr != nil {
		t.Fatal(schemaErr)
	}
	doc := etree.NewDocument()
	doc.SetRoot(payload.Copy())
	xml, err := doc.WriteToString()
	if err != nil {
		t.Fatal(err)
	}
	env := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: "db0486d0-3c08-11e5-95e2-d4c9eff07b77", Content: payload.Copy()}, nil)
	body, err := soap.Marshal(env)
	if err != nil {
		t.Fatal(err)
	}
	if err := schemaSet.Validate(context.Background(), []byte(body)); err != nil {
		t.Fatalf("%s: %v\n%s", what, err, xml)
	}
	if issues := schemas.CheckIdentifiers(payload, schemas.EnforcementIdentifiers()); len(issues) > 0 {
		t.Fatalf("%s: identifier issues %+v\n%s", what, issues, xml)
	}
}

// testAgency returns the base of an agency over ds that sends nothing.
func testAgency(name string, ds *dataset.DataSet) agency {
	return agency{name: name, ds: ds, log: slog.New(slog.DiscardHandler), stats: newStats(0),
		adapter: &adapters.Adapter{Requests: map[string]adapters.RequestHandler{}, Responses: map[string]adapters.ResponseHandler{}}}
}

// proceedingFor opens the proceeding of a case as the bailiff would, without
// sending anything.
func proceedingFor(b *bailiff, c *dataset.Case) *proceeding {
	b.mu.Lock()
	defer b.mu.Unlock()
	if p := b.byWrit[c.DocumentNumber]; p != nil {
		return p
	}
	return b.open("db0486d0-3c08-11e5-95e2-d4c9eff07b77", c.DocumentNumber, c.DocumentDate, c.Debt, c.Debtor.Party, c.SubjectText)
}

func request(payload *etree.Element) *adapters.Request {
	return &adapters.Request{MessageID: "m-" + payload.Tag, Payload: payload}
}

// TestPayloadsValid builds every payload of the cycle for the cases of a
// generated data set (every kind of debtor, decree and answer) and checks
// that the hub would take each.
func TestPayloadsValid(t *testing.T) {
	ctx := context.Background()
	ds := dataset.Generate(11, 150)
	b := newBailiff(testAgency(Bailiffs, ds))
	traffic := newTrafficPolice(testAgency(TrafficPolice, ds))
	tax := &taxService{agency: testAgency(TaxService, ds)}
	land := newLandRegistry(testAgency(LandRegistry, ds))
	pension := &pensionFund{agency: testAgency(PensionFund, ds)}
	banks := map[string]*bank{}
	for _, info := range dataset.Banks() {
		banks[info.BIC] = newBank(testAgency(info.Participant, ds), info)
	}
	seen := map[string]int{}
	check := func(what string, e *etree.Element) {
		t.Helper()
		seen[what]++
		validate(t, what, e)
	}
	answerOf := func(h adapters.RequestHandler, q *etree.Element) *etree.Element {
		t.Helper()
		a, err := h(ctx, request(q))
		if err != nil || a == nil {
			t.Fatalf("%s: answer %v, %v", q.Tag, a, err)
		}
		return a.Payload
	}
	for i := range ds.Cases {
		c := &ds.Cases[i]
		key := c.Debtor.Key()
		check("writ", writPayload(c))
		p := proceedingFor(b, c)
		check("writ accepted", writAccepted(p))
		check("writ rejected", writRejected(c.DocumentNumber, c.DocumentDate, rejectDuplicate, "Повторно"))
		for _, q := range p.queries() {
			check(q+" query", queryPayload(p, q))
		}
		check("vehicle answer", answerOf(traffic.vehicleQuery, queryPayload(p, "vehicle")))
		check("account answer", answerOf(tax.accountQuery, queryPayload(p, "account")))
		check("real-estate answer", answerOf(land.realEstateQuery, queryPayload(p, "real-estate")))
		if c.Debtor.IsPerson() {
			check("income answer", answerOf(pension.incomeQuery, queryPayload(p, "income")))
		}
		for _, bic := range ds.BanksOf(key) {
			check("bank-account query", queryPayload(p, "bank:"+bic))
			check("bank-account answer", answerOf(banks[bic].accountQuery, queryPayload(p, "bank:"+bic)))
		}
		for _, event := range []string{eventOpened, eventStatusChanged, eventClosed} {
			check("notification "+event, notificationPayload(p, event, "Текст", nil))
		}

		// Every decree of the case, its lift, its collection, and the
		// recipients' results.
		o := ds.Expected(c)
		var decrees []*decree
		for _, a := range o.Arrests {
			arrest := &decree{kind: kindArrest, target: a.Account, bic: a.BIC, amount: a.Requested}
			decrees = append(decrees, arrest, &decree{kind: kindCollect, target: a.Account, bic: a.BIC, amount: max(a.Arrested, 1), of: arrest})
		}
		for _, vin := range o.VehicleBans {
			decrees = append(decrees, &decree{kind: kindBanVehicle, target: vin})
		}
		for _, lot := range o.RealEstateBans {
			decrees = append(decrees, &decree{kind: kindBanRealEstate, target: lot})
		}
		if o.DrivingLicenceRestricted {
			decrees = append(decrees, &decree{kind: kindRestrictLicence, target: o.DrivingLicence})
		}
		for _, d := range slices.Clone(decrees) {
			if d.restricting() {
				decrees = append(decrees, &decree{kind: liftOf[d.kind], target: d.target, bic: d.bic, of: d})
			}
		}
		for _, d := range decrees {
			p.add(d)
			x := decreePayload(p, d)
			check("decree "+d.kind, x)
			check("notification decree-issued", notificationPayload(p, eventDecreeIssued, decreeText(d), d))
			var result *etree.Element
			switch d.kind {
			case kindArrest, kindLiftArrest, kindCollect:
				result = answerOf(banks[d.bic].decree, x)
			case kindBanRealEstate, kindLiftRealEstate:
				result = answerOf(land.decree, x)
			default:
				result = answerOf(traffic.decree, x)
			}
			check("decree result "+text(result, "Status"), result)
		}
		if c.Payment != nil {
			check("payment notice", paymentNotice(p.number, c))
		}
	}
	for _, what := range []string{"writ", "vehicle answer", "income answer", "bank-account answer", "decree arrest-funds",
		"decree lift-driving-restriction", "decree collect-funds", "decree result executed", "decree result partly-executed",
		"decree result not-executed", "payment notice"} {
		if seen[what] == 0 {
			t.Errorf("no %s checked", what)
		}
	}
}

func TestMoney(t *testing.T) {
	for _, c := range []struct {
		in   string
		want int64
		ok   bool
	}{
		{"0.00", 0, true}, {"348912.45", 34891245, true}, {"12", 1200, true}, {"12.5", 1250, true},
		{"1.500", 150, true}, {"1.505", 0, false}, {"-1.00", 0, false}, {"abc", 0, false}, {"", 0, false},
	} {
		got, err := parseMoney(c.in)
		if (err == nil) != c.ok || (c.ok && got != c.want) {
			t.Errorf("parseMoney(%q) = %d, %v; want %d, ok %v", c.in, got, err, c.want, c.ok)
		}
	}
	for k, want := range map[int64]string{0: "0.00", 5: "0.05", 34891245: "348912.45", 100: "1.00"} {
		if got := money(k); got != want {
			t.Errorf("money(%d) = %q, want %q", k, got, want)
		}
	}
}

func TestSummaryTable(t *testing.T) {
	var b strings.Builder
	if err := (Summary{Writs: 100, Proceedings: 100, DeadLetters: 2}).WriteTable(&b); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimRight(b.String(), "\n"), "\n")
	if len(lines) != 15 {
		t.Fatalf("%d lines:\n%s", len(lines), b.String())
	}
	for _, want := range []string{"writs", "100", "dead letters", "2"} {
		if !strings.Contains(b.String(), want) {
			t.Errorf("no %q in\n%s", want, b.String())
		}
	}
	if f := strings.Fields(lines[0]); len(f) != 2 || f[0] != "writs" || f[1] != "100" {
		t.Errorf("first line %q", lines[0])
	}
}
