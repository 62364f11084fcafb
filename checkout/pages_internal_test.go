package checkout

import (
	"context"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"

	"github.com/shopspring/decimal"
)

// Every state and reason of the result page, and every error page, in both
// languages (pages_test.go reaches them through the flows where it can).

func testPages(t *testing.T) *pages {
	t.Helper()
	c, err := New(Config{BaseURL: "https://shop.example/pay",
		Provisioner: ProvisionerFunc(func(context.Context, ProvisionRequest) error { return nil })})
	if err != nil {
		t.Fatal(err)
	}
	return c.newPages()
}

var pageElement = regexp.MustCompile(`<(?:span|p|h1)[^>]*\sid="(state|reason|title|message)"[^>]*>(.*?)</(?:span|p|h1)>`)

func pageTexts(body string) map[string]string {
	m := map[string]string{}
	for _, s := range pageElement.FindAllStringSubmatch(body, -1) {
		m[s[1]] = s[2]
	}
	return m
}

func TestResultPageStatesAndReasons(t *testing.T) {
	t.Parallel()
	p := testPages(t)
	for _, c := range []struct {
		state          State
		reason         string
		provision      ProvisionStatus
		vi, en         string
		viWhy, enWhy   string
		hiddenInReason string
	}{
		{StateCreated, "", "", "Chưa thanh toán", "Not paid yet", "", "", ""},
		{StateShared, "", "", "Chưa thanh toán", "Not paid yet", "", "", ""},
		{StateAwaitingPayment, "", "", "Đang chờ thanh toán", "Awaiting payment", "", "", ""},
		{StatePaid, "", "", "Đã thanh toán", "Paid", "", "", ""},
		{StateCompleted, "", ProvisionDone, "Hoàn tất", "Completed", "", "", ""},
		{StateCancelled, "payment failed: -9 Customer cancel transaction", "", "Đã hủy", "Cancelled",
			"Lý do: thanh toán không thành công", "Reason: the payment failed", "Customer"},
		{StateCancelled, "share link expired", "", "Đã hủy", "Cancelled", "Lý do: liên kết thanh toán đã hết hạn.", "Reason: the payment link expired.", ""},
		{StateCancelled, "provisioning failed: region hn9 full <b>", ProvisionFailed, "Đã hủy", "Cancelled",
			"Lý do: không khởi tạo được dịch vụ; số tiền đã thanh toán được hoàn lại.", "Reason: the services could not be set up", "hn9"},
		{StateCancelled, "interrupted before the gateway payment started", "", "Đã hủy", "Cancelled",
			"Lý do: thanh toán không hoàn tất.", "Reason: the payment was not completed.", "interrupted"},
		{StateReview, "payment o1-1: gateway reported 1 VND paid, expected 150000", "", "Đang kiểm tra", "Under review",
			"Lý do: kết quả cổng thanh toán gửi về không khớp với đơn hàng.", "Reason: the payment gateway's result does not match", "150000"},
	} {
		o := Order{ID: "o1", State: c.state, Reason: c.reason, Provision: c.provision, Language: Vietnamese, Currency: "VND",
			Amount: decimal.NewFromInt(150000), Items: []LineItem{{Description: "Máy chủ", Quantity: 1, Amount: decimal.NewFromInt(150000)}}}
		for _, l := range []struct {
			query, state, why string
		}{{"", c.vi, c.viWhy}, {"?lang=en", c.en, c.enWhy}} {
			rec := httptest.NewRecorder()
			p.resultPage(rec, httptest.NewRequest(http.MethodGet, "/return/vtcpay"+l.query, nil), o)
			body := rec.Body.String()
			got := pageTexts(body)
			if rec.Code != http.StatusOK || got["state"] != l.state || !strings.Contains(body, "150.000 ₫") {
				t.Errorf("%s %q%s: %d state %q, want %q", c.state, c.reason, l.query, rec.Code, got["state"], l.state)
			}
			if why := got["reason"]; !strings.HasPrefix(why, l.why) || (l.why == "") != (why == "") {
				t.Errorf("%s %q%s: reason %q, want %q", c.state, c.reason, l.query, why, l.why)
			}
			if c.hiddenInReason != "" && strings.Contains(body, c.hiddenInReason) {
				t.Errorf("%s %q%s: the merchant's reason shows", c.state, c.reason, l.query)
			}
		}
	}
}

func TestErrorPagesInBothLanguages(t *testing.T) {
	t.Parallel()
	p := testPages(t)
	kinds := []string{"not_found", "expired", "used", "closed", "choose_gateway", "otp_empty", "bad_return", "bad_request", "unavailable"}
	for _, lang := range []Language{Vietnamese, English} {
		titles := map[string]string{}
		for _, kind := range kinds {
			rec := httptest.NewRecorder()
			p.fail(rec, httptest.NewRequest(http.MethodGet, "/share/x", nil), lang, http.StatusGone, kind, kind == "bad_request")
			got := pageTexts(rec.Body.String())
			if rec.Code != http.StatusGone || got["title"] == "" || got["message"] == "" {
				t.Errorf("%s %s: %d %q", lang, kind, rec.Code, got)
			}
			if other, dup := titles[got["title"]]; dup {
				t.Errorf("%s: %s and %s have the same title %q", lang, kind, other, got["title"])
			}
			titles[got["title"]] = kind
			if back := strings.Contains(rec.Body.String(), `id="back"`); back != (kind == "bad_request") {
				t.Errorf("%s %s: back link %v", lang, kind, back)
			}
		}
	}
}
