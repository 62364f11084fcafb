package vivietpaytest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/thanhtoan/thanhtoan/vivietpay"
)

// Config is the merchant the fake gateway serves.
type Config struct {
	MerchantSite string
	AccessCode   string
	// Secret keys v1 secure_hash; leave empty to refuse v1.
	Secret string
	// MerchantPublicKey verifies v2 orders and encrypts v2 results; nil
	// refuses v2.
	MerchantPublicKey *rsa.PublicKey
	// GatewayKey is the fake's RSA key (v2): it decrypts orders and signs
	// results. New generates one when nil; give the client
	// [Server.GatewayPublicKey].
	GatewayKey *rsa.PrivateKey
	// Clock drives OTP and session expiry; time.Now when nil.
	Clock func() time.Time
	// OTPTTL is how long an OTP is valid (default 2 minutes).
	OTPTTL time.Duration
	// SessionTTL is how long a payment page is valid (default 15 minutes).
	SessionTTL time.Duration
	// Notify receives results server to server, in process (no network),
	// as a form POST; nil sends none. See Delivery.
	Notify http.Handler
	// Delivery says how results reach Notify (default DeliverOnce).
	Delivery Delivery
	// HideDemoHints hides what the pages show a demo payer and a real
	// gateway never would: the OTP "sent by SMS", on the OTP page, and the
	// wallet accounts with their passwords and balances, on the login page.
	HideDemoHints bool
}

// Delivery is how the fake delivers a result to Config.Notify.
type Delivery int

const (
	DeliverOnce     Delivery = iota // once
	DeliverTwice                    // the same signed result twice
	DeliverTampered                 // once, with the amount changed after signing
	DeliverNever                    // not at all
)

// Scenario forces one failure of the seed's step 4 on every payment until
// it is changed, whatever the account's own state.
type Scenario int

const (
	ScenarioNone             Scenario = iota
	ScenarioAuthFailed                // the wallet login is refused (code 04)
	ScenarioAccountLocked             // the account is not active (05)
	ScenarioLimitExceeded             // over the transaction limit (06)
	ScenarioInsufficientFund          // available balance too low (07)
	ScenarioOTPExpired                // every OTP is already expired (09)
	ScenarioSystemError               // the gateway fails after the OTP (99, nothing debited)
)

// AccountStatus is a wallet account's state.
type AccountStatus int

const (
	Active AccountStatus = iota
	Locked
	Closed
)

// Account is a Ví Việt wallet account of the fake.
type Account struct {
	Phone    string
	Password string
	Status   AccountStatus
	// Limit is the largest payment allowed, in dong (0: no limit).
	Limit int64
	// Balance is the available balance, in dong.
	Balance int64
}

// Payment is what the fake knows of one order.
type Payment struct {
	MerchTxnRef string
	OrderNo     string
	Amount      int64
	V2          bool
	Code        vivietpay.ResponseCode // "" while open
	TransNo     string
	// session is the payment's page session: when it ends, a payment
	// still open is over (session expired), as Ví Việt's would be, whether
	// or not the payer comes back to the page.
	session   *session
	Payer     string
	Refunded  int64
	ReturnURL string // the signed redirect, once final
}

type session struct {
	id           string
	cookie       string
	pay          *Payment
	desc         string
	returnURL    string
	cancelURL    string
	locale       string
	created      time.Time
	account      string
	loginFails   int
	otp          string
	otpExpires   time.Time
	otpFails     int
	errorMessage string
}

// Delivered is one in-process delivery of a result to Config.Notify.
type Delivered struct {
	MerchTxnRef string
	Tampered    bool
	Status      int // the handler's HTTP status
}

// Server is a fake Ví Việt gateway on an httptest.Server (loopback only).
type Server struct {
	*httptest.Server
	cfg        Config
	gatewayKey *rsa.PrivateKey
	clock      func() time.Time

	mu          sync.Mutex
	accounts    map[string]*Account
	payments    map[string]*Payment
	sessions    map[string]*session
	refunds     map[string]refund
	inbox       map[string]string // phone -> last OTP sent
	collection  int64             // the merchant's collection account
	scenario    Scenario
	deliveries  []Delivered
	transSerial int
}

