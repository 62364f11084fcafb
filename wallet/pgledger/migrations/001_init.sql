-- pgledger schema, version 1. Amounts are int64 minor units (dong, cents).
-- Idempotency and the never-negative wallet are enforced here, in the
-- database: the transfers primary key makes every ID final, the accounts
-- CHECK constraints forbid overdrawing a NoOverdraft account, the
-- hold_resolutions primary key resolves each hold at most once, and triggers
-- refuse UPDATE, DELETE and TRUNCATE of entries, transfers and resolutions.

CREATE TABLE wallet_accounts (
    id              text PRIMARY KEY,
    currency        text        NOT NULL,
    flags           integer     NOT NULL,
    debits_posted   bigint      NOT NULL DEFAULT 0,
    credits_posted  bigint      NOT NULL DEFAULT 0,
    debits_pending  bigint      NOT NULL DEFAULT 0,
    credits_pending bigint      NOT NULL DEFAULT 0,
    seq             bigint      NOT NULL DEFAULT 0, -- number of entries
    created_at      timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT wallet_accounts_totals_nonnegative CHECK (
        debits_posted >= 0 AND credits_posted >= 0 AND debits_pending >= 0 AND credits_pending >= 0),
    -- flag 1 is wallet.NoOverdraft: available = credits posted - debits posted - debits pending >= 0
    CONSTRAINT wallet_accounts_no_overdraft CHECK (
        flags & 1 = 0 OR debits_posted + debits_pending <= credits_posted),
    CONSTRAINT wallet_accounts_id_length CHECK (length(id) BETWEEN 1 AND 256)
) WITH (fillfactor = 50); -- room for HOT updates of the totals

-- Every transfer ID ever posted, succeeded (amount set) or failed
-- (error_code set). The contents compared for idempotency are kind,
-- accounts, currency, hold_id, units, up_to, timeout_ms, code, reference.
CREATE TABLE wallet_transfers (
    id              text PRIMARY KEY,
    kind            smallint    NOT NULL, -- 0 post, 1 hold, 2 commit, 3 void
    debit_account   text        NOT NULL,
    credit_account  text        NOT NULL,
    currency        text        NOT NULL,
    hold_id         text        NOT NULL,
    units           bigint      NOT NULL, -- amount asked (normalized)
    up_to           boolean     NOT NULL,
    timeout_ms      bigint      NOT NULL,
    code            text        NOT NULL,
    reference       text        NOT NULL,
    amount          bigint,               -- amount moved; NULL when failed
    expires_at      timestamptz,
    error_code      text,
    error_account   text,
    error_available bigint,
    error_requested bigint,
    error_detail    text,
    created_at      timestamptz NOT NULL,
    CONSTRAINT wallet_transfers_outcome CHECK ((amount IS NULL) = (error_code IS NOT NULL)),
    CONSTRAINT wallet_transfers_amount_positive CHECK (amount IS NULL OR amount > 0),
    CONSTRAINT wallet_transfers_kind CHECK (kind BETWEEN 0 AND 3),
    CONSTRAINT wallet_transfers_id_length CHECK (length(id) BETWEEN 1 AND 256)
);

-- Each hold is resolved at most once: committed (2), voided (3) or expired (4).
CREATE TABLE wallet_hold_resolutions (
    hold_id     text PRIMARY KEY REFERENCES wallet_transfers (id),
    transfer_id text        NOT NULL, -- the commit or void, or the hold itself on expiry
    status      smallint    NOT NULL CHECK (status BETWEEN 2 AND 4),
    created_at  timestamptz NOT NULL
);

-- Work queue of pending holds that expire: rows are deleted when the hold is
-- resolved (the only table whose rows are deleted).
CREATE TABLE wallet_pending_holds (
    hold_id    text PRIMARY KEY REFERENCES wallet_transfers (id),
    expires_at timestamptz NOT NULL
);
CREATE INDEX wallet_pending_holds_expires ON wallet_pending_holds (expires_at, hold_id);

