package pgstore

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
	"github.com/thanhtoan/thanhtoan/checkout"
)

// Store is a checkout.Store in PostgreSQL. It is safe for concurrent use.
type Store struct {
	pool       *pgxpool.Pool
	maxRetries int
	migrate    bool
}

var _ checkout.Store = (*Store)(nil)

// Option configures a Store.
type Option func(*Store) error

// WithMaxRetries sets how many times a statement is retried after a
// serialization failure (40001), a deadlock (40P01) or, for a history line,
// losing the race for the customer's next position; default 20.
func WithMaxRetries(n int) Option {
	return func(s *Store) error {
		if n < 0 {
			return errors.New("pgstore: negative retries")
		}
		s.maxRetries = n
		return nil
	}
}

// WithoutMigrate makes New skip Migrate (run it yourself, e.g. at deploy time).
func WithoutMigrate() Option {
	return func(s *Store) error {
		s.migrate = false
		return nil
	}
}

// New returns a Store on pool, applying the schema migrations first. The
// tables live in the connections' current schema (search_path).
func New(ctx context.Context, pool *pgxpool.Pool, opts ...Option) (*Store, error) {
	if pool == nil {
		return nil, errors.New("pgstore: nil pool")
	}
	s := &Store{pool: pool, maxRetries: 20, migrate: true}
	for _, o := range opts {
		if o == nil {
			return nil, errors.New("pgstore: nil option")
		}
		if err := o(s); err != nil {
			return nil, err
		}
	}
	if s.migrate {
		if err := Migrate(ctx, pool); err != nil {
			return nil, err
		}
	}
	return s, nil
}

