package vtcpaytest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sync"
	"time"
)

// maxDeliveryBody caps the merchant's answer the fake keeps.
const maxDeliveryBody = 4 << 10

// Delivery is one server notification the fake POSTed over HTTP.
type Delivery struct {
	Reference  string
	Body       string // the form body sent
	StatusCode int    // the merchant's HTTP status; 0 when none came
	Response   string // the start of the merchant's answer
	Err        error  // why the POST failed, if it did
}

// DeliveryOption changes how a notification is delivered.
type DeliveryOption func(*delivery)

type delivery struct {
	times      int
	concurrent bool
	delay      time.Duration
	tamper     []func(url.Values)
	tamperBody []func([]byte) []byte
	target     string
}

// Times delivers the notification n times (n >= 1), as a gateway that
// retries or a network that duplicates does.
func Times(n int) DeliveryOption {
	return func(d *delivery) {
		if n >= 1 {
			d.times = n
		}
	}
}

// Concurrently delivers the copies of Times at the same time instead of one
// after the other.
func Concurrently() DeliveryOption {
	return func(d *delivery) { d.concurrent = true }
}

// Delay waits d before each delivery (or ctx's end, whichever comes first).
func Delay(dur time.Duration) DeliveryOption {
	return func(d *delivery) { d.delay = dur }
}

// Tamper changes the signed form before it is sent, as a forger would: the
// function gets a copy holding data and signature.
func Tamper(f func(form url.Values)) DeliveryOption {
	return func(d *delivery) {
		if f != nil {
			d.tamper = append(d.tamper, f)
		}
	}
}

// TamperBody changes the encoded body before it is sent (to send garbage or
// an oversized body, say).
func TamperBody(f func(body []byte) []byte) DeliveryOption {
	return func(d *delivery) {
		if f != nil {
			d.tamperBody = append(d.tamperBody, f)
		}
	}
}

// Target sets the URL the notification is addressed to. Deliver uses its
// path (default: the receiving URL's, or "/"); Notify POSTs to it (default:
// the receiving URL). Notify POSTs only to loopback hosts.
func Target(rawURL string) DeliveryOption {
	return func(d *delivery) { d.target = rawURL }
}

// Notification returns the signed server notification for a transaction in
// its current state: the form fields data
// (amount|message|payment_type|reference_number|status|trans_ref_no|website_id)
// and signature.
func (s *Server) Notification(reference string) (url.Values, error) {
	s.mu.Lock()
	t, ok := s.txns[reference]
	var snap Transaction
	if ok {
		snap = t.snapshot()
	}
	s.mu.Unlock()
	if !ok {
		return nil, fmt.Errorf("vtcpaytest: notification: no transaction %q", clip(reference))
	}
	data := ipnData(snap.Amount, snap.Message, snap.PaymentType, snap.Reference, snap.Status, snap.TransRefNo, s.cfg.WebsiteID)
	return url.Values{
		"data":      {data},
		"signature": {ipnSignature(s.cfg.SecretKey.Reveal(), data)},
	}, nil
}

// body builds the encoded notification body with the options applied.
func (s *Server) body(reference string, d *delivery) ([]byte, error) {
	form, err := s.Notification(reference)
	if err != nil {
		return nil, err
	}
	for _, f := range d.tamper {
		f(form)
	}
	b := []byte(form.Encode())
	for _, f := range d.tamperBody {
		b = f(b)
	}
	return b, nil
}

func deliveryOptions(opts []DeliveryOption) *delivery {
	d := &delivery{times: 1}
	for _, o := range opts {
		if o != nil {
			o(d)
		}
	}
	return d
}

// Deliver hands a transaction's notification to a merchant handler
// in-process, without a network: it builds the POST request the gateway
// would send and calls h.ServeHTTP with a recorder. It returns the
// handler's responses, one per delivery, in order. With Delay, a ctx that
// ends stops the remaining deliveries and Deliver returns ctx's error with
// the responses so far (nil for those not made).
func (s *Server) Deliver(ctx context.Context, h http.Handler, reference string, opts ...DeliveryOption) ([]*http.Response, error) {
	if h == nil {
		return nil, errors.New("vtcpaytest: deliver: nil handler")
	}
	d := deliveryOptions(opts)
	body, err := s.body(reference, d)
	if err != nil {
		return nil, err
	}
	target := d.target
	if target == "" {
		target = s.cfg.ReceivingURL
	}
	path := "/"
	if u, err := url.Parse(target); err == nil && u.Path != "" {
		path = u.Path
	}
	one := func() (*http.Response, error) {
		if err := sleep(ctx, d.delay); err != nil {
			return nil, err
		}
		req := httptest.NewRequestWithContext(ctx, http.MethodPost, path, bytes.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		return rec.Result(), nil
	}
	return repeat(d, one)
}

// Notify POSTs a transaction's notification over HTTP to the receiving URL
// (or the Target option's), as the gateway does after a payment or after VTC
// decides a transaction under review. Each POST is also recorded in
// Notifications.
func (s *Server) Notify(ctx context.Context, reference string, opts ...DeliveryOption) ([]Delivery, error) {
	d := deliveryOptions(opts)
	target := d.target
	if target == "" {
		target = s.cfg.ReceivingURL
	}
	u, err := url.Parse(target)
	if target == "" || err != nil || (u.Scheme != "http" && u.Scheme != "https") {
		return nil, errors.New("vtcpaytest: notify: no receiving URL (http or https)")
	}
	if !isLoopback(u) {
		return nil, errors.New("vtcpaytest: notify: the receiving URL is not a loopback address")
	}
	body, err := s.body(reference, d)
	if err != nil {
		return nil, err
	}
	var out []Delivery
	var mu sync.Mutex
	one := func() (*http.Response, error) {
		if err := sleep(ctx, d.delay); err != nil {
			return nil, err
		}
		dl := s.post(ctx, target, reference, body)
		mu.Lock()
		out = append(out, dl)
		mu.Unlock()
		return nil, nil
	}
	_, err = repeat(d, one)
	return out, err
}

// post makes one notification POST and records it.
func (s *Server) post(ctx context.Context, target, reference string, body []byte) Delivery {
	dl := Delivery{Reference: reference, Body: string(body)}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target, bytes.NewReader(body))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		var resp *http.Response
		resp, err = s.notifyClient.Do(req)
		if err == nil {
			b, _ := io.ReadAll(io.LimitReader(resp.Body, maxDeliveryBody))
			_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
			_ = resp.Body.Close()
			dl.StatusCode, dl.Response = resp.StatusCode, string(b)
		}
	}
	if err != nil {
		dl.Err = fmt.Errorf("vtcpaytest: notify: %w", err)
	}
	s.mu.Lock()
	s.notifications = append(s.notifications, dl)
	s.mu.Unlock()
	return dl
}

// Notifications returns every notification POSTed over HTTP, oldest first.
func (s *Server) Notifications() []Delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivery(nil), s.notifications...)
}

// repeat runs one d.times times, one after another or concurrently, and
// collects its results in order. It stops at the first error when
// sequential; when concurrent it returns the first error after all ran.
func repeat(d *delivery, one func() (*http.Response, error)) ([]*http.Response, error) {
	out := make([]*http.Response, d.times)
	if !d.concurrent {
		for i := range out {
			r, err := one()
			if err != nil {
				return out, err
			}
			out[i] = r
		}
		return out, nil
	}
	errs := make([]error, d.times)
	var wg sync.WaitGroup
	for i := range out {
		wg.Go(func() { out[i], errs[i] = one() })
	}
	wg.Wait()
	return out, errors.Join(errs...)
}
