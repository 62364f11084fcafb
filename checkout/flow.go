package checkout

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"

	"github.com/thanhtoan/thanhtoan/wallet"
)

// source is where a gateway result came from.
type source int

const (
	srcStart    source = iota + 1 // the gateway's answer to Start
	srcOTP                        // the answer to SubmitOTP
	srcCallback                   // a verified notification or return
	srcQuery                      // a query
)

// codeGateway is the ledger code of gateway money recorded on system accounts.
const codeGateway = "gateway"

// applyResult advances o with a verified gateway result for one of its
// attempts. The caller holds the order's lock. States only move forward;
// a result already applied changes nothing.
func (c *Client) applyResult(ctx context.Context, o Order, gw Gateway, r GatewayResult, src source) (Order, error) {
	a, ok := o.attempt(r.Reference)
	if !ok {
		return o, fmt.Errorf("%w: order %s has no payment %s", ErrNotFound, o.ID, r.Reference)
	}
	if a.Gateway != gw.Name() {
		return o, fmt.Errorf("%w: payment %s is not through %s", ErrInvalidCallback, r.Reference, gw.Name())
	}
	ref := a.Reference
	switch r.Outcome {
	case OutcomeSucceeded:
		if a.Review {
			return o, nil
		}
		if a.Outcome == OutcomeSucceeded {
			// Known already: finish whatever is left.
			if o.State == StatePaid {
				return c.drive(ctx, o)
			}
			if !a.Settled && o.PaidReference != ref {
				return c.settleExtra(ctx, o, gw, ref)
			}
			return o, nil
		}
		if !r.AmountConfirmed && src != srcQuery {
			// The amount is not signed (VinID's callback): ask the gateway.
			q, err := gw.Query(ctx, ref)
			if err != nil {
				return o, err
			}
			q.Reference = ref
			return c.applyResult(ctx, o, gw, q, srcQuery)
		}
		if reason := mismatch(o, a, r); reason != "" {
			return c.review(ctx, o, ref, reason)
		}
		a.Outcome = OutcomeSucceeded
		if r.GatewayTxnID != "" {
			a.GatewayTxnID = r.GatewayTxnID
		}
		if o.State.Rank() < StatePaid.Rank() {
			a.Settled = true
			o.Payer = a.Payer
			share := a.Share
			o, err := c.markPaid(ctx, o, o.CreditHeld, ref)
			if err != nil {
				return o, err
			}
			if share != "" {
				c.useShare(ctx, share)
			}
			c.opts.logger.InfoContext(ctx, "checkout: paid", "order", o.ID, "gateway", gw.Name(), "reference", ref)
			return c.drive(ctx, o)
		}
		// The order was paid by another attempt, or cancelled: this money
		// cannot pay it.
		o.UpdatedAt = c.opts.now()
		o, err := c.store.UpdateOrder(ctx, o)
		if err != nil {
			return o, err
		}
		return c.settleExtra(ctx, o, gw, ref)

	case OutcomeFailed:
		if a.Outcome.final() || a.Review {
			return o, nil // a failure after a success (or a failure) changes nothing
		}
		a.Outcome = OutcomeFailed
		if r.GatewayTxnID != "" {
			a.GatewayTxnID = r.GatewayTxnID
		}
		if o.State.Rank() < StatePaid.Rank() && o.openAttempts() == 0 {
			reason := "payment failed"
			if r.Code != "" || r.Message != "" {
				reason = "payment failed: " + reasonText(strings.TrimSpace(r.Code+" "+r.Message))
			}
			return c.cancel(ctx, o, reason)
		}
		o.UpdatedAt = c.opts.now()
		return c.store.UpdateOrder(ctx, o)

	default:
		if a.Outcome.final() || a.Review {
			return o, nil
		}
		if r.Outcome == OutcomeUnknown && src != srcQuery {
			if q, err := gw.Query(ctx, ref); err == nil && q.Outcome != OutcomeUnknown {
				q.Reference = ref
				return c.applyResult(ctx, o, gw, q, srcQuery)
			}
		}
		changed := false
		if a.Outcome != r.Outcome {
			a.Outcome, changed = r.Outcome, true
		}
		if r.GatewayTxnID != "" && a.GatewayTxnID != r.GatewayTxnID {
			a.GatewayTxnID, changed = r.GatewayTxnID, true
		}
		if !changed {
			return o, nil
		}
		o.UpdatedAt = c.opts.now()
		return c.store.UpdateOrder(ctx, o)
	}
}

