package bridge

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"sync"
	"time"

	"mezhved/adapters"
)

// Files defaults.
const (
	DefaultWait = 30 * time.Second
	DefaultPoll = 250 * time.Millisecond
)

// The directories under Files.Dir.
const (
	OutboxDir    = "outbox"
	InboxDir     = "inbox"
	DoneDir      = "done"
	RejectedDir  = "rejected"
	ResponsesDir = "responses"
)

// Permissions of what the bridge creates: the agency's process shares a
// group with the adapter's; nobody else reads payloads.
const (
	dirPerm  fs.FileMode = 0o770
	filePerm fs.FileMode = 0o640
)

// ErrNoAnswer is returned (wrapped) by the Files request handler when the
// agency has not answered within Wait: the request stays unacknowledged,
// and the hub delivers it again later.
var ErrNoAnswer = errors.New("bridge: no answer from the agency yet")

// Files exchanges messages with an agency through a directory tree; the
// directory contract is in the package documentation. One Files (one
// process) serves one Dir. It is safe for concurrent use; its fields must
// not change once its handlers are in use.
type Files struct {
	// Dir holds outbox, inbox, done, rejected and responses, created on
	// first use.
	Dir string
	// Wait is how long a request handler waits for the agency's answer
	// before leaving the request to the hub's redelivery. It should be
	// shorter than the hub's visibility timeout, or the hub delivers the
	// request again while the first delivery is still waiting. Default
	// DefaultWait.
	Wait time.Duration
	// Poll is how often the inbox is looked at. Default DefaultPoll.
	Poll time.Duration
	// MaxFile caps an answer file, in bytes. Default DefaultMaxBytes.
	MaxFile int64
	// Logger gets message IDs, file names and reasons, never payloads.
	// Default: discard.
	Logger *slog.Logger

	// mu makes taking an answer and writing the outbox atomic among the
	// handlers of this process, which may hold the same message at once
	// when the hub redelivers it during a long Wait.
	mu sync.Mutex
}

// RequestHandler returns the handler that writes each request to the outbox
// and waits for the agency's answer in the inbox.
func (f *Files) RequestHandler() adapters.RequestHandler { return f.handleRequest }

// ResponseHandler returns the handler that writes each response to the
// responses directory.
func (f *Files) ResponseHandler() adapters.ResponseHandler { return f.handleResponse }

// answerKind is one of the files an agency may answer with: its name in the
// inbox and in done.
type answerKind struct{ inbox, done string }

// answerKinds in the order they are taken when an agency wrote several.
var answerKinds = []answerKind{
	{inbox: ".xml", done: ".answer.xml"},
	{inbox: ".refused", done: ".refused"},
	{inbox: ".noanswer", done: ".noanswer"},
}

// requestMeta is outbox/<MessageID>.json.
type requestMeta struct {
	MessageID       string `json:"message_id"`
	Sender          string `json:"sender"`
	Type            string `json:"type"`
	Namespace       string `json:"namespace"`
	TransactionCode string `json:"transaction_code"`
	Delivered       string `json:"delivered,omitempty"`
	Attachments     int    `json:"attachments"`
}

// responseMeta is responses/<MessageID>.json.
type responseMeta struct {
	MessageID       string          `json:"message_id"`
	RequestID       string          `json:"request_id"`
	Sender          string          `json:"sender"`
	Type            string          `json:"type"`
	Namespace       string          `json:"namespace"`
	TransactionCode string          `json:"transaction_code"`
	Delivered       string          `json:"delivered,omitempty"`
	Rejections      []rejectionMeta `json:"rejections,omitempty"`
}

type rejectionMeta struct {
	Code        string `json:"code"`
	Description string `json:"description"`
}

