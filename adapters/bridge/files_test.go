package bridge_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/bridge"
	"mezhved/exchange/soap"
	"mezhved/internal/hubtest"
)

// result is what a request handler returned.
type result struct {
	answer *adapters.Answer
	err    error
}

// handle runs the handler in the background, as the adapter would.
func handle(f *bridge.Files, ctx context.Context, r *adapters.Request) <-chan result {
	ch := make(chan result, 1)
	go func() {
		a, err := f.RequestHandler()(ctx, r)
		ch <- result{a, err}
	}()
	return ch
}

// put writes an answer the way the contract asks: under a dot-name, then
// renamed.
func put(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	tmp := filepath.Join(dir, "inbox", "."+name+".tmp")
	if err := os.WriteFile(tmp, data, 0o600); err != nil {
		t.Error(err)
		return
	}
	if err := os.Rename(tmp, filepath.Join(dir, "inbox", name)); err != nil {
		t.Error(err)
	}
}

// waitFile waits until path exists (or, with gone, until it does not).
func waitFile(t *testing.T, path string, gone bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := os.Lstat(path)
		if (err == nil) != gone {
			return
		}
		if time.Now().After(deadline) {
			t.Errorf("timed out waiting for %s (gone: %v)", path, gone)
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
}

func names(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var ns []string
	for _, e := range entries {
		ns = append(ns, e.Name())
	}
	return ns
}

func answerXML(t *testing.T) []byte { return []byte(serialize(t, hubtest.Payload(t, "WritAnswer"))) }

// TestFilesAnswer: the agency reads the outbox and answers through a
// rename; a half-written answer is never taken; everything ends in done/.
func TestFilesAnswer(t *testing.T) {
	dir := t.TempDir()
	fb := &bridge.Files{Dir: dir, Wait: 10 * time.Second, Poll: 5 * time.Millisecond}
	id := "8f0c2a4e-dac1-11ee-9d6b-0242ac120002"
	ch := handle(fb, context.Background(), writRequest(t, id))

	waitFile(t, filepath.Join(dir, "outbox", id+".xml"), false)
	if got := names(t, filepath.Join(dir, "outbox")); !slices.Equal(got, []string{id + ".json", id + ".xml"}) {
		t.Fatalf("outbox holds %v", got)
	}
	var meta map[string]any
	data, err := os.ReadFile(filepath.Join(dir, "outbox", id+".json"))
	if err != nil || json.Unmarshal(data, &meta) != nil {
		t.Fatalf("metadata %s: %v", data, err)
	}
	want := map[string]any{"message_id": id, "sender": "COURT01", "type": "Writ", "namespace": "urn://mezhved/enforcement/writ/1.0",
		"transaction_code": "дело 2-1534/2024\r\nX-Evil: 1", "delivered": "2024-03-05T07:15:00.000000123Z", "attachments": 0.0}
	for k, v := range want {
		if meta[k] != v {
			t.Errorf("metadata %s = %v, want %v", k, meta[k], v)
		}
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromFile(filepath.Join(dir, "outbox", id+".xml")); err != nil || doc.Root().Tag != "Writ" ||
		doc.Root().NamespaceURI() != "urn://mezhved/enforcement/writ/1.0" {
		t.Fatalf("outbox payload: %v", err)
	}

	// Half-written answers, under the names the contract reserves for them.
	full := answerXML(t)
	for _, name := range []string{id + ".xml.tmp", "." + id + ".xml"} {
		if err := os.WriteFile(filepath.Join(dir, "inbox", name), full[:len(full)/2], 0o600); err != nil {
			t.Fatal(err)
		}
	}
	select {
	case r := <-ch:
		t.Fatalf("the handler returned %+v before the answer was renamed into place", r)
	case <-time.After(50 * fb.Poll):
	}
	if got := names(t, filepath.Join(dir, "inbox")); len(got) != 2 {
		t.Fatalf("the bridge touched the half-written files: inbox holds %v", got)
	}
	if err := os.WriteFile(filepath.Join(dir, "inbox", id+".xml.tmp"), full, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(filepath.Join(dir, "inbox", id+".xml.tmp"), filepath.Join(dir, "inbox", id+".xml")); err != nil {
		t.Fatal(err)
	}

	var r result
	select {
	case r = <-ch:
	case <-time.After(10 * time.Second):
		t.Fatal("the handler did not take the answer")
	}
	if r.err != nil || r.answer == nil || r.answer.Payload.Tag != "WritAnswer" ||
		r.answer.Payload.FindElement("Accepted/ProceedingNumber").Text() != "12345/24/77001-ИП" {
		t.Fatalf("got %+v", r)
	}
	if got := names(t, filepath.Join(dir, "done")); !slices.Equal(got, []string{id + ".answer.xml", id + ".request.json", id + ".request.xml"}) {
		t.Fatalf("done holds %v", got)
	}
	if got := names(t, filepath.Join(dir, "outbox")); len(got) != 0 {
		t.Fatalf("outbox holds %v", got)
	}
	if got := names(t, filepath.Join(dir, "inbox")); !slices.Equal(got, []string{"." + id + ".xml"}) {
		t.Fatalf("inbox holds %v", got)
	}
}

// step is one thing the agency does: write name, then (unless it is the
// last) wait until the bridge has taken or rejected it.
type step struct {
	name string
	data []byte
}

// TestFilesOutcomes: what each answer file makes of a request, and what is
// rejected on the way.
func TestFilesOutcomes(t *testing.T) {
	good := answerXML(t)
	tests := []struct {
		name    string
		steps   func(id string) []step
		maxFile int64
		// answer: a payload; refused: a Refusal with this text; timeout:
		// ErrNoAnswer; else nil, nil.
		answer   bool
		refused  string
		timeout  bool
		rejected []string // inbox names moved to rejected/
		done     string
	}{
		{name: "answer", steps: func(id string) []step { return []step{{id + ".xml", good}} }, answer: true, done: ".answer.xml"},
		{name: "refused", steps: func(id string) []step { return []step{{id + ".refused", []byte("debtor\nunknown\x00")}} },
			refused: "debtor unknown", done: ".refused"},
		{name: "refused without a reason", steps: func(id string) []step { return []step{{id + ".refused", nil}} },
			refused: "no reason given", done: ".refused"},
		{name: "no answer", steps: func(id string) []step { return []step{{id + ".noanswer", nil}} }, done: ".noanswer"},
		{name: "malformed, then good", steps: func(id string) []step {
			return []step{{id + ".xml", []byte("<WritAnswer><oops></WritAnswer>")}, {id + ".xml", good}}
		}, answer: true, rejected: []string{".xml"}, done: ".answer.xml"},
		{name: "two roots, DOCTYPE, empty, then refused", steps: func(id string) []step {
			return []step{{id + ".xml", []byte("<a/><b/>")}, {id + ".xml", []byte(`<!DOCTYPE a [<!ENTITY e SYSTEM "file:///etc/passwd">]><a>&e;</a>`)},
				{id + ".xml", nil}, {id + ".refused", []byte("no")}}
		}, refused: "no", rejected: []string{".xml", ".xml", ".xml"}, done: ".refused"},
		{name: "too large", maxFile: 100, steps: func(id string) []step { return []step{{id + ".xml", good}} },
			timeout: true, rejected: []string{".xml"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fb := &bridge.Files{Dir: dir, Wait: 5 * time.Second, Poll: 2 * time.Millisecond, MaxFile: tt.maxFile}
			if tt.timeout {
				fb.Wait = 300 * time.Millisecond
			}
			id := "m-" + strings.ReplaceAll(tt.name, " ", "-")
			id = strings.ReplaceAll(id, ",", "")
			ch := handle(fb, context.Background(), writRequest(t, id))
			waitFile(t, filepath.Join(dir, "outbox", id+".xml"), false)
			for _, s := range tt.steps(id) {
				put(t, dir, s.name, s.data)
				waitFile(t, filepath.Join(dir, "inbox", s.name), true)
			}
			r := <-ch
			var ref *adapters.Refusal
			isRefusal := errors.As(r.err, &ref)
			switch {
			case tt.answer:
				if r.err != nil || r.answer == nil || r.answer.Payload.Tag != "WritAnswer" {
					t.Fatalf("got %+v; want the answer", r)
				}
			case tt.refused != "":
				if !isRefusal || !strings.Contains(ref.Reason, tt.refused) {
					t.Fatalf("got %+v; want a refusal saying %q", r, tt.refused)
				}
			case tt.timeout:
				if !errors.Is(r.err, bridge.ErrNoAnswer) || isRefusal {
					t.Fatalf("got %+v; want ErrNoAnswer", r)
				}
			default:
				if r.err != nil || r.answer != nil {
					t.Fatalf("got %+v; want nil, nil", r)
				}
			}
			var rejected []string
			for _, n := range names(t, filepath.Join(dir, "rejected")) {
				if strings.HasSuffix(n, ".reason") {
					continue
				}
				if _, err := os.Stat(filepath.Join(dir, "rejected", n+".reason")); err != nil {
					t.Errorf("no reason for %s", n)
				}
				rejected = append(rejected, strings.TrimPrefix(n[:len(n)-len(".20060102T150405.000000000Z")], id))
			}
			if !slices.Equal(rejected, tt.rejected) {
				t.Fatalf("rejected %v, want %v", rejected, tt.rejected)
			}
			if tt.done != "" {
				if got := names(t, filepath.Join(dir, "done")); !slices.Equal(got, []string{id + tt.done, id + ".request.json", id + ".request.xml"}) {
					t.Fatalf("done holds %v", got)
				}
			}
		})
	}
}

// TestFilesTimeoutThenRedelivery: no answer within Wait is a plain error;
// the hub's second delivery finds the outbox files as they were (neither
// rewritten nor touched) and takes the answer, whether the agency wrote it
// between the deliveries or during the second one; a third delivery gets
// the same answer from done/ without asking the agency again.
func TestFilesTimeoutThenRedelivery(t *testing.T) {
	for _, tt := range []struct {
		name          string
		answerBetween bool
	}{{"answer between deliveries", true}, {"answer during the second delivery", false}} {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			fb := &bridge.Files{Dir: dir, Wait: 100 * time.Millisecond, Poll: 2 * time.Millisecond}
			id := "m-redelivered"
			r := <-handle(fb, context.Background(), writRequest(t, id))
			var ref *adapters.Refusal
			if !errors.Is(r.err, bridge.ErrNoAnswer) || errors.As(r.err, &ref) || r.answer != nil {
				t.Fatalf("got %+v; want ErrNoAnswer", r)
			}
			type snapshot struct {
				mtime time.Time
				data  []byte
			}
			before := map[string]snapshot{}
			for _, ext := range []string{".xml", ".json"} {
				p := filepath.Join(dir, "outbox", id+ext)
				fi, err := os.Stat(p)
				if err != nil {
					t.Fatal(err)
				}
				data, _ := os.ReadFile(p)
				before[ext] = snapshot{fi.ModTime(), data}
			}
			unchanged := func(sub string) {
				t.Helper()
				for ext, was := range before {
					name := id + ext
					if sub == "done" {
						name = id + ".request" + ext
					}
					p := filepath.Join(dir, sub, name)
					fi, err := os.Stat(p)
					if err != nil {
						t.Fatal(err)
					}
					data, _ := os.ReadFile(p)
					if !fi.ModTime().Equal(was.mtime) || !bytes.Equal(data, was.data) {
						t.Fatalf("%s was rewritten: mtime %v, was %v", p, fi.ModTime(), was.mtime)
					}
				}
			}

			time.Sleep(20 * time.Millisecond) // a rewrite would show in the mtime
			if tt.answerBetween {
				put(t, dir, id+".xml", answerXML(t))
			}
			// The hub's next delivery carries another delivery time, which a
			// rewritten .json would show.
			again := writRequest(t, id)
			again.Delivered = again.Delivered.Add(time.Hour)
			fb.Wait = 5 * time.Second
			ch := handle(fb, context.Background(), again)
			if !tt.answerBetween {
				select {
				case r := <-ch:
					t.Fatalf("the second delivery returned %+v before the agency answered", r)
				case <-time.After(100 * time.Millisecond):
				}
				unchanged("outbox")
				put(t, dir, id+".xml", answerXML(t))
			}
			r = <-ch
			if r.err != nil || r.answer == nil || r.answer.Payload.Tag != "WritAnswer" {
				t.Fatalf("got %+v; want the answer", r)
			}
			unchanged("done")

			r = <-handle(fb, context.Background(), again)
			if r.err != nil || r.answer == nil || r.answer.Payload.Tag != "WritAnswer" {
				t.Fatalf("the third delivery got %+v; want the same answer", r)
			}
			if got := names(t, filepath.Join(dir, "outbox")); len(got) != 0 {
				t.Fatalf("an answered request was written again: outbox holds %v", got)
			}
		})
	}
}

// TestFilesSpecialFilesRejected: a symlink under an answer name is never
// followed (even to a valid answer), and a directory is no answer either;
// both go to rejected/ and the bridge keeps waiting.
func TestFilesSpecialFilesRejected(t *testing.T) {
	dir := t.TempDir()
	outside := filepath.Join(t.TempDir(), "secret.xml")
	secret := answerXML(t)
	if err := os.WriteFile(outside, secret, 0o600); err != nil {
		t.Fatal(err)
	}
	fb := &bridge.Files{Dir: dir, Wait: 5 * time.Second, Poll: 2 * time.Millisecond}
	id := "m-special"
	ch := handle(fb, context.Background(), writRequest(t, id))
	waitFile(t, filepath.Join(dir, "outbox", id+".xml"), false)

	if err := os.Symlink(outside, filepath.Join(dir, "inbox", id+".xml")); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(dir, "inbox", id+".xml"), true)
	if err := os.Mkdir(filepath.Join(dir, "inbox", id+".noanswer"), 0o700); err != nil {
		t.Fatal(err)
	}
	waitFile(t, filepath.Join(dir, "inbox", id+".noanswer"), true)
	select {
	case r := <-ch:
		t.Fatalf("the handler took %+v from a symlink or a directory", r)
	case <-time.After(50 * time.Millisecond):
	}
	put(t, dir, id+".refused", []byte("symlinks are not answers"))
	r := <-ch
	var ref *adapters.Refusal
	if !errors.As(r.err, &ref) || !strings.Contains(ref.Reason, "symlinks are not answers") {
		t.Fatalf("got %+v; want the refusal written afterwards", r)
	}

	var links, dirs, reasons int
	for _, n := range names(t, filepath.Join(dir, "rejected")) {
		fi, err := os.Lstat(filepath.Join(dir, "rejected", n))
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case fi.Mode()&os.ModeSymlink != 0:
			links++
		case fi.IsDir():
			dirs++
		case strings.HasSuffix(n, ".reason"):
			reasons++
			data, _ := os.ReadFile(filepath.Join(dir, "rejected", n))
			if !strings.Contains(string(data), "not a regular file") {
				t.Errorf("reason %q", data)
			}
		}
	}
	if links != 1 || dirs != 1 || reasons != 2 {
		t.Fatalf("rejected holds %v", names(t, filepath.Join(dir, "rejected")))
	}
	if data, err := os.ReadFile(outside); err != nil || !bytes.Equal(data, secret) {
		t.Fatal("the symlink's target was moved or changed")
	}
}

