-- cpd schema, version 3: evidence sent with mail.
--
-- The outbox keeps rendered text; the files a mail carries stay in the
-- attachment table and are only linked here, then read when the mail is
-- composed for delivery.
CREATE TABLE outbox_attachment (
  outbox_id     INTEGER NOT NULL REFERENCES outbox(id),     -- the mail
  attachment_id INTEGER NOT NULL REFERENCES attachment(id), -- a file it carries
  PRIMARY KEY (outbox_id, attachment_id)
) STRICT;