func (f *Files) handleRequest(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
	id := r.MessageID
	if !validID(id) {
		// No file name can carry it; it would fail the same way forever.
		return nil, adapters.Refuse("the message ID %q cannot name a file", cleanReason([]byte(id)))
	}
	if err := f.makeDirs(); err != nil {
		return nil, err
	}
	log := f.logger().With("message", id)

	// An answer may already be there: taken at an earlier delivery the
	// adapter did not get to record, or written after an earlier delivery
	// stopped waiting. It is returned without writing the request again,
	// so that the agency is never asked twice.
	out, ok, err := f.poll(id)
	if err != nil {
		return nil, err
	}
	if ok {
		log.Info("the answer was there before this delivery")
		return out.answer, out.err
	}
	xml, err := marshal(r.Payload)
	if err != nil {
		return nil, err
	}
	meta, err := json.MarshalIndent(requestMeta{MessageID: id, Sender: r.Sender, Type: r.Type(), Namespace: r.Payload.NamespaceURI(),
		TransactionCode: r.TransactionCode, Delivered: timestamp(r.Delivered), Attachments: len(r.Attachments)}, "", "  ")
	if err != nil {
		return nil, err
	}
	// The metadata goes first: an agency that reacts to the .xml finds it.
	wrote, err := f.writeOnce(OutboxDir, id, append(meta, '\n'), xml)
	if err != nil {
		return nil, err
	}
	if wrote {
		log.Info("request written to the outbox", "type", r.Type(), "bytes", len(xml))
	}

	timeout := time.NewTimer(f.wait())
	defer timeout.Stop()
	tick := time.NewTicker(f.pollEvery())
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			return nil, fmt.Errorf("bridge: waiting for the answer to %s: %w", id, ctx.Err())
		case <-timeout.C:
			log.Warn("no answer from the agency in time; the hub will deliver the request again", "wait", f.wait())
			return nil, fmt.Errorf("%w: message %s, waited %s", ErrNoAnswer, id, f.wait())
		case <-tick.C:
		}
		out, ok, err := f.poll(id)
		if err != nil {
			return nil, err
		}
		if ok {
			return out.answer, out.err
		}
	}
}

// outcome is what an answer file says.
type outcome struct {
	answer *adapters.Answer
	err    error // a *adapters.Refusal
}

// poll returns the answer to id, if there is one: an answer already in
// done (taken at an earlier delivery, or taken just before the process
// stopped), or else one taken from the inbox now. Files that are not
// usable answers go to rejected on the way.
func (f *Files) poll(id string) (outcome, bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, k := range answerKinds {
		out, ok, err := f.recorded(id, k)
		if err != nil || ok {
			return f.finished(id, k, out, ok, err)
		}
	}
	for _, k := range answerKinds {
		taken, err := f.take(id, k)
		if err != nil {
			return outcome{}, false, err
		}
		if !taken {
			continue
		}
		out, ok, err := f.recorded(id, k)
		if err != nil || ok {
			return f.finished(id, k, out, ok, err)
		}
	}
	return outcome{}, false, nil
}

// take moves the inbox file of kind k answering id to done, if there is
// one and it is a regular file: the rename is the moment the answer is
// taken. Anything else under that name (a symlink, which is never
// followed, a directory, a device) goes to rejected.
func (f *Files) take(id string, k answerKind) (bool, error) {
	name := id + k.inbox
	path := filepath.Join(f.Dir, InboxDir, name)
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	if !fi.Mode().IsRegular() {
		reason := fmt.Sprintf("not a regular file (%s); write a file, then rename it to this name", fi.Mode().Type())
		return false, f.reject(path, name, reason, reason)
	}
	if err := os.Rename(path, filepath.Join(f.Dir, DoneDir, id+k.done)); err != nil {
		return false, err
	}
	return true, syncDirs(f.Dir, DoneDir, InboxDir)
}

