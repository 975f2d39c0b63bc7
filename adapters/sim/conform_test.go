package sim

import (
	"fmt"
	"slices"
	"testing"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
	"mezhved/conformance/adaptersuite"
)

// TestAgenciesConform puts every agency that answers requests through the
// adapter suite, with requests built from the data set.
func TestAgenciesConform(t *testing.T) {
	ds := dataset.Generate(5, 80)
	// pick returns the n-th case (1-based, cycling) that keep accepts.
	pick := func(t testing.TB, n int, keep func(*dataset.Case) bool) *dataset.Case {
		var cs []*dataset.Case
		for i := range ds.Cases {
			if keep(&ds.Cases[i]) {
				cs = append(cs, &ds.Cases[i])
			}
		}
		if len(cs) == 0 {
			t.Fatal("no case fits")
		}
		return cs[(n-1)%len(cs)]
	}
	every := func(*dataset.Case) bool { return true }
	// query builds a query of the bailiff for the n-th case that keep
	// accepts, in a proceeding numbered n.
	query := func(q string, keep func(*dataset.Case) bool) func(testing.TB, int) *etree.Element {
		return func(t testing.TB, n int) *etree.Element {
			c := pick(t, n, keep)
			p := &proceeding{number: fmt.Sprintf("%d/24/%s-ИП", n, divisionCode), debtor: c.Debtor.Party}
			return queryPayload(p, q)
		}
	}
	type agencyCase struct {
		participant, sender string
		request             func(testing.TB, int) *etree.Element
	}
	cases := []agencyCase{
		{Bailiffs, Court, func(t testing.TB, n int) *etree.Element {
			return writPayload(pick(t, n, func(c *dataset.Case) bool { return c.Issuer == Court }))
		}},
		{TrafficPolice, Bailiffs, query("vehicle", every)},
		{TaxService, Bailiffs, query("account", every)},
		{LandRegistry, Bailiffs, query("real-estate", every)},
		{PensionFund, Bailiffs, query("income", func(c *dataset.Case) bool { return c.Debtor.IsPerson() })},
	}
	for _, b := range dataset.Banks() {
		cases = append(cases, agencyCase{b.Participant, Bailiffs, query("bank:"+b.BIC, func(c *dataset.Case) bool {
			return slices.Contains(ds.BanksOf(c.Debtor.Key()), b.BIC)
		})})
	}
	for _, c := range cases {
		t.Run(c.participant, func(t *testing.T) {
			t.Parallel()
			adaptersuite.RunAdapterSuite(t, adaptersuite.AdapterCase{
				Participant: c.participant,
				Sender:      c.sender,
				Request:     c.request,
				Answers:     true,
				New: func(t testing.TB, client *adapters.Client, st adapters.State) *adapters.Adapter {
					a, _, err := Agency(c.participant, Config{Data: ds,
						Client: func(string) *adapters.Client { return client },
						State:  func(string) adapters.State { return st }})
					if err != nil {
						t.Fatal(err)
					}
					return a
				},
			})
		})
	}
}
