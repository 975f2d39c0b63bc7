package main

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"mezhved/exchange/audit"
	"mezhved/exchange/dsig"
	"mezhved/store"
	"mezhved/store/boltstore"
)

const journalUsage = `usage: mezhved journal verify --data DIR [--trust FILE|DIR] [--hub-cert FILE] [--no-signatures]
       mezhved journal verify --archive FILE [FILE...] [--hub-cert FILE]
       mezhved journal export --data DIR --out FILE [--after PREVIOUS.zip | selection]
       mezhved journal prune --data DIR --older-than AGE --archive FILE [--after PREVIOUS.zip]
       mezhved journal replay --data DIR (--message ID | --transaction CODE | --proceeding NUMBER | --participant MNEMONIC) [--from TIME] [--to TIME] [--json]
       mezhved journal replay --data DIR --state

Verifies the hub's journal: the hash chain, every signed checkpoint (signed by the hub's
certificate, which chained to the trust of its time), every stored envelope against the digest
its record holds, and every envelope's signature at the time it was received against the trust
the store remembers. Exits 0 with a summary, or 1 naming the first broken record. With --archive,
verifies evidence archives instead, each file after the first continuing the one before it.`

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
	trustPath := fs.String("trust", "", "certificates to trust besides those the store remembers (PEM file or directory)")
	hubCert := fs.String("hub-cert", "", "the hub's certificate (PEM): only it may sign checkpoints (default: the certificates the store remembers as the hub's)")
	noSigs := fs.Bool("no-signatures", false, "do not re-verify the envelopes' signatures (chain, checkpoints and digests only)")
	allowWeak := fs.Bool("allow-weak", false, "accept SHA-1 in envelope signatures")
	archive := fs.Bool("archive", false, "verify the evidence archives named as arguments, in order")
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
		o := audit.ArchiveOptions{Signatures: !*noSigs, AllowWeak: *allowWeak}
		if *hubCert != "" {
			var err error
			if o.HubCertificates, err = dsig.LoadCertificates(*hubCert); err != nil {
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

func printSummary(w io.Writer, s *audit.Summary, opts audit.Options) {
	span := "empty"
	if s.Records > 0 {
		span = fmt.Sprintf("from %s to %s", s.First.UTC().Format(time.RFC3339), s.Last.UTC().Format(time.RFC3339))
	}
	fmt.Fprintf(w, "journal intact: %d records, %s\n", s.Records, span)
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
		fmt.Fprintf(w, ", signed by %s, covering records 1 to %d", strings.Join(s.Signers, "; "), s.Covered)
	}
	fmt.Fprintln(w)
	if s.Covered < s.Records {
		fmt.Fprintf(w, "  records %d to %d are chained but not yet covered by a signed checkpoint\n", s.Covered+1, s.Records)
	}
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
		prev, err := os.ReadFile(*after)
		if err != nil {
			return err
		}
		sum, err := audit.VerifyArchive(bytes.NewReader(prev), int64(len(prev)), audit.ArchiveOptions{})
		if err != nil {
			return fmt.Errorf("--after %s: %w", *after, err)
		}
		opts.Previous, opts.PreviousDigest = sum.Manifest, sum.Digest
	}
	st, cleanup, err := openForAudit(*data, stderr)
	if err != nil {
		return err
	}
	defer cleanup()
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	m, err := audit.Export(context.Background(), st, f, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	fmt.Fprintf(stdout, "wrote %s: records %d to %d, %d envelopes, %d checkpoints\n", *out, m.First, m.Last, m.Envelopes, m.Checkpoints)
	return nil
}

// verifyArchives checks archives in order, each continuing the one before.
func verifyArchives(files []string, opts audit.ArchiveOptions, stdout, stderr io.Writer) error {
	var prev []byte
	for i, name := range files {
		data, err := os.ReadFile(name)
		if err != nil {
			return err
		}
		o := opts
		if i > 0 {
			o.Previous = prev
		}
		sum, err := audit.VerifyArchive(bytes.NewReader(data), int64(len(data)), o)
		if err != nil {
			fmt.Fprintf(stderr, "journal verify: %s: %v\n", name, err)
			return exitError{1}
		}
		m := sum.Manifest
		link := "the first of the sequence"
		if m.Previous != nil {
			link = fmt.Sprintf("continues an archive ending at record %d", m.Previous.Last)
		}
		if m.Query != nil {
			link = "selected conversations"
		}
		fmt.Fprintf(stdout, "%s: intact: records %d to %d (%s), %d envelopes (%d signatures verified), %d checkpoints signed by %s\n",
			name, m.First, m.Last, link, m.Envelopes, sum.Signatures, m.Checkpoints, strings.Join(sum.Signers, "; "))
		prev, err = archiveManifest(data)
		if err != nil {
			return err
		}
	}
	return nil
}

// archiveManifest returns the manifest bytes of an archive.
func archiveManifest(data []byte) ([]byte, error) {
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	for _, f := range zr.File {
		if f.Name == "manifest.json" {
			rc, err := f.Open()
			if err != nil {
				return nil, err
			}
			defer rc.Close()
			return io.ReadAll(io.LimitReader(rc, 64<<20))
		}
	}
	return nil, errors.New("no manifest.json")
}

const pruneUsage = `usage: mezhved journal prune --data DIR --older-than AGE --archive FILE [--after PREVIOUS.zip]

Archive-then-prune, with the hub stopped: finds the furthest signed checkpoint before which every
record is older than AGE (90d, 720h) and every message has finished at all its recipients,
writes and verifies the evidence archive of those records and envelopes (continuing PREVIOUS, or
the archive of the last cut), then removes them from the store. The journal that remains still
verifies: it starts at the checkpointed hash the archive ends with. AGE must be longer than the
hub's --stale-after (a MessageID can be reused once its message is pruned) and than the longest
wait for a response (a response to a pruned request has no request to answer).`

func runJournalPrune(args []string, stdout, stderr io.Writer) error {
	fs := newFlags("mezhved journal prune", stderr)
	data := fs.String("data", "", "the hub's data directory (the hub must be stopped)")
	age := fs.String("older-than", "", "prune what is older than this: 90d, 720h")
	out := fs.String("archive", "", "the evidence archive to write first (not overwritten)")
	after := fs.String("after", "", "the archive this one continues (default: the archive of the last cut)")
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
	if err != nil || d < 24*time.Hour {
		return usageError(fs, "--older-than %q: want a duration of at least a day (90d, 720h)", *age)
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
	opts := audit.ExportOptions{Upto: cut.Upto}
	if *after != "" {
		prev, err := os.ReadFile(*after)
		if err != nil {
			return err
		}
		sum, err := audit.VerifyArchive(bytes.NewReader(prev), int64(len(prev)), audit.ArchiveOptions{})
		if err != nil {
			return fmt.Errorf("--after %s: %w", *after, err)
		}
		opts.Previous, opts.PreviousDigest = sum.Manifest, sum.Digest
	}
	f, err := os.OpenFile(*out, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return err
	}
	m, err := audit.Export(ctx, st, f, opts)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil && m.Last != cut.Upto {
		err = fmt.Errorf("the archive ends at record %d, the cut at %d", m.Last, cut.Upto)
	}
	if err != nil {
		os.Remove(*out)
		return err
	}
	// Nothing is removed before the archive verifies, signatures and all.
	written, err := os.ReadFile(*out)
	if err != nil {
		return err
	}
	sum, err := audit.VerifyArchive(bytes.NewReader(written), int64(len(written)), audit.ArchiveOptions{Signatures: true})
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
