package dataset_test

import (
	"fmt"
	"reflect"
	"testing"

	"mezhved/adapters/sim/dataset"
)

// Hand-built world for the Expected tests. Identifiers only need to be
// distinct here; amounts are in kopecks.
var (
	ivanov = dataset.Debtor{
		Party: dataset.Party{
			Kind: dataset.KindPerson, LastName: "Иванов", FirstName: "Пётр", MiddleName: "Сергеевич",
			BirthDate: "1985-03-14", INN: "500100732259", SNILS: "14850221648",
		},
		DrivingLicence: "7712345678",
	}
	petrova = dataset.Debtor{
		Party: dataset.Party{
			Kind: dataset.KindPerson, LastName: "Петрова", FirstName: "Анна", MiddleName: "Ивановна",
			BirthDate: "1990-01-02", INN: "770712345633", SNILS: "11223344595",
		},
		DrivingLicence: "5012345678",
	}
	vector = dataset.Debtor{
		Party: dataset.Party{Kind: dataset.KindOrganization, Name: "ООО «Вектор»", INN: "7707083893", OGRN: "1027700132195"},
	}
)

func handWorld() *dataset.DataSet {
	return &dataset.DataSet{
		Debtors: []dataset.Debtor{ivanov, petrova, vector},
		Accounts: []dataset.BankAccount{
			// Ivanov: listed out of order on purpose; the allocation order
			// is BIC, then number: S1, S2, A1, A2.
			{OwnerINN: ivanov.INN, Number: "40817810000000000002", BIC: dataset.BICAlfaBank, Balance: 5},          // A2
			{OwnerINN: ivanov.INN, Number: "40817810000000000001", BIC: dataset.BICAlfaBank, Balance: 100_000_00}, // A1
			{OwnerINN: ivanov.INN, Number: "40817810000000000009", BIC: dataset.BICSberbank, Balance: 0},          // S2
			{OwnerINN: ivanov.INN, Number: "40817810000000000003", BIC: dataset.BICSberbank, Balance: 20_000_00},  // S1
			// Petrova: one account with 50,000.00.
			{OwnerINN: petrova.INN, Number: "40817810000000000100", BIC: dataset.BICSberbank, Balance: 50_000_00},
		},
		Vehicles: []dataset.Vehicle{
			{OwnerINN: ivanov.INN, VIN: "Z94CB41A3GR323022"},
			{OwnerINN: petrova.INN, VIN: "XTA21901060607117"},
			{OwnerINN: ivanov.INN, VIN: "XW8ZZZ617FZ443028"},
		},
		Properties: []dataset.Property{
			{OwnerINN: ivanov.INN, CadastralNumber: "77:01:0001040:2187"},
			{OwnerINN: vector.INN, CadastralNumber: "50:20:0030105:416"},
		},
	}
}

func paid(amount int64) *dataset.Payment {
	return &dataset.Payment{Amount: amount, Date: "2024-05-01", Channel: dataset.ChannelPortal, UIN: "3227700100000001234500005"}
}

