package dataset

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
)

// pcgStream is the second word of the PCG state; the seed is the first.
const pcgStream = 0x6d657a6876656421

// repeatPercent is the share of cases (in percent) whose debtor already has
// an earlier case, when a suitable earlier debtor exists.
const repeatPercent = 12

// Date range of the generated writs: from writFirstDay, within writDays.
var writFirstDay = time.Date(2024, time.January, 9, 0, 0, 0, 0, time.UTC)

const writDays = 330

// Generate returns the data set for seed with the given number of cases
// (none when cases <= 0). The same seed and count give the same data set on
// every run and machine.
//
// Each case has its own writ; about one case in eight reuses the debtor of
// an earlier case. A new debtor owns 0 to 3 vehicles (at least one when the
// case is a traffic fine), 0 to 3 accounts spread over the two banks, 0 to 2
// properties and, for a person, 0 to 2 incomes. Every identifier is valid
// and unique in the data set. In about 70% of the cases the debtor pays in
// full, in 10% part of the debt, and in 20% nothing.
func Generate(seed uint64, cases int) *DataSet {
	g := &generator{
		rng:  rand.New(rand.NewPCG(seed, pcgStream)),
		used: make(map[string]bool),
		ds:   &DataSet{Seed: seed},
	}
	g.courtSerial = g.between(100, 999)
	g.arbitrazhSerial = g.between(1000, 9999)
	g.taxSerial = g.between(1, 999)
	g.makeCreditors()
	for i := 0; i < cases; i++ {
		g.addCase(i)
	}
	return g.ds
}

// generator holds the state of one generation. All randomness comes from
// rng, consumed in a fixed order; used only answers membership questions,
// so map iteration order never matters.
type generator struct {
	rng  *rand.Rand
	used map[string]bool // issued identifiers, keyed "kind:value"
	ds   *DataSet

	employers      []Party
	fineCreditors  []Party // per region
	taxCreditors   []Party // per region
	debtorRegion   []int   // region index of each debtor in ds.Debtors
	debtorVehicles []int   // number of vehicles of each debtor

	// Serial numbers of court cases and tax acts: each new one is the
	// previous one plus a small random step, so they never repeat.
	courtSerial, arbitrazhSerial, taxSerial int
}

// nextSerial advances *serial by a random step of 1 to 9 and returns it.
func (g *generator) nextSerial(serial *int) int {
	*serial += g.between(1, 9)
	return *serial
}

// percent reports true with probability p/100.
func (g *generator) percent(p int) bool { return g.rng.IntN(100) < p }

// between returns a random integer in [lo, hi].
func (g *generator) between(lo, hi int) int { return lo + g.rng.IntN(hi-lo+1) }

// between64 returns a random int64 in [lo, hi].
func (g *generator) between64(lo, hi int64) int64 { return lo + g.rng.Int64N(hi-lo+1) }

// pick returns a random element of list.
func pick[T any](g *generator, list []T) T { return list[g.rng.IntN(len(list))] }

// digits returns n random decimal digits.
func (g *generator) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.rng.IntN(10))
	}
	return string(b)
}

// unique calls next until it returns a value not issued before for kind,
// records it and returns it. Every kind has a value space far larger than
// any data set needs; numbers from small spaces come from serials instead.
func (g *generator) unique(kind string, next func() string) string {
	for {
		v := next()
		if k := kind + ":" + v; !g.used[k] {
			g.used[k] = true
			return v
		}
	}
}

// date returns the day offset days after from, formatted with DateLayout.
func date(from time.Time, days int) string { return from.AddDate(0, 0, days).Format(DateLayout) }

// --- identifiers ---

// taxOffice returns a 2-digit tax office number for the region.
func (g *generator) taxOffice() string { return fmt.Sprintf("%02d", g.between(1, 51)) }

func (g *generator) personINN(r *region) string {
	return g.unique("inn", func() string { return completeINN(r.code + g.taxOffice() + g.digits(6)) })
}

func (g *generator) orgINN(r *region) string {
	return g.unique("inn", func() string { return completeINN(r.code + g.taxOffice() + g.digits(5)) })
}

