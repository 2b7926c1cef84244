using System.Reflection;
using System.Runtime.CompilerServices;
using System.Text.RegularExpressions;
using CrafyCaptcha.AspNetCore;
using Microsoft.AspNetCore.Builder;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace CrafyCaptcha.Server.Tests;

/// <summary>
/// The packages meet through public API only, and the embedded engine replaces the public-token provider without
/// knowing the ASP.NET Core integration's internal type: keys it does not serve go to whatever was registered before.
/// </summary>
public sealed class BoundaryTests
{
    private const string OtherPublicKey = "pk_8868cdb2a4575e8755324cb77bf5be3a";
    private const string OtherSecretKey = "sk_5526a47fc8b0eae583e42f4219e53e5fa96ed80cc4c1b7246e548e402b7a81b9";

    [Theory]
    [InlineData(typeof(ICrafyCaptcha))]
    [InlineData(typeof(ICrafyPublicTokenProvider))]
    [InlineData(typeof(ChallengeServerOptions))]
    [InlineData(typeof(CrafyCaptcha.Server.ControlPanel.ControlPanelOptions))]
    [InlineData(typeof(CrafyCaptcha.StackExchangeRedis.RedisNonceStoreOptions))]
    public void Internals_are_visible_to_tests_and_benchmarks_only(Type fromPackage)
    {
        string[] friends = [.. fromPackage.Assembly.GetCustomAttributes<InternalsVisibleToAttribute>().Select(a => a.AssemblyName)];
        Assert.NotEmpty(friends);
        Assert.All(friends, name => Assert.True(
            name.EndsWith(".Tests", StringComparison.Ordinal) || name is "CrafyCaptcha.Benchmarks" or "CrafyCaptcha.Testing",
            $"{fromPackage.Assembly.GetName().Name} shows its internals to {name}, which is neither a test project nor the benchmarks."));
    }

    [Fact]
    public void FlowService_is_the_only_type_that_loads_or_saves_flow_records()
    {
        // Flow records are loaded and saved through FlowRepository alone (it owns their keys); so whoever holds one
        // can write flows. Only FlowService may: the puzzles, proof-of-work, program and trail checks are judges.
        Assembly engine = typeof(ChallengeServerOptions).Assembly;
        Type repository = engine.GetType("CrafyCaptcha.Server.Flows.FlowRepository", throwOnError: true)!;
        const BindingFlags All = BindingFlags.Instance | BindingFlags.Static | BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.DeclaredOnly;
        static Type Outermost(Type t) => t.DeclaringType is { } outer ? Outermost(outer) : t; // async state machines, closures
        string[] holders = [.. engine.GetTypes()
            .Where(t => t.GetConstructors(All).Any(c => c.GetParameters().Any(p => p.ParameterType == repository))
                || t.GetFields(All).Any(f => f.FieldType == repository))
            .Select(Outermost)
            .Where(t => t != repository)
            .Select(t => t.FullName!)
            .Distinct()
            .Order(StringComparer.Ordinal)];

        Assert.Equal(["CrafyCaptcha.Server.Flows.FlowService"], holders);
    }

