package checkout_test

import (
	"bytes"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"strings"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
)

// mailTestNow is the clock of the mail tests: 23/11/2026 09:30 in Hanoi.
func mailTestNow() time.Time { return time.Date(2026, 11, 23, 2, 30, 0, 0, time.UTC) }

func mailTestRenderer(t *testing.T) *checkout.EmailRenderer {
	t.Helper()
	r, err := checkout.NewEmailRenderer("Thanh toán <no-reply@thanhtoan.example>", checkout.WithMailClock(mailTestNow))
	if err != nil {
		t.Fatalf("NewEmailRenderer: %v", err)
	}
	return r
}

// mailTestNotification is a notification of kind k in language l, with a
// hostile item name and an order total of 1.250.000 ₫.
func mailTestNotification(k checkout.NotificationKind, l checkout.Language) checkout.Notification {
	n := checkout.Notification{
		ID:       "ord_42/email/" + string(k),
		Kind:     k,
		To:       "Nguyễn Văn An <an@khachhang.example>",
		Language: l,
		Order: checkout.OrderSummary{
			ID: "ord_42",
			Items: []checkout.LineItem{
				{
					Description: "Cloud server <script>alert(1)</script>",
					Config: []checkout.Attribute{
						{Name: "vCPU", Value: "2"},
						{Name: "RAM", Value: "4 GB"},
						{Name: "Disk", Value: "80 GB SSD"},
					},
					Quantity: 1,
					Amount:   decimal.RequireFromString("1150000"),
				},
				{
					Description: "Public IPv4",
					Config:      []checkout.Attribute{{Name: "Bandwidth", Value: "100 Mbps"}},
					Quantity:    2,
					Amount:      decimal.RequireFromString("100000"),
				},
			},
			Amount:   decimal.RequireFromString("1250000"),
			Currency: "VND",
			Method:   "VTC Pay",
		},
	}
	switch k {
	case checkout.NotifyShareLink:
		n.To = "payer@congty.example"
		n.ShareURL = "https://pay.example.vn/share?t=AbC123&lang=vi"
		n.ExpiresAt = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // 17:00 in Hanoi
		n.RequesterEmail = "an@khachhang.example"
	case checkout.NotifyRefunded:
		n.RefundAmount = decimal.RequireFromString("300000")
		n.Reason = "Hết tài nguyên <tại> vùng HN"
	}
	return n
}

