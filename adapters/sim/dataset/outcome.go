package dataset

// Outcome is the state a case must end in once the whole enforcement cycle
// has run (DOMAIN.md, flows 1-6). The simulated agencies and the bailiff
// service follow the rules below; end-to-end tests compare their final state
// with Expected.
//
// The cycle for one case:
//
//  1. Writ. The issuer submits the writ; the bailiff service accepts it and
//     opens a proceeding (every generated writ is valid).
//  2. Queries. The bailiff queries the traffic police (VehiclesOf), the tax
//     service (BanksOf), the banks (AccountsAt for each bank, or AccountsOf
//     by broadcast), the land registry (PropertiesOf) and, for a person, the
//     pension fund (IncomesOf). Banks report the balances of the data set.
//  3. Decrees, each targeting exactly one object:
//     - one arrest-funds decree per account, taken in AccountsOf order (BIC,
//     then account number), while some debt remains uncovered. The decree
//     asks for the remaining debt (Requested); the bank arrests
//     min(balance, Requested) (Arrested); the remaining debt then decreases
//     by Arrested. Accounts reached after the debt is covered get no
//     decree. The bailiff computes these amounts from the balances in the
//     bank answers, so it need not wait for earlier decree results;
//     - one ban-vehicle-registration decree per vehicle;
//     - one ban-real-estate-registration decree per property;
//     - one restrict-driving-licence decree when the case is child support.
//     Incomes lead to no decree.
//  4. Results. A bank answers "executed" when Arrested equals Requested and
//     "partly-executed" (with the amount, possibly 0.00) when the balance is
//     short. Bans and the restriction are "executed".
//  5. Payment. If the debtor pays (after the results), the portal or bank
//     sends a payment notice. A full payment (Amount >= Debt) makes the
//     bailiff lift every measure of step 3, one lifting decree per measure
//     (lift-arrest, lift-vehicle-ban, lift-real-estate-ban,
//     lift-driving-restriction), each executed by its recipient, and close
//     the proceeding. A partial payment or no payment lifts nothing and the
//     proceeding stays open.
//  6. Collection. When the case is not paid in full (no payment, or a
//     payment below the debt), once every arrest result is in (and, for a
//     partial payment, once its notice is in), the bailiff issues one
//     collect-funds decree per arrest that froze a non-zero amount, for
//     that amount (Arrested), to the bank of the account, taken in the
//     order of the arrests; the bank writes the amount off the arrested
//     funds and answers "executed". A case paid in full collects nothing:
//     its arrests are lifted instead. The arrests of a case that collects
//     stay in force, and the proceeding stays open. Without a payment
//     notice the bailiff cannot learn from a message that none will come
//     (in reality the period for voluntary payment runs out); the
//     simulated bailiff reads from the data set whether the case has a
//     payment.
//  7. Notifications go to the portal along the way (not modelled here).
//
// Cases are independent: a debtor with several cases gets the measures of
// each case separately, and an arrest never takes into account arrests
// made under another proceeding. A simulated bank must therefore limit each
// arrest by the account's balance, not by what is left of it after other
// arrests; neither arrests nor collections change the reported balance.
type Outcome struct {
	// ProceedingOpened is true: the bailiff accepts every generated writ.
	ProceedingOpened bool

	// Arrests lists the arrest-funds decrees, in the order of step 3.
	Arrests []Arrest
	// ArrestedTotal is the sum of Arrests[i].Arrested; it never exceeds
	// the debt.
	ArrestedTotal int64
	// Covered is true when ArrestedTotal equals the debt.
	Covered bool

	// VehicleBans lists the VINs of the vehicles whose registration is
	// banned, in VehiclesOf order.
	VehicleBans []string
	// RealEstateBans lists the cadastral numbers of the properties whose
	// registration is banned, in PropertiesOf order.
	RealEstateBans []string
	// DrivingLicenceRestricted is true if and only if the case is child
	// support; DrivingLicence is then the restricted licence number.
	DrivingLicenceRestricted bool
	DrivingLicence           string `json:",omitempty"`

	// Collections lists the collect-funds decrees of step 6, one per
	// arrest with a non-zero Arrested, in the order of Arrests; empty when
	// the case is paid in full.
	Collections []Collection
	// CollectedTotal is the sum of Collections[i].Amount: ArrestedTotal
	// when the case is not paid in full, 0 otherwise.
	CollectedTotal int64

	// Paid is the amount of the payment notice (0 without payment).
	Paid int64
	// PaidInFull is true when the debtor pays at least the debt.
	PaidInFull bool
	// Lifted is true when every measure above ends lifted; it equals
	// PaidInFull. Otherwise every measure is still in force at the end.
	Lifted bool
	// Closed is true when the proceeding ends closed; it equals PaidInFull.
	Closed bool
}

