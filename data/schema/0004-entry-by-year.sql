-- cpd schema, version 4: the ledger by year.
--
-- Year-end, reminders and the compliance report sum one year's entries for
-- every member; this index lets them read that year alone, in member order,
-- without touching the table.
CREATE INDEX entry_year_member ON entry(year, member_id, kind, points);