// ogrn returns an OGRN: sign 1, year of registration, region, 7 digits.
func (g *generator) ogrn(r *region) string {
	return g.unique("ogrn", func() string {
		return completeOGRN(fmt.Sprintf("1%02d%s%s", g.between(2, 23), r.code, g.digits(7)))
	})
}

// snils returns a SNILS above 001-001-998, so that its check number counts.
func (g *generator) snils() string {
	return g.unique("snils", func() string {
		return completeSNILS(fmt.Sprintf("%09d", g.between(2_000_000, 999_999_999)))
	})
}

func (g *generator) drivingLicence(r *region) string {
	return g.unique("licence", func() string { return r.code + g.digits(8) })
}

// --- parties ---

func (g *generator) address(r *region, apartment bool) Address {
	l := pick(g, r.localities)
	a := Address{
		PostalCode: fmt.Sprintf("%06d", l.postalBase+g.rng.IntN(l.postalSpan)),
		RegionCode: r.code,
		Region:     r.name,
		Locality:   l.name,
		Street:     pick(g, l.streets),
		House:      fmt.Sprintf("д. %d", g.between(1, 120)),
	}
	if g.percent(25) {
		a.Building = fmt.Sprintf("корп. %d", g.between(1, 5))
	}
	if apartment {
		a.Apartment = fmt.Sprintf("кв. %d", g.between(1, 400))
	}
	return a
}

// person returns a new adult person living in region r.
func (g *generator) person(r *region, female bool) Party {
	surname := pick(g, maleSurnames)
	father := pick(g, maleNames)
	p := Party{Kind: KindPerson}
	if female {
		p.LastName, p.FirstName, p.MiddleName = femaleSurname(surname), pick(g, femaleNames), father.daughterOf
	} else {
		p.LastName, p.FirstName, p.MiddleName = surname, pick(g, maleNames).name, father.sonOf
	}
	born := time.Date(1962, time.January, 1, 0, 0, 0, 0, time.UTC)
	p.BirthDate = date(born, g.rng.IntN(40*365))
	p.BirthPlace = pick(g, birthPlaces)
	p.INN = g.personINN(r)
	p.SNILS = g.snils()
	p.Address = g.address(r, true)
	return p
}

// organization returns a new organisation registered in region r.
func (g *generator) organization(r *region, name string) Party {
	p := Party{Kind: KindOrganization, Name: name}
	p.INN = g.orgINN(r)
	p.OGRN = g.ogrn(r)
	p.KPP = p.INN[:4] + "01001"
	p.Address = g.address(r, false)
	return p
}

func (g *generator) orgName() string {
	form := "ООО"
	if g.percent(15) {
		form = "АО"
	}
	stem, ending := pick(g, orgNameStems), pick(g, orgNameEndings)
	return form + " «" + stem + ending + "»"
}

// makeCreditors creates the employers and the state creditors of fines and
// taxes, the same for every case.
func (g *generator) makeCreditors() {
	for _, name := range employerNames {
		g.employers = append(g.employers, g.organization(pick(g, regionPtrs()), name))
	}
	for i := range regions {
		r := &regions[i]
		police := "ГУ МВД России по г. Москве"
		if r.code == "50" {
			police = "ГУ МВД России по Московской области"
		}
		g.fineCreditors = append(g.fineCreditors, g.organization(r, police))
		g.taxCreditors = append(g.taxCreditors, g.organization(r, r.taxOffice))
	}
}

// regionPtrs returns pointers to the regions, in table order.
func regionPtrs() []*region {
	out := make([]*region, len(regions))
	for i := range regions {
		out[i] = &regions[i]
	}
	return out
}

// --- cases ---

// subjectFor draws a subject: 20% child support, 30% loans, 25% fines,
// 25% taxes.
func (g *generator) subjectFor() Subject {
	switch n := g.rng.IntN(100); {
	case n < 20:
		return SubjectChildSupport
	case n < 50:
		return SubjectLoan
	case n < 75:
		return SubjectFine
	default:
		return SubjectTax
	}
}

