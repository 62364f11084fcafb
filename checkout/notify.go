package checkout

import (
	"context"
	"log/slog"
	"time"

	"github.com/shopspring/decimal"
)

// NotificationKind is the kind of an email checkout sends.
type NotificationKind string

const (
	// NotifyShareLink: payment on behalf; the payer gets the link to the order.
	NotifyShareLink NotificationKind = "share_link"
	// NotifyOrderCompleted: the requester's order was paid and provisioned;
	// the email lists the resource configuration.
	NotifyOrderCompleted NotificationKind = "order_completed"
	// NotifyRefunded: provisioning failed and the payment was refunded.
	NotifyRefunded NotificationKind = "refunded"
)

// Language of an order (its emails, the payer's pages and the gateways'
// pages) and of a notification: Vietnamese or English. CreateOrder stores
// English for "en" or a tag such as "en-US" (in any case) and Vietnamese
// for anything else, none included.
type Language string

const (
	Vietnamese Language = "vi"
	English    Language = "en"
)

// Notification is one email to send. ID is its idempotency key (for example
// "<order>/email/completed"): the outbox sends each ID once, and a Notifier
// that can deduplicate should use it (as a Message-ID, say).
type Notification struct {
	ID       string
	Kind     NotificationKind
	To       string // the recipient's email address
	Language Language
	Order    OrderSummary

	// ShareURL and ExpiresAt are set for NotifyShareLink.
	ShareURL  string
	ExpiresAt time.Time
	// RequesterEmail is who asked for payment on behalf (NotifyShareLink).
	RequesterEmail string

	// RefundAmount and Reason are set for NotifyRefunded.
	RefundAmount decimal.Decimal
	Reason       string
}

// OrderSummary is what an email shows of an order.
type OrderSummary struct {
	ID       string
	Items    []LineItem
	Amount   decimal.Decimal
	Currency string
	Method   string
}

// LineItem is one resource of an order, with its configuration.
type LineItem struct {
	// Description names the resource, e.g. "Cloud server (2 vCPU, 4 GB)".
	Description string
	// Config is the resource configuration, in the order shown to the user,
	// e.g. {"vCPU","2"}, {"RAM","4 GB"}, {"Disk","80 GB SSD"}.
	Config []Attribute
	// Quantity is at least 1.
	Quantity int
	// Amount is the line's total price (quantity included).
	Amount decimal.Decimal
}

// Attribute is one named value of a resource configuration.
type Attribute struct {
	Name, Value string
}

// Notifier sends checkout's emails. Send must be safe for concurrent use. An
// error makes the outbox try again later (Sweep), so a Notifier should fail
// rather than drop a message; but an error matching ErrInvalidNotification
// or ErrHeaderInjection (the notification can never be rendered, as
// SMTPNotifier's renderer says) or ErrRecipientRefused (the server said
// the address does not exist) makes the outbox drop it, logged as an
// error, rather than retry it at every Sweep.
type Notifier interface {
	Send(ctx context.Context, n Notification) error
}

// LogNotifier writes notifications to a logger instead of sending them: the
// default Notifier, for development.
type LogNotifier struct {
	Logger *slog.Logger
}

// Send logs n at info level.
func (l LogNotifier) Send(ctx context.Context, n Notification) error {
	lg := l.Logger
	if lg == nil || !lg.Enabled(ctx, slog.LevelInfo) {
		return nil
	}
	lg.InfoContext(ctx, "checkout: notification", "id", n.ID, "kind", string(n.Kind), "to", n.To, "order", n.Order.ID)
	return nil
}
