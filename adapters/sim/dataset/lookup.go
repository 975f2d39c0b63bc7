package dataset

import (
	"slices"
	"strings"
)

// DebtorKey holds the identifiers by which an agency finds a debtor: the INN
// and, for a person, the SNILS, as they appear in a query's Debtor element.
// Either may be empty.
type DebtorKey struct {
	INN   string
	SNILS string
}

// FindDebtor returns the debtor that key designates: the debtor whose INN is
// key.INN, or else the debtor whose SNILS is key.SNILS. Empty identifiers
// match nothing. It reports false when no debtor matches.
//
// The INN takes precedence: a query carrying an INN unknown to the data set
// and a known SNILS finds the debtor with that SNILS.
func (d *DataSet) FindDebtor(key DebtorKey) (*Debtor, bool) {
	if key.INN != "" {
		for i := range d.Debtors {
			if d.Debtors[i].INN == key.INN {
				return &d.Debtors[i], true
			}
		}
	}
	if key.SNILS != "" {
		for i := range d.Debtors {
			if d.Debtors[i].SNILS == key.SNILS {
				return &d.Debtors[i], true
			}
		}
	}
	return nil, false
}

// ownerINN returns the INN of the debtor key designates, or "" when there is
// none.
func (d *DataSet) ownerINN(key DebtorKey) string {
	if debtor, ok := d.FindDebtor(key); ok {
		return debtor.INN
	}
	return ""
}

// owned returns, in order, the elements of all whose owner INN is inn.
func owned[T any](all []T, inn string, owner func(*T) string) []T {
	if inn == "" {
		return nil
	}
	var out []T
	for i := range all {
		if owner(&all[i]) == inn {
			out = append(out, all[i])
		}
	}
	return out
}

// VehiclesOf returns the vehicles registered to the debtor key designates
// (see FindDebtor), or nil when it owns none or is unknown.
func (d *DataSet) VehiclesOf(key DebtorKey) []Vehicle {
	return owned(d.Vehicles, d.ownerINN(key), func(v *Vehicle) string { return v.OwnerINN })
}

// AccountsOf returns the debtor's accounts at all banks, ordered by BIC and
// then by account number. This order is the order in which Expected
// allocates the debt to the accounts.
func (d *DataSet) AccountsOf(key DebtorKey) []BankAccount {
	out := owned(d.Accounts, d.ownerINN(key), func(a *BankAccount) string { return a.OwnerINN })
	slices.SortStableFunc(out, compareAccounts)
	return out
}

// compareAccounts orders accounts by BIC, then by account number.
func compareAccounts(a, b BankAccount) int {
	if c := strings.Compare(a.BIC, b.BIC); c != 0 {
		return c
	}
	return strings.Compare(a.Number, b.Number)
}

// AccountsAt returns the debtor's accounts at the bank with the given BIC,
// ordered by account number: what that bank answers to an account query.
func (d *DataSet) AccountsAt(key DebtorKey, bic string) []BankAccount {
	var out []BankAccount
	for _, a := range d.AccountsOf(key) {
		if a.BIC == bic {
			out = append(out, a)
		}
	}
	return out
}

// BanksOf returns the BICs of the banks where the debtor has at least one
// account, in ascending order and without duplicates: what the tax service
// answers to an account query.
func (d *DataSet) BanksOf(key DebtorKey) []string {
	var out []string
	for _, a := range d.AccountsOf(key) {
		if len(out) == 0 || out[len(out)-1] != a.BIC {
			out = append(out, a.BIC)
		}
	}
	return out
}

// PropertiesOf returns the real-estate objects of the debtor.
func (d *DataSet) PropertiesOf(key DebtorKey) []Property {
	return owned(d.Properties, d.ownerINN(key), func(p *Property) string { return p.OwnerINN })
}

// IncomesOf returns the incomes of the debtor (always none for an
// organisation).
func (d *DataSet) IncomesOf(key DebtorKey) []Income {
	return owned(d.Incomes, d.ownerINN(key), func(i *Income) string { return i.OwnerINN })
}

// CasesOf returns the cases against the debtor, in data-set order.
func (d *DataSet) CasesOf(key DebtorKey) []*Case {
	inn := d.ownerINN(key)
	if inn == "" {
		return nil
	}
	var out []*Case
	for i := range d.Cases {
		if d.Cases[i].Debtor.INN == inn {
			out = append(out, &d.Cases[i])
		}
	}
	return out
}

// FindCase returns the case whose writ has the given document number.
func (d *DataSet) FindCase(documentNumber string) (*Case, bool) {
	for i := range d.Cases {
		if d.Cases[i].DocumentNumber == documentNumber {
			return &d.Cases[i], true
		}
	}
	return nil, false
}
