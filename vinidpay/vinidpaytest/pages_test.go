package vinidpaytest_test

import (
	"bytes"
	"context"
	"errors"
	"image/png"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/vinidpay/vinidpaytest"
)

// pagesEnv is a fake with a client, a clock and a recorder of link
// callbacks, for the browser-facing pages.
type pagesEnv struct {
	srv    *vinidpaytest.Server
	client *vinidpay.Client
	clock  *vinidpaytest.Clock

	mu    sync.Mutex
	links []linkResult
}

type linkResult struct {
	cb  *vinidpay.LinkCallback
	err error
}

func newPagesEnv(t *testing.T, opts ...vinidpaytest.Option) *pagesEnv {
	t.Helper()
	k, err := keys()
	if err != nil {
		t.Fatal(err)
	}
	clock := vinidpaytest.NewClock(t0)
	srv, err := vinidpaytest.NewServer(vinidpaytest.Config{Keys: k}, append([]vinidpaytest.Option{vinidpaytest.WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(srv.Close)
	client, err := srv.NewClient(vinidpay.WithClock(clock.Now))
	if err != nil {
		t.Fatal(err)
	}
	e := &pagesEnv{srv: srv, client: client, clock: clock}
	srv.HandleLinkCallbacks(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		cb, err := client.VerifyLinkCallback(r)
		e.mu.Lock()
		e.links = append(e.links, linkResult{cb, err})
		e.mu.Unlock()
	}))
	return e
}

func (e *pagesEnv) linkCallbacks() []linkResult {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]linkResult(nil), e.links...)
}

func (e *pagesEnv) newLink(t *testing.T, partnerUserID string) *vinidpay.LinkWalletResponse {
	t.Helper()
	lk, err := e.client.LinkWallet(context.Background(), vinidpay.LinkWalletRequest{PartnerUserID: partnerUserID, CallbackURL: "https://shop.example/vinid/link"})
	if err != nil {
		t.Fatal(err)
	}
	return lk
}

// noRedirect is the fake's HTTP client, stopping at redirects.
func noRedirect(srv *vinidpaytest.Server) *http.Client {
	c := *srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &c
}

