package sim

import (
	"context"
	"slices"
	"testing"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
	"mezhved/schemas/ident"
)

// A debtor with three accounts at Sberbank: 200.00, 0.00 and 1,000.00.
var (
	bankDebtor = dataset.Debtor{Party: dataset.Party{Kind: dataset.KindPerson, LastName: "Иванов", FirstName: "Пётр",
		BirthDate: "1985-03-14", INN: "500100732259", SNILS: "14850221648"}, DrivingLicence: "7712345678"}
	accA, accEmpty, accB = "40817810938001234567", "40817810338009876543", "42307810338009876543"
)

func bankWorld() *dataset.DataSet {
	return &dataset.DataSet{
		Debtors: []dataset.Debtor{bankDebtor},
		Accounts: []dataset.BankAccount{
			{OwnerINN: bankDebtor.INN, Number: accA, BIC: dataset.BICSberbank, Balance: 200_00},
			{OwnerINN: bankDebtor.INN, Number: accEmpty, BIC: dataset.BICSberbank, Balance: 0},
			{OwnerINN: bankDebtor.INN, Number: accB, BIC: dataset.BICSberbank, Balance: 1_000_00},
		},
		Vehicles: []dataset.Vehicle{{OwnerINN: bankDebtor.INN, VIN: "XTA21901060607117"}},
	}
}

// otherAccount returns a valid Sberbank account number that is not in
// bankWorld.
func otherAccount(t *testing.T) string {
	for k := '0'; k <= '9'; k++ {
		a := "40817810" + string(k) + "38001234568"
		if ident.CheckAccount(a, dataset.BICSberbank) == nil {
			return a
		}
	}
	t.Fatal("no control key fits")
	return ""
}

func sberbank(ds *dataset.DataSet) *bank {
	return newBank(testAgency("BANK044525225", ds), dataset.Banks()[0])
}

const testProceeding = "1/24/77001-ИП"

func funds(number, kind string, amount int64, lifted string, accounts ...string) decreeMsg {
	d := decreeMsg{Number: number, Proceeding: testProceeding, Kind: kind, Amount: amount, HasAmount: amount > 0,
		Debtor: bankDebtor.Key(), Lifted: lifted}
	for _, a := range accounts {
		d.Accounts = append(d.Accounts, accountRef{Number: a, BIC: dataset.BICSberbank})
	}
	return d
}

// result is the part of a DecreeResult the tests look at.
type result struct {
	status, reason string
	amount         string
}

func executeOn(t *testing.T, b *bank, d decreeMsg) result {
	t.Helper()
	return execute(t, b.decree, d)
}

func TestBankArrestArithmetic(t *testing.T) {
	for _, c := range []struct {
		name    string
		amount  int64
		account string
		want    result
		frozen  []int64 // what the registry holds
	}{
		{"balance above the amount", 150_00, accA, result{status: statusExecuted, amount: "150.00"}, []int64{150_00}},
		{"balance equal to the amount", 200_00, accA, result{status: statusExecuted, amount: "200.00"}, []int64{200_00}},
		{"balance short", 250_00, accA, result{status: statusPartly, amount: "200.00"}, []int64{200_00}},
		{"empty account", 10_00, accEmpty, result{status: statusPartly, amount: "0.00"}, []int64{0}},
		{"one kopeck", 1, accB, result{status: statusExecuted, amount: "0.01"}, []int64{1}},
		{"account the debtor does not hold", 10_00, otherAccount(t), result{status: statusNotExecuted, reason: reasonNotFound}, nil},
	} {
		t.Run(c.name, func(t *testing.T) {
			b := sberbank(bankWorld())
			if got := executeOn(t, b, funds("77001/24/1001", kindArrest, c.amount, "", c.account)); got != c.want {
				t.Errorf("got %+v, want %+v", got, c.want)
			}
			var frozen []int64
			for _, m := range b.reg.snapshot() {
				frozen = append(frozen, m.Arrested)
				if m.Requested != c.amount || m.Target != c.account {
					t.Errorf("registry %+v", m)
				}
			}
			if !slices.Equal(frozen, c.frozen) {
				t.Errorf("frozen %v, want %v", frozen, c.frozen)
			}
		})
	}
}

// TestBankArrestsAreIndependent: two proceedings arrest the same account;
// each is limited by the balance, not by what the other left.
func TestBankArrestsAreIndependent(t *testing.T) {
	b := sberbank(bankWorld())
	first := executeOn(t, b, funds("77001/24/1001", kindArrest, 150_00, "", accA))
	d := funds("77001/24/2001", kindArrest, 150_00, "", accA)
	d.Proceeding = "2/24/77001-ИП"
	second := executeOn(t, b, d)
	if first.amount != "150.00" || second.amount != "150.00" || second.status != statusExecuted {
		t.Fatalf("first %+v, second %+v", first, second)
	}
}