type refund struct {
	ref, payment string
	amount       int64
	transNo      string
}

// New starts a fake gateway for cfg. Close it when done (t.Cleanup).
func New(cfg Config) (*Server, error) {
	if cfg.MerchantSite == "" {
		return nil, fmt.Errorf("vivietpaytest: MerchantSite is empty")
	}
	if cfg.Secret == "" && cfg.MerchantPublicKey == nil {
		return nil, fmt.Errorf("vivietpaytest: need a Secret (v1) or a MerchantPublicKey (v2)")
	}
	s := &Server{
		cfg:      cfg,
		clock:    cfg.Clock,
		accounts: map[string]*Account{},
		payments: map[string]*Payment{},
		sessions: map[string]*session{},
		refunds:  map[string]refund{},
		inbox:    map[string]string{},
	}
	if s.clock == nil {
		s.clock = time.Now
	}
	if s.cfg.OTPTTL == 0 {
		s.cfg.OTPTTL = 2 * time.Minute
	}
	if s.cfg.SessionTTL == 0 {
		s.cfg.SessionTTL = 15 * time.Minute
	}
	s.gatewayKey = cfg.GatewayKey
	if s.gatewayKey == nil {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			return nil, err
		}
		s.gatewayKey = k
	}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /vipay/ecommerce", s.handleOrder(false))
	mux.HandleFunc("GET /vipay_v2/initpay", s.handleOrder(true))
	mux.HandleFunc("GET /vipay/pay/{sid}", s.handleLoginPage)
	mux.HandleFunc("POST /vipay/pay/{sid}", s.handleLogin)
	mux.HandleFunc("GET /vipay/pay/{sid}/otp", s.handleOTPPage)
	mux.HandleFunc("POST /vipay/pay/{sid}/otp", s.handleOTP)
	mux.HandleFunc("GET /vipay/pay/{sid}/result", s.handleResult)
	mux.HandleFunc("GET /vipay/querydr", s.handleQuery(false))
	mux.HandleFunc("GET /vipay_v2/querydr", s.handleQuery(true))
	mux.HandleFunc("POST /vipay/refund", s.handleRefund(false))
	mux.HandleFunc("POST /vipay_v2/refund", s.handleRefund(true))
	s.Server = httptest.NewServer(mux)
	return s, nil
}

// GatewayPublicKey is the key a v2 client verifies results with.
func (s *Server) GatewayPublicKey() *rsa.PublicKey { return &s.gatewayKey.PublicKey }

// AddAccount adds or replaces a wallet account.
func (s *Server) AddAccount(a Account) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.accounts[a.Phone] = &a
}

// Account returns a wallet account's current state.
func (s *Server) Account(phone string) (Account, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	a, ok := s.accounts[phone]
	if !ok {
		return Account{}, false
	}
	return *a, true
}

// CollectionBalance is what the merchant's collection account holds.
func (s *Server) CollectionBalance() int64 {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.collection
}

// SetScenario forces a step-4 failure on the payments that follow.
func (s *Server) SetScenario(sc Scenario) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.scenario = sc
}

// OTP returns the last OTP "sent by SMS" to phone.
func (s *Server) OTP(phone string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.inbox[phone]
}

// Payment returns what the fake knows of a payment.
func (s *Server) Payment(merchTxnRef string) (Payment, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	p, ok := s.payments[merchTxnRef]
	if !ok {
		return Payment{}, false
	}
	return *p, true
}

// Deliveries lists the in-process deliveries made so far.
func (s *Server) Deliveries() []Delivered {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Delivered(nil), s.deliveries...)
}

func randomID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func randomOTP() string {
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	n := (uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])) % 1000000
	return fmt.Sprintf("%06d", n)
}

