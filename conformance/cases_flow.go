package conformance

import (
	"context"
	"crypto/rand"
	"fmt"
	"math/big"
	"time"

	"github.com/beevik/etree"

	"mezhved/exchange/soap"
)

// FLOW: the enforcement flows of DOMAIN.md, end to end, with the shipped
// message types: each request reaches the agency its type and payload route
// it to, and each answer comes back to the asker referring to the request.
func flowCases() []Case {
	return []Case{
		{ID: "FLOW-001", Desc: "a court's writ reaches the bailiffs, who open a proceeding; its number comes back to the court referring to the writ", Run: flowWrit("court", "writ-of-execution")},
		{ID: "FLOW-002", Desc: "writs of the traffic police (a fine) and of the tax service (a tax act) reach the bailiffs and are answered", Run: flowOtherWrits},
		{ID: "FLOW-003", Desc: "asset queries fan out to the traffic police, tax service, land registry and pension fund; each answer refers to its query", Run: flowQueries},
		{ID: "FLOW-004", Desc: "a decree arresting funds reaches the bank holding the account (by its BIC), which reports how much it froze", Run: flowArrest},
		{ID: "FLOW-005", Desc: "decrees banning real estate, a vehicle and a driving licence reach the land registry and the traffic police by their targets", Run: flowBans},
		{ID: "FLOW-006", Desc: "the portal's payment notice reaches the bailiffs, whose decree lifting the arrest the bank executes", Run: flowPaymentAndLift},
		{ID: "FLOW-007", Desc: "a notification reaches the citizen portal, and its acknowledgement reaches the bailiffs as underProcessing", Run: flowNotification},
		{ID: "FLOW-008", Desc: "one proceeding end to end: writ, proceeding number, queries, arrest, notification, payment, lift, closing notification", Run: flowProceeding},
	}
}

// proceedingNumber returns a fresh proceeding number, N/YY/77001-ИП.
func proceedingNumber() string {
	n, err := rand.Int(rand.Reader, big.NewInt(99_999_999))
	if err != nil {
		n = big.NewInt(time.Now().UnixNano() % 99_999_999)
	}
	return fmt.Sprintf("%d/%02d/77001-ИП", n.Int64()+1, time.Now().Year()%100)
}

// decreeNumber returns a fresh decree number, 77001/YY/N.
func decreeNumber() string {
	n, err := rand.Int(rand.Reader, big.NewInt(9_999_999_999))
	if err != nil {
		n = big.NewInt(time.Now().UnixNano() % 9_999_999_999)
	}
	return fmt.Sprintf("77001/%02d/%d", time.Now().Year()%100, n.Int64()+1)
}

const day = "2006-01-02"

// writFrom is the sample writ as an issuer's, of a document kind.
func writFrom(issuer, kind string) *etree.Element {
	w := payload("Writ")
	set(w, "Issuer/Code", issuer)
	set(w, "DocumentKind", kind)
	set(w, "DocumentNumber", "№ "+decreeNumber())
	return w
}

// acceptWrit is the bailiffs' answer to a writ: accepted, with a proceeding.
func acceptWrit(proceeding string) func(*soap.DeliveredRequest) *etree.Element {
	return func(r *soap.DeliveredRequest) *etree.Element {
		a := payload("WritAnswer")
		set(a, "WritRef/Number", text(r.Data.Content, "DocumentNumber"))
		set(a, "WritRef/Date", text(r.Data.Content, "DocumentDate"))
		set(a, "Accepted/ProceedingNumber", proceeding)
		set(a, "Accepted/OpenedDate", time.Now().Format(day))
		return a
	}
}

