package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/mail"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/vinidpay"
	"github.com/thanhtoan/thanhtoan/wallet"
)

// Handler returns the site's routes. Checkout's own routes (gateway
// notifications and returns, the share pages) are under /pay/.
func (a *app) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("POST /customer", a.switchCustomer)
	mux.HandleFunc("GET /lang/{lang}", a.switchLang)
	mux.HandleFunc("POST /orders", a.createOrder)
	mux.HandleFunc("GET /orders/{id}", a.showOrder)
	mux.HandleFunc("POST /orders/{id}/pay", a.payOrder)
	mux.HandleFunc("POST /orders/{id}/share", a.shareOrder)
	mux.HandleFunc("GET /orders/{id}/otp", a.otpPage)
	mux.HandleFunc("POST /orders/{id}/otp", a.submitOTP)
	mux.HandleFunc("GET /topup", a.topUpPage)
	mux.HandleFunc("POST /topup", a.topUp)
	mux.HandleFunc("GET /history/credit", a.creditHistory)
	mux.HandleFunc("GET /history/payments", a.paymentHistory)
	mux.HandleFunc("GET /history/billing", a.billingHistory)
	mux.HandleFunc("GET /mailbox", a.mailbox)
	mux.HandleFunc("GET /mailbox/{n}", a.mailMessage)
	mux.HandleFunc("GET /mailbox/{n}/html", a.mailHTML)
	mux.HandleFunc("GET /sms", a.sms)
	mux.HandleFunc("GET /vinid", a.vinidPage)
	mux.HandleFunc("POST /vinid/link", a.vinidLink)
	mux.HandleFunc("GET /vinid/linked", a.vinidLinkReturn)
	mux.HandleFunc("/vinid/callback", a.handleLinkCallback)
	mux.HandleFunc("GET /result", a.result)
	pay := http.StripPrefix("/pay", a.c.Handler())
	mux.Handle("/pay/", http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		pay.ServeHTTP(w, r)
		a.drainVinID(r.Context()) // a payment on behalf through VinID
	}))
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; frame-ancestors 'none'")
		mux.ServeHTTP(w, r)
	})
}

// pageData is what every page's template gets.
type pageData struct {
	Lang      string
	T         map[string]string
	Title     string
	CSRF      string
	Customer  customer
	Customers []customer
	Flash     string
	FlashErr  bool
	Data      any
}

