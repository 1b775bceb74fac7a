-- The grants casewatch reads with: USAGE on the schema and SELECT on the nine views casewatch reads, for each role
-- in casewatch_ssd.reader_roles (casewatch_reader unless you change it). Run last, every time the other scripts
-- run: a view replaced in place keeps its grants, but one a release had to make again would not, and casewatch
-- would stop with "permission denied". The settings tables and the helper views are not granted: the nine views
-- read them with their owner's rights.

DO $$
DECLARE
    reader TEXT;
BEGIN
    FOR reader IN SELECT role_name FROM casewatch_ssd.reader_roles ORDER BY role_name LOOP
        IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = reader) THEN
            RAISE EXCEPTION 'casewatch_ssd.reader_roles names the role "%", which does not exist', reader
                USING HINT = 'Create it (CREATE ROLE ' || quote_ident(reader) || ' LOGIN) or change '
                    'casewatch_ssd.reader_roles to the role casewatch logs in as, then run 90-grants.sql again.';
        END IF;
        EXECUTE format('GRANT USAGE ON SCHEMA casewatch_ssd TO %I', reader);
        EXECUTE format('GRANT SELECT ON casewatch_ssd.staff, casewatch_ssd.children, casewatch_ssd.cases, '
            'casewatch_ssd.visits, casewatch_ssd.assessments, casewatch_ssd.management_decisions, '
            'casewatch_ssd.case_events, casewatch_ssd.meetings, casewatch_ssd.records TO %I', reader);
    END LOOP;
END
$$;
