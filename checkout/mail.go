package checkout

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	htmltemplate "html/template"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"net/url"
	"strings"
	texttemplate "text/template"
	"time"
	"unicode/utf8"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/internal/amountfmt"
)

// mailTemplates holds the email templates: templates/layout.html, and for each
// language templates/<lang>/common.{txt,html} (line items, footer) and
// templates/<lang>/<kind>.{txt,html}. It is read-only, like a const table.
//
//go:embed templates
var mailTemplates embed.FS

// Errors of rendering and sending emails. A renderer, mailbox or SMTP
// notifier configured wrongly gives an error wrapping [ErrInvalidConfig].
var (
	// ErrInvalidNotification: a Notification cannot be rendered (a missing or
	// malformed field, an amount that cannot be shown exactly, an unknown kind).
	ErrInvalidNotification = errors.New("checkout: mail: invalid notification")
	// ErrHeaderInjection: a value that goes into a header (the recipient, the
	// sender, the subject) holds a line break or another control character.
	ErrHeaderInjection = errors.New("checkout: mail: control character in a header field")
)

// MailOption configures an [EmailRenderer], a [Mailbox] or an [SMTPNotifier].
type MailOption func(*mailOptions) error

type mailOptions struct {
	now    func() time.Time
	logger *slog.Logger
}

// WithMailClock sets the clock that dates messages (the Date header). The
// default is time.Now.
func WithMailClock(now func() time.Time) MailOption {
	return func(o *mailOptions) error {
		if now == nil {
			return fmt.Errorf("%w: mail: nil clock", ErrInvalidConfig)
		}
		o.now = now
		return nil
	}
}

// WithMailLogger sets the logger of an [SMTPNotifier] or a [Mailbox]. It logs
// notification IDs, kinds and Message-IDs, never a password or a body. The
// default discards.
func WithMailLogger(l *slog.Logger) MailOption {
	return func(o *mailOptions) error {
		if l == nil {
			return fmt.Errorf("%w: mail: nil logger", ErrInvalidConfig)
		}
		o.logger = l
		return nil
	}
}

func applyMailOptions(opts []MailOption) (mailOptions, error) {
	o := mailOptions{now: time.Now, logger: slog.New(slog.DiscardHandler)}
	for _, opt := range opts {
		if opt == nil {
			return o, fmt.Errorf("%w: mail: nil option", ErrInvalidConfig)
		}
		if err := opt(&o); err != nil {
			return o, err
		}
	}
	return o, nil
}

// Email is a rendered notification: the fields of an RFC 5322 message with a
// plain-text and an HTML body. [Email.Bytes] encodes it as MIME.
type Email struct {
	// NotificationID is the Notification's ID; MessageID is derived from it,
	// so a message sent twice carries the same Message-ID.
	NotificationID string
	Kind           NotificationKind
	Language       Language // the language rendered (vi or en)

	From      mail.Address
	To        mail.Address
	Subject   string
	Date      time.Time
	MessageID string // with its angle brackets: "<...@domain>"

	Text string // the text/plain body, lines ending in LF
	HTML string // the text/html body, lines ending in LF
}

// EmailRenderer renders notifications into emails with the embedded
// templates. It is safe for concurrent use.
type EmailRenderer struct {
	from   mail.Address
	domain string
	now    func() time.Time
	zone   *time.Location
	text   map[mailTemplateKey]*texttemplate.Template
	html   map[mailTemplateKey]*htmltemplate.Template
}

type mailTemplateKey struct {
	lang Language
	kind NotificationKind
}

// NewEmailRenderer returns a renderer whose messages come from from, an
// address such as "Thanh toán <no-reply@example.vn>" (net/mail syntax, ASCII
// address; the display name may be UTF-8). Option: [WithMailClock].
func NewEmailRenderer(from string, opts ...MailOption) (*EmailRenderer, error) {
	o, err := applyMailOptions(opts)
	if err != nil {
		return nil, err
	}
	return newEmailRenderer(from, o)
}

