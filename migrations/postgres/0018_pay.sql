-- Paying the workers (issue 19): a site's payment rule (paid on day D of the month N after
-- the month-end close; the service refuses rules beyond the freelance act's 60 days),
-- which projects withhold income tax, a worker's qualified-invoice registration number, and
-- the payments marked paid, one per approved timesheet (marking twice changes nothing).

CREATE TABLE pay_rules (
    site_id      BIGINT PRIMARY KEY REFERENCES sites(id),
    pay_day      BIGINT NOT NULL CHECK (pay_day BETWEEN 1 AND 31),
    months_after BIGINT NOT NULL CHECK (months_after BETWEEN 1 AND 2),
    set_by       BIGINT NOT NULL REFERENCES persons(id),
    set_at       BIGINT NOT NULL
);

CREATE TABLE pay_withholding (
    project_id BIGINT PRIMARY KEY REFERENCES client_projects(id),
    set_by     BIGINT NOT NULL REFERENCES persons(id),
    set_at     BIGINT NOT NULL
);

CREATE TABLE pay_invoice_numbers (
    person_id BIGINT PRIMARY KEY REFERENCES persons(id),
    number    TEXT NOT NULL CHECK (length(number) = 14 AND substr(number, 1, 1) = 'T'),
    set_at    BIGINT NOT NULL
);

CREATE TABLE pay_payments (
    timesheet_id BIGINT PRIMARY KEY REFERENCES timesheets(id),
    paid_on      TEXT NOT NULL,
    amount       BIGINT NOT NULL,
    withholding  BIGINT NOT NULL,
    marked_by    BIGINT NOT NULL REFERENCES persons(id),
    marked_at    BIGINT NOT NULL
);
