package boltstore_test

import (
	"path/filepath"
	"testing"

	"mezhved/store"
	"mezhved/store/boltstore"
	"mezhved/store/storetest"
)

func TestSuite(t *testing.T) {
	storetest.Run(t, func(t testing.TB, dir string) store.Store {
		s, err := boltstore.Open(filepath.Join(dir, "mezhved.db"), nil)
		if err != nil {
			t.Fatal(err)
		}
		return s
	})
}
