package vinidpay_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

var ctx = context.Background()

const threshold = 1_000_000 // the fake's default X

func dong(n int64) decimal.Decimal { return decimal.NewFromInt(n) }

// linked links a new user with balance to the merchant and returns the user
// id and token.
func (e *env) linked(t *testing.T, partnerUserID string, balance int64) (string, string) {
	t.Helper()
	uid := e.fake.AddUser("0912345678", balance)
	lk, err := e.client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: partnerUserID, CallbackURL: "https://merchant.example/vinid/link"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := e.fake.ConfirmLink(lk.LinkID, uid)
	if err != nil {
		t.Fatal(err)
	}
	return uid, tok
}

func (e *env) balance(t *testing.T, uid string) int64 {
	t.Helper()
	b, err := e.fake.Balance(uid)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func wantAPICode(t *testing.T, err error, code int) {
	t.Helper()
	var apiErr *vinidpay.APIError
	if !errors.As(err, &apiErr) {
		t.Fatalf("err = %v, want *APIError with code %d", err, code)
	}
	if apiErr.Code != code {
		t.Fatalf("code = %d (%s), want %d", apiErr.Code, apiErr.Message, code)
	}
}

// callbacks collects what the merchant's handlers verified.
type callbacks struct {
	mu       sync.Mutex
	payments []*vinidpay.PaymentCallback
	links    []*vinidpay.LinkCallback
	refused  []error
}

func (cb *callbacks) install(e *env) {
	e.fake.HandlePaymentCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p, err := e.client.VerifyPaymentCallback(r)
		cb.mu.Lock()
		defer cb.mu.Unlock()
		if err != nil {
			cb.refused = append(cb.refused, err)
			http.Error(w, "invalid", http.StatusBadRequest)
			return
		}
		cb.payments = append(cb.payments, p)
	}))
	e.fake.HandleLinkCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		l, err := e.client.VerifyLinkCallback(r)
		cb.mu.Lock()
		defer cb.mu.Unlock()
		if err != nil {
			cb.refused = append(cb.refused, err)
			http.Error(w, "invalid", http.StatusBadRequest)
			return
		}
		cb.links = append(cb.links, l)
	}))
}

func (cb *callbacks) pays() []*vinidpay.PaymentCallback {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return append([]*vinidpay.PaymentCallback(nil), cb.payments...)
}

func (cb *callbacks) lnks() []*vinidpay.LinkCallback {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return append([]*vinidpay.LinkCallback(nil), cb.links...)
}

func (cb *callbacks) errs() []error {
	cb.mu.Lock()
	defer cb.mu.Unlock()
	return append([]error(nil), cb.refused...)
}

func TestLinkWalletWithCallback(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var cbs callbacks
	cbs.install(e)
	uid := e.fake.AddUser("0987654321", 0)
	lk, err := e.client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "alice@example.com", CallbackURL: "https://merchant.example/vinid/link?shop=1"})
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(lk.WebURL, e.fake.URL+"/link/") || lk.ExpiryDuration != 15*time.Minute || !lk.ExpiresAt.Equal(t0.Add(15*time.Minute)) {
		t.Fatalf("link = %+v", lk)
	}
	tok, err := e.fake.ConfirmLink(lk.LinkID, uid)
	if err != nil {
		t.Fatal(err)
	}
	if len(cbs.lnks()) != 1 || len(cbs.errs()) != 0 {
		t.Fatalf("links %d refused %v", len(cbs.lnks()), cbs.errs())
	}
	got := cbs.lnks()[0]
	if got.UserToken != tok || got.MaskedPhone != "*******321" || got.LinkReferenceID != lk.LinkID || got.PartnerUserID != "alice@example.com" || !got.Linked() {
		t.Errorf("link callback = %+v", got)
	}
	// The same link cannot be confirmed twice.
	if _, err := e.fake.ConfirmLink(lk.LinkID, uid); !errors.Is(err, vinidpaytest.ErrLinkUsed) {
		t.Errorf("second confirm: %v", err)
	}
}

