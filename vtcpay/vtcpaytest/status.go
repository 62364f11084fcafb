package vtcpaytest

// Status codes of the seed's table that the fake uses by name.
const (
	StatusSuccess            = 1   // successful transaction
	StatusReview             = 7   // customer debited, merchant not credited yet; VTC decides
	StatusInitial            = 0   // transaction created, not finished
	StatusFailed             = -1  // failed transaction
	StatusCancelled          = -9  // the customer cancelled
	StatusInsufficientFunds  = -5  // the customer's balance is not sufficient
	StatusAmountTooSmall     = -22 // order amount too small
	StatusInvalidCurrency    = -24 // currency not VND or USD
	StatusNoReceiverAccount  = -25 // the merchant's receiving account does not exist
	StatusMissingParameter   = -28 // a compulsory parameter is missing
	StatusInvalidParameter   = -29 // a parameter is not valid
	StatusDuplicateReference = -21 // reference_number already used: check
	StatusUnknownWebsite     = -23 // website_id does not exist: check
	StatusUndefined          = -99 // undefined error: check
)

// Statuses returns every status code of the seed's table: the table's order
// except that 1 and 7 come before 0. The hosted page offers each of them as
// a scenario.
func Statuses() []int {
	return []int{1, 7, 0, -1, -9, -3, -4, -5, -6, -7, -8, -22, -24, -25, -28, -29, -21, -23, -99}
}

// knownStatus reports whether code is in the seed's table.
func knownStatus(code int) bool { return statusLabel(code) != "" }

// statusLabel is the seed's meaning of a status code, in English, or "" for
// a code outside the table.
func statusLabel(code int) string {
	switch code {
	case 0:
		return "Transaction status of initializing"
	case 1:
		return "Successful transaction"
	case 7:
		return "Payment account of customer is deducted but Merchant's account is not credited. Payment admin department of VTC will approve to decide transaction is successful or failed."
	case -1:
		return "Failed transaction"
	case -9:
		return "Customer cancel transaction"
	case -3:
		return "VTC admin cancel transaction"
	case -4:
		return "Account not eligible for transaction (Locked, not registered for online payment ...)"
	case -5:
		return "Customer account balance (VTC Pay ewallet, bank account) is not sufficient to make payment"
	case -6:
		return "Transaction error at VTC"
	case -7:
		return "Customer enter wrong payment information (account information or OTP)"
	case -8:
		return "Exceed day transaction limit"
	case -22:
		return "Order payment value is too small"
	case -24:
		return "Order payment currency is not valid"
	case -25:
		return "Merchant's VTC Pay receiving account does not exist"
	case -28:
		return "Lack of compulsory parameters in one online payment order"
	case -29:
		return "Request parameter is not valid"
	case -21:
		return "Duplicating transaction reference"
	case -23:
		return "WebsiteID does not exist"
	case -99:
		return "Undefined errors and transaction status"
	}
	return ""
}

// statusLabelVI is a short Vietnamese label of a status code for the
// hosted page (the fake's own wording; the seed gives English only), or ""
// for a code outside the table.
func statusLabelVI(code int) string {
	switch code {
	case 0:
		return "Giao dịch đang khởi tạo"
	case 1:
		return "Giao dịch thành công"
	case 7:
		return "Đã trừ tiền khách hàng, chờ VTC duyệt"
	case -1:
		return "Giao dịch thất bại"
	case -9:
		return "Khách hàng hủy giao dịch"
	case -3:
		return "Quản trị VTC hủy giao dịch"
	case -4:
		return "Tài khoản không đủ điều kiện giao dịch"
	case -5:
		return "Số dư tài khoản không đủ"
	case -6:
		return "Lỗi giao dịch tại VTC"
	case -7:
		return "Nhập sai thông tin thanh toán (tài khoản hoặc OTP)"
	case -8:
		return "Vượt hạn mức giao dịch trong ngày"
	case -22:
		return "Số tiền đơn hàng quá nhỏ"
	case -24:
		return "Loại tiền không hợp lệ"
	case -25:
		return "Tài khoản nhận tiền của đơn vị không tồn tại"
	case -28:
		return "Thiếu tham số bắt buộc"
	case -29:
		return "Tham số không hợp lệ"
	case -21:
		return "Trùng mã đơn hàng"
	case -23:
		return "WebsiteID không tồn tại"
	case -99:
		return "Lỗi không xác định"
	}
	return ""
}

// defaultMessage is the message the fake returns with a status, unless an
// option replaced it. Only "Thành công" (success) is from published material
// (GATEWAYS.md's notification example); the others are the seed's English
// meanings, as the real messages are not published.
func defaultMessage(code int) string {
	if code == StatusSuccess {
		return "Thành công"
	}
	return statusLabel(code)
}

// retryable reports whether a reference whose transaction ended with status
// may be used for a new checkout. A failed attempt may be retried; a
// reference that paid, may still pay (0, 7) or whose outcome is unknown
// (-21, -23, -99) is refused with -21, as VTC Pay refuses a duplicate.
func retryable(status int) bool {
	switch status {
	case StatusInitial, StatusSuccess, StatusReview, StatusDuplicateReference, StatusUnknownWebsite, StatusUndefined:
		return false
	}
	return true
}