func TestExpected(t *testing.T) {
	ds := handWorld()
	petrovaAccount := "40817810000000000100"
	tests := []struct {
		name string
		c    dataset.Case
		want dataset.Outcome
	}{
		{
			name: "balance above debt, paid in full",
			c:    dataset.Case{Debtor: petrova, Debt: 30_000_00, Subject: dataset.SubjectLoan, Payment: paid(30_000_00)},
			want: dataset.Outcome{
				ProceedingOpened: true,
				Arrests: []dataset.Arrest{
					{Account: petrovaAccount, BIC: dataset.BICSberbank, Balance: 50_000_00, Requested: 30_000_00, Arrested: 30_000_00},
				},
				ArrestedTotal: 30_000_00, Covered: true,
				VehicleBans: []string{"XTA21901060607117"},
				Paid:        30_000_00, PaidInFull: true, Lifted: true, Closed: true,
			},
		},
		{
			name: "balance below debt, not paid",
			c:    dataset.Case{Debtor: petrova, Debt: 80_000_00, Subject: dataset.SubjectTax},
			want: dataset.Outcome{
				ProceedingOpened: true,
				Arrests: []dataset.Arrest{
					{Account: petrovaAccount, BIC: dataset.BICSberbank, Balance: 50_000_00, Requested: 80_000_00, Arrested: 50_000_00, Partial: true},
				},
				ArrestedTotal: 50_000_00,
				VehicleBans:   []string{"XTA21901060607117"},
				Collections: []dataset.Collection{
					{Account: petrovaAccount, BIC: dataset.BICSberbank, Amount: 50_000_00},
				},
				CollectedTotal: 50_000_00,
			},
		},
		{
			name: "balance equal to debt, paid in part",
			c:    dataset.Case{Debtor: petrova, Debt: 50_000_00, Subject: dataset.SubjectFine, Payment: paid(49_999_99)},
			want: dataset.Outcome{
				ProceedingOpened: true,
				Arrests: []dataset.Arrest{
					{Account: petrovaAccount, BIC: dataset.BICSberbank, Balance: 50_000_00, Requested: 50_000_00, Arrested: 50_000_00},
				},
				ArrestedTotal: 50_000_00, Covered: true,
				VehicleBans: []string{"XTA21901060607117"},
				Collections: []dataset.Collection{
					{Account: petrovaAccount, BIC: dataset.BICSberbank, Amount: 50_000_00},
				},
				CollectedTotal: 50_000_00,
				Paid:           49_999_99,
			},
		},
		{
			name: "several accounts, child support, paid in full",
			// S1 20,000.00 of 70,000.00; S2 empty; A1 the remaining
			// 50,000.00; A2 not reached.
			c: dataset.Case{Debtor: ivanov, Debt: 70_000_00, Subject: dataset.SubjectChildSupport, ChildSupport: true, Payment: paid(70_000_00)},
			want: dataset.Outcome{
				ProceedingOpened: true,
				Arrests: []dataset.Arrest{
					{Account: "40817810000000000003", BIC: dataset.BICSberbank, Balance: 20_000_00, Requested: 70_000_00, Arrested: 20_000_00, Partial: true},
					{Account: "40817810000000000009", BIC: dataset.BICSberbank, Balance: 0, Requested: 50_000_00, Arrested: 0, Partial: true},
					{Account: "40817810000000000001", BIC: dataset.BICAlfaBank, Balance: 100_000_00, Requested: 50_000_00, Arrested: 50_000_00},
				},
				ArrestedTotal: 70_000_00, Covered: true,
				VehicleBans:              []string{"Z94CB41A3GR323022", "XW8ZZZ617FZ443028"},
				RealEstateBans:           []string{"77:01:0001040:2187"},
				DrivingLicenceRestricted: true, DrivingLicence: "7712345678",
				Paid: 70_000_00, PaidInFull: true, Lifted: true, Closed: true,
			},
		},
		{
			name: "several accounts all short, not paid",
			c:    dataset.Case{Debtor: ivanov, Debt: 200_000_00, Subject: dataset.SubjectLoan},
			want: dataset.Outcome{
				ProceedingOpened: true,
				Arrests: []dataset.Arrest{
					{Account: "40817810000000000003", BIC: dataset.BICSberbank, Balance: 20_000_00, Requested: 200_000_00, Arrested: 20_000_00, Partial: true},
					{Account: "40817810000000000009", BIC: dataset.BICSberbank, Balance: 0, Requested: 180_000_00, Arrested: 0, Partial: true},
					{Account: "40817810000000000001", BIC: dataset.BICAlfaBank, Balance: 100_000_00, Requested: 180_000_00, Arrested: 100_000_00, Partial: true},
					{Account: "40817810000000000002", BIC: dataset.BICAlfaBank, Balance: 5, Requested: 80_000_00, Arrested: 5, Partial: true},
				},
				ArrestedTotal:  120_000_05,
				VehicleBans:    []string{"Z94CB41A3GR323022", "XW8ZZZ617FZ443028"},
				RealEstateBans: []string{"77:01:0001040:2187"},
				// The empty account S2 froze nothing: no collection.
				Collections: []dataset.Collection{
					{Account: "40817810000000000003", BIC: dataset.BICSberbank, Amount: 20_000_00},
					{Account: "40817810000000000001", BIC: dataset.BICAlfaBank, Amount: 100_000_00},
					{Account: "40817810000000000002", BIC: dataset.BICAlfaBank, Amount: 5},
				},
				CollectedTotal: 120_000_05,
			},
		},
		{
			name: "first account covers the debt",
			c:    dataset.Case{Debtor: ivanov, Debt: 15_000_00, Subject: dataset.SubjectFine, Payment: paid(20_000_00)},
			want: dataset.Outcome{
				ProceedingOpened: true,
				Arrests: []dataset.Arrest{
					{Account: "40817810000000000003", BIC: dataset.BICSberbank, Balance: 20_000_00, Requested: 15_000_00, Arrested: 15_000_00},
				},
				ArrestedTotal: 15_000_00, Covered: true,
				VehicleBans:    []string{"Z94CB41A3GR323022", "XW8ZZZ617FZ443028"},
				RealEstateBans: []string{"77:01:0001040:2187"},
				Paid:           20_000_00, PaidInFull: true, Lifted: true, Closed: true,
			},
		},
		{
			name: "organisation without accounts or vehicles",
			c:    dataset.Case{Debtor: vector, Debt: 1_000_00, Subject: dataset.SubjectTax},
			want: dataset.Outcome{
				ProceedingOpened: true,
				RealEstateBans:   []string{"50:20:0030105:416"},
			},
		},
		{
			name: "debtor found by SNILS only",
			c: dataset.Case{
				Debtor: dataset.Debtor{Party: dataset.Party{Kind: dataset.KindPerson, SNILS: petrova.SNILS}},
				Debt:   10_00, Subject: dataset.SubjectTax, Payment: paid(10_00),
			},
			want: dataset.Outcome{
				ProceedingOpened: true,
				Arrests: []dataset.Arrest{
					{Account: petrovaAccount, BIC: dataset.BICSberbank, Balance: 50_000_00, Requested: 10_00, Arrested: 10_00},
				},
				ArrestedTotal: 10_00, Covered: true,
				VehicleBans: []string{"XTA21901060607117"},
				Paid:        10_00, PaidInFull: true, Lifted: true, Closed: true,
			},
		},
		{
			name: "unknown debtor",
			c:    dataset.Case{Debtor: dataset.Debtor{Party: dataset.Party{Kind: dataset.KindPerson, INN: "781234567870"}}, Debt: 10_00},
			want: dataset.Outcome{ProceedingOpened: true},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ds.Expected(&tt.c)
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Expected:\n got %+v\nwant %+v", got, tt.want)
			}
		})
	}
}

