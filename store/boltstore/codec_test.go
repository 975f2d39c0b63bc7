package boltstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"mezhved/store"

	bolt "go.etcd.io/bbolt"
)

func codecMessages() []*store.Message {
	at := time.Date(2026, 11, 24, 17, 1, 2, 345678901, time.UTC)
	full := &store.Message{ID: "1b2c3d4e-5f60-11ef-8a9b-0242ac120002", Kind: store.Response, Sender: "BANK044525225", Type: "freeze-result",
		TransactionCode: "tx-7", ReferenceID: "0b2c3d4e-5f60-11ef-8a9b-0242ac120002", RequestID: "2b2c3d4e-5f60-11ef-8a9b-0242ac120002",
		Proceeding: "12345/26/77001-ИП", Received: at, EOL: at.Add(72 * time.Hour), Due: at.Add(48 * time.Hour),
		Recipients: []string{"FSSP01"}}
	for i := range full.Digest {
		full.Digest[i] = byte(i * 7)
	}
	bare := &store.Message{ID: "x", Kind: store.Request, Sender: "COURT01", Received: at, Recipients: []string{}}
	many := *full
	many.Recipients = nil
	for i := range 1000 {
		many.Recipients = append(many.Recipients, "BANK"+strings.Repeat("0", i%9))
	}
	return []*store.Message{full, bare, &many}
}

func TestMessageCodec(t *testing.T) {
	for _, m := range codecMessages() {
		data, err := encodeMessage(m)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeMessage(data)
		if err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s: round trip\n got %+v\nwant %+v", m.ID, got, m)
		}
		refusesCuts(t, m.ID, data, decodeMessage)
		if _, err := decodeMessage(append(data, 0)); err == nil {
			t.Errorf("%s: a byte left over was not refused", m.ID)
		}
	}
}

// refusesCuts: every cut of a value is refused, never a panic.
func refusesCuts[T any](t *testing.T, name string, data []byte, decode func([]byte) (T, error)) {
	t.Helper()
	for n := range len(data) {
		if _, err := decode(data[:n]); err == nil {
			t.Fatalf("%s: %d of %d bytes decoded", name, n, len(data))
		}
	}
}

// jsonMessage is m in the JSON form of earlier versions.
func jsonMessage(m *store.Message) []byte {
	data, err := json.Marshal(messageJSON{ID: m.ID, Kind: uint8(m.Kind), Sender: m.Sender, Type: m.Type, TransactionCode: m.TransactionCode,
		ReferenceID: m.ReferenceID, RequestID: m.RequestID, Proceeding: m.Proceeding, Received: m.Received, EOL: m.EOL, Due: m.Due,
		Digest: hex.EncodeToString(m.Digest[:]), Recipients: m.Recipients})
	if err != nil {
		panic(err)
	}
	return data
}

// TestMessageCodecReadsJSON: files written before the binary form keep
// their messages in JSON.
func TestMessageCodecReadsJSON(t *testing.T) {
	for _, m := range codecMessages() {
		got, err := decodeMessage(jsonMessage(m))
		if err != nil {
			t.Fatalf("%s: %v", m.ID, err)
		}
		if !reflect.DeepEqual(got, m) {
			t.Errorf("%s: from JSON\n got %+v\nwant %+v", m.ID, got, m)
		}
	}
	if _, err := decodeMessage([]byte(`{"id":"x","digest":"00"}`)); err == nil {
		t.Error("a JSON message with a short digest was read")
	}
}

func TestDeliveryCodec(t *testing.T) {
	until := time.Date(2026, 11, 24, 17, 5, 0, 1, time.UTC)
	tests := []delivery{
		{State: stQueued, Queue: "FSSP01/requests", Type: "writ", Seq: 1, Visibility: time.Minute, MaxAttempts: 5},
		{State: stLeased, Queue: "BANK044525225/requests", Type: "freeze", Seq: 1 << 40, Attempts: 3, Until: until, Visibility: 90 * time.Second, MaxAttempts: 10},
		{State: stAcked, Queue: "q", Seq: 7, Attempts: 1},
		{State: stRefused}, {State: stDead, Attempts: 5}, {State: stExpired},
	}
	for _, d := range tests {
		data, err := encodeDelivery(&d)
		if err != nil {
			t.Fatal(err)
		}
		got, err := decodeDelivery(data)
		if err != nil {
			t.Fatalf("%+v: %v", d, err)
		}
		if !reflect.DeepEqual(*got, d) {
			t.Errorf("round trip\n got %+v\nwant %+v", *got, d)
		}
		refusesCuts(t, fmt.Sprintf("%+v", d), data, decodeDelivery)
		old, err := json.Marshal(d)
		if err != nil {
			t.Fatal(err)
		}
		got, err = decodeDelivery(old)
		if err != nil || !got.Until.Equal(d.Until) {
			t.Fatalf("from JSON: %v, until %v", err, got)
		}
		got.Until = d.Until
		if !reflect.DeepEqual(*got, d) {
			t.Errorf("from JSON\n got %+v\nwant %+v", *got, d)
		}
	}
	if _, err := encodeDelivery(&delivery{State: "lost"}); err == nil {
		t.Error("an unknown state was encoded")
	}
	for _, bad := range [][]byte{{codecV1, 99}, {0x02, 0}, {}} {
		if _, err := decodeDelivery(bad); err == nil {
			t.Errorf("%x decoded", bad)
		}
	}
}

