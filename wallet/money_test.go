package wallet

import (
	"errors"
	"testing"

	"github.com/shopspring/decimal"
)

func TestToMinor(t *testing.T) {
	for _, tc := range []struct {
		in   string
		cur  Currency
		want int64
		err  error
	}{
		{"1", VND, 1, nil},
		{"150000", VND, 150000, nil},
		{"1.000", VND, 1, nil},
		{"1e3", VND, 1000, nil},
		{"12.34", USD, 1234, nil},
		{"12.3", USD, 1230, nil},
		{"12.340000000000000000000000", USD, 1234, nil},
		{"9223372036854775807", VND, 9223372036854775807, nil},
		{"92233720368547758.07", USD, 9223372036854775807, nil},
		{"9223372036854775808", VND, 0, ErrAmountOverflow},
		{"92233720368547758.08", USD, 0, ErrAmountOverflow},
		{"1e19", VND, 0, ErrAmountOverflow},
		{"1e400", VND, 0, ErrAmountOverflow},
		{"0", VND, 0, ErrZeroAmount},
		{"0.00", USD, 0, ErrZeroAmount},
		{"-1", VND, 0, ErrNegativeAmount},
		{"0.5", VND, 0, ErrInexactAmount},
		{"12.345", USD, 0, ErrInexactAmount},
		{"1e-30", USD, 0, ErrInexactAmount},
		{"100000000000000000000.5", VND, 0, ErrInexactAmount},
		{"1", "EUR", 0, ErrUnknownCurrency},
	} {
		got, err := tc.cur.ToMinor(decimal.RequireFromString(tc.in))
		if got != tc.want || !errors.Is(err, tc.err) || (tc.err == nil) != (err == nil) {
			t.Errorf("%s %s: ToMinor = %d, %v; want %d, %v", tc.in, tc.cur, got, err, tc.want, tc.err)
		}
		if tc.err == nil {
			if back := tc.cur.FromMinor(got); !back.Equal(decimal.RequireFromString(tc.in)) {
				t.Errorf("%s %s: FromMinor(%d) = %s", tc.in, tc.cur, got, back)
			}
		} else if errors.Is(tc.err, ErrInvalidAmount) {
			var ae *AmountError
			if !errors.As(err, &ae) || ae.Currency != tc.cur {
				t.Errorf("%s: error %v is not an *AmountError", tc.in, err)
			}
		}
	}
}

func TestErrorText(t *testing.T) {
	err := &TransferError{Index: 1, ID: "o/1", Err: &InsufficientFundsError{Account: "w", Currency: VND,
		Available: decimal.NewFromInt(5), Requested: decimal.NewFromInt(8)}}
	want := `wallet: transfer "o/1" (index 1): insufficient funds in account "w": available 5 VND, requested 8, short 3`
	if err.Error() != want {
		t.Fatalf("got  %q\nwant %q", err.Error(), want)
	}
	if !errors.Is(err, ErrInsufficientFunds) {
		t.Fatal("errors.Is through TransferError and InsufficientFundsError")
	}
}