func TestLinkStatusPollingWhenCallbackNeverArrives(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var cbs callbacks
	cbs.install(e)
	e.fake.SetDelivery(vinidpaytest.DeliverNever)
	uid := e.fake.AddUser("0912000111", 0)
	lk, err := e.client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "bob", CallbackURL: "https://merchant.example/vinid/link"})
	if err != nil {
		t.Fatal(err)
	}
	st, err := e.client.LinkStatus(ctx, lk.StatusRequest())
	if err != nil {
		t.Fatal(err)
	}
	if st.Linked() {
		t.Fatalf("linked before the customer confirmed: %+v", st)
	}
	tok, err := e.fake.ConfirmLink(lk.LinkID, uid)
	if err != nil {
		t.Fatal(err)
	}
	if len(cbs.lnks()) != 0 || len(e.fake.Deliveries()) != 0 {
		t.Fatalf("a callback arrived: %v", e.fake.Deliveries())
	}
	e.clock.Advance(time.Minute)
	st, err = e.client.LinkStatus(ctx, lk.StatusRequest())
	if err != nil {
		t.Fatal(err)
	}
	if !st.Linked() || st.UserToken != tok || st.MaskedPhone != "*******111" {
		t.Errorf("status = %+v", st)
	}
	// The status request signs the link-wallet values: other values fail.
	bad := lk.StatusRequest()
	bad.CallbackURL = "https://evil.example/"
	_, err = e.client.LinkStatus(ctx, bad)
	if !errors.Is(err, vinidpay.ErrUnauthenticated) {
		t.Errorf("status with other callback url: %v", err)
	}
}

func TestLinkExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, vinidpaytest.WithLinkExpiry(10*time.Minute))
	uid := e.fake.AddUser("0912000222", 0)
	lk, err := e.client.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "carol", CallbackURL: "https://merchant.example/vinid/link"})
	if err != nil {
		t.Fatal(err)
	}
	if lk.ExpiryDuration != 10*time.Minute {
		t.Fatalf("expiry %v", lk.ExpiryDuration)
	}
	e.clock.Advance(10*time.Minute + time.Second)
	if _, err := e.fake.ConfirmLink(lk.LinkID, uid); !errors.Is(err, vinidpaytest.ErrLinkExpired) {
		t.Fatalf("confirm after expiry: %v", err)
	}
	_, err = e.client.LinkStatus(ctx, lk.StatusRequest())
	wantAPICode(t, err, vinidpaytest.CodeLinkExpired)
}

func TestUnlinkWallet(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.linked(t, "dave", 500_000)
	if err := e.client.UnlinkWallet(ctx, vinidpay.UnlinkWalletRequest{UserToken: tok}); err != nil {
		t.Fatal(err)
	}
	_, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-U1", Amount: dong(10_000), StoreCode: "S1", POSCode: "P1"})
	if !errors.Is(err, vinidpay.ErrNotFound) {
		t.Errorf("pay after unlink: %v", err)
	}
	if err := e.client.UnlinkWallet(ctx, vinidpay.UnlinkWalletRequest{UserToken: tok}); !errors.Is(err, vinidpay.ErrNotFound) {
		t.Errorf("unlink twice: %v", err)
	}
}

// Seed test case 1: below X, paid without confirmation.
func TestPayBelowThresholdWithoutConfirmation(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var cbs callbacks
	cbs.install(e)
	uid, tok := e.linked(t, "erin", 2_000_000)
	tx, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
		UserToken: tok, InvoiceNo: "INV-B1", Amount: dong(threshold - 1), StoreCode: "S1", POSCode: "P1", Description: "Gói Cloud 1 tháng",
	})
	if err != nil {
		t.Fatal(err)
	}
	if tx.Outcome != vinidpay.OutcomeSucceeded || tx.Verification != vinidpay.VerificationBypass || tx.TransactionRefNumber != "INV-B1" {
		t.Fatalf("transaction = %+v", tx)
	}
	if got := e.balance(t, uid); got != 2_000_000-(threshold-1) {
		t.Errorf("balance %d", got)
	}
	if got := e.fake.MerchantBalance(); got != threshold-1 {
		t.Errorf("merchant balance %d", got)
	}
	if len(cbs.pays()) != 1 {
		t.Fatalf("payment callbacks %d, refused %v", len(cbs.pays()), cbs.errs())
	}
	cb := cbs.pays()[0]
	if cb.OrderID != "INV-B1" || cb.TransactionID != tx.TransactionID || cb.Outcome != vinidpay.OutcomeSucceeded || cb.AmountConfirmed {
		t.Errorf("callback = %+v", cb)
	}
	o, err := e.client.ConfirmPayment(ctx, cb, dong(threshold-1))
	if err != nil {
		t.Fatal(err)
	}
	if o.TransactionID != tx.TransactionID || !o.VNDAmount.Equal(dong(threshold-1)) || o.MerchantUserID != "erin" {
		t.Errorf("order = %+v", o)
	}
}