// ---- step 1: the order ----------------------------------------------------

func (s *Server) handleOrder(v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("merchant_site") != s.cfg.MerchantSite {
			s.errorPage(w, http.StatusBadRequest, vivietpay.CodeInvalidRequest, "unknown merchant_site")
			return
		}
		if !v2 && s.cfg.Secret == "" {
			s.errorPage(w, http.StatusBadRequest, vivietpay.CodeInvalidRequest, "v1 is not enabled for this merchant")
			return
		}
		f, err := s.open(v2, q)
		if err != nil {
			s.errorPage(w, http.StatusBadRequest, vivietpay.CodeInvalidRequest, "invalid order: "+err.Error())
			return
		}
		wantVersion := "1.0"
		if v2 {
			wantVersion = "2.0"
		}
		if f["version"] != wantVersion || (s.cfg.AccessCode != "" && f["access_code"] != s.cfg.AccessCode) {
			s.errorPage(w, http.StatusBadRequest, vivietpay.CodeInvalidRequest, "wrong version or access_code")
			return
		}
		amount, err := strconv.ParseInt(f["total_amount"], 10, 64)
		if err != nil || amount <= 0 || f["merch_txn_ref"] == "" || f["order_no"] == "" || f["return_url"] == "" ||
			(f["currency"] != "" && f["currency"] != "VND") {
			s.errorPage(w, http.StatusBadRequest, vivietpay.CodeInvalidRequest, "missing or bad order fields")
			return
		}
		s.mu.Lock()
		if _, dup := s.payments[f["merch_txn_ref"]]; dup {
			s.mu.Unlock()
			s.errorPage(w, http.StatusBadRequest, vivietpay.CodeDuplicateRef, "merch_txn_ref already used")
			return
		}
		p := &Payment{MerchTxnRef: f["merch_txn_ref"], OrderNo: f["order_no"], Amount: amount, V2: v2}
		s.payments[p.MerchTxnRef] = p
		ss := &session{
			id: randomID(8), cookie: randomID(16), pay: p, desc: f["order_desc"],
			returnURL: f["return_url"], cancelURL: f["cancel_url"], locale: f["locale"], created: s.clock(),
		}
		if ss.cancelURL == "" {
			ss.cancelURL = ss.returnURL
		}
		p.session = ss
		s.sessions[ss.id] = ss
		s.mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "vipay_session", Value: ss.cookie, Path: "/vipay/pay/" + ss.id, HttpOnly: true})
		http.Redirect(w, r, "/vipay/pay/"+ss.id, http.StatusSeeOther)
	}
}

// sessionLocked finds the payer's session by its path and cookie; the
// caller holds s.mu. errorPage touches no shared state.
func (s *Server) sessionLocked(w http.ResponseWriter, r *http.Request) *session {
	ss, ok := s.sessions[r.PathValue("sid")]
	c, err := r.Cookie("vipay_session")
	if !ok || err != nil || c.Value != ss.cookie {
		s.errorPage(w, http.StatusNotFound, vivietpay.CodeSessionExpired, "no such payment session")
		return nil
	}
	return ss
}

// ---- steps 2 and 3: login, pay or cancel ------------------------------------

func (s *Server) handleLoginPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionLocked(w, r)
	if ss == nil {
		return
	}
	if ss.pay.Code != "" {
		http.Redirect(w, r, "/vipay/pay/"+ss.id+"/result", http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, loginPage, ss)
}