// orgPercent is the share of organisation debtors for each subject.
var orgPercent = map[Subject]int{SubjectChildSupport: 0, SubjectLoan: 20, SubjectFine: 15, SubjectTax: 35}

// reuseAttempts bounds the draws of an earlier debtor for a new case.
const reuseAttempts = 8

// reuseDebtor returns, for repeatPercent of the cases, the index of a random
// earlier debtor suitable for the subject (a person for child support, a
// vehicle owner for a fine), or -1 for a new debtor.
func (g *generator) reuseDebtor(s Subject) int {
	if len(g.ds.Debtors) == 0 || !g.percent(repeatPercent) {
		return -1
	}
	for range reuseAttempts {
		i := g.rng.IntN(len(g.ds.Debtors))
		switch {
		case s == SubjectChildSupport && !g.ds.Debtors[i].IsPerson():
		case s == SubjectFine && g.debtorVehicles[i] == 0:
		default:
			return i
		}
	}
	return -1
}

func (g *generator) addCase(i int) {
	s := g.subjectFor()
	idx := g.reuseDebtor(s)
	if idx < 0 {
		idx = g.newDebtor(s)
	}
	debtor := g.ds.Debtors[idx]
	r := &regions[g.debtorRegion[idx]]

	c := Case{
		ID:           fmt.Sprintf("C%05d", i+1),
		Debtor:       debtor,
		Subject:      s,
		ChildSupport: s == SubjectChildSupport,
	}
	docDay := writFirstDay.AddDate(0, 0, g.rng.IntN(writDays))
	c.DocumentDate = docDay.Format(DateLayout)
	c.DecisionEffectiveDate = date(docDay, -g.between(10, 45))
	year := docDay.Year()

	switch s {
	case SubjectChildSupport:
		c.Creditor = g.person(r, !femaleDebtor(debtor))
		c.Debt = g.between64(30_000_00, 600_000_00)
		c.Issuer = IssuerCourt
		c.DocumentKind, c.DocumentNumber, c.CaseNumber, c.IssuerName = g.courtDocument(r, year, g.percent(60))
		c.SubjectText = "Взыскание задолженности по алиментам на содержание несовершеннолетнего ребёнка в размере " + rubles(c.Debt) + " руб."
	case SubjectLoan:
		c.Creditor = pick(g, creditorBanks)
		if debtor.IsPerson() {
			c.Debt = g.between64(20_000_00, 1_500_000_00)
			c.Issuer = IssuerCourt
			c.DocumentKind, c.DocumentNumber, c.CaseNumber, c.IssuerName = g.courtDocument(r, year, c.Debt <= 500_000_00)
		} else {
			c.Debt = g.between64(100_000_00, 5_000_000_00)
			c.Issuer = IssuerCourt
			c.DocumentKind = DocWritOfExecution
			c.DocumentNumber = g.writOfExecutionNumber()
			c.CaseNumber = fmt.Sprintf("А%s-%d/%d", r.code, g.nextSerial(&g.arbitrazhSerial), year)
			c.IssuerName = r.arbitrazh
		}
		contract := fmt.Sprintf("%02d-%06d", g.between(10, 99), g.rng.IntN(1_000_000))
		signed := date(docDay, -g.between(400, 2000))
		c.SubjectText = fmt.Sprintf("Взыскание задолженности по кредитному договору № %s от %s в размере %s руб.", contract, russianDate(signed), rubles(c.Debt))
	case SubjectFine:
		a := pick(g, fineArticles)
		c.Creditor = g.fineCreditors[g.debtorRegion[idx]]
		c.Debt = a.rubles * 100
		c.Issuer = IssuerTrafficPolice
		c.IssuerName = r.trafficPolice
		c.DocumentKind = DocTrafficFine
		c.DocumentNumber = g.unique("doc", func() string { return "18810" + r.code + fmt.Sprintf("%02d", year%100) + g.digits(11) })
		c.CaseNumber = c.DocumentNumber
		c.SubjectText = fmt.Sprintf("Административный штраф по %s КоАП РФ в размере %s руб.", a.article, rubles(c.Debt))
	case SubjectTax:
		c.Creditor = g.taxCreditors[g.debtorRegion[idx]]
		if debtor.IsPerson() {
			c.Debt = g.between64(1_000_00, 150_000_00)
		} else {
			c.Debt = g.between64(10_000_00, 2_000_000_00)
		}
		c.Issuer = IssuerTax
		c.IssuerName = r.taxOffice
		c.DocumentKind = DocTaxAct
		c.DocumentNumber = fmt.Sprintf("%s-%06d", r.taxOfficeCode, g.nextSerial(&g.taxSerial))
		c.CaseNumber = c.DocumentNumber
		c.SubjectText = "Взыскание налогов, сборов, пеней и штрафов за счёт имущества налогоплательщика в размере " + rubles(c.Debt) + " руб."
	}
	c.Payment = g.payment(c.Debt, docDay)
	g.ds.Cases = append(g.ds.Cases, c)
}

