package sim

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters/sim/dataset"
	"mezhved/exchange/xmlsafe"
	"mezhved/schemas"
)

// Payload building and reading. Payloads are built element by element in
// the order their schema requires; values of the data set go in as they
// are (they already have the schemas' formats).

// Decree kinds (DecreeKindType in common.xsd).
const (
	kindArrest          = "arrest-funds"
	kindLiftArrest      = "lift-arrest"
	kindCollect         = "collect-funds"
	kindBanRealEstate   = "ban-real-estate-registration"
	kindLiftRealEstate  = "lift-real-estate-ban"
	kindBanVehicle      = "ban-vehicle-registration"
	kindLiftVehicle     = "lift-vehicle-ban"
	kindRestrictLicence = "restrict-driving-licence"
	kindLiftLicence     = "lift-driving-restriction"
)

// Decree result statuses and reasons (decree.xsd).
const (
	statusExecuted    = "executed"
	statusPartly      = "partly-executed"
	statusNotExecuted = "not-executed"
	reasonNotFound    = "object-not-found"
	reasonAlready     = "already-executed"
	reasonBadContent  = "bad-content"
)

// Notification events (notification.xsd).
const (
	eventOpened        = "proceeding-opened"
	eventDecreeIssued  = "decree-issued"
	eventStatusChanged = "status-changed" // the measures are in place
	eventClosed        = "proceeding-closed"
)

// Writ rejection reasons (writ.xsd).
const (
	rejectDuplicate    = "duplicate"
	rejectRequirements = "requirements-not-met"
)

const (
	divisionCode        = "77001" // the bailiff department of FSSP01
	dateTimeLayout      = "2006-01-02T15:04:05Z07:00"
	defaultOverdueAfter = 30 * time.Second
)

// liftOf gives, for each restricting decree kind, the kind that lifts it.
var liftOf = map[string]string{
	kindArrest:          kindLiftArrest,
	kindBanRealEstate:   kindLiftRealEstate,
	kindBanVehicle:      kindLiftVehicle,
	kindRestrictLicence: kindLiftLicence,
}

// newPayload returns the root element of a payload of the enforcement type
// typ ("decree", "writ", ...), in that type's namespace.
func newPayload(typ, root string) *etree.Element {
	e := etree.NewElement(root)
	e.CreateAttr("xmlns", schemas.EnforcementNamespace(typ))
	return e
}

// add appends a child element with text.
func add(parent *etree.Element, tag, text string) *etree.Element {
	c := parent.CreateElement(tag)
	c.SetText(text)
	return c
}

// addOpt appends a child element unless text is empty (an optional element
// left out).
func addOpt(parent *etree.Element, tag, text string) {
	if text != "" {
		add(parent, tag, text)
	}
}

// addMoney appends a MoneyType element in roubles.
func addMoney(parent *etree.Element, tag string, kopecks int64) {
	add(parent, tag, money(kopecks)).CreateAttr("Currency", dataset.Currency)
}

// text returns the trimmed text of the element at path under e, or "".
func text(e *etree.Element, path string) string {
	if e == nil {
		return ""
	}
	if c := e.FindElement(path); c != nil {
		return strings.TrimSpace(xmlsafe.Text(c))
	}
	return ""
}

// money formats kopecks as an xs:decimal with two fraction digits.
func money(kopecks int64) string {
	sign := ""
	if kopecks < 0 {
		sign, kopecks = "-", -kopecks
	}
	return fmt.Sprintf("%s%d.%02d", sign, kopecks/100, kopecks%100)
}

// parseMoney reads a non-negative xs:decimal amount of roubles as kopecks.
// Fraction digits beyond the second must be zeros.
func parseMoney(s string) (int64, error) {
	whole, frac, _ := strings.Cut(strings.TrimSpace(s), ".")
	if len(frac) > 2 {
		if strings.Trim(frac[2:], "0") != "" {
			return 0, fmt.Errorf("amount %q has fractions of a kopeck", s)
		}
		frac = frac[:2]
	}
	for len(frac) < 2 {
		frac += "0"
	}
	w, err := strconv.ParseUint(strings.TrimPrefix(whole, "+"), 10, 62)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	f, err := strconv.ParseUint(frac, 10, 8)
	if err != nil {
		return 0, fmt.Errorf("amount %q: %w", s, err)
	}
	return int64(w)*100 + int64(f), nil
}

// today is the current date in dataset.DateLayout.
func today() string { return time.Now().Format(dataset.DateLayout) }

// now is the current time as an xs:dateTime with its zone.
func now() string { return time.Now().Format(dateTimeLayout) }

// addParty appends a PartyType element: the person or organisation, and
// the address when it has one.
func addParty(parent *etree.Element, tag string, p dataset.Party) *etree.Element {
	e := parent.CreateElement(tag)
	if p.IsPerson() {
		pe := e.CreateElement("Person")
		add(pe, "LastName", p.LastName)
		add(pe, "FirstName", p.FirstName)
		addOpt(pe, "MiddleName", p.MiddleName)
		add(pe, "BirthDate", p.BirthDate)
		addOpt(pe, "BirthPlace", p.BirthPlace)
		addOpt(pe, "INN", p.INN)
		addOpt(pe, "SNILS", p.SNILS)
	} else {
		o := e.CreateElement("Organization")
		add(o, "Name", p.Name)
		add(o, "INN", p.INN)
		add(o, "OGRN", p.OGRN)
		addOpt(o, "KPP", p.KPP)
	}
	if p.Address.RegionCode != "" {
		addAddress(e, p.Address)
	}
	return e
}

