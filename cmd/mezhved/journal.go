package main

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"

	"mezhved/exchange/audit"
	"mezhved/exchange/dsig"
	"mezhved/store"
	"mezhved/store/boltstore"
)

const journalUsage = `usage: mezhved journal verify --data DIR [--trust FILE|DIR] [--hub-cert FILE] [--no-signatures]
       mezhved journal verify [--hub-cert FILE] [--trust FILE|DIR] [--max-envelope BYTES] --archive FILE [FILE...]
       mezhved journal export --data DIR --out FILE [--after PREVIOUS.zip | selection]
       mezhved journal prune --data DIR --older-than AGE [--stale-after D] --archive FILE [--after PREVIOUS.zip]
       mezhved journal replay --data DIR (--message ID | --transaction CODE | --proceeding NUMBER | --participant MNEMONIC) [--from TIME] [--to TIME] [--json]
       mezhved journal replay --data DIR --state

Verifies the hub's journal: the hash chain, every signed checkpoint (signed by the hub's
certificate, which chained to the trust of its time), every stored envelope against the digest
its record holds, and every envelope's signature at the time it was received against the trust
the store remembers, and that the journal's indexes name exactly the records that carry each
value. Exits 0 with a summary, or 1 naming the first broken record. With --archive, verifies
evidence archives instead, each file after the first continuing the one before it.

The summary gives the SHA-256 fingerprints of the certificate that signed the checkpoints and of
the trust anchors. Unless --hub-cert (and, for archives, --trust) pin them, they are the ones
the store, or the archive, holds itself: compare the fingerprints with ones known independently,
since a forgery with look-alike certificates verifies the same (a warning says so; the exit
status is 0 all the same).`

func runJournal(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, journalUsage)
		return errUsage
	}
	switch args[0] {
	case "verify":
		return runJournalVerify(args[1:], stdout, stderr)
	case "replay":
		return runJournalReplay(args[1:], stdout, stderr)
	case "export":
		return runJournalExport(args[1:], stdout, stderr)
	case "prune":
		return runJournalPrune(args[1:], stdout, stderr)
	}
	fmt.Fprintln(stderr, journalUsage)
	return errUsage
}

