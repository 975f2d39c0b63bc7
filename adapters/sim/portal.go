package sim

import (
	"context"
	"fmt"
	"sync"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
)

// portal (EPGU01) takes the bailiff's notifications and, being where
// debtors pay, sends the payment notices: when the bailiff notifies that a
// proceeding's measures are in place (event status-changed), the portal
// sends the payment the case has in the data set, if any. It finds the case
// by the notification's transaction code, the writ number, which the
// bailiff uses for every message of a proceeding.
type portal struct {
	agency

	mu sync.Mutex
	// notified counts the notifications taken in, by proceeding number.
	notified map[string]int
	// paid holds the proceedings whose payment notice has been sent.
	paid map[string]bool
}

func newPortal(base agency) *portal {
	return &portal{agency: base, notified: map[string]int{}, paid: map[string]bool{}}
}

func (p *portal) install(a *adapters.Adapter) { a.Requests["Notification"] = p.notification }

func (p *portal) notification(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
	proceeding := text(r.Payload, "ProceedingNumber")
	if text(r.Payload, "Event") == eventStatusChanged {
		if err := p.pay(ctx, proceeding, r.TransactionCode); err != nil {
			// Not acknowledged: the notification comes again and the
			// payment is tried again.
			return nil, err
		}
	}
	p.mu.Lock()
	p.notified[proceeding]++
	p.mu.Unlock()
	p.stats.notifications.Add(1)
	p.stats.changed()
	return nil, nil
}

// pay sends the payment notice of the proceeding's case, once.
func (p *portal) pay(ctx context.Context, proceeding, writ string) error {
	c, ok := p.ds.FindCase(writ)
	if !ok || c.Payment == nil {
		return nil
	}
	p.mu.Lock()
	done := p.paid[proceeding]
	p.mu.Unlock()
	if done {
		return nil
	}
	md, err := p.adapter.Send(ctx, paymentNotice(proceeding, c), adapters.SendOptions{TransactionCode: writ})
	if err != nil {
		return fmt.Errorf("the payment notice of case %s: %w", c.ID, err)
	}
	p.log.Debug("payment notice sent", "case", c.ID, "message", md.MessageID)
	p.mu.Lock()
	p.paid[proceeding] = true
	p.mu.Unlock()
	return nil
}

// notifications returns how many notifications the portal took in for a
// proceeding.
func (p *portal) notifications(proceeding string) int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.notified[proceeding]
}

func paymentNotice(proceeding string, c *dataset.Case) *etree.Element {
	pay := c.Payment
	n := newPayload("payment-notice", "PaymentNotice")
	add(n, "ProceedingNumber", proceeding)
	addParty(n, "Payer", c.Debtor.Party)
	addMoney(n, "Amount", pay.Amount)
	add(n, "PaymentDate", pay.Date)
	add(n, "UIN", pay.UIN)
	addOpt(n, "PaymentDocumentNumber", pay.DocumentNumber)
	add(n, "Channel", string(pay.Channel))
	addOpt(n, "BIC", pay.BIC)
	return n
}
