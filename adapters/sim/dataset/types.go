package dataset

// DateLayout is the layout of every date in the data set (xs:date without a
// time zone), for use with time.Parse.
const DateLayout = "2006-01-02"

// Currency is the currency of every amount in the data set.
const Currency = "RUB"

// Participant codes of the development registry (exchange/registry/dev.json)
// that issue writs.
const (
	IssuerCourt         = "COURT01" // court writs: child support, loans
	IssuerTrafficPolice = "GIBDD01" // traffic-police fine decisions
	IssuerTax           = "FNS01"   // tax authority acts
)

// BICs of the two banks of the development registry. Every generated account
// is held at one of them.
const (
	BICSberbank = "044525225" // ПАО Сбербанк, participant BANK044525225
	BICAlfaBank = "044525593" // АО «Альфа-Банк», participant BANK044525593
)

// Bank is a bank of the development registry.
type Bank struct {
	BIC         string // 9-digit BIC
	Name        string // official name, as in the registry
	Participant string // registry code (mnemonic) of the bank's system
}

// Banks returns the banks of the development registry, in BIC order. The
// slice is a new copy on every call.
func Banks() []Bank {
	return []Bank{
		{BIC: BICSberbank, Name: "ПАО Сбербанк", Participant: "BANK044525225"},
		{BIC: BICAlfaBank, Name: "АО «Альфа-Банк»", Participant: "BANK044525593"},
	}
}

// PartyKind says whether a party is a natural person or an organisation.
type PartyKind string

// Party kinds. The values are the names of the elements of the PartyType
// choice in the enforcement schemas, in lower case.
const (
	KindPerson       PartyKind = "person"
	KindOrganization PartyKind = "organization"
)

// Address is a postal address in Russia; its fields are those of AddressType
// in schemas/xsd/enforcement/common.xsd. Empty strings are absent elements.
type Address struct {
	PostalCode string `json:",omitempty"` // 6 digits
	RegionCode string // 2 digits: 77 (Moscow) or 50 (Moscow Region)
	Region     string // e.g. "г. Москва"
	Locality   string // e.g. "Москва", "г. Химки"
	Street     string `json:",omitempty"` // e.g. "ул. Тверская"
	House      string `json:",omitempty"` // e.g. "д. 12"
	Building   string `json:",omitempty"` // e.g. "стр. 1"
	Apartment  string `json:",omitempty"` // e.g. "кв. 45"
}

// Party is a party of a proceeding: a natural person (Kind is KindPerson;
// name, birth date, INN of 12 digits and SNILS are set) or an organisation
// (Kind is KindOrganization; Name, INN of 10 digits, OGRN and KPP are set).
// Fields of the other kind are empty.
type Party struct {
	Kind PartyKind

	// Person.
	LastName   string `json:",omitempty"` // фамилия
	FirstName  string `json:",omitempty"` // имя
	MiddleName string `json:",omitempty"` // отчество
	BirthDate  string `json:",omitempty"` // DateLayout
	BirthPlace string `json:",omitempty"`
	SNILS      string `json:",omitempty"` // 11 digits, no separators

	// Organisation.
	Name string `json:",omitempty"` // e.g. "ООО «Стройснаб»"
	OGRN string `json:",omitempty"` // 13 digits
	KPP  string `json:",omitempty"` // 9 characters

	// Both: 12 digits for a person, 10 for an organisation.
	INN string

	Address Address
}

// IsPerson reports whether p is a natural person.
func (p Party) IsPerson() bool { return p.Kind == KindPerson }

// DisplayName returns "Фамилия Имя Отчество" for a person and Name for an
// organisation.
func (p Party) DisplayName() string {
	if p.Kind != KindPerson {
		return p.Name
	}
	s := p.LastName + " " + p.FirstName
	if p.MiddleName != "" {
		s += " " + p.MiddleName
	}
	return s
}

