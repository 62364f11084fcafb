package checkout

import (
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/smtp"
	"net/textproto"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/thanhtoan/thanhtoan/signing"
)

// StartTLSPolicy says how an [SMTPNotifier] protects its connection.
type StartTLSPolicy int

const (
	// StartTLSRequired (the default) upgrades the connection with STARTTLS
	// and fails when the server does not offer it.
	StartTLSRequired StartTLSPolicy = iota
	// StartTLSLoopbackPlaintext upgrades with STARTTLS when the server offers
	// it and otherwise goes on in plaintext, but only when the server's
	// address is a loopback address (a local relay, a test server).
	StartTLSLoopbackPlaintext
	// ImplicitTLS speaks TLS from the first byte (SMTPS, usually port 465).
	ImplicitTLS
)

func (p StartTLSPolicy) String() string {
	switch p {
	case StartTLSRequired:
		return "starttls-required"
	case StartTLSLoopbackPlaintext:
		return "starttls-loopback-plaintext"
	case ImplicitTLS:
		return "implicit-tls"
	default:
		return fmt.Sprintf("StartTLSPolicy(%d)", int(p))
	}
}

// ErrSMTPInsecure: the SMTP connection would carry mail or a password in
// plaintext where the policy does not allow it (no STARTTLS offered, or a
// non-loopback server without TLS).
var ErrSMTPInsecure = errors.New("checkout: smtp: insecure connection refused")

// ErrRecipientRefused: the SMTP server refused the recipient for good, with
// a permanent reply whose enhanced status code says the address itself is
// wrong (5.1.1, 5.1.2, 5.1.3, 5.1.4, 5.1.6, 5.1.10: no such mailbox, no
// such domain, bad syntax, ambiguous, moved, a domain that takes no mail).
// Sending again would fail the same way, so the outbox drops such a
// notification (logged as an error). A refusal without that code (5.7.1,
// say, a relay or policy refusal that a configuration change can cure, or
// 5.1.0, 5.1.7 and 5.1.8, the sender's address refused at RCPT, as
// Postfix does by default) is not this error, and is retried.
var ErrRecipientRefused = errors.New("checkout: smtp: recipient refused for good")

// recipientRefused reports whether err is a permanent refusal of the
// address itself (see ErrRecipientRefused).
func recipientRefused(err error) bool {
	var te *textproto.Error
	if !errors.As(err, &te) || te.Code/100 != 5 {
		return false
	}
	detail, ok := strings.CutPrefix(te.Msg, "5.1.")
	if !ok {
		return false
	}
	if i := strings.IndexFunc(detail, func(r rune) bool { return r < '0' || r > '9' }); i >= 0 {
		detail = detail[:i]
	}
	switch detail {
	case "1", "2", "3", "4", "6", "10": // the destination's address (RFC 3463, RFC 7505)
		return true
	}
	return false
}

// SMTPConfig configures an [SMTPNotifier]. Printing it never shows the
// password.
type SMTPConfig struct {
	// Addr is the server's "host:port", e.g. "smtp.example.vn:587".
	Addr string
	// From is the sender, e.g. "Thanh toán <no-reply@example.vn>"; its
	// address is also the envelope sender (MAIL FROM).
	From string
	// Username and Password authenticate with AUTH PLAIN, which is sent only
	// over TLS or to a loopback address. An empty Username skips AUTH.
	Username string
	Password signing.Secret
	// StartTLS is the TLS policy; the zero value is StartTLSRequired.
	StartTLS StartTLSPolicy
	// TLSConfig is cloned and used for STARTTLS and implicit TLS; nil means
	// the system roots. ServerName defaults to the host of Addr.
	TLSConfig *tls.Config
	// Timeout bounds one Send, dial to QUIT, on top of the ctx deadline.
	// Zero means 30 seconds.
	Timeout time.Duration
	// LocalName is the name sent with EHLO; empty means "localhost".
	LocalName string
}

// SMTPNotifier is a [Notifier] that renders each notification with the
// embedded templates (see [EmailRenderer]) and sends it through an SMTP
// server, one connection per message. The Message-ID is derived from the
// notification ID, so a message the outbox sends twice is recognisable as
// the same one. It is safe for concurrent use.
type SMTPNotifier struct {
	addr      string
	host      string
	from      string // envelope sender
	username  string
	password  signing.Secret
	policy    StartTLSPolicy
	tlsConfig *tls.Config
	timeout   time.Duration
	localName string
	renderer  *EmailRenderer
	logger    *slog.Logger
}

