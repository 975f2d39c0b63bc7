package sim

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
)

// bailiff (FSSP01) runs the enforcement proceedings: it takes the writs,
// opens a proceeding for each, queries the debtor's assets, issues the
// decrees the data set's rules call for, lifts or collects, and closes. It
// notifies the portal along the way.
//
// Every message of a proceeding carries the writ number as its transaction
// code, so that the journal and the other agencies can follow a case.
//
// A handler holds its proceeding's lock while it sends what the new state
// calls for (advance); handlers of different proceedings run in parallel.
// Each step is marked done only once its message is accepted by the hub, so
// a handler that fails half-way (and gets its message again) carries on
// where it stopped.
type bailiff struct {
	agency

	mu       sync.Mutex
	byWrit   map[string]*proceeding // writ number ->
	byNumber map[string]*proceeding // proceeding number ->
	extra    int                    // serials given to writs not in the data set
}

func newBailiff(base agency) *bailiff {
	return &bailiff{agency: base, byWrit: map[string]*proceeding{}, byNumber: map[string]*proceeding{}}
}

func (b *bailiff) install(a *adapters.Adapter) {
	a.Requests["Writ"] = b.writ
	a.Requests["PaymentNotice"] = b.payment
	a.Responses["VehicleAnswer"] = b.vehicleAnswer
	a.Responses["AccountAnswer"] = b.accountAnswer
	a.Responses["BankAccountAnswer"] = b.bankAccountAnswer
	a.Responses["RealEstateAnswer"] = b.realEstateAnswer
	a.Responses["IncomeAnswer"] = b.incomeAnswer
	a.Responses["DecreeResult"] = b.decreeResult
	a.Responses["*"] = b.otherResponse
}

// proceeding is the bailiff's file of one enforcement proceeding.
type proceeding struct {
	mu sync.Mutex

	serial      int
	number      string // N/YY/77001-ИП
	year        int    // two digits, of the proceeding and its decrees
	opened      string // date
	writ        string // the writ's document number: the transaction code
	writDate    string
	writMessage string // MessageID of the writ
	debtor      dataset.Party
	debt        int64
	// childSupport comes from the writ's subject; licence from the
	// bailiff's records of the debtor (the data set), since no message of
	// the cycle carries it; paymentExpected from the data set, standing in
	// for the period of voluntary payment (dataset.Outcome, rule 6).
	childSupport    bool
	licence         string
	paymentExpected bool

	done     map[string]bool // steps done: messages accepted by the hub, decrees planned
	answered map[string]bool // queries answered, by query key
	banks    []string        // BICs the tax service named (valid once answered["account"])
	accounts []dataset.BankAccount
	vins     []string
	lots     []string // cadastral numbers
	decrees  []*decree
	byNumber map[string]*decree
	payments map[string]bool // MessageIDs of the payment notices taken in

	notifications int   // notifications accepted by the hub
	paid          int64 // sum of the payment notices
	closed        bool
}

// decree is one decree of a proceeding and what became of it.
type decree struct {
	number, date, kind string
	// target is the account number, VIN, cadastral number or licence
	// number; bic goes with an account.
	target, bic string
	// amount: asked for (arrest) or to collect (collect-funds); balance:
	// what the bank reported for the account (arrest).
	amount, balance int64
	// of is, for a lifting or collecting decree, the arrest or restriction
	// it acts on.
	of *decree

	sent, notified bool
	status         string // "" until the result
	executed       int64  // ExecutedAmount of the result
	reason         string
}

// restricting reports whether d places a measure (arrest, ban, restriction).
func (d *decree) restricting() bool { _, ok := liftOf[d.kind]; return ok }

// placed reports whether d's measure is in place at its recipient.
func (d *decree) placed() bool {
	return d.restricting() && (d.status == statusExecuted || d.status == statusPartly)
}

func (p *proceeding) mark(step string) { p.done[step] = true }

// find returns the proceeding a message names, or nil.
func (b *bailiff) find(number string) *proceeding {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.byNumber[number]
}

