package audit_test

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"mezhved/exchange/audit"
	"mezhved/store"
)

// TestRetention: archive-then-prune leaves a journal that still verifies,
// and the next archive continues the pruned one.
func TestRetention(t *testing.T) {
	f := newFixture(t, 4) // records 1-8, checkpoints at 4 and 8
	f.finishAll(t)
	f.checkpoint(t, f.hub) // at 16
	f.more(t, 2)           // 17-20, queued: they block the cut

	cut, err := audit.PlanCut(ctx, f.st, time.Now().Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if cut.Upto != 16 || cut.Messages != 4 || cut.Blocker == "" {
		t.Fatalf("cut %+v", cut)
	}
	if young, _ := audit.PlanCut(ctx, f.st, time.Now().Add(-time.Hour)); young.Upto != 0 {
		t.Fatalf("a cut of records younger than the age: %+v", young)
	}
	var archive bytes.Buffer
	m, err := audit.Export(ctx, f.st, &archive, audit.ExportOptions{Upto: cut.Upto})
	if err != nil || m.First != 1 || m.Last != 16 || m.Envelopes != 4 {
		t.Fatalf("archive %+v, %v", m, err)
	}
	sum, err := verifyArchive(archive.Bytes(), nil)
	if err != nil {
		t.Fatal(err)
	}
	res, err := f.st.Prune(ctx, cut.Upto, sum.Digest)
	if err != nil || res.Records != 16 || res.Messages != 4 {
		t.Fatalf("prune %+v, %v", res, err)
	}
	// What remains verifies, from the cut on.
	v, err := audit.Verify(ctx, f.st, audit.Options{Signatures: true})
	if err != nil {
		t.Fatal(err)
	}
	if v.Base.Seq != 16 || v.Records != 4 || v.Envelopes != 2 || v.Covered != 20 {
		t.Fatalf("after the cut: %+v", v)
	}
	if _, err := f.st.Message(ctx, f.ids[0]); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("a pruned message is still there: %v", err)
	}
	// The next full archive continues the pruned one by itself.
	var next bytes.Buffer
	if _, err := audit.Export(ctx, f.st, &next, audit.ExportOptions{}); err != nil {
		t.Fatal(err)
	}
	if _, err := verifyArchive(next.Bytes(), manifestOf(t, archive.Bytes())); err != nil {
		t.Fatalf("the archive after the cut: %v", err)
	}
	// A cut without the checkpoint that vouches for it is found.
	_, err = audit.Verify(ctx, tampered{Source: f.st, checkpoint: func(c *store.Checkpoint) {
		if c.Seq == 16 {
			c.Hash = c.Hash[:10] + "0000000000" + c.Hash[20:]
		}
	}}, audit.Options{})
	var ce *store.ChainError
	if !errors.As(err, &ce) || ce.Seq != 16 {
		t.Fatalf("a cut vouched for by no checkpoint: %v", err)
	}
}

// finishAll leases and acknowledges every message of the fixture.
func (f *fixture) finishAll(t *testing.T) {
	t.Helper()
	for _, id := range f.ids {
		if l, err := f.st.Lease(ctx, "FSSP01", store.Request, store.Selector{}, time.Now()); err != nil || l == nil {
			t.Fatalf("lease: %v", err)
		}
		if _, err := f.st.Ack(ctx, "FSSP01", id, true, time.Now()); err != nil {
			t.Fatal(err)
		}
	}
}
