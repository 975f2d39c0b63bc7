// Package storetest holds the behaviour suite that every implementation of
// store.Store must pass: ordering, leases and redelivery, dead letters, end of
// life, idempotent acceptance, queue limits, broadcast, refusals, reopening
// and concurrent writers, with the journal chain checked after each case.
package storetest
