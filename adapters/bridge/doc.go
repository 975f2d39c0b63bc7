// Package bridge lets agencies that do not write Go take part in the
// exchange. It gives the adapter runtime (package adapters) the handlers of
// an agency whose system is an HTTP service (Webhook) or a program that
// reads and writes files (Files):
//
//	wh := &bridge.Webhook{URL: "https://fssp.example/mezhved/requests",
//		ResponseURL: "https://fssp.example/mezhved/responses"}
//	a := &adapters.Adapter{Client: client,
//		Requests:  map[string]adapters.RequestHandler{"*": wh.RequestHandler()},
//		Responses: map[string]adapters.ResponseHandler{"*": wh.ResponseHandler()}}
//
// The runtime acknowledges a message to the hub only after the handler
// returned and what it returned is stored; until then the hub delivers the
// message again after its visibility timeout. Both contracts below follow
// from that: an agency may see the same message more than once and must
// treat a repeated message ID as the same message.
//
// Attachments are not carried by either bridge; the number of attachments a
// request had is passed on so that the agency knows. An agency that needs
// them uses package adapters directly.
//
// # The HTTP contract (Webhook)
//
// Requests. For each request delivered to the agency the bridge sends
//
//	POST <URL>
//	Content-Type: application/xml; charset=utf-8
//	Accept: application/xml
//	X-Mezhved-Message-ID: the request's MessageID (a UUID)
//	X-Mezhved-Sender: the sender's mnemonic, e.g. COURT01
//	X-Mezhved-Type: the payload root's local name, e.g. Writ
//	X-Mezhved-Namespace: the payload root's namespace URI
//	X-Mezhved-Transaction-Code: the transaction code (empty when none)
//	X-Mezhved-Delivered: when the hub delivered it, RFC 3339 in UTC (empty when unknown)
//	X-Mezhved-Attachments: the number of attachments not carried, in decimal
//
// plus the headers of Webhook.Header. Every X-Mezhved-* value is
// percent-encoded UTF-8: each byte other than A-Z a-z 0-9 - . _ ~ is written
// as %XX, so any percent-decoder (decodeURIComponent, urllib.parse.unquote,
// java.net.URLDecoder) restores it; a '+' is never written. The body is the
// payload: one XML document in UTF-8, with an XML declaration, whose root
// element is the payload's root and declares every namespace it uses.
//
// The agency answers with one of:
//
//   - 200 OK with the answer payload as the body: one well-formed XML
//     document (UTF-8, or windows-1251 when its declaration says so) with
//     exactly one root element, no DOCTYPE, at most Webhook.MaxBody bytes
//     (10 MiB by default). It is sent back to the requester as the answer;
//     the hub checks it against the answer type's schema, and an answer it
//     refuses makes the request refused. Content-Type should be
//     application/xml; it is not checked. A 200 whose body is not
//     such a document (empty, truncated, too large) is treated as a failure
//     and retried, as below.
//   - 204 No Content: the request is taken, and there is no answer (yet; an
//     agency that answers later does so through other means).
//   - 4xx other than 408 and 429 (422 Unprocessable Entity is the one to
//     use): the request is refused for good and the hub tells the requester.
//     The body, read as text, is the reason: its first 2 KiB are read,
//     control characters and line breaks become spaces, and it is cut to
//     512 bytes.
//   - 408, 429 or 5xx, or no answer at all (connection refused or reset, no
//     answer within Webhook.Timeout, 30 s by default, for one attempt from
//     connecting to the end of the answer's body): a transient failure. The bridge POSTs the same request
//     again after a random wait (exponential, between
//     Webhook.RetryWaitMin and RetryWaitMax; a Retry-After header on 429 or
//     503 is honoured up to RetryWaitMax), up to Webhook.Attempts POSTs in
//     all (5 by default). When all fail, the request stays unacknowledged
//     and the hub delivers it again later, which starts a new series of
//     POSTs.
//
// Any other status (1xx, 3xx, a 2xx other than 200 and 204) breaks the
// contract: it is not retried at once, the request stays unacknowledged,
// and the hub delivers it again later. Redirects are not followed.
//
// The same request can therefore arrive several times (a retry after a
// lost answer, a redelivery), always with the same X-Mezhved-Message-ID.
// The endpoint must be idempotent: it records the request under its
// message ID once and answers every repetition the same way. Only the
// answer to the POST that succeeds is used.
//
// Responses. Each response to a request the agency sent is POSTed to
// ResponseURL in the same way, with these headers:
//
//	X-Mezhved-Message-ID: the response's MessageID
//	X-Mezhved-Request-ID: the MessageID of the agency's request it answers
//	X-Mezhved-Sender: the responder's mnemonic
//	X-Mezhved-Type, X-Mezhved-Namespace: of the body's root
//	X-Mezhved-Transaction-Code, X-Mezhved-Delivered: as for requests
//
// The body is the response's payload or, when the responder rejected the
// request instead of answering it, a document in the bridge's namespace:
//
//	<Rejections xmlns="urn://mezhved/bridge/1.0">
//	  <Rejection code="NO_DATA">description</Rejection>
//	</Rejections>
//
// (X-Mezhved-Type is then Rejections). The agency answers 2xx when it has
// taken the response (the body is ignored), a 4xx other than 408 and 429 to
// refuse it for good (the body is the reason, as above), and anything else
// to have it sent again: retried as above, then redelivered by the hub. A
// response too can arrive more than once, with the same message ID.
//
// # The directory contract (Files)
//
// Files.Dir holds five directories, created on first use (mode 0770; the
// bridge's files are 0640, so the agency's process should share the
// adapter's group, and its answer files must be readable by the adapter's
// user; an unreadable one is rejected):
//
//	outbox/     requests for the agency; written by the bridge only
//	inbox/      the agency's answers; written by the agency only
//	done/       finished requests; written by the bridge only
//	rejected/   answer files the bridge would not take, with the reason
//	responses/  responses to the agency's own requests
//
// Every file the bridge writes appears complete: it is written under a
// dot-name ending in .tmp in the same directory (".<name>.<random>.tmp"),
// synced to disk, renamed to its name, and the directory is synced. The
// agency must ignore dot-files and *.tmp files, and take only the names
// below. <MessageID> is the message's ID (a UUID; letters, digits, '.',
// '_' and '-'; a message whose ID is anything else is refused).
//
// Requests. For each request the bridge writes
//
//	outbox/<MessageID>.json  the metadata, written first
//	outbox/<MessageID>.xml   the payload, as in the HTTP contract
//
// The metadata is a JSON object:
//
//	{
//	  "message_id": "<MessageID>",
//	  "sender": "COURT01",
//	  "type": "Writ",
//	  "namespace": "urn://mezhved/enforcement/writ/1.0",
//	  "transaction_code": "",
//	  "delivered": "2024-03-05T10:15:00.123456789Z",
//	  "attachments": 0
//	}
//
// ("delivered", RFC 3339 in UTC, is absent when unknown). The agency reacts
// to the .xml: when it appears, the .json is already there. The agency
// must not change, move or delete outbox files: the bridge moves them.
//
// The agency answers by creating exactly one of
//
//	inbox/<MessageID>.xml       the answer payload: one well-formed XML
//	                            document with exactly one root element, no
//	                            DOCTYPE, at most Files.MaxFile bytes (10 MiB
//	                            by default)
//	inbox/<MessageID>.refused   the request is refused for good; the content,
//	                            UTF-8 text, is the reason (cut to 512 bytes)
//	inbox/<MessageID>.noanswer  the request is taken, with no answer; the
//	                            content is ignored (it may be empty)
//
// and it must create it whole: write it under another name in inbox/ (a
// name ending in .tmp, or starting with a dot), close it, then rename it to
// the final name. The bridge looks at exactly these three names, every
// Files.Poll (250 ms by default) while the request is being delivered and
// at every later delivery of it, and ignores every other file. When several
// are there at once, .xml is taken before .refused, .refused before
// .noanswer, and the others are rejected. An answer
// file must be a regular file: a symlink is never followed, and a symlink,
// directory or other special file under an answer name is rejected.
//
// Taking an answer means renaming it into done/; then the bridge moves the
// request's outbox files there too:
//
//	done/<MessageID>.answer.xml    (or .refused, or .noanswer)
//	done/<MessageID>.request.xml
//	done/<MessageID>.request.json
//
// so nothing is taken twice. If the same request is delivered again after
// its answer was taken (the adapter stopped before it recorded it), the
// answer in done/ is returned again and the agency sees nothing new. Files
// in done/ may be pruned by age; a message pruned from done/ loses only
// that protection.
//
// An answer file that cannot be taken (not a regular file, too large,
// unreadable, not well-formed XML, a second answer to a message already
// answered) is moved to
//
//	rejected/<name>.<UTC time as 20060102T150405.000000000Z>
//	rejected/<name>.<UTC time>.reason   one line of text: why
//
// where <name> is its name in the inbox. Unless the message is answered,
// the bridge keeps waiting: the agency may answer again, correctly, under
// the same name.
//
// If no answer is taken within Files.Wait (30 s by default), the request
// stays unacknowledged and the hub delivers it again after its visibility
// timeout (Wait should be shorter than that timeout). The outbox files are
// then already there and are not written again (neither their content nor
// their modification time changes); the bridge keeps waiting for the same
// inbox names. An agency may thus take longer than Wait to answer.
//
// Responses. Each response to a request the agency sent is written as
//
//	responses/<MessageID>.json  the metadata, written first
//	responses/<MessageID>.xml   the payload, or the Rejections document of
//	                            the HTTP contract when the request was
//	                            rejected
//
// The metadata is a JSON object with "message_id", "request_id" (the
// MessageID of the agency's request), "sender", "type", "namespace",
// "transaction_code", "delivered" and, for a rejection, "rejections": a
// list of {"code", "description"}. The response is acknowledged to the hub
// once both files are on disk. The agency takes them (moves or deletes
// them) when it has processed them; the bridge never touches them again,
// and does not rewrite one that is still there when a response is
// delivered again. A response the agency already removed can appear a
// second time if the hub delivers it again: the agency ignores a response
// message ID it has processed.
package bridge
