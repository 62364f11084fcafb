package pgledger

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// Ledger is a wallet.Ledger in PostgreSQL. It is safe for concurrent use.
type Ledger struct {
	pool       *pgxpool.Pool
	now        func() time.Time
	maxRetries int
	migrate    bool
	bigBatches chan struct{} // admission of batches of BigBatch transfers or more
}

// BigBatch is the size from which a batch needs one of the slots set by
// WithBigBatchConcurrency.
const BigBatch = 16

var _ wallet.Ledger = (*Ledger)(nil)

// Option configures a Ledger.
type Option func(*Ledger) error

// WithClock sets the clock for transfer times and hold expiry (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(l *Ledger) error {
		if now == nil {
			return errors.New("pgledger: nil clock")
		}
		l.now = now
		return nil
	}
}

// WithMaxRetries sets how many times a batch is retried after a
// serialization failure (40001) or deadlock (40P01); default 20.
func WithMaxRetries(n int) Option {
	return func(l *Ledger) error {
		if n < 0 {
			return errors.New("pgledger: negative retries")
		}
		l.maxRetries = n
		return nil
	}
}

// WithBigBatchConcurrency sets how many batches of BigBatch transfers or
// more this Ledger sends at once (default 2). A large batch locks many
// accounts; several of them at once mostly wait on one another's row locks
// (a convoy that is slower than taking turns), so they queue here instead.
func WithBigBatchConcurrency(n int) Option {
	return func(l *Ledger) error {
		if n < 1 {
			return errors.New("pgledger: big batch concurrency must be at least 1")
		}
		l.bigBatches = make(chan struct{}, n)
		return nil
	}
}

// WithoutMigrate makes New skip Migrate (run it yourself, e.g. at deploy time).
func WithoutMigrate() Option {
	return func(l *Ledger) error {
		l.migrate = false
		return nil
	}
}

// New returns a Ledger on pool, applying the schema migrations first. The
// tables live in the connections' current schema (search_path).
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Ledger, error) {
	if pool == nil {
		return nil, errors.New("pgledger: nil pool")
	}
	l := &Ledger{pool: pool, now: time.Now, maxRetries: 20, migrate: true, bigBatches: make(chan struct{}, 2)}
	for _, o := range opts {
		if err := o(l); err != nil {
			return nil, err
		}
	}
	if l.migrate {
		if err := Migrate(ctx, pool); err != nil {
			return nil, err
		}
	}
	return l, nil
}

func (l *Ledger) clock() time.Time { return l.now().UTC().Truncate(time.Microsecond) }

// errFallback asks retry to run a Post again at once, through the general path.
var errFallback = errors.New("pgledger: retry through the general path")

// retry runs fn again after serialization failures and deadlocks, with a
// short jittered backoff, until it succeeds, fails otherwise, or ctx ends.
// errFallback is not a failure and counts as no retry: it runs fn again at
// once (Post asks for it at most once), whatever WithMaxRetries says.
func (l *Ledger) retry(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if errors.Is(err, errFallback) {
			attempt--
			continue // at once: nothing to wait for
		}
		var pe *pgconn.PgError
		if err == nil || !errors.As(err, &pe) || !retryable(pe.Code) || attempt >= l.maxRetries {
			return err
		}
		backoff := time.Duration(1+rand.IntN(1<<min(attempt, 6))) * 200 * time.Microsecond
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(backoff):
		}
	}
}

// retryable reports whether a statement that failed with SQLSTATE code,
// and was rolled back whole, may simply run again: a serialization failure
// or deadlock, or a unique violation, which here means that a concurrent
// transaction inserted the same key first (two resolutions of one hold,
// say) and running again meets its committed row, as the contract wants.
func retryable(code string) bool {
	return code == "40001" || code == "40P01" || code == "23505"
}

