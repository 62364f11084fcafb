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
		"customer wallet: 3000000 VND",
		"QR code 256x256 PNG",
		"link callback: alice@example.com linked, phone *******678",
		"link status: linked=true phone=*******678",
		"2. pay 150000 VND (below X): succeeded, verification bypass",
		"payment callback: INV-1001 SUCCESS, amount confirmed by query: 150000 VND",
		"payment callback: INV-1002 SUCCESS, amount confirmed by query: 1200000 VND",
		"order INV-1001: succeeded, 150000 VND",
		"3. pay 1200000 VND (X or more): pending otp, verification otp",
		"wrong OTP refused: code 4220002",
		"right OTP: succeeded",
		"4. pay 400000 VND with holding: held, held by VinID 400000 VND",
		"order confirmed: succeeded, held 0 VND",
		"payment callback: INV-1003 SUCCESS, amount confirmed by query: 400000 VND",
		"5. refund 50000 VND of INV-1001: succeeded",
		"6. unlinked; paying with the old token: refused=true",
		// 3,000,000 - 150,000 - 1,200,000 - 400,000 + 50,000
		"customer wallet: 1300000 VND, merchant paid: 1700000 VND",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
	if strings.Contains(got, "callback refused") || strings.Contains(got, "not confirmed") {
		t.Errorf("a callback was refused:\n%s", got)
	}
}
