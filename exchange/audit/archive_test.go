package audit_test

import (
	"archive/zip"
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"strings"
	"testing"

	"mezhved/exchange/audit"
	"mezhved/store"
)

func export(t *testing.T, f *fixture, opts audit.ExportOptions) ([]byte, *audit.Manifest) {
	t.Helper()
	var buf bytes.Buffer
	m, err := audit.Export(ctx, f.st, &buf, opts)
	if err != nil {
		t.Fatal(err)
	}
	return buf.Bytes(), m
}

func manifestOf(t *testing.T, archive []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range zr.File {
		if f.Name == "manifest.json" {
			rc, _ := f.Open()
			defer rc.Close()
			data, _ := io.ReadAll(rc)
			return data
		}
	}
	t.Fatal("no manifest")
	return nil
}

func verifyArchive(archive []byte, prev []byte) (*audit.ArchiveSummary, error) {
	return audit.VerifyArchive(bytes.NewReader(archive), int64(len(archive)), audit.ArchiveOptions{Previous: prev, Signatures: true})
}

// rewrite copies an archive changing one file (and, with fixManifest, the
// manifest's digest of it, as a forger would).
func rewrite(t *testing.T, archive []byte, name string, change func([]byte) []byte, fixManifest bool) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(archive), int64(len(archive)))
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	var order []string
	for _, f := range zr.File {
		rc, _ := f.Open()
		data, _ := io.ReadAll(rc)
		rc.Close()
		files[f.Name] = data
		order = append(order, f.Name)
	}
	if _, ok := files[name]; !ok {
		order = append(order, name)
	}
	files[name] = change(files[name])
	if fixManifest {
		var m audit.Manifest
		json.Unmarshal(files["manifest.json"], &m)
		for i := range m.Files {
			if m.Files[i].Name == name {
				sum := sha256.Sum256(files[name])
				m.Files[i].SHA256, m.Files[i].Size = hex.EncodeToString(sum[:]), int64(len(files[name]))
			}
		}
		files["manifest.json"], _ = json.Marshal(m)
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	for _, n := range order {
		w, _ := zw.Create(n)
		w.Write(files[n])
	}
	zw.Close()
	return out.Bytes()
}

func TestArchives(t *testing.T) {
	f := newFixture(t, 4) // 8 records, checkpoints at 4 and 8
	first, m1 := export(t, f, audit.ExportOptions{})
	if m1.First != 1 || m1.Last != 8 || m1.Envelopes != 4 || m1.Checkpoints != 2 {
		t.Fatalf("first archive: %+v", m1)
	}
	sum, err := verifyArchive(first, nil)
	if err != nil {
		t.Fatal(err)
	}
	if sum.Signatures != 4 || len(sum.Signers) != 1 {
		t.Fatalf("summary %+v", sum)
	}
	if _, err := audit.Export(ctx, f.st, io.Discard, audit.ExportOptions{Previous: m1, PreviousDigest: sum.Digest}); !errors.Is(err, audit.ErrNotCovered) {
		t.Fatalf("an archive with nothing new: %v", err)
	}
	// More traffic, two more archives, each continuing the one before.
	f.more(t, 2)
	second, m2 := export(t, f, audit.ExportOptions{Previous: m1, PreviousDigest: sum.Digest})
	sum2, err := verifyArchive(second, manifestOf(t, first))
	if err != nil {
		t.Fatal(err)
	}
	if m2.First != 9 || m2.Last != 12 {
		t.Fatalf("second archive: %+v", m2)
	}
	f.more(t, 2)
	third, _ := export(t, f, audit.ExportOptions{Previous: m2, PreviousDigest: sum2.Digest})
	if _, err := verifyArchive(third, manifestOf(t, second)); err != nil {
		t.Fatal(err)
	}

	var ce *store.ChainError
	t.Run("missing predecessor", func(t *testing.T) {
		if _, err := verifyArchive(third, manifestOf(t, first)); err == nil || !strings.Contains(err.Error(), "another archive") {
			t.Fatalf("third after first: %v", err)
		}
	})
	t.Run("reordered", func(t *testing.T) {
		if _, err := verifyArchive(second, manifestOf(t, third)); err == nil {
			t.Fatal("second after third verified")
		}
	})
	t.Run("truncated", func(t *testing.T) {
		for _, n := range []int{len(first) / 2, len(first) - 10, 100} {
			if _, err := verifyArchive(first[:n], nil); err == nil {
				t.Fatalf("cut to %d bytes, it verified", n)
			}
		}
	})
	t.Run("a changed envelope, manifest adjusted", func(t *testing.T) {
		name := "envelopes/" + f.ids[1] + ".xml"
		bad := rewrite(t, first, name, func(b []byte) []byte {
			b = bytes.Clone(b)
			b[bytes.Index(b, []byte("348912.45"))] ^= 1
			return b
		}, true)
		if _, err := verifyArchive(bad, nil); !errors.As(err, &ce) || ce.Seq != 3 {
			t.Fatalf("err = %v, want a break at record 3", err)
		}
	})
	t.Run("a changed envelope, manifest not adjusted", func(t *testing.T) {
		name := "envelopes/" + f.ids[1] + ".xml"
		bad := rewrite(t, first, name, func(b []byte) []byte { return append(bytes.Clone(b), ' ') }, false)
		if _, err := verifyArchive(bad, nil); err == nil || !strings.Contains(err.Error(), "does not match the digest in the manifest") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("a record removed", func(t *testing.T) {
		bad := rewrite(t, first, "journal.jsonl", func(b []byte) []byte {
			lines := bytes.SplitAfter(b, []byte("\n"))
			return bytes.Join(append(lines[:4:4], lines[5:]...), nil)
		}, true)
		if _, err := verifyArchive(bad, nil); !errors.As(err, &ce) || ce.Seq != 5 {
			t.Fatalf("err = %v, want a break at record 5", err)
		}
	})
	t.Run("a checkpoint removed", func(t *testing.T) {
		bad := rewrite(t, first, "checkpoints.json", func(b []byte) []byte {
			var cps []store.Checkpoint
			json.Unmarshal(b, &cps)
			out, _ := json.Marshal(cps[:1])
			return out
		}, true)
		if _, err := verifyArchive(bad, nil); !errors.As(err, &ce) || ce.Seq != 8 || !strings.Contains(ce.Reason, "no signed checkpoint") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("an extra file", func(t *testing.T) {
		bad := rewrite(t, first, "envelopes/extra.xml", func([]byte) []byte { return []byte("<x/>") }, false)
		if _, err := verifyArchive(bad, nil); err == nil || !strings.Contains(err.Error(), "does not list") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("selected conversations", func(t *testing.T) {
		sel, m := export(t, f, audit.ExportOptions{Query: &audit.Query{MessageID: f.ids[2]}})
		if m.Envelopes != 1 || m.First != 5 || m.Last != 8 || m.Previous != nil {
			t.Fatalf("manifest %+v", m)
		}
		if _, err := verifyArchive(sel, nil); err != nil {
			t.Fatal(err)
		}
	})
}
