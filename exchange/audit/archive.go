package audit

import (
	"archive/zip"
	"bufio"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"mezhved/exchange/dsig"
	"mezhved/exchange/xmlsafe"
	"mezhved/store"
)

// ArchiveFormat names the evidence archive layout.
const ArchiveFormat = "mezhved-evidence/1"

// Files of an archive.
const (
	fileManifest    = "manifest.json"
	fileJournal     = "journal.jsonl"
	fileCheckpoints = "checkpoints.json"
	fileTrust       = "certificates/trust.pem"
	fileHub         = "certificates/hub.pem"
	dirEnvelopes    = "envelopes/"
)

// Manifest describes an evidence archive: the slice of the journal it
// holds, what it continues, and the digest of every other file in it.
type Manifest struct {
	Format  string    `json:"format"`
	Created time.Time `json:"created"`
	// First and Last are the journal records the archive holds, all of
	// them; PrevHash is the hash of record First-1 (the genesis hash when
	// First is 1) and LastHash that of Last, which a signed checkpoint in
	// the archive covers.
	First    uint64 `json:"first"`
	Last     uint64 `json:"last"`
	PrevHash string `json:"prevHash"`
	LastHash string `json:"lastHash"`
	// Previous links a full archive to the one it continues.
	Previous *Link `json:"previous,omitempty"`
	// Query is set for an archive of selected conversations: it holds the
	// envelopes of those only (the journal slice is still whole).
	Query       *Query      `json:"query,omitempty"`
	Records     int         `json:"records"`
	Envelopes   int         `json:"envelopes"`
	Checkpoints int         `json:"checkpoints"`
	Files       []FileEntry `json:"files"`
}

// Link names the archive an archive continues.
type Link struct {
	ManifestSHA256 string `json:"manifestSha256"`
	Last           uint64 `json:"last"`
	LastHash       string `json:"lastHash"`
}

// FileEntry is one file of an archive and its digest.
type FileEntry struct {
	Name   string `json:"name"`
	SHA256 string `json:"sha256"`
	Size   int64  `json:"size"`
}

// ExportOptions select what an archive holds.
type ExportOptions struct {
	// Query, when it names a seed, selects conversations: the archive holds
	// their envelopes and the journal slice from their first record to the
	// first signed checkpoint after their last. Without one, the archive
	// is a full one: every record and envelope from the end of Previous
	// (or from the start of the journal) to the last signed checkpoint.
	Query *Query
	// Previous is the manifest of the archive this one continues, and its
	// digest (ArchiveDigest).
	Previous       *Manifest
	PreviousDigest string
	// Upto, when not zero, ends a full archive at the last checkpoint at or
	// before this record (retention cuts the journal there).
	Upto uint64
	Now  time.Time
}

// ErrNotCovered is returned by Export when the records to export are not
// yet covered by a signed checkpoint.
var ErrNotCovered = errors.New("audit: the records are not yet covered by a signed checkpoint")

