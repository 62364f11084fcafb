// Package amountfmt formats amounts the way Vietnamese users read them:
// "150.000 ₫" for dong (dots between thousands, the sign after a space) and
// "$1,234.56" for US dollars. It is shared by checkout's emails and the fake
// gateways' hosted pages, which must not import checkout.
package amountfmt

import (
	"strconv"
	"strings"
)

// Group puts sep between groups of three digits of a string of decimal
// digits (no sign): Group("1500000", '.') is "1.500.000".
func Group(digits string, sep byte) string {
	if len(digits) <= 3 {
		return digits
	}
	var b strings.Builder
	b.Grow(len(digits) + len(digits)/3)
	first := len(digits) % 3
	if first == 0 {
		first = 3
	}
	b.WriteString(digits[:first])
	for i := first; i < len(digits); i += 3 {
		b.WriteByte(sep)
		b.WriteString(digits[i : i+3])
	}
	return b.String()
}

// VND formats whole dong: VND(150000) is "150.000 ₫", VND(-5000) "-5.000 ₫".
func VND(dong int64) string {
	return sign(dong) + Group(abs(dong), '.') + " ₫"
}

// USD formats cents: USD(123456) is "$1,234.56", USD(-5) "-$0.05".
func USD(cents int64) string {
	d := abs(cents)
	for len(d) < 3 {
		d = "0" + d
	}
	return sign(cents) + "$" + Group(d[:len(d)-2], ',') + "." + d[len(d)-2:]
}

func sign(n int64) string {
	if n < 0 {
		return "-"
	}
	return ""
}

// abs returns the decimal digits of |n|, math.MinInt64 included.
func abs(n int64) string {
	if n < 0 {
		return strconv.FormatUint(uint64(-(n+1))+1, 10)
	}
	return strconv.FormatInt(n, 10)
}
