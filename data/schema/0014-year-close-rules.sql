-- cpd schema, version 14: every closed year has its rules recorded.
--
-- A year closed before version 9 recorded only its quota and carry cap;
-- cpd judged it by the default rules with those two. Those rules are now
-- written into the row, in the form cpd records them (one `key=value` line
-- for each rule, in the order of rule_keys()), so that there is one way to
-- read the rules of a closed year.
UPDATE year_close
SET rules = 'scheme.cycle_years=1' || char(10)
  || 'scheme.quota=' || (quota / 10)
  || CASE WHEN quota % 10 = 0 THEN '' ELSE '.' || (quota % 10) END || char(10)
  || 'scheme.year_minimum=0' || char(10)
  || 'scheme.minimums=none' || char(10)
  || 'scheme.maximums=none' || char(10)
  || 'scheme.carry_cap=' || (carry_cap / 10)
  || CASE WHEN carry_cap % 10 = 0 THEN '' ELSE '.' || (carry_cap % 10) END || char(10)
  || 'scheme.carry_categories=all' || char(10)
  || 'scheme.carry_first_year=yes' || char(10)
  || 'scheme.prorata=month' || char(10)
  || 'scheme.prorata_rounding=whole-down' || char(10)
WHERE rules IS NULL;
