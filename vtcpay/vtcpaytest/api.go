package vtcpaytest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"
)

// Response codes of the merchant APIs. Only the request shapes and the
// ListOrderStatus[].Status field are known from real integrations; these
// codes and the rest of the responses are modelled (see the package doc).
const (
	APISuccess          = 1   // the request was processed
	APIInvalidSign      = -2  // sign does not verify
	APIUnknownWebsite   = -23 // intergratedID is not the merchant's website
	APINoReceiver       = -25 // revceiverAccount is not the merchant's account
	APIInvalidParameter = -29 // malformed JSON or an invalid field
)

// Per-order statuses of a refund (modelled).
const (
	RefundDone          = 1   // refunded
	RefundNotRefundable = -1  // no such order, or it did not succeed
	RefundTooMuch       = -2  // more than what is left to refund
	RefundInvalidAmount = -29 // the amount is not a positive amount of the order's currency
)

// maxOrderCodes caps the orders of one request.
const maxOrderCodes = 100

// ict is Vietnam's time zone (UTC+7, no daylight saving), in which the sales
// history's dates are read.
func ict() *time.Location { return time.FixedZone("ICT", 7*3600) }

// flexString takes a JSON string or number (kept as written) or null.
type flexString string

func (f *flexString) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	switch {
	case bytes.Equal(b, []byte("null")):
		*f = ""
		return nil
	case len(b) > 0 && b[0] == '"':
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*f = flexString(s)
		return nil
	case len(b) > 0 && (b[0] == '-' || (b[0] >= '0' && b[0] <= '9')):
		var n json.Number
		if err := json.Unmarshal(b, &n); err != nil {
			return err
		}
		*f = flexString(n.String())
		return nil
	}
	return errors.New("want a string or a number")
}

// apiRequest is the body of the three merchant APIs (the misspelled names are
// the gateway's).
type apiRequest struct {
	MerchantType    string      `json:"merchantType"`
	IntegratedID    flexString  `json:"intergratedID"`
	ReceiverAccount flexString  `json:"revceiverAccount"`
	Sign            string      `json:"sign"`
	FromDate        string      `json:"fromDate"`
	ToDate          string      `json:"toDate"`
	Orders          []orderItem `json:"listMerchantOrderCode"`
}

type orderItem struct {
	OrderCode    flexString `json:"orderCode"`
	RefundAmount flexString `json:"refundAmount"`
}

type apiError struct {
	ResponseCode int    `json:"ResponseCode"`
	Description  string `json:"Description"`
}

type orderStatusResponse struct {
	ResponseCode    int           `json:"ResponseCode"`
	Description     string        `json:"Description"`
	ListOrderStatus []orderStatus `json:"ListOrderStatus"`
}

type orderStatus struct {
	OrderCode     string      `json:"OrderCode"`
	Status        int         `json:"Status"`
	Amount        json.Number `json:"Amount"`
	Currency      string      `json:"Currency"`
	TransactionID json.Number `json:"TransactionID"`
	PaymentType   string      `json:"PaymentType"`
	Message       string      `json:"Message"`
}

// knownOrderStatusResponse is the only shape of the order status answer
// that public integrations show (WithKnownOrderStatusShape).
type knownOrderStatusResponse struct {
	ListOrderStatus []knownOrderStatus `json:"ListOrderStatus"`
}

type knownOrderStatus struct {
	Status int `json:"Status"`
}

type saleHistoryResponse struct {
	ResponseCode    int           `json:"ResponseCode"`
	Description     string        `json:"Description"`
	ListSaleHistory []saleHistory `json:"ListSaleHistory"`
}

type saleHistory struct {
	OrderCode     string      `json:"OrderCode"`
	TransactionID json.Number `json:"TransactionID"`
	Amount        json.Number `json:"Amount"`
	Currency      string      `json:"Currency"`
	Status        int         `json:"Status"`
	PaymentType   string      `json:"PaymentType"`
	CreatedDate   string      `json:"CreatedDate"`
}

type refundResponse struct {
	ResponseCode int            `json:"ResponseCode"`
	Description  string         `json:"Description"`
	ListRefund   []refundResult `json:"ListRefund"`
}

type refundResult struct {
	OrderCode    string      `json:"OrderCode"`
	RefundAmount json.Number `json:"RefundAmount"`
	Status       int         `json:"Status"`
	Message      string      `json:"Message"`
}

// handleAPI serves POST api/AccountApi/{op}.
func (s *Server) handleAPI(w http.ResponseWriter, r *http.Request) {
	op := r.PathValue("op")
	switch op {
	case EndpointOrderStatus, EndpointSaleHistory, EndpointRefund:
	default:
		http.NotFound(w, r)
		return
	}
	s.count(op)
	if r.Method != http.MethodPost {
		w.Header().Set("Allow", http.MethodPost)
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
		return
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxAPIBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			writeJSON(w, http.StatusRequestEntityTooLarge, apiError{APIInvalidParameter, "request body too large"})
			return
		}
		writeJSON(w, http.StatusBadRequest, apiError{APIInvalidParameter, "request body could not be read"})
		return
	}
	var req apiRequest
	if err := decodeStrict(body, &req); err != nil {
		writeJSON(w, http.StatusOK, apiError{APIInvalidParameter, "malformed request"})
		return
	}
	var extra []string
	if op == EndpointSaleHistory {
		extra = []string{req.FromDate, req.ToDate}
	}
	if !verifyAPISign(req.Sign, s.cfg.KeySign.Reveal(), s.cfg.SecretKey.Reveal(),
		string(req.ReceiverAccount), string(req.IntegratedID), req.MerchantType, extra...) {
		writeJSON(w, http.StatusOK, apiError{APIInvalidSign, "invalid sign"})
		return
	}
	switch {
	case req.MerchantType != "WEBSITE":
		writeJSON(w, http.StatusOK, apiError{APIInvalidParameter, "merchantType must be WEBSITE"})
		return
	case string(req.IntegratedID) != strconv.Itoa(s.cfg.WebsiteID):
		writeJSON(w, http.StatusOK, apiError{APIUnknownWebsite, "intergratedID does not exist"})
		return
	case string(req.ReceiverAccount) != s.cfg.ReceiverAccount:
		writeJSON(w, http.StatusOK, apiError{APINoReceiver, "revceiverAccount does not exist"})
		return
	}
	switch op {
	case EndpointOrderStatus:
		s.orderStatus(w, &req)
	case EndpointSaleHistory:
		s.saleHistory(w, &req)
	case EndpointRefund:
		s.refund(w, &req)
	}
}

