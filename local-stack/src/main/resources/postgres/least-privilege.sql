-- Least privilege for the capture-service's PostgreSQL role, tributary_capture.
--
-- The local stack's secure mode (./pipeline up --secure) runs this file at every `up`, as the superuser,
-- in the stack's database; it is idempotent. It is also the production recipe: run it once per captured
-- database as a superuser (or the owner of the tables, for the grants), with the password as a psql variable:
--
--   psql "host=... dbname=tributary user=postgres sslmode=verify-full" \
--        -v capture_password="$CAPTURE_PASSWORD" -f least-privilege.sql
--
-- What the role can do, and nothing more:
--   * LOGIN and REPLICATION (open a replication connection, create its logical slot with pgoutput); it is
--     not a superuser, cannot create databases or roles, and has no CREATE on the database nor on schema public;
--   * SELECT on the tables of schema public (Debezium's snapshot), now and for tables the superuser
--     creates later (ALTER DEFAULT PRIVILEGES);
--   * SELECT, INSERT, UPDATE on the heartbeat and signal tables, which are created here (the
--     capture-service would otherwise create them, which needs CREATE on the schema);
--   * the publication `tributary` is created here by the superuser. Creating or altering a publication needs
--     CREATE on the database and ownership of every table in it, so the capture-service must use the
--     publication as it is: run it with capture.debezium.publication.autocreate.mode=disabled.
--
-- Publication choice: the demo tables (customers, orders, customer_segments) are created later, by the
-- workload (./pipeline demo / load), after `up`; `FOR TABLE` needs them to exist, so the local stack uses
-- `FOR ALL TABLES` (superuser only), which also covers the heartbeat and signal tables. Limit: the role then
-- receives the changes of every table of this database through its slot. In production, prefer
--   CREATE PUBLICATION tributary FOR TABLE public.customers, public.orders, public.customer_segments,
--       public.tributary_heartbeat, public.tributary_signal;
-- once the tables exist (and ALTER PUBLICATION ... ADD TABLE as a superuser when capture.tables grows).

-- the role (its password is set on every run, so a rotated secret takes effect)
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_roles WHERE rolname = 'tributary_capture') THEN
        CREATE ROLE tributary_capture;
    END IF;
END
$$;
ALTER ROLE tributary_capture WITH LOGIN REPLICATION NOSUPERUSER NOCREATEDB NOCREATEROLE NOBYPASSRLS
    PASSWORD :'capture_password';

-- connect to this database only; no CREATE or TEMPORARY on it for anyone but owners and granted roles
DO $$
BEGIN
    EXECUTE format('REVOKE CREATE, TEMPORARY ON DATABASE %I FROM PUBLIC', current_database());
    EXECUTE format('REVOKE ALL ON DATABASE %I FROM tributary_capture', current_database());
    EXECUTE format('GRANT CONNECT ON DATABASE %I TO tributary_capture', current_database());
END
$$;

-- schema public: usage, no CREATE (already PostgreSQL 15's default for PUBLIC; stated here for older servers)
REVOKE CREATE ON SCHEMA public FROM PUBLIC;
REVOKE CREATE ON SCHEMA public FROM tributary_capture;
GRANT USAGE ON SCHEMA public TO tributary_capture;

-- read the captured tables, present and future (future: those created by the role running this file)
GRANT SELECT ON ALL TABLES IN SCHEMA public TO tributary_capture;
ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO tributary_capture;

-- heartbeat and signal tables (the DDL of the capture-service's PostgresPreflight)
CREATE TABLE IF NOT EXISTS public.tributary_heartbeat (id integer PRIMARY KEY, ts timestamptz NOT NULL);
CREATE TABLE IF NOT EXISTS public.tributary_signal (id varchar(64) PRIMARY KEY, type varchar(32) NOT NULL, data varchar(2048));
GRANT SELECT, INSERT, UPDATE ON public.tributary_heartbeat, public.tributary_signal TO tributary_capture;

-- the publication, owned by the superuser
DO $$
BEGIN
    IF NOT EXISTS (SELECT FROM pg_catalog.pg_publication WHERE pubname = 'tributary') THEN
        CREATE PUBLICATION tributary FOR ALL TABLES;
    END IF;
END
$$;