// Seed test case 2: at or above X, the customer confirms with an OTP.
func TestPayAtThresholdWithOTP(t *testing.T) {
	t.Parallel()
	pay := func(t *testing.T, e *env, tok, invoice string) *vinidpay.Transaction {
		t.Helper()
		tx, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{
			UserToken: tok, InvoiceNo: invoice, TransactionReferenceNumber: invoice + "-1", Amount: dong(threshold), StoreCode: "S1", POSCode: "P1",
		})
		if err != nil {
			t.Fatal(err)
		}
		if tx.Outcome != vinidpay.OutcomePendingOTP || tx.Verification != vinidpay.VerificationOTP {
			t.Fatalf("transaction = %+v", tx)
		}
		return tx
	}
	confirm := func(e *env, tok string, tx *vinidpay.Transaction, otp string) (*vinidpay.Transaction, error) {
		return e.client.ConfirmTransaction(ctx, vinidpay.ConfirmTransactionRequest{
			UserToken: tok, TransactionID: tx.TransactionID, TransactionReferenceNumber: tx.TransactionRefNumber, OTP: otp,
		})
	}

	t.Run("right otp", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		var cbs callbacks
		cbs.install(e)
		uid, tok := e.linked(t, "frank", 3_000_000)
		tx := pay(t, e, tok, "INV-O1")
		if got := e.balance(t, uid); got != 3_000_000 {
			t.Fatalf("debited before the otp: %d", got)
		}
		otp, ok := e.fake.OTP(tx.TransactionID)
		if !ok {
			t.Fatal("no otp sent")
		}
		done, err := confirm(e, tok, tx, otp)
		if err != nil {
			t.Fatal(err)
		}
		if done.Outcome != vinidpay.OutcomeSucceeded || done.TransactionID != tx.TransactionID {
			t.Errorf("confirmed = %+v", done)
		}
		if got := e.balance(t, uid); got != 2_000_000 {
			t.Errorf("balance %d", got)
		}
		if len(cbs.pays()) != 1 || cbs.pays()[0].TransactionID != tx.TransactionID {
			t.Errorf("callbacks %+v", cbs.pays())
		}
	})

	t.Run("wrong otp then right", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		uid, tok := e.linked(t, "grace", 3_000_000)
		tx := pay(t, e, tok, "INV-O2")
		otp, _ := e.fake.OTP(tx.TransactionID)
		wrong := "000000"
		if otp == wrong {
			wrong = "111111"
		}
		_, err := confirm(e, tok, tx, wrong)
		wantAPICode(t, err, vinidpaytest.CodeWrongOTP)
		if got := e.balance(t, uid); got != 3_000_000 {
			t.Fatalf("wrong otp debited: %d", got)
		}
		if _, err := confirm(e, tok, tx, otp); err != nil {
			t.Fatal(err)
		}
		if got := e.balance(t, uid); got != 2_000_000 {
			t.Errorf("balance %d", got)
		}
	})

	t.Run("wrong otp three times fails the transaction", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t)
		uid, tok := e.linked(t, "heidi", 3_000_000)
		tx := pay(t, e, tok, "INV-O3")
		otp, _ := e.fake.OTP(tx.TransactionID)
		wrong := "000000"
		if otp == wrong {
			wrong = "111111"
		}
		for range 3 {
			_, err := confirm(e, tok, tx, wrong)
			wantAPICode(t, err, vinidpaytest.CodeWrongOTP)
		}
		if info, _ := e.fake.Transaction(tx.TransactionID); info.Status != "FAIL" {
			t.Errorf("status %q", info.Status)
		}
		o, err := e.client.QueryOrder(ctx, "INV-O3")
		if err != nil {
			t.Fatal(err)
		}
		if o.Outcome != vinidpay.OutcomeFailed {
			t.Errorf("order outcome %v", o.Outcome)
		}
		if got := e.balance(t, uid); got != 3_000_000 {
			t.Errorf("balance %d", got)
		}
	})

	t.Run("expired otp", func(t *testing.T) {
		t.Parallel()
		e := newEnv(t, vinidpaytest.WithOTPExpiry(2*time.Minute))
		uid, tok := e.linked(t, "ivan", 3_000_000)
		tx := pay(t, e, tok, "INV-O4")
		otp, _ := e.fake.OTP(tx.TransactionID)
		e.clock.Advance(2*time.Minute + time.Second)
		_, err := confirm(e, tok, tx, otp)
		wantAPICode(t, err, vinidpaytest.CodeOTPExpired)
		if got := e.balance(t, uid); got != 3_000_000 {
			t.Errorf("balance %d", got)
		}
		// The transaction is over: the right OTP no longer helps.
		if _, err := confirm(e, tok, tx, otp); !errors.Is(err, vinidpay.ErrRejected) {
			t.Errorf("confirm after expiry: %v", err)
		}
	})
}