func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionLocked(w, r)
	if ss == nil {
		return
	}
	if ss.pay.Code != "" {
		http.Redirect(w, r, "/vipay/pay/"+ss.id+"/result", http.StatusSeeOther)
		return
	}
	if s.clock().After(ss.created.Add(s.cfg.SessionTTL)) {
		s.finish(w, r, ss, vivietpay.CodeSessionExpired)
		return
	}
	switch r.PostFormValue("action") {
	case "cancel":
		s.finish(w, r, ss, vivietpay.CodeCancelled)
		return
	case "pay":
	default:
		ss.errorMessage = "Hãy chọn Thanh toán hoặc Hủy / choose pay or cancel"
		s.render(w, http.StatusBadRequest, loginPage, ss)
		return
	}
	// Step 4: authenticate, then check the account and the transaction.
	phone, pw := r.PostFormValue("account"), r.PostFormValue("password")
	acct, ok := s.accounts[phone]
	if s.scenario == ScenarioAuthFailed || !ok || acct.Password != pw {
		ss.loginFails++
		if ss.loginFails >= 3 || s.scenario == ScenarioAuthFailed {
			s.finish(w, r, ss, vivietpay.CodeAuthFailed)
			return
		}
		ss.errorMessage = "Sai số điện thoại hoặc mật khẩu / wrong account or password"
		s.render(w, http.StatusUnauthorized, loginPage, ss)
		return
	}
	ss.account = phone
	ss.pay.Payer = phone
	if code := s.checkLocked(acct, ss.pay.Amount); code != "" {
		s.finish(w, r, ss, code)
		return
	}
	ss.otp = randomOTP()
	ss.otpExpires = s.clock().Add(s.cfg.OTPTTL)
	if s.scenario == ScenarioOTPExpired {
		ss.otpExpires = s.clock().Add(-time.Second)
	}
	s.inbox[phone] = ss.otp
	ss.errorMessage = ""
	http.Redirect(w, r, "/vipay/pay/"+ss.id+"/otp", http.StatusSeeOther)
}

// checkLocked is step 4's account checks: status, limit, available balance.
func (s *Server) checkLocked(a *Account, amount int64) vivietpay.ResponseCode {
	switch {
	case s.scenario == ScenarioAccountLocked || a.Status != Active:
		return vivietpay.CodeAccountLocked
	case s.scenario == ScenarioLimitExceeded || (a.Limit > 0 && amount > a.Limit):
		return vivietpay.CodeLimitExceeded
	case s.scenario == ScenarioInsufficientFund || a.Balance < amount:
		return vivietpay.CodeInsufficientBalance
	}
	return ""
}

func (s *Server) handleOTPPage(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionLocked(w, r)
	if ss == nil {
		return
	}
	if ss.pay.Code != "" || ss.otp == "" {
		http.Redirect(w, r, "/vipay/pay/"+ss.id, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, otpPage, ss)
}

// ---- step 4 (OTP) and step 5: accounting -------------------------------------

func (s *Server) handleOTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionLocked(w, r)
	if ss == nil {
		return
	}
	if ss.pay.Code != "" || ss.otp == "" {
		http.Redirect(w, r, "/vipay/pay/"+ss.id+"/result", http.StatusSeeOther)
		return
	}
	if r.PostFormValue("action") == "cancel" {
		s.finish(w, r, ss, vivietpay.CodeCancelled)
		return
	}
	if s.clock().After(ss.otpExpires) {
		s.finish(w, r, ss, vivietpay.CodeOTPExpired)
		return
	}
	if r.PostFormValue("otp") != ss.otp {
		ss.otpFails++
		if ss.otpFails >= 3 {
			s.finish(w, r, ss, vivietpay.CodeWrongOTP)
			return
		}
		ss.errorMessage = fmt.Sprintf("Mã OTP không đúng, còn %d lần thử / wrong otp, %d tries left", 3-ss.otpFails, 3-ss.otpFails)
		s.render(w, http.StatusUnauthorized, otpPage, ss)
		return
	}
	if s.scenario == ScenarioSystemError {
		s.finish(w, r, ss, vivietpay.CodeSystemError)
		return
	}
	acct := s.accounts[ss.account]
	// Re-check: the balance may have moved since the login.
	if code := s.checkLocked(acct, ss.pay.Amount); code != "" {
		s.finish(w, r, ss, code)
		return
	}
	acct.Balance -= ss.pay.Amount // debit the payer
	s.collection += ss.pay.Amount // credit the merchant's collection account
	s.transSerial++
	ss.pay.TransNo = fmt.Sprintf("VV%s%08d", s.clock().Format("060102"), s.transSerial)
	s.finish(w, r, ss, vivietpay.CodeSuccess)
}

