package sim

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
)

// The agencies that answer the bailiff's queries from the data set and, for
// the traffic police and the land registry, execute its decrees. The banks
// are in bank.go.

// answer wraps a payload as an Answer.
func answer(payload *etree.Element) *adapters.Answer { return &adapters.Answer{Payload: payload} }

// notFound appends the explicit "nothing found" answer.
func notFound(parent *etree.Element) {
	add(parent.CreateElement("NotFound"), "Comment", "Сведения отсутствуют")
}

// queryAnswer starts the answer to a query: its root and the proceeding
// number the query named.
func queryAnswer(typ, root string, r *adapters.Request) *etree.Element {
	a := newPayload(typ, root)
	add(a, "ProceedingNumber", text(r.Payload, "ProceedingNumber"))
	return a
}

// trafficPolice (GIBDD01) answers vehicle queries and executes the decrees
// on vehicles and driving licences.
type trafficPolice struct {
	agency
	reg registry
}

func newTrafficPolice(base agency) *trafficPolice {
	return &trafficPolice{agency: base, reg: newRegistry("GIBDD")}
}

func (t *trafficPolice) install(a *adapters.Adapter) {
	a.Requests["VehicleQuery"] = t.vehicleQuery
	a.Requests["Decree"] = t.decree
}

func (t *trafficPolice) vehicleQuery(_ context.Context, r *adapters.Request) (*adapters.Answer, error) {
	a := queryAnswer("vehicle", "VehicleAnswer", r)
	vs := t.ds.VehiclesOf(debtorKey(r.Payload))
	for _, v := range vs {
		e := a.CreateElement("Vehicle")
		add(e, "VIN", v.VIN)
		add(e, "RegistrationPlate", v.Plate)
		add(e, "Model", v.Model)
		add(e, "Year", fmt.Sprint(v.Year))
		add(e, "RegistrationDate", v.RegistrationDate)
	}
	if len(vs) == 0 {
		notFound(a)
	}
	return answer(a), nil
}

func (t *trafficPolice) decree(_ context.Context, r *adapters.Request) (*adapters.Answer, error) {
	d, err := readDecree(r.Payload)
	if err != nil {
		return answer(notExecuted(d, reasonBadContent, "Сумма указана неверно")), nil
	}
	t.reg.mu.Lock()
	defer t.reg.mu.Unlock()
	if _, done := t.reg.executed[d.Number]; done {
		return answer(notExecuted(d, reasonAlready, "Постановление с этим номером уже исполнено")), nil
	}
	switch d.Kind {
	case kindBanVehicle:
		if len(d.VINs) == 0 {
			return answer(notExecuted(d, reasonBadContent, "Не указаны транспортные средства")), nil
		}
		var owned []string
		for _, v := range t.ds.VehiclesOf(d.Debtor) {
			owned = append(owned, v.VIN)
		}
		var ms []*measure
		for _, vin := range d.VINs {
			if !slices.Contains(owned, vin) {
				return answer(notExecuted(d, reasonNotFound, "Транспортное средство за должником не зарегистрировано")), nil
			}
			ms = append(ms, &measure{Proceeding: d.Proceeding, Kind: d.Kind, Target: vin})
		}
		return answer(decreeResult(d, statusExecuted, -1, "", "", t.reg.place(d.Number, ms...))), nil
	case kindRestrictLicence:
		debtor, ok := t.ds.FindDebtor(d.Debtor)
		if d.Licence == "" || !ok || debtor.DrivingLicence != d.Licence {
			return answer(notExecuted(d, reasonNotFound, "Водительское удостоверение должника не найдено")), nil
		}
		rec := t.reg.place(d.Number, &measure{Proceeding: d.Proceeding, Kind: d.Kind, Target: d.Licence})
		return answer(decreeResult(d, statusExecuted, -1, "", "", rec)), nil
	case kindLiftVehicle:
		return answer(liftResult(&t.reg, d, kindBanVehicle, d.VINs)), nil
	case kindLiftLicence:
		var targets []string
		if d.Licence != "" {
			targets = []string{d.Licence}
		}
		return answer(liftResult(&t.reg, d, kindRestrictLicence, targets)), nil
	}
	return answer(notExecuted(d, reasonBadContent, "Вид постановления не относится к ГИБДД")), nil
}

// liftResult lifts what a lifting decree names and says how it went.
// Callers hold reg.mu.
func liftResult(reg *registry, d decreeMsg, placing string, targets []string) *etree.Element {
	if d.Lifted == "" {
		return notExecuted(d, reasonBadContent, "Не указано отменяемое постановление")
	}
	rec := reg.lift(d, placing, targets)
	if rec == "" {
		return notExecuted(d, reasonNotFound, "Мера по указанному постановлению не применялась или уже отменена")
	}
	return decreeResult(d, statusExecuted, -1, "", "", rec)
}

// taxService (FNS01) answers account queries: one Bank entry per account
// of the debtor.
type taxService struct{ agency }

