package gost_test

import (
	"testing"

	"mezhved/exchange/dsig/gost"
)

// FuzzParseKeys feeds arbitrary DER to the public and private key readers:
// they must refuse or return a key on the curve, never panic, and what they
// return must survive a round trip.
func FuzzParseKeys(f *testing.F) {
	k, err := gost.GenerateKey(nil)
	if err != nil {
		f.Fatal(err)
	}
	pub, _ := gost.MarshalPublicKey(k.Public().(*gost.PublicKey))
	prv, _ := gost.MarshalPrivateKey(k)
	f.Add(pub)
	f.Add(prv)
	f.Add([]byte{0x30, 0x00})
	f.Fuzz(func(t *testing.T, der []byte) {
		if p, err := gost.ParsePublicKey(der); err == nil {
			again, err := gost.MarshalPublicKey(p)
			if err != nil {
				t.Fatal(err)
			}
			q, err := gost.ParsePublicKey(again)
			if err != nil || !q.Equal(p) {
				t.Fatalf("a parsed public key does not round-trip: %v", err)
			}
		}
		if p, err := gost.ParsePrivateKey(der); err == nil {
			again, err := gost.MarshalPrivateKey(p)
			if err != nil {
				t.Fatal(err)
			}
			q, err := gost.ParsePrivateKey(again)
			if err != nil || !q.Public().(*gost.PublicKey).Equal(p.Public()) {
				t.Fatalf("a parsed private key does not round-trip: %v", err)
			}
		}
	})
}
