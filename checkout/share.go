package checkout

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/shopspring/decimal"
)

// shareTokenBytes is the share token's size: 256 random bits.
const shareTokenBytes = 32

// ShareResult is a share link that was created and sent.
type ShareResult struct {
	// URL is BaseURL+"/share/<token>". It is a bearer secret: whoever has it
	// can pay the order. Checkout sends it to the payer and never logs it.
	// Show it to no one else, the requester included: with a VinID Pay
	// gateway, a POST of the link charges the wallet linked to the payer's
	// email, with no OTP below VinID's threshold (see VinIDPayOptions).
	URL       string
	ExpiresAt time.Time
	Order     Order
}

// Share starts a payment on behalf: it creates a link for payerEmail,
// valid for the share TTL (72 hours by default), and emails it to the payer
// through the outbox. Only the SHA-256 of the link's token is stored. The
// order must not be paid or being paid yet; sharing again makes another link.
// payerEmail is an ASCII address alone (no display name, at most 254
// octets, 64 before the @); one the email could not be sent to is refused
// with ErrInvalidRequest.
func (c *Client) Share(ctx context.Context, orderID, payerEmail string) (res ShareResult, err error) {
	defer c.export(&res.Order)
	if err := checkEmail(ErrInvalidRequest, "payer email", payerEmail); err != nil {
		return ShareResult{}, err
	}
	if len(c.gateways) == 0 {
		return ShareResult{}, fmt.Errorf("%w: payment on behalf needs a gateway", ErrInvalidRequest)
	}
	lk := c.locks.lock(orderID)
	defer lk.unlock()
	o, err := c.store.GetOrder(ctx, orderID)
	if err != nil {
		return ShareResult{}, err
	}
	if o.State != StateCreated && o.State != StateShared {
		return ShareResult{Order: o}, fmt.Errorf("%w: order %s is %s", ErrOrderClosed, o.ID, o.State)
	}
	if err := c.checkNotExpired(o); err != nil {
		return ShareResult{Order: o}, err
	}
	if err := c.checkNoCreditStep(ctx, o); err != nil {
		return ShareResult{Order: o}, err
	}
	var raw [shareTokenBytes]byte
	if _, err := io.ReadFull(c.opts.random, raw[:]); err != nil {
		return ShareResult{}, fmt.Errorf("checkout: share token: %w", err)
	}
	token := base64.RawURLEncoding.EncodeToString(raw[:])
	hash := sha256.Sum256([]byte(token))
	now := c.opts.now()
	exp := now.Add(c.opts.shareTTL)
	if err := c.store.CreateShare(ctx, ShareLink{Hash: hash, OrderID: o.ID, Payer: payerEmail, CreatedAt: now, ExpiresAt: exp}); err != nil {
		return ShareResult{}, err
	}
	o.State, o.Method, o.Payer, o.ShareExpiresAt, o.UpdatedAt = StateShared, MethodOnBehalf, payerEmail, exp, now
	if o, err = c.store.UpdateOrder(ctx, o); err != nil {
		return ShareResult{}, err
	}
	u := c.baseURL + "/share/" + token
	n := Notification{ID: o.ID + "/email/share/" + hex.EncodeToString(hash[:8]), Kind: NotifyShareLink, To: payerEmail,
		Language: o.Language, Order: o.Summary(), ShareURL: u, ExpiresAt: exp, RequesterEmail: o.Email}
	if _, err := c.store.Enqueue(ctx, n, now); err != nil {
		return ShareResult{}, err
	}
	c.deliver(ctx, n)
	return ShareResult{URL: u, ExpiresAt: exp, Order: o}, nil
}

// errRequesterPaying is why a share link cannot pay while the requester
// pays the order (its payer's page says so).
var errRequesterPaying = errors.New("the order is being paid by its requester")