// Debtor is a party that writs are enforced against (должник). Every debtor
// has an INN; a person also has a SNILS and a driving licence. The assets of
// the data set (vehicles, accounts, properties, incomes) refer to their
// owner by OwnerINN, the debtor's INN.
type Debtor struct {
	Party

	// DrivingLicence is the number of a person's driving licence (series
	// and number without spaces, 10 digits, as DrivingLicenceNumberType in
	// decree.xsd); empty for an organisation. Every person debtor holds one.
	DrivingLicence string `json:",omitempty"`
}

// Key returns the identifiers by which agencies find d.
func (d Debtor) Key() DebtorKey { return DebtorKey{INN: d.INN, SNILS: d.SNILS} }

// Vehicle is a vehicle registered to a debtor with the traffic police.
type Vehicle struct {
	OwnerINN         string
	VIN              string // 17 characters, no I, O, Q
	Plate            string // e.g. "А123ВС77": Cyrillic letters АВЕКМНОРСТУХ only
	Model            string // make and model, e.g. "KIA RIO"
	Year             int    // year of manufacture
	RegistrationDate string // DateLayout: registration to the owner
}

// AccountKind is the kind of a bank account; the values are those of
// AccountKindType in bank-account.xsd.
type AccountKind string

// Account kinds used by the data set.
const (
	AccountCurrent    AccountKind = "current"    // person's current account (40817)
	AccountCard       AccountKind = "card"       // person's card account (40817)
	AccountDeposit    AccountKind = "deposit"    // person's deposit (42301, 42305)
	AccountSettlement AccountKind = "settlement" // organisation's settlement account (40702)
)

// BankAccount is an account of a debtor at one of the two banks.
type BankAccount struct {
	OwnerINN   string
	Number     string // 20 digits; control key (digit 9) valid with BIC
	BIC        string // BICSberbank or BICAlfaBank
	Kind       AccountKind
	Currency   string // always Currency (RUB)
	Balance    int64  // kopecks, >= 0; zero for some accounts
	OpenedDate string // DateLayout
}

// PropertyKind is the kind of a real-estate object; the values are those of
// PropertyKindType in real-estate.xsd.
type PropertyKind string

// Property kinds used by the data set.
const (
	PropertyFlat  PropertyKind = "premises"  // a flat (квартира)
	PropertyHouse PropertyKind = "building"  // a house (жилой дом)
	PropertyLand  PropertyKind = "land-plot" // a land plot (земельный участок)
)

// Property is a real-estate object in which a debtor has a right registered
// with the land registry.
type Property struct {
	OwnerINN        string
	CadastralNumber string // AA:BB:CCCCCCC:N (quarter of 6 or 7 digits)
	Kind            PropertyKind
	Address         Address
	Area            string // square metres, decimal with one fraction digit, e.g. "54.3"
	// Share is the debtor's share in the right as "numerator/denominator":
	// "1/1" for sole ownership, "1/2", "1/3" or "1/4" for a shared one.
	Share string
	// RightKind is "ownership" for a share of 1/1 and "shared-ownership"
	// otherwise (RightKindType in real-estate.xsd).
	RightKind           string
	RightRecordID       string // registration record of the right
	RightRegisteredDate string // DateLayout
}

// IncomeKind is the kind of an income; the values are those of
// IncomeKindType in income.xsd.
type IncomeKind string

// Income kinds used by the data set.
const (
	IncomeSalary        IncomeKind = "salary"
	IncomeCivilContract IncomeKind = "civil-contract"
)

// Income is an income of a person debtor reported to the pension fund.
// Organisations have no incomes. The period covers whole calendar months:
// From is the first day of a month, To the last day of a month, and the
// amount paid over the period is Monthly × Months.
type Income struct {
	OwnerINN    string
	EmployerINN string // 10 digits
	Employer    string // employer name, e.g. "ООО «Вектор»"
	EmployerKPP string
	Kind        IncomeKind
	Monthly     int64  // kopecks per month
	From        string // DateLayout
	To          string // DateLayout
	Months      int    // number of calendar months from From to To
}

// Total returns the amount paid over the whole period, in kopecks.
func (i Income) Total() int64 { return i.Monthly * int64(i.Months) }

