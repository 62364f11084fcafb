package main

import (
	"bytes"
	"context"
	"strings"
	"testing"
	"time"
)

func TestRun(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var out bytes.Buffer
	if err := run(ctx, &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	for _, want := range []string{
		"2. signed string: 150000|VND|en|VTCPAY|0963465816|ORDER-2026-0001|https://shop.example/vtcpay/return|123456|REDACTED",
		"4. notification verified: order ORDER-2026-0001, status 1 (successful transaction)",
		"amount 150000 VND matches the order",
		"5. return verified: outcome succeeded",
		"6. order status query: 1 (successful transaction)",
		"7. refunded 50000 VND of ORDER-2026-0001",
		"8. forged notification refused: true",
	} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, out.String())
		}
	}
	if strings.Contains(out.String(), "Thanhtoan2026SecretKey") {
		t.Error("the secret key was printed")
	}
}
