package io.transmog.engine.sql;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.util.List;

/** SQL text plus the key values for its placeholders, bound through their {@link KeyColumn}. */
public record BoundStatement(String sql, List<Binding> bindings) {
    /** A placeholder's value; {@code column} is null for values that are not key values. */
    public record Binding(KeyColumn column, Object value, boolean onGhost) {
        public static Binding plain(Object value) {
            return new Binding(null, value, false);
        }
    }

    public PreparedStatement prepare(Connection connection) throws SQLException {
        PreparedStatement statement = connection.prepareStatement(sql);
        try {
            int index = 1;
            for (Binding binding : bindings) {
                if (binding.column() == null) {
                    statement.setObject(index++, binding.value());
                } else {
                    binding.column().bind(statement, index++, binding.value(), binding.onGhost());
                }
            }
            return statement;
        } catch (SQLException | RuntimeException e) {
            statement.close();
            throw e;
        }
    }
}
