using Npgsql;

namespace Undb.Tests.TestSupport;

/// <summary>
/// Which engine the app under test runs on. <c>UNDB_TEST_PROVIDER=Postgres</c> (test.sh's second pass, under
/// scripts/with-postgres.sh) runs the tests marked <c>[Trait("Engines", "Both")]</c> on a real PostgreSQL: each
/// factory gets a database of its own on the server <c>UNDB_TEST_POSTGRES</c> names. Asked for PostgreSQL without a
/// reachable server, the tests fail, loudly: a suite that silently falls back would prove nothing.
/// </summary>
public static class TestEngine
{
    public static bool Postgres => string.Equals(Environment.GetEnvironmentVariable("UNDB_TEST_PROVIDER"), "Postgres", StringComparison.OrdinalIgnoreCase);

    private static string Server => Environment.GetEnvironmentVariable("UNDB_TEST_POSTGRES") is { Length: > 0 } server
        ? server
        : throw new InvalidOperationException("UNDB_TEST_PROVIDER=Postgres needs UNDB_TEST_POSTGRES (run the tests through scripts/with-postgres.sh).");

    /// <summary>Creates an empty database for one factory; returns its connection string.</summary>
    public static string CreatePostgresDatabase()
    {
        var name = "undb_test_" + Guid.NewGuid().ToString("N")[..16];
        using (var connection = new NpgsqlConnection(Server))
        {
            connection.Open();
            using var create = new NpgsqlCommand($"CREATE DATABASE {name}", connection);
            create.ExecuteNonQuery();
        }
        return new NpgsqlConnectionStringBuilder(Server) { Database = name }.ConnectionString;
    }

    public static void DropPostgresDatabase(string connectionString)
    {
        var name = new NpgsqlConnectionStringBuilder(connectionString).Database;
        NpgsqlConnection.ClearAllPools();
        using var connection = new NpgsqlConnection(Server);
        connection.Open();
        using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS {name} WITH (FORCE)", connection);
        drop.ExecuteNonQuery();
    }
}
