using System.Collections.Concurrent;
using System.Diagnostics;
using System.Text;

namespace Doorbuster.Tests.Infrastructure;

/// <summary>
/// A real <c>src/Silo</c> or <c>src/Api</c> process, started from the build output next to this test run
/// with its configuration in environment variables, as an operator would start it.
/// </summary>
public sealed class DoorbusterProcess : IAsyncDisposable
{
    /// <summary>A folder to write every process's whole output to, for a failure the last 200 lines do not explain.</summary>
    public const string LogFolderVariable = "DOORBUSTER_TEST_LOGS";

    private readonly Process _process;
    private readonly ConcurrentQueue<string> _log = new();
    private readonly Queue<string> _errors = new();
    private readonly Lock _errorGate = new();
    private StringBuilder? _error;

    private DoorbusterProcess(string name, Process process, Uri httpAddress)
    {
        Name = name;
        _process = process;
        HttpAddress = httpAddress;
    }

    public string Name { get; }

    public Uri HttpAddress { get; }

    /// <summary>The last lines the process wrote, for failure messages.</summary>
    public string RecentLog => string.Join(Environment.NewLine, _log.TakeLast(40));

    /// <summary>Whether the process has ended (stopped, crashed or been killed).</summary>
    public bool HasExited => _process.HasExited;

    /// <summary>Every line kept (the last 200), for a test that reports what a process did.</summary>
    public string Log => string.Join(Environment.NewLine, _log);

    /// <summary>
    /// Every entry the process logged at Error or Critical (the console's <c>fail:</c> and <c>crit:</c>, with the
    /// message and exception lines under it; the last 100 entries), kept apart from <see cref="Log"/> so that
    /// a failure seen at the end of a long run can still be explained by what the process said when it happened.
    /// </summary>
    public IReadOnlyCollection<string> Errors
    {
        get
        {
            lock (_errorGate)
            {
                return [.. _errors, .. _error is { } open ? [open.ToString()] : Array.Empty<string>()];
            }
        }
    }

    public static DoorbusterProcess Start(string project, string name, IReadOnlyDictionary<string, string> environment)
    {
        var port = FreePorts.Next();
        var dll = RepositoryLayout.BuiltAssembly("src", project);
        var start = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(dll)!,
        };
        start.ArgumentList.Add(dll);
        start.Environment["ASPNETCORE_URLS"] = $"http://127.0.0.1:{port}";
        start.Environment["DOTNET_ENVIRONMENT"] = "Production";
        start.Environment["ASPNETCORE_ENVIRONMENT"] = "Production";
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"{name} did not start.");
        var started = new DoorbusterProcess(name, process, new Uri($"http://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => started.Remember(e.Data);
        process.ErrorDataReceived += (_, e) => started.Remember(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return started;
    }

    public async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var http = new HttpClient { BaseAddress = HttpAddress, Timeout = TimeSpan.FromSeconds(3) };
        var deadline = DateTime.UtcNow + timeout;
        while (DateTime.UtcNow < deadline)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"{Name} exited with {_process.ExitCode}:{Environment.NewLine}{RecentLog}");
            }

            try
            {
                if ((await http.GetAsync("/health/ready")).IsSuccessStatusCode)
                {
                    return;
                }
            }
            catch (HttpRequestException)
            {
            }
            catch (TaskCanceledException)
            {
            }

            await Task.Delay(250);
        }

        throw new TimeoutException($"{Name} was not ready within {timeout}:{Environment.NewLine}{RecentLog}");
    }

    /// <summary>
    /// Asks the process to stop (SIGTERM, as Kubernetes and docker do) and waits up to <paramref name="timeout"/>;
    /// returns how long it took, or <c>null</c> when it was still running.
    /// </summary>
    public async Task<TimeSpan?> TerminateAsync(TimeSpan timeout)
    {
        var clock = Stopwatch.StartNew();
        using (var kill = Process.Start("kill", ["-TERM", _process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            await kill.WaitForExitAsync();
        }

        return await ExitCodeAsync(timeout) is null ? null : clock.Elapsed;
    }

    /// <summary>Waits up to <paramref name="timeout"/> for the process to end by itself; its exit code, or <c>null</c> while it runs.</summary>
    public async Task<int?> ExitCodeAsync(TimeSpan timeout)
    {
        using var deadline = new CancellationTokenSource(timeout);
        try
        {
            await _process.WaitForExitAsync(deadline.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    /// <summary>Kills the process at once: no graceful shutdown, like a crashed machine.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        if (Environment.GetEnvironmentVariable(LogFolderVariable) is { Length: > 0 } folder)
        {
            lock (_log)
            {
                Directory.CreateDirectory(folder);
                File.AppendAllText(Path.Combine(folder, $"{Name}.log"), $"{DateTime.UtcNow:HH:mm:ss.fff} {line}{Environment.NewLine}");
            }
        }

        KeepIfError(line);
        _log.Enqueue(line);
        while (_log.Count > 200 && _log.TryDequeue(out _))
        {
        }
    }

    /// <summary>The console logger writes an entry as a <c>level: category[id]</c> line followed by indented lines.</summary>
    private void KeepIfError(string line)
    {
        lock (_errorGate)
        {
            if (line.Length > 0 && char.IsWhiteSpace(line[0]))
            {
                _error?.AppendLine(line);
                return;
            }

            if (_error is not null)
            {
                _errors.Enqueue(_error.ToString());
                _error = null;
                if (_errors.Count > 100)
                {
                    _errors.Dequeue();
                }
            }

            if (line.StartsWith("fail: ", StringComparison.Ordinal) || line.StartsWith("crit: ", StringComparison.Ordinal))
            {
                _error = new StringBuilder().AppendLine(line);
            }
        }
    }
}

/// <summary>Where the repository and the build outputs of its projects are.</summary>
public static class RepositoryLayout
{
    public static string Root { get; } = FindRoot();

    /// <summary>The built dll of <c>{folder}/{project}</c>, in the configuration this test run was built in.</summary>
    public static string BuiltAssembly(string folder, string project)
    {
        var configuration = AppContext.BaseDirectory.Contains($"{Path.DirectorySeparatorChar}Release{Path.DirectorySeparatorChar}") ? "Release" : "Debug";
        var directory = folder == "tests" ? $"Doorbuster.{project}" : project;
        var dll = Path.Combine(Root, folder, directory, "bin", configuration, "net10.0", $"Doorbuster.{project}.dll");
        return File.Exists(dll) ? dll : throw new FileNotFoundException($"Build {folder}/{directory} first; {dll} is missing.");
    }

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "Orleans.sln")))
            {
                return directory.FullName;
            }
        }

        throw new InvalidOperationException("Orleans.sln not found above " + AppContext.BaseDirectory);
    }
}