// Export writes an evidence archive to w and returns its manifest.
func Export(ctx context.Context, src Source, w io.Writer, opts ExportOptions) (*Manifest, error) {
	if opts.Now.IsZero() {
		opts.Now = time.Now()
	}
	var cps []store.Checkpoint
	if err := src.Checkpoints(ctx, func(c store.Checkpoint) error { cps = append(cps, c); return nil }); err != nil {
		return nil, err
	}
	m := &Manifest{Format: ArchiveFormat, Created: opts.Now.UTC()}
	selected := map[string]bool{}
	base, err := src.JournalBase(ctx)
	if err != nil {
		return nil, err
	}
	if opts.Query != nil && opts.Query.seeded() {
		convs, err := Replay(ctx, src, *opts.Query)
		if err != nil {
			return nil, err
		}
		if len(convs) == 0 {
			return nil, errors.New("audit: the query selects no message")
		}
		q := *opts.Query
		q.Now = time.Time{}
		m.Query = &q
		m.First, m.Last = ^uint64(0), 0
		for _, c := range convs {
			for _, h := range c.Messages {
				selected[h.MessageID] = true
				for _, e := range h.Events {
					m.First, m.Last = min(m.First, e.Seq), max(m.Last, e.Seq)
				}
			}
		}
		i := slices.IndexFunc(cps, func(c store.Checkpoint) bool { return c.Seq >= m.Last })
		if i < 0 {
			return nil, fmt.Errorf("%w: the selected messages' last record is %d", ErrNotCovered, m.Last)
		}
		m.Last = cps[i].Seq
	} else {
		m.First = base.Seq + 1
		switch {
		case opts.Previous != nil:
			if opts.Previous.Query != nil {
				return nil, errors.New("audit: the previous archive holds selected conversations; a full archive continues only a full one")
			}
			m.First = opts.Previous.Last + 1
			m.Previous = &Link{ManifestSHA256: opts.PreviousDigest, Last: opts.Previous.Last, LastHash: opts.Previous.LastHash}
		case base.Seq > 0:
			// The journal was cut after an archive: continue that one.
			m.Previous = &Link{ManifestSHA256: base.Archive, Last: base.Seq, LastHash: base.Hash}
		}
		if m.First <= base.Seq {
			return nil, fmt.Errorf("audit: records up to %d were cut from the journal; the archive would start at %d", base.Seq, m.First)
		}
		m.Last = 0
		for _, c := range cps {
			if c.Seq >= m.First && (opts.Upto == 0 || c.Seq <= opts.Upto) {
				m.Last = c.Seq
			}
		}
		if m.Last == 0 {
			return nil, fmt.Errorf("%w: no checkpoint after record %d", ErrNotCovered, m.First-1)
		}
	}

	zw := zip.NewWriter(w)
	put := func(name string, write func(io.Writer) error) error {
		f, err := zw.Create(name)
		if err != nil {
			return err
		}
		h := sha256.New()
		cw := &countWriter{w: io.MultiWriter(f, h)}
		if err := write(cw); err != nil {
			return err
		}
		m.Files = append(m.Files, FileEntry{Name: name, SHA256: hex.EncodeToString(h.Sum(nil)), Size: cw.n})
		return nil
	}
	// The journal slice, and the envelopes it refers to. A selection's
	// verifier replays its query over the slice alone, where a conversation
	// may start later than in the whole journal (its first records before
	// the slice): the envelopes the slice selects go in as well.
	var envelopes []string
	var slice *recordIndex
	if len(selected) > 0 {
		slice = newRecordIndex()
	}
	err = put(fileJournal, func(w io.Writer) error {
		bw := bufio.NewWriter(w)
		enc := json.NewEncoder(bw)
		first := true
		err := src.Journal(ctx, m.First, func(r store.Record) error {
			if r.Seq > m.Last {
				return errStop
			}
			if first {
				if r.Seq != m.First {
					return fmt.Errorf("%w: the journal has no record %d", store.ErrCorrupt, m.First)
				}
				if m.Previous != nil && r.Prev != m.Previous.LastHash {
					return continuityError(m.Previous, base, r.Seq)
				}
				m.PrevHash, first = r.Prev, false
			}
			m.LastHash = r.Hash
			m.Records++
			if r.Event == store.EventReceived {
				envelopes = append(envelopes, r.MessageID)
			}
			if slice != nil {
				slice.add(r)
			}
			return enc.Encode(r)
		})
		if err != nil && !errors.Is(err, errStop) {
			return err
		}
		return bw.Flush()
	})
	if err != nil {
		return nil, err
	}
	if slice != nil {
		convs, err := replay(ctx, slice, sliceQuery(*m))
		if err != nil {
			return nil, err
		}
		for _, c := range convs {
			for _, h := range c.Messages {
				selected[h.MessageID] = true
			}
		}
		envelopes = slices.DeleteFunc(envelopes, func(id string) bool { return !selected[id] })
	}
	for _, id := range envelopes {
		msg, err := src.Message(ctx, id)
		if err != nil {
			return nil, fmt.Errorf("the envelope of message %s: %w", id, err)
		}
		if err := put(dirEnvelopes+envelopeFile(id), func(w io.Writer) error { _, err := w.Write(msg.Envelope); return err }); err != nil {
			return nil, err
		}
		m.Envelopes++
	}
	var inRange []store.Checkpoint
	for _, c := range cps {
		if c.Seq >= m.First && c.Seq <= m.Last {
			inRange = append(inRange, c)
		}
	}
	m.Checkpoints = len(inRange)
	if err := put(fileCheckpoints, func(w io.Writer) error { return json.NewEncoder(w).Encode(inRange) }); err != nil {
		return nil, err
	}
	for _, c := range []struct{ role, file string }{{store.RoleTrust, fileTrust}, {store.RoleHub, fileHub}} {
		ders, err := src.Certificates(ctx, c.role)
		if err != nil {
			return nil, err
		}
		if err := put(c.file, func(w io.Writer) error {
			for _, der := range ders {
				if err := pem.Encode(w, &pem.Block{Type: "CERTIFICATE", Bytes: der}); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return nil, err
		}
	}
	data, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	f, err := zw.Create(fileManifest)
	if err != nil {
		return nil, err
	}
	if _, err := f.Write(data); err != nil {
		return nil, err
	}
	return m, zw.Close()
}

// continuityError says why the journal's record seq does not continue the
// archive link names: its previous-record hash is not the link's last.
func continuityError(link *Link, base store.Base, seq uint64) error {
	if link.Last == base.Seq && base.Seq > 0 {
		return fmt.Errorf("audit: the previous archive ends at record %d, where the journal was cut, but with another hash than the cut's: it is not the archive of this journal's cut", link.Last)
	}
	return fmt.Errorf("audit: the previous archive ends at record %d with another hash than the journal's record %d: it is not an archive of this journal, or the journal changed after it", link.Last, seq-1)
}

var errStop = errors.New("stop")

type countWriter struct {
	w io.Writer
	n int64
}

func (c *countWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	return n, err
}

// envelopeFile is the file name of a message's envelope: its ID, made safe.
func envelopeFile(id string) string {
	safe := strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.' {
			return r
		}
		return '_'
	}, id)
	if safe != id || len(safe) > 100 {
		sum := sha256.Sum256([]byte(id))
		safe = hex.EncodeToString(sum[:])
	}
	return safe + ".xml"
}

