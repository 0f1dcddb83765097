-- cpd schema, version 7: members without a CPD duty, dispensations over
-- several years, and quota reminders counted in calendar dates.

-- 0 for staff and system accounts (a secretary who is no surveyor, the
-- scheduler): never reminded, never in a report's short list, no year
-- statements.
ALTER TABLE member ADD COLUMN cpd_duty INTEGER NOT NULL DEFAULT 1 CHECK (cpd_duty IN (0, 1));

-- A dispensation covers the years from `year` to `until_year`, or every
-- year from `year` on while `until_year` is NULL (a retired member). Those
-- granted before were for one year.
ALTER TABLE exemption ADD COLUMN until_year INTEGER CHECK (until_year IS NULL OR until_year >= year);
UPDATE exemption SET until_year = year;

-- Each quota reminder a member was sent, by the date of the run that sent
-- it: at most one per remind.every period, counted in calendar dates.
CREATE TABLE reminder (
  member_id INTEGER NOT NULL REFERENCES member(id),
  day       TEXT NOT NULL,            -- YYYY-MM-DD
  PRIMARY KEY (member_id, day)
) STRICT, WITHOUT ROWID;
-- The reminders sent so far, from the outbox ('reminder:LOGIN:YYYY-MM-DD').
INSERT OR IGNORE INTO reminder(member_id, day)
  SELECT member_id, substr(cause, -10) FROM outbox
  WHERE template = 'reminder' AND member_id IS NOT NULL;

-- remind.interval_days (days between two reminders) becomes remind.every,
-- the calendar period a member is reminded at most once in: the period
-- that is no shorter than the interval a secretary set.
INSERT OR IGNORE INTO setting(key, value)
  SELECT 'remind.every',
         CASE WHEN CAST(value AS INTEGER) <= 7 THEN 'week'
              WHEN CAST(value AS INTEGER) <= 31 THEN 'month'
              WHEN CAST(value AS INTEGER) <= 92 THEN 'quarter'
              ELSE 'year' END
  FROM setting WHERE key = 'remind.interval_days';
DELETE FROM setting WHERE key = 'remind.interval_days';