func newEmailRenderer(from string, o mailOptions) (*EmailRenderer, error) {
	addr, err := parseMailAddress(ErrInvalidConfig, "from", from)
	if err != nil {
		return nil, err
	}
	r := &EmailRenderer{
		from:   addr,
		domain: addr.Address[strings.LastIndexByte(addr.Address, '@')+1:],
		now:    o.now,
		zone:   time.FixedZone("ICT", 7*60*60), // Asia/Ho_Chi_Minh has no DST
		text:   make(map[mailTemplateKey]*texttemplate.Template),
		html:   make(map[mailTemplateKey]*htmltemplate.Template),
	}
	for _, lang := range [...]Language{Vietnamese, English} {
		for _, kind := range [...]NotificationKind{NotifyShareLink, NotifyOrderCompleted, NotifyRefunded} {
			key := mailTemplateKey{lang, kind}
			base := "templates/" + string(lang) + "/"
			tt, err := texttemplate.New(string(kind)).Option("missingkey=error").
				ParseFS(mailTemplates, base+"common.txt", base+string(kind)+".txt")
			if err != nil {
				return nil, fmt.Errorf("checkout: mail: template %s/%s.txt: %w", lang, kind, err)
			}
			ht, err := htmltemplate.New(string(kind)).Option("missingkey=error").
				ParseFS(mailTemplates, "templates/layout.html", base+"common.html", base+string(kind)+".html")
			if err != nil {
				return nil, fmt.Errorf("checkout: mail: template %s/%s.html: %w", lang, kind, err)
			}
			r.text[key], r.html[key] = tt, ht
		}
	}
	return r, nil
}

// mailView is what the templates see: every amount and date already
// formatted, so a value that cannot be shown is an error before rendering.
type mailView struct {
	Lang         Language
	Subject      string
	OrderID      string
	Method       string
	Items        []mailItemView
	Total        string
	Requester    string
	ShareURL     string
	ExpiresAt    string
	RefundAmount string
	Reason       string
}

type mailItemView struct {
	Description string
	Config      []Attribute
	Quantity    int
	Amount      string
}

// Render renders n in its language (vi when empty or unknown; "en-US" is
// en). It refuses, with [ErrInvalidNotification] or [ErrHeaderInjection], a
// notification that is incomplete for its kind or that would put a control
// character into a header.
func (r *EmailRenderer) Render(n Notification) (Email, error) {
	lang := mailLanguage(n.Language)
	if n.ID == "" {
		return Email{}, mailInvalid("empty id")
	}
	to, err := parseMailAddress(ErrInvalidNotification, "to", n.To)
	if err != nil {
		return Email{}, err
	}
	v := mailView{
		Lang:    lang,
		OrderID: n.Order.ID,
		Method:  n.Order.Method,
		Reason:  n.Reason,
	}
	if v.OrderID == "" {
		return Email{}, mailInvalid("empty order id")
	}
	if v.Total, err = FormatAmount(n.Order.Amount, n.Order.Currency); err != nil {
		return Email{}, mailInvalid("order amount: %v", err)
	}
	for i, it := range n.Order.Items {
		if it.Quantity < 1 {
			return Email{}, mailInvalid("item %d: quantity %d is below 1", i, it.Quantity)
		}
		amount, err := FormatAmount(it.Amount, n.Order.Currency)
		if err != nil {
			return Email{}, mailInvalid("item %d: amount: %v", i, err)
		}
		v.Items = append(v.Items, mailItemView{Description: it.Description, Config: it.Config, Quantity: it.Quantity, Amount: amount})
	}
	switch n.Kind {
	case NotifyShareLink:
		if n.RequesterEmail == "" {
			return Email{}, mailInvalid("share link: empty requester email")
		}
		req, err := parseMailAddress(ErrInvalidNotification, "requester email", n.RequesterEmail)
		if err != nil {
			return Email{}, err
		}
		v.Requester = req.Address
		if err := checkShareURL(n.ShareURL); err != nil {
			return Email{}, err
		}
		v.ShareURL = n.ShareURL
		if n.ExpiresAt.IsZero() {
			return Email{}, mailInvalid("share link: zero expiry")
		}
		v.ExpiresAt = n.ExpiresAt.In(r.zone).Format("02/01/2006 15:04")
	case NotifyOrderCompleted:
	case NotifyRefunded:
		if n.RefundAmount.Sign() <= 0 {
			return Email{}, mailInvalid("refund amount %s is not positive", n.RefundAmount)
		}
		if v.RefundAmount, err = FormatAmount(n.RefundAmount, n.Order.Currency); err != nil {
			return Email{}, mailInvalid("refund amount: %v", err)
		}
	default:
		return Email{}, mailInvalid("unknown kind %q", n.Kind)
	}

	key := mailTemplateKey{lang, n.Kind}
	var buf bytes.Buffer
	if err := r.text[key].ExecuteTemplate(&buf, "subject", v); err != nil {
		return Email{}, fmt.Errorf("checkout: mail: render subject: %w", err)
	}
	v.Subject = strings.TrimSpace(buf.String())
	if err := checkHeaderValue("subject", v.Subject); err != nil {
		return Email{}, err
	}
	buf.Reset()
	if err := r.text[key].ExecuteTemplate(&buf, "text", v); err != nil {
		return Email{}, fmt.Errorf("checkout: mail: render text: %w", err)
	}
	text := buf.String()
	buf.Reset()
	if err := r.html[key].ExecuteTemplate(&buf, "layout", v); err != nil {
		return Email{}, fmt.Errorf("checkout: mail: render html: %w", err)
	}
	return Email{
		NotificationID: n.ID,
		Kind:           n.Kind,
		Language:       lang,
		From:           r.from,
		To:             to,
		Subject:        v.Subject,
		Date:           r.now().In(r.zone),
		MessageID:      mailMessageID(n.ID, r.domain),
		Text:           normalizeNewlines(text),
		HTML:           normalizeNewlines(buf.String()),
	}, nil
}

