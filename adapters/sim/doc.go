// Package sim simulates every participant of the development registry
// (exchange/registry/dev.json) acting on a synthetic data set
// (mezhved/adapters/sim/dataset), each as an adapters.Adapter talking to the
// hub like a real agency system would.
//
// # The cycle
//
// For each case of the data set:
//
//  1. The issuer of the writ (the court COURT01, the traffic police GIBDD01
//     for fines, the tax service FNS01 for tax debts) submits a Writ to the
//     bailiff service FSSP01, with the writ number as the transaction code,
//     at Config.Rate writs per second over all issuers.
//  2. The bailiff opens a proceeding (number N/YY/77001-ИП, N being the
//     case's position in the data set), notifies the portal EPGU01
//     (proceeding-opened), queries the assets (VehicleQuery to GIBDD01,
//     AccountQuery to FNS01, RealEstateQuery to ROSREESTR01, IncomeQuery
//     to SFR01 for a person) and answers the writ with the proceeding
//     number. Every later message of the proceeding carries the writ number
//     as its transaction code.
//  3. When the tax service names the banks, the bailiff sends a
//     BankAccountQuery to each (routed by BIC). From the answers it issues
//     the decrees of the data set's rules (dataset.Outcome): an arrest of
//     funds per account in BIC and account order while debt remains, for
//     what remains; a registration ban per vehicle and per property; a
//     driving-licence restriction for child support. Each decree is
//     notified to the portal (decree-issued).
//  4. The recipients execute and answer with a DecreeResult; a bank freezes
//     min(balance, asked). Once every result is in, the bailiff notifies
//     the portal that the measures are in place (status-changed).
//  5. The portal then sends the case's payment notice, if the case has a
//     payment. A full payment makes the bailiff lift every measure it
//     placed (lift-arrest, lift-vehicle-ban, lift-real-estate-ban,
//     lift-driving-restriction); once every lift is executed it closes the
//     proceeding and notifies the portal (proceeding-closed).
//  6. A case not paid in full has its arrested funds collected: once the
//     arrest results are in (and the partial payment's notice, if any), one
//     collect-funds decree per arrest that froze money, for that amount,
//     which the bank executes. The proceeding stays open.
//
// The answering agencies answer from the data set and keep their own
// registries of the measures they hold, so a decree number executed twice
// is answered not-executed / already-executed and the lift of a measure
// they do not hold not-executed / object-not-found.
//
// # Running it
//
// New builds every agency, Run runs them until its context ends, Done is
// closed when every case has reached its final state, Check compares that
// state with dataset.Expected, and Progress counts what happened so far.
// Agency builds a single agency, for running each one in its own process.
//
// Each agency's state is its own, as separate organisations: they share
// nothing but the data set and talk only through the hub. The bailiff
// takes from the data set what no message of the cycle tells it: the
// debtor's driving-licence number, and whether the debtor will pay at all
// (the simulation's stand-in for the period of voluntary payment running
// out). Logs carry message ids, types, case ids and counts, never payload
// contents or personal data.
//
// The agencies keep their files and registers in memory, as a simulation
// may: an agency run in its own process forgets them when it restarts
// (a durable Config.State still keeps it from handling a message twice).
package sim