// femaleDebtor reports whether a person's middle name is feminine.
func femaleDebtor(d Debtor) bool { return strings.HasSuffix(d.MiddleName, "на") }

// writOfExecutionNumber returns a unique "ФС № 0NNNNNNNN".
func (g *generator) writOfExecutionNumber() string {
	return g.unique("doc", func() string { return "ФС № 0" + g.digits(8) })
}

// courtDocument returns the kind, document number, case number and issuing
// court of a court writ for a person: a writ of execution from the district
// court, or a court order from a magistrate (whose document number is the
// case number).
func (g *generator) courtDocument(r *region, year int, order bool) (kind, number, caseNumber, court string) {
	l := pick(g, r.localities)
	caseNumber = fmt.Sprintf("2-%d/%d", g.nextSerial(&g.courtSerial), year)
	if order {
		court = fmt.Sprintf("Мировой судья судебного участка № %d%s", g.between(1, 450), l.magistrateSuffix)
		return DocCourtOrder, caseNumber, caseNumber, court
	}
	return DocWritOfExecution, g.writOfExecutionNumber(), caseNumber, pick(g, l.districtCourts)
}

// payment draws the debtor's payment: 70% in full, 10% in part, 20% none.
func (g *generator) payment(debt int64, docDay time.Time) *Payment {
	n := g.rng.IntN(100)
	if n >= 80 {
		return nil
	}
	p := &Payment{Amount: debt, Date: date(docDay, g.between(20, 90))}
	if n >= 70 {
		p.Amount = debt * int64(g.between(10, 90)) / 100
	}
	if g.percent(60) {
		p.Channel = ChannelPortal
	} else {
		p.Channel = ChannelBank
		p.BIC = pick(g, []string{BICSberbank, BICAlfaBank})
	}
	p.UIN = g.unique("uin", func() string { return "32277" + g.digits(20) })
	p.DocumentNumber = g.digits(6)
	return p
}

// --- debtors and assets ---

// newDebtor creates a debtor suitable for the subject, with its assets, and
// returns its index in ds.Debtors.
func (g *generator) newDebtor(s Subject) int {
	ri := g.rng.IntN(len(regions))
	r := &regions[ri]
	var d Debtor
	if g.percent(orgPercent[s]) {
		d.Party = g.organization(r, g.orgName())
	} else {
		female := g.percent(35)
		if s == SubjectChildSupport {
			female = g.percent(10)
		}
		d.Party = g.person(r, female)
		d.DrivingLicence = g.drivingLicence(r)
	}
	idx := len(g.ds.Debtors)
	g.ds.Debtors = append(g.ds.Debtors, d)
	g.debtorRegion = append(g.debtorRegion, ri)

	vehicles := g.countOf([]int{40, 35, 18, 7})
	if s == SubjectFine && vehicles == 0 {
		vehicles = 1
	}
	for range vehicles {
		g.ds.Vehicles = append(g.ds.Vehicles, g.vehicle(d.INN, r))
	}
	g.debtorVehicles = append(g.debtorVehicles, vehicles)

	var accounts []BankAccount
	for range g.countOf([]int{15, 35, 30, 20}) {
		accounts = append(accounts, g.account(&d))
	}
	slices.SortFunc(accounts, compareAccounts)
	g.ds.Accounts = append(g.ds.Accounts, accounts...)

	for j := range g.countOf([]int{50, 35, 15}) {
		g.ds.Properties = append(g.ds.Properties, g.property(&d, r, j == 0))
	}
	if d.IsPerson() {
		employers := slices.Clone(g.employers)
		for j := range g.countOf([]int{30, 55, 15}) {
			// Distinct employers: take one out of the remaining ones.
			k := g.rng.IntN(len(employers) - j)
			g.ds.Incomes = append(g.ds.Incomes, g.income(d.INN, employers[k]))
			employers[k], employers[len(employers)-1-j] = employers[len(employers)-1-j], employers[k]
		}
	}
	return idx
}