// Arrest is the expected arrest-funds decree for one account and its result.
type Arrest struct {
	Account string // account number
	BIC     string
	Balance int64 // balance reported by the bank, kopecks
	// Requested is the amount the decree asks for: the debt not covered
	// by the accounts before this one.
	Requested int64
	// Arrested is min(Balance, Requested): what the bank freezes.
	Arrested int64
	// Partial is true when Arrested < Requested: the bank answers
	// "partly-executed" (with an amount of 0.00 for an empty account).
	Partial bool
}

// Collection is the expected collect-funds decree for one arrested account;
// its bank executes it in full.
type Collection struct {
	Account string // account number
	BIC     string
	Amount  int64 // kopecks: the amount the arrest froze
}

// Restrictions returns the number of restricting decrees of the outcome: one
// per arrest, vehicle ban and real-estate ban, plus one for the driving
// licence. When Lifted, as many lifting decrees follow.
func (o Outcome) Restrictions() int {
	n := len(o.Arrests) + len(o.VehicleBans) + len(o.RealEstateBans)
	if o.DrivingLicenceRestricted {
		n++
	}
	return n
}

// Expected returns the outcome of the enforcement cycle for c, following the
// rules documented on Outcome. The debtor's assets are found with
// c.Debtor.Key(); c need not belong to d.Cases.
func (d *DataSet) Expected(c *Case) Outcome {
	key := c.Debtor.Key()
	out := Outcome{ProceedingOpened: true}

	remaining := c.Debt
	for _, a := range d.AccountsOf(key) {
		if remaining <= 0 {
			break
		}
		arrested := min(a.Balance, remaining)
		out.Arrests = append(out.Arrests, Arrest{
			Account:   a.Number,
			BIC:       a.BIC,
			Balance:   a.Balance,
			Requested: remaining,
			Arrested:  arrested,
			Partial:   arrested < remaining,
		})
		out.ArrestedTotal += arrested
		remaining -= arrested
	}
	out.Covered = out.ArrestedTotal == c.Debt

	for _, v := range d.VehiclesOf(key) {
		out.VehicleBans = append(out.VehicleBans, v.VIN)
	}
	for _, p := range d.PropertiesOf(key) {
		out.RealEstateBans = append(out.RealEstateBans, p.CadastralNumber)
	}
	if c.ChildSupport {
		out.DrivingLicenceRestricted = true
		out.DrivingLicence = c.Debtor.DrivingLicence
	}

	if c.Payment != nil {
		out.Paid = c.Payment.Amount
	}
	out.PaidInFull = c.PaidInFull()
	out.Lifted = out.PaidInFull
	out.Closed = out.PaidInFull
	if !out.PaidInFull {
		for _, a := range out.Arrests {
			if a.Arrested > 0 {
				out.Collections = append(out.Collections, Collection{Account: a.Account, BIC: a.BIC, Amount: a.Arrested})
				out.CollectedTotal += a.Arrested
			}
		}
	}
	return out
}