// ---- step 6: the result, the redirect back, the notification -------------

// finish makes the payment final and sends the payer to the result page.
// The caller holds s.mu.
func (s *Server) finish(w http.ResponseWriter, r *http.Request, ss *session, code vivietpay.ResponseCode) {
	v, err := s.close(ss, code)
	if err != nil {
		s.errorPage(w, http.StatusInternalServerError, vivietpay.CodeSystemError, "cannot sign the result")
		return
	}
	s.deliverLocked(ss.pay, v)
	http.Redirect(w, r, "/vipay/pay/"+ss.id+"/result", http.StatusSeeOther)
}

// close makes the session's payment final with code and signs the result
// the payer is sent back with. The caller holds s.mu.
func (s *Server) close(ss *session, code vivietpay.ResponseCode) (url.Values, error) {
	p := ss.pay
	p.Code = code
	v, err := s.seal(p.V2, s.resultFields(p, code.Description()))
	if err != nil {
		return nil, err
	}
	target := ss.returnURL
	if code == vivietpay.CodeCancelled {
		target = ss.cancelURL
	}
	sep := "?"
	if strings.Contains(target, "?") {
		sep = "&"
	}
	p.ReturnURL = target + sep + v.Encode()
	return v, nil
}

func (s *Server) resultFields(p *Payment, message string) []field {
	amount := strconv.FormatInt(p.Amount, 10)
	return []field{
		{"merchant_site", s.cfg.MerchantSite},
		{"merch_txn_ref", p.MerchTxnRef},
		{"order_no", p.OrderNo},
		{"total_amount", amount},
		{"currency", "VND"},
		{"response_code", string(p.Code)},
		{"trans_no", p.TransNo},
		{"trans_time", s.clock().In(time.FixedZone("ICT", 7*3600)).Format("20060102150405")},
		{"message", message},
	}
}

