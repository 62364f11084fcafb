package vtcpaytest

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// maxPageBytes caps the pages Pay reads.
const maxPageBytes = 256 << 10

// ErrNoReturnURL is returned by Pay when the payment finished but the
// gateway had nowhere to send the payer back: the checkout had no url_return
// and the Config no ReceivingURL.
var ErrNoReturnURL = errors.New("vtcpaytest: pay: no return URL")

// CheckoutError is a checkout the fake refused, with the seed's status code.
type CheckoutError struct {
	Status int
	// ReturnURL is the signed return the gateway sent the payer to, carrying
	// the status; nil when the gateway could not trust the request (bad or
	// missing signature, unknown website) or had no return URL.
	ReturnURL *url.URL
}

func (e *CheckoutError) Error() string {
	return fmt.Sprintf("vtcpaytest: checkout refused with status %d", e.Status)
}

// Pay plays the payer: it opens checkoutURL (which must point at this fake)
// and submits the hosted page with the given outcome, a status of the seed's
// table: StatusSuccess presses Pay, StatusCancelled presses Cancel, any other
// presses Pay with that scenario. It returns the signed return URL the
// gateway redirects the payer to, without following it. A refused checkout
// gives a *CheckoutError.
func (s *Server) Pay(ctx context.Context, checkoutURL string, status int) (*url.URL, error) {
	if !knownStatus(status) {
		return nil, fmt.Errorf("vtcpaytest: pay: %d is not a status of the table", status)
	}
	u, err := url.Parse(checkoutURL)
	if err != nil {
		return nil, fmt.Errorf("vtcpaytest: pay: checkout URL: %w", err)
	}
	base, _ := url.Parse(s.ts.URL)
	if u.Scheme != base.Scheme || u.Host != base.Host || u.Path != BasePath+"/checkout.html" {
		return nil, fmt.Errorf("vtcpaytest: pay: %s is not this fake's checkout page %s/checkout.html", clip(checkoutURL), s.URL())
	}
	hc := *s.ts.Client()
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }

	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u.String(), nil)
	if err != nil {
		return nil, fmt.Errorf("vtcpaytest: pay: %w", err)
	}
	pg, err := do(&hc, req)
	if err != nil {
		return nil, err
	}
	if pg.code != http.StatusOK {
		return nil, pg.refused()
	}
	id, ok := formValue(pg.body, "trans_ref_no")
	if !ok {
		return nil, errors.New("vtcpaytest: pay: the checkout page has no transaction")
	}

	form := url.Values{"trans_ref_no": {id}, "status": {strconv.Itoa(status)}, "action": {"pay"}}
	if status == StatusCancelled {
		form = url.Values{"trans_ref_no": {id}, "action": {"cancel"}}
	}
	submit := *u
	submit.Path, submit.RawQuery = BasePath+"/checkout/submit", ""
	req, err = http.NewRequestWithContext(ctx, http.MethodPost, submit.String(), strings.NewReader(form.Encode()))
	if err != nil {
		return nil, fmt.Errorf("vtcpaytest: pay: %w", err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	pg, err = do(&hc, req)
	switch {
	case err != nil:
		return nil, err
	case pg.code == http.StatusSeeOther && pg.location != nil:
		return pg.location, nil
	case pg.code == http.StatusOK:
		return nil, ErrNoReturnURL
	}
	return nil, fmt.Errorf("vtcpaytest: pay: submit answered HTTP %d", pg.code)
}

// page is an answer of the fake's pages.
type page struct {
	code     int
	location *url.URL
	status   string // X-Vtcpaytest-Status
	body     string
}

// do runs req and reads the answer, without following redirects.
func do(hc *http.Client, req *http.Request) (page, error) {
	resp, err := hc.Do(req)
	if err != nil {
		return page{}, fmt.Errorf("vtcpaytest: pay: %w", err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxPageBytes))
	if err != nil {
		return page{}, fmt.Errorf("vtcpaytest: pay: %w", err)
	}
	loc, _ := resp.Location()
	return page{code: resp.StatusCode, location: loc, status: resp.Header.Get("X-Vtcpaytest-Status"), body: string(b)}, nil
}

// refused turns a refusal page into a *CheckoutError.
func (p page) refused() error {
	st, err := strconv.Atoi(p.status)
	if err != nil {
		return fmt.Errorf("vtcpaytest: pay: checkout answered HTTP %d", p.code)
	}
	e := &CheckoutError{Status: st}
	if p.code == http.StatusSeeOther {
		e.ReturnURL = p.location
	}
	return e
}

// formValue finds the value of the named input on a page.
func formValue(body, name string) (string, bool) {
	_, rest, ok := strings.Cut(body, ` name="`+name+`" value="`)
	if !ok {
		return "", false
	}
	v, _, ok := strings.Cut(rest, `"`)
	return v, ok && v != ""
}
