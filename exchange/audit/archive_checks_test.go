package audit_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"slices"
	"strings"
	"testing"

	"mezhved/exchange/audit"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/store"
)

// forge rewrites an archive as a forger would: change edits its files and
// its manifest, then every remaining file's entry is given its new digest
// and size (entries of removed files dropped, new files listed).
func forge(t *testing.T, archive []byte, change func(files map[string][]byte, m *audit.Manifest)) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		data, err := io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
		files[f.Name] = data
	}
	var m audit.Manifest
	if err := json.Unmarshal(files["manifest.json"], &m); err != nil {
		t.Fatal(err)
	}
	delete(files, "manifest.json")
	if change != nil {
		change(files, &m)
	}
	var entries []audit.FileEntry
	for _, e := range m.Files {
		if data, ok := files[e.Name]; ok {
			sum := sha256.Sum256(data)
			entries = append(entries, audit.FileEntry{Name: e.Name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(data))})
		}
	}
	var added []string
	for name := range files {
		if !slices.ContainsFunc(entries, func(e audit.FileEntry) bool { return e.Name == name }) {
			added = append(added, name)
		}
	}
	slices.Sort(added)
	for _, name := range added {
		sum := sha256.Sum256(files[name])
		entries = append(entries, audit.FileEntry{Name: name, SHA256: hex.EncodeToString(sum[:]), Size: int64(len(files[name]))})
	}
	m.Files = entries
	manifest, err := json.Marshal(m)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, e := range entries {
		w, _ := zw.Create(e.Name)
		w.Write(files[e.Name])
	}
	w, _ := zw.Create("manifest.json")
	w.Write(manifest)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// dropEnvelopes removes the envelopes of the messages named, as a forger
// hiding them would.
func dropEnvelopes(ids ...string) func(map[string][]byte, *audit.Manifest) {
	return func(files map[string][]byte, m *audit.Manifest) {
		for _, id := range ids {
			delete(files, "envelopes/"+id+".xml")
			m.Envelopes--
		}
	}
}

// withQuery chains a change with setting the manifest's query.
func withQuery(q *audit.Query, change func(map[string][]byte, *audit.Manifest)) func(map[string][]byte, *audit.Manifest) {
	return func(files map[string][]byte, m *audit.Manifest) {
		if change != nil {
			change(files, m)
		}
		m.Query = q
	}
}

// wantArchiveError checks an error: a *store.ChainError at seq whose
// reason holds text when seq is not 0, else an error holding text.
func wantArchiveError(t *testing.T, err error, seq uint64, text string) {
	t.Helper()
	if seq != 0 {
		var ce *store.ChainError
		if !errors.As(err, &ce) || ce.Seq != seq || !strings.Contains(ce.Reason, text) {
			t.Fatalf("err = %v, want a break at record %d (%q)", err, seq, text)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), text) {
		t.Fatalf("err = %v, want one saying %q", err, text)
	}
}

// TestArchiveEnvelopeCompleteness: the manifest is not signed, so the
// envelopes an archive must hold are derived from its verified records:
// every message received in the slice, or every one the manifest's query
// selects, replayed over them. Dropping envelopes and rewriting the
// manifest around the gap is found, whatever query it then names.
func TestArchiveEnvelopeCompleteness(t *testing.T) {
	f := newFixture(t, 4) // message i received at record 2i+1, queued at 2i+2
	full, _ := export(t, f, audit.ExportOptions{})
	sel, _ := export(t, f, audit.ExportOptions{Query: &audit.Query{MessageID: f.ids[2]}}) // records 5 to 8

	tests := []struct {
		name    string
		archive []byte
		change  func(map[string][]byte, *audit.Manifest)
		seq     uint64 // the record named, or 0
		err     string // what the error says; "" when the archive verifies
		// required is, for an archive that verifies, how many envelopes
		// its query requires.
		required int
	}{
		{name: "full: an envelope dropped", archive: full, change: dropEnvelopes(f.ids[1]),
			seq: 3, err: "is missing"},
		{name: "full: an envelope dropped, a query selecting every message added", archive: full,
			change: withQuery(&audit.Query{TransactionCode: "tx"}, dropEnvelopes(f.ids[1])),
			seq:    3, err: "which the archive's query selects, is missing"},
		{name: "full: an envelope dropped, a query selecting its message added", archive: full,
			change: withQuery(&audit.Query{MessageID: f.ids[1]}, dropEnvelopes(f.ids[1])),
			seq:    3, err: "which the archive's query selects, is missing"},
		{name: "full: every envelope dropped, a query selecting nothing added", archive: full,
			change: withQuery(&audit.Query{MessageID: "d0000000-0000-1000-8000-000000000000"}, dropEnvelopes(f.ids...)),
			err:    "selects no message"},
		{name: "full: a query naming no selection added", archive: full,
			change: withQuery(&audit.Query{}, nil),
			err:    "name exactly one"},
		{name: "selection: its only envelope dropped", archive: sel, change: dropEnvelopes(f.ids[2]),
			seq: 5, err: "which the archive's query selects, is missing"},
		{name: "selection: intact", archive: sel, required: 1},
		// A query that selects only what is left verifies: the archive is
		// then a selection of that conversation, which is what the
		// verdict reports, for the auditor to check.
		{name: "full: an envelope dropped, a query selecting another message", archive: full,
			change: withQuery(&audit.Query{MessageID: f.ids[0]}, dropEnvelopes(f.ids[1])), required: 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			archive := tc.archive
			if tc.change != nil {
				archive = forge(t, archive, tc.change)
			}
			sum, err := verifyArchive(archive, nil)
			if tc.err != "" {
				wantArchiveError(t, err, tc.seq, tc.err)
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if sum.Manifest.Query == nil || sum.Required != tc.required {
				t.Fatalf("query %+v, %d envelopes required; want a query requiring %d", sum.Manifest.Query, sum.Required, tc.required)
			}
		})
	}
}