// deliverLocked sends the result to Config.Notify in process.
func (s *Server) deliverLocked(p *Payment, v url.Values) {
	if s.cfg.Notify == nil || s.cfg.Delivery == DeliverNever {
		return
	}
	times, tampered := 1, false
	switch s.cfg.Delivery {
	case DeliverTwice:
		times = 2
	case DeliverTampered:
		tampered = true
	}
	body := v
	if tampered {
		body = url.Values{}
		for k, vals := range v {
			body[k] = append([]string(nil), vals...)
		}
		if p.V2 {
			// Swap in the data of another message: still base64, no longer
			// what was signed.
			d := []byte(body.Get("data"))
			d[len(d)/2] ^= 0x01
			body.Set("data", string(d))
		} else {
			body.Set("total_amount", strconv.FormatInt(p.Amount/10, 10))
		}
	}
	for range times {
		req := httptest.NewRequest(http.MethodPost, "/vivietpay/notify", strings.NewReader(body.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		// Deliver without the lock: the handler may query the fake.
		s.mu.Unlock()
		s.cfg.Notify.ServeHTTP(rec, req)
		s.mu.Lock()
		s.deliveries = append(s.deliveries, Delivered{MerchTxnRef: p.MerchTxnRef, Tampered: tampered, Status: rec.Code})
	}
}

func (s *Server) handleResult(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	defer s.mu.Unlock()
	ss := s.sessionLocked(w, r)
	if ss == nil {
		return
	}
	if ss.pay.Code == "" {
		http.Redirect(w, r, "/vipay/pay/"+ss.id, http.StatusSeeOther)
		return
	}
	s.render(w, http.StatusOK, resultPage, ss)
}

// ---- modelled query and refund ---------------------------------------------

func (s *Server) answer(w http.ResponseWriter, v2 bool, fs []field) {
	v, err := s.seal(v2, fs)
	if err != nil {
		http.Error(w, "cannot sign", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/x-www-form-urlencoded; charset=utf-8")
	_, _ = w.Write([]byte(v.Encode()))
}

func (s *Server) refuse(w http.ResponseWriter, v2 bool, code vivietpay.ResponseCode, extra ...field) {
	fs := append([]field{{"merchant_site", s.cfg.MerchantSite}, {"response_code", string(code)}, {"message", code.Description()}}, extra...)
	s.answer(w, v2, fs)
}

func (s *Server) handleQuery(v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		f, err := s.open(v2, r.URL.Query())
		if err != nil || f["merchant_site"] != s.cfg.MerchantSite {
			http.Error(w, "invalid signature", http.StatusBadRequest)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		p, ok := s.payments[f["merch_txn_ref"]]
		if !ok {
			s.refuse(w, v2, vivietpay.CodeNotFound, field{"merch_txn_ref", f["merch_txn_ref"]})
			return
		}
		if p.Code == "" && s.clock().After(p.session.created.Add(s.cfg.SessionTTL)) {
			// The payer left the page: the payment is over. No result is
			// delivered from here (the merchant is waiting on this query);
			// a payer who comes back is sent back with the signed result.
			if _, err := s.close(p.session, vivietpay.CodeSessionExpired); err != nil {
				http.Error(w, "cannot sign the result", http.StatusInternalServerError)
				return
			}
		}
		code := p.Code
		if code == "" {
			code = vivietpay.CodePending
		}
		q := *p
		q.Code = code
		s.answer(w, v2, s.resultFields(&q, code.Description()))
	}
}

func (s *Server) handleRefund(v2 bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := r.ParseForm(); err != nil {
			http.Error(w, "bad form", http.StatusBadRequest)
			return
		}
		f, err := s.open(v2, r.PostForm)
		if err != nil || f["merchant_site"] != s.cfg.MerchantSite {
			http.Error(w, "invalid signature", http.StatusBadRequest)
			return
		}
		ref, rref := f["merch_txn_ref"], f["refund_ref"]
		ids := []field{{"merch_txn_ref", ref}, {"refund_ref", rref}, {"refund_amount", f["refund_amount"]}}
		amount, err := strconv.ParseInt(f["refund_amount"], 10, 64)
		if err != nil || amount <= 0 || rref == "" {
			s.refuse(w, v2, vivietpay.CodeInvalidRequest, ids...)
			return
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		if prev, ok := s.refunds[rref]; ok {
			// Idempotent: the same refund_ref answers the first result.
			if prev.payment != ref || prev.amount != amount {
				s.refuse(w, v2, vivietpay.CodeDuplicateRef, ids...)
				return
			}
			s.answer(w, v2, append([]field{{"merchant_site", s.cfg.MerchantSite}, {"response_code", "00"},
				{"refund_trans_no", prev.transNo}, {"message", "success"}}, ids...))
			return
		}
		p, ok := s.payments[ref]
		switch {
		case !ok:
			s.refuse(w, v2, vivietpay.CodeNotFound, ids...)
			return
		case p.Code != vivietpay.CodeSuccess:
			s.refuse(w, v2, vivietpay.CodeRefundNotAllowed, ids...)
			return
		case p.Refunded+amount > p.Amount:
			s.refuse(w, v2, vivietpay.CodeRefundExceeded, ids...)
			return
		}
		p.Refunded += amount
		s.collection -= amount
		if a, ok := s.accounts[p.Payer]; ok {
			a.Balance += amount
		}
		s.transSerial++
		rf := refund{ref: rref, payment: ref, amount: amount, transNo: fmt.Sprintf("RF%08d", s.transSerial)}
		s.refunds[rref] = rf
		s.answer(w, v2, append([]field{{"merchant_site", s.cfg.MerchantSite}, {"response_code", "00"},
			{"refund_trans_no", rf.transNo}, {"message", "success"}}, ids...))
	}
}
