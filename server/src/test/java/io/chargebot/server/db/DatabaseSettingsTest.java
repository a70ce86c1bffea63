package io.chargebot.server.db;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Map;
import org.junit.jupiter.api.Test;

class DatabaseSettingsTest {

    @Test
    void parsesPostgresUrlsWithCredentials() {
        DatabaseSettings settings = DatabaseSettings.parse("postgres://app:s%40cret@db.example:6543/chargebot?sslmode=require");
        assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://db.example:6543/chargebot?sslmode=require");
        assertThat(settings.username()).isEqualTo("app");
        assertThat(settings.password()).isEqualTo("s@cret");
        assertThat(settings.toString()).doesNotContain("s@cret", "s%40cret");
    }

    @Test
    void defaultsPortAndDatabase() {
        assertThat(DatabaseSettings.parse("postgresql://localhost").jdbcUrl())
                .isEqualTo("jdbc:postgresql://localhost:5432/postgres");
    }

    @Test
    void keepsJdbcUrlsAndHidesTheirPasswords() {
        DatabaseSettings settings = DatabaseSettings.parse("jdbc:postgresql://127.0.0.1:5432/test?user=postgres&password=pw");
        assertThat(settings.jdbcUrl()).endsWith("password=pw");
        assertThat(settings.displayUrl()).doesNotContain("=pw").contains("password=***");
    }

    @Test
    void environmentOverridesCredentials() {
        DatabaseSettings settings = DatabaseSettings.fromEnvironment(Map.of(
                "DATABASE_URL", "postgres://a:b@h/db", "DATABASE_USER", "u", "DATABASE_PASSWORD", "p"));
        assertThat(settings.username()).isEqualTo("u");
        assertThat(settings.password()).isEqualTo("p");
        assertThat(DatabaseSettings.fromEnvironment(Map.of())).isNull();
    }

    @Test
    void micronautsOwnVariablesWorkToo() {
        DatabaseSettings settings = DatabaseSettings.fromEnvironment(Map.of(
                "DATASOURCES_DEFAULT_URL", "jdbc:postgresql://db:5432/app", "DATASOURCES_DEFAULT_USERNAME", "svc",
                "DATASOURCES_DEFAULT_PASSWORD", "pw"));
        assertThat(settings.jdbcUrl()).isEqualTo("jdbc:postgresql://db:5432/app");
        assertThat(settings.username()).isEqualTo("svc");
        assertThat(settings.password()).isEqualTo("pw");
    }

    @Test
    void rejectsOtherSchemes() {
        assertThatThrownBy(() -> DatabaseSettings.parse("mysql://root@localhost/db"))
                .isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("DATABASE_URL");
    }
}
