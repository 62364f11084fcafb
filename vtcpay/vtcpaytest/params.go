package vtcpaytest

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/thanhtoan/thanhtoan/internal/amountfmt"
)

// maxQueryBytes caps the checkout query the fake parses.
const maxQueryBytes = 16 << 10

// checkout is a checkout request that passed every check.
type checkout struct {
	params      url.Values // as received, one value per name
	amount      string     // as received
	minor       int64      // amount in minor units: dong, or cents for USD
	currency    string
	reference   string
	returnURL   string // url_return, or the configured receiving URL
	paymentType string
}

// refusal is a checkout the gateway refuses: the status code of the seed's
// table and why. returnURL is where the payer is sent back with the code; it
// is empty when the request cannot be trusted (its signature did not verify)
// or names no usable return address.
type refusal struct {
	status    int
	reason    string
	returnURL string
	amount    string
	reference string
}

// checkoutRules is what parseCheckout checks a request against.
type checkoutRules struct {
	websiteID       int
	secret          string
	receiverAccount string
	receivingURL    string
	minAmount       int64 // VND
}

// parseCheckout checks a checkout query as the gateway does: the query must
// parse with one value per parameter; the signature and website_id must be
// present, the website known and the signature right (otherwise nothing in
// the request can be trusted and the refusal has no return URL); then the
// compulsory parameters, currency, formats, receiving account and minimum
// amount, each refused with the seed's status code. It never panics.
func parseCheckout(rules checkoutRules, rawQuery string) (*checkout, *refusal) {
	if len(rawQuery) > maxQueryBytes {
		return nil, &refusal{status: StatusInvalidParameter, reason: "the query is too long"}
	}
	q, err := url.ParseQuery(rawQuery)
	if err != nil {
		return nil, &refusal{status: StatusInvalidParameter, reason: "the query is malformed"}
	}
	for k, v := range q {
		if len(v) > 1 {
			return nil, &refusal{status: StatusInvalidParameter, reason: fmt.Sprintf("parameter %q is repeated", clip(k))}
		}
	}
	if q.Get("signature") == "" {
		return nil, &refusal{status: StatusMissingParameter, reason: "signature is missing"}
	}
	wid := q.Get("website_id")
	if wid == "" {
		return nil, &refusal{status: StatusMissingParameter, reason: "website_id is missing"}
	}
	if !digits(wid) || len(wid) > 10 {
		return nil, &refusal{status: StatusInvalidParameter, reason: "website_id is not a number"}
	}
	if n, err := strconv.Atoi(wid); err != nil || n != rules.websiteID {
		return nil, &refusal{status: StatusUnknownWebsite, reason: "website_id does not exist"}
	}
	if !verifyParams(rules.secret, q) {
		return nil, &refusal{status: StatusInvalidParameter, reason: "the signature is not valid"}
	}

	// The request is the merchant's: refusals from here on send the payer
	// back to the merchant with the status, when there is a place to send
	// them.
	ref := &refusal{amount: q.Get("amount"), reference: q.Get("reference_number")}
	returnURL := q.Get("url_return")
	if returnURL == "" {
		returnURL = rules.receivingURL
	}
	if returnURL != "" && !validReturnURL(returnURL) {
		ref.status, ref.reason = StatusInvalidParameter, "url_return is not an absolute http(s) URL"
		return nil, ref
	}
	ref.returnURL = returnURL
	refuse := func(status int, format string, args ...any) (*checkout, *refusal) {
		ref.status, ref.reason = status, fmt.Sprintf(format, args...)
		return nil, ref
	}

	for k := range q {
		if maxLen(k) == 0 {
			return refuse(StatusInvalidParameter, "unknown parameter %q", clip(k))
		}
	}
	for _, k := range []string{"amount", "currency", "reference_number"} {
		if q.Get(k) == "" {
			return refuse(StatusMissingParameter, "%s is missing", k)
		}
	}
	currency := q.Get("currency")
	if currency != "VND" && currency != "USD" {
		return refuse(StatusInvalidCurrency, "currency must be VND or USD")
	}
	for k, v := range q {
		s := v[0]
		if !utf8.ValidString(s) {
			return refuse(StatusInvalidParameter, "%s is not valid UTF-8", k)
		}
		if n := utf8.RuneCountInString(s); n > maxLen(k) {
			return refuse(StatusInvalidParameter, "%s is longer than %d characters", k, maxLen(k))
		}
	}
	amount := q.Get("amount")
	minor, ok := parseAmount(currency, amount)
	if !ok {
		if currency == "VND" {
			return refuse(StatusInvalidParameter, "amount must be a whole number of dong")
		}
		return refuse(StatusInvalidParameter, "amount must have at most 2 decimals")
	}
	if lang := q.Get("language"); lang != "" && lang != "vi" && lang != "en" {
		return refuse(StatusInvalidParameter, "language must be vi or en")
	}
	if pt := q.Get("payment_type"); pt != "" && !validPaymentType(pt) {
		return refuse(StatusInvalidParameter, "payment_type is not a code of the bank table")
	}
	if tt := q.Get("transaction_type"); tt != "" && tt != "sale" {
		return refuse(StatusInvalidParameter, "transaction_type must be sale")
	}
	if c := q.Get("country"); c != "" && !upperLetters(c, 2, 2) {
		return refuse(StatusInvalidParameter, "country is not a country code")
	}
	if s := q.Get("state"); s != "" && !upperLetters(s, 2, 5) {
		return refuse(StatusInvalidParameter, "state is not a state code")
	}
	if ra := q.Get("receiver_account"); ra != "" && ra != rules.receiverAccount {
		return refuse(StatusNoReceiverAccount, "receiver_account does not exist")
	}
	if minor <= 0 || (currency == "VND" && minor < rules.minAmount) {
		return refuse(StatusAmountTooSmall, "amount is too small")
	}
	return &checkout{
		params:      q,
		amount:      amount,
		minor:       minor,
		currency:    currency,
		reference:   q.Get("reference_number"),
		returnURL:   returnURL,
		paymentType: q.Get("payment_type"),
	}, nil
}

