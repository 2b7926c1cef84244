namespace CrafyCaptcha.Packaging.Tests;

/// <summary>
/// The repository builds wherever it is cloned: a clone at <c>~/src/&lt;repo&gt;</c> (a common layout) once applied the
/// shipped packages' rules (XML docs as errors, the public API analyzer) to every project, because they were keyed on
/// a <c>/src/</c> segment of the path. The copy here holds the repository's tracked files, as a clone would.
/// </summary>
public sealed class CloneLocationTests : IDisposable
{
    private readonly string _root = Path.Combine(Path.GetTempPath(), "crafy-clone-" + Guid.NewGuid().ToString("N")[..12]);

    [Fact]
    public async Task A_clone_under_a_folder_named_src_builds_its_tests_and_gives_docs_rules_only_to_src()
    {
        string repository = PackedFeed.FindRepositoryRoot();
        string clone = Path.Combine(_root, "src", "crafycaptcha-dotnet");
        await CopyTrackedFilesAsync(repository, clone);

        // Every project keeps its role: the shipped ones (under the repository's src/) have XML docs, the rest not.
        string[] projects = [.. Directory.EnumerateFiles(clone, "*.csproj", SearchOption.AllDirectories).Order(StringComparer.Ordinal)];
        Assert.NotEmpty(projects);
        foreach (string project in projects)
        {
            RunResult evaluated = (await Run.ProcessAsync("dotnet", ["msbuild", project, "-getProperty:IsPackable", "-getProperty:GenerateDocumentationFile"], clone, TimeSpan.FromMinutes(2))).EnsureSuccess();
            bool shipped = Path.GetRelativePath(clone, project).StartsWith("src" + Path.DirectorySeparatorChar, StringComparison.Ordinal);
            string expected = shipped ? "\"true\"" : "\"false\"";
            Assert.True(evaluated.Output.Contains($"\"GenerateDocumentationFile\": {expected}", StringComparison.Ordinal), $"{Path.GetRelativePath(clone, project)}:\n{evaluated}");
        }

        // The failure a user saw: a test project under …/src/<repo>/tests fails with CS1591 (no XML docs on public test classes).
        RunResult build = await Run.ProcessAsync("dotnet", ["build", Path.Combine(clone, "tests", "CrafyCaptcha.Tests", "CrafyCaptcha.Tests.csproj"), "-v", "q", "-nologo"], clone, TimeSpan.FromMinutes(6));
        Assert.True(build.ExitCode == 0, $"the clone under src/ did not build:\n{build}");
    }

    private static async Task CopyTrackedFilesAsync(string repository, string target)
    {
        IEnumerable<string> files;
        if (Directory.Exists(Path.Combine(repository, ".git")) || File.Exists(Path.Combine(repository, ".git")))
        {
            RunResult listed = (await Run.ProcessAsync("git", ["ls-files", "--cached", "--others", "--exclude-standard"], repository, TimeSpan.FromMinutes(1))).EnsureSuccess();
            files = listed.Output.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries);
        }
        else
        {
            files = Directory.EnumerateFiles(repository, "*", SearchOption.AllDirectories)
                .Select(f => Path.GetRelativePath(repository, f))
                .Where(f => !f.Split(Path.DirectorySeparatorChar).Any(part => part is "bin" or "obj" or "TestResults" or ".git"));
        }

        foreach (string file in files)
        {
            string source = Path.Combine(repository, file);
            if (!File.Exists(source))
            {
                continue; // deleted in the working tree, not yet committed
            }

            string destination = Path.Combine(target, file);
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(source, destination);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(_root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