// writ opens a proceeding for a writ (or finds the one a redelivered writ
// opened), sends what opening calls for and answers with the proceeding
// number. A second writ with the same number is rejected as a duplicate.
//
// The notification and the queries go before the answer, which the adapter
// sends when the handler returns: that way they are in the hub before the
// writ is acknowledged, and a failure half-way has the writ delivered again
// rather than a proceeding opened with nothing sent.
func (b *bailiff) writ(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
	w := r.Payload
	number, date := text(w, "DocumentNumber"), text(w, "DocumentDate")
	debt, err := parseMoney(text(w, "Amount"))
	if text(w, "Amount") == "" || err != nil || debt <= 0 {
		return answer(writRejected(number, date, rejectRequirements, "Не указана сумма взыскания")), nil
	}
	b.mu.Lock()
	p := b.byWrit[number]
	if p != nil && p.writMessage != r.MessageID {
		b.mu.Unlock()
		return answer(writRejected(number, date, rejectDuplicate, "Исполнительный документ уже предъявлен, производство "+p.number)), nil
	}
	if p == nil {
		p = b.open(r.MessageID, number, date, debt, readParty(w.FindElement("Debtor")), text(w, "Subject"))
	}
	b.mu.Unlock()

	p.mu.Lock()
	defer p.mu.Unlock()
	if err := b.advance(ctx, p); err != nil {
		return nil, err
	}
	b.stats.changed()
	return answer(writAccepted(p)), nil
}

func writAccepted(p *proceeding) *etree.Element {
	a := newPayload("writ", "WritAnswer")
	ref := a.CreateElement("WritRef")
	add(ref, "Number", p.writ)
	add(ref, "Date", p.writDate)
	acc := a.CreateElement("Accepted")
	add(acc, "ProceedingNumber", p.number)
	add(acc, "OpenedDate", p.opened)
	return a
}

// open files a new proceeding. Callers hold b.mu.
func (b *bailiff) open(message, writ, date string, debt int64, debtor dataset.Party, subject string) *proceeding {
	p := &proceeding{writ: writ, writDate: date, writMessage: message, debt: debt, debtor: debtor,
		childSupport: strings.Contains(strings.ToLower(subject), "алимент"),
		year:         time.Now().Year() % 100, opened: today(),
		done: map[string]bool{}, answered: map[string]bool{}, byNumber: map[string]*decree{}, payments: map[string]bool{}}
	// The serial of a writ of the data set is its case's position, which
	// keeps proceeding numbers unique and the same on every run; others
	// are numbered after the data set's.
	if c, ok := b.ds.FindCase(writ); ok {
		p.serial = slices.IndexFunc(b.ds.Cases, func(x dataset.Case) bool { return x.DocumentNumber == writ }) + 1
		p.paymentExpected = c.Payment != nil
	} else {
		b.extra++
		p.serial = len(b.ds.Cases) + b.extra
	}
	if d, ok := b.ds.FindDebtor(dataset.DebtorKey{INN: debtor.INN, SNILS: debtor.SNILS}); ok {
		p.licence = d.DrivingLicence
	}
	p.number = fmt.Sprintf("%d/%02d/%s-ИП", p.serial, p.year, divisionCode)
	b.byWrit[writ] = p
	b.byNumber[p.number] = p
	b.stats.proceedings.Add(1)
	return p
}

func writRejected(number, date, code, why string) *etree.Element {
	a := newPayload("writ", "WritAnswer")
	ref := a.CreateElement("WritRef")
	add(ref, "Number", number)
	add(ref, "Date", date)
	rej := a.CreateElement("Rejected")
	add(rej, "ReasonCode", code)
	add(rej, "ReasonText", why)
	return a
}