-- An account's history: one row per change, with the balance after it.
-- Only wallet_post and wallet_expire_holds write it, right after locking the
-- account and inserting the transfer, so it carries no foreign keys: their
-- checks cost four lookups per transfer on the hottest path.
CREATE TABLE wallet_entries (
    account_id      text        NOT NULL,
    seq             bigint      NOT NULL,
    transfer_id     text        NOT NULL,
    kind            smallint    NOT NULL, -- 0..3 as transfers, 4 expire
    debited         boolean     NOT NULL,
    counterparty    text        NOT NULL,
    debits_posted   bigint      NOT NULL,
    credits_posted  bigint      NOT NULL,
    debits_pending  bigint      NOT NULL,
    credits_pending bigint      NOT NULL,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (account_id, seq)
);

CREATE FUNCTION wallet_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'pgledger: % on % is not allowed: ledger rows are immutable', TG_OP, TG_TABLE_NAME
        USING ERRCODE = 'insufficient_privilege';
END $$;

CREATE TRIGGER wallet_entries_immutable BEFORE UPDATE OR DELETE ON wallet_entries
    FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();
CREATE TRIGGER wallet_entries_no_truncate BEFORE TRUNCATE ON wallet_entries
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_refuse_change();
CREATE TRIGGER wallet_transfers_immutable BEFORE UPDATE OR DELETE ON wallet_transfers
    FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();
CREATE TRIGGER wallet_transfers_no_truncate BEFORE TRUNCATE ON wallet_transfers
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_refuse_change();
CREATE TRIGGER wallet_hold_resolutions_immutable BEFORE UPDATE OR DELETE ON wallet_hold_resolutions
    FOR EACH ROW EXECUTE FUNCTION wallet_refuse_change();
CREATE TRIGGER wallet_hold_resolutions_no_truncate BEFORE TRUNCATE ON wallet_hold_resolutions
    FOR EACH STATEMENT EXECUTE FUNCTION wallet_refuse_change();

-- wallet_batch_legs splits a batch of posts and exact holds into legs (one
-- per account and transfer) with each account's running totals and entry
-- seq after the leg: the set-based fast path of wallet_post.
CREATE FUNCTION wallet_batch_legs(p_ids text[], p_kinds smallint[], p_debits text[], p_credits text[],
    p_currencies text[], p_units bigint[])
RETURNS TABLE (idx bigint, acc text, debited boolean, other text, id text, kind smallint, cur text,
    found boolean, acur text, flags integer, dp numeric, cp numeric, dq numeric, cq numeric, seq bigint)
LANGUAGE sql STABLE AS $$
    WITH t AS (
        SELECT * FROM unnest(p_ids, p_kinds, p_debits, p_credits, p_currencies, p_units)
            WITH ORDINALITY AS t(id, kind, debit, credit, cur, units, idx)),
    legs AS (
        SELECT idx, debit AS acc, true AS debited, credit AS other, id, kind, cur,
            CASE WHEN kind = 0 THEN units ELSE 0 END AS ddp, 0::bigint AS dcp,
            CASE WHEN kind = 1 THEN units ELSE 0 END AS ddq, 0::bigint AS dcq
        FROM t
        UNION ALL
        SELECT idx, credit, false, debit, id, kind, cur,
            0, CASE WHEN kind = 0 THEN units ELSE 0 END, 0, CASE WHEN kind = 1 THEN units ELSE 0 END
        FROM t)
    SELECT l.idx, l.acc, l.debited, l.other, l.id, l.kind, l.cur, a.id IS NOT NULL, a.currency, a.flags,
        a.debits_posted + sum(l.ddp) OVER w, a.credits_posted + sum(l.dcp) OVER w,
        a.debits_pending + sum(l.ddq) OVER w, a.credits_pending + sum(l.dcq) OVER w,
        a.seq + row_number() OVER w
    FROM legs l LEFT JOIN wallet_accounts a ON a.id = l.acc
    WINDOW w AS (PARTITION BY l.acc ORDER BY l.idx)
$$;

