package gost

import (
	"bytes"
	"encoding/hex"
	"math/big"
	"testing"

	"go.cypherpunks.ru/gogost/v5/gost3410"
)

// Streebog-256 examples of GOST R 34.11-2012 (Appendix A). The standard
// writes messages and hashes as numbers, most significant byte first; the
// bytes a hash function reads and returns are in the opposite order.
func TestStreebogVectors(t *testing.T) {
	m2 := mustHex(t, "fbe2e5f0eee3c820fbeafaebef20fffbf0e1e0f0f520e0ed20e8ece0ebe5f0f2f120fff0eeec20f120faf2fee5e2202ce8f6f3ede220e8e6eee1e8f0f2d1202ce8f0f2e5e220e5d1")
	reverse(m2)
	for _, c := range []struct {
		name     string
		msg      []byte
		standard string // H(M) as the standard writes it
	}{
		{"M1", []byte("012345678901234567890123456789012345678901234567890123456789012"), "00557be5e584fd52a449b16b0251d05d27f94ab76cbaa6da890b59d8ef1e159d"},
		{"M2", m2, "508f7e553c06501d749a66fc28c6cac0b005746d97537fa85d9e40904efed29d"},
	} {
		t.Run(c.name, func(t *testing.T) {
			h := NewHash()
			h.Write(c.msg)
			got := h.Sum(nil)
			reverse(got)
			if hex.EncodeToString(got) != c.standard {
				t.Fatalf("H(%s) = %x, the standard says %s", c.name, got, c.standard)
			}
		})
	}
}

// The signature example of GOST R 34.10-2012 (Appendix A.1): the test curve,
// a fixed key, digest and nonce give a fixed signature.
func TestSignatureVector(t *testing.T) {
	c := gost3410.CurveIdGostR34102001TestParamSet()
	set := &paramSet{name: "test", q: c.Q, curve: c, arith: newArithmetic(c)}
	d := mustInt(t, "7A929ADE789BB9BE10ED359DD39A72C11B60961F49397EEE1D19CE9891EC3B28")
	e := mustInt(t, "2DFBC1B372D89A1188C09C52E0EEC61FCE52032AB1022E8E67ECE6672B043EE5")
	k := mustInt(t, "77105C9B20BCD3122823C8CF6FCC7B956DE33814E95B7FE64FED924594DCEAB3")
	wantR := mustInt(t, "41AA28D2F1AB148280CD9ED56FEDA41974053554A42767B83AD043FD39DC0493")
	wantS := mustInt(t, "01456C64BA4642A1653C235A98A60249BCD6D3F746B631DF928014F6C5BF9C40")
	wantX := mustInt(t, "7F2B49E270DB6D90D8595BEC458B50C58585BA1D4E9B788F6689DBD8E56FD80B")
	wantY := mustInt(t, "26F1B489D6701DD185C8413A977B3CBBAF64D1C593D26627DFFB101A87FF77DA")

	key, err := newPrivateKey(set, d)
	if err != nil {
		t.Fatal(err)
	}
	if key.pub.X.Cmp(wantX) != 0 || key.pub.Y.Cmp(wantY) != 0 {
		t.Fatalf("public key (%x, %x), the standard says (%x, %x)", key.pub.X, key.pub.Y, wantX, wantY)
	}
	// The digest as a hash function would return it: e little-endian.
	digest := e.FillBytes(make([]byte, 32))
	reverse(digest)
	// The nonce source: Sign reads 40 bytes and reduces them modulo q.
	nonce := append(make([]byte, 8), k.FillBytes(make([]byte, 32))...)
	sig, err := key.Sign(bytes.NewReader(nonce), digest, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := append(wantS.FillBytes(make([]byte, 32)), wantR.FillBytes(make([]byte, 32))...)
	if !bytes.Equal(sig, want) {
		t.Fatalf("signature %x, the standard says s||r = %x", sig, want)
	}
	if err := Verify(key.pub, digest, sig); err != nil {
		t.Fatalf("the standard's signature does not verify: %v", err)
	}
	for i := range 8 * len(sig) {
		bad := bytes.Clone(sig)
		bad[i/8] ^= 0x80 >> (i % 8)
		if Verify(key.pub, digest, bad) == nil {
			t.Fatalf("a signature with bit %d flipped verifies", i)
		}
	}
	bad := bytes.Clone(digest)
	bad[0] ^= 1
	if Verify(key.pub, bad, sig) == nil {
		t.Fatal("the signature verifies over another digest")
	}
}

// Signatures interoperate with the library's own signing and verification,
// with the library's convention of a reversed (big-endian) digest.
func TestAgainstLibrary(t *testing.T) {
	for _, set := range paramSets {
		t.Run(set.name, func(t *testing.T) {
			key, err := generateKey(set, randReader)
			if err != nil {
				t.Fatal(err)
			}
			prv, err := gost3410.NewPrivateKeyBE(set.curve, key.d.FillBytes(make([]byte, 32)))
			if err != nil {
				t.Fatal(err)
			}
			pub, err := prv.PublicKey()
			if err != nil {
				t.Fatal(err)
			}
			if pub.X.Cmp(key.pub.X) != 0 || pub.Y.Cmp(key.pub.Y) != 0 {
				t.Fatal("public keys differ from the library's")
			}
			for i := range 4 {
				digest := make([]byte, 32)
				digest[0], digest[31] = byte(i), byte(i*7)
				be := bytes.Clone(digest)
				reverse(be)
				ours, err := key.Sign(nil, digest, nil)
				if err != nil {
					t.Fatal(err)
				}
				if ok, err := pub.VerifyDigest(be, ours); err != nil || !ok {
					t.Fatalf("the library refuses our signature: %v", err)
				}
				theirs, err := prv.SignDigest(be, randReader)
				if err != nil {
					t.Fatal(err)
				}
				if err := Verify(key.pub, digest, theirs); err != nil {
					t.Fatalf("we refuse the library's signature: %v", err)
				}
			}
		})
	}
}

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func mustInt(t *testing.T, s string) *big.Int {
	t.Helper()
	n, ok := new(big.Int).SetString(s, 16)
	if !ok {
		t.Fatalf("bad hex %s", s)
	}
	return n
}
