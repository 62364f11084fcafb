package checkout

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"html/template"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// The payer's pages: the share page (the order, read-only, and a button per
// gateway), the OTP page, the result page and the error pages. They are in
// Vietnamese or English: the language of the order (the one the payer's
// email was written in), Vietnamese where no order is known, and "?lang=vi"
// or "?lang=en" switches it (a link on every page; the query only ever picks
// one of the two languages). Each page is templates/pages/layout.html and
// <page>.html, with the words from templates/pages/<lang>.html, like the
// emails. They need no script: the Content-Security-Policy allows nothing
// but their own inline style, which it names by hash.

//go:embed templates/pages
var pageTemplates embed.FS

// pageNames are the pages, each a templates/pages/<name>.html.
var pageNames = [...]string{"share", "otp", "result", "error"}

type pageKey struct {
	lang Language
	page string
}

// pages renders the payer's pages of a Client.
type pages struct {
	c    *Client
	tmpl map[pageKey]*template.Template
	css  template.CSS
	csp  string
	zone *time.Location
}

// newPages parses the embedded templates. They are constants: parsing
// cannot fail at run time (a test renders every page in every language),
// and nothing is parsed at package init.
func (c *Client) newPages() *pages {
	css, err := pageTemplates.ReadFile("templates/pages/style.css")
	if err != nil {
		panic("checkout: pages: " + err.Error())
	}
	sum := sha256.Sum256(css)
	p := &pages{c: c, tmpl: map[pageKey]*template.Template{}, css: template.CSS(css),
		csp: "default-src 'none'; style-src 'sha256-" + base64.StdEncoding.EncodeToString(sum[:]) + "'; " +
			"base-uri 'none'; frame-ancestors 'none'",
		zone: time.FixedZone("ICT", 7*60*60)} // Asia/Ho_Chi_Minh has no DST
	for _, lang := range [...]Language{Vietnamese, English} {
		for _, name := range pageNames {
			p.tmpl[pageKey{lang, name}] = template.Must(template.New(name).Option("missingkey=error").ParseFS(pageTemplates,
				"templates/pages/layout.html", "templates/pages/"+string(lang)+".html", "templates/pages/"+name+".html"))
		}
	}
	return p
}

// pageView is what the page templates see: amounts and times already
// formatted, states, reasons and errors as keys the language files word.
type pageView struct {
	Lang   Language
	Page   string
	CSS    template.CSS
	Switch []pageLangLink
	Self   string // the page's own URL, relative: "?lang=vi"

	OrderID   string
	Items     []mailItemView
	Total     string
	Requester string
	ExpiresAt string
	Gateways  []pageGateway
	Gateway   string // the OTP page's gateway, readable

	State  State
	Reason string // payment_failed, link_expired, provision_failed, mismatch, other
	Error  string // the OTP page's or the error page's key
	Back   string // the error page's link back to the order, if any
}

type pageLangLink struct {
	Lang Language
	Name string
	Href string
}

type pageGateway struct {
	Name  string // the form value
	Label string // "VTC Pay"
}

// pageLanguage is the language of a page: "?lang=vi" or "?lang=en" when
// the request has it, else def (an order's language; vi unless en).
func pageLanguage(r *http.Request, def Language) Language {
	switch Language(r.URL.Query().Get("lang")) {
	case Vietnamese:
		return Vietnamese
	case English:
		return English
	}
	return mailLanguage(def)
}

// gatewayLabel is a gateway's name as payers know it.
func (c *Client) gatewayLabel(name string) string {
	switch c.gateways[name].(type) {
	case *vtcGateway:
		return "VTC Pay"
	case *vinidGateway:
		return "VinID Pay"
	case *vietGateway:
		return "Ví Việt"
	}
	return name
}

// view starts the view of a page in lang, with the link to the other
// language. The link keeps the request's other query parameters (a
// gateway's return carries its result there) and only sets lang.
func (p *pages) view(r *http.Request, lang Language, page string) pageView {
	v := pageView{Lang: lang, Page: page, CSS: p.css, Self: "?lang=" + string(lang)}
	for _, l := range [...]struct {
		lang Language
		name string
	}{{Vietnamese, "Tiếng Việt"}, {English, "English"}} {
		if l.lang == lang {
			continue
		}
		q := r.URL.Query()
		q.Set("lang", string(l.lang))
		v.Switch = append(v.Switch, pageLangLink{Lang: l.lang, Name: l.name, Href: "?" + q.Encode()})
	}
	return v
}

