package checkout

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/thanhtoan/thanhtoan/wallet"
)

// SweepReport counts what a Sweep did.
type SweepReport struct {
	Redriven      int // paid orders driven on (provisioned, refunded)
	Recovered     int // orders whose credit step had run before a crash
	Queried       int // gateway payments queried
	Settled       int // gateway payments whose outcome the query settled
	Expired       int // orders cancelled: never paid, share link or payment expired
	HoldsExpired  int // ledger holds released at their expiry
	Notifications int // outbox notifications sent
	Pruned        int // sent notifications deleted after the outbox retention
	Errors        int // orders or notifications that failed (see the error)
}

// Sweep re-drives orders that stopped between steps, settles gateway
// payments whose outcome is unknown by querying the gateway, cancels orders
// never paid before their expiry (WithOrderTTL) and orders whose share link
// or payment expired (releasing their holds), releases expired ledger
// holds, sends the outbox's pending notifications (those queued longer
// ago than WithOutboxGrace: a younger one is on its way from the Client
// that queued it) and deletes those sent
// longer ago than WithOutboxRetention. It also settles payments that
// arrived for orders already completed or cancelled (a second payer, a late
// success) whose notification never came or whose settling stopped: it
// queries them and refunds or credits their money.
//
// Sweep reads only the orders that have work due (Store.ListOrders with
// Due now: each order's Order.SweepAt, which the stores index), so its
// cost follows the work due, not the order history nor the orders waiting
// for a later deadline. Run it periodically (every minute, say); running
// it often or concurrently is safe. It goes on after an order fails and
// returns every error joined.
func (c *Client) Sweep(ctx context.Context) (SweepReport, error) {
	var rep SweepReport
	var errs []error
	fail := func(err error) {
		rep.Errors++
		errs = append(errs, err)
	}
	n, err := c.ledger.ExpireHolds(ctx, 0)
	if err != nil {
		fail(fmt.Errorf("checkout: sweep: expire holds: %w", err))
	}
	rep.HoldsExpired = n

	const pageSize = 100
	q := OrderQuery{Due: c.opts.now(), Limit: pageSize}
	for {
		if err := ctx.Err(); err != nil {
			return rep, errors.Join(append(errs, err)...)
		}
		page, err := c.store.ListOrders(ctx, q)
		if err != nil {
			fail(fmt.Errorf("checkout: sweep: list orders: %w", err))
			break
		}
		for i := range page {
			// A Store may list more than is due: only the due are locked
			// and read again.
			if !q.Listed(&page[i]) {
				continue
			}
			if err := c.sweepOrder(ctx, page[i].ID, &rep); err != nil {
				fail(fmt.Errorf("checkout: sweep: order %s: %w", page[i].ID, err))
			}
		}
		if len(page) < pageSize {
			break
		}
		q.After = page[len(page)-1].ID
	}

	// The outbox is read oldest first, and what cannot be sent now stays
	// at its head: each page asks for what this Sweep left there (failed,
	// or young) plus 100, so that notifications that fail every time (a
	// mailbox the server refuses) do not keep Sweep from those queued
	// after them. Stores return at most MaxPageSize (500): behind that
	// many such notifications, the others stay out of reach.
	seen := map[string]bool{}
	left := 0
	for {
		limit := left + 100
		items, err := c.store.PendingNotifications(ctx, limit)
		if err != nil {
			fail(fmt.Errorf("checkout: sweep: outbox: %w", err))
			break
		}
		tried := 0
		young := c.opts.now().Add(-c.opts.outboxGrace)
		for _, it := range items {
			if seen[it.Notification.ID] {
				continue
			}
			seen[it.Notification.ID] = true
			if it.EnqueuedAt.After(young) {
				left++
				continue // its Client is sending it (WithOutboxGrace)
			}
			tried++
			if c.deliver(ctx, it.Notification) {
				rep.Notifications++
			} else {
				left++
				fail(fmt.Errorf("checkout: sweep: notification %s not sent", it.Notification.ID))
			}
		}
		if len(items) < limit || tried == 0 {
			break
		}
	}
	if n, err := c.store.PruneSent(ctx, c.opts.now().Add(-c.opts.outboxKeep)); err != nil {
		fail(fmt.Errorf("checkout: sweep: prune outbox: %w", err))
	} else {
		rep.Pruned = n
	}
	return rep, errors.Join(errs...)
}

