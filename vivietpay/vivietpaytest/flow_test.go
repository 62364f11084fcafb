package vivietpaytest_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/signing"
	"github.com/thanhtoan/thanhtoan/vivietpay"
	"github.com/thanhtoan/thanhtoan/vivietpay/vivietpaytest"
)

var testKeys = sync.OnceValues(func() ([2]*rsa.PrivateKey, error) {
	var ks [2]*rsa.PrivateKey
	for i := range ks {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return ks, err
		}
		ks[i] = k
	}
	return ks, nil
})

const (
	site   = "SHOP01"
	access = "ACC01"
	secret = "fake-secret-for-tests"
	phone  = "0912000001"
	pw     = "123456"
)

type env struct {
	srv    *vivietpaytest.Server
	client *vivietpay.Client
	now    *atomic.Int64 // unix seconds of the fake's clock
}

func newEnv(t *testing.T, proto vivietpay.Protocol, mod func(*vivietpaytest.Config)) env {
	t.Helper()
	ks, err := testKeys()
	if err != nil {
		t.Fatal(err)
	}
	now := &atomic.Int64{}
	now.Store(time.Date(2026, 1, 1, 10, 0, 0, 0, time.UTC).Unix())
	cfg := vivietpaytest.Config{
		MerchantSite: site, AccessCode: access, Secret: secret,
		MerchantPublicKey: &ks[0].PublicKey, GatewayKey: ks[1],
		Clock: func() time.Time { return time.Unix(now.Load(), 0) },
	}
	if mod != nil {
		mod(&cfg)
	}
	srv, err := vivietpaytest.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	srv.AddAccount(vivietpaytest.Account{Phone: phone, Password: pw, Balance: 1_000_000, Limit: 500_000})
	c, err := vivietpay.New(vivietpay.Config{
		MerchantSite: site, AccessCode: access, Secret: signing.NewSecret(secret),
		MerchantKey: ks[0], GatewayKeys: []*rsa.PublicKey{srv.GatewayPublicKey()},
	}, vivietpay.WithProtocol(proto), vivietpay.WithBaseURL(srv.URL), vivietpay.WithHTTPClient(srv.Client()),
		vivietpay.WithQueryRetries(0))
	if err != nil {
		t.Fatal(err)
	}
	return env{srv: srv, client: c, now: now}
}

// open starts o's payment and opens its checkout page as a new payer, who
// must be asked to log in.
func (e env) open(t *testing.T, o vivietpay.Order) (*vivietpaytest.Payer, *vivietpaytest.Page) {
	t.Helper()
	link, err := e.client.CheckoutURL(o)
	if err != nil {
		t.Fatal(err)
	}
	payer := e.srv.NewPayer()
	page, err := payer.Open(context.Background(), link)
	if err != nil || !page.IsLogin() {
		t.Fatalf("open %s: %v", o.MerchTxnRef, err)
	}
	return payer, page
}

var refSeq atomic.Int64

func order(amount int64) vivietpay.Order {
	n := refSeq.Add(1)
	return vivietpay.Order{
		OrderNo:     fmt.Sprintf("ORD-%d", n),
		MerchTxnRef: fmt.Sprintf("REF-%d", n),
		Description: "Thanh toán đơn hàng",
		Amount:      decimal.NewFromInt(amount),
		ReturnURL:   "https://shop.example/return",
		CancelURL:   "https://shop.example/cancel",
		ClientIP:    "203.0.113.9",
	}
}

func protocols(t *testing.T, f func(t *testing.T, p vivietpay.Protocol)) {
	for _, p := range []vivietpay.Protocol{vivietpay.V1, vivietpay.V2} {
		t.Run(p.String(), func(t *testing.T) {
			t.Parallel()
			f(t, p)
		})
	}
}