-- wallet_post_fast applies, set-based, a batch of posts and exact holds.
-- It is optimistic: it inserts the transfers before taking the account
-- locks (so the locks are held for less time), and if an ID exists or a
-- check fails it raises WL002, which undoes the statement; the client then
-- posts again with p_fast false and the loop sorts it out (replays, which
-- transfer failed). Plans must see the arrays' sizes (a generic plan guesses
-- them and can scan every account), hence force_custom_plan.
CREATE FUNCTION wallet_post_fast(
    p_now timestamptz, p_ids text[], p_kinds smallint[], p_debits text[], p_credits text[],
    p_currencies text[], p_hold_ids text[], p_units bigint[], p_timeouts bigint[], p_codes text[], p_refs text[])
RETURNS TABLE (o_idx int, o_existed boolean, o_amount bigint, o_created_at timestamptz,
    o_expires_at timestamptz, o_status smallint, o_debit text, o_credit text, o_currency text)
LANGUAGE plpgsql SET plan_cache_mode = force_custom_plan AS $$
#variable_conflict use_column
DECLARE
    n int := coalesce(array_length(p_ids, 1), 0);
    max_i8 constant numeric := 9223372036854775807;
    ok boolean;
    cnt bigint;
BEGIN
    INSERT INTO wallet_transfers (id, kind, debit_account, credit_account, currency, hold_id, units,
        up_to, timeout_ms, code, reference, amount, expires_at, created_at)
    SELECT t.id, t.kind, t.debit, t.credit, t.cur, t.hold_id, t.units, false, t.timeout, t.code, t.ref,
        t.units, CASE WHEN t.kind = 1 AND t.timeout > 0 THEN p_now + t.timeout * interval '1 millisecond' END, p_now
    FROM unnest(p_ids, p_kinds, p_debits, p_credits, p_currencies, p_hold_ids, p_units, p_timeouts,
        p_codes, p_refs) AS t(id, kind, debit, credit, cur, hold_id, units, timeout, code, ref)
    ON CONFLICT (id) DO NOTHING;
    GET DIAGNOSTICS cnt = ROW_COUNT;
    IF cnt <> n THEN
        RAISE EXCEPTION 'pgledger: a transfer id of the batch exists' USING ERRCODE = 'WL002';
    END IF;
    INSERT INTO wallet_pending_holds (hold_id, expires_at)
    SELECT t.id, p_now + t.timeout * interval '1 millisecond'
    FROM unnest(p_ids, p_kinds, p_timeouts) AS t(id, kind, timeout) WHERE t.kind = 1 AND t.timeout > 0;

    PERFORM 1 FROM wallet_accounts WHERE id = ANY (p_debits || p_credits) ORDER BY id FOR UPDATE;
    -- One statement: check every leg, and write only if all pass.
    WITH l AS MATERIALIZED (
        SELECT * FROM wallet_batch_legs(p_ids, p_kinds, p_debits, p_credits, p_currencies, p_units)),
    chk AS MATERIALIZED (
        SELECT coalesce(bool_and(l.found AND l.acur = l.cur AND l.dp + l.dq <= max_i8 AND l.cp + l.cq <= max_i8
                AND (l.flags & 1 = 0 OR l.dp + l.dq <= l.cp)), false) AS ok
        FROM l),
    e AS (
        INSERT INTO wallet_entries (account_id, seq, transfer_id, kind, debited, counterparty, debits_posted,
            credits_posted, debits_pending, credits_pending, created_at)
        SELECT l.acc, l.seq, l.id, l.kind, l.debited, l.other, l.dp, l.cp, l.dq, l.cq, p_now FROM l, chk WHERE chk.ok),
    u AS (
        UPDATE wallet_accounts a SET debits_posted = f.dp, credits_posted = f.cp, debits_pending = f.dq,
            credits_pending = f.cq, seq = f.seq
        FROM (SELECT DISTINCT ON (l.acc) l.acc, l.dp, l.cp, l.dq, l.cq, l.seq FROM l, chk WHERE chk.ok
            ORDER BY l.acc, l.idx DESC) f
        WHERE a.id = f.acc)
    SELECT chk.ok INTO ok FROM chk;
    IF NOT ok THEN
        RAISE EXCEPTION 'pgledger: a transfer of the batch fails a check' USING ERRCODE = 'WL002';
    END IF;
    RETURN QUERY SELECT t.idx::int, false, t.units, p_now,
        CASE WHEN t.kind = 1 AND t.timeout > 0 THEN p_now + t.timeout * interval '1 millisecond' END,
        t.kind, t.debit, t.credit, t.cur
    FROM unnest(p_ids, p_kinds, p_debits, p_credits, p_currencies, p_units, p_timeouts)
        WITH ORDINALITY AS t(id, kind, debit, credit, cur, units, timeout, idx);