func TestRenderEveryKindAndLanguage(t *testing.T) {
	t.Parallel()
	r := mailTestRenderer(t)
	cases := []struct {
		kind    checkout.NotificationKind
		lang    checkout.Language
		subject string
		text    []string // in the text body, as is; in the HTML body, escaped
		html    []string // in the HTML body instead of text, when not nil
	}{
		{checkout.NotifyShareLink, checkout.Vietnamese,
			"an@khachhang.example nhờ bạn thanh toán đơn hàng ord_42",
			[]string{"nhờ bạn thanh toán hộ", "23/11/2026 17:00", "Tổng cộng", "an@khachhang.example"}, nil},
		{checkout.NotifyShareLink, checkout.English,
			"an@khachhang.example asks you to pay order ord_42",
			[]string{"on their behalf", "23/11/2026 17:00", "Total", "an@khachhang.example"}, nil},
		{checkout.NotifyOrderCompleted, checkout.Vietnamese,
			"Đơn hàng ord_42 đã thanh toán thành công",
			[]string{"đã được khởi tạo", "Phương thức thanh toán: VTC Pay", "Tổng cộng"}, nil},
		{checkout.NotifyOrderCompleted, checkout.English,
			"Order ord_42 is paid",
			[]string{"provisioned", "Payment method: VTC Pay", "Total"}, nil},
		{checkout.NotifyRefunded, checkout.Vietnamese,
			"Đơn hàng ord_42 đã được hoàn tiền",
			[]string{"Số tiền 300.000 ₫ đã được hoàn lại", "Lý do: Hết tài nguyên <tại> vùng HN"},
			[]string{"Số tiền <strong>300.000 ₫</strong> đã được hoàn lại", "Lý do: Hết tài nguyên &lt;tại&gt; vùng HN"}},
		{checkout.NotifyRefunded, checkout.English,
			"Order ord_42 has been refunded",
			[]string{"300.000 ₫ has been refunded", "Reason: Hết tài nguyên <tại> vùng HN"},
			[]string{"<strong>300.000 ₫</strong> has been refunded", "Reason: Hết tài nguyên &lt;tại&gt; vùng HN"}},
	}
	// Every email shows the order: items, their configuration, amounts.
	common := []string{
		"Cloud server <script>alert(1)</script>", "vCPU: 2", "RAM: 4 GB", "Disk: 80 GB SSD",
		"Bandwidth: 100 Mbps", "1.150.000 ₫", "100.000 ₫", "1.250.000 ₫", "ord_42",
	}
	for _, tc := range cases {
		t.Run(string(tc.kind)+"/"+string(tc.lang), func(t *testing.T) {
			t.Parallel()
			n := mailTestNotification(tc.kind, tc.lang)
			e, err := r.Render(n)
			if err != nil {
				t.Fatalf("Render: %v", err)
			}
			if e.Subject != tc.subject {
				t.Errorf("subject = %q, want %q", e.Subject, tc.subject)
			}
			if e.Language != tc.lang || e.Kind != tc.kind || e.NotificationID != n.ID {
				t.Errorf("email = %s %s %s, want %s %s %s", e.Language, e.Kind, e.NotificationID, tc.lang, tc.kind, n.ID)
			}
			if !e.Date.Equal(mailTestNow()) {
				t.Errorf("date = %v, want %v", e.Date, mailTestNow())
			}
			for _, want := range append(append([]string{}, common...), tc.text...) {
				if !strings.Contains(e.Text, want) {
					t.Errorf("text lacks %q:\n%s", want, e.Text)
				}
			}
			htmlWant := common
			if tc.html == nil {
				htmlWant = append(append([]string{}, common...), tc.text...)
			}
			for _, want := range htmlWant {
				if esc := mailTestHTMLEscape(want); !strings.Contains(e.HTML, esc) {
					t.Errorf("html lacks %q:\n%s", esc, e.HTML)
				}
			}
			for _, want := range tc.html {
				if !strings.Contains(e.HTML, want) {
					t.Errorf("html lacks %q:\n%s", want, e.HTML)
				}
			}
			if strings.Contains(e.HTML, "<script>") || strings.Contains(e.HTML, "<tại>") {
				t.Errorf("html holds unescaped item or reason text:\n%s", e.HTML)
			}
			if !strings.Contains(e.HTML, `<html lang="`+string(tc.lang)+`">`) {
				t.Errorf("html lacks its language")
			}
			if tc.kind == checkout.NotifyShareLink {
				if !strings.Contains(e.Text, n.ShareURL) {
					t.Errorf("text lacks the share url")
				}
				if !strings.Contains(e.HTML, `href="https://pay.example.vn/share?t=AbC123&amp;lang=vi"`) {
					t.Errorf("html lacks the share link:\n%s", e.HTML)
				}
			} else if strings.Contains(e.Text, "pay.example.vn") {
				t.Errorf("%s email shows a share url", tc.kind)
			}
		})
	}
}

// mailTestHTMLEscape escapes what html/template escapes in text.
func mailTestHTMLEscape(s string) string {
	return strings.NewReplacer("<", "&lt;", ">", "&gt;", "&", "&amp;", `"`, "&#34;", "'", "&#39;").Replace(s)
}

func TestRenderLanguageFallback(t *testing.T) {
	t.Parallel()
	r := mailTestRenderer(t)
	for _, tc := range []struct {
		in   checkout.Language
		want checkout.Language
	}{
		{"", checkout.Vietnamese}, {"vi", checkout.Vietnamese}, {"vi-VN", checkout.Vietnamese},
		{"en", checkout.English}, {"EN-us", checkout.English}, {"en_GB", checkout.English}, {"fr", checkout.Vietnamese},
	} {
		e, err := r.Render(mailTestNotification(checkout.NotifyOrderCompleted, tc.in))
		if err != nil {
			t.Fatalf("Render(%q): %v", tc.in, err)
		}
		if e.Language != tc.want {
			t.Errorf("Render(%q).Language = %q, want %q", tc.in, e.Language, tc.want)
		}
	}
}

