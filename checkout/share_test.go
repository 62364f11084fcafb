package checkout_test

import (
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
)

func share(t *testing.T, e *env, orderID, payer string) string {
	t.Helper()
	res, err := e.c.Share(e.ctx, orderID, payer)
	if err != nil {
		t.Fatal(err)
	}
	mails := e.notif.byKind(checkout.NotifyShareLink)
	m := mails[len(mails)-1]
	if m.To != payer || m.ShareURL != res.URL || !m.ExpiresAt.Equal(e.clock.Now().Add(72*time.Hour)) || m.RequesterEmail == "" {
		t.Fatalf("share email %+v", m)
	}
	if !strings.HasPrefix(m.ShareURL, baseURL+"/share/") {
		t.Fatalf("share URL %q", m.ShareURL)
	}
	return tokenOf(m.ShareURL)
}

func TestShareLinkPaysForRequester(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	e.topUp("req", 5000)
	o := e.order("req", 150000)
	token := share(t, e, o.ID, "boss@example.com")
	if raw, err := base64.RawURLEncoding.DecodeString(token); err != nil || len(raw) < 16 {
		t.Fatalf("token %q: %d bytes, %v (want at least 128 bits)", token, len(raw), err)
	}
	e.wantState(o.ID, checkout.StateShared)
	v, err := e.c.OpenShare(e.ctx, token)
	if err != nil {
		t.Fatal(err)
	}
	if v.OrderID != o.ID || !v.Amount.Equal(vnd(150000)) || len(v.Items) != 1 || v.Requester != "req@example.com" {
		t.Errorf("view %+v", v)
	}
	// The view page over HTTP, and the payer's confirmation form.
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, baseURL+"/share/"+token, nil))
	if rec.Code != http.StatusOK || !strings.Contains(rec.Body.String(), "150.000 ₫") || !strings.Contains(rec.Body.String(), "4 GB") {
		t.Fatalf("share page: %d %s", rec.Code, rec.Body.String())
	}
	req := httptest.NewRequest(http.MethodPost, baseURL+"/share/"+token, strings.NewReader(url.Values{"gateway": {"vtcpay"}}.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	e.h.ServeHTTP(rec, req)
	if rec.Code != http.StatusSeeOther {
		t.Fatalf("confirm: %d %s", rec.Code, rec.Body.String())
	}
	next := checkout.Next{Kind: checkout.NextRedirect, URL: rec.Header().Get("Location")}
	e.payAtGateway(next, vtcpaytest.StatusSuccess)
	ref := lastRef(e.get(o.ID))
	tx, _ := e.fake.Transaction(ref)
	if tx.Params.Get("bill_to_email") != "boss@example.com" || tx.Amount != "150000" {
		t.Errorf("gateway got email %q amount %q", tx.Params.Get("bill_to_email"), tx.Amount)
	}
	e.notify(ref)
	got := e.wantState(o.ID, checkout.StateCompleted)
	if got.Payer != "boss@example.com" || got.Method != checkout.MethodOnBehalf {
		t.Errorf("order %+v", got)
	}
	wantLines(t, "requester's billing history", e.invoiceLines("req"), o.ID+"/invoice on_behalf 150000 VND")
	wantLines(t, "requester's payment history", e.paymentLines("req"), "vtcpay paid 150000 VND")
	wantLines(t, "requester's credit history (untouched)", e.creditLines("req"), "top-up 5000 bal 5000")
	if c := e.notif.byKind(checkout.NotifyOrderCompleted); len(c) != 1 || c[0].To != "req@example.com" {
		t.Errorf("completed email %+v", c)
	}
	// Single use.
	if _, err := e.c.OpenShare(e.ctx, token); !errors.Is(err, checkout.ErrShareUsed) {
		t.Errorf("OpenShare after payment: %v", err)
	}
	if _, err := e.c.PayShared(e.ctx, token, "vtcpay"); !errors.Is(err, checkout.ErrShareUsed) {
		t.Errorf("second payer: %v", err)
	}
	if _, err := e.c.OpenShare(e.ctx, token+"x"); !errors.Is(err, checkout.ErrShareNotFound) {
		t.Errorf("unknown token: %v", err)
	}
}

func TestShareLinkExpiry(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := e.order("sam", 100000)
	token := share(t, e, o.ID, "payer@example.com")
	e.clock.Advance(72*time.Hour - time.Second)
	if _, err := e.c.OpenShare(e.ctx, token); err != nil {
		t.Fatalf("at 72h minus a second: %v", err)
	}
	if rep, _ := e.c.Sweep(e.ctx); rep.Expired != 0 {
		t.Fatal("swept before expiry")
	}
	e.clock.Advance(2 * time.Second)
	if _, err := e.c.OpenShare(e.ctx, token); !errors.Is(err, checkout.ErrShareExpired) {
		t.Fatalf("at 72h plus a second: %v", err)
	}
	if _, err := e.c.PayShared(e.ctx, token, "vtcpay"); !errors.Is(err, checkout.ErrShareExpired) {
		t.Fatalf("pay at 72h plus a second: %v", err)
	}
	rec := httptest.NewRecorder()
	e.h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, baseURL+"/share/"+token, nil))
	if rec.Code != http.StatusGone {
		t.Errorf("expired page: %d", rec.Code)
	}
	rep, err := e.c.Sweep(e.ctx)
	if err != nil || rep.Expired != 1 {
		t.Fatalf("sweep %+v %v", rep, err)
	}
	e.wantState(o.ID, checkout.StateCancelled)
}

