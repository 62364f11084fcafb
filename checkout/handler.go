package checkout

import (
	"context"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Handler returns the routes a host mounts at Config.BaseURL's path (with
// http.StripPrefix, say):
//
//	/notify/{gateway}      the gateway's server notification (any method)
//	GET /return/{gateway}  the payer's browser return
//	GET /share/{token}     the payer's read-only view of a shared order
//	POST /share/{token}    the payer confirms and pays (form field "gateway"),
//	                       then, if the gateway asks, sends its OTP (field "otp")
//
// Every callback is verified by the gateway first; one that fails is
// answered 400 and changes nothing. A verified callback is checked against
// the order (merchant, currency, amount), applied once (duplicates and
// replays change nothing), and remembered. Storage errors answer 500 so
// that the gateway sends it again.
func (c *Client) Handler() http.Handler {
	// The pages' templates are constants: parsing cannot fail at run time
	// (a test executes each), and nothing is parsed at package init.
	resultTemplate := template.Must(template.New("result").Parse(resultTemplateSource))
	shareTemplate := template.Must(template.New("share").Parse(shareTemplateSource))
	otpTemplate := template.Must(template.New("otp").Parse(otpTemplateSource))
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
	mux.HandleFunc("GET /return/{gateway}", func(w http.ResponseWriter, r *http.Request) {
		o, _, status, err := c.HandleCallback(r.Context(), r.PathValue("gateway"), r)
		if err != nil && o.ID == "" {
			http.Error(w, errorText(status), status)
			return
		}
		c.showResult(w, r, o, resultTemplate)
	})
	mux.HandleFunc("GET /share/{token}", func(w http.ResponseWriter, r *http.Request) {
		v, err := c.OpenShare(r.Context(), r.PathValue("token"))
		if err != nil {
			status := http.StatusNotFound
			if errors.Is(err, ErrShareExpired) || errors.Is(err, ErrShareUsed) || errors.Is(err, ErrOrderClosed) {
				status = http.StatusGone
			}
			http.Error(w, trimPrefix(err), status)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("Referrer-Policy", "no-referrer")
		_ = shareTemplate.Execute(w, v)
	})
	mux.HandleFunc("POST /share/{token}", func(w http.ResponseWriter, r *http.Request) {
		r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
		var next Next
		var err error
		if otp := r.PostFormValue("otp"); otp != "" {
			next, err = c.SubmitSharedOTP(r.Context(), r.PathValue("token"), otp)
		} else {
			next, err = c.PayShared(r.Context(), r.PathValue("token"), r.PostFormValue("gateway"))
		}
		switch {
		case err != nil && next.Order.ID == "":
			http.Error(w, trimPrefix(err), http.StatusBadRequest)
		case next.Kind == NextOTP:
			// The gateway sent the payer an OTP (again, after a wrong one).
			w.Header().Set("Content-Type", "text/html; charset=utf-8")
			w.Header().Set("Cache-Control", "no-store")
			w.Header().Set("Referrer-Policy", "no-referrer")
			page := struct {
				OrderID string
				Error   string
			}{OrderID: next.Order.ID}
			if err != nil {
				page.Error = "The code was not accepted; try again."
			}
			_ = otpTemplate.Execute(w, page)
		case next.Kind == NextRedirect:
			w.Header().Set("Referrer-Policy", "no-referrer")
			http.Redirect(w, r, next.URL, http.StatusSeeOther)
		default:
			c.showResult(w, r, next.Order, resultTemplate)
		}
	})
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

func (c *Client) showResult(w http.ResponseWriter, r *http.Request, o Order, page *template.Template) {
	if c.opts.resultURL != "" {
		u, _ := url.Parse(c.opts.resultURL)
		q := u.Query()
		q.Set("order", o.ID)
		q.Set("state", string(o.State))
		u.RawQuery = q.Encode()
		http.Redirect(w, r, u.String(), http.StatusSeeOther)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = page.Execute(w, o)
}

const resultTemplateSource = `<!doctype html>
<html><head><meta charset="utf-8"><title>Order {{.ID}}</title></head>
<body><h1>Order {{.ID}}</h1><p id="state">{{.State}}</p>{{if .Reason}}<p>{{.Reason}}</p>{{end}}</body></html>
`

const shareTemplateSource = `<!doctype html>
<html><head><meta charset="utf-8"><title>Order {{.OrderID}}</title></head>
<body><h1>Order {{.OrderID}}</h1>
<p>Requested by {{.Requester}}. This link is valid until {{.ExpiresAt.UTC.Format "2006-01-02 15:04 MST"}}.</p>
<table>{{range .Items}}<tr><td>{{.Description}}{{range .Config}}<br>{{.Name}}: {{.Value}}{{end}}</td><td>{{.Quantity}}</td><td>{{.Amount}}</td></tr>{{end}}</table>
<p>Total: <b>{{.Amount}} {{.Currency}}</b></p>
<form method="post">{{range .Gateways}}<button name="gateway" value="{{.}}">Pay with {{.}}</button> {{end}}</form>
</body></html>
`

const otpTemplateSource = `<!doctype html>
<html><head><meta charset="utf-8"><title>Order {{.OrderID}}</title></head>
<body><h1>Order {{.OrderID}}</h1>{{if .Error}}<p id="error">{{.Error}}</p>{{end}}
<form method="post"><label>The code your wallet sent you: <input name="otp" autocomplete="one-time-code" inputmode="numeric"></label>
<button>Confirm</button></form>
</body></html>
`