func TestFormatAmount(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		amount, currency, want string
	}{
		{"0", "VND", "0 ₫"},
		{"1", "VND", "1 ₫"},
		{"999", "VND", "999 ₫"},
		{"1000", "VND", "1.000 ₫"},
		{"150000", "VND", "150.000 ₫"},
		{"1000000", "VND", "1.000.000 ₫"},
		{"12345678", "VND", "12.345.678 ₫"},
		{"150000.000", "VND", "150.000 ₫"},
		{"98765432109876543210", "VND", "98.765.432.109.876.543.210 ₫"},
		{"1000", "vnd", "1.000 ₫"},
		{"0", "USD", "$0.00"},
		{"12.5", "USD", "$12.50"},
		{"0.07", "USD", "$0.07"},
		{"999.99", "USD", "$999.99"},
		{"1234.5", "USD", "$1,234.50"},
		{"1000000", "USD", "$1,000,000.00"},
	} {
		got, err := checkout.FormatAmount(decimal.RequireFromString(tc.amount), tc.currency)
		if err != nil {
			t.Errorf("FormatAmount(%s %s): %v", tc.amount, tc.currency, err)
			continue
		}
		if got != tc.want {
			t.Errorf("FormatAmount(%s %s) = %q, want %q", tc.amount, tc.currency, got, tc.want)
		}
	}
	for _, tc := range []struct{ amount, currency string }{
		{"-1", "VND"}, {"-1000", "VND"}, {"-0.01", "USD"},
		{"1.5", "VND"}, {"0.001", "USD"}, {"12.505", "USD"},
		{"100", "EUR"}, {"100", ""},
	} {
		if got, err := checkout.FormatAmount(decimal.RequireFromString(tc.amount), tc.currency); err == nil {
			t.Errorf("FormatAmount(%s %s) = %q, want an error", tc.amount, tc.currency, got)
		}
	}
}

func TestRenderRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	r := mailTestRenderer(t)
	for name, mutate := range map[string]func(*checkout.Notification){
		"to crlf":        func(n *checkout.Notification) { n.To = "an@khachhang.example\r\nBcc: all@victim.example" },
		"to lf":          func(n *checkout.Notification) { n.To = "an@khachhang.example\nBcc: all@victim.example" },
		"to cr":          func(n *checkout.Notification) { n.To = "an@khachhang.example\rBcc: all@victim.example" },
		"to name crlf":   func(n *checkout.Notification) { n.To = "\"An\r\nBcc: x@victim.example\" <an@khachhang.example>" },
		"to nul":         func(n *checkout.Notification) { n.To = "an@khachhang.example\x00" },
		"subject order":  func(n *checkout.Notification) { n.Order.ID = "ord_42\r\nBcc: all@victim.example" },
		"subject lf":     func(n *checkout.Notification) { n.Order.ID = "ord_42\nX-Evil: 1" },
		"requester crlf": func(n *checkout.Notification) { n.RequesterEmail = "an@khachhang.example\r\nBcc: x@victim.example" },
	} {
		n := mailTestNotification(checkout.NotifyShareLink, checkout.Vietnamese)
		mutate(&n)
		_, err := r.Render(n)
		if !errors.Is(err, checkout.ErrHeaderInjection) {
			t.Errorf("%s: Render error = %v, want ErrHeaderInjection", name, err)
		}
	}
	if _, err := checkout.NewEmailRenderer("no-reply@thanhtoan.example\r\nBcc: x@victim.example"); !errors.Is(err, checkout.ErrHeaderInjection) {
		t.Errorf("NewEmailRenderer with a line break in from: %v, want ErrHeaderInjection", err)
	}

	// An Email built by hand is checked again when encoded.
	e, err := r.Render(mailTestNotification(checkout.NotifyOrderCompleted, checkout.English))
	if err != nil {
		t.Fatal(err)
	}
	for name, mutate := range map[string]func(*checkout.Email){
		"subject":    func(e *checkout.Email) { e.Subject = "Paid\r\nBcc: x@victim.example" },
		"to":         func(e *checkout.Email) { e.To.Address = "a@b.example\r\nBcc: x@victim.example" },
		"from name":  func(e *checkout.Email) { e.From.Name = "Shop\nBcc: x@victim.example" },
		"message-id": func(e *checkout.Email) { e.MessageID = "<a@b>\r\nBcc: x@victim.example" },
	} {
		bad := e
		mutate(&bad)
		if _, err := bad.Bytes(); !errors.Is(err, checkout.ErrHeaderInjection) {
			t.Errorf("%s: Bytes error = %v, want ErrHeaderInjection", name, err)
		}
	}
}