// addInsuredPerson appends the Debtor of an income query: the person with
// a SNILS (InsuredPersonType), without an address.
func addInsuredPerson(parent *etree.Element, p dataset.Party) {
	pe := parent.CreateElement("Debtor").CreateElement("Person")
	add(pe, "LastName", p.LastName)
	add(pe, "FirstName", p.FirstName)
	addOpt(pe, "MiddleName", p.MiddleName)
	add(pe, "BirthDate", p.BirthDate)
	addOpt(pe, "BirthPlace", p.BirthPlace)
	addOpt(pe, "INN", p.INN)
	add(pe, "SNILS", p.SNILS)
}

func addAddress(parent *etree.Element, a dataset.Address) {
	e := parent.CreateElement("Address")
	addOpt(e, "PostalCode", a.PostalCode)
	add(e, "RegionCode", a.RegionCode)
	add(e, "Region", a.Region)
	add(e, "Locality", a.Locality)
	addOpt(e, "Street", a.Street)
	addOpt(e, "House", a.House)
	addOpt(e, "Building", a.Building)
	addOpt(e, "Apartment", a.Apartment)
}

// readParty reads a PartyType (or InsuredPersonType holder) element.
func readParty(e *etree.Element) dataset.Party {
	var p dataset.Party
	if e == nil {
		return p
	}
	if pe := e.FindElement("Person"); pe != nil {
		p.Kind = dataset.KindPerson
		p.LastName, p.FirstName, p.MiddleName = text(pe, "LastName"), text(pe, "FirstName"), text(pe, "MiddleName")
		p.BirthDate, p.BirthPlace = text(pe, "BirthDate"), text(pe, "BirthPlace")
		p.INN, p.SNILS = text(pe, "INN"), text(pe, "SNILS")
	} else if o := e.FindElement("Organization"); o != nil {
		p.Kind = dataset.KindOrganization
		p.Name, p.INN, p.OGRN, p.KPP = text(o, "Name"), text(o, "INN"), text(o, "OGRN"), text(o, "KPP")
	}
	if a := e.FindElement("Address"); a != nil {
		p.Address = dataset.Address{PostalCode: text(a, "PostalCode"), RegionCode: text(a, "RegionCode"), Region: text(a, "Region"),
			Locality: text(a, "Locality"), Street: text(a, "Street"), House: text(a, "House"), Building: text(a, "Building"),
			Apartment: text(a, "Apartment")}
	}
	return p
}

// debtorKey returns the identifiers by which an agency finds the debtor of
// a query or decree.
func debtorKey(payload *etree.Element) dataset.DebtorKey {
	p := readParty(payload.FindElement("Debtor"))
	return dataset.DebtorKey{INN: p.INN, SNILS: p.SNILS}
}

// decreeMsg is a decree as its recipient reads it.
type decreeMsg struct {
	Number, Date, Proceeding, Kind string
	Amount                         int64
	HasAmount                      bool
	Debtor                         dataset.DebtorKey
	Accounts                       []accountRef
	Cadastral                      []string
	VINs                           []string
	Licence                        string
	Lifted                         string // the number of the decree it lifts
}

type accountRef struct{ Number, BIC string }

func readDecree(e *etree.Element) (decreeMsg, error) {
	d := decreeMsg{Number: text(e, "DecreeNumber"), Date: text(e, "DecreeDate"), Proceeding: text(e, "ProceedingNumber"),
		Kind: text(e, "Kind"), Debtor: debtorKey(e), Lifted: text(e, "LiftedDecree/DecreeNumber"), Licence: text(e, "Targets/DrivingLicence/Number")}
	if a := e.FindElement("Amount"); a != nil {
		v, err := parseMoney(xmlsafe.Text(a))
		if err != nil {
			return d, err
		}
		d.Amount, d.HasAmount = v, true
	}
	for _, a := range e.FindElements("Targets/Account") {
		d.Accounts = append(d.Accounts, accountRef{Number: text(a, "AccountNumber"), BIC: text(a, "BIC")})
	}
	for _, c := range e.FindElements("Targets/CadastralNumber") {
		d.Cadastral = append(d.Cadastral, strings.TrimSpace(xmlsafe.Text(c)))
	}
	for _, v := range e.FindElements("Targets/VIN") {
		d.VINs = append(d.VINs, strings.TrimSpace(xmlsafe.Text(v)))
	}
	return d, nil
}

// decreeResult builds a DecreeResult. amount < 0 leaves ExecutedAmount out.
func decreeResult(d decreeMsg, status string, amount int64, reason, reasonText, record string) *etree.Element {
	r := newPayload("decree", "DecreeResult")
	add(r, "DecreeNumber", d.Number)
	add(r, "ProceedingNumber", d.Proceeding)
	add(r, "Status", status)
	if amount >= 0 {
		addMoney(r, "ExecutedAmount", amount)
	}
	addOpt(r, "Reason", reason)
	addOpt(r, "ReasonText", reasonText)
	addOpt(r, "RegistryRecordId", record)
	add(r, "ExecutedAt", now())
	return r
}

// notExecuted answers a decree its recipient cannot execute.
func notExecuted(d decreeMsg, reason, why string) *etree.Element {
	return decreeResult(d, statusNotExecuted, -1, reason, why, "")
}