    [Fact]
    public void The_engines_areas_reference_each_other_in_one_direction_only()
    {
        // The namespaces below CrafyCaptcha.Server (Api, Flows, Puzzles, Pow, Rendering, …) from the source: a using
        // directive or a qualified name is a reference (comments are not). The root namespace, the engine's public API
        // (its options, ChallengeCredential), may be used by every area. A cycle between areas fails the test.
        string root = Path.Combine(RepositoryRoot(), "src", "CrafyCaptcha.Server");
        var references = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (string file in Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories).Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal)))
        {
            string code = Regex.Replace(Regex.Replace(File.ReadAllText(file), @"/\*.*?\*/", string.Empty, RegexOptions.Singleline), "//.*", string.Empty);
            if (Regex.Match(code, @"^namespace CrafyCaptcha\.Server\.(\w+);", RegexOptions.Multiline) is not { Success: true } own)
            {
                continue;
            }

            HashSet<string> used = references.TryGetValue(own.Groups[1].Value, out HashSet<string>? set) ? set : references[own.Groups[1].Value] = new(StringComparer.Ordinal);
            foreach (Match reference in Regex.Matches(code, @"(?:using CrafyCaptcha\.Server\.|CrafyCaptcha\.Server\.|(?<![\w.]))(\w+)(?:;|\.[A-Z])"))
            {
                string area = reference.Groups[1].Value;
                if (area != own.Groups[1].Value && Directory.Exists(Path.Combine(root, area)))
                {
                    used.Add(area);
                }
            }
        }

        Assert.Contains("Puzzles", references["Flows"]); // the scan sees references at all
        var cycles = new List<string>();
        foreach (string start in references.Keys)
        {
            // Depth-first from each area: reaching the start again is a cycle.
            var path = new Stack<string>([start]);
            void Walk(string area)
            {
                foreach (string next in references.GetValueOrDefault(area) ?? [])
                {
                    if (next == start)
                    {
                        cycles.Add(string.Join(" -> ", path.Reverse().Append(start)));
                    }
                    else if (!path.Contains(next))
                    {
                        path.Push(next);
                        Walk(next);
                        path.Pop();
                    }
                }
            }

            Walk(start);
        }

        Assert.True(cycles.Count == 0, "namespace cycles in the engine:\n" + string.Join("\n", cycles.Distinct()));
    }

    [Fact]
    public void Every_refusal_has_one_wire_code_of_its_own_and_only_Api_writes_codes()
    {
        string[] codes = [.. Enum.GetValues<ChallengeRefusal>().Select(CrafyCaptcha.Server.Api.VerifyEndpoint.Code)];
        Assert.Equal(codes.Length, codes.Distinct(StringComparer.Ordinal).Count());
        Assert.All(codes, c => Assert.Matches("^[a-z]+(_[a-z]+)*$", c));

        // The judges and FlowService speak ChallengeRefusal; a wire code written anywhere else would be a second mapping.
        string root = Path.Combine(RepositoryRoot(), "src", "CrafyCaptcha.Server");
        string[] elsewhere = [.. Directory.EnumerateFiles(root, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains($"{Path.DirectorySeparatorChar}Api{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Where(f => codes.Where(c => c.Contains('_', StringComparison.Ordinal) && c != "turnstile_unavailable").Any(c => File.ReadAllText(f).Contains($"\"{c}\"", StringComparison.Ordinal)))
            .Select(f => Path.GetRelativePath(root, f))];
        Assert.Empty(elsewhere);
    }

    [Fact]
    public void The_sibling_only_crypto_and_wire_helpers_are_not_public_API()
    {
        string[] siblingOnly = ["SecretBox", "FlowOptionsWriter", "CaptchaTokenInspection", "CaptchaTokenReader", "LenientBase64"];
        foreach (Assembly package in new[] { typeof(ICrafyCaptcha).Assembly, typeof(ChallengeServerOptions).Assembly, typeof(ICrafyPublicTokenProvider).Assembly })
        {
            string[] exported = [.. package.GetExportedTypes().Select(t => t.Name).Intersect(siblingOnly)];
            Assert.True(exported.Length == 0, $"{package.GetName().Name} publishes {string.Join(", ", exported)}: share it as linked source from src/Shared instead.");
        }

        string publicApi = File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "CrafyCaptcha", "PublicAPI.Unshipped.txt"))
            + File.ReadAllText(Path.Combine(RepositoryRoot(), "src", "CrafyCaptcha", "PublicAPI.Shipped.txt"));
        Assert.All(siblingOnly, name => Assert.DoesNotContain("." + name, publicApi, StringComparison.Ordinal));
    }

    [Fact]
    public void Test_projects_reference_the_test_support_project_and_what_they_test_never_another_test_project()
    {
        string tests = Path.Combine(RepositoryRoot(), "tests");
        var offenders = new List<string>();
        foreach (string project in Directory.EnumerateFiles(tests, "*.csproj", SearchOption.AllDirectories))
        {
            string text = File.ReadAllText(project);
            foreach (Match reference in Regex.Matches(text, "<ProjectReference Include=\"([^\"]+)\""))
            {
                string target = reference.Groups[1].Value.Replace('\\', '/');
                if (target.Contains(".Tests/", StringComparison.Ordinal) || target.Contains(".Tests.csproj", StringComparison.Ordinal))
                {
                    offenders.Add($"{Path.GetFileName(project)} -> {target}");
                }
            }

            Assert.DoesNotMatch("<Compile Include=\"\\.\\./(Shared|[^\"]*\\.Tests)/", text);
        }

        Assert.True(offenders.Count == 0, "test projects that reference another test project:\n" + string.Join("\n", offenders));
    }

    [Fact]
    public void No_source_file_of_a_package_is_over_500_lines()
    {
        string src = Path.Combine(RepositoryRoot(), "src");
        string[] large = [.. Directory.EnumerateFiles(src, "*.cs", SearchOption.AllDirectories)
            .Where(f => !f.Contains("/obj/", StringComparison.Ordinal) && !f.Contains("/bin/", StringComparison.Ordinal))
            .Select(f => (File: Path.GetRelativePath(src, f), Lines: File.ReadLines(f).Count()))
            .Where(f => f.Lines > 500)
            .Select(f => $"{f.File}: {f.Lines} lines")];

        Assert.True(large.Length == 0, "split these by concern:\n" + string.Join("\n", large));
    }

    private static string RepositoryRoot()
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

    [Fact]
    public async Task A_key_the_engine_does_not_serve_gets_the_token_of_the_provider_registered_before()
    {
        await using WebApplication app = Build(s =>
        {
            s.AddSingleton<ICrafyPublicTokenProvider>(new FixedProvider("pt_from_before"));
            s.AddCrafyCaptcha().AddEmbeddedChallengeServer();
            s.Configure<CrafyCaptchaOptions>(o => (o.PublicKey, o.SecretKey) = (OtherPublicKey, OtherSecretKey));
        });

        Assert.Equal("pt_from_before", await app.Services.GetRequiredService<ICrafyPublicTokenProvider>().GetPublicTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task Test_credentials_beside_the_engine_keep_their_own_public_token()
    {
        await using WebApplication app = Build(s =>
        {
            s.AddCrafyCaptcha().AddEmbeddedChallengeServer();
            s.Configure<CrafyCaptchaOptions>(o => (o.PublicKey, o.SecretKey) = (CrafyCaptchaTestCredentials.PublicKey, CrafyCaptchaTestCredentials.AlwaysPassesSecretKey));
        });

        Assert.Equal(CrafyCaptchaTestCredentials.PublicToken, await app.Services.GetRequiredService<ICrafyPublicTokenProvider>().GetPublicTokenAsync(CancellationToken.None));
    }

    [Fact]
    public async Task The_engines_own_key_gets_the_engines_token_not_the_fallback()
    {
        await using WebApplication app = Build(s =>
        {
            s.AddSingleton<ICrafyPublicTokenProvider>(new FixedProvider("pt_from_before"));
            s.AddCrafyCaptcha().AddEmbeddedChallengeServer();
        });

        string? token = await app.Services.GetRequiredService<ICrafyPublicTokenProvider>().GetPublicTokenAsync(CancellationToken.None);
        Assert.False(string.IsNullOrEmpty(token));
        Assert.NotEqual("pt_from_before", token);
    }

    private static WebApplication Build(Action<IServiceCollection> configure)
    {
        WebApplicationBuilder builder = WebApplication.CreateBuilder(new WebApplicationOptions { EnvironmentName = Environments.Development });
        configure(builder.Services);
        return builder.Build();
    }

    private sealed class FixedProvider(string token) : ICrafyPublicTokenProvider
    {
        public ValueTask<string?> GetPublicTokenAsync(CancellationToken cancellationToken) => ValueTask.FromResult<string?>(token);
    }
}
