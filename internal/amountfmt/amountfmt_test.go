package amountfmt

import (
	"math"
	"testing"
)

func TestGroup(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"", ""}, {"0", "0"}, {"999", "999"}, {"1000", "1.000"}, {"15000", "15.000"},
		{"150000", "150.000"}, {"1500000", "1.500.000"}, {"123456789012", "123.456.789.012"},
	} {
		if got := Group(tt.in, '.'); got != tt.want {
			t.Errorf("Group(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestVND(t *testing.T) {
	for _, tt := range []struct {
		in   int64
		want string
	}{
		{0, "0 ₫"}, {5, "5 ₫"}, {1000, "1.000 ₫"}, {150000, "150.000 ₫"}, {-5000, "-5.000 ₫"},
		{math.MaxInt64, "9.223.372.036.854.775.807 ₫"}, {math.MinInt64, "-9.223.372.036.854.775.808 ₫"},
	} {
		if got := VND(tt.in); got != tt.want {
			t.Errorf("VND(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestUSD(t *testing.T) {
	for _, tt := range []struct {
		in   int64
		want string
	}{
		{0, "$0.00"}, {5, "$0.05"}, {99, "$0.99"}, {1205, "$12.05"}, {123456, "$1,234.56"},
		{-5, "-$0.05"}, {-123456, "-$1,234.56"},
	} {
		if got := USD(tt.in); got != tt.want {
			t.Errorf("USD(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