func (a *app) render(w http.ResponseWriter, r *http.Request, s *session, status int, name, titleKey string, data any) {
	lang := a.lang(r)
	t := a.msgs[lang]
	cu, _ := customerByID(s.customer)
	pd := pageData{Lang: lang, T: t, Title: t[titleKey], CSRF: s.csrf, Customer: cu, Customers: customers, Data: data}
	pd.Flash, pd.FlashErr = a.takeFlash(s)
	var buf bytes.Buffer
	if err := a.pages[name].ExecuteTemplate(&buf, "layout", pd); err != nil {
		a.log.Error("merchant: render", "page", name, "err", err)
		http.Error(w, "the page could not be rendered", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

func (a *app) t(r *http.Request, key string, args ...any) string {
	m := a.msgs[a.lang(r)][key]
	if len(args) > 0 {
		return fmt.Sprintf(m, args...)
	}
	return m
}

func (a *app) notFound(w http.ResponseWriter, r *http.Request, s *session) {
	a.render(w, r, s, http.StatusNotFound, "message", "err_not_found", a.t(r, "err_not_found"))
}

func (a *app) redirect(w http.ResponseWriter, r *http.Request, path string) {
	http.Redirect(w, r, path, http.StatusSeeOther)
}

// post checks a form POST: its size and its CSRF token. On failure it has
// answered.
func (a *app) post(w http.ResponseWriter, r *http.Request) (session, bool) {
	s := a.session(w, r)
	r.Body = http.MaxBytesReader(w, r.Body, 8<<10)
	if err := r.ParseForm(); err != nil || !checkCSRF(s, r) {
		a.render(w, r, &s, http.StatusForbidden, "message", "err_csrf", a.t(r, "err_csrf"))
		return s, false
	}
	return s, true
}

// money formats an amount as Vietnamese readers expect ("150.000 ₫"),
// with checkout's formatter; a negative amount gets a minus sign.
func money(d decimal.Decimal) string {
	if d.IsNegative() {
		return "-" + money(d.Neg())
	}
	s, err := checkout.FormatAmount(d, "VND")
	if err != nil {
		return d.String() + " VND"
	}
	return s
}

func dong(n int64) string { return money(decimal.NewFromInt(n)) }

// vietnam is Vietnam's time zone (no daylight saving), so that the demo
// needs no time zone database.
var vietnam = time.FixedZone("GMT+7", 7*3600)

func when(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.In(vietnam).Format("02/01/2006 15:04")
}

// ---- home ----------------------------------------------------------------

type orderRow struct {
	ID, State, Amount, Date string
}

type homeData struct {
	Available, Held           string
	VinIDLinked               bool
	Recent                    []orderRow
	VCPU, RAM, Disk, Months   []int64
	Regions                   []region
	PriceLine, VinIDNote      string
	VietAccounts              []vietAccount
	VinIDUsers                []vinidUser
	DefaultVCPU, DefaultRAM   int64
	DefaultDisk, DefaultMonth int64
}

func (a *app) home(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	ctx := r.Context()
	b, err := a.c.Credit("VND").Balance(ctx, s.customer)
	if err != nil {
		a.fail(w, r, &s, err)
		return
	}
	d := homeData{Available: money(b.Available), Held: money(b.Pending), VinIDLinked: a.vinidLinked(s.customer),
		VCPU: vcpuChoices, RAM: ramChoices, Disk: diskChoices, Months: monthsChoices, Regions: regions,
		PriceLine:    a.t(r, "price_table", dong(pricePerVCPU), dong(pricePerGBRAM), dong(pricePerGBDisk)),
		VinIDNote:    a.t(r, "demo_vinid", dong(a.otpThreshold())),
		VietAccounts: vietAccounts, VinIDUsers: vinidUsers,
		DefaultVCPU: 1, DefaultRAM: 1, DefaultDisk: 20, DefaultMonth: 1}
	d.Recent = a.orderRows(ctx, r, s.customer)
	a.render(w, r, &s, http.StatusOK, "home", "site", d)
}

func (a *app) otpThreshold() int64 {
	if a.cfg.VinIDOTPThreshold > 0 {
		return a.cfg.VinIDOTPThreshold
	}
	return 1_000_000 // the fake's default
}

func (a *app) orderRows(ctx context.Context, r *http.Request, customerID string) []orderRow {
	var rows []orderRow
	for _, id := range a.recentOrders(customerID) {
		o, err := a.c.Order(ctx, id)
		if err != nil {
			continue
		}
		rows = append(rows, orderRow{ID: o.ID, State: a.t(r, "state_"+string(o.State)), Amount: money(o.Amount), Date: when(o.CreatedAt)})
	}
	return rows
}

// fail shows an unexpected error.
func (a *app) fail(w http.ResponseWriter, r *http.Request, s *session, err error) {
	a.log.Error("merchant", "path", r.URL.Path, "err", err)
	a.render(w, r, s, http.StatusInternalServerError, "message", "err_other", a.t(r, "err_other", err))
}

func (a *app) switchCustomer(w http.ResponseWriter, r *http.Request) {
	s, ok := a.post(w, r)
	if !ok {
		return
	}
	cu, found := customerByID(r.PostFormValue("customer"))
	if !found {
		a.flash(s, a.t(r, "err_form"), true)
		a.redirect(w, r, "/")
		return
	}
	s.customer, s.afterLink = cu.ID, ""
	a.flash(s, a.t(r, "customer_switched", cu.Name), false)
	a.redirect(w, r, "/")
}

func (a *app) switchLang(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	l := r.PathValue("lang")
	if l != "vi" && l != "en" {
		a.notFound(w, r, &s)
		return
	}
	http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode})
	a.flash(s, a.msgs[l]["lang_switched"], false)
	a.redirect(w, r, "/")
}

// ---- orders --------------------------------------------------------------

func (a *app) createOrder(w http.ResponseWriter, r *http.Request) {
	s, ok := a.post(w, r)
	if !ok {
		return
	}
	f := r.PostForm
	srv, err := parseServer(f.Get("vcpu"), f.Get("ram"), f.Get("disk"), f.Get("months"), f.Get("region"))
	if err != nil {
		a.flash(s, a.t(r, "err_form")+" ("+err.Error()+")", true)
		a.redirect(w, r, "/")
		return
	}
	cu, _ := customerByID(s.customer)
	lang := a.lang(r)
	o, err := a.c.CreateOrder(r.Context(), checkout.OrderRequest{ID: serverPrefix + randomHex(8), Customer: cu.ID, Email: cu.Email,
		Language: checkout.Language(lang), Items: []checkout.LineItem{srv.item(lang)}})
	if err != nil {
		a.fail(w, r, &s, err)
		return
	}
	a.remember(cu.ID, o.ID)
	a.flash(s, a.t(r, "ordered", o.ID), false)
	a.redirect(w, r, "/orders/"+o.ID)
}

// ownOrder returns the session customer's order named in the path.
func (a *app) ownOrder(ctx context.Context, s session, id string) (checkout.Order, bool) {
	o, err := a.c.Order(ctx, id)
	if err != nil || o.Customer != s.customer {
		return checkout.Order{}, false
	}
	return o, true
}

type option struct{ Value, Label string }

type attemptRow struct {
	Reference, Gateway, Amount, Outcome, Payer, Date string
}

type orderView struct {
	O                   checkout.Order
	State, Next         string
	Amount, CreditHeld  string
	GatewayAmount       string
	Method, Gateway     string
	Items               []itemRow
	Attempts            []attemptRow
	CanPay, CanShare    bool
	WaitsOTP            bool
	ContinueURL         string
	Methods, Gateways   []option
	IsTopUp, UsedCredit bool
	ShowGatewayAmount   bool
	PayerEmail, Reason  string
	ShareExpiry         string
}

type itemRow struct {
	Description, Amount string
	Quantity            int
	Config              []checkout.Attribute
}

func items(its []checkout.LineItem) []itemRow {
	rows := make([]itemRow, 0, len(its))
	for _, it := range its {
		rows = append(rows, itemRow{Description: it.Description, Amount: money(it.Amount), Quantity: it.Quantity, Config: it.Config})
	}
	return rows
}

func (a *app) methodLabel(r *http.Request, m checkout.Method) string {
	switch m {
	case checkout.MethodCredit:
		return a.t(r, "method_credit")
	case checkout.MethodTopUpAndPay:
		return a.t(r, "method_topup")
	case checkout.MethodGateway:
		return a.t(r, "method_gateway")
	case checkout.MethodOnBehalf:
		return a.t(r, "method_onbehalf")
	}
	return string(m)
}

// waitingOTP returns the order's own payment that waits for an OTP.
func waitingOTP(o checkout.Order) (checkout.Attempt, bool) {
	if o.State != checkout.StateAwaitingPayment || len(o.Attempts) == 0 {
		return checkout.Attempt{}, false
	}
	at := o.Attempts[len(o.Attempts)-1]
	return at, at.OTP && at.Outcome == checkout.OutcomeUnknown
}

func (a *app) showOrder(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	o, ok := a.ownOrder(r.Context(), s, r.PathValue("id"))
	if !ok {
		a.notFound(w, r, &s)
		return
	}
	v := orderView{O: o, State: a.t(r, "state_"+string(o.State)), Amount: money(o.Amount), Items: items(o.Items),
		Method: a.methodLabel(r, o.Method), Gateway: gatewayLabel(o.Gateway), IsTopUp: strings.HasPrefix(o.ID, topUpPrefix),
		PayerEmail: o.Payer, Reason: o.Reason}
	if o.CreditHeld.IsPositive() {
		v.UsedCredit, v.CreditHeld = true, money(o.CreditHeld)
	}
	if o.GatewayAmount.IsPositive() && o.Method != checkout.MethodCredit {
		v.ShowGatewayAmount, v.GatewayAmount = true, money(o.GatewayAmount)
	}
	for _, at := range o.Attempts {
		v.Attempts = append(v.Attempts, attemptRow{Reference: at.Reference, Gateway: gatewayLabel(at.Gateway), Amount: money(at.Amount),
			Outcome: a.t(r, "outcome_"+string(at.Outcome)), Payer: at.Payer, Date: when(at.StartedAt)})
	}
	switch o.State {
	case checkout.StateCreated, checkout.StateShared:
		v.CanPay, v.CanShare = o.State == checkout.StateCreated, true
		v.Next = a.t(r, "next_created")
		if o.State == checkout.StateShared {
			v.Next = a.t(r, "next_shared", o.Payer)
			v.ShareExpiry = when(o.ShareExpiresAt)
		}
	case checkout.StateAwaitingPayment:
		v.Next = a.t(r, "next_awaiting")
		if _, ok := waitingOTP(o); ok && o.Method != checkout.MethodOnBehalf {
			v.WaitsOTP, v.Next = true, a.t(r, "next_awaiting_otp")
		} else if n := len(o.Attempts); n > 0 && o.Attempts[n-1].URL != "" && o.Method != checkout.MethodOnBehalf {
			v.ContinueURL = o.Attempts[n-1].URL // the gateway's page, as checkout recorded it
		}
	case checkout.StatePaid:
		v.Next = a.t(r, "next_paid")
	case checkout.StateCompleted:
		v.Next = a.t(r, "next_completed")
		if v.IsTopUp {
			v.Next = a.t(r, "next_completed_topup")
		}
	case checkout.StateCancelled:
		v.Next = a.t(r, "next_cancelled")
		if o.Provision == checkout.ProvisionFailed {
			v.Next = a.t(r, "next_cancelled_refund")
		}
	case checkout.StateReview:
		v.Next = a.t(r, "next_review")
	}
	if v.CanPay {
		if !v.IsTopUp {
			v.Methods = []option{{string(checkout.MethodCredit), a.t(r, "method_credit")},
				{string(checkout.MethodTopUpAndPay), a.t(r, "method_topup")}}
		}
		v.Methods = append(v.Methods, option{string(checkout.MethodGateway), a.t(r, "method_gateway")})
		v.Gateways = a.gatewayOptions()
	}
	a.render(w, r, &s, http.StatusOK, "order", "order", v)
}

func (a *app) gatewayOptions() []option {
	var opts []option
	for _, g := range a.c.Gateways() {
		opts = append(opts, option{g, gatewayLabel(g)})
	}
	return opts
}

func (a *app) knownGateway(name string) bool {
	for _, g := range a.c.Gateways() {
		if g == name {
			return true
		}
	}
	return false
}

func (a *app) payOrder(w http.ResponseWriter, r *http.Request) {
	s, ok := a.post(w, r)
	if !ok {
		return
	}
	o, ok := a.ownOrder(r.Context(), s, r.PathValue("id"))
	if !ok {
		a.notFound(w, r, &s)
		return
	}
	req := checkout.PayRequest{Method: checkout.Method(r.PostFormValue("method")), Gateway: r.PostFormValue("gateway")}
	switch {
	case req.Method == checkout.MethodCredit && !strings.HasPrefix(o.ID, topUpPrefix):
		req.Gateway = ""
	case req.Method == checkout.MethodGateway, req.Method == checkout.MethodTopUpAndPay && !strings.HasPrefix(o.ID, topUpPrefix):
		if !a.knownGateway(req.Gateway) {
			req.Method = ""
		}
	default:
		req.Method = ""
	}
	if req.Method == "" {
		a.flash(s, a.t(r, "err_form"), true)
		a.redirect(w, r, "/orders/"+o.ID)
		return
	}
	a.pay(w, r, s, o.ID, req)
}

// pay pays an order and sends the browser where the payment goes on.
func (a *app) pay(w http.ResponseWriter, r *http.Request, s session, id string, req checkout.PayRequest) {
	if req.Gateway == "vinidpay" && !a.vinidLinked(s.customer) {
		s.afterLink = id
		a.flash(s, a.t(r, "vinid_link_first"), true)
		a.redirect(w, r, "/vinid")
		return
	}
	next, err := a.c.Pay(r.Context(), id, req)
	a.drainVinID(r.Context())
	a.next(w, r, s, id, next, err)
}

// next sends the browser on after a payment call.
func (a *app) next(w http.ResponseWriter, r *http.Request, s session, id string, next checkout.Next, err error) {
	var ice *checkout.InsufficientCreditError
	switch {
	case next.Kind == checkout.NextOTP:
		if err != nil {
			a.flash(s, a.t(r, "otp_wrong"), true)
		}
		a.redirect(w, r, "/orders/"+id+"/otp")
		return
	case errors.As(err, &ice):
		a.flash(s, a.t(r, "err_insufficient", money(ice.Available), money(ice.Required), money(ice.Shortfall())), true)
	case errors.Is(err, checkout.ErrPaymentFailed):
		a.flash(s, a.t(r, "err_failed"), true)
	case errors.Is(err, checkout.ErrOrderClosed):
		a.flash(s, a.t(r, "err_closed"), true)
	case errors.Is(err, checkout.ErrTryAgain):
		a.flash(s, a.t(r, "err_try_again"), true)
	case err != nil:
		a.log.Warn("merchant: payment", "order", id, "err", err)
		a.flash(s, a.t(r, "err_other", err), true)
	case next.Kind == checkout.NextRedirect:
		http.Redirect(w, r, next.URL, http.StatusSeeOther) // the gateway's page, from checkout
		return
	case next.Order.State == checkout.StateCompleted:
		a.flash(s, a.t(r, "paid_done"), false)
	}
	a.redirect(w, r, "/orders/"+id)
}

func (a *app) shareOrder(w http.ResponseWriter, r *http.Request) {
	s, ok := a.post(w, r)
	if !ok {
		return
	}
	o, ok := a.ownOrder(r.Context(), s, r.PathValue("id"))
	if !ok {
		a.notFound(w, r, &s)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	addr, err := mail.ParseAddress(email)
	switch {
	case err != nil || addr.Address != email || len(email) > 254:
		a.flash(s, a.t(r, "err_email"), true)
	case strings.EqualFold(email, o.Email):
		a.flash(s, a.t(r, "err_share_self"), true)
	default:
		res, err := a.c.Share(r.Context(), o.ID, email)
		switch {
		case errors.Is(err, checkout.ErrOrderClosed):
			a.flash(s, a.t(r, "err_closed"), true)
		case err != nil:
			a.flash(s, a.t(r, "err_other", err), true)
		default:
			a.flash(s, a.t(r, "shared_to", email, when(res.ExpiresAt)), false)
		}
	}
	a.redirect(w, r, "/orders/"+o.ID)
}

type otpData struct {
	OrderID, Amount, Hint string
	SMSURL                string // the fake VinID's page of the SMS it sent
}

func (a *app) otpPage(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	o, ok := a.ownOrder(r.Context(), s, r.PathValue("id"))
	if !ok {
		a.notFound(w, r, &s)
		return
	}
	at, ok := waitingOTP(o)
	if !ok {
		a.redirect(w, r, "/orders/"+o.ID)
		return
	}
	d := otpData{OrderID: o.ID, Amount: money(at.Amount), SMSURL: a.vinid.URL + "/sms"}
	if code, ok := a.vinid.OTP(at.GatewayTxnID); ok {
		d.Hint = a.t(r, "otp_hint", code)
	}
	a.render(w, r, &s, http.StatusOK, "otp", "otp_title", d)
}

var otpPattern = regexp.MustCompile(`^[0-9]{4,10}$`)

func (a *app) submitOTP(w http.ResponseWriter, r *http.Request) {
	s, ok := a.post(w, r)
	if !ok {
		return
	}
	o, ok := a.ownOrder(r.Context(), s, r.PathValue("id"))
	if !ok {
		a.notFound(w, r, &s)
		return
	}
	otp := strings.TrimSpace(r.PostFormValue("otp"))
	if !otpPattern.MatchString(otp) {
		a.flash(s, a.t(r, "otp_invalid"), true)
		a.redirect(w, r, "/orders/"+o.ID+"/otp")
		return
	}
	ctx := r.Context()
	// After a refused OTP checkout asks VinID whether the payment ended
	// (the last wrong OTP fails it): then the order comes back cancelled.
	next, err := a.c.SubmitOTP(ctx, o.ID, otp)
	a.drainVinID(ctx)
	a.next(w, r, s, o.ID, next, err)
}

// ---- top up --------------------------------------------------------------

type topUpData struct {
	Help     string
	Gateways []option
}

func (a *app) topUpPage(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	a.render(w, r, &s, http.StatusOK, "topup", "topup_title",
		topUpData{Help: a.t(r, "topup_help", dong(minTopUp), dong(maxTopUp)), Gateways: a.gatewayOptions()})
}

func (a *app) topUp(w http.ResponseWriter, r *http.Request) {
	s, ok := a.post(w, r)
	if !ok {
		return
	}
	n, err := parseDong(r.PostFormValue("amount"))
	if err != nil {
		msg := a.t(r, err.Error())
		if errors.Is(err, errAmountRange) {
			msg = a.t(r, err.Error(), dong(minTopUp), dong(maxTopUp))
		}
		a.flash(s, msg, true)
		a.redirect(w, r, "/topup")
		return
	}
	gw := r.PostFormValue("gateway")
	if !a.knownGateway(gw) {
		a.flash(s, a.t(r, "err_form"), true)
		a.redirect(w, r, "/topup")
		return
	}
	cu, _ := customerByID(s.customer)
	lang := a.lang(r)
	t := a.msgs[lang]
	o, err := a.c.CreateOrder(r.Context(), checkout.OrderRequest{ID: topUpPrefix + randomHex(8), Customer: cu.ID, Email: cu.Email,
		Language: checkout.Language(lang), Items: []checkout.LineItem{{Description: t["item_topup"], Quantity: 1,
			Amount: decimal.NewFromInt(n), Config: []checkout.Attribute{{Name: t["topup_for"], Value: cu.Name}}}}})
	if err != nil {
		a.fail(w, r, &s, err)
		return
	}
	a.remember(cu.ID, o.ID)
	a.pay(w, r, s, o.ID, checkout.PayRequest{Method: checkout.MethodGateway, Gateway: gw})
}

// ---- histories -----------------------------------------------------------

const historyPageSize = 10

type historyData struct {
	Rows      []historyRow
	Next      string // query of the next page, "" on the last
	NotFirst  bool
	Available string
}

type historyRow struct {
	Date, Kind, Amount, Balance, Order, Ref, Gateway, Method, Items, Note string
}

func after(r *http.Request) int64 {
	n, err := strconv.ParseInt(r.URL.Query().Get("after"), 10, 64)
	if err != nil || n < 0 {
		return 0
	}
	return n
}

func (a *app) creditHistory(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	ctx := r.Context()
	q := wallet.HistoryQuery{After: after(r), Limit: historyPageSize}
	p, err := a.c.CreditHistory(ctx, s.customer, q)
	if err != nil {
		a.fail(w, r, &s, err)
		return
	}
	b, err := a.c.Credit("VND").Balance(ctx, s.customer)
	if err != nil {
		a.fail(w, r, &s, err)
		return
	}
	d := historyData{NotFirst: q.After > 0, Available: money(b.Available)}
	for _, e := range p.Entries {
		d.Rows = append(d.Rows, historyRow{Date: when(e.Time), Kind: a.t(r, "credit_"+e.Kind.String()), Amount: money(e.Amount),
			Balance: money(e.Balance), Order: e.Order})
	}
	if p.More {
		d.Next = strconv.FormatInt(p.Next, 10)
	}
	a.render(w, r, &s, http.StatusOK, "credit", "credit_title", d)
}

func (a *app) paymentHistory(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	q := checkout.PageQuery{After: after(r), Limit: historyPageSize}
	p, err := a.c.PaymentHistory(r.Context(), s.customer, q)
	if err != nil {
		a.fail(w, r, &s, err)
		return
	}
	d := historyData{NotFirst: q.After > 0}
	for _, e := range p.Payments {
		row := historyRow{Date: when(e.Time), Gateway: gatewayLabel(e.Gateway), Ref: e.Reference, Amount: money(e.Amount),
			Kind: a.t(r, "payment_"+string(e.Outcome)), Order: e.OrderID}
		if e.Payer != "" {
			row.Note = a.t(r, "payment_paid_by", e.Payer)
		}
		d.Rows = append(d.Rows, row)
	}
	if p.More {
		d.Next = strconv.FormatInt(p.Next, 10)
	}
	a.render(w, r, &s, http.StatusOK, "payments", "payments_title", d)
}

func (a *app) billingHistory(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	q := checkout.PageQuery{After: after(r), Limit: historyPageSize}
	p, err := a.c.BillingHistory(r.Context(), s.customer, q)
	if err != nil {
		a.fail(w, r, &s, err)
		return
	}
	d := historyData{NotFirst: q.After > 0}
	for _, inv := range p.Invoices {
		var its []string
		for _, it := range inv.Items {
			var cfg []string
			for _, c := range it.Config {
				cfg = append(cfg, c.Name+" "+c.Value)
			}
			desc := it.Description
			if len(cfg) > 0 {
				desc += " (" + strings.Join(cfg, ", ") + ")"
			}
			its = append(its, desc)
		}
		d.Rows = append(d.Rows, historyRow{Date: when(inv.Time), Ref: inv.ID, Order: inv.OrderID, Amount: money(inv.Amount),
			Method: a.methodLabel(r, inv.Method), Items: strings.Join(its, "; ")})
	}
	if p.More {
		d.Next = strconv.FormatInt(p.Next, 10)
	}
	a.render(w, r, &s, http.StatusOK, "billing", "billing_title", d)
}

// ---- mailbox and SMS -----------------------------------------------------

type mailRow struct {
	N                       int
	To, Subject, Date, Kind string
}

func (a *app) mailbox(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	msgs := a.mail.Messages()
	rows := make([]mailRow, 0, len(msgs))
	for i := len(msgs) - 1; i >= 0; i-- { // newest first
		m := msgs[i]
		rows = append(rows, mailRow{N: i + 1, To: m.To.Address, Subject: m.Subject, Date: when(m.Date), Kind: string(m.Kind)})
	}
	a.render(w, r, &s, http.StatusOK, "mailbox", "mailbox_title", rows)
}

func (a *app) email(r *http.Request) (checkout.Email, int, bool) {
	n, err := strconv.Atoi(r.PathValue("n"))
	msgs := a.mail.Messages()
	if err != nil || n < 1 || n > len(msgs) {
		return checkout.Email{}, 0, false
	}
	return msgs[n-1], n, true
}

// segment is a piece of an email's text: plain, or a link.
type segment struct {
	Text string
	Link bool
}

var linkPattern = regexp.MustCompile(`https?://[^\s<>"]+`)

// linkify splits text into plain pieces and http(s) links, so that the
// template can make the links clickable (and escape everything).
func linkify(text string) []segment {
	var out []segment
	last := 0
	for _, m := range linkPattern.FindAllStringIndex(text, -1) {
		if m[0] > last {
			out = append(out, segment{Text: text[last:m[0]]})
		}
		out = append(out, segment{Text: text[m[0]:m[1]], Link: true})
		last = m[1]
	}
	if last < len(text) {
		out = append(out, segment{Text: text[last:]})
	}
	return out
}

type mailData struct {
	N                       int
	From, To, Subject, Date string
	Body                    []segment
}

func (a *app) mailMessage(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	e, n, ok := a.email(r)
	if !ok {
		a.notFound(w, r, &s)
		return
	}
	a.render(w, r, &s, http.StatusOK, "mail", "nav_mailbox", mailData{N: n, From: e.From.String(), To: e.To.Address,
		Subject: e.Subject, Date: when(e.Date), Body: linkify(e.Text)})
}

// mailHTML shows an email's HTML part as a mail client would: as is, with
// no script and nothing loaded from elsewhere.
func (a *app) mailHTML(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	e, _, ok := a.email(r)
	if !ok {
		a.notFound(w, r, &s)
		return
	}
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Referrer-Policy", "no-referrer")
	_, _ = w.Write([]byte(e.HTML))
}

func (a *app) sms(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	var lines []string
	for _, acc := range vietAccounts {
		if code := a.viet.OTP(acc.Phone); code != "" {
			lines = append(lines, a.t(r, "sms_viet", acc.Phone, code))
		}
	}
	for _, cu := range customers {
		for _, id := range a.recentOrders(cu.ID) {
			o, err := a.c.Order(r.Context(), id)
			if err != nil {
				continue
			}
			if at, ok := waitingOTP(o); ok {
				if code, ok := a.vinid.OTP(at.GatewayTxnID); ok {
					lines = append(lines, a.t(r, "sms_vinid", o.ID, code))
				}
			}
		}
	}
	a.render(w, r, &s, http.StatusOK, "sms", "sms_title", lines)
}

// ---- VinID wallet link ---------------------------------------------------

type vinidData struct {
	Linked bool
}

func (a *app) vinidPage(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	a.render(w, r, &s, http.StatusOK, "vinid", "vinid_title", vinidData{Linked: a.vinidLinked(s.customer)})
}

func (a *app) vinidLink(w http.ResponseWriter, r *http.Request) {
	s, ok := a.post(w, r)
	if !ok {
		return
	}
	resp, err := a.vinidClient.LinkWallet(r.Context(), vinidpay.LinkWalletRequest{PartnerUserID: s.customer,
		CallbackURL: a.cfg.BaseURL + "/vinid/callback"})
	if err != nil {
		a.flash(s, a.t(r, "err_vinid_link", err), true)
		a.redirect(w, r, "/vinid")
		return
	}
	// VinID's page (on the fake: its link page, with the QR code for the
	// VinID app and a confirm button) comes back to /vinid/linked.
	http.Redirect(w, r, resp.WebURL, http.StatusSeeOther)
}

// vinidLinked is where VinID's link page sends the browser back
// (vinidpaytest.WithLinkReturnURL, the host's configuration). The link
// callback came before it: the wallet is linked or it is not.
func (a *app) vinidLinkReturn(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	if !a.vinidLinked(s.customer) {
		a.flash(s, a.t(r, "vinid_not_linked"), true)
		a.redirect(w, r, "/vinid")
		return
	}
	back := "/vinid"
	if s.afterLink != "" {
		back, s.afterLink = "/orders/"+s.afterLink, ""
	}
	a.flash(s, a.t(r, "vinid_done"), false)
	a.redirect(w, r, back)
}

// ---- the browser's return from a gateway ---------------------------------

type resultData struct {
	Text string
}

// result is checkout's result URL: the browser comes back here from a
// gateway. Only the order ID is read from the query; its state comes from
// the store.
func (a *app) result(w http.ResponseWriter, r *http.Request) {
	s := a.session(w, r)
	o, err := a.c.Order(r.Context(), r.URL.Query().Get("order"))
	if err != nil {
		a.notFound(w, r, &s)
		return
	}
	if o.Customer == s.customer {
		a.redirect(w, r, "/orders/"+o.ID)
		return
	}
	// A payer on behalf: the order is someone else's.
	a.render(w, r, &s, http.StatusOK, "result", "result_title",
		resultData{Text: a.t(r, "result_thanks", o.ID, a.t(r, "state_"+string(o.State)))})
}