// mailMessageID derives a Message-ID from a notification ID: the same ID
// always gives the same Message-ID, whatever characters the ID holds.
func mailMessageID(id, domain string) string {
	sum := sha256.Sum256([]byte("thanhtoan/checkout/notification\x00" + id))
	return "<" + hex.EncodeToString(sum[:16]) + "@" + domain + ">"
}

func mailLanguage(l Language) Language {
	s := strings.ToLower(string(l))
	if i := strings.IndexAny(s, "-_"); i >= 0 {
		s = s[:i]
	}
	if Language(s) == English {
		return English
	}
	return Vietnamese
}

func mailInvalid(format string, args ...any) error {
	return fmt.Errorf("%w: %s", ErrInvalidNotification, fmt.Sprintf(format, args...))
}

// checkHeaderValue refuses control characters (CR and LF above all) and
// invalid UTF-8 in a value bound for a header.
func checkHeaderValue(field, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: invalid utf-8 in %s", ErrHeaderInjection, field)
	}
	for _, c := range s {
		if c < 0x20 || c == 0x7f {
			if c == '\r' || c == '\n' {
				return fmt.Errorf("%w: line break in %s", ErrHeaderInjection, field)
			}
			return fmt.Errorf("%w: control character %U in %s", ErrHeaderInjection, c, field)
		}
	}
	return nil
}

// parseMailAddress parses one address with net/mail, refusing control
// characters (ErrHeaderInjection) and non-ASCII addresses (which need
// SMTPUTF8). The display name may be UTF-8. Other errors wrap invalid.
func parseMailAddress(invalid error, field, s string) (mail.Address, error) {
	if err := checkHeaderValue(field, s); err != nil {
		return mail.Address{}, err
	}
	if strings.TrimSpace(s) == "" {
		return mail.Address{}, fmt.Errorf("%w: empty %s address", invalid, field)
	}
	a, err := mail.ParseAddress(s)
	if err != nil {
		return mail.Address{}, fmt.Errorf("%w: %s address: %w", invalid, field, err)
	}
	for i := 0; i < len(a.Address); i++ {
		if c := a.Address[i]; c <= 0x20 || c >= 0x7f {
			return mail.Address{}, fmt.Errorf("%w: %s address: only ASCII addresses without spaces are supported", invalid, field)
		}
	}
	if err := checkHeaderValue(field, a.Name); err != nil {
		return mail.Address{}, err
	}
	return *a, nil
}

// checkEmail refuses, wrapping invalid, s unless it is an address alone
// (no display name, no spaces around it) that the email renderer can send
// to (see parseMailAddress) and the gateways take: an order's or a payer's
// email is checked when it is given, not found unsendable in the outbox,
// or refused by a gateway, after the payment.
func checkEmail(invalid error, field, s string) error {
	if !plainAddress(s) {
		a, err := parseMailAddress(invalid, field, s)
		if err != nil {
			if !errors.Is(err, invalid) { // a header injection
				err = fmt.Errorf("%w: %w", invalid, err)
			}
			return err
		}
		if a.Address != s {
			return fmt.Errorf("%w: %s %q is not an address alone", invalid, field, s)
		}
	}
	// Servers refuse longer addresses for good.
	if at := strings.LastIndexByte(s, '@'); len(s) > maxEmailLen || at > maxLocalPartLen {
		return fmt.Errorf("%w: %s is longer than SMTP allows (%d octets, %d before the @)", invalid, field, maxEmailLen, maxLocalPartLen)
	}
	return nil
}