// countOf draws a count n with probability weights[n] percent.
func (g *generator) countOf(weights []int) int {
	n := g.rng.IntN(100)
	for i, w := range weights {
		if n < w {
			return i
		}
		n -= w
	}
	return len(weights) - 1
}

func (g *generator) vehicle(owner string, r *region) Vehicle {
	m := pick(g, vehicleModels)
	year := g.between(2006, 2023)
	vin := g.unique("vin", func() string {
		b := []byte(m.wmi + m.vds + "0")
		b = append(b, vinYearCode(year), m.plant)
		b = append(b, g.digits(6)...)
		b[8] = vinCheckDigit(string(b))
		return string(b)
	})
	plate := g.unique("plate", func() string {
		return string(pick(g, plateLetters)) + fmt.Sprintf("%03d", g.between(1, 999)) +
			string(pick(g, plateLetters)) + string(pick(g, plateLetters)) + pick(g, r.plateCodes)
	})
	registered := time.Date(year, time.February, 1, 0, 0, 0, 0, time.UTC)
	return Vehicle{
		OwnerINN:         owner,
		VIN:              vin,
		Plate:            plate,
		Model:            m.name,
		Year:             year,
		RegistrationDate: date(registered, g.rng.IntN(2*365)),
	}
}

// balance draws an account balance in kopecks: 25% empty, 35% up to 15,000
// roubles, 25% up to 150,000, 15% up to 2,500,000.
func (g *generator) balance() int64 {
	switch n := g.rng.IntN(100); {
	case n < 25:
		return 0
	case n < 60:
		return g.between64(1, 15_000_00)
	case n < 85:
		return g.between64(15_000_00, 150_000_00)
	default:
		return g.between64(150_000_00, 2_500_000_00)
	}
}

func (g *generator) account(d *Debtor) BankAccount {
	a := BankAccount{OwnerINN: d.INN, BIC: pick(g, []string{BICSberbank, BICAlfaBank}), Currency: Currency}
	var ledger string // balance-sheet account, digits 1-5
	switch {
	case !d.IsPerson():
		a.Kind, ledger = AccountSettlement, "40702"
	case g.percent(20):
		a.Kind, ledger = AccountDeposit, pick(g, []string{"42301", "42305"})
	case g.percent(50):
		a.Kind, ledger = AccountCard, "40817"
	default:
		a.Kind, ledger = AccountCurrent, "40817"
	}
	branch := "38" + g.digits(2)
	if a.BIC == BICAlfaBank {
		branch = "0" + g.digits(3)
	}
	a.Number = g.unique("account", func() string {
		return withAccountKey(ledger+"8100"+branch+g.digits(7), a.BIC)
	})
	a.Balance = g.balance()
	a.OpenedDate = date(time.Date(2010, time.January, 11, 0, 0, 0, 0, time.UTC), g.rng.IntN(14*365))
	return a
}

