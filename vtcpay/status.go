package vtcpay

import "strconv"

// Status is a VTC Pay transaction status (the seed's appendix).
type Status int

// Every status of VTC Pay's table.
const (
	StatusInitialized        Status = 0   // transaction being initialised
	StatusSuccess            Status = 1   // SUCCESS
	StatusReview             Status = 7   // REVIEW: payer debited, merchant not yet credited; VTC decides
	StatusFailed             Status = -1  // FAIL
	StatusAdminCancelled     Status = -3  // FAIL: VTC admin cancelled
	StatusAccountIneligible  Status = -4  // FAIL: account locked or not registered for online payment
	StatusInsufficientFunds  Status = -5  // FAIL: balance not sufficient
	StatusGatewayError       Status = -6  // FAIL: error at VTC
	StatusWrongPaymentInfo   Status = -7  // FAIL: wrong account information or OTP
	StatusDailyLimitExceeded Status = -8  // FAIL: daily limit exceeded
	StatusCustomerCancelled  Status = -9  // FAIL: customer cancelled
	StatusDuplicateReference Status = -21 // CHECK: duplicate reference number
	StatusAmountTooSmall     Status = -22 // FAIL: amount too small
	StatusWebsiteNotFound    Status = -23 // CHECK: website ID does not exist
	StatusInvalidCurrency    Status = -24 // FAIL: currency not valid
	StatusReceiverNotFound   Status = -25 // FAIL: receiving account does not exist
	StatusMissingParameters  Status = -28 // FAIL: compulsory parameters missing
	StatusInvalidParameters  Status = -29 // FAIL: request parameter not valid
	StatusUndefined          Status = -99 // CHECK: undefined error; query to know the outcome
)

// Outcome is what a status means for the order.
type Outcome int

const (
	// OutcomeUnknown: the result is not final or not known (statuses 0,
	// -21, -23, -99, and any code not in VTC Pay's table). Query the order
	// status before deciding anything.
	OutcomeUnknown Outcome = iota
	// OutcomeSucceeded: the payment succeeded (status 1).
	OutcomeSucceeded
	// OutcomePendingReview: the payer was debited and VTC Pay reviews the
	// transaction before crediting the merchant (status 7). Wait for the
	// final notification or query later.
	OutcomePendingReview
	// OutcomeFailed: the payment failed or was cancelled; nothing was taken.
	OutcomeFailed
)

func (o Outcome) String() string {
	switch o {
	case OutcomeSucceeded:
		return "succeeded"
	case OutcomePendingReview:
		return "pending review"
	case OutcomeFailed:
		return "failed"
	default:
		return "unknown"
	}
}

type statusInfo struct {
	outcome Outcome
	en, vi  string
}