// retry runs fn again after serialization failures, deadlocks and (for
// history lines) a lost race for a customer's next seq, with a short
// jittered backoff, until it succeeds, fails otherwise, or ctx ends. Each
// fn is one statement, which PostgreSQL undid when it failed with one of
// these codes, so running it again is safe.
func (s *Store) retry(ctx context.Context, fn func() error) error {
	for attempt := 0; ; attempt++ {
		err := fn()
		if err == nil || attempt >= s.maxRetries || !retryable(err) {
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

func retryable(err error) bool {
	var pe *pgconn.PgError
	if !errors.As(err, &pe) {
		return false
	}
	switch pe.Code {
	case "40001", "40P01":
		return true
	case "23505": // unique_violation
		return pe.ConstraintName == "checkout_payments_customer_seq" || pe.ConstraintName == "checkout_invoices_customer_seq"
	}
	return false
}

// storable reports whether s can be kept in a text column exactly:
// PostgreSQL refuses NUL, and invalid UTF-8 cannot be stored as text.
func storable(s string) bool {
	return utf8.ValidString(s) && !strings.Contains(s, "\x00")
}

// checkText refuses a value that PostgreSQL's text would refuse.
func checkText(sentinel error, what string, vals ...string) error {
	for _, v := range vals {
		if !storable(v) {
			return fmt.Errorf("pgstore: %w: %s holds invalid UTF-8 or a NUL byte", sentinel, what)
		}
	}
	return nil
}

// marshal encodes v as the JSON of a body column. encoding/json would
// silently turn invalid UTF-8 into U+FFFD, and jsonb refuses the escape
// \u0000, so a string holding either is refused instead of changed.
func marshal(sentinel error, what string, v any) ([]byte, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("pgstore: %w: %s: %v", sentinel, what, err)
	}
	if !jsonStorable(b) {
		return nil, fmt.Errorf("pgstore: %w: %s holds invalid UTF-8 or a NUL byte", sentinel, what)
	}
	return b, nil
}

// jsonStorable reports whether encoding/json's output b has neither of the
// escapes it writes for a NUL (\u0000) or an invalid UTF-8 byte (\ufffd; a
// valid U+FFFD is written as itself, not escaped).
func jsonStorable(b []byte) bool {
	for i := 0; i < len(b); i++ {
		if b[i] != '\\' {
			continue
		}
		i++ // the escaped character
		if i < len(b) && b[i] == 'u' && i+5 <= len(b) {
			if h := string(b[i+1 : i+5]); h == "0000" || h == "fffd" {
				return false
			}
			i += 4
		}
	}
	return true
}

func unmarshal(what string, b []byte, v any) error {
	if err := json.Unmarshal(b, v); err != nil {
		return fmt.Errorf("pgstore: %s: bad stored body: %w", what, err)
	}
	return nil
}

// CreateOrder implements checkout.Store.
func (s *Store) CreateOrder(ctx context.Context, o checkout.Order) (checkout.Order, error) {
	if o.ID == "" {
		return checkout.Order{}, fmt.Errorf("pgstore: %w: empty order id", checkout.ErrInvalidOrder)
	}
	if err := checkText(checkout.ErrInvalidOrder, "order", o.ID, o.Customer, string(o.State), o.Currency); err != nil {
		return checkout.Order{}, err
	}
	o = o.Clone()
	o.Version = 1
	body, err := marshal(checkout.ErrInvalidOrder, "order "+o.ID, o)
	if err != nil {
		return checkout.Order{}, err
	}
	var inserted bool
	err = s.retry(ctx, func() error {
		tag, err := s.pool.Exec(ctx, `INSERT INTO checkout_orders
			(id, customer, state, version, amount, currency, created_at, updated_at, body, sweep_at)
			VALUES ($1, $2, $3, 1, $4, $5, $6, $7, $8, $9) ON CONFLICT (id) DO NOTHING`,
			o.ID, o.Customer, string(o.State), o.Amount, o.Currency, o.CreatedAt, o.UpdatedAt, body, sweepAt(&o))
		inserted = tag.RowsAffected() == 1
		return err
	})
	if err != nil {
		return checkout.Order{}, fmt.Errorf("pgstore: create order %s: %w", o.ID, err)
	}
	if !inserted {
		return checkout.Order{}, fmt.Errorf("pgstore: %w: order %s", checkout.ErrDuplicate, o.ID)
	}
	return o, nil
}

// GetOrder implements checkout.Store.
func (s *Store) GetOrder(ctx context.Context, id string) (checkout.Order, error) {
	if !storable(id) {
		return checkout.Order{}, fmt.Errorf("pgstore: %w: order %q", checkout.ErrNotFound, id)
	}
	var (
		version int64
		body    []byte
	)
	err := s.retry(ctx, func() error {
		return s.pool.QueryRow(ctx, `SELECT version, body FROM checkout_orders WHERE id = $1`, id).Scan(&version, &body)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return checkout.Order{}, fmt.Errorf("pgstore: %w: order %s", checkout.ErrNotFound, id)
	}
	if err != nil {
		return checkout.Order{}, fmt.Errorf("pgstore: get order %s: %w", id, err)
	}
	return decodeOrder(version, body)
}

func decodeOrder(version int64, body []byte) (checkout.Order, error) {
	var o checkout.Order
	if err := unmarshal("order", body, &o); err != nil {
		return checkout.Order{}, err
	}
	o.Version = version // the column is authoritative
	return o, nil
}

// UpdateOrder implements checkout.Store: one statement that replaces the
// row only where its version is o.Version, and reads, from the snapshot
// the statement started with, whether the order exists at all, to tell
// ErrConflict from ErrNotFound.
func (s *Store) UpdateOrder(ctx context.Context, o checkout.Order) (checkout.Order, error) {
	if !storable(o.ID) {
		return checkout.Order{}, fmt.Errorf("pgstore: %w: order %q", checkout.ErrNotFound, o.ID)
	}
	if err := checkText(checkout.ErrInvalidOrder, "order", o.Customer, string(o.State), o.Currency); err != nil {
		return checkout.Order{}, err
	}
	o = o.Clone()
	want := o.Version
	o.Version++
	body, err := marshal(checkout.ErrInvalidOrder, "order "+o.ID, o)
	if err != nil {
		return checkout.Order{}, err
	}
	var updated, current *int64
	err = s.retry(ctx, func() error {
		return s.pool.QueryRow(ctx, `WITH u AS (
				UPDATE checkout_orders SET version = version + 1, customer = $3, state = $4, amount = $5,
					currency = $6, created_at = $7, updated_at = $8, body = $9, sweep_at = $10
				WHERE id = $1 AND version = $2 RETURNING version)
			SELECT (SELECT version FROM u), (SELECT version FROM checkout_orders WHERE id = $1)`,
			o.ID, want, o.Customer, string(o.State), o.Amount, o.Currency, o.CreatedAt, o.UpdatedAt, body, sweepAt(&o)).
			Scan(&updated, &current)
	})
	switch {
	case err != nil:
		return checkout.Order{}, fmt.Errorf("pgstore: update order %s: %w", o.ID, err)
	case updated != nil:
		o.Version = *updated
		return o, nil
	case current == nil:
		return checkout.Order{}, fmt.Errorf("pgstore: %w: order %s", checkout.ErrNotFound, o.ID)
	case *current != want:
		return checkout.Order{}, fmt.Errorf("pgstore: %w: order %s is at version %d, not %d",
			checkout.ErrConflict, o.ID, *current, want)
	default:
		// The statement's snapshot still saw version want: another writer
		// changed the order while this UPDATE waited for its row.
		return checkout.Order{}, fmt.Errorf("pgstore: %w: order %s was changed by another writer since version %d",
			checkout.ErrConflict, o.ID, want)
	}
}

// sweepAt is the sweep_at column of o: its SweepAt, or NULL.
func sweepAt(o *checkout.Order) *time.Time {
	at, ok := o.SweepAt()
	if !ok {
		return nil
	}
	return &at
}

// ListOrders implements checkout.Store: through the partial indexes of
// migration 004, the orders whose sweep_at is not after q.Due (any time
// when Due is zero). IDs are ordered as Go orders strings (the column is
// COLLATE "C"). A row whose column says more than its body (a row from
// before migration 004) is left out and its column corrected, and the page
// is filled from the following rows.
func (s *Store) ListOrders(ctx context.Context, q checkout.OrderQuery) ([]checkout.Order, error) {
	if !storable(q.After) || !storable(string(q.State)) {
		return nil, fmt.Errorf("pgstore: %w: order query holds invalid UTF-8 or a NUL byte", checkout.ErrInvalidRequest)
	}
	n := limit(q.Limit)
	// One plain statement per filter, so that each plan uses its index.
	where, args := `sweep_at IS NOT NULL`, []any{nil, nil}
	if !q.Due.IsZero() {
		where += ` AND sweep_at <= $3`
		args = append(args, q.Due)
	}
	if q.State != "" {
		where += fmt.Sprintf(` AND state = $%d`, len(args)+1)
		args = append(args, string(q.State))
	}
	sql := `SELECT version, body FROM checkout_orders WHERE ` + where + ` AND id > $1 ORDER BY id LIMIT $2`
	var out []checkout.Order
	after := q.After
	for len(out) < n {
		want := n - len(out)
		args[0], args[1] = after, want
		var page []checkout.Order
		err := s.retry(ctx, func() error {
			rows, err := s.pool.Query(ctx, sql, args...)
			if err != nil {
				return err
			}
			page, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (checkout.Order, error) {
				var (
					v    int64
					body []byte
				)
				if err := r.Scan(&v, &body); err != nil {
					return checkout.Order{}, err
				}
				return decodeOrder(v, body)
			})
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("pgstore: list orders: %w", err)
		}
		for i := range page {
			if q.Listed(&page[i]) {
				out = append(out, page[i])
				continue
			}
			if err := s.reschedule(ctx, &page[i]); err != nil {
				return nil, err
			}
		}
		if len(page) < want {
			break
		}
		after = page[len(page)-1].ID
	}
	return out, nil
}

// reschedule writes o's sweep_at from its body, unless o changed since it
// was read (then its writer wrote the column).
func (s *Store) reschedule(ctx context.Context, o *checkout.Order) error {
	err := s.retry(ctx, func() error {
		_, err := s.pool.Exec(ctx, `UPDATE checkout_orders SET sweep_at = $3 WHERE id = $1 AND version = $2`,
			o.ID, o.Version, sweepAt(o))
		return err
	})
	if err != nil {
		return fmt.Errorf("pgstore: list orders: reschedule %s: %w", o.ID, err)
	}
	return nil
}

// limit is a page's effective size, as checkout documents it.
func limit(n int) int { return checkout.PageQuery{Limit: n}.PageLimit() }

// AddPayment implements checkout.Store. The line's Seq is its customer's
// next position (see the migration's notes on seq).
func (s *Store) AddPayment(ctx context.Context, p checkout.Payment) (bool, error) {
	if p.ID == "" || p.Customer == "" {
		return false, fmt.Errorf("pgstore: %w: payment without id or customer", checkout.ErrInvalidRequest)
	}
	if err := checkText(checkout.ErrInvalidRequest, "payment", p.ID, p.Customer, p.OrderID, p.Currency, string(p.Outcome)); err != nil {
		return false, err
	}
	p.Seq = 0
	body, err := marshal(checkout.ErrInvalidRequest, "payment "+p.ID, p)
	if err != nil {
		return false, err
	}
	ok, err := s.addLine(ctx, `INSERT INTO checkout_payments (id, customer, seq, order_id, amount, currency, outcome, at, body)
		SELECT $1, $2, coalesce((SELECT max(seq) FROM checkout_payments WHERE customer = $2), 0) + 1, $3, $4, $5, $6, $7, $8
		ON CONFLICT (id) DO NOTHING`,
		p.ID, p.Customer, p.OrderID, p.Amount, p.Currency, string(p.Outcome), p.Time, body)
	if err != nil {
		return false, fmt.Errorf("pgstore: add payment %s: %w", p.ID, err)
	}
	return ok, nil
}

// AddInvoice implements checkout.Store, as AddPayment.
func (s *Store) AddInvoice(ctx context.Context, inv checkout.Invoice) (bool, error) {
	if inv.ID == "" || inv.Customer == "" {
		return false, fmt.Errorf("pgstore: %w: invoice without id or customer", checkout.ErrInvalidRequest)
	}
	if err := checkText(checkout.ErrInvalidRequest, "invoice", inv.ID, inv.Customer, inv.OrderID, inv.Currency, string(inv.Method)); err != nil {
		return false, err
	}
	inv.Seq = 0
	body, err := marshal(checkout.ErrInvalidRequest, "invoice "+inv.ID, inv)
	if err != nil {
		return false, err
	}
	ok, err := s.addLine(ctx, `INSERT INTO checkout_invoices (id, customer, seq, order_id, amount, currency, method, at, body)
		SELECT $1, $2, coalesce((SELECT max(seq) FROM checkout_invoices WHERE customer = $2), 0) + 1, $3, $4, $5, $6, $7, $8
		ON CONFLICT (id) DO NOTHING`,
		inv.ID, inv.Customer, inv.OrderID, inv.Amount, inv.Currency, string(inv.Method), inv.Time, body)
	if err != nil {
		return false, fmt.Errorf("pgstore: add invoice %s: %w", inv.ID, err)
	}
	return ok, nil
}

// addLine runs an idempotent insert and reports whether it inserted a row.
func (s *Store) addLine(ctx context.Context, sql string, args ...any) (bool, error) {
	var inserted bool
	err := s.retry(ctx, func() error {
		tag, err := s.pool.Exec(ctx, sql, args...)
		inserted = tag.RowsAffected() == 1
		return err
	})
	return inserted, err
}

// Payments implements checkout.Store.
func (s *Store) Payments(ctx context.Context, customer string, q checkout.PageQuery) (checkout.PaymentPage, error) {
	lines, next, more, err := page[checkout.Payment](ctx, s, "checkout_payments", customer, q)
	if err != nil {
		return checkout.PaymentPage{}, fmt.Errorf("pgstore: payments of %s: %w", customer, err)
	}
	return checkout.PaymentPage{Payments: lines, Next: next, More: more}, nil
}

// Invoices implements checkout.Store.
func (s *Store) Invoices(ctx context.Context, customer string, q checkout.PageQuery) (checkout.InvoicePage, error) {
	lines, next, more, err := page[checkout.Invoice](ctx, s, "checkout_invoices", customer, q)
	if err != nil {
		return checkout.InvoicePage{}, fmt.Errorf("pgstore: invoices of %s: %w", customer, err)
	}
	return checkout.InvoicePage{Invoices: lines, Next: next, More: more}, nil
}

// page reads up to q's limit of a customer's lines after q.After, one more
// to know whether there are more. T is Payment or Invoice, whose Seq is set
// from the column.
func page[T checkout.Payment | checkout.Invoice](ctx context.Context, s *Store, table, customer string, q checkout.PageQuery) ([]T, int64, bool, error) {
	n := q.PageLimit()
	if !storable(customer) {
		return []T{}, q.After, false, nil // no such customer can have lines
	}
	var (
		out  []T
		seqs []int64
	)
	err := s.retry(ctx, func() error {
		out, seqs = make([]T, 0, min(n, 64)), nil
		rows, err := s.pool.Query(ctx, `SELECT seq, body FROM `+table+
			` WHERE customer = $1 AND seq > $2 ORDER BY seq LIMIT $3`, customer, q.After, n+1)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var (
				seq  int64
				body []byte
				line T
			)
			if err := rows.Scan(&seq, &body); err != nil {
				return err
			}
			if err := unmarshal(table, body, &line); err != nil {
				return err
			}
			switch l := any(&line).(type) {
			case *checkout.Payment:
				l.Seq = seq
			case *checkout.Invoice:
				l.Seq = seq
			}
			out = append(out, line)
			seqs = append(seqs, seq)
		}
		return rows.Err()
	})
	if err != nil {
		return nil, 0, false, err
	}
	more := len(out) > n
	if more {
		out, seqs = out[:n], seqs[:n]
	}
	next := q.After
	if len(seqs) > 0 {
		next = seqs[len(seqs)-1]
	}
	return out, next, more, nil
}

// RecordCallback implements checkout.Store.
func (s *Store) RecordCallback(ctx context.Context, c checkout.CallbackRecord) (bool, error) {
	if c.ID == "" {
		return false, fmt.Errorf("pgstore: %w: callback without id", checkout.ErrInvalidRequest)
	}
	if err := checkText(checkout.ErrInvalidRequest, "callback", c.ID, c.OrderID, c.Gateway, c.Reference, string(c.Outcome)); err != nil {
		return false, err
	}
	ok, err := s.addLine(ctx, `INSERT INTO checkout_callbacks (id, order_id, gateway, reference, outcome, at)
		VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING`,
		c.ID, c.OrderID, c.Gateway, c.Reference, string(c.Outcome), c.Time)
	if err != nil {
		return false, fmt.Errorf("pgstore: record callback: %w", err)
	}
	return ok, nil
}

// CallbackSeen implements checkout.Store.
func (s *Store) CallbackSeen(ctx context.Context, id string) (bool, error) {
	if !storable(id) {
		return false, nil
	}
	var seen bool
	err := s.retry(ctx, func() error {
		return s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM checkout_callbacks WHERE id = $1)`, id).Scan(&seen)
	})
	if err != nil {
		return false, fmt.Errorf("pgstore: callback seen: %w", err)
	}
	return seen, nil
}

// shareBody is what a share link's body column holds: the times exactly
// (the timestamptz columns keep microseconds).
type shareBody struct {
	CreatedAt time.Time
	ExpiresAt time.Time
	UsedAt    time.Time
}

// CreateShare implements checkout.Store.
func (s *Store) CreateShare(ctx context.Context, l checkout.ShareLink) error {
	if err := checkText(checkout.ErrInvalidRequest, "share link", l.OrderID, l.Payer); err != nil {
		return err
	}
	body, err := marshal(checkout.ErrInvalidRequest, "share link", shareBody{CreatedAt: l.CreatedAt, ExpiresAt: l.ExpiresAt, UsedAt: l.UsedAt})
	if err != nil {
		return err
	}
	var used *time.Time
	if !l.UsedAt.IsZero() {
		used = &l.UsedAt
	}
	ok, err := s.addLine(ctx, `INSERT INTO checkout_share_links (hash, order_id, payer, created_at, expires_at, used_at, body)
		VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (hash) DO NOTHING`,
		l.Hash[:], l.OrderID, l.Payer, l.CreatedAt, l.ExpiresAt, used, body)
	if err != nil {
		return fmt.Errorf("pgstore: create share link: %w", err)
	}
	if !ok {
		return fmt.Errorf("pgstore: %w: share link", checkout.ErrDuplicate)
	}
	return nil
}

// GetShare implements checkout.Store.
func (s *Store) GetShare(ctx context.Context, hash [32]byte) (checkout.ShareLink, error) {
	l := checkout.ShareLink{Hash: hash}
	var body []byte
	err := s.retry(ctx, func() error {
		return s.pool.QueryRow(ctx, `SELECT order_id, payer, body FROM checkout_share_links WHERE hash = $1`,
			hash[:]).Scan(&l.OrderID, &l.Payer, &body)
	})
	if errors.Is(err, pgx.ErrNoRows) {
		return checkout.ShareLink{}, fmt.Errorf("pgstore: %w: share link", checkout.ErrNotFound)
	}
	if err != nil {
		return checkout.ShareLink{}, fmt.Errorf("pgstore: get share link: %w", err)
	}
	var b shareBody
	if err := unmarshal("share link", body, &b); err != nil {
		return checkout.ShareLink{}, err
	}
	l.CreatedAt, l.ExpiresAt, l.UsedAt = b.CreatedAt, b.ExpiresAt, b.UsedAt
	return l, nil
}

// UseShare implements checkout.Store: the row changes only where used_at is
// still NULL, so of concurrent callers exactly one wins; the others wait for
// its row lock, then find the link used.
func (s *Store) UseShare(ctx context.Context, hash [32]byte, t time.Time) error {
	if t.IsZero() {
		return fmt.Errorf("pgstore: %w: zero use time", checkout.ErrInvalidRequest)
	}
	at, err := t.MarshalJSON()
	if err != nil {
		return fmt.Errorf("pgstore: %w: use time: %v", checkout.ErrInvalidRequest, err)
	}
	var used, exists bool
	err = s.retry(ctx, func() error {
		return s.pool.QueryRow(ctx, `WITH u AS (
				UPDATE checkout_share_links SET used_at = $2, body = body || jsonb_build_object('UsedAt', $3::jsonb)
				WHERE hash = $1 AND used_at IS NULL RETURNING 1)
			SELECT EXISTS (SELECT 1 FROM u), EXISTS (SELECT 1 FROM checkout_share_links WHERE hash = $1)`,
			hash[:], t, string(at)).Scan(&used, &exists)
	})
	switch {
	case err != nil:
		return fmt.Errorf("pgstore: use share link: %w", err)
	case used:
		return nil
	case !exists:
		return fmt.Errorf("pgstore: %w: share link", checkout.ErrNotFound)
	default:
		return fmt.Errorf("pgstore: %w", checkout.ErrShareUsed)
	}
}

// Enqueue implements checkout.Store.
func (s *Store) Enqueue(ctx context.Context, n checkout.Notification, t time.Time) (bool, error) {
	if n.ID == "" {
		return false, fmt.Errorf("pgstore: %w: notification without id", checkout.ErrInvalidRequest)
	}
	if err := checkText(checkout.ErrInvalidRequest, "notification", n.ID, string(n.Kind)); err != nil {
		return false, err
	}
	body, err := marshal(checkout.ErrInvalidRequest, "notification "+n.ID, checkout.OutboxItem{Notification: n, EnqueuedAt: t})
	if err != nil {
		return false, err
	}
	ok, err := s.addLine(ctx, `INSERT INTO checkout_outbox (id, kind, enqueued_at, body)
		VALUES ($1, $2, $3, $4) ON CONFLICT (id) DO NOTHING`, n.ID, string(n.Kind), t, body)
	if err != nil {
		return false, fmt.Errorf("pgstore: enqueue %s: %w", n.ID, err)
	}
	return ok, nil
}

// PendingNotifications implements checkout.Store: unsent items in the order
// they were enqueued.
func (s *Store) PendingNotifications(ctx context.Context, n int) ([]checkout.OutboxItem, error) {
	var out []checkout.OutboxItem
	err := s.retry(ctx, func() error {
		rows, err := s.pool.Query(ctx, `SELECT body FROM checkout_outbox WHERE sent_at IS NULL ORDER BY seq LIMIT $1`, limit(n))
		if err != nil {
			return err
		}
		out, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (checkout.OutboxItem, error) {
			var (
				body []byte
				it   checkout.OutboxItem
			)
			if err := r.Scan(&body); err != nil {
				return it, err
			}
			err := unmarshal("notification", body, &it)
			it.SentAt = time.Time{}
			return it, err
		})
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("pgstore: pending notifications: %w", err)
	}
	return out, nil
}

// MarkSent implements checkout.Store. The first time is kept (a zero t, as
// in the memory store, leaves the item pending).
func (s *Store) MarkSent(ctx context.Context, id string, t time.Time) error {
	if !storable(id) {
		return fmt.Errorf("pgstore: %w: notification %q", checkout.ErrNotFound, id)
	}
	var at *time.Time
	if !t.IsZero() {
		at = &t
	}
	var exists bool
	err := s.retry(ctx, func() error {
		return s.pool.QueryRow(ctx, `WITH u AS (
				UPDATE checkout_outbox SET sent_at = $2 WHERE id = $1 AND sent_at IS NULL RETURNING 1)
			SELECT EXISTS (SELECT 1 FROM u) OR EXISTS (SELECT 1 FROM checkout_outbox WHERE id = $1)`,
			id, at).Scan(&exists)
	})
	if err != nil {
		return fmt.Errorf("pgstore: mark sent %s: %w", id, err)
	}
	if !exists {
		return fmt.Errorf("pgstore: %w: notification %s", checkout.ErrNotFound, id)
	}
	return nil
}

// PruneSent implements checkout.Store (the partial index of migration 003
// finds the sent rows).
func (s *Store) PruneSent(ctx context.Context, before time.Time) (int, error) {
	var n int64
	err := s.retry(ctx, func() error {
		tag, err := s.pool.Exec(ctx, `DELETE FROM checkout_outbox WHERE sent_at IS NOT NULL AND sent_at < $1`, before)
		n = tag.RowsAffected()
		return err
	})
	if err != nil {
		return 0, fmt.Errorf("pgstore: prune sent notifications: %w", err)
	}
	return int(n), nil
}