func TestInsufficientBalance(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, tok := e.linked(t, "judy", 50_000)
	_, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-I1", Amount: dong(60_000), StoreCode: "S1", POSCode: "P1"})
	wantAPICode(t, err, vinidpaytest.CodeInsufficientBalance)
	if got := e.balance(t, uid); got != 50_000 {
		t.Errorf("balance %d", got)
	}
	if got := e.fake.MerchantBalance(); got != 0 {
		t.Errorf("merchant balance %d", got)
	}
}

func TestHoldingThenConfirmOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var cbs callbacks
	cbs.install(e)
	uid, tok := e.linked(t, "ken", 1_000_000)
	tx, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-H1", Amount: dong(400_000), StoreCode: "S1", POSCode: "P1", HoldingEnabled: true})
	if err != nil {
		t.Fatal(err)
	}
	if tx.Outcome != vinidpay.OutcomeHeld {
		t.Fatalf("outcome %v", tx.Outcome)
	}
	if e.balance(t, uid) != 600_000 || e.fake.HeldBalance() != 400_000 || e.fake.MerchantBalance() != 0 || len(cbs.pays()) != 0 {
		t.Fatalf("after hold: balance %d held %d merchant %d callbacks %d", e.balance(t, uid), e.fake.HeldBalance(), e.fake.MerchantBalance(), len(cbs.pays()))
	}
	res, err := e.client.ConfirmOrder(ctx, vinidpay.ConfirmOrderRequest{InvoiceNo: "INV-H1", OrderStatus: vinidpay.OrderStatusSuccess})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != vinidpay.OutcomeSucceeded {
		t.Errorf("confirm order = %+v", res)
	}
	if e.balance(t, uid) != 600_000 || e.fake.HeldBalance() != 0 || e.fake.MerchantBalance() != 400_000 || len(cbs.pays()) != 1 {
		t.Errorf("after settle: balance %d held %d merchant %d callbacks %d", e.balance(t, uid), e.fake.HeldBalance(), e.fake.MerchantBalance(), len(cbs.pays()))
	}
	// Releasing a settled order is refused and changes nothing.
	_, err = e.client.ConfirmOrder(ctx, vinidpay.ConfirmOrderRequest{InvoiceNo: "INV-H1", OrderStatus: vinidpay.OrderStatusFail})
	wantAPICode(t, err, vinidpaytest.CodeInvalidData)
	if e.fake.MerchantBalance() != 400_000 {
		t.Errorf("merchant balance %d", e.fake.MerchantBalance())
	}
}

