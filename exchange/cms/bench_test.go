package cms

import (
	"crypto/rand"
	"crypto/x509"
	"testing"
	"time"
)

// BenchmarkVerifyDetached measures verifying an ECDSA P-256 signature over
// a 1 MB attachment: mostly SHA-256 of the content, plus one ECDSA
// verification and the parsing. Throughput is content bytes per second.
func BenchmarkVerifyDetached(b *testing.B) {
	k := sharedKey(b, "p256")
	content := make([]byte, 1<<20)
	rand.Read(content)
	der, err := SignDetached(content, k.key, []*x509.Certificate{k.cert, k.ca}, time.Now())
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(content)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := VerifyDetached(der, content, nil); err != nil {
			b.Fatal(err)
		}
	}
}
