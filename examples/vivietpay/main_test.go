package main

import (
	"context"
	"strings"
	"testing"
)

func TestRun(t *testing.T) {
	t.Parallel()
	var out strings.Builder
	if err := run(context.Background(), &out); err != nil {
		t.Fatalf("run: %v\n%s", err, out.String())
	}
	got := out.String()
	for _, want := range []string{
		"[v1] 2. gateway verified the order",
		"[v1] 7. return verified: succeeded, 150000 VND, gateway transaction true",
		"[v1] query agrees: succeeded",
		"[v2] 2. gateway verified the order",
		"[v2] 5-6. otp accepted; result page shows code 00",
		"[v2] 7. return verified: succeeded, 150000 VND, gateway transaction true",
		"[v2] query agrees: succeeded",
		"wallet 0912345678 now holds 700000 VND; merchant collection account 300000 VND",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("output lacks %q:\n%s", want, got)
		}
	}
}