// TestExportLinks: a full archive continues only a full archive of the
// same journal, whose last record its first follows.
func TestExportLinks(t *testing.T) {
	f := newFixture(t, 4) // records 1 to 8
	first, m1 := export(t, f, audit.ExportOptions{})
	sum1, err := verifyArchive(first, nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, mSel := export(t, f, audit.ExportOptions{Query: &audit.Query{MessageID: f.ids[3]}}) // ends at 8 too
	other := newFixture(t, 4)
	otherArchive, mOther := export(t, other, audit.ExportOptions{})
	f.more(t, 2) // records 9 to 12

	tests := []struct {
		name string
		opts audit.ExportOptions
		err  string // "" when it exports
	}{
		{name: "after a full archive", opts: audit.ExportOptions{Previous: m1, PreviousDigest: sum1.Digest}},
		{name: "after a selection", opts: audit.ExportOptions{Previous: mSel, PreviousDigest: audit.ArchiveDigest(manifestOf(t, sel))},
			err: "selected conversations"},
		{name: "after another journal's archive", opts: audit.ExportOptions{Previous: mOther, PreviousDigest: audit.ArchiveDigest(manifestOf(t, otherArchive))},
			err: "not an archive of this journal"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.Export(ctx, f.st, io.Discard, tc.opts)
			wantErr(t, err, tc.err)
		})
	}
}

// TestExportAfterACut: after a retention cut, the previous archive must end
// where the journal was cut, with the cut's hash.
func TestExportAfterACut(t *testing.T) {
	f, cut := cutFixture(t) // cut after record 16; records 17 to 20 left
	var m audit.Manifest
	if err := json.Unmarshal(manifestOf(t, cut), &m); err != nil {
		t.Fatal(err)
	}
	forged := m
	forged.LastHash = strings.Repeat("ab", 32)
	tests := []struct {
		name string
		prev *audit.Manifest
		err  string
	}{
		{name: "the cut's archive", prev: &m},
		{name: "an archive ending at the cut with another hash", prev: &forged, err: "where the journal was cut, but with another hash"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := audit.Export(ctx, f.st, io.Discard, audit.ExportOptions{Previous: tc.prev, PreviousDigest: "x"})
			wantErr(t, err, tc.err)
		})
	}
}