// mismatch says why a verified success does not match what o expects from
// the gateway for attempt a, or "". A success whose amount even the
// gateway's query does not confirm (it reported none) cannot be checked:
// it does not match either.
func mismatch(o Order, a *Attempt, r GatewayResult) string {
	if !r.AmountConfirmed {
		return "the gateway confirmed no amount"
	}
	if r.Currency != "" && r.Currency != o.Currency {
		return fmt.Sprintf("gateway reported currency %s, order is in %s", r.Currency, o.Currency)
	}
	if r.AmountConfirmed && !r.Amount.Equal(a.Amount) {
		return fmt.Sprintf("gateway reported %s %s paid, expected %s", r.Amount, o.Currency, a.Amount)
	}
	return ""
}

// review records a success that did not match: the order goes to review
// (if it was not paid yet) and nothing is provisioned.
func (c *Client) review(ctx context.Context, o Order, ref, reason string) (Order, error) {
	a, _ := o.attempt(ref)
	a.Review = true
	o.Flagged = true
	o.Reason = "payment " + ref + ": " + reasonText(reason) // it may quote the gateway
	if o.State.Rank() < StatePaid.Rank() {
		if err := c.releaseHold(ctx, o); err != nil {
			return o, err
		}
		o.State = StateReview
	}
	o.UpdatedAt = c.opts.now()
	c.opts.logger.WarnContext(ctx, "checkout: payment to review", "order", o.ID, "reference", ref, "reason", reason)
	return c.store.UpdateOrder(ctx, o)
}

// cancel releases o's credit hold and cancels it.
func (c *Client) cancel(ctx context.Context, o Order, reason string) (Order, error) {
	if err := c.releaseHold(ctx, o); err != nil {
		return o, err
	}
	o.State, o.Reason, o.UpdatedAt = StateCancelled, reason, c.opts.now()
	c.opts.logger.InfoContext(ctx, "checkout: cancelled", "order", o.ID, "reason", reason)
	return c.store.UpdateOrder(ctx, o)
}

// releaseHold voids the top-up-and-pay hold, if there is one pending.
func (c *Client) releaseHold(ctx context.Context, o Order) error {
	if o.Method != MethodTopUpAndPay {
		return nil
	}
	_, err := c.credits[o.Currency].Release(ctx, wallet.ReleaseRequest{ID: o.ID + "/release", HoldID: o.ID + "/hold", Order: o.ID})
	switch {
	case err == nil, errors.Is(err, wallet.ErrHoldNotFound), errors.Is(err, wallet.ErrHoldResolved), errors.Is(err, wallet.ErrHoldExpired):
		return nil
	}
	return fmt.Errorf("checkout: order %s: release hold: %w", o.ID, err)
}

// drive finishes a paid order: the ledger entries, Payment History,
// provisioning, then the invoice and email, or the refund. Every step is
// idempotent, so drive may run again after a crash at any point.
func (c *Client) drive(ctx context.Context, o Order) (Order, error) {
	if o.State != StatePaid {
		return o, nil
	}
	if err := c.settleLedger(ctx, o); err != nil {
		if o.Method == MethodTopUpAndPay && (errors.Is(err, wallet.ErrHoldResolved) || errors.Is(err, wallet.ErrHoldExpired)) {
			return c.holdLost(ctx, o, err)
		}
		return o, err
	}
	if a, ok := o.attempt(o.PaidReference); ok && o.PaidReference != "" {
		if _, err := c.store.AddPayment(ctx, Payment{ID: a.Reference + "/payment", OrderID: o.ID, Customer: o.Customer,
			Payer: a.Payer, Gateway: a.Gateway, Amount: a.Amount, Currency: o.Currency, Reference: a.Reference,
			GatewayTxnID: a.GatewayTxnID, Outcome: PaymentPaid, Time: o.PaidAt}); err != nil {
			return o, err
		}
	}
	if o.Provision == ProvisionPending {
		err := c.provisioner.Provision(ctx, ProvisionRequest{IdempotencyKey: o.ID + "/provision", Order: o.Clone()})
		if err != nil {
			if errors.Is(err, ErrTryAgain) || ctx.Err() != nil {
				return o, fmt.Errorf("checkout: order %s: provision: %w", o.ID, err)
			}
			c.opts.logger.WarnContext(ctx, "checkout: provisioning failed", "order", o.ID, "err", err)
			o.Provision, o.Reason, o.UpdatedAt = ProvisionFailed, "provisioning failed: "+reasonText(err.Error()), c.opts.now()
			if o, err = c.store.UpdateOrder(ctx, o); err != nil {
				return o, err
			}
		} else {
			return c.complete(ctx, o)
		}
	}
	if o.Provision == ProvisionDone {
		return c.complete(ctx, o)
	}
	return c.refundAndCancel(ctx, o)
}

