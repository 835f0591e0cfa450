-- Paying the workers, the review's fixes (issue 19): a payment run records which approved
-- timesheets it paid, on which day and by whom; each paid month keeps its amounts per
-- project as paid (later rates, rules or withholding switches never change them); a paid
-- month stays approved; a terms notice is sent again when its rate or payment rule changes;
-- sent notices, acknowledgements and payments are append-only.

CREATE TABLE pay_runs (
    id         INTEGER PRIMARY KEY,
    site_id    INTEGER NOT NULL REFERENCES sites(id),
    month      TEXT NOT NULL,
    paid_on    TEXT NOT NULL,
    paid_by    INTEGER NOT NULL REFERENCES persons(id),
    created_at INTEGER NOT NULL
);
CREATE INDEX pay_runs_site_month ON pay_runs (site_id, month);

-- A timesheet is paid once: pay_payments' key is the timesheet.
ALTER TABLE pay_payments ADD COLUMN run_id INTEGER REFERENCES pay_runs(id);
ALTER TABLE pay_payments ADD COLUMN due_on TEXT;
CREATE INDEX pay_payments_run ON pay_payments (run_id);

-- A paid month's lines as paid; `rates` lists "yen:minutes" in the order the rates applied.
CREATE TABLE pay_payment_lines (
    timesheet_id   INTEGER NOT NULL REFERENCES pay_payments(timesheet_id),
    project_id     INTEGER NOT NULL REFERENCES client_projects(id),
    project_name   TEXT NOT NULL,
    minutes        INTEGER NOT NULL,
    rates          TEXT NOT NULL,
    amount         INTEGER NOT NULL,
    withholding_on INTEGER NOT NULL,
    withholding    INTEGER NOT NULL,
    PRIMARY KEY (timesheet_id, project_id)
);

CREATE TRIGGER pay_runs_kept BEFORE UPDATE ON pay_runs
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_append_only');
END;
CREATE TRIGGER pay_runs_not_removed BEFORE DELETE ON pay_runs
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_append_only');
END;
CREATE TRIGGER pay_runs_no_replace BEFORE INSERT ON pay_runs
WHEN EXISTS (SELECT 1 FROM pay_runs WHERE id = NEW.id)
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_append_only');
END;
CREATE TRIGGER pay_payments_kept BEFORE UPDATE ON pay_payments
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_append_only');
END;
CREATE TRIGGER pay_payments_not_removed BEFORE DELETE ON pay_payments
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_append_only');
END;
CREATE TRIGGER pay_payments_no_replace BEFORE INSERT ON pay_payments
WHEN EXISTS (SELECT 1 FROM pay_payments WHERE timesheet_id = NEW.timesheet_id)
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_twice');
END;
CREATE TRIGGER pay_payment_lines_kept BEFORE UPDATE ON pay_payment_lines
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_append_only');
END;
CREATE TRIGGER pay_payment_lines_not_removed BEFORE DELETE ON pay_payment_lines
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_append_only');
END;
CREATE TRIGGER pay_payment_lines_no_replace BEFORE INSERT ON pay_payment_lines
WHEN EXISTS (SELECT 1 FROM pay_payment_lines
              WHERE timesheet_id = NEW.timesheet_id AND project_id = NEW.project_id)
BEGIN
    SELECT RAISE(ABORT, 'pay_paid_append_only');
END;

-- A paid month is not reopened (its amounts went to the bank as they were).
CREATE TRIGGER pay_month_paid BEFORE UPDATE OF status ON timesheets
WHEN OLD.status = 'approved' AND NEW.status <> 'approved'
 AND EXISTS (SELECT 1 FROM pay_payments WHERE timesheet_id = OLD.id)
BEGIN
    SELECT RAISE(ABORT, 'pay_month_paid');
END;

-- A notice per assignment and terms (`basis`: the rate and rule it states; '' for the
-- notices sent before this migration, which stated the first rate). SQLite cannot drop the
-- old one-per-assignment key: the two tables are rebuilt with their rows and ids.
CREATE TABLE pay_terms_kept AS
    SELECT id, assignment_id, person_id, site_id, body_ja, body_en, sent_at FROM pay_terms;
CREATE TABLE pay_terms_acks_kept AS SELECT terms_id, acknowledged_at FROM pay_terms_acks;
DROP TABLE pay_terms_acks;
DROP TABLE pay_terms;
CREATE TABLE pay_terms (
    id            INTEGER PRIMARY KEY,
    assignment_id INTEGER NOT NULL REFERENCES assignments(id),
    person_id     INTEGER NOT NULL REFERENCES persons(id),
    site_id       INTEGER NOT NULL REFERENCES sites(id),
    body_ja       TEXT NOT NULL,
    body_en       TEXT NOT NULL,
    sent_at       INTEGER NOT NULL,
    basis         TEXT NOT NULL DEFAULT '',
    UNIQUE (assignment_id, basis)
);
INSERT INTO pay_terms (id, assignment_id, person_id, site_id, body_ja, body_en, sent_at)
    SELECT id, assignment_id, person_id, site_id, body_ja, body_en, sent_at FROM pay_terms_kept;
CREATE TABLE pay_terms_acks (
    terms_id        INTEGER PRIMARY KEY REFERENCES pay_terms(id),
    acknowledged_at INTEGER NOT NULL
);
INSERT INTO pay_terms_acks (terms_id, acknowledged_at)
    SELECT terms_id, acknowledged_at FROM pay_terms_acks_kept;
DROP TABLE pay_terms_kept;
DROP TABLE pay_terms_acks_kept;
CREATE INDEX pay_terms_person ON pay_terms (person_id, sent_at);

CREATE TRIGGER pay_terms_unchanged BEFORE UPDATE ON pay_terms
BEGIN
    SELECT RAISE(ABORT, 'pay_terms_unchanged');
END;
CREATE TRIGGER pay_terms_kept BEFORE DELETE ON pay_terms
BEGIN
    SELECT RAISE(ABORT, 'pay_terms_unchanged');
END;
-- INSERT OR REPLACE deletes without firing the delete trigger (see 0019).
CREATE TRIGGER pay_terms_no_replace BEFORE INSERT ON pay_terms
WHEN EXISTS (SELECT 1 FROM pay_terms WHERE id = NEW.id
                OR (assignment_id = NEW.assignment_id AND basis = NEW.basis))
BEGIN
    SELECT RAISE(ABORT, 'pay_terms_unchanged');
END;
CREATE TRIGGER pay_terms_acks_unchanged BEFORE UPDATE ON pay_terms_acks
BEGIN
    SELECT RAISE(ABORT, 'pay_terms_unchanged');
END;
CREATE TRIGGER pay_terms_acks_kept BEFORE DELETE ON pay_terms_acks
BEGIN
    SELECT RAISE(ABORT, 'pay_terms_unchanged');
END;
CREATE TRIGGER pay_terms_acks_no_replace BEFORE INSERT ON pay_terms_acks
WHEN EXISTS (SELECT 1 FROM pay_terms_acks WHERE terms_id = NEW.terms_id)
BEGIN
    SELECT RAISE(ABORT, 'pay_terms_unchanged');
END;
