-- checkout/pgstore: Sweep reads only the orders that may need work
-- (checkout.Order.NeedsSweep: not final, or a payment still to settle), so
-- its cost follows the work left, not the whole order history. The column
-- is written with every order; rows from before this migration keep true
-- and are narrowed at their next update.
ALTER TABLE checkout_orders ADD COLUMN needs_sweep boolean NOT NULL DEFAULT true;
DROP INDEX checkout_orders_state_id;
CREATE INDEX checkout_orders_sweep ON checkout_orders (state, id) WHERE needs_sweep;
