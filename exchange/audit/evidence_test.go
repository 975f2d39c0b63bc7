package audit_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"mezhved/exchange/audit"
	"mezhved/store"
)

// TestSelectionOfAConversationStartedBefore: a selection whose window
// opens after a conversation began (its request received before From, its
// response after) exports an archive its own verification accepts: the
// verifier, which has only the slice, sees the conversation start later and
// requires the response's envelope, so the archive carries it.
func TestSelectionOfAConversationStartedBefore(t *testing.T) {
	f := newFixture(t, 0)
	accept := func(m *store.Message) {
		m.Envelope = []byte("<e>" + m.ID + "</e>")
		m.Digest = sha256.Sum256(m.Envelope)
		if _, err := f.st.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
			t.Fatal(err)
		}
	}
	before := time.Date(2026, 1, 10, 10, 0, 0, 0, time.UTC)
	from := time.Date(2026, 1, 11, 0, 0, 0, 0, time.UTC)
	r1, r2, s1 := uuid.Must(uuid.NewUUID()).String(), uuid.Must(uuid.NewUUID()).String(), uuid.Must(uuid.NewUUID()).String()
	accept(&store.Message{ID: r1, Kind: store.Request, Sender: "COURT01", Type: "writ", TransactionCode: "tx", Received: before, Recipients: []string{"FSSP01"}})
	accept(&store.Message{ID: r2, Kind: store.Request, Sender: "COURT01", Type: "writ", TransactionCode: "tx", Received: from.Add(time.Hour), Recipients: []string{"FSSP01"}})
	accept(&store.Message{ID: s1, Kind: store.Response, RequestID: r1, Sender: "FSSP01", Type: "answer", Received: from.Add(2 * time.Hour), Recipients: []string{"COURT01"}})
	f.checkpoint(t, f.hub)
	var buf bytes.Buffer
	if _, err := audit.Export(ctx, f.st, &buf, audit.ExportOptions{Query: &audit.Query{Participant: "FSSP01", From: from}}); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.VerifyArchive(bytes.NewReader(buf.Bytes()), int64(buf.Len()), audit.ArchiveOptions{}); err != nil {
		t.Fatalf("the hub's own archive does not verify: %v", err)
	}
}

// TestArchiveRefusesOversizedMessageIDs: a received record whose message ID
// is no ID the hub writes (here 1 KB, hash-chained and covered by a
// checkpoint of the archive's own making) is refused as it is read, before
// thousands of them could fill the verifier's memory.
func TestArchiveRefusesOversizedMessageIDs(t *testing.T) {
	f := newFixture(t, 0)
	const n = 3
	var journal bytes.Buffer
	enc := json.NewEncoder(&journal)
	prev := store.GenesisHash
	var last store.Record
	for i := 1; i <= n; i++ {
		r := store.Record{Seq: uint64(i), Time: time.Unix(1700000000, 0).UTC(), Event: store.EventReceived,
			MessageID: fmt.Sprintf("%06d", i) + strings.Repeat("a", 1000), EnvelopeSHA256: strings.Repeat("0", 64)}
		r.Seal(prev)
		prev, last = r.Hash, r
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
	}
	c := store.Checkpoint{Seq: last.Seq, Hash: last.Hash, Time: time.Now().UTC()}
	var err error
	if c.Method, c.Signature, err = f.hub.SignBytes(c.SignedBytes()); err != nil {
		t.Fatal(err)
	}
	for _, cert := range f.hub.Certificates() {
		c.Certificates = append(c.Certificates, cert.Raw)
	}
	cps, err := json.Marshal([]store.Checkpoint{c})
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{"journal.jsonl": journal.Bytes(), "checkpoints.json": cps,
		"certificates/trust.pem": pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.pki.CA.Certificate.Raw}),
		"certificates/hub.pem":   pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: f.pki.Hub.Certificate.Raw})}
	m := audit.Manifest{Format: audit.ArchiveFormat, First: 1, Last: n, PrevHash: store.GenesisHash, LastHash: last.Hash, Records: n, Checkpoints: 1}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for name, data := range files {
		sum := sha256.Sum256(data)
		m.Files = append(m.Files, audit.FileEntry{Name: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))})
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		w.Write(data)
	}
	mj, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	w, err := zw.Create("manifest.json")
	if err != nil {
		t.Fatal(err)
	}
	w.Write(mj)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	_, err = audit.VerifyArchive(bytes.NewReader(out.Bytes()), int64(out.Len()), audit.ArchiveOptions{})
	if err == nil || !strings.Contains(err.Error(), "message ID (1006 bytes)") {
		t.Fatalf("err = %v, want the oversized message ID refused", err)
	}
}

// TestStateAfterPrune: a prune removes finished messages and the records up
// to a signed checkpoint; records of those messages after the cut (their
// leases and acknowledgements) stay. The state rebuilt from the journal
// then holds no deliveries the store no longer has, and a replay of such a
// message claims no time it took.
func TestStateAfterPrune(t *testing.T) {
	f := newFixture(t, 2) // records 1-4, a checkpoint at 4
	f.finishAll(t)        // 5-8: leased, acked, leased, acked
	cut, err := audit.PlanCut(ctx, f.st, time.Now().Add(time.Hour))
	if err != nil || cut.Upto != 4 {
		t.Fatalf("cut %+v, %v; want at record 4", cut, err)
	}
	if _, err := f.st.Prune(ctx, cut.Upto, "archive"); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.Verify(ctx, f.st, audit.Options{Signatures: true}); err != nil {
		t.Fatalf("verify: %v", err)
	}
	diffs, _, err := audit.CompareState(ctx, f.st)
	if err != nil {
		t.Fatal(err)
	}
	for _, d := range diffs {
		t.Errorf("a difference after a prune: %s", d)
	}
	convs, err := audit.Replay(ctx, f.st, audit.Query{MessageID: f.ids[0]})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range convs {
		for _, h := range c.Messages {
			for _, d := range h.Deliveries {
				if d.Took != 0 || d.Waiting != 0 {
					t.Errorf("a delivery of a message whose receipt was cut took %s, waits %s", d.Took, d.Waiting)
				}
			}
		}
	}
}