func (q *Query) seeded() bool {
	return q.MessageID != "" || q.TransactionCode != "" || q.Proceeding != "" || q.Participant != ""
}

// ArchiveDigest is the SHA-256 of an archive's manifest, which names every
// other file by its digest: what a later archive links to.
func ArchiveDigest(manifest []byte) string {
	sum := sha256.Sum256(manifest)
	return hex.EncodeToString(sum[:])
}

// Limits of what VerifyArchive reads from an archive. A file the manifest
// declares larger is refused before it is read, and no file is read past
// its declared size: a malformed archive cannot make the verifier hold more
// than these (envelopes: one per core) in memory.
const (
	// maxManifest bounds manifest.json, which lists every file of the
	// archive (about 170 bytes an envelope).
	maxManifest = 64 << 20
	// maxCertificates bounds each certificates/*.pem.
	maxCertificates = 4 << 20
	// maxCheckpointJSON bounds one checkpoint of checkpoints.json (its
	// signature and certificate chain); the file, read one checkpoint at a
	// time, is bounded by the number the manifest declares.
	maxCheckpointJSON = 64 << 10
	// maxRecordJSON bounds one record, one line, of journal.jsonl; the
	// file, read one record at a time, is bounded by the number of records
	// the manifest declares. A hub's records are far smaller: the longest
	// field it writes is a transaction code of at most 1,500 characters.
	maxRecordJSON = 64 << 10
	// maxMessageID bounds the message ID of a received record (the hub's
	// are UUIDs, 36 bytes), which the verifier keeps for every message of
	// the slice.
	maxMessageID = 128
	// maxSliceIndex bounds the bytes of a selection archive's records held
	// to replay its query over (about five million of a hub's records).
	maxSliceIndex = 1 << 30
	// DefaultMaxArchiveEnvelope bounds each envelope unless
	// ArchiveOptions.MaxEnvelope says otherwise: the hub's default
	// --max-envelope, which bounds a whole call, attachments included.
	DefaultMaxArchiveEnvelope = xmlsafe.DefaultMaxBytes
)

// ArchiveOptions configure VerifyArchive.
type ArchiveOptions struct {
	// Previous is the archive this one should continue (its manifest bytes);
	// nil when it is the first or not linked.
	Previous []byte
	// Continues, when the previous archive is not at hand, is the link the
	// archive must carry and start right after: a journal's base after a
	// retention cut names the cut's archive so.
	Continues *Link
	// HubCertificates pins the certificates allowed to sign checkpoints;
	// empty: those the archive holds (certificates/hub.pem).
	HubCertificates []*x509.Certificate
	// Trust pins the trust anchors checkpoint signers' certificates and
	// envelope signatures are checked against; empty: those the archive
	// holds (certificates/trust.pem).
	Trust []*x509.Certificate
	// Signatures re-verifies every envelope's signature.
	Signatures bool
	AllowWeak  bool
	// MaxEnvelope is the largest envelope the archive may hold (the hub's
	// --max-envelope). Default DefaultMaxArchiveEnvelope.
	MaxEnvelope int64
}

