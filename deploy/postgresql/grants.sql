-- In the database psql is connected to (setup.sql runs this in each store's database).
REVOKE ALL ON SCHEMA public FROM PUBLIC;
ALTER SCHEMA public OWNER TO family_portal_owner;
GRANT USAGE ON SCHEMA public TO family_portal;
ALTER DEFAULT PRIVILEGES FOR ROLE family_portal_owner IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO family_portal;
ALTER DEFAULT PRIVILEGES FOR ROLE family_portal_owner IN SCHEMA public
    GRANT USAGE, SELECT ON SEQUENCES TO family_portal;
-- tables made before these defaults (an upgrade of an older installation)
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO family_portal;
GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO family_portal;