func get(t *testing.T, srv *vinidpaytest.Server, path string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect(srv).Get(srv.URL + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func post(t *testing.T, srv *vinidpaytest.Server, path, form string) (*http.Response, string) {
	t.Helper()
	resp, err := noRedirect(srv).Post(srv.URL+path, "application/x-www-form-urlencoded", strings.NewReader(form))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, string(b)
}

func TestLinkPageIsABrowserPage(t *testing.T) {
	t.Parallel()
	e := newPagesEnv(t)
	alice := e.srv.AddUser("0912345678", 1_500_000)
	bob := e.srv.AddUser("0987654321", 20_000)
	lk := e.newLink(t, "alice@example.com")
	u, err := url.Parse(lk.WebURL)
	if err != nil {
		t.Fatal(err)
	}
	resp, body := get(t, e.srv, u.Path)
	if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("link page: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	for _, want := range []string{
		"<!doctype html>", `<meta charset="utf-8">`, `name="viewport"`, "<title>", "<style>",
		`id="partner">PARTNER01<`, `id="link-id">` + lk.LinkID + "<",
		`<img id="qr" src="/link/` + lk.LinkID + `/qr.png"`,
		`<select id="user" name="user">`,
		`<option value="` + alice + `">*******678 · ` + alice + ` · 1.500.000 ₫</option>`,
		`<option value="` + bob + `">*******321 · ` + bob + ` · 20.000 ₫</option>`,
		`id="confirm" name="action" value="confirm"`, `id="cancel" name="action" value="cancel"`,
		"Xác nhận liên kết", "Confirm", "Hủy", "Cancel",
	} {
		if !strings.Contains(body, want) {
			t.Errorf("link page lacks %q", want)
		}
	}
	if strings.Contains(body, "0912345678") {
		t.Error("link page shows a full phone number")
	}

	resp, body = get(t, e.srv, u.Path+"/qr.png")
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/png" {
		t.Fatalf("qr: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	img, err := png.Decode(strings.NewReader(body))
	if err != nil {
		t.Fatalf("qr is not a PNG: %v", err)
	}
	if img.Bounds().Dx() < 64 || img.Bounds().Dx() != img.Bounds().Dy() {
		t.Errorf("qr is %v", img.Bounds())
	}
	// The QR code is the link's web_url, as the client renders it.
	want, err := lk.QRCodePNG(img.Bounds().Dx())
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(want, []byte(body)) {
		t.Error("the page's QR code is not the QR code of the link's web_url")
	}
	if resp, _ := get(t, e.srv, "/link/LNK-nope/qr.png"); resp.StatusCode != http.StatusNotFound {
		t.Errorf("qr of an unknown link: %d", resp.StatusCode)
	}
}

func TestLinkPageConfirm(t *testing.T) {
	t.Parallel()
	ret := func(linkID, puid string) string {
		return "http://127.0.0.1:1/vinid/linked?link=" + url.QueryEscape(linkID) + "&who=" + url.QueryEscape(puid)
	}
	e := newPagesEnv(t, vinidpaytest.WithLinkReturnURL(ret))
	alice := e.srv.AddUser("0912345678", 1_500_000)
	lk := e.newLink(t, "alice@example.com")

	resp, body := post(t, e.srv, "/link/"+lk.LinkID, url.Values{"action": {"confirm"}, "user": {alice}}.Encode())
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != ret(lk.LinkID, "alice@example.com") {
		t.Fatalf("confirm: %d %q %s", resp.StatusCode, resp.Header.Get("Location"), body)
	}
	cbs := e.linkCallbacks()
	if len(cbs) != 1 || cbs[0].err != nil || !cbs[0].cb.Linked() || cbs[0].cb.MaskedPhone != "*******678" || cbs[0].cb.LinkReferenceID != lk.LinkID {
		t.Fatalf("link callbacks: %+v", cbs)
	}
	st, err := e.client.LinkStatus(context.Background(), lk.StatusRequest())
	if err != nil || st.UserToken != cbs[0].cb.UserToken {
		t.Fatalf("link status: %+v %v", st, err)
	}

	// Posting again, or opening the page again, says the link is used.
	resp, body = post(t, e.srv, "/link/"+lk.LinkID, url.Values{"action": {"confirm"}, "user": {alice}}.Encode())
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, `id="error"`) || !strings.Contains(body, "already confirmed") {
		t.Errorf("second confirm: %d %s", resp.StatusCode, body)
	}
	if !strings.Contains(body, `id="return" href="`+strings.ReplaceAll(ret(lk.LinkID, "alice@example.com"), "&", "&amp;")+`"`) {
		t.Errorf("the error page has no way back to the merchant: %s", body)
	}
	resp, body = get(t, e.srv, "/link/"+lk.LinkID)
	if resp.StatusCode != http.StatusConflict || strings.Contains(body, `id="confirm"`) {
		t.Errorf("page of a used link: %d %s", resp.StatusCode, body)
	}
	if n := len(e.linkCallbacks()); n != 1 {
		t.Errorf("%d link callbacks after the repeated post, want 1", n)
	}
}

func TestLinkPageCancel(t *testing.T) {
	t.Parallel()
	e := newPagesEnv(t) // no return URL: the page shows the outcome
	alice := e.srv.AddUser("0912345678", 1_500_000)
	lk := e.newLink(t, "alice@example.com")

	resp, body := post(t, e.srv, "/link/"+lk.LinkID, "action=cancel")
	if resp.StatusCode != http.StatusOK || !strings.Contains(body, `id="result"`) || !strings.Contains(body, "link cancelled") {
		t.Fatalf("cancel: %d %s", resp.StatusCode, body)
	}
	cbs := e.linkCallbacks()
	if len(cbs) != 1 || !errors.Is(cbs[0].err, vinidpay.ErrLinkFailed) || cbs[0].cb == nil || cbs[0].cb.Linked() || cbs[0].cb.LinkReferenceID != lk.LinkID {
		t.Fatalf("link callbacks after cancel: %+v", cbs)
	}
	var apiErr *vinidpay.APIError
	if _, err := e.client.LinkStatus(context.Background(), lk.StatusRequest()); !errors.As(err, &apiErr) || apiErr.Code != vinidpaytest.CodeLinkCancelled {
		t.Errorf("link status of a cancelled link: %v", err)
	}
	if _, err := e.srv.ConfirmLink(lk.LinkID, alice); !errors.Is(err, vinidpaytest.ErrLinkCancelled) {
		t.Errorf("confirming a cancelled link: %v", err)
	}
	resp, body = post(t, e.srv, "/link/"+lk.LinkID, url.Values{"action": {"confirm"}, "user": {alice}}.Encode())
	if resp.StatusCode != http.StatusConflict || !strings.Contains(body, "cancelled") {
		t.Errorf("confirm after cancel: %d %s", resp.StatusCode, body)
	}
	if n := len(e.linkCallbacks()); n != 1 {
		t.Errorf("%d link callbacks, want 1", n)
	}
}

func TestLinkPageRefusals(t *testing.T) {
	t.Parallel()
	e := newPagesEnv(t, vinidpaytest.WithLinkReturnURL(func(string, string) string { return "javascript:alert(1)" }))
	alice := e.srv.AddUser("0912345678", 1_500_000)
	lk := e.newLink(t, "alice@example.com")
	expired := e.newLink(t, "bob@example.com")
	path := "/link/" + lk.LinkID
	for _, tc := range []struct {
		name, path, form string
		status           int
		text             string
	}{
		{"unknown link", "/link/LNK99999999", "action=cancel", http.StatusNotFound, "no such link"},
		{"malformed id", "/link/%00%ff%3Cscript%3E", "action=cancel", http.StatusNotFound, "no such link"},
		{"long id", "/link/" + strings.Repeat("9", 4000), "action=cancel", http.StatusNotFound, "no such link"},
		{"no action", path, "user=" + alice, http.StatusBadRequest, "action must be confirm or cancel"},
		{"unknown action", path, "action=pay&user=" + alice, http.StatusBadRequest, "action must be confirm or cancel"},
		{"repeated action", path, "action=confirm&action=cancel&user=" + alice, http.StatusBadRequest, "action is repeated"},
		{"repeated user", path, "action=confirm&user=" + alice + "&user=U2", http.StatusBadRequest, "user is repeated"},
		{"no user", path, "action=confirm", http.StatusBadRequest, "no user chosen"},
		{"unknown user", path, "action=confirm&user=U99999999", http.StatusBadRequest, "no such user"},
		{"huge user", path, "action=confirm&user=" + strings.Repeat("U", 5000), http.StatusBadRequest, "no such user"},
		{"bad form encoding", path, "action=%zz", http.StatusBadRequest, "could not be read"},
		{"oversized form", path, "action=cancel&x=" + strings.Repeat("x", 9000), http.StatusBadRequest, "could not be read"},
	} {
		resp, body := post(t, e.srv, tc.path, tc.form)
		if resp.StatusCode != tc.status || !strings.Contains(body, `id="error"`) || !strings.Contains(body, tc.text) {
			t.Errorf("%s: %d, want %d with %q: %s", tc.name, resp.StatusCode, tc.status, tc.text, body)
		}
		if strings.Contains(body, "javascript:") {
			t.Errorf("%s: a return URL that is not http(s) is offered", tc.name)
		}
	}
	if len(e.linkCallbacks()) != 0 {
		t.Errorf("refused posts delivered callbacks: %+v", e.linkCallbacks())
	}
	// The link survived every refusal.
	if _, body := get(t, e.srv, path); !strings.Contains(body, `id="confirm"`) {
		t.Errorf("the link is no longer open: %s", body)
	}

	e.clock.Advance(16 * time.Minute)
	resp, body := post(t, e.srv, "/link/"+expired.LinkID, "action=confirm&user="+alice)
	if resp.StatusCode != http.StatusGone || !strings.Contains(body, "expired") {
		t.Errorf("confirm of an expired link: %d %s", resp.StatusCode, body)
	}
	resp, body = get(t, e.srv, "/link/"+expired.LinkID)
	if resp.StatusCode != http.StatusGone || strings.Contains(body, `id="confirm"`) {
		t.Errorf("page of an expired link: %d %s", resp.StatusCode, body)
	}
	if resp, body := get(t, e.srv, "/link/LNK99999999"); resp.StatusCode != http.StatusNotFound || !strings.Contains(body, `id="error"`) {
		t.Errorf("page of an unknown link: %d %s", resp.StatusCode, body)
	}
}

func TestSMSPage(t *testing.T) {
	t.Parallel()
	e := newPagesEnv(t, vinidpaytest.WithOTPThreshold(100_000))
	alice := e.srv.AddUser("0912345678", 5_000_000)
	if _, body := get(t, e.srv, "/sms"); !strings.Contains(body, `id="no-sms"`) {
		t.Errorf("empty inbox: %s", body)
	}
	lk := e.newLink(t, "alice@example.com")
	token, err := e.srv.ConfirmLink(lk.LinkID, alice)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, inv := range []string{"INV-1", "INV-2"} {
		tx, err := e.client.CreateTransaction(context.Background(), vinidpay.CreateTransactionRequest{
			UserToken: token, InvoiceNo: inv, Amount: decimal.NewFromInt(150_000), StoreCode: "S1", POSCode: "P1",
		})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, tx.TransactionID)
		e.clock.Advance(time.Minute)
	}
	sms := e.srv.SentSMS()
	if len(sms) != 2 || sms[0].TransactionID != ids[1] || sms[1].TransactionID != ids[0] || sms[0].InvoiceNo != "INV-2" || sms[0].MaskedPhone != "*******678" {
		t.Fatalf("sent sms: %+v", sms)
	}
	resp, body := get(t, e.srv, "/sms")
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("sms page: %d", resp.StatusCode)
	}
	i0, i1 := strings.Index(body, `data-transaction="`+ids[0]+`"`), strings.Index(body, `data-transaction="`+ids[1]+`"`)
	if i0 < 0 || i1 < 0 || i1 > i0 {
		t.Fatalf("the sms page does not list both, newest first: %s", body)
	}
	for _, id := range ids {
		otp, ok := e.srv.OTP(id)
		if !ok || !strings.Contains(body, `<td class="otp">`+otp+`</td>`) {
			t.Errorf("the sms page lacks the otp of %s", id)
		}
	}
	// 03:00 UTC is 10:00 in Vietnam.
	if !strings.Contains(body, "10:01:00 14/05/2024") || strings.Contains(body, "0912345678") {
		t.Errorf("sms page times or phones: %s", body)
	}
}
