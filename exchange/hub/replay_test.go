package hub_test

import (
	"strings"
	"testing"
	"time"

	"mezhved/exchange/audit"
	"mezhved/exchange/soap"
	"mezhved/store"
)

// TestReplayMatchesLiveHub runs flows through the live hub (answered,
// broadcast with one refusal, redelivered until dead, expired) and checks
// that the journal alone rebuilds exactly the states the hub reported: each
// status event a sender got, and each delivery's state in the store.
func TestReplayMatchesLiveHub(t *testing.T) {
	h := startHub(t, hubOptions{visibility: 150 * time.Millisecond, maxAttempts: 2})
	court, fssp := h.client("COURT01"), h.client("FSSP01")
	bank1, bank2 := h.client("BANK044525225"), h.client("BANK044525593")

	// 1. A writ answered and both sides acknowledged.
	writ := send(t, court, "Writ", func(d *soap.RequestData) { d.TransactionCode = "case-1" })
	req := getRequest(t, fssp)
	if err := fssp.Ack(ctx, req.Data.MessageID, true); err != nil {
		t.Fatal(err)
	}
	if _, err := fssp.SendResponse(ctx, &soap.ResponseData{To: req.ReplyTo, Content: payload(t, "WritAnswer")}, nil); err != nil {
		t.Fatal(err)
	}
	resp := getResponse(t, court)
	if err := court.Ack(ctx, resp.Data.MessageID, true); err != nil {
		t.Fatal(err)
	}
	// 2. A broadcast query: one bank acknowledges, the other refuses.
	q := payload(t, "BankAccountQuery")
	q.RemoveChild(q.SelectElement("BIC"))
	bq, err := fssp.SendRequest(ctx, &soap.RequestData{Content: q, TransactionCode: "case-2"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	for c, accept := range map[string]bool{"BANK044525225": true, "BANK044525593": false} {
		cl := bank1
		if c == "BANK044525593" {
			cl = bank2
		}
		r := getRequest(t, cl)
		if err := cl.Ack(ctx, r.Data.MessageID, accept); err != nil {
			t.Fatal(err)
		}
	}
	// 3. A writ never acknowledged: delivered twice, then dead.
	dead := send(t, court, "Writ", func(d *soap.RequestData) { d.TransactionCode = "case-3" })
	getRequest(t, fssp)
	eventually(t, 5*time.Second, "redelivery", func() bool { return getRequest(t, fssp) != nil })
	// 4. A writ whose EOL passes in its queue.
	expired := send(t, court, "Writ", func(d *soap.RequestData) {
		d.TransactionCode = "case-4"
		d.EOL = time.Now().Add(200 * time.Millisecond)
	})

	// What the hub reported to the senders.
	reported := map[[2]string]string{} // message, recipient -> category
	for _, who := range []string{"COURT01", "FSSP01"} {
		cl := h.client(who)
		eventually(t, 10*time.Second, "status events for "+who, func() bool {
			for {
				st := status(t, cl)
				if st == nil {
					break
				}
				recipient, _, _ := strings.Cut(st.Details, ":")
				reported[[2]string{st.OriginalMessageID, recipient}] = st.Category
			}
			switch who {
			case "COURT01":
				// writ acked, dead letter, expiry
				return reported[[2]string{writ.MessageID, "FSSP01"}] != "" && reported[[2]string{dead.MessageID, "FSSP01"}] != "" &&
					reported[[2]string{expired.MessageID, "FSSP01"}] != ""
			default:
				// the response delivered, the two banks' answers to the broadcast
				return reported[[2]string{resp.Data.MessageID, "COURT01"}] != "" &&
					reported[[2]string{bq.Metadata.MessageID, "BANK044525225"}] != "" && reported[[2]string{bq.Metadata.MessageID, "BANK044525593"}] != ""
			}
		})
	}
	category := map[string]string{ // the delivery state each reported category stands for
		store.DeliveryAcked: soap.StatusUnderProcessing, store.DeliveryRefused: soap.StatusRequestIsRejectedBySmev,
		store.DeliveryDead: soap.StatusRequestIsRejectedBySmev, store.DeliveryExpired: soap.StatusRequestIsRejectedBySmev,
	}
	for _, tc := range []string{"case-1", "case-2", "case-3", "case-4"} {
		convs, err := audit.Replay(ctx, h.st, audit.Query{TransactionCode: tc})
		if err != nil {
			t.Fatal(err)
		}
		if len(convs) != 1 {
			t.Fatalf("%s: %d conversations", tc, len(convs))
		}
		for _, m := range convs[0].Messages {
			live, err := h.st.Deliveries(ctx, m.MessageID)
			if err != nil {
				t.Fatal(err)
			}
			if len(live) != len(m.Deliveries) {
				t.Fatalf("%s %s: the replay has %d deliveries, the store %d", tc, m.MessageID, len(m.Deliveries), len(live))
			}
			for _, d := range m.Deliveries {
				if live[d.Recipient] != d.State {
					t.Errorf("%s %s to %s: replayed %s, the store holds %s", tc, m.Kind, d.Recipient, d.State, live[d.Recipient])
				}
				if got, ok := reported[[2]string{m.MessageID, d.Recipient}]; ok {
					want := category[d.State]
					if m.Kind == "response" && d.State == store.DeliveryAcked {
						want = soap.StatusResponseIsDelivered
					}
					if got != want {
						t.Errorf("%s %s to %s: the hub reported %s, the replayed state %s stands for %s", tc, m.Kind, d.Recipient, got, d.State, want)
					}
				}
			}
		}
	}
	// Conversations hold their responses.
	convs, _ := audit.Replay(ctx, h.st, audit.Query{MessageID: writ.MessageID})
	if len(convs) != 1 || len(convs[0].Messages) != 2 || convs[0].Messages[1].Kind != "response" || convs[0].Messages[1].ResponseTo != writ.MessageID {
		t.Fatalf("the writ's conversation: %+v", convs)
	}
	// And the whole state rebuilt from the journal equals the store's.
	diffs, n, err := audit.CompareState(ctx, h.st)
	// Deliveries: the writ, its response, the broadcast to two banks, the
	// dead letter and the expired writ.
	if err != nil || len(diffs) != 0 || n != 6 {
		t.Fatalf("state: %d deliveries, differences %v, %v", n, diffs, err)
	}
}
