package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	"mezhved/store/boltstore"
)

// adminSocket is the name, in the data directory, of the Unix socket on
// which a running hub serves its own administration: only processes of the
// user that may read the data directory reach it (the socket is 0600 in a
// 0700 directory).
const adminSocket = "admin.sock"

// serveAdmin listens on DATA/admin.sock until ctx ends. GET /snapshot
// streams a consistent copy of the store, which `journal verify` reads while
// the hub runs.
func serveAdmin(ctx context.Context, data string, st *boltstore.Store, log *slog.Logger) (func(), error) {
	path := filepath.Join(data, adminSocket)
	if err := os.Remove(path); err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("admin socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, err
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /snapshot", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		n, err := st.Snapshot(w)
		if err != nil {
			log.Error("snapshot for an audit failed", "err", err)
			return
		}
		log.Info("snapshot taken for an audit", "bytes", n)
	})
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	go srv.Serve(ln)
	return func() {
		srv.Close()
		os.Remove(path)
	}, nil
}

// fetchSnapshot asks the hub running on data for a snapshot of its store and
// writes it to a temporary file, which the returned function removes.
func fetchSnapshot(data string) (string, func(), error) {
	path := filepath.Join(data, adminSocket)
	client := &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}}
	resp, err := client.Get("http://hub/snapshot")
	if err != nil {
		return "", nil, fmt.Errorf("the hub's admin socket %s: %w", path, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return "", nil, fmt.Errorf("the hub's admin socket answered %s", resp.Status)
	}
	f, err := os.CreateTemp("", "mezhved-snapshot-*.db")
	if err != nil {
		return "", nil, err
	}
	remove := func() { os.Remove(f.Name()) }
	if _, err := io.Copy(f, resp.Body); err != nil {
		f.Close()
		remove()
		return "", nil, fmt.Errorf("reading the snapshot: %w", err)
	}
	if err := f.Close(); err != nil {
		remove()
		return "", nil, err
	}
	return f.Name(), remove, nil
}
