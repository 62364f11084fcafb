package checkout_test

import (
	"testing"

	"github.com/thanhtoan/thanhtoan/checkout"
	"github.com/thanhtoan/thanhtoan/checkout/checkouttest"
)

func TestMemoryStore(t *testing.T) {
	t.Parallel()
	checkouttest.TestStore(t, func(t *testing.T) checkout.Store { return checkout.NewMemoryStore() })
}
