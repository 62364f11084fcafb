package vivietpaytest

import (
	"context"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
)

// Payer is a browser stand-in: an http.Client with a cookie jar that follows
// the fake's pages and form posts, and stops at the merchant's return URL.
type Payer struct {
	hc   *http.Client
	host string
}

// Page is one HTML page of the fake, as the payer saw it.
type Page struct {
	URL    *url.URL
	Status int
	Body   string
}

// NewPayer returns a payer for this fake gateway.
func (s *Server) NewPayer() *Payer {
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(s.URL)
	hc := s.Client()
	c := *hc
	c.Jar = jar
	// Follow redirects inside the gateway only: the merchant's return URL
	// is read from the result page, not fetched.
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if req.URL.Host != u.Host || len(via) > 10 {
			return http.ErrUseLastResponse
		}
		return nil
	}
	return &Payer{hc: &c, host: u.Host}
}

// Open follows a checkout URL to the gateway's first page.
func (p *Payer) Open(ctx context.Context, checkoutURL string) (*Page, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, checkoutURL, nil)
	if err != nil {
		return nil, err
	}
	return p.do(req)
}

var (
	formAction = regexp.MustCompile(`<form method="post" action="([^"]+)"`)
	returnLink = regexp.MustCompile(`<a id="return-link" href="([^"]+)"`)
	codeText   = regexp.MustCompile(`<b id="code">([^<]*)</b>`)
	errorText  = regexp.MustCompile(`id="error">([^<]*)<`)
)

// Submit posts the page's form with values (for the login page: account,
// password, action=pay|cancel; for the OTP page: otp, action).
func (p *Payer) Submit(ctx context.Context, page *Page, values url.Values) (*Page, error) {
	m := formAction.FindStringSubmatch(page.Body)
	if m == nil {
		return nil, fmt.Errorf("vivietpaytest: page %s has no form", page.URL.Path)
	}
	action, err := page.URL.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(values.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return p.do(req)
}

func (p *Payer) do(req *http.Request) (*Page, error) {
	resp, err := p.hc.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return nil, err
	}
	return &Page{URL: resp.Request.URL, Status: resp.StatusCode, Body: string(b)}, nil
}

// IsLogin, IsOTP and IsResult tell the page apart.
func (pg *Page) IsLogin() bool  { return strings.Contains(pg.Body, `name="password"`) }
func (pg *Page) IsOTP() bool    { return strings.Contains(pg.Body, `name="otp"`) }
func (pg *Page) IsResult() bool { return returnLink.MatchString(pg.Body) }

// Code is the response code shown on a result or error page.
func (pg *Page) Code() string {
	if m := codeText.FindStringSubmatch(pg.Body); m != nil {
		return m[1]
	}
	return ""
}

// Error is the error message shown on the page, if any.
func (pg *Page) Error() string {
	if m := errorText.FindStringSubmatch(pg.Body); m != nil {
		return html.UnescapeString(m[1])
	}
	return ""
}

// ReturnURL is the merchant URL the result page sends the payer back to,
// with the signed result in its query.
func (pg *Page) ReturnURL() (*url.URL, error) {
	m := returnLink.FindStringSubmatch(pg.Body)
	if m == nil {
		return nil, errors.New("vivietpaytest: not a result page")
	}
	return url.Parse(html.UnescapeString(m[1]))
}

// Pay plays the whole happy path: open, log in, pay, enter the OTP the fake
// "sent", and return the result page.
func (s *Server) Pay(ctx context.Context, checkoutURL, phone, password string) (*Page, error) {
	p := s.NewPayer()
	page, err := p.Open(ctx, checkoutURL)
	if err != nil {
		return nil, err
	}
	if !page.IsLogin() {
		return page, fmt.Errorf("vivietpaytest: expected the login page, got %d %s", page.Status, page.Error())
	}
	page, err = p.Submit(ctx, page, url.Values{"account": {phone}, "password": {password}, "action": {"pay"}})
	if err != nil || !page.IsOTP() {
		return page, err
	}
	return p.Submit(ctx, page, url.Values{"otp": {s.OTP(phone)}, "action": {"confirm"}})
}
