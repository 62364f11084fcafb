package checkout_test

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/thanhtoan/thanhtoan/checkout"
)

func mailboxTestNew(t *testing.T) *checkout.Mailbox {
	t.Helper()
	mb, err := checkout.NewMailbox("Thanh toán <no-reply@thanhtoan.example>", checkout.WithMailClock(mailTestNow))
	if err != nil {
		t.Fatalf("NewMailbox: %v", err)
	}
	return mb
}

func TestMailboxKeepsListsAndDedupes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	mb := mailboxTestNew(t)
	share := mailTestNotification(checkout.NotifyShareLink, checkout.Vietnamese)
	done := mailTestNotification(checkout.NotifyOrderCompleted, checkout.English)
	refund := mailTestNotification(checkout.NotifyRefunded, checkout.Vietnamese)
	for _, n := range []checkout.Notification{share, done, refund} {
		if err := mb.Send(ctx, n); err != nil {
			t.Fatalf("Send %s: %v", n.ID, err)
		}
	}
	// The outbox resends: same ID, even with other contents, changes nothing.
	again := done
	again.Order.ID = "ord_other"
	if err := mb.Send(ctx, again); err != nil {
		t.Fatalf("Send duplicate: %v", err)
	}
	if mb.Len() != 3 {
		t.Fatalf("Len = %d, want 3", mb.Len())
	}
	msgs := mb.Messages()
	if len(msgs) != 3 || msgs[0].NotificationID != share.ID || msgs[1].NotificationID != done.ID || msgs[2].NotificationID != refund.ID {
		t.Fatalf("Messages = %v, want share, completed, refund in order", msgs)
	}
	got, ok := mb.Get(done.ID)
	if !ok || got.Subject != "Order ord_42 is paid" || got.Kind != checkout.NotifyOrderCompleted {
		t.Errorf("Get(%q) = %q %v, want the first completed email", done.ID, got.Subject, ok)
	}
	if _, ok := mb.Get("nope"); ok {
		t.Errorf("Get of an unknown ID found a message")
	}
	if to := mb.MessagesTo("PAYER@congty.example"); len(to) != 1 || to[0].NotificationID != share.ID {
		t.Errorf("MessagesTo(payer) = %d messages, want the share link", len(to))
	}
	if to := mb.MessagesTo("an@khachhang.example"); len(to) != 2 {
		t.Errorf("MessagesTo(requester) = %d messages, want 2", len(to))
	}
	// What Messages returned is a copy.
	msgs[0].Subject = "changed"
	if mb.Messages()[0].Subject == "changed" {
		t.Errorf("Messages shares its storage with the caller")
	}
}

func TestMailboxRefusesWhatSMTPWouldRefuse(t *testing.T) {
	t.Parallel()
	mb := mailboxTestNew(t)
	n := mailTestNotification(checkout.NotifyOrderCompleted, checkout.Vietnamese)
	n.To = "an@khachhang.example\r\nBcc: all@victim.example"
	if err := mb.Send(context.Background(), n); !errors.Is(err, checkout.ErrHeaderInjection) {
		t.Errorf("Send = %v, want ErrHeaderInjection", err)
	}
	n = mailTestNotification(checkout.NotifyRefunded, checkout.Vietnamese)
	n.RefundAmount = decimal.RequireFromString("-1")
	if err := mb.Send(context.Background(), n); !errors.Is(err, checkout.ErrInvalidNotification) {
		t.Errorf("Send = %v, want ErrInvalidNotification", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := mb.Send(ctx, mailTestNotification(checkout.NotifyShareLink, checkout.English)); !errors.Is(err, context.Canceled) {
		t.Errorf("Send with a cancelled ctx = %v, want context.Canceled", err)
	}
	if mb.Len() != 0 {
		t.Errorf("Len = %d after refused sends, want 0", mb.Len())
	}
	if _, err := checkout.NewMailbox("not an address"); !errors.Is(err, checkout.ErrInvalidConfig) {
		t.Errorf("NewMailbox(bad from) = %v, want ErrInvalidConfig", err)
	}
}

func TestMailboxConcurrentSends(t *testing.T) {
	t.Parallel()
	mb := mailboxTestNew(t)
	const ids, copies = 10, 8
	var wg sync.WaitGroup
	errs := make(chan error, ids*copies)
	for i := range ids {
		for range copies {
			wg.Add(1)
			go func() {
				defer wg.Done()
				n := mailTestNotification(checkout.NotifyOrderCompleted, checkout.Vietnamese)
				n.ID = "ord_" + strconv.Itoa(i) + "/email/completed"
				errs <- mb.Send(context.Background(), n)
				_ = mb.Messages()
			}()
		}
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("Send: %v", err)
		}
	}
	if mb.Len() != ids {
		t.Fatalf("Len = %d, want %d (one per notification ID)", mb.Len(), ids)
	}
	seen := make(map[string]bool)
	for _, e := range mb.Messages() {
		if seen[e.NotificationID] {
			t.Errorf("notification %s kept twice", e.NotificationID)
		}
		seen[e.NotificationID] = true
	}
}

// A Mailbox stands in for email in development: checkout renders each
// notification and the mailbox keeps it, once per notification ID.
func ExampleMailbox() {
	mb, err := checkout.NewMailbox("Thanh toán <no-reply@shop.example>",
		checkout.WithMailClock(func() time.Time { return time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) }))
	if err != nil {
		fmt.Println(err)
		return
	}
	n := checkout.Notification{
		ID:       "ord_7/email/completed",
		Kind:     checkout.NotifyOrderCompleted,
		To:       "an@customer.example",
		Language: checkout.Vietnamese,
		Order: checkout.OrderSummary{
			ID: "ord_7",
			Items: []checkout.LineItem{{
				Description: "Cloud server",
				Config:      []checkout.Attribute{{Name: "vCPU", Value: "2"}, {Name: "RAM", Value: "4 GB"}},
				Quantity:    1,
				Amount:      decimal.RequireFromString("150000"),
			}},
			Amount:   decimal.RequireFromString("150000"),
			Currency: "VND",
		},
	}
	ctx := context.Background()
	_ = mb.Send(ctx, n)
	_ = mb.Send(ctx, n) // the outbox retried: still one message

	e, _ := mb.Get("ord_7/email/completed")
	fmt.Println(mb.Len(), "message")
	fmt.Println("To:", e.To.Address)
	fmt.Println("Subject:", e.Subject)
	fmt.Println("Date:", e.Date.Format("02/01/2006 15:04"))
	fmt.Print(e.Text)
	// Output:
	// 1 message
	// To: an@customer.example
	// Subject: Đơn hàng ord_7 đã thanh toán thành công
	// Date: 23/11/2026 17:00
	// Xin chào,
	//
	// Cảm ơn bạn. Đơn hàng ord_7 đã được thanh toán và dịch vụ đã được khởi tạo với cấu hình sau:
	//
	// - Cloud server (x1): 150.000 ₫
	//     vCPU: 2
	//     RAM: 4 GB
	// Tổng cộng: 150.000 ₫
	//
	// Hóa đơn có trong mục Lịch sử hóa đơn của tài khoản.
	//
	// --
	// Mã đơn hàng: ord_7
	// Email này được gửi tự động, vui lòng không trả lời.
}
