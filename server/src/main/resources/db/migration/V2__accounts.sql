-- Accounts (issue 3): last sign-in, when the password last changed.
ALTER TABLE users ADD COLUMN last_sign_in_at timestamptz;
ALTER TABLE users ADD COLUMN password_changed_at timestamptz;
CREATE INDEX verifications_proof_idx ON verifications (proof_hash) WHERE proof_used_at IS NULL;
-- Push devices carry the model for support.
ALTER TABLE devices ADD COLUMN device_model text CHECK (length(device_model) <= 100);
