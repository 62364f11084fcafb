package vivietpay

import (
	"strconv"
	"testing"

	"github.com/shopspring/decimal"
)

// checkWireAmount fails unless parseWireAmount accepts exactly the 1 to 18
// ASCII digit strings and reads them as strconv.ParseInt does.
func checkWireAmount(t *testing.T, s string) {
	t.Helper()
	digits := len(s) >= 1 && len(s) <= 18
	for i := 0; i < len(s); i++ {
		digits = digits && s[i] >= '0' && s[i] <= '9'
	}
	got, err := parseWireAmount(s)
	if !digits {
		if err == nil {
			t.Fatalf("parseWireAmount(%q) = %d, want an error", s, got)
		}
		return
	}
	want, perr := strconv.ParseInt(s, 10, 64)
	if err != nil || perr != nil || got != want {
		t.Fatalf("parseWireAmount(%q) = %d, %v; strconv: %d, %v", s, got, err, want, perr)
	}
}

func TestParseWireAmount(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"", "0", "1", "150000", "000150000", "999999999999999999", "1000000000000000000",
		"9223372036854775807", "-1", "+1", "1.0", "1e3", " 1", "1 ", "1,000", "١٢", "12a"} {
		checkWireAmount(t, s)
	}
}

func FuzzParseWireAmount(f *testing.F) {
	for _, s := range []string{"150000", "999999999999999999", "1000000000000000000", "+1", ""} {
		f.Add(s)
	}
	f.Fuzz(checkWireAmount)
}

// Every amount built for Ví Việt is one its results can carry back:
// vndAmount refuses what parseWireAmount could not read.
func TestVNDAmountIsReadBack(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"1", "150000", "999999999999999999", "1000000000000000000", "9223372036854775807", "1e30"} {
		d := decimal.RequireFromString(s)
		n, err := vndAmount(d)
		if err != nil {
			if d.LessThan(decimal.New(1, 18)) {
				t.Errorf("vndAmount(%s): %v", s, err)
			}
			continue
		}
		back, err := parseWireAmount(strconv.FormatInt(n, 10))
		if err != nil || back != n {
			t.Errorf("vndAmount(%s) = %d, read back as %d, %v", s, n, back, err)
		}
	}
}