func TestHoldingThenFailOrder(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var cbs callbacks
	cbs.install(e)
	uid, tok := e.linked(t, "lena", 1_000_000)
	if _, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-H2", Amount: dong(250_000), StoreCode: "S1", POSCode: "P1", HoldingEnabled: true}); err != nil {
		t.Fatal(err)
	}
	res, err := e.client.ConfirmOrder(ctx, vinidpay.ConfirmOrderRequest{InvoiceNo: "INV-H2", OrderStatus: vinidpay.OrderStatusFail})
	if err != nil {
		t.Fatal(err)
	}
	if res.Outcome != vinidpay.OutcomeFailed {
		t.Errorf("release = %+v", res)
	}
	if e.balance(t, uid) != 1_000_000 || e.fake.HeldBalance() != 0 || e.fake.MerchantBalance() != 0 || len(cbs.pays()) != 0 {
		t.Errorf("after release: balance %d held %d merchant %d callbacks %d", e.balance(t, uid), e.fake.HeldBalance(), e.fake.MerchantBalance(), len(cbs.pays()))
	}
	// A second, identical verdict answers the same.
	if res, err := e.client.ConfirmOrder(ctx, vinidpay.ConfirmOrderRequest{InvoiceNo: "INV-H2", OrderStatus: vinidpay.OrderStatusFail}); err != nil || res.Outcome != vinidpay.OutcomeFailed {
		t.Errorf("repeat release: %+v %v", res, err)
	}
	if e.balance(t, uid) != 1_000_000 {
		t.Errorf("released twice: %d", e.balance(t, uid))
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, tok := e.linked(t, "mike", 1_000_000)
	if _, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-R1", Amount: dong(300_000), StoreCode: "S1", POSCode: "P1"}); err != nil {
		t.Fatal(err)
	}
	r1, err := e.client.Refund(ctx, vinidpay.RefundRequest{OrderID: "INV-R1", RefundReferenceID: "RF-1", Amount: dong(100_000), Description: "trả một phần"})
	if err != nil {
		t.Fatal(err)
	}
	if r1.Outcome != vinidpay.OutcomeSucceeded || !r1.Amount.Equal(dong(100_000)) || r1.RefundID == "" {
		t.Errorf("refund = %+v", r1)
	}
	// The same refund sent again refunds nothing more.
	again, err := e.client.Refund(ctx, vinidpay.RefundRequest{OrderID: "INV-R1", RefundReferenceID: "RF-1", Amount: dong(100_000)})
	if err != nil || again.RefundID != r1.RefundID {
		t.Errorf("replayed refund: %+v %v", again, err)
	}
	if got := e.balance(t, uid); got != 800_000 {
		t.Errorf("balance %d", got)
	}
	_, err = e.client.Refund(ctx, vinidpay.RefundRequest{OrderID: "INV-R1", RefundReferenceID: "RF-2", Amount: dong(200_001)})
	wantAPICode(t, err, vinidpaytest.CodeRefundExceeds)
	if _, err := e.client.Refund(ctx, vinidpay.RefundRequest{OrderID: "INV-R1", RefundReferenceID: "RF-2", Amount: dong(200_000)}); err != nil {
		t.Fatal(err)
	}
	if got, m := e.balance(t, uid), e.fake.MerchantBalance(); got != 1_000_000 || m != 0 {
		t.Errorf("after full refund: balance %d merchant %d", got, m)
	}
	// The refund period ends at 09:09:59 on the next day, Vietnam time.
	if _, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-R2", Amount: dong(50_000), StoreCode: "S1", POSCode: "P1"}); err != nil {
		t.Fatal(err)
	}
	// VinID: "từ 00:00 ngày T đến hết 09:09:59 AM ngày T+1", to the end of
	// the second 09:09:59: half a second into it is still in the period.
	e.clock.Set(time.Date(2024, 5, 15, 2, 9, 59, 500_000_000, time.UTC)) // 09:09:59.5 ICT
	if _, err := e.client.Refund(ctx, vinidpay.RefundRequest{OrderID: "INV-R2", RefundReferenceID: "RF-3a", Amount: dong(1)}); err != nil {
		t.Errorf("refund within the last second of the period: %v", err)
	}
	e.clock.Set(time.Date(2024, 5, 15, 2, 10, 0, 0, time.UTC)) // 09:10:00 ICT
	_, err = e.client.Refund(ctx, vinidpay.RefundRequest{OrderID: "INV-R2", RefundReferenceID: "RF-3", Amount: dong(49_999)})
	wantAPICode(t, err, vinidpaytest.CodeRefundNotAllowed)
}

func TestNonceReuseIsRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.linked(t, "nina", 1_000_000)
	fixed, err := e.fake.NewClient(vinidpay.WithClock(e.clock.Now), vinidpay.WithQueryRetries(0, 0),
		vinidpay.WithNonceSource(func() (string, error) { return "same-nonce", nil }))
	if err != nil {
		t.Fatal(err)
	}
	req := vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-N1", Amount: dong(1_000), StoreCode: "S1", POSCode: "P1"}
	if _, err := fixed.CreateTransaction(ctx, req); err != nil {
		t.Fatal(err)
	}
	req.InvoiceNo = "INV-N2"
	if _, err := fixed.CreateTransaction(ctx, req); !errors.Is(err, vinidpay.ErrNonceReused) {
		t.Fatalf("reused nonce: %v", err)
	}
	e.clock.Advance(2*time.Hour + time.Second)
	if _, err := fixed.CreateTransaction(ctx, req); err != nil {
		t.Errorf("nonce after 2 hours: %v", err)
	}
}

func TestTimestampWindow(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	for _, tc := range []struct {
		name string
		skew time.Duration
		code int
	}{
		{"ahead of vinid", time.Minute, vinidpaytest.CodeTimestampInFuture},
		{"older than 2 hours", -2*time.Hour - time.Minute, vinidpaytest.CodeRequestExpired},
	} {
		c, err := e.fake.NewClient(vinidpay.WithQueryRetries(0, 0), vinidpay.WithClock(func() time.Time { return e.clock.Now().Add(tc.skew) }))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.QueryOrder(ctx, "INV-NONE")
		wantAPICode(t, err, tc.code)
		if !errors.Is(err, vinidpay.ErrUnauthenticated) {
			t.Errorf("%s: %v is not ErrUnauthenticated", tc.name, err)
		}
	}
}

func TestWrongMerchantKeyIsRejected(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	k, _ := keys()
	cfg := e.fake.ClientConfig()
	cfg.PrivateKey = signingSecret(vinidpaytest.PrivateKeyPEM(k.VinID)) // not the merchant's key
	c, err := vinidpay.New(cfg, vinidpay.WithBaseURL(e.fake.URL), vinidpay.WithClock(e.clock.Now), vinidpay.WithQueryRetries(0, 0))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.LinkWallet(ctx, vinidpay.LinkWalletRequest{PartnerUserID: "oscar", CallbackURL: "https://merchant.example/l"})
	wantAPICode(t, err, vinidpaytest.CodeAuthFailed)
	if len(e.fake.Links()) != 0 {
		t.Error("a link was made from a forged request")
	}
}

func TestQueryRetriesWithFreshNonce(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	_, tok := e.linked(t, "peggy", 1_000_000)
	if _, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-Q1", Amount: dong(1_000), StoreCode: "S1", POSCode: "P1"}); err != nil {
		t.Fatal(err)
	}
	path := vinidpay.PathQueryOrder + "INV-Q1"
	e.fake.FailNext(path, 503, vinidpaytest.CodeSystemError)
	e.fake.FailNext(path, 503, vinidpaytest.CodeSystemError)
	o, err := e.client.QueryOrder(ctx, "INV-Q1")
	if err != nil {
		t.Fatalf("query after two 503s: %v", err)
	}
	if o.Outcome != vinidpay.OutcomeSucceeded {
		t.Errorf("order %+v", o)
	}
	for range 3 {
		e.fake.FailNext(path, 503, vinidpaytest.CodeSystemError)
	}
	_, err = e.client.QueryOrder(ctx, "INV-Q1")
	var apiErr *vinidpay.APIError
	if !errors.As(err, &apiErr) || !apiErr.Temporary() {
		t.Errorf("query after three 503s: %v", err)
	}
	// A cancelled context stops the retries.
	e.fake.FailNext(path, 503, vinidpaytest.CodeSystemError)
	slow, err := e.fake.NewClient(vinidpay.WithClock(e.clock.Now), vinidpay.WithQueryRetries(3, time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	cctx, cancel := context.WithCancel(ctx)
	go func() { time.Sleep(10 * time.Millisecond); cancel() }()
	if _, err := slow.QueryOrder(cctx, "INV-Q1"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled retry: %v", err)
	}
}

func TestPaymentsAreNeverRetried(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	uid, tok := e.linked(t, "quinn", 1_000_000)
	e.fake.FailNext(vinidpay.PathCreateTransaction, 503, vinidpaytest.CodeSystemError)
	req := vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-P1", Amount: dong(100_000), StoreCode: "S1", POSCode: "P1"}
	_, err := e.client.CreateTransaction(ctx, req)
	wantAPICode(t, err, vinidpaytest.CodeSystemError)
	if e.balance(t, uid) != 1_000_000 {
		t.Fatal("charged on a failed attempt")
	}
	// VinID processes the payment but the answer is lost: the client says
	// the outcome is unknown, does not retry, and a query tells the truth.
	e.fake.DropResponseNext(vinidpay.PathCreateTransaction)
	_, err = e.client.CreateTransaction(ctx, req)
	if !errors.Is(err, vinidpay.ErrOutcomeUnknown) {
		t.Fatalf("dropped answer: %v", err)
	}
	if got := e.balance(t, uid); got != 900_000 {
		t.Fatalf("balance %d: charged %d times", got, (1_000_000-got)/100_000)
	}
	o, err := e.client.QueryOrder(ctx, "INV-P1")
	if err != nil || o.Outcome != vinidpay.OutcomeSucceeded {
		t.Errorf("query after lost answer: %+v %v", o, err)
	}
}

func TestDuplicateCallbacks(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	var cbs callbacks
	cbs.install(e)
	e.fake.SetDelivery(vinidpaytest.DeliverTwice)
	_, tok := e.linked(t, "rita", 1_000_000)
	if _, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: tok, InvoiceNo: "INV-D1", Amount: dong(10_000), StoreCode: "S1", POSCode: "P1"}); err != nil {
		t.Fatal(err)
	}
	if len(cbs.pays()) != 2 || len(cbs.lnks()) != 2 {
		t.Fatalf("payments %d links %d", len(cbs.pays()), len(cbs.lnks()))
	}
	if cbs.pays()[0].TransactionID != cbs.pays()[1].TransactionID {
		t.Error("duplicates differ")
	}
	for _, d := range e.fake.Deliveries() {
		if d.Status != http.StatusOK {
			t.Errorf("delivery %+v", d)
		}
	}
}