func TestShareTTLOption(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{opts: []checkout.Option{checkout.WithShareTTL(time.Hour)}})
	o := e.order("tia", 100000)
	res, err := e.c.Share(e.ctx, o.ID, "p@example.com")
	if err != nil || !res.ExpiresAt.Equal(e.clock.Now().Add(time.Hour)) {
		t.Fatalf("%v %v", res.ExpiresAt, err)
	}
	if _, err := e.c.Share(e.ctx, o.ID, "not an email"); !errors.Is(err, checkout.ErrInvalidRequest) {
		t.Errorf("bad email: %v", err)
	}
}

func TestShareTwoPayersAtOnce(t *testing.T) {
	t.Parallel()
	e := newEnv(t, envConfig{})
	o := e.order("uma", 120000)
	t1 := share(t, e, o.ID, "p1@example.com")
	t2 := share(t, e, o.ID, "p2@example.com")
	n1, err := e.c.PayShared(e.ctx, t1, "vtcpay")
	if err != nil {
		t.Fatal(err)
	}
	n2, err := e.c.PayShared(e.ctx, t2, "vtcpay")
	if err != nil {
		t.Fatal(err)
	}
	e.payAtGateway(n1, vtcpaytest.StatusSuccess)
	e.payAtGateway(n2, vtcpaytest.StatusSuccess)
	got := e.get(o.ID)
	r1, r2 := got.Attempts[0].Reference, got.Attempts[1].Reference
	e.notify(r1)
	e.notify(r2)
	got = e.wantState(o.ID, checkout.StateCompleted)
	if !got.Flagged || got.PaidReference != r1 {
		t.Errorf("order %+v", got)
	}
	tx, _ := e.fake.Transaction(r2)
	if tx.Refunded != "120000" {
		t.Errorf("second payment refunded %q at the gateway", tx.Refunded)
	}
	wantLines(t, "payment history", e.paymentLines("uma"), "vtcpay paid 120000 VND", "vtcpay refunded 120000 VND")
	wantLines(t, "billing history", e.invoiceLines("uma"), o.ID+"/invoice on_behalf 120000 VND")
	if e.prov.calls != 1 {
		t.Errorf("provisioned %d times", e.prov.calls)
	}
	// Duplicates of the second payer's notification change nothing more.
	e.notify(r2, vtcpaytest.Times(3))
	wantLines(t, "payment history after duplicates", e.paymentLines("uma"), "vtcpay paid 120000 VND", "vtcpay refunded 120000 VND")
	if tx, _ := e.fake.Transaction(r2); tx.Refunded != "120000" {
		t.Errorf("refunded twice: %q", tx.Refunded)
	}
}
