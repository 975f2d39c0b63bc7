package bench

import (
	"bytes"
	"io"
	"testing"
)

func TestDeliveredID(t *testing.T) {
	const id = "1b2c3d4e-5f60-11ef-8a9b-0242ac120002"
	tests := []struct {
		name    string
		answer  string
		want    string
		wantErr bool
	}{
		{"prefixed", `<s:Envelope><ns2:GetRequestResponse><ns2:RequestMessage><ns2:Request><ns2:SenderProvidedRequestData><ns2:MessageID>` + id + `</ns2:MessageID></ns2:SenderProvidedRequestData><ns3:MessageMetadata><ns3:MessageId>` + id + `</ns3:MessageId>`, id, false},
		{"unprefixed", `<MessageID>` + id + `</MessageID>`, id, false},
		{"the metadata's MessageId is not it", `<a:MessageId>` + id + `</a:MessageId>`, "", false},
		{"a longer name ending alike", `<a:OriginalMessageID>x</a:OriginalMessageID><a:MessageID>` + id + `</a:MessageID>`, id, false},
		{"empty queue", `<s:Envelope><ns2:GetRequestResponse/></s:Envelope>`, "", false},
		{"not a UUID", `<a:MessageID>` + id[:35] + `z</a:MessageID>`, "", true},
		{"cut short", `<a:MessageID>` + id, "", true},
		{"empty", ``, "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok, err := deliveredID([]byte(tt.answer))
			if (err != nil) != tt.wantErr {
				t.Fatalf("error %v, want one: %v", err, tt.wantErr)
			}
			if string(got) != tt.want || ok != (tt.want != "") {
				t.Errorf("got %q (%v), want %q", got, ok, tt.want)
			}
		})
	}
}

func TestSOAPConsumerTemplates(t *testing.T) {
	c, err := newSOAPConsumer(&poster{})
	if err != nil {
		t.Fatal(err)
	}
	if len(c.get.parts) != 1 || c.get.n == 0 || len(c.ackHead) == 0 || len(c.ackTail) == 0 {
		t.Fatalf("templates: get %d B, ack %d + %d B", c.get.n, len(c.ackHead), len(c.ackTail))
	}
}

func TestBodyReader(t *testing.T) {
	big := make([]byte, joinBelow)
	tests := []struct {
		name     string
		b        body
		inMemory bool // a *bytes.Reader, which net/http writes with its header
	}{
		{"one part", oneBody([]byte("<a/>")), true},
		{"small, in parts", body{parts: [][]byte{[]byte("<a>"), []byte("x"), []byte("</a>")}, n: 8}, true},
		{"large, in parts", body{parts: [][]byte{[]byte("<a>"), big, []byte("</a>")}, n: int64(len(big) + 7)}, false},
		{"large, one part", oneBody(big), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := tt.b.reader()
			if _, ok := r.(*bytes.Reader); ok != tt.inMemory {
				t.Errorf("reader %T, in memory: %v, want %v", r, ok, tt.inMemory)
			}
			got, err := io.ReadAll(r)
			if err != nil || !bytes.Equal(got, tt.b.bytes()) || int64(len(got)) != tt.b.n {
				t.Errorf("read %d B (%v), want %d", len(got), err, tt.b.n)
			}
		})
	}
}

// FuzzDeliveredID: whatever the answer, the scan ends without a panic, and
// an ID it finds is a UUID taken from the answer, right after an opening
// MessageID tag.
func FuzzDeliveredID(f *testing.F) {
	const id = "1b2c3d4e-5f60-11ef-8a9b-0242ac120002"
	for _, s := range []string{
		`<ns2:MessageID>` + id + `</ns2:MessageID>`, `<MessageID>` + id + `</MessageID>`, `<a:MessageId>` + id + `</a:MessageId>`,
		`<s:Envelope><ns2:GetRequestResponse/></s:Envelope>`, `<a:MessageID>` + id[:35] + `z</a:MessageID>`, `MessageID>`, ``,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, answer []byte) {
		got, ok, err := deliveredID(answer)
		switch {
		case err != nil:
			if ok || got != nil {
				t.Fatalf("an error with an ID: %q", got)
			}
		case ok:
			if !isUUID(got) {
				t.Fatalf("%q is not a UUID", got)
			}
			if !bytes.Contains(answer, []byte("MessageID>"+string(got)+"<")) {
				t.Fatalf("%q is not the text of a MessageID element in %q", got, answer)
			}
		default:
			if got != nil {
				t.Fatalf("no ID, but %q", got)
			}
			for _, open := range []string{"<MessageID>", ":MessageID>"} {
				if bytes.Contains(answer, []byte(open)) {
					t.Fatalf("no ID found, but the answer has %s", open)
				}
			}
		}
	})
}
