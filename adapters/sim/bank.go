package sim

import (
	"context"
	"slices"

	"github.com/beevik/etree"

	"mezhved/adapters"
	"mezhved/adapters/sim/dataset"
)

// bank answers account queries with the debtor's accounts at it and
// executes the funds decrees: arrest, lift the arrest, collect.
//
// Arrest arithmetic (the data set's rule 3): on each account named, in the
// order named, the bank freezes min(balance, what is still asked), so the
// decree is "executed" when the whole amount is frozen and
// "partly-executed" (with the amount frozen, possibly 0.00) when the
// balances fall short. The balance is the data set's: arrests and
// collections under one proceeding do not reduce what another proceeding
// can arrest, since the data set's cases are independent.
type bank struct {
	agency
	info dataset.Bank
	reg  registry
}

func newBank(base agency, info dataset.Bank) *bank {
	return &bank{agency: base, info: info, reg: newRegistry("BANK" + info.BIC)}
}

func (b *bank) install(a *adapters.Adapter) {
	a.Requests["BankAccountQuery"] = b.accountQuery
	a.Requests["Decree"] = b.decree
}

func (b *bank) accountQuery(_ context.Context, r *adapters.Request) (*adapters.Answer, error) {
	a := queryAnswer("bank-account", "BankAccountAnswer", r)
	add(a, "AsOf", now())
	accounts := b.ds.AccountsAt(debtorKey(r.Payload), b.info.BIC)
	for _, acc := range accounts {
		e := a.CreateElement("Account")
		add(e, "AccountNumber", acc.Number)
		add(e, "BIC", acc.BIC)
		add(e, "Balance", money(acc.Balance))
		add(e, "Currency", acc.Currency)
		add(e, "Kind", string(acc.Kind))
		add(e, "OpenedDate", acc.OpenedDate)
	}
	if len(accounts) == 0 {
		notFound(a)
	}
	return answer(a), nil
}

func (b *bank) decree(_ context.Context, r *adapters.Request) (*adapters.Answer, error) {
	d, err := readDecree(r.Payload)
	if err != nil {
		return answer(notExecuted(d, reasonBadContent, "Сумма указана неверно")), nil
	}
	return answer(b.execute(d)), nil
}

// execute executes one decree and returns its DecreeResult.
func (b *bank) execute(d decreeMsg) *etree.Element {
	b.reg.mu.Lock()
	defer b.reg.mu.Unlock()
	if _, done := b.reg.executed[d.Number]; done {
		return notExecuted(d, reasonAlready, "Постановление с этим номером уже исполнено")
	}
	var targets []string
	for _, a := range d.Accounts {
		if a.BIC == b.info.BIC {
			targets = append(targets, a.Number)
		}
	}
	switch d.Kind {
	case kindArrest:
		return b.arrest(d, targets)
	case kindLiftArrest:
		return liftResult(&b.reg, d, kindArrest, targets)
	case kindCollect:
		return b.collect(d, targets)
	}
	return notExecuted(d, reasonBadContent, "Вид постановления не относится к банку")
}

// arrest freezes up to d.Amount over the accounts named, each account at
// most its balance. Callers hold reg.mu.
func (b *bank) arrest(d decreeMsg, targets []string) *etree.Element {
	if !d.HasAmount || d.Amount <= 0 || len(targets) == 0 {
		return notExecuted(d, reasonBadContent, "Не указаны сумма или счета в банке")
	}
	balances := map[string]int64{}
	for _, acc := range b.ds.AccountsAt(d.Debtor, b.info.BIC) {
		balances[acc.Number] = acc.Balance
	}
	for _, t := range targets {
		if _, ok := balances[t]; !ok {
			return notExecuted(d, reasonNotFound, "Счёт должника в банке не найден")
		}
	}
	remaining := d.Amount
	var ms []*measure
	for _, t := range targets {
		frozen := min(balances[t], remaining)
		ms = append(ms, &measure{Proceeding: d.Proceeding, Kind: kindArrest, Target: t, BIC: b.info.BIC, Requested: remaining, Arrested: frozen})
		remaining -= frozen
	}
	rec := b.reg.place(d.Number, ms...)
	if remaining > 0 {
		return decreeResult(d, statusPartly, d.Amount-remaining, "", "Остатка на счёте недостаточно", rec)
	}
	return decreeResult(d, statusExecuted, d.Amount, "", "", rec)
}

// collect writes off up to d.Amount from the funds arrested under the same
// proceeding on the accounts named. Callers hold reg.mu.
func (b *bank) collect(d decreeMsg, targets []string) *etree.Element {
	if !d.HasAmount || d.Amount <= 0 || len(targets) == 0 {
		return notExecuted(d, reasonBadContent, "Не указаны сумма или счета в банке")
	}
	remaining := d.Amount
	for _, m := range b.reg.measures {
		if remaining == 0 {
			break
		}
		if m.Kind != kindArrest || m.LiftedBy != "" || m.Proceeding != d.Proceeding || !slices.Contains(targets, m.Target) {
			continue
		}
		take := min(m.Arrested-m.Collected, remaining)
		m.Collected += take
		remaining -= take
	}
	collected := d.Amount - remaining
	if collected == 0 {
		return notExecuted(d, reasonNotFound, "Арестованных по производству средств на счёте нет")
	}
	rec := b.reg.nextRecord()
	b.reg.executed[d.Number] = rec
	if remaining > 0 {
		return decreeResult(d, statusPartly, collected, "", "Арестованных средств недостаточно", rec)
	}
	return decreeResult(d, statusExecuted, collected, "", "", rec)
}