// ArchiveSummary is what a verified archive establishes.
type ArchiveSummary struct {
	Manifest *Manifest
	// ManifestJSON is the manifest as the archive holds it, and Digest its
	// SHA-256: what the next archive links to.
	ManifestJSON []byte
	Digest       string
	Signatures   uint64
	// Signers are the subjects that signed the archive's checkpoints;
	// SignerCertificates name their certificates, in the same order.
	Signers            []string
	SignerCertificates []CertificateID
	// TrustAnchors are the certificates signatures were checked against.
	TrustAnchors []CertificateID
	// HubPinned and TrustPinned report that ArchiveOptions chose the
	// checkpoint signers and the trust anchors. When false, the archive's
	// own certificates did, and a forged archive with look-alike subjects
	// would verify the same: only comparing the fingerprints with ones
	// known independently tells them apart.
	HubPinned, TrustPinned bool
	// Required is, for an archive of selected conversations, how many
	// messages received in its journal slice the manifest's query selects
	// (replayed over the verified records): the archive holds the envelope
	// of each. Whether the query is the selection asked for is for the
	// auditor to check.
	Required int
}

// VerifyArchive checks an evidence archive on its own: every file against
// the manifest, the journal slice's chain, that its last record is covered
// by a checkpoint the hub signed (its certificate chaining to the trust
// anchors, at the checkpoint's time), that it holds the envelope of every
// message received in the slice (in an archive of selected conversations,
// of every one the manifest's query selects, replayed over the verified
// records), each matching its record's digest and, with Signatures, its
// signature at its time of receipt; and, given the previous archive (or
// the link it must carry), that this one continues it with no gap. Errors
// naming a record are *store.ChainError.
//
// The manifest is not signed: what it says is checked against the records
// and checkpoints, except the query of a selection, which the auditor
// must check is the selection asked for.
func VerifyArchive(r io.ReaderAt, size int64, opts ArchiveOptions) (*ArchiveSummary, error) {
	if opts.MaxEnvelope <= 0 {
		opts.MaxEnvelope = DefaultMaxArchiveEnvelope
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("the archive cannot be read (truncated?): %w", err)
	}
	a := &archiveFiles{files: map[string]*zip.File{}}
	for _, f := range zr.File {
		if _, dup := a.files[f.Name]; dup {
			return nil, fmt.Errorf("the archive holds %s twice", f.Name)
		}
		a.files[f.Name] = f
	}
	manifestData, err := a.readManifest()
	if err != nil {
		return nil, err
	}
	var m Manifest
	if err := json.Unmarshal(manifestData, &m); err != nil {
		return nil, fmt.Errorf("manifest.json: %w", err)
	}
	if m.Format != ArchiveFormat {
		return nil, fmt.Errorf("manifest.json: format %q, want %q", m.Format, ArchiveFormat)
	}
	sum := &ArchiveSummary{Manifest: &m, ManifestJSON: manifestData, Digest: ArchiveDigest(manifestData)}
	// Every file is one an archive has, listed once with its digest, and
	// nothing else is there.
	listed := map[string]FileEntry{}
	for _, e := range m.Files {
		if !knownFile(e.Name) {
			return nil, fmt.Errorf("the manifest lists %q, which is not a file of an evidence archive (%s, %s, %s, %s and envelopes/*.xml)", e.Name, fileJournal, fileCheckpoints, fileTrust, fileHub)
		}
		if _, dup := listed[e.Name]; dup {
			return nil, fmt.Errorf("the manifest lists %s twice", e.Name)
		}
		if e.Size < 0 {
			return nil, fmt.Errorf("the manifest gives %s a negative size", e.Name)
		}
		listed[e.Name] = e
	}
	for _, name := range []string{fileJournal, fileCheckpoints, fileTrust, fileHub} {
		if _, ok := listed[name]; !ok {
			return nil, fmt.Errorf("the manifest does not list %s, which every archive holds", name)
		}
	}
	for name := range a.files {
		if _, ok := listed[name]; !ok && name != fileManifest {
			return nil, fmt.Errorf("the archive holds %s, which the manifest does not list", name)
		}
	}
	if m.Records < 1 || m.Checkpoints < 1 || m.Envelopes < 0 || m.First < 1 || m.Last < m.First {
		return nil, fmt.Errorf("manifest.json: records %d to %d (%d records, %d checkpoints, %d envelopes) is not the slice of a journal", m.First, m.Last, m.Records, m.Checkpoints, m.Envelopes)
	}
	// Where the slice starts, and what it continues.
	if err := checkLinks(&m, opts); err != nil {
		return nil, err
	}
	// Trust and checkpoints.
	trustCerts, hub := opts.Trust, opts.HubCertificates
	sum.TrustPinned, sum.HubPinned = len(trustCerts) > 0, len(hub) > 0
	trustPEM, err := a.readAll(listed[fileTrust], maxCertificates)
	if err != nil {
		return nil, err
	}
	hubPEM, err := a.readAll(listed[fileHub], maxCertificates)
	if err != nil {
		return nil, err
	}
	if !sum.TrustPinned {
		if trustCerts, err = dsig.ParseCertificatesPEM(trustPEM); err != nil {
			return nil, fmt.Errorf("%s: %w", fileTrust, err)
		}
	}
	if !sum.HubPinned {
		if hub, err = dsig.ParseCertificatesPEM(hubPEM); err != nil {
			return nil, fmt.Errorf("%s: %w", fileHub, err)
		}
	}
	sum.TrustAnchors = certificateIDs(trustCerts)
	trust := dsig.NewTrustStore(trustCerts)
	var signed signers
	cpAt := map[uint64]string{} // the hash each verified checkpoint names
	checkpoints := 0
	err = a.stream(listed[fileCheckpoints], fixedPlus(1<<10, m.Checkpoints, maxCheckpointJSON), func(rd io.Reader) error {
		return eachCheckpoint(rd, func(c store.Checkpoint) error {
			signer, err := checkCheckpoint(c, trust, hub)
			if err != nil {
				return &store.ChainError{Seq: c.Seq, Reason: "checkpoint: " + err.Error()}
			}
			signed.add(signer)
			cpAt[c.Seq] = c.Hash
			checkpoints++
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sum.Signers, sum.SignerCertificates = signed.subjects, signed.ids
	if _, ok := cpAt[m.Last]; !ok {
		return nil, &store.ChainError{Seq: m.Last, Reason: "no signed checkpoint in the archive covers its last record"}
	}
	if checkpoints != m.Checkpoints {
		return nil, fmt.Errorf("the archive holds %d checkpoints, its manifest says %d", checkpoints, m.Checkpoints)
	}
	// The journal slice, read a record at a time.
	chain := store.NewChainVerifierAt(m.First, m.PrevHash)
	received := map[string]receipt{}
	var index *recordIndex
	if m.Query != nil {
		index = newRecordIndex()
	}
	var lastHash string
	var indexed int64
	err = a.stream(listed[fileJournal], fixedPlus(0, m.Records, maxRecordJSON), func(rd io.Reader) error {
		sc := bufio.NewScanner(rd)
		sc.Buffer(make([]byte, 0, 64<<10), maxRecordJSON)
		for sc.Scan() {
			var r store.Record
			if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
				return fmt.Errorf("%s: the line after record %d: %w", fileJournal, m.First+chain.Records-1, err)
			}
			if err := chain.Check(r); err != nil {
				return err
			}
			if h, ok := cpAt[r.Seq]; ok && h != r.Hash {
				return &store.ChainError{Seq: r.Seq, Reason: "the signed checkpoint of this record names another hash"}
			}
			if r.Event == store.EventReceived {
				if len(r.MessageID) > maxMessageID || !isSHA256Hex(r.EnvelopeSHA256) {
					return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("a received record's message ID (%d bytes) or envelope digest is not one the hub writes", len(r.MessageID))}
				}
				received[r.MessageID] = receipt{seq: r.Seq, digest: r.EnvelopeSHA256, at: r.Time}
			}
			if index != nil {
				if indexed += int64(len(sc.Bytes())); indexed > maxSliceIndex {
					return fmt.Errorf("%s: the records of a selection archive take more than %d bytes to replay its query over", fileJournal, maxSliceIndex)
				}
				index.add(r)
			}
			lastHash = r.Hash
		}
		if errors.Is(sc.Err(), bufio.ErrTooLong) {
			return fmt.Errorf("%s: the record after record %d is longer than %d bytes", fileJournal, m.First+chain.Records-1, maxRecordJSON)
		}
		if sc.Err() != nil {
			return fmt.Errorf("%s: %w", fileJournal, sc.Err())
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if chain.Records != uint64(m.Records) || m.Last != m.First+chain.Records-1 {
		return nil, &store.ChainError{Seq: m.First + chain.Records, Reason: fmt.Sprintf("the archive holds %d records, its manifest says %d to %d", chain.Records, m.First, m.Last)}
	}
	if lastHash != m.LastHash {
		return nil, &store.ChainError{Seq: m.Last, Reason: "the manifest names another last hash than the journal's"}
	}
	// The envelopes the archive must hold: of every message received in
	// the slice, or of those the query selects, replayed over the
	// verified records (the manifest's word for it is not signed).
	required := received
	if m.Query != nil {
		if required, err = selected(m, index, received); err != nil {
			return nil, err
		}
		sum.Required = len(required)
	}
	index = nil
	if err := missingEnvelope(required, listed, m.Query != nil); err != nil {
		return nil, err
	}
	// Envelopes: each read once, checked against the manifest and its
	// record, and its signature verified, on every core.
	byFile := make(map[string]string, len(received))
	for id := range received {
		byFile[dirEnvelopes+envelopeFile(id)] = id
	}
	var jobs []envelopeJob
	for _, e := range m.Files {
		if !strings.HasPrefix(e.Name, dirEnvelopes) {
			continue
		}
		id, ok := byFile[e.Name]
		if !ok {
			return nil, fmt.Errorf("%s is the envelope of no message received in the slice", path.Base(e.Name))
		}
		if e.Size > opts.MaxEnvelope {
			return nil, &store.ChainError{Seq: received[id].seq, Reason: fmt.Sprintf("the envelope of message %s is %d bytes, more than the largest envelope accepted (%d bytes, the hub's --max-envelope)", id, e.Size, opts.MaxEnvelope)}
		}
		jobs = append(jobs, envelopeJob{entry: e, id: id, rec: received[id]})
	}
	n := len(jobs)
	signatures, err := checkEnvelopes(jobs, func(e FileEntry) ([]byte, error) { return a.readAll(e, opts.MaxEnvelope) }, trust, opts)
	if err != nil {
		return nil, err
	}
	sum.Signatures = signatures
	if n != m.Envelopes {
		return nil, fmt.Errorf("the archive holds %d envelopes, its manifest says %d", n, m.Envelopes)
	}
	return sum, nil
}

// checkLinks checks where an archive's slice starts and what it continues:
// the previous archive's manifest or the link given, else the start of the
// journal or the link the manifest names, which must meet the slice's
// first record (whose previous-record hash the chain then checks).
func checkLinks(m *Manifest, opts ArchiveOptions) error {
	if m.Query != nil && m.Previous != nil {
		return errors.New("manifest.json: an archive of selected conversations does not continue another archive, but this one names a previous one")
	}
	if m.Query == nil && m.First > 1 && m.Previous == nil {
		return fmt.Errorf("manifest.json: a full archive starting at record %d names no archive it continues", m.First)
	}
	if m.First == 1 && m.PrevHash != store.GenesisHash {
		return &store.ChainError{Seq: 1, Reason: "the archive starts at the journal's first record but names another previous hash than the genesis hash"}
	}
	if m.Previous != nil && (m.Previous.Last+1 != m.First || m.Previous.LastHash != m.PrevHash) {
		return &store.ChainError{Seq: m.First, Reason: fmt.Sprintf("the manifest says the archive continues one ending at record %d, which its first record %d does not follow", m.Previous.Last, m.First)}
	}
	if opts.Previous != nil {
		var prev Manifest
		if err := json.Unmarshal(opts.Previous, &prev); err != nil {
			return fmt.Errorf("the previous archive's manifest: %w", err)
		}
		switch {
		case prev.Query != nil:
			return errors.New("the previous archive holds selected conversations: only a full archive is continued by another")
		case m.Previous == nil:
			return fmt.Errorf("the archive does not continue another one, but %d follows record %d of the previous", m.First, prev.Last)
		case m.Previous.ManifestSHA256 != ArchiveDigest(opts.Previous):
			return fmt.Errorf("the archive continues another archive than the one given as previous (a gap or a reordering): it names manifest %s", m.Previous.ManifestSHA256)
		case prev.Last+1 != m.First || prev.LastHash != m.PrevHash:
			return &store.ChainError{Seq: m.First, Reason: fmt.Sprintf("the previous archive ends at record %d, this one starts at %d", prev.Last, m.First)}
		}
	}
	if l := opts.Continues; l != nil {
		switch {
		case m.Previous == nil:
			return fmt.Errorf("the archive does not continue another one, but must continue the archive ending at record %d", l.Last)
		case m.Previous.ManifestSHA256 != l.ManifestSHA256:
			return fmt.Errorf("the archive continues another archive (manifest %s) than the one it must (manifest %s)", m.Previous.ManifestSHA256, l.ManifestSHA256)
		case l.Last+1 != m.First || l.LastHash != m.PrevHash:
			return &store.ChainError{Seq: m.First, Reason: fmt.Sprintf("the archive it must continue ends at record %d, this one starts at %d", l.Last, m.First)}
		}
	}
	return nil
}

// receipt is what verification keeps of a message's receipt record.
type receipt struct {
	seq    uint64
	digest string
	at     time.Time
}

// sliceQuery is the query of a selection archive as its journal slice is
// replayed with it (by Export and by VerifyArchive alike).
func sliceQuery(m Manifest) Query {
	q := *m.Query
	q.Now = m.Created // what the deliveries' waits are measured against does not matter here
	if q.Now.IsZero() {
		q.Now = time.Unix(0, 0)
	}
	return q
}

// selected replays an archive's query over its verified journal slice and
// returns the receipts of the messages it selects.
func selected(m Manifest, index *recordIndex, received map[string]receipt) (map[string]receipt, error) {
	convs, err := replay(context.Background(), index, sliceQuery(m))
	if err != nil {
		return nil, fmt.Errorf("manifest.json: the archive's query: %w", err)
	}
	if len(convs) == 0 {
		return nil, errors.New("manifest.json: the archive's query selects no message of its journal slice")
	}
	out := map[string]receipt{}
	for _, c := range convs {
		for _, h := range c.Messages {
			if rec, ok := received[h.MessageID]; ok {
				out[h.MessageID] = rec
			}
		}
	}
	return out, nil
}

// missingEnvelope reports the first message (by its receipt) whose
// envelope the archive must hold but whose file the manifest does not
// list.
func missingEnvelope(required map[string]receipt, listed map[string]FileEntry, selection bool) error {
	var missing *store.ChainError
	for id, rec := range required {
		if _, ok := listed[dirEnvelopes+envelopeFile(id)]; ok || missing != nil && missing.Seq < rec.seq {
			continue
		}
		reason := fmt.Sprintf("the envelope of message %s is missing", id)
		if selection {
			reason = fmt.Sprintf("the envelope of message %s, which the archive's query selects, is missing", id)
		}
		missing = &store.ChainError{Seq: rec.seq, Reason: reason}
	}
	if missing != nil {
		return missing
	}
	return nil
}

// knownFile reports whether name is a file an evidence archive lists in its
// manifest: the journal, the checkpoints, the certificates, or an envelope
// named as envelopeFile names it.
func knownFile(name string) bool {
	switch name {
	case fileJournal, fileCheckpoints, fileTrust, fileHub:
		return true
	}
	base, ok := strings.CutPrefix(name, dirEnvelopes)
	if !ok {
		return false
	}
	stem, ok := strings.CutSuffix(base, ".xml")
	if !ok || stem == "" || len(stem) > 100 {
		return false
	}
	return !strings.ContainsFunc(stem, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' || r == '.')
	})
}

// fixedPlus is fixed + n*each, saturating: a file's limit derived from the
// number of items the manifest declares.
func fixedPlus(fixed int64, n int, each int64) int64 {
	if n < 0 {
		return fixed
	}
	if int64(n) > (math.MaxInt64-fixed)/each {
		return math.MaxInt64
	}
	return fixed + int64(n)*each
}

// archiveFiles reads the files of an archive, never past a limit.
type archiveFiles struct {
	files map[string]*zip.File
}

// readManifest reads manifest.json, which has no digest to check.
func (a *archiveFiles) readManifest() ([]byte, error) {
	f, ok := a.files[fileManifest]
	if !ok {
		return nil, fmt.Errorf("the archive has no %s", fileManifest)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fileManifest, err)
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, maxManifest+1))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fileManifest, err)
	}
	if len(data) > maxManifest {
		return nil, fmt.Errorf("%s is larger than %d bytes", fileManifest, maxManifest)
	}
	return data, nil
}