func TestPaymentSucceeds(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, p vivietpay.Protocol) {
		e := newEnv(t, p, nil)
		ctx := context.Background()
		o := order(150_000)
		link, err := e.client.CheckoutURL(o)
		if err != nil {
			t.Fatal(err)
		}
		page, err := e.srv.Pay(ctx, link, phone, pw)
		if err != nil {
			t.Fatal(err)
		}
		if !page.IsResult() || page.Code() != "00" {
			t.Fatalf("result page %d: %s", page.Status, page.Body)
		}
		ret, err := page.ReturnURL()
		if err != nil {
			t.Fatal(err)
		}
		if ret.Host != "shop.example" || ret.Path != "/return" {
			t.Fatalf("returned to %s", ret.Redacted())
		}
		res, err := e.client.ParseReturn(ret.Query(), o)
		if err != nil {
			t.Fatal(err)
		}
		if res.Outcome != vivietpay.Succeeded || res.TransactionNo == "" || !res.Amount.Equal(o.Amount) {
			t.Fatalf("result %+v", res)
		}
		// Step 5: the payer was debited, the merchant credited.
		a, _ := e.srv.Account(phone)
		if a.Balance != 850_000 || e.srv.CollectionBalance() != 150_000 {
			t.Fatalf("balances: payer %d, merchant %d", a.Balance, e.srv.CollectionBalance())
		}
		// The modelled query agrees.
		q, err := e.client.Query(ctx, o)
		if err != nil || q.TransactionNo != res.TransactionNo {
			t.Fatalf("query: %+v %v", q, err)
		}
		// The return does not verify for another order amount.
		o2 := o
		o2.Amount = decimal.NewFromInt(15_000)
		if _, err := e.client.ParseReturn(ret.Query(), o2); !errors.Is(err, vivietpay.ErrAmountMismatch) {
			t.Fatalf("other amount: %v", err)
		}
	})
}

func TestCancelAtGateway(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, p vivietpay.Protocol) {
		e := newEnv(t, p, nil)
		ctx := context.Background()
		o := order(20_000)
		payer, page := e.open(t, o)
		page, err := payer.Submit(ctx, page, url.Values{"action": {"cancel"}})
		if err != nil || page.Code() != "01" {
			t.Fatalf("cancel: %v %s", err, page.Body)
		}
		ret, _ := page.ReturnURL()
		if ret.Path != "/cancel" {
			t.Fatalf("cancel went to %s", ret.Path)
		}
		res, err := e.client.ParseReturn(ret.Query(), o)
		if !errors.Is(err, vivietpay.ErrCancelled) || res == nil || res.Outcome != vivietpay.Cancelled {
			t.Fatalf("cancel: %v %+v", err, res)
		}
		if e.srv.CollectionBalance() != 0 {
			t.Fatal("a cancelled payment moved money")
		}
	})
}