func TestRenderRefusesInvalidNotifications(t *testing.T) {
	t.Parallel()
	r := mailTestRenderer(t)
	for _, tc := range []struct {
		name   string
		kind   checkout.NotificationKind
		mutate func(*checkout.Notification)
	}{
		{"empty id", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.ID = "" }},
		{"empty to", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.To = " " }},
		{"bad to", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.To = "not an address" }},
		{"two recipients", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.To = "a@b.example, c@d.example" }},
		{"non-ascii address", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.To = "an@khách.example" }},
		{"unknown kind", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.Kind = "invoice" }},
		{"empty order id", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.Order.ID = "" }},
		{"negative total", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.Order.Amount = decimal.RequireFromString("-1") }},
		{"fractional vnd", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.Order.Items[0].Amount = decimal.RequireFromString("0.5") }},
		{"no currency", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.Order.Currency = "" }},
		{"unknown currency", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.Order.Currency = "XAU" }},
		{"quantity zero", checkout.NotifyOrderCompleted, func(n *checkout.Notification) { n.Order.Items[1].Quantity = 0 }},
		{"share without url", checkout.NotifyShareLink, func(n *checkout.Notification) { n.ShareURL = "" }},
		{"share javascript url", checkout.NotifyShareLink, func(n *checkout.Notification) { n.ShareURL = "javascript:alert(1)" }},
		{"share relative url", checkout.NotifyShareLink, func(n *checkout.Notification) { n.ShareURL = "/share?t=1" }},
		{"share url with space", checkout.NotifyShareLink, func(n *checkout.Notification) { n.ShareURL = "https://pay.example.vn/a b" }},
		{"share without expiry", checkout.NotifyShareLink, func(n *checkout.Notification) { n.ExpiresAt = time.Time{} }},
		{"share without requester", checkout.NotifyShareLink, func(n *checkout.Notification) { n.RequesterEmail = "" }},
		{"share bad requester", checkout.NotifyShareLink, func(n *checkout.Notification) { n.RequesterEmail = "someone" }},
		{"refund zero", checkout.NotifyRefunded, func(n *checkout.Notification) { n.RefundAmount = decimal.Zero }},
		{"refund negative", checkout.NotifyRefunded, func(n *checkout.Notification) { n.RefundAmount = decimal.RequireFromString("-300000") }},
		{"refund fractional", checkout.NotifyRefunded, func(n *checkout.Notification) { n.RefundAmount = decimal.RequireFromString("300000.5") }},
	} {
		n := mailTestNotification(tc.kind, checkout.English)
		tc.mutate(&n)
		if _, err := r.Render(n); !errors.Is(err, checkout.ErrInvalidNotification) {
			t.Errorf("%s: Render error = %v, want ErrInvalidNotification", tc.name, err)
		}
	}
}

func TestNewEmailRendererRefusesBadConfig(t *testing.T) {
	t.Parallel()
	for _, from := range []string{"", "no-reply", "a@b.example, c@d.example"} {
		if _, err := checkout.NewEmailRenderer(from); !errors.Is(err, checkout.ErrInvalidConfig) {
			t.Errorf("NewEmailRenderer(%q) = %v, want ErrInvalidConfig", from, err)
		}
	}
	if _, err := checkout.NewEmailRenderer("a@b.example", checkout.WithMailClock(nil)); !errors.Is(err, checkout.ErrInvalidConfig) {
		t.Errorf("WithMailClock(nil): %v, want ErrInvalidConfig", err)
	}
	if _, err := checkout.NewEmailRenderer("a@b.example", nil); !errors.Is(err, checkout.ErrInvalidConfig) {
		t.Errorf("nil option: %v, want ErrInvalidConfig", err)
	}
}