// orderView fills in o's summary.
func (p *pages) orderView(v *pageView, o Order) error {
	v.OrderID, v.State = o.ID, o.State
	var err error
	if v.Total, err = FormatAmount(o.Amount, o.Currency); err != nil {
		return err
	}
	for _, it := range o.Items {
		amount, err := FormatAmount(it.Amount, o.Currency)
		if err != nil {
			return err
		}
		v.Items = append(v.Items, mailItemView{Description: it.Description, Config: it.Config, Quantity: it.Quantity, Amount: amount})
	}
	return nil
}

// render writes a page. A page that cannot be rendered is logged and
// answered 500 with a line of text in both languages, never the error.
func (p *pages) render(w http.ResponseWriter, r *http.Request, status int, v pageView) {
	h := w.Header()
	h.Set("Cache-Control", "no-store")
	h.Set("Referrer-Policy", "no-referrer")
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("X-Frame-Options", "DENY")
	var buf bytes.Buffer
	if err := p.tmpl[pageKey{v.Lang, v.Page}].ExecuteTemplate(&buf, "layout", v); err != nil {
		p.c.opts.logger.ErrorContext(r.Context(), "checkout: render page", "page", v.Page, "err", err)
		h.Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusInternalServerError)
		_, _ = w.Write([]byte("Tạm thời không xử lý được, hãy thử lại sau. / Temporarily unavailable, try again later.\n"))
		return
	}
	h.Set("Content-Type", "text/html; charset=utf-8")
	h.Set("Content-Security-Policy", p.csp)
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// fail renders the error page of kind; back, if set, links to the order.
func (p *pages) fail(w http.ResponseWriter, r *http.Request, lang Language, status int, kind string, back bool) {
	v := p.view(r, lang, "error")
	v.Error = kind
	if back {
		v.Back = v.Self
	}
	p.render(w, r, status, v)
}

// shareError maps an error of a share route to a status and an error page.
func shareError(err error) (status int, kind string, back bool) {
	switch {
	case errors.Is(err, ErrShareNotFound):
		return http.StatusNotFound, "not_found", false
	case errors.Is(err, ErrShareExpired):
		return http.StatusGone, "expired", false
	case errors.Is(err, ErrShareUsed):
		return http.StatusGone, "used", false
	case errors.Is(err, errRequesterPaying):
		return http.StatusConflict, "busy", false
	case errors.Is(err, ErrOrderClosed):
		return http.StatusGone, "closed", false
	case errors.Is(err, ErrUnknownGateway):
		return http.StatusBadRequest, "choose_gateway", true
	case errors.Is(err, ErrInvalidRequest):
		return http.StatusBadRequest, "bad_request", true
	}
	return http.StatusInternalServerError, "unavailable", true
}

// shareOrder returns a share link and its order (for their language and
// payments), whatever the state of the link; zero values when there is none.
func (c *Client) shareOrder(ctx context.Context, token string) (ShareLink, Order) {
	if len(token) == 0 || len(token) > 128 {
		return ShareLink{}, Order{}
	}
	l, err := c.store.GetShare(ctx, sha256.Sum256([]byte(token)))
	if err != nil {
		return ShareLink{}, Order{}
	}
	o, err := c.store.GetOrder(ctx, l.OrderID)
	if err != nil {
		return ShareLink{}, Order{}
	}
	return l, o
}

// waitsForOTP reports whether o waits for the OTP of a payment started
// through share link l.
func waitsForOTP(o Order, l ShareLink) (Attempt, bool) {
	if o.State != StateAwaitingPayment {
		return Attempt{}, false
	}
	share := hex.EncodeToString(l.Hash[:])
	for i := len(o.Attempts) - 1; i >= 0; i-- {
		if a := o.Attempts[i]; a.OTP && !a.Outcome.final() && !a.Review && a.Share == share {
			return a, true
		}
	}
	return Attempt{}, false
}

