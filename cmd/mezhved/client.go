package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/exchange/dsig"
	"mezhved/exchange/pki"
	"mezhved/exchange/soap"
	"mezhved/exchange/xmlsafe"
)

const clientUsage = `usage: mezhved client COMMAND --hub URL --key FILE --cert FILE [--version 1.1|1.2|1.3] [--trust FILE|DIR] [--json] [options]

commands:
  send-request  --payload FILE [--message-id ID] [--reference ID] [--transaction CODE] [--eol TIME] [--test]
  get-request   [--type NAMESPACE:ROOT]
  ack           --message-id ID [--refuse]
  send-response --to TOKEN (--payload FILE | --reject CODE:DESCRIPTION) [--message-id ID]
  get-response  [--type NAMESPACE:ROOT]
  status
  stats

--hub is the hub's base URL (http://127.0.0.1:8080) or an endpoint (.../ws/1.1). Prints the hub's
answer as XML, or a JSON summary with --json. Exit status: 0 answered, 1 a fault or an error, 2 usage.`

func runClient(args []string, _ io.Reader, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprintln(stderr, clientUsage)
		return errUsage
	}
	cmd := args[0]
	fs := newFlags("mezhved client "+cmd, stderr)
	fs.Usage = func() { fmt.Fprintln(stderr, clientUsage) }
	hubURL := fs.String("hub", "", "hub URL")
	keyFile := fs.String("key", "", "the participant's private key, PEM")
	certFile := fs.String("cert", "", "the participant's certificate, PEM")
	version := fs.String("version", "1.1", "message exchange version")
	trustPath := fs.String("trust", "", "verify the hub's signatures against these CA certificates")
	hubCert := fs.String("hub-cert", "", "with --trust: the hub's signing certificate (PEM); only it may sign the hub's answers")
	tlsCA := fs.String("tls-ca", "", "for an https hub: the CA of its TLS certificate (default: --trust)")
	asJSON := fs.Bool("json", false, "print a JSON summary")
	payloadFile := fs.String("payload", "", "payload XML file (its root element is the message type)")
	messageID := fs.String("message-id", "", "MessageID (made if empty) or the message to acknowledge")
	reference := fs.String("reference", "", "ReferenceMessageID")
	transaction := fs.String("transaction", "", "TransactionCode")
	eol := fs.String("eol", "", "EOL, RFC 3339")
	test := fs.Bool("test", false, "mark the request as a test (TestMessage)")
	typ := fs.String("type", "", "only messages of this type: NAMESPACE:ROOT (the last colon separates)")
	refuse := fs.Bool("refuse", false, "acknowledge with accepted=false")
	to := fs.String("to", "", "the request's ReplyTo")
	reject := fs.String("reject", "", "answer with RequestRejected CODE:DESCRIPTION (ACCESS_DENIED, NO_DATA, UNKNOWN_REQUEST_DESCRIPTION, FAILURE)")
	if err := parseFlags(fs, args[1:]); err != nil {
		return err
	}
	if *hubURL == "" || *keyFile == "" || *certFile == "" || fs.NArg() != 0 {
		fs.Usage()
		return errUsage
	}
	v, err := soap.ParseVersion(*version)
	if err != nil {
		fmt.Fprintln(stderr, err)
		return errUsage
	}
	key, certs, err := pki.LoadIdentity(*keyFile, *certFile)
	if err != nil {
		return err
	}
	signer, err := dsig.NewSigner(key, certs, dsig.ProfileSMEV)
	if err != nil {
		return err
	}
	if *tlsCA == "" {
		*tlsCA = *trustPath
	}
	hc, err := hubHTTPClient(*hubURL, *tlsCA, key, certs)
	if err != nil {
		return err
	}
	c := &adapters.Client{URL: endpoint(*hubURL, v), Version: v, Signer: signer, HTTP: hc}
	if err := verifyHub(c, *trustPath, *hubCert); err != nil {
		return err
	}
	ns, root := "", ""
	if *typ != "" {
		i := strings.LastIndex(*typ, ":")
		if i <= 0 {
			fmt.Fprintln(stderr, "mezhved client: --type NAMESPACE:ROOT")
			return errUsage
		}
		ns, root = (*typ)[:i], (*typ)[i+1:]
	}
	ctx := context.Background()
	var reply *soap.Reply
	switch cmd {
	case "send-request":
		content, err := readPayload(*payloadFile, stderr)
		if err != nil {
			return err
		}
		d := &soap.RequestData{MessageID: *messageID, ReferenceMessageID: *reference, TransactionCode: *transaction, Content: content, Test: *test}
		if *eol != "" {
			if d.EOL, err = time.Parse(time.RFC3339, *eol); err != nil {
				fmt.Fprintln(stderr, "mezhved client: --eol:", err)
				return errUsage
			}
		}
		reply, err = c.SendRequest(ctx, d, nil)
		return printReply(stdout, stderr, reply, err, *asJSON)
	case "get-request":
		reply, err = c.GetRequest(ctx, ns, root)
		return printReply(stdout, stderr, reply, err, *asJSON)
	case "get-response":
		reply, err = c.GetResponse(ctx, ns, root)
		return printReply(stdout, stderr, reply, err, *asJSON)
	case "ack":
		if *messageID == "" {
			fmt.Fprintln(stderr, "mezhved client ack: --message-id")
			return errUsage
		}
		reply, err = c.Do(ctx, soap.NewAck(v, &soap.AckTarget{MessageID: *messageID, Accepted: !*refuse}))
		return printReply(stdout, stderr, reply, err, *asJSON)
	case "send-response":
		if *to == "" || (*payloadFile == "") == (*reject == "") {
			fmt.Fprintln(stderr, "mezhved client send-response: --to and one of --payload and --reject")
			return errUsage
		}
		d := &soap.ResponseData{MessageID: *messageID, To: *to}
		if *reject != "" {
			code, desc, _ := strings.Cut(*reject, ":")
			d.Rejections = []soap.Rejection{{Code: code, Description: desc}}
		} else if d.Content, err = readPayload(*payloadFile, stderr); err != nil {
			return err
		}
		reply, err = c.SendResponse(ctx, d, nil)
		return printReply(stdout, stderr, reply, err, *asJSON)
	case "status":
		reply, err = c.GetStatus(ctx)
		return printReply(stdout, stderr, reply, err, *asJSON)
	case "stats":
		reply, err = c.Stats(ctx)
		return printReply(stdout, stderr, reply, err, *asJSON)
	}
	fmt.Fprintf(stderr, "mezhved client: unknown command %q\n\n%s\n", cmd, clientUsage)
	return errUsage
}

