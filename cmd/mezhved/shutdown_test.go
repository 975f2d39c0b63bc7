package main

import (
	"bufio"
	"bytes"
	"context"
	"crypto/sha256"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"mezhved/exchange/dsig"
	"mezhved/store"
	"mezhved/store/boltstore"
)

// hubProcess is `mezhved serve --dev` in a process of its own (the test
// binary, see TestMain), logging at info level.
type hubProcess struct {
	cmd    *exec.Cmd
	addr   string
	stderr *syncBuffer
	exited chan struct{} // closed once cmd.Wait returned
	err    error         // cmd.Wait's, once exited is closed
}

// wait waits for the process to end and returns how it ended.
func (p *hubProcess) wait() error {
	<-p.exited
	return p.err
}

// url is the hub's endpoint of message exchange 1.1.
func (p *hubProcess) url() string { return "http://" + p.addr + "/ws/1.1" }

func startHubProcess(t *testing.T, data string) *hubProcess {
	t.Helper()
	return startHubProcessAt(t, data, "info")
}

// startHubProcessAt starts the hub process logging at level.
func startHubProcessAt(t *testing.T, data, level string) *hubProcess {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe)
	cmd.Env = append(os.Environ(), childEnv+"=serve --dev --data "+data+" --listen 127.0.0.1:0 --long-poll 0 --log-level "+level)
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	p := &hubProcess{cmd: cmd, stderr: &syncBuffer{}, exited: make(chan struct{})}
	cmd.Stderr = p.stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	found := make(chan string, 1)
	go func() {
		re := regexp.MustCompile(`listening on (\S+)`)
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			if m := re.FindStringSubmatch(sc.Text()); m != nil {
				found <- m[1]
			}
		}
		p.err = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(func() {
		select {
		case <-p.exited:
		default:
			cmd.Process.Kill()
			<-p.exited
		}
	})
	select {
	case p.addr = <-found:
		return p
	case <-time.After(30 * time.Second):
		t.Fatalf("the hub process did not start:\n%s", p.stderr)
	}
	return nil
}

// waitLog waits until the hub's log holds s.
func (p *hubProcess) waitLog(t *testing.T, s string, within time.Duration) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !strings.Contains(p.stderr.String(), s) {
		if time.Now().After(deadline) {
			t.Fatalf("the hub did not log %q:\n%s", s, p.stderr)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// TestSecondSignalEndsServe: while the orderly stop waits for a call in
// progress (one whose body never comes), a second SIGTERM ends the process
// at once, the default way.
func TestSecondSignalEndsServe(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a hub process")
	}
	p := startHubProcess(t, t.TempDir())
	// A call whose handler is running (the hub asked for the body: 100
	// Continue) and whose body never comes: the orderly stop waits for it
	// (up to 30s).
	conn, err := net.Dial("tcp", p.addr)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "POST /ws/1.1 HTTP/1.1\r\nHost: hub\r\nContent-Type: text/xml; charset=utf-8\r\nContent-Length: 4096\r\nExpect: 100-continue\r\n\r\n")
	conn.SetReadDeadline(time.Now().Add(10 * time.Second))
	line, err := bufio.NewReader(conn).ReadString('\n')
	if err != nil || !strings.Contains(line, "100") {
		t.Fatalf("the hub did not ask for the body: %q %v", line, err)
	}

	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	p.waitLog(t, "stopping", 10*time.Second)
	// The second signal; sent again until the process ends, as the first
	// signal's handler is unregistered just after the stop begins.
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for ended := false; !ended; {
		p.cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-p.exited:
			ended = true
		case <-tick.C:
		case <-deadline:
			t.Fatalf("a second SIGTERM did not end the hub:\n%s", p.stderr)
		}
	}
	if ws, ok := p.cmd.ProcessState.Sys().(syscall.WaitStatus); !ok || !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Fatalf("the hub ended with %v, want killed by SIGTERM", p.cmd.ProcessState)
	}
}