// submitWrit has an issuer's writ accepted and returns the proceeding
// number the issuer received.
func (e *Env) submitWrit(ctx context.Context, issuer, kind string) (string, error) {
	bailiff := e.Participant("bailiff")
	writ := writFrom(issuer, kind)
	number := text(writ, "DocumentNumber")
	proceeding := proceedingNumber()
	c, err := e.converse(ctx, soap.V11, issuer, bailiff, writ, acceptWrit(proceeding))
	if err != nil {
		return "", err
	}
	got := c.Response.Response.Data.Content
	if text(got, "WritRef/Number") != number || text(got, "Accepted/ProceedingNumber") != proceeding {
		return "", fmt.Errorf("%s received an answer about %q with proceeding %q, want %q and %q", issuer,
			text(got, "WritRef/Number"), text(got, "Accepted/ProceedingNumber"), number, proceeding)
	}
	return proceeding, nil
}

func flowWrit(role, kind string) func(context.Context, *Env) error {
	return func(ctx context.Context, e *Env) error {
		_, err := e.submitWrit(ctx, e.Participant(role), kind)
		return err
	}
}

func flowOtherWrits(ctx context.Context, e *Env) error {
	if _, err := e.submitWrit(ctx, e.Participant("traffic-police"), "traffic-fine-decision"); err != nil {
		return err
	}
	_, err := e.submitWrit(ctx, e.Participant("tax"), "tax-authority-act")
	return err
}

// query sends a query with a proceeding number to an agency, which answers
// with the sample answer for that proceeding; the answer must name it.
func (e *Env) query(ctx context.Context, to, queryRoot, answerRoot, proceeding string, adjust func(q *etree.Element)) (*etree.Element, error) {
	q := set(payload(queryRoot), "ProceedingNumber", proceeding)
	if adjust != nil {
		adjust(q)
	}
	c, err := e.converse(ctx, soap.V11, e.Participant("bailiff"), to, q, func(r *soap.DeliveredRequest) *etree.Element {
		return set(payload(answerRoot), "ProceedingNumber", text(r.Data.Content, "ProceedingNumber"))
	})
	if err != nil {
		return nil, fmt.Errorf("%s to %s: %w", queryRoot, to, err)
	}
	got := c.Response.Response.Data.Content
	if text(got, "ProceedingNumber") != proceeding {
		return nil, fmt.Errorf("%s's %s names proceeding %q, want %q", to, answerRoot, text(got, "ProceedingNumber"), proceeding)
	}
	return got, nil
}

func flowQueries(ctx context.Context, e *Env) error {
	p := proceedingNumber()
	for _, q := range []struct{ role, query, answer string }{
		{"traffic-police", "VehicleQuery", "VehicleAnswer"},
		{"tax", "AccountQuery", "AccountAnswer"},
		{"land-registry", "RealEstateQuery", "RealEstateAnswer"},
		{"pension-fund", "IncomeQuery", "IncomeAnswer"},
	} {
		if _, err := e.query(ctx, e.Participant(q.role), q.query, q.answer, p, nil); err != nil {
			return err
		}
	}
	return nil
}

// decreeOf builds a decree of a kind for a proceeding, with targets (nil:
// the sample's accounts replaced by none).
func decreeOf(kind, proceeding string, targets func(t *etree.Element)) *etree.Element {
	d := payload("Decree")
	set(d, "DecreeNumber", decreeNumber())
	set(d, "DecreeDate", time.Now().Format(day))
	set(d, "ProceedingNumber", proceeding)
	set(d, "Kind", kind)
	if t := find(d, "Targets"); t != nil {
		for _, c := range t.ChildElements() {
			t.RemoveChild(c)
		}
		targets(t)
	}
	return d
}

// accountTarget adds an account at a bank to a decree's targets.
func accountTarget(bic string, serial int) func(*etree.Element) {
	return func(t *etree.Element) {
		a := t.CreateElement("Account")
		a.CreateElement("AccountNumber").SetText(account(bic, serial))
		a.CreateElement("BIC").SetText(bic)
	}
}