// TestStepFourRefusals plays every refusal of the seed's step 4.
func TestStepFourRefusals(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name     string
		account  vivietpaytest.Account
		scenario vivietpaytest.Scenario
		amount   int64
		code     vivietpay.ResponseCode
	}{
		{"account locked", vivietpaytest.Account{Status: vivietpaytest.Locked, Balance: 1e6}, 0, 10_000, vivietpay.CodeAccountLocked},
		{"account closed", vivietpaytest.Account{Status: vivietpaytest.Closed, Balance: 1e6}, 0, 10_000, vivietpay.CodeAccountLocked},
		{"over limit", vivietpaytest.Account{Balance: 1e6, Limit: 50_000}, 0, 50_001, vivietpay.CodeLimitExceeded},
		{"low balance", vivietpaytest.Account{Balance: 9_999}, 0, 10_000, vivietpay.CodeInsufficientBalance},
		{"scenario auth", vivietpaytest.Account{Balance: 1e6}, vivietpaytest.ScenarioAuthFailed, 10_000, vivietpay.CodeAuthFailed},
		{"scenario locked", vivietpaytest.Account{Balance: 1e6}, vivietpaytest.ScenarioAccountLocked, 10_000, vivietpay.CodeAccountLocked},
		{"scenario limit", vivietpaytest.Account{Balance: 1e6}, vivietpaytest.ScenarioLimitExceeded, 10_000, vivietpay.CodeLimitExceeded},
		{"scenario balance", vivietpaytest.Account{Balance: 1e6}, vivietpaytest.ScenarioInsufficientFund, 10_000, vivietpay.CodeInsufficientBalance},
		{"scenario otp expired", vivietpaytest.Account{Balance: 1e6}, vivietpaytest.ScenarioOTPExpired, 10_000, vivietpay.CodeOTPExpired},
		{"scenario system error", vivietpaytest.Account{Balance: 1e6}, vivietpaytest.ScenarioSystemError, 10_000, vivietpay.CodeSystemError},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			protocols(t, func(t *testing.T, p vivietpay.Protocol) {
				e := newEnv(t, p, nil)
				a := tc.account
				a.Phone, a.Password = "0900000099", "pw"
				e.srv.AddAccount(a)
				e.srv.SetScenario(tc.scenario)
				o := order(tc.amount)
				link, _ := e.client.CheckoutURL(o)
				page, err := e.srv.Pay(context.Background(), link, a.Phone, a.Password)
				if err != nil {
					t.Fatal(err)
				}
				if page.Code() != string(tc.code) {
					t.Fatalf("code %q, want %q: %s", page.Code(), tc.code, page.Body)
				}
				ret, err := page.ReturnURL()
				if err != nil {
					t.Fatal(err)
				}
				res, err := e.client.ParseReturn(ret.Query(), o)
				var apiErr *vivietpay.APIError
				if !errors.As(err, &apiErr) || apiErr.Code != tc.code || res.ResponseCode != tc.code {
					t.Fatalf("err = %v", err)
				}
				wantErr := vivietpay.ErrDeclined
				if tc.code.Outcome() == vivietpay.Unknown {
					wantErr = vivietpay.ErrUnknownOutcome
				}
				if !errors.Is(err, wantErr) {
					t.Fatalf("err = %v, want %v", err, wantErr)
				}
				after, _ := e.srv.Account(a.Phone)
				if after.Balance != a.Balance || e.srv.CollectionBalance() != 0 {
					t.Fatal("a refused payment moved money")
				}
			})
		})
	}
}

func TestWrongPasswordThenRight(t *testing.T) {
	t.Parallel()
	e := newEnv(t, vivietpay.V1, nil)
	ctx := context.Background()
	o := order(10_000)
	payer, page := e.open(t, o)
	page, err := payer.Submit(ctx, page, url.Values{"account": {phone}, "password": {"nope"}, "action": {"pay"}})
	if err != nil || !page.IsLogin() || page.Status != http.StatusUnauthorized || !strings.Contains(page.Error(), "wrong account") {
		t.Fatalf("wrong password: %v %d %s", err, page.Status, page.Error())
	}
	page, err = payer.Submit(ctx, page, url.Values{"account": {phone}, "password": {pw}, "action": {"pay"}})
	if err != nil || !page.IsOTP() {
		t.Fatalf("right password: %v", err)
	}
	// Three wrong logins end the payment with 04.
	o2 := order(10_000)
	link2, _ := e.client.CheckoutURL(o2)
	p2 := e.srv.NewPayer()
	page, _ = p2.Open(ctx, link2)
	for range 3 {
		page, _ = p2.Submit(ctx, page, url.Values{"account": {phone}, "password": {"x"}, "action": {"pay"}})
	}
	if page.Code() != "04" {
		t.Fatalf("after three wrong logins: %s", page.Body)
	}
}

