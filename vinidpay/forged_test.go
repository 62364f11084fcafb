package vinidpay_test

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

// wrongFake is a fake whose "VinID" key is the merchant's: everything it
// signs is forged from the client's point of view.
func wrongFake(t *testing.T) *vinidpaytest.Server {
	t.Helper()
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	f, err := vinidpaytest.NewServer(vinidpaytest.Config{Keys: &vinidpaytest.Keys{Merchant: k.Merchant, VinID: k.Merchant}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(f.Close)
	return f
}

// rewrite is a transport that lets a test change the fake's answers.
type rewrite struct {
	base http.RoundTripper
	fn   func(req *http.Request, resp *http.Response, body []byte) []byte
}

func (rw rewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := rw.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	body = rw.fn(req, resp, body)
	resp.Body = io.NopCloser(bytes.NewReader(body))
	resp.ContentLength = int64(len(body))
	return resp, nil
}

func TestForgedResponses(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.linked(t, "sam", 1_000_000)
	if _, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-F1", Amount: dong(150_000), StoreCode: "S1", POSCode: "P1"}); err != nil {
		t.Fatal(err)
	}
	client := func(t *testing.T, fn func(*http.Request, *http.Response, []byte) []byte, opts ...vinidpay.Option) *vinidpay.Client {
		t.Helper()
		hc := &http.Client{Transport: rewrite{base: e.fake.Client().Transport, fn: fn}}
		c, err := e.fake.NewClient(append([]vinidpay.Option{vinidpay.WithHTTPClient(hc), vinidpay.WithClock(e.clock.Now), vinidpay.WithQueryRetries(0, 0)}, opts...)...)
		if err != nil {
			t.Fatal(err)
		}
		return c
	}

	t.Run("tampered amount", func(t *testing.T) {
		c := client(t, func(_ *http.Request, _ *http.Response, b []byte) []byte {
			return bytes.Replace(b, []byte(`"order_amount":150000`), []byte(`"order_amount":15000`), 1)
		})
		if _, err := c.QueryOrder(ctx, "INV-F1"); !errors.Is(err, vinidpay.ErrInvalidSignature) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("tampered status", func(t *testing.T) {
		c := client(t, func(_ *http.Request, _ *http.Response, b []byte) []byte {
			return bytes.Replace(b, []byte(`"pay_status":"SUCCESS"`), []byte(`"pay_status":"FAIL"`), 1)
		})
		if _, err := c.QueryOrder(ctx, "INV-F1"); !errors.Is(err, vinidpay.ErrInvalidSignature) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("missing signature", func(t *testing.T) {
		strip := func(_ *http.Request, r *http.Response, b []byte) []byte { r.Header.Del("X-Signature"); return b }
		if _, err := client(t, strip).QueryOrder(ctx, "INV-F1"); err != nil {
			t.Errorf("default mode refused an unsigned answer: %v", err)
		}
		if _, err := client(t, strip, vinidpay.WithResponseVerification(vinidpay.RequireSignedResponses)).QueryOrder(ctx, "INV-F1"); !errors.Is(err, vinidpay.ErrInvalidSignature) {
			t.Errorf("required signature: err = %v", err)
		}
	})
	t.Run("garbage signature", func(t *testing.T) {
		c := client(t, func(_ *http.Request, r *http.Response, b []byte) []byte {
			r.Header.Set("X-Signature", "not base64!")
			return b
		})
		if _, err := c.QueryOrder(ctx, "INV-F1"); !errors.Is(err, vinidpay.ErrInvalidSignature) {
			t.Errorf("err = %v", err)
		}
	})
	t.Run("replayed to another request", func(t *testing.T) {
		var mu sync.Mutex
		var saved []byte
		var savedHeader http.Header
		c := client(t, func(_ *http.Request, r *http.Response, b []byte) []byte {
			mu.Lock()
			defer mu.Unlock()
			if saved == nil {
				saved, savedHeader = b, r.Header.Clone()
				return b
			}
			r.Header = savedHeader.Clone()
			return saved
		})
		if _, err := c.QueryOrder(ctx, "INV-F1"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.QueryOrder(ctx, "INV-F1"); !errors.Is(err, vinidpay.ErrInvalidSignature) {
			t.Errorf("replayed answer: err = %v", err)
		}
	})
	t.Run("wrong key", func(t *testing.T) {
		w := wrongFake(t)
		k, _ := keys()
		cfg := w.ClientConfig()
		cfg.VinIDPublicKey = vinidpaytest.PublicKeyPEM(&k.VinID.PublicKey)
		c, err := vinidpay.New(cfg, vinidpay.WithBaseURL(w.URL), vinidpay.WithQueryRetries(0, 0))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.QueryOrder(ctx, "INV-F1"); !errors.Is(err, vinidpay.ErrInvalidSignature) {
			t.Errorf("err = %v", err)
		}
	})
}

func TestForgedPaymentCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	genuine := e.fake.PaymentCallbackQuery("SUCCESS", "TXN00000009", "INV-C1", url.Values{"vnd_amount": {"150000"}, "user_id": {"U1"}})
	edit := func(q, key, value string) string {
		v, _ := url.ParseQuery(q)
		v.Set(key, value)
		return v.Encode()
	}
	del := func(q, key string) string {
		v, _ := url.ParseQuery(q)
		v.Del(key)
		return v.Encode()
	}
	sig := func(q string) string { v, _ := url.ParseQuery(q); return v.Get("signature") }

	if cb, err := e.client.VerifyPaymentCallbackQuery(genuine); err != nil || cb.OrderID != "INV-C1" {
		t.Fatalf("genuine callback: %+v %v", cb, err)
	}
	for _, tc := range []struct {
		name  string
		query string
		want  error
	}{
		{"wrong key", wrongFake(t).PaymentCallbackQuery("SUCCESS", "TXN00000009", "INV-C1", nil), vinidpay.ErrInvalidSignature},
		{"tampered order", edit(genuine, "order_id", "INV-C2"), vinidpay.ErrInvalidSignature},
		{"tampered status", edit(genuine, "pay_status", "REFUNDED"), vinidpay.ErrInvalidSignature},
		{"tampered transaction", edit(genuine, "transaction_id", "TXN00000010"), vinidpay.ErrInvalidSignature},
		{"missing signature", del(genuine, "signature"), vinidpay.ErrInvalidSignature},
		{"empty signature", edit(genuine, "signature", ""), vinidpay.ErrInvalidSignature},
		{"garbage signature", edit(genuine, "signature", "%%%not-base64"), vinidpay.ErrInvalidSignature},
		{"truncated signature", edit(genuine, "signature", sig(genuine)[:40]), vinidpay.ErrInvalidSignature},
		{"missing order", del(genuine, "order_id"), vinidpay.ErrInvalidSignature},
		{"signature of another field order", edit(genuine, "signature", sig(e.fake.PaymentCallbackQuery("INV-C1", "TXN00000009", "SUCCESS", nil))), vinidpay.ErrInvalidSignature},
		{"duplicated order", genuine + "&order_id=INV-C2", vinidpay.ErrMalformed},
		{"bad escape", genuine + "&x=%zz", vinidpay.ErrMalformed},
		{"fractional amount", edit(genuine, "vnd_amount", "150000.5"), vinidpay.ErrMalformed},
		{"negative amount", edit(genuine, "vnd_amount", "-1"), vinidpay.ErrMalformed},
	} {
		cb, err := e.client.VerifyPaymentCallbackQuery(tc.query)
		if !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
		if cb != nil {
			t.Errorf("%s: a result came back with the error", tc.name)
		}
	}

	// The amount is not signed: a changed amount still verifies, and the
	// result says the amount is unconfirmed.
	cb, err := e.client.VerifyPaymentCallbackQuery(edit(genuine, "vnd_amount", "1"))
	if err != nil {
		t.Fatal(err)
	}
	if cb.AmountConfirmed || !cb.UnconfirmedVNDAmount.Equal(dong(1)) {
		t.Errorf("callback = %+v", cb)
	}

	// A genuine failure notification verifies and comes back with an error.
	cb, err = e.client.VerifyPaymentCallbackQuery(e.fake.PaymentCallbackQuery("FAIL", "TXN00000009", "INV-C1", nil))
	if !errors.Is(err, vinidpay.ErrTransactionFailed) || cb == nil || cb.Outcome != vinidpay.OutcomeFailed {
		t.Errorf("failed payment callback: %+v %v", cb, err)
	}
}

func TestForgedLinkCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	genuine := e.fake.LinkCallbackQuery("SUCCESS", "LNK1", "alice", "TKN123", "*******678")
	edit := func(key, value string) string {
		v, _ := url.ParseQuery(genuine)
		v.Set(key, value)
		return v.Encode()
	}
	if cb, err := e.client.VerifyLinkCallbackQuery(genuine); err != nil || cb.UserToken != "TKN123" {
		t.Fatalf("genuine: %+v %v", cb, err)
	}
	for name, q := range map[string]string{
		"wrong key":        wrongFake(t).LinkCallbackQuery("SUCCESS", "LNK1", "alice", "TKN123", "*******678"),
		"tampered token":   edit("user_token", "TKN999"),
		"tampered user":    edit("partner_user_id", "mallory"),
		"tampered phone":   edit("phone_number", "*******000"),
		"tampered link":    edit("link_reference_id", "LNK2"),
		"missing sig":      edit("signature", ""),
		"tampered status":  edit("status", "FAIL"),
		"payment callback": e.fake.PaymentCallbackQuery("SUCCESS", "LNK1", "alice", nil),
	} {
		if cb, err := e.client.VerifyLinkCallbackQuery(q); !errors.Is(err, vinidpay.ErrInvalidSignature) || cb != nil {
			t.Errorf("%s: %+v %v", name, cb, err)
		}
	}
	cb, err := e.client.VerifyLinkCallbackQuery(e.fake.LinkCallbackQuery("FAIL", "LNK1", "alice", "", ""))
	if !errors.Is(err, vinidpay.ErrLinkFailed) || cb == nil || cb.Linked() {
		t.Errorf("failed link: %+v %v", cb, err)
	}
}

func TestKeyRotation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	w := wrongFake(t) // signs with the merchant key, standing in for VinID's next key
	q := w.PaymentCallbackQuery("SUCCESS", "TXN1", "INV-K1", nil)
	if _, err := e.client.VerifyPaymentCallbackQuery(q); !errors.Is(err, vinidpay.ErrInvalidSignature) {
		t.Fatalf("unknown key accepted: %v", err)
	}
	k, _ := keys()
	rotated, err := e.fake.NewClient(vinidpay.WithAdditionalVinIDPublicKey(vinidpaytest.PublicKeyPEM(&k.Merchant.PublicKey)))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := rotated.VerifyPaymentCallbackQuery(q); err != nil {
		t.Errorf("second key: %v", err)
	}
	if _, err := rotated.VerifyPaymentCallbackQuery(e.fake.PaymentCallbackQuery("SUCCESS", "TXN1", "INV-K1", nil)); err != nil {
		t.Errorf("first key: %v", err)
	}
}

func TestConfirmPayment(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.linked(t, "tina", 5_000_000)
	pay := func(invoice string, amount int64, holding bool) string {
		tx, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: invoice, Amount: dong(amount), StoreCode: "S1", POSCode: "P1", HoldingEnabled: holding})
		if err != nil {
			t.Fatal(err)
		}
		return tx.TransactionID
	}
	verified := func(status, txn, order string) *vinidpay.PaymentCallback {
		cb, err := e.client.VerifyPaymentCallbackQuery(e.fake.PaymentCallbackQuery(status, txn, order, url.Values{"vnd_amount": {"999999"}}))
		if err != nil {
			t.Fatal(err)
		}
		return cb
	}
	paid := pay("INV-CP1", 150_000, false)
	held := pay("INV-CP2", 70_000, true)

	if o, err := e.client.ConfirmPayment(ctx, verified("SUCCESS", paid, "INV-CP1"), dong(150_000)); err != nil || !o.OrderAmount.Equal(dong(150_000)) {
		t.Errorf("right amount: %+v %v", o, err)
	}
	for _, tc := range []struct {
		name     string
		cb       *vinidpay.PaymentCallback
		expected int64
		want     error
	}{
		{"amount mismatch", verified("SUCCESS", paid, "INV-CP1"), 200_000, vinidpay.ErrAmountMismatch},
		{"other transaction", verified("SUCCESS", "TXN99999999", "INV-CP1"), 150_000, vinidpay.ErrTransactionMismatch},
		{"held, not settled", verified("SUCCESS", held, "INV-CP2"), 70_000, vinidpay.ErrNotSettled},
		{"unknown order", verified("SUCCESS", paid, "INV-NOPE"), 150_000, vinidpay.ErrNotFound},
		{"hand-made callback", &vinidpay.PaymentCallback{OrderID: "INV-CP1", TransactionID: paid, PayStatus: vinidpay.StatusSuccess}, 150_000, vinidpay.ErrInvalidRequest},
		{"nil callback", nil, 150_000, vinidpay.ErrInvalidRequest},
	} {
		if _, err := e.client.ConfirmPayment(ctx, tc.cb, dong(tc.expected)); !errors.Is(err, tc.want) {
			t.Errorf("%s: err = %v, want %v", tc.name, err, tc.want)
		}
	}
	if _, err := e.client.ConfirmPayment(ctx, verified("SUCCESS", paid, "INV-CP1"), dong(0)); !errors.Is(err, vinidpay.ErrInvalidAmount) {
		t.Errorf("zero expected amount: %v", err)
	}
	if !strings.Contains(e.fake.URL, "127.0.0.1") {
		t.Errorf("fake is not on loopback: %s", e.fake.URL)
	}
}