// mailTestParsed is an encoded email read back with net/mail and
// mime/multipart.
type mailTestParsed struct {
	header     mail.Header
	subject    string
	partTypes  []string
	partCTEs   []string
	text, html string
}

func mailTestParse(t *testing.T, raw []byte) mailTestParsed {
	t.Helper()
	for i, line := range bytes.Split(raw, []byte("\r\n")) {
		if bytes.ContainsAny(line, "\r\n") {
			t.Fatalf("line %d holds a bare CR or LF: %q", i+1, line)
		}
		if len(line) > 998 {
			t.Fatalf("line %d is %d bytes long", i+1, len(line))
		}
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("mail.ReadMessage: %v", err)
	}
	var p mailTestParsed
	p.header = m.Header
	if p.subject, err = new(mime.WordDecoder).DecodeHeader(m.Header.Get("Subject")); err != nil {
		t.Fatalf("decode subject: %v", err)
	}
	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" || params["boundary"] == "" {
		t.Fatalf("Content-Type = %q (%v), want multipart/alternative with a boundary", m.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		part, err := mr.NextRawPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("next part: %v", err)
		}
		p.partTypes = append(p.partTypes, part.Header.Get("Content-Type"))
		p.partCTEs = append(p.partCTEs, part.Header.Get("Content-Transfer-Encoding"))
		body, err := io.ReadAll(quotedprintable.NewReader(part))
		if err != nil {
			t.Fatalf("decode part: %v", err)
		}
		s := strings.ReplaceAll(string(body), "\r\n", "\n")
		switch len(p.partTypes) {
		case 1:
			p.text = s
		case 2:
			p.html = s
		}
	}
	return p
}