func (f *taxService) install(a *adapters.Adapter) { a.Requests["AccountQuery"] = f.accountQuery }

func (f *taxService) accountQuery(_ context.Context, r *adapters.Request) (*adapters.Answer, error) {
	a := queryAnswer("account", "AccountAnswer", r)
	accounts := f.ds.AccountsOf(debtorKey(r.Payload))
	for _, acc := range accounts {
		e := a.CreateElement("Bank")
		add(e, "BIC", acc.BIC)
		add(e, "BankName", bankName(acc.BIC))
		add(e, "AccountNumber", acc.Number)
		add(e, "AccountOpenedDate", acc.OpenedDate)
	}
	if len(accounts) == 0 {
		notFound(a)
	}
	return answer(a), nil
}

func bankName(bic string) string {
	for _, b := range dataset.Banks() {
		if b.BIC == bic {
			return b.Name
		}
	}
	return "Банк " + bic
}

// landRegistry (ROSREESTR01) answers real-estate queries and executes the
// real-estate decrees.
type landRegistry struct {
	agency
	reg registry
}

func newLandRegistry(base agency) *landRegistry {
	return &landRegistry{agency: base, reg: newRegistry("EGRN")}
}

func (l *landRegistry) install(a *adapters.Adapter) {
	a.Requests["RealEstateQuery"] = l.realEstateQuery
	a.Requests["Decree"] = l.decree
}

func (l *landRegistry) realEstateQuery(_ context.Context, r *adapters.Request) (*adapters.Answer, error) {
	a := queryAnswer("real-estate", "RealEstateAnswer", r)
	ps := l.ds.PropertiesOf(debtorKey(r.Payload))
	for _, p := range ps {
		e := a.CreateElement("Property")
		add(e, "CadastralNumber", p.CadastralNumber)
		add(e, "Kind", string(p.Kind))
		addAddress(e, p.Address)
		add(e, "Area", p.Area)
		add(e, "RightKind", p.RightKind)
		num, den, _ := strings.Cut(p.Share, "/")
		share := e.CreateElement("Share")
		add(share, "Numerator", num)
		add(share, "Denominator", den)
		add(e, "RightRecordId", p.RightRecordID)
		add(e, "RightRegisteredDate", p.RightRegisteredDate)
	}
	if len(ps) == 0 {
		notFound(a)
	}
	return answer(a), nil
}

func (l *landRegistry) decree(_ context.Context, r *adapters.Request) (*adapters.Answer, error) {
	d, err := readDecree(r.Payload)
	if err != nil {
		return answer(notExecuted(d, reasonBadContent, "Сумма указана неверно")), nil
	}
	l.reg.mu.Lock()
	defer l.reg.mu.Unlock()
	if _, done := l.reg.executed[d.Number]; done {
		return answer(notExecuted(d, reasonAlready, "Постановление с этим номером уже исполнено")), nil
	}
	switch d.Kind {
	case kindBanRealEstate:
		if len(d.Cadastral) == 0 {
			return answer(notExecuted(d, reasonBadContent, "Не указаны объекты недвижимости")), nil
		}
		var owned []string
		for _, p := range l.ds.PropertiesOf(d.Debtor) {
			owned = append(owned, p.CadastralNumber)
		}
		var ms []*measure
		for _, c := range d.Cadastral {
			if !slices.Contains(owned, c) {
				return answer(notExecuted(d, reasonNotFound, "Право должника на объект не зарегистрировано")), nil
			}
			ms = append(ms, &measure{Proceeding: d.Proceeding, Kind: d.Kind, Target: c})
		}
		return answer(decreeResult(d, statusExecuted, -1, "", "", l.reg.place(d.Number, ms...))), nil
	case kindLiftRealEstate:
		return answer(liftResult(&l.reg, d, kindBanRealEstate, d.Cadastral)), nil
	}
	return answer(notExecuted(d, reasonBadContent, "Вид постановления не относится к Росреестру")), nil
}

// pensionFund (SFR01) answers income queries.
type pensionFund struct{ agency }

func (p *pensionFund) install(a *adapters.Adapter) { a.Requests["IncomeQuery"] = p.incomeQuery }

func (p *pensionFund) incomeQuery(_ context.Context, r *adapters.Request) (*adapters.Answer, error) {
	a := queryAnswer("income", "IncomeAnswer", r)
	incomes := p.ds.IncomesOf(debtorKey(r.Payload))
	for _, in := range incomes {
		e := a.CreateElement("Income")
		payer := e.CreateElement("Payer")
		add(payer, "INN", in.EmployerINN)
		add(payer, "Name", in.Employer)
		addOpt(payer, "KPP", in.EmployerKPP)
		period := e.CreateElement("Period")
		add(period, "From", in.From)
		add(period, "To", in.To)
		addMoney(e, "Amount", in.Total())
		add(e, "Kind", string(in.Kind))
	}
	if len(incomes) == 0 {
		notFound(a)
	}
	return answer(a), nil
}