// endpoint turns a base URL into the version's endpoint.
func endpoint(hubURL string, v soap.Version) string {
	u := strings.TrimRight(hubURL, "/")
	if strings.Contains(u, "/ws/") {
		return u
	}
	return u + "/ws/" + string(v)
}

func readPayload(file string, stderr io.Writer) (*etree.Element, error) {
	if file == "" {
		fmt.Fprintln(stderr, "mezhved client: --payload FILE")
		return nil, errUsage
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	doc, err := xmlsafe.Parse(data, nil)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", file, err)
	}
	return doc.Root(), nil
}

// clientResult is the --json summary of an answer.
type clientResult struct {
	Operation string                 `json:"operation,omitempty"`
	Fault     *soap.Fault            `json:"fault,omitempty"`
	Message   *clientMessage         `json:"message,omitempty"`
	Status    *soap.AsyncStatus      `json:"status,omitempty"`
	Stats     []soap.QueueStatistics `json:"stats,omitempty"`
	Metadata  *soap.Metadata         `json:"metadata,omitempty"`
}

type clientMessage struct {
	MessageID         string `json:"messageId"`
	Sender            string `json:"sender"`
	Type              string `json:"type,omitempty"`
	ReplyTo           string `json:"replyTo,omitempty"`
	OriginalMessageID string `json:"originalMessageId,omitempty"`
	Payload           string `json:"payload,omitempty"`
}

func printReply(stdout, stderr io.Writer, r *soap.Reply, err error, asJSON bool) error {
	if r == nil {
		return err
	}
	if asJSON {
		res := clientResult{Operation: string(r.Operation), Fault: r.Fault, Status: r.Status, Stats: r.Stats, Metadata: r.Metadata}
		if q := r.Request; q != nil {
			res.Message = &clientMessage{MessageID: q.Data.MessageID, Sender: q.Metadata.SenderMnemonic, ReplyTo: q.ReplyTo, Payload: xmlOf(q.Data.Content)}
			res.Message.Type = q.Data.Content.Tag
		}
		if p := r.Response; p != nil {
			res.Message = &clientMessage{MessageID: p.Data.MessageID, Sender: p.Metadata.SenderMnemonic, OriginalMessageID: p.OriginalMessageID, Payload: xmlOf(p.Data.Content)}
			if p.Data.Content != nil {
				res.Message.Type = p.Data.Content.Tag
			}
		}
		enc := json.NewEncoder(stdout)
		enc.SetEscapeHTML(false)
		enc.SetIndent("", "  ")
		if e := enc.Encode(res); e != nil {
			return e
		}
	} else {
		doc := etree.NewDocument()
		doc.SetRoot(r.Envelope.Copy())
		doc.Indent(2)
		doc.WriteTo(stdout)
	}
	if err != nil {
		fmt.Fprintln(stderr, err)
		return exitError{1}
	}
	return nil
}

// xmlOf writes a payload in its exclusive canonical form: only the
// namespace declarations it uses.
func xmlOf(el *etree.Element) string {
	if el == nil {
		return ""
	}
	b, err := dsig.AppendExcC14N(nil, el, nil)
	if err != nil {
		return ""
	}
	return string(b)
}

// verifyHub makes c check the hub's signatures: against the CA
// certificates at trustPath, and, with hubCert, only the hub's own
// certificate may sign (any certificate of those CAs can otherwise, a
// participant's included). Neither: no check.
func verifyHub(c *adapters.Client, trustPath, hubCert string) error {
	if trustPath == "" {
		if hubCert != "" {
			return fmt.Errorf("--hub-cert needs --trust (the CA certificates the hub's certificate chains to)")
		}
		return nil
	}
	trust, err := dsig.LoadTrustStore(trustPath)
	if err != nil {
		return err
	}
	c.Verifier = dsig.NewVerifier(trust, nil)
	if hubCert != "" {
		certs, err := dsig.LoadCertificates(hubCert)
		if err != nil {
			return err
		}
		if len(certs) != 1 {
			return fmt.Errorf("--hub-cert %s: %d certificates; want the hub's one", hubCert, len(certs))
		}
		c.HubCertificate = certs[0]
	}
	return nil
}
