package store_test

import (
	"bytes"
	"testing"
	"time"

	"mezhved/store"
)

func sealed() store.Record {
	r := store.Record{Seq: 42, Time: time.Date(2026, 11, 24, 10, 0, 0, 123456789, time.UTC), Event: store.EventReceived, MessageID: "m",
		TransactionCode: "tx", Sender: "COURT01", Type: "writ", Proceeding: "12345/24/77001-ИП", EnvelopeSHA256: "ab"}
	r.Seal(store.GenesisHash)
	return r
}

// TestRecordForms: the binary form round-trips, and records stored as JSON
// by older versions still read.
func TestRecordForms(t *testing.T) {
	r := sealed()
	data, err := r.Encode()
	if err != nil {
		t.Fatal(err)
	}
	got, err := store.DecodeRecord(data)
	if err != nil {
		t.Fatal(err)
	}
	if got != r || got.ComputeHash() != r.Hash {
		t.Fatalf("round trip:\n got %+v\nwant %+v", got, r)
	}
	legacy := []byte(`{"seq":42,"time":"2026-11-24T10:00:00.123456789Z","event":"received","messageId":"m","transactionCode":"tx","sender":"COURT01","type":"writ","proceeding":"12345/24/77001-ИП","envelopeSha256":"ab","prev":"` + r.Prev + `","hash":"` + r.Hash + `"}`)
	if old, err := store.DecodeRecord(legacy); err != nil || old != r {
		t.Fatalf("legacy form: %+v, %v", old, err)
	}
	for i := range data {
		if _, err := store.DecodeRecord(data[:i]); err == nil {
			t.Fatalf("a record cut to %d bytes decodes", i)
		}
	}
}

func FuzzDecodeRecord(f *testing.F) {
	r := sealed()
	data, _ := r.Encode()
	f.Add(data)
	f.Add([]byte(`{"seq":1}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		r, err := store.DecodeRecord(data)
		if err != nil || len(data) == 0 || data[0] == '{' {
			return
		}
		again, err := r.Encode()
		if err != nil {
			t.Fatalf("a decoded record does not encode: %v", err)
		}
		if !bytes.Equal(again, data) {
			// Equal records, but the time may be written another way.
			back, err := store.DecodeRecord(again)
			if err != nil || back != r {
				t.Fatalf("round trip differs: %+v / %+v", back, r)
			}
		}
	})
}
