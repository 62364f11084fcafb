package vtcpay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"

	"github.com/thanhtoan/thanhtoan/signing"
)

const mockBase = "https://vtc.test/gw"

func mockClient(t *testing.T, opts ...Option) (*Client, *httpmock.MockTransport) {
	t.Helper()
	mt := httpmock.NewMockTransport()
	opts = append([]Option{WithBaseURL(mockBase), WithHTTPClient(&http.Client{Transport: mt})}, opts...)
	return newTestClient(t, opts...), mt
}

func fixture(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// captureJSON responds with body and records the decoded request.
func captureJSON(t *testing.T, got *map[string]any, status int, body string) httpmock.Responder {
	return func(r *http.Request) (*http.Response, error) {
		if ct := r.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("content type %q", ct)
		}
		b, _ := io.ReadAll(r.Body)
		*got = map[string]any{}
		if err := json.Unmarshal(b, got); err != nil {
			t.Errorf("request is not json: %s", b)
		}
		return httpmock.NewStringResponse(status, body), nil
	}
}

func TestQueryOrderStatusRequestAndKnownShape(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var req map[string]any
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/VTCPayGetOrderStatus",
		captureJSON(t, &req, 200, fixture(t, "orderstatus-known-shape.json")))
	resp, err := c.QueryOrderStatus(context.Background(), OrderStatusRequest{ReferenceNumbers: []string{"ORDER-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Orders) != 1 || resp.Orders[0].Status != StatusSuccess {
		t.Fatalf("orders = %+v", resp.Orders)
	}
	// The request: field spellings as VTC Pay expects them, and the sign made by openssl.
	want := map[string]any{
		"merchantType": "WEBSITE", "intergratedID": 123456, "revceiverAccount": testReceiver,
		"sign":                  vectors(t)["api-sign"].digest,
		"listMerchantOrderCode": []any{map[string]any{"orderCode": "ORDER-1"}},
	}
	gotJSON, _ := json.Marshal(req)
	wantJSON, _ := json.Marshal(want)
	if string(gotJSON) != string(wantJSON) {
		t.Fatalf("request\n got %s\nwant %s", gotJSON, wantJSON)
	}
}

// The only answer shape public integrations show, {"ListOrderStatus":
// [{"Status":<int>}]} (GATEWAYS.md), names no order: asked about one order,
// its one line is that order's status. OrderStatus must not report such a
// paid order as unknown to VTC Pay (checkout's sweeper would fail it).
func TestOrderStatusKnownShapeWithoutOrderCode(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/VTCPayGetOrderStatus",
		httpmock.NewStringResponder(200, fixture(t, "orderstatus-known-shape.json")))
	st, err := c.OrderStatus(context.Background(), "ORDER-1")
	if err != nil {
		t.Fatalf("OrderStatus over the known answer shape: %v", err)
	}
	if st.ReferenceNumber != "ORDER-1" || st.Status != StatusSuccess {
		t.Fatalf("status = %+v", st)
	}
	resp, err := c.QueryOrderStatus(context.Background(), OrderStatusRequest{ReferenceNumbers: []string{"ORDER-1"}})
	if err != nil {
		t.Fatal(err)
	}
	if o, ok := resp.Find("ORDER-1"); !ok || o.Status != StatusSuccess {
		t.Fatalf("Find(ORDER-1) = %+v, %v", o, ok)
	}
}

// Asked about several orders, a line that names none cannot be told apart:
// the answer is unreadable, not a list of unknown orders.
func TestQueryOrderStatusSeveralOrdersLineWithoutOrderCode(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/VTCPayGetOrderStatus",
		httpmock.NewStringResponder(200, fixture(t, "orderstatus-known-shape.json")))
	_, err := c.QueryOrderStatus(context.Background(), OrderStatusRequest{ReferenceNumbers: []string{"ORDER-1", "ORDER-2"}})
	if !errors.Is(err, ErrMalformed) {
		t.Fatalf("err = %v, want ErrMalformed", err)
	}
}