// reasonText makes text from outside (a Provisioner's error, a gateway's
// message or currency) fit for Order.Reason in any Store: valid UTF-8
// without NUL bytes, which PostgreSQL refuses, so that pgstore would refuse
// every save of the order that records it (bad bytes become U+FFFD).
func reasonText(s string) string {
	return strings.ReplaceAll(strings.ToValidUTF8(s, "\uFFFD"), "\x00", "\uFFFD")
}

// holdLost deals with a top-up-and-pay order paid through the gateway
// whose credit hold can no longer be captured: a cancellation released it
// and stopped before it saved the order (or ran at the same time as the
// payment's success). The order cannot take that credit any more, so it is
// cancelled, and the gateway payment is settled like any payment that
// could not pay its order (settleExtra: credited to the wallet, flagged).
// Both steps are saved before the next, so that Sweep finishes them after a
// crash. Nothing was posted: the settlement batch is atomic.
func (c *Client) holdLost(ctx context.Context, o Order, cause error) (Order, error) {
	ref := o.PaidReference
	a, ok := o.attempt(ref)
	if !ok || ref == "" {
		return o, fmt.Errorf("checkout: order %s: settle top up and pay: %w", o.ID, cause)
	}
	gw, ok := c.gateways[a.Gateway]
	if !ok {
		return o, fmt.Errorf("checkout: order %s: settle top up and pay: gateway %q not configured: %w", o.ID, a.Gateway, cause)
	}
	c.opts.logger.WarnContext(ctx, "checkout: credit hold released before the payment succeeded", "order", o.ID, "reference", ref, "err", cause)
	a.Settled = false
	o.PaidReference, o.State, o.UpdatedAt = "", StateCancelled, c.opts.now()
	o.Reason = "the credit hold was released before payment " + ref + " succeeded"
	o, err := c.store.UpdateOrder(ctx, o)
	if err != nil {
		return o, err
	}
	return c.settleExtra(ctx, o, gw, ref)
}

// settleLedger posts the paid order's ledger entries (idempotent by ID).
func (c *Client) settleLedger(ctx context.Context, o Order) error {
	if o.Method != MethodTopUpAndPay && o.Method != MethodGateway && o.Method != MethodOnBehalf {
		return nil // credit: the payment is the order's only entry
	}
	cr := c.credits[o.Currency]
	cur := wallet.Currency(o.Currency)
	switch o.Method {
	case MethodTopUpAndPay:
		var batch []wallet.Transfer
		if o.GatewayAmount.Sign() > 0 {
			if err := cr.Open(ctx, o.Customer); err != nil {
				return fmt.Errorf("checkout: order %s: open wallet: %w", o.ID, err)
			}
			batch = append(batch, wallet.Transfer{ID: o.ID + "/topup", Debit: cr.TopUpSource(), Credit: cr.Account(o.Customer),
				Amount: o.GatewayAmount, Currency: cur, Code: wallet.CodeTopUp, Reference: o.ID})
		}
		if o.CreditHeld.Sign() > 0 {
			batch = append(batch, wallet.Transfer{ID: o.ID + "/capture", Kind: wallet.KindCommit, HoldID: o.ID + "/hold",
				Currency: cur, Code: wallet.CodePayment, Reference: o.ID})
		}
		if o.GatewayAmount.Sign() > 0 {
			batch = append(batch, wallet.Transfer{ID: o.ID + "/pay", Debit: cr.Account(o.Customer), Credit: cr.Revenue(),
				Amount: o.GatewayAmount, Currency: cur, Code: wallet.CodePayment, Reference: o.ID})
		}
		// One atomic batch, so that nothing can spend the top-up between
		// it and the payment.
		if _, err := c.ledger.Post(ctx, batch...); err != nil {
			return fmt.Errorf("checkout: order %s: settle top up and pay: %w", o.ID, err)
		}
	case MethodGateway, MethodOnBehalf:
		if err := c.ensureSystem(ctx, cur); err != nil {
			return err
		}
		if _, err := c.ledger.Post(ctx, wallet.Transfer{ID: o.ID + "/gateway", Debit: cr.TopUpSource(), Credit: cr.Revenue(),
			Amount: o.GatewayAmount, Currency: cur, Code: codeGateway, Reference: o.ID}); err != nil {
			return fmt.Errorf("checkout: order %s: record gateway payment: %w", o.ID, err)
		}
	}
	return nil
}

