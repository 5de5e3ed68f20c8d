using Npgsql;

namespace Undb.E2E.Support;

/// <summary>
/// A fresh database (<c>undb_e2e_&lt;guid&gt;</c>) on the PostgreSQL server that <c>UNDB_TEST_POSTGRES</c> names
/// (<c>scripts/with-postgres.sh</c> starts one and sets it), dropped again on dispose. Without the variable the test
/// fails: a PostgreSQL test that skips itself would pass a suite that never ran it.
/// </summary>
public sealed class PostgresDatabase : IAsyncDisposable
{
    public const string Variable = "UNDB_TEST_POSTGRES";

    private readonly string _server;

    private PostgresDatabase(string server, string name)
    {
        _server = server;
        Name = name;
        ConnectionString = new NpgsqlConnectionStringBuilder(server) { Database = name }.ConnectionString;
    }

    public string Name { get; }

    /// <summary>The connection string of the new database, for the app (<c>ConnectionStrings:Default</c>) and for inspection.</summary>
    public string ConnectionString { get; }

    /// <summary>The server's connection string from <see cref="Variable"/>; throws with what to do when it is missing.</summary>
    public static string ServerConnectionString() =>
        Environment.GetEnvironmentVariable(Variable) is { Length: > 0 } value
            ? value
            : throw new InvalidOperationException(
                $"{Variable} is not set: this test needs a PostgreSQL server. Run it as `scripts/with-postgres.sh dotnet test App.E2E …`, "
                + $"or set {Variable}=\"Host=127.0.0.1;Port=…;Username=postgres;Database=postgres\".");

    public static async Task<PostgresDatabase> CreateAsync(string prefix = "undb_e2e_")
    {
        var server = ServerConnectionString();
        var database = new PostgresDatabase(server, prefix + Guid.NewGuid().ToString("N"));
        await using var connection = new NpgsqlConnection(server);
        await connection.OpenAsync();
        await using var create = new NpgsqlCommand($"CREATE DATABASE \"{database.Name}\"", connection);
        await create.ExecuteNonQueryAsync();
        return database;
    }

    public async Task<NpgsqlConnection> OpenAsync()
    {
        var connection = new NpgsqlConnection(ConnectionString);
        await connection.OpenAsync();
        return connection;
    }

    public async ValueTask DisposeAsync()
    {
        // The app's pools may still hold connections (a killed process leaves them until the server notices): FORCE.
        NpgsqlConnection.ClearAllPools();
        await using var connection = new NpgsqlConnection(_server);
        await connection.OpenAsync();
        await using var drop = new NpgsqlCommand($"DROP DATABASE IF EXISTS \"{Name}\" WITH (FORCE)", connection);
        await drop.ExecuteNonQueryAsync();
    }
}
