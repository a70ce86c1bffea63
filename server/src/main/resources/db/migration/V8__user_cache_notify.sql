-- Issue 3: every server keeps account profiles (GetUser) in memory (user/UserProfiles.java). Any
-- change to an account's row or its driver's licence, by whatever code, announces the account id on
-- channel chargebot_users when it commits; every server listens and drops its copy.
CREATE FUNCTION chargebot_users_notify() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'TRUNCATE' THEN
        PERFORM pg_notify('chargebot_users', 'all');
    ELSIF TG_TABLE_NAME = 'users' THEN
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('chargebot_users', OLD.id::text);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('chargebot_users', NEW.id::text);
        END IF;
    ELSE
        IF TG_OP <> 'INSERT' THEN
            PERFORM pg_notify('chargebot_users', OLD.user_id::text);
        END IF;
        IF TG_OP <> 'DELETE' THEN
            PERFORM pg_notify('chargebot_users', NEW.user_id::text);
        END IF;
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER users_profile_notify AFTER INSERT OR UPDATE OR DELETE ON users
    FOR EACH ROW EXECUTE FUNCTION chargebot_users_notify();
CREATE TRIGGER users_profile_notify_truncate AFTER TRUNCATE ON users
    FOR EACH STATEMENT EXECUTE FUNCTION chargebot_users_notify();
CREATE TRIGGER driver_licenses_profile_notify AFTER INSERT OR UPDATE OR DELETE ON driver_licenses
    FOR EACH ROW EXECUTE FUNCTION chargebot_users_notify();
CREATE TRIGGER driver_licenses_profile_notify_truncate AFTER TRUNCATE ON driver_licenses
    FOR EACH STATEMENT EXECUTE FUNCTION chargebot_users_notify();