func TestRestrictions(t *testing.T) {
	tests := []struct {
		name string
		o    dataset.Outcome
		want int
	}{
		{name: "none", o: dataset.Outcome{}, want: 0},
		{name: "arrests and bans", o: dataset.Outcome{Arrests: make([]dataset.Arrest, 2), VehicleBans: []string{"a"}, RealEstateBans: []string{"b", "c"}}, want: 5},
		{name: "driving licence", o: dataset.Outcome{Arrests: make([]dataset.Arrest, 1), DrivingLicenceRestricted: true}, want: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.o.Restrictions(); got != tt.want {
				t.Errorf("Restrictions() = %d, want %d", got, tt.want)
			}
		})
	}
}

// TestExpectedGenerated checks the rules on every case of a generated data
// set, and that the data set exercises every situation the end-to-end tests
// need.
func TestExpectedGenerated(t *testing.T) {
	ds := gen(t, 7, 1000)
	seen := map[string]int{}
	for i := range ds.Cases {
		c := &ds.Cases[i]
		o := ds.Expected(c)
		key := c.Debtor.Key()

		remaining := c.Debt
		var total int64
		accounts := ds.AccountsOf(key)
		for j, a := range o.Arrests {
			acc := accounts[j]
			if a.Account != acc.Number || a.BIC != acc.BIC || a.Balance != acc.Balance || a.Requested != remaining ||
				a.Arrested != min(acc.Balance, remaining) || a.Partial != (a.Arrested < a.Requested) {
				t.Fatalf("%s: arrest %d = %+v for account %+v with %d remaining", c.ID, j, a, acc, remaining)
			}
			remaining -= a.Arrested
			total += a.Arrested
			switch {
			case a.Arrested == 0:
				seen["empty account"]++
			case a.Partial:
				seen["partial arrest"]++
			default:
				seen["full arrest"]++
			}
		}
		if len(o.Arrests) < len(accounts) {
			if remaining != 0 {
				t.Errorf("%s: %d of %d accounts arrested with %d still uncovered", c.ID, len(o.Arrests), len(accounts), remaining)
			}
			seen["account not needed"]++
		}
		if total != o.ArrestedTotal || total > c.Debt || o.Covered != (total == c.Debt) {
			t.Errorf("%s: total %d, outcome %+v, debt %d", c.ID, total, o, c.Debt)
		}
		if len(o.VehicleBans) != len(ds.VehiclesOf(key)) || len(o.RealEstateBans) != len(ds.PropertiesOf(key)) {
			t.Errorf("%s: bans %v %v", c.ID, o.VehicleBans, o.RealEstateBans)
		}
		if o.DrivingLicenceRestricted != c.ChildSupport || (c.ChildSupport && o.DrivingLicence != c.Debtor.DrivingLicence) {
			t.Errorf("%s: driving licence restricted %v (%q) for child support %v", c.ID, o.DrivingLicenceRestricted, o.DrivingLicence, c.ChildSupport)
		}
		if !o.ProceedingOpened || o.Lifted != o.PaidInFull || o.Closed != o.PaidInFull || o.PaidInFull != c.PaidInFull() {
			t.Errorf("%s: outcome %+v", c.ID, o)
		}
		// Collections: one per non-empty arrest, for its amount, unless
		// the case is paid in full.
		var collected int64
		k := 0
		for _, a := range o.Arrests {
			if a.Arrested == 0 || o.PaidInFull {
				continue
			}
			if k >= len(o.Collections) || o.Collections[k] != (dataset.Collection{Account: a.Account, BIC: a.BIC, Amount: a.Arrested}) {
				t.Fatalf("%s: collection %d for arrest %+v: %+v", c.ID, k, a, o.Collections)
			}
			collected += a.Arrested
			k++
		}
		if k != len(o.Collections) || collected != o.CollectedTotal || (!o.PaidInFull && collected != o.ArrestedTotal) {
			t.Errorf("%s: collections %+v (total %d) for arrests %+v", c.ID, o.Collections, o.CollectedTotal, o.Arrests)
		}
		if o.CollectedTotal > 0 {
			seen["collected"]++
		}
		if o.PaidInFull && o.ArrestedTotal > 0 {
			seen["arrested, paid in full"]++
		}
		switch {
		case c.Payment == nil:
			seen["not paid"]++
		case o.PaidInFull:
			seen["paid in full"]++
		default:
			seen["paid in part"]++
		}
		if o.Covered {
			seen["covered"]++
		} else {
			seen["not covered"]++
		}
		if len(accounts) == 0 {
			seen["no accounts"]++
		}
		if c.ChildSupport {
			seen["child support"]++
		}
		if o.PaidInFull && o.Restrictions() > 0 {
			seen["lifted"]++
		}
	}
	for _, s := range []string{
		"empty account", "partial arrest", "full arrest", "account not needed", "covered", "not covered",
		"no accounts", "child support", "not paid", "paid in full", "paid in part", "lifted",
		"collected", "arrested, paid in full",
	} {
		if seen[s] == 0 {
			t.Errorf("no case with %s", s)
		}
	}
	if seen["paid in full"] <= seen["not paid"] || seen["not paid"] <= seen["paid in part"] {
		t.Errorf("payments: %d in full, %d none, %d in part; want most in full, then none", seen["paid in full"], seen["not paid"], seen["paid in part"])
	}
}

