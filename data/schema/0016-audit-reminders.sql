-- cpd schema, version 16: the audit reminders sent, recorded by the audit
-- itself rather than read back from the outbox.
--
-- An audit waiting for an answer is reminded once at each of its reminder
-- days (audit.remind_days): `point` is that day, in days before the
-- deadline.
CREATE TABLE audit_reminder (
  audit_id INTEGER NOT NULL REFERENCES audit(id),
  point    INTEGER NOT NULL,
  PRIMARY KEY (audit_id, point)
) STRICT, WITHOUT ROWID;

-- The reminders sent so far, from the outbox ('audit:ID:reminder:POINT'),
-- so that an upgraded database does not remind twice.
INSERT OR IGNORE INTO audit_reminder(audit_id, point)
  SELECT a.id, r.point
  FROM (SELECT CAST(substr(cause, 7, instr(substr(cause, 7), ':') - 1) AS INTEGER) AS audit_id,
               CAST(substr(cause, instr(cause, ':reminder:') + 10) AS INTEGER) AS point
        FROM outbox WHERE cause GLOB 'audit:*:reminder:*') r
  JOIN audit a ON a.id = r.audit_id;