// serveShare is GET /share/{token}: the shared order, read-only, with a
// button per gateway; or, when a payment of this link waits for its OTP,
// the OTP page.
func (p *pages) serveShare(w http.ResponseWriter, r *http.Request) {
	c, ctx, token := p.c, r.Context(), r.PathValue("token")
	l, o := c.shareOrder(ctx, token)
	lang := pageLanguage(r, o.Language)
	sv, err := c.OpenShare(ctx, token)
	if err != nil {
		status, kind, _ := shareError(err)
		if status == http.StatusInternalServerError {
			c.opts.logger.WarnContext(ctx, "checkout: share page", "err", err)
		}
		p.fail(w, r, lang, status, kind, false)
		return
	}
	if _, ok := waitsForOTP(o, l); ok && o.ID == sv.OrderID {
		p.otpPage(w, r, lang, o, l, "")
		return
	}
	v := p.view(r, lang, "share")
	v.OrderID, v.Requester = sv.OrderID, sv.Requester
	v.ExpiresAt = sv.ExpiresAt.In(p.zone).Format("15:04 02/01/2006")
	err = p.orderView(&v, Order{ID: sv.OrderID, Items: sv.Items, Amount: sv.Amount, Currency: sv.Currency})
	if err != nil {
		c.opts.logger.ErrorContext(ctx, "checkout: share page", "order", sv.OrderID, "err", err)
		p.fail(w, r, lang, http.StatusInternalServerError, "unavailable", false)
		return
	}
	for _, g := range sv.Gateways {
		v.Gateways = append(v.Gateways, pageGateway{Name: g, Label: c.gatewayLabel(g)})
	}
	p.render(w, r, http.StatusOK, v)
}

// otpPage renders the OTP form of o's payment through link l; errKey says
// why the last code was refused ("otp_wrong"), if it was.
func (p *pages) otpPage(w http.ResponseWriter, r *http.Request, lang Language, o Order, l ShareLink, errKey string) {
	v := p.view(r, lang, "otp")
	if err := p.orderView(&v, o); err != nil {
		p.c.opts.logger.ErrorContext(r.Context(), "checkout: otp page", "order", o.ID, "err", err)
		p.fail(w, r, lang, http.StatusInternalServerError, "unavailable", false)
		return
	}
	if a, ok := waitsForOTP(o, l); ok {
		v.Gateway = p.c.gatewayLabel(a.Gateway)
		if total, err := FormatAmount(a.Amount, o.Currency); err == nil {
			v.Total = total
		}
	} else {
		v.Gateway = p.c.gatewayLabel(o.Gateway)
	}
	v.Error = errKey
	p.render(w, r, http.StatusOK, v)
}

// serveSharePost is POST /share/{token}: the payer pays through the
// gateway of the form field "gateway", or sends the OTP of field "otp".
func (p *pages) serveSharePost(w http.ResponseWriter, r *http.Request) {
	c, ctx, token := p.c, r.Context(), r.PathValue("token")
	r.Body = http.MaxBytesReader(w, r.Body, 4<<10)
	formErr := r.ParseForm()
	var next Next
	var err error
	switch {
	case formErr != nil:
		err = ErrInvalidRequest
	case r.PostForm.Has("otp"):
		otp := strings.TrimSpace(r.PostForm.Get("otp"))
		if otp == "" {
			_, o := c.shareOrder(ctx, token)
			p.fail(w, r, pageLanguage(r, o.Language), http.StatusBadRequest, "otp_empty", true)
			return
		}
		next, err = c.SubmitSharedOTP(ctx, token, otp)
	default:
		next, err = c.PayShared(ctx, token, r.PostForm.Get("gateway"))
	}
	if err != nil && next.Order.ID == "" {
		_, o := c.shareOrder(ctx, token)
		status, kind, back := shareError(err)
		if status == http.StatusInternalServerError {
			c.opts.logger.WarnContext(ctx, "checkout: share payment", "order", o.ID, "err", err)
		}
		p.fail(w, r, pageLanguage(r, o.Language), status, kind, back)
		return
	}
	switch {
	case err != nil && next.Kind == NextDone && next.Order.State.Rank() < StatePaid.Rank():
		// An OTP sent when none is awaited: nothing happened.
		p.fail(w, r, pageLanguage(r, next.Order.Language), http.StatusBadRequest, "bad_request", true)
	case next.Kind == NextOTP:
		// The gateway sent the payer an OTP (again, after a refused one).
		errKey := ""
		if err != nil {
			errKey = "otp_wrong"
		}
		l, _ := c.shareOrder(ctx, token)
		p.otpPage(w, r, pageLanguage(r, next.Order.Language), next.Order, l, errKey)
	case next.Kind == NextRedirect:
		w.Header().Set("Referrer-Policy", "no-referrer")
		w.Header().Set("Cache-Control", "no-store")
		http.Redirect(w, r, next.URL, http.StatusSeeOther)
	default:
		p.showResult(w, r, next.Order)
	}
}

