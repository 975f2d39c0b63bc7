package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"time"

	"mezhved/exchange"
	"mezhved/exchange/dsig"
	"mezhved/exchange/hub"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
	"mezhved/store/boltstore"
)

// hubSpec is the hub a run needs.
type hubSpec struct {
	// banks is how many banks its registry has.
	banks int
	// data is its data directory (the store is data/mezhved.db).
	data string
	// unsigned, in process only: calls are unsigned and the hub signs
	// nothing (AllowUnsigned and BenchUnsigned), for the comparison with
	// JetStream.
	unsigned bool
}

// runningHub is a hub the bench started, or one it was pointed at.
type runningHub interface {
	// endpoint is the 1.1 SOAP endpoint.
	endpoint() string
	// pid is the process whose CPU and memory are the hub's (this one for
	// a hub in process; 0 when unknown).
	pid() int
	// storeFile is the store's file; "" when unknown.
	storeFile() string
	stop() error
}

// startHub starts a hub as spec says: a `mezhved serve` process when the
// configuration can start one, otherwise in this process.
func (b *bencher) startHub(ctx context.Context, spec hubSpec) (runningHub, error) {
	if b.cfg.HubURL != "" {
		return externalHub{url: strings.TrimSuffix(b.cfg.HubURL, "/")}, nil
	}
	if err := os.MkdirAll(spec.data, 0o700); err != nil {
		return nil, err
	}
	if b.cfg.HubCommand != nil && !spec.unsigned {
		return b.startChild(ctx, spec)
	}
	return b.startInProcess(ctx, spec)
}

// externalHub is a hub at --hub URL: nothing of it can be measured but
// what its answers say.
type externalHub struct{ url string }

func (h externalHub) endpoint() string {
	if strings.HasSuffix(h.url, "/ws/"+string(soap.V11)) {
		return h.url
	}
	return h.url + "/ws/" + string(soap.V11)
}
func (externalHub) pid() int          { return 0 }
func (externalHub) storeFile() string { return "" }
func (externalHub) stop() error       { return nil }

// childHub is a `mezhved serve` process.
type childHub struct {
	cmd    *exec.Cmd
	url    string
	data   string
	stderr *tailBuffer
	exited chan struct{}
}

func (h *childHub) endpoint() string  { return h.url }
func (h *childHub) pid() int          { return h.cmd.Process.Pid }
func (h *childHub) storeFile() string { return filepath.Join(h.data, "mezhved.db") }

// stop ends the process as an operator would (SIGTERM: the calls in
// progress finish, the store closes), killing it after a minute.
func (h *childHub) stop() error {
	select {
	case <-h.exited:
	default:
		h.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-h.exited:
		case <-time.After(time.Minute):
			h.cmd.Process.Kill()
			<-h.exited
			return fmt.Errorf("bench: the hub process did not stop within a minute of SIGTERM; killed")
		}
	}
	if st := h.cmd.ProcessState; st != nil && !st.Success() {
		return fmt.Errorf("bench: the hub process ended with %v: %s", st, h.stderr.String())
	}
	return nil
}

var listening = regexp.MustCompile(`listening on (\S+)`)

func (b *bencher) startChild(ctx context.Context, spec hubSpec) (runningHub, error) {
	reg, err := b.w.registryFile(spec.banks)
	if err != nil {
		return nil, err
	}
	args := []string{"serve", "--data", spec.data, "--registry", reg, "--trust", filepath.Join(b.w.pkiDir, "ca.crt"),
		"--key", filepath.Join(b.w.pkiDir, "hub.key"), "--cert", filepath.Join(b.w.pkiDir, "hub.crt"),
		"--listen", "127.0.0.1:0", "--queue-limit", strconv.Itoa(queueLimit), "--long-poll", longPoll.String(),
		"--log-level", b.cfg.HubLogLevel}
	cmd := b.cfg.HubCommand(args)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, err
	}
	h := &childHub{cmd: cmd, data: spec.data, stderr: &tailBuffer{max: 64 << 10}, exited: make(chan struct{})}
	cmd.Stderr = h.stderr
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("bench: starting the hub process: %w", err)
	}
	go func() {
		cmd.Wait()
		close(h.exited)
	}()
	found := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := listening.FindStringSubmatch(sc.Text()); m != nil {
				select {
				case found <- m[1]:
				default:
				}
			}
		}
		io.Copy(io.Discard, stdout)
	}()
	select {
	case addr := <-found:
		h.url = "http://" + addr + "/ws/" + string(soap.V11)
		return h, nil
	case <-h.exited:
		return nil, fmt.Errorf("bench: the hub process ended at start: %s", h.stderr.String())
	case <-time.After(2 * time.Minute):
		h.stop()
		return nil, errors.New("bench: the hub process did not start listening within two minutes")
	case <-ctx.Done():
		h.stop()
		return nil, ctx.Err()
	}
}

