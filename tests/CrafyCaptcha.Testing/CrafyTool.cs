using System.Diagnostics;

namespace CrafyCaptcha.Testing;

/// <summary>What a run of the <c>crafy</c> tool printed and returned.</summary>
public sealed record CliResult(int ExitCode, string Output, string Error);

/// <summary>The <c>crafy</c> tool run as a real process (<c>dotnet CrafyCaptcha.Cli.dll …</c>), at most 60 seconds.</summary>
public static class CrafyTool
{
    /// <summary>
    /// Runs the tool at <paramref name="dll"/> with <paramref name="args"/>; the variables in
    /// <paramref name="environment"/> are set (a null value removes one), CRAFY_SECRET_KEY and CRAFY_DATABASE are removed
    /// unless given.
    /// </summary>
    public static async Task<CliResult> RunAsync(string dll, IEnumerable<string> args, IReadOnlyDictionary<string, string?>? environment = null)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        start.ArgumentList.Add(dll);
        foreach (string arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        start.Environment.Remove("CRAFY_SECRET_KEY");
        start.Environment.Remove("CRAFY_DATABASE");
        foreach ((string key, string? value) in environment ?? new Dictionary<string, string?>())
        {
            start.Environment[key] = value;
        }

        using Process process = Process.Start(start)!;
        Task<string> output = process.StandardOutput.ReadToEndAsync();
        Task<string> error = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        await process.WaitForExitAsync(timeout.Token);
        return new CliResult(process.ExitCode, await output, await error);
    }
}