func runJournalVerify(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved journal verify", stderr)
	data := fs.String("data", "", "the hub's data directory")
	trustPath := fs.String("trust", "", "certificates to trust besides those the store remembers; with --archive, the trust anchors to use instead of the archive's (PEM file or directory)")
	hubCert := fs.String("hub-cert", "", "the hub's certificate (PEM): only it may sign checkpoints (default: the certificates the store remembers as the hub's)")
	noSigs := fs.Bool("no-signatures", false, "do not re-verify the envelopes' signatures (chain, checkpoints and digests only)")
	allowWeak := fs.Bool("allow-weak", false, "accept SHA-1 in envelope signatures")
	archive := fs.Bool("archive", false, "verify the evidence archives named as arguments, in order")
	maxEnvelope := fs.Int64("max-envelope", audit.DefaultMaxArchiveEnvelope, "with --archive: the largest envelope an archive may hold (the hub's --max-envelope)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, journalUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *archive {
		if *data != "" || fs.NArg() == 0 {
			fs.Usage()
			return errUsage
		}
		o := audit.ArchiveOptions{Signatures: !*noSigs, AllowWeak: *allowWeak, MaxEnvelope: *maxEnvelope}
		var err error
		if *hubCert != "" {
			if o.HubCertificates, err = dsig.LoadCertificates(*hubCert); err != nil {
				return err
			}
		}
		if *trustPath != "" {
			if o.Trust, err = dsig.LoadCertificates(*trustPath); err != nil {
				return err
			}
		}
		return verifyArchives(fs.Args(), o, stdout, stderr)
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	opts := audit.Options{Signatures: !*noSigs, AllowWeak: *allowWeak}
	var err error
	if *trustPath != "" {
		if opts.Trust, err = dsig.LoadCertificates(*trustPath); err != nil {
			return err
		}
	}
	if *hubCert != "" {
		if opts.HubCertificates, err = dsig.LoadCertificates(*hubCert); err != nil {
			return err
		}
	}
	st, cleanup, err := openForAudit(*data, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	sum, err := audit.Verify(context.Background(), st, opts)
	if err != nil {
		var ce *store.ChainError
		if errors.As(err, &ce) {
			fmt.Fprintf(stderr, "journal verify: %v\n", ce)
			return exitError{1}
		}
		return err
	}
	printSummary(stdout, sum, opts)
	return nil
}

// printSummary prints what a verified journal establishes: its span (from
// its base, after a retention cut), the records no checkpoint covers yet,
// and the fingerprints an auditor compares with known ones.
func printSummary(w io.Writer, s *audit.Summary, opts audit.Options) {
	span := "empty"
	if s.Records > 0 {
		span = fmt.Sprintf("from %s to %s", s.First.UTC().Format(time.RFC3339), s.Last.UTC().Format(time.RFC3339))
	}
	first, last := s.Base.Seq+1, s.Base.Seq+s.Records
	if s.Records > 0 {
		fmt.Fprintf(w, "journal intact: %d records (%d to %d), %s\n", s.Records, first, last, span)
	} else {
		fmt.Fprintf(w, "journal intact: %d records, %s\n", s.Records, span)
	}
	if s.Base.Seq > 0 {
		fmt.Fprintf(w, "  starts after record %d: a retention cut removed records 1 to %d, which the archive with manifest %s holds (a signed checkpoint of record %d vouches for the cut)\n",
			s.Base.Seq, s.Base.Seq, orNone(s.Base.Archive), s.Base.Seq)
	}
	fmt.Fprintf(w, "  envelopes: %d match their digests", s.Envelopes)
	if opts.Signatures {
		fmt.Fprintf(w, "; %d signatures verified at their time of receipt", s.Signatures)
		if s.Unsigned > 0 {
			fmt.Fprintf(w, ", %d accepted unsigned", s.Unsigned)
		}
	}
	fmt.Fprintln(w)
	fmt.Fprintf(w, "  checkpoints: %d", s.Checkpoints)
	if s.Checkpoints > 0 {
		fmt.Fprintf(w, ", signed by %s, covering records %d to %d", strings.Join(s.Signers, "; "), first, s.Covered)
	}
	fmt.Fprintln(w)
	if s.Covered < last {
		fmt.Fprintf(w, "  records %d to %d are chained but not yet covered by a signed checkpoint\n", max(s.Covered, s.Base.Seq)+1, last)
	}
	fmt.Fprintf(w, "  indexes: %d entries name exactly the records that carry their values\n", s.IndexEntries)
	nStore := len(s.TrustAnchors) - len(opts.Trust)
	printCertificates(w, "checkpoint signer", s.SignerCertificates, nil)
	printCertificates(w, "trust anchors", s.TrustAnchors, func(i int) string {
		if i < nStore {
			return "remembered by the store"
		}
		return "--trust"
	})
	if !s.HubPinned && len(s.SignerCertificates) > 0 {
		fmt.Fprintln(w, "  warning: no --hub-cert: the checkpoints were checked against the hub certificates the store itself remembers; compare the signer's SHA-256 above with the hub's, known independently")
	}
	if len(opts.Trust) == 0 {
		fmt.Fprintln(w, "  warning: no --trust: the trust anchors are only those the store itself remembers; compare their SHA-256 above with ones known independently")
	}
}

// printCertificates lists certificates with their SHA-256 fingerprints;
// source, when not nil, says where each came from.
func printCertificates(w io.Writer, what string, ids []audit.CertificateID, source func(int) string) {
	if len(ids) == 0 {
		fmt.Fprintf(w, "  %s: none\n", what)
		return
	}
	fmt.Fprintf(w, "  %s:\n", what)
	for i, c := range ids {
		from := ""
		if source != nil {
			from = " (" + source(i) + ")"
		}
		fmt.Fprintf(w, "    SHA-256 %s  %s%s\n", c.SHA256, c.Subject, from)
	}
}

func orNone(s string) string {
	if s == "" {
		return "(none recorded)"
	}
	return s
}

// openForAudit opens a hub's store for reading. When a running hub holds
// the file, it reads a consistent snapshot the hub streams over its admin
// socket instead.
func openForAudit(data string, stderr io.Writer) (audit.Source, func(), error) {
	path := filepath.Join(data, "mezhved.db")
	if _, err := os.Stat(path); err != nil {
		return nil, nil, err
	}
	st, err := boltstore.Open(path, &boltstore.Options{ReadOnly: true, Timeout: 300 * time.Millisecond})
	if err == nil {
		return st, func() { st.Close() }, nil
	}
	if _, serr := os.Stat(filepath.Join(data, adminSocket)); serr != nil {
		return nil, nil, fmt.Errorf("%w (a hub holds the store, and it has no admin socket)", err)
	}
	snap, remove, err := fetchSnapshot(data)
	if err != nil {
		return nil, nil, err
	}
	st, err = boltstore.Open(snap, &boltstore.Options{ReadOnly: true})
	if err != nil {
		remove()
		return nil, nil, err
	}
	fmt.Fprintf(stderr, "the hub is running: reading a consistent snapshot of its store taken at %s\n", time.Now().UTC().Format(time.RFC3339))
	return st, func() { st.Close(); remove() }, nil
}

const replayUsage = `usage: mezhved journal replay --data DIR (--message ID | --transaction CODE | --proceeding NUMBER | --participant MNEMONIC)
                              [--from TIME] [--to TIME] [--json]
       mezhved journal replay --data DIR --state

Rebuilds from the journal alone the timeline of each matching message and its conversation
(request, deliveries, acknowledgements, responses), where each delivery stands now and how long
it has waited. TIME is RFC 3339 (2026-11-24T10:00:00Z) or a date (2026-11-24). --state rebuilds
the state of every delivery from the whole journal and compares it with the store: exit 0 when
they agree, 1 listing every difference.`

func runJournalReplay(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved journal replay", stderr)
	data := fs.String("data", "", "the hub's data directory")
	var q audit.Query
	fs.StringVar(&q.MessageID, "message", "", "a message ID")
	fs.StringVar(&q.TransactionCode, "transaction", "", "a transaction code")
	fs.StringVar(&q.Proceeding, "proceeding", "", "an enforcement proceeding number")
	fs.StringVar(&q.Participant, "participant", "", "a participant's mnemonic (as sender or recipient)")
	from := fs.String("from", "", "only conversations that started at or after this time")
	to := fs.String("to", "", "only conversations that started at or before this time")
	asJSON := fs.Bool("json", false, "print JSON")
	state := fs.Bool("state", false, "rebuild every delivery's state and compare it with the store")
	fs.Usage = func() {
		fmt.Fprintln(stderr, replayUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	var err error
	if q.From, err = parseWhen(*from); err != nil {
		return usageError(fs, "--from: %v", err)
	}
	if q.To, err = parseWhen(*to); err != nil {
		return usageError(fs, "--to: %v", err)
	}
	st, cleanup, err := openForAudit(*data, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	ctx := context.Background()
	if *state {
		diffs, n, err := audit.CompareState(ctx, st)
		if err != nil {
			return err
		}
		if *asJSON {
			enc := json.NewEncoder(stdout)
			enc.SetIndent("", "  ")
			if err := enc.Encode(map[string]any{"deliveries": n, "differences": diffs}); err != nil {
				return err
			}
		} else if len(diffs) == 0 {
			fmt.Fprintf(stdout, "state agrees: %d deliveries rebuilt from the journal match the store\n", n)
		}
		if len(diffs) > 0 {
			if !*asJSON {
				fmt.Fprintf(stdout, "%d of %d deliveries differ:\n", len(diffs), n)
				for _, d := range diffs {
					fmt.Fprintf(stdout, "  %s\n", d)
				}
			}
			return exitError{1}
		}
		return nil
	}
	convs, err := audit.Replay(ctx, st, q)
	if err != nil {
		return usageError(fs, "%v", err)
	}
	if *asJSON {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(convs)
	}
	if len(convs) == 0 {
		fmt.Fprintln(stdout, "no message matches")
		return nil
	}
	for i, c := range convs {
		if i > 0 {
			fmt.Fprintln(stdout)
		}
		printConversation(stdout, c)
	}
	return nil
}

func printConversation(w io.Writer, c audit.Conversation) {
	for _, h := range c.Messages {
		title := h.Kind + " " + h.MessageID
		var facts []string
		for _, f := range [][2]string{{"", h.Type}, {"from ", h.Sender}, {"transaction ", h.TransactionCode}, {"proceeding ", h.Proceeding}, {"answers ", h.ResponseTo}} {
			if f[1] != "" {
				facts = append(facts, f[0]+f[1])
			}
		}
		fmt.Fprintf(w, "%s (%s)\n", title, strings.Join(facts, ", "))
		for _, e := range h.Events {
			line := fmt.Sprintf("  %s  #%-7d %-15s", e.Time.UTC().Format("2006-01-02 15:04:05.000"), e.Seq, e.Event)
			if e.Recipient != "" {
				line += " " + e.Recipient
			}
			if e.Detail != "" {
				line += "  (" + e.Detail + ")"
			}
			fmt.Fprintln(w, strings.TrimRight(line, " "))
		}
		for _, d := range h.Deliveries {
			if d.Final() {
				fmt.Fprintf(w, "  now: %s: %s at %s, %s after receipt (%s)\n", d.Recipient, d.State,
					d.Since.UTC().Format(time.RFC3339), d.Took.Round(time.Millisecond), plural(d.Attempts, "delivery", "deliveries"))
			} else {
				fmt.Fprintf(w, "  now: %s: %s since %s; waiting %s since receipt (%s so far)\n", d.Recipient, d.State,
					d.Since.UTC().Format(time.RFC3339), d.Waiting.Round(time.Second), plural(d.Attempts, "delivery", "deliveries"))
			}
		}
	}
}

// parseWhen reads an RFC 3339 time or a date; empty is the zero time.
func parseWhen(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", s)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

const exportUsage = `usage: mezhved journal export --data DIR --out FILE [--after PREVIOUS.zip]
       mezhved journal export --data DIR --out FILE (--message ID | --transaction CODE | --proceeding NUMBER | --participant MNEMONIC) [--from TIME] [--to TIME]

Writes a self-contained evidence archive (zip): a slice of the journal up to a checkpoint the
hub signed, the envelopes its records refer to, the checkpoints, the certificates needed to
verify them, and a manifest of every file's SHA-256. Without a selection it is a full archive of
every record since PREVIOUS (or since the start) to the last signed checkpoint, linked to
PREVIOUS by its manifest's digest; with one, it holds the selected conversations' envelopes.
'mezhved journal verify --archive' checks it with nothing but the binary.`

func runJournalExport(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved journal export", stderr)
	data := fs.String("data", "", "the hub's data directory")
	out := fs.String("out", "", "the archive to write (not overwritten)")
	after := fs.String("after", "", "the archive this one continues")
	maxEnvelope := fs.Int64("max-envelope", audit.DefaultMaxArchiveEnvelope, "with --after: the largest envelope the archive may hold (the hub's --max-envelope)")
	var q audit.Query
	fs.StringVar(&q.MessageID, "message", "", "select a message's conversation")
	fs.StringVar(&q.TransactionCode, "transaction", "", "select a transaction's conversations")
	fs.StringVar(&q.Proceeding, "proceeding", "", "select an enforcement proceeding's conversations")
	fs.StringVar(&q.Participant, "participant", "", "select a participant's conversations")
	from := fs.String("from", "", "with a selection: conversations that started at or after this time")
	to := fs.String("to", "", "with a selection: conversations that started at or before this time")
	fs.Usage = func() {
		fmt.Fprintln(stderr, exportUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	var err error
	if q.From, err = parseWhen(*from); err != nil {
		return usageError(fs, "--from: %v", err)
	}
	if q.To, err = parseWhen(*to); err != nil {
		return usageError(fs, "--to: %v", err)
	}
	opts := audit.ExportOptions{}
	if q.MessageID != "" || q.TransactionCode != "" || q.Proceeding != "" || q.Participant != "" {
		if *after != "" {
			return usageError(fs, "--after links full archives; a selection is not one")
		}
		opts.Query = &q
	}
	if *after != "" {
		sum, err := previousArchive(*after, *maxEnvelope)
		if err != nil {
			return err
		}
		opts.Previous, opts.PreviousDigest = sum.Manifest, sum.Digest
	}
	st, cleanup, err := openForAudit(*data, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	m, err := writeArchive(context.Background(), st, *out, opts)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: records %d to %d, %d envelopes, %d checkpoints\n", *out, m.First, m.Last, m.Envelopes, m.Checkpoints)
	return nil
}

// openArchive opens an archive file to be read where it lies.
func openArchive(name string) (*os.File, int64, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, 0, err
	}
	st, err := f.Stat()
	if err != nil {
		f.Close()
		return nil, 0, err
	}
	return f, st.Size(), nil
}

// verifyArchiveFile verifies the archive in a file.
func verifyArchiveFile(name string, opts audit.ArchiveOptions) (*audit.ArchiveSummary, error) {
	f, size, err := openArchive(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return audit.VerifyArchive(f, size, opts)
}

// previousArchive verifies the archive --after names: a full one, which
// the next archive continues.
func previousArchive(name string, maxEnvelope int64) (*audit.ArchiveSummary, error) {
	sum, err := verifyArchiveFile(name, audit.ArchiveOptions{MaxEnvelope: maxEnvelope})
	if err != nil {
		return nil, fmt.Errorf("--after %s: %w", name, err)
	}
	if sum.Manifest.Query != nil {
		return nil, fmt.Errorf("--after %s: it holds selected conversations; a full archive continues only a full one", name)
	}
	return sum, nil
}

// verifyArchives checks archives in order, each continuing the one before,
// and says where the sequence starts, what a selection selects, and which
// certificates it trusted.
func verifyArchives(files []string, opts audit.ArchiveOptions, stdout, stderr io.Writer) error {
	var prev []byte
	for i, name := range files {
		o := opts
		if i > 0 {
			o.Previous = prev
		}
		f, size, err := openArchive(name)
		if err != nil {
			return err
		}
		sum, err := audit.VerifyArchive(f, size, o)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "journal verify: %s: %v\n", name, err)
			return exitError{1}
		}
		m := sum.Manifest
		var link string
		switch {
		case m.Query != nil:
			link = "selected conversations"
		case i > 0:
			link = fmt.Sprintf("continues an archive ending at record %d", m.Previous.Last)
		case m.First == 1:
			link = "the first of the sequence"
		default: // VerifyArchive ensures such an archive names the one it continues
			link = fmt.Sprintf("continues an archive not given here, ending at record %d", m.Previous.Last)
		}
		fmt.Fprintf(stdout, "%s: intact: records %d to %d (%s), %d envelopes (%d signatures verified), %d checkpoints signed by %s\n",
			name, m.First, m.Last, link, m.Envelopes, sum.Signatures, m.Checkpoints, strings.Join(sum.Signers, "; "))
		if m.Query != nil {
			fmt.Fprintf(stdout, "  selection: %s; the archive holds the envelope of each of the %d messages received in its records that this selects. The manifest that names it is not signed: check that it is the selection asked for\n",
				describeQuery(*m.Query), sum.Required)
			if len(files) > 1 {
				fmt.Fprintln(stdout, "  warning: an archive of selected conversations is not part of a sequence: no archive continues it")
			}
		} else if i == 0 && m.First > 1 {
			fmt.Fprintf(stdout, "  warning: the sequence starts at record %d: records 1 to %d are in the archive with manifest %s, not verified here (give it first)\n",
				m.First, m.First-1, m.Previous.ManifestSHA256)
		}
		printCertificates(stdout, "checkpoint signer", sum.SignerCertificates, nil)
		source := "the archive's own certificates/trust.pem"
		if sum.TrustPinned {
			source = "--trust"
		}
		printCertificates(stdout, "trust anchors", sum.TrustAnchors, func(int) string { return source })
		prev = sum.ManifestJSON
	}
	if len(opts.HubCertificates) == 0 {
		fmt.Fprintln(stdout, "warning: no --hub-cert: the checkpoints were checked against the hub certificate each archive holds itself; compare the signer's SHA-256 above with the hub's, known independently (a forged archive with look-alike subjects verifies the same)")
	}
	if len(opts.Trust) == 0 {
		fmt.Fprintln(stdout, "warning: no --trust: signatures were checked against the trust anchors each archive holds itself; compare their SHA-256 above with ones known independently")
	}
	return nil
}

// describeQuery says what an archive's query selects, without the time
// it was run.
func describeQuery(q audit.Query) string {
	var parts []string
	for _, f := range [][2]string{{"message ", q.MessageID}, {"transaction ", q.TransactionCode}, {"proceeding ", q.Proceeding}, {"participant ", q.Participant}} {
		if f[1] != "" {
			parts = append(parts, f[0]+f[1])
		}
	}
	if !q.From.IsZero() {
		parts = append(parts, "started at or after "+q.From.UTC().Format(time.RFC3339))
	}
	if !q.To.IsZero() {
		parts = append(parts, "started at or before "+q.To.UTC().Format(time.RFC3339))
	}
	return "conversations of " + strings.Join(parts, ", ")
}

const pruneUsage = `usage: mezhved journal prune --data DIR --older-than AGE [--stale-after D] --archive FILE [--after PREVIOUS.zip]

Archive-then-prune, with the hub stopped: finds the furthest signed checkpoint before which every
record is older than AGE (90d, 720h) and every message has finished at all its recipients,
writes the evidence archive of those records and envelopes (continuing PREVIOUS, or the archive
of the last cut), flushes it to disk, verifies it, signatures and link included, then removes
them from the store. The journal that remains still verifies: it starts at the checkpointed
hash the archive ends with. AGE must be longer than the hub's --stale-after (48h by default;
give the hub's with --stale-after when it is longer), since a MessageID can be reused once its
message is pruned, and than the longest wait for a response (a response to a pruned request has
no request to answer).`

// defaultStaleAfter is the hub's default --stale-after: the least age
// prune accepts.
const defaultStaleAfter = 48 * time.Hour

// syncFile and syncDir make a written archive durable before the records
// it holds are removed; tests replace them.
var (
	syncFile = (*os.File).Sync
	syncDir  = syncDirectory
)

// syncDirectory flushes a directory, so that a file created in it survives
// a power loss.
func syncDirectory(dir string) error {
	if runtime.GOOS == "windows" {
		return nil // directories cannot be opened for syncing there; NTFS journals the entry
	}
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	err = d.Sync()
	if cerr := d.Close(); err == nil {
		err = cerr
	}
	return err
}

func runJournalPrune(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved journal prune", stderr)
	data := fs.String("data", "", "the hub's data directory (the hub must be stopped)")
	age := fs.String("older-than", "", "prune what is older than this: 90d, 720h; longer than the hub's --stale-after")
	staleAfter := fs.Duration("stale-after", defaultStaleAfter, "the hub's --stale-after, when it runs with one longer than the default: AGE must exceed it")
	out := fs.String("archive", "", "the evidence archive to write first (not overwritten)")
	after := fs.String("after", "", "the archive this one continues (default: the archive of the last cut)")
	maxEnvelope := fs.Int64("max-envelope", audit.DefaultMaxArchiveEnvelope, "with --after: the largest envelope the previous archive may hold (the hub's --max-envelope)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, pruneUsage)
		fs.PrintDefaults()
	}
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *data == "" || *age == "" || *out == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	d, err := parseAge(*age)
	if err != nil || d <= 0 {
		return usageError(fs, "--older-than %q: want a duration (90d, 720h)", *age)
	}
	if floor := max(*staleAfter, defaultStaleAfter); d <= floor {
		return usageError(fs, "--older-than %s: must be longer than the hub's --stale-after, here %s (its default is 48h; pass the hub's own with --stale-after if it is longer): the MessageID of a message pruned sooner could be accepted again", *age, floor)
	}
	st, err := boltstore.Open(filepath.Join(*data, "mezhved.db"), &boltstore.Options{Timeout: 300 * time.Millisecond})
	if err != nil {
		return fmt.Errorf("%w (stop the hub first: pruning writes to the store)", err)
	}
	defer st.Close()
	ctx := context.Background()
	cut, err := audit.PlanCut(ctx, st, time.Now().Add(-d))
	if err != nil {
		return err
	}
	if cut.Upto == 0 {
		fmt.Fprintf(stdout, "nothing to prune: %s\n", cut.Blocker)
		return nil
	}
	base, err := st.JournalBase(ctx)
	if err != nil {
		return err
	}
	opts := audit.ExportOptions{Upto: cut.Upto}
	// The archive must continue the previous one (or the cut's), and
	// verifies against it.
	check := audit.ArchiveOptions{Signatures: true}
	if *after != "" {
		prev, err := previousArchive(*after, *maxEnvelope)
		if err != nil {
			return err
		}
		opts.Previous, opts.PreviousDigest = prev.Manifest, prev.Digest
		check.Previous = prev.ManifestJSON
	} else if base.Seq > 0 {
		check.Continues = &audit.Link{ManifestSHA256: base.Archive, Last: base.Seq, LastHash: base.Hash}
	}
	m, err := writeArchive(ctx, st, *out, opts)
	if err != nil {
		return fmt.Errorf("nothing was pruned: %w", err)
	}
	if m.Last != cut.Upto {
		os.Remove(*out)
		return fmt.Errorf("nothing was pruned: the archive ends at record %d, the cut at %d", m.Last, cut.Upto)
	}
	// Nothing is removed before the archive, on disk, verifies, signatures
	// and all. The store held every envelope it holds: none is too large.
	check.MaxEnvelope = audit.DefaultMaxArchiveEnvelope
	for _, e := range m.Files {
		if strings.HasPrefix(e.Name, "envelopes/") {
			check.MaxEnvelope = max(check.MaxEnvelope, e.Size)
		}
	}
	sum, err := verifyArchiveFile(*out, check)
	if err != nil {
		return fmt.Errorf("the archive just written does not verify, nothing was pruned: %w", err)
	}
	res, err := st.Prune(ctx, cut.Upto, sum.Digest)
	if err != nil {
		return err
	}
	fmt.Fprintf(stdout, "archived records %d to %d and %d envelopes in %s (manifest %s); pruned %d records and %d messages\n",
		m.First, m.Last, m.Envelopes, *out, sum.Digest, res.Records, res.Messages)
	if cut.Blocker != "" {
		fmt.Fprintf(stdout, "the cut stopped there because %s\n", cut.Blocker)
	}
	return nil
}

// writeArchive exports an archive to a new file and makes it durable: the
// file and its directory entry are flushed to disk before it returns, so
// that records removed after it cannot outlive their archive in a power
// loss. On failure it removes the file it created.
func writeArchive(ctx context.Context, src audit.Source, name string, opts audit.ExportOptions) (*audit.Manifest, error) {
	f, err := os.OpenFile(name, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, err
	}
	m, err := audit.Export(ctx, src, f, opts)
	if err == nil {
		if err = syncFile(f); err != nil {
			err = fmt.Errorf("flushing %s to disk: %w", name, err)
		}
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		if err = syncDir(filepath.Dir(name)); err != nil {
			err = fmt.Errorf("flushing the directory of %s to disk: %w", name, err)
		}
	}
	if err != nil {
		os.Remove(name)
		return nil, err
	}
	return m, nil
}

// parseAge reads a duration, with d for days.
func parseAge(s string) (time.Duration, error) {
	if n, ok := strings.CutSuffix(s, "d"); ok {
		days, err := strconv.Atoi(n)
		if err != nil || days < 0 {
			return 0, fmt.Errorf("bad age %q", s)
		}
		return time.Duration(days) * 24 * time.Hour, nil
	}
	return time.ParseDuration(s)
}
