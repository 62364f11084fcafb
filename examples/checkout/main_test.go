package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"order order1: completed",
		"refused: short of 70000 VND",
		"held 180000 VND of credit; 70000 VND through the gateway",
		"order order2: completed",
		"payment    70000  balance       0  order2",
		"vtcpay order2-1 70000 VND paid",
		"order order3: completed",
		"order3/invoice gateway 90000 VND",
		"order order4: cancelled (payment failed: -9",
		"email share_link to boss@parent.example (order order5)",
		"link valid until 2026-03-05T09:00:00Z",
		"the link is used up",
		"vtcpay order5-1 200000 VND paid paid by boss@parent.example",
		"order5/invoice on_behalf 200000 VND",
		"order order6: cancelled (provisioning failed: region full)",
		"refund     80000  balance  100000  order6",
		"email refunded to billing@acme.example (order order6)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	if strings.Contains(got, "order4/invoice") || strings.Contains(got, "order6/invoice") {
		t.Error("a failed order was invoiced")
	}
	if n := strings.Count(got, "email order_completed"); n != 4 {
		t.Errorf("%d completed emails, want 4", n)
	}
}