func TestOTPWrongAndExpired(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, p vivietpay.Protocol) {
		e := newEnv(t, p, nil)
		ctx := context.Background()
		toOTP := func() (*vivietpaytest.Payer, *vivietpaytest.Page, vivietpay.Order) {
			o := order(10_000)
			payer, page := e.open(t, o)
			page, err := payer.Submit(ctx, page, url.Values{"account": {phone}, "password": {pw}, "action": {"pay"}})
			if err != nil || !page.IsOTP() {
				t.Fatalf("to otp: %v", err)
			}
			return payer, page, o
		}
		wrong := func(otp string) string {
			if otp == "000000" {
				return "000001"
			}
			return "000000"
		}
		// Wrong, then right.
		payer, page, o := toOTP()
		page, _ = payer.Submit(ctx, page, url.Values{"otp": {wrong(e.srv.OTP(phone))}})
		if !page.IsOTP() || !strings.Contains(page.Error(), "2 tries left") {
			t.Fatalf("one wrong otp: %s", page.Body)
		}
		page, _ = payer.Submit(ctx, page, url.Values{"otp": {e.srv.OTP(phone)}})
		ret, err := page.ReturnURL()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.ParseReturn(ret.Query(), o); err != nil {
			t.Fatal(err)
		}
		// Wrong three times: 08.
		payer, page, o = toOTP()
		for range 3 {
			page, _ = payer.Submit(ctx, page, url.Values{"otp": {wrong(e.srv.OTP(phone))}})
		}
		ret, _ = page.ReturnURL()
		if _, err := e.client.ParseReturn(ret.Query(), o); !errors.Is(err, vivietpay.ErrDeclined) || !strings.Contains(err.Error(), `"08"`) {
			t.Fatalf("three wrong otps: %v", err)
		}
		// Expired: the fake's clock moves past the OTP's life.
		payer, page, o = toOTP()
		e.now.Add(int64((3 * time.Minute).Seconds()))
		page, _ = payer.Submit(ctx, page, url.Values{"otp": {e.srv.OTP(phone)}})
		ret, _ = page.ReturnURL()
		if _, err := e.client.ParseReturn(ret.Query(), o); !errors.Is(err, vivietpay.ErrDeclined) || !strings.Contains(err.Error(), `"09"`) {
			t.Fatalf("expired otp: %v", err)
		}
	})
}

func TestForgedOrderRefused(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, p vivietpay.Protocol) {
		e := newEnv(t, p, nil)
		link, _ := e.client.CheckoutURL(order(10_000))
		u, _ := url.Parse(link)
		q := u.Query()
		if p == vivietpay.V1 {
			q.Set("total_amount", "1")
		} else {
			q.Set("secure_hash", q.Get("secure_hash")[:40]+"AAAA"+q.Get("secure_hash")[44:])
		}
		u.RawQuery = q.Encode()
		page, err := e.srv.NewPayer().Open(context.Background(), u.String())
		if err != nil || page.Status != http.StatusBadRequest || page.Code() != "03" {
			t.Fatalf("forged order: %v %d %s", err, page.Status, page.Body)
		}
		// A client with another secret or key is refused the same way.
		ks, _ := testKeys()
		other, _ := vivietpay.New(vivietpay.Config{MerchantSite: site, AccessCode: access, Secret: signing.NewSecret("other"),
			MerchantKey: ks[1], GatewayKeys: []*rsa.PublicKey{e.srv.GatewayPublicKey()}},
			vivietpay.WithProtocol(p), vivietpay.WithBaseURL(e.srv.URL))
		link, _ = other.CheckoutURL(order(10_000))
		page, _ = e.srv.NewPayer().Open(context.Background(), link)
		if page.Status != http.StatusBadRequest {
			t.Fatalf("wrong credentials accepted: %d", page.Status)
		}
	})
}

func TestTamperedReturnRefused(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, p vivietpay.Protocol) {
		e := newEnv(t, p, nil)
		o := order(100_000)
		link, _ := e.client.CheckoutURL(o)
		page, _ := e.srv.Pay(context.Background(), link, phone, pw)
		ret, _ := page.ReturnURL()
		q := ret.Query()
		if p == vivietpay.V1 {
			q.Set("response_code", "00")
			q.Set("total_amount", "100")
		} else {
			d := []byte(q.Get("data"))
			d[3] ^= 1
			q.Set("data", string(d))
		}
		if _, err := e.client.ParseReturn(q, o); !errors.Is(err, vivietpay.ErrInvalidSignature) {
			t.Fatalf("tampered: %v", err)
		}
	})
}

