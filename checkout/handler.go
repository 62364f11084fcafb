package checkout

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
)

// Handler returns the routes a host mounts at Config.BaseURL's path, with
// http.StripPrefix of that path without its trailing slash (stripping
// "/billing/" would leave paths without their leading "/", which the routes
// redirect out of the mount):
//
//	// Config.BaseURL "https://cloud.example.vn/billing"
//	mux.Handle("/billing/", http.StripPrefix("/billing", client.Handler()))
//
// The routes:
//
//	/notify/{gateway}      the gateway's server notification (any method)
//	GET /return/{gateway}  the payer's browser return
//	GET /share/{token}     the payer's read-only view of a shared order
//	POST /share/{token}    the payer confirms and pays (form field "gateway"),
//	                       then, if the gateway asks, sends its OTP (field "otp")
//
// The payer's pages are in the order's language, Vietnamese or English
// ("?lang=vi" or "?lang=en" switches); an unknown, expired or used link gets
// an error page (404 or 410; 409 while the requester pays the order) that
// shows no order data and no error text.
//
// Every callback is verified by the gateway first; one that fails is
// answered 400 and changes nothing. A verified callback is checked against
// the order (merchant, currency, amount), applied once (duplicates and
// replays change nothing), and remembered. Storage errors answer 500 so
// that the gateway sends it again.
//
// Every body a route reads is capped (4 KiB for the share form, the
// gateway's own cap for a callback), but the routes cannot bound how long
// a client takes to send it: serve the Handler from an http.Server with
// ReadHeaderTimeout, ReadTimeout and MaxHeaderBytes set.
func (c *Client) Handler() http.Handler {
	pages := c.newPages()
	mux := http.NewServeMux()
	mux.HandleFunc("/notify/{gateway}", func(w http.ResponseWriter, r *http.Request) {
		_, _, status, err := c.HandleCallback(r.Context(), r.PathValue("gateway"), r)
		if err != nil {
			http.Error(w, errorText(status), status)
			return
		}
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = w.Write([]byte("OK"))
	})
	mux.HandleFunc("GET /return/{gateway}", pages.serveReturn)
	mux.HandleFunc("GET /share/{token}", pages.serveShare)
	mux.HandleFunc("POST /share/{token}", pages.serveSharePost)
	return mux
}

func errorText(status int) string {
	if status == http.StatusBadRequest {
		return "invalid callback"
	}
	return http.StatusText(status)
}

// HandleCallback verifies and applies one callback for the named gateway
// (the work of Handler's notify and return routes, for hosts that route
// themselves). It returns the order (when one was found), the gateway's
// result, the HTTP status to answer (200, 400 for a callback that failed
// verification or names no order of ours, 404 for an unknown gateway, 500
// when it should be sent again) and the error.
func (c *Client) HandleCallback(ctx context.Context, gateway string, r *http.Request) (out Order, _ GatewayResult, _ int, _ error) {
	defer c.export(&out)
	gw, ok := c.gateways[gateway]
	if !ok {
		return Order{}, GatewayResult{}, http.StatusNotFound, fmt.Errorf("%w: %q", ErrUnknownGateway, gateway)
	}
	res, err := gw.ParseCallback(r)
	if err != nil {
		c.opts.logger.WarnContext(ctx, "checkout: callback refused", "gateway", gateway, "err", err)
		return Order{}, GatewayResult{}, http.StatusBadRequest, err
	}
	orderID, ok := orderOfReference(res.Reference)
	if !ok {
		return Order{}, res, http.StatusBadRequest, fmt.Errorf("%w: reference %q is not one of ours", ErrInvalidCallback, res.Reference)
	}
	key := callbackKey(gateway, res)
	if seen, err := c.store.CallbackSeen(ctx, key); err == nil && seen {
		o, err := c.store.GetOrder(ctx, orderID)
		if err != nil {
			return Order{}, res, http.StatusInternalServerError, err
		}
		return o, res, http.StatusOK, nil
	}
	// A callback may arrive while the order's payment call is under way
	// (even from inside it, when a gateway notifies before it answers):
	// wait a little, then ask the gateway to send it again.
	lk, locked := c.locks.lockWait(ctx, orderID, callbackLockWait)
	if !locked {
		return Order{}, res, http.StatusServiceUnavailable, fmt.Errorf("checkout: order %s is busy; send the callback again", orderID)
	}
	defer lk.unlock()
	o, err := c.store.GetOrder(ctx, orderID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return Order{}, res, http.StatusBadRequest, fmt.Errorf("%w: %w", ErrInvalidCallback, err)
		}
		return Order{}, res, http.StatusInternalServerError, err
	}
	if _, ok := o.attempt(res.Reference); !ok {
		return Order{}, res, http.StatusBadRequest, fmt.Errorf("%w: order %s has no payment %s", ErrInvalidCallback, o.ID, res.Reference)
	}
	o2, err := c.applyResult(ctx, o, gw, res, srcCallback)
	if errors.Is(err, ErrInvalidCallback) {
		// Verified, but not for this payment (another gateway's): sending
		// it again changes nothing.
		c.opts.logger.WarnContext(ctx, "checkout: callback refused", "gateway", gateway, "order", o.ID, "err", err)
		return o, res, http.StatusBadRequest, err
	}
	if err != nil {
		c.opts.logger.WarnContext(ctx, "checkout: callback not applied; the gateway should send it again", "gateway", gateway, "order", o.ID, "err", err)
		return o, res, http.StatusInternalServerError, err
	}
	// A success the gateway's query did not confirm yet (VinID's unsigned
	// amount, queried while the gateway still says pending) is not
	// processed: the gateway's next delivery of it is applied again.
	if a2, ok := o2.attempt(res.Reference); ok && res.Outcome == OutcomeSucceeded && a2.Outcome != OutcomeSucceeded && !a2.Review {
		return o2, res, http.StatusOK, nil
	}
	if _, err := c.store.RecordCallback(ctx, CallbackRecord{ID: key, OrderID: o.ID, Gateway: gateway, Reference: res.Reference,
		Outcome: res.Outcome, Time: c.opts.now()}); err != nil {
		c.opts.logger.WarnContext(ctx, "checkout: record callback", "order", o.ID, "err", err)
	}
	return o2, res, http.StatusOK, nil
}

// callbackLockWait is how long a callback waits for its order's lock.
const callbackLockWait = 2 * time.Second

// callbackKey identifies a callback for deduplication: the same gateway,
// payment, outcome, transaction and amount. An amount no signature covers
// (VinID's) is left out: anyone can change it, so it must not make a
// replay look new.
func callbackKey(gateway string, r GatewayResult) string {
	amount := ""
	if r.AmountConfirmed {
		amount = r.Amount.String()
	}
	return strings.Join([]string{gateway, r.Reference, r.Outcome.String(), r.GatewayTxnID, r.Code, amount}, "|")
}

// orderOfReference returns the order ID of a payment reference "<order>-<n>".
func orderOfReference(ref string) (string, bool) {
	i := strings.LastIndexByte(ref, '-')
	if i <= 0 || i == len(ref)-1 {
		return "", false
	}
	if validOrderID(ref[:i]) != nil {
		return "", false
	}
	return ref[:i], true
}