func FuzzDecode(f *testing.F) {
	for _, m := range codecMessages()[:2] {
		data, _ := encodeMessage(m)
		f.Add(data)
	}
	d, _ := encodeDelivery(&delivery{State: stLeased, Queue: "q", Type: "t", Seq: 9, Until: time.Unix(0, 5)})
	f.Add(d)
	f.Add([]byte(`{"id":"x"}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		survivesRoundTrip(t, "message", data, decodeMessage, encodeMessage)
		survivesRoundTrip(t, "delivery", data, decodeDelivery, encodeDelivery)
	})
}

// survivesRoundTrip: a value in the binary form that decodes is encoded and
// decoded again to the same thing.
func survivesRoundTrip[T any](t *testing.T, what string, data []byte, decode func([]byte) (T, error), encode func(T) ([]byte, error)) {
	t.Helper()
	v, err := decode(data)
	if err != nil || data[0] != codecV1 {
		return
	}
	again, err := encode(v)
	if err != nil {
		t.Fatal(err)
	}
	if v2, err := decode(again); err != nil || !reflect.DeepEqual(v, v2) {
		t.Fatalf("a decoded %s does not survive a round trip: %v", what, err)
	}
}

// TestJSONFile: a file whose messages and deliveries are in the JSON form
// of earlier versions is read, leased and acknowledged as it is.
func TestJSONFile(t *testing.T) {
	s, err := Open(filepath.Join(t.TempDir(), "mezhved.db"), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	now := time.Now().UTC()
	m := &store.Message{ID: "1b2c3d4e-5f60-11ef-8a9b-0242ac120002", Kind: store.Request, Sender: "COURT01", Type: "writ", Received: now,
		Envelope: []byte("<e/>"), Recipients: []string{"FSSP01"}}
	if _, err := s.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 5}); err != nil {
		t.Fatal(err)
	}
	// Rewrite both values in the JSON form.
	err = s.db.Update(func(tx *bolt.Tx) error {
		mb, db := tx.Bucket(bMessages), tx.Bucket(bDeliveries)
		stored, err := decodeMessage(mb.Get([]byte(m.ID)))
		if err != nil {
			return err
		}
		if err := mb.Put([]byte(m.ID), jsonMessage(stored)); err != nil {
			return err
		}
		d, err := getDelivery(tx, m.ID, "FSSP01")
		if err != nil || d == nil {
			return fmt.Errorf("delivery: %v", err)
		}
		oldD, _ := json.Marshal(d)
		return db.Put(deliveryKey(m.ID, "FSSP01"), oldD)
	})
	if err != nil {
		t.Fatal(err)
	}
	l, err := s.Lease(ctx, "FSSP01", store.Request, store.Selector{}, now)
	if err != nil || l == nil {
		t.Fatalf("lease: %v, %v", l, err)
	}
	if l.Message.ID != m.ID || l.Message.Type != "writ" || string(l.Message.Envelope) != "<e/>" {
		t.Errorf("leased %+v", l.Message)
	}
	if _, err := s.Ack(ctx, "FSSP01", m.ID, true, now); err != nil {
		t.Fatal(err)
	}
	var states []store.DeliveryState
	if err := s.EachDelivery(ctx, func(d store.DeliveryState) error { states = append(states, d); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(states) != 1 || states[0].State != stAcked {
		t.Errorf("deliveries after the ack: %+v", states)
	}
}

// BenchmarkCodec: a message and a delivery written and read back, in the
// binary form and in the JSON form it replaced.
func BenchmarkCodec(b *testing.B) {
	m := codecMessages()[0]
	d := &delivery{State: stLeased, Queue: "FSSP01/requests", Type: "writ", Seq: 1 << 20, Attempts: 1, Until: time.Now(), Visibility: time.Minute, MaxAttempts: 5}
	b.Run("binary", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mv, _ := encodeMessage(m)
			dv, _ := encodeDelivery(d)
			if _, err := decodeMessage(mv); err != nil {
				b.Fatal(err)
			}
			if _, err := decodeDelivery(dv); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			mv := jsonMessage(m)
			dv, _ := json.Marshal(d)
			if _, err := decodeMessage(mv); err != nil {
				b.Fatal(err)
			}
			if _, err := decodeDelivery(dv); err != nil {
				b.Fatal(err)
			}
		}
	})
}