var _ Notifier = (*SMTPNotifier)(nil)

// NewSMTPNotifier validates cfg and returns a notifier. It does not connect.
// Options: [WithMailClock] (the Date header), [WithMailLogger].
func NewSMTPNotifier(cfg SMTPConfig, opts ...MailOption) (*SMTPNotifier, error) {
	o, err := applyMailOptions(opts)
	if err != nil {
		return nil, err
	}
	host, port, err := net.SplitHostPort(cfg.Addr)
	if err != nil || host == "" || port == "" {
		return nil, fmt.Errorf("%w: smtp: addr %q is not host:port", ErrInvalidConfig, cfg.Addr)
	}
	switch cfg.StartTLS {
	case StartTLSRequired, ImplicitTLS:
	case StartTLSLoopbackPlaintext:
		if ip := net.ParseIP(host); ip != nil && !ip.IsLoopback() {
			return nil, fmt.Errorf("%w: smtp: plaintext smtp is only allowed to a loopback address, not %s", ErrInvalidConfig, host)
		}
	default:
		return nil, fmt.Errorf("%w: smtp: unknown starttls policy %d", ErrInvalidConfig, int(cfg.StartTLS))
	}
	if cfg.Username != "" && cfg.Password.IsZero() {
		return nil, fmt.Errorf("%w: smtp: username without a password", ErrInvalidConfig)
	}
	if cfg.Username == "" && !cfg.Password.IsZero() {
		return nil, fmt.Errorf("%w: smtp: password without a username", ErrInvalidConfig)
	}
	if strings.ContainsAny(cfg.Username, "\x00\r\n") || strings.ContainsAny(cfg.Password.Reveal(), "\x00\r\n") {
		return nil, fmt.Errorf("%w: smtp: username or password holds a NUL or a line break", ErrInvalidConfig)
	}
	if cfg.Timeout < 0 {
		return nil, fmt.Errorf("%w: smtp: negative timeout", ErrInvalidConfig)
	}
	if cfg.Timeout == 0 {
		cfg.Timeout = 30 * time.Second
	}
	if cfg.LocalName == "" {
		cfg.LocalName = "localhost"
	}
	if strings.ContainsAny(cfg.LocalName, " \t\r\n") {
		return nil, fmt.Errorf("%w: smtp: local name holds a space or a line break", ErrInvalidConfig)
	}
	r, err := newEmailRenderer(cfg.From, o)
	if err != nil {
		return nil, err
	}
	var tc *tls.Config
	if cfg.TLSConfig != nil {
		tc = cfg.TLSConfig.Clone()
	} else {
		tc = &tls.Config{}
	}
	if tc.ServerName == "" {
		tc.ServerName = host
	}
	if tc.MinVersion == 0 {
		tc.MinVersion = tls.VersionTLS12
	}
	return &SMTPNotifier{
		addr:      cfg.Addr,
		host:      host,
		from:      r.from.Address,
		username:  cfg.Username,
		password:  cfg.Password,
		policy:    cfg.StartTLS,
		tlsConfig: tc,
		timeout:   cfg.Timeout,
		localName: cfg.LocalName,
		renderer:  r,
		logger:    o.logger,
	}, nil
}

// Render renders n as Send would, without sending it.
func (s *SMTPNotifier) Render(n Notification) (Email, error) { return s.renderer.Render(n) }

// Send renders n and delivers it: dial, EHLO, STARTTLS (per the policy),
// AUTH PLAIN (when a username is set), MAIL, RCPT, DATA, QUIT. The ctx
// deadline and cancellation, and the configured Timeout, bound every step.
// A reply the server refuses with is returned wrapped as a
// *textproto.Error (errors.As gives its code); a permanent refusal of the
// recipient's address also wraps ErrRecipientRefused.
func (s *SMTPNotifier) Send(ctx context.Context, n Notification) error {
	e, err := s.renderer.Render(n)
	if err != nil {
		return err
	}
	raw, err := e.Bytes()
	if err != nil {
		return err
	}
	if err := s.deliver(ctx, e.To.Address, raw); err != nil {
		return err
	}
	s.logger.InfoContext(ctx, "checkout: smtp: sent", "id", n.ID, "kind", string(n.Kind), "message_id", e.MessageID)
	return nil
}

