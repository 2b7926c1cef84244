using System.Security.Cryptography;

namespace CrafyCaptcha.Packaging.Tests;

/// <summary>
/// The repository's packages, packed once per test run with <c>dotnet pack</c> into a temporary folder feed, with
/// their own build output (<c>--artifacts-path</c>) so nothing of the solution's own build is touched. Each run gets
/// a unique pre-release version, so no package cache can hand an older build to the consuming app.
/// </summary>
public sealed class PackedFeed : IAsyncLifetime
{
    public static readonly string[] PackageIds = ["CrafyCaptcha", "CrafyCaptcha.AspNetCore.Components", "CrafyCaptcha.AspNetCore", "CrafyCaptcha.Server", "CrafyCaptcha.StackExchangeRedis", "CrafyCaptcha.Server.ControlPanel", "CrafyCaptcha.Cli"];

    public PackedFeed()
    {
        RepositoryRoot = FindRepositoryRoot();
        Root = Path.Combine(Path.GetTempPath(), "crafy-packaging-" + Guid.NewGuid().ToString("N")[..12]);
        Feed = Path.Combine(Root, "feed");
        VersionSuffix = "preview.t" + DateTime.UtcNow.ToString("yyyyMMddHHmmss", System.Globalization.CultureInfo.InvariantCulture) + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(2));
        Version = "0.1.0-" + VersionSuffix;
    }

    /// <summary>The folder holding <c>CrafyCaptcha.AspNetCore.sln</c>.</summary>
    public string RepositoryRoot { get; }

    /// <summary>A temporary folder outside the repository; everything the tests make is under it.</summary>
    public string Root { get; }

    /// <summary>The local folder feed with the .nupkg and .snupkg files.</summary>
    public string Feed { get; }

    public string VersionSuffix { get; }

    public string Version { get; }

    public RunResult? Pack { get; private set; }

    public async Task InitializeAsync()
    {
        Directory.CreateDirectory(Root);
        // A solution of the shipped projects only: packing the whole solution would build every test project too.
        string solution = Path.Combine(Root, "packages.slnx");
        await File.WriteAllTextAsync(solution, "<Solution>\n" + string.Concat(PackageIds.Select(id =>
            $"  <Project Path=\"{Path.Combine(RepositoryRoot, "src", id, id + ".csproj")}\" />\n")) + "</Solution>\n");
        Pack = await Run.ProcessAsync("dotnet", ["pack", solution, "-c", "Release", "-o", Feed, "--artifacts-path", Path.Combine(Root, "artifacts"), $"-p:VersionSuffix={VersionSuffix}"],
            Root, TimeSpan.FromMinutes(8));
    }

    /// <summary>The path of a package in the feed, failing with the pack output when it is missing.</summary>
    public string Package(string id, string extension = "nupkg")
    {
        string path = Path.Combine(Feed, $"{id}.{Version}.{extension}");
        Assert.True(File.Exists(path), $"{Path.GetFileName(path)} was not produced.\n{Pack}");
        return path;
    }

    /// <summary>A nuget.config for a folder outside the repository: the local feed, then nuget.org (as the machine's default config).</summary>
    public string NuGetConfig()
    {
        string machinePackages = Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } configured
            ? configured
            : Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages");
        // The machine's package folder is only read (dependencies already there are not fetched again); what this
        // run restores goes to its own folder, so the machine's cache never holds these test versions.
        string fallback = Directory.Exists(machinePackages)
            ? $"  <fallbackPackageFolders>\n    <add key=\"machine\" value=\"{machinePackages}\" />\n  </fallbackPackageFolders>\n"
            : string.Empty;
        return $"""
            <?xml version="1.0" encoding="utf-8"?>
            <configuration>
              <packageSources>
                <clear />
                <add key="crafy-local" value="{Feed}" />
                <add key="nuget.org" value="https://api.nuget.org/v3/index.json" protocolVersion="3" />
              </packageSources>
              <config>
                <add key="globalPackagesFolder" value="{Path.Combine(Root, "packages")}" />
              </config>
            {fallback}</configuration>
            """;
    }

    public Task DisposeAsync()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // A process that was just killed may still hold a file for a moment; the folder is in the temp area.
        }
        catch (UnauthorizedAccessException)
        {
        }

        return Task.CompletedTask;
    }

    internal static string FindRepositoryRoot()
    {
        for (DirectoryInfo? dir = new(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "CrafyCaptcha.AspNetCore.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("CrafyCaptcha.AspNetCore.sln not found above " + AppContext.BaseDirectory);
    }
}
