package main

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/pem"
	"errors"
	"os"
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

// journalData is a hub's data directory holding a journal with signed
// checkpoints, and PEM files of its hub certificate and CA.
type journalData struct {
	dir, hubPEM, caPEM string
	pki                *pki.Bundle
	hub                *dsig.Signer
}

func newJournalData(t *testing.T) *journalData {
	t.Helper()
	b, err := pki.Generate(pki.Options{Participants: []pki.Party{{Mnemonic: "COURT01", Name: "Суд"}, {Mnemonic: "FSSP01", Name: "ФССП"}}})
	if err != nil {
		t.Fatal(err)
	}
	hub, err := dsig.NewSigner(b.Hub.Key, []*x509.Certificate{b.Hub.Certificate}, dsig.ProfileSMEV)
	if err != nil {
		t.Fatal(err)
	}
	d := &journalData{dir: t.TempDir(), pki: b, hub: hub}
	pems := t.TempDir()
	d.hubPEM, d.caPEM = filepath.Join(pems, "hub.pem"), filepath.Join(pems, "ca.pem")
	for path, c := range map[string]*x509.Certificate{d.hubPEM: b.Hub.Certificate, d.caPEM: b.CA.Certificate} {
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	st := d.open(t)
	defer st.Close()
	if err := st.AddCertificates(ctx, store.RoleTrust, [][]byte{b.CA.Certificate.Raw}, time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := st.AddCertificates(ctx, store.RoleHub, [][]byte{b.Hub.Certificate.Raw}, time.Now()); err != nil {
		t.Fatal(err)
	}
	return d
}

var ctx = context.Background()

func (d *journalData) open(t *testing.T) *boltstore.Store {
	t.Helper()
	st, err := boltstore.Open(filepath.Join(d.dir, "mezhved.db"), &boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	return st
}

// add stores n requests (unsigned, as an --insecure hub does) received at
// the time given, delivered and acknowledged then when done, and signs a
// checkpoint at the end. It returns their IDs.
func (d *journalData) add(t *testing.T, n int, at time.Time, done bool) []string {
	t.Helper()
	st := d.open(t)
	defer st.Close()
	payload := etree.NewDocument()
	if err := payload.ReadFromFile("../../schemas/payloads/Writ.xml"); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for range n {
		id := uuid.Must(uuid.NewUUID()).String()
		doc := soap.NewSendRequest(soap.V11, &soap.RequestData{MessageID: id, TransactionCode: "tx", Content: payload.Root().Copy()}, nil)
		raw, err := soap.Marshal(doc)
		if err != nil {
			t.Fatal(err)
		}
		m := &store.Message{ID: id, Kind: store.Request, Sender: "COURT01", Type: "writ", TransactionCode: "tx", Received: at,
			Envelope: []byte(raw), Digest: sha256.Sum256([]byte(raw)), Recipients: []string{"FSSP01"}}
		if _, err := st.Accept(ctx, m, store.Policy{Visibility: time.Minute, MaxAttempts: 3}); err != nil {
			t.Fatal(err)
		}
		if done {
			if l, err := st.Lease(ctx, "FSSP01", store.Request, store.Selector{}, at); err != nil || l == nil {
				t.Fatalf("lease: %v", err)
			}
			if _, err := st.Ack(ctx, "FSSP01", id, true, at); err != nil {
				t.Fatal(err)
			}
		}
		ids = append(ids, id)
	}
	seq, hash, err := st.Head(ctx)
	if err != nil {
		t.Fatal(err)
	}
	c := store.Checkpoint{Seq: seq, Hash: hash, Time: time.Now().UTC()}
	if c.Method, c.Signature, err = d.hub.SignBytes(c.SignedBytes()); err != nil {
		t.Fatal(err)
	}
	c.Certificates = [][]byte{d.pki.Hub.Certificate.Raw}
	if err := st.AddCheckpoint(ctx, c); err != nil {
		t.Fatal(err)
	}
	return ids
}

// base returns where the journal starts.
func (d *journalData) base(t *testing.T) store.Base {
	t.Helper()
	st := d.open(t)
	defer st.Close()
	b, err := st.JournalBase(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// TestJournalPrune: prune refuses an age within the hub's staleness
// window, flushes the archive and its directory to disk before it removes
// anything (and removes nothing when it cannot), verifies the archive
// against the one it continues, and a second cut continues the first.
func TestJournalPrune(t *testing.T) {
	d := newJournalData(t)
	old := time.Now().Add(-10 * 24 * time.Hour)
	d.add(t, 4, old, true) // records 1 to 16, checkpoint at 16
	out := t.TempDir()
	sel := filepath.Join(out, "sel.zip")
	if code, o, e := mezhved(t, "", "journal", "export", "--data", d.dir, "--out", sel, "--transaction", "tx"); code != 0 {
		t.Fatalf("export of a selection: %d %s %s", code, o, e)
	}

	var calls []string
	syncFile = func(f *os.File) error { calls = append(calls, "file"); return f.Sync() }
	syncDir = func(dir string) error { calls = append(calls, "dir"); return syncDirectory(dir) }
	t.Cleanup(func() { syncFile, syncDir = (*os.File).Sync, syncDirectory })
	failing := errors.New("the disk is gone")

	tests := []struct {
		name     string
		args     []string
		fileSync error
		dirSync  error
		code     int
		says     string // on stderr
	}{
		{name: "an age within the default staleness window", args: []string{"--older-than", "24h"}, code: 2, says: "longer than the hub's --stale-after, here 48h0m0s"},
		{name: "an age of exactly the default window", args: []string{"--older-than", "2d"}, code: 2, says: "--stale-after"},
		{name: "an age within the hub's longer window", args: []string{"--older-than", "72h", "--stale-after", "100h"}, code: 2, says: "here 100h0m0s"},
		{name: "the archive cannot be flushed", args: []string{"--older-than", "72h"}, fileSync: failing, code: 1, says: "nothing was pruned: flushing"},
		{name: "its directory cannot be flushed", args: []string{"--older-than", "72h"}, dirSync: failing, code: 1, says: "nothing was pruned: flushing the directory"},
		{name: "a selection as the previous archive", args: []string{"--older-than", "72h", "--after", sel}, code: 1, says: "selected conversations"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			archive := filepath.Join(out, "cut.zip")
			syncFile = func(f *os.File) error {
				if tc.fileSync != nil {
					return tc.fileSync
				}
				return f.Sync()
			}
			syncDir = func(dir string) error {
				if tc.dirSync != nil {
					return tc.dirSync
				}
				return syncDirectory(dir)
			}
			args := append([]string{"journal", "prune", "--data", d.dir, "--archive", archive}, tc.args...)
			code, o, e := mezhved(t, "", args...)
			if code != tc.code || !strings.Contains(e, tc.says) {
				t.Fatalf("exit %d, want %d saying %q:\n%s%s", code, tc.code, tc.says, o, e)
			}
			if b := d.base(t); b.Seq != 0 {
				t.Fatalf("records were pruned: the journal starts after %d", b.Seq)
			}
			if _, err := os.Stat(archive); !errors.Is(err, os.ErrNotExist) {
				t.Fatalf("the archive of a failed prune is left: %v", err)
			}
		})
	}

	// The cut: the archive reaches the disk before the records go.
	syncFile = func(f *os.File) error { calls = append(calls, "file"); return f.Sync() }
	syncDir = func(dir string) error { calls = append(calls, "dir"); return syncDirectory(dir) }
	cut1 := filepath.Join(out, "cut1.zip")
	code, o, e := mezhved(t, "", "journal", "prune", "--data", d.dir, "--older-than", "72h", "--archive", cut1)
	if code != 0 || !strings.Contains(o, "archived records 1 to 16") {
		t.Fatalf("prune: %d %s %s", code, o, e)
	}
	if strings.Join(calls, ",") != "file,dir" {
		t.Fatalf("flushes: %v, want the file then its directory", calls)
	}
	if b := d.base(t); b.Seq != 16 {
		t.Fatalf("the journal starts after %d, want 16", b.Seq)
	}

	// More old records, then a second cut, which continues the first by
	// the journal's base (verified against it before anything is removed).
	d.add(t, 2, old, true)         // records 17 to 24
	d.add(t, 1, time.Now(), false) // 25, 26: still queued
	cut2 := filepath.Join(out, "cut2.zip")
	code, o, e = mezhved(t, "", "journal", "prune", "--data", d.dir, "--older-than", "72h", "--archive", cut2)
	if code != 0 || !strings.Contains(o, "archived records 17 to 24") {
		t.Fatalf("second prune: %d %s %s", code, o, e)
	}
	code, o, e = mezhved(t, "", "journal", "verify", "--archive", cut1, cut2)
	if code != 0 || !strings.Contains(o, "the first of the sequence") || !strings.Contains(o, "continues an archive ending at record 16") {
		t.Fatalf("verify of the two cuts: %d %s %s", code, o, e)
	}
	// Alone, the second says plainly where its sequence starts.
	code, o, e = mezhved(t, "", "journal", "verify", "--archive", cut2)
	if code != 0 || !strings.Contains(o, "warning: the sequence starts at record 17: records 1 to 16 are in the archive with manifest") {
		t.Fatalf("verify of the second cut alone: %d %s %s", code, o, e)
	}
	// A selection starts no sequence.
	code, o, e = mezhved(t, "", "journal", "verify", "--archive", sel, cut2)
	if code != 1 || !strings.Contains(e, "selected conversations") {
		t.Fatalf("a sequence after a selection: %d %s %s", code, o, e)
	}
	// What remains verifies, and says where it starts.
	code, o, e = mezhved(t, "", "journal", "verify", "--data", d.dir)
	if code != 0 || !strings.Contains(o, "journal intact: 2 records (25 to 26)") || !strings.Contains(o, "starts after record 24") {
		t.Fatalf("verify after the cuts: %d %s %s", code, o, e)
	}
}

// TestJournalVerifyFingerprints: the verdict gives the checkpoint signer's
// and the trust anchors' SHA-256, and warns when they are the store's or
// the archive's own rather than pinned.
func TestJournalVerifyFingerprints(t *testing.T) {
	d := newJournalData(t)
	d.add(t, 2, time.Now(), false)
	archive := filepath.Join(t.TempDir(), "a.zip")
	if code, o, e := mezhved(t, "", "journal", "export", "--data", d.dir, "--out", archive); code != 0 {
		t.Fatalf("export: %d %s %s", code, o, e)
	}
	hubFP, caFP := dsig.Fingerprint(d.pki.Hub.Certificate), dsig.Fingerprint(d.pki.CA.Certificate)
	pinned := []string{"--hub-cert", d.hubPEM, "--trust", d.caPEM}
	tests := []struct {
		name    string
		args    []string
		says    []string
		saysNot []string
	}{
		{name: "a store, nothing pinned", args: []string{"--data", d.dir},
			says: []string{"SHA-256 " + hubFP, "SHA-256 " + caFP + "  CN=", "(remembered by the store)", "warning: no --hub-cert", "warning: no --trust"}},
		{name: "a store, pinned", args: append([]string{"--data", d.dir}, pinned...),
			says: []string{"SHA-256 " + hubFP, "(--trust)"}, saysNot: []string{"warning: no --hub-cert", "warning: no --trust"}},
		{name: "an archive, nothing pinned", args: []string{"--archive", archive},
			says: []string{"SHA-256 " + hubFP, "SHA-256 " + caFP, "the archive's own certificates/trust.pem", "warning: no --hub-cert", "look-alike", "warning: no --trust"}},
		{name: "an archive, pinned", args: append(pinned, "--archive", archive),
			says: []string{"SHA-256 " + hubFP, "SHA-256 " + caFP + "  CN=", "(--trust)"}, saysNot: []string{"warning"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			code, o, e := mezhved(t, "", append([]string{"journal", "verify"}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s %s", code, o, e)
			}
			for _, s := range tc.says {
				if !strings.Contains(o, s) {
					t.Errorf("the output does not say %q:\n%s", s, o)
				}
			}
			for _, s := range tc.saysNot {
				if strings.Contains(o, s) {
					t.Errorf("the output says %q:\n%s", s, o)
				}
			}
		})
	}
	// An archive pinned to another hub does not verify.
	other, err := pki.Generate(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	otherPEM := filepath.Join(t.TempDir(), "other.pem")
	os.WriteFile(otherPEM, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: other.Hub.Certificate.Raw}), 0o600)
	if code, _, e := mezhved(t, "", "journal", "verify", "--hub-cert", otherPEM, "--archive", archive); code != 1 || !strings.Contains(e, "not the hub's certificate") {
		t.Fatalf("pinned to another hub: %d %s", code, e)
	}
}

// TestPrintSummary: the summary counts from the journal's base: the range
// covered, and the records after the last checkpoint, are sequence numbers.
func TestPrintSummary(t *testing.T) {
	at := time.Date(2026, 11, 24, 10, 0, 0, 0, time.UTC)
	hub := audit.CertificateID{Subject: "CN=HUB", SHA256: "ab12"}
	tests := []struct {
		name    string
		sum     audit.Summary
		says    []string
		saysNot []string
	}{
		{name: "whole and covered",
			sum:     audit.Summary{Records: 8, Checkpoints: 2, Covered: 8, Signers: []string{"CN=HUB"}, SignerCertificates: []audit.CertificateID{hub}, First: at, Last: at},
			says:    []string{"journal intact: 8 records (1 to 8)", "covering records 1 to 8", "SHA-256 ab12  CN=HUB"},
			saysNot: []string{"not yet covered", "starts after"}},
		{name: "whole, its tail unsigned",
			sum:  audit.Summary{Records: 8, Checkpoints: 1, Covered: 4, Signers: []string{"CN=HUB"}, First: at, Last: at},
			says: []string{"covering records 1 to 4", "records 5 to 8 are chained but not yet covered"}},
		{name: "cut, its tail unsigned",
			sum:  audit.Summary{Base: store.Base{Seq: 16, Archive: "cafe"}, Records: 6, Checkpoints: 1, Covered: 20, Signers: []string{"CN=HUB"}, First: at, Last: at},
			says: []string{"journal intact: 6 records (17 to 22)", "starts after record 16", "manifest cafe", "covering records 17 to 20", "records 21 to 22 are chained but not yet covered"}},
		{name: "cut, no checkpoint since",
			sum:     audit.Summary{Base: store.Base{Seq: 16}, Records: 2, Covered: 16, First: at, Last: at},
			says:    []string{"checkpoints: 0", "records 17 to 18 are chained but not yet covered"},
			saysNot: []string{"covering"}},
		{name: "cut, covered",
			sum:     audit.Summary{Base: store.Base{Seq: 16}, Records: 4, Checkpoints: 1, Covered: 20, Signers: []string{"CN=HUB"}, First: at, Last: at},
			says:    []string{"covering records 17 to 20"},
			saysNot: []string{"not yet covered"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var b bytes.Buffer
			printSummary(&b, &tc.sum, audit.Options{})
			for _, s := range tc.says {
				if !strings.Contains(b.String(), s) {
					t.Errorf("the summary does not say %q:\n%s", s, b.String())
				}
			}
			for _, s := range tc.saysNot {
				if strings.Contains(b.String(), s) {
					t.Errorf("the summary says %q:\n%s", s, b.String())
				}
			}
		})
	}
}