// storable reports whether s fits a PostgreSQL text column as it is: text
// holds neither a NUL byte nor invalid UTF-8.
func storable(s ...string) bool {
	for _, v := range s {
		if !utf8.ValidString(v) || strings.IndexByte(v, 0) >= 0 {
			return false
		}
	}
	return true
}

// CreateAccounts implements wallet.Ledger.
func (l *Ledger) CreateAccounts(ctx context.Context, accounts ...wallet.Account) error {
	ids := make([]string, len(accounts))
	curs := make([]string, len(accounts))
	flags := make([]int32, len(accounts))
	seen := map[string]wallet.Account{}
	for i, a := range accounts {
		if err := a.Validate(); err != nil {
			return err
		}
		if !storable(a.ID) {
			return fmt.Errorf("%w %q: id holds a NUL byte or invalid UTF-8", wallet.ErrInvalidAccount, a.ID)
		}
		if p, ok := seen[a.ID]; ok && p != a {
			return fmt.Errorf("%w: %q given twice with different currency or flags", wallet.ErrAccountConflict, a.ID)
		}
		seen[a.ID] = a
		ids[i], curs[i], flags[i] = a.ID, string(a.Currency), int32(a.Flags)
	}
	return l.retry(ctx, func() error {
		return pgx.BeginFunc(ctx, l.pool, func(tx pgx.Tx) error {
			if _, err := tx.Exec(ctx, `INSERT INTO wallet_accounts (id, currency, flags)
				SELECT * FROM unnest($1::text[], $2::text[], $3::int[]) ORDER BY 1
				ON CONFLICT (id) DO NOTHING`, ids, curs, flags); err != nil {
				return err
			}
			var id, cur string
			var fl int32
			err := tx.QueryRow(ctx, `SELECT a.id, a.currency, a.flags FROM wallet_accounts a
				JOIN unnest($1::text[], $2::text[], $3::int[]) AS n(id, currency, flags) ON a.id = n.id
				WHERE a.currency <> n.currency OR a.flags <> n.flags LIMIT 1`, ids, curs, flags).Scan(&id, &cur, &fl)
			if errors.Is(err, pgx.ErrNoRows) {
				return nil
			}
			if err != nil {
				return err
			}
			return fmt.Errorf("%w: %q is %s flags %#x", wallet.ErrAccountConflict, id, cur, fl)
		})
	})
}