// Subject is the subject of enforcement of a case.
type Subject string

// Subjects of the generated cases, with the issuer and document kind each
// one comes with.
const (
	// SubjectChildSupport: arrears of child support (алименты); a court
	// order or a writ of execution from COURT01; the debtor is a person and
	// the creditor is a person (the other parent). The debtor's driving
	// licence is restricted.
	SubjectChildSupport Subject = "child-support"
	// SubjectLoan: a loan debt; a writ of execution or a court order from
	// COURT01; the creditor is a bank.
	SubjectLoan Subject = "loan"
	// SubjectFine: a traffic fine; a fine decision of GIBDD01; the debtor
	// owns at least one vehicle.
	SubjectFine Subject = "fine"
	// SubjectTax: a tax debt; a tax authority act of FNS01.
	SubjectTax Subject = "tax"
)

// Document kinds of writs; the values are those of WritKindType in writ.xsd.
const (
	DocWritOfExecution = "writ-of-execution"     // исполнительный лист
	DocCourtOrder      = "court-order"           // судебный приказ
	DocTrafficFine     = "traffic-fine-decision" // постановление ГИБДД
	DocTaxAct          = "tax-authority-act"     // акт налогового органа
)

// PaymentChannel says how a debtor paid; the values are those of
// PaymentChannelType in payment-notice.xsd.
type PaymentChannel string

// Payment channels.
const (
	ChannelPortal PaymentChannel = "portal"
	ChannelBank   PaymentChannel = "bank"
)

// Payment is the payment a debtor makes on a case, sent to the bailiff
// service as a payment notice. A payment is made after the measures of the
// proceeding are in place (after the decree results); the simulated portal
// or bank sends the notice then.
type Payment struct {
	Amount         int64 // kopecks; equal to the case's Debt for a full payment
	Date           string
	Channel        PaymentChannel
	BIC            string `json:",omitempty"` // bank that took the payment (ChannelBank only)
	UIN            string // 25-digit accrual identifier (УИН)
	DocumentNumber string // payment order or receipt number
}

// Case is one enforcement case: a writ submitted to the bailiff service and
// what happens to its debtor.
type Case struct {
	// ID is "C" and the 1-based position in DataSet.Cases, zero-padded to
	// five digits ("C00001").
	ID string

	Debtor   Debtor
	Creditor Party

	// Issuer is the registry code of the writ's sender: IssuerCourt,
	// IssuerTrafficPolice or IssuerTax. IssuerName is the body named in the
	// writ's Issuer/Name.
	Issuer     string
	IssuerName string

	// The writ: DocumentKind is one of the Doc* constants; DocumentNumber
	// is unique in the data set.
	DocumentKind          string
	DocumentNumber        string
	DocumentDate          string // DateLayout
	CaseNumber            string
	DecisionEffectiveDate string // DateLayout, before DocumentDate

	Debt        int64 // amount to collect, kopecks, > 0
	Subject     Subject
	SubjectText string // the writ's Subject element, in Russian

	// ChildSupport is true for SubjectChildSupport: the bailiff then
	// restricts the debtor's driving licence.
	ChildSupport bool

	// Payment is the debtor's payment, or nil when the debtor does not pay.
	// Most debtors pay in full; some pay part of the debt.
	Payment *Payment `json:",omitempty"`
}

// PaidInFull reports whether the debtor pays the whole debt.
func (c Case) PaidInFull() bool { return c.Payment != nil && c.Payment.Amount >= c.Debt }

// DataSet is a synthetic world of debtors, their assets and enforcement
// cases. Generate builds one; after that it is read-only, and its methods
// are safe for concurrent use as long as nobody modifies it.
type DataSet struct {
	Seed uint64

	// Debtors lists every debtor once, in order of first appearance in
	// Cases.
	Debtors []Debtor
	Cases   []Case

	// Assets. Each debtor's assets are contiguous and in the order the
	// lookups return; accounts are ordered by BIC, then number.
	Vehicles   []Vehicle
	Accounts   []BankAccount
	Properties []Property
	Incomes    []Income
}
