package vivietpay

// Outcome is what a response code means for the payment.
type Outcome int

const (
	// Unknown: the result is not final or not understood (pending, system
	// error, a code this package does not know). Query before acting.
	Unknown Outcome = iota
	// Succeeded: the payer was debited and the merchant credited.
	Succeeded
	// Cancelled: the payer chose to cancel at the gateway.
	Cancelled
	// Failed: the gateway refused the payment; nothing was debited.
	Failed
)

func (o Outcome) String() string {
	switch o {
	case Succeeded:
		return "succeeded"
	case Cancelled:
		return "cancelled"
	case Failed:
		return "failed"
	default:
		return "unknown"
	}
}

// ResponseCode is the gateway's response_code. No public table of Ví Việt's
// codes exists: the codes below are modelled on the seed's step 4 (account
// status, transaction limit, available balance, OTP) and step 6 (result),
// and are what the fake in vivietpaytest answers. A code not in the table has
// the Unknown outcome, so that a new code is never taken for a success.
type ResponseCode string

// Modelled response codes.
const (
	CodeSuccess             ResponseCode = "00" // payment, query or refund succeeded
	CodeCancelled           ResponseCode = "01" // the payer cancelled at the gateway
	CodePending             ResponseCode = "02" // not final yet
	CodeInvalidRequest      ResponseCode = "03" // bad parameters or signature in the request
	CodeAuthFailed          ResponseCode = "04" // wrong wallet account or password
	CodeAccountLocked       ResponseCode = "05" // account locked, closed or not active
	CodeLimitExceeded       ResponseCode = "06" // over the account's transaction limit
	CodeInsufficientBalance ResponseCode = "07" // available balance too low
	CodeWrongOTP            ResponseCode = "08" // OTP wrong too many times
	CodeOTPExpired          ResponseCode = "09" // OTP expired
	CodeSessionExpired      ResponseCode = "10" // payment page timed out
	CodeDuplicateRef        ResponseCode = "11" // merch_txn_ref already used
	CodeNotFound            ResponseCode = "12" // no such transaction (query, refund)
	CodeRefundExceeded      ResponseCode = "13" // refund above the refundable amount
	CodeRefundNotAllowed    ResponseCode = "14" // transaction not refundable (not paid, cancelled)
	CodeSystemError         ResponseCode = "99" // gateway error: outcome unknown
)

// codeInfo is the table of modelled codes: a switch, so that no one can
// change it at run time.
func codeInfo(c ResponseCode) (Outcome, string, bool) {
	switch c {
	case CodeSuccess:
		return Succeeded, "success", true
	case CodeCancelled:
		return Cancelled, "cancelled by the payer", true
	case CodePending:
		return Unknown, "pending", true
	case CodeInvalidRequest:
		return Failed, "invalid request", true
	case CodeAuthFailed:
		return Failed, "wallet account authentication failed", true
	case CodeAccountLocked:
		return Failed, "wallet account locked or not active", true
	case CodeLimitExceeded:
		return Failed, "transaction limit exceeded", true
	case CodeInsufficientBalance:
		return Failed, "insufficient available balance", true
	case CodeWrongOTP:
		return Failed, "wrong otp", true
	case CodeOTPExpired:
		return Failed, "otp expired", true
	case CodeSessionExpired:
		return Failed, "payment session expired", true
	case CodeDuplicateRef:
		return Failed, "duplicate merchant transaction reference", true
	case CodeNotFound:
		return Failed, "transaction not found", true
	case CodeRefundExceeded:
		return Failed, "refund amount exceeds the refundable amount", true
	case CodeRefundNotAllowed:
		return Failed, "transaction cannot be refunded", true
	case CodeSystemError:
		return Unknown, "gateway system error", true
	}
	return Unknown, "", false
}

// Outcome returns what the code means for the payment; Unknown for a code
// not in the table.
func (c ResponseCode) Outcome() Outcome {
	o, _, _ := codeInfo(c)
	return o
}

// Description is a short lowercase English text for the code.
func (c ResponseCode) Description() string {
	if _, d, ok := codeInfo(c); ok {
		return d
	}
	if c == "" {
		return "no response code"
	}
	return "unknown response code"
}
