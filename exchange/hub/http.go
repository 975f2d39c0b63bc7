package hub

import (
	"crypto/x509"
	"errors"
	"io"
	"net/http"
	"strconv"
	"strings"

	"mezhved/exchange/soap"
	"mezhved/schemas"
)

// Endpoint paths.
const (
	// EndpointPrefix is followed by the version: /ws/1.1, /ws/1.2, /ws/1.3.
	EndpointPrefix = "/ws/"
	// ParticipantHeader names the caller of an unsigned call in insecure
	// mode.
	ParticipantHeader = "X-Mezhved-Participant"
)

// Handler serves the SOAP endpoints (POST /ws/1.1, /ws/1.2, /ws/1.3), their
// WSDLs (GET /ws/1.1?wsdl ...) and the schemas the WSDLs import
// (GET /ws/1.1/xsd/types.xsd ...). maxBody bounds a request's body (the
// ingress reports anything longer as too large).
func (h *Hub) Handler(maxBody int64) http.Handler {
	mux := http.NewServeMux()
	for _, v := range soap.Versions() {
		path := EndpointPrefix + string(v)
		mux.HandleFunc("POST "+path, func(w http.ResponseWriter, r *http.Request) {
			raw, err := readBody(w, r, maxBody)
			var mbe *http.MaxBytesError
			if err != nil && !errors.As(err, &mbe) {
				http.Error(w, "cannot read the request", http.StatusBadRequest)
				return
			}
			var peer *x509.Certificate
			if r.TLS != nil && len(r.TLS.VerifiedChains) > 0 {
				peer = r.TLS.VerifiedChains[0][0]
			}
			reply := h.CallFrom(r.Context(), v, raw, r.Header.Get(ParticipantHeader), peer)
			// The length up front: a reply over net/http's 2 KB buffer
			// would go chunked otherwise.
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.Header().Set("Content-Length", strconv.Itoa(len(reply.Body)))
			w.WriteHeader(reply.Status)
			w.Write(reply.Body)
		})
		mux.HandleFunc("GET "+path, func(w http.ResponseWriter, r *http.Request) {
			if !r.URL.Query().Has("wsdl") {
				http.Error(w, "POST SOAP envelopes here; GET "+path+"?wsdl for the service description", http.StatusMethodNotAllowed)
				return
			}
			doc := WSDL(v, endpointURL(r, path))
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			doc.WriteTo(w)
		})
		mux.HandleFunc("GET "+path+"/xsd/{file}", func(w http.ResponseWriter, r *http.Request) {
			data, err := schemas.EnvelopeSchema(string(v), r.PathValue("file"))
			if err != nil {
				http.NotFound(w, r)
				return
			}
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.Write(data)
		})
	}
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Write([]byte("ok\n"))
	})
	return mux
}

// endpointURL is the address clients reach the endpoint at, as this request
// reached the hub.
func endpointURL(r *http.Request, path string) string {
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	host := r.Host
	if strings.ContainsAny(host, "\"<>& ") {
		host = "localhost"
	}
	return scheme + "://" + host + path
}

// readBody reads a request body of at most maxBody+1 bytes (one more than
// the limit, so that the ingress reports the size). The declared length is
// not trusted with memory before the bytes arrive: a body up to
// bodyChunk is read in one allocation of its length, a longer one into a
// buffer that starts at bodyChunk and doubles, never past the declared
// length, as the bytes come. A body shorter than declared is
// io.ErrUnexpectedEOF.
func readBody(w http.ResponseWriter, r *http.Request, maxBody int64) ([]byte, error) {
	body := http.MaxBytesReader(w, r.Body, maxBody+1)
	n := r.ContentLength
	if n <= 0 || n > maxBody+1 {
		return io.ReadAll(body)
	}
	buf := make([]byte, 0, min(n, bodyChunk))
	for int64(len(buf)) < n {
		if len(buf) == cap(buf) {
			grown := make([]byte, len(buf), min(n, 2*int64(cap(buf))))
			copy(grown, buf)
			buf = grown
		}
		m, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+m]
		if err == io.EOF {
			if int64(len(buf)) < n {
				return nil, io.ErrUnexpectedEOF
			}
			break
		}
		if err != nil {
			return nil, err
		}
	}
	return buf, nil
}

// bodyChunk is the most readBody allocates for a body before its bytes
// arrive; an ordinary envelope (a few kilobytes) fits in it.
const bodyChunk = 256 << 10
