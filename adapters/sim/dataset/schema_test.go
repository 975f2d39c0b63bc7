package dataset_test

import (
	"context"
	"encoding/xml"
	"fmt"
	"strings"
	"testing"

	"github.com/beevik/etree"

	"mezhved/adapters/sim/dataset"
	"mezhved/schemas"
)

// The values of the data set go into messages as they are. This test puts
// them into each payload type the simulators build from them and validates
// the payloads against the shipped enforcement schemas and the hub's
// identifier checks.

// node is a minimal XML element for building payloads in tests.
type node struct {
	name string
	text string
	attr string // one attribute, written as is
	kids []node
}

func leaf(name, text string) node { return node{name: name, text: text} }

// opt returns the leaf, or nothing when text is empty (an absent optional
// element).
func opt(name, text string) []node {
	if text == "" {
		return nil
	}
	return []node{leaf(name, text)}
}

func elem(name string, kids ...[]node) node {
	n := node{name: name}
	for _, k := range kids {
		n.kids = append(n.kids, k...)
	}
	return n
}

func one(n node) []node { return []node{n} }

func (n node) write(b *strings.Builder) {
	b.WriteString("<" + n.name)
	if n.attr != "" {
		b.WriteString(" " + n.attr)
	}
	b.WriteString(">")
	_ = xml.EscapeText(b, []byte(n.text))
	for _, k := range n.kids {
		k.write(b)
	}
	b.WriteString("</" + strings.Fields(n.name)[0] + ">")
}

func money(kopecks int64) string { return fmt.Sprintf("%d.%02d", kopecks/100, kopecks%100) }

func addressNode(a dataset.Address) node {
	return elem("Address", opt("PostalCode", a.PostalCode), one(leaf("RegionCode", a.RegionCode)),
		one(leaf("Region", a.Region)), one(leaf("Locality", a.Locality)), opt("Street", a.Street),
		opt("House", a.House), opt("Building", a.Building), opt("Apartment", a.Apartment))
}

func partyNode(name string, p dataset.Party) node {
	var who node
	if p.IsPerson() {
		who = elem("Person", one(leaf("LastName", p.LastName)), one(leaf("FirstName", p.FirstName)),
			opt("MiddleName", p.MiddleName), one(leaf("BirthDate", p.BirthDate)), opt("BirthPlace", p.BirthPlace),
			opt("INN", p.INN), opt("SNILS", p.SNILS))
	} else {
		who = elem("Organization", one(leaf("Name", p.Name)), one(leaf("INN", p.INN)),
			one(leaf("OGRN", p.OGRN)), opt("KPP", p.KPP))
	}
	return elem(name, one(who), one(addressNode(p.Address)))
}

func payload(typ string, root node) string {
	root.name += ` xmlns="` + schemas.EnforcementNamespace(typ) + `"`
	var b strings.Builder
	root.write(&b)
	return b.String()
}

const proceeding = "12345/24/77001-ИП"

