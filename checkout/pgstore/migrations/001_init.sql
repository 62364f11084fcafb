-- checkout/pgstore: the first schema. Tables live in the current schema
-- (search_path) and are prefixed checkout_, so they can share a schema with
-- wallet/pgledger. IDs compared with < and ORDER BY use COLLATE "C" (byte
-- order, as Go compares strings), whatever the database's collation.
-- Each body column holds the record as JSON (encoding/json of the Go value):
-- it is what is read back, exact to the nanosecond and the last digit; the
-- typed columns beside it are for queries, constraints and people.

CREATE TABLE checkout_orders (
    id         text COLLATE "C" PRIMARY KEY,
    customer   text NOT NULL,
    state      text NOT NULL,
    version    bigint NOT NULL CHECK (version >= 1),
    amount     numeric NOT NULL,
    currency   text NOT NULL,
    created_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    body       jsonb NOT NULL
);
-- ListOrders (Sweep): orders in one state, by ID.
CREATE INDEX checkout_orders_state_id ON checkout_orders (state, id);
CREATE INDEX checkout_orders_customer ON checkout_orders (customer);

-- Payment and Billing History. seq is the line's position in its
-- customer's history (1, 2, 3...): a new line takes the customer's highest
-- seq plus one, and the unique (customer, seq) makes a concurrent insert of
-- the same seq wait for the first and fail, after which it is retried. So
-- seq order is commit order per customer, and a reader paging with
-- seq > after never skips a line committed later.
CREATE TABLE checkout_payments (
    id       text COLLATE "C" PRIMARY KEY,
    customer text NOT NULL,
    seq      bigint NOT NULL CHECK (seq >= 1),
    order_id text NOT NULL,
    amount   numeric NOT NULL,
    currency text NOT NULL,
    outcome  text NOT NULL,
    at       timestamptz NOT NULL,
    body     jsonb NOT NULL,
    CONSTRAINT checkout_payments_customer_seq UNIQUE (customer, seq)
);

CREATE TABLE checkout_invoices (
    id       text COLLATE "C" PRIMARY KEY,
    customer text NOT NULL,
    seq      bigint NOT NULL CHECK (seq >= 1),
    order_id text NOT NULL,
    amount   numeric NOT NULL,
    currency text NOT NULL,
    method   text NOT NULL,
    at       timestamptz NOT NULL,
    body     jsonb NOT NULL,
    CONSTRAINT checkout_invoices_customer_seq UNIQUE (customer, seq)
);

-- Verified, processed callbacks (dedupe).
CREATE TABLE checkout_callbacks (
    id        text COLLATE "C" PRIMARY KEY,
    order_id  text NOT NULL,
    gateway   text NOT NULL,
    reference text NOT NULL,
    outcome   text NOT NULL,
    at        timestamptz NOT NULL
);

-- Share links, by the SHA-256 of their token (the token is never stored).
CREATE TABLE checkout_share_links (
    hash       bytea PRIMARY KEY CHECK (octet_length(hash) = 32),
    order_id   text NOT NULL,
    payer      text NOT NULL,
    created_at timestamptz NOT NULL,
    expires_at timestamptz NOT NULL,
    used_at    timestamptz,
    body       jsonb NOT NULL
);
CREATE INDEX checkout_share_links_order ON checkout_share_links (order_id);

-- The notification outbox, oldest first by seq.
CREATE TABLE checkout_outbox (
    id          text COLLATE "C" PRIMARY KEY,
    seq         bigint GENERATED ALWAYS AS IDENTITY UNIQUE,
    kind        text NOT NULL,
    enqueued_at timestamptz NOT NULL,
    sent_at     timestamptz,
    body        jsonb NOT NULL
);
CREATE INDEX checkout_outbox_pending ON checkout_outbox (seq) WHERE sent_at IS NULL;
