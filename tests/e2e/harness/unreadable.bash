# A database sqlite3 cannot read: `refused` must fail, not compare two empty
# dumps and call them unchanged.
TEST "refused on a database that cannot be read"
printf 'not a database, but as long as a header would be\n' >"$CPD_DB"
refused 65 "." sec claim iims-training-day
