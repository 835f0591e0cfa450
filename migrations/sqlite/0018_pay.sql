-- Paying the workers (issue 19): a site's payment rule (paid on day D of the month N after
-- the month-end close; the service refuses rules beyond the freelance act's 60 days),
-- which projects withhold income tax, a worker's qualified-invoice registration number, and
-- the payments marked paid, one per approved timesheet (marking twice changes nothing).

CREATE TABLE pay_rules (
    site_id      INTEGER PRIMARY KEY REFERENCES sites(id),
    pay_day      INTEGER NOT NULL CHECK (pay_day BETWEEN 1 AND 31),
    months_after INTEGER NOT NULL CHECK (months_after BETWEEN 1 AND 2),
    set_by       INTEGER NOT NULL REFERENCES persons(id),
    set_at       INTEGER NOT NULL
);

CREATE TABLE pay_withholding (
    project_id INTEGER PRIMARY KEY REFERENCES client_projects(id),
    set_by     INTEGER NOT NULL REFERENCES persons(id),
    set_at     INTEGER NOT NULL
);

CREATE TABLE pay_invoice_numbers (
    person_id INTEGER PRIMARY KEY REFERENCES persons(id),
    number    TEXT NOT NULL CHECK (length(number) = 14 AND substr(number, 1, 1) = 'T'),
    set_at    INTEGER NOT NULL
);

CREATE TABLE pay_payments (
    timesheet_id INTEGER PRIMARY KEY REFERENCES timesheets(id),
    paid_on      TEXT NOT NULL,
    amount       INTEGER NOT NULL,
    withholding  INTEGER NOT NULL,
    marked_by    INTEGER NOT NULL REFERENCES persons(id),
    marked_at    INTEGER NOT NULL
);

-- The terms notice of an assignment (the freelance act's written terms: work, rate, period,
-- how hours count, the payment date), kept exactly as it was sent: the database refuses to
-- change or remove it. The worker's acknowledgment is a row of its own.
CREATE TABLE pay_terms (
    id            INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL UNIQUE REFERENCES assignments(id),
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    body_ja       TEXT NOT NULL,
    body_en       TEXT NOT NULL,
    sent_at       INTEGER NOT NULL
);
CREATE INDEX pay_terms_person ON pay_terms (person_id, sent_at);
CREATE TRIGGER pay_terms_unchanged BEFORE UPDATE ON pay_terms
BEGIN
    SELECT RAISE(ABORT, 'pay_terms_unchanged');
END;
CREATE TRIGGER pay_terms_kept BEFORE DELETE ON pay_terms
BEGIN
    SELECT RAISE(ABORT, 'pay_terms_unchanged');
END;

CREATE TABLE pay_terms_acks (
    terms_id        INTEGER PRIMARY KEY REFERENCES pay_terms(id),
    acknowledged_at INTEGER NOT NULL
);

-- The accountant role: pay's own grant (auth's roles stay as they are), per site, given by
-- an administrator; accountants see the site's payments and its workers' bank accounts.
CREATE TABLE pay_accountants (
    person_id  INTEGER NOT NULL REFERENCES persons(id),
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    granted_by INTEGER NOT NULL REFERENCES persons(id),
    granted_at INTEGER NOT NULL,
    PRIMARY KEY (person_id, site_id)
);

-- A worker's bank account for transfers (Zengin fields), seen only by the worker and the
-- accountants of their sites.
CREATE TABLE pay_bank_accounts (
    person_id    INTEGER PRIMARY KEY REFERENCES persons(id),
    bank_code    TEXT NOT NULL CHECK (length(bank_code) = 4),
    branch_code  TEXT NOT NULL CHECK (length(branch_code) = 3),
    account_type TEXT NOT NULL CHECK (account_type IN ('ordinary', 'current', 'savings')),
    number       TEXT NOT NULL CHECK (length(number) = 7),
    holder_kana  TEXT NOT NULL,
    set_by       INTEGER NOT NULL REFERENCES persons(id),
    set_at       INTEGER NOT NULL
);

-- The account a site's transfers are paid from, as the Zengin file's header names it.
CREATE TABLE pay_payers (
    site_id      INTEGER PRIMARY KEY REFERENCES sites(id),
    client_code  TEXT NOT NULL CHECK (length(client_code) = 10),
    name_kana    TEXT NOT NULL,
    bank_code    TEXT NOT NULL CHECK (length(bank_code) = 4),
    branch_code  TEXT NOT NULL CHECK (length(branch_code) = 3),
    account_type TEXT NOT NULL CHECK (account_type IN ('ordinary', 'current', 'savings')),
    number       TEXT NOT NULL CHECK (length(number) = 7),
    set_by       INTEGER NOT NULL REFERENCES persons(id),
    set_at       INTEGER NOT NULL
);
