package wallettest

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"

	"github.com/shopspring/decimal"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// CheckConservation checks double entry over the given accounts, which
// must be all the accounts of their currencies: per currency, the sum of
// debits equals the sum of credits, posted and pending. It also checks that
// no NoOverdraft account has a negative available balance.
func CheckConservation(ctx context.Context, l wallet.Ledger, accounts []string) error {
	type sums struct{ dp, cp, dpe, cpe decimal.Decimal }
	per := map[wallet.Currency]*sums{}
	var errs []error
	for _, id := range accounts {
		b, err := l.Balance(ctx, id)
		if err != nil {
			return err
		}
		s := per[b.Currency]
		if s == nil {
			s = &sums{}
			per[b.Currency] = s
		}
		s.dp, s.cp = s.dp.Add(b.DebitsPosted), s.cp.Add(b.CreditsPosted)
		s.dpe, s.cpe = s.dpe.Add(b.DebitsPending), s.cpe.Add(b.CreditsPending)
		if b.Flags&wallet.NoOverdraft != 0 && b.Available.Sign() < 0 {
			errs = append(errs, fmt.Errorf("account %q: available %s < 0", id, b.Available))
		}
		if !b.Posted.Equal(b.CreditsPosted.Sub(b.DebitsPosted)) || !b.Available.Equal(b.Posted.Sub(b.DebitsPending)) ||
			!b.Pending.Equal(b.DebitsPending) {
			errs = append(errs, fmt.Errorf("account %q: derived balances inconsistent: %+v", id, b))
		}
		for _, v := range []decimal.Decimal{b.DebitsPosted, b.CreditsPosted, b.DebitsPending, b.CreditsPending} {
			if v.Sign() < 0 {
				errs = append(errs, fmt.Errorf("account %q: negative debit or credit total: %+v", id, b))
				break
			}
		}
	}
	curs := slices.Sorted(maps.Keys(per))
	for _, cur := range curs {
		s := per[cur]
		if !s.dp.Equal(s.cp) {
			errs = append(errs, fmt.Errorf("%s: posted debits %s != posted credits %s", cur, s.dp, s.cp))
		}
		if !s.dpe.Equal(s.cpe) {
			errs = append(errs, fmt.Errorf("%s: pending debits %s != pending credits %s", cur, s.dpe, s.cpe))
		}
	}
	return errors.Join(errs...)
}

// CheckHistory reads the account's whole history page by page (pageSize
// entries at a time; 0 for the default) and checks that sequence numbers
// run from 1 without gaps, that replaying each entry's change reproduces
// the balance after it, and that the last balance equals the account's
// balance. On a NoOverdraft account it also checks that no entry left the
// available balance negative.
func CheckHistory(ctx context.Context, l wallet.Ledger, account string, pageSize int) error {
	bal, err := l.Balance(ctx, account)
	if err != nil {
		return err
	}
	var dp, cp, dpe, cpe decimal.Decimal
	var seq int64
	q := wallet.HistoryQuery{Limit: pageSize}
	for {
		p, err := l.History(ctx, account, q)
		if err != nil {
			return err
		}
		if pageSize > 0 && len(p.Entries) > pageSize {
			return fmt.Errorf("%q: page of %d entries, asked for %d", account, len(p.Entries), pageSize)
		}
		for _, e := range p.Entries {
			seq++
			if e.Seq != seq {
				return fmt.Errorf("%q: entry seq %d, want %d", account, e.Seq, seq)
			}
			if e.Account != account || e.TransferID == "" || e.Time.IsZero() {
				return fmt.Errorf("%q: entry %d incomplete: %+v", account, e.Seq, e)
			}
			dp, cp = dp.Add(e.Change.DebitsPosted), cp.Add(e.Change.CreditsPosted)
			dpe, cpe = dpe.Add(e.Change.DebitsPending), cpe.Add(e.Change.CreditsPending)
			a := e.After
			if !dp.Equal(a.DebitsPosted) || !cp.Equal(a.CreditsPosted) || !dpe.Equal(a.DebitsPending) || !cpe.Equal(a.CreditsPending) {
				return fmt.Errorf("%q: replay to entry %d gives debits %s/%s credits %s/%s (posted/pending), entry says %s/%s %s/%s",
					account, e.Seq, dp, dpe, cp, cpe, a.DebitsPosted, a.DebitsPending, a.CreditsPosted, a.CreditsPending)
			}
			if bal.Flags&wallet.NoOverdraft != 0 && a.Available.Sign() < 0 {
				return fmt.Errorf("%q: entry %d left available %s < 0", account, e.Seq, a.Available)
			}
		}
		if p.Next != seq {
			return fmt.Errorf("%q: page Next %d, want %d", account, p.Next, seq)
		}
		if !p.More {
			break
		}
		if len(p.Entries) == 0 {
			return fmt.Errorf("%q: empty page with More set", account)
		}
		q.After = p.Next
	}
	if !dp.Equal(bal.DebitsPosted) || !cp.Equal(bal.CreditsPosted) || !dpe.Equal(bal.DebitsPending) || !cpe.Equal(bal.CreditsPending) {
		return fmt.Errorf("%q: replaying %d entries gives debits %s/%s credits %s/%s, balance is %s/%s %s/%s",
			account, seq, dp, dpe, cp, cpe, bal.DebitsPosted, bal.DebitsPending, bal.CreditsPosted, bal.CreditsPending)
	}
	return nil
}