// checkNoCreditStep refuses to share an order whose credit payment or
// top up & pay hold may have taken money: a payment on behalf would leave
// that money with nothing to settle it (Sweep recovers credit steps of
// created orders only). One that went through is for Sweep to settle
// first. A credit try not yet seen is fenced (checkNoCreditPaid); a hold
// not yet seen may still be under way, in this process or in another
// Client on the same Store, where no lock of ours keeps it apart: it is
// given an hour after the order was saved, as Sweep gives it.
func (c *Client) checkNoCreditStep(ctx context.Context, o Order) error {
	if !(o.Method == MethodCredit && o.CreditTries > o.CreditChecked) && o.Method != MethodTopUpAndPay {
		return nil
	}
	if err := c.checkNoCreditPaid(ctx, o); err != nil {
		return err
	}
	if o.Method == MethodTopUpAndPay && stepMayRun(o, c.opts.now()) {
		return fmt.Errorf("%w: order %s: its credit hold may be under way", ErrTryAgain, o.ID)
	}
	return nil
}

// ShareView is what a payer sees of a shared order: read-only.
type ShareView struct {
	OrderID   string
	Items     []LineItem
	Amount    decimal.Decimal
	Currency  string
	Requester string // the requester's email
	ExpiresAt time.Time
	Gateways  []string // the gateways the payer may choose
}

// OpenShare checks a share token and shows its order. Errors:
// ErrShareNotFound, ErrShareExpired (at or after its expiry), ErrShareUsed
// (the order was paid), ErrOrderClosed (cancelled or in review, or being
// paid by its requester: a link cannot pay an order under another method).
func (c *Client) OpenShare(ctx context.Context, token string) (ShareView, error) {
	_, o, err := c.checkShare(ctx, token)
	if err != nil {
		return ShareView{}, err
	}
	return ShareView{OrderID: o.ID, Items: cloneItems(o.Items), Amount: o.Amount, Currency: o.Currency,
		Requester: o.Email, ExpiresAt: o.ShareExpiresAt, Gateways: c.Gateways()}, nil
}

func (c *Client) checkShare(ctx context.Context, token string) (ShareLink, Order, error) {
	if len(token) == 0 || len(token) > 128 {
		return ShareLink{}, Order{}, ErrShareNotFound
	}
	l, err := c.store.GetShare(ctx, sha256.Sum256([]byte(token)))
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return ShareLink{}, Order{}, ErrShareNotFound
		}
		return ShareLink{}, Order{}, err
	}
	if !l.UsedAt.IsZero() {
		return l, Order{}, ErrShareUsed
	}
	o, err := c.store.GetOrder(ctx, l.OrderID)
	if err != nil {
		return l, Order{}, err
	}
	switch o.State {
	case StatePaid, StateCompleted:
		return l, o, ErrShareUsed
	case StateCancelled, StateReview:
		return l, o, fmt.Errorf("%w: order %s is %s", ErrOrderClosed, o.ID, o.State)
	case StateAwaitingPayment:
		if o.Method != MethodOnBehalf {
			// The requester is paying it (top up and pay holds credit
			// for the part the gateway does not charge): a payment on
			// behalf now would drop that part.
			return l, o, fmt.Errorf("%w: %w: order %s (%s)", ErrOrderClosed, errRequesterPaying, o.ID, o.Method)
		}
	}
	if !c.opts.now().Before(l.ExpiresAt) {
		return l, o, ErrShareExpired
	}
	return l, o, nil
}