// finished completes an answered request: its outbox files join the
// answer in done, and any other answer the agency wrote for it is
// rejected.
func (f *Files) finished(id string, taken answerKind, out outcome, ok bool, err error) (outcome, bool, error) {
	if err != nil || !ok {
		return outcome{}, false, err
	}
	moves := [][2]string{{id + ".json", id + ".request.json"}, {id + ".xml", id + ".request.xml"}}
	for _, m := range moves {
		err := os.Rename(filepath.Join(f.Dir, OutboxDir, m[0]), filepath.Join(f.Dir, DoneDir, m[1]))
		if err != nil && !errors.Is(err, fs.ErrNotExist) {
			return outcome{}, false, err
		}
	}
	if err := syncDirs(f.Dir, DoneDir, OutboxDir); err != nil {
		return outcome{}, false, err
	}
	for _, k := range answerKinds {
		name := id + k.inbox
		path := filepath.Join(f.Dir, InboxDir, name)
		if _, err := os.Lstat(path); err == nil {
			reason := "the message is already answered by " + id + taken.inbox
			if err := f.reject(path, name, reason, reason); err != nil {
				return outcome{}, false, err
			}
		}
	}
	return out, true, nil
}

// recorded reads the answer of kind k to id in done. A file that is not a
// usable answer goes to rejected, and the agency may answer again.
func (f *Files) recorded(id string, k answerKind) (outcome, bool, error) {
	path := filepath.Join(f.Dir, DoneDir, id+k.done)
	data, problem, err := f.read(path)
	if errors.Is(err, fs.ErrNotExist) {
		return outcome{}, false, nil
	}
	if err != nil {
		return outcome{}, false, err
	}
	var out outcome
	logProblem := problem
	switch k.inbox {
	case ".xml":
		root, err := parseAnswer(data, f.maxFile())
		if err != nil && problem == "" {
			// The agency reads the whole message in the .reason file; the
			// log gets it without the excerpt of the file it may quote.
			problem = "not an XML document with one root element: " + err.Error()
			logProblem = "not an XML document with one root element: " + loggable(err).Error()
		}
		if problem == "" {
			out.answer = &adapters.Answer{Payload: root}
		}
	case ".refused":
		reason := cleanReason(data)
		if reason == "" {
			reason = "no reason given"
		}
		out.err = adapters.Refuse("the agency refused: %s", reason)
	}
	if problem != "" {
		return outcome{}, false, f.reject(path, id+k.inbox, problem, logProblem)
	}
	f.logger().Info("the agency answered", "message", id, "file", id+k.inbox)
	return out, true, nil
}

// read reads an answer file without following a symlink and within
// MaxFile. A file that cannot be an answer is reported as a problem (for
// rejected/), not an error; fs.ErrNotExist means there is no such file.
func (f *Files) read(path string) (data []byte, problem string, err error) {
	file, err := os.OpenFile(path, os.O_RDONLY|openNoFollow, 0)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, "", err
	}
	if err != nil {
		return nil, "cannot be opened (a symlink is never followed): " + err.Error(), nil
	}
	defer file.Close()
	// Checked on the open file, as what the name points to may change.
	fi, err := file.Stat()
	if err != nil {
		return nil, "", err
	}
	if !fi.Mode().IsRegular() {
		return nil, fmt.Sprintf("not a regular file (%s)", fi.Mode().Type()), nil
	}
	limit := f.maxFile()
	if fi.Size() > limit {
		return nil, fmt.Sprintf("%d bytes; the limit is %d", fi.Size(), limit), nil
	}
	data, err = io.ReadAll(io.LimitReader(file, limit+1))
	if err != nil {
		return nil, "cannot be read: " + err.Error(), nil
	}
	if int64(len(data)) > limit {
		return nil, fmt.Sprintf("grew beyond the limit of %d bytes while being read", limit), nil
	}
	return data, "", nil
}

// reject moves a file the bridge will not take to rejected/, next to a
// .reason file saying why, under a name stamped with the time, so that
// repeated rejections of one message all stay. logReason is the reason as
// it may be logged: without anything quoted from the file.
func (f *Files) reject(path, name, reason, logReason string) error {
	dest := filepath.Join(f.Dir, RejectedDir, name+"."+time.Now().UTC().Format("20060102T150405.000000000Z"))
	if err := os.Rename(path, dest); err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil // taken away meanwhile
		}
		return err
	}
	if err := writeAtomic(filepath.Dir(dest), filepath.Base(dest)+".reason", []byte(reason+"\n")); err != nil {
		return err
	}
	if err := syncDirs(f.Dir, filepath.Base(filepath.Dir(path))); err != nil {
		return err
	}
	f.logger().Warn("an answer file was rejected", "file", name, "moved_to", filepath.Base(dest), "reason", cleanReason([]byte(logReason)))
	return nil
}