// TestBankSeveralAccounts: one decree over several accounts freezes, in
// the order named, each at most its balance, until the amount is reached.
func TestBankSeveralAccounts(t *testing.T) {
	b := sberbank(bankWorld())
	got := executeOn(t, b, funds("77001/24/1001", kindArrest, 700_00, "", accA, accEmpty, accB))
	if got != (result{status: statusExecuted, amount: "700.00"}) {
		t.Fatalf("got %+v", got)
	}
	var frozen []int64
	for _, m := range b.reg.snapshot() {
		frozen = append(frozen, m.Arrested)
	}
	if len(frozen) != 3 || frozen[0] != 200_00 || frozen[1] != 0 || frozen[2] != 500_00 {
		t.Fatalf("frozen per account %v", frozen)
	}
}

func TestBankDuplicateAndUnknownLift(t *testing.T) {
	b := sberbank(bankWorld())
	steps := []struct {
		name string
		d    decreeMsg
		want result
	}{
		{"arrest", funds("77001/24/1001", kindArrest, 250_00, "", accA), result{status: statusPartly, amount: "200.00"}},
		{"the same decree number again", funds("77001/24/1001", kindArrest, 250_00, "", accA),
			result{status: statusNotExecuted, reason: reasonAlready}},
		{"lift of an arrest never made", funds("77001/24/1002", kindLiftArrest, 0, "77001/24/9999", accA),
			result{status: statusNotExecuted, reason: reasonNotFound}},
		{"lift naming another account", funds("77001/24/1003", kindLiftArrest, 0, "77001/24/1001", accB),
			result{status: statusNotExecuted, reason: reasonNotFound}},
		{"lift without the lifted decree", funds("77001/24/1004", kindLiftArrest, 0, "", accA),
			result{status: statusNotExecuted, reason: reasonBadContent}},
		{"collect what the arrest froze", funds("77001/24/1005", kindCollect, 200_00, "", accA),
			result{status: statusExecuted, amount: "200.00"}},
		{"collect more than is left", funds("77001/24/1006", kindCollect, 1_00, "", accA),
			result{status: statusNotExecuted, reason: reasonNotFound}},
		{"lift the arrest", funds("77001/24/1007", kindLiftArrest, 0, "77001/24/1001", accA), result{status: statusExecuted}},
		{"the lift again, under a new number", funds("77001/24/1008", kindLiftArrest, 0, "77001/24/1001", accA),
			result{status: statusNotExecuted, reason: reasonNotFound}},
		{"the lift again, under its own number", funds("77001/24/1007", kindLiftArrest, 0, "77001/24/1001", accA),
			result{status: statusNotExecuted, reason: reasonAlready}},
		{"a vehicle ban sent to a bank", funds("77001/24/1009", kindBanVehicle, 0, ""),
			result{status: statusNotExecuted, reason: reasonBadContent}},
	}
	for _, s := range steps {
		if got := executeOn(t, b, s.d); got != s.want {
			t.Errorf("%s: got %+v, want %+v", s.name, got, s.want)
		}
	}
	ms := b.reg.snapshot()
	if len(ms) != 1 || ms[0].Collected != 200_00 || ms[0].LiftedBy != "77001/24/1007" {
		t.Fatalf("registry %+v", ms)
	}
}

