package audit

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/x509"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"time"

	"mezhved/exchange/dsig"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/store"
)

// Source is what verification and replay read.
type Source interface {
	store.Reader
	store.Auditor
}

// Options configure Verify.
type Options struct {
	// Signatures re-verifies the caller's signature of every stored
	// envelope, at the time it was received, against the trust the store
	// remembers (and Trust).
	Signatures bool
	// Trust adds certificates to those the store remembers.
	Trust []*x509.Certificate
	// HubCertificates pins the certificates allowed to sign checkpoints.
	// Empty: those the store remembers as the hub's.
	HubCertificates []*x509.Certificate
	// AllowWeak accepts SHA-1 in envelope signatures.
	AllowWeak bool
	// MaxEnvelope bounds the parse of a stored envelope. Default 64 MiB.
	MaxEnvelope int64
}

// Summary is what a successful verification establishes.
type Summary struct {
	Records     uint64
	Envelopes   uint64 // stored envelopes whose digest matched
	Signatures  uint64 // of those, envelopes whose signature verified
	Unsigned    uint64 // envelopes accepted unsigned (insecure mode)
	Checkpoints uint64
	// Covered is the last record a signed checkpoint vouches for; records
	// after it are chained but not yet signed.
	Covered     uint64
	First, Last time.Time
	// Signers are the subjects that signed checkpoints; SignerCertificates
	// name their certificates, in the same order.
	Signers            []string
	SignerCertificates []CertificateID
	// TrustAnchors are the certificates signatures were checked against:
	// those the store remembers, then Options.Trust.
	TrustAnchors []CertificateID
	// HubPinned reports that Options.HubCertificates chose who may sign
	// checkpoints; when false, the store's own record of the hub's
	// certificates did, and only comparing SignerCertificates with a
	// fingerprint known independently shows the checkpoints are the hub's.
	HubPinned bool
	// IndexEntries counts the index entries checked against the records
	// (every record under each value Record.IndexValues gives it).
	IndexEntries uint64
	// Base is where the journal starts, after a retention cut.
	Base store.Base
}

// CertificateID names a certificate for an auditor to compare with one
// known independently: its subject, which anyone can copy, and the
// SHA-256 of its DER form (hex), which no one can.
type CertificateID struct {
	Subject string `json:"subject"`
	SHA256  string `json:"sha256"`
}

// certificateIDs names certificates.
func certificateIDs(certs []*x509.Certificate) []CertificateID {
	out := make([]CertificateID, 0, len(certs))
	for _, c := range certs {
		out = append(out, CertificateID{Subject: c.Subject.String(), SHA256: dsig.Fingerprint(c)})
	}
	return out
}

// signers gathers the distinct certificates that signed checkpoints.
type signers struct {
	seen     map[string]bool
	subjects []string
	ids      []CertificateID
}

func (s *signers) add(c *x509.Certificate) {
	fp := dsig.Fingerprint(c)
	if s.seen == nil {
		s.seen = map[string]bool{}
	}
	if !s.seen[fp] {
		s.seen[fp] = true
		s.subjects = append(s.subjects, c.Subject.String())
		s.ids = append(s.ids, CertificateID{Subject: c.Subject.String(), SHA256: fp})
	}
}