func (f *Files) handleResponse(ctx context.Context, r *adapters.Response) error {
	id := r.MessageID
	if !validID(id) {
		return adapters.Refuse("the message ID %q cannot name a file", cleanReason([]byte(id)))
	}
	if err := f.makeDirs(); err != nil {
		return err
	}
	typ, ns, xml, err := responseBody(r)
	if err != nil {
		return err
	}
	meta := responseMeta{MessageID: id, RequestID: r.RequestID, Sender: r.Sender, Type: typ, Namespace: ns,
		TransactionCode: r.TransactionCode, Delivered: timestamp(r.Delivered)}
	for _, rj := range r.Rejections {
		meta.Rejections = append(meta.Rejections, rejectionMeta{Code: rj.Code, Description: rj.Description})
	}
	js, err := json.MarshalIndent(meta, "", "  ")
	if err != nil {
		return err
	}
	wrote, err := f.writeOnce(ResponsesDir, id, append(js, '\n'), xml)
	if wrote {
		f.logger().Info("response written", "message", id, "request", r.RequestID, "type", typ, "bytes", len(xml))
	}
	return err
}

// writeOnce writes dir/<id>.json, then dir/<id>.xml, each unless it is
// already there (a redelivery leaves what the agency may be reading
// alone). It reports whether it wrote the .xml.
func (f *Files) writeOnce(dir, id string, meta, xml []byte) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	wrote := false
	for _, file := range []struct {
		name string
		data []byte
	}{{id + ".json", meta}, {id + ".xml", xml}} {
		_, err := os.Lstat(filepath.Join(f.Dir, dir, file.name))
		if err == nil {
			continue
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return false, err
		}
		if err := writeAtomic(filepath.Join(f.Dir, dir), file.name, file.data); err != nil {
			return false, err
		}
		wrote = true
	}
	return wrote, nil
}

// writeAtomic writes dir/name so that no reader ever sees it partly
// written and it survives a crash once this returns: the data goes to a
// dot-named .tmp file in the same directory, is synced, renamed to name,
// and the directory is synced so the rename is durable.
func writeAtomic(dir, name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(filePerm); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	if err = os.Rename(tmp.Name(), filepath.Join(dir, name)); err != nil {
		return err
	}
	return syncDir(dir)
}

// syncDirs syncs subdirectories of root, making renames in them durable.
func syncDirs(root string, dirs ...string) error {
	for _, d := range dirs {
		if err := syncDir(filepath.Join(root, d)); err != nil {
			return err
		}
	}
	return nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	return d.Sync()
}

func (f *Files) makeDirs() error {
	if f.Dir == "" {
		return errors.New("bridge: Files.Dir is not set")
	}
	for _, d := range []string{OutboxDir, InboxDir, DoneDir, RejectedDir, ResponsesDir} {
		if err := os.MkdirAll(filepath.Join(f.Dir, d), dirPerm); err != nil {
			return err
		}
	}
	return nil
}

// validID reports whether a message ID can name a file in every directory
// of the contract: letters, digits, '.', '_' and '-', not starting with a
// dot (so never "." or "..", never a dot-file the agency skips), at most
// 128 bytes. SMEV message IDs are UUIDs.
func validID(id string) bool {
	if id == "" || len(id) > 128 || id[0] == '.' {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		if !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '.' || c == '_' || c == '-') {
			return false
		}
	}
	return true
}

func (f *Files) wait() time.Duration      { return orDefault(f.Wait, DefaultWait) }
func (f *Files) pollEvery() time.Duration { return orDefault(f.Poll, DefaultPoll) }
func (f *Files) maxFile() int64           { return orDefault(f.MaxFile, DefaultMaxBytes) }
func (f *Files) logger() *slog.Logger     { return logger(f.Logger) }
