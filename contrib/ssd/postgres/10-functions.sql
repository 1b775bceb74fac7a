-- Reading SSD values: placeholder dates, local times without an offset, Y/N flags.

-- Some builds write 1900-01-01 where a date is missing: an unfinished assessment would look completed in 1900.
CREATE OR REPLACE FUNCTION casewatch_ssd.local_date(value TIMESTAMP) RETURNS DATE
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE WHEN value::date > DATE '1900-01-01' THEN value::date END
$$;

-- SSD date-times are UK local times without an offset; Europe/London turns them into instants (GMT or BST as the
-- date falls), never a fixed offset.
CREATE OR REPLACE FUNCTION casewatch_ssd.instant(value TIMESTAMP) RETURNS TIMESTAMPTZ
LANGUAGE sql STABLE AS $$
    SELECT CASE WHEN value::date > DATE '1900-01-01' THEN value AT TIME ZONE 'Europe/London' END
$$;

-- The start of a local day, for a source that holds only a date (SPEC 8.1).
CREATE OR REPLACE FUNCTION casewatch_ssd.day_start(value TIMESTAMP) RETURNS TIMESTAMPTZ
LANGUAGE sql STABLE AS $$
    SELECT casewatch_ssd.instant(casewatch_ssd.local_date(value)::timestamp)
$$;

-- 'Y' and 'N'; anything else is unknown (NULL), never a guess.
CREATE OR REPLACE FUNCTION casewatch_ssd.flag(value TEXT) RETURNS BOOLEAN
LANGUAGE sql IMMUTABLE AS $$
    SELECT CASE upper(trim(value)) WHEN 'Y' THEN true WHEN 'N' THEN false END
$$;

-- Today in London, for the involvements current now.
CREATE OR REPLACE FUNCTION casewatch_ssd.today() RETURNS DATE
LANGUAGE sql STABLE AS $$
    SELECT (now() AT TIME ZONE 'Europe/London')::date
$$;