// casePayloads returns the payloads of the whole cycle of c, by name.
func casePayloads(ds *dataset.DataSet, c *dataset.Case) map[string]string {
	key := c.Debtor.Key()
	out := map[string]string{}

	amount := leaf("Amount", money(c.Debt))
	amount.attr = `Currency="RUB"`
	out["writ"] = payload("writ", elem("Writ",
		one(elem("Issuer", one(leaf("Code", c.Issuer)), one(leaf("Name", c.IssuerName)))),
		one(leaf("DocumentKind", c.DocumentKind)), one(leaf("DocumentNumber", c.DocumentNumber)),
		one(leaf("DocumentDate", c.DocumentDate)), one(leaf("CaseNumber", c.CaseNumber)),
		opt("DecisionEffectiveDate", c.DecisionEffectiveDate),
		one(partyNode("Creditor", c.Creditor)), one(partyNode("Debtor", c.Debtor.Party)),
		one(amount), one(leaf("Subject", c.SubjectText))))

	if vs := ds.VehiclesOf(key); len(vs) > 0 {
		var items []node
		for _, v := range vs {
			items = append(items, elem("Vehicle", one(leaf("VIN", v.VIN)), one(leaf("RegistrationPlate", v.Plate)),
				one(leaf("Model", v.Model)), one(leaf("Year", fmt.Sprint(v.Year))), one(leaf("RegistrationDate", v.RegistrationDate))))
		}
		out["vehicle"] = payload("vehicle", elem("VehicleAnswer", one(leaf("ProceedingNumber", proceeding)), items))
	}

	if accounts := ds.AccountsOf(key); len(accounts) > 0 {
		var banks []node
		for _, a := range accounts {
			banks = append(banks, elem("Bank", one(leaf("BIC", a.BIC)), one(leaf("BankName", "Банк")),
				one(leaf("AccountNumber", a.Number)), one(leaf("AccountOpenedDate", a.OpenedDate))))
		}
		out["account"] = payload("account", elem("AccountAnswer", one(leaf("ProceedingNumber", proceeding)), banks))
		for _, bic := range ds.BanksOf(key) {
			var items []node
			for _, a := range ds.AccountsAt(key, bic) {
				items = append(items, elem("Account", one(leaf("AccountNumber", a.Number)), one(leaf("BIC", a.BIC)),
					one(leaf("Balance", money(a.Balance))), one(leaf("Currency", a.Currency)),
					one(leaf("Kind", string(a.Kind))), one(leaf("OpenedDate", a.OpenedDate))))
			}
			out["bank-account "+bic] = payload("bank-account", elem("BankAccountAnswer",
				one(leaf("ProceedingNumber", proceeding)), one(leaf("AsOf", "2024-03-06T09:00:00+03:00")), items))
		}
	}

	if ps := ds.PropertiesOf(key); len(ps) > 0 {
		var items []node
		for _, p := range ps {
			num, den, _ := strings.Cut(p.Share, "/")
			items = append(items, elem("Property", one(leaf("CadastralNumber", p.CadastralNumber)),
				one(leaf("Kind", string(p.Kind))), one(addressNode(p.Address)), one(leaf("Area", p.Area)),
				one(leaf("RightKind", p.RightKind)),
				one(elem("Share", one(leaf("Numerator", num)), one(leaf("Denominator", den)))),
				one(leaf("RightRecordId", p.RightRecordID)), one(leaf("RightRegisteredDate", p.RightRegisteredDate))))
		}
		out["real-estate"] = payload("real-estate", elem("RealEstateAnswer", one(leaf("ProceedingNumber", proceeding)), items))
	}

	if is := ds.IncomesOf(key); len(is) > 0 {
		var items []node
		for _, in := range is {
			items = append(items, elem("Income",
				one(elem("Payer", one(leaf("INN", in.EmployerINN)), one(leaf("Name", in.Employer)), opt("KPP", in.EmployerKPP))),
				one(elem("Period", one(leaf("From", in.From)), one(leaf("To", in.To)))),
				one(leaf("Amount", money(in.Total()))), one(leaf("Kind", string(in.Kind)))))
		}
		out["income"] = payload("income", elem("IncomeAnswer", one(leaf("ProceedingNumber", proceeding)), items))
	}

	if c.ChildSupport {
		out["decree"] = payload("decree", elem("Decree", one(leaf("DecreeNumber", "77001/24/1034567")),
			one(leaf("DecreeDate", c.DocumentDate)), one(leaf("ProceedingNumber", proceeding)),
			one(leaf("Kind", "restrict-driving-licence")), one(partyNode("Debtor", c.Debtor.Party)),
			one(elem("Targets", one(elem("DrivingLicence", one(leaf("Number", c.Debtor.DrivingLicence))))))))
	}

	if p := c.Payment; p != nil {
		out["payment-notice"] = payload("payment-notice", elem("PaymentNotice", one(leaf("ProceedingNumber", proceeding)),
			one(partyNode("Payer", c.Debtor.Party)), one(leaf("Amount", money(p.Amount))), one(leaf("PaymentDate", p.Date)),
			one(leaf("UIN", p.UIN)), one(leaf("PaymentDocumentNumber", p.DocumentNumber)),
			one(leaf("Channel", string(p.Channel))), opt("BIC", p.BIC)))
	}
	return out
}

func wrapEnvelope(payload string) string {
	return `<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"><soap:Body>` +
		`<t:SendRequestRequest xmlns:t="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/1.1" xmlns:b="urn://x-artefacts-smev-gov-ru/services/message-exchange/types/basic/1.1">` +
		`<t:SenderProvidedRequestData Id="S"><t:MessageID>db0486d0-3c08-11e5-95e2-d4c9eff07b77</t:MessageID>` +
		`<b:MessagePrimaryContent>` + payload + `</b:MessagePrimaryContent></t:SenderProvidedRequestData>` +
		`</t:SendRequestRequest></soap:Body></soap:Envelope>`
}

func TestValuesFitSchemas(t *testing.T) {
	ctx := context.Background()
	var srcs []schemas.Source
	for _, typ := range []string{"writ", "vehicle", "account", "bank-account", "real-estate", "income", "decree", "payment-notice"} {
		srcs = append(srcs, schemas.Builtin("enforcement/"+typ+".xsd"))
	}
	set, err := schemas.Compile(ctx, srcs, 0)
	if err != nil {
		t.Fatal(err)
	}
	ds := gen(t, 7, 1000)
	seen := map[string]int{}
	for i := range ds.Cases {
		c := &ds.Cases[i]
		for name, p := range casePayloads(ds, c) {
			seen[strings.Fields(name)[0]]++
			if err := set.Validate(ctx, []byte(wrapEnvelope(p))); err != nil {
				t.Fatalf("%s %s: %v\n%s", c.ID, name, err, p)
			}
			// The identifier checks the hub applies at the door.
			doc := etree.NewDocument()
			if err := doc.ReadFromString(p); err != nil {
				t.Fatalf("%s %s: %v", c.ID, name, err)
			}
			if issues := schemas.CheckIdentifiers(doc.Root(), schemas.EnforcementIdentifiers()); len(issues) > 0 {
				t.Fatalf("%s %s: identifier issues %+v", c.ID, name, issues)
			}
		}
	}
	for _, name := range []string{"writ", "vehicle", "account", "bank-account", "real-estate", "income", "decree", "payment-notice"} {
		if seen[name] == 0 {
			t.Errorf("no %s payload validated", name)
		}
	}
}