func (c *Client) sweepOrder(ctx context.Context, id string, rep *SweepReport) error {
	lk := c.locks.lock(id)
	defer lk.unlock()
	o, err := c.store.GetOrder(ctx, id)
	if err != nil {
		return err
	}
	now := c.opts.now()
	switch o.State {
	case StateCreated:
		recovered := rep.Recovered
		if err := c.recoverCreated(ctx, o, rep); err != nil || rep.Recovered != recovered {
			return err
		}
		if orderExpired(o, now) {
			// Read again: recoverCreated may have saved it (CreditChecked).
			if o, err = c.store.GetOrder(ctx, id); err != nil || !orderExpired(o, now) {
				return err
			}
			rep.Expired++
			_, err := c.cancel(ctx, o, "order expired unpaid")
			return err
		}
	case StateShared:
		// The requester may have paid by credit (or held credit) after
		// sharing, and stopped before saving it: settle that first.
		recovered := rep.Recovered
		if err := c.recoverCreated(ctx, o, rep); err != nil || rep.Recovered != recovered {
			return err
		}
		if o.openAttempts() == 0 && !now.Before(o.ShareExpiresAt) {
			// Read again: recoverCreated may have saved it (CreditChecked).
			if o, err = c.store.GetOrder(ctx, id); err != nil {
				return err
			}
			if o.State != StateShared || o.Method == MethodCredit && o.CreditTries > o.CreditChecked {
				return nil // a credit try Sweep cannot settle yet
			}
			rep.Expired++
			_, err := c.cancel(ctx, o, "share link expired")
			return err
		}
	case StateAwaitingPayment:
		if o, err = c.settleAttempts(ctx, o, rep, now); err != nil {
			return err
		}
		if o.State != StateAwaitingPayment || o.openAttempts() > 0 {
			return nil
		}
		if o.Method == MethodOnBehalf {
			if !now.Before(o.ShareExpiresAt) {
				rep.Expired++
				_, err := c.cancel(ctx, o, "share link expired")
				return err
			}
			return nil // the payer may try again through the link
		}
		// Every attempt failed but the order was not cancelled (a crash or
		// an error releasing the hold): finish it.
		rep.Settled++
		_, err := c.cancel(ctx, o, "payment failed")
		return err
	case StatePaid:
		rep.Redriven++
		_, err := c.drive(ctx, o)
		return err
	case StateCompleted, StateCancelled, StateReview:
		_, err := c.settleAttempts(ctx, o, rep, now)
		return err
	}
	return nil
}

