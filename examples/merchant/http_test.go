package main

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vtcpay/vtcpaytest"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// Plain HTTP tests of the handlers: fast, no browser.

func TestHomeShowsCustomerAndCredit(t *testing.T) {
	t.Parallel()
	_, base := startApp(t, config{})
	v := newVisitor(t, base)
	status, body := v.get("/")
	if status != http.StatusOK {
		t.Fatalf("GET / = %d", status)
	}
	if got := textOf(body, "balance"); got != "500.000 ₫" {
		t.Errorf("balance shows %q, want 500.000 ₫", got)
	}
	for _, want := range []string{"Nguyễn Văn An", "Mua máy chủ đám mây", `lang="vi"`} {
		if !strings.Contains(body, want) {
			t.Errorf("home page lacks %q", want)
		}
	}
	// The other customer, in English.
	v.get("/lang/en")
	status, body = v.post("/customer", url.Values{"customer": {"binh"}})
	if status != http.StatusOK || !strings.Contains(body, "Credit balance") || textOf(body, "balance") != "200.000 ₫" {
		t.Errorf("after switching to binh in English: %d, balance %q\n%s", status, textOf(body, "balance"), body)
	}
	if !strings.Contains(body, "You are now Trần Thị Bình.") {
		t.Errorf("no message about the switch")
	}
}

func TestFormsNeedTheSessionsCSRFToken(t *testing.T) {
	t.Parallel()
	a, base := startApp(t, config{})
	v := newVisitor(t, base)
	v.get("/")
	form := url.Values{"vcpu": {"1"}, "ram": {"1"}, "disk": {"20"}, "months": {"1"}, "region": {"hn1"}}
	for name, token := range map[string]string{"none": "", "wrong": strings.Repeat("0", 64)} {
		f := url.Values{}
		for k, vs := range form {
			f[k] = vs
		}
		if token != "" {
			f.Set("csrf", token)
		}
		status, _ := v.postRaw("/orders", f)
		if status != http.StatusForbidden {
			t.Errorf("%s token: POST /orders = %d, want 403", name, status)
		}
	}
	// Another visitor's token is not this one's.
	other := newVisitor(t, base)
	other.get("/")
	f := url.Values{"csrf": {other.csrf}}
	for k, vs := range form {
		f[k] = vs
	}
	if status, _ := v.postRaw("/orders", f); status != http.StatusForbidden {
		t.Errorf("another session's token: %d, want 403", status)
	}
	if got := a.recentOrders("an"); len(got) != 0 {
		t.Errorf("orders were created without a valid token: %v", got)
	}
	// With its own token the same form goes through.
	if id := v.createServer("1", "1", "20", "1", "hn1"); id == "" {
		t.Fatal("no order")
	}
}

func TestPayWithCredit(t *testing.T) {
	t.Parallel()
	a, base := startApp(t, config{})
	v := newVisitor(t, base)
	id := v.createServer("1", "1", "20", "1", "hn1") // 60.000 + 40.000 + 30.000
	_, body := v.get("/orders/" + id)
	if got := textOf(body, "total"); got != "130.000 ₫" {
		t.Fatalf("total %q, want 130.000 ₫", got)
	}
	if got := textOf(body, "state"); got != "Mới tạo" {
		t.Errorf("state %q, want Mới tạo", got)
	}
	status, body := v.post("/orders/"+id+"/pay", url.Values{"method": {"credit"}, "gateway": {"vtcpay"}})
	if status != http.StatusOK || textOf(body, "state") != "Hoàn tất" {
		t.Fatalf("after paying: %d, state %q\n%s", status, textOf(body, "state"), body)
	}
	if got := textOf(body, "credit-used"); got != "130.000 ₫" {
		t.Errorf("credit used %q", got)
	}
	if o := order(t, a, id); o.Method != checkout.MethodCredit || o.Gateway != "" {
		t.Errorf("order paid by %s/%q, want credit without a gateway", o.Method, o.Gateway)
	}
	if got := available(t, a, "an"); got != "370000" {
		t.Errorf("balance %s, want 370000", got)
	}
	if !hasCredit(creditLines(t, a, "an"), wallet.CreditPayment, id, 130_000) {
		t.Errorf("no payment of 130000 for %s in Credit History", id)
	}
	invs := invoices(t, a, "an")
	if len(invs) != 1 || invs[0].OrderID != id {
		t.Fatalf("Billing History %+v", invs)
	}
	// The pages show the same.
	_, body = v.get("/history/credit")
	if !strings.Contains(body, "130.000 ₫") || !strings.Contains(body, "370.000 ₫") || !strings.Contains(body, id) {
		t.Errorf("Credit History page lacks the payment\n%s", body)
	}
	_, body = v.get("/history/billing")
	if !strings.Contains(body, id+"/invoice") || !strings.Contains(body, "vCPU 1") {
		t.Errorf("Billing History page lacks the invoice\n%s", body)
	}
	// The confirmation email is in the mailbox.
	if msgs := a.mail.MessagesTo("an@example.vn"); len(msgs) != 1 || msgs[0].Kind != checkout.NotifyOrderCompleted {
		t.Errorf("mailbox: %d emails to an", len(msgs))
	}
}