func TestOrderStatusNotFound(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/VTCPayGetOrderStatus",
		httpmock.NewStringResponder(200, fixture(t, "orderstatus-unknown-order.json")))
	if _, err := c.OrderStatus(context.Background(), "ORDER-9"); !errors.Is(err, ErrOrderNotFound) {
		t.Fatalf("err = %v", err)
	}
}

func TestMerchantAPIErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		status int
		body   string
		want   error
		code   int
	}{
		{"bad sign", 200, `{"ResponseCode":-2,"Description":"invalid sign"}`, ErrAPI, -2},
		{"http 400", 400, "bad request", ErrAPI, 0},
		{"not json", 200, "<html>", ErrMalformed, 0},
		{"no status", 200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1"}]}`, ErrMalformed, 0},
		{"float amount", 200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1,"Amount":1.5e5}]}`, ErrMalformed, 0},
		{"string status", 200, `{"ListOrderStatus":[{"Status":"1"}]}`, ErrMalformed, 0},
		{"oversized", 200, `{"ListOrderStatus":[` + strings.Repeat(" ", 2<<20) + `]}`, ErrMalformed, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, mt := mockClient(t, WithQueryRetries(0))
			mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/VTCPayGetOrderStatus", httpmock.NewStringResponder(tt.status, tt.body))
			_, err := c.OrderStatus(context.Background(), "ORDER-1")
			if !errors.Is(err, tt.want) {
				t.Fatalf("err = %v, want %v", err, tt.want)
			}
			var ae *APIError
			if errors.As(err, &ae) && (ae.Code != tt.code || ae.HTTPStatus != tt.status) {
				t.Fatalf("APIError = %+v", ae)
			}
		})
	}
}

func TestMerchantAPINeedsCredentials(t *testing.T) {
	t.Parallel()
	cfg := testConfig()
	cfg.KeySign = signing.Secret{}
	c, err := New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.OrderStatus(context.Background(), "A"); !errors.Is(err, ErrInvalidConfig) {
		t.Fatalf("err = %v", err)
	}
}

// Queries are retried after 5xx; refunds are sent exactly once.
func TestRetryPolicy(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, WithQueryRetries(2))
	var queries, refunds atomic.Int32
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/VTCPayGetOrderStatus", func(*http.Request) (*http.Response, error) {
		if queries.Add(1) == 1 {
			return httpmock.NewStringResponse(503, "busy"), nil
		}
		return httpmock.NewStringResponse(200, `{"ListOrderStatus":[{"OrderCode":"ORDER-1","Status":1}]}`), nil
	})
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/RefundMoneyVTC", func(*http.Request) (*http.Response, error) {
		refunds.Add(1)
		return httpmock.NewStringResponse(503, "busy"), nil
	})
	if _, err := c.OrderStatus(context.Background(), "ORDER-1"); err != nil {
		t.Fatalf("query after one 503: %v", err)
	}
	if n := queries.Load(); n != 2 {
		t.Fatalf("query sent %d times, want 2", n)
	}
	_, err := c.Refund(context.Background(), RefundRequest{ReferenceNumber: "ORDER-1", Amount: dec("50000")})
	var ae *APIError
	if !errors.As(err, &ae) || ae.HTTPStatus != 503 {
		t.Fatalf("refund err = %v", err)
	}
	if n := refunds.Load(); n != 1 {
		t.Fatalf("refund sent %d times, want exactly 1", n)
	}
	// A network error on a refund is not retried either.
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/RefundMoneyVTC", func(*http.Request) (*http.Response, error) {
		refunds.Add(1)
		return nil, errors.New("connection reset")
	})
	if _, err := c.Refund(context.Background(), RefundRequest{ReferenceNumber: "ORDER-1", Amount: dec("50000")}); err == nil {
		t.Fatal("refund over a broken connection reported success")
	}
	if n := refunds.Load(); n != 2 {
		t.Fatalf("refund sent %d times in all, want 2", n)
	}
}

func TestQueryRetryStopsOnCancel(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, WithQueryRetries(10))
	var calls atomic.Int32
	ctx, cancel := context.WithCancel(context.Background())
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/VTCPayGetOrderStatus", func(*http.Request) (*http.Response, error) {
		calls.Add(1)
		cancel()
		return httpmock.NewStringResponse(500, "down"), nil
	})
	_, err := c.OrderStatus(ctx, "ORDER-1")
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
	if n := calls.Load(); n != 1 {
		t.Fatalf("%d calls after cancel, want 1", n)
	}
}

func TestRefund(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var req map[string]any
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/RefundMoneyVTC",
		captureJSON(t, &req, 200, `{"ResponseCode":1,"Description":"success","ListRefund":[{"OrderCode":"ORDER-1","RefundAmount":50000,"Status":1,"Message":"ok"}]}`))
	resp, err := c.Refund(context.Background(), RefundRequest{ReferenceNumber: "ORDER-1", Amount: dec("50000")})
	if err != nil {
		t.Fatal(err)
	}
	if resp.Status != 1 || !resp.Amount.Equal(dec("50000")) {
		t.Fatalf("resp = %+v", resp)
	}
	items, _ := req["listMerchantOrderCode"].([]any)
	if len(items) != 1 {
		t.Fatalf("request = %v", req)
	}
	item := items[0].(map[string]any)
	// refundAmount is a JSON number, not a string or a float with a fraction.
	if n, ok := item["refundAmount"].(float64); !ok || n != 50000 || item["orderCode"] != "ORDER-1" {
		t.Fatalf("refund item = %#v", item)
	}
	if req["sign"] != vectors(t)["api-sign"].digest {
		t.Fatalf("sign = %v", req["sign"])
	}

	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/RefundMoneyVTC", httpmock.NewStringResponder(200, fixture(t, "refund-refused.json")))
	_, err = c.Refund(context.Background(), RefundRequest{ReferenceNumber: "ORDER-1", Amount: dec("50000")})
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != -2 {
		t.Fatalf("refused refund: %v", err)
	}
	for name, r := range map[string]RefundRequest{
		"zero":       {ReferenceNumber: "ORDER-1"},
		"fractional": {ReferenceNumber: "ORDER-1", Amount: dec("1.5")},
		"bad ref":    {ReferenceNumber: "A|B", Amount: dec("1")},
	} {
		if _, err := c.Refund(context.Background(), r); !errors.Is(err, ErrInvalidRequest) {
			t.Errorf("%s: err = %v", name, err)
		}
	}
}

func TestSaleHistory(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	var req map[string]any
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/MerchantSaleHistoryGetList",
		captureJSON(t, &req, 200, `{"ResponseCode":1,"ListSaleHistory":[{"OrderCode":"ORDER-1","TransactionID":990001,"Amount":150000,"Status":1,"PaymentType":"VTCPay","CreatedDate":"2026-11-23T10:00:00+07:00"}]}`))
	ict := time.FixedZone("ICT", 7*3600)
	// 2026-10-31 18:00 UTC is already 2026-11-01 in Vietnam.
	from := time.Date(2026, 10, 31, 18, 0, 0, 0, time.UTC)
	to := time.Date(2026, 11, 23, 12, 0, 0, 0, ict)
	resp, err := c.SaleHistory(context.Background(), SaleHistoryRequest{From: from, To: to})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Sales) != 1 || resp.Sales[0].TransactionID != "990001" || !resp.Sales[0].Amount.Equal(dec("150000")) || resp.Sales[0].Status != StatusSuccess {
		t.Fatalf("sales = %+v", resp.Sales)
	}
	if req["fromDate"] != "2026-11-01" || req["toDate"] != "2026-11-23" || req["sign"] != vectors(t)["api-sign-history"].digest {
		t.Fatalf("request = %v", req)
	}
	if _, err := c.SaleHistory(context.Background(), SaleHistoryRequest{From: to, To: from}); !errors.Is(err, ErrInvalidRequest) {
		t.Fatalf("reversed dates: %v", err)
	}
}
