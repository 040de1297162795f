-- PostgreSQL for the portal: one database per store, an owner role that runs the migrations and
-- owns every table, and an application role that may only read and write rows.
-- Run as the superuser:  sudo -u postgres psql -v ON_ERROR_STOP=1 -f setup.sql
-- Other database names (a restore test, a second study):  -v main_db=... -v keystore_db=...
-- Safe to run again: roles and databases that exist are left as they are, grants are renewed.
--
-- Then, in /etc/postgresql/15/main/pg_hba.conf, above the other "local" lines (which databases
-- each role reaches is settled by the CONNECT rights below, so a restore's fresh ones need no edit):
--   local  all  family_portal        peer map=family_portal
--   local  all  family_portal_owner  scram-sha-256
-- in /etc/postgresql/15/main/pg_ident.conf (the service user may log in as the application role):
--   family_portal  family-portal  family_portal
-- and give the owner a password:  sudo -u postgres psql -c '\password family_portal_owner'

\if :{?main_db}
\else
  \set main_db family_portal
\endif
\if :{?keystore_db}
\else
  \set keystore_db family_portal_keystore
\endif

SELECT 'CREATE ROLE family_portal_owner LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'family_portal_owner') \gexec
SELECT 'CREATE ROLE family_portal LOGIN'
 WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = 'family_portal') \gexec
SELECT format('CREATE DATABASE %I OWNER family_portal_owner ENCODING %L TEMPLATE template0', :'main_db', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'main_db') \gexec
SELECT format('CREATE DATABASE %I OWNER family_portal_owner ENCODING %L TEMPLATE template0', :'keystore_db', 'UTF8')
 WHERE NOT EXISTS (SELECT FROM pg_database WHERE datname = :'keystore_db') \gexec

-- The same rights in both databases: nobody else may connect; the application role may use the
-- tables and sequences the owner creates (now and in every later migration), but not change the
-- schema, and it owns nothing.
SELECT format('REVOKE ALL ON DATABASE %I FROM PUBLIC', name) FROM (VALUES (:'main_db'), (:'keystore_db')) AS d(name) \gexec
SELECT format('GRANT CONNECT, TEMPORARY ON DATABASE %I TO family_portal', name) FROM (VALUES (:'main_db'), (:'keystore_db')) AS d(name) \gexec
SELECT format('GRANT CONNECT ON DATABASE %I TO family_portal_owner', name) FROM (VALUES (:'main_db'), (:'keystore_db')) AS d(name) \gexec

\connect :main_db
\ir grants.sql
\connect :keystore_db
\ir grants.sql