// payment takes a payment notice; a full payment leads to the lifts, a
// partial one to the collection.
func (b *bailiff) payment(ctx context.Context, r *adapters.Request) (*adapters.Answer, error) {
	p := b.find(text(r.Payload, "ProceedingNumber"))
	if p == nil {
		return nil, adapters.Refuse("no such proceeding")
	}
	amount, err := parseMoney(text(r.Payload, "Amount"))
	if err != nil {
		return nil, adapters.Refuse("the amount: %v", err)
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.payments[r.MessageID] {
		p.payments[r.MessageID] = true
		p.paid += amount
		b.stats.payments.Add(1)
	}
	defer b.stats.changed()
	return nil, b.advance(ctx, p)
}

// onAnswer runs fn on the proceeding an answer names, under its lock, then
// advances the proceeding. An answer to an unknown proceeding is refused.
func (b *bailiff) onAnswer(ctx context.Context, r *adapters.Response, fn func(p *proceeding)) error {
	p := b.find(text(r.Payload, "ProceedingNumber"))
	if p == nil {
		return adapters.Refuse("no such proceeding")
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	fn(p)
	defer b.stats.changed()
	return b.advance(ctx, p)
}

// answeredQuery records the first answer to a query; it reports false for
// a repeated one.
func (b *bailiff) answeredQuery(p *proceeding, key string) bool {
	if p.answered[key] {
		return false
	}
	p.answered[key] = true
	b.stats.answers.Add(1)
	b.stats.answered("query:" + p.number + ":" + key)
	return true
}

func (b *bailiff) vehicleAnswer(ctx context.Context, r *adapters.Response) error {
	return b.onAnswer(ctx, r, func(p *proceeding) {
		if b.answeredQuery(p, "vehicle") {
			for _, v := range r.Payload.FindElements("Vehicle") {
				p.vins = append(p.vins, text(v, "VIN"))
			}
		}
	})
}

func (b *bailiff) accountAnswer(ctx context.Context, r *adapters.Response) error {
	return b.onAnswer(ctx, r, func(p *proceeding) {
		if !b.answeredQuery(p, "account") {
			return
		}
		p.banks = []string{}
		for _, e := range r.Payload.FindElements("Bank") {
			bic := text(e, "BIC")
			// Only the banks of the exchange can be asked.
			if bankParticipant(bic) != "" && !slices.Contains(p.banks, bic) {
				p.banks = append(p.banks, bic)
			}
		}
		slices.Sort(p.banks)
	})
}

func (b *bailiff) bankAccountAnswer(ctx context.Context, r *adapters.Response) error {
	bic := bankBIC(r.Sender)
	return b.onAnswer(ctx, r, func(p *proceeding) {
		if !b.answeredQuery(p, "bank:"+bic) {
			return
		}
		for _, e := range r.Payload.FindElements("Account") {
			balance, err := parseMoney(text(e, "Balance"))
			if err != nil {
				b.log.Warn("a bank answer with a bad balance; account left out", "message", r.MessageID)
				continue
			}
			p.accounts = append(p.accounts, dataset.BankAccount{Number: text(e, "AccountNumber"), BIC: text(e, "BIC"), Balance: balance})
		}
	})
}

func (b *bailiff) realEstateAnswer(ctx context.Context, r *adapters.Response) error {
	return b.onAnswer(ctx, r, func(p *proceeding) {
		if b.answeredQuery(p, "real-estate") {
			for _, e := range r.Payload.FindElements("Property") {
				p.lots = append(p.lots, text(e, "CadastralNumber"))
			}
		}
	})
}

func (b *bailiff) incomeAnswer(ctx context.Context, r *adapters.Response) error {
	// Incomes lead to no decree (dataset rule 3).
	return b.onAnswer(ctx, r, func(p *proceeding) { b.answeredQuery(p, "income") })
}

func (b *bailiff) decreeResult(ctx context.Context, r *adapters.Response) error {
	return b.onAnswer(ctx, r, func(p *proceeding) {
		d := p.byNumber[text(r.Payload, "DecreeNumber")]
		if d == nil || d.status != "" {
			// A second result (a decree sent twice is answered
			// "already-executed" the second time): the first stands.
			return
		}
		d.status, d.reason = text(r.Payload, "Status"), text(r.Payload, "Reason")
		if amt := text(r.Payload, "ExecutedAmount"); amt != "" {
			d.executed, _ = parseMoney(amt)
		}
		b.stats.answered("decree:" + d.number)
		switch d.status {
		case statusExecuted:
			b.stats.executed.Add(1)
			switch {
			case d.of != nil && d.kind == kindCollect:
				b.stats.collected.Add(1)
			case d.of != nil:
				b.stats.lifted.Add(1)
			}
		case statusPartly:
			b.stats.partly.Add(1)
		default:
			b.stats.notExecuted.Add(1)
			b.log.Warn("decree not executed", "kind", d.kind, "reason", d.reason, "message", r.MessageID)
		}
	})
}

// otherResponse takes the responses without a payload (a rejection of one
// of the bailiff's requests): nothing in the simulated cycle answers so.
func (b *bailiff) otherResponse(_ context.Context, r *adapters.Response) error {
	b.log.Warn("a request of the bailiff was rejected by its recipient", "request", r.RequestID, "from", r.Sender, "rejections", len(r.Rejections))
	return nil
}

// advance sends everything the proceeding's state calls for and has not
// been sent yet. Callers hold p.mu.
func (b *bailiff) advance(ctx context.Context, p *proceeding) error {
	if err := b.once(p, "notify:opened", func() error {
		return b.notify(ctx, p, eventOpened, "Возбуждено исполнительное производство", nil)
	}); err != nil {
		return err
	}
	for _, q := range p.queries() {
		if err := b.once(p, "query:"+q, func() error { return b.query(ctx, p, q) }); err != nil {
			return err
		}
	}
	b.plan(p)
	for _, d := range p.decrees {
		if !d.sent {
			if err := b.issue(ctx, p, d); err != nil {
				return err
			}
		}
		if !d.notified {
			if err := b.notify(ctx, p, eventDecreeIssued, decreeText(d), d); err != nil {
				return err
			}
			d.notified = true
		}
	}
	if p.measuresInPlace() {
		if err := b.once(p, "notify:measures", func() error {
			return b.notify(ctx, p, eventStatusChanged, "Меры принудительного исполнения применены", nil)
		}); err != nil {
			return err
		}
	}
	if p.done["plan:lifts"] && !p.closed && p.all(func(d *decree) bool { return d.of == nil || d.kind == kindCollect || d.status == statusExecuted }) {
		p.closed = true
		b.stats.closed.Add(1)
	}
	if p.closed {
		return b.once(p, "notify:closed", func() error {
			return b.notify(ctx, p, eventClosed, "Исполнительное производство окончено в связи с фактическим исполнением", nil)
		})
	}
	return nil
}

// once runs a step unless it is done, and marks it done when it succeeds.
func (b *bailiff) once(p *proceeding, step string, fn func() error) error {
	if p.done[step] {
		return nil
	}
	if err := fn(); err != nil {
		return err
	}
	p.mark(step)
	return nil
}

// queries returns the keys of the queries the proceeding calls for, as far
// as they are known: the four asset queries (income for a person with a
// SNILS only, as the pension fund finds people by it) and, once the tax
// service has answered, one query per bank it named.
func (p *proceeding) queries() []string {
	qs := []string{"vehicle", "account", "real-estate"}
	if p.debtor.IsPerson() && p.debtor.SNILS != "" {
		qs = append(qs, "income")
	}
	if p.answered["account"] {
		for _, bic := range p.banks {
			qs = append(qs, "bank:"+bic)
		}
	}
	return qs
}

// all reports whether every decree satisfies ok.
func (p *proceeding) all(ok func(*decree) bool) bool {
	for _, d := range p.decrees {
		if !ok(d) {
			return false
		}
	}
	return true
}

// measuresInPlace reports whether every query is answered, every
// restricting decree the answers call for is issued, and every result is
// in: the moment of dataset rule 4's end, after which the debtor pays.
func (p *proceeding) measuresInPlace() bool {
	for _, q := range p.queries() {
		if !p.answered[q] {
			return false
		}
	}
	return p.done["plan:vehicle"] && p.done["plan:real-estate"] && p.done["plan:arrests"] &&
		p.all(func(d *decree) bool { return !d.restricting() || d.status != "" })
}

// paidInFull reports whether the payments cover the debt.
func (p *proceeding) paidInFull() bool { return len(p.payments) > 0 && p.paid >= p.debt }

// plan adds the decrees the proceeding's state calls for (dataset rules 3,
// 5 and 6). Callers hold p.mu.
func (b *bailiff) plan(p *proceeding) {
	if p.answered["vehicle"] && !p.done["plan:vehicle"] {
		for _, vin := range p.vins {
			p.add(&decree{kind: kindBanVehicle, target: vin})
		}
		if p.childSupport && p.licence != "" {
			p.add(&decree{kind: kindRestrictLicence, target: p.licence})
		}
		p.mark("plan:vehicle")
	}
	if p.answered["real-estate"] && !p.done["plan:real-estate"] {
		for _, lot := range p.lots {
			p.add(&decree{kind: kindBanRealEstate, target: lot})
		}
		p.mark("plan:real-estate")
	}
	if !p.done["plan:arrests"] && p.answered["account"] && p.banksAnswered() {
		// One arrest per account in BIC, then number order while debt
		// remains, each for what remains; the bank will freeze
		// min(balance, asked).
		accounts := slices.Clone(p.accounts)
		slices.SortFunc(accounts, func(x, y dataset.BankAccount) int {
			return cmp.Or(cmp.Compare(x.BIC, y.BIC), cmp.Compare(x.Number, y.Number))
		})
		remaining := p.debt
		for _, a := range accounts {
			if remaining <= 0 {
				break
			}
			p.add(&decree{kind: kindArrest, target: a.Number, bic: a.BIC, amount: remaining, balance: a.Balance})
			remaining -= min(a.Balance, remaining)
		}
		p.mark("plan:arrests")
	}
	arrestsIn := p.done["plan:arrests"] && p.all(func(d *decree) bool { return d.kind != kindArrest || d.status != "" })
	notPaidInFull := !p.paymentExpected || (len(p.payments) > 0 && p.paid < p.debt)
	if arrestsIn && notPaidInFull && !p.done["plan:collect"] {
		for _, a := range slices.Clone(p.decrees) {
			if a.kind == kindArrest && a.placed() && a.executed > 0 {
				p.add(&decree{kind: kindCollect, target: a.target, bic: a.bic, amount: a.executed, of: a})
			}
		}
		p.mark("plan:collect")
	}
	if p.paidInFull() && p.measuresInPlace() && !p.done["plan:lifts"] {
		for _, d := range slices.Clone(p.decrees) {
			if d.placed() {
				p.add(&decree{kind: liftOf[d.kind], target: d.target, bic: d.bic, of: d})
			}
		}
		p.mark("plan:lifts")
	}
}

// banksAnswered reports whether every bank the tax service named has
// answered.
func (p *proceeding) banksAnswered() bool {
	for _, bic := range p.banks {
		if !p.answered["bank:"+bic] {
			return false
		}
	}
	return true
}

// add numbers a new decree of the proceeding: department/year/serial, the
// serial being the proceeding's serial times 1000 plus the decree's
// position, unique and the same on every run.
func (p *proceeding) add(d *decree) {
	d.number = fmt.Sprintf("%s/%02d/%d", divisionCode, p.year, p.serial*1000+len(p.decrees)+1)
	d.date = today()
	p.decrees = append(p.decrees, d)
	p.byNumber[d.number] = d
}

// final reports whether nothing more will happen in the proceeding: every
// query answered, every decree issued, notified and answered, the payment
// (if one comes) in, and then the lifts and the closing (paid in full) or
// the collection (otherwise) done.
func (p *proceeding) final() bool {
	if !p.done["notify:opened"] || !p.measuresInPlace() || !p.done["notify:measures"] ||
		!p.all(func(d *decree) bool { return d.sent && d.notified && d.status != "" }) {
		return false
	}
	if p.paymentExpected && len(p.payments) == 0 {
		return false
	}
	if p.paidInFull() {
		return p.done["plan:lifts"] && (!p.closed || p.done["notify:closed"])
	}
	return p.done["plan:collect"]
}

// send sends a request of the proceeding.
func (b *bailiff) send(ctx context.Context, p *proceeding, payload *etree.Element) error {
	md, err := b.adapter.Send(ctx, payload, adapters.SendOptions{TransactionCode: p.writ})
	if err != nil {
		return fmt.Errorf("sending %s: %w", payload.Tag, err)
	}
	b.log.Debug("sent", "type", payload.Tag, "message", md.MessageID)
	return nil
}

// query sends one asset query.
func (b *bailiff) query(ctx context.Context, p *proceeding, q string) error {
	key := "query:" + p.number + ":" + q
	b.stats.await(key)
	if err := b.send(ctx, p, queryPayload(p, q)); err != nil {
		b.stats.forget(key)
		return err
	}
	b.stats.queries.Add(1)
	return nil
}

// queryPayload builds the query of key q ("vehicle", "bank:<BIC>", ...).
func queryPayload(p *proceeding, q string) *etree.Element {
	var payload *etree.Element
	switch {
	case q == "vehicle":
		payload = newPayload("vehicle", "VehicleQuery")
	case q == "account":
		payload = newPayload("account", "AccountQuery")
	case q == "real-estate":
		payload = newPayload("real-estate", "RealEstateQuery")
	case q == "income":
		payload = newPayload("income", "IncomeQuery")
	default:
		payload = newPayload("bank-account", "BankAccountQuery")
	}
	add(payload, "ProceedingNumber", p.number)
	if q == "income" {
		addInsuredPerson(payload, p.debtor)
	} else {
		addParty(payload, "Debtor", p.debtor)
	}
	if bic, ok := strings.CutPrefix(q, "bank:"); ok {
		// Routed to that bank by its BIC.
		add(payload, "BIC", bic)
	}
	return payload
}

// issue sends a decree.
func (b *bailiff) issue(ctx context.Context, p *proceeding, d *decree) error {
	key := "decree:" + d.number
	b.stats.await(key)
	if err := b.send(ctx, p, decreePayload(p, d)); err != nil {
		b.stats.forget(key)
		return err
	}
	d.sent = true
	b.stats.decrees.Add(1)
	return nil
}

// decreePayload builds a decree of the proceeding.
func decreePayload(p *proceeding, d *decree) *etree.Element {
	x := newPayload("decree", "Decree")
	add(x, "DecreeNumber", d.number)
	add(x, "DecreeDate", d.date)
	add(x, "ProceedingNumber", p.number)
	add(x, "Kind", d.kind)
	addParty(x, "Debtor", p.debtor)
	if d.kind == kindArrest || d.kind == kindCollect {
		addMoney(x, "Amount", d.amount)
	}
	t := x.CreateElement("Targets")
	switch d.kind {
	case kindArrest, kindLiftArrest, kindCollect:
		acc := t.CreateElement("Account")
		add(acc, "AccountNumber", d.target)
		add(acc, "BIC", d.bic)
	case kindBanVehicle, kindLiftVehicle:
		add(t, "VIN", d.target)
	case kindBanRealEstate, kindLiftRealEstate:
		add(t, "CadastralNumber", d.target)
	case kindRestrictLicence, kindLiftLicence:
		add(t.CreateElement("DrivingLicence"), "Number", d.target)
	}
	if d.of != nil && d.kind != kindCollect {
		l := x.CreateElement("LiftedDecree")
		add(l, "DecreeNumber", d.of.number)
		add(l, "DecreeDate", d.of.date)
	}
	add(x, "Text", decreeText(d))
	return x
}

// decreeText is the operative part of a decree, as the debtor reads it in
// the notification.
func decreeText(d *decree) string {
	switch d.kind {
	case kindArrest:
		return "Наложить арест на денежные средства должника на счёте в пределах " + money(d.amount) + " руб."
	case kindCollect:
		return "Обратить взыскание на арестованные денежные средства в сумме " + money(d.amount) + " руб."
	case kindLiftArrest:
		return "Снять арест с денежных средств на счёте"
	case kindBanVehicle:
		return "Объявить запрет на регистрационные действия в отношении транспортного средства"
	case kindLiftVehicle:
		return "Отменить запрет на регистрационные действия в отношении транспортного средства"
	case kindBanRealEstate:
		return "Объявить запрет на совершение регистрационных действий в отношении объекта недвижимости"
	case kindLiftRealEstate:
		return "Отменить запрет на совершение регистрационных действий в отношении объекта недвижимости"
	case kindRestrictLicence:
		return "Временно ограничить должника в пользовании специальным правом управления транспортными средствами"
	case kindLiftLicence:
		return "Отменить временное ограничение на пользование специальным правом"
	}
	return "Постановление"
}

// notify sends a notification to the portal (decree: for decree-issued).
func (b *bailiff) notify(ctx context.Context, p *proceeding, event, about string, d *decree) error {
	if err := b.send(ctx, p, notificationPayload(p, event, about, d)); err != nil {
		return err
	}
	p.notifications++
	return nil
}

func notificationPayload(p *proceeding, event, about string, d *decree) *etree.Element {
	n := newPayload("notification", "Notification")
	add(n, "ProceedingNumber", p.number)
	add(n, "Event", event)
	add(n, "EventTime", now())
	addParty(n.CreateElement("Recipient"), "Debtor", p.debtor)
	add(n, "Text", about)
	if d != nil {
		ref := n.CreateElement("DecreeRef")
		add(ref, "DecreeNumber", d.number)
		add(ref, "DecreeDate", d.date)
		add(ref, "Kind", d.kind)
	}
	return n
}

// bankParticipant returns the registry code of the bank with a BIC, or "".
func bankParticipant(bic string) string {
	for _, b := range dataset.Banks() {
		if b.BIC == bic {
			return b.Participant
		}
	}
	return ""
}

// bankBIC returns the BIC of a bank's registry code, or "".
func bankBIC(participant string) string {
	for _, b := range dataset.Banks() {
		if b.Participant == participant {
			return b.BIC
		}
	}
	return ""
}