// stream passes a listed file to fn, reading no further than the size the
// manifest declares, which must not exceed limit, and then checks the
// file against the manifest's digest: a file that does not match is
// reported as such even when fn failed first on what it read.
func (a *archiveFiles) stream(e FileEntry, limit int64, fn func(io.Reader) error) error {
	if e.Size > limit {
		return fmt.Errorf("the manifest declares %s of %d bytes, more than the %d bytes it may have", e.Name, e.Size, limit)
	}
	f, ok := a.files[e.Name]
	if !ok {
		return fmt.Errorf("the archive has no %s", e.Name)
	}
	rc, err := f.Open()
	if err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	defer rc.Close()
	h := sha256.New()
	cw := &countWriter{w: h}
	src := io.TeeReader(io.LimitReader(rc, e.Size+1), cw)
	ferr := fn(src)
	if _, err := io.Copy(io.Discard, src); err != nil {
		return fmt.Errorf("%s: %w", e.Name, err)
	}
	if cw.n != e.Size || hex.EncodeToString(h.Sum(nil)) != e.SHA256 {
		return fmt.Errorf("%s does not match the digest in the manifest", e.Name)
	}
	return ferr
}

// readAll reads a listed file whole, checked against its digest.
func (a *archiveFiles) readAll(e FileEntry, limit int64) ([]byte, error) {
	var data []byte
	err := a.stream(e, limit, func(r io.Reader) error {
		var err error
		data, err = io.ReadAll(io.LimitReader(r, e.Size))
		if err != nil {
			return fmt.Errorf("%s: %w", e.Name, err)
		}
		return nil
	})
	return data, err
}

