package main

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"mezhved/exchange/admin"
)

// drainFlag is a hub's drain mode, for the admin API in these tests.
type drainFlag struct{ on bool }

func (d *drainFlag) SetDraining(on bool) { d.on = on }
func (d *drainFlag) Draining() bool      { return d.on }

// TestSocketPeerAllowed: the admin socket serves the hub's own user and
// root, nobody else.
func TestSocketPeerAllowed(t *testing.T) {
	for _, c := range []struct {
		uid, hub int
		want     bool
	}{{1000, 1000, true}, {0, 1000, true}, {0, 0, true}, {1001, 1000, false}, {1000, 0, false}, {65534, 1000, false}} {
		if got := socketPeerAllowed(c.uid, c.hub); got != c.want {
			t.Errorf("uid %d on the socket of a hub running as %d: allowed %v, want %v", c.uid, c.hub, got, c.want)
		}
	}
}

// TestSocketCallerPeers: with the peer's credentials injected as the
// socket's server records them, the hub's user and root get every role,
// another user is refused (403), and a peer not known is not identified
// (401), in the API and, for the other user, in front of it too.
func TestSocketCallerPeers(t *testing.T) {
	const hubUID = 1000
	api := admin.Handler(admin.Config{Hub: &drainFlag{}, Identify: socketCaller(hubUID)})
	for _, c := range []struct {
		name        string
		peer        *socketPeer
		api, socket int
	}{
		{"the hub's user", &socketPeer{uid: hubUID}, 200, 200},
		{"root", &socketPeer{uid: 0}, 200, 200},
		{"another user", &socketPeer{uid: hubUID + 1}, 403, 403},
		{"no credentials", &socketPeer{err: io.EOF}, 401, 403},
		{"no peer recorded", nil, 401, 403},
	} {
		t.Run(c.name, func(t *testing.T) {
			for _, h := range []struct {
				handler http.Handler
				want    int
			}{{api, c.api}, {socketPeerOnly(hubUID, api), c.socket}} {
				r := httptest.NewRequest(http.MethodGet, "/admin/drain", nil)
				if c.peer != nil {
					r = r.WithContext(context.WithValue(r.Context(), socketPeerKey{}, *c.peer))
				}
				w := httptest.NewRecorder()
				h.handler.ServeHTTP(w, r)
				if w.Code != h.want {
					t.Fatalf("GET /admin/drain: %d, want %d: %s", w.Code, h.want, w.Body)
				}
			}
		})
	}
	caller, ok := socketCaller(hubUID)(httptest.NewRequest(http.MethodGet, "/", nil).WithContext(
		context.WithValue(context.Background(), socketPeerKey{}, socketPeer{uid: 4242})))
	if !ok || len(caller.Roles) != 0 || !strings.Contains(caller.Name, "4242") {
		t.Fatalf("another user: %+v %v", caller, ok)
	}
}

// TestAdminSocket: the socket is 0600 at DATA/admin.sock, whatever the
// data directory's mode, with nothing left of the directory it was made in;
// a connection from the hub's own user is served with every role.
func TestAdminSocket(t *testing.T) {
	if !admin.PeerCredentials {
		t.Skip("no peer credentials on this system")
	}
	data := t.TempDir()
	if err := os.Chmod(data, 0o755); err != nil {
		t.Fatal(err)
	}
	ln, err := listenAdminSocket(data)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(data, adminSocket)
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Type() != os.ModeSocket || fi.Mode().Perm() != 0o600 {
		t.Fatalf("%s: mode %v, want a 0600 socket", path, fi.Mode())
	}
	if entries, _ := os.ReadDir(data); len(entries) != 1 {
		t.Fatalf("the data directory holds %v, want only the socket", entries)
	}
	hub := &drainFlag{}
	srv := &http.Server{Handler: socketPeerOnly(os.Geteuid(), admin.Handler(admin.Config{Hub: hub, Identify: socketCaller(os.Geteuid())})),
		ConnContext: socketConnContext}
	go srv.Serve(ln)
	defer srv.Close()
	resp, err := socketClient(path).Post("http://hub/admin/drain", "application/json", strings.NewReader(`{"draining": true}`))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !hub.on {
		t.Fatalf("POST /admin/drain over the socket: %s %s", resp.Status, body)
	}
	// A socket left by a hub that did not stop cleanly is replaced.
	srv.Close()
	ln2, err := listenAdminSocket(data)
	if err != nil {
		t.Fatalf("over a stale socket: %v", err)
	}
	ln2.Close()
}

// TestPeerUID: SO_PEERCRED names this process's user at either end of a
// Unix socket connection.
func TestPeerUID(t *testing.T) {
	if !admin.PeerCredentials {
		t.Skip("no peer credentials on this system")
	}
	path := filepath.Join(t.TempDir(), "s")
	ln, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, err := ln.Accept()
		if err != nil {
			close(accepted)
			return
		}
		accepted <- c
	}()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sc, ok := <-accepted
	if !ok {
		t.Fatal("no connection accepted")
	}
	defer sc.Close()
	uid, err := admin.PeerUID(sc)
	if err != nil || uid != os.Geteuid() {
		t.Fatalf("PeerUID = %d, %v; want %d", uid, err, os.Geteuid())
	}
	// Not a socket: an error, never a uid.
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := admin.PeerUID(a); err == nil {
		t.Fatal("PeerUID of a pipe: no error")
	}
}