func ExampleDataSet_Expected() {
	ds := &dataset.DataSet{
		Accounts: []dataset.BankAccount{
			{OwnerINN: "500100732259", Number: "40817810938001234567", BIC: dataset.BICSberbank, Balance: 31_250_17},
			{OwnerINN: "500100732259", Number: "40817810204410012345", BIC: dataset.BICAlfaBank, Balance: 500_000_00},
		},
		Debtors: []dataset.Debtor{{Party: dataset.Party{Kind: dataset.KindPerson, INN: "500100732259"}, DrivingLicence: "7712345678"}},
	}
	c := &dataset.Case{Debtor: ds.Debtors[0], Debt: 100_000_00, ChildSupport: true}
	o := ds.Expected(c)
	for _, a := range o.Arrests {
		fmt.Printf("%s at %s: asked %d, arrested %d, partial %v\n", a.Account, a.BIC, a.Requested, a.Arrested, a.Partial)
	}
	for _, col := range o.Collections {
		fmt.Printf("collect %d from %s\n", col.Amount, col.Account)
	}
	fmt.Println("licence restricted:", o.DrivingLicenceRestricted, "lifted:", o.Lifted)
	// Output:
	// 40817810938001234567 at 044525225: asked 10000000, arrested 3125017, partial true
	// 40817810204410012345 at 044525593: asked 6874983, arrested 6874983, partial false
	// collect 3125017 from 40817810938001234567
	// collect 6874983 from 40817810204410012345
	// licence restricted: true lifted: false
}
