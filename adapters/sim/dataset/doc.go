// Package dataset generates a deterministic synthetic world for the
// simulated agencies and the end-to-end tests: debtors (persons and
// organisations), their vehicles, bank accounts, real estate and incomes,
// and enforcement cases (writs from the court, the traffic police and the
// tax service, and whether the debtor pays).
//
// [Generate] builds a [DataSet] from a seed and a number of cases; the same
// seed and count give the same data set on every run and machine (all
// randomness comes from a PCG generator seeded with the seed; no clock, no
// map iteration). Every identifier in it passes its check in
// mezhved/schemas/ident and is unique in the data set, and every
// enumerated value (document kind, account kind, property kind...) is the
// value the enforcement schemas use, so simulators copy them into messages
// as they are. Amounts are int64 kopecks, dates are strings in [DateLayout].
//
// The simulated agencies answer from the lookups: [DataSet.VehiclesOf]
// (traffic police), [DataSet.BanksOf] (tax service), [DataSet.AccountsAt]
// (a bank), [DataSet.PropertiesOf] (land registry), [DataSet.IncomesOf]
// (pension fund), each finding the debtor by INN or SNILS
// ([DataSet.FindDebtor]). [DataSet.Expected] says how a case must end;
// the rules of the enforcement cycle it follows are documented on
// [Outcome], and the simulators implement the same rules. [Write] dumps a
// data set as JSON.
//
// A DataSet is plain data: after Generate it is read-only, and its methods
// may be called concurrently. Nothing in the package fails: Generate
// always returns a data set and the lookups return nil when nothing
// matches.
package dataset