// TestFilesSecondAnswerRejected: an agency that writes two answers gets the
// first taken (in the order .xml, .refused, .noanswer) and the other
// rejected.
func TestFilesSecondAnswerRejected(t *testing.T) {
	dir := t.TempDir()
	fb := &bridge.Files{Dir: dir, Wait: 5 * time.Second, Poll: 2 * time.Millisecond}
	id := "m-twice"
	if err := os.MkdirAll(filepath.Join(dir, "inbox"), 0o700); err != nil {
		t.Fatal(err)
	}
	put(t, dir, id+".refused", []byte("no"))
	put(t, dir, id+".xml", answerXML(t))
	r := <-handle(fb, context.Background(), writRequest(t, id))
	if r.err != nil || r.answer == nil {
		t.Fatalf("got %+v; want the answer", r)
	}
	got := names(t, filepath.Join(dir, "rejected"))
	if len(got) != 2 || !strings.HasPrefix(got[0], id+".refused.") {
		t.Fatalf("rejected holds %v", got)
	}
	data, _ := os.ReadFile(filepath.Join(dir, "rejected", got[1]))
	if !strings.Contains(string(data), "already answered") {
		t.Fatalf("reason %q", data)
	}
}

// TestFilesRequestErrors: a message ID that cannot name a file is refused
// (and nothing is written outside Dir); a context that ends is a plain
// error.
func TestFilesRequestErrors(t *testing.T) {
	root := t.TempDir()
	dir := filepath.Join(root, "bridge")
	fb := &bridge.Files{Dir: dir, Wait: 5 * time.Second, Poll: 2 * time.Millisecond}
	for _, id := range []string{"../escape", "..", ".hidden", "a/b", "", strings.Repeat("a", 129)} {
		r := <-handle(fb, context.Background(), writRequest(t, id))
		var ref *adapters.Refusal
		if !errors.As(r.err, &ref) {
			t.Fatalf("id %q: got %+v; want a refusal", id, r)
		}
	}
	if got := names(t, root); len(got) > 0 && !slices.Equal(got, []string{"bridge"}) {
		t.Fatalf("%s holds %v", root, got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	ch := handle(fb, ctx, writRequest(t, "m-cancelled"))
	waitFile(t, filepath.Join(dir, "outbox", "m-cancelled.xml"), false)
	cancel()
	r := <-ch
	var ref *adapters.Refusal
	if !errors.Is(r.err, context.Canceled) || errors.As(r.err, &ref) {
		t.Fatalf("got %+v; want a plain error", r)
	}
}

// TestFilesResponses: a response is written once, atomically, with its
// metadata; a redelivery does not rewrite it; a rejection is written as a
// Rejections document.
func TestFilesResponses(t *testing.T) {
	dir := t.TempDir()
	fb := &bridge.Files{Dir: dir}
	resp := &adapters.Response{MessageID: "resp-1", RequestID: "req-1", Sender: "FSSP01", TransactionCode: "case-1",
		Payload: hubtest.Payload(t, "WritAnswer"), Delivered: time.Date(2024, 3, 5, 7, 0, 0, 0, time.UTC)}
	if err := fb.ResponseHandler()(context.Background(), resp); err != nil {
		t.Fatal(err)
	}
	xmlPath := filepath.Join(dir, "responses", "resp-1.xml")
	first, err := os.ReadFile(xmlPath)
	if err != nil {
		t.Fatal(err)
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(first); err != nil || doc.Root().Tag != "WritAnswer" {
		t.Fatalf("response payload %s", first)
	}
	var meta map[string]any
	data, _ := os.ReadFile(filepath.Join(dir, "responses", "resp-1.json"))
	if err := json.Unmarshal(data, &meta); err != nil || meta["request_id"] != "req-1" || meta["sender"] != "FSSP01" ||
		meta["type"] != "WritAnswer" || meta["delivered"] != "2024-03-05T07:00:00Z" {
		t.Fatalf("metadata %s", data)
	}

	again := *resp
	again.Payload = hubtest.Payload(t, "Writ")
	if err := fb.ResponseHandler()(context.Background(), &again); err != nil {
		t.Fatal(err)
	}
	if now, _ := os.ReadFile(xmlPath); !bytes.Equal(now, first) {
		t.Fatal("a redelivered response was rewritten")
	}

	rej := &adapters.Response{MessageID: "resp-2", RequestID: "req-2", Sender: "FSSP01",
		Rejections: []soap.Rejection{{Code: "NO_DATA", Description: "нет данных"}}}
	if err := fb.ResponseHandler()(context.Background(), rej); err != nil {
		t.Fatal(err)
	}
	doc = etree.NewDocument()
	if err := doc.ReadFromFile(filepath.Join(dir, "responses", "resp-2.xml")); err != nil || doc.Root().Tag != "Rejections" ||
		doc.Root().NamespaceURI() != bridge.Namespace || doc.Root().FindElement("Rejection").Text() != "нет данных" {
		t.Fatalf("rejection: %v", err)
	}
	data, _ = os.ReadFile(filepath.Join(dir, "responses", "resp-2.json"))
	if !strings.Contains(string(data), `"code": "NO_DATA"`) {
		t.Fatalf("metadata %s", data)
	}
	if got := names(t, filepath.Join(dir, "responses")); !slices.Equal(got, []string{"resp-1.json", "resp-1.xml", "resp-2.json", "resp-2.xml"}) {
		t.Fatalf("responses holds %v (a temporary file left behind?)", got)
	}
}
