package wallet

import (
	"fmt"
	"math"
	"math/big"

	"github.com/shopspring/decimal"
)

// Currency is an ISO 4217 code. The ledger knows the scale (number of
// decimal places of the minor unit) of the currencies listed in [Currency.Scale].
type Currency string

// Currencies the ledger accepts.
const (
	// VND is the Vietnamese dong, kept in whole dong (scale 0).
	VND Currency = "VND"
	// USD is the US dollar, kept in cents (scale 2).
	USD Currency = "USD"
)

// Scale returns the number of decimal places of c's minor unit, or an error
// wrapping [ErrUnknownCurrency].
func (c Currency) Scale() (int32, error) {
	switch c {
	case VND:
		return 0, nil
	case USD:
		return 2, nil
	}
	return 0, fmt.Errorf("%w %q", ErrUnknownCurrency, string(c))
}

// ToMinor converts a positive amount to integer minor units of c (dong for
// VND, cents for USD). It never rounds: an amount that is zero, negative, not
// exact at c's scale, or too large for an int64 is refused with an
// [*AmountError] wrapping [ErrZeroAmount], [ErrNegativeAmount],
// [ErrInexactAmount] or [ErrAmountOverflow].
func (c Currency) ToMinor(amount decimal.Decimal) (int64, error) {
	scale, err := c.Scale()
	if err != nil {
		return 0, err
	}
	switch amount.Sign() {
	case 0:
		return 0, &AmountError{Amount: amount, Currency: c, Err: ErrZeroAmount}
	case -1:
		return 0, &AmountError{Amount: amount, Currency: c, Err: ErrNegativeAmount}
	}
	pow10 := [...]int64{1, 10, 100, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10,
		1e11, 1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18}
	shift := int64(amount.Exponent()) + int64(scale) // units = coef * 10^shift
	if amount.NumDigits() <= 18 {                    // fast path: the coefficient fits an int64
		coef := amount.CoefficientInt64()
		switch {
		case shift >= 0:
			if shift > 18 || coef > math.MaxInt64/pow10[shift] {
				return 0, &AmountError{Amount: amount, Currency: c, Err: ErrAmountOverflow}
			}
			return coef * pow10[shift], nil
		case shift < -18 || coef%pow10[-shift] != 0:
			return 0, &AmountError{Amount: amount, Currency: c, Err: ErrInexactAmount}
		default:
			return coef / pow10[-shift], nil
		}
	}
	// Slow path in big.Int for long coefficients.
	coef := amount.Coefficient()
	if shift >= 0 {
		if shift > 40 {
			return 0, &AmountError{Amount: amount, Currency: c, Err: ErrAmountOverflow}
		}
		coef.Mul(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(shift), nil))
	} else {
		if shift < -400 {
			return 0, &AmountError{Amount: amount, Currency: c, Err: ErrInexactAmount}
		}
		var rem big.Int
		coef.QuoRem(coef, new(big.Int).Exp(big.NewInt(10), big.NewInt(-shift), nil), &rem)
		if rem.Sign() != 0 {
			return 0, &AmountError{Amount: amount, Currency: c, Err: ErrInexactAmount}
		}
	}
	if !coef.IsInt64() {
		return 0, &AmountError{Amount: amount, Currency: c, Err: ErrAmountOverflow}
	}
	return coef.Int64(), nil
}

// FromMinor converts integer minor units of c back to a decimal amount. It
// returns units unchanged (scale 0) for a currency it does not know.
func (c Currency) FromMinor(units int64) decimal.Decimal {
	scale, _ := c.Scale()
	return decimal.New(units, -scale)
}