func TestEmailBytesIsMIME(t *testing.T) {
	t.Parallel()
	r := mailTestRenderer(t)
	n := mailTestNotification(checkout.NotifyOrderCompleted, checkout.Vietnamese)
	// Lines that could break a naive encoder: a lone dot, a boundary-like
	// line, a long line, trailing spaces.
	n.Order.Items[1].Description = "IP\r\n.\r\n--=_abc\r\n" + strings.Repeat("dài ", 60) + "  \r\xec"
	e, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	p := mailTestParse(t, raw)

	from, err := p.header.AddressList("From")
	if err != nil || len(from) != 1 || from[0].Name != "Thanh toán" || from[0].Address != "no-reply@thanhtoan.example" {
		t.Errorf("From = %v (%v)", from, err)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 1 || to[0].Name != "Nguyễn Văn An" || to[0].Address != "an@khachhang.example" {
		t.Errorf("To = %v (%v)", to, err)
	}
	if p.subject != "Đơn hàng ord_42 đã thanh toán thành công" {
		t.Errorf("Subject = %q", p.subject)
	}
	if raw := p.header.Get("Subject"); !strings.HasPrefix(raw, "=?utf-8?q?") {
		t.Errorf("raw Subject %q is not Q-encoded", raw)
	}
	date, err := p.header.Date()
	if err != nil || !date.Equal(mailTestNow()) {
		t.Errorf("Date = %v (%v), want %v", date, err, mailTestNow())
	}
	if got := p.header.Get("Date"); got != "Mon, 23 Nov 2026 09:30:00 +0700" {
		t.Errorf("Date header = %q, want Vietnam time", got)
	}
	if got := p.header.Get("Message-ID"); got != e.MessageID || !strings.HasPrefix(got, "<") || !strings.HasSuffix(got, "@thanhtoan.example>") {
		t.Errorf("Message-ID = %q, email's = %q", got, e.MessageID)
	}
	if got := p.header.Get("MIME-Version"); got != "1.0" {
		t.Errorf("MIME-Version = %q", got)
	}
	wantTypes := []string{"text/plain; charset=utf-8", "text/html; charset=utf-8"}
	if strings.Join(p.partTypes, "|") != strings.Join(wantTypes, "|") {
		t.Errorf("parts = %q, want %q", p.partTypes, wantTypes)
	}
	for i, cte := range p.partCTEs {
		if cte != "quoted-printable" {
			t.Errorf("part %d Content-Transfer-Encoding = %q", i, cte)
		}
	}
	if strings.Contains(e.Text, "\r") || strings.Contains(e.HTML, "\r") {
		t.Errorf("rendered bodies hold a CR")
	}
	if want := e.Text; p.text != want {
		t.Errorf("text part differs from the email's text:\n got %q\nwant %q", p.text, want)
	}
	if want := e.HTML; p.html != want {
		t.Errorf("html part differs from the email's html")
	}

	// The same email encodes to the same bytes; the same notification ID
	// gives the same Message-ID, another ID another.
	again, err := e.Bytes()
	if err != nil || !bytes.Equal(again, raw) {
		t.Errorf("Bytes is not deterministic (%v)", err)
	}
	e2, err := r.Render(n)
	if err != nil || e2.MessageID != e.MessageID {
		t.Errorf("second render Message-ID = %q (%v), want %q", e2.MessageID, err, e.MessageID)
	}
	n.ID += "-other"
	e3, err := r.Render(n)
	if err != nil || e3.MessageID == e.MessageID {
		t.Errorf("another ID gave Message-ID %q (%v), the same as %q", e3.MessageID, err, e.MessageID)
	}
}

func TestEmailSubjectLookingEncodedIsShownAsTyped(t *testing.T) {
	t.Parallel()
	r := mailTestRenderer(t)
	n := mailTestNotification(checkout.NotifyOrderCompleted, checkout.English)
	n.Order.ID = "=?utf-8?q?FREE_MONEY?="
	e, err := r.Render(n)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := e.Bytes()
	if err != nil {
		t.Fatal(err)
	}
	if p := mailTestParse(t, raw); p.subject != "Order =?utf-8?q?FREE_MONEY?= is paid" {
		t.Errorf("subject read back as %q", p.subject)
	}
}

// FuzzEmailBytes: whatever the order ID, item text and recipient name, a
// notification is either refused or encodes to a message that reads back
// to the same subject, recipient and bodies.
func FuzzEmailBytes(f *testing.F) {
	f.Add("ord_42", "Cloud server <script>", "Nguyễn Văn An", "Hết tài nguyên")
	f.Add("ord\r\nBcc: x@y", "a\r\n.\r\n--=_x", "\"quoted\" name", "")
	f.Add("=?utf-8?q?x?=", strings.Repeat("dài ", 40), "a, b", "\x00")
	f.Add(strings.Repeat("Đ", 80), "\xff\xfe", "=?utf-8?b?AA==?=", "line\rbreak")
	r, err := checkout.NewEmailRenderer("Thanh toán <no-reply@thanhtoan.example>", checkout.WithMailClock(mailTestNow))
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, orderID, item, name, reason string) {
		n := mailTestNotification(checkout.NotifyRefunded, checkout.Vietnamese)
		n.Order.ID = orderID
		n.Order.Items[0].Description = item
		n.Order.Items[0].Config[0].Value = item
		n.To = (&mail.Address{Name: name, Address: "an@khachhang.example"}).String()
		n.Reason = reason
		e, err := r.Render(n)
		if err != nil {
			if !errors.Is(err, checkout.ErrInvalidNotification) && !errors.Is(err, checkout.ErrHeaderInjection) {
				t.Fatalf("Render: unexpected error %v", err)
			}
			return
		}
		raw, err := e.Bytes()
		if err != nil {
			t.Fatalf("Bytes of a rendered email: %v", err)
		}
		p := mailTestParse(t, raw)
		if p.subject != e.Subject {
			t.Errorf("subject %q read back as %q", e.Subject, p.subject)
		}
		to, err := p.header.AddressList("To")
		if err != nil || len(to) != 1 || to[0].Address != "an@khachhang.example" || to[0].Name != e.To.Name {
			t.Errorf("To %v read back as %v (%v)", e.To, to, err)
		}
		if len(p.partTypes) != 2 {
			t.Fatalf("%d parts, want 2", len(p.partTypes))
		}
		if p.text != e.Text || p.html != e.HTML {
			t.Errorf("bodies do not read back as rendered:\n%q\n%q", p.text, e.Text)
		}
	})
}
