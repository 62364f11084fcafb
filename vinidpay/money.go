package vinidpay

import (
	"bytes"
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// MaxAmount is the largest amount, in dong, the package sends or accepts:
// far above any wallet limit, and well inside int64.
const MaxAmount int64 = 1_000_000_000_000

// CurrencyVND is the currency code of wallet money.
const CurrencyVND = "VND"

// CurrencyPoint is the currency code VinID uses in payment_request_list for
// loyalty points ("OE POINT", as the seed's signature list spells it).
const CurrencyPoint = "OE POINT"

// toDong converts a public VND amount to whole dong. Zero, negative,
// fractional and oversized amounts are refused, never rounded.
func toDong(op, field string, d decimal.Decimal) (int64, error) {
	if d.Sign() <= 0 {
		return 0, fmt.Errorf("vinidpay: %s: %w: %s must be positive, got %s", op, ErrInvalidAmount, field, d.String())
	}
	if !d.Equal(d.Truncate(0)) {
		return 0, fmt.Errorf("vinidpay: %s: %w: %s must be whole dong, got %s", op, ErrInvalidAmount, field, d.String())
	}
	if d.GreaterThan(decimal.NewFromInt(MaxAmount)) {
		return 0, fmt.Errorf("vinidpay: %s: %w: %s above %d", op, ErrInvalidAmount, field, MaxAmount)
	}
	return d.IntPart(), nil
}

func dongString(n int64) string { return strconv.FormatInt(n, 10) }

// amount is a whole, non-negative number of dong (or points) as VinID sends
// it: a JSON integer or a string of digits. Fractions, signs, exponents and
// anything else are refused, so that no float ever carries money.
type amount struct {
	v   int64
	set bool
}

func (a *amount) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if bytes.Equal(b, []byte("null")) {
		*a = amount{}
		return nil
	}
	if len(b) >= 2 && b[0] == '"' && b[len(b)-1] == '"' {
		b = b[1 : len(b)-1]
	}
	n, err := parseDong(string(b))
	if err != nil {
		return err
	}
	*a = amount{v: n, set: true}
	return nil
}

// parseDong parses a string of ASCII digits into dong, refusing anything
// else and anything above MaxAmount.
func parseDong(s string) (int64, error) {
	if s == "" || len(s) > 19 {
		return 0, fmt.Errorf("amount %q is not a whole number of dong", s)
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return 0, fmt.Errorf("amount %q is not a whole number of dong", s)
		}
	}
	n, err := strconv.ParseInt(s, 10, 64)
	if err != nil || n > MaxAmount {
		return 0, fmt.Errorf("amount %q out of range", s)
	}
	return n, nil
}

func (a amount) decimal() decimal.Decimal { return decimal.NewFromInt(a.v) }