END $$;

-- wallet_post_one is the short path for a batch of one new post or exact
-- hold that passes its checks: scalar parameters, two row locks taken in id
-- order, no arrays. Anything else (an existing ID, a failed check) raises
-- WL002 and the client goes through wallet_post, which records failures and
-- replays.
CREATE FUNCTION wallet_post_one(p_now timestamptz, p_id text, p_kind smallint, p_debit text, p_credit text,
    p_currency text, p_units bigint, p_timeout bigint, p_code text, p_ref text)
RETURNS TABLE (o_idx int, o_existed boolean, o_amount bigint, o_created_at timestamptz,
    o_expires_at timestamptz, o_status smallint, o_debit text, o_credit text, o_currency text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    d wallet_accounts%ROWTYPE;
    c wallet_accounts%ROWTYPE;
    exp_at timestamptz;
    posted bigint := 0;
    held bigint := 0;
BEGIN
    IF p_debit < p_credit THEN
        SELECT * INTO d FROM wallet_accounts WHERE id = p_debit FOR UPDATE;
        SELECT * INTO c FROM wallet_accounts WHERE id = p_credit FOR UPDATE;
    ELSE
        SELECT * INTO c FROM wallet_accounts WHERE id = p_credit FOR UPDATE;
        SELECT * INTO d FROM wallet_accounts WHERE id = p_debit FOR UPDATE;
    END IF;
    IF d.id IS NULL OR c.id IS NULL OR d.currency <> p_currency OR c.currency <> p_currency
        OR (d.flags & 1 <> 0 AND d.credits_posted - d.debits_posted - d.debits_pending < p_units)
        OR d.debits_posted::numeric + d.debits_pending + p_units > 9223372036854775807
        OR c.credits_posted::numeric + c.credits_pending + p_units > 9223372036854775807 THEN
        RAISE EXCEPTION 'pgledger: transfer % needs the general path', p_id USING ERRCODE = 'WL002';
    END IF;
    IF p_kind = 0 THEN
        posted := p_units;
    ELSE
        held := p_units;
        IF p_timeout > 0 THEN
            exp_at := p_now + p_timeout * interval '1 millisecond';
        END IF;
    END IF;
    INSERT INTO wallet_transfers (id, kind, debit_account, credit_account, currency, hold_id, units, up_to,
        timeout_ms, code, reference, amount, expires_at, created_at)
    VALUES (p_id, p_kind, p_debit, p_credit, p_currency, '', p_units, false, p_timeout, p_code, p_ref,
        p_units, exp_at, p_now)
    ON CONFLICT (id) DO NOTHING;
    IF NOT FOUND THEN
        RAISE EXCEPTION 'pgledger: transfer % exists', p_id USING ERRCODE = 'WL002';
    END IF;
    IF exp_at IS NOT NULL THEN
        INSERT INTO wallet_pending_holds (hold_id, expires_at) VALUES (p_id, exp_at);
    END IF;
    UPDATE wallet_accounts SET debits_posted = debits_posted + posted, debits_pending = debits_pending + held,
        seq = seq + 1 WHERE id = p_debit RETURNING * INTO d;
    UPDATE wallet_accounts SET credits_posted = credits_posted + posted, credits_pending = credits_pending + held,
        seq = seq + 1 WHERE id = p_credit RETURNING * INTO c;
    INSERT INTO wallet_entries VALUES
        (p_debit, d.seq, p_id, p_kind, true, p_credit, d.debits_posted, d.credits_posted, d.debits_pending,
         d.credits_pending, p_now),
        (p_credit, c.seq, p_id, p_kind, false, p_debit, c.debits_posted, c.credits_posted, c.debits_pending,
         c.credits_pending, p_now);
    RETURN QUERY SELECT 1, false, p_units, p_now, exp_at, p_kind, p_debit, p_credit, p_currency;
END $$;

-- wallet_post applies a batch in one statement: locks the accounts it
-- touches in id order, then checks and applies each transfer in order. If
-- one fails it raises SQLSTATE WL001 with a JSON detail (index, error, the
-- normalized contents, and whether the failure must be recorded); the
-- statement and so the whole batch is rolled back, and the client records
-- the failing ID with wallet_record_failure. SQLSTATE 40001 is raised when
-- another batch inserted one of our IDs first: the client retries and finds it.
CREATE FUNCTION wallet_post(
    p_now timestamptz, p_ids text[], p_kinds smallint[], p_debits text[], p_credits text[],
    p_currencies text[], p_hold_ids text[], p_units bigint[], p_up_tos boolean[], p_timeouts bigint[],
    p_codes text[], p_refs text[], p_fast boolean)
RETURNS TABLE (o_idx int, o_existed boolean, o_amount bigint, o_created_at timestamptz,
    o_expires_at timestamptz, o_status smallint, o_debit text, o_credit text, o_currency text)
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    n int := coalesce(array_length(p_ids, 1), 0);
    i int;
    accs text[];
    h wallet_transfers%ROWTYPE;
    ex wallet_transfers%ROWTYPE;
    ex_found boolean;
    d wallet_accounts%ROWTYPE;
    c wallet_accounts%ROWTYPE;
    k_kind smallint; k_debit text; k_credit text; k_cur text; k_units bigint;
    amt bigint; posted bigint; held bigint; avail bigint; res_status smallint; st smallint;
    exp_at timestamptz;
    f_idx int; f_code text; f_account text; f_avail bigint; f_req bigint; f_detail text;
    f_record boolean; f_existed boolean;
    r_existed boolean[] := '{}'; r_amount bigint[] := '{}'; r_created timestamptz[] := '{}';
    r_expires timestamptz[] := '{}'; r_status smallint[] := '{}'; r_debit text[] := '{}';
    r_credit text[] := '{}'; r_cur text[] := '{}';
    max_i8 constant numeric := 9223372036854775807;
BEGIN
    -- Batches of posts and exact holds first try the set-based path.
    IF p_fast AND n > 1 AND NOT EXISTS (SELECT FROM unnest(p_kinds, p_up_tos) AS k(kind, up_to) WHERE kind > 1 OR up_to) THEN
        RETURN QUERY SELECT * FROM wallet_post_fast(p_now, p_ids, p_kinds, p_debits, p_credits, p_currencies,
            p_hold_ids, p_units, p_timeouts, p_codes, p_refs);
        RETURN;
    END IF;

    IF array_position(p_kinds, 2::smallint) IS NULL AND array_position(p_kinds, 3::smallint) IS NULL THEN
        PERFORM 1 FROM wallet_accounts WHERE id = ANY (p_debits || p_credits) ORDER BY id FOR UPDATE;
    ELSE -- commits and voids: their holds' accounts too
        SELECT array_agg(DISTINCT a ORDER BY a) INTO accs FROM (
            SELECT unnest(p_debits || p_credits) AS a
            UNION ALL SELECT t.debit_account FROM wallet_transfers t
                WHERE t.id = ANY (p_hold_ids) AND t.kind = 1 AND t.error_code IS NULL
            UNION ALL SELECT t.credit_account FROM wallet_transfers t
                WHERE t.id = ANY (p_hold_ids) AND t.kind = 1 AND t.error_code IS NULL) s
        WHERE a <> '';
        PERFORM 1 FROM wallet_accounts WHERE id = ANY (accs) ORDER BY id FOR UPDATE;
    END IF;

    <<batch>>
    BEGIN
        FOR i IN 1 .. n LOOP
            f_idx := i; f_record := true; f_existed := false; f_code := NULL;
            f_account := NULL; f_avail := NULL; f_req := NULL; f_detail := NULL;
            k_kind := p_kinds[i]; k_debit := p_debits[i]; k_credit := p_credits[i];
            k_cur := p_currencies[i]; k_units := p_units[i];
            SELECT * INTO ex FROM wallet_transfers WHERE id = p_ids[i];
            ex_found := FOUND;

            -- Resolve the hold of a commit or void, normalizing the contents.
            IF k_kind IN (2, 3) THEN
                SELECT * INTO h FROM wallet_transfers WHERE id = p_hold_ids[i];
                IF NOT FOUND OR h.kind <> 1 OR h.error_code IS NOT NULL THEN
                    f_code := 'hold_not_found'; f_detail := p_hold_ids[i];
                ELSIF (k_debit <> '' AND k_debit <> h.debit_account) OR (k_credit <> '' AND k_credit <> h.credit_account) THEN
                    f_code := 'invalid';
                    f_detail := format('accounts differ from hold %s (%s to %s)', to_json(h.id), to_json(h.debit_account), to_json(h.credit_account));
                ELSIF k_cur <> '' AND k_cur <> h.currency THEN
                    f_code := 'currency_mismatch'; f_detail := format('%s, hold %s is in %s', k_cur, to_json(h.id), h.currency);
                ELSE
                    k_debit := h.debit_account; k_credit := h.credit_account; k_cur := h.currency;
                    IF k_kind = 2 AND k_units > 0 THEN
                        IF k_units > h.amount THEN
                            f_code := 'exceeds_hold'; f_req := k_units; f_avail := h.amount;
                        END IF;
                    ELSE
                        k_units := h.amount;
                    END IF;
                END IF;
            END IF;
            IF f_code IS NULL THEN
                SELECT * INTO d FROM wallet_accounts WHERE id = k_debit;
                IF NOT FOUND THEN
                    f_code := 'account_not_found'; f_account := k_debit;
                ELSE
                    SELECT * INTO c FROM wallet_accounts WHERE id = k_credit;
                    IF NOT FOUND THEN
                        f_code := 'account_not_found'; f_account := k_credit;
                    ELSIF d.currency <> k_cur OR c.currency <> k_cur THEN
                        f_code := 'currency_mismatch';
                        f_detail := format('transfer in %s, accounts %s in %s and %s in %s', k_cur,
                            to_json(d.id), d.currency, to_json(c.id), c.currency);
                    END IF;
                END IF;
            END IF;

            -- An ID seen before: replay it, or refuse other contents.
            IF ex_found THEN
                IF ex.kind <> k_kind OR ex.debit_account <> k_debit OR ex.credit_account <> k_credit
                    OR ex.currency <> k_cur OR ex.hold_id <> p_hold_ids[i] OR ex.units <> k_units
                    OR ex.up_to <> p_up_tos[i] OR ex.timeout_ms <> p_timeouts[i]
                    OR ex.code <> p_codes[i] OR ex.reference <> p_refs[i] THEN
                    f_code := 'conflict'; f_record := false; f_account := NULL; f_detail := NULL;
                    EXIT batch;
                END IF;
                IF ex.error_code IS NOT NULL THEN
                    f_code := ex.error_code; f_account := ex.error_account; f_avail := ex.error_available;
                    f_req := ex.error_requested; f_detail := ex.error_detail; f_record := false; f_existed := true;
                    EXIT batch;
                END IF;
                st := 0;
                IF ex.kind = 1 THEN
                    st := coalesce((SELECT r.status FROM wallet_hold_resolutions r WHERE r.hold_id = ex.id), 1);
                END IF;
                r_existed := r_existed || true; r_amount := r_amount || ex.amount;
                r_created := r_created || ex.created_at; r_expires := r_expires || ex.expires_at;
                r_status := r_status || st; r_debit := r_debit || ex.debit_account;
                r_credit := r_credit || ex.credit_account; r_cur := r_cur || ex.currency;
                CONTINUE;
            END IF;
            IF f_code IS NOT NULL THEN
                EXIT batch;
            END IF;

            -- Check and apply.
            amt := k_units; posted := 0; held := 0; st := 0; exp_at := NULL;
            IF k_kind IN (0, 1) THEN
                IF d.flags & 1 <> 0 THEN
                    avail := d.credits_posted - d.debits_posted - d.debits_pending;
                    IF k_kind = 1 AND p_up_tos[i] AND avail > 0 THEN
                        amt := least(amt, avail);
                    END IF;
                    IF avail < amt THEN
                        f_code := 'insufficient_funds'; f_account := d.id; f_avail := greatest(avail, 0); f_req := k_units;
                        EXIT batch;
                    END IF;
                END IF;
                IF k_kind = 0 THEN
                    posted := amt;
                ELSE
                    held := amt; st := 1;
                    IF p_timeouts[i] > 0 THEN
                        exp_at := p_now + p_timeouts[i] * interval '1 millisecond';
                    END IF;
                END IF;
            ELSE
                SELECT r.status INTO res_status FROM wallet_hold_resolutions r WHERE r.hold_id = h.id;
                IF FOUND AND res_status = 4 OR NOT FOUND AND h.expires_at IS NOT NULL AND p_now >= h.expires_at THEN
                    f_code := 'hold_expired'; f_detail := format('%s expired at %s', to_json(h.id), h.expires_at);
                    EXIT batch;
                ELSIF FOUND THEN
                    f_code := 'hold_resolved';
                    f_detail := format('%s is %s', to_json(h.id), CASE res_status WHEN 2 THEN 'committed' ELSE 'voided' END);
                    EXIT batch;
                END IF;
                held := -h.amount;
                IF k_kind = 2 THEN posted := k_units; END IF;
            END IF;
            IF d.debits_posted::numeric + posted + d.debits_pending + held > max_i8
                OR c.credits_posted::numeric + posted + c.credits_pending + held > max_i8 THEN
                f_code := 'overflow';
                EXIT batch;
            END IF;

            INSERT INTO wallet_transfers (id, kind, debit_account, credit_account, currency, hold_id, units, up_to,
                timeout_ms, code, reference, amount, expires_at, created_at)
            VALUES (p_ids[i], k_kind, k_debit, k_credit, k_cur, p_hold_ids[i], k_units, p_up_tos[i],
                p_timeouts[i], p_codes[i], p_refs[i], amt, exp_at, p_now)
            ON CONFLICT (id) DO NOTHING;
            IF NOT FOUND THEN
                RAISE EXCEPTION 'pgledger: transfer % inserted concurrently', p_ids[i] USING ERRCODE = '40001';
            END IF;
            IF k_kind = 1 AND exp_at IS NOT NULL THEN
                INSERT INTO wallet_pending_holds (hold_id, expires_at) VALUES (p_ids[i], exp_at);
            ELSIF k_kind IN (2, 3) THEN
                INSERT INTO wallet_hold_resolutions (hold_id, transfer_id, status, created_at)
                VALUES (h.id, p_ids[i], k_kind, p_now);
                DELETE FROM wallet_pending_holds WHERE hold_id = h.id;
            END IF;
            UPDATE wallet_accounts SET debits_posted = debits_posted + posted,
                debits_pending = debits_pending + held, seq = seq + 1
            WHERE id = k_debit RETURNING * INTO d;
            UPDATE wallet_accounts SET credits_posted = credits_posted + posted,
                credits_pending = credits_pending + held, seq = seq + 1
            WHERE id = k_credit RETURNING * INTO c;
            INSERT INTO wallet_entries VALUES
                (k_debit, d.seq, p_ids[i], k_kind, true, k_credit, d.debits_posted, d.credits_posted,
                 d.debits_pending, d.credits_pending, p_now),
                (k_credit, c.seq, p_ids[i], k_kind, false, k_debit, c.debits_posted, c.credits_posted,
                 c.debits_pending, c.credits_pending, p_now);

            r_existed := r_existed || false; r_amount := r_amount || amt; r_created := r_created || p_now;
            r_expires := r_expires || exp_at; r_status := r_status || st; r_debit := r_debit || k_debit;
            r_credit := r_credit || k_credit; r_cur := r_cur || k_cur;
        END LOOP;
    END;
    IF f_code IS NOT NULL THEN
        -- Raising aborts the statement: nothing of the batch stays.
        RAISE EXCEPTION 'pgledger: transfer % failed: %', p_ids[f_idx], f_code USING ERRCODE = 'WL001',
            DETAIL = json_build_object('idx', f_idx, 'code', f_code, 'account', f_account, 'available', f_avail,
                'requested', f_req, 'detail', f_detail, 'record', f_record, 'existed', f_existed,
                'debit', k_debit, 'credit', k_credit, 'currency', k_cur, 'units', k_units)::text;
    END IF;
    RETURN QUERY SELECT u.ord::int, u.e, u.a, u.cr, u.xp, u.s, u.db, u.cd, u.cu
    FROM unnest(r_existed, r_amount, r_created, r_expires, r_status, r_debit, r_credit, r_cur)
        WITH ORDINALITY AS u(e, a, cr, xp, s, db, cd, cu, ord);
END $$;

-- wallet_record_failure records that a transfer failed (its ID is then
-- final). It returns false if the ID was recorded meanwhile by another batch:
-- the client then posts again and gets that outcome.
CREATE FUNCTION wallet_record_failure(p_now timestamptz, p_id text, p_kind smallint, p_debit text,
    p_credit text, p_currency text, p_hold_id text, p_units bigint, p_up_to boolean, p_timeout bigint,
    p_code text, p_ref text, p_err_code text, p_err_account text, p_err_available bigint,
    p_err_requested bigint, p_err_detail text) RETURNS boolean
LANGUAGE sql AS $$
    WITH ins AS (
        INSERT INTO wallet_transfers (id, kind, debit_account, credit_account, currency, hold_id, units, up_to,
            timeout_ms, code, reference, error_code, error_account, error_available, error_requested,
            error_detail, created_at)
        VALUES (p_id, p_kind, p_debit, p_credit, p_currency, p_hold_id, p_units, p_up_to, p_timeout, p_code,
            p_ref, p_err_code, p_err_account, p_err_available, p_err_requested, p_err_detail, p_now)
        ON CONFLICT (id) DO NOTHING RETURNING 1)
    SELECT EXISTS (SELECT FROM ins)
$$;

-- wallet_expire_holds releases up to p_limit holds due at p_now, locking
-- their accounts in id order; it returns how many it released.
CREATE FUNCTION wallet_expire_holds(p_now timestamptz, p_limit int) RETURNS int
LANGUAGE plpgsql AS $$
#variable_conflict use_column
DECLARE
    ids text[];
    accs text[];
    h wallet_transfers%ROWTYPE;
    d wallet_accounts%ROWTYPE;
    c wallet_accounts%ROWTYPE;
    n int := 0;
BEGIN
    SELECT array_agg(hold_id) INTO ids FROM (
        SELECT hold_id FROM wallet_pending_holds WHERE expires_at <= p_now
        ORDER BY expires_at, hold_id LIMIT p_limit) s;
    IF ids IS NULL THEN
        RETURN 0;
    END IF;
    SELECT array_agg(DISTINCT a ORDER BY a) INTO accs FROM (
        SELECT debit_account AS a FROM wallet_transfers WHERE id = ANY (ids)
        UNION ALL SELECT credit_account FROM wallet_transfers WHERE id = ANY (ids)) s;
    PERFORM 1 FROM wallet_accounts WHERE id = ANY (accs) ORDER BY id FOR UPDATE;
    FOR h IN SELECT * FROM wallet_transfers WHERE id = ANY (ids) ORDER BY expires_at, id LOOP
        INSERT INTO wallet_hold_resolutions (hold_id, transfer_id, status, created_at)
        VALUES (h.id, h.id, 4, p_now) ON CONFLICT (hold_id) DO NOTHING;
        CONTINUE WHEN NOT FOUND; -- committed or voided meanwhile
        DELETE FROM wallet_pending_holds WHERE hold_id = h.id;
        UPDATE wallet_accounts SET debits_pending = debits_pending - h.amount, seq = seq + 1
        WHERE id = h.debit_account RETURNING * INTO d;
        UPDATE wallet_accounts SET credits_pending = credits_pending - h.amount, seq = seq + 1
        WHERE id = h.credit_account RETURNING * INTO c;
        INSERT INTO wallet_entries VALUES
            (d.id, d.seq, h.id, 4, true, c.id, d.debits_posted, d.credits_posted, d.debits_pending, d.credits_pending, p_now),
            (c.id, c.seq, h.id, 4, false, d.id, c.debits_posted, c.credits_posted, c.debits_pending, c.credits_pending, p_now);
        n := n + 1;
    END LOOP;
    RETURN n;
END $$;