func TestNotEnoughCreditSaysHowMuch(t *testing.T) {
	t.Parallel()
	a, base := startApp(t, config{})
	v := newVisitor(t, base)
	id := v.createServer("2", "4", "40", "3", "hn1") // 3 × 340.000
	_, body := v.post("/orders/"+id+"/pay", url.Values{"method": {"credit"}})
	want := "Không đủ tín dụng: bạn có 500.000 ₫, đơn hàng cần 1.020.000 ₫ (thiếu 520.000 ₫)"
	if !strings.Contains(textOf(body, "flash"), want) {
		t.Errorf("flash %q, want it to start %q", textOf(body, "flash"), want)
	}
	if o := order(t, a, id); o.State != checkout.StateCreated {
		t.Errorf("order %s, want still created", o.State)
	}
	if got := available(t, a, "an"); got != "500000" {
		t.Errorf("balance %s, want untouched 500000", got)
	}
}

func TestOrdersAreTheirCustomers(t *testing.T) {
	t.Parallel()
	_, base := startApp(t, config{})
	an := newVisitor(t, base)
	id := an.createServer("1", "1", "20", "1", "hn1")
	binh := newVisitor(t, base)
	binh.get("/")
	binh.post("/customer", url.Values{"customer": {"binh"}})
	for _, p := range []string{"/orders/" + id, "/orders/" + id + "/otp"} {
		if status, _ := binh.get(p); status != http.StatusNotFound {
			t.Errorf("binh GET %s = %d, want 404", p, status)
		}
	}
	if status, _ := binh.post("/orders/"+id+"/pay", url.Values{"method": {"credit"}}); status != http.StatusNotFound {
		t.Errorf("binh pays an's order: %d, want 404", status)
	}
	if status, _ := binh.post("/orders/"+id+"/share", url.Values{"email": {"x@example.vn"}}); status != http.StatusNotFound {
		t.Errorf("binh shares an's order: %d, want 404", status)
	}
}