// PayShared is the payer's confirmation: it starts a gateway payment of the
// shared order for the payer. Resources and invoice go to the requester.
// Once the order is paid the link is used and further payers are refused;
// if two payers pay at once, the second success is refunded (through the
// gateway where it can, else credited to the requester's wallet). While a
// payment of this link has an outcome nobody knows yet (the gateway's answer
// was lost), PayShared answers ErrTryAgain instead of charging the payer again;
// while one through the same gateway is open, it answers that payment's
// next step (its redirect, or its OTP) instead of starting another.
func (c *Client) PayShared(ctx context.Context, token, gateway string) (next Next, err error) {
	defer c.export(&next.Order)
	gw, ok := c.gateways[gateway]
	if !ok {
		return Next{}, fmt.Errorf("%w: %q (one of %q)", ErrUnknownGateway, gateway, c.gwNames)
	}
	l, o, err := c.checkShare(ctx, token)
	if err != nil {
		return Next{}, err
	}
	lk := c.locks.lock(o.ID)
	defer lk.unlock()
	if _, o, err = c.checkShare(ctx, token); err != nil { // again, under the lock
		return Next{}, err
	}
	// The requester's credit payment whose outcome was lost may have paid
	// (Pay refuses to switch method then too): Sweep settles it first.
	if err := c.checkNoCreditPaid(ctx, o); err != nil {
		return Next{}, fmt.Errorf("%w: %w", errRequesterPaying, err)
	}
	share := hex.EncodeToString(l.Hash[:])
	for _, a := range o.Attempts {
		if a.Share != share || a.Outcome.final() || a.Review {
			continue
		}
		switch {
		case a.URL == "" && !a.OTP:
			// This link's payment started but the gateway's answer was not
			// recorded (lost, or a crash): it may have charged the payer.
			// Never start another until Sweep knows.
			return Next{Kind: NextDone, Order: o}, fmt.Errorf("%w: order %s: payment %s is under way and its outcome is not known yet", ErrTryAgain, o.ID, a.Reference)
		case a.Gateway != gw.Name():
		case a.OTP:
			// The payer has its OTP already (the share page asks for it).
			return Next{Kind: NextOTP, Order: o}, nil
		default:
			// The link's payment through this gateway is open: the payer
			// goes back to it rather than to a second one (a double click,
			// or a forwarded link posted over and over, which also used up
			// the order's attempts).
			return Next{Kind: NextRedirect, URL: a.URL, Order: o}, nil
		}
	}
	return c.startAttempt(ctx, o, MethodOnBehalf, gw, l.Payer, share)
}

// SubmitSharedOTP confirms the payer's payment on behalf that waits for an
// OTP (VinID Pay at or above its threshold charges the payer's linked
// wallet): the payer's step after PayShared answered NextOTP. token is the
// payer's share link token: only the payment started through that link is
// confirmed, never the requester's own or another payer's. The link's
// expiry is checked when the payment starts, not here: the gateway bounds
// the OTP's life. Errors: ErrShareNotFound, ErrShareUsed (the order was
// paid), ErrOrderClosed, ErrInvalidRequest (no payment of this link waits
// for an OTP); a wrong OTP answers NextOTP with the gateway's error.
func (c *Client) SubmitSharedOTP(ctx context.Context, token, otp string) (next Next, err error) {
	defer c.export(&next.Order)
	if otp == "" {
		return Next{}, fmt.Errorf("%w: empty otp", ErrInvalidRequest)
	}
	if len(token) == 0 || len(token) > 128 {
		return Next{}, ErrShareNotFound
	}
	hash := sha256.Sum256([]byte(token))
	l, err := c.store.GetShare(ctx, hash)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Next{}, ErrShareNotFound
		}
		return Next{}, err
	}
	if !l.UsedAt.IsZero() {
		return Next{}, ErrShareUsed
	}
	lk := c.locks.lock(l.OrderID)
	defer lk.unlock()
	o, err := c.store.GetOrder(ctx, l.OrderID)
	if err != nil {
		return Next{}, err
	}
	switch o.State {
	case StatePaid, StateCompleted:
		return Next{Kind: NextDone, Order: o}, ErrShareUsed
	case StateCancelled, StateReview:
		return Next{Kind: NextDone, Order: o}, fmt.Errorf("%w: order %s is %s", ErrOrderClosed, o.ID, o.State)
	}
	return c.submitOTP(ctx, o, otp, hex.EncodeToString(hash[:]))
}