// Post implements wallet.Ledger. A batch is one call of the wallet_post
// function: one round trip and one commit, whatever its size.
func (l *Ledger) Post(ctx context.Context, transfers ...wallet.Transfer) ([]wallet.Result, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if len(transfers) == 0 {
		return nil, nil
	}
	if err := wallet.ValidateBatch(transfers); err != nil {
		return nil, err
	}
	for i, t := range transfers {
		if !storable(t.ID, t.Debit, t.Credit, t.HoldID, t.Code, t.Reference) {
			return nil, &wallet.TransferError{Index: i, ID: t.ID,
				Err: fmt.Errorf("%w: an id, account, code or reference holds a NUL byte or invalid UTF-8", wallet.ErrInvalidTransfer)}
		}
	}
	n := len(transfers)
	var (
		ids, debits, credits, curs, holdIDs, codes, refs = make([]string, n), make([]string, n), make([]string, n),
			make([]string, n), make([]string, n), make([]string, n), make([]string, n)
		kinds    = make([]int16, n)
		units    = make([]int64, n)
		upTos    = make([]bool, n)
		timeouts = make([]int64, n)
		// lookups are the partial commits naming no currency whose holds
		// were not found: see the post below.
		lookups []int
	)
	for i, t := range transfers {
		ids[i], debits[i], credits[i], curs[i], holdIDs[i] = t.ID, t.Debit, t.Credit, string(t.Currency), t.HoldID
		codes[i], refs[i] = t.Code, t.Reference
		kinds[i], upTos[i], timeouts[i] = int16(t.Kind), t.UpTo, t.Timeout.Milliseconds()
		if t.Amount.Sign() > 0 {
			cur := t.Currency
			if cur == "" { // a commit naming no currency: its hold's (immutable) currency
				err := l.retry(ctx, func() error {
					return l.pool.QueryRow(ctx, `SELECT currency FROM wallet_transfers WHERE id = $1 AND kind = 1 AND amount IS NOT NULL`,
						t.HoldID).Scan(&cur)
				})
				if errors.Is(err, pgx.ErrNoRows) {
					lookups = append(lookups, i)
					continue
				}
				if err != nil {
					return nil, fmt.Errorf("pgledger: post: %w", err)
				}
			}
			u, err := cur.ToMinor(t.Amount)
			if err != nil {
				return nil, &wallet.TransferError{Index: i, ID: t.ID, Err: err}
			}
			units[i] = u
		}
	}
	if n >= BigBatch {
		select {
		case l.bigBatches <- struct{}{}:
			defer func() { <-l.bigBatches }()
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var out []wallet.Result
	var terr error
	fast := true
	err := l.retry(ctx, func() error {
		out, terr = out[:0], nil
		now := l.clock() // each attempt reads the clock: a retry must not commit a hold that expired meanwhile
		var q interface {
			Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
		} = l.pool
		var tx pgx.Tx
		if len(lookups) > 0 {
			// A partial commit naming no currency takes its hold's, and its
			// hold was not found above: wallet_post would read its 0 units as
			// "the whole hold", and commit it all if the hold were created
			// meanwhile. So the hold is looked for again in the post's own
			// snapshot (REPEATABLE READ): a hold not there for the read is
			// not there for the post either (hold not found).
			var err error
			if tx, err = l.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead}); err != nil {
				return err
			}
			defer func() { _ = tx.Rollback(ctx) }()
			for _, i := range lookups {
				units[i] = 0
				var cur wallet.Currency
				err := tx.QueryRow(ctx, `SELECT currency FROM wallet_transfers WHERE id = $1 AND kind = 1 AND amount IS NOT NULL`,
					holdIDs[i]).Scan(&cur)
				if errors.Is(err, pgx.ErrNoRows) {
					continue // not found by the post either
				}
				if err != nil {
					return err
				}
				u, err := cur.ToMinor(transfers[i].Amount)
				if err != nil {
					terr = &wallet.TransferError{Index: i, ID: transfers[i].ID, Err: err}
					return nil
				}
				units[i] = u
			}
			q = tx
		}
		var rows pgx.Rows
		if one := transfers[0]; fast && n == 1 && (one.Kind == wallet.KindPost || (one.Kind == wallet.KindHold && !one.UpTo)) {
			rows, _ = q.Query(ctx, `SELECT * FROM wallet_post_one($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
				now, ids[0], kinds[0], debits[0], credits[0], curs[0], units[0], timeouts[0], codes[0], refs[0])
		} else {
			rows, _ = q.Query(ctx, `SELECT * FROM wallet_post($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
				now, ids, kinds, debits, credits, curs, holdIDs, units, upTos, timeouts, codes, refs, fast)
		}
		for rows.Next() {
			var (
				idx                int32
				existed            bool
				amount             int64
				created            time.Time
				expires            *time.Time
				status             int16
				debit, credit, cur string
			)
			if err := rows.Scan(&idx, &existed, &amount, &created, &expires, &status, &debit, &credit, &cur); err != nil {
				rows.Close()
				return err
			}
			t := transfers[idx-1]
			c := wallet.Currency(cur)
			t.Debit, t.Credit, t.Currency, t.Amount = debit, credit, c, c.FromMinor(amount)
			r := wallet.Result{Transfer: t, Existed: existed, Time: created.UTC(), Status: wallet.Status(status)}
			if expires != nil {
				r.ExpiresAt = expires.UTC()
			}
			out = append(out, r)
		}
		err := rows.Err()
		if tx != nil {
			if err == nil {
				err = tx.Commit(ctx)
			} else {
				_ = tx.Rollback(ctx) // before a failure is recorded outside it
			}
		}
		var pe *pgconn.PgError
		if errors.As(err, &pe) && pe.Code == "WL002" && fast {
			// The short or set-based path met an existing ID or a failed
			// check: go through the loop, which sorts it out.
			fast = false
			return errFallback
		}
		if !errors.As(err, &pe) || pe.Code != "WL001" {
			return err
		}
		// A transfer failed: the batch was rolled back. Record the failure
		// (unless it is a replay or a conflict), then report it.
		var f failure
		if jerr := json.Unmarshal([]byte(pe.Detail), &f); jerr != nil || f.Idx < 1 || f.Idx > n {
			return fmt.Errorf("unreadable failure %q: %v", pe.Detail, jerr)
		}
		i := f.Idx - 1
		if f.Record {
			var recorded bool
			if err := l.pool.QueryRow(ctx, `SELECT wallet_record_failure($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17)`,
				now, ids[i], kinds[i], f.Debit, f.Credit, f.Currency, holdIDs[i], f.Units, upTos[i], timeouts[i],
				codes[i], refs[i], f.Code, f.Account, f.Available, f.Requested, f.Detail).Scan(&recorded); err != nil {
				return err
			}
			if !recorded { // the ID was recorded meanwhile: post again to get its outcome
				return &pgconn.PgError{Code: "40001", Message: "transfer id recorded concurrently"}
			}
		}
		t := transfers[i]
		if t.Currency == "" {
			t.Currency = wallet.Currency(f.Currency)
		}
		terr = transferError(i, t, f.Existed, f.Code, f.Account, f.Available, f.Requested, f.Detail)
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("pgledger: post: %w", err)
	}
	if terr != nil {
		return nil, terr
	}
	if len(out) != n {
		return nil, fmt.Errorf("pgledger: post: %d results for %d transfers", len(out), n)
	}
	return out, nil
}

// failure is the JSON detail of a WL001 error raised by wallet_post.
type failure struct {
	Idx       int     `json:"idx"`
	Code      string  `json:"code"`
	Account   *string `json:"account"`
	Available *int64  `json:"available"`
	Requested *int64  `json:"requested"`
	Detail    *string `json:"detail"`
	Record    bool    `json:"record"`
	Existed   bool    `json:"existed"`
	Debit     string  `json:"debit"`
	Credit    string  `json:"credit"`
	Currency  string  `json:"currency"`
	Units     int64   `json:"units"`
}

// transferError rebuilds the error a batch failed with (fresh or recorded).
func transferError(i int, t wallet.Transfer, existed bool, code string, acc *string, avail, req *int64, detail *string) error {
	str := func(p *string) string {
		if p == nil {
			return ""
		}
		return *p
	}
	num := func(p *int64) int64 {
		if p == nil {
			return 0
		}
		return *p
	}
	var err error
	switch code {
	case "conflict":
		err = fmt.Errorf("%w: %q", wallet.ErrIdempotencyConflict, t.ID)
	case "insufficient_funds":
		err = &wallet.InsufficientFundsError{Account: str(acc), Currency: t.Currency,
			Available: t.Currency.FromMinor(num(avail)), Requested: t.Currency.FromMinor(num(req))}
		if t.Currency == "" { // a commit cannot lack funds, but stay safe
			err = fmt.Errorf("%w: account %q", wallet.ErrInsufficientFunds, str(acc))
		}
	case "hold_not_found":
		err = fmt.Errorf("%w: %q", wallet.ErrHoldNotFound, str(detail))
	case "hold_expired":
		err = fmt.Errorf("%w: %s", wallet.ErrHoldExpired, str(detail))
	case "hold_resolved":
		err = fmt.Errorf("%w: %s", wallet.ErrHoldResolved, str(detail))
	case "account_not_found":
		err = fmt.Errorf("%w: %q", wallet.ErrAccountNotFound, str(acc))
	case "currency_mismatch":
		err = fmt.Errorf("%w: %s", wallet.ErrCurrencyMismatch, str(detail))
	case "exceeds_hold":
		err = &wallet.AmountError{Amount: t.Amount, Currency: t.Currency, Err: wallet.ErrExceedsHold}
	case "overflow":
		err = fmt.Errorf("%w: a balance would exceed the int64 range", wallet.ErrAmountOverflow)
	case "invalid":
		err = fmt.Errorf("%w: %s", wallet.ErrInvalidTransfer, str(detail))
	default:
		err = fmt.Errorf("pgledger: unknown failure %q: %s", code, str(detail))
	}
	return &wallet.TransferError{Index: i, ID: t.ID, Existed: existed, Err: err}
}

// Lookup implements wallet.Ledger.
func (l *Ledger) Lookup(ctx context.Context, id string) (wallet.Result, error) {
	var (
		t                    wallet.Transfer
		kind                 int16
		cur                  string
		units                int64
		timeoutMS            int64
		amount               *int64
		expires              *time.Time
		created              time.Time
		errCode, errAcc, det *string
		errAvail, errReq     *int64
		status               int16
	)
	if !storable(id) {
		return wallet.Result{}, fmt.Errorf("%w: %q", wallet.ErrTransferNotFound, id)
	}
	err := l.retry(ctx, func() error {
		return l.pool.QueryRow(ctx, `SELECT t.kind, t.debit_account, t.credit_account, t.currency, t.hold_id, t.units,
			t.up_to, t.timeout_ms, t.code, t.reference, t.amount, t.expires_at, t.created_at, t.error_code,
			t.error_account, t.error_available, t.error_requested, t.error_detail,
			CASE WHEN t.kind = 1 AND t.amount IS NOT NULL THEN coalesce(r.status, 1) ELSE 0 END
		FROM wallet_transfers t LEFT JOIN wallet_hold_resolutions r ON r.hold_id = t.id WHERE t.id = $1`, id).Scan(
			&kind, &t.Debit, &t.Credit, &cur, &t.HoldID, &units, &t.UpTo, &timeoutMS, &t.Code, &t.Reference,
			&amount, &expires, &created, &errCode, &errAcc, &errAvail, &errReq, &det, &status)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return wallet.Result{}, fmt.Errorf("%w: %q", wallet.ErrTransferNotFound, id)
	}
	if err != nil {
		return wallet.Result{}, fmt.Errorf("pgledger: lookup: %w", err)
	}
	t.ID, t.Kind, t.Currency = id, wallet.Kind(kind), wallet.Currency(cur)
	t.Timeout = time.Duration(timeoutMS) * time.Millisecond
	r := wallet.Result{Transfer: t, Existed: true, Time: created.UTC(), Status: wallet.Status(status)}
	if expires != nil {
		r.ExpiresAt = expires.UTC()
	}
	if errCode != nil {
		r.Transfer.Amount = t.Currency.FromMinor(units)
		return r, transferError(0, r.Transfer, true, *errCode, errAcc, errAvail, errReq, det)
	}
	r.Transfer.Amount = t.Currency.FromMinor(*amount)
	return r, nil
}

// Balance implements wallet.Ledger.
func (l *Ledger) Balance(ctx context.Context, account string) (wallet.Balance, error) {
	var cur string
	var flags int32
	var m wallet.MinorBalance
	if !storable(account) {
		return wallet.Balance{}, fmt.Errorf("%w: %q", wallet.ErrAccountNotFound, account)
	}
	err := l.retry(ctx, func() error {
		return l.pool.QueryRow(ctx, `SELECT currency, flags, debits_posted, credits_posted, debits_pending, credits_pending
		FROM wallet_accounts WHERE id = $1`, account).Scan(&cur, &flags, &m.DebitsPosted, &m.CreditsPosted, &m.DebitsPending, &m.CreditsPending)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return wallet.Balance{}, fmt.Errorf("%w: %q", wallet.ErrAccountNotFound, account)
	}
	if err != nil {
		return wallet.Balance{}, fmt.Errorf("pgledger: balance: %w", err)
	}
	return m.Decimal(account, wallet.Currency(cur), wallet.Flags(flags)), nil
}

// History implements wallet.Ledger.
func (l *Ledger) History(ctx context.Context, account string, q wallet.HistoryQuery) (wallet.HistoryPage, error) {
	var cur string
	var flags int32
	if !storable(account) {
		return wallet.HistoryPage{}, fmt.Errorf("%w: %q", wallet.ErrAccountNotFound, account)
	}
	err := l.retry(ctx, func() error {
		return l.pool.QueryRow(ctx, `SELECT currency, flags FROM wallet_accounts WHERE id = $1`, account).Scan(&cur, &flags)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return wallet.HistoryPage{}, fmt.Errorf("%w: %q", wallet.ErrAccountNotFound, account)
	}
	if err != nil {
		return wallet.HistoryPage{}, fmt.Errorf("pgledger: history: %w", err)
	}
	c, fl := wallet.Currency(cur), wallet.Flags(flags)
	after := max(q.After, 0)
	limit := q.PageLimit()
	// The entry at `after` (if any) gives the balance before the page; one
	// more than the limit tells whether there is more.
	var page wallet.HistoryPage
	err = l.retry(ctx, func() error {
		page = wallet.HistoryPage{Entries: []wallet.Entry{}, Next: after}
		rows, err := l.pool.Query(ctx, `SELECT e.seq, e.transfer_id, e.kind, e.debited, e.counterparty, t.code, t.reference,
			e.debits_posted, e.credits_posted, e.debits_pending, e.credits_pending, e.created_at
		FROM wallet_entries e JOIN wallet_transfers t ON t.id = e.transfer_id
		WHERE e.account_id = $1 AND e.seq >= $2 ORDER BY e.seq LIMIT $3`, account, after, limit+2)
		if err != nil {
			return err
		}
		defer rows.Close()
		var prev wallet.MinorBalance
		for rows.Next() {
			var e wallet.Entry
			var kind int16
			var m wallet.MinorBalance
			if err := rows.Scan(&e.Seq, &e.TransferID, &kind, &e.Debited, &e.Counterparty, &e.Code, &e.Reference,
				&m.DebitsPosted, &m.CreditsPosted, &m.DebitsPending, &m.CreditsPending, &e.Time); err != nil {
				return err
			}
			if e.Seq == after {
				prev = m
				continue
			}
			if len(page.Entries) == limit {
				page.More = true
				break
			}
			e.Account, e.Kind, e.Currency, e.Time = account, wallet.Kind(kind), c, e.Time.UTC()
			e.Change = m.Sub(prev).Decimal(account, c, fl)
			e.After = m.Decimal(account, c, fl)
			prev = m
			page.Entries = append(page.Entries, e)
			page.Next = e.Seq
		}
		return rows.Err()
	})
	if err != nil {
		return wallet.HistoryPage{}, fmt.Errorf("pgledger: history: %w", err)
	}
	return page, nil
}

// ExpireHolds implements wallet.Ledger. It releases holds in chunks, one
// transaction per chunk.
func (l *Ledger) ExpireHolds(ctx context.Context, limit int) (int, error) {
	const chunk = 500
	total := 0
	now := l.clock()
	for {
		want := chunk
		if limit > 0 {
			want = min(chunk, limit-total)
		}
		var n int32
		err := l.retry(ctx, func() error {
			return l.pool.QueryRow(ctx, `SELECT wallet_expire_holds($1, $2)`, now, want).Scan(&n)
		})
		if err != nil {
			return total, fmt.Errorf("pgledger: expire holds: %w", err)
		}
		total += int(n)
		if n == 0 || (limit > 0 && total >= limit) {
			return total, nil
		}
	}
}