func TestBadFormValuesAreRefused(t *testing.T) {
	t.Parallel()
	a, base := startApp(t, config{})
	v := newVisitor(t, base)
	v.get("/")
	for _, f := range []url.Values{
		{"vcpu": {"3"}, "ram": {"1"}, "disk": {"20"}, "months": {"1"}, "region": {"hn1"}},
		{"vcpu": {"1"}, "ram": {"1"}, "disk": {"20"}, "months": {"1"}, "region": {"moon"}},
		{"vcpu": {"-1"}, "ram": {"1"}, "disk": {"20"}, "months": {"1"}, "region": {"hn1"}},
	} {
		_, body := v.post("/orders", f)
		if !strings.HasPrefix(textOf(body, "flash"), "Lựa chọn không hợp lệ.") {
			t.Errorf("%v: flash %q", f, textOf(body, "flash"))
		}
	}
	id := v.createServer("1", "1", "20", "1", "hn1")
	for _, f := range []url.Values{
		{"method": {"bitcoin"}, "gateway": {"vtcpay"}},
		{"method": {"gateway"}, "gateway": {"paypal"}},
		{"method": {"on_behalf"}, "gateway": {"vtcpay"}},
	} {
		_, body := v.post("/orders/"+id+"/pay", f)
		if textOf(body, "flash") != "Lựa chọn không hợp lệ." {
			t.Errorf("pay %v: flash %q", f, textOf(body, "flash"))
		}
	}
	for email, want := range map[string]string{
		"not an email":                "Địa chỉ email không hợp lệ.",
		"Bình <binh@example.vn>":      "Địa chỉ email không hợp lệ.",
		"an@example.vn":               "Hãy nhập email của người khác.",
		"x@example.vn\r\nBcc: y@e.vn": "Địa chỉ email không hợp lệ.",
	} {
		_, body := v.post("/orders/"+id+"/share", url.Values{"email": {email}})
		if textOf(body, "flash") != want {
			t.Errorf("share to %q: flash %q, want %q", email, textOf(body, "flash"), want)
		}
	}
	if o := order(t, a, id); o.State != checkout.StateCreated || len(a.mail.Messages()) != 0 {
		t.Errorf("order %s with %d emails after refused forms", o.State, len(a.mail.Messages()))
	}
	for amount, want := range map[string]string{
		"":            "Hãy nhập số tiền.",
		"150000,5":    "Số tiền phải là số đồng chẵn, không có phần lẻ.",
		"1.5":         "Số tiền phải là số đồng chẵn, không có phần lẻ.",
		"-200000":     "Số tiền phải lớn hơn 0.",
		"99999999999": "Số tiền phải từ 10.000 ₫ đến 50.000.000 ₫.",
		"2e5":         "Số tiền không hợp lệ: chỉ dùng chữ số, ví dụ 150000 hoặc 150.000.",
	} {
		_, body := v.post("/topup", url.Values{"amount": {amount}, "gateway": {"vtcpay"}})
		if textOf(body, "flash") != want {
			t.Errorf("top up %q: flash %q, want %q", amount, textOf(body, "flash"), want)
		}
	}
	if n := len(a.recentOrders("an")); n != 1 {
		t.Errorf("%d orders, want only the server", n)
	}
}

// A top-up through VTC Pay: the browser goes to the fake's page, pays, and
// comes back; the fake's notification tops the wallet up.
func TestTopUpThroughVTCPay(t *testing.T) {
	t.Parallel()
	a, base := startApp(t, config{})
	v := newVisitor(t, base)
	v.get("/topup")
	status, loc := v.noRedirect("/topup", url.Values{"amount": {"250.000"}, "gateway": {"vtcpay"}})
	if status != http.StatusSeeOther || !strings.HasPrefix(loc, a.vtc.URL()) {
		t.Fatalf("top up: %d to %q, want a redirect to VTC Pay", status, loc)
	}
	ret, err := a.vtc.Pay(context.Background(), loc, vtcpaytest.StatusSuccess)
	if err != nil {
		t.Fatal(err)
	}
	status, body := v.get(ret.String())
	if status != http.StatusOK || textOf(body, "state") != "Hoàn tất" {
		t.Fatalf("back from VTC Pay: %d at %s, state %q", status, v.last, textOf(body, "state"))
	}
	id := orderPath.FindStringSubmatch(v.last)[1]
	if !strings.HasPrefix(id, topUpPrefix) {
		t.Fatalf("order %s", id)
	}
	if got := available(t, a, "an"); got != "750000" {
		t.Errorf("balance %s, want 750000", got)
	}
	if !hasCredit(creditLines(t, a, "an"), wallet.CreditTopUp, id, 250_000) {
		t.Errorf("no top-up of 250000 in Credit History")
	}
	// A top-up is not revenue: the money went on to the wallet.
	cr := a.c.Credit("VND")
	if rev, err := a.c.Ledger().Balance(context.Background(), cr.Revenue()); err != nil || !rev.Posted.IsZero() {
		t.Errorf("revenue %v, %v after a top-up; want 0", rev.Posted, err)
	}
	if ps := payments(t, a, "an"); len(ps) != 1 || ps[0].Gateway != "vtcpay" || ps[0].Outcome != checkout.PaymentPaid {
		t.Errorf("Payment History %+v", ps)
	}
	_, body = v.get("/")
	if got := textOf(body, "balance"); got != "750.000 ₫" {
		t.Errorf("home shows %q", got)
	}
}