// ensureSystem creates the system accounts of a currency once.
func (c *Client) ensureSystem(ctx context.Context, cur wallet.Currency) error {
	if _, ok := c.systemReady.Load(cur); ok {
		return nil
	}
	cr := c.credits[string(cur)]
	if err := c.ledger.CreateAccounts(ctx, wallet.Account{ID: cr.TopUpSource(), Currency: cur}, wallet.Account{ID: cr.Revenue(), Currency: cur}); err != nil {
		return fmt.Errorf("checkout: system accounts: %w", err)
	}
	c.systemReady.Store(cur, true)
	return nil
}

// complete writes the invoice and the email and marks o completed.
func (c *Client) complete(ctx context.Context, o Order) (Order, error) {
	now := c.opts.now()
	// The summary shares o's items without a copy: the Store copies them at
	// Enqueue, and o is replaced by the Store's copy below, so only the
	// notification holds them afterwards.
	n := Notification{ID: o.ID + "/email/completed", Kind: NotifyOrderCompleted, To: o.Email, Language: o.Language,
		Order: OrderSummary{ID: o.ID, Items: o.Items, Amount: o.Amount, Currency: o.Currency, Method: string(o.Method)}}
	next := o
	next.Provision, next.State, next.UpdatedAt = ProvisionDone, StateCompleted, now
	var err error
	if ms, ok := c.store.(sharedStore); ok {
		// The three writes below in one.
		if err := ms.complete(ctx, &next, &n, now); err != nil {
			return o, err
		}
	} else {
		inv := Invoice{ID: o.ID + "/invoice", OrderID: o.ID, Customer: o.Customer,
			Items: o.Items, Amount: o.Amount, Currency: o.Currency, Method: o.Method, Time: now}
		if _, err := c.store.AddInvoice(ctx, inv); err != nil {
			return o, err
		}
		if _, err := c.store.Enqueue(ctx, n, now); err != nil {
			return o, err
		}
		if next, err = c.store.UpdateOrder(ctx, next); err != nil {
			return o, err
		}
	}
	c.deliver(ctx, n)
	return next, nil
}

