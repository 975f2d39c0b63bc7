package audit

import (
	"archive/zip"
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"path"
	"runtime"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	"mezhved/exchange/dsig"
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
	// The journal slice, and the envelopes it refers to.
	var envelopes []string
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
				m.PrevHash, first = r.Prev, false
			}
			m.LastHash = r.Hash
			m.Records++
			if r.Event == store.EventReceived && (len(selected) == 0 || selected[r.MessageID]) {
				envelopes = append(envelopes, r.MessageID)
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

// ArchiveOptions configure VerifyArchive.
type ArchiveOptions struct {
	// Previous is the archive this one should continue (its manifest bytes);
	// nil when it is the first or not linked.
	Previous []byte
	// HubCertificates pins the certificates allowed to sign checkpoints;
	// empty: those the archive holds.
	HubCertificates []*x509.Certificate
	// Signatures re-verifies every envelope's signature.
	Signatures bool
	AllowWeak  bool
}

// ArchiveSummary is what a verified archive establishes.
type ArchiveSummary struct {
	Manifest   *Manifest
	Digest     string
	Signatures uint64
	Signers    []string
}

// VerifyArchive checks an evidence archive on its own: every file against
// the manifest, the journal slice's chain, that its last record is covered
// by a checkpoint the hub signed (its certificate chaining to the trust the
// archive holds, at the checkpoint's time), every envelope against its
// record's digest and, with Signatures, its signature at its time of
// receipt; and, given the previous archive, that this one continues it with
// no gap. Errors naming a record are *store.ChainError.
func VerifyArchive(r io.ReaderAt, size int64, opts ArchiveOptions) (*ArchiveSummary, error) {
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, fmt.Errorf("the archive cannot be read (truncated?): %w", err)
	}
	files := map[string]*zip.File{}
	for _, f := range zr.File {
		if _, dup := files[f.Name]; dup {
			return nil, fmt.Errorf("the archive holds %s twice", f.Name)
		}
		files[f.Name] = f
	}
	read := func(name string, limit int64) ([]byte, error) {
		f, ok := files[name]
		if !ok {
			return nil, fmt.Errorf("the archive has no %s", name)
		}
		rc, err := f.Open()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		defer rc.Close()
		data, err := io.ReadAll(io.LimitReader(rc, limit+1))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		if int64(len(data)) > limit {
			return nil, fmt.Errorf("%s is larger than %d bytes", name, limit)
		}
		return data, nil
	}
	manifestData, err := read(fileManifest, 64<<20)
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
	sum := &ArchiveSummary{Manifest: &m, Digest: ArchiveDigest(manifestData)}
	// Every file is listed with its digest, and nothing else is there.
	listed := map[string]FileEntry{}
	for _, e := range m.Files {
		listed[e.Name] = e
	}
	for name := range files {
		if _, ok := listed[name]; !ok && name != fileManifest {
			return nil, fmt.Errorf("the archive holds %s, which the manifest does not list", name)
		}
	}
	contents := map[string][]byte{}
	for _, e := range m.Files {
		if strings.HasPrefix(e.Name, dirEnvelopes) {
			continue // read once, below
		}
		data, err := read(e.Name, 1<<30)
		if err != nil {
			return nil, err
		}
		if got := sha256.Sum256(data); hex.EncodeToString(got[:]) != e.SHA256 || int64(len(data)) != e.Size {
			return nil, fmt.Errorf("%s does not match the digest in the manifest", e.Name)
		}
		contents[e.Name] = data
	}
	// The link to the previous archive.
	if opts.Previous != nil {
		var prev Manifest
		if err := json.Unmarshal(opts.Previous, &prev); err != nil {
			return nil, fmt.Errorf("the previous archive's manifest: %w", err)
		}
		switch {
		case m.Previous == nil:
			return nil, fmt.Errorf("the archive does not continue another one, but %d follows record %d of the previous", m.First, prev.Last)
		case m.Previous.ManifestSHA256 != ArchiveDigest(opts.Previous):
			return nil, fmt.Errorf("the archive continues another archive than the one given as previous (a gap or a reordering): it names manifest %s", m.Previous.ManifestSHA256)
		case prev.Last+1 != m.First || prev.LastHash != m.PrevHash:
			return nil, &store.ChainError{Seq: m.First, Reason: fmt.Sprintf("the previous archive ends at record %d, this one starts at %d", prev.Last, m.First)}
		}
	}
	// Trust and checkpoints.
	trustCerts, err := dsig.ParseCertificatesPEM(contents[fileTrust])
	if err != nil {
		return nil, fmt.Errorf("%s: %w", fileTrust, err)
	}
	hub := opts.HubCertificates
	if len(hub) == 0 {
		if hub, err = dsig.ParseCertificatesPEM(contents[fileHub]); err != nil {
			return nil, fmt.Errorf("%s: %w", fileHub, err)
		}
	}
	trust := dsig.NewTrustStore(trustCerts)
	var cps []store.Checkpoint
	if err := json.Unmarshal(contents[fileCheckpoints], &cps); err != nil {
		return nil, fmt.Errorf("%s: %w", fileCheckpoints, err)
	}
	seen := map[string]bool{}
	cpAt := map[uint64]store.Checkpoint{}
	for _, c := range cps {
		signer, err := checkCheckpoint(c, trust, hub)
		if err != nil {
			return nil, &store.ChainError{Seq: c.Seq, Reason: "checkpoint: " + err.Error()}
		}
		if !seen[signer] {
			seen[signer] = true
			sum.Signers = append(sum.Signers, signer)
		}
		cpAt[c.Seq] = c
	}
	if _, ok := cpAt[m.Last]; !ok {
		return nil, &store.ChainError{Seq: m.Last, Reason: "no signed checkpoint in the archive covers its last record"}
	}
	// The journal slice.
	chain := store.NewChainVerifierAt(m.First, m.PrevHash)
	received := map[string]store.Record{}
	dec := json.NewDecoder(bytes.NewReader(contents[fileJournal]))
	for dec.More() {
		var r store.Record
		if err := dec.Decode(&r); err != nil {
			return nil, fmt.Errorf("%s: %w", fileJournal, err)
		}
		if err := chain.Check(r); err != nil {
			return nil, err
		}
		if c, ok := cpAt[r.Seq]; ok && c.Hash != r.Hash {
			return nil, &store.ChainError{Seq: r.Seq, Reason: "the signed checkpoint of this record names another hash"}
		}
		if r.Event == store.EventReceived {
			received[r.MessageID] = r
		}
	}
	if chain.Records != uint64(m.Records) || m.Last != m.First+chain.Records-1 {
		return nil, &store.ChainError{Seq: m.First + chain.Records, Reason: fmt.Sprintf("the archive holds %d records, its manifest says %d to %d", chain.Records, m.First, m.Last)}
	}
	if m.LastHash == "" || m.Records > 0 && chainLast(contents[fileJournal]) != m.LastHash {
		return nil, &store.ChainError{Seq: m.Last, Reason: "the manifest names another last hash than the journal's"}
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
		jobs = append(jobs, envelopeJob{entry: e, id: id, rec: received[id]})
	}
	n := len(jobs)
	signatures, err := checkEnvelopes(jobs, func(name string) ([]byte, error) { return read(name, 1<<30) }, trust, opts)
	if err != nil {
		return nil, err
	}
	sum.Signatures = signatures
	if n != m.Envelopes {
		return nil, fmt.Errorf("the archive holds %d envelopes, its manifest says %d", n, m.Envelopes)
	}
	if m.Query == nil {
		// A full archive holds the envelope of every message received in it.
		for id, rec := range received {
			if _, ok := listed[dirEnvelopes+envelopeFile(id)]; !ok {
				return nil, &store.ChainError{Seq: rec.Seq, Reason: fmt.Sprintf("the envelope of message %s is missing", id)}
			}
		}
	}
	return sum, nil
}