// eachCheckpoint decodes checkpoints.json, a JSON array, one checkpoint at
// a time, none longer than maxCheckpointJSON.
func eachCheckpoint(r io.Reader, fn func(store.Checkpoint) error) error {
	q := &quota{r: r}
	dec := json.NewDecoder(q)
	q.n = maxCheckpointJSON
	if t, err := dec.Token(); err != nil || t != json.Delim('[') {
		return fmt.Errorf("%s: not a list of checkpoints", fileCheckpoints)
	}
	for dec.More() {
		q.n = maxCheckpointJSON
		var c store.Checkpoint
		if err := dec.Decode(&c); err != nil {
			if errors.Is(err, errQuota) {
				return fmt.Errorf("%s: a checkpoint is longer than %d bytes", fileCheckpoints, maxCheckpointJSON)
			}
			return fmt.Errorf("%s: %w", fileCheckpoints, err)
		}
		if err := fn(c); err != nil {
			return err
		}
	}
	q.n = maxCheckpointJSON
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("%s: %w", fileCheckpoints, err)
	}
	if dec.More() {
		return fmt.Errorf("%s: data after the list of checkpoints", fileCheckpoints)
	}
	return nil
}

var errQuota = errors.New("read quota exhausted")

// quota reads from r at most n bytes until n is set again: it bounds what a
// decoder buffers for one value.
type quota struct {
	r io.Reader
	n int64
}