// cutFixture is a store pruned after record 16 (four finished messages),
// with records 17 to 20 (two queued messages) left, and the cut's archive.
func cutFixture(t *testing.T) (*fixture, []byte) {
	t.Helper()
	f := newFixture(t, 4)
	f.finishAll(t)
	f.checkpoint(t, f.hub) // at 16
	f.more(t, 2)           // 17-20
	archive, m := export(t, f, audit.ExportOptions{Upto: 16})
	sum, err := verifyArchive(archive, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.st.Prune(ctx, m.Last, sum.Digest); err != nil {
		t.Fatal(err)
	}
	return f, archive
}

// TestArchiveVerifyLinks: what an archive continues is checked against the
// previous archive, or the link it must carry, and against its own first
// record; a selection is never part of a sequence.
func TestArchiveVerifyLinks(t *testing.T) {
	f := newFixture(t, 4)
	first, m1 := export(t, f, audit.ExportOptions{})
	sum1, err := verifyArchive(first, nil)
	if err != nil {
		t.Fatal(err)
	}
	sel, _ := export(t, f, audit.ExportOptions{Query: &audit.Query{MessageID: f.ids[3]}}) // ends at record 8, as first does
	f.more(t, 2)
	second, m2 := export(t, f, audit.ExportOptions{Previous: m1, PreviousDigest: sum1.Digest})
	selDigest := audit.ArchiveDigest(manifestOf(t, sel))

	tests := []struct {
		name    string
		archive []byte
		opts    audit.ArchiveOptions
		seq     uint64
		err     string // "" when it verifies
	}{
		{name: "after the first", archive: second, opts: audit.ArchiveOptions{Previous: manifestOf(t, first)}},
		{name: "made to continue a selection", opts: audit.ArchiveOptions{Previous: manifestOf(t, sel)},
			archive: forge(t, second, func(_ map[string][]byte, m *audit.Manifest) { m.Previous.ManifestSHA256 = selDigest }),
			err:     "selected conversations"},
		{name: "a link its first record does not follow", archive: forge(t, second, func(_ map[string][]byte, m *audit.Manifest) { m.Previous.Last = 4 }),
			seq: 9, err: "does not follow"},
		{name: "a selection naming a previous archive", archive: forge(t, sel, func(_ map[string][]byte, m *audit.Manifest) {
			m.Previous = &audit.Link{ManifestSHA256: sum1.Digest, Last: m.First - 1, LastHash: m.PrevHash}
		}), err: "does not continue another archive"},
		{name: "a full archive not from record 1 naming no previous one", seq: 0, err: "names no archive it continues",
			archive: forge(t, second, func(_ map[string][]byte, m *audit.Manifest) { m.Previous = nil })},
		{name: "the link it must carry", archive: second, opts: audit.ArchiveOptions{Continues: m2.Previous}},
		{name: "another link than it must carry", archive: second,
			opts: audit.ArchiveOptions{Continues: &audit.Link{ManifestSHA256: selDigest, Last: 8, LastHash: m1.LastHash}},
			err:  "continues another archive"},
		{name: "no link where it must carry one", archive: first,
			opts: audit.ArchiveOptions{Continues: m2.Previous}, err: "does not continue another one"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.opts.Signatures = true
			_, err := audit.VerifyArchive(bytes.NewReader(tc.archive), int64(len(tc.archive)), tc.opts)
			if tc.err == "" {
				if err != nil {
					t.Fatal(err)
				}
				return
			}
			wantArchiveError(t, err, tc.seq, tc.err)
		})
	}
}

// TestArchiveCertificates: the verdict names the checkpoint signer's and
// the trust anchors' fingerprints, and says whether they were pinned or
// taken from the archive itself.
func TestArchiveCertificates(t *testing.T) {
	f := newFixture(t, 2)
	archive, _ := export(t, f, audit.ExportOptions{})
	other, err := pki.Generate(pki.Options{})
	if err != nil {
		t.Fatal(err)
	}
	hubFP, caFP := dsig.Fingerprint(f.pki.Hub.Certificate), dsig.Fingerprint(f.pki.CA.Certificate)
	tests := []struct {
		name              string
		hub, trust        []*x509.Certificate
		hubPinned, pinned bool
		err               string
	}{
		{name: "nothing pinned"},
		{name: "both pinned", hub: []*x509.Certificate{f.pki.Hub.Certificate}, trust: []*x509.Certificate{f.pki.CA.Certificate}, hubPinned: true, pinned: true},
		{name: "another hub pinned", hub: []*x509.Certificate{other.Hub.Certificate}, err: "not the hub's certificate"},
		{name: "another trust pinned", trust: []*x509.Certificate{other.CA.Certificate}, err: "signer's certificate"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sum, err := audit.VerifyArchive(bytes.NewReader(archive), int64(len(archive)),
				audit.ArchiveOptions{Signatures: true, HubCertificates: tc.hub, Trust: tc.trust})
			if wantErr(t, err, tc.err); tc.err != "" {
				return
			}
			if len(sum.SignerCertificates) != 1 || sum.SignerCertificates[0].SHA256 != hubFP || !strings.Contains(sum.SignerCertificates[0].Subject, "HUB") {
				t.Fatalf("signers %+v, want the hub's certificate %s", sum.SignerCertificates, hubFP)
			}
			if !slices.ContainsFunc(sum.TrustAnchors, func(c audit.CertificateID) bool { return c.SHA256 == caFP }) {
				t.Fatalf("trust anchors %+v, want the CA %s", sum.TrustAnchors, caFP)
			}
			if sum.HubPinned != tc.hubPinned || sum.TrustPinned != tc.pinned {
				t.Fatalf("pinned: hub %v, trust %v", sum.HubPinned, sum.TrustPinned)
			}
		})
	}
	// The store's verification names them the same way.
	v, err := audit.Verify(ctx, f.st, audit.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(v.SignerCertificates) != 1 || v.SignerCertificates[0].SHA256 != hubFP || v.HubPinned || len(v.TrustAnchors) != 1 || v.TrustAnchors[0].SHA256 != caFP {
		t.Fatalf("store summary: %+v", v)
	}
}

