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
		// VTC Pay
		"held 180000 VND of credit; 70000 VND through the gateway",
		"order order2: completed",
		"payment    70000  balance       0  order2",
		"vtcpay order2-1 70000 VND paid",
		"order order3: completed",
		"order3/invoice gateway 90000 VND",
		"email share_link to boss@parent.example (order order4)",
		"link valid until 2026-03-05T09:00:00Z",
		"vtcpay order4-1 200000 VND paid paid by boss@parent.example",
		"order4/invoice on_behalf 200000 VND",
		"order order5: cancelled (payment failed: -9",
		// Ví Việt
		"held 50000 VND of credit; 80000 VND through the gateway",
		"order order6: completed",
		"vietpay order6-1 80000 VND paid",
		"order6/invoice topup_and_pay 130000 VND",
		"vietpay order7-1 90000 VND paid",
		"order7/invoice gateway 90000 VND",
		"0922222222 logs in and confirms with the OTP",
		"vietpay order8-1 200000 VND paid paid by boss@parent.example",
		"order8/invoice on_behalf 200000 VND",
		"order order9: cancelled (payment failed: 07",
		// VinID Pay
		"vinidpay order10-1 80000 VND paid",
		"order10/invoice topup_and_pay 130000 VND",
		"vinidpay order11-1 90000 VND paid",
		"order11/invoice gateway 90000 VND",
		"VinID sends boss@parent.example an OTP; the payer enters it",
		"vinidpay order12-1 1000000 VND paid paid by boss@parent.example",
		"order12/invoice on_behalf 1000000 VND",
		"order order13: cancelled (payment failed:",
		// Provisioning failure
		"order order14: cancelled (provisioning failed: region full)",
		"refund     80000  balance  100000  order14",
		"email refunded to billing@acme.example (order order14)",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	for _, id := range []string{"order5", "order9", "order13", "order14"} {
		if strings.Contains(got, id+"/invoice") {
			t.Errorf("failed order %s was invoiced", id)
		}
	}
	if n := strings.Count(got, "email order_completed"); n != 10 {
		t.Errorf("%d completed emails, want 10", n)
	}
	if n := strings.Count(got, "the link is used up"); n != 3 {
		t.Errorf("%d used links, want 3", n)
	}
	if n := strings.Count(got, "VinID's notification: 200"); n != 3 {
		t.Errorf("%d VinID notifications accepted, want 3", n)
	}
	// Histories are printed after every step.
	if n := strings.Count(got, "  Billing History:"); n != 15 {
		t.Errorf("histories printed %d times, want 15 (after each step)", n)
	}
}
