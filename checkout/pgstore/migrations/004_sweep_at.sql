-- checkout/pgstore: Sweep reads only the orders with work due. sweep_at is
-- checkout.Order.SweepAt, written with every order: NULL when Sweep never
-- has work on the order, a time (0001-01-01 for "now") otherwise; Sweep
-- lists sweep_at <= now through the partial index below, so orders waiting
-- for a later deadline (an unpaid order's expiry, a share link's) are not
-- read before it. Rows from before this migration that needed Sweep are
-- due at once: ListOrders computes their SweepAt from the body and
-- corrects the column of those not due yet.
-- All processes must run a version that writes sweep_at once this is
-- applied (the needs_sweep column it replaces is gone).
ALTER TABLE checkout_orders ADD COLUMN sweep_at timestamptz;
UPDATE checkout_orders SET sweep_at = '0001-01-01 00:00:00+00' WHERE needs_sweep;
DROP INDEX checkout_orders_sweep;
ALTER TABLE checkout_orders DROP COLUMN needs_sweep;
CREATE INDEX checkout_orders_sweep_at ON checkout_orders (sweep_at) WHERE sweep_at IS NOT NULL;
CREATE INDEX checkout_orders_sweep_state ON checkout_orders (state, id) WHERE sweep_at IS NOT NULL;
