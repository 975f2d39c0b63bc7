package audit_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"errors"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/google/uuid"

	"mezhved/exchange/audit"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
	"mezhved/store"
	"mezhved/store/boltstore"
)

var ctx = context.Background()

// fixture is a store holding signed envelopes, their journal and signed
// checkpoints, as a hub leaves it.
type fixture struct {
	st   *boltstore.Store
	path string // of the store's file
	pki  *pki.Bundle
	hub  *dsig.Signer
	ids  []string
	n    int // messages stored
	bad  int // the message stored with a broken signature, or -1
}

func newFixture(t testing.TB, messages int) *fixture { return newFixtureBad(t, messages, -1) }

// newFixtureBad stores message number bad (from 0) with a signature value
// that does not verify, as a hub with a flaw at the door might have.
func newFixtureBad(t testing.TB, messages, bad int) *fixture {
	t.Helper()
	b, err := pki.Generate(pki.Options{Participants: []pki.Party{{Mnemonic: "COURT01", Name: "Суд"}, {Mnemonic: "FSSP01", Name: "ФССП"}}})
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "mezhved.db")
	st, err := boltstore.Open(path, &boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	hub, err := dsig.NewSigner(b.Hub.Key, []*x509.Certificate{b.Hub.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{st: st, path: path, pki: b, hub: hub}
	if err := st.AddCertificates(ctx, store.RoleTrust, [][]byte{b.CA.Certificate.Raw}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.AddCertificates(ctx, store.RoleHub, [][]byte{b.Hub.Certificate.Raw}, time.Now()); err != nil {
		t.Fatal(err)
	}
	f.bad = bad
	f.more(t, messages)
	return f
}

// more stores n more signed requests, signing a checkpoint after every
// second one.
func (f *fixture) more(t testing.TB, messages int) {
	t.Helper()
	b := f.pki
	court, err := dsig.NewSigner(b.Participants["COURT01"].Key, []*x509.Certificate{b.Participants["COURT01"].Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	for range messages {
		i := f.n
		f.n++
		id := uuid.Must(uuid.NewUUID()).String()
		doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: id, TransactionCode: "tx", Content: writ(t)}, nil)
		if _, err := soap.SignCall(doc.Root(), court); err != nil {
			t.Fatal(err)
		}
		if i == f.bad {
			sv := doc.Root().FindElement("//SignatureValue")
			v := []byte(sv.Text())
			v[10] ^= 1
			sv.SetText(string(v))
		}
		raw, err := soap.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		m := &store.Message{ID: id, Kind: store.Request, Sender: "COURT01", Type: "writ", TransactionCode: "tx", Received: time.Now(),
			Envelope: []byte(raw), Digest: sha256.Sum256([]byte(raw)), Recipients: []string{"FSSP01"}}
		if _, err := f.st.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
			t.Fatal(err)
		}
		f.ids = append(f.ids, id)
		if i%2 == 1 {
			f.checkpoint(t, f.hub)
		}
	}
}

func writ(t testing.TB) *etree.Element {
	t.Helper()
	doc := etree.NewDocument()
	if err := doc.ReadFromFile("../../schemas/payloads/Writ.xml"); err != nil {
		t.Fatal(err)
	}
	return doc.Root()
}

// checkpoint signs the journal's head with s.
func (f *fixture) checkpoint(t testing.TB, s *dsig.Signer) store.Checkpoint {
	t.Helper()
	seq, hash, err := f.st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := store.Checkpoint{Seq: seq, Hash: hash, Time: time.Now().UTC()}
	if c.Method, c.Signature, err = s.SignBytes(c.SignedBytes()); err != nil {
		t.Fatal(err)
	}
	for _, cert := range s.Certificates() {
		c.Certificates = append(c.Certificates, cert.Raw)
	}
	if err := f.st.AddCheckpoint(ctx, c); err != nil {
		t.Fatal(err)
	}
	return c
}

// tampered is a Source that changes what a real store returns.
type tampered struct {
	audit.Source
	record     func(r store.Record) []store.Record // what the journal walk sees instead of r
	message    func(m *store.Message)
	checkpoint func(c *store.Checkpoint)
	// unjournaled is a delivery the store holds of a message the journal
	// never recorded.
	unjournaled *store.DeliveryState
}

func (s tampered) EachDelivery(ctx context.Context, fn func(store.DeliveryState) error) error {
	if s.unjournaled != nil {
		if err := fn(*s.unjournaled); err != nil {
			return err
		}
	}
	return s.Source.EachDelivery(ctx, fn)
}

func (s tampered) Journal(ctx context.Context, from uint64, fn func(store.Record) error) error {
	var pending []store.Record
	err := s.Source.Journal(ctx, from, func(r store.Record) error {
		out := []store.Record{r}
		if s.record != nil {
			out = s.record(r)
		}
		for _, o := range out {
			pending = append(pending, o)
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, r := range pending {
		if err := fn(r); err != nil {
			return err
		}
	}
	return nil
}

func (s tampered) Message(ctx context.Context, id string) (*store.Message, error) {
	m, err := s.Source.Message(ctx, id)
	if err == nil && s.message != nil {
		s.message(m)
	}
	return m, err
}

func (s tampered) Checkpoints(ctx context.Context, fn func(store.Checkpoint) error) error {
	return s.Source.Checkpoints(ctx, func(c store.Checkpoint) error {
		if s.checkpoint != nil {
			s.checkpoint(&c)
		}
		return fn(c)
	})
}

func TestVerifyIntact(t *testing.T) {
	f := newFixture(t, 6)
	sum, err := audit.Verify(ctx, f.st, audit.Options{Signatures: true})
	if err != nil {
		t.Fatal(err)
	}
	// Each Accept journals received and queued: 12 records, 3 checkpoints.
	if sum.Records != 12 || sum.Envelopes != 6 || sum.Signatures != 6 || sum.Checkpoints != 3 || sum.Covered != 12 {
		t.Fatalf("summary %+v", sum)
	}
	if len(sum.Signers) != 1 || !strings.Contains(sum.Signers[0], "HUB") {
		t.Fatalf("signers %v", sum.Signers)
	}
}

// TestVerifyDetectsTampering: each kind of change is found, at the record
// it was made at.
func TestVerifyDetectsTampering(t *testing.T) {
	f := newFixture(t, 6)
	stranger, err := dsig.NewSigner(f.pki.Participants["FSSP01"].Key, []*x509.Certificate{f.pki.Participants["FSSP01"].Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	// A checkpoint over the same head, signed by a trusted key that is not
	// the hub's.
	seq, hash, _ := f.st.Head(ctx)
	forged := store.Checkpoint{Seq: seq, Hash: hash, Time: time.Now().UTC()}
	forged.Method, forged.Signature, _ = stranger.SignBytes(forged.SignedBytes())
	forged.Certificates = [][]byte{f.pki.Participants["FSSP01"].Certificate.Raw}

	tests := []struct {
		name   string
		src    tampered
		seq    uint64
		reason string
	}{
		{name: "a flipped byte in a stored envelope", seq: 3, reason: "does not match the digest",
			src: tampered{message: func(m *store.Message) {
				if m.ID == f.ids[1] {
					i := bytes.Index(m.Envelope, []byte("348912.45"))
					m.Envelope[i] ^= 1
				}
			}}},
		{name: "a deleted record", seq: 5, reason: "missing",
			src: tampered{record: func(r store.Record) []store.Record {
				if r.Seq == 5 {
					return nil
				}
				return []store.Record{r}
			}}},
		{name: "two records swapped", seq: 5, reason: "previous-record hash",
			src: func() tampered {
				var held store.Record
				return tampered{record: func(r store.Record) []store.Record {
					switch r.Seq {
					case 5:
						held = r
						return nil
					case 6:
						r.Seq, held.Seq = 5, 6
						return []store.Record{r, held}
					}
					return []store.Record{r}
				}}
			}()},
		{name: "an edited record, its hash recomputed", seq: 7, reason: "previous-record hash",
			src: tampered{record: func(r store.Record) []store.Record {
				if r.Seq == 6 {
					r.Recipient = "GIBDD01"
					r.Hash = r.ComputeHash()
				}
				return []store.Record{r}
			}}},
		{name: "an edited record, chain rebuilt to its end", seq: 4, reason: "another hash",
			src: func() tampered {
				var prev string
				return tampered{record: func(r store.Record) []store.Record {
					if r.Seq == 3 {
						r.Detail = "edited"
					}
					if r.Seq >= 3 {
						r.Prev = prev
						r.Hash = r.ComputeHash()
					}
					prev = r.Hash
					return []store.Record{r}
				}}
			}()},
		{name: "an edited checkpoint", seq: 8, reason: "signature does not verify",
			src: tampered{checkpoint: func(c *store.Checkpoint) {
				if c.Seq == 8 {
					c.Time = c.Time.Add(time.Hour)
				}
			}}},
		{name: "a checkpoint signed by another key", seq: seq, reason: "not the hub's certificate",
			src: tampered{checkpoint: func(c *store.Checkpoint) {
				if c.Seq == seq {
					*c = forged
				}
			}}},
		{name: "a stored message with no record of its receipt", seq: 12, reason: "no record of its receipt",
			src: tampered{unjournaled: &store.DeliveryState{MessageID: f.ids[2] + "0", Recipient: "FSSP01", State: "queued"}}},
		{name: "records cut from the end", seq: 12, reason: "no longer has",
			src: tampered{record: func(r store.Record) []store.Record {
				if r.Seq > 10 {
					return nil
				}
				return []store.Record{r}
			}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.src.Source = f.st
			_, err := audit.Verify(ctx, tc.src, audit.Options{Signatures: true})
			var ce *store.ChainError
			if !errors.As(err, &ce) {
				t.Fatalf("err = %v, want a ChainError", err)
			}
			if ce.Seq != tc.seq || !strings.Contains(ce.Reason, tc.reason) {
				t.Fatalf("broken at %d: %s; want %d (%q)", ce.Seq, ce.Reason, tc.seq, tc.reason)
			}
		})
	}
}

// TestVerifyReverifiesSignatures: an envelope whose signature does not
// verify is found even though its digest and the chain are intact.
func TestVerifyReverifiesSignatures(t *testing.T) {
	f := newFixtureBad(t, 4, 2)
	_, err := audit.Verify(ctx, f.st, audit.Options{Signatures: true})
	var ce *store.ChainError
	if !errors.As(err, &ce) || ce.Seq != 5 || !strings.Contains(ce.Reason, "no longer verifies") {
		t.Fatalf("err = %v, want a break at record 5 (message 3 received)", err)
	}
	if _, err := audit.Verify(ctx, f.st, audit.Options{}); err != nil {
		t.Fatalf("without signature checks: %v", err)
	}
	// Against a trust that does not include the signers' CA, every
	// checkpoint fails first.
	other, err := pki.Generate(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	_, err = audit.Verify(ctx, f.st, audit.Options{HubCertificates: []*x509.Certificate{other.Hub.Certificate}})
	if !errors.As(err, &ce) || !strings.Contains(ce.Reason, "not the hub's certificate") {
		t.Fatalf("pinned to another hub: %v", err)
	}
}
