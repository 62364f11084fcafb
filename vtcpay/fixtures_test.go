package vtcpay

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"reflect"
	"testing"
	"time"

	"github.com/jarcoal/httpmock"
)

// The fixtures recorded from the fake (testdata/fake-*, see README-fake.md)
// replayed through the client: callbacks parsed as they were sent, and the
// merchant APIs through an injected transport that also checks each request
// the client sends equals the recorded one.

func TestReplayFakeCallbacks(t *testing.T) {
	t.Parallel()
	c := newTestClient(t)
	query := func(name string) url.Values {
		q, err := url.ParseQuery(fixture(t, name))
		if err != nil {
			t.Fatal(err)
		}
		return q
	}
	tests := []struct {
		file    string
		ipn     bool
		ref     string
		status  Status
		outcome Outcome
		amount  string
	}{
		{"fake-return.query", false, "ORDER-1", StatusSuccess, OutcomeSucceeded, "150000"},
		{"fake-ipn.form", true, "ORDER-1", StatusSuccess, OutcomeSucceeded, "150000"},
		{"fake-return-cancel.query", false, "ORDER-2", StatusCustomerCancelled, OutcomeFailed, "150000"},
		{"fake-ipn-cancel.form", true, "ORDER-2", StatusCustomerCancelled, OutcomeFailed, "150000"},
		{"fake-ipn-review.form", true, "ORDER-3", StatusReview, OutcomePendingReview, "20000"},
		{"fake-return-refused.query", false, "ORDER-4", StatusInvalidCurrency, OutcomeFailed, "150000"},
	}
	for _, tt := range tests {
		t.Run(tt.file, func(t *testing.T) {
			var res *Result
			var err error
			if tt.ipn {
				res, err = c.ParseIPN(query(tt.file))
			} else {
				res, err = c.ParseReturn(query(tt.file))
			}
			if err != nil {
				t.Fatal(err)
			}
			if res.ReferenceNumber != tt.ref || res.Status != tt.status || res.Outcome() != tt.outcome || res.CheckAmount(dec(tt.amount)) != nil {
				t.Fatalf("result = %+v", res)
			}
		})
	}
	if _, err := c.ParseIPN(query("fake-ipn-pipe.form")); !errors.Is(err, ErrMalformed) {
		t.Fatalf("notification with '|' in its message: %v", err)
	}
}

// replay answers path with the recorded response after checking the request
// body equals the recorded request (as JSON values).
func replay(t *testing.T, mt *httpmock.MockTransport, path, reqFile, respFile string) {
	t.Helper()
	var want any
	if err := json.Unmarshal([]byte(fixture(t, reqFile)), &want); err != nil {
		t.Fatal(err)
	}
	resp := fixture(t, respFile)
	mt.RegisterResponder(http.MethodPost, mockBase+path, func(r *http.Request) (*http.Response, error) {
		b, _ := io.ReadAll(r.Body)
		var got any
		if err := json.Unmarshal(b, &got); err != nil || !reflect.DeepEqual(got, want) {
			t.Errorf("request to %s:\n got %s\nwant %s", path, b, fixture(t, reqFile))
		}
		return httpmock.NewStringResponse(200, resp), nil
	})
}

func TestReplayFakeOrderStatus(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	replay(t, mt, "/api/AccountApi/VTCPayGetOrderStatus", "fake-orderstatus-request.json", "fake-orderstatus-response.json")
	resp, err := c.QueryOrderStatus(context.Background(), OrderStatusRequest{ReferenceNumbers: []string{"ORDER-1", "ORDER-3", "NOPE"}})
	if err != nil {
		t.Fatal(err)
	}
	o1, ok1 := resp.Find("ORDER-1")
	o3, ok3 := resp.Find("ORDER-3")
	_, okNope := resp.Find("NOPE")
	if !ok1 || !ok3 || okNope || o1.Status != StatusSuccess || !o1.Amount.Equal(dec("150000")) || o1.TransactionID != "100001" || o3.Status.Outcome() != OutcomePendingReview {
		t.Fatalf("orders = %+v", resp.Orders)
	}
}

func TestReplayFakeRefunds(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	replay(t, mt, "/api/AccountApi/RefundMoneyVTC", "fake-refund-request.json", "fake-refund-response.json")
	resp, err := c.Refund(context.Background(), RefundRequest{ReferenceNumber: "ORDER-1", Amount: dec("50000")})
	if err != nil || resp.Status != 1 || !resp.Amount.Equal(dec("50000")) {
		t.Fatalf("refund = %+v, %v", resp, err)
	}
	// The rejected refunds: the per-order status is the error code.
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/RefundMoneyVTC", httpmock.NewStringResponder(200, fixture(t, "fake-refund-rejected-response.json")))
	for ref, code := range map[string]int{"ORDER-1": -2, "ORDER-2": -1, "NOPE": -1} {
		_, err := c.Refund(context.Background(), RefundRequest{ReferenceNumber: ref, Amount: dec("1000")})
		var ae *APIError
		if !errors.As(err, &ae) || ae.Code != code {
			t.Errorf("refund %s: %v, want code %d", ref, err, code)
		}
	}
}

func TestReplayFakeSaleHistory(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t)
	replay(t, mt, "/api/AccountApi/MerchantSaleHistoryGetList", "fake-salehistory-request.json", "fake-salehistory-response.json")
	day := time.Date(2026, 11, 23, 10, 0, 0, 0, time.FixedZone("ICT", 7*3600))
	resp, err := c.SaleHistory(context.Background(), SaleHistoryRequest{From: day, To: day})
	if err != nil {
		t.Fatal(err)
	}
	if len(resp.Sales) != 3 || resp.Sales[1].Status != StatusCustomerCancelled || !resp.Sales[2].Amount.Equal(dec("20000")) {
		t.Fatalf("sales = %+v", resp.Sales)
	}
}

func TestReplayFakeInvalidSign(t *testing.T) {
	t.Parallel()
	c, mt := mockClient(t, WithQueryRetries(0))
	mt.RegisterResponder(http.MethodPost, mockBase+"/api/AccountApi/VTCPayGetOrderStatus", httpmock.NewStringResponder(200, fixture(t, "fake-invalid-sign-response.json")))
	_, err := c.OrderStatus(context.Background(), "ORDER-1")
	var ae *APIError
	if !errors.As(err, &ae) || ae.Code != -2 {
		t.Fatalf("err = %v", err)
	}
}