// SMTP's limits on an address (RFC 5321, 4.5.3.1).
const (
	maxEmailLen     = 254
	maxLocalPartLen = 64
)

// plainAddress reports whether s is a plain address that net/mail parses
// to itself: a dot-atom local part (ASCII letters, digits and RFC 5322's
// other atext characters, in dot-separated atoms), "@", and a domain of
// dot-separated labels of letters, digits and hyphens. It is the fast
// path of checkEmail; anything else goes through net/mail.
func plainAddress(s string) bool {
	at := strings.IndexByte(s, '@')
	if at <= 0 || at == len(s)-1 {
		return false
	}
	return dotSeparated(s[:at], isAtext) && dotSeparated(s[at+1:], isLabelChar)
}

// dotSeparated reports whether s is non-empty parts of characters ok
// accepts, separated by single dots.
func dotSeparated(s string, ok func(byte) bool) bool {
	prev := byte('.')
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c == '.' {
			if prev == '.' {
				return false
			}
		} else if !ok(c) {
			return false
		}
		prev = c
	}
	return prev != '.'
}

func isLabelChar(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-'
}

func isAtext(c byte) bool {
	return isLabelChar(c) || strings.IndexByte("!#$%&'*+/=?^_`{|}~", c) >= 0
}

func checkShareURL(s string) error {
	if s == "" {
		return mailInvalid("share link: empty url")
	}
	for _, c := range s {
		if c <= 0x20 || c == 0x7f {
			return mailInvalid("share link: url holds a space or control character")
		}
	}
	u, err := url.Parse(s)
	if err != nil {
		return mailInvalid("share link: url: %v", err)
	}
	if (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return mailInvalid("share link: url must be an absolute http(s) url")
	}
	return nil
}

// FormatAmount formats an amount the way Vietnamese users read it: VND as
// whole dong with dots between thousands and the dong sign ("150.000 ₫"),
// USD with two decimals ("$12.50", "$1,234.50"). It is exact: it refuses a
// negative amount, a fractional VND amount, USD below the cent and any other
// currency, rather than round.
func FormatAmount(amount decimal.Decimal, currency string) (string, error) {
	if amount.Sign() < 0 {
		return "", fmt.Errorf("checkout: format amount: negative amount %s", amount)
	}
	switch strings.ToUpper(currency) {
	case "VND":
		if !amount.IsInteger() {
			return "", fmt.Errorf("checkout: format amount: %s VND is not a whole number of dong", amount)
		}
		return amountfmt.Group(amount.BigInt().String(), '.') + " ₫", nil
	case "USD":
		if !amount.Equal(amount.Truncate(2)) {
			return "", fmt.Errorf("checkout: format amount: %s USD has fractions of a cent", amount)
		}
		s := amount.StringFixed(2)
		dot := strings.IndexByte(s, '.')
		return "$" + amountfmt.Group(s[:dot], ',') + s[dot:], nil
	case "":
		return "", errors.New("checkout: format amount: empty currency")
	default:
		return "", fmt.Errorf("checkout: format amount: unsupported currency %q", currency)
	}
}

