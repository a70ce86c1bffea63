package io.chargebot.server.db;

import java.sql.SQLException;

/** An SQL failure, unchecked, so services need not catch it: {@code ErrorMapper} maps it by SQLState. */
public final class DataAccessException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public DataAccessException(SQLException cause) {
        super(cause.getMessage(), cause);
    }

    public SQLException sqlException() {
        return (SQLException) getCause();
    }

    public String sqlState() {
        return sqlException().getSQLState();
    }
}