func TestNotificationsInProcess(t *testing.T) {
	t.Parallel()
	for _, mode := range []vivietpaytest.Delivery{vivietpaytest.DeliverOnce, vivietpaytest.DeliverTwice, vivietpaytest.DeliverTampered, vivietpaytest.DeliverNever} {
		protocols(t, func(t *testing.T, p vivietpay.Protocol) {
			var (
				mu       sync.Mutex
				orders   = map[string]vivietpay.Order{}
				verified = map[string]int{}
				refused  int
				client   *vivietpay.Client
			)
			handler := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				mu.Lock()
				defer mu.Unlock()
				res, err := client.ParseNotification(r, func(ref string) (vivietpay.Order, error) {
					o, ok := orders[ref]
					if !ok {
						return o, errors.New("unknown order")
					}
					return o, nil
				})
				if err != nil {
					refused++
					http.Error(w, "refused", http.StatusBadRequest)
					return
				}
				verified[res.MerchTxnRef]++
			})
			e := newEnv(t, p, func(c *vivietpaytest.Config) { c.Notify = handler; c.Delivery = mode })
			client = e.client
			o := order(30_000)
			mu.Lock()
			orders[o.MerchTxnRef] = o
			mu.Unlock()
			link, _ := e.client.CheckoutURL(o)
			if _, err := e.srv.Pay(context.Background(), link, phone, pw); err != nil {
				t.Fatal(err)
			}
			ds := e.srv.Deliveries()
			mu.Lock()
			defer mu.Unlock()
			switch mode {
			case vivietpaytest.DeliverOnce:
				if len(ds) != 1 || ds[0].Status != 200 || verified[o.MerchTxnRef] != 1 {
					t.Fatalf("once: %+v %v", ds, verified)
				}
			case vivietpaytest.DeliverTwice:
				if len(ds) != 2 || verified[o.MerchTxnRef] != 2 {
					t.Fatalf("twice: %+v %v", ds, verified)
				}
			case vivietpaytest.DeliverTampered:
				if len(ds) != 1 || ds[0].Status != http.StatusBadRequest || refused != 1 || len(verified) != 0 {
					t.Fatalf("tampered: %+v %v", ds, verified)
				}
			case vivietpaytest.DeliverNever:
				if len(ds) != 0 || len(verified) != 0 {
					t.Fatalf("never: %+v", ds)
				}
			}
		})
	}
}

func TestQueryAndRefund(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, p vivietpay.Protocol) {
		e := newEnv(t, p, nil)
		ctx := context.Background()
		o := order(200_000)
		// Before payment: pending; unknown reference: not found.
		if _, err := e.client.Query(ctx, order(1000)); !errors.Is(err, vivietpay.ErrDeclined) || !strings.Contains(err.Error(), `"12"`) {
			t.Fatalf("unknown ref: %v", err)
		}
		link, _ := e.client.CheckoutURL(o)
		payer := e.srv.NewPayer()
		if _, err := payer.Open(ctx, link); err != nil {
			t.Fatal(err)
		}
		if _, err := e.client.Query(ctx, o); !errors.Is(err, vivietpay.ErrUnknownOutcome) {
			t.Fatalf("pending: %v", err)
		}
		// Refund before payment is refused.
		rr := vivietpay.RefundRequest{MerchTxnRef: o.MerchTxnRef, RefundRef: o.MerchTxnRef + "-r1", Amount: decimal.NewFromInt(50_000), Reason: "khách trả hàng"}
		if _, err := e.client.Refund(ctx, rr); !errors.Is(err, vivietpay.ErrDeclined) {
			t.Fatalf("refund unpaid: %v", err)
		}
		o2 := order(200_000)
		link, _ = e.client.CheckoutURL(o2)
		if _, err := e.srv.Pay(ctx, link, phone, pw); err != nil {
			t.Fatal(err)
		}
		rr.MerchTxnRef, rr.RefundRef = o2.MerchTxnRef, o2.MerchTxnRef+"-r1"
		ref, err := e.client.Refund(ctx, rr)
		if err != nil || ref.Outcome != vivietpay.Succeeded || !ref.Amount.Equal(rr.Amount) || ref.RefundTransNo == "" {
			t.Fatalf("refund: %+v %v", ref, err)
		}
		// The same refund again does not refund twice.
		again, err := e.client.Refund(ctx, rr)
		if err != nil || again.RefundTransNo != ref.RefundTransNo {
			t.Fatalf("repeat refund: %+v %v", again, err)
		}
		a, _ := e.srv.Account(phone)
		if a.Balance != 1_000_000-200_000+50_000 || e.srv.CollectionBalance() != 150_000 {
			t.Fatalf("after refund: payer %d merchant %d", a.Balance, e.srv.CollectionBalance())
		}
		// More than what is left is refused.
		big := rr
		big.RefundRef, big.Amount = o2.MerchTxnRef+"-r2", decimal.NewFromInt(150_001)
		if _, err := e.client.Refund(ctx, big); !errors.Is(err, vivietpay.ErrDeclined) || !strings.Contains(err.Error(), `"13"`) {
			t.Fatalf("over-refund: %v", err)
		}
		// The same refund_ref with another amount is a conflict.
		conflict := rr
		conflict.Amount = decimal.NewFromInt(1_000)
		if _, err := e.client.Refund(ctx, conflict); !errors.Is(err, vivietpay.ErrDeclined) || !strings.Contains(err.Error(), `"11"`) {
			t.Fatalf("conflicting refund: %v", err)
		}
	})
}

func TestSessionCookieAndExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, vivietpay.V1, nil)
	ctx := context.Background()
	o := order(10_000)
	link, _ := e.client.CheckoutURL(o)
	payer := e.srv.NewPayer()
	page, err := payer.Open(ctx, link)
	if err != nil || !page.IsLogin() {
		t.Fatal(err)
	}
	// Another browser without the session cookie cannot use the page.
	other, err := e.srv.NewPayer().Open(ctx, page.URL.String())
	if err != nil || other.Status != http.StatusNotFound || other.IsLogin() {
		t.Fatalf("page without cookie: %d", other.Status)
	}
	// The same order link cannot be paid twice (merch_txn_ref reused).
	again, _ := e.srv.NewPayer().Open(ctx, link)
	if again.Status != http.StatusBadRequest || again.Code() != "11" {
		t.Fatalf("reused merch_txn_ref: %d %s", again.Status, again.Code())
	}
	// After the session's life the payment ends with 10.
	e.now.Add(int64((16 * time.Minute).Seconds()))
	page, err = payer.Submit(ctx, page, url.Values{"account": {phone}, "password": {pw}, "action": {"pay"}})
	if err != nil || page.Code() != "10" {
		t.Fatalf("expired session: %v %s", err, page.Body)
	}
	ret, _ := page.ReturnURL()
	if _, err := e.client.ParseReturn(ret.Query(), o); !errors.Is(err, vivietpay.ErrDeclined) {
		t.Fatalf("expired session return: %v", err)
	}
}

// A payer who leaves the page does not leave the payment open forever:
// once the session's life is over, a query answers that it expired (no
// result is delivered then), and a payer who comes back is sent back with
// that signed result.
func TestAbandonedPaymentExpires(t *testing.T) {
	t.Parallel()
	protocols(t, func(t *testing.T, p vivietpay.Protocol) {
		e := newEnv(t, p, nil)
		ctx := context.Background()
		o := order(10_000)
		payer, page := e.open(t, o)
		e.now.Add(int64((14 * time.Minute).Seconds()))
		if _, err := e.client.Query(ctx, o); !errors.Is(err, vivietpay.ErrUnknownOutcome) {
			t.Fatalf("within the session: %v", err)
		}
		delivered := len(e.srv.Deliveries())
		e.now.Add(int64((2 * time.Minute).Seconds()))
		if _, err := e.client.Query(ctx, o); !errors.Is(err, vivietpay.ErrDeclined) || !strings.Contains(err.Error(), `"10"`) {
			t.Fatalf("after the session: %v", err)
		}
		if n := len(e.srv.Deliveries()); n != delivered {
			t.Errorf("the query delivered %d results", n-delivered)
		}
		page, _ = payer.Submit(ctx, page, url.Values{"account": {phone}, "password": {pw}, "action": {"pay"}})
		ret, err := page.ReturnURL()
		if err != nil {
			t.Fatalf("the payer who came back: %v (%s)", err, page.Body)
		}
		if _, err := e.client.ParseReturn(ret.Query(), o); !errors.Is(err, vivietpay.ErrDeclined) || !strings.Contains(err.Error(), `"10"`) {
			t.Fatalf("return after expiry: %v", err)
		}
		if a, _ := e.srv.Account(phone); a.Balance != 1_000_000 {
			t.Errorf("payer balance %d", a.Balance)
		}
	})
}
