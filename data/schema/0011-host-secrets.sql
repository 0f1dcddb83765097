-- cpd schema, version 11: no secret in the database.
--
-- Secrets and the files mail delivery reads leave the database. The SMTP
-- password, and the paths of the templates, the certificates and the
-- password file, are the administrator's, in the host configuration
-- (/etc/cpd/cpd.conf, see cpd.conf(5)). The statements' key lives in a file
-- beside the database (<database>.key), where cpd moved it before this
-- runs: a copy of the database then holds no secret.
DELETE FROM setting
WHERE key IN ('mail.password', 'mail.password_file', 'mail.ca_file', 'mail.templates');

DROP TABLE statement_key;
