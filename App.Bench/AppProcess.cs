using System.Diagnostics;
using System.Net.Http.Headers;
using System.Text;
using System.Text.RegularExpressions;

namespace Undb.Bench;

/// <summary>The real app (App.dll, same build configuration as the bench) as a process on a free loopback port with a temporary SQLite database.</summary>
public sealed partial class AppProcess : IAsyncDisposable
{
    public const string ApiToken = "undb_bench_token_0123456789abcdef";

    private readonly StringBuilder _log = new();
    private Process? _process;

    public string DataDirectory { get; } = Path.Combine(Path.GetTempPath(), "undb-bench", Guid.NewGuid().ToString("N"));

    public string BaseUrl { get; private set; } = "";

    public int ProcessId => _process?.Id ?? 0;

    public static async Task<AppProcess> StartAsync(IDictionary<string, string> settings)
    {
        var app = new AppProcess();
        await app.StartCoreAsync(settings);
        return app;
    }

    private async Task StartCoreAsync(IDictionary<string, string> settings)
    {
        Directory.CreateDirectory(DataDirectory);
        var dll = FindAppDll();
        var info = new ProcessStartInfo("dotnet", [dll, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = Path.GetDirectoryName(dll)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        info.Environment["ConnectionStrings__Default"] = $"Data Source={Path.Combine(DataDirectory, "undb.db")}";
        info.Environment["DataProtection__KeysPath"] = Path.Combine(DataDirectory, "keys");
        info.Environment["Bootstrap__AdminEmail"] = "bench@example.com";
        info.Environment["Bootstrap__AdminPassword"] = "B3nchPassword";
        info.Environment["Bootstrap__ApiToken"] = ApiToken;
        // Logging as shipped (appsettings.json): a per-request log line would cost the app, and should show here.
        foreach (var (k, v) in settings)
        {
            info.Environment[k.Replace(":", "__")] = v;
        }
        // UNDB_BENCH_APP_Logging__LogLevel__Undb=Debug reaches the app as Logging__LogLevel__Undb=Debug (for profiling).
        foreach (System.Collections.DictionaryEntry e in Environment.GetEnvironmentVariables())
        {
            if (e.Key is string key && key.StartsWith("UNDB_BENCH_APP_", StringComparison.Ordinal))
            {
                info.Environment[key["UNDB_BENCH_APP_".Length..]] = e.Value as string;
            }
        }

        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = info, EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, listening);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, listening);
        _process.Exited += (_, _) => listening.TrySetException(new InvalidOperationException("The app exited:\n" + _log));
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        if (await Task.WhenAny(listening.Task, Task.Delay(TimeSpan.FromSeconds(60))) != listening.Task)
        {
            throw new TimeoutException("The app did not start:\n" + _log);
        }
        BaseUrl = (await listening.Task).TrimEnd('/');
    }

    public HttpClient CreateApiClient()
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 256, PooledConnectionLifetime = TimeSpan.FromMinutes(10) };
        var client = new HttpClient(handler) { BaseAddress = new Uri(BaseUrl), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ApiToken);
        return client;
    }

    /// <summary>Peak resident set of the app process so far (VmHWM), in MB.</summary>
    public double PeakWorkingSetMb()
    {
        var status = File.ReadAllLines($"/proc/{ProcessId}/status");
        var line = status.First(l => l.StartsWith("VmHWM:", StringComparison.Ordinal));
        var kb = long.Parse(Regex.Match(line, @"\d+").Value);
        return kb / 1024.0;
    }

    /// <summary>CPU time the app process has used so far (user and system).</summary>
    public TimeSpan CpuTime()
    {
        _process!.Refresh();
        return _process.TotalProcessorTime;
    }

    /// <summary>
    /// CPU time the runtime's background JIT (the tiered-compilation thread, which recompiles hot methods optimised)
    /// has used so far; Linux only, from /proc. While it keeps rising the app is still warming up.
    /// </summary>
    public TimeSpan JitCpuTime()
    {
        var ticks = 0L;
        foreach (var task in Directory.EnumerateDirectories($"/proc/{ProcessId}/task"))
        {
            try
            {
                if (!File.ReadAllText(Path.Combine(task, "comm")).StartsWith(".NET Tiered", StringComparison.Ordinal))
                {
                    continue;
                }
                // Fields after the parenthesised name: state is the 1st, utime the 12th and stime the 13th (proc(5)).
                var stat = File.ReadAllText(Path.Combine(task, "stat"));
                var fields = stat[(stat.LastIndexOf(')') + 2)..].Split(' ');
                ticks += long.Parse(fields[11]) + long.Parse(fields[12]);
            }
            catch (IOException)
            {
                // the thread ended between listing and reading: it is not compiling any more
            }
        }
        return TimeSpan.FromSeconds(ticks / 100.0); // USER_HZ is 100 on Linux
    }

    public double WorkingSetMb()
    {
        _process!.Refresh();
        return _process.WorkingSet64 / 1024.0 / 1024.0;
    }

    public string Log => _log.ToString();

    /// <summary>Lines the app has written to its console so far.</summary>
    public int LogLines { get; private set; }

    private void OnLine(string? line, TaskCompletionSource<string> listening)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
            LogLines++;
        }
        var m = Listening().Match(line);
        if (m.Success)
        {
            listening.TrySetResult(m.Groups[1].Value);
        }
    }

    /// <summary>The App.dll next to the bench's own build, or the one <c>UNDB_BENCH_APP_DLL</c> names (to compare two builds).</summary>
    public static string FindAppDll()
    {
        if (Environment.GetEnvironmentVariable("UNDB_BENCH_APP_DLL") is { Length: > 0 } chosen)
        {
            return File.Exists(chosen) ? Path.GetFullPath(chosen) : throw new FileNotFoundException("UNDB_BENCH_APP_DLL does not exist", chosen);
        }
        var bin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar);
        var configuration = new DirectoryInfo(bin).Parent!.Name;
        var dir = new DirectoryInfo(bin);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Undb.Blazor.sln")))
        {
            dir = dir.Parent;
        }
        var dll = Path.Combine(dir?.FullName ?? throw new InvalidOperationException("Undb.Blazor.sln not found"), "App", "bin", configuration, "net10.0", "App.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build App first", dll);
    }

    public async ValueTask DisposeAsync()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
        _process?.Dispose();
        if (Environment.GetEnvironmentVariable("UNDB_BENCH_KEEP") == "1")
        {
            File.WriteAllText(Path.Combine(DataDirectory, "app.log"), _log.ToString());
            Console.WriteLine($"  kept the app's data and log in {DataDirectory}");
            return;
        }
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex Listening();
}
