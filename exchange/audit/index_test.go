package audit_test

import (
	"context"
	"encoding/binary"
	"errors"
	"strings"
	"testing"

	bolt "go.etcd.io/bbolt"

	"mezhved/exchange/audit"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// misindexed is a Source whose journal indexes lost or gained entries.
type misindexed struct {
	audit.Source
	// hide drops a record from what the index by field and value names.
	hide func(field store.IndexField, value string, r store.Record) bool
	// extra is a record the index by field and value names first.
	extra func(field store.IndexField, value string) *store.Record
}

func (s misindexed) JournalBy(ctx context.Context, field store.IndexField, value string, fn func(store.Record) error) error {
	if s.extra != nil {
		if r := s.extra(field, value); r != nil {
			if err := fn(*r); err != nil {
				return err
			}
		}
	}
	return s.Source.JournalBy(ctx, field, value, func(r store.Record) error {
		if s.hide != nil && s.hide(field, value, r) {
			return nil
		}
		return fn(r)
	})
}

// TestVerifyChecksIndexes: replay reads the journal's indexes alone, which
// the chain does not cover; verification checks that under every value
// each index names exactly the records that carry it.
func TestVerifyChecksIndexes(t *testing.T) {
	f := newFixture(t, 6) // message i received at record 2i+1 (transaction tx), queued for FSSP01 at 2i+2
	var first store.Record
	f.st.Journal(ctx, 1, func(r store.Record) error { first = r; return errors.New("stop") })

	tests := []struct {
		name   string
		src    misindexed
		seq    uint64
		reason string
	}{
		{name: "a receipt missing from the index by transaction", seq: 5, reason: "index by transaction code does not name this record",
			src: misindexed{hide: func(field store.IndexField, value string, r store.Record) bool {
				return field == store.ByTransaction && r.Seq == 5
			}}},
		{name: "a delivery missing from the index by message", seq: 8, reason: "index by message does not name this record",
			src: misindexed{hide: func(field store.IndexField, value string, r store.Record) bool {
				return field == store.ByMessage && r.Seq == 8
			}}},
		{name: "a recipient missing from the index by participant", seq: 10, reason: "index by participant does not name this record",
			src: misindexed{hide: func(field store.IndexField, value string, r store.Record) bool {
				return field == store.ByParticipant && value == "FSSP01" && r.Seq == 10
			}}},
		{name: "a record named under a value it does not carry", seq: 1, reason: "under a value it does not carry",
			src: misindexed{extra: func(field store.IndexField, value string) *store.Record {
				if field == store.ByParticipant && value == "FSSP01" {
					return &first // the receipt of message 0, sent by COURT01 to no one yet
				}
				return nil
			}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.src.Source = f.st
			_, err := audit.Verify(ctx, tc.src, audit.Options{})
			var ce *store.ChainError
			if !errors.As(err, &ce) || ce.Seq != tc.seq || !strings.Contains(ce.Reason, tc.reason) {
				t.Fatalf("err = %v; want a break at record %d (%q)", err, tc.seq, tc.reason)
			}
		})
	}
	sum, err := audit.Verify(ctx, f.st, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	// Each receipt: message, transaction, sender; each queued record:
	// message, sender, recipient.
	if sum.IndexEntries != 6*3+6*3 {
		t.Fatalf("%d index entries checked, want %d", sum.IndexEntries, 6*3+6*3)
	}
	// Replay does not follow an entry that names a record under a value
	// the record does not carry.
	if _, err := audit.Replay(ctx, misindexed{Source: f.st, extra: tests[3].src.extra}, audit.Query{Participant: "FSSP01"}); !errors.Is(err, store.ErrCorrupt) {
		t.Fatalf("replay over a misindexed record: %v", err)
	}
}

// TestVerifyFindsALostIndexEntry: a store whose index lost an entry (the
// bolt key removed behind the store's back), which a replay would not
// show, fails verification at the record concerned.
func TestVerifyFindsALostIndexEntry(t *testing.T) {
	f := newFixture(t, 4)
	before, err := audit.Replay(ctx, f.st, audit.Query{TransactionCode: "tx"})
	if err != nil || len(before) != 4 {
		t.Fatalf("replay: %d conversations, %v", len(before), err)
	}
	f.st.Close()
	db, err := bolt.Open(f.path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	key := append([]byte("ttx\x00"), binary.BigEndian.AppendUint64(nil, 5)...) // the receipt of message 2 under transaction tx
	err = db.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket([]byte("journal-index"))
		if b == nil || b.Get(key) == nil {
			return errors.New("no such index entry")
		}
		return b.Delete(key)
	})
	db.Close()
	if err != nil {
		t.Fatal(err)
	}
	st, err := boltstore.Open(f.path, &boltstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if after, err := audit.Replay(ctx, st, audit.Query{TransactionCode: "tx"}); err != nil || len(after) != 3 {
		t.Fatalf("replay after the loss: %d conversations, %v (the test expects the loss to hide one)", len(after), err)
	}
	_, err = audit.Verify(ctx, st, audit.Options{Signatures: true})
	var ce *store.ChainError
	if !errors.As(err, &ce) || ce.Seq != 5 || !strings.Contains(ce.Reason, "index by transaction code does not name this record") {
		t.Fatalf("err = %v, want a break at record 5", err)
	}
}