func TestCallbackBodies(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	q := e.fake.PaymentCallbackQuery("SUCCESS", "TXN1", "INV-9", url.Values{"vnd_amount": {"5000"}})
	v, _ := url.ParseQuery(q)

	form := httptest.NewRequest(http.MethodPost, "/ipn", strings.NewReader(q))
	form.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	js := `{"order_id":"INV-9","pay_status":"SUCCESS","transaction_id":"TXN1","vnd_amount":5000,"extra_data":null,"signature":"` + v.Get("signature") + `"}`
	jsonReq := httptest.NewRequest(http.MethodPost, "/ipn", strings.NewReader(js))
	jsonReq.Header.Set("Content-Type", "application/json; charset=utf-8")
	get := httptest.NewRequest(http.MethodGet, "/ipn?"+q, nil)
	// A '+' of the signature sent unescaped arrives as a space.
	raw := httptest.NewRequest(http.MethodGet, "/ipn?"+strings.ReplaceAll(q, "%2B", "+"), nil)

	for name, r := range map[string]*http.Request{"form": form, "json": jsonReq, "get": get, "unescaped plus": raw} {
		cb, err := e.client.VerifyPaymentCallback(r)
		if err != nil {
			t.Errorf("%s: %v", name, err)
			continue
		}
		if cb.OrderID != "INV-9" || !cb.UnconfirmedVNDAmount.Equal(dong(5000)) {
			t.Errorf("%s: %+v", name, cb)
		}
	}
	xml := httptest.NewRequest(http.MethodPost, "/ipn", strings.NewReader("<a/>"))
	xml.Header.Set("Content-Type", "text/xml")
	if _, err := e.client.VerifyPaymentCallback(xml); !errors.Is(err, vinidpay.ErrMalformed) {
		t.Errorf("xml body: %v", err)
	}
}

func TestUnreachableGatewayIsNotAnUnknownOutcome(t *testing.T) {
	t.Parallel()
	e := newEnv(t)
	e.fake.Close() // nothing listens any more: the request cannot be sent
	_, err := e.client.CreateTransaction(ctx, vinidpay.CreateTransactionRequest{UserToken: "T", InvoiceNo: "INV-X", Amount: dong(1_000), StoreCode: "S1", POSCode: "P1"})
	if err == nil || errors.Is(err, vinidpay.ErrOutcomeUnknown) {
		t.Errorf("err = %v, want a plain failure", err)
	}
}
