using System.Net.Http.Headers;
using Npgsql;

namespace Undb.Bench;

/// <summary>
/// What a benchmark runs against: one app process (the default, on SQLite), or several on one PostgreSQL database,
/// with the load generators' requests spread over them round-robin. Process figures (CPU, log lines, memory) are the
/// sums over the instances.
/// </summary>
public sealed class AppCluster : IAsyncDisposable
{
    private readonly List<AppProcess> _instances;
    private readonly Func<ValueTask>? _cleanUp;

    private AppCluster(List<AppProcess> instances, Func<ValueTask>? cleanUp)
    {
        _instances = instances;
        _cleanUp = cleanUp;
    }

    public IReadOnlyList<AppProcess> Instances => _instances;

    /// <summary>Each instance's base URL, for load that addresses them one by one (incoming webhooks).</summary>
    public IReadOnlyList<string> BaseUrls => _instances.Select(i => i.BaseUrl).ToList();

    /// <summary>An API client; with several instances each request goes to the next one.</summary>
    public HttpClient CreateApiClient()
    {
        if (_instances.Count == 1)
        {
            return _instances[0].CreateApiClient();
        }
        var handler = new RoundRobinHandler(BaseUrls.Select(u => new Uri(u)).ToArray())
        {
            InnerHandler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) },
        };
        var client = new HttpClient(handler) { BaseAddress = new Uri(_instances[0].BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", AppProcess.ApiToken);
        return client;
    }

    public TimeSpan CpuTime() => _instances.Aggregate(TimeSpan.Zero, (sum, i) => sum + i.CpuTime());

    public TimeSpan JitCpuTime() => _instances.Aggregate(TimeSpan.Zero, (sum, i) => sum + i.JitCpuTime());

    public int LogLines => _instances.Sum(i => i.LogLines);

    /// <summary>The error entries of every instance's log (each with the lines that follow it), for a failure's message.</summary>
    public string FailuresInLog()
    {
        var found = new System.Text.StringBuilder();
        foreach (var instance in _instances)
        {
            var lines = instance.Log.Split('\n');
            for (var i = 0; i < lines.Length; i++)
            {
                if (lines[i].StartsWith("fail:", StringComparison.Ordinal) || lines[i].StartsWith("crit:", StringComparison.Ordinal))
                {
                    found.Append("\n[app ").Append(instance.ProcessId).Append("] ").AppendJoin('\n', lines.Skip(i).Take(25));
                }
            }
        }
        return found.Length == 0 ? "" : "\nThe app logged:" + found;
    }

    public double WorkingSetMb() => _instances.Sum(i => i.WorkingSetMb());

    public double PeakWorkingSetMb() => _instances.Sum(i => i.PeakWorkingSetMb());

    public static async Task<AppCluster> StartAsync(BenchTarget target, IDictionary<string, string> settings)
    {
        if (target.PostgresServer is null)
        {
            return new AppCluster([await AppProcess.StartAsync(settings)], null);
        }
        // A fresh database per cluster; the first instance migrates it and creates the bench's admin, then the others start together.
        var server = target.PostgresServer;
        var database = "undb_bench_" + Guid.NewGuid().ToString("N");
        await ExecuteAsync(server, $"CREATE DATABASE \"{database}\"");
        var connectionString = new NpgsqlConnectionStringBuilder(server) { Database = database }.ConnectionString;
        Dictionary<string, string> For(int i) => new(settings)
        {
            ["Database:Provider"] = "Postgres",
            ["ConnectionStrings:Default"] = connectionString,
            ["Webhooks:InstanceId"] = $"bench-{i + 1}",
        };
        var instances = new List<AppProcess>();
        async ValueTask CleanUp()
        {
            foreach (var instance in instances)
            {
                await instance.DisposeAsync();
            }
            NpgsqlConnection.ClearAllPools();
            if (Environment.GetEnvironmentVariable("UNDB_BENCH_KEEP") == "1")
            {
                Console.WriteLine($"  kept the PostgreSQL database {database}");
                return;
            }
            await ExecuteAsync(server, $"DROP DATABASE IF EXISTS \"{database}\" WITH (FORCE)");
        }
        try
        {
            instances.Add(await AppProcess.StartAsync(For(0)));
            instances.AddRange(await Task.WhenAll(Enumerable.Range(1, target.Instances - 1).Select(i => AppProcess.StartAsync(For(i)))));
        }
        catch
        {
            await CleanUp();
            throw;
        }
        return new AppCluster(instances, CleanUp);
    }

    private static async Task ExecuteAsync(string connectionString, string sql)
    {
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = new NpgsqlCommand(sql, connection);
        await command.ExecuteNonQueryAsync();
    }

    public async ValueTask DisposeAsync()
    {
        if (_cleanUp is not null)
        {
            await _cleanUp();
            return;
        }
        foreach (var instance in _instances)
        {
            await instance.DisposeAsync();
        }
    }

    /// <summary>Sends each request to the next instance (same path and query, another authority).</summary>
    private sealed class RoundRobinHandler(Uri[] targets) : DelegatingHandler
    {
        private int _next = -1;

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            var target = targets[(int)((uint)Interlocked.Increment(ref _next) % (uint)targets.Length)];
            request.RequestUri = new UriBuilder(request.RequestUri!) { Scheme = target.Scheme, Host = target.Host, Port = target.Port }.Uri;
            return base.SendAsync(request, cancellationToken);
        }
    }
}

/// <summary>The database engine and number of app instances a run measures.</summary>
/// <param name="PostgresServer">null: SQLite (one instance); otherwise a PostgreSQL server's connection string, on which each cluster gets a fresh database.</param>
public sealed record BenchTarget(string Name, string? PostgresServer, int Instances)
{
    public static readonly BenchTarget Sqlite = new("SQLite", null, 1);

    public static BenchTarget Postgres(string server, int instances) =>
        new(instances == 1 ? "PostgreSQL" : $"PostgreSQL ×{instances}", server, instances);
}
