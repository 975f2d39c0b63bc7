package hub

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
)

// trickle is a request body that hands out at most step bytes a read and
// records the room the first read was offered: what readBody allocated
// before any byte came.
type trickle struct {
	data      []byte
	step      int
	firstRoom int
	reads     int
}

func (b *trickle) Read(p []byte) (int, error) {
	if b.reads == 0 {
		b.firstRoom = len(p)
	}
	b.reads++
	if len(b.data) == 0 {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), b.step)], b.data)
	b.data = b.data[n:]
	return n, nil
}

// TestReadBody: readBody returns the body as sent, in one allocation of its
// length when it is small; allocates no more than bodyChunk before bytes
// arrive and never more than the declared length however the bytes come;
// reads one byte past the limit and reports it (the ingress then refuses
// the envelope as too large); and refuses a body shorter than declared.
func TestReadBody(t *testing.T) {
	const maxBody = 10 << 20
	body := func(n int) []byte { return bytes.Repeat([]byte("<x/>"), n/4+1)[:n] }
	for _, tc := range []struct {
		name     string
		data     []byte
		declared int64 // the Content-Length; -1 unknown
		max      int64
		step     int // bytes per read; 0: all at once
		want     []byte
		wantCap  int   // the capacity of the result (0: unchecked)
		wantErr  error // nil, io.ErrUnexpectedEOF, or any *http.MaxBytesError
		maxFirst int   // the most room the first read may be offered (0: unchecked)
	}{
		{name: "small", data: body(4000), declared: 4000, max: maxBody, want: body(4000), wantCap: 4000},
		{name: "exactly the chunk", data: body(bodyChunk), declared: bodyChunk, max: maxBody, want: body(bodyChunk), wantCap: bodyChunk},
		{name: "large", data: body(1<<20 + 3), declared: 1<<20 + 3, max: maxBody, want: body(1<<20 + 3), wantCap: 1<<20 + 3, maxFirst: bodyChunk},
		{name: "large, trickling in", data: body(1<<20 + 3), declared: 1<<20 + 3, max: maxBody, step: 1000, want: body(1<<20 + 3), wantCap: 1<<20 + 3, maxFirst: bodyChunk},
		{name: "one byte over the limit", data: body(1001), declared: 1001, max: 1000, want: body(1001)},
		{name: "over the limit", data: body(5000), declared: 5000, max: 1000, want: body(1001), wantErr: &http.MaxBytesError{}},
		{name: "over the limit, undeclared", data: body(5000), declared: -1, max: 1000, want: body(1001), wantErr: &http.MaxBytesError{}},
		{name: "shorter than declared", data: body(3), declared: 10, max: maxBody, wantErr: io.ErrUnexpectedEOF},
		{name: "nothing of what was declared", data: nil, declared: 10, max: maxBody, wantErr: io.ErrUnexpectedEOF},
		{name: "10 MiB declared, 300 KiB sent", data: body(300 << 10), declared: maxBody, max: maxBody, step: 4096, wantErr: io.ErrUnexpectedEOF, maxFirst: bodyChunk},
		{name: "unknown length", data: body(300 << 10), declared: -1, max: maxBody, want: body(300 << 10)},
		{name: "empty", data: nil, declared: 0, max: maxBody, want: []byte{}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			src := &trickle{data: tc.data, step: tc.step}
			if src.step == 0 {
				src.step = len(tc.data)
			}
			r := httptest.NewRequest(http.MethodPost, "/ws/1.1", src)
			r.ContentLength = tc.declared
			got, err := readBody(httptest.NewRecorder(), r, tc.max)
			var mbe *http.MaxBytesError
			switch {
			case tc.wantErr == nil && err != nil:
				t.Fatalf("err = %v", err)
			case errors.As(tc.wantErr, &mbe):
				if !errors.As(err, &mbe) || mbe.Limit != tc.max+1 {
					t.Fatalf("err = %v, want http.MaxBytesError with the limit %d", err, tc.max+1)
				}
			case tc.wantErr != nil && !errors.Is(err, tc.wantErr):
				t.Fatalf("err = %v, want %v", err, tc.wantErr)
			}
			if tc.want != nil && !bytes.Equal(got, tc.want) {
				t.Fatalf("read %d bytes, want %d (or other bytes)", len(got), len(tc.want))
			}
			if tc.wantErr == io.ErrUnexpectedEOF && got != nil {
				t.Fatalf("%d bytes returned with the error", len(got))
			}
			if tc.wantCap > 0 && cap(got) != tc.wantCap {
				t.Fatalf("the result's capacity is %d, want %d", cap(got), tc.wantCap)
			}
			if tc.maxFirst > 0 && src.firstRoom > tc.maxFirst {
				t.Fatalf("%d bytes allocated before the first byte came, want at most %d", src.firstRoom, tc.maxFirst)
			}
		})
	}
}
