package audit_test

import (
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"fmt"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/uuid"

	"mezhved/exchange/audit"
	"mezhved/exchange/dsig"
	"mezhved/exchange/soap"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// BenchmarkVerifyChain measures chain verification (hashes and order, no
// envelopes) over a journal of 200,000 records; the figure is records per
// second.
func BenchmarkVerifyChain(b *testing.B) {
	const n = 200_000
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "mezhved.db"), &boltstore.Options{NoSync: true})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 64 {
		wg.Go(func() {
			for i := next.Add(1); i <= n; i = next.Add(1) {
				if err := st.Reject(ctx, store.Rejection{Time: t0, MessageID: "m", Sender: "COURT01", Fault: "MZ-2001"}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	b.ResetTimer()
	for b.Loop() {
		sum, err := audit.Verify(ctx, st, audit.Options{})
		if err != nil || sum.Records != n {
			b.Fatalf("%v %+v", err, sum)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "records/s")
}

// BenchmarkReplayTransaction measures the replay of one transaction's
// conversation in a journal of 1,000,000 records (500,000 requests, each
// received and queued), found through the transaction index.
func BenchmarkReplayTransaction(b *testing.B) {
	const messages = 500_000
	st, err := boltstore.Open(filepath.Join(b.TempDir(), "mezhved.db"), &boltstore.Options{NoSync: true, MaxBatch: 4096})
	if err != nil {
		b.Fatal(err)
	}
	defer st.Close()
	var next atomic.Int64
	var wg sync.WaitGroup
	t0 := time.Now()
	for range 256 {
		wg.Go(func() {
			for i := next.Add(1); i <= messages; i = next.Add(1) {
				env := []byte(fmt.Sprintf("<envelope n=\"%d\"/>", i))
				m := &store.Message{ID: fmt.Sprintf("m-%d", i), Kind: store.Request, Sender: "COURT01", Type: "writ", TransactionCode: fmt.Sprintf("tx-%d", i),
					Received: t0, Envelope: env, Digest: sha256.Sum256(env), Recipients: []string{"FSSP01"}}
				if _, err := st.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	if seq, _, _ := st.Head(ctx); seq != 2*messages {
		b.Fatalf("the journal has %d records", seq)
	}
	b.ResetTimer()
	i := 0
	for b.Loop() {
		i++
		convs, err := audit.Replay(ctx, st, audit.Query{TransactionCode: fmt.Sprintf("tx-%d", 1+(i*7919)%messages)})
		if err != nil || len(convs) != 1 || len(convs[0].Messages[0].Events) != 2 {
			b.Fatalf("%v %+v", err, convs)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Microseconds())/float64(b.N)/1000, "ms/replay")
}

// BenchmarkExportVerify measures writing a full evidence archive of 100,000
// signed 4 KB messages and verifying it (every signature re-checked), as
// `journal export` and `journal verify --archive` do.
func BenchmarkExportVerify(b *testing.B) {
	const messages = 100_000
	f := newBenchFixture(b, messages)
	b.ResetTimer()
	for b.Loop() {
		var buf bytes.Buffer
		t := time.Now()
		m, err := audit.Export(ctx, f.st, &buf, audit.ExportOptions{})
		if err != nil || m.Envelopes != messages {
			b.Fatalf("%v %+v", err, m)
		}
		exported := time.Since(t)
		sum, err := audit.VerifyArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()), audit.ArchiveOptions{Signatures: true})
		if err != nil || sum.Signatures != messages {
			b.Fatalf("%v %+v", err, sum)
		}
		b.ReportMetric(exported.Seconds(), "export-s")
		b.ReportMetric((time.Since(t) - exported).Seconds(), "verify-s")
		b.ReportMetric(float64(buf.Len())/1e6, "archive-MB")
	}
}

// newBenchFixture stores n signed 4 KB requests, signed and accepted on
// every core, and one checkpoint over them.
func newBenchFixture(b *testing.B, n int) *fixture {
	f := newFixture(b, 0)
	court, err := dsig.NewSigner(f.pki.Participants["COURT01"].Key, []*x509.Certificate{f.pki.Participants["COURT01"].Certificate}, dsig.ProfileSMEV)
	if err != nil {
		b.Fatal(err)
	}
	content := writ(b)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range 2 * runtime.GOMAXPROCS(0) {
		wg.Go(func() {
			for i := next.Add(1); i <= int64(n); i = next.Add(1) {
				id := uuid.Must(uuid.NewUUID()).String()
				doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: id, TransactionCode: "tx", Content: content.Copy()}, nil)
				if _, err := soap.SignCall(doc.Root(), court); err != nil {
					b.Error(err)
					return
				}
				raw, err := soap.Marshal(doc)
				if err != nil {
					b.Error(err)
					return
				}
				m := &store.Message{ID: id, Kind: store.Request, Sender: "COURT01", Type: "writ", TransactionCode: "tx", Received: time.Now(),
					Envelope: []byte(raw), Digest: sha256.Sum256([]byte(raw)), Recipients: []string{"FSSP01"}}
				if _, err := f.st.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
					b.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	f.checkpoint(b, f.hub)
	return f
}
