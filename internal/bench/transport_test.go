package bench

import (
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// countingServer is a test server that counts the connections it accepts.
func countingServer(t *testing.T, h http.HandlerFunc) (*httptest.Server, *atomic.Int64) {
	var conns atomic.Int64
	srv := httptest.NewUnstartedServer(h)
	srv.Config.ConnState = func(_ net.Conn, s http.ConnState) {
		if s == http.StateNew {
			conns.Add(1)
		}
	}
	srv.Start()
	t.Cleanup(srv.Close)
	return srv, &conns
}

// TestLeanTransport: answers read to their end give their connection back;
// anything else (an answer left unread, the server closing, the caller
// giving up) costs the connection, never a wrong answer on the next call.
func TestLeanTransport(t *testing.T) {
	big := strings.Repeat("x", 64<<10) // more than the reader's buffer
	srv, conns := countingServer(t, func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		switch r.URL.Path {
		case "/close":
			w.Header().Set("Connection", "close")
		case "/big":
			io.WriteString(w, big)
			return
		case "/nocontent":
			w.WriteHeader(http.StatusNoContent)
			return
		case "/endless": // endless for the client; bounded, so a test that fails cannot hang
			for end := time.Now().Add(20 * time.Second); r.Context().Err() == nil && time.Now().Before(end); {
				if _, err := w.Write([]byte(big[:1024])); err != nil {
					return
				}
				w.(http.Flusher).Flush()
			}
			return
		case "/slow":
			select {
			case <-r.Context().Done():
			case <-time.After(10 * time.Second):
			}
			return
		}
		w.Write(append([]byte(r.URL.Path+":"), body...))
	})
	tests := []struct {
		name string
		// calls are the paths posted to, in turn; each call's body is its
		// index, and a path ending in "!" is left unread.
		calls []string
		conns int64
	}{
		{"kept alive", []string{"/a", "/b", "/c"}, 1},
		{"the server closes", []string{"/close", "/a", "/close", "/b"}, 3},
		{"an answer left unread", []string{"/big!", "/a", "/big", "/b"}, 2},
		{"a long answer read to its end", []string{"/big", "/a"}, 1},
		{"answers without a body", []string{"/nocontent", "/a", "/nocontent!", "/b"}, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conns.Store(0)
			tr := newLeanTransport(4, 0)
			defer tr.CloseIdleConnections()
			hc := &http.Client{Transport: tr}
			for i, p := range tt.calls {
				unread := strings.HasSuffix(p, "!")
				p = strings.TrimSuffix(p, "!")
				body := string(rune('0' + i))
				resp, err := hc.Post(srv.URL+p, "text/plain", strings.NewReader(body))
				if err != nil {
					t.Fatalf("call %d (%s): %v", i, p, err)
				}
				if unread {
					resp.Body.Close()
					continue
				}
				got, err := io.ReadAll(resp.Body)
				resp.Body.Close()
				if err != nil {
					t.Fatalf("call %d (%s): reading: %v", i, p, err)
				}
				want := p + ":" + body
				switch p {
				case "/big":
					want = big
				case "/nocontent":
					want = ""
				}
				if string(got) != want {
					t.Fatalf("call %d (%s): got %.40q, want %.40q", i, p, got, want)
				}
			}
			if n := conns.Load(); n != tt.conns {
				t.Errorf("%d connections, want %d", n, tt.conns)
			}
		})
	}

	t.Run("the caller gives up", func(t *testing.T) {
		tr := newLeanTransport(4, 0)
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
		defer cancel()
		req, _ := http.NewRequestWithContext(ctx, http.MethodPost, srv.URL+"/slow", strings.NewReader("x"))
		conns.Store(0)
		if _, err := hc.Do(req); !errors.Is(err, context.DeadlineExceeded) {
			t.Fatalf("a call past its deadline: %v, want context.DeadlineExceeded", err)
		}
		resp, err := hc.Post(srv.URL+"/a", "text/plain", strings.NewReader("y"))
		if err != nil {
			t.Fatal(err)
		}
		got, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if string(got) != "/a:y" {
			t.Errorf("the next call: %q", got)
		}
		if n := conns.Load(); n != 2 {
			t.Errorf("%d connections, want 2: the interrupted one must not be reused", n)
		}
	})

	t.Run("the transport's own timeout", func(t *testing.T) {
		conns.Store(0)
		tr := newLeanTransport(4, 50*time.Millisecond)
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		var ne net.Error
		if _, err := hc.Post(srv.URL+"/slow", "text/plain", strings.NewReader("x")); !errors.As(err, &ne) || !ne.Timeout() {
			t.Fatalf("a call past the timeout: %v, want a timeout", err)
		}
		for _, p := range []string{"/a", "/b"} {
			resp, err := hc.Post(srv.URL+p, "text/plain", strings.NewReader("z"))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
		}
		if n := conns.Load(); n != 2 {
			t.Errorf("%d connections, want 2 (one timed out, one kept alive)", n)
		}
	})

	t.Run("a connection idle too long is not reused", func(t *testing.T) {
		conns.Store(0)
		tr := newLeanTransport(4, 0)
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		for i := range 2 {
			resp, err := hc.Post(srv.URL+"/a", "text/plain", strings.NewReader("x"))
			if err != nil {
				t.Fatal(err)
			}
			io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			if i == 0 {
				tr.mu.Lock()
				tr.idle[0].since = time.Now().Add(-2 * maxIdleTime)
				tr.mu.Unlock()
			}
		}
		if n := conns.Load(); n != 2 {
			t.Errorf("%d connections, want 2", n)
		}
	})

	t.Run("an endless answer left unread", func(t *testing.T) {
		tr := newLeanTransport(4, 0)
		defer tr.CloseIdleConnections()
		resp, err := (&http.Client{Transport: tr}).Post(srv.URL+"/endless", "text/plain", strings.NewReader("x"))
		if err != nil {
			t.Fatal(err)
		}
		closed := make(chan struct{})
		go func() {
			resp.Body.Close()
			close(closed)
		}()
		select {
		case <-closed:
		case <-time.After(10 * time.Second):
			t.Fatal("closing the body of an endless answer did not return")
		}
	})

	t.Run("concurrent callers", func(t *testing.T) {
		conns.Store(0)
		tr := newLeanTransport(8, 0)
		defer tr.CloseIdleConnections()
		hc := &http.Client{Transport: tr}
		var wg sync.WaitGroup
		for w := range 8 {
			wg.Go(func() {
				for i := range 50 {
					body := strings.Repeat(string(rune('a'+w)), i+1)
					resp, err := hc.Post(srv.URL+"/e", "text/plain", strings.NewReader(body))
					if err != nil {
						t.Error(err)
						return
					}
					got, _ := io.ReadAll(resp.Body)
					resp.Body.Close()
					if string(got) != "/e:"+body {
						t.Errorf("worker %d call %d: got %q", w, i, got)
						return
					}
				}
			})
		}
		wg.Wait()
		if n := conns.Load(); n > 8 {
			t.Errorf("%d connections for 8 callers", n)
		}
	})

	t.Run("plain HTTP only", func(t *testing.T) {
		hc := &http.Client{Transport: newLeanTransport(1, 0)}
		if _, err := hc.Get("https://127.0.0.1:1/"); err == nil || !strings.Contains(err.Error(), "plain HTTP") {
			t.Errorf("https: %v", err)
		}
	})
}