func (s *SMTPNotifier) deliver(ctx context.Context, to string, raw []byte) error {
	ctx, cancel := context.WithTimeout(ctx, s.timeout)
	defer cancel()
	deadline, _ := ctx.Deadline() // set by WithTimeout above
	// fail names the step and, when ctx ended, says so. The connection's
	// deadline is ctx's, so its i/o timeout may be seen a moment before ctx
	// reports it: past the deadline, that timeout is ctx's.
	fail := func(step string, err error) error {
		cerr := context.Cause(ctx)
		if cerr == nil && errors.Is(err, os.ErrDeadlineExceeded) && !time.Now().Before(deadline) {
			cerr = context.DeadlineExceeded
		}
		if cerr != nil {
			return fmt.Errorf("checkout: smtp: %s: %w (%w)", step, cerr, err)
		}
		return fmt.Errorf("checkout: smtp: %s: %w", step, err)
	}

	var d net.Dialer
	conn, err := d.DialContext(ctx, "tcp", s.addr)
	if err != nil {
		return fail("dial", err)
	}
	defer conn.Close() // after QUIT it is closed already; nothing to report
	if err := conn.SetDeadline(deadline); err != nil {
		return fail("deadline", err)
	}
	// Cancellation before the deadline unblocks any read or write.
	stop := context.AfterFunc(ctx, func() { _ = conn.SetDeadline(time.Unix(1, 0)) })
	defer stop()
	loopback := isLoopbackAddr(conn.RemoteAddr())

	if s.policy == ImplicitTLS {
		tc := tls.Client(conn, s.tlsConfig)
		if err := tc.HandshakeContext(ctx); err != nil {
			return fail("tls handshake", err)
		}
		conn = tc
	}
	c, err := smtp.NewClient(conn, s.host)
	if err != nil {
		return fail("greeting", err)
	}
	if err := c.Hello(s.localName); err != nil {
		return fail("ehlo", err)
	}
	_, secure := c.TLSConnectionState()
	if !secure {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(s.tlsConfig); err != nil {
				return fail("starttls", err)
			}
			secure = true
		} else if s.policy == StartTLSRequired {
			return fmt.Errorf("%w: starttls required, the server does not offer it", ErrSMTPInsecure)
		} else if !loopback {
			return fmt.Errorf("%w: no STARTTLS and the server is not on a loopback address", ErrSMTPInsecure)
		}
	}
	if s.username != "" {
		if !secure && !loopback {
			return fmt.Errorf("%w: no password in plaintext to a non-loopback server", ErrSMTPInsecure)
		}
		ok, mechs := c.Extension("AUTH")
		if !ok || !slices.Contains(strings.Fields(strings.ToUpper(mechs)), "PLAIN") {
			return fail("auth", errors.New("the server does not offer AUTH PLAIN"))
		}
		if err := c.Auth(smtpPlainAuth{username: s.username, password: s.password}); err != nil {
			return fail("auth", err)
		}
	}
	if err := c.Mail(s.from); err != nil {
		return fail("mail from", err)
	}
	if err := c.Rcpt(to); err != nil {
		if recipientRefused(err) {
			err = fmt.Errorf("%w: %w", ErrRecipientRefused, err)
		}
		return fail("rcpt to", err)
	}
	w, err := c.Data()
	if err != nil {
		return fail("data", err)
	}
	if _, err := w.Write(raw); err != nil {
		return fail("data", err)
	}
	if err := w.Close(); err != nil {
		return fail("data", err)
	}
	// The server has accepted the message: a failed QUIT must not make the
	// outbox send it again.
	if err := c.Quit(); err != nil {
		s.logger.WarnContext(ctx, "checkout: smtp: quit after delivery", "error", err.Error())
	}
	return nil
}

func isLoopbackAddr(a net.Addr) bool {
	if t, ok := a.(*net.TCPAddr); ok {
		return t.IP.IsLoopback()
	}
	return false
}

// smtpPlainAuth is AUTH PLAIN (RFC 4616). Whether it may be sent (TLS or a
// loopback server) is decided by deliver before, from the connection itself
// rather than from the host name as net/smtp.PlainAuth does.
type smtpPlainAuth struct {
	username string
	password signing.Secret
}

func (a smtpPlainAuth) Start(*smtp.ServerInfo) (string, []byte, error) {
	return "PLAIN", []byte("\x00" + a.username + "\x00" + a.password.Reveal()), nil
}

func (a smtpPlainAuth) Next(_ []byte, more bool) ([]byte, error) {
	if more {
		return nil, errors.New("unexpected server challenge")
	}
	return nil, nil
}