// refundAndCancel refunds a paid order whose provisioning failed and
// cancels it.
func (c *Client) refundAndCancel(ctx context.Context, o Order) (Order, error) {
	cr := c.credits[o.Currency]
	cur := wallet.Currency(o.Currency)
	toCredit := o.Amount
	a, hasGateway := o.attempt(o.PaidReference)
	if hasGateway && o.PaidReference != "" && c.opts.refund == RefundThroughGateway {
		switch o.GatewayRefund {
		case "":
			gw, ok := c.gateways[a.Gateway]
			if !ok {
				break
			}
			o.GatewayRefund, o.UpdatedAt = "started", c.opts.now()
			var err error
			if o, err = c.store.UpdateOrder(ctx, o); err != nil {
				return o, err
			}
			a, _ = o.attempt(o.PaidReference)
			err = gw.Refund(ctx, RefundRequest{Reference: a.Reference, RefundID: o.ID + "/refund-gateway", Amount: a.Amount,
				Currency: o.Currency, Reason: "provisioning failed"})
			switch {
			case err == nil:
				o.GatewayRefund = "done"
			case errors.Is(err, ErrNotSupported):
				o.GatewayRefund = "not_supported"
			case errors.Is(err, ErrRefundRefused):
				// The payer was not refunded there: the wallet is.
				o.GatewayRefund = "failed"
				o.Flagged = true
				c.opts.logger.WarnContext(ctx, "checkout: gateway refused the refund; refunding to credit", "order", o.ID, "err", err)
			default:
				// No answer: the gateway may have refunded the payer.
				// Crediting the wallet too could pay the money back twice,
				// so nothing more is done; a person checks with the gateway.
				o.GatewayRefund = "unknown"
				o.Flagged = true
				o.Reason += "; gateway refund outcome unknown"
				c.opts.logger.WarnContext(ctx, "checkout: gateway refund outcome unknown", "order", o.ID, "err", err)
			}
			if o, err = c.store.UpdateOrder(ctx, o); err != nil {
				return o, err
			}
		case "started":
			if c.refundUnderWay(o) {
				return o, fmt.Errorf("%w: order %s: its gateway refund is under way", ErrTryAgain, o.ID)
			}
			// Sent, outcome unknown (a crash or lost answer): never send a
			// refund twice. A person checks with the gateway.
			o.Flagged = true
			o.Reason += "; gateway refund outcome unknown"
		}
		if o.GatewayRefund == "done" || o.GatewayRefund == "started" || o.GatewayRefund == "unknown" {
			toCredit = o.Amount.Sub(a.Amount)
			if err := c.ensureSystem(ctx, cur); err != nil {
				return o, err
			}
			if _, err := c.ledger.Post(ctx, wallet.Transfer{ID: o.ID + "/refund-gateway", Debit: cr.Revenue(), Credit: cr.TopUpSource(),
				Amount: a.Amount, Currency: cur, Code: codeGateway, Reference: o.ID}); err != nil {
				return o, fmt.Errorf("checkout: order %s: record gateway refund: %w", o.ID, err)
			}
			if _, err := c.store.AddPayment(ctx, Payment{ID: a.Reference + "/refund", OrderID: o.ID, Customer: o.Customer, Payer: a.Payer,
				Gateway: a.Gateway, Amount: a.Amount, Currency: o.Currency, Reference: a.Reference, GatewayTxnID: a.GatewayTxnID,
				Outcome: PaymentRefunded, Time: c.opts.now()}); err != nil {
				return o, err
			}
		}
	}
	if toCredit.Sign() > 0 {
		if _, err := cr.Refund(ctx, wallet.RefundRequest{ID: o.ID + "/refund", Customer: o.Customer, Amount: toCredit, Order: o.ID}); err != nil {
			return o, fmt.Errorf("checkout: order %s: refund: %w", o.ID, err)
		}
	}
	now := c.opts.now()
	n := Notification{ID: o.ID + "/email/refunded", Kind: NotifyRefunded, To: o.Email, Language: o.Language, Order: o.Summary(),
		RefundAmount: o.Amount, Reason: "provisioning failed"}
	if _, err := c.store.Enqueue(ctx, n, now); err != nil {
		return o, err
	}
	o.State, o.UpdatedAt = StateCancelled, now
	o, err := c.store.UpdateOrder(ctx, o)
	if err != nil {
		return o, err
	}
	c.deliver(ctx, n)
	return o, nil
}

// refundUnderWay reports whether a gateway refund that o records as
// started may still be waiting for the gateway's answer in the Client that
// sent it (another Client on the same Store, or this one): the sender
// saves that answer, so the refund is taken for one whose outcome is
// unknown only an hour after the order was saved.
func (c *Client) refundUnderWay(o Order) bool {
	return stepMayRun(o, c.opts.now())
}

