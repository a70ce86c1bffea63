-- Issue 5 (dispatch latency): a replica holding a bridge stream writes the GO_TO_SPOT it dispatches
-- already claimed (status SENT, first attempt) and sends it itself after commit. Only commands
-- queued PENDING (dispatch on a replica without a stream, CANCEL from ReservationService) need the
-- replicas' relays, so only those notify: a row trigger with a condition (PostgreSQL folds identical
-- notifications of one transaction into one, as the statement trigger did).
DROP TRIGGER robot_commands_notify ON robot_commands;
CREATE TRIGGER robot_commands_notify AFTER INSERT ON robot_commands
    FOR EACH ROW WHEN (NEW.status = 'PENDING') EXECUTE FUNCTION robot_commands_notify();