// maxLen is the longest value the fake accepts for a checkout parameter, in
// characters, or 0 for a parameter the gateway does not know. The lengths are
// the seed's; those it does not give (amount, customerID, receiver_account,
// transaction_type, url_return) are modelled.
func maxLen(name string) int {
	switch name {
	case "amount":
		return 20
	case "bill_to_address", "bill_to_address_city", "bill_to_email":
		return 100
	case "bill_to_forename", "bill_to_surname", "postcode", "customerID", "receiver_account":
		return 50
	case "bill_to_phone", "reference_number", "payment_type":
		return 30
	case "country", "currency", "state":
		return 5
	case "language":
		return 2
	case "transaction_type":
		return 20
	case "url_return":
		return 2048
	case "website_id":
		return 10
	case "signature":
		return 128
	}
	return 0
}

// parseAmount parses a checkout amount exactly as written: VND a whole
// number, USD a number with at most 2 decimals; no sign, exponent, spaces or
// leading zeros. It returns the amount in minor units (dong, cents).
func parseAmount(currency, s string) (int64, bool) {
	whole, frac, hasDot := strings.Cut(s, ".")
	if !digits(whole) || (len(whole) > 1 && whole[0] == '0') || len(whole) > 15 {
		return 0, false
	}
	n, err := strconv.ParseInt(whole, 10, 64)
	if err != nil {
		return 0, false
	}
	switch currency {
	case "VND":
		if hasDot {
			return 0, false
		}
		return n, true
	case "USD":
		cents := int64(0)
		if hasDot {
			if !digits(frac) || len(frac) > 2 {
				return 0, false
			}
			c, _ := strconv.ParseInt(frac, 10, 64)
			if len(frac) == 1 {
				c *= 10
			}
			cents = c
		}
		return n*100 + cents, true
	}
	return 0, false
}

// formatMinor writes minor units back as an amount of currency: "150000" for
// VND, "12.50" for USD.
func formatMinor(currency string, minor int64) string {
	if currency != "USD" {
		return strconv.FormatInt(minor, 10)
	}
	sign := ""
	if minor < 0 {
		sign, minor = "-", -minor
	}
	return fmt.Sprintf("%s%d.%02d", sign, minor/100, minor%100)
}

// displayAmount formats an amount for the hosted page as Vietnamese users
// read it: "150.000 ₫"; USD as "$12.50".
func displayAmount(currency string, minor int64) string {
	if currency == "USD" {
		return amountfmt.USD(minor)
	}
	return amountfmt.VND(minor)
}

// validPaymentType reports whether pt is a code of the seed's bank table
// (exact case). The fake keeps its own copy of the table so that it does not
// depend on the client package it tests.
func validPaymentType(pt string) bool {
	const codes = " VTCPAY BANKTRANSFERVIRTUAL InternationalCard DomesticBank Vietcombank Techcombank" +
		" MB Vietinbank Agribank DongABank Oceanbank BIDV SHB VIB MaritimeBank Eximbank Master Visa Jcb" +
		" ACB HDBank NamABank SaigonBank Sacombank VietABank VPBank TienPhongBank SeaABank PGBank NCB" +
		" GPBank BACABANK OCB LienVietPostBank ABBANK PVcomBank BVB SCBBank KienLongBank VRB PublicBank" +
		" MoMo ViettelPay ZaloPay VNPAYQR VNPTMoney AppotaPay ShopeePay "
	return pt != "" && !strings.Contains(pt, " ") && strings.Contains(codes, " "+pt+" ")
}

// validReturnURL reports whether s is an absolute http or https URL with a
// host and no fragment.
func validReturnURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Fragment == "" && u.User == nil
}

func digits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

func upperLetters(s string, minLen, maxLen int) bool {
	if len(s) < minLen || len(s) > maxLen {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

// clip shortens outside input quoted in an error page.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "..."
		}
	}
	return "..."
}