// Bytes encodes e as an RFC 5322 message: From, To, Subject (RFC 2047
// Q-encoded when not ASCII), Date, Message-ID, MIME-Version and a
// multipart/alternative body with a text/plain and a text/html part, both
// UTF-8 and quoted-printable, lines ending in CRLF. The boundary is derived
// from the content, so the same Email always encodes to the same bytes. It
// refuses control characters in header values.
func (e Email) Bytes() ([]byte, error) {
	for _, h := range [...]struct{ field, value string }{
		{"from", e.From.Name}, {"from", e.From.Address},
		{"to", e.To.Name}, {"to", e.To.Address},
		{"subject", e.Subject}, {"message-id", e.MessageID},
	} {
		if err := checkHeaderValue(h.field, h.value); err != nil {
			return nil, err
		}
	}
	if e.From.Address == "" || e.To.Address == "" {
		return nil, mailInvalid("empty from or to address")
	}
	if e.Date.IsZero() {
		return nil, mailInvalid("zero date")
	}

	var text, html bytes.Buffer
	if err := writeQuotedPrintable(&text, e.Text); err != nil {
		return nil, err
	}
	if err := writeQuotedPrintable(&html, e.HTML); err != nil {
		return nil, err
	}
	// "=_" never occurs in quoted-printable output, so the boundary cannot
	// occur in a part; the hash makes it stable for the same content.
	sum := sha256.Sum256(append(append([]byte(e.MessageID+"\x00"), text.Bytes()...), html.Bytes()...))
	boundary := "=_" + hex.EncodeToString(sum[:12])

	var msg bytes.Buffer
	writeHeader := func(name, value string) {
		msg.WriteString(name)
		msg.WriteString(": ")
		msg.WriteString(value)
		msg.WriteString("\r\n")
	}
	writeHeader("From", e.From.String())
	writeHeader("To", e.To.String())
	writeHeader("Subject", encodeMailSubject(e.Subject))
	writeHeader("Date", e.Date.Format(time.RFC1123Z))
	if e.MessageID != "" {
		writeHeader("Message-ID", e.MessageID)
	}
	writeHeader("MIME-Version", "1.0")
	writeHeader("Auto-Submitted", "auto-generated")
	writeHeader("Content-Type", mime.FormatMediaType("multipart/alternative", map[string]string{"boundary": boundary}))
	msg.WriteString("\r\n")

	mw := multipart.NewWriter(&msg)
	if err := mw.SetBoundary(boundary); err != nil {
		return nil, fmt.Errorf("checkout: mail: boundary: %w", err)
	}
	for _, part := range [...]struct {
		contentType string
		body        []byte
	}{
		{"text/plain; charset=utf-8", text.Bytes()},
		{"text/html; charset=utf-8", html.Bytes()},
	} {
		w, err := mw.CreatePart(textproto.MIMEHeader{
			"Content-Type":              {part.contentType},
			"Content-Transfer-Encoding": {"quoted-printable"},
		})
		if err != nil {
			return nil, fmt.Errorf("checkout: mail: part: %w", err)
		}
		if _, err := w.Write(part.body); err != nil {
			return nil, fmt.Errorf("checkout: mail: part: %w", err)
		}
	}
	if err := mw.Close(); err != nil {
		return nil, fmt.Errorf("checkout: mail: close: %w", err)
	}
	return msg.Bytes(), nil
}

// encodeMailSubject Q-encodes a subject that is not plain ASCII and folds
// between encoded words, so no header line grows past 78 characters because
// of the encoding. A subject that holds "=?" is always encoded (in base64
// words), so text that looks like an encoded word is shown as typed rather
// than decoded by the reader's mail client.
func encodeMailSubject(s string) string {
	enc := mime.QEncoding.Encode("utf-8", s)
	if enc == s && strings.Contains(s, "=?") {
		var words []string
		for len(s) > 0 {
			n := min(len(s), 45) // 60 base64 characters: a 72-character word
			for n < len(s) && !utf8.RuneStart(s[n]) {
				n--
			}
			words = append(words, "=?utf-8?b?"+base64.StdEncoding.EncodeToString([]byte(s[:n]))+"?=")
			s = s[n:]
		}
		enc = strings.Join(words, " ")
	}
	return strings.ReplaceAll(enc, "?= =?", "?=\r\n =?")
}

// normalizeNewlines turns CRLF and lone CR into LF.
func normalizeNewlines(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
}

// writeQuotedPrintable encodes s, its line breaks normalised to CRLF. The
// quoted-printable writer sees LF only: given a lone CR followed by another
// byte and an LF, it would drop the LF.
func writeQuotedPrintable(w io.Writer, s string) error {
	qp := quotedprintable.NewWriter(w)
	if _, err := io.WriteString(qp, normalizeNewlines(s)); err != nil {
		return fmt.Errorf("checkout: mail: quoted-printable: %w", err)
	}
	if err := qp.Close(); err != nil {
		return fmt.Errorf("checkout: mail: quoted-printable: %w", err)
	}
	return nil
}