// decodeStrict decodes one JSON object, numbers as json.Number, and refuses
// trailing data.
func decodeStrict(body []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	if err := dec.Decode(v); err != nil {
		return err
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data")
	}
	return nil
}

func writeJSON(w http.ResponseWriter, code int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		http.Error(w, "vtcpaytest: response could not be encoded", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(code)
	_, _ = w.Write(b)
}

func (s *Server) orderStatus(w http.ResponseWriter, req *apiRequest) {
	if len(req.Orders) == 0 || len(req.Orders) > maxOrderCodes {
		writeJSON(w, http.StatusOK, apiError{APIInvalidParameter, "listMerchantOrderCode must hold 1 to 100 orders"})
		return
	}
	resp := orderStatusResponse{ResponseCode: APISuccess, Description: "success", ListOrderStatus: []orderStatus{}}
	var known knownOrderStatusResponse
	s.mu.Lock()
	for _, o := range req.Orders {
		t, ok := s.txns[string(o.OrderCode)]
		if !ok {
			continue // unknown orders are left out
		}
		if s.knownShape {
			known.ListOrderStatus = append(known.ListOrderStatus, knownOrderStatus{Status: t.Status})
			continue
		}
		resp.ListOrderStatus = append(resp.ListOrderStatus, orderStatus{
			OrderCode:     t.Reference,
			Status:        t.Status,
			Amount:        json.Number(formatMinor(t.Currency, t.minor)),
			Currency:      t.Currency,
			TransactionID: json.Number(t.TransRefNo),
			PaymentType:   t.PaymentType,
			Message:       t.Message,
		})
	}
	s.mu.Unlock()
	if s.knownShape {
		if known.ListOrderStatus == nil {
			known.ListOrderStatus = []knownOrderStatus{}
		}
		writeJSON(w, http.StatusOK, known)
		return
	}
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) saleHistory(w http.ResponseWriter, req *apiRequest) {
	loc := ict()
	from, err1 := time.ParseInLocation(time.DateOnly, req.FromDate, loc)
	to, err2 := time.ParseInLocation(time.DateOnly, req.ToDate, loc)
	if err1 != nil || err2 != nil || to.Before(from) {
		writeJSON(w, http.StatusOK, apiError{APIInvalidParameter, "fromDate and toDate must be yyyy-MM-dd dates, fromDate first"})
		return
	}
	end := to.AddDate(0, 0, 1) // toDate is included
	resp := saleHistoryResponse{ResponseCode: APISuccess, Description: "success", ListSaleHistory: []saleHistory{}}
	s.mu.Lock()
	for _, ref := range s.order {
		t := s.txns[ref]
		if t.CreatedAt.Before(from) || !t.CreatedAt.Before(end) {
			continue
		}
		resp.ListSaleHistory = append(resp.ListSaleHistory, saleHistory{
			OrderCode:     t.Reference,
			TransactionID: json.Number(t.TransRefNo),
			Amount:        json.Number(formatMinor(t.Currency, t.minor)),
			Currency:      t.Currency,
			Status:        t.Status,
			PaymentType:   t.PaymentType,
			CreatedDate:   t.CreatedAt.In(loc).Format(time.RFC3339),
		})
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

func (s *Server) refund(w http.ResponseWriter, req *apiRequest) {
	if len(req.Orders) == 0 || len(req.Orders) > maxOrderCodes {
		writeJSON(w, http.StatusOK, apiError{APIInvalidParameter, "listMerchantOrderCode must hold 1 to 100 orders"})
		return
	}
	resp := refundResponse{ResponseCode: APISuccess, Description: "success", ListRefund: make([]refundResult, 0, len(req.Orders))}
	s.mu.Lock()
	for _, o := range req.Orders {
		res := refundResult{OrderCode: string(o.OrderCode), RefundAmount: "0"}
		if _, ok := parseAmount("USD", string(o.RefundAmount)); ok {
			res.RefundAmount = json.Number(o.RefundAmount) // echoed only when it is a plain number
		}
		t, ok := s.txns[string(o.OrderCode)]
		switch {
		case !ok || t.Status != StatusSuccess:
			res.Status, res.Message = RefundNotRefundable, "order not found or not successful"
		default:
			amount, valid := parseAmount(t.Currency, string(o.RefundAmount))
			switch {
			case !valid || amount <= 0:
				res.Status, res.Message = RefundInvalidAmount, "refundAmount is not a positive amount of the order's currency"
			case amount > t.minor-t.refundedMinor:
				res.Status, res.Message = RefundTooMuch, "refundAmount exceeds the refundable amount"
			default:
				t.refundedMinor += amount
				res.Status, res.Message = RefundDone, "refunded"
			}
		}
		resp.ListRefund = append(resp.ListRefund, res)
	}
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}
