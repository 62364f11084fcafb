package main

import (
	"strings"
	"testing"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
)

// FuzzParseDong: any text typed in an amount field is refused with an error
// or read as a positive whole number of dong that, formatted back as the
// pages show it, reads the same amount again.
func FuzzParseDong(f *testing.F) {
	for _, s := range []string{"150000", "150.000", "150.000 ₫", "1 500 000 VND", "1.5", "-5", "0", "", "١٢٣", "9999999999999", "1..000", " . "} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := parseDong(s)
		if err != nil {
			if n != 0 {
				t.Fatalf("parseDong(%q) = %d with error %v", s, n, err)
			}
			return
		}
		if n <= 0 {
			t.Fatalf("parseDong(%q) = %d, want a positive amount or an error", s, n)
		}
		shown, err := checkout.FormatAmount(decimal.NewFromInt(n), "VND")
		if err != nil {
			t.Fatal(err)
		}
		if back, err := parseDong(shown); err != nil || back != n {
			t.Fatalf("parseDong(%q) = %d, but its formatting %q reads %d, %v", s, n, shown, back, err)
		}
		if strings.ContainsAny(s, ",-") {
			t.Fatalf("parseDong(%q) = %d: a comma or minus sign must be refused", s, n)
		}
	})
}