// execute has the bailiffs send a decree to the recipient it must be routed
// to, which reports status (with amount when set); the bailiffs must get the
// result for that decree.
func (e *Env) execute(ctx context.Context, to string, decree *etree.Element, status, amount string) error {
	number := text(decree, "DecreeNumber")
	c, err := e.converse(ctx, soap.V11, e.Participant("bailiff"), to, decree, func(r *soap.DeliveredRequest) *etree.Element {
		res := payload("DecreeResult")
		set(res, "DecreeNumber", text(r.Data.Content, "DecreeNumber"))
		set(res, "ProceedingNumber", text(r.Data.Content, "ProceedingNumber"))
		set(res, "Status", status)
		set(res, "ExecutedAt", time.Now().Format(time.RFC3339))
		if amount == "" {
			if x := find(res, "ExecutedAmount"); x != nil {
				res.RemoveChild(x)
			}
			set(res, "ReasonText", "Исполнено.")
			rec := etree.NewElement("RegistryRecordId")
			rec.SetText("conformance-" + text(r.Data.Content, "DecreeNumber"))
			res.InsertChildAt(find(res, "ExecutedAt").Index(), rec)
		} else {
			set(res, "ExecutedAmount", amount)
		}
		return res
	})
	if err != nil {
		return fmt.Errorf("%s decree to %s: %w", text(decree, "Kind"), to, err)
	}
	got := c.Response.Response.Data.Content
	if text(got, "DecreeNumber") != number || text(got, "Status") != status {
		return fmt.Errorf("the result names decree %q %q, want %q %q", text(got, "DecreeNumber"), text(got, "Status"), number, status)
	}
	return nil
}

func flowArrest(ctx context.Context, e *Env) error {
	bank := e.Participant("bank", 1)
	d := decreeOf("arrest-funds", proceedingNumber(), accountTarget(e.BIC(bank), 31))
	return e.execute(ctx, bank, d, "partly-executed", "48250.17")
}

func flowBans(ctx context.Context, e *Env) error {
	p := proceedingNumber()
	registry, police := e.Participant("land-registry"), e.Participant("traffic-police")
	for _, b := range []struct {
		kind, to string
		target   func(*etree.Element)
	}{
		{"ban-real-estate-registration", registry, func(t *etree.Element) { t.CreateElement("CadastralNumber").SetText("77:01:0001040:2187") }},
		{"ban-vehicle-registration", police, func(t *etree.Element) { t.CreateElement("VIN").SetText("Z94CB41A3GR323022") }},
		{"restrict-driving-licence", police, func(t *etree.Element) {
			t.CreateElement("DrivingLicence").CreateElement("Number").SetText("7712345678")
		}},
	} {
		d := decreeOf(b.kind, p, b.target)
		if x := find(d, "Amount"); x != nil {
			d.RemoveChild(x)
		}
		if err := e.execute(ctx, b.to, d, "executed", ""); err != nil {
			return err
		}
	}
	return nil
}

// notice has the portal tell the bailiffs of a payment.
func (e *Env) notice(ctx context.Context, proceeding string) error {
	portal, bailiff := e.Participant("portal"), e.Participant("bailiff")
	n := set(payload("PaymentNotice"), "ProceedingNumber", proceeding)
	set(n, "PaymentDate", time.Now().Format(day))
	s, err := e.send(ctx, soap.V11, portal, n)
	if err != nil {
		return err
	}
	r, err := e.awaitRequest(ctx, soap.V11, bailiff, typeOf(n), s.ID)
	if err != nil {
		return err
	}
	if got := text(r.Request.Data.Content, "ProceedingNumber"); got != proceeding {
		return fmt.Errorf("the payment notice reached the bailiffs about %q, want %q", got, proceeding)
	}
	return e.ack(ctx, soap.V11, bailiff, s.ID, true)
}

