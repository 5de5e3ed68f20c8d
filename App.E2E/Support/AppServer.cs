using System.Diagnostics;
using System.Text;
using System.Text.RegularExpressions;

namespace Undb.E2E.Support;

/// <summary>
/// Runs the real app (App.dll from App's build output) as a separate process on a free loopback port with a
/// temporary SQLite database. It can be killed without a graceful stop and started again on the same database.
/// </summary>
public sealed partial class AppServer : IAsyncDisposable
{
    public const string AdminEmail = "admin@example.com";
    public const string AdminPassword = "Adm1nPassw0rd";
    public const string ApiToken = "undb_e2e_token_0123456789abcdef";

    private readonly StringBuilder _log = new();
    private readonly Dictionary<string, string> _settings;
    private Process? _process;

    public AppServer(IDictionary<string, string>? settings = null, string? dataDirectory = null)
    {
        DataDirectory = dataDirectory ?? Path.Combine(Path.GetTempPath(), "undb-e2e", Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(DataDirectory);
        _settings = new Dictionary<string, string>(settings ?? new Dictionary<string, string>());
    }

    public string DataDirectory { get; }

    public string DatabasePath => Path.Combine(DataDirectory, "undb.db");

    /// <summary>The app process's id once started (it stays readable after the process ends).</summary>
    public int ProcessId => _process?.Id ?? 0;

    /// <summary>http://127.0.0.1:port once started.</summary>
    public string BaseUrl { get; private set; } = "";

    public string Log
    {
        get
        {
            lock (_log)
            {
                return _log.ToString();
            }
        }
    }

    public async Task StartAsync(bool withBootstrap = true, TimeSpan? timeout = null)
    {
        var listening = new TaskCompletionSource<string>(TaskCreationOptions.RunContinuationsAsynchronously);
        _process = new Process { StartInfo = StartInfo(withBootstrap), EnableRaisingEvents = true };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, listening);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, listening);
        _process.Exited += (sender, _) =>
        {
            // Waiting without a timeout lets the redirected output be read to the end, so the message says why.
            ((Process)sender!).WaitForExit();
            listening.TrySetException(new InvalidOperationException("The app exited before listening:\n" + Log));
        };
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();

        var wait = timeout ?? TimeSpan.FromSeconds(60);
        var done = await Task.WhenAny(listening.Task, Task.Delay(wait));
        if (done != listening.Task)
        {
            Kill();
            throw new TimeoutException($"The app did not start listening within {wait}:\n{Log}");
        }
        BaseUrl = (await listening.Task).TrimEnd('/');
    }

    /// <summary>Starts the app and waits for it to stop on its own (a start-up that must fail): its exit code and everything it printed.</summary>
    public async Task<(int ExitCode, string Output)> RunToExitAsync(bool withBootstrap = true, TimeSpan? timeout = null)
    {
        var ignored = new TaskCompletionSource<string>();
        _process = new Process { StartInfo = StartInfo(withBootstrap) };
        _process.OutputDataReceived += (_, e) => OnLine(e.Data, ignored);
        _process.ErrorDataReceived += (_, e) => OnLine(e.Data, ignored);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
        using var cts = new CancellationTokenSource(timeout ?? TimeSpan.FromSeconds(60));
        try
        {
            await _process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            Kill();
            throw new TimeoutException($"The app was expected to stop on its own but is still running:\n{Log}");
        }
        // WaitForExit without a timeout also waits for the redirected streams to be read to the end.
        _process.WaitForExit();
        return (_process.ExitCode, Log);
    }

    private ProcessStartInfo StartInfo(bool withBootstrap)
    {
        var appDll = FindAppDll();
        var info = new ProcessStartInfo("dotnet", [appDll, "--urls", "http://127.0.0.1:0"])
        {
            WorkingDirectory = Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(Path.GetDirectoryName(appDll))))!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.Environment["ASPNETCORE_ENVIRONMENT"] = "Development";
        info.Environment["ConnectionStrings__Default"] = $"Data Source={DatabasePath}";
        info.Environment["Logging__LogLevel__Default"] = "Information";
        info.Environment["Logging__Console__FormatterName"] = "simple";
        if (Diagnostics.Folder is not null)
        {
            // Times to line up with browser.log, and when circuits opened, dropped and closed.
            info.Environment["Logging__Console__FormatterOptions__TimestampFormat"] = "HH:mm:ss.fff ";
            info.Environment["Logging__Console__FormatterOptions__UseUtcTimestamp"] = "true";
            info.Environment["Logging__LogLevel__Microsoft.AspNetCore.Components.Server.Circuits"] = "Debug";
        }
        if (withBootstrap)
        {
            info.Environment["Bootstrap__AdminEmail"] = AdminEmail;
            info.Environment["Bootstrap__AdminPassword"] = AdminPassword;
            info.Environment["Bootstrap__ApiToken"] = ApiToken;
        }
        foreach (var (key, value) in _settings)
        {
            info.Environment[key.Replace(":", "__")] = value;
        }
        return info;
    }

    /// <summary>Ends the process at once, as a crash would: no graceful shutdown, no flushing.</summary>
    public void Kill()
    {
        if (_process is { HasExited: false })
        {
            _process.Kill(entireProcessTree: true);
            _process.WaitForExit(10_000);
        }
    }

    public HttpClient CreateApiClient()
    {
        var client = new HttpClient { BaseAddress = new Uri(BaseUrl) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", ApiToken);
        return client;
    }

    private void OnLine(string? line, TaskCompletionSource<string> listening)
    {
        if (line is null)
        {
            return;
        }
        lock (_log)
        {
            _log.AppendLine(line);
        }
        var match = ListeningLine().Match(line);
        if (match.Success)
        {
            listening.TrySetResult(match.Groups[1].Value);
        }
    }

    /// <summary>App/bin/&lt;configuration&gt;/net10.0/App.dll, built by the project reference; same configuration as the tests.</summary>
    public static string FindAppDll()
    {
        var testBin = AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar); // …/App.E2E/bin/<config>/net10.0
        var configuration = new DirectoryInfo(testBin).Parent!.Name;
        var dir = new DirectoryInfo(testBin);
        while (dir is not null && !File.Exists(Path.Combine(dir.FullName, "Undb.Blazor.sln")))
        {
            dir = dir.Parent;
        }
        if (dir is null)
        {
            throw new InvalidOperationException("Could not find Undb.Blazor.sln above " + testBin);
        }
        var dll = Path.Combine(dir.FullName, "App", "bin", configuration, "net10.0", "App.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException("Build the App project first: " + dll);
    }

    public async ValueTask DisposeAsync()
    {
        Kill();
        if (Diagnostics.Folder is { } folder && _process is not null)
        {
            await File.WriteAllTextAsync(Path.Combine(folder, $"server-{DateTime.UtcNow:HHmmss.fff}-{ProcessId}.log"), Log);
        }
        _process?.Dispose();
        await Task.Delay(100);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();
}