// serveReturn is GET /return/{gateway}: the payer's browser back from the
// gateway, its result verified and applied like a notification.
func (p *pages) serveReturn(w http.ResponseWriter, r *http.Request) {
	o, _, status, err := p.c.HandleCallback(r.Context(), r.PathValue("gateway"), withoutLang(r))
	if err != nil && o.ID == "" {
		kind := "unavailable"
		switch status {
		case http.StatusBadRequest:
			kind = "bad_return"
		case http.StatusNotFound:
			kind = "not_found"
		}
		p.fail(w, r, pageLanguage(r, Vietnamese), status, kind, false)
		return
	}
	p.showResult(w, r, o)
}

// withoutLang returns r without the query's lang parameters (which the
// page's language link adds): the gateway verifies the rest, byte for byte.
// No gateway sends a parameter of that name.
func withoutLang(r *http.Request) *http.Request {
	if !strings.Contains(r.URL.RawQuery, "lang=") {
		return r
	}
	parts := strings.Split(r.URL.RawQuery, "&")
	kept := parts[:0]
	for _, s := range parts {
		if s != "lang" && !strings.HasPrefix(s, "lang=") {
			kept = append(kept, s)
		}
	}
	r2 := r.Clone(r.Context())
	r2.URL.RawQuery = strings.Join(kept, "&")
	return r2
}

// resultPage renders o's state in words, with the reason of a cancellation
// or a review.
func (p *pages) resultPage(w http.ResponseWriter, r *http.Request, o Order) {
	lang := pageLanguage(r, o.Language)
	v := p.view(r, lang, "result")
	if err := p.orderView(&v, o); err != nil {
		p.c.opts.logger.ErrorContext(r.Context(), "checkout: result page", "order", o.ID, "err", err)
		p.fail(w, r, lang, http.StatusInternalServerError, "unavailable", false)
		return
	}
	v.Reason = reasonKey(o)
	p.render(w, r, http.StatusOK, v)
}

// reasonKey words o.Reason for the payer: the reason is for the merchant
// (it may hold a gateway's message or codes), so the page shows its kind.
func reasonKey(o Order) string {
	switch {
	case o.State == StateReview:
		return "mismatch"
	case o.State != StateCancelled:
		return ""
	case strings.HasPrefix(o.Reason, "payment failed"):
		return "payment_failed"
	case strings.HasPrefix(o.Reason, "share link expired"):
		return "link_expired"
	case strings.HasPrefix(o.Reason, "provisioning failed"), o.Provision == ProvisionFailed:
		return "provision_failed"
	}
	return "other"
}

// showResult sends the payer to WithResultURL's page with "order" and
// "state" added, or renders the result page.
func (p *pages) showResult(w http.ResponseWriter, r *http.Request, o Order) {
	if p.c.opts.resultURL == "" {
		p.resultPage(w, r, o)
		return
	}
	u, _ := url.Parse(p.c.opts.resultURL)
	q := u.Query()
	q.Set("order", o.ID)
	q.Set("state", string(o.State))
	u.RawQuery = q.Encode()
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u.String(), http.StatusSeeOther)
}
