package bench

import (
	"bufio"
	"cmp"
	"context"
	"errors"
	"io"
	"net"
	"net/http"
	"sync"
	"time"
)

// leanTransport is the bench clients' HTTP/1.1 transport: keep-alive
// connections, each carrying one request at a time on the caller's own
// goroutine (the request written with net/http's Request.Write, the answer
// read with http.ReadResponse). net/http's Transport runs two goroutines
// per connection and hands every request and every answer between them;
// on this bench the clients share the machine with the hub they measure,
// so what the clients cost is taken from the hub, and this transport costs
// less. It bounds each exchange itself (timeout), so that http.Client needs
// no Timeout, which for a transport not its own would cost a goroutine and
// two timers per request. Plain HTTP only; no proxies, no retries (a failure
// is counted, not hidden); a connection idle longer than maxIdleTime is not
// reused, well before a server would close it.
type leanTransport struct {
	dialer net.Dialer
	// maxIdle is how many idle connections are kept.
	maxIdle int
	// timeout bounds one exchange, from the request's first byte to the
	// answer's last.
	timeout time.Duration

	mu   sync.Mutex
	idle []*leanConn
}

// maxIdleTime is how long an idle connection is kept: less than a hub's
// idle timeout (two minutes) and a proxy's (typically a minute).
const maxIdleTime = 30 * time.Second

func newLeanTransport(maxIdle int, timeout time.Duration) *leanTransport {
	return &leanTransport{dialer: net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}, maxIdle: maxIdle, timeout: timeout}
}

type leanConn struct {
	c     net.Conn
	addr  string
	br    *bufio.Reader
	bw    *bufio.Writer
	since time.Time // idle since
}

// RoundTrip implements http.RoundTripper.
func (t *leanTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Scheme != "http" {
		closeBody(req)
		return nil, errors.New("bench: the lean transport speaks plain HTTP only")
	}
	ctx := req.Context()
	lc, err := t.conn(ctx, net.JoinHostPort(req.URL.Hostname(), cmp.Or(req.URL.Port(), "80")))
	if err != nil {
		closeBody(req)
		return nil, err
	}
	if t.timeout > 0 {
		lc.c.SetDeadline(time.Now().Add(t.timeout))
	}
	// The context's end interrupts the exchange wherever it is.
	stop := context.AfterFunc(ctx, func() { lc.c.SetDeadline(time.Unix(1, 0)) })
	fail := func(err error) (*http.Response, error) {
		stop()
		lc.c.Close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		return nil, err
	}
	if err := req.Write(lc.bw); err != nil {
		return fail(err)
	}
	if err := lc.bw.Flush(); err != nil {
		return fail(err)
	}
	resp, err := http.ReadResponse(lc.br, req)
	if err != nil {
		return fail(err)
	}
	b := &leanBody{ctx: ctx, body: resp.Body, t: t, lc: lc, stop: stop, keep: !resp.Close}
	if resp.Body == http.NoBody {
		// Nothing to read (204, 304, an answer to HEAD): the exchange is
		// over.
		b.finish(true)
	}
	resp.Body = b
	return resp, nil
}

// conn takes an idle connection to addr or dials one. The idle ones are in
// the order they were given back, so those idle too long are at the front.
func (t *leanTransport) conn(ctx context.Context, addr string) (*leanConn, error) {
	now := time.Now()
	var stale []*leanConn
	var found *leanConn
	t.mu.Lock()
	for len(t.idle) > 0 && now.Sub(t.idle[0].since) > maxIdleTime {
		stale = append(stale, t.idle[0])
		t.idle[0] = nil
		t.idle = t.idle[1:]
	}
	for i := len(t.idle) - 1; i >= 0; i-- {
		if lc := t.idle[i]; lc.addr == addr {
			t.idle = append(t.idle[:i], t.idle[i+1:]...)
			found = lc
			break
		}
	}
	t.mu.Unlock()
	for _, lc := range stale {
		lc.c.Close()
	}
	if found != nil {
		return found, nil
	}
	c, err := t.dialer.DialContext(ctx, "tcp", addr)
	if err != nil {
		return nil, err
	}
	return &leanConn{c: c, addr: addr, br: bufio.NewReaderSize(c, 16<<10), bw: bufio.NewWriterSize(c, 16<<10)}, nil
}

// put keeps a connection whose last answer was read to its end.
func (t *leanTransport) put(lc *leanConn) {
	lc.c.SetDeadline(time.Time{})
	lc.since = time.Now()
	t.mu.Lock()
	if len(t.idle) < t.maxIdle {
		t.idle = append(t.idle, lc)
		lc = nil
	}
	t.mu.Unlock()
	if lc != nil {
		lc.c.Close()
	}
}

// CloseIdleConnections closes the idle connections (http.Client calls it).
func (t *leanTransport) CloseIdleConnections() {
	t.mu.Lock()
	idle := t.idle
	t.idle = nil
	t.mu.Unlock()
	for _, lc := range idle {
		lc.c.Close()
	}
}

// leanBody is an answer's body: read to its end, it gives its connection
// back for the next request; closed before, it closes the connection. Like
// the caller's other state, it is for one goroutine: Close must not run
// while Read does.
type leanBody struct {
	ctx  context.Context
	body io.ReadCloser
	t    *leanTransport
	lc   *leanConn
	stop func() bool
	keep bool
	done bool
}

func (b *leanBody) Read(p []byte) (int, error) {
	if b.done {
		return 0, io.EOF
	}
	n, err := b.body.Read(p)
	if err != nil {
		b.finish(errors.Is(err, io.EOF))
		if !errors.Is(err, io.EOF) && b.ctx.Err() != nil {
			err = b.ctx.Err() // not the deadline it set on the connection
		}
	}
	return n, err
}

func (b *leanBody) Close() error {
	if !b.done {
		b.finish(false)
	}
	return nil
}

// finish ends the exchange: the connection back to the idle ones when the
// answer was read to its end and the server keeps it open, closed otherwise.
func (b *leanBody) finish(complete bool) {
	b.done = true
	interrupted := !b.stop()
	if complete && b.keep && !interrupted {
		b.body.Close()
		b.t.put(b.lc)
		return
	}
	// The connection first: closing a body not read to its end would
	// read the rest of it.
	b.lc.c.Close()
	b.body.Close()
}

func closeBody(req *http.Request) {
	if req.Body != nil {
		req.Body.Close()
	}
}
