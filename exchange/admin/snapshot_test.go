package admin_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"mezhved/exchange/admin"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// TestSnapshotDoesNotHoldTheStore: while a snapshot's caller has taken the
// response's headers and reads nothing, the store still takes writes that
// grow its file past bbolt's initial memory map (64 MiB), which no commit
// can do while a read transaction is open; then the snapshot arrives whole.
func TestSnapshotDoesNotHoldTheStore(t *testing.T) {
	if testing.Short() {
		t.Skip("writes about 100 MiB")
	}
	st, err := boltstore.Open(filepath.Join(t.TempDir(), "mezhved.db"), &boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	envelope := bytes.Repeat([]byte("x"), 1<<20)
	accept := func(i int) error {
		id := fmt.Sprintf("msg-%04d", i)
		_, err := st.Accept(context.Background(), &store.Message{ID: id, Kind: store.Request, Sender: "COURT01", Type: "writ",
			Received: time.Now(), Digest: sha256.Sum256(envelope), Envelope: envelope, Recipients: []string{"FSSP01"}},
			store.Policy{Visibility: time.Minute, MaxAttempts: 3})
		return err
	}
	// More than the kernel buffers between the server and a caller that
	// reads nothing can hold.
	const before = 24
	for i := range before {
		if err := accept(i); err != nil {
			t.Fatal(err)
		}
	}
	srv := httptest.NewServer(admin.Handler(admin.Config{Store: st, Hub: &drainer{}, Identify: identify, Snapshot: st.Snapshot}))
	defer srv.Close()
	req, _ := http.NewRequest(http.MethodGet, srv.URL+"/admin/snapshot", nil)
	req.Header.Set("X-Test-Caller", "audit-1:auditor")
	resp, err := srv.Client().Do(req) // the headers; the body is not read yet
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("snapshot: %s", resp.Status)
	}

	written := make(chan error, 1)
	go func() {
		for i := before; i < before+72; i++ {
			if err := accept(i); err != nil {
				written <- err
				return
			}
		}
		written <- nil
	}()
	select {
	case err := <-written:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(60 * time.Second):
		resp.Body.Close() // lets the writes go on, so that the test ends
		<-written
		t.Fatal("store writes waited for a snapshot's caller that read nothing")
	}

	got, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.ContentLength != int64(len(got)) || len(got) < before<<20 {
		t.Fatalf("snapshot of %d bytes, Content-Length %d", len(got), resp.ContentLength)
	}
	// The copy is a store holding what was there when it was taken.
	copyPath := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(copyPath, got, 0o600); err != nil {
		t.Fatal(err)
	}
	cp, err := boltstore.Open(copyPath, &boltstore.Options{ReadOnly: true})
	if err != nil {
		t.Fatal(err)
	}
	defer cp.Close()
	if _, err := cp.Message(context.Background(), fmt.Sprintf("msg-%04d", before-1)); err != nil {
		t.Fatalf("the snapshot lacks a message written before it: %v", err)
	}
	if _, err := cp.Message(context.Background(), fmt.Sprintf("msg-%04d", before)); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the snapshot holds a message written after it: %v", err)
	}
}

// TestSnapshotTemporaryFile: the snapshot is staged in a file only the hub's
// user may read, which is gone once the snapshot is sent; a snapshot that
// fails is answered with an error, not a truncated body.
func TestSnapshotTemporaryFile(t *testing.T) {
	t.Setenv("TMPDIR", t.TempDir())
	var staged string
	var mode os.FileMode
	take := func(w io.Writer) (int64, error) {
		// Reach the file behind the API's writer through the directory.
		names, err := filepath.Glob(filepath.Join(os.TempDir(), "mezhved-snapshot-*"))
		if err != nil {
			return 0, err
		}
		if len(names) == 1 {
			staged = names[0]
			fi, err := os.Stat(staged)
			if err != nil {
				return 0, err
			}
			mode = fi.Mode().Perm()
		}
		n, err := io.Copy(w, strings.NewReader("a consistent copy"))
		return n, err
	}
	var fail error
	srv := httptest.NewServer(admin.Handler(admin.Config{Hub: &drainer{}, Identify: identify, Snapshot: func(w io.Writer) (int64, error) {
		if fail != nil {
			return 0, fail
		}
		return take(w)
	}}))
	defer srv.Close()

	status, body := call(t, srv, http.MethodGet, "/admin/snapshot", "audit-1:auditor", "")
	if status != http.StatusOK || body != "a consistent copy" {
		t.Fatalf("snapshot: %d %q", status, body)
	}
	// Unlinked at once where the system allows it: seen or not, it is 0600
	// and gone afterwards.
	if staged != "" && mode != 0o600 {
		t.Fatalf("the temporary file %s has mode %v, want 0600", staged, mode)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "mezhved-snapshot-*")); len(left) != 0 {
		t.Fatalf("temporary files left behind: %v", left)
	}

	fail = errors.New("disk full")
	status, body = call(t, srv, http.MethodGet, "/admin/snapshot", "audit-1:auditor", "")
	if status != http.StatusInternalServerError || !strings.Contains(body, "disk full") {
		t.Fatalf("a failed snapshot: %d %s", status, body)
	}
	if left, _ := filepath.Glob(filepath.Join(os.TempDir(), "mezhved-snapshot-*")); len(left) != 0 {
		t.Fatalf("temporary files left behind by a failed snapshot: %v", left)
	}
}