// property returns a real-estate object of d; home says whether it is the
// first one, which for a person is the flat at the debtor's address.
func (g *generator) property(d *Debtor, r *region, home bool) Property {
	p := Property{OwnerINN: d.INN}
	var addr Address
	switch n := g.rng.IntN(100); {
	case home && d.IsPerson():
		p.Kind, addr = PropertyFlat, d.Address
	case n < 55:
		p.Kind, addr = PropertyFlat, g.address(r, d.IsPerson())
	case n < 75:
		p.Kind = PropertyHouse
	default:
		p.Kind = PropertyLand
	}
	where := r
	if p.Kind != PropertyFlat {
		// Houses and plots are in the villages of the Moscow Region.
		where = &regions[1]
		addr = Address{
			PostalCode: fmt.Sprintf("14%04d", g.rng.IntN(4000)),
			RegionCode: where.code,
			Region:     where.name,
			Locality:   pick(g, villages),
		}
		if p.Kind == PropertyHouse {
			addr.House = fmt.Sprintf("д. %d", g.between(1, 150))
		} else {
			addr.House = fmt.Sprintf("уч. %d", g.between(1, 300))
		}
	}
	p.Address = addr

	p.CadastralNumber = g.unique("cadastral", func() string {
		if where.code == "77" {
			return fmt.Sprintf("77:%02d:%07d:%d", g.between(1, 11), g.between(1000, 99999), g.between(1, 9999))
		}
		quarter := fmt.Sprintf("%07d", g.between(10000, 999999))
		if p.Kind == PropertyLand && g.percent(30) {
			quarter = fmt.Sprintf("%06d", g.between(10000, 999999))
		}
		return fmt.Sprintf("50:%02d:%s:%d", g.between(1, 50), quarter, g.between(1, 2999))
	})

	switch p.Kind {
	case PropertyFlat:
		p.Area = tenths(g.between(280, 1400))
	case PropertyHouse:
		p.Area = tenths(g.between(600, 3000))
	default:
		p.Area = fmt.Sprint(g.between(4, 25) * 100)
	}

	p.Share = "1/1"
	shares := []string{"1/2", "1/3", "1/4"}
	if p.Kind != PropertyFlat && g.percent(20) {
		p.Share = "1/2"
	} else if p.Kind == PropertyFlat && g.percent(40) {
		p.Share = pick(g, shares)
	}
	p.RightKind = "ownership"
	if p.Share != "1/1" {
		p.RightKind = "shared-ownership"
	}
	registeredYear := g.between(2005, 2023)
	p.RightRegisteredDate = date(time.Date(registeredYear, time.January, 10, 0, 0, 0, 0, time.UTC), g.rng.IntN(350))
	p.RightRecordID = fmt.Sprintf("%s-%s/%03d/%d-%d", p.CadastralNumber, where.code, g.between(1, 250), registeredYear, g.between(1, 9))
	return p
}

func (g *generator) income(owner string, employer Party) Income {
	in := Income{
		OwnerINN:    owner,
		EmployerINN: employer.INN,
		Employer:    employer.Name,
		EmployerKPP: employer.KPP,
		Kind:        IncomeSalary,
	}
	if g.percent(20) {
		in.Kind = IncomeCivilContract
		in.Monthly = g.between64(10_000, 80_000) * 100
	} else {
		in.Monthly = g.between64(25_000_00, 250_000_00)
	}
	from := time.Date(2023, time.Month(1+g.rng.IntN(12)), 1, 0, 0, 0, 0, time.UTC)
	in.Months = g.between(1, 6)
	in.From = from.Format(DateLayout)
	in.To = from.AddDate(0, in.Months, -1).Format(DateLayout)
	return in
}

// --- formatting ---

// tenths formats n tenths as a decimal with one fraction digit.
func tenths(n int) string { return fmt.Sprintf("%d.%d", n/10, n%10) }

// rubles formats kopecks the Russian way: "348 912,45".
func rubles(kopecks int64) string {
	whole := fmt.Sprint(kopecks / 100)
	var b strings.Builder
	for i, c := range whole {
		if i > 0 && (len(whole)-i)%3 == 0 {
			b.WriteRune(' ')
		}
		b.WriteRune(c)
	}
	return fmt.Sprintf("%s,%02d", b.String(), kopecks%100)
}

// russianDate turns a DateLayout date into "15.06.2021".
func russianDate(d string) string { return d[8:10] + "." + d[5:7] + "." + d[0:4] }