func (s Status) info() (statusInfo, bool) {
	switch s {
	case StatusInitialized:
		return statusInfo{OutcomeUnknown, "transaction is being initialised", "Giao dịch ở trạng thái khởi tạo"}, true
	case StatusSuccess:
		return statusInfo{OutcomeSucceeded, "successful transaction", "Giao dịch thành công"}, true
	case StatusReview:
		return statusInfo{OutcomePendingReview, "customer debited, merchant not yet credited: VTC Pay reviews the transaction", "Tài khoản của khách hàng đã bị trừ tiền nhưng tài khoản của Merchant chưa được cộng tiền; VTC Pay sẽ duyệt giao dịch"}, true
	case StatusFailed:
		return statusInfo{OutcomeFailed, "failed transaction", "Giao dịch thất bại"}, true
	case StatusAdminCancelled:
		return statusInfo{OutcomeFailed, "VTC Pay admin cancelled the transaction", "Quản trị VTC hủy giao dịch"}, true
	case StatusAccountIneligible:
		return statusInfo{OutcomeFailed, "account not eligible (locked, not registered for online payment)", "Tài khoản không đủ điều kiện giao dịch (đang bị khóa, chưa đăng ký thanh toán online)"}, true
	case StatusInsufficientFunds:
		return statusInfo{OutcomeFailed, "customer balance is not sufficient", "Số dư tài khoản khách hàng không đủ để thanh toán"}, true
	case StatusGatewayError:
		return statusInfo{OutcomeFailed, "transaction error at VTC Pay", "Lỗi giao dịch tại VTC"}, true
	case StatusWrongPaymentInfo:
		return statusInfo{OutcomeFailed, "customer entered wrong payment information (account or OTP)", "Khách hàng nhập sai thông tin thanh toán (tài khoản hoặc OTP)"}, true
	case StatusDailyLimitExceeded:
		return statusInfo{OutcomeFailed, "daily transaction limit exceeded", "Vượt quá hạn mức giao dịch trong ngày"}, true
	case StatusCustomerCancelled:
		return statusInfo{OutcomeFailed, "customer cancelled the transaction", "Khách hàng hủy giao dịch"}, true
	case StatusDuplicateReference:
		return statusInfo{OutcomeUnknown, "duplicate transaction reference: check the final result", "Trùng mã tham chiếu giao dịch: cần kiểm tra kết quả cuối cùng"}, true
	case StatusAmountTooSmall:
		return statusInfo{OutcomeFailed, "order amount is too small", "Số tiền thanh toán đơn hàng quá nhỏ"}, true
	case StatusWebsiteNotFound:
		return statusInfo{OutcomeUnknown, "website ID does not exist", "WebsiteID không tồn tại"}, true
	case StatusInvalidCurrency:
		return statusInfo{OutcomeFailed, "order currency is not valid", "Đơn vị tiền tệ thanh toán không hợp lệ"}, true
	case StatusReceiverNotFound:
		return statusInfo{OutcomeFailed, "merchant's VTC Pay receiving account does not exist", "Tài khoản nhận tiền VTC Pay của Merchant không tồn tại"}, true
	case StatusMissingParameters:
		return statusInfo{OutcomeFailed, "compulsory parameters missing", "Thiếu tham số bắt buộc của đơn hàng thanh toán online"}, true
	case StatusInvalidParameters:
		return statusInfo{OutcomeFailed, "request parameter is not valid", "Tham số request không hợp lệ"}, true
	case StatusUndefined:
		return statusInfo{OutcomeUnknown, "undefined error and transaction status: check whether it succeeded", "Lỗi không xác định: cần kiểm tra giao dịch thành công hay không"}, true
	}
	return statusInfo{OutcomeUnknown, "unknown status", "Trạng thái không xác định"}, false
}

// Known reports whether s is in VTC Pay's table.
func (s Status) Known() bool { _, ok := s.info(); return ok }

// Outcome returns what the status means for the order. A status not in VTC
// Pay's table is OutcomeUnknown.
func (s Status) Outcome() Outcome { i, _ := s.info(); return i.outcome }

// Meaning returns the status's meaning in English.
func (s Status) Meaning() string { i, _ := s.info(); return i.en }

// MeaningVI returns the status's meaning in Vietnamese.
func (s Status) MeaningVI() string { i, _ := s.info(); return i.vi }

// String returns the code and its English meaning, e.g. "1 (successful transaction)".
func (s Status) String() string {
	return strconv.Itoa(int(s)) + " (" + s.Meaning() + ")"
}

// Statuses returns every status of VTC Pay's table, in the table's order.
func Statuses() []Status {
	return []Status{
		StatusInitialized, StatusSuccess, StatusReview, StatusFailed, StatusCustomerCancelled,
		StatusAdminCancelled, StatusAccountIneligible, StatusInsufficientFunds, StatusGatewayError,
		StatusWrongPaymentInfo, StatusDailyLimitExceeded, StatusAmountTooSmall, StatusInvalidCurrency,
		StatusReceiverNotFound, StatusMissingParameters, StatusInvalidParameters,
		StatusDuplicateReference, StatusWebsiteNotFound, StatusUndefined,
	}
}