// TestStopWithStalledSnapshot: a snapshot's caller that takes the headers
// and reads nothing does not keep the hub from stopping on SIGTERM.
func TestStopWithStalledSnapshot(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a hub process")
	}
	data := t.TempDir()
	// A store larger than the socket's buffers, so that the snapshot
	// cannot be sent whole to a caller that reads nothing.
	st, err := boltstore.Open(filepath.Join(data, "mezhved.db"), &boltstore.Options{NoSync: true})
	if err != nil {
		t.Fatal(err)
	}
	envelope := bytes.Repeat([]byte("x"), 1<<20)
	for i := range 8 {
		_, err := st.Accept(context.Background(), &store.Message{ID: fmt.Sprintf("msg-%d", i), Kind: store.Request, Sender: "COURT01",
			Type: "Writ", Received: time.Now(), Digest: sha256.Sum256(envelope), Envelope: envelope, Recipients: []string{"FSSP01"}},
			store.Policy{Visibility: time.Minute, MaxAttempts: 3})
		if err != nil {
			t.Fatal(err)
		}
	}
	if err := st.Close(); err != nil {
		t.Fatal(err)
	}
	p := startHubProcess(t, data)
	sock := filepath.Join(data, adminSocket)
	resp, err := socketClient(sock).Get("http://hub/admin/snapshot")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("snapshot: %s", resp.Status)
	}
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	select {
	case <-p.exited:
	case <-time.After(30 * time.Second):
		t.Fatalf("the hub did not stop within 30s of SIGTERM while a snapshot's caller read nothing:\n%s", p.stderr)
	}
	if !p.cmd.ProcessState.Success() || !strings.Contains(p.stderr.String(), "hub stopped") {
		t.Fatalf("the hub ended with %v:\n%s", p.cmd.ProcessState, p.stderr)
	}
	if _, err := os.Stat(sock); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("the admin socket is left behind: %v", err)
	}
}

// TestCloseServers: servers whose clients read nothing are closed within
// the time given, their handlers' writes failing.
func TestCloseServers(t *testing.T) {
	handlerDone := make(chan error, 2)
	var srvs []*http.Server
	var addrs []string
	for range 2 {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		srv := &http.Server{Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			chunk := bytes.Repeat([]byte("x"), 1<<16)
			for {
				if _, err := w.Write(chunk); err != nil {
					handlerDone <- err
					return
				}
			}
		})}
		go srv.Serve(ln)
		defer srv.Close()
		srvs, addrs = append(srvs, srv), append(addrs, ln.Addr().String())
	}
	for _, addr := range addrs {
		resp, err := http.Get("http://" + addr + "/")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close() // read nothing
	}
	start := time.Now()
	closeServers(slog.New(slog.DiscardHandler), 200*time.Millisecond, srvs...)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("closeServers took %s", d)
	}
	for range 2 {
		select {
		case <-handlerDone:
		case <-time.After(10 * time.Second):
			t.Fatal("a handler writing to a client that reads nothing still runs after closeServers")
		}
	}
}

// failingRecorder refuses every certificate.
type failingRecorder struct{ calls int }

func (f *failingRecorder) AddCertificates(context.Context, string, [][]byte, time.Time) error {
	f.calls++
	return errors.New("the store is closed")
}

// takenRecorder keeps what it was given.
type takenRecorder struct {
	role string
	ders [][]byte
}

func (r *takenRecorder) AddCertificates(_ context.Context, role string, ders [][]byte, _ time.Time) error {
	r.role, r.ders = role, ders
	return nil
}

// TestTakeDoor: a reload's trust is recorded in the store before the hub
// takes the new door; a store that refuses it refuses the reload.
func TestTakeDoor(t *testing.T) {
	trust, err := dsig.LoadTrustStore(filepath.Join(examples, "pki", "ca.crt"))
	if err != nil {
		t.Fatal(err)
	}
	stopped := false
	nd := &door{trust: trust, stop: func() { stopped = true }}
	applied := false
	fail := &failingRecorder{}
	if err := takeDoor(context.Background(), fail, nd, func(*door) { applied = true }); err == nil || !strings.Contains(err.Error(), "store is closed") {
		t.Fatalf("a refused write: %v", err)
	}
	if fail.calls != 1 || applied || !stopped {
		t.Fatalf("a refused write: store called %d times, door taken %v, new door closed %v", fail.calls, applied, stopped)
	}
	rec := &takenRecorder{}
	stopped = false
	if err := takeDoor(context.Background(), rec, nd, func(d *door) {
		if rec.ders == nil {
			t.Error("the door was taken before its trust was recorded")
		}
		applied = true
	}); err != nil {
		t.Fatal(err)
	}
	if !applied || stopped || rec.role != store.RoleTrust || len(rec.ders) != len(trust.Certificates()) || !bytes.Equal(rec.ders[0], trust.Certificates()[0].Raw) {
		t.Fatalf("taken %v, closed %v, recorded %s %d certificates", applied, stopped, rec.role, len(rec.ders))
	}
}