func (q *quota) Read(p []byte) (int, error) {
	if q.n <= 0 {
		return 0, errQuota
	}
	if int64(len(p)) > q.n {
		p = p[:q.n]
	}
	n, err := q.r.Read(p)
	q.n -= int64(n)
	return n, err
}

type envelopeJob struct {
	entry FileEntry
	id    string
	rec   receipt
}

// checkEnvelopes checks each envelope against the manifest's digest and
// its record's, and verifies its signature when asked, spreading the work
// over the cores; the error reported is the one of the earliest record.
func checkEnvelopes(jobs []envelopeJob, read func(FileEntry) ([]byte, error), trust *dsig.TrustStore, opts ArchiveOptions) (uint64, error) {
	var (
		mu        sync.Mutex
		failures  []*store.ChainError
		other     error
		signed    uint64
		next      int
		wg        sync.WaitGroup
		workers   = max(1, runtime.GOMAXPROCS(0))
		verifiers = make([]*dsig.Verifier, workers)
	)
	take := func() (envelopeJob, bool) {
		mu.Lock()
		defer mu.Unlock()
		if next >= len(jobs) || other != nil {
			return envelopeJob{}, false
		}
		next++
		return jobs[next-1], true
	}
	for w := range workers {
		wg.Go(func() {
			var at time.Time
			for {
				j, ok := take()
				if !ok {
					return
				}
				data, err := read(j.entry)
				if err != nil {
					mu.Lock()
					other = err
					mu.Unlock()
					return
				}
				var fail *store.ChainError
				ok = false
				if hexSHA256(data) != j.rec.digest {
					fail = &store.ChainError{Seq: j.rec.seq, Reason: fmt.Sprintf("the envelope of message %s does not match the digest recorded", j.id)}
				} else if opts.Signatures {
					if verifiers[w] == nil {
						// One verifier per worker, its clock set to each
						// envelope's receipt: verified chains stay cached.
						verifiers[w] = dsig.NewVerifier(trust, func() time.Time { return at }, dsig.AllowWeak(opts.AllowWeak))
					}
					at = j.rec.at
					s, err := verifyEnvelope(data, verifiers[w], opts.MaxEnvelope)
					if err != nil {
						fail = &store.ChainError{Seq: j.rec.seq, Reason: fmt.Sprintf("the envelope of message %s: %v", j.id, err)}
					}
					ok = s
				}
				mu.Lock()
				if fail != nil {
					failures = append(failures, fail)
				} else if ok {
					signed++
				}
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if other != nil {
		return 0, other
	}
	if len(failures) > 0 {
		sort.Slice(failures, func(i, j int) bool { return failures[i].Seq < failures[j].Seq })
		return 0, failures[0]
	}
	return signed, nil
}

func hexSHA256(data []byte) string {
	sum := sha256.Sum256(data)
	return hex.EncodeToString(sum[:])
}

// isSHA256Hex says whether s is a SHA-256 digest in lower-case hex, as the
// hub writes them.
func isSHA256Hex(s string) bool {
	if len(s) != 2*sha256.Size {
		return false
	}
	for i := range len(s) {
		if c := s[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}