// settleAttempts queries the gateway about o's payments whose outcome is
// unknown and applies what it says; on an order that is already paid,
// completed or cancelled it also settles successes whose money was not yet
// refunded or credited. The caller holds the order's lock.
func (c *Client) settleAttempts(ctx context.Context, o Order, rep *SweepReport, now time.Time) (Order, error) {
	for i := 0; i < len(o.Attempts); i++ {
		a := o.Attempts[i]
		if a.Review {
			continue
		}
		gw, ok := c.gateways[a.Gateway]
		if !ok {
			return o, fmt.Errorf("%w: %q", ErrUnknownGateway, a.Gateway)
		}
		if a.Outcome == OutcomeSucceeded {
			if a.Settled || a.Reference == o.PaidReference || o.State.Rank() < StatePaid.Rank() {
				continue
			}
			// Known to have paid, but its money was not yet dealt with.
			var err error
			if o, err = c.settleExtra(ctx, o, gw, a.Reference); err != nil {
				return o, err
			}
			rep.Settled++
			continue
		}
		if a.Outcome == OutcomeFailed && !a.RecheckAt.IsZero() {
			if now.Before(a.RecheckAt) {
				continue
			}
			var err error
			if o, err = c.recheck(ctx, o, gw, i, rep, now); err != nil {
				return o, err
			}
			continue
		}
		if a.Outcome.final() || now.Before(a.QueryAt) {
			continue
		}
		rep.Queried++
		r, err := gw.Query(ctx, a.Reference)
		switch {
		case errors.Is(err, ErrPaymentNotFound):
			if now.Sub(a.StartedAt) < c.opts.paymentTimeout {
				if o, err = c.queryLater(ctx, o, i, now); err != nil {
					return o, err
				}
				continue
			}
			r = GatewayResult{Reference: a.Reference, Outcome: OutcomeFailed, Message: "payment expired"}
		case err != nil:
			return o, err
		}
		if r.Outcome == OutcomeUnknown || r.Outcome == OutcomePending {
			// An OTP payment never confirmed, or one whose start was never
			// recorded (a crash right after the gateway answered: no payer
			// was sent to a page), expires; a redirect the payer may still
			// complete, or VTC's review, waits for the gateway.
			if now.Sub(a.StartedAt) >= c.opts.paymentTimeout && r.Outcome == OutcomeUnknown && (a.OTP || a.URL == "") {
				r = GatewayResult{Reference: a.Reference, Outcome: OutcomeFailed, Message: "otp expired"}
			} else {
				if o, err = c.queryLater(ctx, o, i, now); err != nil {
					return o, err
				}
				continue
			}
		}
		r.Reference = a.Reference
		if r.Outcome == OutcomeFailed && (r.Message == "payment expired" || r.Message == "otp expired") && c.opts.lateWindow > 0 {
			// Failed for lack of an answer: the gateway may yet take the
			// money. Query it again later (see recheck).
			o.Attempts[i].ExpiredAt, o.Attempts[i].RecheckAt = now, now.Add(lateGap(0))
		}
		wasOpen := o.State.Rank() < StatePaid.Rank()
		if o, err = c.applyResult(ctx, o, gw, r, srcQuery); err != nil {
			return o, err
		}
		rep.Settled++
		if wasOpen && r.Outcome == OutcomeFailed && o.State == StateCancelled {
			rep.Expired += boolInt(r.Message == "payment expired" || r.Message == "otp expired")
		}
	}
	return o, nil
}

// queryLater schedules the next query of the open payment o.Attempts[i],
// whose query at now settled nothing: after queryGap, and at the latest at
// the payment timeout, when Sweep decides. The caller holds the order's
// lock.
func (c *Client) queryLater(ctx context.Context, o Order, i int, now time.Time) (Order, error) {
	a := &o.Attempts[i]
	a.QueryAt = now.Add(queryGap(now.Sub(a.StartedAt)))
	if timeout := a.StartedAt.Add(c.opts.paymentTimeout); !now.After(timeout) && a.QueryAt.After(timeout) {
		a.QueryAt = timeout
	}
	o.UpdatedAt = now
	return c.store.UpdateOrder(ctx, o)
}

// queryGap is the wait before the next query of an open payment started
// `age` ago: a minute, then as long again as it has been open (doubling),
// at most an hour: about 30 queries over a 24-hour payment timeout.
func queryGap(age time.Duration) time.Duration {
	return min(max(age, time.Minute), time.Hour)
}

// lateGap is the wait before the next late query of a payment that
// expired `since` ago: an hour, then as long again (doubling), at most a day.
func lateGap(since time.Duration) time.Duration {
	return min(max(since, time.Hour), 24*time.Hour)
}

// recheck queries again the payment o.Attempts[i], which Sweep failed for
// lack of an answer: a success is applied as any late success (credited to
// the requester or refunded, the order flagged); a failure, or the end of
// WithLatePaymentWindow, stops the queries; else the next is scheduled.
// The caller holds the order's lock.
func (c *Client) recheck(ctx context.Context, o Order, gw Gateway, i int, rep *SweepReport, now time.Time) (Order, error) {
	a := &o.Attempts[i]
	rep.Queried++
	r, err := gw.Query(ctx, a.Reference)
	switch {
	case errors.Is(err, ErrPaymentNotFound):
		r = GatewayResult{Outcome: OutcomeUnknown}
	case err != nil:
		return o, err
	}
	r.Reference = a.Reference
	end := a.ExpiredAt.Add(c.opts.lateWindow)
	switch r.Outcome {
	case OutcomeSucceeded:
		c.opts.logger.WarnContext(ctx, "checkout: payment succeeded after it expired", "order", o.ID, "reference", a.Reference)
		a.RecheckAt = time.Time{}
		rep.Settled++
		return c.applyResult(ctx, o, gw, r, srcQuery)
	case OutcomeFailed:
		a.RecheckAt = time.Time{}
	default:
		if !now.Before(end) {
			a.RecheckAt = time.Time{}
		} else {
			a.RecheckAt = now.Add(lateGap(now.Sub(a.ExpiredAt)))
			if a.RecheckAt.After(end) {
				a.RecheckAt = end // a last query at the end of the window
			}
		}
	}
	o.UpdatedAt = now
	return c.store.UpdateOrder(ctx, o)
}