// TestArchiveLimits: only the files of an archive are read, none past a
// realistic limit, each refused with an error naming it.
func TestArchiveLimits(t *testing.T) {
	f := newFixture(t, 4)
	archive, _ := export(t, f, audit.ExportOptions{})
	// padded makes a file larger without changing what it says.
	padded := func(name string, n int) func(map[string][]byte, *audit.Manifest) {
		return func(files map[string][]byte, _ *audit.Manifest) {
			files[name] = append(bytes.Clone(files[name]), bytes.Repeat([]byte(" "), n)...)
		}
	}
	// A journal the zip holds 10 MiB more of than the manifest declares:
	// the manifest's size, not the zip's, bounds what is read.
	bloated := rewrite(t, archive, "journal.jsonl", func(b []byte) []byte { return append(bytes.Clone(b), bytes.Repeat([]byte("\n"), 10<<20)...) }, false)
	tests := []struct {
		name        string
		archive     []byte // default: the intact archive
		change      func(map[string][]byte, *audit.Manifest)
		maxEnvelope int64
		err         string
	}{
		{name: "a file no archive has", err: `lists "notes.txt", which is not a file of an evidence archive`,
			change: func(files map[string][]byte, _ *audit.Manifest) { files["notes.txt"] = []byte("x") }},
		{name: "an envelope outside envelopes/", err: "is not a file of an evidence archive",
			change: func(files map[string][]byte, _ *audit.Manifest) { files["envelopes/sub/x.xml"] = []byte("<x/>") }},
		{name: "a certificate file of 5 MiB", change: padded("certificates/trust.pem", 5<<20),
			err: "declares certificates/trust.pem of 5"},
		{name: "a checkpoints file longer than its checkpoints can be", change: padded("checkpoints.json", 200<<10),
			err: "declares checkpoints.json of"},
		{name: "a checkpoint of 100 KiB", err: "a checkpoint is longer than 65536 bytes",
			change: func(files map[string][]byte, m *audit.Manifest) {
				var cps []map[string]any
				json.Unmarshal(files["checkpoints.json"], &cps)
				cps[0]["padding"] = strings.Repeat("x", 100<<10)
				files["checkpoints.json"], _ = json.Marshal(cps)
			}},
		{name: "a record of 100 KiB", err: "longer than 65536 bytes",
			change: func(files map[string][]byte, _ *audit.Manifest) {
				lines := bytes.SplitAfter(files["journal.jsonl"], []byte("\n"))
				var r store.Record
				json.Unmarshal(lines[2], &r)
				r.Detail = strings.Repeat("x", 100<<10)
				line, _ := json.Marshal(r)
				lines[2] = append(line, '\n')
				files["journal.jsonl"] = bytes.Join(lines, nil)
			}},
		{name: "an envelope larger than the hub accepts", maxEnvelope: 1000, err: "more than the largest envelope accepted (1000 bytes"},
		{name: "a journal larger than the manifest declares", archive: bloated,
			err: "journal.jsonl does not match the digest in the manifest"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			a := archive
			if tc.archive != nil {
				a = tc.archive
			}
			if tc.change != nil {
				a = forge(t, a, tc.change)
			}
			_, err := audit.VerifyArchive(bytes.NewReader(a), int64(len(a)), audit.ArchiveOptions{Signatures: true, MaxEnvelope: tc.maxEnvelope})
			wantErr(t, err, tc.err)
		})
	}
}

// wantErr fails t unless err is nil when want is "", or else an error
// saying want.
func wantErr(t *testing.T, err error, want string) {
	t.Helper()
	if want == "" {
		if err != nil {
			t.Fatal(err)
		}
		return
	}
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("err = %v, want one saying %q", err, want)
	}
}
