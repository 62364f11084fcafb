-- checkout/pgstore: Store.PruneSent deletes notifications sent before a
-- time (Sweep, after the Client's outbox retention); this index finds them
-- without reading the pending ones or the whole table.
CREATE INDEX checkout_outbox_sent ON checkout_outbox (sent_at) WHERE sent_at IS NOT NULL;
