-- cpd schema, version 13: a member's host account, and the pool of an
-- audit's draw.
--
-- Through the server a member is known by their login, and the login by the
-- kernel's word for the user id that connects. The user id of a member's
-- first contact is recorded; a login that comes back with another user id
-- (the account deleted and made again for somebody else) is refused until a
-- secretary confirms the new account, which clears the column for the next
-- contact to fill. NULL: no contact through the server yet, or confirmed
-- since.
ALTER TABLE member ADD COLUMN uid INTEGER;

-- The logins a draw was sampled from, in the order the sample walked them
-- (by login), one per line: with the seed, anybody can draw the sample
-- again and compare it with the members drawn. NULL for draws made before
-- it was recorded.
ALTER TABLE audit_draw ADD COLUMN pool TEXT;