// lift has the bank lift an arrest, on the accounts it named.
func (e *Env) lift(ctx context.Context, bank, proceeding string, arrest *etree.Element) error {
	d := decreeOf("lift-arrest", proceeding, func(t *etree.Element) {
		if at := find(arrest, "Targets"); at != nil {
			for _, c := range at.ChildElements() {
				t.AddChild(c.Copy())
			}
		}
	})
	if x := find(d, "Amount"); x != nil {
		d.RemoveChild(x)
	}
	ref := etree.NewElement("LiftedDecree")
	ref.CreateElement("DecreeNumber").SetText(text(arrest, "DecreeNumber"))
	ref.CreateElement("DecreeDate").SetText(text(arrest, "DecreeDate"))
	d.InsertChildAt(find(d, "Text").Index(), ref)
	return e.execute(ctx, bank, d, "executed", "")
}

func flowPaymentAndLift(ctx context.Context, e *Env) error {
	bank := e.Participant("bank", 0)
	p := proceedingNumber()
	arrest := decreeOf("arrest-funds", p, accountTarget(e.BIC(bank), 31))
	if err := e.execute(ctx, bank, arrest.Copy(), "executed", "348912.45"); err != nil {
		return err
	}
	if err := e.notice(ctx, p); err != nil {
		return err
	}
	return e.lift(ctx, bank, p, arrest)
}

// notify has the bailiffs notify the portal of an event; the portal's
// acknowledgement must reach the bailiffs.
func (e *Env) notify(ctx context.Context, proceeding, event string) error {
	bailiff, portal := e.Participant("bailiff"), e.Participant("portal")
	n := set(payload("Notification"), "ProceedingNumber", proceeding)
	set(n, "Event", event)
	set(n, "EventTime", time.Now().Format(time.RFC3339))
	s, err := e.send(ctx, soap.V11, bailiff, n)
	if err != nil {
		return err
	}
	r, err := e.awaitRequest(ctx, soap.V11, portal, typeOf(n), s.ID)
	if err != nil {
		return err
	}
	if got := text(r.Request.Data.Content, "Event"); got != event {
		return fmt.Errorf("the notification reached the portal as %q, want %q", got, event)
	}
	if err := e.ack(ctx, soap.V11, portal, s.ID, true); err != nil {
		return err
	}
	_, err = e.awaitStatus(ctx, soap.V11, bailiff, s.ID, e.statusIs(soap.StatusUnderProcessing, ""))
	return err
}

func flowNotification(ctx context.Context, e *Env) error {
	return e.notify(ctx, proceedingNumber(), "decree-issued")
}

func flowProceeding(ctx context.Context, e *Env) error {
	p, err := e.submitWrit(ctx, e.Participant("court"), "writ-of-execution")
	if err != nil {
		return err
	}
	if err := e.notify(ctx, p, "proceeding-opened"); err != nil {
		return err
	}
	if _, err := e.query(ctx, e.Participant("traffic-police"), "VehicleQuery", "VehicleAnswer", p, nil); err != nil {
		return err
	}
	accounts, err := e.query(ctx, e.Participant("tax"), "AccountQuery", "AccountAnswer", p, nil)
	if err != nil {
		return err
	}
	// Ask the first bank the tax service named, by its BIC.
	bic := text(accounts, "Bank/BIC")
	bank := ""
	for m, b := range e.s.banks {
		if b == bic {
			bank = m
		}
	}
	if bank == "" {
		return fmt.Errorf("the tax service's answer names BIC %q, which no bank of the registry has", bic)
	}
	if _, err := e.query(ctx, bank, "BankAccountQuery", "BankAccountAnswer", p, func(q *etree.Element) { set(q, "BIC", bic) }); err != nil {
		return err
	}
	arrest := decreeOf("arrest-funds", p, accountTarget(bic, 77))
	if err := e.execute(ctx, bank, arrest.Copy(), "partly-executed", "48250.17"); err != nil {
		return err
	}
	if err := e.notify(ctx, p, "decree-issued"); err != nil {
		return err
	}
	if err := e.notice(ctx, p); err != nil {
		return err
	}
	if err := e.lift(ctx, bank, p, arrest); err != nil {
		return err
	}
	return e.notify(ctx, p, "proceeding-closed")
}
