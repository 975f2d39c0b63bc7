package main

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
)

// adminSocket is the name, in the data directory, of the Unix socket on
// which a running hub serves its own administration: only processes of the
// user that may read the data directory reach it (the socket is 0600 in a
// 0700 directory).
const adminSocket = "admin.sock"

// socketClient is an HTTP client of the admin API on the Unix socket at
// path (the URLs' host is ignored).
func socketClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
		var d net.Dialer
		return d.DialContext(ctx, "unix", path)
	}}}
}

// fetchSnapshot asks the hub running on data for a snapshot of its store and
// writes it to a temporary file, which the returned function removes.
func fetchSnapshot(data string) (string, func(), error) {
	path := filepath.Join(data, adminSocket)
	resp, err := socketClient(path).Get("http://hub/admin/snapshot")
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
