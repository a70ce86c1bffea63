-- Issue 5: the server sends a robot that is idle away from its base back with RETURN_TO_BASE, once per idle
-- period (docs/robots-server.md, Returning to base). This flag says that one was sent since the robot's state last
-- changed by its own report; a telemetry report with another state clears it.
ALTER TABLE robots ADD COLUMN sent_home boolean NOT NULL DEFAULT false;
