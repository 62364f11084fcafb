package main

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// vinidKeys are generated once per test binary: RSA key generation is slow.
var vinidKeys = sync.OnceValues(vinidpaytest.GenerateKeys)

// startApp serves a fresh demo on a loopback httptest server.
func startApp(t testing.TB, cfg config) (*app, string) {
	t.Helper()
	keys, err := vinidKeys()
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	cfg.BaseURL = "http://" + srv.Listener.Addr().String()
	cfg.VinIDKeys = keys
	a, err := newApp(context.Background(), cfg)
	if err != nil {
		srv.Listener.Close()
		t.Fatal(err)
	}
	srv.Config.Handler = a.Handler()
	srv.Start()
	t.Cleanup(func() {
		srv.Close()
		a.Close()
	})
	return a, cfg.BaseURL
}

// visitor is a browser without JavaScript: a cookie jar that follows
// redirects.
type visitor struct {
	t    testing.TB
	base string
	hc   *http.Client
	csrf string
	// last is the URL of the last page reached (after redirects).
	last string
}

func newVisitor(t testing.TB, base string) *visitor {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &visitor{t: t, base: base, hc: &http.Client{Jar: jar}}
}

var csrfField = regexp.MustCompile(`name="csrf" value="([0-9a-f]+)"`)

func (v *visitor) do(req *http.Request) (int, string) {
	v.t.Helper()
	resp, err := v.hc.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		v.t.Fatal(err)
	}
	body := string(b)
	if m := csrfField.FindStringSubmatch(body); m != nil {
		v.csrf = m[1]
	}
	v.last = resp.Request.URL.String()
	return resp.StatusCode, body
}

// get fetches a path of the site, or an absolute URL.
func (v *visitor) get(path string) (int, string) {
	v.t.Helper()
	u := path
	if strings.HasPrefix(path, "/") {
		u = v.base + path
	}
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		v.t.Fatal(err)
	}
	return v.do(req)
}

// post submits a form with the visitor's CSRF token (from the last page).
func (v *visitor) post(path string, form url.Values) (int, string) {
	v.t.Helper()
	if v.csrf == "" {
		v.get("/")
	}
	if form.Get("csrf") == "" {
		form.Set("csrf", v.csrf)
	}
	return v.postRaw(path, form)
}

func (v *visitor) postRaw(path string, form url.Values) (int, string) {
	v.t.Helper()
	req, err := http.NewRequest(http.MethodPost, v.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return v.do(req)
}

// noRedirect returns the redirect a POST answers, without following it.
func (v *visitor) noRedirect(path string, form url.Values) (int, string) {
	v.t.Helper()
	hc := *v.hc
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	if form.Get("csrf") == "" {
		form.Set("csrf", v.csrf)
	}
	req, err := http.NewRequest(http.MethodPost, v.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		v.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := hc.Do(req)
	if err != nil {
		v.t.Fatal(err)
	}
	defer resp.Body.Close()
	return resp.StatusCode, resp.Header.Get("Location")
}

var orderPath = regexp.MustCompile(`/orders/((?:vm|topup)[0-9a-f]+)$`)

// createServer orders a server through the buy form and returns its ID.
func (v *visitor) createServer(vcpu, ram, disk, months, region string) string {
	v.t.Helper()
	status, body := v.post("/orders", url.Values{"vcpu": {vcpu}, "ram": {ram}, "disk": {disk}, "months": {months}, "region": {region}})
	m := orderPath.FindStringSubmatch(v.last)
	if status != http.StatusOK || m == nil {
		v.t.Fatalf("create order: %d at %s\n%s", status, v.last, body)
	}
	return m[1]
}

// textOf returns the text of the element with that id in an HTML page
// (the first one; no nesting).
func textOf(body, id string) string {
	re := regexp.MustCompile(`id="` + regexp.QuoteMeta(id) + `"[^>]*>([^<]*)<`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		return ""
	}
	return strings.TrimSpace(m[1])
}

// creditLines returns a customer's whole Credit History.
func creditLines(t testing.TB, a *app, customer string) []wallet.CreditEntry {
	t.Helper()
	var all []wallet.CreditEntry
	var q wallet.HistoryQuery
	for {
		p, err := a.c.CreditHistory(context.Background(), customer, q)
		if err != nil {
			t.Fatal(err)
		}
		all = append(all, p.Entries...)
		if !p.More {
			return all
		}
		q.After = p.Next
	}
}

// hasCredit reports whether the history has a line of that kind, order
// and amount.
func hasCredit(lines []wallet.CreditEntry, kind wallet.CreditKind, order string, amount int64) bool {
	for _, e := range lines {
		if e.Kind == kind && e.Order == order && e.Amount.Equal(decimal.NewFromInt(amount)) {
			return true
		}
	}
	return false
}

func invoices(t testing.TB, a *app, customer string) []checkout.Invoice {
	t.Helper()
	p, err := a.c.BillingHistory(context.Background(), customer, checkout.PageQuery{Limit: checkout.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return p.Invoices
}

func payments(t testing.TB, a *app, customer string) []checkout.Payment {
	t.Helper()
	p, err := a.c.PaymentHistory(context.Background(), customer, checkout.PageQuery{Limit: checkout.MaxPageSize})
	if err != nil {
		t.Fatal(err)
	}
	return p.Payments
}

func order(t testing.TB, a *app, id string) checkout.Order {
	t.Helper()
	o, err := a.c.Order(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func available(t testing.TB, a *app, customer string) string {
	t.Helper()
	b, err := a.c.Credit("VND").Balance(context.Background(), customer)
	if err != nil {
		t.Fatal(err)
	}
	return b.Available.String()
}
