package hub

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"strings"
)

// replyTokens issues and opens ReplyTo addresses: opaque tokens naming the
// request and its sender, authenticated with an HMAC, so that a responder can
// reach only the queue of the consumer that asked.
//
// A token is "mz1." base64url(<request id> 0x00 <requester>) "." base64url(HMAC-SHA-256[:16]).
type replyTokens struct{ key []byte }

func newReplyTokens(key []byte) *replyTokens { return &replyTokens{key: append([]byte(nil), key...)} }

const replyPrefix = "mz1."

func (r *replyTokens) mac(body []byte) []byte {
	m := hmac.New(sha256.New, r.key)
	m.Write([]byte(replyPrefix))
	m.Write(body)
	return m.Sum(nil)[:16]
}

func (r *replyTokens) issue(requestID, requester string) string {
	body := []byte(requestID + "\x00" + requester)
	enc := base64.RawURLEncoding.Strict()
	return replyPrefix + enc.EncodeToString(body) + "." + enc.EncodeToString(r.mac(body))
}

func (r *replyTokens) open(token string) (requestID, requester string, ok bool) {
	rest, found := strings.CutPrefix(strings.TrimSpace(token), replyPrefix)
	if !found {
		return "", "", false
	}
	b64body, b64mac, found := strings.Cut(rest, ".")
	if !found {
		return "", "", false
	}
	// Strict: the unused low bits of the last character must be zero, so
	// that only the token issue wrote opens, not variants of it.
	enc := base64.RawURLEncoding.Strict()
	body, err := enc.DecodeString(b64body)
	if err != nil {
		return "", "", false
	}
	mac, err := enc.DecodeString(b64mac)
	if err != nil || !hmac.Equal(mac, r.mac(body)) {
		return "", "", false
	}
	requestID, requester, found = strings.Cut(string(body), "\x00")
	return requestID, requester, found && requestID != "" && requester != ""
}