// chainLast returns the hash of the last record of a JSON-lines journal.
func chainLast(data []byte) string {
	data = bytes.TrimRight(data, "\n")
	i := bytes.LastIndexByte(data, '\n')
	var r store.Record
	if json.Unmarshal(data[i+1:], &r) != nil {
		return ""
	}
	return r.Hash
}

type envelopeJob struct {
	entry FileEntry
	id    string
	rec   store.Record
}

// checkEnvelopes checks each envelope against the manifest's digest and
// its record's, and verifies its signature when asked, spreading the work
// over the cores; the error reported is the one of the earliest record.
func checkEnvelopes(jobs []envelopeJob, read func(string) ([]byte, error), trust *dsig.TrustStore, opts ArchiveOptions) (uint64, error) {
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
				data, err := read(j.entry.Name)
				if err == nil && (len(data) != int(j.entry.Size) || hexSHA256(data) != j.entry.SHA256) {
					err = fmt.Errorf("%s does not match the digest in the manifest", j.entry.Name)
				}
				if err != nil {
					mu.Lock()
					other = err
					mu.Unlock()
					return
				}
				var fail *store.ChainError
				ok = false
				if hexSHA256(data) != j.rec.EnvelopeSHA256 {
					fail = &store.ChainError{Seq: j.rec.Seq, Reason: fmt.Sprintf("the envelope of message %s does not match the digest recorded", j.id)}
				} else if opts.Signatures {
					if verifiers[w] == nil {
						// One verifier per worker, its clock set to each
						// envelope's receipt: verified chains stay cached.
						verifiers[w] = dsig.NewVerifier(trust, func() time.Time { return at }, dsig.AllowWeak(opts.AllowWeak))
					}
					at = j.rec.Time
					s, err := verifyEnvelope(data, verifiers[w], 64<<20)
					if err != nil {
						fail = &store.ChainError{Seq: j.rec.Seq, Reason: fmt.Sprintf("the envelope of message %s: %v", j.id, err)}
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
