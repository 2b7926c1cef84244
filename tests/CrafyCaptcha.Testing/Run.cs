using System.Diagnostics;
using System.Text;

namespace CrafyCaptcha.Testing;

/// <summary>Runs a command as a real process, with a time limit, and keeps what it printed for failure messages.</summary>
public static class Run
{
    public static async Task<RunResult> ProcessAsync(string fileName, IEnumerable<string> arguments, string workingDirectory, TimeSpan timeout, IReadOnlyDictionary<string, string?>? environment = null)
    {
        ProcessStartInfo start = StartInfo(fileName, arguments, workingDirectory, environment);
        using Process process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {fileName}");
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
            return new RunResult(Describe(start), -1, await output, await error + $"\n(killed after {timeout.TotalSeconds:0} s)");
        }

        return new RunResult(Describe(start), process.ExitCode, await output, await error);
    }

    public static ProcessStartInfo StartInfo(string fileName, IEnumerable<string> arguments, string workingDirectory, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (string argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        // The test host's MSBuild variables would steer the child builds; a user's shell has none of them.
        foreach (string name in start.Environment.Keys.Where(k => k.StartsWith("MSBUILD", StringComparison.OrdinalIgnoreCase) || k.StartsWith("VSTEST", StringComparison.OrdinalIgnoreCase)).ToList())
        {
            start.Environment.Remove(name);
        }

        start.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        start.Environment["DOTNET_NOLOGO"] = "1";
        start.Environment["DOTNET_SKIP_FIRST_TIME_EXPERIENCE"] = "1";
        foreach ((string key, string? value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        return start;
    }

    private static string Describe(ProcessStartInfo start) => $"{start.FileName} {string.Join(' ', start.ArgumentList)} (in {start.WorkingDirectory})";
}

/// <summary>A finished process.</summary>
public sealed record RunResult(string Command, int ExitCode, string Output, string Error)
{
    /// <summary>Everything a failure message needs.</summary>
    public override string ToString()
    {
        var text = new StringBuilder();
        text.AppendLine($"$ {Command}");
        text.AppendLine($"exit code {ExitCode}");
        text.AppendLine("--- stdout ---").AppendLine(Tail(Output));
        text.AppendLine("--- stderr ---").AppendLine(Tail(Error));
        return text.ToString();
    }

    public RunResult EnsureSuccess()
        => ExitCode == 0 ? this : throw new Xunit.Sdk.XunitException($"command failed:\n{this}");

    private static string Tail(string text) => text.Length <= 6000 ? text : "…" + text[^6000..];
}