// The result page reads only the order from the query; a customer coming
// back to someone else's order sees its state, not the order page.
func TestResultPage(t *testing.T) {
	t.Parallel()
	_, base := startApp(t, config{})
	an := newVisitor(t, base)
	id := an.createServer("1", "1", "20", "1", "hn1")
	an.get("/result?order=" + id + "&state=completed")
	if !strings.HasSuffix(an.last, "/orders/"+id) {
		t.Errorf("the owner lands on %s", an.last)
	}
	binh := newVisitor(t, base)
	binh.get("/")
	binh.post("/customer", url.Values{"customer": {"binh"}})
	_, body := binh.get("/result?order=" + id + "&state=completed")
	if got := textOf(body, "result"); got != "Cảm ơn bạn. Trạng thái đơn hàng "+id+": Mới tạo." {
		t.Errorf("result %q: the state must come from the store, not the query", got)
	}
	if status, _ := binh.get("/result?order=nope"); status != http.StatusNotFound {
		t.Errorf("unknown order: %d", status)
	}
}

func TestParseDong(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{
		"150000": 150_000, "150.000": 150_000, "150 000": 150_000, " 1.500.000 ₫": 1_500_000,
		"200000đ": 200_000, "50.000.000": 50_000_000, "10000 VND": 10_000,
	} {
		got, err := parseDong(in)
		if err != nil || got != want {
			t.Errorf("parseDong(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for in, want := range map[string]error{
		"": errAmountEmpty, " ₫": errAmountEmpty, "150000,5": errAmountFraction, "150.5": errAmountFraction,
		"1.50": errAmountFraction, "-150000": errAmountNegative, "+150000": errAmountInvalid, "1e6": errAmountInvalid,
		"0x1000": errAmountInvalid, "9999": errAmountRange, "50.000.001": errAmountRange,
		"99999999999999999999": errAmountRange, "1500.000": errAmountInvalid, "١٢٣٤٥": errAmountInvalid,
	} {
		if _, err := parseDong(in); !errors.Is(err, want) {
			t.Errorf("parseDong(%q) = %v, want %v", in, err, want)
		}
	}
}

func TestPrices(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		vcpu, ram, disk, months string
		want                    int64
	}{
		{"1", "1", "20", "1", 130_000},
		{"2", "4", "40", "1", 340_000},
		{"8", "16", "160", "12", 16_320_000},
	} {
		s, err := parseServer(c.vcpu, c.ram, c.disk, c.months, "hn1")
		if err != nil {
			t.Fatal(err)
		}
		if got := s.price(); got != c.want {
			t.Errorf("%+v: price %d, want %d", c, got, c.want)
		}
	}
	if _, err := parseServer("1", "1", "20", "2", "hn1"); err == nil {
		t.Error("2 months is not offered")
	}
}

var (
	tKey     = regexp.MustCompile(`\.T\.([a-z_]+)`)
	callKey  = regexp.MustCompile(`a\.t\(r, "([a-z_]+)"[,)]`)
	tableKey = regexp.MustCompile(`\["([a-z_]+)"\]`)
)

// Every message exists in both languages, and every key the pages and
// handlers use is in the table (a missing one would show as nothing).
func TestMessagesComplete(t *testing.T) {
	t.Parallel()
	for k, v := range messageTable {
		if v[0] == "" || v[1] == "" {
			t.Errorf("message %q lacks a language: %q", k, v)
		}
		if strings.Count(v[0], "%s") != strings.Count(v[1], "%s") {
			t.Errorf("message %q: the languages take different arguments", k)
		}
	}
	used := map[string]bool{}
	for _, src := range append([]string{layoutSource}, pageValues()...) {
		for _, m := range tKey.FindAllStringSubmatch(src, -1) {
			used[m[1]] = true
		}
	}
	for _, f := range []string{"handlers.go", "catalog.go", "app.go"} {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		for _, re := range []*regexp.Regexp{callKey, tableKey} {
			for _, m := range re.FindAllStringSubmatch(string(b), -1) {
				used[m[1]] = true
			}
		}
	}
	// Keys made from values.
	for _, s := range []checkout.State{checkout.StateCreated, checkout.StateShared, checkout.StateAwaitingPayment, checkout.StatePaid,
		checkout.StateCompleted, checkout.StateCancelled, checkout.StateReview} {
		used["state_"+string(s)] = true
	}
	for k := wallet.CreditTopUp; k <= wallet.CreditAdjustment; k++ {
		used["credit_"+k.String()] = true
	}
	for _, o := range []checkout.Outcome{checkout.OutcomeUnknown, checkout.OutcomePending, checkout.OutcomeSucceeded, checkout.OutcomeFailed} {
		used["outcome_"+string(o)] = true
	}
	for _, o := range []checkout.PaymentOutcome{checkout.PaymentPaid, checkout.PaymentRefunded, checkout.PaymentCredited} {
		used["payment_"+string(o)] = true
	}
	for _, err := range []error{errAmountEmpty, errAmountInvalid, errAmountFraction, errAmountNegative, errAmountRange} {
		used[err.Error()] = true
	}
	if len(used) < 50 {
		t.Fatalf("found only %d keys in use: the scan is broken", len(used))
	}
	for k := range used {
		if _, ok := messageTable[k]; !ok {
			t.Errorf("key %q is used but not in the table", k)
		}
	}
	for k := range messageTable {
		if !used[k] {
			t.Errorf("key %q is in the table but no page uses it", k)
		}
	}
}

func pageValues() []string {
	var out []string
	for _, s := range pageSources {
		out = append(out, s)
	}
	return out
}

func TestHistoriesArePaged(t *testing.T) {
	t.Parallel()
	a, base := startApp(t, config{})
	for i := range 12 {
		if _, err := a.c.Credit("VND").TopUp(context.Background(), wallet.TopUpRequest{ID: "bank/" + strconv.Itoa(i), Customer: "an",
			Amount: decimal.NewFromInt(int64(1000 * (i + 1)))}); err != nil {
			t.Fatal(err)
		}
	}
	v := newVisitor(t, base)
	_, body := v.get("/history/credit")
	rows := strings.Count(body, `<td class="kind">`)
	next := regexp.MustCompile(`href="\?after=([0-9]+)" id="next-page"`).FindStringSubmatch(body)
	if rows != historyPageSize || next == nil {
		t.Fatalf("first page: %d lines, next %v", rows, next)
	}
	_, body = v.get("/history/credit?after=" + next[1])
	if rows := strings.Count(body, `<td class="kind">`); rows != 13-historyPageSize || strings.Contains(body, `id="next-page"`) {
		t.Errorf("second page: %d lines (want %d), next link %v", rows, 13-historyPageSize, strings.Contains(body, `id="next-page"`))
	}
	if !strings.Contains(body, "12.000 ₫") || !strings.Contains(body, `id="first-page"`) {
		t.Errorf("second page lacks the last top-up or the way back")
	}
	for _, q := range []string{"-5", "x", "99999999999999999999"} {
		if status, _ := v.get("/history/credit?after=" + url.QueryEscape(q)); status != http.StatusOK {
			t.Errorf("after=%s: %d", q, status)
		}
	}
}