// Verify checks the whole journal of a store. A break is a *store.ChainError
// naming the first broken record and what is wrong there.
func Verify(ctx context.Context, src Source, opts Options) (*Summary, error) {
	if opts.MaxEnvelope <= 0 {
		opts.MaxEnvelope = 64 << 20
	}
	trustCerts, hubCerts, err := loadTrust(ctx, src, opts)
	if err != nil {
		return nil, err
	}
	trust := dsig.NewTrustStore(trustCerts)
	var cps []store.Checkpoint
	if err := src.Checkpoints(ctx, func(c store.Checkpoint) error { cps = append(cps, c); return nil }); err != nil {
		return nil, err
	}
	base, err := src.JournalBase(ctx)
	if err != nil {
		return nil, err
	}
	sum := &Summary{Base: base, TrustAnchors: certificateIDs(trustCerts), HubPinned: len(opts.HubCertificates) > 0}
	if base.Seq > 0 {
		// A cut journal: the checkpoint at the cut vouches for its base.
		i := slices.IndexFunc(cps, func(c store.Checkpoint) bool { return c.Seq == base.Seq })
		if i < 0 || cps[i].Hash != base.Hash {
			return nil, &store.ChainError{Seq: base.Seq, Reason: "the journal was cut here, but no signed checkpoint of this record vouches for the cut"}
		}
	}
	var signed signers
	for _, c := range cps {
		signer, err := checkCheckpoint(c, trust, hubCerts)
		if err != nil {
			return nil, &store.ChainError{Seq: c.Seq, Reason: "checkpoint: " + err.Error()}
		}
		signed.add(signer)
	}
	sum.Signers, sum.SignerCertificates = signed.subjects, signed.ids
	next := slices.IndexFunc(cps, func(c store.Checkpoint) bool { return c.Seq > base.Seq }) // the next checkpoint to meet in the walk
	if next < 0 {
		next = len(cps)
	}
	if base.Seq > 0 {
		sum.Covered = base.Seq
	}
	chain := store.NewChainVerifierAt(base.Seq+1, base.Hash)
	// One verifier, its clock set to each envelope's receipt: verified
	// chains stay cached (within every certificate's validity).
	var at time.Time
	verifier := dsig.NewVerifier(trust, func() time.Time { return at }, dsig.AllowWeak(opts.AllowWeak))
	// How many records carry each indexed value: what the indexes must
	// name, checked after the walk.
	indexed := map[[2]string]uint64{}
	err = src.Journal(ctx, base.Seq+1, func(r store.Record) error {
		if err := chain.Check(r); err != nil {
			return err
		}
		for _, fv := range r.IndexValues() {
			indexed[fv]++
		}
		for next < len(cps) && cps[next].Seq == r.Seq {
			if cps[next].Hash != r.Hash {
				return &store.ChainError{Seq: r.Seq, Reason: "the signed checkpoint of this record names another hash: the journal was changed after it was signed"}
			}
			sum.Checkpoints++
			sum.Covered = r.Seq
			next++
		}
		if r.Event != store.EventReceived {
			return nil
		}
		m, err := src.Message(ctx, r.MessageID)
		if err != nil {
			return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the envelope of message %s is missing: %v", r.MessageID, err)}
		}
		digest := sha256.Sum256(m.Envelope)
		if hex.EncodeToString(digest[:]) != r.EnvelopeSHA256 {
			return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the stored envelope of message %s does not match the digest recorded", r.MessageID)}
		}
		sum.Envelopes++
		if !opts.Signatures {
			return nil
		}
		at = r.Time
		signed, err := verifyEnvelope(m.Envelope, verifier, opts.MaxEnvelope)
		if err != nil {
			return &store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the envelope of message %s: %v", r.MessageID, err)}
		}
		if signed {
			sum.Signatures++
		} else {
			sum.Unsigned++
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if next < len(cps) {
		return nil, &store.ChainError{Seq: cps[next].Seq, Reason: "a signed checkpoint names this record, which the journal no longer has: records were removed from its end"}
	}
	if sum.IndexEntries, err = checkIndexes(ctx, src, base.Seq, indexed); err != nil {
		return nil, err
	}
	if err := accountedFor(ctx, src, base.Seq, chain.Records+base.Seq); err != nil {
		return nil, err
	}
	sum.Records, sum.First, sum.Last = chain.Records, chain.First, chain.Last
	return sum, nil
}

// accountedFor checks that the journal records the receipt of every
// message the store holds deliveries of (a retention cut removes messages
// with their records): a message the store would deliver but the journal
// never recorded is a gap the chain alone cannot show. last is the last
// record's sequence number, where the gap is reported.
func accountedFor(ctx context.Context, src Source, base, last uint64) error {
	checked := map[string]bool{}
	return src.EachDelivery(ctx, func(d store.DeliveryState) error {
		if checked[d.MessageID] {
			return nil
		}
		checked[d.MessageID] = true
		found := false
		err := src.JournalBy(ctx, store.ByMessage, d.MessageID, func(r store.Record) error {
			found = found || r.Seq > base && r.MessageID == d.MessageID && r.Event == store.EventReceived
			return nil
		})
		if err != nil {
			return err
		}
		if !found {
			return &store.ChainError{Seq: last, Reason: fmt.Sprintf("message %s is stored and has deliveries, but the journal has no record of its receipt", d.MessageID)}
		}
		return nil
	})
}

// indexNames names the journal's indexes in messages.
var indexNames = map[store.IndexField]string{
	store.ByMessage: "message", store.ByReference: "reference", store.ByTransaction: "transaction code",
	store.ByProceeding: "proceeding number", store.ByParticipant: "participant",
}

// checkIndexes checks the journal's indexes, which the chain does not
// cover and replay reads alone, against the records the walk verified:
// under each value a record carries (want counts them, by field and
// value), the index must name exactly the records that carry it. It
// returns how many index entries it checked. A mismatch is a
// *store.ChainError naming the first record concerned (not the value,
// which may be a case number).
func checkIndexes(ctx context.Context, src Source, base uint64, want map[[2]string]uint64) (uint64, error) {
	var (
		checked uint64
		first   *store.ChainError
	)
	fail := func(e *store.ChainError) {
		if first == nil || e.Seq < first.Seq {
			first = e
		}
	}
	for fv, n := range want {
		field := store.IndexField(fv[0][0])
		var got, last uint64
		err := src.JournalBy(ctx, field, fv[1], func(r store.Record) error {
			if r.Seq <= base || r.Seq <= last || !slices.Contains(r.IndexValues(), fv) {
				fail(&store.ChainError{Seq: r.Seq, Reason: fmt.Sprintf("the journal's index by %s names this record under a value it does not carry: a replay would show it where it does not belong", indexNames[field])})
				return errStop
			}
			last = r.Seq
			got++
			return nil
		})
		switch {
		case errors.Is(err, errStop):
			continue
		case err != nil:
			return 0, err
		}
		checked += got
		if got != n {
			missing, err := unindexed(ctx, src, base, field, fv[1])
			if err != nil {
				return 0, err
			}
			fail(&store.ChainError{Seq: missing, Reason: fmt.Sprintf("the journal's index by %s does not name this record: a replay would not show it", indexNames[field])})
		}
	}
	if first != nil {
		return 0, first
	}
	return checked, nil
}

// unindexed finds the first record that carries a value the index by
// field does not name it under (called once a count showed there is one).
func unindexed(ctx context.Context, src Source, base uint64, field store.IndexField, value string) (uint64, error) {
	named := map[uint64]bool{}
	if err := src.JournalBy(ctx, field, value, func(r store.Record) error { named[r.Seq] = true; return nil }); err != nil {
		return 0, err
	}
	fv := [2]string{string(field), value}
	var missing uint64
	err := src.Journal(ctx, base+1, func(r store.Record) error {
		if !named[r.Seq] && slices.Contains(r.IndexValues(), fv) {
			missing = r.Seq
			return errStop
		}
		return nil
	})
	if err != nil && !errors.Is(err, errStop) {
		return 0, err
	}
	return missing, nil
}

// loadTrust returns the trust certificates of the journal's time (the
// store's, then opts.Trust) and the certificates that may sign
// checkpoints.
func loadTrust(ctx context.Context, src Source, opts Options) ([]*x509.Certificate, []*x509.Certificate, error) {
	var certs []*x509.Certificate
	ders, err := src.Certificates(ctx, store.RoleTrust)
	if err != nil {
		return nil, nil, err
	}
	for _, der := range ders {
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, nil, fmt.Errorf("%w: a remembered trust certificate: %v", store.ErrCorrupt, err)
		}
		certs = append(certs, c)
	}
	certs = append(certs, opts.Trust...)
	hub := slices.Clone(opts.HubCertificates)
	if len(hub) == 0 {
		ders, err := src.Certificates(ctx, store.RoleHub)
		if err != nil {
			return nil, nil, err
		}
		for _, der := range ders {
			c, err := x509.ParseCertificate(der)
			if err != nil {
				return nil, nil, fmt.Errorf("%w: a remembered hub certificate: %v", store.ErrCorrupt, err)
			}
			hub = append(hub, c)
		}
	}
	return certs, hub, nil
}

// checkCheckpoint verifies a checkpoint's signature, that its signer is one
// of the hub's certificates and that the certificate chained to the trust
// at the checkpoint's time. It returns the signer's certificate.
func checkCheckpoint(c store.Checkpoint, trust *dsig.TrustStore, hub []*x509.Certificate) (*x509.Certificate, error) {
	if len(c.Certificates) == 0 {
		return nil, errors.New("it carries no certificate")
	}
	var chain []*x509.Certificate
	for _, der := range c.Certificates {
		cert, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("its certificate cannot be read: %v", err)
		}
		chain = append(chain, cert)
	}
	signer := chain[0]
	if !slices.ContainsFunc(hub, func(h *x509.Certificate) bool { return bytes.Equal(h.Raw, signer.Raw) }) {
		return nil, fmt.Errorf("it is signed by %s (SHA-256 %s), which is not the hub's certificate", signer.Subject, dsig.Fingerprint(signer))
	}
	if err := dsig.VerifyBytes(signer, c.Method, c.SignedBytes(), c.Signature, false); err != nil {
		return nil, fmt.Errorf("its signature does not verify: %v", err)
	}
	at := c.Time
	if _, err := dsig.NewVerifier(trust, func() time.Time { return at }).VerifyCertificate(signer, chain[1:]); err != nil {
		return nil, fmt.Errorf("its signer's certificate: %v", err)
	}
	return signer, nil
}

// verifyEnvelope re-verifies the caller's signature of a stored call. It
// reports false for an envelope stored without one (insecure test mode).
func verifyEnvelope(raw []byte, v *dsig.Verifier, maxBytes int64) (bool, error) {
	doc, err := xmlsafe.Parse(raw, &xmlsafe.Options{MaxBytes: maxBytes})
	if err != nil {
		return false, fmt.Errorf("cannot be read: %v", err)
	}
	call, err := soap.DecodeCall(doc.Root())
	if err != nil {
		return false, fmt.Errorf("cannot be decoded: %v", err)
	}
	if call.Signature == nil {
		return false, nil
	}
	if _, err := v.Verify(call.Envelope, call.Signature, call.Signed); err != nil {
		return false, fmt.Errorf("its signature no longer verifies: %v", err)
	}
	return true, nil
}