// queueLimit lifts the hub's queue limit (100,000 by default) out of the
// way of the backlog levels.
const queueLimit = 1_000_000_000

// longPoll is the hub's longest wait of a poll on an empty queue.
const longPoll = 5 * time.Second

// inProcessHub is a hub assembled in the bench's process as `mezhved
// serve` assembles it (without the admin API and metrics).
type inProcessHub struct {
	url    string
	store  *boltstore.Store
	file   string
	srv    *http.Server
	cancel context.CancelFunc
	ran    chan struct{}
}

func (h *inProcessHub) endpoint() string  { return h.url }
func (h *inProcessHub) pid() int          { return os.Getpid() }
func (h *inProcessHub) storeFile() string { return h.file }

func (h *inProcessHub) stop() error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := h.srv.Shutdown(ctx)
	h.cancel()
	<-h.ran
	return errors.Join(err, h.store.Close())
}

func (b *bencher) startInProcess(ctx context.Context, spec hubSpec) (runningHub, error) {
	reg, err := b.w.registry(spec.banks)
	if err != nil {
		return nil, err
	}
	set, err := b.w.schemas(ctx, reg)
	if err != nil {
		return nil, err
	}
	var verifier *dsig.Verifier
	if !spec.unsigned {
		verifier = dsig.NewVerifier(dsig.NewTrustStore(b.w.caCerts), nil)
	}
	in, err := exchange.NewIngress(reg, set, verifier, exchange.Options{StaleAfter: 48 * time.Hour, CheckEOL: true, AllowUnsigned: spec.unsigned})
	if err != nil {
		return nil, err
	}
	signer, err := dsig.NewSigner(b.w.hubKey, b.w.hubCerts, dsig.ProfileSMEV)
	if err != nil {
		return nil, err
	}
	waiters := hub.NewWaiters()
	file := filepath.Join(spec.data, "mezhved.db")
	st, err := boltstore.Open(file, &boltstore.Options{Notify: waiters.Notify})
	if err != nil {
		return nil, err
	}
	hb, err := hub.New(hub.Config{Registry: reg, Ingress: in, Store: st, Waiters: waiters, Signer: signer,
		ReplyKey: []byte(strings.Repeat("b", 32)), QueueLimit: queueLimit, LongPoll: longPoll,
		AllowUnsigned: spec.unsigned, BenchUnsigned: spec.unsigned, Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		st.Close()
		return nil, err
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		st.Close()
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	h := &inProcessHub{url: "http://" + ln.Addr().String() + "/ws/" + string(soap.V11), store: st, file: file,
		srv: &http.Server{Handler: hb.Handler(xmlsafe.DefaultMaxBytes), ReadHeaderTimeout: 10 * time.Second}, cancel: cancel, ran: make(chan struct{})}
	go h.srv.Serve(ln)
	go func() {
		defer close(h.ran)
		hb.Run(runCtx)
	}()
	return h, nil
}

// tailBuffer keeps the last max bytes written to it.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf []byte
}

func (t *tailBuffer) Write(p []byte) (int, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.buf = append(t.buf, p...)
	if len(t.buf) > t.max {
		t.buf = append([]byte(nil), t.buf[len(t.buf)-t.max:]...)
	}
	return len(p), nil
}

func (t *tailBuffer) String() string {
	t.mu.Lock()
	defer t.mu.Unlock()
	return string(bytes.TrimSpace(t.buf))
}

// diskSize is the space a file takes on disk (bbolt grows its file ahead
// of use, and the part not yet written takes none), 0 when it cannot be
// read.
func diskSize(path string) int64 {
	if path == "" {
		return 0
	}
	st, err := os.Stat(path)
	if err != nil {
		return 0
	}
	if sys, ok := st.Sys().(*syscall.Stat_t); ok {
		return min(st.Size(), sys.Blocks*512)
	}
	return st.Size()
}
