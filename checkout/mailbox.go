package checkout

import (
	"context"
	"fmt"
	"log/slog"
	"strings"
	"sync"
)

// Mailbox is an in-memory [Notifier]: it renders each notification exactly
// as [SMTPNotifier] would and keeps the emails instead of sending them, for
// development, demos (a "mailbox" page) and tests. A notification whose ID it
// already holds is accepted and ignored, so the outbox resending a message
// leaves one copy. It is safe for concurrent use.
type Mailbox struct {
	renderer *EmailRenderer
	logger   *slog.Logger

	mu    sync.RWMutex
	order []string         // notification IDs, in arrival order
	byID  map[string]Email // by notification ID
}

var _ Notifier = (*Mailbox)(nil)

// NewMailbox returns an empty mailbox whose emails come from from (see
// [NewEmailRenderer]). Options: [WithMailClock], [WithMailLogger].
func NewMailbox(from string, opts ...MailOption) (*Mailbox, error) {
	o, err := applyMailOptions(opts)
	if err != nil {
		return nil, err
	}
	r, err := newEmailRenderer(from, o)
	if err != nil {
		return nil, err
	}
	return &Mailbox{renderer: r, logger: o.logger, byID: make(map[string]Email)}, nil
}

// Send renders n and keeps the email. A notification that cannot be
// rendered or encoded is refused with the same error SMTPNotifier would
// give. A second notification with an ID already kept changes nothing.
func (m *Mailbox) Send(ctx context.Context, n Notification) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("checkout: mailbox: %w", err)
	}
	if _, ok := m.Get(n.ID); ok {
		return nil
	}
	e, err := m.renderer.Render(n)
	if err != nil {
		return err
	}
	if _, err := e.Bytes(); err != nil {
		return err
	}
	m.mu.Lock()
	if _, ok := m.byID[n.ID]; ok {
		m.mu.Unlock()
		return nil
	}
	m.byID[n.ID] = e
	m.order = append(m.order, n.ID)
	m.mu.Unlock()
	m.logger.InfoContext(ctx, "checkout: mailbox: kept", "id", n.ID, "kind", string(n.Kind), "message_id", e.MessageID)
	return nil
}

// Get returns the email kept for a notification ID.
func (m *Mailbox) Get(notificationID string) (Email, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	e, ok := m.byID[notificationID]
	return e, ok
}

// Messages returns the kept emails in the order they arrived.
func (m *Mailbox) Messages() []Email {
	m.mu.RLock()
	defer m.mu.RUnlock()
	out := make([]Email, 0, len(m.order))
	for _, id := range m.order {
		out = append(out, m.byID[id])
	}
	return out
}

// MessagesTo returns the kept emails whose recipient address is address
// (compared without regard to case), in the order they arrived.
func (m *Mailbox) MessagesTo(address string) []Email {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []Email
	for _, id := range m.order {
		if e := m.byID[id]; strings.EqualFold(e.To.Address, address) {
			out = append(out, e)
		}
	}
	return out
}

// Len returns how many emails the mailbox holds.
func (m *Mailbox) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.order)
}