// settleExtra deals with money of an attempt that could not pay the order
// (it was paid by another attempt, or cancelled): refunded through the
// gateway when the order was paid by another payer and the gateway can,
// else credited to the requester's wallet. The order is flagged.
//
// A refund is sent once: it is marked started in the Store first, the
// gateway's answer is saved before anything is done on it, and a
// refund whose outcome is not known (an error other than the gateway's
// refusal, or a crash after it was sent) is never sent again: the payment
// is left to a person (the order flagged, its Reason says so) and nothing
// is credited.
func (c *Client) settleExtra(ctx context.Context, o Order, gw Gateway, ref string) (Order, error) {
	a, _ := o.attempt(ref)
	outcome := PaymentCredited
	if (o.State == StatePaid || o.State == StateCompleted) && a.Refund == "" {
		a.Refund, o.UpdatedAt = "started", c.opts.now()
		var err error
		if o, err = c.store.UpdateOrder(ctx, o); err != nil {
			return o, err
		}
		a, _ = o.attempt(ref)
		err = gw.Refund(ctx, RefundRequest{Reference: ref, RefundID: ref + "/refund", Amount: a.Amount, Currency: o.Currency,
			Reason: "order already paid"})
		switch {
		case err == nil:
			a.Refund = "done"
		case errors.Is(err, ErrNotSupported):
			a.Refund = "not_supported"
		case errors.Is(err, ErrRefundRefused):
			a.Refund = "refused"
		default:
			a.Refund = "unknown"
			c.opts.logger.WarnContext(ctx, "checkout: refund of an extra payment: outcome unknown", "order", o.ID, "reference", ref, "err", err)
		}
		if a.Refund != "unknown" {
			// The gateway's answer is saved before it is acted on: a
			// refused refund credited to the wallet, its answer then lost,
			// would read "started" and be left to a person as a refund
			// that may have gone through, who would pay it back again.
			o.UpdatedAt = c.opts.now()
			if o, err = c.store.UpdateOrder(ctx, o); err != nil {
				return o, err
			}
			a, _ = o.attempt(ref)
		}
	}
	switch a.Refund {
	case "done":
		outcome = PaymentRefunded
	case "started", "unknown":
		if a.Refund == "started" && c.refundUnderWay(o) {
			return o, fmt.Errorf("%w: order %s: the refund of payment %s is under way", ErrTryAgain, o.ID, ref)
		}
		// Sent, outcome unknown: never again, and nothing credited.
		a.Refund, a.Settled, o.Flagged = "unknown", true, true
		o.Reason = strings.TrimPrefix(o.Reason+"; ", "; ") + "payment " + ref + ": gateway refund outcome unknown"
		o.UpdatedAt = c.opts.now()
		return c.store.UpdateOrder(ctx, o)
	}
	if outcome == PaymentCredited {
		if _, err := c.credits[o.Currency].TopUp(ctx, wallet.TopUpRequest{ID: ref + "/credit", Customer: o.Customer,
			Amount: a.Amount, Order: o.ID}); err != nil {
			return o, fmt.Errorf("checkout: order %s: credit extra payment: %w", o.ID, err)
		}
	}
	if _, err := c.store.AddPayment(ctx, Payment{ID: ref + "/payment", OrderID: o.ID, Customer: o.Customer, Payer: a.Payer,
		Gateway: a.Gateway, Amount: a.Amount, Currency: o.Currency, Reference: ref, GatewayTxnID: a.GatewayTxnID,
		Outcome: outcome, Time: c.opts.now()}); err != nil {
		return o, err
	}
	a.Settled = true
	o.Flagged = true
	o.Reason = strings.TrimPrefix(o.Reason+"; ", "; ") + "payment " + ref + ": " + string(outcome) + " (the order was already paid)"
	o.UpdatedAt = c.opts.now()
	c.opts.logger.WarnContext(ctx, "checkout: extra payment settled", "order", o.ID, "reference", ref, "outcome", string(outcome))
	return c.store.UpdateOrder(ctx, o)
}

// useShare marks a share link used; the order's state already says it is.
func (c *Client) useShare(ctx context.Context, hexHash string) {
	b, err := hex.DecodeString(hexHash)
	if err != nil || len(b) != 32 {
		return
	}
	var h [32]byte
	copy(h[:], b)
	if err := c.store.UseShare(ctx, h, c.opts.now()); err != nil && !errors.Is(err, ErrShareUsed) {
		c.opts.logger.WarnContext(ctx, "checkout: mark share link used", "err", err)
	}
}

// deliver sends a notification from the outbox now; on failure it stays
// pending for Sweep, unless the Notifier's error says it can never be
// sent (ErrInvalidNotification, ErrHeaderInjection, ErrRecipientRefused):
// then it is dropped.
func (c *Client) deliver(ctx context.Context, n Notification) bool {
	if _, ours := c.notifier.(LogNotifier); c.shared && !ours {
		// A host's Notifier gets its own line items (see sharedStore).
		n.Order.Items = cloneItems(n.Order.Items)
	}
	if err := c.notifier.Send(ctx, n); err != nil {
		if errors.Is(err, ErrInvalidNotification) || errors.Is(err, ErrHeaderInjection) || errors.Is(err, ErrRecipientRefused) {
			// It can never be rendered, or its address does not exist:
			// sending it again would fail the same way at every Sweep. It
			// is dropped (marked sent).
			c.opts.logger.ErrorContext(ctx, "checkout: notification can never be sent; dropped", "id", n.ID, "err", err)
			if err := c.store.MarkSent(ctx, n.ID, c.opts.now()); err != nil {
				c.opts.logger.WarnContext(ctx, "checkout: mark notification dropped", "id", n.ID, "err", err)
			}
			return false
		}
		c.opts.logger.WarnContext(ctx, "checkout: notification not sent; Sweep retries", "id", n.ID, "err", err)
		return false
	}
	if err := c.store.MarkSent(ctx, n.ID, c.opts.now()); err != nil {
		c.opts.logger.WarnContext(ctx, "checkout: mark notification sent", "id", n.ID, "err", err)
		return false
	}
	return true
}