// TestRegistriesDuplicateAndUnknownLift: the traffic police and the land
// registry detect the same cases as the banks.
func TestRegistriesDuplicateAndUnknownLift(t *testing.T) {
	ds := bankWorld()
	ds.Properties = []dataset.Property{{OwnerINN: bankDebtor.INN, CadastralNumber: "77:01:0001040:2187"}}
	traffic := newTrafficPolice(testAgency(TrafficPolice, ds))
	land := newLandRegistry(testAgency(LandRegistry, ds))
	vin, lot := "XTA21901060607117", "77:01:0001040:2187"
	dec := func(number, kind, lifted string) decreeMsg {
		return decreeMsg{Number: number, Proceeding: testProceeding, Kind: kind, Debtor: bankDebtor.Key(), Lifted: lifted}
	}
	withVIN := func(d decreeMsg, v string) decreeMsg { d.VINs = []string{v}; return d }
	withLot := func(d decreeMsg, c string) decreeMsg { d.Cadastral = []string{c}; return d }
	withLicence := func(d decreeMsg, l string) decreeMsg { d.Licence = l; return d }
	run := func(h func(decreeMsg) result, name string, d decreeMsg, status, reason string) {
		t.Helper()
		if got := h(d); got.status != status || got.reason != reason {
			t.Errorf("%s: got %+v, want %s %s", name, got, status, reason)
		}
	}
	onTraffic := func(d decreeMsg) result { return execute(t, traffic.decree, d) }
	onLand := func(d decreeMsg) result { return execute(t, land.decree, d) }

	run(onTraffic, "vehicle ban", withVIN(dec("77001/24/1001", kindBanVehicle, ""), vin), statusExecuted, "")
	run(onTraffic, "vehicle ban again", withVIN(dec("77001/24/1001", kindBanVehicle, ""), vin), statusNotExecuted, reasonAlready)
	run(onTraffic, "ban of another's vehicle", withVIN(dec("77001/24/1002", kindBanVehicle, ""), "Z94CB41A3GR323022"), statusNotExecuted, reasonNotFound)
	run(onTraffic, "lift of an unknown ban", withVIN(dec("77001/24/1003", kindLiftVehicle, "77001/24/1999"), vin), statusNotExecuted, reasonNotFound)
	run(onTraffic, "licence restriction", withLicence(dec("77001/24/1004", kindRestrictLicence, ""), "7712345678"), statusExecuted, "")
	run(onTraffic, "lift of the licence restriction by the ban's number", withLicence(dec("77001/24/1005", kindLiftLicence, "77001/24/1001"), "7712345678"), statusNotExecuted, reasonNotFound)
	run(onTraffic, "lift of the licence restriction", withLicence(dec("77001/24/1006", kindLiftLicence, "77001/24/1004"), "7712345678"), statusExecuted, "")
	run(onTraffic, "lift of the vehicle ban", withVIN(dec("77001/24/1007", kindLiftVehicle, "77001/24/1001"), vin), statusExecuted, "")
	run(onTraffic, "lift of the vehicle ban again", withVIN(dec("77001/24/1008", kindLiftVehicle, "77001/24/1001"), vin), statusNotExecuted, reasonNotFound)

	run(onLand, "real-estate ban", withLot(dec("77001/24/1011", kindBanRealEstate, ""), lot), statusExecuted, "")
	run(onLand, "real-estate ban again", withLot(dec("77001/24/1011", kindBanRealEstate, ""), lot), statusNotExecuted, reasonAlready)
	run(onLand, "lift of an unknown ban", withLot(dec("77001/24/1012", kindLiftRealEstate, "77001/24/1001"), lot), statusNotExecuted, reasonNotFound)
	run(onLand, "lift", withLot(dec("77001/24/1013", kindLiftRealEstate, "77001/24/1011"), lot), statusExecuted, "")
	run(onLand, "an arrest sent to the land registry", dec("77001/24/1014", kindArrest, ""), statusNotExecuted, reasonBadContent)
}

// decreeOf builds the Decree payload d describes (debtor: bankDebtor).
func decreeOf(d decreeMsg) *etree.Element {
	x := newPayload("decree", "Decree")
	add(x, "DecreeNumber", d.Number)
	add(x, "DecreeDate", "2024-03-15")
	add(x, "ProceedingNumber", d.Proceeding)
	add(x, "Kind", d.Kind)
	addParty(x, "Debtor", bankDebtor.Party)
	if d.HasAmount {
		addMoney(x, "Amount", d.Amount)
	}
	t := x.CreateElement("Targets")
	for _, a := range d.Accounts {
		acc := t.CreateElement("Account")
		add(acc, "AccountNumber", a.Number)
		add(acc, "BIC", a.BIC)
	}
	for _, c := range d.Cadastral {
		add(t, "CadastralNumber", c)
	}
	for _, v := range d.VINs {
		add(t, "VIN", v)
	}
	if d.Licence != "" {
		add(t.CreateElement("DrivingLicence"), "Number", d.Licence)
	}
	if len(t.ChildElements()) == 0 {
		x.RemoveChild(t)
	}
	if d.Lifted != "" {
		l := x.CreateElement("LiftedDecree")
		add(l, "DecreeNumber", d.Lifted)
		add(l, "DecreeDate", "2024-03-15")
	}
	return x
}

// execute passes the decree d describes, as a message, to an agency's
// decree handler, after checking the message is one the hub would take.
func execute(t *testing.T, h adapters.RequestHandler, d decreeMsg) result {
	t.Helper()
	x := decreeOf(d)
	validate(t, d.Kind, x)
	a, err := h(context.Background(), request(x))
	if err != nil {
		t.Fatal(err)
	}
	validate(t, d.Kind+" result", a.Payload)
	return result{status: text(a.Payload, "Status"), reason: text(a.Payload, "Reason"), amount: text(a.Payload, "ExecutedAmount")}
}