// recoverCreated settles an order left in created (or shared: the
// requester paid by credit after sharing) after a crash between its credit
// step and the order's update.
func (c *Client) recoverCreated(ctx context.Context, o Order, rep *SweepReport) error {
	switch o.Method {
	case MethodCredit:
		if o.CreditTries <= o.CreditChecked {
			return nil
		}
		r, err := c.ledger.Lookup(ctx, creditID(o))
		if err != nil {
			// Refused by the ledger, or never posted: once no Pay can still
			// be posting it (an hour after the try), nothing is left to
			// recover, and the order waits for its expiry.
			refused := errors.Is(err, wallet.ErrInsufficientFunds) || errors.Is(err, wallet.ErrAccountNotFound)
			if refused || errors.Is(err, wallet.ErrTransferNotFound) && !stepMayRun(o, c.opts.now()) {
				o.CreditChecked, o.UpdatedAt = o.CreditTries, c.opts.now()
				if _, err := c.store.UpdateOrder(ctx, o); err != nil && !errors.Is(err, ErrConflict) {
					return err
				}
				return nil
			}
			if errors.Is(err, wallet.ErrTransferNotFound) {
				return nil
			}
			return err
		}
		if r.Transfer.ID == "" {
			return nil
		}
		rep.Recovered++
		o, err = c.markPaid(ctx, o, o.Amount, "")
		if err != nil {
			return err
		}
		_, err = c.drive(ctx, o)
		return err
	case MethodTopUpAndPay:
		r, err := c.ledger.Lookup(ctx, o.ID+"/hold")
		if err != nil {
			if errors.Is(err, wallet.ErrTransferNotFound) || errors.Is(err, wallet.ErrInsufficientFunds) || errors.Is(err, wallet.ErrAccountNotFound) {
				return nil
			}
			return err
		}
		if r.Status != wallet.StatusPending {
			return nil
		}
		// The hold was taken but the payment never started, or has not
		// yet: a Pay may still be running in another process (another
		// Client on this Store), between its hold and the order's next
		// save. Releasing the hold under it would leave that Pay's order
		// paid with no credit to capture. As for a credit try, give it an
		// hour after the order was last saved.
		if stepMayRun(o, c.opts.now()) {
			return nil
		}
		rep.Recovered++
		_, err = c.cancel(ctx, o, "interrupted before the gateway payment started")
		return err
	}
	return nil
}

// stepGrace is how long after an order was last saved a step of it may
// still be running in the Client (process) that took it, between a ledger
// or gateway call and the order's next save: a credit try or hold on its
// way to the ledger, a gateway refund waiting for its answer. No lock of
// one Client keeps another out, and a lookup that does not find such a
// step yet says nothing, so Sweep and the other Clients take it for lost,
// or undo it, only after this.
const stepGrace = time.Hour

// stepMayRun reports whether, at now, a step of o may still be running in
// the Client that took it (see stepGrace).
func stepMayRun(o Order, now time.Time) bool { return now.Before(o.UpdatedAt.Add(stepGrace)) }

// orderExpired reports whether o, created and never paid, is past its
// ExpiresAt. An order whose credit payment or hold was started is given an
// hour after that start, so that a Pay still running in another process
// (whose ledger step Sweep could not yet see) loses the order's
// compare-and-swap before it takes money, never after.
func orderExpired(o Order, now time.Time) bool {
	if o.State != StateCreated || o.ExpiresAt.IsZero() || now.Before(o.ExpiresAt) {
		return false
	}
	return o.Method == "" || o.Method == MethodGateway || !stepMayRun(o, now)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}
